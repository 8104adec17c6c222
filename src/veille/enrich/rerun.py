"""Re-enrich stored posts (``veille enrich --rerun``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.store.base import PostFilter

if TYPE_CHECKING:
    from veille.workspace import Workspace

BATCH = 500


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

    store: Any = ws.store
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
            with store.transaction() as tx:
                tx.upsert_posts(posts)
                ids = [p.id for p in posts]
                marks = ",".join("?" * len(ids))
                sql = f"SELECT post_id FROM minhash WHERE post_id IN ({marks})"
                have = {r[0] for r in tx.execute(sql, ids)}
                fresh = [p for p in posts if p.id not in have]
                clustered += len(clusterer.assign(tx, fresh))
            enriched += len(posts)
        if on_progress is not None:
            on_progress(len(batch))

    # Read everything first: writing while a SELECT is open on the same
    # connection would see rows twice.
    for post in list(store.iter_posts(flt)):
        batch.append(post)
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return {"enriched": enriched, "clustered": clustered}
