"""Snoozing an inbox item: put aside until a time, it leaves the open views
(status ``snoozed``, :data:`veille.inbox.model.SNOOZED`) and comes back open
on its own at that time (:func:`wake_due`, run by the scheduler's loop and
before the inbox is listed), or earlier when its author writes again
(:func:`wake_on_replies`, in the ingest transaction), or when someone
unsnoozes it. It keeps its assignee all along, as Zendesk's and Front's do;
every step is in its history.

A snoozed item stays in the backlog, and its response targets keep counting:
the targets count working time since the post arrived (docs/inbox.md), and
waiting for a customer is still waiting for the first response.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from veille.errors import UsageError, tr
from veille.inbox import items as svc
from veille.inbox.model import SNOOZED, Item, ItemChange

if TYPE_CHECKING:
    from veille.inbox.hours import WorkingTime
    from veille.models import Post
    from veille.store.protocols.inbox import SnoozedItem

#: The presets people pick; any other value is a duration ("90m", "2d") or a
#: date and time in the reader's time zone.
PRESETS = ("3h", "tomorrow", "monday")
#: The furthest a snooze may go.
LONGEST = timedelta(days=366)
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([mhd])\s*$")
#: Who wakes an item when its time comes (an event's actor).
ACTOR = "veille"


def snooze_time(
    value: str, *, hours: WorkingTime, timezone: str, now: datetime | None = None
) -> datetime:
    """When a snooze given as ``value`` ends (UTC, whole seconds):

    - ``3h`` (any ``N`` then ``m``, ``h`` or ``d``): that long from now;
    - ``tomorrow``: tomorrow at the start of the inbox's working hours, in
      its time zone; ``monday``: next Monday at that hour;
    - a date and time (``2026-12-09 14:00``, ISO 8601), in ``timezone``
      (the reader's) unless it names its offset."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    v = value.strip().lower()
    if m := _DURATION.match(v):
        unit = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
        when = now + int(m.group(1)) * unit[m.group(2)]
    elif v in ("tomorrow", "monday"):
        today = now.astimezone(hours.tz).date()
        ahead = 1 if v == "tomorrow" else 7 - today.weekday()
        day = today + timedelta(days=ahead)
        when = datetime.combine(day, hours.start, tzinfo=hours.tz).astimezone(UTC)
    else:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                tr("snooze until %(value)r: that is neither a preset nor a date and time",
                   value=value),
                hint=tr("Use %(presets)s, a duration such as 90m or 2d, or a date and time "
                        "such as 2026-12-09 14:00 (your time zone).",
                        presets=", ".join(PRESETS)),
            ) from None  # fmt: skip
        if when.tzinfo is None:
            when = when.replace(tzinfo=ZoneInfo(timezone))
        when = when.astimezone(UTC).replace(microsecond=0)
    if when <= now:
        shown = when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        raise UsageError(
            tr("snooze until %(value)s: that time is past (%(zone)s)", value=shown, zone=timezone),
            hint=tr("Give a time to come."),
        )
    if when - now > LONGEST:
        raise UsageError(
            tr("snooze until %(value)r: a snooze lasts at most a year", value=value),
            hint=tr("Close the item instead, or give a nearer time."),
        )
    return when


def _woken(item: Item | SnoozedItem) -> dict[str, Any]:
    """The fields of an item coming back open: with its assignee, as they left it."""
    return {"status": "assigned" if item.assignee else "new", "snoozed_until": None}


def until_of(value: str) -> datetime:
    """A snooze's end as :func:`snooze_time` gave it (ISO 8601 with its
    offset), read back: what the list's bulk action carries."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise UsageError(
            tr("snooze until %(value)r: that is not a date and time with its offset", value=value),
            hint=tr("Write it as 2026-12-09T14:00:00+01:00."),
        )
    return when.astimezone(UTC)


def snooze(
    state: Any, item_id: int, until: datetime, *, actor: str, version: int | None = None
) -> Item:
    """Put the item aside until ``until`` (snoozed again: the new time wins)."""
    if until <= datetime.now(UTC):
        raise UsageError(
            tr("snooze until %(value)s: that time is past", value=until.isoformat()),
            hint=tr("Give a time to come."),
        )
    item = svc.get_item(state, item_id)
    if svc.is_done(item):
        raise UsageError(
            tr("item %(id)s is %(status)s: only an open item can be snoozed",
               id=item_id, status=item.status),
            hint=tr("Reopen it first (veille inbox status %(id)s new).", id=item_id),
        )  # fmt: skip
    at = int(until.timestamp())
    change = ItemChange(
        {"status": SNOOZED, "snoozed_until": at},
        events=((actor, "snooze", until.astimezone(UTC).isoformat()),),
    )
    return svc.change(state, item_id, change, version=version, actor=actor)


def unsnooze(state: Any, item_id: int, *, actor: str, version: int | None = None) -> Item:
    """Bring a snoozed item back open now."""
    item = svc.get_item(state, item_id)
    if item.status != SNOOZED:
        raise UsageError(
            tr("item %(id)s is not snoozed (it is %(status)s)", id=item_id, status=item.status),
            hint=tr("Nothing to undo; see its history (veille inbox show %(id)s).", id=item_id),
        )
    change = ItemChange(_woken(item), events=((actor, "unsnooze", ""),))
    return svc.change(state, item_id, change, version=version, actor=actor)


def wake_due(state: Any, now: int | None = None) -> list[int]:
    """Bring back open every item whose snooze ended by ``now`` (the ids).
    Each is a compare-and-set on the version read: an item someone changed
    meanwhile (unsnoozed, snoozed again) is left as they left it."""
    now = int(time.time()) if now is None else now
    woken: list[int] = []
    while found := state.inbox_snoozed_until(now):
        before = len(woken)
        for item in found:
            change = ItemChange(_woken(item), events=((ACTOR, "wake", ""),))
            if state.change_inbox_item(item.id, change, version=item.version, at=now) is not None:
                woken.append(item.id)
        if len(woken) == before:  # each changed by someone meanwhile: read again next time
            break
    return woken


def wake_on_replies(tx: Any, posts: Sequence[Post], now: int) -> list[int]:
    """In the ingest transaction: the snoozed items whose author wrote
    again in their thread (one of ``posts``, answering the item's post or
    in its thread) come back open now."""
    if not posts:
        return []
    snoozed = tx.snoozed_inbox_items()
    if not snoozed:
        return []
    wrote: set[tuple[str, str, str]] = set()
    for post in posts:
        for said_in in (post.parent_id, post.thread_id):
            if said_in:
                wrote.add((post.platform, post.author.handle, said_in))
    woken: list[int] = []
    for item in snoozed:
        places = {item.post_id, item.thread_id} - {None}
        if any((item.platform, item.author, p) in wrote for p in places):
            detail = tr("a new post from its author")
            change = ItemChange(_woken(item), events=((ACTOR, "wake", detail),))
            tx.apply_inbox_change(item.id, change, now)
            woken.append(item.id)
    return woken
