"""Browser tests: the real app (reflex.testing.AppHarness, dev frontend) on a
fresh migrated SQLite database, driven by Playwright on Debian's Chromium.

One harness per test module (scope="module"; about 16-20 s to start). A test
module seeds its data through services in a module-level `seed()` function
that the `app` fixture calls after migrating and before starting the app.
Screenshots go to test-output/. Without Chromium the tests fail in CI
(CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Import the app once, at collection, so its page states are registered in the
# base registration context that every AppHarness forks: a harness forgets the
# states first registered inside its own fork when it stops, which would leave
# the next module's harness without them.
import reach_app.reach_app  # noqa: F401
import reach_app.ui.pages
from reach_app.db.engine import dispose_engines
from reach_app.settings import reset_settings_cache
from tests.conftest import IN_CI
from tests.support.databases import PROJECT_ROOT, migrate

# Some pages import a part of their state while the page is built (the
# Accounts page's Telegram wizard): import every page module now, for the
# same reason as above.
for _page in pkgutil.iter_modules(reach_app.ui.pages.__path__, "reach_app.ui.pages."):
    importlib.import_module(_page.name)

CHROMIUM = os.environ.get("REACH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
TIMEOUT_MS = 20_000


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The running app on its own database; yields the AppHarness."""
    _require_chromium()
    from reflex.testing import AppHarness

    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'reach.db'}"
    saved = {k: os.environ.get(k) for k in ("REFLEX_DB_URL", "REACH_DATA_DIR", "REACH_REDIS_URL")}
    os.environ["REFLEX_DB_URL"] = url
    os.environ["REACH_DATA_DIR"] = str(folder / "data")
    os.environ.pop("REACH_REDIS_URL", None)
    dispose_engines()
    reset_settings_cache()
    migrate(url)
    seed = getattr(request.module, "seed", None)
    request.module.SEEDED = seed() if seed else None
    harness = AppHarness.create(root=PROJECT_ROOT)
    try:
        harness.start()
        _allow_frontend_origin(harness)
        yield harness
    finally:
        harness.stop()
        dispose_engines()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()


def _allow_frontend_origin(harness: Any) -> None:
    """The harness serves the frontend on a random port, known only once it runs; CORS
    allows only configured origins (REACH_CORS_ORIGINS), so add that one origin to the
    lists Reflex built from rxconfig (HTTP middleware and Socket.IO)."""
    from urllib.parse import urlsplit

    from reflex.config import get_config

    parts = urlsplit(harness.frontend_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    lists = [get_config().cors_allowed_origins, harness.app_instance.sio.eio.cors_allowed_origins]
    for origins in lists:
        if isinstance(origins, list) and origin not in origins:
            origins.append(origin)


@pytest.fixture(scope="module")
def browser(app: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, app: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1280 px; the base URL is the app's."""
    context = browser.new_context(
        base_url=app.frontend_url.rstrip("/"), viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/campaigns")
