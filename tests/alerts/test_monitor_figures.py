"""The figures an alert's reader reads, as delivered, in English and French.

A spike said its usual as a bare figure, trimmed in French where English
kept its decimal ("7.0× the usual 6.0" beside « 7,0× les 6 habituelles »),
and « les 1 habituelles » under 2 posts an hour; a silence said "where 4.0
is usual", never 4.0 of what; a chat message said the posts it left out as
"… 1002 more" (« … 1002 de plus »), unwritten as a number of its language.
Each says a number of posts now, as the reader's language writes it, its
noun agreeing with the figure as written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.alerts.conftest import Receiver, make_post
from tests.alerts.test_half_hour_zones import _engine
from tests.alerts.test_monitors_retention import _workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.models import Post
from veille.pipeline import build_pipeline
from veille.workspace import Workspace

NNBSP = "\u202f"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    opened = _workspace(tmp_path / "ws", "sqlite", 365)
    yield opened
    opened.close()


@pytest.fixture
def hour() -> datetime:
    """The start of the last whole UTC hour."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def _events(ws: Workspace, receiver: Receiver, now: datetime) -> list[dict[str, object]]:
    engine = _engine(ws)
    try:
        assert check_monitors(engine, now=now.timestamp()) == 1
        engine.dispatch(now=now.timestamp() + 60)
    finally:
        engine.close()
    return [r["json"]["event"] for r in receiver.requests]


def test_a_spike_says_its_usual_as_posts_an_hour(
    ws: Workspace, receiver: Receiver, hour: datetime
) -> None:
    AlertBook(ws.state).add(
        Alert(name="burst", kind="spike", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    posts: list[Post] = []
    for week in range(1, 9):  # 1, 2, 1, 2 … posts in that hour: 1.5 on average
        for i in range(2 if week % 2 == 0 else 1):
            at = hour - timedelta(weeks=week, minutes=-5 - 8 * i)
            posts.append(make_post(len(posts), "Lumio as usual", published_at=at))
    for i in range(21):
        at = hour + timedelta(minutes=1 + 2 * i)
        posts.append(make_post(len(posts), "Lumio battery fire", published_at=at))
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    (event,) = _events(ws, receiver, hour + timedelta(hours=1, minutes=5))
    summary = event["summary"]
    assert isinstance(summary, dict)
    assert "14.0× the usual for this hour of the week, 1.5 posts an hour (" in summary["en"]
    assert (
        "14,0× la moyenne habituelle à cette heure de la semaine, 1,5 publication par heure ("
        in summary["fr"]
    ), summary["fr"]
    assert "habituelles" not in summary["fr"]


def test_a_silence_says_what_is_usual(ws: Workspace, receiver: Receiver, hour: datetime) -> None:
    AlertBook(ws.state).add(
        Alert(name="quiet", kind="silence", query="lumio", params={"silent_hours": 6},
              channel_url=f"webhook+{receiver.url}")
    )  # fmt: skip
    top = hour + timedelta(hours=1)
    posts = [  # one post in those 6 hours of each of the 4 weeks before
        make_post(week, "Lumio as usual", published_at=top - timedelta(weeks=week, hours=3))
        for week in range(1, 5)
    ]
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    (event,) = _events(ws, receiver, top + timedelta(minutes=5))
    summary = event["summary"]
    assert isinstance(summary, dict)
    assert summary["en"] == (
        "Silence on “lumio”: no post for 6 h, where the same hours of past weeks had "
        "1.0 posts on average."
    )
    assert summary["fr"] == (
        f"Silence sur «{NNBSP}lumio{NNBSP}»{NNBSP}: aucune publication depuis 6 h, contre "
        "1,0 publication en moyenne aux mêmes heures les semaines précédentes."
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "… and 1,002 more results, not shown here"),
     ("fr", f"… et 1{NNBSP}002 autres résultats, non affichés ici")],
)  # fmt: skip
def test_a_chat_message_says_the_posts_it_leaves_out_as_a_number(
    ws: Workspace, receiver: Receiver, lang: str, said: str
) -> None:
    url = receiver.url.replace("http://", "json://")
    AlertBook(ws.state).add(Alert(name="chat", query="vexa", channel_url=url, language=lang))
    build_pipeline(ws, skip=("enrich",)).ingest(
        [make_post(n, f"Vexa outage {n}") for n in range(1012)]
    )
    message = receiver.requests[0]["json"]["message"]
    assert said in message.splitlines(), message[-400:]
