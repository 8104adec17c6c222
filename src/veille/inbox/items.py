"""The inbox service: list, assign, change status and priority, label, note.

Every change is one compare-and-set on the item's version (``version``: the
one the caller read; ``None``: whatever it is now, still atomically), and is
recorded as an event on the item and in the audit log. Two people acting on
the same item at once never corrupt it: the second one's change either
applies on top of the first or fails with :class:`Conflict` naming what
changed.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from veille.errors import NotFound, Place, UsageError, tr
from veille.inbox.model import (
    DONE_STATUSES,
    OPEN_STATUSES,
    SNOOZED,
    Conflict,
    Event,
    Item,
    ItemChange,
    ItemFilter,
    check_priority,
    check_status,
)

# Built-in saved views: name -> filters ("{me}" is the person looking).
BUILTIN_VIEWS: dict[str, dict[str, Any]] = {
    "my queue": {"assignee": "{me}", "statuses": list(OPEN_STATUSES)},
    "urgent negatives": {
        "priorities": ["urgent"],
        "sentiments": ["negative"],
        "statuses": list(OPEN_STATUSES),
    },
    # Every open item nobody has: one an agent let go of midway (in progress,
    # then unassigned) is still to be picked up.
    "unassigned": {"unassigned": True, "statuses": list(OPEN_STATUSES)},
    "open": {"statuses": list(OPEN_STATUSES)},
    # Put aside until a time; each comes back open on its own then.
    "snoozed": {"statuses": [SNOOZED]},
}
log = logging.getLogger(__name__)


def _now() -> int:
    return int(time.time())


def list_items(state: Any, flt: ItemFilter | None = None) -> list[Item]:
    """The items ``flt`` lists, once the snoozes that ended have woken theirs
    (where no scheduler runs, a list still shows them back at their time)."""
    from veille.inbox.snooze import wake_due

    try:
        wake_due(state)
    except Exception as exc:  # the list is still worth showing
        log.warning("waking the snoozed inbox items failed: %s", exc)
    items: list[Item] = state.inbox_items(flt or ItemFilter())
    return items


def count_items(state: Any, flt: ItemFilter | None = None) -> int:
    return int(state.count_inbox_items(flt or ItemFilter()))


def _fits(item_id: int) -> bool:
    """Whether ``item_id`` can be a row's id: one past the stores' 64-bit
    integers (a forged form or address) is no item, where the store failed
    to bind it (a server error)."""
    return 0 <= item_id < 2**63


def get_item(state: Any, item_id: int) -> Item:
    item: Item | None = state.inbox_item(item_id) if _fits(item_id) else None
    if item is None:
        raise NotFound(
            tr("no inbox item %(id)s", id=item_id),
            hint=tr(
                "See the inbox's list (%(where)s).", where=Place("veille inbox list", page="/inbox")
            ),
        )
    return item


def assigned_since(state: Any, items: Sequence[Item]) -> dict[int, datetime]:
    """Since when each assigned item of ``items`` is with its assignee."""
    ids = [i.id for i in items if i.assignee]
    found: dict[int, datetime] = state.inbox_assigned_at(ids) if ids else {}
    return found


def events(state: Any, item_id: int) -> list[Event]:
    found: list[Event] = state.inbox_events(item_id)
    return found


def check_user(state: Any, username: str) -> str:
    """``username`` if the workspace knows that person (once accounts exist)."""
    name = username.strip()
    if not name:
        raise UsageError(tr("a person's username is needed"), hint=tr("e.g. alice"))
    from veille.services import users

    # A workspace without accounts (the command line alone): any name is a person.
    known = [u.username for u in users.list_users(state)]
    if known and name not in known:
        from veille.suggest import did_you_mean

        raise NotFound(tr("no user named %(name)r", name=name), hint=did_you_mean(name, known))
    return name


def _audit(state: Any, actor: str, action: str, item_id: int, detail: str) -> None:
    from veille.services import audit

    who = None if actor == "cli" else actor  # the audit log's name for the command line
    audit.record(state, who, f"inbox.{action.replace(' ', '_')}", f"inbox:{item_id}", detail[:500])


def change(
    state: Any,
    item_id: int,
    item_change: ItemChange,
    *,
    version: int | None,
    actor: str,
) -> Item:
    """Apply ``item_change`` atomically if the item is still at ``version``."""
    after: Item | None = None
    if _fits(item_id):
        after = state.change_inbox_item(item_id, item_change, version=version, at=_now())
    if after is None:
        now = get_item(state, item_id)
        who = now.assignee or tr("someone")
        raise Conflict(
            tr(
                "inbox item %(id)s changed since you read it (version %(version)s, now "
                "%(now)s: status %(status)s, assigned to %(who)s)",
                id=item_id, version=version, now=now.version, status=now.status, who=who,
            ),
            hint=tr("Reload it and try again."),
        )  # fmt: skip
    for _actor, action, detail in item_change.events:
        _audit(state, actor, action, item_id, detail)
    return after


def assign(
    state: Any, item_id: int, to: str | None, *, actor: str, version: int | None = None
) -> Item:
    """Give the item to ``to`` (``None``: to nobody)."""
    item = get_item(state, item_id)
    fields: dict[str, Any] = {"assignee": None}
    if to is None:
        if item.status == "assigned":
            fields["status"] = "new"
        detail = ""
    else:
        to = check_user(state, to)
        fields["assignee"] = to
        if item.status == "new":
            fields["status"] = "assigned"
        detail = to
    return change(
        state, item_id, ItemChange(fields, events=((actor, "assign", detail),)),
        version=version, actor=actor,
    )  # fmt: skip


def release_items_of(state: Any, username: str, *, actor: str) -> int:
    """Put the open items assigned to ``username`` back in the queue, given
    to nobody (an account removed: they sat assigned to no one who could
    see them, out of the unassigned queue). Their history stays. How many."""
    released = 0
    while found := list_items(
        state, ItemFilter(statuses=OPEN_STATUSES, assignee=username, limit=500)
    ):
        for item in found:
            assign(state, item.id, None, actor=actor)
            released += 1
    return released


def status_fields(item: Item, status: str, at: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": status}
    if item.snoozed_until is not None and status != SNOOZED:
        fields["snoozed_until"] = None  # out of its snooze, by hand or by a rule
    if status in ("closed", "ignored"):
        if item.closed_at is None:
            fields["closed_at"] = at
    elif status in OPEN_STATUSES and item.closed_at is not None:
        fields["closed_at"] = None  # reopened: back in the backlog
    return fields


def set_status(
    state: Any, item_id: int, status: str, *, actor: str, version: int | None = None
) -> Item:
    status = check_status(status)
    if status == SNOOZED:
        raise UsageError(
            tr("an item is snoozed until a time"),
            hint=tr(
                "Use %(where)s.",
                where=Place(
                    f"veille inbox snooze {item_id} --until …", page=tr("the item's Snooze button")
                ),
            ),
        )
    item = get_item(state, item_id)
    fields = status_fields(item, status, _now())
    return change(
        state, item_id, ItemChange(fields, events=((actor, "status", status),)),
        version=version, actor=actor,
    )  # fmt: skip


def set_priority(
    state: Any, item_id: int, priority: str, *, actor: str, version: int | None = None
) -> Item:
    priority = check_priority(priority)
    return change(
        state, item_id,
        ItemChange({"priority": priority}, events=((actor, "priority", priority),)),
        version=version, actor=actor,
    )  # fmt: skip


def add_note(state: Any, item_id: int, text: str, *, actor: str) -> Item:
    """An internal note (never sent anywhere); notes need no version: they add, never overwrite."""
    text = text.strip()
    if not text:
        raise UsageError(tr("a note needs some text"))
    if len(text) > 10_000:
        raise UsageError(tr("a note is at most 10,000 characters"))
    return change(
        state, item_id, ItemChange(events=((actor, "note", text),)), version=None, actor=actor
    )


def label(
    state: Any,
    item_id: int,
    *,
    actor: str,
    tags: Sequence[str] = (),
    untag: Sequence[str] = (),
    categories: Sequence[str] = (),
    uncategorize: Sequence[str] = (),
) -> Item:
    add = tuple(("tag", t.strip()) for t in tags if t.strip()) + tuple(
        ("category", c.strip()) for c in categories if c.strip()
    )
    remove = tuple(("tag", t.strip()) for t in untag if t.strip()) + tuple(
        ("category", c.strip()) for c in uncategorize if c.strip()
    )
    evs = tuple((actor, kind, v) for kind, v in add) + tuple(
        (actor, f"remove {kind}", v) for kind, v in remove
    )
    return change(state, item_id, ItemChange({}, add, remove, evs), version=None, actor=actor)


def correct_sentiment(store: Any, item_id: int, label_: str, *, actor: str) -> Item:
    """Correct the post's sentiment with the correction service (the model's
    accuracy report counts it) and the item's copy with it."""
    from veille.services.enrich import correct_sentiment as correct

    item = get_item(store, item_id)
    try:
        correct(store, item.post_id, label_, who=actor)
    except NotFound:
        # The post left the store (retention, forgotten): the item's copy still changes.
        from veille.services.enrich import LABELS

        if label_.strip().lower() not in LABELS:
            raise
    value = label_.strip().lower()
    return change(
        store, item_id,
        ItemChange({"sentiment": value}, events=((actor, "sentiment", value),)),
        version=None, actor=actor,
    )  # fmt: skip


def mark_deleted_upstream(state: Any, item_id: int, *, actor: str, detail: str = "") -> Item:
    """The post is gone from its platform: the item is kept, marked."""
    return change(
        state, item_id,
        ItemChange({"deleted_upstream_at": _now()}, events=((actor, "deleted upstream", detail),)),
        version=None, actor=actor,
    )  # fmt: skip


def clear_deleted_upstream(state: Any, item_id: int, *, actor: str, detail: str = "") -> Item:
    """Undo a wrong "deleted upstream" mark (the post is still there: replies
    are possible again); the mark and its removal stay in the item's history."""
    item = get_item(state, item_id)
    if item.deleted_upstream_at is None:
        raise UsageError(
            tr("item %(id)s is not marked deleted upstream", id=item_id),
            hint=tr("Nothing to undo; see its history (veille inbox show %(id)s).", id=item_id),
        )
    undone = ItemChange(
        {"deleted_upstream_at": None}, events=((actor, "not deleted upstream", detail),)
    )
    return change(state, item_id, undone, version=None, actor=actor)


BULK_ACTIONS = ("assign", "unassign", "status", "priority", "tag", "category", "snooze")


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def bulk(
    state: Any,
    item_ids: Sequence[int],
    action: str,
    value: str,
    *,
    actor: str,
    versions: Mapping[int, int] | None = None,
) -> BulkResult:
    """One action on many items; an item that fails is reported, the others done.

    ``versions``: the version of each item as the caller read it (a list
    page): an item changed since (a colleague took it meanwhile) is left as
    it is and reported (:class:`Conflict`), never overwritten. Tags and
    categories add or remove, so they need none. ``snooze``'s value is the
    time it ends, ISO 8601 with its offset (what
    :func:`veille.inbox.snooze.snooze_time` made of a preset)."""
    from veille.errors import VeilleError
    from veille.inbox import snooze as snoozing

    if action not in BULK_ACTIONS:
        raise UsageError(
            tr("unknown bulk action %(action)r", action=action),
            hint=tr("Use %(known)s.", known=", ".join(BULK_ACTIONS)),
        )
    # Checked once, before touching any item.
    if action == "status":
        value = check_status(value)
    elif action == "priority":
        value = check_priority(value)
    elif action == "assign":
        value = check_user(state, value)
    until = snoozing.until_of(value) if action == "snooze" else None
    result = BulkResult()
    for item_id in dict.fromkeys(item_ids):
        read = (versions or {}).get(item_id)
        try:
            if action == "assign":
                assign(state, item_id, value, actor=actor, version=read)
            elif action == "unassign":
                assign(state, item_id, None, actor=actor, version=read)
            elif action == "status":
                set_status(state, item_id, value, actor=actor, version=read)
            elif action == "priority":
                set_priority(state, item_id, value, actor=actor, version=read)
            elif until is not None:
                snoozing.snooze(state, item_id, until, actor=actor, version=read)
            elif action == "tag":
                label(state, item_id, actor=actor, tags=[value])
            else:
                label(state, item_id, actor=actor, categories=[value])
            result.done.append(item_id)
        except VeilleError as exc:
            result.failed[item_id] = exc.message
    return result


def views(state: Any, user: str) -> dict[str, dict[str, Any]]:
    """The built-in views, then the shared ones and ``user``'s own."""
    out = {name: dict(f) for name, f in BUILTIN_VIEWS.items()}
    out.update(state.saved_views(user))
    return out


def view_filter(state: Any, name: str, user: str | None, **extra: Any) -> ItemFilter:
    """The filter of view ``name`` as ``user`` sees it."""
    found = views(state, user or "")
    if name not in found:
        from veille.suggest import did_you_mean

        raise NotFound(
            tr("no inbox view named %(name)r", name=name), hint=did_you_mean(name, found)
        )
    filters = dict(found[name])
    if filters.get("assignee") == "{me}":
        if not user:
            raise UsageError(
                tr("the view %(name)r needs to know who you are", name=name),
                hint=tr("Sign in, or name the user (--as USER or VEILLE_USER)."),
            )
        filters["assignee"] = user
    return ItemFilter.from_dict(filters, **extra)


def save_view(state: Any, owner: str, name: str, flt: ItemFilter, *, shared: bool = False) -> None:
    """Save ``flt`` as view ``name``; a status, priority, sentiment, platform
    or language no item can have is refused (the view would never show one)."""
    from dataclasses import replace

    from veille.inbox.model import check_sentiment
    from veille.suggest import check_languages, check_platforms

    name = name.strip()
    if not name or len(name) > 80:
        raise UsageError(tr("a view needs a name of 1 to 80 characters"))
    if name in BUILTIN_VIEWS:
        raise UsageError(
            tr("%(name)r is a built-in view", name=name), hint=tr("Choose another name.")
        )
    flt = replace(
        flt,
        statuses=tuple(dict.fromkeys(check_status(s) for s in flt.statuses)),
        priorities=tuple(dict.fromkeys(check_priority(p) for p in flt.priorities)),
        sentiments=tuple(dict.fromkeys(check_sentiment(s) for s in flt.sentiments)),
        platforms=check_platforms(flt.platforms),
        languages=check_languages(flt.languages),
    )
    state.save_view("" if shared else owner, name, flt.as_dict())


def check_topics(state: Any, names: Sequence[str]) -> tuple[str, ...]:
    """``names`` if each is a topic (an item keeps the topics that brought it in)."""
    from veille.query.topics import get_topic

    asked = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
    for name in asked:
        get_topic(state, name)  # NotFound, with the known names
    return asked


def is_done(item: Item) -> bool:
    return item.status in DONE_STATUSES


_TEAM_NAME = re.compile(r"^[\w][\w .-]{0,59}$")


def set_team(state: Any, name: str, members: Sequence[str]) -> list[str]:
    """Set team ``name``'s members, in round-robin order (none: the team
    goes, unless an inbox rule assigns within it: :class:`veille.errors.Conflict` names
    those rules; removed, each failed on every item, doing none of its
    actions)."""
    name = name.strip()
    if not _TEAM_NAME.match(name):
        raise UsageError(
            tr("team name %(name)r is not usable", name=name),
            hint=tr("Use letters, digits, spaces, dots, dashes (up to 60 characters)."),
        )
    people = list(dict.fromkeys(check_user(state, m) for m in members if m.strip()))
    if not people and (used := team_rules(state, name)):
        from veille.errors import Conflict as InUse  # (this module's Conflict: an item's edit)

        listed = used[0]
        for more in used[1:]:
            listed = tr("%(first)s, %(next)s", first=listed, next=more)
        raise InUse(
            tr("team %(name)s is still used by %(rules)s; nothing was removed",
               name=name, rules=listed),
            hint=tr("Give those rules another action first (%(where)s), then remove the team.",
                    where=Place("veille rule edit NAME --team … | --assign …",
                                page="/inbox/rules")),
        )  # fmt: skip
    state.set_inbox_team(name, people)
    return people


def team_rules(state: Any, team: str) -> list[Any]:
    """The inbox rules that assign round-robin within ``team`` (as
    translatable text: "inbox rule NAME")."""
    return [tr("inbox rule %(name)s", name=r.name) for r in state.inbox_rules()
            if any(kind == "team" and value == team for kind, value in r.actions)]  # fmt: skip


def delete_view(state: Any, owner: str, name: str, *, shared: bool) -> None:
    """Remove ``owner``'s view ``name`` (``shared``: the one everyone sees)."""
    if name in BUILTIN_VIEWS:
        raise UsageError(
            tr("%(name)r is a built-in view", name=name),
            hint=tr("Built-in views cannot be removed."),
        )
    if not state.delete_view("" if shared else owner, name):
        raise NotFound(
            tr("no inbox view named %(name)r", name=name), hint=tr("It was removed meanwhile.")
        )
