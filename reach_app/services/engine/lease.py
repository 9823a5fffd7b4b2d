"""Keeping a claim's lease alive while its batch waits on providers.

Leases are short (REACH_LEASE_SECONDS, 15 s by default) so that a dead
worker's executions come back quickly; a live worker whose provider calls take
longer extends its own lease every third of it. Only rows still leased by this
claim's token are touched.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from sqlalchemy import update

from reach_app.db.claims import release_filter
from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, execution_ids: list[int], token: str) -> None:
        self.ids = execution_ids
        self.token = token
        self.seconds = get_settings().lease_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseKeeper:
        if self.ids:
            self._thread = threading.Thread(target=self._run, name="reach-lease", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                self.extend()
            except Exception:  # the lease then simply ends; the sweeper hands the work back
                log.warning("could not extend the lease of %d executions", len(self.ids))

    def extend(self) -> int:
        until = utcnow() + timedelta(seconds=self.seconds)
        with session_scope() as session:
            result = session.exec(
                update(FlowExecution)
                .where(release_filter(self.ids, self.token))
                .values(lease_expires_at=until),
                execution_options={"synchronize_session": False},
            )
        return int(result.rowcount or 0)
