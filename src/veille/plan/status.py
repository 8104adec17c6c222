"""Where each KPI stands: on track, at risk, achieved or missed, with the
reason in a sentence (English or French).

The rules, in order:

1. no value can be measured: ``not_measurable`` (the reason says why);
2. the value has reached the target (at or above it, or at or below it for a
   KPI where lower is better): ``achieved``;
3. the deadline has passed: ``missed``;
4. progress from the baseline toward the target is compared with the share
   of the time gone between the day the KPI was set and its deadline: at
   least that share less :data:`TOLERANCE` is ``on_track``, less is
   ``at_risk``. Without a deadline (or a baseline), a KPI is on track as long
   as it does not move away from the target; a count whose baseline counted
   only part of its period (veille held no post before) is on track, and
   says that progress is not measured from it. A KPI whose baseline already
   met its target (a floor to keep) is ``at_risk`` once it falls short.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from veille.errors import Bilingual, tr
from veille.i18n import (
    format_date,
    format_decimal,
    format_number,
    format_percent,
    typography,
)
from veille.plan.common import local_day, now_utc
from veille.plan.kpi_measures import said
from veille.plan.kpis import (
    COUNTED,
    KINDS,
    Measure,
    Since,
    counted_since,
    first_point_days,
    history,
    listening,
    measure,
    retention_caution,
    window,
)
from veille.store.protocols.plan import KPI

if TYPE_CHECKING:
    from veille.workspace import Workspace

STATUSES = ("on_track", "at_risk", "achieved", "missed", "not_measurable")
STATUS_LABELS = {
    "on_track": ("on track", "en bonne voie"),
    "at_risk": ("at risk", "menacé"),
    "achieved": ("achieved", "atteint"),
    "missed": ("missed", "manqué"),
    "not_measurable": ("not measurable", "non mesurable"),
}
#: Progress may lag the time gone by this much (a tenth of the way) before
#: the KPI is at risk: weekly figures are noisy, and a KPI flipping between
#: the two every day would teach people to ignore it.
TOLERANCE = 0.10


def status_label(status: str, lang: str = "en") -> str:
    en, fr = STATUS_LABELS[status]
    return fr if lang == "fr" else en


def format_value(kind: str, value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    unit = KINDS[kind].unit if kind in KINDS else "count"
    if unit == "percent":
        return format_percent(value / 100, lang, 1 if value % 1 else 0)
    if unit in ("points", "minutes"):
        return format_decimal(value, lang, 1)
    return format_number(value, lang)


@dataclass(frozen=True)
class Verdict:
    status: str
    #: A reason that names where to act (a value not measurable, a period
    #: longer than the posts are kept) is made by :func:`veille.errors.tr`
    #: (then ``reason_fr`` is empty): :func:`~veille.plan.kpi_measures.said`.
    reason_en: str
    reason_fr: str

    def reason(self, lang: str, say: Callable[[str], str] | None = None) -> str:
        return said(self.reason_en, self.reason_fr, lang, say)


def _fraction(done: float, lang: str) -> str:
    return format_percent(max(0.0, min(done, 1.0)), lang)


def judge(
    kpi: KPI,
    got: Measure,
    today: date,
    *,
    baseline_days: int | None = None,
    timezone: str = "UTC",
) -> Verdict:
    """The status of ``kpi`` at ``today`` given its measured value; a value
    that covers only part of the period says so. ``baseline_days``: the days
    of its period the baseline counted, when fewer than all (veille held no
    post before): progress is not measured from such a baseline, which
    undercounts. ``today`` and the day the KPI was set are days in
    ``timezone`` (the workspace's)."""
    verdict = _judge(kpi, got, today, baseline_days, timezone)
    # French spacing for every reason, those of a value that cannot be
    # measured (written in veille.plan.kpis and inbox_figures) too.
    verdict = Verdict(verdict.status, verdict.reason_en, typography(verdict.reason_fr, "fr"))
    if got.note_en and got.value is not None:
        verdict = Verdict(
            verdict.status,
            f"{verdict.reason_en} {got.note_en}",
            f"{verdict.reason_fr} {got.note_fr}",
        )
    if got.covers_from is None:
        return verdict
    d_en, d_fr = format_date(got.covers_from, "en"), format_date(got.covers_from, "fr")
    n, period = got.covered_days, kpi.period_days
    if got.from_counts:  # the posts before are gone, their counts kept
        return Verdict(
            verdict.status,
            f"{verdict.reason_en} It counts only {n} of the {period} days: veille's daily "
            f"counts of its topic begin on {d_en}.",
            f"{verdict.reason_fr} Ce chiffre ne compte que {n} des {period} jours\u202f: les "
            f"comptages quotidiens de son sujet commencent le {d_fr}.",
        )
    return Verdict(
        verdict.status,
        f"{verdict.reason_en} It counts only {n} of the {period} days: veille holds posts "
        f"from {d_en} on.",
        f"{verdict.reason_fr} Ce chiffre ne compte que {n} des {period} jours : veille "
        f"n’a de publications qu’à partir du {d_fr}.",
    )


def _judge(
    kpi: KPI, got: Measure, today: date, baseline_days: int | None, timezone: str
) -> Verdict:
    if got.value is None:
        return Verdict("not_measurable", got.why_en, got.why_fr)
    value, target, base = got.value, kpi.target, kpi.baseline
    up = KINDS[kpi.kind].better == "up" if kpi.kind in KINDS else True

    def fmt(v: float | None, lang: str) -> str:
        return format_value(kpi.kind, v, lang)

    v_en, v_fr, t_en, t_fr = (
        fmt(value, "en"),
        fmt(value, "fr"),
        fmt(target, "en"),
        fmt(target, "fr"),
    )
    if (value >= target) if up else (value <= target):
        if not up and value < target:  # "0 has reached the target of 120" (minutes)
            return Verdict(
                "achieved",
                f"{v_en} is within the target of {t_en}.",
                f"{v_fr} respecte la cible de {t_fr}.",
            )
        return Verdict(
            "achieved",
            f"{v_en} has reached the target of {t_en}.",
            f"{v_fr} atteint la cible de {t_fr}.",
        )
    if kpi.deadline and today > kpi.deadline:
        d_en, d_fr = format_date(kpi.deadline, "en"), format_date(kpi.deadline, "fr")
        return Verdict(
            "missed",
            f"The deadline of {d_en} has passed at {v_en}, short of the target of {t_en}.",
            f"L’échéance du {d_fr} est passée à {v_fr}, sans atteindre la cible de {t_fr}.",
        )
    if base is not None and ((base >= target) if up else (base <= target)):
        # Met when set (a floor to keep): progress from it toward the target
        # means nothing ("100% of the way from 250 to 200").
        b_en, b_fr = fmt(base, "en"), fmt(base, "fr")
        return Verdict(
            "at_risk",
            f"{v_en} no longer reaches the target of {t_en}, which the baseline ({b_en}) met.",
            f"{v_fr} n’atteint plus la cible de {t_fr}, que la base ({b_fr}) atteignait.",
        )
    if base is not None and baseline_days is not None:
        b_en, b_fr, n, period = fmt(base, "en"), fmt(base, "fr"), baseline_days, kpi.period_days
        return Verdict(
            "on_track",
            f"{v_en} against a target of {t_en}; the baseline ({b_en}) counted only {n} of "
            f"the {period} days, so progress is not measured from it.",
            f"{v_fr} pour une cible de {t_fr}\u202f; la base ({b_fr}) ne comptait que {n} des "
            f"{period} jours\u202f: la progression n’est donc pas mesurée depuis elle.",
        )
    if base is None:
        return Verdict(
            "on_track",
            f"{v_en} against a target of {t_en}; no baseline was measurable when it was set.",
            f"{v_fr} pour une cible de {t_fr}\u202f; aucune base n’était mesurable à sa création.",
        )
    progress = (value - base) / (target - base)
    b_en, b_fr = fmt(base, "en"), fmt(base, "fr")
    start = local_day(kpi.set_at, timezone) if kpi.set_at else today
    if kpi.deadline is None or kpi.deadline <= start:
        if progress >= 0:
            return Verdict(
                "on_track",
                f"{v_en}, from {b_en} toward {t_en} (no deadline).",
                f"{v_fr}, depuis {b_fr} vers {t_fr} (sans échéance).",
            )
        return Verdict(
            "at_risk",
            f"{v_en} has moved away from the target of {t_en} (baseline {b_en}).",
            f"{v_fr} s’éloigne de la cible de {t_fr} (base {b_fr}).",
        )
    elapsed = (today - start).days / (kpi.deadline - start).days
    p_en, p_fr = _fraction(progress, "en"), _fraction(progress, "fr")
    e_en, e_fr = _fraction(elapsed, "en"), _fraction(elapsed, "fr")
    status = "on_track" if progress >= elapsed - TOLERANCE else "at_risk"
    if progress < 0:  # not "0% of the way": it went back
        return Verdict(
            status,
            f"{v_en}: further from the target of {t_en} than the baseline ({b_en}), with "
            f"{e_en} of the time gone.",
            f"{v_fr}\u202f: plus loin de la cible de {t_fr} que la base ({b_fr}), pour "
            f"{e_fr} du temps écoulé.",
        )
    if progress >= elapsed - TOLERANCE:
        return Verdict(
            "on_track",
            f"{v_en}: {p_en} of the way from {b_en} to {t_en}, with {e_en} of the time gone.",
            f"{v_fr}\u202f: {p_fr} du chemin de {b_fr} à {t_fr}, pour {e_fr} du temps écoulé.",
        )
    return Verdict(
        "at_risk",
        f"{v_en}: only {p_en} of the way from {b_en} to {t_en}, with {e_en} of the time gone.",
        f"{v_fr}\u202f: seulement {p_fr} du chemin de {b_fr} à {t_fr}, pour {e_fr} du temps "
        "écoulé.",
    )


def _baseline_days(ws: Workspace, kpi: KPI, listening_since: Since) -> int | None:
    """The days of its period a count KPI's baseline counted, when veille
    held no post for the first of them (``None`` when it counted them all)."""
    if kpi.kind not in COUNTED or kpi.set_at is None or kpi.baseline is None:
        return None
    since, _kept = counted_since(ws, kpi, listening_since)
    start = kpi.set_at - timedelta(days=kpi.period_days)
    if since is None or since <= start or since >= kpi.set_at:
        return None  # all counted; or the posts it counted are gone (kept no longer)
    # Part of a day is a day, as a value's own covered days count it: a KPI
    # added the day collection began counted one, not "only 0 of 30".
    return max(1, round((kpi.set_at - since).total_seconds() / 86400))


@dataclass(frozen=True)
class KPIReport:
    kpi: KPI
    value: float | None
    status: str
    reason_en: str
    reason_fr: str
    history: list[tuple[date, float]]
    #: The days of its period the history's first point counts, when fewer
    #: (veille held no post before): :func:`~veille.plan.kpis.first_point_days`.
    first_days: int | None = None
    #: The first point's days go by when its topic's kept counts begin
    #: (posts before them purged): :func:`~veille.plan.kpis.counted_since`.
    first_from_counts: bool = False

    def reason(self, lang: str, say: Callable[[str], str] | None = None) -> str:
        """The reason in ``lang``, the command line's way (the commands that
        make a value measurable); ``say``: the web app's translator for its
        reader, which names the page that does it (the API's words)."""
        return said(self.reason_en, self.reason_fr, lang, say)

    def history_note(self, lang: str) -> str:
        """What the chart's first point counts, when it counts only part of
        its period and other points are drawn beside it (a lone point's
        reason says it already); ``""`` otherwise."""
        if self.first_days is None or len(self.history) < 2:
            return ""
        n, period = self.first_days, self.kpi.period_days
        day = format_date(self.history[0][0], lang)
        if self.first_from_counts:  # the posts held begin later: their counts did not
            if lang == "fr":
                return (
                    f"Le point du {day} ne compte que {n} de ses {period} jours\u202f: les "
                    "comptages quotidiens de son sujet commencent dans cette période."
                )
            return (
                f"The point of {day} counts only {n} of its {period} days: veille's daily "
                "counts of its topic begin in that period."
            )
        if lang == "fr":
            return typography(
                f"Le point du {day} ne compte que {n} de ses {period} jours : veille ne "
                "détient aucune publication antérieure.",
                "fr",
            )
        return (
            f"The point of {day} counts only {n} of its {period} days: veille holds no "
            "earlier post."
        )

    def as_dict(
        self, lang: str = "en", say: Callable[[str], str] | None = None
    ) -> dict[str, object]:
        k = self.kpi
        return {
            "name": k.name,
            "kind": k.kind,
            "topic": k.topic,
            "platform": k.platform,
            "objective": k.objective,
            "period_days": k.period_days,
            "value": self.value,
            "baseline": k.baseline,
            "target": k.target,
            "deadline": k.deadline.isoformat() if k.deadline else None,
            "status": self.status,
            "reason": self.reason(lang, say),
            "history": [
                {"date": d.isoformat(), "value": v}
                | ({"days": self.first_days} if i == 0 and self.first_days is not None else {})
                for i, (d, v) in enumerate(self.history)
            ],
        }


def report(
    ws: Workspace,
    kpi: KPI,
    *,
    now: datetime | None = None,
    with_history: bool = True,
    since: Since | None = None,
) -> KPIReport:
    """Where ``kpi`` stands; ``since`` (from :func:`~veille.plan.kpis.listening`)
    shared by the reports of one page."""
    when = now_utc(now)
    since = since or listening(ws)
    got = measure(ws, kpi, window(when, kpi.period_days), since=since)
    tz = ws.settings.workspace.timezone
    verdict = judge(
        kpi,
        got,
        local_day(when, tz),
        baseline_days=_baseline_days(ws, kpi, since),
        timezone=tz,
    )
    kept = retention_caution(kpi, ws.settings.privacy.retention_days)
    if kept is not None and got.value is not None:
        # One sentence made by tr: its page (or command) said where it is read.
        both = Bilingual(verdict.reason_en, verdict.reason_fr)
        verdict = Verdict(
            verdict.status, tr("%(reason)s %(caution)s", reason=both, caution=kept.en), ""
        )
    series = history(ws, kpi, when, since=since, current=got) if with_history else []
    first = first_point_days(ws, kpi, series, when, since=since)
    kept_counts = first is not None and counted_since(ws, kpi, since)[1]
    return KPIReport(
        kpi,
        got.value,
        verdict.status,
        verdict.reason_en,
        verdict.reason_fr,
        series,
        first,
        kept_counts,
    )


def reports(
    ws: Workspace, *, now: datetime | None = None, with_history: bool = True
) -> list[KPIReport]:
    since = listening(ws)  # when the posts begin, read once for every KPI
    return [
        report(ws, k, now=now, with_history=with_history, since=since) for k in ws.state.plan_kpis()
    ]
