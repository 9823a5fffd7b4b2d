"""Templates page: the workspace's message templates. Create a draft, publish, edit
(an edit of a published template is a new draft version; sends keep the published one
until it is published) and delete (refused while a launched campaign uses it)."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.domain.templating import draft_version
from reach_app.services.errors import ServiceError
from reach_app.services.templates import (
    create_template,
    delete_template,
    get_template,
    list_templates,
    update_template,
)
from reach_app.ui import labels, routes
from reach_app.ui.components.common import empty_state, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.state import AppState, NotSignedIn, error_toast

CHANNELS = ["telegram", "email", "onsite", "sandbox", "webhook"]
MESSAGE_TYPES = ["text", "image", "video", "document"]


@dataclasses.dataclass
class TemplateItem:
    id: int
    name: str
    channel: str
    message_type: str
    status: str
    version: int
    body: str
    versions: str = ""  # "v1 published · v2 draft": which version sends use
    can_publish: bool = False  # DRAFT/REJECTED, or a draft version newer than the published one


def _versions_line(current: int, published: int | None) -> str:
    draft = draft_version(current, published)
    parts = [f"v{published} published (sent)"] if published is not None else []
    if draft is not None:
        parts.append(f"v{draft} draft")
    return " · ".join(parts)


class TemplatesState(AppState):
    rows: list[TemplateItem] = []
    editing_id: int = 0
    edit_name: str = ""
    edit_body: str = ""
    edit_note: str = ""
    deleting_id: int = 0
    deleting_name: str = ""

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
            TemplateItem(
                t.id or 0, t.name, t.channel, t.message_type, t.status, t.current_version,
                t.body[:160], _versions_line(t.current_version, t.published_version),
                t.status != "PUBLISHED" or t.published_version != t.current_version,
            )
            for t in templates
        ]  # fmt: skip
        return None

    @rx.event
    def create(self, form: dict[str, Any]):
        fields = {"name": str(form.get("name") or "").strip(), "body": str(form.get("body") or "")}
        for name, allowed in (("channel", CHANNELS), ("message_type", MESSAGE_TYPES)):
            value = str(form.get(name) or allowed[0])
            fields[name] = value if value in allowed else allowed[0]
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
                template = update_template(
                    session, actor, template_id, {"status": "PUBLISHED"}, now=utcnow()
                )
                version = template.published_version
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success(f"Version {version} published: sends use it from now on")

    @rx.event
    def start_edit(self, template_id: int):
        try:
            with self.actor_session() as (session, actor):
                template = get_template(session, actor, template_id)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.editing_id, self.edit_name, self.edit_body = template_id, template.name, template.body
        self.edit_note = (
            f"Version {template.published_version} is published. Saving a changed text makes a "
            "new draft version; sends keep using the published one until you publish."
            if template.published_version is not None
            else "Saving a changed text makes a new version."
        )
        return None

    @rx.event
    def set_edit_name(self, value: str):
        self.edit_name = value

    @rx.event
    def set_edit_body(self, value: str):
        self.edit_body = value

    @rx.event
    def cancel_edit(self):
        self.editing_id, self.edit_name, self.edit_body, self.edit_note = 0, "", "", ""

    @rx.event
    def save_edit(self):
        if not self.editing_id:
            return None
        if not self.edit_name.strip():
            return rx.toast.error("A template needs a name")
        changes = {"name": self.edit_name.strip(), "body": self.edit_body}
        try:
            with self.actor_session() as (session, actor):
                template = update_template(session, actor, self.editing_id, changes, now=utcnow())
                draft = draft_version(template.current_version, template.published_version)
                published = template.published_version
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.cancel_edit()
        self.load()
        if draft is not None and published is not None:
            return rx.toast.success(
                f"Saved as draft version {draft}; sends keep using version {published} "
                "until you publish"
            )
        return rx.toast.success("Template saved")

    @rx.event
    def ask_delete(self, template_id: int):
        names = [r.name for r in self.rows if r.id == template_id]
        self.deleting_id, self.deleting_name = (template_id, names[0]) if names else (0, "")

    @rx.event
    def cancel_delete(self):
        self.deleting_id, self.deleting_name = 0, ""

    @rx.event
    def confirm_delete(self):
        template_id = self.deleting_id
        self.cancel_delete()
        if not template_id:
            return None
        try:
            with self.actor_session() as (session, actor):
                delete_template(session, actor, template_id, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success("Template deleted")


S = TemplatesState


def _row(t: TemplateItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(t.name, rx.text("#", t.id, size="1", color_scheme="gray")),
        rx.table.cell(t.channel, rx.text(t.message_type, size="1", color_scheme="gray")),
        rx.table.cell(
            rx.badge(labels.shown(labels.TEMPLATE_STATUS, t.status)),
            rx.text(t.versions, size="1", color_scheme="gray", data_testid="template-versions"),
        ),
        rx.table.cell(rx.text(t.body, size="1"), max_width="420px"),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    t.can_publish,
                    rx.button("Publish", size="1", variant="soft", on_click=S.publish(t.id)),
                ),
                rx.button("Edit", size="1", variant="soft", color_scheme="gray",
                          on_click=S.start_edit(t.id), data_testid="edit-template"),
                rx.button("Delete", size="1", variant="soft", color_scheme="red",
                          on_click=S.ask_delete(t.id), data_testid="delete-template"),
                spacing="2",
            )
        ),
    )  # fmt: skip


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit template"),
            rx.vstack(
                rx.text(S.edit_note, size="1", color_scheme="gray"),
                rx.input(value=S.edit_name, on_change=S.set_edit_name, width="100%",
                         data_testid="edit-template-name"),
                rx.text_area(value=S.edit_body, on_change=S.set_edit_body, rows="6",
                             width="100%", data_testid="edit-template-body"),
                rx.hstack(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_edit),
                    rx.button("Save", on_click=S.save_edit, data_testid="save-template"),
                    justify="end", spacing="3", width="100%",
                ),
                spacing="3",
            ),
        ),
        open=S.editing_id != 0,
        on_open_change=lambda _open: S.cancel_edit(),
    )  # fmt: skip


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete the template ", S.deleting_name, "?"),
            rx.alert_dialog.description(
                "SEND steps of draft campaigns that use it will need another template. "
                "A template that a launched campaign uses cannot be deleted."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray",
                              on_click=S.cancel_delete)
                ),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=S.confirm_delete,
                              data_testid="confirm-delete-template")
                ),
                justify="end", spacing="3", margin_top="12px",
            ),
        ),
        open=S.deleting_id != 0,
    )  # fmt: skip


def templates_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.input(name="name", placeholder="Template name", required=True, width="100%"),
            rx.hstack(
                rx.select(CHANNELS, name="channel", default_value="telegram"),
                rx.select(MESSAGE_TYPES, name="message_type", default_value="text"),
                spacing="2",
            ),
            rx.text_area(name="body", placeholder="Message text with {firstName} and {a|b}",
                         width="100%"),
            rx.button("Save draft", type="submit"),
            max_width="560px",
            width="100%",
        ),
        on_submit=S.create,
        reset_on_submit=True,
    )  # fmt: skip
    heads = ["Template", "Channel", "Status", "Text (newest version)", ""]
    return shell(
        page_header("Templates"),
        rx.card(form, margin_bottom="12px"),
        _edit_dialog(),
        _delete_dialog(),
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
