"""Forgetting: retention, a person's erasure, the pseudonymization key, the erasure log.

Three protocols: :class:`PrivacyPosts`, what the posts store deletes (a
person's posts, old posts, old raw payloads, with their filings, search
entries and the rollups kept from them); :class:`PrivacyState`, what the
state store deletes (the copies it keeps of posts: outbox rows, marks,
corrections, story signatures, inbox items, quarantined items) and the
erasure log; :class:`PrivacyStore`, both at once where one backend keeps
posts and state (SQLite). :mod:`veille.services.privacy`
runs the first two in turn on a split workspace.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Erasure:
    """One entry of the erasure log."""

    at: datetime
    kind: str  # "author", "retention" (posts) or "inbox" (inbox retention)
    platform: str | None
    subject: str  # a keyed hash of platform:handle, or the cutoff date
    posts: int
    details: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class UnfinishedErasure:
    """A person's erasure begun and not done (its process was killed, or a
    step failed): ``veille run`` finishes it, as running the same
    ``veille privacy erase`` again does."""

    handle: str  # lower case: handles are matched so
    platform: str | None  # None: on every platform
    started_at: datetime


@dataclass
class ErasureReport:
    """What an erasure or a purge removed, and where copies may remain outside
    the store (Atom feed files that alerts write)."""

    posts: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    post_ids: list[str] = field(default_factory=list)
    atom_files: list[str] = field(default_factory=list)


def story_key(post_id: str) -> str:
    """The key a story gets when the post that named it is erased (stories are
    keyed by the id of their first post); every store computes the same one."""
    return "c:" + hashlib.blake2b(post_id.encode(), digest_size=8).hexdigest()


#: What a retention purge may delete without deleting posts (its report's
#: names): the outbox rows and "not relevant" marks of posts an earlier
#: purge deleted, queued or made as it ran. A purge that deletes only these
#: is logged too, so the privacy log says that they went.
NAMING_POSTS = ("deliveries", "alert_marks")


def _hashed(kind: str, value: str) -> str:
    data = f"{kind}\x00{value}".encode()
    return hashlib.blake2b(data, digest_size=16, person=b"veille-forgot").hexdigest()


def author_key(platform: str | None, handle: str) -> str:
    """How a posts store's ``forgotten`` table names a person it erased
    (``platform`` ``None``: on every platform), as handles are matched
    (case aside). A hash, not keyed: no handle is written in clear, but a
    handle one knows can be tested against it."""
    return _hashed("author", f"{platform or '*'}\x00{handle.lower()}")


def post_key(post_id: str) -> str:
    """How a posts store's ``forgotten`` table names an erased post (and,
    under :data:`PURGED`, one a retention purge deleted)."""
    return _hashed("post", post_id)


#: The kind of ``forgotten`` rows naming a post a retention purge deleted
#: (``key``: :func:`post_key`; ``erased_at``: its publication, seconds),
#: written before the delete, beside it (SQLite: in its transaction;
#: ClickHouse: under the lock writes of posts share). The purge kept what
#: the post counted in the aggregates: a write of posts leaves it out
#: (``expired``), whatever the retention says then, so it is never counted
#: twice; a post older than the last cutoff that no purge deleted (an
#: archive imported after the retention was made longer) is stored. A name
#: is kept as long as its post was (a purge is given ``names_from``, its
#: cutoff less the retention period): older names go, and their
#: publications fall under :data:`PURGED_UNNAMED`. About 55 bytes a name
#: in SQLite, 37 in ClickHouse.
PURGED = "purged"
#: The ``forgotten`` row (``key`` empty) whose ``erased_at`` is the latest
#: moment (seconds) before which purged posts are not named: the cutoff the
#: purges made before they named their posts reached (SQLite migration
#: 0710, ClickHouse schema 17), or the ``names_from`` of a purge, which let
#: the older names go. A write leaves out every post published before it.
PURGED_UNNAMED = "purged_unnamed"


#: The kinds of ``forgotten`` rows that name a person: an erasure (its time,
#: seconds: their posts published until then are refused), the objection to
#: further processing it records (its time, milliseconds), and the lifting
#: of that objection (milliseconds). An objection holds while it is later
#: than its last lifting.
AUTHOR, OBJECTION, LIFTED = "author", "objection", "lifted"
PERSON_KINDS = (AUTHOR, OBJECTION, LIFTED)
#: :func:`refusals`' time for a person who objects: every post, whenever published.
FOREVER = 2**62


def now_ms() -> int:
    """The time an objection or its lifting is recorded at (milliseconds: an
    erasure, its lifting and a second erasure may fall in one second)."""
    return time.time_ns() // 1_000_000


def _by_kind(rows: Iterable[Sequence[Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {kind: {} for kind in PERSON_KINDS}
    for kind, key, at in rows:
        seen = out.get(str(kind))
        if seen is not None:
            seen[str(key)] = max(int(at), seen.get(str(key), int(at)))
    return out


def objecting(rows: Iterable[Sequence[Any]]) -> set[str]:
    """The ``author_key`` s whose objection holds, from ``(kind, key, at)``
    rows of ``forgotten``."""
    kinds = _by_kind(rows)
    lifted = kinds[LIFTED]
    return {key for key, at in kinds[OBJECTION].items() if at > lifted.get(key, -1)}


def refusals(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    """``author_key`` -> the time (seconds) until which a write stores none
    of the person's posts, from ``(kind, key, at)`` rows of ``forgotten``:
    their last erasure, or :data:`FOREVER` while they object (the erasure
    objects to further processing until ``veille privacy lift``)."""
    rows = list(rows)
    until = dict(_by_kind(rows)[AUTHOR])
    for key in objecting(rows):
        until[key] = FOREVER
    return until


def left_stored(
    records: Iterable[Sequence[Any]], firsts: Iterable[Sequence[Any]]
) -> list[tuple[str | None, str]]:
    """Whose erasure was cut midway, from ``forgotten``'s ``(kind, key, at)``
    and the stored posts' ``(platform, handle, first published, seconds)``
    per author: each person an erasure recorded (kind ``author``, as it
    began) with a post published until then still stored (a write refuses
    those, an erasure that ended deleted them all); ``(platform, or None for
    every one, handle in lower case)``, by handle. An erasure cut by a release
    before SQLite migration 0640 (PostgreSQL 0130) left no other trace."""
    erased = _by_kind(records)[AUTHOR]
    if not erased:
        return []
    cut: set[tuple[str | None, str]] = set()
    for platform, handle, first in firsts:
        name = str(handle).lower()
        for where in (None, str(platform)):
            at = erased.get(author_key(where, name))
            if at is not None and int(first) <= at:
                cut.add((where, name))
                break
    return sorted(cut, key=lambda c: (c[1], c[0] or ""))


def erased_until(forgotten: dict[str, int], platform: str, handle: str) -> int | None:
    """The time (seconds) until which a person's posts were erased, from
    ``forgotten`` (:func:`refusals`): a write stores none of theirs
    published until then. ``None``: never erased."""
    times = [forgotten.get(author_key(p, handle)) for p in (platform, None)]
    found = [at for at in times if at is not None]
    return max(found) if found else None


class PrivacyPosts(Protocol):
    """What the posts store deletes when a person asks to be forgotten or
    posts get too old. Each call is complete on return: a deleted post is in
    no read, search or rollup afterwards, and no older version of it comes back."""

    def author_post_ids(self, handle: str, platform: str | None) -> list[str]:
        """Ids of every post by ``handle`` (any case; on ``platform``, or everywhere)."""
        ...

    def erase_author_posts(self, handle: str, platform: str | None) -> ErasureReport:
        """Delete every post by ``handle`` (every stored version), their filings,
        their share of the rollups, the per-author aggregates and account links
        naming them; stories keyed by one of their posts get :func:`story_key`;
        other posts pointing at theirs (a reply, a repost, a link, their raw
        payloads) lose the reference (:mod:`veille.store.unlinked`), before
        the posts are deleted. ``post_ids``: the posts deleted."""
        ...

    def objections(self, keys: Sequence[str]) -> list[str]:
        """Those of these ``author_key`` s whose objection holds."""
        ...

    def lift_objection(self, keys: Sequence[str]) -> list[str]:
        """Lift the objections of these ``author_key`` s that hold: from now
        on their new posts are stored again (those published until now stay
        refused). The keys whose objection was lifted."""
        ...

    def post_ids_before(self, cutoff: datetime, *, after: str = "", limit: int = 2000) -> list[str]:
        """Ids of posts published before ``cutoff``, in id order, from after ``after``."""
        ...

    def delete_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        """Delete posts published before ``cutoff`` and their filings; the
        rollups of volume, topics and entities keep them, per-author
        aggregates of days before ``cutoff`` go. Each post deleted is named
        (:data:`PURGED`) unless published before ``names_from`` (``None``:
        every one), before which the names are let go and every post is
        left out (:data:`PURGED_UNNAMED`)."""
        ...

    def purged_until(self) -> datetime | None:
        """The moment from which no post a retention purge deleted was
        published (``None``: none deleted): a window of posts that begins
        before it may lack some; one after it holds every post stored."""
        ...

    def drop_raw_before(self, cutoff: datetime) -> int:
        """Empty the raw payloads of posts published before ``cutoff``; the count."""
        ...


class KeptPosts(Protocol):
    """What a posts store keeps beside its posts and a split workspace must ask
    it for, not the state store (SQLite has tables of the same names there,
    empty when it keeps only the state): the record of what erasures forgot
    (hashes, see :func:`author_key`) and the figures of posts a retention
    purge deleted. ``veille store migrate`` carries both with the posts."""

    def forgotten_ids(self, posts: Iterable[Any]) -> list[str]:
        """Ids of these posts that an erasure forgot (their author or themselves)."""
        ...

    def forgotten_among(self, keys: Iterable[Sequence[Any]]) -> list[str]:
        """The ids among ``(id, platform, handle, published_at)`` keys an erasure forgot."""
        ...

    def forgotten_posts(self, post_ids: Iterable[str]) -> list[str]:
        """Those of these post ids an erasure forgot."""
        ...

    def forgotten_records(self) -> list[tuple[str, str, int]]:
        """Every ``(kind, key, erased_at)`` of ``forgotten``."""
        ...

    def record_forgotten(
        self, records: Sequence[tuple[str, str, int]], *, whole: bool = False
    ) -> None:
        """Add ``(kind, key, erased_at)`` records to ``forgotten``."""
        ...

    def purged_topic_totals(self) -> list[tuple[int, int, int, int, int]]:
        """``(topic id, quarter-hour, posts, engagement, reach)`` of purged posts."""
        ...

    def add_purged_topic_totals(self, rows: Sequence[tuple[int, int, int, int, int]]) -> None:
        """Add rows of :meth:`purged_topic_totals`' shape."""
        ...

    def purged_rollup(self) -> list[tuple[Any, ...]]:
        """What the volume rollup counts of purged posts."""
        ...

    def add_purged_rollup(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_rollup`'s shape."""
        ...

    def purged_entities(self) -> list[tuple[str, int, str, int, int]]:
        """What the hashtags and domains rollup counts of purged posts."""
        ...

    def add_purged_entities(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entities`' shape."""
        ...

    def purged_entity_quarters(self) -> list[tuple[str, int, str, int, int]]:
        """The hashtags and domains of purged posts per quarter-hour (what a
        period's edge inside a purged day reads)."""
        ...

    def add_purged_entity_quarters(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_entity_quarters`' shape."""
        ...

    def purged_authors(self) -> list[tuple[Any, ...]]:
        """What the authors rollup counts of purged posts."""
        ...

    def add_purged_authors(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add rows of :meth:`purged_authors`' shape."""
        ...


class PrivacyState(Protocol):
    """The state's part of forgetting: the copies it keeps of posts and
    people, the pseudonymization key and the erasure log."""

    def privacy_key(self) -> bytes:
        """The workspace's secret key for pseudonyms (made on first use)."""
        ...

    def forget_posts(self, post_ids: Sequence[str], *, rekey: bool) -> dict[str, int]:
        """Delete the state's copies of these posts (filings, outbox rows,
        marks, corrections, story signatures); with ``rekey``, stories keyed
        by one of them get :func:`story_key`; inbox items answering one of
        them or in a thread one began name it by
        :func:`~veille.store.unlinked.erased_ref`. Rows removed or changed,
        by table."""
        ...

    def forget_author(self, handle: str, platform: str | None) -> dict[str, int]:
        """Delete the inbox items of ``handle`` and the quarantined items naming them."""
        ...

    def inbox_references(self) -> list[str]:
        """The post ids inbox items answer or whose thread they are in
        (``parent_id``, ``thread_id``)."""
        ...

    def calendar_replies(self) -> list[str]:
        """The post ids (``platform:native``) calendar entries answer."""
        ...

    def forget_own_copies(
        self, handle: str, platform: str | None, post_ids: Sequence[str], note: str
    ) -> dict[str, int]:
        """Take ``handle`` and the posts ``post_ids`` out of the organisation's
        own records: calendar entries answering or naming them are kept with
        the post forgotten and the handle replaced (one not yet published back
        to draft, ``note`` its error); their account's snapshots are deleted;
        the team's inbox notes and replies naming them keep their words but
        the handle. Rows by table."""
        ...

    def author_inbox_item_ids(self, handle: str, platform: str | None) -> list[int]:
        """Ids of the inbox items of posts by ``handle`` (any case; on
        ``platform``, or everywhere)."""
        ...

    def person_records(
        self, handle: str, post_ids: Sequence[str], item_ids: Sequence[int]
    ) -> dict[str, list[dict[str, Any]]]:
        """What the state keeps about a person, for a subject access request:
        the alert deliveries and marks of ``post_ids``, the alert events
        (spikes, reports) naming ``handle``, their sentiment corrections, the
        quarantined items naming ``handle``, the audit entries about the
        inbox items ``item_ids``, the calendar entries answering ``post_ids``
        or naming ``handle``, the snapshots of an account named ``handle``,
        the team's notes and replies naming them on others' items; by section."""
        ...

    def forget_before(self, cutoff: datetime) -> dict[str, int]:
        """Delete quarantined items older than ``cutoff``, and the delivered
        monitor events and reports queued before it (outbox rows keyed by an
        hour or a period, not a post)."""
        ...

    def forget_inbox_before(self, cutoff: datetime) -> int:
        """Delete the inbox items untouched since before ``cutoff`` (no note,
        status change, label, assignment or reply since), with their labels,
        history and replies; the count."""
        ...

    def log_erasure(
        self, kind: str, platform: str | None, subject: str, posts: int, details: dict[str, int]
    ) -> None:
        """Add an entry to the erasure log."""
        ...

    def begin_erasure(self, handle: str, platform: str | None) -> None:
        """Record that the erasure of ``handle`` (on ``platform``, or
        everywhere) begins, before any of it is done: until
        :meth:`end_erasure` (or, on SQLite, its own last transaction) it is
        an :class:`UnfinishedErasure`. Begun again, it keeps its first time."""
        ...

    def end_erasure(
        self,
        handle: str,
        platform: str | None,
        *,
        subject: str,
        posts: int,
        details: dict[str, int],
    ) -> None:
        """In one transaction: log the erasure of ``handle`` (kind
        ``author``, named by ``subject``) and forget that it was unfinished."""
        ...

    def unfinished_erasures(self) -> list[UnfinishedErasure]:
        """The erasures begun and not done, oldest first."""
        ...

    def atom_files(self) -> list[str]:
        """The Atom files alerts write (copies of posts outside the stores)."""
        ...

    def erasures(self, limit: int = 100, kind: str | None = None) -> list[Erasure]:
        """The erasure log, newest first (only entries of ``kind`` when given)."""
        ...

    def forget_lock(self, *, exclusive: bool) -> AbstractContextManager[None]:
        """A lock every process of the workspace shares: a posts store that
        several processes write (ClickHouse) holds it ``exclusive`` through an
        erasure and shared through each write of posts, so that no write
        checks whom an erasure forgets before its record and inserts after
        its delete (:class:`~veille.store.clickhouse.privacy.ForgetLock`)."""
        ...


class PrivacyStore(Protocol):
    """Forgetting where one backend keeps posts and state: a person's posts
    by bounded transactions (resumable), the rest and the log in the last."""

    def erase_author(
        self,
        handle: str,
        platform: str | None,
        *,
        subject: str,
        before_done: Callable[[ErasureReport], None] | None = None,
    ) -> ErasureReport:
        """Remove every post by ``handle`` (on ``platform``, or on every platform),
        their raw payloads, filings, cluster keys, outbox rows, marks, corrections,
        per-author aggregates and quarantined items naming them, and the
        references other posts and inbox items hold to their posts
        (:mod:`veille.store.unlinked`); log it under
        ``subject``, and end its unfinished record, in one last transaction,
        ``before_done`` called (with what was done so far) before it."""
        ...

    def purge_posts_before(
        self, cutoff: datetime, *, batch: int = 2000, names_from: datetime | None = None
    ) -> ErasureReport:
        """Delete posts published before ``cutoff`` (aggregates of volume, topics
        and entities are kept; per-author aggregates go), in bounded
        transactions; ``names_from`` as ``delete_posts_before`` takes it."""
        ...

    def drop_raw_before(self, cutoff: datetime) -> int:
        """Empty the raw payloads of posts published before ``cutoff``; the count."""
        ...


class PrivacyStateTx(Protocol):
    """The privacy writes that join an ingest batch's state transaction."""

    def log_suppressed(self, source: str, posts: int) -> None:
        """Add ``posts`` that ``source`` gave by people who object (erased,
        objection not lifted), not stored, to today's ``suppressed`` entry
        of the erasure log (by source; no person named)."""
        ...
