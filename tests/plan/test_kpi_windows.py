"""Each window of a KPI's history counts what happened in that window.

Posts spread over four 30-day windows before ``NOW`` (the first post 100
days back, inside the fourth window): every KPI kind's history is checked
window by window against figures known by construction, on SQLite and on
chDB. "Influencers engaged" counted an influencer in the window of the
organization's *last* reply or mention only, so a window where it engaged
someone it engaged again later read too little (0 here).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import posts_workspace
from tests.made import copy_workspace
from veille.analytics.influencers import engaged_with
from veille.analytics.scope import Period
from veille.models import Author, Engagement, Post, Sentiment
from veille.plan import kpi_measures
from veille.plan.channels import set_channel
from veille.plan.kpis import add_kpi
from veille.plan.status import report
from veille.publish import add_account
from veille.query.topics import add_topic
from veille.workspace import Workspace

from .conftest import NOW

#: The windows' ends, oldest first (the history's last four points).
ENDS = [(NOW - timedelta(days=30 * k)).date() for k in (3, 2, 1, 0)]


def at(days: float, n: int, text: str, handle: str, **fields: Any) -> Post:
    likes, shares, replies = fields.pop("counts", (0, 0, 0))
    sentiment = fields.pop("sentiment", None)
    return Post.create(
        platform=fields.pop("platform", "mastodon"),
        native_id=str(n),
        text=text,
        published_at=NOW - timedelta(days=days),
        author=Author(handle=handle, followers=1000),
        engagement=Engagement(likes=likes, shares=shares, replies=replies),
        sentiment=Sentiment(sentiment, 0.5, 0.9) if sentiment else None,
        **fields,
    )


def ours(days: float, n: int, **fields: Any) -> Post:
    return at(days, n, f"news {n}", "lumio_hq", **fields)


def windows_world() -> list[Post]:
    """Window by window (days back from ``NOW``; w3 is 90-120, of which veille
    holds the last 10 days):

    ===  =====  ====  ===========  ====  ============  ===========
    win  lumio  vexa  sentiment    ours  engagement    we engaged
    ===  =====  ====  ===========  ====  ============  ===========
    w3   3      1     +1 -0 =1     2     3             carol, dave
    w2   3      3     +0 -1 =0     3     5 + 2 replies carol, erin
    w1   3      0     +2 -0 =0     1     4             dave
    w0   3      1     +1 -1 =1     1     0             carol
    ===  =====  ====  ===========  ====  ============  ===========
    """
    posts: list[Post] = []
    n = 0

    def lumio(days: float, handle: str, sentiment: str | None = None) -> None:
        nonlocal n
        n += 1
        posts.append(at(days, n, f"lumio {n}", handle, sentiment=sentiment))

    # Each window: carol, dave and erin speak of lumio (the topic's authors).
    for base, feelings in (
        (90, ("positive", "neutral", None)),
        (60, ("negative", None, None)),
        (30, ("positive", "positive", None)),
        (0, ("positive", "negative", "neutral")),
    ):
        for i, (handle, feeling) in enumerate(
            zip(("carol", "dave", "erin"), feelings, strict=True)
        ):
            lumio(base + 2 + i, handle, feeling)
    for k, days in enumerate((95, 62, 64, 66, 10)):
        posts.append(at(days, 100 + k, "vexa promo", "frank"))
    reply_to = next(p for p in posts if p.author.handle == "dave" and p.text == "lumio 8")
    quiet = ours(70, 206)  # no count at all: its collected replies are counted
    posts += [
        # w3: we mention carol and dave.
        ours(98, 200, mentions=("carol",), counts=(1, 0, 0)),
        ours(97, 201, mentions=("dave",), counts=(1, 1, 0)),
        # w2: we mention carol and erin, and a post of ours has no counts.
        ours(75, 202, mentions=("carol",), counts=(2, 0, 0)),
        ours(72, 203, mentions=("@Erin",), counts=(3, 0, 0)),
        quiet,
        at(69, 300, "reply one", "gus", parent_id=quiet.id),
        at(68, 301, "reply two", "hal", parent_id=quiet.id),
        # w1: we reply to dave.
        ours(31, 204, parent_id=reply_to.id, counts=(4, 0, 0)),
        # w0: we mention carol.
        ours(5, 205, mentions=("carol",)),
    ]
    return posts


@pytest.fixture(scope="module", params=["sqlite", "chdb"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The windows' workspace, made once a module for each store."""
    root = posts_workspace(request.param, tmp_path_factory.mktemp("windows") / "ws")
    with Workspace.open(root) as w:
        w.store.upsert_posts(windows_world())
        add_topic(w.store, "lumio", "lumio")
        add_topic(w.store, "vexa", "vexa")
        set_channel(w.state, "mastodon", handle="@lumio_hq", posts_per_week=3)
    return root


@pytest.fixture
def ws(made: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of :func:`made` of its own: tests add KPIs, posts and accounts."""
    with Workspace.open(copy_workspace(made, tmp_path / "ws")) as w:
        yield w


EXPECTED: list[tuple[str, dict[str, Any], list[float]]] = [
    ("mentions", {"topic": "lumio"}, [3, 3, 3, 3]),
    ("share_of_voice", {"topic": "lumio", "compare": ["vexa"]}, [75, 50, 100, 75]),
    ("net_sentiment", {"topic": "lumio"}, [50, -100, 100, 0]),
    ("influencers_engaged", {"topic": "lumio"}, [2, 2, 1, 1]),
    ("engagement", {"platform": "mastodon"}, [3, 7, 4, 0]),
    ("posts_published", {"platform": "mastodon"}, [2, 3, 1, 1]),
]


@pytest.mark.parametrize(("kind", "args", "figures"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_window_of_a_kpi_history_counts_that_window(
    ws: Workspace, kind: str, args: dict[str, Any], figures: list[float]
) -> None:
    kpi = add_kpi(ws, kind, kind, 50, now=NOW, **args)  # a target every kind can take
    got = report(ws, kpi, now=NOW)
    # The four windows before the first post are not measurable: left out,
    # not drawn as 0.
    assert got.history == list(zip(ENDS, map(float, figures), strict=True))
    assert got.value == figures[-1] and kpi.baseline == figures[-1]


def test_the_organization_engaged_whom_in_each_window(ws: Workspace) -> None:
    def engaged(k: int) -> set[str]:
        end = NOW - timedelta(days=30 * k)
        return set(engaged_with(ws.store, ["lumio_hq"], Period(end - timedelta(days=30), end)))

    assert [engaged(k) for k in (3, 2, 1, 0)] == [
        {"carol", "dave"},
        {"carol", "erin"},
        {"dave"},
        {"carol"},
    ]
    # Over all time, as influencers' "already engaged" reads it.
    assert set(engaged_with(ws.store, ["lumio_hq"])) == {"carol", "dave", "erin"}


def test_a_baseline_set_in_an_earlier_window_is_that_window_s_figure(ws: Workspace) -> None:
    then = NOW - timedelta(days=60)
    kpi = add_kpi(ws, "reach", "influencers_engaged", 5, topic="lumio", now=then)
    assert kpi.baseline == 2  # carol and erin, engaged in w2


def test_replies_count_under_a_quiet_post_among_many_counted_ones(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our posts without counts are those looked at for collected replies:
    among the newest of all our posts, a busy month's quiet one (older than
    the first :data:`OWN_POSTS_CONSIDERED`) lost its replies."""
    monkeypatch.setattr(kpi_measures, "OWN_POSTS_CONSIDERED", 2)
    quiet = ours(20, 400)
    ws.store.upsert_posts(
        [
            quiet,
            *(at(19 - k, 410 + k, f"reply {k}", "gus", parent_id=quiet.id) for k in range(3)),
            *(ours(9 - k, 420 + k, counts=(1, 0, 0)) for k in range(3)),
        ]
    )
    kpi = add_kpi(ws, "eng", "engagement", 1000, platform="mastodon", now=NOW)
    assert kpi.baseline == 3 + 3  # the three likes, the three replies
    got = report(ws, kpi, now=NOW)
    assert got.history == list(zip(ENDS, [3.0, 7.0, 4.0, 6.0], strict=True))


def test_posts_published_before_the_calendar_was_used_are_the_collected_ones(
    ws: Workspace,
) -> None:
    """The content calendar counts our posts from its first post on the
    platform; the windows before it count the collected posts (they read 0,
    and so did the windows before veille held any post)."""
    from veille.store.protocols.calendar import CalendarEntry

    def entry(days: float, published: float | None) -> CalendarEntry:
        when = NOW - timedelta(days=days)
        return CalendarEntry(
            id=0, account="main", platform="mastodon", text="hi", scheduled_at=when,
            status="published" if published is not None else "scheduled", created_by="mia",
            created_at=when, updated_at=when,
            published_at=None if published is None else NOW - timedelta(days=published),
        )  # fmt: skip

    # A calendar post is stored for an account that exists.
    add_account(ws.state, "main", "mastodon", "https://mastodon.example", secret="t")
    for created, published in ((45, 40), (10, 3), (9, 2), (1, None)):
        ws.state.add_calendar_entry(entry(created, published))
    kpi = add_kpi(ws, "pub", "posts_published", 10, platform="mastodon", now=NOW)
    got = report(ws, kpi, now=NOW)
    # Collected in w3 and w2 (2, 3); the calendar's in w1 and w0 (1, 2).
    assert got.history == list(zip(ENDS, [2.0, 3.0, 1.0, 2.0], strict=True))
    assert got.value == kpi.baseline == 2


def test_a_first_point_that_counts_part_of_its_window_says_so(ws: Workspace) -> None:
    """The oldest window drawn is the one the posts begin in: veille holds
    its last 8 days (from 98 days back) only, which the chart drew beside
    whole months without a word."""
    kpi = add_kpi(ws, "volume", "mentions", 1000, topic="lumio", now=NOW)
    got = report(ws, kpi, now=NOW)
    assert got.first_days == 8
    assert got.history_note("en") == (
        "The point of December 31, 2025 counts only 8 of its 30 days: veille holds no earlier post."
    )
    assert got.history_note("fr") == (
        "Le point du 31 décembre 2025 ne compte que 8 de ses 30 jours\u202f: veille ne détient "
        "aucune publication antérieure."
    )
    points: Any = got.as_dict()["history"]
    assert points[0] == {"date": "2025-12-31", "value": 3.0, "days": 8}
    assert "days" not in points[1]
    # A ratio is no count: its first point is its share, whatever it covers.
    sov = add_kpi(ws, "sov", "share_of_voice", 50, topic="lumio", compare="vexa", now=NOW)
    assert report(ws, sov, now=NOW).history_note("en") == ""
