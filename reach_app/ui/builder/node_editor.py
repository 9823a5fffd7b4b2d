"""The flow builder's side panel: edit the selected node, preview its message."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.domain.templating import DEFAULT_CHANNEL, TemplateFacts, draft_version, fits
from reach_app.services.errors import ServiceError
from reach_app.services.templates import list_templates
from reach_app.ui.builder.node_table import NODE_TABLE, EditorField
from reach_app.ui.builder.state import FlowBuilderState as S
from reach_app.ui.state import NotSignedIn, error_toast

SEND_CHANNELS = ["telegram", "email", "onsite", "sandbox"]
CONDITION_KINDS = ["replied", "field", "tag", "event", "variable", "variation"]
OPERATORS = [
    "equals", "not_equals", "contains", "not_contains", "exists", "not_exists",
    "greater_than", "less_than",
]  # fmt: skip


class TemplatePickerState(S):
    """The SEND editor's template picker: the workspace's PUBLISHED templates that fit the
    selected node's channel and message type (seed 004), and which version it sends."""

    _published: list[dict[str, Any]] = []

    @rx.event
    def load_templates(self):
        try:
            with self.actor_session() as (session, actor):
                rows, _ = list_templates(session, actor, status="PUBLISHED", limit=500)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self._published = [
            {"id": t.id, "name": t.name, "channel": t.channel, "message_type": t.message_type,
             "published": t.published_version, "current": t.current_version}
            for t in rows if t.published_version is not None
        ]  # fmt: skip
        return None

    def _fitting(self) -> list[dict[str, Any]]:
        channel = self.fields.get("channel") or DEFAULT_CHANNEL
        media = self.fields.get("media_url") or None
        return [t for t in self._published if fits(_facts(t), channel, media)]

    @rx.var
    def template_choices(self) -> list[dict[str, str]]:
        """{id, label} of each published template that fits the node."""
        return [
            {"id": str(t["id"]), "label": f"{t['name']} (v{t['published']})"}
            for t in self._fitting()
        ]

    @rx.var
    def template_in_use(self) -> str:
        """Which version of the node's template is sent (empty without a template)."""
        chosen = self.fields.get("template_id") or ""
        if not chosen:
            return ""
        found = [t for t in self._published if str(t["id"]) == chosen]
        if not found:
            return f"Template {chosen} is not a published template; pick one from the list."
        t = found[0]
        line = f"Sends “{t['name']}”, published version {t['published']}; this step's text is not used."
        draft = draft_version(t["current"], t["published"])
        if draft is not None:
            line += f" Version {draft} is a draft and is not sent until it is published."
        return line


def _facts(row: dict[str, Any]) -> TemplateFacts:
    return TemplateFacts(
        row["id"], row["name"], row["channel"], row["message_type"], "PUBLISHED", row["published"]
    )


P = TemplatePickerState


def _template_picker() -> rx.Component:
    return rx.vstack(
        _label("Template (published ones for this step's channel)"),
        rx.hstack(
            rx.select.root(
                rx.select.trigger(placeholder="no template", data_testid="template-picker"),
                rx.select.content(
                    rx.foreach(
                        P.template_choices, lambda t: rx.select.item(t["label"], value=t["id"])
                    )
                ),
                value=S.fields["template_id"],
                on_change=lambda v: S.set_field("template_id", v),
                disabled=S.read_only,
                size="2",
            ),
            rx.cond(
                (S.fields["template_id"] != "") & ~S.read_only,
                rx.button("No template", size="1", variant="ghost",
                          on_click=S.set_field("template_id", "")),
            ),
            align="center",
        ),
        rx.cond(
            P.template_in_use != "",
            rx.text(P.template_in_use, size="1", color_scheme="gray",
                    data_testid="template-in-use"),
        ),
        spacing="1",
        width="100%",
        on_mount=P.load_templates,
    )  # fmt: skip


def _label(text: str) -> rx.Component:
    return rx.text(text, size="1", weight="medium", color_scheme="gray")


def text_field(label: str, name: str, placeholder: str = "", **props: Any) -> rx.Component:
    return rx.vstack(
        _label(label),
        rx.debounce_input(
            rx.input(
                value=S.fields[name],
                on_change=lambda v: S.set_field(name, v),
                placeholder=placeholder,
                width="100%",
                disabled=S.read_only,
                data_testid=f"field-{name}",
                **props,
            ),
            debounce_timeout=300,
        ),
        spacing="1",
        width="100%",
    )


def choice_field(label: str, name: str, options: list[str]) -> rx.Component:
    return rx.vstack(
        _label(label),
        rx.select(
            options,
            value=S.fields[name],
            on_change=lambda v: S.set_field(name, v),
            disabled=S.read_only,
            width="100%",
            data_testid=f"field-{name}",
        ),
        spacing="1",
        width="100%",
    )


def _message_editor() -> rx.Component:
    return rx.vstack(
        _label("Message text ({firstName}, {cf-field|fallback}, {a|b} spintax)"),
        rx.debounce_input(
            rx.text_area(
                value=S.fields["text"],
                on_change=lambda v: S.set_field("text", v),
                rows="6",
                width="100%",
                disabled=S.read_only,
                data_testid="field-text",
            ),
            debounce_timeout=400,
        ),
        text_field("Media URL (optional)", "media_url"),
        choice_field("Channel (unset: Telegram)", "channel", SEND_CHANNELS),
        _template_picker(),
        _preview(),
        spacing="2",
        width="100%",
    )


def _preview() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Preview for", size="1", weight="bold"),
                rx.select.root(
                    rx.select.trigger(
                        placeholder="choose a contact", data_testid="preview-contact"
                    ),
                    rx.select.content(
                        rx.foreach(
                            S.preview_contacts,
                            lambda c: rx.select.item(c["name"], value=c["id"]),
                        )
                    ),
                    value=S.preview_contact,
                    on_change=S.set_preview_contact,
                    size="1",
                ),
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                S.preview_contacts.length() == 0,
                rx.text("Add contacts to preview messages.", size="1", color_scheme="gray"),
            ),
            rx.text(S.preview_text, size="2", white_space="pre-wrap", data_testid="preview-text"),
            rx.foreach(S.preview_notes, lambda n: rx.text(n, size="1", color_scheme="gray")),
            spacing="2",
            width="100%",
        ),
        width="100%",
        variant="surface",
    )


def _wait_editor() -> rx.Component:
    return rx.vstack(
        choice_field("Wait for", "mode", ["duration", "reply"]),
        rx.cond(
            S.fields["mode"] == "reply",
            text_field("Reply timeout (hours)", "timeout_hours", type="number"),
            rx.grid(
                text_field("Days", "days", type="number"),
                text_field("Hours", "hours", type="number"),
                text_field("Minutes", "minutes", type="number"),
                text_field("Seconds", "seconds", type="number"),
                columns="2",
                spacing="2",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _condition_editor() -> rx.Component:
    kind = S.fields["kind"]
    return rx.vstack(
        choice_field("Check", "kind", CONDITION_KINDS),
        rx.cond(
            (kind == "field") | (kind == "variable"),
            rx.vstack(
                text_field("Field or variable", "field"),
                choice_field("Operator", "operator", OPERATORS),
                text_field("Value", "value"),
                width="100%",
            ),
        ),
        rx.cond((kind == "tag") | (kind == "variation"), text_field("Tag or variation", "value")),
        rx.cond(
            kind == "event",
            rx.vstack(
                text_field("Event type", "event_type"),
                text_field("Within days", "within_days", type="number"),
                width="100%",
            ),
        ),
        rx.text("Connect the yes and no handles to the next steps.", size="1", color_scheme="gray"),
        spacing="2",
        width="100%",
    )


def _variant_row(variant: rx.Var, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.input(
            value=variant["key"],
            on_change=lambda v: S.set_field("variant_key:" + index.to(str), v),
            width="60px",
            disabled=S.read_only,
        ),
        rx.input(
            value=variant["weight"],
            on_change=lambda v: S.set_field("variant_weight:" + index.to(str), v),
            type="number",
            width="90px",
            disabled=S.read_only,
            data_testid="variant-weight",
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            variant="ghost",
            on_click=S.set_field("variant_remove:" + index.to(str), ""),
            disabled=S.read_only,
        ),
        align="center",
    )


def _split_editor() -> rx.Component:
    return rx.vstack(
        _label("Variants (key and weight; 2 to 4)"),
        rx.foreach(S.variants, _variant_row),
        rx.button(
            "Add variant",
            size="1",
            variant="soft",
            on_click=S.set_field("add_variant", ""),
            disabled=S.read_only,
        ),
        spacing="2",
        width="100%",
    )


def _table_field(field: EditorField) -> rx.Component:
    """One input drawn from the node table."""
    if field.kind in ("choice", "yes_no"):
        options = list(field.options) if field.kind == "choice" else ["no", "yes"]
        shown = choice_field(field.label, field.name, options)
    else:
        number = {"type": "number"} if field.kind in ("number", "integer") else {}
        shown = text_field(field.label, field.name, field.placeholder, **number)
    if field.hint:
        shown = rx.vstack(shown, rx.text(field.hint, size="1", color_scheme="gray"), width="100%")
    if field.shown_when is None:
        return shown
    other, text = field.shown_when
    return rx.cond(S.fields[other] == text, shown)


# Types with an editor of their own; every other type's fields come from the node table.
CUSTOM_EDITORS = {
    "SEND_MESSAGE": _message_editor,
    "WAIT": _wait_editor,
    "CONDITION": _condition_editor,
    "AB_SPLIT": _split_editor,
}


def _editor_cases() -> list[tuple[str, rx.Component]]:
    cases = [(name, build()) for name, build in CUSTOM_EDITORS.items()]
    cases += [
        (entry.type, rx.vstack(*[_table_field(f) for f in entry.fields], width="100%"))
        for entry in NODE_TABLE
        if entry.type not in CUSTOM_EDITORS and entry.fields
    ]
    return cases


def node_editor() -> rx.Component:
    body = rx.match(
        S.selected_type,
        *_editor_cases(),
        rx.text("This step has no settings.", size="2", color_scheme="gray"),
    )
    return rx.vstack(
        rx.hstack(
            rx.badge(S.selected_type, variant="soft"),
            rx.text(S.selected_id, size="1", color_scheme="gray"),
            rx.spacer(),
            rx.cond(
                ~S.read_only,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    color_scheme="red",
                    variant="soft",
                    on_click=S.delete_selected,
                    aria_label="Delete step",
                    data_testid="delete-node",
                ),
            ),
            width="100%",
            align="center",
        ),
        text_field("Label (optional)", "label"),
        body,
        spacing="3",
        width="100%",
        data_testid="node-editor",
    )
