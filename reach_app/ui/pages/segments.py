"""Segments page: the workspace's saved segments and their audience now."""

from __future__ import annotations

import dataclasses

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.errors import ServiceError
from reach_app.services.segments import list_segments, segment_audience
from reach_app.ui import routes
from reach_app.ui.components.common import empty_state, not_built, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.state import AppState, NotSignedIn, error_toast

MAX_COUNTED = 20


@dataclasses.dataclass
class SegmentItem:
    id: int
    name: str
    audience: str


class SegmentsState(AppState):
    rows: list[SegmentItem] = []

    @rx.event
    def load(self):
        try:
            with self.actor_session() as (session, actor):
                segments, _ = list_segments(session, actor, limit=200)
                rows = []
                for index, s in enumerate(segments):
                    size = ""
                    if index < MAX_COUNTED and s.id is not None:
                        size = str(len(segment_audience(session, actor, s.id, now=utcnow())))
                    rows.append(SegmentItem(s.id or 0, s.name, size or "—"))
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)
        self.rows = rows
        return None


S = SegmentsState


def segments_page() -> rx.Component:
    return shell(
        page_header("Segments"),
        not_built(
            "The segment editor",
            "segments are created through the API for now; here you can see them and "
            "their live audience, and add a segment to a campaign from its Contacts tab.",
        ),
        rx.box(height="12px"),
        rx.cond(
            S.rows.length() == 0,
            empty_state("filter", "No segments"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Segment"),
                        rx.table.column_header_cell("Audience now"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        S.rows,
                        lambda s: rx.table.row(
                            rx.table.row_header_cell(s.name), rx.table.cell(s.audience)
                        ),
                    )
                ),
                variant="surface",
                width="100%",
            ),
        ),
        on_workspace_change=S.load,
    )
