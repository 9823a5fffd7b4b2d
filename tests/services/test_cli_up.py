"""`reach up`: every documented form starts a server whose API answers.

The servers run as real processes in their own process group, on free ports,
with a temporary database, data folder and Reflex work folders (so a Reach
running from this checkout, and the checkout's own `.web`, are never touched).
The forms that build the frontend (`reach up`, `reach up --prod`) are checked
through the `reflex run` command they produce: building it takes minutes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reach_app.cli import reflex_run_args
from reach_app.settings import PROJECT_ROOT

STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def up_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "REFLEX_"))}
    env.update(
        REFLEX_DB_URL=f"sqlite:///{tmp_path / 'reach.db'}",
        REACH_DATA_DIR=str(tmp_path / "data"),
        REFLEX_WEB_WORKDIR=str(tmp_path / "web"),
        REFLEX_STATES_WORKDIR=str(tmp_path / "states"),
        REFLEX_UPLOADED_FILES_DIR=str(tmp_path / "uploaded_files"),  # not the checkout's
        **extra,
    )
    return env


def wait_for_api(process: subprocess.Popen[bytes], port: int, log: Path) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"reach up exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"the API did not answer on port {port} within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's own process group (only what this test started), then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # children left behind by the leader
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize(
    "form",
    [
        ["--backend-only"],  # port from REACH_BACKEND_PORT
        ["--backend-only", "--backend-port", "{port}"],
        ["--backend-only", "--prod", "--backend-port", "{port}"],
    ],
    ids=["backend-only", "backend-only-with-port", "backend-only-prod"],
)
def test_each_backend_only_form_of_reach_up_serves_the_api(tmp_path: Path, form: list[str]) -> None:
    port = free_port()
    args = [a.replace("{port}", str(port)) for a in form]
    env = up_env(tmp_path, REACH_BACKEND_PORT=str(port))
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "reach_app.cli", "up", *args], cwd=PROJECT_ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        response = wait_for_api(process, port, log)
        assert response.json()["info"]["title"] == "Reach API"
        signed_in = httpx.get(f"http://127.0.0.1:{port}/api/v1/auth/me", timeout=10)
        assert signed_in.status_code == 401  # the real API, answering from the migrated temp database
    finally:
        stop_group(process)
    assert (tmp_path / "reach.db").exists()
    assert "--frontend-port" not in log.read_text()


def test_a_frontend_port_with_backend_only_is_refused_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reach_app.cli", "up", "--backend-only", "--frontend-port", "3999"],
        cwd=PROJECT_ROOT, env=up_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("reach: ") and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reach.db").exists()  # refused before migrating


@pytest.mark.parametrize(
    ("backend_only", "prod", "expected"),
    [
        (False, False, ["--env", "dev", "--frontend-port", "3100", "--backend-port", "8100"]),
        (True, False, ["--env", "dev", "--backend-only", "--backend-port", "8100"]),
        (False, True, ["--env", "prod", "--frontend-port", "3100", "--backend-port", "3100"]),
        (True, True, ["--env", "prod", "--backend-only", "--backend-port", "8100"]),
    ],
)
def test_the_reflex_command_of_each_form_is_one_reflex_accepts(
    backend_only: bool, prod: bool, expected: list[str]
) -> None:
    args = reflex_run_args(backend_only=backend_only, prod=prod, frontend_port=3100, backend_port=8100)
    assert args == ["reflex", "run", *expected]
    if backend_only:  # "Cannot specify --frontend-port when not running frontend"
        assert "--frontend-port" not in args
    if prod:  # "In prod mode, frontend and backend must run on the same port"
        ports = {args[i + 1] for i, a in enumerate(args) if a in ("--frontend-port", "--backend-port")}
        assert len(ports) == 1
