"""The ``enrich`` ingest stage: enrich before storing (only what is new or
changed: the pipeline dedupes first), cluster copies inside the write
transaction."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.pipeline.ingest import Stage
from veille.store.base import StoreTransaction, UpsertResult

if TYPE_CHECKING:
    from veille.pipeline.ingest import StageContext


def enrich_stage(context: StageContext) -> Stage:
    """Built once per pipeline: the Enricher (and its lingua detector) is
    reused for every batch the pipeline ingests."""
    from veille.enrich.clusters import Clusterer
    from veille.enrich.enricher import Enricher

    workspace = context.workspace
    settings = workspace.settings.enrich
    enricher = Enricher.from_settings(settings, workspace.root)
    clusterer = Clusterer(threshold=settings.duplicate_threshold)
    # Posts and state in two backends: the stories of a batch's new posts,
    # found before they are written (each goes in with its story, once), and
    # their signatures, filed in the state transaction that follows. Per
    # thread: a pipeline may ingest from several.
    planned = threading.local()

    def cluster_before(tx: Any, posts: list[Post]) -> list[Post]:
        assigned, filed = clusterer.plan(tx, posts)
        signed = {row[0]: row for row in filed}
        planned.batch = {p.id: (assigned[p.id], signed.get(p.id)) for p in posts}
        return [
            p if p.cluster_id == assigned[p.id] else replace(p, cluster_id=assigned[p.id])
            for p in posts
        ]

    def cluster_new(tx: StoreTransaction, result: UpsertResult) -> None:
        early = getattr(planned, "batch", None) or {}
        planned.batch = None
        if not result.new:
            return
        # The posts written with the story found for them: their signatures
        # only. Any other (no plan: one backend, or a held batch finished
        # after a crash) is clustered here.
        done = {
            p.id: early[p.id]
            for p in result.new
            if p.id in early and early[p.id][0] == p.cluster_id
        }
        if done:
            tx.file_signatures([row for _c, row in done.values() if row is not None])
            result.clusters.update((post_id, c) for post_id, (c, _row) in done.items())
        rest = [p for p in result.new if p.id not in done]
        if rest:
            # The stages after this one (alerts: one post per story in "best"
            # mode, the outbox row's cluster) read the story here.
            result.clusters.update(clusterer.assign(tx, rest))

    return Stage(
        "enrich", prepare=enricher.enrich, in_transaction=cluster_new, before_write=cluster_before
    )
