"""A followers KPI over two of our accounts on one platform, over both state
stores (SQLite, and PostgreSQL as a split deployment keeps the state)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import init_state_workspace
from veille.cli import build_app
from veille.config import CONFIG_NAME
from veille.plan.kpis import add_kpi
from veille.store.protocols.plan import AccountSnapshot
from veille.workspace import Workspace


@pytest.fixture
def two_accounts(tmp_path: Path, state_kind: str) -> Iterator[Path]:
    """A workspace whose organization has two Mastodon accounts (veille.toml)."""
    root = init_state_workspace(tmp_path / "ws", state_kind)
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert "# handles = []" in text, "the [organization] template changed"
    handles = 'handles = ["mastodon:lumio_hq", "mastodon:lumio_fr"]'
    config.write_text(text.replace("# handles = []", handles), encoding="utf-8")
    yield root


def test_a_followers_kpi_over_two_of_our_accounts_is_their_sum_day_by_day(
    two_accounts: Path,
) -> None:
    """With two of our accounts on Mastodon, the followers KPI read one
    account's latest snapshot (whichever the plan listed first that day),
    and its history ran through one account's days and then the other's:
    the chart zigzagged between 1,000 and 200. Now each day is the two
    accounts' sum, from the day both have a snapshot; the days the other
    account took none count its latest."""
    with Workspace.open(two_accounts) as ws:
        shots = [
            ("lumio_hq", date(2026, 3, 1), 1000),
            ("lumio_hq", date(2026, 3, 2), 1010),
            ("lumio_fr", date(2026, 3, 2), 200),
            ("lumio_hq", date(2026, 3, 3), 1020),
            ("lumio_fr", date(2026, 3, 4), 210),
        ]
        for handle, day, n in shots:
            ws.state.save_account_snapshot(AccountSnapshot("mastodon", handle, day, n))
        kpi = add_kpi(
            ws, "audience", "followers", 2000, platform="mastodon",
            now=datetime(2026, 3, 4, 12, tzinfo=UTC),
        )  # fmt: skip
        assert kpi.baseline == 1230
    result = CliRunner().invoke(
        build_app(), ["plan", "kpis", "--format", "json", "--history", "-w", str(two_accounts)]
    )
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.output)
    assert found["value"] == 1230
    points = [(p["date"], p["value"]) for p in found["history"]]
    assert points == [
        ("2026-03-02", 1210.0), ("2026-03-03", 1220.0), ("2026-03-04", 1230.0)
    ]  # fmt: skip
