"""The channel plan says where the audience is: each chosen channel's share
of the conversation on the plan's topics, in the plan document (EN and FR)
and on /plan over real HTTP, against a recount of the posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import add_role_users, do_login, serve
from veille.analytics import volume
from veille.models import Author, Post
from veille.plan.channels import set_channel
from veille.plan.document import plan_markdown
from veille.plan.objectives import add_objective
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace

from .conftest import NOW


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...], int | None]]:
    """The grouped reads of posts made from now on: each one's dimensions
    and the days of its period."""
    real, reads = volume.grouped, []

    def counted(store: Any, scope: Any, dims: tuple[str, ...] = (), **kw: Any) -> Any:
        f = scope.flt
        days = (f.until - f.since).days if f.since and f.until else None
        reads.append((dims, days))
        return real(store, scope, dims, **kw)

    monkeypatch.setattr(volume, "grouped", counted)
    return reads


def heard_workspace(tmp_path: Path, *, posts: int, topics: tuple[str, ...] = ("lumio",)) -> Path:
    """A workspace with the role users and ``posts`` posts by ana, one a day
    back from yesterday: the first three on mastodon, the others on reddit;
    the first four say lumio, the others vexa. Its ``topics`` are saved; the
    plan's objective (reach, on lumio) has the one channel mastodon."""
    now = datetime.now(UTC)
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            Post.create(
                platform="mastodon" if n < 3 else "reddit",
                native_id=str(n),
                text="lumio" if n < 4 else "vexa",
                published_at=now - timedelta(days=n + 1),
                author=Author(handle="ana"),
            )
            for n in range(posts)
        )
        for topic in topics:
            add_topic(ws.store, topic, topic)
        add_objective(ws.state, "reach", "awareness", topics="lumio")
        set_channel(ws.state, "mastodon", objectives="reach", posts_per_week=2)
    return root


def test_the_document_says_where_the_audience_is(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_reads(monkeypatch)
    add_objective(ws.state, "care", "customer_service", topics="lumio")
    set_channel(ws.state, "mastodon", objectives="care", posts_per_week=3)
    set_channel(ws.state, "bluesky", objectives="care", posts_per_week=1)
    # The recount (conftest): of the 6 lumio posts of the last 30 days, 4 are
    # on mastodon and 2 on bluesky.
    text = plan_markdown(ws, "en", now=NOW)
    assert (
        "- Where the audience is: 67% of the conversation on the plan's topics "
        "(4 posts in 30 days)" in text
    )
    assert "33% of the conversation on the plan's topics (2 posts in 30 days)" in text
    # The posts by platform over the listening's 30 days read once for the
    # channels and the recommendations.
    assert reads.count((("platform",), 30)) == 1
    text = plan_markdown(ws, "fr", now=NOW)
    assert (
        "- Où est le public\u202f: 67\u202f% de la conversation sur les sujets du plan "
        "(4 publications en 30 jours)" in text
    )


def test_the_plan_page_says_where_the_audience_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = heard_workspace(tmp_path, posts=4)
    # The posts by platform over the 30 days, read once for the channels'
    # shares and the recommendations (at 1M posts, half a second a read).
    reads = count_reads(monkeypatch)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            do_login(client, "viewer")
            page = client.get("/plan").text
    finally:
        server.stop()
    assert "Share of the conversation (posts in 30 days)" in page
    row = page.split('<th scope="row">Mastodon</th>')[1].split("</tr>")[0]
    assert "75% (3)" in row  # 3 of the 4 lumio posts are on mastodon
    assert "topics is on Reddit (1 post in 30 days)" in page  # a recommendation
    assert reads.count((("platform",), 30)) == 1


def test_the_plan_page_keeps_its_reads_of_posts_but_shows_plan_changes_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the plan reads from the posts is kept a minute for every viewer
    (as the influencers' reads are); a channel chosen, a topic added to the
    plan or a post collected for a new topic show at the next visit."""
    root = heard_workspace(tmp_path, posts=6, topics=("lumio", "vexa"))
    reads = count_reads(monkeypatch)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            do_login(client, "viewer")
            first = client.get("/plan").text
            assert "topics is on Reddit (1 post in 30 days)" in first
            read = len(reads)
            with Workspace.open(root) as ws:
                set_channel(ws.state, "reddit", objectives="reach", posts_per_week=1)
            second = client.get("/plan").text
            assert len(reads) == read  # the posts were not read again
            # The channel shows at once, with its share of what was heard,
            # and the recommendation to open it is gone.
            row = second.split('<th scope="row">Reddit</th>')[1].split("</tr>")[0]
            assert "25% (1)" in row
            assert "topics is on Reddit" not in second
            # A topic added to the plan: read again, at once.
            with Workspace.open(root) as ws:
                add_objective(ws.state, "rivals", "awareness", topics="vexa")
            third = client.get("/plan").text
            assert len(reads) > read
            row = third.split('<th scope="row">Reddit</th>')[1].split("</tr>")[0]
            assert "50% (3)" in row  # 1 lumio and 2 vexa posts of the 6 on reddit
    finally:
        server.stop()
