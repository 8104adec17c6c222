"""``/api/v1/inbox``: the engagement inbox's items as the list reads them,
and snoozing one (put aside until a time; back open then)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from veille.inbox import items as service
from veille.inbox import snooze as snoozing
from veille.inbox.model import OPEN_STATUSES, ItemFilter, check_status
from veille.services.users import User
from veille.web.api.auth import Writer, reader
from veille.web.api.common import api_router
from veille.web.deps import current_user, workspace
from veille.workspace import Workspace

router = api_router("inbox")
Ws = Annotated[Workspace, Depends(workspace)]
Reader = Annotated[User | None, Depends(current_user)]

_VERSION = (
    "The item's version as you read it: refused (409 conflict) when someone changed "
    "the item since; none: whatever it is now."
)


class InboxItemOut(BaseModel):
    id: int
    status: str
    priority: str
    assignee: str | None
    platform: str
    author: str
    text: str
    created_at: datetime
    snoozed_until: datetime | None = Field(
        None, description="When a snoozed item comes back open on its own."
    )
    version: int

    @classmethod
    def of(cls, item: Any) -> InboxItemOut:
        return cls(
            id=item.id, status=item.status, priority=item.priority, assignee=item.assignee,
            platform=item.platform, author=item.author, text=item.text,
            created_at=item.created_at, snoozed_until=item.snoozed_until, version=item.version,
        )  # fmt: skip


class SnoozeIn(BaseModel):
    until: str = Field(
        ...,
        max_length=40,
        description="3h (any 90m, 2d), tomorrow (at the start of the inbox's working "
        "hours), monday (next Monday at that hour), or a date and time (ISO 8601; "
        "without an offset, in the token's user's time zone).",
    )
    version: int | None = Field(None, description=_VERSION)


class VersionIn(BaseModel):
    version: int | None = Field(None, description=_VERSION)


@router.get(
    "/inbox/items",
    response_model=list[InboxItemOut],
    summary="List inbox items",
    dependencies=[reader],
)
def list_items(
    ws: Ws,
    user: Reader,
    status: Annotated[list[str], Query()] = [],  # noqa: B006
    view: str = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InboxItemOut]:
    """Items newest first: the open ones, or those of ``status`` (repeat it;
    ``snoozed``: the items put aside, with when each comes back) or of a
    saved ``view``."""
    if view:
        flt = service.view_filter(ws.state, view, user.username if user else None, limit=limit)
    else:
        statuses = tuple(check_status(s) for s in status) or OPEN_STATUSES
        flt = ItemFilter(statuses=statuses, limit=limit)
    return [InboxItemOut.of(i) for i in service.list_items(ws.state, flt)]


@router.post("/inbox/items/{item_id}/snooze", response_model=InboxItemOut, summary="Snooze an item")
def snooze(item_id: int, body: SnoozeIn, ws: Ws, user: Writer) -> InboxItemOut:
    """Put the item aside until ``until``: out of the open items, back open
    then (with its assignee), or when its author posts again in its thread."""
    from veille.inbox.hours import WorkingTime, working_settings
    from veille.services.users import shown_zone

    hours = WorkingTime.from_settings(working_settings(ws))
    zone = shown_zone(user, ws.settings.workspace.timezone)
    until = snoozing.snooze_time(body.until, hours=hours, timezone=zone)
    item = snoozing.snooze(ws.state, item_id, until, actor=user.username, version=body.version)
    return InboxItemOut.of(item)


@router.post(
    "/inbox/items/{item_id}/unsnooze", response_model=InboxItemOut, summary="Unsnooze an item"
)
def unsnooze(item_id: int, body: VersionIn, ws: Ws, user: Writer) -> InboxItemOut:
    """Bring a snoozed item back open now."""
    item = snoozing.unsnooze(ws.state, item_id, actor=user.username, version=body.version)
    return InboxItemOut.of(item)
