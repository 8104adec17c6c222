"""``/api/v1/sources``: what veille collects from, and how that goes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from veille.services import sources as service
from veille.web.api.auth import Writer, reader
from veille.web.api.common import api_router, created
from veille.web.api.models import HealthOut, SourceIn, SourceOut
from veille.web.deps import workspace
from veille.workspace import Workspace

router = api_router("sources")
Ws = Annotated[Workspace, Depends(workspace)]


def _out(record: service.SourceRecord) -> SourceOut:
    return SourceOut(
        name=record.name,
        kind=record.kind,
        config=service.shown_config(record),
        every=service.every_text(record.every),
        every_seconds=record.every,
        enabled=record.enabled,
        created_at=record.created_at,
    )


@router.get(
    "/sources", response_model=list[SourceOut], summary="List sources", dependencies=[reader]
)
def list_sources(ws: Ws) -> list[SourceOut]:
    return [_out(r) for r in service.list_sources(ws.state)]


@router.get(
    "/sources/health",
    response_model=list[HealthOut],
    summary="Every source's health",
    dependencies=[reader],
)
def all_health(ws: Ws) -> list[HealthOut]:
    return [HealthOut.model_validate(h, from_attributes=True) for h in service.health(ws.state)]


@router.get(
    "/sources/{name}", response_model=SourceOut, summary="Get a source", dependencies=[reader]
)
def get_source(name: str, ws: Ws) -> SourceOut:
    return _out(service.get_source_record(ws.state, name))


@router.get(
    "/sources/{name}/health",
    response_model=HealthOut,
    summary="A source's health",
    dependencies=[reader],
)
def source_health(name: str, ws: Ws) -> HealthOut:
    """Last runs, failures, posts and quota of one source."""
    found = service.health(ws.state, name)
    if not found:  # added but never run: its record says enough
        rec = service.get_source_record(ws.state, name)
        return HealthOut(
            source=rec.name, kind=rec.kind, enabled=rec.enabled, last_run=None,
            last_success=None, last_error=None, last_error_at=None, consecutive_failures=0,
            last_posts=0, total_posts=0, runs=0, quota_left=None, next_due=None, quarantined=0,
        )  # fmt: skip
    return HealthOut.model_validate(found[0], from_attributes=True)


@router.post(
    "/sources",
    response_model=SourceOut,
    status_code=201,
    summary="Add a source",
)
def add_source(body: SourceIn, ws: Ws, user: Writer, response: Response) -> SourceOut:
    """Validate and store a new source (the daemon collects it on its next round)."""
    record = service.add_source(
        ws.state,
        body.kind,
        body.target,
        name=body.name,
        every=body.every,
        options={key: str(value) for key, value in body.options.items()},  # text by now
        enabled=body.enabled,
        actor=user.username,
        files_in=ws.root,
    )
    created(response, "sources", record.name)
    return _out(record)


@router.delete("/sources/{name}", status_code=204, summary="Remove a source")
def remove_source(name: str, ws: Ws, user: Writer) -> Response:
    """Remove the source, its cursor and health; its posts stay."""
    service.remove_source(ws.state, name, actor=user.username)
    return Response(status_code=204)
