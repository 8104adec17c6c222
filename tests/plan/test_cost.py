"""The cost estimate's arithmetic, from cadence, measured volume and response targets."""

from __future__ import annotations

import json
import subprocess

import pytest

from veille.errors import UsageError, translated
from veille.plan import cost
from veille.plan.adoption import adopt, adoption
from veille.plan.channels import set_channel
from veille.plan.cost import estimate, set_hourly_rate, set_money
from veille.plan.objectives import add_objective
from veille.workspace import Workspace

from .conftest import NOW


def shown(hours: float) -> str:
    """Hours as the plan writes them (one decimal, a half rounded up): an
    f-string's .1f rounds a half to even, so 16.25 read 16.2 beside 16.3."""
    from veille.i18n import format_decimal

    return format_decimal(hours, "en", 1)


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
    # No channel yet: what to do, said where the reader is (the page named
    # the command).
    with pytest.raises(UsageError, match="no channel") as refused:
        adopt(ws, estimate(ws, now=NOW))
    hint = refused.value.hint
    assert translated(hint, lambda s: s, where="page") == "Add one first (/plan/edit#channels)."
    assert translated(hint, lambda s: s) == "Add one first (veille plan channel set PLATFORM)."
    set_channel(ws.state, "mastodon", posts_per_week=2)
    set_money(ws.state, "tool", 10)
    assert adoption(ws) is None
    done = adopt(ws, estimate(ws, now=NOW), actor="mia", now=NOW)
    assert adoption(ws) == done
    assert (done.by, done.hours_per_week, done.money_per_month) == ("mia", 2.25, 10.0)


def veille(ws: Workspace, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``veille ARGS -w WS`` as a user types it, its output and errors apart.
    The app runs in this process (typer's runner): a process of its own per
    command took most of these tests' time and proves nothing they ask."""
    from typer.testing import CliRunner

    from veille.cli import build_app

    argv = [*args, "-w", str(ws.root)]
    done = CliRunner(env={"COLUMNS": "200"}).invoke(build_app(), argv, input=stdin)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    return subprocess.CompletedProcess(argv, done.exit_code, done.stdout, done.stderr)


def test_a_plan_beyond_what_the_team_has_is_flagged_and_not_adopted_unawares(
    ws: Workspace,
) -> None:
    add_objective(ws.state, "care", "customer_service", topics="lumio")
    # 20 posts a week is 10 hours of writing alone.
    set_channel(ws.state, "mastodon", posts_per_week=20, response_minutes=30)
    set_money(ws.state, "scheduler", 40)
    # Nothing said yet: the cost asks for the team's hours.
    done = veille(ws, "plan", "cost")
    assert "How many hours a week can the team give?" in done.stdout
    done = veille(ws, "plan", "capacity", "--hours", "6", "--budget", "25")
    assert done.returncode == 0, done.stderr
    hours = estimate(ws).hours_per_week
    over = f"{shown(hours - 6)}"
    assert (
        f"the plan asks {shown(hours)} hours a week and the team has 6, {over} more" in done.stdout
    )
    assert "the plan costs €40.00 a month and the budget is €25.00, €15.00 more" in done.stdout
    french = veille(ws, "plan", "cost", "--lang", "fr").stdout
    assert "Au-delà de ce qu’a l’équipe\u202f:" in french and "Au-delà du budget\u202f:" in french
    # Each amount in the workspace's currency (EUR unless set), the French way.
    assert "le plan coûte 40,00\u202f€ par mois et le budget est de 25,00\u202f€" in french
    data = json.loads(veille(ws, "plan", "cost", "--format", "json").stdout)
    assert data["hours_available"] == 6 and data["over_capacity"] is True
    assert data["hours_over"] == pytest.approx(hours - 6, abs=0.01) and data["money_over"] == 15
    # A script's --yes does not commit the team beyond what it has...
    done = veille(ws, "plan", "adopt", "--yes")
    assert done.returncode == 2
    assert f"the plan asks {shown(hours)} hours a week and the team has 6" in done.stderr
    assert "--over-capacity" in done.stderr
    assert adoption(ws) is None
    # ...asked in a terminal, the question says so; --over-capacity commits knowingly.
    done = veille(ws, "plan", "adopt", stdin="n\n")
    assert done.returncode == 1 and "Adopt this plan beyond what the team has?" in done.stdout
    done = veille(ws, "plan", "adopt", "--yes", "--over-capacity", "--as", "mia")
    assert done.returncode == 0, done.stderr
    assert adoption(ws) is not None
    # Within what the team has, no warning and no flag needed.
    veille(ws, "plan", "capacity", "--hours", "40", "--budget", "100")
    done = veille(ws, "plan", "cost")
    assert f"Within what the team has: {shown(hours)} of the 40 hours a week." in done.stdout
    assert "Within the budget of €100.00 a month: €40.00." in done.stdout
    assert veille(ws, "plan", "adopt", "--yes").returncode == 0
    # A change after adoption: the document says what was committed no longer holds.
    assert "has changed since" not in veille(ws, "plan", "export", "--format", "md").stdout
    set_channel(ws.state, "mastodon", posts_per_week=2)
    now_hours = f"{shown(estimate(ws).hours_per_week)}"
    text = veille(ws, "plan", "export", "--format", "md").stdout
    assert (
        f"**The plan has changed since:** it now asks {now_hours} hours a week and €40.00 a month"
        in text
    )
    text = veille(ws, "plan", "export", "--format", "md", "--lang", "fr").stdout
    assert "**Le plan a changé depuis\u202f:** il demande maintenant" in text
    # Bad input is named, and nothing changes.
    done = veille(ws, "plan", "capacity", "--hours", "-1")
    assert done.returncode == 2 and "hours a week -1 is negative" in done.stderr
    assert estimate(ws).hours_available == 40
    # What float() reads but is no amount: it read '0 of the ∞ hours', 'NaN an hour'.
    done = veille(ws, "plan", "capacity", "--hours", "inf")
    assert done.returncode == 2 and "hours a week: 'inf' is not a number" in done.stderr
    done = veille(ws, "plan", "money", "rate", "nan")
    assert done.returncode == 2 and "rate: 'nan' is not a number" in done.stderr, done.stderr
    assert estimate(ws).hours_available == 40


def test_the_document_of_an_adopted_plan_measures_its_cost_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost reads the mentions each channel answers (a count per channel
    and topic, a tenth of a second each at 1M posts): the document of an
    adopted plan measured it for the adoption's line and again for the cost
    table. Once now, with the same figures in both."""
    from veille.plan.document import plan_markdown

    add_objective(ws.state, "care", "customer_service", topics="lumio")
    set_channel(ws.state, "mastodon", posts_per_week=4, response_minutes=30)
    adopt(ws, estimate(ws, now=NOW), actor="mia", now=NOW)
    set_channel(ws.state, "mastodon", posts_per_week=2)
    real, calls = cost.estimate, []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cost, "estimate", counted)
    text = plan_markdown(ws, "en", now=NOW)
    now_hours = f"{shown(real(ws, now=NOW).hours_per_week)}"
    assert f"**The plan has changed since:** it now asks {now_hours} hours a week" in text
    assert len(calls) == 1


def test_money_said_by_the_cli_is_in_the_workspaces_currency_the_readers_way(
    ws: Workspace,
) -> None:
    """`plan money set`, `plan money rate`, and the refusal of a plan over its
    budget said each amount as a bare number (``1234.5``), with no currency
    and, in the refusal, English digits for a French reader."""
    done = veille(ws, "plan", "money", "set", "scheduler", "1234.5")
    assert done.returncode == 0, done.stderr
    assert "scheduler: €1,234.50 a month." in done.stdout
    done = veille(ws, "--language", "fr", "plan", "money", "rate", "42")
    assert done.returncode == 0, done.stderr
    assert "Coût horaire\u202f: 42,00\u202f€." in done.stdout
    add_objective(ws.state, "care", "customer_service", topics="lumio")
    set_channel(ws.state, "mastodon", posts_per_week=1, response_minutes=600)
    assert veille(ws, "plan", "capacity", "--hours", "60", "--budget", "1000").returncode == 0
    done = veille(ws, "--language", "fr", "plan", "adopt", "--yes")
    assert done.returncode == 2 and adoption(ws) is None
    assert "le plan coûte 1\u202f234,50\u202f€ par mois" in done.stderr
    assert "le budget est de 1\u202f000,00\u202f€" in done.stderr
