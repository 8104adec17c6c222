"""The ``enrich`` ingest stage: enrich before storing (only what is new or
changed: the pipeline dedupes first), cluster copies inside the write
transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

    def cluster_new(tx: StoreTransaction, result: UpsertResult) -> None:
        if result.new:
            # The stages after this one (alerts: one post per story in "best"
            # mode, the outbox row's cluster) read the story here.
            result.clusters.update(clusterer.assign(tx, result.new))

    return Stage("enrich", prepare=enricher.enrich, in_transaction=cluster_new)
