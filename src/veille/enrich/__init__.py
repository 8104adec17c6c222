"""Enrichment: language, sentiment, entities, keywords and syndicated copies.

:class:`~veille.enrich.enricher.Enricher` does the per-post work (pure, built
once per process); :mod:`veille.enrich.clusters` groups near-duplicate copies
across batches in the store; :mod:`veille.enrich.stage` plugs both into the
ingest pipeline as the ``enrich`` stage. Heavy libraries (lingua, VADER,
simplemma, tldextract, torch) are imported on first use.
"""

from __future__ import annotations

from veille.enrich.enricher import Analysis, Enricher

__all__ = ["Analysis", "Enricher"]
