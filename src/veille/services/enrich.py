"""Enrichment of stored posts: re-runs, sentiment corrections, story copies.

The library API under ``veille enrich``, ``veille sentiment …`` and
``veille copies`` (and the web app).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import NotFound, UsageError, tr
from veille.models import Sentiment
from veille.store.base import PostFilter, PostStore, StateStore, Store
from veille.store.protocols.enrich import Copy, Correction

if TYPE_CHECKING:
    from veille.workspace import Workspace

__all__ = [
    "LABELS",
    "Copy",
    "Correction",
    "copies",
    "correct_sentiment",
    "correction_report",
    "enrich_stored",
    "list_corrections",
]

LABELS = ("positive", "negative", "neutral")
# Posts enriched and written per transaction by a re-run.
BATCH = 500


def correct_sentiment(store: Store, post_id: str, label: str, *, who: str = "user") -> Correction:
    """Set ``post_id``'s sentiment to ``label`` (source ``user``) and record it.

    Re-enrichment and later sightings keep a user's label.
    """
    label = label.strip().lower()
    if label not in LABELS:
        raise UsageError(
            tr("%(label)r is not a sentiment label", label=label),
            hint=tr("Use one of: %(names)s.", names=", ".join(LABELS)),
        )
    now = datetime.now(UTC).replace(microsecond=0)
    score = {"positive": 1.0, "negative": -1.0, "neutral": 0.0}[label]
    sentiment = Sentiment(label, score, 1.0, "user")  # type: ignore[arg-type]
    from veille.store.split import JoinedStores

    if isinstance(store, JoinedStores):
        # Posts and state in two backends: the post's label first (a repeat
        # sets it again), then the correction in the state.
        post = store.posts.get_post(post_id)
        if post is None:
            raise NotFound(
                tr("no post with id %(post_id)r", post_id=post_id),
                hint=tr("Post ids look like platform:native_id."),
            )
        # The label before is the post's, read here where the posts are: the
        # state keeps no posts (the accuracy report compares it).
        was = post.sentiment.label if post.sentiment is not None else None
        store.posts.set_sentiment(post_id, sentiment)
        with store.state.transaction() as tx:
            done = tx.correct_sentiment(post_id, sentiment, by=who, at=now, was=was, elsewhere=True)
        if _forgotten_since(store.posts, store.state, [post]):
            # An erasure of its author came between the read above and
            # this commit: the correction (who reviewed which post, and
            # when) is theirs too, and went with them.
            done = None
    else:
        with store.transaction() as tx:
            done = tx.correct_sentiment(post_id, sentiment, by=who, at=now)
    if done is None:
        raise NotFound(
            tr("no post with id %(post_id)r", post_id=post_id),
            hint=tr("Post ids look like platform:native_id."),
        )
    return done


def _forgotten_since(posts: PostStore, state: StateStore, written: list[Any]) -> set[str]:
    """The ids of ``written`` (posts just written to the state's tables by
    id: a correction, signatures) whose person an erasure forgot meanwhile,
    their copies taken out of the state again. An erasure records whom it
    forgets in the posts store before its last pass over the state, and
    this reads that record after the caller's state commit: either that
    pass came after the commit (and took the copies), or this finds the
    record (and takes them), as ingest does (``Pipeline.drop_forgotten``)."""
    check = getattr(posts, "forgotten_ids", None)
    if check is None or not written:
        return set()
    gone = set(check(written))
    if gone:
        state.forget_posts(sorted(gone), rekey=True)
    return gone


def list_corrections(state: StateStore, *, limit: int = 100) -> list[Correction]:
    return state.list_corrections(limit=limit)


def correction_report(state: StateStore) -> dict[str, Any]:
    """How the model fared on the posts users reviewed (their first correction
    of each post: what the model had said against what the user says now)."""
    pairs = Counter((old or "none", new) for old, new in state.reviewed_sentiments())
    agreed = sum(n for (old, new), n in pairs.items() if old == new)
    total = sum(pairs.values())
    return {
        "reviewed": total,
        "model_agreed": agreed,
        "model_accuracy": round(agreed / total, 3) if total else None,
        "confusion": [
            {"model": old, "user": new, "count": n} for (old, new), n in sorted(pairs.items())
        ],
    }


def copies(posts: PostStore, post_id: str) -> tuple[str, list[Copy]]:
    """The story ``post_id`` belongs to: its cluster id and every copy, oldest
    first, read from the posts store (the posts' cluster ids are there)."""
    cluster, members = posts.story_copies(post_id)
    if cluster is None:
        raise NotFound(tr("no post with id %(post_id)r", post_id=post_id))
    return cluster, members


def enrich_stored(
    ws: Workspace,
    *,
    rerun: bool = False,
    since: datetime | None = None,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Enrich stored posts: all of them with ``rerun``, else those never
    enriched (no sentiment yet). User corrections are kept; posts without a
    MinHash signature yet are clustered."""
    from veille.enrich.clusters import Clusterer
    from veille.enrich.enricher import Enricher
    from veille.store.split import EchoTx

    store = ws.store
    split = ws.posts is not ws.state
    settings = ws.settings.enrich
    enricher = Enricher.from_settings(settings, ws.root)
    clusterer = Clusterer(threshold=settings.duplicate_threshold)
    flt = PostFilter(since=since)
    if on_total is not None:
        on_total(store.count_posts(flt))
    enriched = clustered = 0
    batch: list[Any] = []

    def flush() -> None:
        nonlocal enriched, clustered
        todo = batch if rerun else [p for p in batch if p.sentiment is None]
        if todo:
            posts = enricher.enrich(todo)
            # Read before a purge that deleted some of them: those are not
            # written back (held again, they were counted twice: in the
            # aggregates the purge kept and as posts held).
            if split:
                # Two backends: the posts first (an idempotent upsert, which
                # leaves out what a purge deleted, read with its write), then the clusters
                # in one state transaction, echoed to the posts store as
                # ingest does; run again, it repeats harmlessly.
                # An erasure since the read: the store refuses their posts,
                # and no signature of their text is filed for them.
                done = ws.posts.upsert_posts(posts)
                gone = {*done.expired, *done.refused}
                posts = [p for p in posts if p.id not in gone]
                with ws.state.transaction() as state_tx:
                    tx = EchoTx(state_tx, ws.posts)
                    have = tx.signed_posts([p.id for p in posts])
                    fresh = [p for p in posts if p.id not in have]
                    clustered += len(clusterer.assign(tx, fresh))
                # (One between the write and the state's commit: see there.)
                erased = _forgotten_since(ws.posts, ws.state, posts)
                posts = [p for p in posts if p.id not in erased]
            else:
                with store.transaction() as one:
                    # (The store leaves out the posts a purge deleted: it
                    # names them with its deletes.)
                    done = one.upsert_posts(posts)
                    gone = {*done.expired, *done.refused}
                    posts = [p for p in posts if p.id not in gone]
                    have = one.signed_posts([p.id for p in posts])
                    fresh = [p for p in posts if p.id not in have]
                    clustered += len(clusterer.assign(one, fresh))
            enriched += len(posts)
        if on_progress is not None:
            on_progress(len(batch))

    # Read everything first: writing while a read is open on the same
    # connection would see rows twice.
    for post in list(store.iter_posts(flt)):
        batch.append(post)
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return {"enriched": enriched, "clustered": clustered}


def correct_sentiments(store: Store, post_ids: list[str], label: str, *, who: str = "user") -> int:
    """Set the sentiment of each of ``post_ids`` to ``label`` (a bulk action of
    the stream); how many posts were corrected (unknown ids are skipped)."""
    done = 0
    for post_id in dict.fromkeys(post_ids):
        try:
            correct_sentiment(store, post_id, label, who=who)
        except NotFound:
            continue
        done += 1
    return done
