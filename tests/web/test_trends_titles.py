"""A post's title and its text are two sentences: the trends page never
shows a "phrase" made of the title's last word and the text's first (Hacker
News stories, blog posts and news items carry both: "…fixed my plan in an
hour" then "Excellent service…" was shown rising as "hour Excellent")."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import make_post
from tests.web.conftest import add_role_users, do_login, serve
from veille.pipeline.ingest import build_pipeline
from veille.workspace import Workspace, init_workspace

STORIES = [
    ("Kudos to the Lumio team, they fixed my mobile plan in an hour",
     "Excellent service this weekend! My neighbour uses the 5G offer."),
    ("Yesterday evening the Lumio technicians repaired our fibre within an hour",
     "Excellent service for work calls. Our office uses the same plan."),
    ("Quick note: Lumio support sorted out the billing error in an hour",
     "Excellent service at the office, and a refund came the next day."),
    ("For the record, Lumio replaced the broken router in an hour",
     "Excellent service downtown Montreal; the kids were back online by noon."),
]  # fmt: skip


def test_the_trends_page_shows_no_phrase_across_a_title_and_its_text(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    now = datetime.now(UTC)
    posts = [
        make_post(str(i), text, title=title, platform="hackernews", lang="en",
                  published_at=now - timedelta(days=1, hours=i))
        for i, (title, text) in enumerate(STORIES)
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            page = client.get("/trends", params={"query": "lumio", "period": "last-7d"})
    finally:
        server.stop()
    assert page.status_code == 200, page.text[:2000]
    rows = re.findall(r'<th scope="row"><a [^>]*>(.*?)</a></th>', page.text)
    terms = [html.unescape(t).strip() for t in rows]
    assert "excellent service" in terms, terms  # a phrase of the text
    assert not [t for t in terms if t.lower() == "hour excellent"], terms
