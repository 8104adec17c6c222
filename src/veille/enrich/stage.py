"""The ``enrich`` ingest stage: enrich before storing, cluster copies inside
the write transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from veille.pipeline.ingest import Stage
from veille.store.base import StoreTransaction, UpsertResult

if TYPE_CHECKING:
    from veille.workspace import Workspace


def enrich_stage(workspace: Workspace) -> Stage:
    """Built once per pipeline: the Enricher (and its lingua detector) is
    reused for every batch the pipeline ingests."""
    from veille.enrich.clusters import Clusterer
    from veille.enrich.enricher import Enricher

    settings = workspace.settings.enrich
    enricher = Enricher.from_settings(settings, workspace.root)
    clusterer = Clusterer(threshold=settings.duplicate_threshold)

    def cluster_new(tx: StoreTransaction, result: UpsertResult) -> None:
        if result.new:
            clusterer.assign(tx, result.new)

    return Stage("enrich", prepare=enricher.enrich, in_transaction=cluster_new)
