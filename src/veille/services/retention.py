"""Retention: forgetting by age.

A workspace can set a retention period (``[privacy] retention_days``: older
posts are deleted, the aggregates kept), an age after which raw payloads are
emptied (``raw_days``), and one for the inbox's own copies of posts
(``inbox_days``). :func:`apply_retention` deletes what they say is too old
(each saved topic's pending backlog filed first, so that the purged posts stay
in its figures); :func:`retention_cutoff` is the cutoff ingest leaves posts
out by. Erasures on request live in :mod:`veille.services.privacy`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from veille.errors import StoreError, log_failure
from veille.services.privacy import _add, _split
from veille.store.protocols.privacy import NAMING_POSTS, ErasureReport

log = logging.getLogger("veille.privacy")  # the same log as erasures


def apply_retention(workspace: Any, *, now: datetime | None = None) -> ErasureReport | None:
    """Delete what the workspace's retention settings say is too old (``None``
    when no retention is set)."""
    settings = workspace.settings.privacy
    if not settings.retention_days and not settings.raw_days and not settings.inbox_days:
        return None
    now = now or datetime.now(UTC)
    split = _split(workspace)
    posts = workspace.posts
    report = ErasureReport()
    if settings.retention_days:
        cutoff = _day_start(now - timedelta(days=settings.retention_days))
        # A purged post's name is kept as long as the post was (see
        # names_from): about one name per post held.
        names_from = cutoff - timedelta(days=settings.retention_days)
        _file_backlogs(workspace, cutoff)
        if split:
            report = _purge_split(*split, cutoff, names_from)
        else:
            report = posts.purge_posts_before(cutoff, names_from=names_from)
    if settings.raw_days:
        report.removed["raw_payloads"] = posts.drop_raw_before(
            _day_start(now - timedelta(days=settings.raw_days))
        )
    if settings.inbox_days:
        # The inbox keeps its own copy of each post (an item outlives it):
        # it has its own period, counted from the item's last change.
        cutoff = now - timedelta(days=settings.inbox_days)
        items = workspace.state.forget_inbox_before(cutoff)
        report.removed["inbox_items"] = items
        if items:
            workspace.state.log_erasure(
                "inbox", None, cutoff.date().isoformat(), 0, {"inbox_items": items}
            )
    return report


def retention_cutoff(workspace: Any, *, now: datetime | None = None) -> datetime | None:
    """The moment before which a post that comes in is not stored (``None``:
    no ``[privacy] retention_days``): the cutoff a purge would take now.

    Until 2026-12-06 it was the last purge's where that was later (the
    retention made longer since, or not set here): posts within the new
    retention were dropped until its cutoff passed the old one. That kept
    the posts a purge deleted from being stored again, counted twice beside
    the aggregates it kept; the posts store now names those posts and
    leaves them out itself (``PURGED``), whatever the retention."""
    days = workspace.settings.privacy.retention_days
    return _day_start((now or datetime.now(UTC)) - timedelta(days=days)) if days else None


def cutoff_of(settings: Any, store: Any, *, now: datetime | None = None) -> datetime | None:
    """The moment from which a window of posts holds every post that came
    in (the monitors read it: one that begins before it lacks posts that
    are gone, and is no baseline): the retention cutoff, or the moment
    after the latest post a purge deleted where that is later (the
    retention made longer since, or not set here).

    Until 2026-12-06 the latter was the last purge's cutoff: after the
    retention was made longer and an archive imported, the weeks it filled,
    older than that cutoff but newer than any post a purge deleted, were
    left out of a spike's usual figures. The posts store names what its
    purges deleted, with their publication (``PostStore.purged_until``);
    one that does not say (a served store of an older release) gives the
    last purge's cutoff, as before."""
    days = settings.privacy.retention_days
    cutoff = _day_start((now or datetime.now(UTC)) - timedelta(days=days)) if days else None
    purged = _purged_until(store)
    if purged is not None:
        cutoff = purged if cutoff is None else max(cutoff, purged)
    return cutoff


def _purged_until(store: Any) -> datetime | None:
    found = getattr(store, "purged_until", None)
    if found is not None:
        try:
            until: datetime | None = found()
            return until
        except StoreError:  # a served store of the release before: no such call
            pass
    return purged_before(store)


def purged_before(state: Any) -> datetime | None:
    """The cutoff of the latest retention purge logged in ``state`` (the
    posts published before it deleted, or being deleted); ``None`` where
    none was."""
    for entry in state.erasures(limit=1, kind="retention"):
        try:  # its subject is the cutoff's date (UTC)
            return datetime.fromisoformat(entry.subject).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def _file_backlogs(workspace: Any, cutoff: datetime) -> None:
    """Before a purge deletes the posts published before ``cutoff``, file
    under each saved topic the stored posts it matches but has not filed yet
    (a topic added or edited since it was last read: its backlog is filed at
    its first read). Else they went uncounted: the topic's kept figures
    (volume, engagement, reach) said 0 on the purged days. Filing is the
    same as that first read's (idempotent, under the store's own locking),
    so a read filing it meanwhile counts nothing twice. A topic whose
    backlog fails is logged and the purge goes on: retention is owed to the
    people whose posts are kept."""
    posts = workspace.posts
    # A served posts store (veille+http) takes no backlog: a topic is filed
    # there at its first read, by a process that names the posts store itself.
    if getattr(posts, "file_topic_backlog", None) is None:
        return
    if not posts.post_ids_before(cutoff, limit=1):
        return  # nothing to purge: the topics are filed at their next read
    from veille.analytics.topics import file_backlogs

    for topic, exc in file_backlogs(workspace.store):
        log_failure(
            log,
            f"filing the posts of topic {topic.name!r} before a retention purge failed",
            exc,
            "The purge goes on: the posts it deletes are not counted in that topic's figures.",
        )


def _day_start(moment: datetime) -> datetime:
    """The start (UTC) of ``moment``'s day: retention goes by whole days.
    Each purge of posts in ClickHouse, and each emptying of raw payloads,
    is a mutation that rewrites the oldest month whatever it changes (2.5 s
    at 1M posts, a collector of the process waiting meanwhile): the hourly
    upkeep then does them once a day."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _purge_split(
    posts: Any, state: Any, cutoff: datetime, names_from: datetime, batch: int = 2000
) -> ErasureReport:
    removed: dict[str, int] = {}
    after = ""
    while ids := posts.post_ids_before(cutoff, after=after, limit=batch):
        _add(removed, state.forget_posts(ids, rekey=False))
        after = ids[-1]
    done: ErasureReport = posts.delete_posts_before(cutoff, batch=batch, names_from=names_from)
    _add(removed, done.removed)
    _add(removed, state.forget_before(cutoff))
    if done.posts or any(removed.get(name) for name in NAMING_POSTS):
        state.log_erasure("retention", None, cutoff.date().isoformat(), done.posts, removed)
    return ErasureReport(posts=done.posts, removed=removed)
