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


def test_the_document_says_where_the_audience_is(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, reads = volume.breakdown, []

    def counted(store: Any, scope: Any, period: Any, dim: str) -> Any:
        reads.append(dim)
        return real(store, scope, period, dim)

    monkeypatch.setattr(volume, "breakdown", counted)
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
    # The posts by platform read once for the channels and the recommendations.
    assert reads.count("platform") == 1
    text = plan_markdown(ws, "fr", now=NOW)
    assert (
        "- Où est le public\u202f: 67\u202f% de la conversation sur les sujets du plan "
        "(4 publications en 30 jours)" in text
    )


def test_the_plan_page_says_where_the_audience_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            Post.create(
                platform="mastodon" if n < 3 else "reddit",
                native_id=str(n),
                text="lumio",
                published_at=now - timedelta(days=n + 1),
                author=Author(handle="ana"),
            )
            for n in range(4)
        )
        add_topic(ws.store, "lumio", "lumio")
        add_objective(ws.state, "reach", "awareness", topics="lumio")
        set_channel(ws.state, "mastodon", objectives="reach", posts_per_week=2)
    # The posts by platform over the 30 days, read once for the channels'
    # shares and the recommendations (at 1M posts, half a second a read).
    real, reads = volume.breakdown, []

    def counted(store: Any, scope: Any, period: Any, dim: str) -> Any:
        reads.append(dim)
        return real(store, scope, period, dim)

    monkeypatch.setattr(volume, "breakdown", counted)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            do_login(client, "viewer")
            page = client.get("/plan").text
    finally:
        server.stop()
    assert "Share of the conversation (posts in 30 days)" in page
    row = page.split('<th scope="row">mastodon</th>')[1].split("</tr>")[0]
    assert "75% (3)" in row  # 3 of the 4 lumio posts are on mastodon
    assert "topics is on reddit (1 posts in 30 days)" in page  # a recommendation
    assert reads.count("platform") == 1
