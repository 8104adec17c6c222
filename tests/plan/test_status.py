"""The status rules, one by one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from veille.plan.kpis import Measure
from veille.plan.status import judge
from veille.store.protocols.plan import KPI

SET = datetime(2026, 1, 1, tzinfo=UTC)


def kpi(**kw: object) -> KPI:
    fields: dict[str, object] = dict(
        name="k",
        kind="mentions",
        target=200.0,
        baseline=100.0,
        set_at=SET,
        deadline=date(2026, 12, 27),
    )
    fields.update(kw)
    return KPI(**fields)  # type: ignore[arg-type]


def test_achieved_when_the_target_is_reached() -> None:
    v = judge(kpi(), Measure(200), date(2026, 3, 1))
    assert v.status == "achieved"
    assert v.reason_en == "200 has reached the target of 200."
    assert v.reason_fr == "200 atteint la cible de 200."


def test_lower_is_better_for_response_time() -> None:
    k = kpi(kind="first_response", target=30.0, baseline=90.0)
    assert judge(k, Measure(25), date(2026, 3, 1)).status == "achieved"
    assert judge(k, Measure(95), date(2026, 3, 1)).status == "at_risk"


def test_missed_after_the_deadline() -> None:
    v = judge(kpi(), Measure(150), date(2026, 12, 28))
    assert v.status == "missed"
    assert "December 27, 2026" in v.reason_en and "27 décembre 2026" in v.reason_fr


def test_on_track_and_at_risk_against_time_gone() -> None:
    # Half the time gone (180 of 360 days): half the way is on track; 40 % is
    # within the tolerance; 30 % is at risk.
    mid = date(2026, 6, 30)
    assert judge(kpi(), Measure(150), mid).status == "on_track"
    assert judge(kpi(), Measure(140), mid).status == "on_track"
    v = judge(kpi(), Measure(130), mid)
    assert v.status == "at_risk"
    assert v.reason_en == "130: only 30% of the way from 100 to 200, with 50% of the time gone."
    assert "30\u202f%" in v.reason_fr and "50\u202f%" in v.reason_fr


def test_a_value_gone_back_from_its_baseline_is_not_said_0_percent_of_the_way() -> None:
    """2,327 mentions where the baseline was 2,328: the plan said « 2 327 :
    0 % du chemin de 2 328 à 2 561 », as if it had not moved."""
    k = kpi(target=2561.0, baseline=2328.0)
    v = judge(k, Measure(2327), date(2026, 1, 1))
    assert v.status == "on_track"  # within the tolerance
    assert v.reason_en == (
        "2,327: further from the target of 2,561 than the baseline (2,328), with 0% of the "
        "time gone."
    )
    assert v.reason_fr == (
        "2\u202f327\u202f: plus loin de la cible de 2\u202f561 que la base (2\u202f328), pour "
        "0\u202f% du temps écoulé."
    )
    assert judge(k, Measure(2000), date(2026, 6, 30)).status == "at_risk"


def test_without_deadline_on_track_while_not_moving_away() -> None:
    k = kpi(deadline=None)
    assert judge(k, Measure(100), date(2026, 6, 1)).status == "on_track"
    assert judge(k, Measure(90), date(2026, 6, 1)).status == "at_risk"


def test_not_measurable_carries_the_reason() -> None:
    v = judge(kpi(), Measure(None, "no inbox", "pas de boîte"), date(2026, 6, 1))
    assert (v.status, v.reason_en, v.reason_fr) == ("not_measurable", "no inbox", "pas de boîte")


def test_french_numbers() -> None:
    v = judge(kpi(target=20000.0, baseline=10000.0), Measure(25000), date(2026, 6, 1))
    assert v.reason_fr == "25\u202f000 atteint la cible de 20\u202f000."


def test_a_target_the_baseline_met_is_a_floor_that_falling_below_puts_at_risk() -> None:
    """A KPI added already met (its caution asks: a floor to keep?) that
    then falls short read "on track: 100% of the way from 250 to 200"."""
    for deadline in (date(2026, 12, 27), None):
        v = judge(kpi(baseline=250.0, deadline=deadline), Measure(150), date(2026, 6, 30))
        assert (v.status, v.reason_en, v.reason_fr) == (
            "at_risk",
            "150 no longer reaches the target of 200, which the baseline (250) met.",
            "150 n’atteint plus la cible de 200, que la base (250) atteignait.",
        )
    # Met exactly when set: not "no baseline was measurable when it was set".
    v = judge(kpi(baseline=200.0), Measure(150), date(2026, 6, 30))
    assert (v.status, v.reason_en) == (
        "at_risk",
        "150 no longer reaches the target of 200, which the baseline (200) met.",
    )
    # Lower is better: a response time back above its target.
    k = kpi(kind="first_response", target=30.0, baseline=20.0)
    v = judge(k, Measure(45), date(2026, 6, 30))
    assert v.status == "at_risk" and v.reason_en.startswith("45 no longer reaches")


def test_french_reasons_call_the_target_a_cible_as_the_page_does() -> None:
    """The plan page and the document head the column "Cible" and list the
    plan's "Objectifs" above it; the French reasons called a KPI's target
    "l’objectif de 200", the word of the plan's objectives, so a reader
    took a KPI's target for one of them. Every French reason now says
    "cible", as the column does."""
    from veille.plan.kpis import cautions

    today = date(2026, 6, 30)
    cases = [
        (kpi(), Measure(200), today),  # achieved
        (kpi(), Measure(150), date(2026, 12, 28)),  # missed
        (kpi(baseline=250.0), Measure(150), today),  # a floor no longer met
        (kpi(baseline=None), Measure(150), today),  # no baseline
        (kpi(deadline=None), Measure(90), today),  # moving away
    ]
    said = [judge(k, m, d).reason_fr for k, m, d in cases]
    said.append(judge(kpi(), Measure(150), today, baseline_days=10).reason_fr)
    met = kpi(baseline=250.0, deadline=date(2026, 1, 2))
    said.extend(c.fr for c in cautions(met, datetime(2026, 6, 1, tzinfo=UTC), added=True))
    assert len(said) == 8
    for reason in said:
        assert "objectif" not in reason and "KPI" not in reason, reason
    assert said[0] == "200 atteint la cible de 200."
    assert "pour une cible de 200" in said[3]
