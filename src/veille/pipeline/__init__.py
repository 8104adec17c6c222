"""From collected posts to stored, enriched, matched posts."""

from veille.pipeline.ingest import Pipeline, Stage, build_pipeline

__all__ = ["Pipeline", "Stage", "build_pipeline"]
