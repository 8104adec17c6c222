"""The plan's pages: the overview (everyone signed in reads it), the editing
forms (managers and admins), the guided start, the guidelines that every team
member acknowledges, and the plan as a document. The rules live in
:mod:`veille.plan`; these routes parse forms and show answers.

Each page is a module with its ``router``; :data:`router` holds them all, for
the app's registration (:data:`veille.web.app.ROUTE_MODULES` names ``plan``).
``veille serve`` calls :func:`warm` when it starts."""

from __future__ import annotations

from fastapi import APIRouter

from veille.web.routes.plan import edit, guidelines, overview, start
from veille.web.routes.plan.overview import warm

__all__ = ["router", "warm"]

router = APIRouter()
for _page in (overview, start, edit, guidelines):
    # Each page's routes are whole as declared (plain routers: no prefix,
    # tags or dependencies of their own), so they are taken as they are.
    # Included as routers, FastAPI built every plan route's state once more
    # at each first app only to check their paths (~50 ms of each start),
    # a build the app's include_router then made again.
    router.routes.extend(_page.router.routes)
