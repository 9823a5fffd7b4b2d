"""Message templates (SPEC R-1, R-4): DRAFT, PUBLISHED or REJECTED, with a new
version for every body change. A SEND node may name a template only when it is
PUBLISHED (checked by `domain.flow.find_problems`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.db.tables import Template, TemplateVersion
from reach_app.services.actor import Actor
from reach_app.services.errors import NotFound
from reach_app.services.shared_data import SharedAction, ensure_may_change
from reach_app.services.workspace import in_actor_workspace

STATUSES = ("DRAFT", "PUBLISHED", "REJECTED")
PLAIN_FIELDS = ("name", "channel", "message_type", "status")


def get_template(session: Session, actor: Actor, template_id: int) -> Template:
    template = session.exec(
        select(Template).where(Template.id == template_id, in_actor_workspace(Template, actor))
    ).first()
    if template is None:
        raise NotFound("Template not found")
    return template


def versions_of(session: Session, template_id: int) -> list[TemplateVersion]:
    return list(
        session.exec(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template_id)
            .order_by(col(TemplateVersion.version))
        ).all()
    )


def create_template(
    session: Session, actor: Actor, fields: Mapping[str, Any], *, now: datetime
) -> Template:
    template = Template(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        name=str(fields["name"]).strip(),
        body=str(fields.get("body") or ""),
        created_at=now,
        updated_at=now,
    )
    for name in PLAIN_FIELDS:
        if fields.get(name) is not None:
            setattr(template, name, fields[name])
    session.add(template)
    session.flush()
    assert template.id is not None
    session.add(
        TemplateVersion(template_id=template.id, version=1, body=template.body, created_at=now)
    )
    return template


def update_template(
    session: Session, actor: Actor, template_id: int, changes: Mapping[str, Any], *, now: datetime
) -> Template:
    """Edit fields; a changed body becomes a new version (earlier ones are kept)."""
    template = get_template(session, actor, template_id)
    ensure_may_change(actor, template.user_id, SharedAction.EDIT, "template")
    for name in PLAIN_FIELDS:
        if changes.get(name) is not None:
            setattr(template, name, changes[name])
    body = changes.get("body")
    if body is not None and body != template.body and template.id is not None:
        template.body = body
        template.current_version += 1
        session.add(
            TemplateVersion(
                template_id=template.id, version=template.current_version, body=body, created_at=now
            )
        )
    template.updated_at = now
    session.add(template)
    session.flush()
    return template


def delete_template(session: Session, actor: Actor, template_id: int, *, now: datetime) -> None:
    template = get_template(session, actor, template_id)
    ensure_may_change(actor, template.user_id, SharedAction.DELETE, "template")
    template.deleted_at = now
    session.add(template)


def list_templates(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    channel: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Template], int]:
    where = [in_actor_workspace(Template, actor)]
    if status:
        where.append(Template.status == status)
    if channel:
        where.append(Template.channel == channel)
    total = session.exec(select(func.count()).select_from(Template).where(*where)).one()
    rows = session.exec(
        select(Template).where(*where).order_by(col(Template.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)
