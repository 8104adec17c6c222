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
    router.include_router(_page.router)
