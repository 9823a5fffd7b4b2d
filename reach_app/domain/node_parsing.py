"""Node ``data`` JSON to typed node data, collecting problems instead of raising (R-4)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from reach_app.domain.jsonvalues import as_int, as_number, as_object, as_text, parse_moment
from reach_app.domain.nodes import (
    DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
    MAX_WAIT_SECONDS,
    MAX_WEBHOOK_TIMEOUT_SECONDS,
    AbSplitData,
    AbVariant,
    ConditionData,
    ConditionKind,
    EndData,
    NodeData,
    NodeType,
    NotifyInboxData,
    Operator,
    SendMessageData,
    SetFieldData,
    StartData,
    TagData,
    UpdateScoreData,
    WaitData,
    WebhookData,
)
from reach_app.domain.problems import Problem
from reach_app.domain.zones import is_valid_zone

WEBHOOK_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_VALUELESS_OPERATORS = frozenset({Operator.EXISTS, Operator.NOT_EXISTS})


class _Reader:
    """Reads one node's data object and records every problem it meets."""

    def __init__(
        self, raw: Mapping[str, object], node_id: str, node_type: NodeType, label: str | None
    ) -> None:
        self.raw = raw
        self.node_id = node_id
        self.label = label or f"Step '{node_id}' ({node_type.value})"
        self.problems: list[Problem] = []

    def problem(self, code: str, sentence: str) -> None:
        """Record a problem; the sentence follows the step's label."""
        self.problems.append(Problem(code, f"{self.label}: {sentence}", node_id=self.node_id))

    def optional_text(self, key: str, code: str) -> str | None:
        """A string field that may be absent or null."""
        value = self.raw.get(key)
        if value is None or isinstance(value, str):
            return value
        self.problem(code, f"'{key}' must be text.")
        return None

    def required_text(self, key: str, code: str, what: str) -> str:
        """A non-blank string field; blank or missing is a problem."""
        value = self.optional_text(key, code)
        if value is None or not value.strip():
            self.problem(code, f"{what} is required.")
            return ""
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str, code: str) -> str:
        """One of the allowed strings; missing means default."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value in allowed:
            return value
        self.problem(code, f"'{key}' must be one of {', '.join(allowed)}.")
        return default

    def positive_number(self, key: str, code: str) -> float | None:
        """An optional number that must be > 0 when given."""
        value = self.raw.get(key)
        if value is None:
            return None
        number = as_number(value)
        if number is None or number <= 0:
            self.problem(code, f"'{key}' must be a positive number.")
            return None
        return number


def _start(reader: _Reader) -> NodeData:
    start_type = reader.choice(
        "start_type", ("immediate", "scheduled"), "immediate", "start_type_invalid"
    )
    scheduled = reader.optional_text("scheduled_start_at", "start_schedule_invalid")
    zone = reader.optional_text("timezone", "timezone_invalid")
    if zone is not None and not is_valid_zone(zone):
        reader.problem("timezone_invalid", f"'{zone}' is not a known time zone.")
    if start_type == "scheduled" and parse_moment(scheduled) is None:
        reader.problem(
            "start_schedule_invalid", "a scheduled start needs a valid scheduled_start_at."
        )
    kind: Literal["immediate", "scheduled"] = (
        "scheduled" if start_type == "scheduled" else "immediate"
    )
    return StartData(kind, scheduled, zone)


def _send(reader: _Reader) -> NodeData:
    text = reader.optional_text("text", "send_text_invalid") or ""
    template_raw = reader.raw.get("template_id")
    template_id = None if template_raw is None else as_int(template_raw)
    if template_raw is not None and template_id is None:
        reader.problem("template_id_invalid", "'template_id' must be a whole number.")
    media = reader.optional_text("media_url", "media_url_invalid")
    channel = reader.optional_text("channel", "channel_invalid")
    return SendMessageData(
        text=text, media_url=media or None, template_id=template_id, channel=channel or None
    )


def _wait(reader: _Reader) -> NodeData:
    mode = reader.choice("mode", ("duration", "reply"), "duration", "wait_mode_invalid")
    parts: dict[str, float] = {}
    for key in ("days", "hours", "minutes", "seconds"):
        raw = reader.raw.get(key)
        number = 0.0 if raw is None else as_number(raw)
        if number is None or number < 0:
            reader.problem("wait_duration_invalid", f"'{key}' must be a number of zero or more.")
            number = 0.0
        parts[key] = number
    timeout = reader.positive_number("timeout_hours", "wait_timeout_invalid")
    if timeout is not None and timeout * 3600 > MAX_WAIT_SECONDS:
        reader.problem("wait_timeout_invalid", "the reply timeout may not exceed ten years.")
    data = WaitData("reply" if mode == "reply" else "duration", timeout_hours=timeout, **parts)
    if mode == "duration" and data.total_seconds <= 0:
        reader.problem("wait_duration_invalid", "the wait duration must be positive.")
    if data.total_seconds > MAX_WAIT_SECONDS:
        reader.problem("wait_duration_invalid", "the wait duration may not exceed ten years.")
    return data


def _condition(reader: _Reader) -> NodeData:
    kinds = tuple(kind.value for kind in ConditionKind)
    kind = ConditionKind(reader.choice("kind", kinds, "field", "condition_kind_invalid"))
    operators = tuple(op.value for op in Operator)
    operator = Operator(
        reader.choice("operator", operators, "equals", "condition_operator_invalid")
    )
    field = reader.optional_text("field", "condition_field_missing")
    value = reader.raw.get("value")
    event_type = reader.optional_text("event_type", "condition_event_missing")
    within = reader.positive_number("within_days", "condition_within_days_invalid")
    if kind in (ConditionKind.FIELD, ConditionKind.VARIABLE):
        if not field or not field.strip():
            reader.problem("condition_field_missing", "choose the field or variable to compare.")
        if value is None and operator not in _VALUELESS_OPERATORS:
            reader.problem("condition_value_missing", "enter the value to compare with.")
    elif kind in (ConditionKind.TAG, ConditionKind.VARIATION):
        if not isinstance(value, str) or not value.strip():
            reader.problem("condition_value_missing", f"name the {kind.value} to check.")
    elif kind is ConditionKind.EVENT and (not event_type or not event_type.strip()):
        reader.problem("condition_event_missing", "name the event type to look for.")
    return ConditionData(kind, field, operator, value, event_type, within)


def _ab_split(reader: _Reader) -> NodeData:
    raw_variants = reader.raw.get("variants")
    if not isinstance(raw_variants, list):
        reader.problem("ab_variants_invalid", "'variants' must be a list of {key, weight}.")
        raw_variants = []
    variants: list[AbVariant] = []
    for position, raw in enumerate(raw_variants, start=1):
        entry = as_object(raw) or {}
        key = as_text(entry.get("key"))
        weight = as_number(entry.get("weight"))
        if not key or not key.strip():
            reader.problem("ab_variant_invalid", f"variant {position} needs a key.")
            continue
        if weight is None or weight <= 0:
            reader.problem("ab_weight_invalid", f"variant '{key}' needs a positive weight.")
        if any(existing.key == key for existing in variants):
            reader.problem("ab_variant_duplicate", f"variant '{key}' appears twice.")
            continue
        variants.append(AbVariant(key, weight if weight is not None and weight > 0 else 0.0))
    if not 2 <= len(raw_variants) <= 4:
        reader.problem("ab_variant_count", "an A/B split needs 2 to 4 variants.")
    return AbSplitData(tuple(variants))


def _tag(reader: _Reader) -> NodeData:
    action = reader.choice("action", ("add", "remove"), "add", "tag_action_invalid")
    tag = reader.required_text("tag", "tag_missing", "the tag")
    return TagData("remove" if action == "remove" else "add", tag.strip())


def _set_field(reader: _Reader) -> NodeData:
    field = reader.required_text("field", "set_field_missing", "the field to set")
    return SetFieldData(field.strip(), reader.raw.get("value"))


def _update_score(reader: _Reader) -> NodeData:
    delta = as_int(reader.raw.get("delta"))
    if delta is None:
        reader.problem("score_delta_invalid", "'delta' must be a whole number of points.")
    return UpdateScoreData(delta or 0)


def _webhook(reader: _Reader) -> NodeData:
    url = reader.required_text("url", "webhook_url_invalid", "the webhook URL")
    if url and not url.lower().startswith(("http://", "https://")):
        reader.problem("webhook_url_invalid", "the URL must start with http:// or https://.")
    method = (reader.optional_text("method", "webhook_method_invalid") or "POST").upper()
    if method not in WEBHOOK_METHODS:
        reader.problem(
            "webhook_method_invalid",
            f"'method' must be one of {', '.join(sorted(WEBHOOK_METHODS))}.",
        )
        method = "POST"
    raw_headers = reader.raw.get("headers")
    headers = as_object(raw_headers)
    if raw_headers is not None and (
        headers is None or not all(isinstance(v, str) for v in headers.values())
    ):
        reader.problem("webhook_headers_invalid", "'headers' must map names to text values.")
        headers = None
    clean = {key: str(value) for key, value in (headers or {}).items()}
    wait = reader.raw.get("wait_for_response", False)
    if not isinstance(wait, bool):
        reader.problem("webhook_wait_invalid", "'wait_for_response' must be true or false.")
        wait = False
    timeout = reader.positive_number("response_timeout_seconds", "webhook_timeout_invalid")
    if timeout is not None and timeout > MAX_WEBHOOK_TIMEOUT_SECONDS:
        reader.problem("webhook_timeout_invalid", "the answer timeout may not exceed a day.")
        timeout = MAX_WEBHOOK_TIMEOUT_SECONDS
    return WebhookData(
        url.strip(),
        method,
        clean,
        reader.raw.get("body"),
        wait_for_response=wait,
        response_timeout_seconds=timeout or DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
    )


def _notify_inbox(reader: _Reader) -> NodeData:
    return NotifyInboxData(reader.optional_text("note", "notify_note_invalid"))


def _end(reader: _Reader) -> NodeData:
    return EndData()


_PARSERS: Mapping[NodeType, Callable[[_Reader], NodeData]] = {
    NodeType.START: _start,
    NodeType.SEND_MESSAGE: _send,
    NodeType.WAIT: _wait,
    NodeType.CONDITION: _condition,
    NodeType.AB_SPLIT: _ab_split,
    NodeType.TAG: _tag,
    NodeType.SET_FIELD: _set_field,
    NodeType.UPDATE_SCORE: _update_score,
    NodeType.WEBHOOK: _webhook,
    NodeType.NOTIFY_INBOX: _notify_inbox,
    NodeType.END: _end,
}


def parse_node_data(
    node_type: NodeType, raw: Mapping[str, object], node_id: str, *, label: str | None = None
) -> tuple[NodeData, list[Problem]]:
    """Typed data for one node plus every problem in its fields; each problem's sentence
    follows ``label`` (default "Step '<node_id>' (<TYPE>)")."""
    reader = _Reader(raw, node_id, node_type, label)
    data = _PARSERS[node_type](reader)
    return data, reader.problems
