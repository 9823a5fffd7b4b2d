"""Templates page: the workspace's message templates; create a draft, publish."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.errors import ServiceError
from reach_app.services.templates import create_template, list_templates, update_template
from reach_app.ui import routes
from reach_app.ui.components.common import empty_state, not_built, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.state import AppState, NotSignedIn, error_toast


@dataclasses.dataclass
class TemplateItem:
    id: int
    name: str
    channel: str
    status: str
    version: int
    body: str


class TemplatesState(AppState):
    rows: list[TemplateItem] = []

    @rx.event
    def load(self):
        try:
            with self.actor_session() as (session, actor):
                templates, _ = list_templates(session, actor, limit=200)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)
        self.rows = [
            TemplateItem(t.id or 0, t.name, t.channel, t.status, t.current_version, t.body[:160])
            for t in templates
        ]
        return None

    @rx.event
    def create(self, form: dict[str, Any]):
        fields = {"name": str(form.get("name") or "").strip(), "body": str(form.get("body") or "")}
        if not fields["name"]:
            return rx.toast.error("A template needs a name")
        try:
            with self.actor_session() as (session, actor):
                create_template(session, actor, fields, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success("Template saved as a draft")

    @rx.event
    def publish(self, template_id: int):
        try:
            with self.actor_session() as (session, actor):
                update_template(session, actor, template_id, {"status": "PUBLISHED"}, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success("Template published")


S = TemplatesState


def _row(t: TemplateItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(t.name, rx.text("#", t.id, size="1", color_scheme="gray")),
        rx.table.cell(t.channel),
        rx.table.cell(rx.badge(t.status), " v", t.version),
        rx.table.cell(rx.text(t.body, size="1"), max_width="420px"),
        rx.table.cell(
            rx.cond(
                t.status == "DRAFT",
                rx.button("Publish", size="1", variant="soft", on_click=S.publish(t.id)),
            )
        ),
    )


def templates_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.input(name="name", placeholder="Template name", required=True, width="100%"),
            rx.text_area(name="body", placeholder="Message text with {firstName} and {a|b}",
                         width="100%"),
            rx.button("Save draft", type="submit"),
            max_width="560px",
            width="100%",
        ),
        on_submit=S.create,
        reset_on_submit=True,
    )  # fmt: skip
    heads = ["Template", "Channel", "Status", "Text", ""]
    return shell(
        page_header("Templates"),
        rx.card(form, margin_bottom="12px"),
        not_built("Editing a template's versions", "create a new draft instead for now."),
        rx.box(height="12px"),
        rx.cond(
            S.rows.length() == 0,
            empty_state("file-text", "No templates", "A SEND step can use a published template."),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
            ),
        ),
        on_workspace_change=S.load,
    )
