"""The cost of a plan made in a workspace's first weeks: the mentions a week
are averaged over the days veille holds posts for, not over four weeks of
which most hold nothing (a plan made after a week of collecting asked a
quarter of the hours that answering takes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.plan import cost
from veille.plan.channels import set_channel
from veille.plan.document import cost_markdown
from veille.plan.objectives import add_objective
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace

from .conftest import NOW, post


def _young(tmp_path: Path, oldest_days: float, n: int) -> Workspace:
    """A workspace whose ``n`` lumio posts on mastodon span the last
    ``oldest_days`` days up to NOW, a plan with a Mastodon channel for lumio."""
    ws = Workspace.open(init_workspace(tmp_path / "ws"))
    step = oldest_days / n
    ws.store.upsert_posts([post(i, f"lumio panne {i}", oldest_days - i * step) for i in range(n)])
    add_topic(ws.store, "lumio", "lumio")
    add_objective(ws.state, "care", "customer_service", topics="lumio")
    set_channel(ws.state, "mastodon", posts_per_week=3)
    return ws


def test_a_week_of_posts_is_a_week_of_mentions(tmp_path: Path) -> None:
    with _young(tmp_path, 7, 14) as ws:
        est = cost.estimate(ws, now=NOW)
    [masto] = est.channels
    assert masto.mentions_per_week == pytest.approx(14)  # was 14 * 7 / 28 = 3.5
    assert est.measured_days == pytest.approx(7)
    assert est.partial_days == 7
    said = {lang: " ".join(cost_markdown(est, lang).split()) for lang in ("en", "fr")}
    assert "| Mastodon | 14 |" in said["en"]
    assert (
        "Mentions a week are averaged over the 7 days veille holds posts for, "
        "not yet the last 28." in said["en"]
    )
    assert (
        "Les mentions par semaine sont la moyenne des 7 jours pour lesquels veille "
        "détient des publications, pas encore des 28 derniers." in said["fr"]
    )


def test_posts_of_the_last_hours_count_as_one_day(tmp_path: Path) -> None:
    """Hours of posts are not stretched to a week's worth: a day at least."""
    with _young(tmp_path, 0.25, 6) as ws:
        est = cost.estimate(ws, now=NOW)
    assert est.channels[0].mentions_per_week == pytest.approx(6 * 7)
    assert est.partial_days == 1
    assert "read from the one day veille holds posts for" in cost_markdown(est, "en")


def test_four_weeks_held_say_nothing_more(tmp_path: Path) -> None:
    with _young(tmp_path, 40, 40) as ws:
        est = cost.estimate(ws, now=NOW)
    # The posts of the last 28 days, averaged over them.
    inside = sum(1 for i in range(40) if 40 - i * 1.0 <= cost.MEASURE_DAYS)
    assert est.channels[0].mentions_per_week == pytest.approx(inside * 7 / cost.MEASURE_DAYS)
    assert est.partial_days is None
    assert "veille holds posts for" not in cost_markdown(est, "en")
