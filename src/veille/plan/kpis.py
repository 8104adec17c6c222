"""KPIs: indicators veille computes from its own data, never typed in.

Each kind says what it measures and which way is better; :func:`measure`
computes one value over a window of ``period_days`` days ending at ``now``.
A value that cannot be measured (no inbox, no snapshot, no scored post) is
``None`` with the reason, never a made-up number.

This module holds the KPI list (add, change, remove) and the cautions said
to whoever saves one; the measures by kind are
:mod:`veille.plan.kpi_measures` and the history windows
:mod:`veille.plan.kpi_history`, whose public names are importable from here
too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import Count, Figure, NotFound, Place, UsageError, tr
from veille.plan.common import (
    audit,
    check_name,
    check_platform,
    local_day,
    now_utc,
    parse_day,
    split_list,
)
from veille.plan.kpi_history import HISTORY_POINTS, first_point_days, history
from veille.plan.kpi_measures import (
    COUNTED,
    INFLUENCERS_CONSIDERED,
    KINDS,
    READ_FROM_POSTS,
    KindInfo,
    Measure,
    Since,
    check_kind,
    counted_since,
    kind_label,
    listening,
    listening_since,
    measure,
    own_authors,
    own_handles,
    said,
    window,
)
from veille.store.protocols.plan import KPI
from veille.suggest import did_you_mean

if TYPE_CHECKING:
    from veille.workspace import Workspace

__all__ = [
    "COUNTED", "HISTORY_POINTS", "INFLUENCERS_CONSIDERED", "KINDS", "Caution", "KindInfo",
    "Measure", "Since", "add_kpi", "cautions", "check_kind", "check_target", "counted_since",
    "first_point_days", "get_kpi", "history", "kind_label", "list_kpis", "listening",
    "listening_since", "measure", "move_kpi", "own_authors", "own_handles", "period_caution",
    "remove_kpi", "retention_caution", "set_period", "set_target", "window",
]  # fmt: skip


# -- the KPI list -----------------------------------------------------------------


def list_kpis(state: Any) -> list[KPI]:
    kpis: list[KPI] = state.plan_kpis()
    return kpis


def get_kpi(state: Any, name: str) -> KPI:
    kpis = list_kpis(state)
    for k in kpis:
        if k.name == name:
            return k
    names = [k.name for k in kpis]
    raise NotFound(
        tr("KPI %(name)r does not exist", name=name),
        hint=did_you_mean(name, names)
        if names
        else tr(
            "Add a KPI first (%(where)s).", where=Place("veille plan kpi add", page="/plan/edit")
        ),
    )


def add_kpi(
    ws: Workspace,
    name: str,
    kind: str,
    target: float,
    *,
    topic: str = "",
    platform: str = "",
    handle: str = "",
    compare: str | list[str] | tuple[str, ...] | None = None,
    period_days: int = 30,
    objective: str = "",
    deadline: str | date | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> KPI:
    """Define a KPI and measure its baseline now."""
    from veille.plan.objectives import get_objective
    from veille.query.topics import get_topic

    state = ws.state
    name = check_name(name, tr("KPI"))
    if any(k.name == name for k in list_kpis(state)):
        raise UsageError(
            tr("KPI %(name)r already exists", name=name),
            hint=tr("Remove it first, or choose another name."),
        )
    kind = check_kind(kind)
    info = KINDS[kind]
    check_target(kind, target)
    _check_period(period_days)
    if info.needs == "topic":
        if not topic:
            raise UsageError(
                tr("a %(kind)s KPI needs a topic", kind=kind),
                hint=tr("Choose the topic it counts."),
            )
        get_topic(ws.store, topic)
    if info.needs == "platform":
        if not platform:
            raise UsageError(
                tr("a %(kind)s KPI needs a platform", kind=kind),
                hint=tr("Choose the platform it counts."),
            )
        platform = check_platform(platform)
    # Only what the kind reads is kept (a guided start passes everything).
    topic = topic if info.needs == "topic" else ""
    platform = platform if info.needs == "platform" else ""
    others = split_list(compare) if kind == "share_of_voice" else ()
    for t in others:
        get_topic(ws.store, t)
    day = parse_day(deadline)
    if objective:
        obj = get_objective(state, objective)
        day = day or obj.deadline
    when = now_utc(now)
    kpi = KPI(
        name=name,
        kind=kind,
        target=float(target),
        period_days=period_days,
        objective=objective,
        topic=topic,
        platform=platform,
        handle=handle.lstrip("@"),
        compare=others,
        deadline=day,
        set_at=when,
    )
    kpi = replace(kpi, baseline=measure(ws, kpi, window(when, period_days)).value)
    state.save_kpi(kpi)
    audit(state, actor, "plan.kpi.add", name, f"{kind} target {target}")
    return kpi


def set_target(
    ws: Workspace,
    name: str,
    target: float,
    *,
    deadline: str | date | None = None,
    clear_deadline: bool = False,
    actor: str | None = None,
) -> KPI:
    """Change a KPI's target; its deadline too when ``deadline`` is given
    (kept when not), or removed with ``clear_deadline``."""
    day = parse_day(deadline)
    if clear_deadline and day is not None:
        raise UsageError(
            tr("give either a new deadline or no deadline, not both"),
            hint=tr("Keep the date to set it, or leave it out to remove the deadline."),
        )
    kpi = get_kpi(ws.state, name)
    check_target(kpi.kind, target)
    kpi = replace(
        kpi, target=float(target), deadline=None if clear_deadline else day or kpi.deadline
    )
    ws.state.save_kpi(kpi)
    audit(ws.state, actor, "plan.kpi.edit", name, f"target {target}")
    return kpi


#: The values a measure of each unit can take: a share of voice is a
#: percentage, net sentiment runs from −100 to 100 points, a count or a time
#: is never below 0. A target outside is never reached (a share of voice of
#: 150 was kept, and the plan read "on track" toward it).
TARGET_RANGES: dict[str, tuple[float, float | None]] = {
    "percent": (0.0, 100.0),
    "points": (-100.0, 100.0),
    "count": (0.0, None),
    "minutes": (0.0, None),
}


def check_target(kind: str, target: float) -> None:
    """Refuse a target that ``kind``'s measure can never take."""
    unit = KINDS[kind].unit if kind in KINDS else ""
    low, high = TARGET_RANGES.get(unit, (-math.inf, None))
    if low <= target and (high is None or target <= high):
        return
    value = Figure(target)
    if unit == "percent":
        raise UsageError(
            tr("%(field)s: a share of voice runs from 0 to 100, not %(value)s",
               field=tr("Target"), value=value),
            hint=tr("Write the share to reach, e.g. 40."),
        )  # fmt: skip
    if unit == "points":
        raise UsageError(
            tr("%(field)s: net sentiment runs from −100 to 100 points, not %(value)s",
               field=tr("Target"), value=value),
            hint=tr("Write the points to reach, e.g. 20."),
        )  # fmt: skip
    raise UsageError(
        tr("%(field)s: %(value)s is negative", field=tr("Target"), value=value),
        hint=tr("Use 0 or more."),
    )


def _check_period(period_days: int) -> None:
    if period_days < 1:
        raise UsageError(
            tr("period %(value)s is not a number of days", value=period_days),
            hint=tr("Use 1 or more."),
        )


def set_period(ws: Workspace, name: str, period_days: int, *, actor: str | None = None) -> KPI:
    """Make each value of KPI ``name`` cover ``period_days`` days ("mentions
    a week" rather than "a month"). Its history is computed from the data,
    never stored: it is read again over windows of the new period. Its
    baseline is measured again over the new period ending when the KPI was
    set, so that it compares with the values beside it; its target, set for
    the old period, is kept (:func:`period_caution` says so)."""
    _check_period(period_days)
    kpi = get_kpi(ws.state, name)
    if period_days == kpi.period_days:
        return kpi
    changed = replace(kpi, period_days=period_days)
    if kpi.set_at is not None:
        changed = replace(
            changed, baseline=measure(ws, changed, window(kpi.set_at, period_days)).value
        )
    ws.state.save_kpi(changed)
    audit(ws.state, actor, "plan.kpi.edit", name, f"period {kpi.period_days} -> {period_days} days")
    return changed


def move_kpi(state: Any, name: str, objective: str, *, actor: str | None = None) -> KPI:
    """Put KPI ``name`` under ``objective`` (``""``: under none). Its
    baseline, target, deadline and history stay: reorganizing a plan no
    longer means removing KPIs and adding them again."""
    from veille.plan.objectives import get_objective

    kpi = get_kpi(state, name)
    target = get_objective(state, objective.strip()).name if objective.strip() else ""
    if target == kpi.objective:
        return kpi
    moved = replace(kpi, objective=target)
    state.save_kpi(moved)
    audit(
        state, actor, "plan.kpi.edit", name, f"objective {kpi.objective or '-'} -> {target or '-'}"
    )
    return moved


def remove_kpi(state: Any, name: str, *, actor: str | None = None) -> None:
    get_kpi(state, name)
    state.delete_kpi(name)
    audit(state, actor, "plan.kpi.remove", name)


@dataclass(frozen=True)
class Caution:
    """A word on a KPI just saved that is taken as it is, not refused. One
    that names where to change it is made by :func:`~veille.errors.tr`
    (``en``; ``fr`` empty): :func:`~veille.plan.kpi_measures.said`."""

    en: str
    fr: str

    def said(self, lang: str, say: Callable[[str], str] | None = None) -> str:
        """In ``lang``, the command line's way; ``say``: the web app's."""
        return said(self.en, self.fr, lang, say)


def retention_caution(kpi: KPI, retention_days: int) -> Caution | None:
    """What to say of a KPI read from the posts kept (:data:`READ_FROM_POSTS`)
    whose period is longer than ``[privacy] retention_days``: the posts of
    its first days are deleted before it counts them, so every value, the
    history's too, undercounts. Nothing said that."""
    if not retention_days or retention_days >= kpi.period_days or kpi.kind not in READ_FROM_POSTS:
        return None
    n, period = retention_days, kpi.period_days
    # The page's row on the web (the API sends its reader there too), the
    # command on the command line: it said both to each.
    row = tr("its row on %(page)s", page="/plan/edit")
    where = Place(f"veille plan kpi edit {kpi.name} --period {n}", page=row, api=row)
    return Caution(
        tr(
            "veille keeps posts %(n)s days ([privacy] retention_days), fewer than this KPI's "
            "%(period)s: each value counts only the posts kept, and undercounts. Keep posts "
            "at least %(period)s days, or give the KPI a period of %(n)s days or fewer "
            "(%(where)s).",
            n=Count(n),
            period=Count(period),
            where=where,
        ),
        "",
    )


def period_caution(kpi: KPI, was_days: int) -> Caution:
    """What to say of a KPI whose period just changed from ``was_days``:
    its history and baseline are read again, its target is kept as set."""
    from veille.i18n import count
    from veille.plan.status import format_value

    n_en, w_en = count(kpi.period_days, "en", "day", "days"), count(was_days, "en", "day", "days")
    n_fr, w_fr = (
        count(kpi.period_days, "fr", "jour", "jours"),
        count(was_days, "fr", "jour", "jours"),
    )
    t_en, t_fr = format_value(kpi.kind, kpi.target, "en"), format_value(kpi.kind, kpi.target, "fr")
    b_en = format_value(kpi.kind, kpi.baseline, "en")
    b_fr = format_value(kpi.kind, kpi.baseline, "fr")
    return Caution(
        f"Each value now covers {n_en} (before: {w_en}): the history and the baseline "
        f"({b_en}) are read again over {n_en}. The target, {t_en}, was set for {w_en}: "
        "change it if it no longer fits.",
        f"Chaque valeur couvre maintenant {n_fr} (avant\u202f: {w_fr})\u202f: l’historique et "
        f"la base ({b_fr}) sont relus sur {n_fr}. La cible, {t_fr}, a été fixée "
        f"pour {w_fr}\u202f: changez-la si elle ne convient plus.",
    )


def cautions(
    kpi: KPI,
    now: datetime | None = None,
    *,
    added: bool = False,
    deadline_set: bool = False,
    period_set: bool = False,
    retention_days: int = 0,
    timezone: str = "UTC",
) -> list[Caution]:
    """What to tell whoever just saved ``kpi``: a deadline (given with it,
    or taken from its objective when ``added``) already past, which makes
    it read "missed" at once; a KPI ``added`` whose baseline already meets
    its target, which reads "achieved" at once; a KPI ``added`` or given a
    new period (``period_set``) whose period the posts are not kept for
    (:func:`retention_caution`). A deadline is a day in ``timezone`` (the
    workspace's)."""
    from veille.i18n import format_date
    from veille.plan.status import format_value

    found: list[Caution] = []
    today = local_day(now_utc(now), timezone)
    if (added or deadline_set) and kpi.deadline is not None and kpi.deadline < today:
        d_en, d_fr = format_date(kpi.deadline, "en"), format_date(kpi.deadline, "fr")
        found.append(
            Caution(
                f"The deadline, {d_en}, is already past: the KPI reads “missed” until it "
                "reaches its target. Change the date if another was meant.",
                f"L’échéance, le {d_fr}, est déjà passée\u202f: l’indicateur est "
                "«\u202fmanqué\u202f» tant qu’il n’atteint pas sa cible. Changez la date s’il en "
                "fallait une autre.",
            )
        )
    up = KINDS[kpi.kind].better == "up" if kpi.kind in KINDS else True
    base = kpi.baseline
    if added and base is not None and ((base >= kpi.target) if up else (base <= kpi.target)):
        b_en, b_fr = format_value(kpi.kind, base, "en"), format_value(kpi.kind, base, "fr")
        t_en, t_fr = (
            format_value(kpi.kind, kpi.target, "en"),
            format_value(kpi.kind, kpi.target, "fr"),
        )
        found.append(
            Caution(
                f"Already met: the baseline ({b_en}) reaches the target of {t_en}, so the KPI "
                "reads “achieved” at once. Is this a floor to keep?",
                f"Déjà atteint\u202f: la base ({b_fr}) atteint la cible de {t_fr}, "
                "l’indicateur est donc «\u202fatteint\u202f» d’emblée. Est-ce un plancher à "
                "tenir\u202f?",
            )
        )
    kept = retention_caution(kpi, retention_days) if added or period_set else None
    if kept is not None:
        found.append(kept)
    return found
