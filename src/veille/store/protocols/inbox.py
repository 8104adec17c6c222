"""What the engagement inbox keeps: items, their events and replies, rules,
teams, saved views and canned responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from veille.inbox.model import Event, Item, ItemChange, ItemFilter, Reply
    from veille.inbox.rules import Rule
    from veille.models import Post


@dataclass(frozen=True)
class ItemTimes:
    """One item's timings, as metrics read them (Unix seconds)."""

    id: int
    platform: str
    priority: str
    assignee: str | None
    status: str
    created_at: int
    first_response_at: int | None
    closed_at: int | None


@dataclass(frozen=True)
class SnoozedItem:
    """A snoozed item, as much of it as tells whether its author wrote again."""

    id: int
    platform: str
    author: str
    post_id: str
    thread_id: str | None
    assignee: str | None


class InboxState(Protocol):
    """The inbox: items and what happened to them, rules, teams, views."""

    # -- topics flagged for engagement -----------------------------------------

    def inbox_topic_ids(self) -> set[int]: ...

    def set_topic_inbox(self, topic_id: int, on: bool) -> None:
        """Flag (or unflag) a topic: the posts it matches enter the inbox."""
        ...

    # -- items -----------------------------------------------------------------

    def inbox_items(self, flt: ItemFilter) -> list[Item]:
        """Items matching ``flt``, newest first, ``flt.limit`` from ``flt.offset``."""
        ...

    def count_inbox_items(self, flt: ItemFilter) -> int: ...

    def inbox_item(self, item_id: int) -> Item | None: ...

    def inbox_items_by_post(self, post_ids: Sequence[str]) -> dict[str, Item]: ...

    def change_inbox_item(
        self, item_id: int, change: ItemChange, *, version: int | None, at: int
    ) -> Item | None:
        """Apply ``change`` in one transaction if the item is still at
        ``version`` (any version when ``None``): its fields, labels and events;
        the item after, or ``None`` when its version moved (a conflict)."""
        ...

    def inbox_snoozed_until(self, at: int, *, limit: int = 500) -> list[Item]:
        """Snoozed items whose snooze ends at ``at`` or before, soonest first
        (read on the index of the snoozes' ends: as cheap as those due)."""
        ...

    def inbox_awaiting(
        self, rule_id: int, runs_on: str, priority: str, created_by: int, *, limit: int = 200
    ) -> list[Item]:
        """Open items (not snoozed) of ``priority`` without a first
        response (``runs_on`` ``unresolved``: items not closed nor snoozed,
        answered or not), entered by ``created_by``, on which rule
        ``rule_id`` has not had its ``runs_on`` turn; oldest first (read on
        the partial index of such items)."""
        ...

    def inbox_events(self, item_id: int) -> list[Event]:
        """The item's events, oldest first; a detail made by
        :func:`veille.errors.tr` comes back as that text (kept with
        :func:`veille.errors.storable`), to be said in the reader's language."""
        ...

    def inbox_assigned_at(self, item_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of ``item_ids`` was last assigned (or unassigned); an
        item never assigned is absent."""
        ...

    def claim_inbox_reply(self, item_id: int, user: str, *, now: int, until: int) -> str | None:
        """Mark ``user`` as replying until ``until``; the other person already
        replying (their claim still running) instead, without changing it."""
        ...

    def release_inbox_reply(self, item_id: int, user: str) -> None: ...

    def add_inbox_reply(self, item_id: int, author: str, text: str, status: str, at: int) -> int:
        """Store a reply (its text kept whatever happens next); its id."""
        ...

    def finish_inbox_reply(
        self,
        reply_id: int,
        *,
        status: str,
        at: int,
        error: str | None = None,
        remote_id: str | None = None,
        remote_url: str | None = None,
        approved_by: str | None = None,
        was: str | None = None,
    ) -> bool:
        """Record how a reply ended; a sent or outside reply is the item's
        first response if it has none, and makes it ``responded``. An
        ``error`` made by :func:`veille.errors.tr` is kept as its template
        and values, and read back as that text. With ``was``, only if the
        reply is still ``was`` (``pending_approval``): ``False`` when it is
        not (anymore), and nothing changes: of two managers approving and
        rejecting it at once, one does."""
        ...

    def reopen_inbox_reply(self, reply_id: int, status: str, *, was: str = "failed") -> bool:
        """Move a reply that is ``was`` (``failed``, or ``sending`` and
        stuck) to ``status`` (``sending``, or ``pending_approval``) and clear
        its error; ``False`` when it is not ``was`` (anymore): of two people
        sending it again at once, one does."""
        ...

    def inbox_reply(self, reply_id: int) -> Reply | None: ...

    def inbox_replies(
        self, item_id: int | None = None, *, status: str | None = None
    ) -> list[Reply]: ...

    def item_times(self, since: int, until: int) -> list[ItemTimes]:
        """Timings of the items that entered the inbox in ``[since, until)``."""
        ...

    def open_item_times(self, at: int) -> list[ItemTimes]:
        """Timings of the items open at ``at`` (entered by then, not closed by then)."""
        ...

    # -- rules -----------------------------------------------------------------

    def inbox_rules(self) -> list[Rule]:
        """Every rule in the order they run."""
        ...

    def add_inbox_rule(self, rule: Rule, at: int) -> int | None:
        """Store a rule last in the order; its id, or ``None`` when the name is taken."""
        ...

    def remove_inbox_rule(self, name: str) -> bool: ...

    def update_inbox_rule(self, name: str, rule: Rule) -> bool:
        """Replace rule ``name`` in place (position and run counts kept); ``False`` if none."""
        ...

    # -- teams, views, canned responses ------------------------------------------

    def inbox_teams(self) -> dict[str, list[str]]: ...

    def set_inbox_team(self, team: str, members: Sequence[str]) -> None:
        """Set a team's members in order (none: the team is removed)."""
        ...

    def saved_views(self, owner: str) -> dict[str, dict[str, Any]]:
        """The views ``owner`` saved and the shared ones (owner ``""``)."""
        ...

    def save_view(self, owner: str, name: str, filters: Mapping[str, Any]) -> None: ...

    def delete_view(self, owner: str, name: str) -> bool: ...

    def canned_responses(self) -> list[tuple[str, str, str]]:
        """``(name, language, text)`` written by the workspace."""
        ...

    def save_canned(self, name: str, lang: str, text: str) -> None: ...

    def delete_canned(self, name: str, lang: str | None) -> bool: ...

    # -- working time set from the web app -----------------------------------------

    def inbox_settings(self) -> dict[str, Any]:
        """``[inbox]`` keys set in the workspace (they win over veille.toml's)."""
        ...

    def set_inbox_settings(self, values: Mapping[str, Any]) -> None:
        """Set these keys (a ``None`` value: back to veille.toml's)."""
        ...


class InboxPosts(Protocol):
    """The posts around an inbox item (where the posts are kept)."""

    def replies_to(self, post_id: str, *, limit: int = 200) -> list[Post]:
        """Stored posts replying to ``post_id``, oldest first."""
        ...


class InboxStateTx(Protocol):
    """Writes made inside the ingest transaction (entering posts, running rules)."""

    def enter_inbox(self, posts: Sequence[tuple[Post, Sequence[str]]], at: int) -> list[Item]:
        """Enter each ``(post, topic names)`` not yet in the inbox; the new items."""
        ...

    def apply_inbox_change(self, item_id: int, change: ItemChange, at: int) -> None:
        """A rule's changes to a new item (fields, labels, events)."""
        ...

    def snoozed_inbox_items(self) -> list[SnoozedItem]:
        """Every snoozed item (a few: they are put aside by hand)."""
        ...

    def claim_escalation(self, rule_id: int, runs_on: str, item_id: int, at: int) -> bool:
        """Record that rule ``rule_id`` has its ``runs_on`` turn on the item;
        ``False`` when that was already recorded (an earlier pass, another
        scheduler at the same moment): the rule must not run then."""
        ...

    def change_escalated(self, item_id: int, change: ItemChange, *, version: int, at: int) -> None:
        """An escalation rule's change, as a compare-and-set on ``version``;
        raises :class:`~veille.store.portable.inbox.ItemMoved` when the
        item moved on since it was read (roll the transaction back)."""
        ...

    def record_rule_run(self, rule_id: int, error: str | None, at: int) -> None:
        """Count a rule's run; keep its error (or clear it when it ran well)."""
        ...

    def next_in_team(self, team: str) -> str | None:
        """The member whose turn it is (round-robin), moving the turn on."""
        ...
