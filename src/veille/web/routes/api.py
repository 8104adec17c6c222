"""Registers the REST API (:mod:`veille.web.api`) with the app."""

from __future__ import annotations

from veille.web.api import build_router

router = build_router()
