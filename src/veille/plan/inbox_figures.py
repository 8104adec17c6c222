"""The inbox KPIs (first-response time, backlog), read from the inbox's own
figures (:mod:`veille.inbox.metrics`, working time) when this version of
veille has an inbox; otherwise, or while the inbox is empty, they are
reported as not measurable yet, never as a made-up number."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.analytics.scope import Period
    from veille.plan.kpis import Measure
    from veille.workspace import Workspace


def inbox_measure(ws: Workspace, kind: str, per: Period) -> Measure:
    """``first_response``: the median working minutes to the first answer of
    the items that entered the inbox in ``per``; ``backlog``: the items open
    at its end."""
    from veille.plan.kpis import Measure

    try:
        metrics = importlib.import_module("veille.inbox.metrics")
    except ImportError:
        return Measure(
            None,
            "not measurable yet: this version of veille has no inbox",
            "pas encore mesurable : cette version de veille n’a pas de boîte de réception",
        )
    # Typed loosely: the inbox's store methods join the StateStore with it.
    state: Any = ws.state
    if not state.item_times(0, int(per.until.timestamp())):
        return Measure(
            None,
            "not measurable yet: the inbox is empty",
            "pas encore mesurable : la boîte de réception est vide",
        )
    settings = importlib.import_module("veille.inbox.hours").working_settings(ws)
    if kind == "backlog":
        return Measure(float(metrics.backlog(state, per.until, settings=settings).total))
    times = metrics.first_response_times(state, per.since, per.until, settings=settings)
    if times.median_seconds is None:
        return Measure(
            None,
            "not measurable yet: no item that entered the inbox in the period has an answer",
            "pas encore mesurable : aucun élément arrivé dans la boîte de réception sur la "
            "période n’a de réponse",
        )
    if not times.waiting:
        return Measure(round(times.median_seconds / 60, 1))
    # The median of the answered items alone: it says nothing of the others
    # (a lone quick answer among items left waiting "reached" the target).
    answered, items, waiting = times.answered, times.items, times.waiting
    return Measure(
        round(times.median_seconds / 60, 1),
        note_en=(
            f"The median covers only {answered} answered item{'s' * (answered > 1)} of the "
            f"{items} that entered the inbox in the period; {waiting} "
            f"{'have' if waiting > 1 else 'has'} no answer."
        ),
        note_fr=(
            f"La médiane ne porte que sur {answered} "
            f"{'éléments répondus' if answered > 1 else 'élément répondu'} des {items} arrivés "
            f"dans la boîte de réception sur la période\u202f; {waiting} "
            f"{'n’ont' if waiting > 1 else 'n’a'} pas de réponse."
        ),
    )
