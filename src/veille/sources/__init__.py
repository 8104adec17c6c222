"""Connectors: one module per platform, all through :mod:`veille.sources.base`."""

from veille.sources.base import Batch, Source, SourceConfigError, get_source, registry

__all__ = ["Batch", "Source", "SourceConfigError", "get_source", "registry"]
