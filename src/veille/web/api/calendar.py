"""``/api/v1/calendar``: the content calendar that ``veille run`` publishes,
over the service the calendar's pages and ``veille calendar`` call: the
same checks, the same refusals (a time already past, an unknown account),
the same roles (analysts write and read it, managers approve)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from veille.publish import calendar as service
from veille.publish.cadence import over_cadence
from veille.services.users import User
from veille.web.api.auth import Writer, writer
from veille.web.api.common import Said, Words, api_router, created, parse_time
from veille.web.deps import RowId, require, workspace
from veille.workspace import Workspace

router = api_router("calendar")
Ws = Annotated[Workspace, Depends(workspace)]
# Approving is a manager's, as on the calendar's page.
Approver = Annotated[User, Depends(require("manager"))]

_AT = Field(
    description="When: ISO 8601 (2026-12-03T09:30:00+01:00), or 2026-12-03 09:30 in the "
    "workspace's time zone. A time already past is refused unless past_ok is true."
)
# What each status a calendar post may have means, for the field and the
# filter alike (the codes ``veille calendar list --status`` takes).
_STATUS_MEANS = {
    "draft": "it breaks a rule, or waits for a manager's approval",
    "approved": "a manager approved it; it goes out at its time",
    "scheduled": "it goes out at its time, no approval needed",
    "published": "it went out (published_url says where)",
    "failed": "the platform refused it (error says why); edit it to try again",
}
STATUS_CODES = "; ".join(f"{code} ({_STATUS_MEANS[code]})" for code in service.STATUSES) + "."
_PAST_OK = Field(
    False,
    description="Save a time already past: the post then goes out at the next run "
    "(veille calendar add --yes; the page's box).",
)


class ProblemOut(BaseModel):
    code: str = Field(description="too_long, guideline_…: what the draft checker found.")
    message: str = Field(description="In the caller's language.")


class CalendarPostOut(BaseModel):
    id: int
    account: str = Field(description="The publishing account it goes out as.")
    platform: str
    text: str
    title: str | None
    language: str | None
    reply_to: str | None
    at: datetime = Field(description="When it goes out, in the workspace's time zone.")
    status: str = Field(description="Where it stands: " + STATUS_CODES)
    problems: list[ProblemOut] = Field(
        description="The rules it breaks (a post with any stays a draft)."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_url: str | None
    published_at: datetime | None
    attempts: int
    error: str | None = Field(description="Why the last try failed, as the platform said it.")

    @classmethod
    def of(cls, e: Any, timezone: str, lang: str) -> CalendarPostOut:
        return cls(
            id=e.id, account=e.account, platform=e.platform, text=e.text, title=e.title,
            language=e.language, reply_to=e.reply_to,
            at=service.local(e.scheduled_at, timezone), status=e.status,
            problems=[ProblemOut(code=p.get("code", ""), message=_problem(p, lang))
                      for p in e.problems],
            created_by=e.created_by, created_at=e.created_at, updated_at=e.updated_at,
            approved_by=e.approved_by, approved_at=e.approved_at,
            published_url=e.published_url, published_at=e.published_at, attempts=e.attempts,
            error=e.error,
        )  # fmt: skip


def _problem(p: dict[str, Any], lang: str) -> str:
    said = p.get("message_fr") if lang == "fr" else None
    return str(said or p.get("message", ""))


class CalendarSaved(CalendarPostOut):
    warnings: list[str] = Field(
        description="Saved all the same, but worth a look: the post's week holds more posts "
        "on its platform than the channel plan sets (in the caller's language)."
    )


class CalendarPostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(description="A publishing account (veille publish account list).")
    text: str = Field(max_length=100_000)
    at: str = _AT
    title: str | None = Field(None, max_length=1000, description="A blog post's title.")
    language: str | None = Field(None, max_length=10, description="fr, en, …")
    reply_to: str | None = Field(None, max_length=1000, description="The id of a post answered.")
    past_ok: bool = _PAST_OK


class CalendarPostChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=100_000)
    at: str | None = Field(None, description=_AT.description)
    title: str | None = Field(None, max_length=1000, description='"" removes it.')
    language: str | None = Field(None, max_length=10, description='"" removes it.')
    account: str | None = Field(None, description="Move it to this publishing account.")
    past_ok: bool = _PAST_OK


def _saved(ws: Workspace, entry: Any, words: Words) -> CalendarSaved:
    tz = ws.settings.workspace.timezone
    shown = CalendarPostOut.of(entry, tz, words.lang).model_dump()
    return CalendarSaved(**shown, warnings=words.all(over_cadence(ws.state, ws.settings, entry)))


From = Annotated[
    str | None,
    Query(alias="from", description="Posts at or after: a date (the workspace's day) or ISO."),
]
To = Annotated[str | None, Query(description="Posts before: a date (its day included) or ISO.")]


@router.get(
    "/calendar",
    response_model=list[CalendarPostOut],
    summary="List the calendar",
    dependencies=[writer],
)
def list_calendar(
    ws: Ws,
    words: Said,
    since: From = None,
    to: To = None,
    account: Annotated[str | None, Query(description="Only this account's posts.")] = None,
    platform: Annotated[str | None, Query(description="Only this platform's posts.")] = None,
    status: Annotated[
        list[str] | None,
        Query(description="Only posts with these statuses (repeatable): " + STATUS_CODES),
    ] = None,
) -> list[CalendarPostOut]:
    """The calendar's posts by time, as ``veille calendar list`` and its page list them."""
    tz = ws.settings.workspace.timezone
    entries = service.list_entries(
        ws.state, statuses=tuple(status or ()), account=account or None,
        since=parse_time(since, "from", timezone=tz),
        until=parse_time(to, "to", timezone=tz, end=True), platform=platform or None,
    )  # fmt: skip
    return [CalendarPostOut.of(e, tz, words.lang) for e in entries]


@router.get(
    "/calendar/{entry_id}",
    response_model=CalendarPostOut,
    summary="Get a calendar post",
    dependencies=[writer],
)
def get_post(entry_id: RowId, ws: Ws, words: Said) -> CalendarPostOut:
    entry = service.get_entry(ws.state, entry_id)
    return CalendarPostOut.of(entry, ws.settings.workspace.timezone, words.lang)


@router.post("/calendar", response_model=CalendarSaved, status_code=201, summary="Schedule a post")
def add_post(
    body: CalendarPostIn, ws: Ws, user: Writer, words: Said, response: Response
) -> CalendarSaved:
    """Save a post for an account at a time, checked by the draft checker: one
    that breaks a rule is saved as a draft (its ``problems`` say why), as is
    every post where ``[plan] require_approval`` holds until a manager approves it."""
    entry = service.add_entry(
        ws.state, ws.settings, account=body.account, text=body.text, at=body.at,
        title=body.title, language=body.language, reply_to=body.reply_to,
        by=user.username, past_ok=body.past_ok, now=ws.clock(),
    )  # fmt: skip
    created(response, "calendar", str(entry.id))
    return _saved(ws, entry, words)


@router.patch(
    "/calendar/{entry_id}", response_model=CalendarSaved, summary="Change a calendar post"
)
def change_post(
    entry_id: RowId, body: CalendarPostChange, ws: Ws, user: Writer, words: Said
) -> CalendarSaved:
    """What is left out stays. Checked again; an approval no longer holds (what
    was approved is not what would go out). A published post is not changed."""
    entry = service.edit_entry(
        ws.state, ws.settings, entry_id, text=body.text, at=body.at, title=body.title,
        language=body.language, account=body.account, by=user.username,
        past_ok=body.past_ok, now=ws.clock(),
    )  # fmt: skip
    return _saved(ws, entry, words)


@router.delete("/calendar/{entry_id}", status_code=204, summary="Remove a calendar post")
def remove_post(entry_id: RowId, ws: Ws, user: Writer) -> Response:
    """Out of the calendar (a post already published stays on its platform)."""
    service.remove_entry(ws.state, entry_id, by=user.username)
    return Response(status_code=204)


@router.post(
    "/calendar/{entry_id}/approve", response_model=CalendarPostOut, summary="Approve a post"
)
def approve_post(entry_id: RowId, ws: Ws, user: Approver, words: Said) -> CalendarPostOut:
    """A manager's approval (where ``[plan] require_approval`` holds): it goes
    out at its time. A post that breaks a rule of its platform is not approved,
    and only a draft waits for approval: any other (scheduled, approved,
    published, failed) is refused, 409 ``conflict``, nothing changed."""
    entry = service.approve_entry(ws.state, entry_id, by=user.username, now=ws.clock())
    return CalendarPostOut.of(entry, ws.settings.workspace.timezone, words.lang)
