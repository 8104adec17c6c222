"""Response times and backlog, per person, team, platform and week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from veille.config import InboxSettings, Settings
from veille.inbox import metrics
from veille.inbox.model import ItemChange, ItemFilter
from veille.workspace import Workspace

from .conftest import post

ALWAYS = Settings(
    inbox=InboxSettings(
        working_hours="00:00-24:00",
        working_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        first_response_targets=("urgent=1h", "high=4h", "normal=1d", "low=3d"),
    )
)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp())


def test_first_response_resolution_and_backlog(inbox_ws: Workspace) -> None:
    st = inbox_ws.state
    # Items entered at T0 (as ingest enters them, dated), answered after 30
    # and 90 minutes; one waits.
    platforms = ["mastodon", "mastodon", "bluesky"]
    posts = [post(str(i), f"lumio {i}", platform=p) for i, p in enumerate(platforms)]
    with st.transaction() as tx:
        tx.enter_inbox([(p, ["lumio"]) for p in posts], _at(0))
    ids = sorted(i.id for i in st.inbox_items(ItemFilter()))
    st.set_inbox_team("care", ["alice"])
    st.change_inbox_item(
        ids[0],
        ItemChange(
            {
                "assignee": "alice",
                "first_response_at": _at(30),
                "closed_at": _at(60),
                "status": "closed",
            }
        ),
        version=None,
        at=_at(60),
    )
    st.change_inbox_item(
        ids[1],
        ItemChange({"assignee": "bob", "first_response_at": _at(90), "priority": "urgent"}),
        version=None,
        at=_at(90),
    )
    since, until = T0 - timedelta(hours=1), T0 + timedelta(days=1)
    first = metrics.first_response_times(st, since, until, settings=ALWAYS)
    assert (first.items, first.answered, first.waiting) == (3, 2, 1)
    assert first.median_seconds == 60 * 60  # median of 30 and 90 minutes
    assert first.within_target == 0.5  # the urgent one took 90 min for a 1 h target
    resolved = metrics.resolution_times(st, since, until, settings=ALWAYS)
    assert resolved.answered == 1 and resolved.median_seconds == 3600
    backlog = metrics.backlog(st, T0 + timedelta(hours=2), settings=ALWAYS)
    assert backlog.total == 2 and backlog.by_priority == {"urgent": 1, "normal": 1}
    assert metrics.backlog(st, T0 + timedelta(minutes=45), settings=ALWAYS).total == 3
    by_person = {
        r["person"]: r for r in metrics.breakdown(st, since, until, by="person", settings=ALWAYS)
    }
    assert by_person["alice"]["first_response"]["median_seconds"] == 1800
    assert by_person["(unassigned)"]["first_response"]["waiting"] == 1
    by_team = {r["team"] for r in metrics.breakdown(st, since, until, by="team", settings=ALWAYS)}
    assert by_team == {"care", "(no team)"}
    by_platform = {
        r["platform"]: r["items"]
        for r in metrics.breakdown(st, since, until, by="platform", settings=ALWAYS)
    }
    assert by_platform == {"mastodon": 2, "bluesky": 1}
    weeks = [r["week"] for r in metrics.breakdown(st, since, until, by="week", settings=ALWAYS)]
    assert weeks == ["2026-W45"]
