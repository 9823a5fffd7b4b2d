"""`reach`: the operator's command line (migrate, up, worker, scheduler, users,
API keys, demo data, benchmark). Every command has --help; a bad argument
prints one line and exits with code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from reach_app.settings import PROJECT_ROOT, SettingsError, get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Reach: campaign automation. Configuration comes from REFLEX_DB_URL,
    REACH_REDIS_URL, REACH_SECRET_KEY and the other REACH_* variables (README)."""


@cli.command()
@click.option("--revision", default="head", show_default=True, help="Target Alembic revision.")
def migrate(revision: str) -> None:
    """Upgrade the database schema (creates the SQLite file when missing)."""
    from reach_app.db.migrations import upgrade

    upgrade(revision)
    click.echo(f"Database at {get_settings().db_url.split('@')[-1]} is at {revision}.")


@cli.command()
@click.option(
    "--backend-only", is_flag=True, help="Serve API + UI backend, do not build the frontend."
)
@click.option("--prod", is_flag=True, help="Run Reflex in production mode (compiled frontend).")
@click.option("--frontend-port", type=click.IntRange(1, 65535), default=None,
              help="UI port (default REACH_FRONTEND_PORT, 3000). With --prod, UI and API share it.")
@click.option("--backend-port", type=click.IntRange(1, 65535), default=None,
              help="API/backend port (default REACH_BACKEND_PORT, 8000).")
def up(backend_only: bool, prod: bool, frontend_port: int | None, backend_port: int | None) -> None:
    """Migrate, then run workers and the web app (embedded workers by default)."""
    from reach_app.db.migrations import upgrade

    settings = get_settings()
    frontend = frontend_port or (backend_port if prod else None) or settings.frontend_port
    backend = backend_port or settings.backend_port
    if backend_only and frontend_port:
        raise click.UsageError("--frontend-port has no effect with --backend-only (no frontend runs)")
    args = reflex_run_args(backend_only=backend_only, prod=prod, frontend_port=frontend, backend_port=backend)
    upgrade("head")
    helpers: list[subprocess.Popen[bytes]] = []
    if not settings.embedded:
        helpers = [_spawn_self("worker"), _spawn_self("scheduler"), _spawn_self("gateway")]
    mode = "embedded (SQLite/in-process workers)" if settings.embedded else "Redis workers"
    click.echo(f"Reach is starting in {mode} mode.")
    if backend_only:
        click.echo(f"The API will answer at http://localhost:{backend}/api/v1 (no frontend).")
    elif prod:
        click.echo(f"Open http://localhost:{frontend} when the build finishes (UI and API on one port).")
    else:
        click.echo(f"Open http://localhost:{frontend} when the build finishes "
                   f"(API at http://localhost:{backend}/api/v1).")
    try:
        code = subprocess.call(args, cwd=PROJECT_ROOT)
    finally:
        for process in helpers:
            process.terminate()
    sys.exit(code)


def reflex_run_args(*, backend_only: bool, prod: bool, frontend_port: int, backend_port: int) -> list[str]:
    """The `reflex run` command for a `reach up` form. Reflex refuses --frontend-port
    without a frontend, and in prod serves UI and API on one port."""
    args = ["reflex", "run", "--env", "prod" if prod else "dev"]
    if backend_only:
        return [*args, "--backend-only", "--backend-port", str(backend_port)]
    if prod:
        return [*args, "--frontend-port", str(frontend_port), "--backend-port", str(frontend_port)]
    return [*args, "--frontend-port", str(frontend_port), "--backend-port", str(backend_port)]


def _spawn_self(command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "reach_app.cli", command], cwd=PROJECT_ROOT)


@cli.command()
@click.option("--processes", type=click.IntRange(1, 64), default=None, help="Worker processes.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Threads per process.")
def worker(processes: int | None, threads: int | None) -> None:
    """Run Dramatiq worker processes on Redis (REACH_REDIS_URL must be set)."""
    settings = get_settings()
    if settings.embedded:
        raise click.UsageError(
            "REACH_REDIS_URL is not set: embedded mode runs workers inside `reach up`"
        )
    from reach_app.worker_command import worker_module_args

    args = [sys.executable, "-m"] + worker_module_args(
        processes or settings.worker_processes, threads or settings.worker_threads
    )
    os.environ["dramatiq_worker_timeout"] = str(settings.worker_poll_ms)  # idle Redis polling
    os.execv(sys.executable, args)


@cli.command()
def scheduler() -> None:
    """Run the scheduler loop: claims due executions and starts campaigns on time."""
    from reach_app.observability.logs import configure_logging
    from reach_app.runtime import run_scheduler_forever

    configure_logging()  # REACH_LOG_FORMAT, ids on records, secrets redacted
    run_scheduler_forever()


@cli.command()
def doctor() -> None:
    """Check configuration, database and migrations, Redis, secret key, Node,
    worker/scheduler heartbeats, Telegram credentials and every account; one line
    per check, saying what to do about a problem. Exit code 1 when one is wrong."""
    from reach_app.observability.doctor import run_checks

    checks = run_checks()
    for check in checks:
        click.echo(check.line())
    problems = sum(check.level == "problem" for check in checks)
    click.echo(f"{problems} problem(s)." if problems else "Everything looks right.")
    sys.exit(1 if problems else 0)


@cli.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", default="")
def user_create(email: str, password: str, name: str) -> None:
    """Create a user who can sign in to the web UI."""
    from reach_app.db.session import session_scope
    from reach_app.services.identity import create_user

    with session_scope() as session:
        created = create_user(session, email=email, password=password, name=name)
        click.echo(f"Created user {created.id} <{created.email}>.")


@cli.group("api-key")
def api_key() -> None:
    """Manage API keys."""


@api_key.command("create")
@click.option("--email", required=True, help="The key's owner.")
@click.option("--name", default="cli")
@click.option(
    "--organization-id", type=int, default=None, help="Limit the key to one organization."
)
def api_key_create(email: str, name: str, organization_id: int | None) -> None:
    """Create an API key and print it (it is shown only this once)."""
    from sqlmodel import select

    from reach_app.db.session import session_scope
    from reach_app.db.tables import User
    from reach_app.services.errors import NotFound
    from reach_app.services.identity import create_api_key, normalise_email

    with session_scope() as session:
        owner = session.exec(select(User).where(User.email == normalise_email(email))).first()
        if owner is None:
            raise NotFound(f"No user with email {email}")
        issued = create_api_key(
            session, user_id=owner.id, name=name, organization_id=organization_id
        )
        click.echo(issued.plaintext)


@cli.command()
@click.option("--contacts", type=click.IntRange(1, 100_000), default=200, show_default=True)
def demo(contacts: int) -> None:
    """Create (idempotently) a demo user, organization, sandbox account, contacts
    and two campaigns: a draft and one already run."""
    from reach_app.demo import create_demo

    summary = create_demo(contacts=contacts)
    for line in summary:
        click.echo(line)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors, exit code 2 for bad usage or bad input."""
    from reach_app.services.errors import ServiceError

    try:
        cli.main(args=argv, prog_name="reach", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.format_message())  # a group called without a command: its help
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"reach: {exc.format_message().splitlines()[0]}", err=True)
        sys.exit(2)
    except (ServiceError, SettingsError) as exc:
        message = getattr(exc, "message", str(exc)).splitlines()[0]
        click.echo(f"reach: {message}", err=True)
        sys.exit(2)


def _register_optional_commands() -> None:
    from reach_app.gateway_cli import gateway
    from reach_app.observability.metrics_cli import metrics

    cli.add_command(gateway)
    cli.add_command(metrics)
    _register_bench()


def _register_bench() -> None:
    bench_module = Path(__file__).with_name("bench.py")
    if bench_module.exists():
        from reach_app.bench import bench

        cli.add_command(bench)


_register_optional_commands()

if __name__ == "__main__":
    main()
