"""Where each item stands against its response target: met, missed, due
soon (highlighted before the breach), breached, or on time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from veille.inbox.hours import Targets, WorkingTime

if TYPE_CHECKING:
    from veille.config import Settings
    from veille.inbox.model import Item

DUE_STATES = ("ok", "due_soon", "breached", "met", "missed")


@dataclass(frozen=True)
class Due:
    """``state``: ok, due_soon, breached (no answer yet), met or missed (answered)."""

    state: str
    due_at: datetime
    resolve_by: datetime


def due_state(item: Item, hours: WorkingTime, targets: Targets, now: datetime) -> Due | None:
    """The item's standing; ``None`` for an item closed or ignored without an answer."""
    span = targets.first_response.get(item.priority)
    if span is None:
        return None
    due_at = hours.add(item.created_at, span)
    resolve_by = hours.add(item.created_at, targets.resolution.get(item.priority, span))
    if item.first_response_at is not None:
        return Due("met" if item.first_response_at <= due_at else "missed", due_at, resolve_by)
    if not item.is_open:
        return None
    if now > due_at:
        return Due("breached", due_at, resolve_by)
    if now >= due_at - targets.due_soon:
        return Due("due_soon", due_at, resolve_by)
    return Due("ok", due_at, resolve_by)


def due_states(
    settings: Settings, items: Sequence[Item], now: datetime | None = None
) -> dict[int, Due]:
    hours = WorkingTime.from_settings(settings)
    targets = Targets.from_settings(settings, hours)
    now = now or datetime.now(UTC)
    out = {}
    for item in items:
        due = due_state(item, hours, targets, now)
        if due is not None:
            out[item.id] = due
    return out
