"""The guided start's defaults, and own accounts' snapshots read from the
simulator over loopback (Mastodon accounts/lookup, Bluesky getProfile)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from tests.conftest import init_state_workspace
from veille.cli import build_app
from veille.config import HttpSettings
from veille.http import HttpClient
from veille.plan.accounts import snapshot_accounts
from veille.plan.channels import set_channel
from veille.plan.kpis import add_kpi, measure, window
from veille.plan.start import StartAnswers, start_plan, suggest_target
from veille.services.sources import add_source
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.workspace import Workspace

from .conftest import NOW

END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=2, end=END, posts_per_day=60, spike_day=1, spike_posts=10)
    with Simulator(SimWorld.generate(cfg, SimClock(END - timedelta(hours=1)))) as s:
        yield s


def test_snapshots_from_the_simulator(ws: Workspace, sim: Simulator) -> None:
    masto = next(
        p for p in sim.world.by_platform["mastodon"] if p.published_at < END - timedelta(hours=2)
    )
    bsky = next(
        p for p in sim.world.by_platform["bluesky"] if p.published_at < END - timedelta(hours=2)
    )
    add_source(ws.state, "mastodon", f"tag:lumio@{sim.url('mastodon', '')}")
    add_source(
        ws.state, "bluesky", "search:lumio", options={"service": sim.url("bluesky", "").rstrip("/")}
    )
    set_channel(ws.state, "mastodon", handle=masto.author.handle)
    set_channel(ws.state, "bluesky", handle=bsky.author.handle)
    set_channel(ws.state, "reddit", handle="nobody")  # no lookup: left out
    with HttpClient(HttpSettings(allow_private_networks=True, max_retries=0)) as http:
        found = snapshot_accounts(ws, http=http, now=NOW)
    assert [(r.platform, r.error) for r in found] == [("mastodon", ""), ("bluesky", "")]
    assert found[0].snapshot and found[0].snapshot.followers == (masto.author.followers or 0)
    assert found[1].snapshot and found[1].snapshot.followers == (bsky.author.followers or 0)
    kpi = add_kpi(ws, "f", "followers", 10**6, platform="mastodon", now=NOW)
    assert kpi.baseline == (masto.author.followers or 0)
    assert measure(ws, kpi, window(NOW, 30)).value == kpi.baseline


def test_a_failed_lookup_is_reported_and_the_others_go_on(ws: Workspace, sim: Simulator) -> None:
    add_source(ws.state, "mastodon", f"tag:lumio@{sim.url('mastodon', '')}")
    set_channel(ws.state, "mastodon", handle="no_such_account_here")
    with HttpClient(HttpSettings(allow_private_networks=True, max_retries=0)) as http:
        (r,) = snapshot_accounts(ws, http=http, now=NOW)
    assert r.snapshot is None and r.error


def test_targets_follow_the_baseline() -> None:
    assert suggest_target("mentions", None, 0.25, 20) == 20
    assert suggest_target("mentions", 100, 0.25, 20) == 125
    assert suggest_target("mentions", 4, 0.25, 20) == 20
    assert suggest_target("first_response", 300, 0.5, 120) == 120
    assert suggest_target("first_response", 100, 0.5, 120) == 50


def test_guided_start_in_french(ws: Workspace) -> None:
    result = start_plan(
        ws,
        StartAnswers(
            organization="Lumio",
            lang="fr",
            kind="awareness",
            owner="mia",
            topic="lumio",
            competitors=["vexa"],
            channels=["mastodon"],
            handle="lumio_hq",
        ),
        now=NOW,
    )
    assert result.objective == "Notoriété"
    (obj,) = ws.state.plan_objectives()
    assert obj.description == "Être connu et cité dans notre domaine."
    assert obj.deadline == (NOW + timedelta(days=182)).date()
    kpis = {k.kind: k for k in ws.state.plan_kpis()}
    # Awareness: mentions grown by a quarter from the measured 6, never below 20.
    assert kpis["mentions"].baseline == 6 and kpis["mentions"].target == 20
    assert kpis["share_of_voice"].baseline == 75.0 and kpis["share_of_voice"].target == 82.5
    (channel,) = ws.state.plan_channels()
    assert (channel.posts_per_week, channel.tone, channel.languages) == (
        4,
        "amical, curieux",
        ("fr",),
    )
    assert {(p.username, p.role) for p in ws.state.plan_people()} == {
        ("mia", "spokesperson"),
        ("mia", "channel_owner"),
    }


def test_init_without_questions_creates_the_topic(ws: Workspace) -> None:
    result = CliRunner().invoke(
        build_app(),
        [
            "plan",
            "init",
            "--yes",
            "--organization",
            "Orbita",
            "--type",
            "fundraising",
            "--query",
            "orbita",
            "--channels",
            "bluesky",
            "-w",
            str(ws.root),
        ],
    )
    assert result.exit_code == 0, result.output
    assert any(t.name == "orbita" for t in ws.state.topics())
    assert ws.state.plan_channels()[0].posts_per_week == 3


def test_init_asks_in_french(ws: Workspace) -> None:
    answers = "Lumio\nmarketing\n\n\nmia\nlumio\nlumio\n\nmastodon\n\n\n\n"
    result = CliRunner().invoke(
        build_app(), ["plan", "init", "--lang", "fr", "-w", str(ws.root)], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "Qu’attendez-vous des réseaux sociaux" in result.output
    assert ws.state.plan_objectives()[0].kind == "marketing"
    # French typography: a narrow no-break space before : ; ? ! (never a
    # plain one, which lets a narrow terminal start a line with the colon).
    assert "1. Objectifs\u202f: le nom" in result.output
    assert "Qu’attendez-vous des réseaux sociaux\u202f?" in result.output
    assert "Plan commencé\u202f: objectif" in result.output
    assert not re.search(r" [:;?!]", result.output), result.output


def test_init_proposes_no_organization_of_its_own(ws: Workspace) -> None:
    """Enter at the first question took "Lumio", the demo's fictional
    provider, as the organization of a user's own plan: nothing is proposed
    now, and an empty answer asks again."""
    answers = "\nAcme\nmarketing\n\n\nmia\nacme\nacme\n\nmastodon\n\n\n\n"
    result = CliRunner().invoke(
        build_app(), ["plan", "init", "--language", "en", "-w", str(ws.root)], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "Lumio" not in result.output, result.output
    assert result.output.count("1. Objectives: the organization's name") == 2, result.output
    assert ws.state.plan_settings()["organization"] == "Acme"


def test_daily_snapshot_once_a_day(ws: Workspace, sim: Simulator) -> None:
    from veille.plan.accounts import daily_snapshot

    masto = next(
        p for p in sim.world.by_platform["mastodon"] if p.published_at < END - timedelta(hours=2)
    )
    add_source(ws.state, "mastodon", f"tag:lumio@{sim.url('mastodon', '')}")
    set_channel(ws.state, "mastodon", handle=masto.author.handle)
    with HttpClient(HttpSettings(allow_private_networks=True, max_retries=0)) as http:
        first = daily_snapshot(ws, http=http, now=NOW)
        again = daily_snapshot(ws, http=http, now=NOW + timedelta(hours=3))
        tomorrow = daily_snapshot(ws, http=http, now=NOW + timedelta(days=1))
    assert first and first[0].snapshot and again is None and tomorrow
    days = [s.day for s in ws.state.account_snapshots("mastodon", masto.author.handle)]
    assert days == [NOW.date(), (NOW + timedelta(days=1)).date()]


MONTREAL = ZoneInfo("America/Montreal")
#: 31 December 2026, 21:00 in Montréal: already 1 January 2027 (02:00) in UTC.
NEW_YEARS_EVE = datetime(2026, 12, 31, 21, 0, tzinfo=MONTREAL)


def _montreal(folder: Path, state_kind: str) -> Workspace:
    """A workspace of an organization in Montréal, its state kept by ``state_kind``."""
    root = init_state_workspace(folder, state_kind)
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    assert '# timezone = "UTC"' in text, "the [workspace] template changed"
    text = text.replace('# timezone = "UTC"', 'timezone = "America/Montreal"')
    config.write_text(text, encoding="utf-8")
    return Workspace.open(root)


def test_a_plan_started_on_a_local_evening_is_due_from_that_day(
    tmp_path: Path, state_kind: str
) -> None:
    """Started at 21:00 on 31 December in Montréal, the objective's default
    deadline was counted from 1 January (the UTC date): a day late."""
    ws = _montreal(tmp_path / "ws", state_kind)
    try:
        start_plan(
            ws,
            StartAnswers(organization="Lumio", kind="awareness", topic="lumio"),
            now=NEW_YEARS_EVE,
        )
        (obj,) = ws.state.plan_objectives()
        assert obj.deadline == date(2026, 12, 31) + timedelta(days=182)
    finally:
        ws.close()


def test_follower_snapshots_are_dated_by_the_local_day(
    tmp_path: Path, state_kind: str, sim: Simulator
) -> None:
    """Montréal: ``veille run`` took the day's follower snapshot at the
    first pass after UTC midnight (19:00 or 20:00 local), dated it the next
    day, and took none after local midnight; the followers KPI's history
    read one day ahead of the organization's calendar."""
    from veille.plan.accounts import daily_snapshot
    from veille.plan.status import report

    masto = next(
        p for p in sim.world.by_platform["mastodon"] if p.published_at < END - timedelta(hours=2)
    )
    ws = _montreal(tmp_path / "ws", state_kind)
    try:
        add_source(ws.state, "mastodon", f"tag:lumio@{sim.url('mastodon', '')}")
        set_channel(ws.state, "mastodon", handle=masto.author.handle)
        with HttpClient(HttpSettings(allow_private_networks=True, max_retries=0)) as http:
            evening = daily_snapshot(ws, http=http, now=NEW_YEARS_EVE)
            late = daily_snapshot(ws, http=http, now=NEW_YEARS_EVE + timedelta(hours=2, minutes=30))
            new_year = daily_snapshot(
                ws, http=http, now=NEW_YEARS_EVE + timedelta(hours=3, minutes=30)
            )
        assert evening and late is None and new_year
        days = [s.day for s in ws.state.account_snapshots("mastodon", masto.author.handle)]
        assert days == [date(2026, 12, 31), date(2027, 1, 1)]
        kpi = add_kpi(ws, "f", "followers", 10**6, platform="mastodon", now=NEW_YEARS_EVE)
        # Before midnight, the evening's snapshot is today's: measured, dated 31 December.
        assert kpi.baseline == (masto.author.followers or 0)
        r = report(ws, kpi, now=NEW_YEARS_EVE + timedelta(hours=3, minutes=45))
        assert [day for day, _ in r.history] == [date(2026, 12, 31), date(2027, 1, 1)]
    finally:
        ws.close()
