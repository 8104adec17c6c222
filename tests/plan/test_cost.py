"""The cost estimate's arithmetic, from cadence, measured volume and response targets."""

from __future__ import annotations

import pytest

from veille.errors import UsageError
from veille.plan import cost
from veille.plan.adoption import adopt, adoption
from veille.plan.channels import set_channel
from veille.plan.cost import estimate, set_hourly_rate, set_money
from veille.plan.objectives import add_objective
from veille.workspace import Workspace

from .conftest import NOW


def test_hours_per_channel(ws: Workspace) -> None:
    add_objective(ws.state, "care", "customer_service", topics="lumio")
    set_channel(ws.state, "mastodon", posts_per_week=4, response_minutes=60)
    set_channel(ws.state, "bluesky", posts_per_week=2)
    est = estimate(ws, now=NOW)
    masto, bsky = est.channels
    # lumio on mastodon: 4 posts in the last 28 days = 1 a week.
    assert masto.mentions_per_week == pytest.approx(4 * 7 / cost.MEASURE_DAYS)
    assert masto.replies_per_week == pytest.approx(masto.mentions_per_week * cost.REPLY_SHARE)
    assert masto.hours_posting == pytest.approx(4 * cost.MINUTES_PER_POST / 60)
    # A one-hour target: 8 looks a working day, 7 more than the daily read.
    assert masto.checks_per_day == 8
    assert masto.hours_monitoring == pytest.approx(
        cost.WORKING_DAYS_PER_WEEK
        * (cost.MONITORING_MINUTES_PER_DAY + 7 * cost.MINUTES_PER_CHECK)
        / 60
    )
    assert masto.hours_replying == pytest.approx(
        masto.replies_per_week * cost.MINUTES_PER_REPLY / 60
    )
    assert bsky.mentions_per_week == pytest.approx(2 * 7 / cost.MEASURE_DAYS)
    assert bsky.checks_per_day == 1
    assert est.hours_per_week == pytest.approx(masto.hours + bsky.hours)
    # With the constants as shipped: 2 + 0.0083 + 2.4167 and 1 + 0.0042 + 1.25.
    assert round(est.hours_per_week, 2) == 6.68


def test_money_and_staff_time(ws: Workspace) -> None:
    set_channel(ws.state, "mastodon", posts_per_week=6)
    set_money(ws.state, "scheduler", 25)
    set_money(ws.state, "promotion", 100.5)
    set_hourly_rate(ws.state, 40)
    est = estimate(ws, now=NOW)
    assert est.money_per_month == 125.5
    hours = 6 * 30 / 60 + 5 * 15 / 60
    assert est.hours_per_week == pytest.approx(hours)
    assert est.staff_per_month == pytest.approx(hours * 52 / 12 * 40)
    with pytest.raises(UsageError):
        set_money(ws.state, "x", -1)


def test_adoption_records_the_cost(ws: Workspace) -> None:
    with pytest.raises(UsageError, match="no objective"):
        adopt(ws, estimate(ws, now=NOW))
    add_objective(ws.state, "care", "customer_service")
    set_channel(ws.state, "mastodon", posts_per_week=2)
    set_money(ws.state, "tool", 10)
    assert adoption(ws) is None
    done = adopt(ws, estimate(ws, now=NOW), actor="mia", now=NOW)
    assert adoption(ws) == done
    assert (done.by, done.hours_per_week, done.money_per_month) == ("mia", 2.25, 10.0)
