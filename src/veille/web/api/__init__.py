"""The REST API under ``/api/v1``: posts search, topics, alerts, sources and
analytics over the same services as the CLI, with Bearer tokens and the
roles of the pages; its OpenAPI document at ``/api/openapi.json`` and its
docs at ``/api/docs``. :mod:`veille.web.routes.api` registers it."""

from __future__ import annotations

from fastapi import APIRouter

# The API's parts, each a module with a ``router``, in the order the docs list them.
API_MODULES: tuple[str, ...] = (
    "posts",
    "topics",
    "alerts",
    "sources",
    "analytics",
    "plan",
    "calendar",
    "inbox",
    "docs",
)


def build_router() -> APIRouter:
    """One router holding every API module's routes (built on each call: no
    module keeps routes in a global)."""
    from importlib import import_module

    router = APIRouter()
    for name in API_MODULES:
        # A module's routes are whole as declared (its router's prefix, tags,
        # responses and route class applied to each): they are taken as they
        # are. Included as routers, one level down, they had FastAPI build
        # every API route's state once more at each app's include_router
        # (~0.15 s of each start, a test's app included) only to check
        # their paths, a build the app's routing then made again.
        router.routes.extend(import_module(f"veille.web.api.{name}").router.routes)
    return router
