"""Message templates (SPEC R-1, R-4, seed 004 "Templating"): DRAFT, PUBLISHED or
REJECTED, with a new version for every body change.

`current_version` is the newest version, `published_version` the one sends use.
Editing the body of a published template adds a draft version: sends keep using
the published one until the template is published again (status PUBLISHED
publishes the newest version). A SEND node may name a template only when it has
a published version and fits the node's channel and message type (checked by
`domain.flow.find_problems` with `template_facts`). While a campaign that is not
a draft uses a template, it cannot be deleted, withdrawn (DRAFT/REJECTED) or
moved to another channel or message type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from reach_app.db.tables import CampaignFlow, CampaignVariation, Template, TemplateVersion
from reach_app.domain.templating import TemplateFacts, publish_problems, referenced_template_ids
from reach_app.services.errors import Conflict, Invalid, NotFound
from reach_app.services.shared_data import SharedAction, ensure_may_change
from reach_app.services.tenancy import Actor, in_actor_workspace, in_workspace

STATUSES = ("DRAFT", "PUBLISHED", "REJECTED")
PLAIN_FIELDS = ("name", "channel", "message_type")
GUARDED_FIELDS = ("channel", "message_type")  # a campaign in use relies on them


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
    _set_status(template, str(fields.get("status") or "DRAFT"))
    session.add(template)
    session.flush()
    assert template.id is not None
    session.add(
        TemplateVersion(template_id=template.id, version=1, body=template.body, created_at=now)
    )
    return template


def _set_status(template: Template, status: str) -> None:
    """PUBLISHED publishes the newest version (refused, 422, when its text could not be
    sent); DRAFT and REJECTED withdraw publication."""
    problems = publish_problems(template.body) if status == "PUBLISHED" else []
    if problems:
        raise Invalid(
            "This template cannot be published: " + " ".join(problems),
            details=[
                {"field": "body", "msg": p, "code": "template_not_publishable"} for p in problems
            ],
        )
    template.status = status
    template.published_version = template.current_version if status == "PUBLISHED" else None


def update_template(
    session: Session, actor: Actor, template_id: int, changes: Mapping[str, Any], *, now: datetime
) -> Template:
    """Edit fields; a changed body becomes a new version (earlier ones are kept). On a
    published template the new version is a draft until `status` PUBLISHED is sent
    (in the same request or later); sends use the published version meanwhile."""
    template = get_template(session, actor, template_id)
    ensure_may_change(actor, template.user_id, SharedAction.EDIT, "template")
    status = changes.get("status")
    withdrawn = status not in (None, "PUBLISHED") and template.published_version is not None
    moved = [n for n in GUARDED_FIELDS if changes.get(n) not in (None, getattr(template, n))]
    if withdrawn or moved:
        what = f"set it to {status}" if withdrawn else f"change its {', '.join(moved)}"
        _refuse_if_used(session, template, what)
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
    if status is not None:
        _set_status(template, str(status))
    template.updated_at = now
    session.add(template)
    session.flush()
    return template


def delete_template(session: Session, actor: Actor, template_id: int, *, now: datetime) -> None:
    """Soft-delete; refused (409) while a campaign that is not a draft uses it."""
    template = get_template(session, actor, template_id)
    ensure_may_change(actor, template.user_id, SharedAction.DELETE, "template")
    _refuse_if_used(session, template, "delete it")
    template.deleted_at = now
    session.add(template)


def campaigns_using(
    session: Session, template: Template, *, drafts: bool = False
) -> list[CampaignFlow]:
    """Live campaigns of the template's workspace whose flow (or a variation's flow) has a
    SEND naming the template; drafts only when asked."""
    scope: list[Any] = [col(CampaignFlow.deleted_at).is_(None)]
    if template.organization_id is not None:
        scope.append(CampaignFlow.organization_id == template.organization_id)
    else:
        scope += [col(CampaignFlow.organization_id).is_(None)]
        scope += [CampaignFlow.created_by == template.user_id]
    if not drafts:
        scope.append(CampaignFlow.status != "draft")
    campaigns = list(
        session.exec(select(CampaignFlow).where(*scope).order_by(col(CampaignFlow.id)))
    )
    ids = [c.id for c in campaigns]
    variation_nodes: dict[int, list[object]] = {}
    if ids:
        variations = select(CampaignVariation.campaign_id, CampaignVariation.nodes).where(
            col(CampaignVariation.campaign_id).in_(ids)
        )
        for campaign_id, nodes in session.exec(variations):
            variation_nodes.setdefault(campaign_id, []).extend(nodes or [])
    return [
        c
        for c in campaigns
        if template.id
        in referenced_template_ids([*(c.nodes or []), *variation_nodes.get(c.id or 0, [])])
    ]


def _refuse_if_used(session: Session, template: Template, what: str) -> None:
    using = campaigns_using(session, template)
    if using:
        names = ", ".join(f'"{c.name}" ({c.status})' for c in using[:5])
        more = f" and {len(using) - 5} more" if len(using) > 5 else ""
        raise Conflict(
            f'Template "{template.name}" is used by campaign {names}{more}; you cannot {what} '
            "while it is. Pick another template in those campaigns' SEND steps (or delete "
            "the campaigns) first."
        )


def template_facts(
    session: Session, user_id: int, organization_id: int | None, ids: Iterable[int] | None = None
) -> dict[int, TemplateFacts]:
    """The workspace's live templates by id (only ``ids`` when given), each with its
    published body (one query)."""
    published = and_(
        col(TemplateVersion.template_id) == col(Template.id),
        col(TemplateVersion.version) == col(Template.published_version),
    )
    query = (
        select(Template, TemplateVersion.body)
        .join(TemplateVersion, published, isouter=True)
        .where(in_workspace(Template, user_id, organization_id))
    )
    if ids is not None:
        query = query.where(col(Template.id).in_(list(ids)))
    return {t.id: facts_of(t, body) for t, body in session.exec(query) if t.id is not None}


def facts_of(template: Template, published_body: str | None) -> TemplateFacts:
    assert template.id is not None
    return TemplateFacts(
        id=template.id,
        name=template.name,
        channel=template.channel,
        message_type=template.message_type,
        status=template.status,
        published_version=template.published_version,
        published_body=published_body or "",
    )


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


def published_text(session: Session, actor: Actor, template_id: object) -> str | None:
    """The text sends of this template use (its published version), or None when the id
    names no published template of the actor's workspace."""
    if not isinstance(template_id, int) or isinstance(template_id, bool):
        return None
    found = template_facts(session, actor.user_id, actor.organization_id, [template_id])
    facts = found.get(template_id)
    return facts.published_body if facts is not None and facts.usable else None
