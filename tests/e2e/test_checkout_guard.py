"""The session guard that keeps browser tests out of the checkout's frontend notices a
rebuild (no browser needed)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import PROJECT_ROOT, checkout_fingerprint


def test_fingerprint_changes_when_a_frontend_is_built_or_rebuilt(tmp_path: Path) -> None:
    empty = checkout_fingerprint(tmp_path)
    assert set(empty.values()) == {"False", "absent"}

    web = tmp_path / ".web"
    web.mkdir()
    (web / "package.json").write_text('{"name": "reflex"}')
    built = checkout_fingerprint(tmp_path)
    assert built[".web"] == "True" and built[".web/package.json"] != "absent"

    # Same content written again (what a rebuild does) still shows as a change.
    stat = (web / "package.json").stat()
    os.utime(web / "package.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert checkout_fingerprint(tmp_path)[".web/package.json"] != built[".web/package.json"]
    assert checkout_fingerprint(tmp_path)[".gitignore"] == "absent"


def test_the_session_app_root_is_outside_the_checkout(app_root: Path) -> None:
    assert PROJECT_ROOT not in app_root.parents
    assert (app_root / "rxconfig.py").read_text() == (PROJECT_ROOT / "rxconfig.py").read_text()
    assert os.environ["REFLEX_WEB_WORKDIR"] == str(app_root / ".web")
    assert os.environ["REFLEX_STATES_WORKDIR"] == str(app_root / ".states")
    assert os.environ["REFLEX_UPLOADED_FILES_DIR"] == str(app_root / "uploaded_files")
