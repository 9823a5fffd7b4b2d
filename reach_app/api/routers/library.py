"""`/templates` and `/segments` (with the segment's live audience)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.library import (
    AudienceOut,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    TemplateDetail,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TemplateStatus,
    TemplateUseOut,
    TemplateVersionOut,
)
from reach_app.db.session import session_scope
from reach_app.db.tables import Segment, Template
from reach_app.db.types import utcnow
from reach_app.domain.templating import draft_version, version_state
from reach_app.services import segments, templates

router = APIRouter(tags=["templates and segments"])
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


def template_out(template: Template) -> TemplateOut:
    names = [name for name in TemplateOut.model_fields if name != "draft_version"]
    fields = {name: getattr(template, name) for name in names}
    draft = draft_version(template.current_version, template.published_version)
    return TemplateOut(**fields, draft_version=draft)


def template_detail(session: Any, template: Template) -> TemplateDetail:
    versions = [
        TemplateVersionOut(
            version=v.version,
            body=v.body,
            created_at=v.created_at,
            state=version_state(v.version, template.published_version),  # type: ignore[arg-type]
        )
        for v in templates.versions_of(session, template.id or 0)
    ]
    used_by = [
        TemplateUseOut(id=c.id or 0, name=c.name, status=c.status)
        for c in templates.campaigns_using(session, template, drafts=True)
    ]
    return TemplateDetail(**template_out(template).model_dump(), versions=versions, used_by=used_by)


@router.get("/templates", response_model=Page[TemplateOut])
def list_templates(
    actor: ActorDep,
    window: WindowDep,
    status: TemplateStatus | None = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[TemplateOut]:
    with session_scope() as session:
        rows, total = templates.list_templates(
            session, actor, status=status, channel=channel, **vars(window)
        )
        return Page(items=[template_out(t) for t in rows], total=total, **vars(window))


@router.post("/templates", status_code=201, response_model=TemplateDetail)
def create_template(body: TemplateIn, actor: ActorDep) -> TemplateDetail:
    with session_scope() as session:
        template = templates.create_template(session, actor, body.model_dump(), now=utcnow())
        return template_detail(session, template)


@router.get("/templates/{template_id}", response_model=TemplateDetail)
def get_template(template_id: ItemId, actor: ActorDep) -> TemplateDetail:
    with session_scope() as session:
        return template_detail(session, templates.get_template(session, actor, template_id))


@router.patch("/templates/{template_id}", response_model=TemplateDetail)
def update_template(template_id: ItemId, body: TemplatePatch, actor: ActorDep) -> TemplateDetail:
    changes = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        template = templates.update_template(session, actor, template_id, changes, now=utcnow())
        return template_detail(session, template)


@router.delete("/templates/{template_id}", status_code=204, response_class=Response)
def delete_template(template_id: ItemId, actor: ActorDep) -> Response:
    """204; 409 naming the campaigns while a non-draft campaign's SEND uses it."""
    with session_scope() as session:
        templates.delete_template(session, actor, template_id, now=utcnow())
    return Response(status_code=204)


def segment_out(segment: Segment) -> SegmentOut:
    fields = {name: getattr(segment, name) for name in SegmentOut.model_fields}
    fields["filter"] = dict(segment.filter or {})
    return SegmentOut(**fields)


@router.get("/segments", response_model=Page[SegmentOut])
def list_segments(actor: ActorDep, window: WindowDep) -> Page[SegmentOut]:
    with session_scope() as session:
        rows, total = segments.list_segments(session, actor, **vars(window))
        return Page(items=[segment_out(s) for s in rows], total=total, **vars(window))


@router.post("/segments", status_code=201, response_model=SegmentOut)
def create_segment(body: SegmentIn, actor: ActorDep) -> SegmentOut:
    with session_scope() as session:
        segment = segments.create_segment(
            session,
            actor,
            name=body.name,
            filter=body.filter.model_dump(exclude_none=True),
            now=utcnow(),
        )
        return segment_out(segment)


@router.get("/segments/{segment_id}", response_model=SegmentOut)
def get_segment(segment_id: ItemId, actor: ActorDep) -> SegmentOut:
    with session_scope() as session:
        return segment_out(segments.get_segment(session, actor, segment_id))


@router.patch("/segments/{segment_id}", response_model=SegmentOut)
def update_segment(segment_id: ItemId, body: SegmentPatch, actor: ActorDep) -> SegmentOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    with session_scope() as session:
        segment = segments.update_segment(session, actor, segment_id, changes, now=utcnow())
        return segment_out(segment)


@router.delete("/segments/{segment_id}", status_code=204, response_class=Response)
def delete_segment(segment_id: ItemId, actor: ActorDep) -> Response:
    with session_scope() as session:
        segments.delete_segment(session, actor, segment_id, now=utcnow())
    return Response(status_code=204)


@router.get("/segments/{segment_id}/audience", response_model=AudienceOut)
def segment_audience(segment_id: ItemId, actor: ActorDep, window: WindowDep) -> AudienceOut:
    """The live audience: how many contacts match now, and one page of their ids."""
    with session_scope() as session:
        ids = segments.segment_audience(session, actor, segment_id, now=utcnow())
    chosen = ids[window.offset : window.offset + window.limit]
    return AudienceOut(segment_id=segment_id, total=len(ids), contact_ids=chosen, **vars(window))
