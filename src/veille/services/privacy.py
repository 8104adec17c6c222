"""Forgetting a person on request.

Posts are people's personal data: anyone can ask to be forgotten
(:func:`erase_author`: their posts and every copy veille made of them), and
the objection to further processing that an erasure records can be lifted
(:func:`lift_objection`). Each erasure is logged, naming the person only by a
keyed hash (:func:`subject_of`). Forgetting by age lives in
:mod:`veille.services.retention`; what veille hands out about people (a
person's access report, the erasure log, exports that name nobody) in
:mod:`veille.services.disclosure`.

Where one backend keeps posts and state (SQLite) an erasure records whom it
forgets, deletes their posts by transactions of 2,000 (a collector's batch
goes between two) and does the rest, with the log entry, in a last one: run
again after a crash, it finds the posts left. A split workspace (posts in
ClickHouse or behind ``veille+http``, state in PostgreSQL) forgets in steps
that can be run again: the state's copies of the person's posts first, then
the posts themselves (the posts store first records whom it forgets, so that a
collector still running stores nothing of theirs after), the state's copies
again, then the log entry. A step that fails leaves the posts in place, so
running the command again finds them and finishes the work; the log says it
was done only when it was.

An erasure runs under a lease of the state store (the one collectors take
their sources under, named after the person's keyed hash), renewed every
:data:`ERASURE_LEASE_SECONDS` / 3 seconds by a heartbeat while it runs: one
process at a time erases a person, and ``veille run`` takes over an
unfinished erasure only once its heartbeat is ``[privacy]
erasure_resume_minutes`` old and its lease is no longer held (it expired and
its process does not run on this machine, or that process has exited). The
alerts' Atom feeds are rewritten before the erasure is marked done, so an
erasure killed before they were is still unfinished, and finishing it
rewrites them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from veille.analytics.findings import platform_name
from veille.errors import Conflict, Count, Text, UsageError, log_failure, tr, trn
from veille.store.portable.privacy import ERASED, handle_pattern
from veille.store.protocols.privacy import ErasureReport, UnfinishedErasure, author_key

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Seconds an erasure's lease lasts without a heartbeat (renewed every third
#: of it while the erasure runs, between its chunks and during them).
ERASURE_LEASE_SECONDS = 60.0
#: Seconds a lease whose process still runs on this machine is left to it
#: without a heartbeat (its process id may be given to another after).
ERASURE_HELD_HERE_SECONDS = 600.0
log = logging.getLogger("veille.privacy")


class ErasureRunning(Conflict):
    """The erasure of this person is running in another process (its lease
    is held and renewed): it is not run twice at once."""

    def __init__(self, message: Text, *, hint: Text, holder: str) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder


def pseudonym(key: bytes, kind: str, platform: str, value: str) -> str:
    """A stable, keyed pseudonym: the same person (or post) always gets the same
    one in this workspace, and it cannot be reversed without the key."""
    mac = hmac.new(key, f"{kind}:{platform}:{value.casefold()}".encode(), hashlib.sha256)
    return f"{kind}-{mac.hexdigest()[:16]}"


def subject_of(store: Any, handle: str, platform: str | None) -> str:
    """How the erasure log names a person: a keyed hash, never the handle."""
    return pseudonym(store.privacy_key(), "a", platform or "*", handle)


def person_handle(handle: str) -> str:
    """``handle`` as an erasure or an access report takes it (without
    spaces or a leading ``@``); a :class:`UsageError` when nothing is left."""
    handle = handle.strip().lstrip("@")
    if not handle:
        raise UsageError(
            tr("--author is empty"), hint=tr("Give the handle, e.g. --author claire_tech.")
        )
    return handle


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for name, n in more.items():
        into[name] = into.get(name, 0) + n


def _split(workspace: Any) -> tuple[Any, Any] | None:
    """``(posts, state)`` when two backends keep them, else ``None``."""
    posts, state = workspace.posts, workspace.state
    return None if posts is state else (posts, state)


def handles_like(workspace: Any, handle: str, platform: str | None = None) -> list[str]:
    """Stored handles that may be the person ``handle`` names: the same one on
    an instance (``claire@social.example``, as the Mastodon API names the
    accounts of other instances), for a hint when an erasure found nothing."""
    accounts_on = getattr(workspace.posts, "accounts_on", None)
    if accounts_on is None:  # a served posts store answers no such question: no hint
        return []
    bare = handle.lstrip("@").lower()
    found: set[str] = set()
    # Instances name accounts so on the fediverse; elsewhere a handle is whole.
    for name in [platform] if platform else ["mastodon"]:
        for _pf, stored in accounts_on(name, 100_000):
            if stored.split("@", 1)[0] == bare and stored != bare:
                found.add(stored)
    return sorted(found)


def erase_author(workspace: Any, handle: str, platform: str | None = None) -> ErasureReport:
    """Forget ``handle`` (on ``platform``, or everywhere): their posts, raw
    payloads, filings, story keys, outbox rows, per-author aggregates, inbox
    items, quarantined items, their entries in the Atom feeds that alerts
    write, what the plan holds of them (calendar entries answering or
    naming them, their account's snapshots), and the references other
    people's posts and inbox items hold to their posts (ids, addresses:
    veille.store.unlinked). Under the erasure's lease
    (:func:`erasure_lease`): refused (:class:`ErasureRunning`) while another
    process runs the same erasure."""
    handle = person_handle(handle)
    state = workspace.state

    def feeds(report: ErasureReport) -> None:
        # Before the erasure is marked done: killed before the feeds were
        # rewritten (or the plan), it is still unfinished, and finishing it
        # rewrites them.
        gone, named = _rewrite_feeds(workspace, report.post_ids, handle)
        report.removed["atom_entries"] = report.removed.get("atom_entries", 0) + gone
        report.removed["atom_events"] = report.removed.get("atom_events", 0) + named
        _add(report.removed, _forget_own_copies(workspace, report.post_ids, handle, platform))

    with _erasure_lease(state, handle, platform):
        # Recorded before anything is done: killed midway, it is seen
        # unfinished (/healthz, veille privacy log) and veille run finishes it.
        state.begin_erasure(handle, platform)
        split = _split(workspace)
        if split is None:
            store = workspace.posts
            report: ErasureReport = store.erase_author(
                handle, platform, subject=subject_of(store, handle, platform), before_done=feeds
            )
        else:
            report = _erase_split(*split, handle, platform, feeds)
    return report


def erasure_lease(subject: str) -> str:
    """The name of the lease an erasure runs under: the person named by the
    keyed hash the erasure log names them by (leases are listed and logged;
    the handle never is)."""
    return f"erasure:{subject}"


@contextmanager
def _erasure_lease(state: Any, handle: str, platform: str | None) -> Iterator[None]:
    """Hold the erasure's lease while the body runs, renewed by a heartbeat
    thread (the liveness :func:`finish_erasures` goes by), released after.
    A lease held by a process of this machine that has exited (a killed
    erasure) is taken over at once; one held and renewed elsewhere is not,
    nor one whose process still runs on this machine, though its heartbeat
    was held up (SQLite: the erasure's own chunks keep the write lock, its
    heartbeat finds the gaps between them late) for up to
    :data:`ERASURE_HELD_HERE_SECONDS`."""
    from veille.pipeline.leases import _exited, collector_id, running_here

    name = erasure_lease(subject_of(state, handle, platform))
    holder = collector_id()
    ttl = ERASURE_LEASE_SECONDS
    was = next((x for x in state.leases() if x.name == name), None)
    held = was.holder if was is not None else ""
    epoch = None
    if not (
        held
        and running_here(held)
        and state.clock() - float(was.heartbeat_at if was else 0) < ERASURE_HELD_HERE_SECONDS
    ):
        epoch = state.acquire_lease(name, holder, ttl=ttl, now=state.clock())
        if epoch is None:
            held = next((x.holder for x in state.leases() if x.name == name), "")
            if held and _exited(held):
                epoch = state.acquire_lease(
                    name, holder, ttl=ttl, now=state.clock(), replacing=held
                )
    if epoch is None:
        where = tr(" on %(platform)s", platform=platform_name(platform)) if platform else ""
        # When it may be run again, if that process was stopped: its lease's
        # end, or, for a process of this machine that still runs, the end of
        # the time it is left without a heartbeat (not the lease's length).
        now_held = next((x for x in state.leases() if x.name == name), None)
        left = ttl
        if now_held is not None:
            until = float(now_held.expires_at)
            if running_here(now_held.holder):
                until = max(until, float(now_held.heartbeat_at) + ERASURE_HELD_HERE_SECONDS)
            left = max(1.0, until - state.clock())
        raise ErasureRunning(
            tr("the erasure of %(author)s%(where)s is running in another process "
               "(%(holder)s): it is not run twice at once", author=handle, where=where,
               holder=held),
            hint=tr("Wait for it to end ('veille privacy log' then shows it done). If that "
                    "process was stopped, its lease runs out within %(seconds)d seconds; "
                    "run this again then.", seconds=math.ceil(left)),
            holder=held,
        )  # fmt: skip
    stop = threading.Event()

    def beat() -> None:
        wait, last, said = ttl / 3, time.monotonic(), False
        while not stop.wait(wait):
            try:
                state.renew_leases([name], holder, ttl=ttl, now=state.clock())
            except Exception as exc:  # a busy store: again in a second
                wait = 1.0
                if not said and time.monotonic() - last > ttl / 2:
                    said = True
                    log_failure(log, "renewing an erasure's lease failed", exc,
                                "It is tried again every second.")  # fmt: skip
                continue
            wait, last, said = ttl / 3, time.monotonic(), False

    heartbeat = threading.Thread(target=beat, name="erasure-heartbeat", daemon=True)
    heartbeat.start()
    done = False
    try:
        yield
        done = True
    finally:
        stop.set()
        heartbeat.join()
        try:
            state.release_lease(name, holder, now=state.clock())
            if done:
                # Done, its lease has nothing left to say (an unfinished one's
                # heartbeat tells finish_erasures when to take it over): kept,
                # one row per person erased stayed in leases for good, read by
                # every collection pass. Deleted only if nobody took it since.
                state.forget_leases([name], before=state.clock() - ERASURE_LEASE_SECONDS)
        except Exception as exc:  # it runs out by itself
            log_failure(log, "releasing an erasure's lease failed", exc,
                        "It runs out by itself; the hourly upkeep deletes it.")  # fmt: skip


#: Seconds after its end that an erasure lease nobody released (its
#: process was killed after the erasure was done) is deleted by the upkeep.
STALE_ERASURE_LEASE_SECONDS = 3600.0


def forget_erasure_leases(workspace: Any) -> int:
    """Delete the leases of erasures that are done (:func:`erasure_lease`):
    released, or run out over :data:`STALE_ERASURE_LEASE_SECONDS` ago. The
    lease of an unfinished erasure is kept (its last heartbeat says when
    ``veille run`` may take it over). Releases before 2026-12-06 kept one
    such row per person erased; ``veille run``'s hourly upkeep deletes them.
    How many were deleted."""
    state = workspace.state
    unfinished = {
        erasure_lease(subject_of(state, e.handle, e.platform))
        for e in unfinished_erasures(workspace)
    }
    names = [
        x.name
        for x in state.leases()
        if x.name.startswith(erasure_lease("")) and x.name not in unfinished
    ]
    if not names:
        return 0
    return len(state.forget_leases(names, before=state.clock() - STALE_ERASURE_LEASE_SECONDS))


def _rewrite_feeds(workspace: Any, post_ids: Iterable[str], handle: str) -> tuple[int, int]:
    """Take the person's posts out of every alert's Atom feed (those of
    ``post_ids``, and any the posts store says an erasure forgot: a run
    again after a kill knows them so), and their handle out of its events;
    how many entries of each."""
    removed = redacted = 0
    forgotten = getattr(workspace.posts, "forgotten_posts", None)
    from veille.alerts.channels.atom import feed_file

    for name in workspace.state.atom_files():
        path = feed_file(name, workspace.root)
        if path is None:
            continue
        gone, named = _drop_atom_entries(path, set(post_ids), handle, forgotten)
        removed, redacted = removed + gone, redacted + named
    return removed, redacted


def _forget_own_copies(
    workspace: Any, post_ids: Iterable[str], handle: str, platform: str | None
) -> dict[str, int]:
    """Take the person out of the organisation's own records
    (veille.store.portable.plan_privacy): the calendar entries answering a
    post of theirs (those of ``post_ids``, and any the posts store says an
    erasure forgot: a run again after a kill finds none left to read) or
    naming them, their account's snapshots, the team's notes naming them,
    and the inbox items answering a post an erasure forgot."""
    state = workspace.state
    answered = set(post_ids)
    replies = state.calendar_replies()
    forgotten = getattr(workspace.posts, "forgotten_posts", None)
    if replies and forgotten is not None:
        answered.update(forgotten(replies))
    # Kept in the reader's language of the moment, as the calendar's other errors.
    note = tr("back to draft: the erasure of a person it named or answered changed it; read "
              "it again before it goes out")  # fmt: skip
    found: dict[str, int] = state.forget_own_copies(handle, platform, sorted(answered), str(note))
    if forgotten is not None:
        # Inbox items answering a post of theirs, or in a thread one began:
        # erasing the posts named them by another reference, but a run
        # killed after the posts store's part and before the state's finds
        # none of their posts left to name.
        # By parts: a served posts store takes one request's body at a time.
        refs = [r for r in state.inbox_references() if ":erased-" not in r]
        named = [x for i in range(0, len(refs), 5000) for x in forgotten(refs[i : i + 5000])]
        if named:
            _add(found, state.forget_posts(sorted(named), rekey=True))
    return found


# What an erasure removed besides the posts, in words: every key a report's
# ``removed`` can hold, on SQLite, PostgreSQL and ClickHouse (the store's
# table names, which JSON, CSV and the log keep for scripts).
_TOPIC_FILINGS = ("%(n)s topic filing", "%(n)s topic filings")
REMOVED_WORDS: dict[str, tuple[str, str]] = {
    "inbox_items": ("%(n)s inbox item", "%(n)s inbox items"),
    "inbox_notes": ("%(n)s inbox note", "%(n)s inbox notes"),
    "inbox_references": ("%(n)s inbox reference to a post", "%(n)s inbox references to posts"),
    "post_references": ("%(n)s reference to a post", "%(n)s references to posts"),
    "post_topics": _TOPIC_FILINGS,
    "topic_filings": _TOPIC_FILINGS,
    "deliveries": ("%(n)s alert delivery", "%(n)s alert deliveries"),
    "alert_marks": ("%(n)s alert relevance mark", "%(n)s alert relevance marks"),
    "alert_events": ("%(n)s alert event", "%(n)s alert events"),
    "alert_payloads": ("%(n)s alert message", "%(n)s alert messages"),
    "sentiment_corrections": ("%(n)s sentiment correction", "%(n)s sentiment corrections"),
    "minhash": ("%(n)s near-duplicate signature", "%(n)s near-duplicate signatures"),
    "minhash_bands": ("%(n)s near-duplicate index entry", "%(n)s near-duplicate index entries"),
    "story_keys": ("%(n)s story key", "%(n)s story keys"),
    "raw_payloads": ("%(n)s raw copy of a post", "%(n)s raw copies of posts"),
    "quarantine": ("%(n)s quarantined item", "%(n)s quarantined items"),
    "audit_details": ("%(n)s audit log detail", "%(n)s audit log details"),
    "author_rollup": ("%(n)s daily count by author", "%(n)s daily counts by author"),
    "author_links": ("%(n)s link between accounts", "%(n)s links between accounts"),
    "post_rollup": ("%(n)s daily count by post", "%(n)s daily counts by post"),
    "post_keys": ("%(n)s post key", "%(n)s post keys"),
    "cluster_rollup": ("%(n)s daily count by story", "%(n)s daily counts by story"),
    "entity_rollup": ("%(n)s daily count by entity", "%(n)s daily counts by entity"),
    "atom_entries": ("%(n)s Atom feed entry", "%(n)s Atom feed entries"),
    "atom_events": ("%(n)s Atom feed event", "%(n)s Atom feed events"),
    "calendar_entries": ("%(n)s calendar entry", "%(n)s calendar entries"),
    "account_aliases": ("%(n)s account alias", "%(n)s account aliases"),
    "account_snapshots": ("%(n)s account snapshot", "%(n)s account snapshots"),
}


def removed_said(removed: dict[str, int]) -> Text | None:
    """What else an erasure removed, counted in words ("2 inbox items, 5
    topic filings"), by key; a key without words is said by its name
    ("7 some_table"). ``None`` where nothing else went."""
    said: list[Text] = []
    for key, n in sorted(removed.items()):
        if not n:
            continue
        one, many = REMOVED_WORDS.get(key, ("%(n)s %(key)s", "%(n)s %(key)s"))
        said.append(trn(one, many, n, n=Count(n), key=key))
    if not said:
        return None
    listed = said[0]
    for more in said[1:]:
        listed = tr("%(first)s, %(next)s", first=listed, next=more)
    return listed


def unfinished_erasures(workspace: Any) -> list[UnfinishedErasure]:
    """The erasures begun and not done (their process was killed, or a step
    failed), oldest first."""
    found: list[UnfinishedErasure] = workspace.state.unfinished_erasures()
    return found


def unfinished_message(e: UnfinishedErasure) -> Text:
    """What an unfinished erasure means, for whoever reads it."""
    where = tr(" on %(platform)s", platform=platform_name(e.platform)) if e.platform else ""
    return tr(
        "the erasure of %(author)s%(where)s begun %(at)s is unfinished: "
        "some of their posts may still be stored",
        author=e.handle, where=where, at=e.started_at.strftime("%Y-%m-%d %H:%M UTC"),
    )  # fmt: skip


def unfinished_hint(e: UnfinishedErasure) -> Text:
    """What to do about an unfinished erasure."""
    platform = f" --platform {e.platform}" if e.platform else ""
    return tr(
        "veille run finishes it once no process has worked on it for [privacy] "
        "erasure_resume_minutes; or run 'veille privacy erase --author %(author)s%(platform)s "
        "--yes' again.",
        author=e.handle, platform=platform,
    )  # fmt: skip


def unfinished_unnamed(e: UnfinishedErasure, subject: str) -> tuple[Text, Text]:
    """What an unfinished erasure means and what to do, naming the person by
    ``subject`` (:func:`subject_of`, as the erasure log does): for
    ``/healthz`` and the daemon's log, which never name them."""
    message = tr(
        "an erasure begun %(at)s (%(subject)s) is unfinished: some of the person's posts "
        "may still be stored",
        at=e.started_at.strftime("%Y-%m-%d %H:%M UTC"), subject=subject,
    )  # fmt: skip
    hint = tr(
        "veille run finishes it once no process has worked on it for [privacy] "
        "erasure_resume_minutes; 'veille privacy log' says whom it is about, to run the "
        "erasure again by hand."
    )
    return message, hint


def finish_erasures(
    workspace: Any, *, now: datetime | None = None
) -> list[tuple[UnfinishedErasure, ErasureReport | Exception]]:
    """Finish each unfinished erasure that showed no sign of life for
    ``[privacy] erasure_resume_minutes`` before ``now`` (its lease's last
    heartbeat; its start where it never held one), as running it again
    does; what each gave, or the error that stopped it (it stays unfinished,
    the others go on). One whose lease is still held (its process runs on,
    on a slow store or stopped) gives :class:`ErasureRunning`: it is left to
    that process, never run twice at once."""
    minutes = workspace.settings.privacy.erasure_resume_minutes
    cutoff = (now or datetime.now(UTC)) - timedelta(minutes=minutes)
    done: list[tuple[UnfinishedErasure, ErasureReport | Exception]] = []
    record_cut_erasures(workspace)
    pending = unfinished_erasures(workspace)
    if not pending:
        return done
    state = workspace.state
    beats = {x.name: x.heartbeat_at for x in state.leases() if x.epoch > 0}
    for e in pending:
        beat = beats.get(erasure_lease(subject_of(state, e.handle, e.platform)))
        alive = e.started_at if beat is None else datetime.fromtimestamp(float(beat), UTC)
        if max(alive, e.started_at) > cutoff:
            continue
        try:
            done.append((e, erase_author(workspace, e.handle, e.platform)))
        except Exception as exc:  # one person's erasure never stops the others
            done.append((e, exc))
    return done


def record_cut_erasures(workspace: Any, *, strict: bool = False, scan: bool = False) -> bool:
    """Settle the rollup take-outs a killed erasure left staged in the posts
    store (ClickHouse's ``erasing_*`` tables) and record unfinished the
    erasure of each person whose posts it left stored: one killed before it
    was recorded so (an earlier release) is then seen (/healthz, veille
    privacy log) and finished like any other. With ``scan`` (``veille run``
    as it starts, ``veille store migrate``), also each erasure cut by a
    release before SQLite migration 0640 (PostgreSQL 0130) that staged
    nothing: the posts store's record of whom an erasure forgot, as it
    began, beside a post of theirs published until then and still stored
    (one read of the posts by author, once per store: when each erasure
    it found is recorded, the posts store marks it done, and an erasure
    begun since is recorded as it begins). Logged, naming the person by the
    keyed hash only; a failure is logged and tried again (raised, when
    ``strict``: a migration must not go on). Whether all was read."""
    settle = getattr(workspace.posts, "settle_cut_erasures", None)
    left = getattr(workspace.posts, "erasures_left", None) if scan else None
    if settle is None and left is None:  # nothing staged or scanned there (a served store)
        return True
    # Read first: an erasure recorded after this is running, not cut (its
    # lease says so below).
    recorded = {(e.handle, e.platform) for e in unfinished_erasures(workspace)}
    staged: set[tuple[str | None, str]] = set()
    found: set[tuple[str | None, str]] = set()
    scanned = False  # the posts were read by author now (not marked done before)
    try:
        if settle is not None:
            staged.update(settle())
        if left is not None:
            read = left()
            scanned = read is not None
            found.update(read or ())
    except Exception as exc:  # the unfinished erasures recorded go on
        if strict:
            raise
        log_failure(log, "settling what a cut erasure staged failed", exc,
                    "The next pass tries again.")  # fmt: skip
        return False
    if not (staged or found):
        if scanned:
            workspace.posts.mark_erasures_scanned()
        return True
    from veille.pipeline.leases import _exited

    state = workspace.state
    now = state.clock()
    held = {
        x.name for x in state.leases() if x.holder and x.expires_at > now and not _exited(x.holder)
    }
    for platform, handle in sorted(staged | found, key=lambda c: (c[1], c[0] or "")):
        subject = subject_of(state, handle, platform)
        if (handle.lower(), platform) in recorded or erasure_lease(subject) in held:
            continue  # recorded already, or running (begun since the read)
        state.begin_erasure(handle, platform)
        recorded.add((handle.lower(), platform))
        if (platform, handle) in staged:
            log.warning(
                "an erasure (%s) was cut before it was recorded: what it staged is settled and "
                "some of the person's posts are still stored; it is now recorded unfinished, "
                "and veille run finishes it",
                subject,
            )
        else:
            log.warning(
                "an erasure (%s) was cut before it was recorded (by a release before SQLite "
                "migration 0640, PostgreSQL 0130): some of the person's posts published before "
                "it are still stored; it is now recorded unfinished, and veille run finishes it",
                subject,
            )
    if scanned:  # each one found is recorded: the posts need not be read again
        workspace.posts.mark_erasures_scanned()
    return True


def person_keys(handle: str, platform: str | None) -> dict[str, str]:
    """The ``author_key`` s an erasure of ``handle`` may have recorded an
    objection under (on ``platform``; without one, on every platform and on
    each known one), with the platform each names (``*``: every one)."""
    from veille.sources.base import registry
    from veille.suggest import known_platforms

    if platform:
        return {author_key(platform, handle): platform}
    registry()  # plugin sources' platforms too
    keys = {author_key(p, handle): p for p in sorted(known_platforms())}
    return {**keys, author_key(None, handle): "*"}


def lift_objection(
    workspace: Any, handle: str, platform: str | None = None, *, actor: str | None = None
) -> int:
    """Lift the objection to further processing that erasing ``handle`` (on
    ``platform``, or everywhere: every objection of theirs) recorded: what
    they publish from now on is collected again; what they published until
    now stays refused. Logged (kind ``lift``, the person named by a keyed
    hash) and audited (``privacy.lift``) as done by ``actor`` (``None``: the
    command line). The number of objections lifted; none held is refused."""
    from veille.services import audit

    handle = person_handle(handle)
    lifted = workspace.posts.lift_objection(sorted(person_keys(handle, platform)))
    where = tr(" on %(platform)s", platform=platform_name(platform)) if platform else ""
    if not lifted:
        raise UsageError(
            tr("no objection of %(author)s%(where)s holds: nothing lifted", author=handle,
               where=where),
            hint=tr("Only an erasure (veille privacy erase) records one; give the handle and "
                    "platform as it was erased."),
        )  # fmt: skip
    state = workspace.state
    subject = subject_of(state, handle, platform)
    state.log_erasure("lift", platform, subject, 0, {"objections": len(lifted)})
    audit.record(state, actor, "privacy.lift", subject, f"{len(lifted)} objection(s)")
    return len(lifted)


def _erase_split(
    posts: Any,
    state: Any,
    handle: str,
    platform: str | None,
    before_done: Callable[[ErasureReport], None],
) -> ErasureReport:
    subject = subject_of(state, handle, platform)
    removed: dict[str, int] = {}
    ids = posts.author_post_ids(handle, platform)
    _add(removed, state.forget_posts(ids, rekey=True))
    _add(removed, state.forget_author(handle, platform))
    # The posts store records whom it forgets before it deletes, and from
    # then on stores nothing of theirs published before.
    done: ErasureReport = posts.erase_author_posts(handle, platform)
    # Again, after that record: the copies a collector still running wrote
    # meanwhile (its posts stored between the two reads, or its state
    # committed after the first pass). A batch whose state commits after
    # this pass reads the record and takes its copies out itself
    # (veille.pipeline.ingest.Pipeline.drop_forgotten).
    _add(removed, state.forget_posts(sorted(set(ids) | set(done.post_ids)), rekey=True))
    _add(removed, state.forget_author(handle, platform))
    _add(removed, done.removed)
    report = ErasureReport(
        posts=done.posts,
        removed=removed,
        post_ids=sorted(set(ids) | set(done.post_ids)),
        atom_files=state.atom_files(),
    )
    before_done(report)
    state.end_erasure(handle, platform, subject=subject, posts=done.posts, details=removed)
    return report


def _drop_atom_entries(
    path: Path,
    post_ids: set[str],
    handle: str,
    forgotten: Callable[[list[str]], list[str]] | None = None,
) -> tuple[int, int]:
    """Remove the entries of these posts (and of those ``forgotten`` says an
    erasure forgot) from an alert's Atom file, and put :data:`ERASED` for
    ``handle`` in its event entries (a spike's top authors), keeping its
    mode; how many entries of each."""
    if not path.is_file():
        return 0, 0
    ElementTree.register_namespace("", ATOM_NS)
    tree = ElementTree.parse(path)
    root = tree.getroot()
    gone = named = 0
    who = handle_pattern(handle)
    if forgotten is not None:
        # An entry's id is urn:veille:<alert>:<post id> (veille.alerts.channels.atom).
        named_ids = [
            parts[3]
            for entry in root.findall(f"{{{ATOM_NS}}}entry")
            if len(parts := (entry.findtext(f"{{{ATOM_NS}}}id") or "").split(":", 3)) == 4
        ]
        post_ids = post_ids | set(forgotten(named_ids))
    for entry in root.findall(f"{{{ATOM_NS}}}entry"):
        entry_id = entry.findtext(f"{{{ATOM_NS}}}id") or ""
        if entry_id.rsplit(":", 1)[-1] in post_ids or any(
            entry_id.endswith(f":{pid}") for pid in post_ids
        ):
            root.remove(entry)
            gone += 1
        elif entry.find(f"{{{ATOM_NS}}}author") is None:  # an event: a post has its author
            hit = False
            for el in entry.iter():
                if el.text and who.search(el.text):
                    el.text, hit = who.sub(ERASED, el.text), True
            named += hit
    if gone or named:
        mode = path.stat().st_mode & 0o777
        tmp = path.with_name(path.name + ".tmp")
        tree.write(tmp, encoding="utf-8", xml_declaration=True)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    return gone, named
