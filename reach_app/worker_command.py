"""The command line of Reach's Dramatiq worker processes, in one place (`reach worker`,
`reach bench`): `python -m` with these arguments (see tasks/worker_main.py)."""

from __future__ import annotations

WORKER_ENTRY = "tasks.worker_main"  # Dramatiq's CLI, heavy libraries imported before the fork
ACTORS = "tasks.actors"


def worker_module_args(processes: int, threads: int) -> list[str]:
    return [WORKER_ENTRY, ACTORS, "--processes", str(processes), "--threads", str(threads)]
