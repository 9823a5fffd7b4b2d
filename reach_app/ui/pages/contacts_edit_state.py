"""The Contacts page's create / edit (custom fields as ``name = value`` lines) and
delete-with-confirmation, as a state mixin of ContactsState (rules: services.contacts)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.contacts import (
    create_contact,
    delete_contact,
    get_contact,
    update_contact,
)
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.state import NotSignedIn, error_toast

EDITABLE = ["first_name", "last_name", "username", "phone_number", "email", "group_name"]


def custom_text(fields: dict[str, Any]) -> str:
    """Custom fields as editable lines ``name = value``."""
    return "\n".join(f"{key} = {'' if value is None else value}" for key, value in fields.items())


def parse_custom_text(text: str) -> tuple[dict[str, str], str]:
    """``name = value`` lines back to a dict; the error names the first bad line."""
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            return {}, f"Custom fields, line {number}: write it as name = value"
        fields[name.strip()] = value.strip()
    return fields, ""


class ContactEditing(rx.State, mixin=True):
    # create / edit
    dialog_open: bool = False
    editing_id: int = 0
    form: dict[str, str] = {}
    form_error: str = ""
    delete_id: int = 0

    @rx.event
    def new_contact(self):
        self.editing_id, self.form_error, self.dialog_open = 0, "", True
        self.form = {name: "" for name in [*EDITABLE, "tags", "custom_fields"]}

    @rx.event
    def edit_contact(self, contact_id: int):
        try:
            with self.actor_session() as (session, actor):
                view = get_contact(session, actor, contact_id)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.form = {name: str(getattr(view.contact, name) or "") for name in EDITABLE}
        self.form["tags"] = ", ".join(view.tags)
        self.form["custom_fields"] = custom_text(dict(view.contact.custom_fields or {}))
        self.editing_id, self.form_error, self.dialog_open = contact_id, "", True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def save_contact(self, data: dict[str, Any]):
        raw: dict[str, Any] = {name: str(data.get(name) or "").strip() or None for name in EDITABLE}
        raw["tags"] = [t.strip() for t in str(data.get("tags") or "").split(",") if t.strip()]
        if "custom_fields" in data:
            custom, problem = parse_custom_text(str(data.get("custom_fields") or ""))
            if problem:
                self.form_error = problem
                return None
            raw["custom_fields"] = custom
        try:
            with self.actor_session() as (session, actor):
                if self.editing_id:
                    update_contact(session, actor, self.editing_id, raw, now=utcnow())
                else:
                    create_contact(session, actor, raw, now=utcnow())
        except ServiceError as exc:
            self.form_error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self.dialog_open = False
        self._fetch(choices=True)
        return rx.toast.success("Contact saved")

    @rx.event
    def ask_delete(self, contact_id: int):
        self.delete_id = contact_id

    @rx.event
    def cancel_delete(self, _open: bool = False):
        self.delete_id = 0

    @rx.event
    def confirm_delete(self):
        try:
            with self.actor_session() as (session, actor):
                delete_contact(session, actor, self.delete_id, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            self.delete_id = 0
            return error_toast(exc)
        self.selected = [c for c in self.selected if c != self.delete_id]
        self.delete_id = 0
        self._fetch()
        return rx.toast.success("Contact deleted; its campaign history stays")
