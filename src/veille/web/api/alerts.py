"""``/api/v1/alerts``: alert rules, pause and resume, test sends."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response

from veille.services import alerts as service
from veille.services import dangling
from veille.services.dangling import said_for_api
from veille.web.api.auth import Writer, reader, writer
from veille.web.api.common import Said, api_router, created
from veille.web.api.errors import Say
from veille.web.api.models import (
    AlertChange,
    AlertDetail,
    AlertIn,
    AlertOut,
    AlertResumed,
    AlertTested,
    ErrorResponse,
)
from veille.web.deps import workspace
from veille.workspace import Workspace

router = api_router("alerts")
Ws = Annotated[Workspace, Depends(workspace)]


def _rows(ws: Workspace, say: Say = said_for_api) -> list[AlertOut]:
    # One shape for every answer about an alert: the list's row, secrets masked.
    alerts = {a.name: a for a in service.list_alerts(ws)}
    return [
        AlertOut.of(_api_words(row, alerts[row["name"]], say), alerts[row["name"]])
        for row in service.alert_rows(ws)
    ]


def _api_words(shown: dict[str, Any], alert: Any, say: Say) -> dict[str, Any]:
    """``shown`` (a row of the list, or the alert's settings) with what it
    says of a topic that no longer exists said to an API client: its
    language, the endpoints to call rather than the CLI's commands."""
    if shown.get("topic_missing") and (missing := dangling.of_alert(alert, set())):
        shown = shown | {"topic_missing": missing.as_json(say)}
    return shown


def _row(ws: Workspace, name: str) -> AlertOut:
    for row in _rows(ws):
        if row.name == name:
            return row
    service.get_alert(ws, name)  # raises NotFound naming the known alerts
    raise AssertionError(name)  # pragma: no cover


@router.get("/alerts", response_model=list[AlertOut], summary="List alerts", dependencies=[reader])
def list_alerts(ws: Ws, words: Said) -> list[AlertOut]:
    return _rows(ws, words.say)


@router.get(
    "/alerts/{name}", response_model=AlertDetail, summary="Get an alert", dependencies=[reader]
)
def get_alert(name: str, ws: Ws, words: Said) -> AlertDetail:
    """Every setting of the alert (its channel URL masked) and its outbox counts."""
    alert = service.get_alert(ws, name)
    shown = _api_words(service.show_alert(ws, name), alert, words.say)
    return AlertDetail.of(shown, service.schedule_text(alert))


@router.post(
    "/alerts",
    response_model=AlertOut,
    status_code=201,
    summary="Create an alert",
)
def create_alert(body: AlertIn, ws: Ws, user: Writer, response: Response) -> AlertOut:
    spec = service.AlertSpec(
        to=body.to, topic=body.topic, query=body.query, name=body.name, kind=body.kind,
        every=body.every, at=body.at, day=body.day, mode=body.mode,
        min_followers=body.min_followers, min_engagement=body.min_engagement,
        languages=tuple(body.languages), platforms=tuple(body.platforms), cap=body.cap,
        quiet=body.quiet, language=body.language,
    )  # fmt: skip
    alert = service.add_alert(ws, spec, actor=user.username, in_workspace=True)
    created(response, "alerts", alert.name)
    return _row(ws, alert.name)


@router.patch("/alerts/{name}", response_model=AlertOut, summary="Change an alert")
def change_alert(name: str, body: AlertChange, ws: Ws, user: Writer) -> AlertOut:
    """Where and how often it sends, and the query of an alert with its own
    (each value checked as on creation); the values left out stay."""
    service.change_alert(
        ws, name, to=body.to, every=body.every, at=body.at, day=body.day, query=body.query,
        actor=user.username, in_workspace=True,
    )  # fmt: skip
    return _row(ws, name)


@router.delete("/alerts/{name}", status_code=204, summary="Delete an alert")
def delete_alert(name: str, ws: Ws, user: Writer) -> Response:
    """The alert and what it still had to send."""
    service.remove_alert(ws, name, actor=user.username)
    return Response(status_code=204)


@router.post("/alerts/{name}/pause", response_model=AlertOut, summary="Pause")
def pause_alert(name: str, ws: Ws, user: Writer) -> AlertOut:
    """Stop sending; matches keep being queued."""
    service.pause_alert(ws, name, actor=user.username)
    return _row(ws, name)


@router.post("/alerts/{name}/resume", response_model=AlertResumed, summary="Resume")
def resume_alert(name: str, ws: Ws, user: Writer) -> AlertResumed:
    """Send again: what was queued while paused and is due goes out now."""
    done = service.resume_alert(ws, name, actor=user.username)
    return AlertResumed(alert=_row(ws, name), sent=done.sent, waiting=done.waiting)


@router.post(
    "/alerts/{name}/test",
    response_model=AlertTested,
    summary="Send a test",
    dependencies=[writer],
    responses={
        502: {"model": ErrorResponse, "description": "The channel refused the send (code failed)."}
    },
)
def test_alert(name: str, ws: Ws) -> AlertTested:
    """Send a sample through the alert's real channel now."""
    sent = service.send_sample(ws, name)
    return AlertTested(alert=sent.alert.name, posts=sent.posts, to=sent.to)
