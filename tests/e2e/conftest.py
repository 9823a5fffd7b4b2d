"""Browser tests: the real app (reflex.testing.AppHarness, dev frontend), driven by
Playwright on Debian's Chromium, each test module on its own fresh migrated SQLite
database.

The app is built in a copy of the app root made for the test session
(rxconfig.py, assets/, reflex.lock/ in a temporary folder), never in the
checkout: its `.web` (the frontend a Reach started from this checkout serves),
`.states`, `.gitignore` and `reflex.lock` are left untouched, and the session
fails if they change. One dev harness serves every module of the session (about
16-20 s to start, the first time also installing the frontend packages into the
copy); the module-scoped `app` fixture points the process at the module's new
database (REFLEX_DB_URL, REACH_DATA_DIR; the backend runs in-process and opens its
engine from the settings on every use), clears the process-wide caches keyed by row
ids, migrates, runs the module's `seed()` and only then starts the embedded worker
and scheduler again, on that database: they are stopped (and the in-memory broker
emptied) between modules, so each module's engine starts fresh, reading the
settings of that module. A module with PROD_FRONTEND = True gets its own production
harness instead (the dev harness is stopped first, and started again if a dev
module follows; such modules run after the other browser tests). Screenshots go to
test-output/. Without Chromium the tests fail in CI (CI=true) and are skipped
elsewhere.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The session's app root, outside the checkout. Reflex's web and states folders point
# into it before the app is imported (importing it creates the states folder, and
# starting a harness empties it), as absolute paths: the backend thread runs in the
# checkout's working directory.
SESSION_DIR = Path(tempfile.mkdtemp(prefix="reach-e2e-"))
APP_ROOT = SESSION_DIR / "app"
os.environ["REFLEX_WEB_WORKDIR"] = str(APP_ROOT / ".web")
os.environ["REFLEX_STATES_WORKDIR"] = str(APP_ROOT / ".states")
os.environ["REFLEX_UPLOADED_FILES_DIR"] = str(APP_ROOT / "uploaded_files")

# Import the app once, at collection, so its page states are registered in the
# base registration context that every AppHarness forks: a harness forgets the
# states first registered inside its own fork when it stops, which would leave
# the next module's harness without them.
import reach_app.reach_app  # noqa: E402, F401
import reach_app.ui.pages  # noqa: E402
from reach_app.db.session import dispose_engines  # noqa: E402
from reach_app.settings import reset_settings_cache  # noqa: E402
from tests.conftest import IN_CI  # noqa: E402
from tests.support.databases import PROJECT_ROOT, migrate  # noqa: E402

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


# What the harness needs of the app root; the Python code itself is imported from the
# installed package (the checkout), so `reach_app/` is not copied.
APP_ROOT_FILES = ("rxconfig.py",)
APP_ROOT_DIRS = ("assets", "reflex.lock")
# What of the checkout a test run must never create, change or delete: building a
# frontend rewrites .web/package.json and .web/reflex.json (a Reach running from the
# checkout writes its own .states and recompiles .web/app while running, so those are
# compared by existence only; so is Reflex's upload folder).
GUARDED_FILES = (
    ".gitignore",
    "reflex.lock/package.json",
    "reflex.lock/package-lock.json",
    ".web/package.json",
    ".web/reflex.json",
)
GUARDED_DIRS = (".web", ".states", "uploaded_files")


def checkout_fingerprint(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """Each guarded file -> "absent" or a digest of its content and mtime; each guarded
    folder -> whether it exists."""
    prints = {name: str((root / name).is_dir()) for name in GUARDED_DIRS}
    for name in GUARDED_FILES:
        path = root / name
        if not path.is_file():
            prints[name] = "absent"
            continue
        digest = hashlib.sha256(path.read_bytes())
        digest.update(str(path.stat().st_mtime_ns).encode())
        prints[name] = digest.hexdigest()
    return prints


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    """Fails the session if a browser test changed the checkout's .web, .states,
    .gitignore or reflex.lock (a Reach running from the checkout serves that .web)."""
    before = checkout_fingerprint()
    try:
        yield
    finally:
        shutil.rmtree(SESSION_DIR, ignore_errors=True)
    changed = sorted(k for k, v in checkout_fingerprint().items() if before[k] != v)
    assert not changed, f"browser tests changed the checkout's {', '.join(changed)}"


@pytest.fixture(scope="session")
def app_root() -> Path:
    """A copy of the app root for this session (removed with the session folder, built
    frontend and all, by `checkout_untouched`)."""
    APP_ROOT.mkdir(parents=True, exist_ok=True)
    for name in APP_ROOT_FILES:
        shutil.copy2(PROJECT_ROOT / name, APP_ROOT / name)
    for name in APP_ROOT_DIRS:
        shutil.copytree(PROJECT_ROOT / name, APP_ROOT / name, symlinks=True, dirs_exist_ok=True)
    return APP_ROOT


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with PROD_FRONTEND = True run after the other browser tests, so the shared
    dev harness is started once rather than again after a production one."""
    here = Path(__file__).parent

    def prod(item: pytest.Item) -> bool:
        module = getattr(item, "module", None)
        return bool(getattr(module, "PROD_FRONTEND", False)) and here in item.path.parents

    moved = [item for item in items if prod(item)]
    if not moved:
        return
    rest = [item for item in items if not prod(item)]
    ours = [i for i, item in enumerate(rest) if here in item.path.parents]
    cut = ours[-1] + 1 if ours else len(rest)
    items[:] = rest[:cut] + moved + rest[cut:]


class EmbeddedRuntimes:
    """Stands in for `reach_app.runtime.start_embedded_runtime`, which the backend's
    lifespan calls (reach_app.embedded): it starts the real runtime (in-process Dramatiq
    worker and scheduler threads) and hands the lifespan this object, whose `stop()`
    stops whichever runtime is current. Between modules `pause()` stops it and empties
    the in-memory broker (its messages name rows of the previous database), and
    `resume()` starts a new one on the module's database, as a new harness would."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self._lock = threading.Lock()
        self._threads: int | None = None
        self._live = False  # a backend's lifespan has started the runtime, not stopped it
        self._current: Any = None

    def start(self, worker_threads: int | None = None) -> EmbeddedRuntimes:
        with self._lock:
            self._halt()
            self._threads, self._live = worker_threads, True
            self._current = self._start(worker_threads)
            return self

    def stop(self) -> None:
        with self._lock:
            self._live = False
            self._halt()

    def pause(self) -> None:
        with self._lock:
            self._halt()

    def resume(self) -> None:
        with self._lock:
            if self._live and self._current is None:
                self._current = self._start(self._threads)

    @property
    def running(self) -> bool:
        return self._current is not None

    def _halt(self) -> None:
        if self._current is None:
            return
        self._current.stop()
        self._current = None
        from tasks.broker import broker

        broker.flush_all()


class SharedHarness:
    """The session's dev AppHarness, started on first use (by the first dev module, after
    its database is seeded) and stopped for a production harness or at the end."""

    def __init__(self, root: Path, runtimes: EmbeddedRuntimes) -> None:
        self.root = root
        self.runtimes = runtimes
        self.harness: Any = None

    def get(self) -> Any:
        if self.harness is None:
            from reflex.testing import AppHarness

            harness = AppHarness.create(root=self.root, app_name="reach_app")
            try:
                harness.start()
            except BaseException:
                harness.stop()
                raise
            _allow_frontend_origin(harness)
            self.harness = harness
        else:
            self.runtimes.resume()
        return self.harness

    def stop(self) -> None:
        harness, self.harness = self.harness, None
        if harness is not None:
            harness.stop()


@pytest.fixture(scope="session")
def embedded_runtimes() -> Iterator[EmbeddedRuntimes]:
    import reach_app.runtime

    original = reach_app.runtime.start_embedded_runtime
    runtimes = EmbeddedRuntimes(original)
    reach_app.runtime.start_embedded_runtime = runtimes.start  # type: ignore[assignment]
    try:
        yield runtimes
    finally:
        reach_app.runtime.start_embedded_runtime = original  # type: ignore[assignment]


@pytest.fixture(scope="session")
def shared_harness(app_root: Path, embedded_runtimes: EmbeddedRuntimes) -> Iterator[SharedHarness]:
    shared = SharedHarness(app_root, embedded_runtimes)
    try:
        yield shared
    finally:
        shared.stop()


def clear_row_caches() -> None:
    """Process-wide caches keyed by row ids (every new database starts ids at 1) or
    tied to the data folder: the parsed flows of the engine, the scheduler's refresh
    times by campaign, and when each heartbeat was last written."""
    from reach_app.observability import heartbeats
    from reach_app.services import scheduler
    from reach_app.services.engine import loader

    loader._FLOW_CACHE.clear()
    scheduler._LAST_REFRESH.clear()
    heartbeats._last_written.clear()


@pytest.fixture(scope="module")
def app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    app_root: Path,
    shared_harness: SharedHarness,
) -> Iterator[Any]:
    """The running app on this module's own database (ports are picked free by the
    harness); yields the AppHarness: the session's dev harness, or for a module with
    PROD_FRONTEND = True its own production one."""
    _require_chromium()
    from reflex.environment import environment
    from reflex.testing import AppHarnessProd

    # A module with PROD_FRONTEND = True gets the compiled frontend (`reflex export`, the
    # build `reach up --prod` serves) from a static file server, built in the session's
    # root: the dev harness (same .web, same process-wide Reflex config) stops first.
    prod = bool(getattr(request.module, "PROD_FRONTEND", False))
    if prod:
        shared_harness.stop()
    shared_harness.runtimes.pause()  # nothing of the engine runs while databases change
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'reach.db'}"
    saved = {k: os.environ.get(k) for k in ("REFLEX_DB_URL", "REACH_DATA_DIR", "REACH_REDIS_URL")}
    os.environ["REFLEX_DB_URL"] = url
    os.environ["REACH_DATA_DIR"] = str(folder / "data")
    os.environ.pop("REACH_REDIS_URL", None)
    dispose_engines()
    reset_settings_cache()
    clear_row_caches()
    migrate(url)
    seed = getattr(request.module, "seed", None)
    request.module.SEEDED = seed() if seed else None
    env_mode = os.environ.get("REFLEX_ENV_MODE")
    harness = None
    try:
        if prod:
            harness = AppHarnessProd.create(root=app_root, app_name="reach_app")
            harness.start()
            _allow_frontend_origin(harness)
        else:
            harness = shared_harness.get()  # started, or its engine resumed on this database
        yield harness
    finally:
        if prod:
            if harness is not None:
                harness.stop()
            # the export switched the process to prod mode; later modules run dev
            environment.REFLEX_ENV_MODE.set(None)
            if env_mode is not None:
                os.environ["REFLEX_ENV_MODE"] = env_mode
        shared_harness.runtimes.pause()
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
