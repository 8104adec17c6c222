"""A period beside a period before of another length (calendar months): the
rows pair days by their offset from each start, what the longer period before
has past the end is said, and the printed figures add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.analytics.conftest import TZ, local, make_post
from veille.analytics.scope import Period, Scope, parse_period
from veille.analytics.volume import volume
from veille.cli import build_app
from veille.store.sqlite import SQLiteStore
from veille.workspace import Workspace, init_workspace

POSTS = [
    make_post("o1", "2026-10-01T10:00"),
    make_post("o30", "2026-10-30T10:00"),
    make_post("o31a", "2026-10-31T10:00"),
    make_post("o31b", "2026-10-31T23:30"),
    make_post("n1", "2026-11-01T10:00"),
    make_post("n30", "2026-11-30T10:00"),
    make_post("f28", "2026-02-28T10:00"),
    make_post("m31", "2026-03-31T10:00"),
    # veille listened to the whole of February: its days without a post are 0.
    make_post("j15", "2026-01-15T10:00"),
]


def _month(month: str) -> Period:
    """``month`` as ``last-month`` reads it on the 5th of the month after."""
    year, m = (int(x) for x in month.split("-"))
    now = f"{year + (m == 12)}-{m % 12 + 1:02d}-05T12:00"
    return parse_period("last-month", timezone=TZ, now=local(now))


def test_a_longer_month_before_is_counted_and_said(tmp_path: Path) -> None:
    store = SQLiteStore.open(tmp_path / "a.db")
    store.upsert_posts(POSTS)
    try:
        vol = volume(store, Scope(), _month("2026-11"), interval="day", timezone=TZ)
        assert len(vol.points) == 30
        assert vol.previous_total == 4
        # 1 November beside 1 October, 30 November beside 30 October.
        assert (vol.points[0].previous_start.day, vol.points[0].previous) == (1, 1)  # type: ignore[union-attr]
        assert (vol.points[-1].previous_start.day, vol.points[-1].previous) == (30, 1)  # type: ignore[union-attr]
        assert [(b.start.day, b.posts) for b in vol.previous_extra] == [(31, 2)]
        paired = sum(p.previous for p in vol.points)
        assert paired + sum(b.posts for b in vol.previous_extra) == vol.previous_total

        # March against February: 29 to 31 March have nothing beside them.
        march = volume(store, Scope(), _month("2026-03"), interval="day", timezone=TZ)
        assert len(march.points) == 31 and not march.previous_extra
        assert [p.start.day for p in march.points if p.previous_start is None] == [29, 30, 31]
        assert march.points[27].previous == 1  # 28 March beside 28 February
        assert sum(p.previous for p in march.points) == march.previous_total == 1
    finally:
        store.close()


def _run(*args: str) -> str:
    result = CliRunner().invoke(build_app(), list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_volume_command_adds_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(POSTS)
    import veille.cli.analytics as cli_analytics

    # last-month in December: November beside October, one day longer.
    monkeypatch.setattr(cli_analytics, "_period", lambda ws, text: _month("2026-11"))
    nov = ("volume", "-w", str(root), "--period", "last-month")
    data = json.loads(_run(*nov, "--format", "json"))["volume"]
    extra = data["previous_extra"]
    assert [(b["start"][:10], b["posts"]) for b in extra] == [("2026-10-31", 2)]
    assert sum(p["previous"] for p in data["points"]) + 2 == data["previous_total"] == 4

    out = " ".join(_run(*nov).split())
    # The month said as `veille influencers` and the pages say days (ISO until 2026-12-07).
    assert "2 posts in Nov 1 – 30, 2026; 4 the period before" in out, out  # spaces joined
    assert "its total includes 2 posts beside no row (2026-10-31: 2)" in out

    # March beside February, shorter: 29 to 31 March are blank, not 0.
    monkeypatch.setattr(cli_analytics, "_period", lambda ws, text: _month("2026-03"))
    out = _run("volume", "-w", str(root), "--period", "last-month")
    rows = [line for line in out.splitlines() if "2026-03-" in line and "│" in line]
    cells = {r.split("│")[1].strip(): r.split("│")[3].strip() for r in rows}
    assert cells["2026-03-28"] == "1" and cells["2026-03-27"] == "0"
    assert cells["2026-03-29"] == cells["2026-03-31"] == ""
    assert "nothing of it is beside 2026-03-29 to 2026-03-31" in " ".join(out.split())
