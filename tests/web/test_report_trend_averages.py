"""A report's rising terms: the column of their averages before is written
one way, in English and in French."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import make_post
from tests.web.conftest import add_role_users, do_login, serve
from veille.models import Author
from veille.pipeline.ingest import build_pipeline
from veille.workspace import Workspace, init_workspace

PLACES = ("Gatineau", "Montreal", "Laval", "Quebec", "Sherbrooke", "Longueuil", "Levis", "Granby")


def test_a_reports_rising_terms_averages_share_one_decimal(tmp_path: Path) -> None:
    """The column "Average over the 4 periods before" read "0" beside "0.5"
    (French « 0 » beside « 0,5 »): its figures are now all written with one
    decimal, French with a decimal comma."""
    root = init_workspace(tmp_path / "ws")
    now = datetime.now(UTC)
    posts = []

    def post(id_: str, text: str, days_ago: float) -> None:
        when = now - timedelta(days=days_ago)
        posts.append(make_post(id_, text, lang="en", author=Author(id_), published_at=when))

    for n, place in enumerate(PLACES):  # this week: both terms rise
        post(f"b{n}", f"Lumio blackout in {place}, day {n}", 1 + n / 24)
        post(f"f{n}", f"Vexa firmware bricked my {place} router {n}", 2 + n / 24)
    # Before: "blackout" twice over four weeks (0.5 a week), "bricked" never (0).
    for n in range(2):
        post(f"ob{n}", f"Lumio blackout story number {n} from Hull", 9 + 7 * n)
    for n in range(4):
        post(f"of{n}", f"Vexa firmware note {n} from Orford", 9 + 5 * n)
    # veille listened to the four weeks before whole: its first post is older.
    post("first", "Quiet morning in Magog", 40)
    with Workspace.open(root) as ws:
        build_pipeline(ws, skip=("enrich",)).ingest(posts)
    add_role_users(root)
    served, server = serve(root)
    try:
        for lang, half, zero in (("en", "0.5", "0.0"), ("fr", "0,5", "0,0")):
            cookies = {"veille_lang": lang}
            with httpx.Client(base_url=served.url, timeout=120, cookies=cookies) as c:
                assert do_login(c, "viewer").status_code == 303
                page = html.unescape(c.get("/reports", params={"period": "last-7d"}).text)
            rows = dict(
                re.findall(
                    r'<tr><td>(\w+)</td><td class="n">[^<]*</td><td class="n">([^<]*)</td>', page
                )
            )
            assert rows.get("blackout") == half, (lang, rows)
            assert rows.get("bricked") == zero, (lang, rows)
    finally:
        server.stop()
