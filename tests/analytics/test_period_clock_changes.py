"""A period FROM..TO given as date-times without an offset, on the nights
the clocks change: ``veille volume --period 2026-10-25T02:30..2026-10-25T04:00``
in a Paris workspace counted from the first 02:30 without a word; it is
refused naming the period, both readings and how to say which, as the
calendar and ``--since`` do. Dates, and date-times with an offset, read as
before."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from veille.cli import build_app
from veille.workspace import init_workspace


def test_a_period_bound_the_clock_shows_twice_or_never_is_refused(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text('[workspace]\ntimezone = "Europe/Paris"\n', encoding="utf-8")
    runner, app, w = CliRunner(), build_app(), ["-w", str(root)]
    twice = runner.invoke(app, ["volume", "--period", "2026-10-25T02:30..2026-10-25T04:00", *w])
    assert twice.exit_code == 2, twice.output
    flat = " ".join(twice.output.split())
    assert (
        "period '2026-10-25T02:30..2026-10-25T04:00': 2026-10-25 02:30 happens twice in "
        "Europe/Paris: that night the clocks go back from 03:00 to 02:00" in flat
    ), twice.output
    assert "write 2026-10-25 02:30+02:00 or 2026-10-25 02:30+01:00" in flat, twice.output
    never = runner.invoke(app, ["volume", "--period", "2026-03-29T00:00..2026-03-29T02:30", *w])
    assert never.exit_code == 2, never.output
    assert "clocks go forward from 02:00 to 03:00" in " ".join(never.output.split())
    for fine in ("2026-10-24..2026-10-25", "2026-10-25T02:30+01:00..2026-10-25T04:00"):
        r = runner.invoke(app, ["volume", "--period", fine, *w])
        assert r.exit_code == 0, (fine, r.output)
