"""The plan's page, made in a workspace's second week: its cost reads the
mentions a week from the days veille holds posts for, and says so, in
English and in French (it averaged a week's posts over four weeks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.web.conftest import add_role_users
from tests.web.test_pages_plan import plan_says
from veille.workspace import init_workspace


def test_the_cost_of_a_plan_made_after_ten_days_of_listening(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    from veille.models import Author, Post
    from veille.plan.channels import set_channel
    from veille.plan.objectives import add_objective
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    now = datetime.now(UTC)
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        # 40 questions on Bluesky over the last ten days: 28 a week.
        ws.store.upsert_posts([
            Post.create(
                platform="bluesky", native_id=str(i), text=f"lumio panne {i}",
                author=Author(handle=f"client{i}"),
                published_at=now - timedelta(days=10) + timedelta(hours=6 * i),
            )
            for i in range(40)
        ])  # fmt: skip
        add_topic(ws.store, "lumio", "lumio")
        add_objective(ws.state, "care", "customer_service", topics="lumio")
        set_channel(ws.state, "bluesky", posts_per_week=2)
    table = r'<table class="data plan-cost">.*?</table>\s*(<p class="plan-cost-days">.*?</p>)?'
    said = plan_says(root, login, table)
    for lang, (row, note) in {
        "en": ("<th scope=\"row\">Bluesky</th><td>28</td>",
               "Mentions a week are averaged over the 10 days veille holds posts for, "
               "not yet the last 28."),
        "fr": ("<th scope=\"row\">Bluesky</th><td>28</td>",
               "Les mentions par semaine sont la moyenne des 10 jours pour lesquels veille "
               "détient des publications, pas encore des 28 derniers."),
    }.items():  # fmt: skip
        assert row in said[lang], said[lang]  # was 10 (40 posts over four weeks)
        assert note in " ".join(said[lang].split()), said[lang]
