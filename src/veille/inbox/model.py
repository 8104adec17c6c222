"""The inbox's records: an item (a post someone should answer), its events,
its replies, and the filters that list items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from veille import errors
from veille.errors import UsageError, tr
from veille.suggest import did_you_mean

STATUSES = ("new", "assigned", "in_progress", "snoozed", "responded", "closed", "ignored")
OPEN_STATUSES = ("new", "assigned", "in_progress")
# Put aside until a time (``Item.snoozed_until``): out of the open views, still
# in the backlog; it comes back open at that time, or when its author writes again.
SNOOZED = "snoozed"
# What a person picks as a status (a snooze takes its time: veille.inbox.snooze).
SETTABLE_STATUSES = tuple(s for s in STATUSES if s != SNOOZED)
# Handled: a reply went out or nothing is to be done. Only closed and ignored
# items leave the backlog figures (metrics.backlog; docs/inbox.md): a responded
# one stays there until someone closes it.
DONE_STATUSES = ("responded", "closed", "ignored")
PRIORITIES = ("urgent", "high", "normal", "low")
SENTIMENTS = ("positive", "negative", "neutral")
REPLY_STATUSES = ("pending_approval", "sending", "sent", "failed", "outside")
# What a page says for the codes that are no words (the API, the CLI and the
# forms take the codes): the English msgids of the web app's catalogs, so that
# an English page says "in progress" where a French one says « en cours ».
WORDS = {
    "in_progress": "in progress",
    "due_soon": "due soon",
    "pending_approval": "awaiting approval",
}


# A history entry's action in words (the English msgids of the catalogs):
# the API and ``inbox show --format json`` keep the codes; until 2026-12-07
# an English page said ``wake``, ``unsnooze``, ``assign``, ``remove tag``.
EVENT_WORDS = {
    "assign": "assigned to",
    "tag": "tag added",
    "category": "category added",
    "remove tag": "tag removed",
    "remove category": "category removed",
    "notify": "alert notified",
    "snooze": "snoozed until",
    "unsnooze": "taken out of snooze",
    "wake": "back from snooze",
    "approve reply": "reply approved",
    "reject reply": "reply rejected",
}


def event_word(action: str, detail: object = None) -> str:
    """A history entry's ``action`` in words, before translation (an
    ``assign`` to nobody: ``assignment removed``)."""
    if action == "assign" and not detail:
        return "assignment removed"
    return EVENT_WORDS.get(action, action)


def word(code: str) -> str:
    """``code`` (a status, a priority, a due state, a reply's state) in words,
    before translation: ``in_progress`` -> ``in progress``."""
    return WORDS.get(code, code)


class Conflict(errors.Conflict):
    """Someone else changed the item between reading it and writing to it."""


def check_status(value: str) -> str:
    v = value.strip().lower().replace("-", "_").replace(" ", "_")
    if v not in STATUSES:
        raise UsageError(
            tr("%(value)r is not an inbox status", value=value),
            hint=did_you_mean(v, STATUSES),
        )
    return v


def check_priority(value: str) -> str:
    v = value.strip().lower()
    if v not in PRIORITIES:
        raise UsageError(
            tr("%(value)r is not a priority", value=value),
            hint=did_you_mean(v, PRIORITIES),
        )
    return v


def check_sentiment(value: str) -> str:
    v = value.strip().lower()
    if v not in SENTIMENTS:
        raise UsageError(
            tr("sentiment %(value)r is unknown", value=value),
            hint=did_you_mean(v, SENTIMENTS) or tr("Use %(known)s.", known=", ".join(SENTIMENTS)),
        )
    return v


@dataclass(frozen=True)
class Item:
    """One post in the inbox, with a copy of what the post said (kept when
    the post itself goes) and how it is being handled."""

    id: int
    post_id: str
    platform: str
    author: str
    text: str
    published_at: datetime
    created_at: datetime
    updated_at: datetime
    status: str = "new"
    priority: str = "normal"
    assignee: str | None = None
    lang: str | None = None
    author_name: str | None = None
    followers: int | None = None
    url: str | None = None
    title: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    sentiment: str | None = None
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    deleted_upstream_at: datetime | None = None
    replying: str | None = None
    replying_until: datetime | None = None
    version: int = 1
    snoozed_until: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Event:
    """One thing that happened to an item (a note, an assignment, a rule's action)."""

    id: int
    item_id: int
    at: datetime
    actor: str
    action: str
    detail: str = ""


#: The text kept for an item marked as answered outside veille: the answer
#: is on the platform, veille holds no words of it.
OUTSIDE_TEXT = "(answered outside veille)"


@dataclass(frozen=True)
class Reply:
    id: int
    item_id: int
    author: str
    text: str
    status: str
    created_at: datetime
    error: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    approved_by: str | None = None
    sent_at: datetime | None = None

    @property
    def words(self) -> str:
        """The reply's text as a reader is shown it: none for an answer given
        outside veille, whose status says it in the reader's language (its
        kept English placeholder was shown on French pages)."""
        return "" if self.status == "outside" and self.text == OUTSIDE_TEXT else self.text


@dataclass(frozen=True)
class ItemFilter:
    """Which items a list shows; empty tuples mean "any"."""

    statuses: tuple[str, ...] = ()
    assignee: str | None = None
    unassigned: bool = False
    priorities: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # any of these topics brought the item in
    text: str = ""
    limit: int = 100
    offset: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in (
            "statuses", "priorities", "platforms", "languages", "sentiments", "tags", "categories",
            "topics",
        ):  # fmt: skip
            value = getattr(self, key)
            if value:
                out[key] = list(value)
        if self.assignee:
            out["assignee"] = self.assignee
        if self.unassigned:
            out["unassigned"] = True
        if self.text:
            out["text"] = self.text
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], **extra: Any) -> ItemFilter:
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("assignee", "text"):
                values[key] = str(value)
            elif key == "unassigned":
                values[key] = bool(value)
            elif key in cls.__dataclass_fields__ and key not in ("limit", "offset"):
                values[key] = tuple(str(v) for v in value)
        values.update(extra)
        return cls(**values)


@dataclass(frozen=True)
class ItemChange:
    """What one write does to an item, recorded as events in the same transaction."""

    fields: dict[str, Any] = field(default_factory=dict)
    add_labels: tuple[tuple[str, str], ...] = ()
    remove_labels: tuple[tuple[str, str], ...] = ()
    events: tuple[tuple[str, str, str], ...] = ()  # (actor, action, detail)
