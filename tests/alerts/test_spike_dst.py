"""A spike's message names the hour it counted on the workspace's clock. On
the day the clocks go back that hour's two ends read the same (the hour
from 02:00 summer time to 02:00 winter time in Paris), and on the day they
go forward an hour reads as two (01:00–03:00): the message said "in the last
hour (2:00 AM–2:00 AM, Europe/Paris)". Each end now says its offset from
UTC where the two differ, in English and French; the webhook's
``since``/``until`` already did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.conftest import Receiver, make_post
from tests.alerts.test_half_hour_zones import _engine, _workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.pipeline import build_pipeline


@pytest.mark.parametrize(
    ("zone", "begins", "en", "fr"),
    [
        # 25 October 2026, Paris: 02:00 CEST (00:00 UTC), then 02:00 again, CET.
        (
            "Europe/Paris",
            datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
            "(2:00\u202fAM UTC+02:00–2:00\u202fAM UTC+01:00, Europe/Paris)",
            "(02:00 UTC+02:00–02:00 UTC+01:00, Europe/Paris)",
        ),
        # 8 March 2026, St. John's: 01:00 NST (04:30 UTC), then 02:00 NST is 03:00 NDT.
        (
            "America/St_Johns",
            datetime(2026, 3, 8, 4, 30, tzinfo=UTC),
            "(1:00\u202fAM UTC-03:30–3:00\u202fAM UTC-02:30, America/St_Johns)",
            "(01:00 UTC-03:30–03:00 UTC-02:30, America/St_Johns)",
        ),
    ],
)
def test_a_spike_across_a_clock_change_names_its_hour_with_each_offset(
    tmp_path: Path, receiver: Receiver, zone: str, begins: datetime, en: str, fr: str
) -> None:
    ws = _workspace(tmp_path / "ws", zone, "sqlite")
    try:
        AlertBook(ws.state).add(
            Alert(name="burst", kind="spike", query="lumio",
                  channel_url=f"webhook+{receiver.url}", params={"threshold": 3.0, "weeks": 4})
        )  # fmt: skip
        posts = [
            make_post(n, "Lumio as usual", published_at=begins - timedelta(weeks=n, minutes=-30))
            for n in range(1, 5)
        ]
        posts += [
            make_post(
                10 + i, "Lumio battery fire", published_at=begins + timedelta(minutes=3 + 7 * i)
            )
            for i in range(8)  # the hour's first 52 minutes
        ]
        build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
        engine = _engine(ws)
        ends = begins + timedelta(hours=1)
        try:
            assert check_monitors(engine, now=(ends + timedelta(minutes=5)).timestamp()) == 1
            engine.dispatch(now=(ends + timedelta(minutes=6)).timestamp())
            event = receiver.requests[0]["json"]["event"]
            assert event["count"] == 8
            assert f"8 posts in the last hour {en}" in event["summary"]["en"]
            assert f"8 publications dans la dernière heure {fr}" in event["summary"]["fr"]
            assert datetime.fromisoformat(event["since"]) == begins
            assert datetime.fromisoformat(event["until"]) == ends
        finally:
            engine.close()
    finally:
        ws.close()
