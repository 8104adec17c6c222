"""What a new user reads on the listening pages, in English and in French,
over the live server: the refusals and sentences of the topics, stream and
settings pages say what is true, with French typography."""

from __future__ import annotations

import html
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, csrf_from, do_login, serve
from veille.analytics.scope import parse_period
from veille.i18n import format_period
from veille.models import Author
from veille.query.topics import add_topic
from veille.web.app import create_app
from veille.web.serve import LiveServer
from veille.workspace import CONFIG_NAME, Workspace, init_workspace

NNBSP = "\u202f"


def test_a_refused_topic_name_says_which_signs_it_may_hold_in_french_quotes(
    live_server: Served,
) -> None:
    """The French hint quoted the signs a name may hold in English quotes
    ('-', '_' ou '.') beside the form's own « - », « _ » ou « . »."""
    with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": "fr"}) as c:
        assert do_login(c, "analyst").status_code == 303
        token = csrf_from(c.get("/topics/new").text)
        page = c.post(
            "/topics/new", data={"csrf_token": token, "name": "Mon sujet!", "query": "lumio"}
        )
    assert page.status_code == 400, page.text[:2000]
    said = html.unescape(page.text)
    assert "Mon sujet!" in said  # what was typed is kept
    q = lambda sign: f"«{NNBSP}{sign}{NNBSP}»"  # noqa: E731
    assert f"utilisez des lettres, chiffres, {q('-')}, {q('_')} ou {q('.')}" in said
    assert "'-'" not in said


def test_the_settings_page_never_asks_to_point_base_url_at_the_server_it_names(
    tmp_path: Path,
) -> None:
    """Served on another port than veille.toml's 8000 with base_url already
    naming that address (as ``veille demo --serve`` does on the next free
    port), the settings page still told the admin to set base_url "if they
    should point to this server"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = init_workspace(tmp_path / "ws")
    toml = root / CONFIG_NAME
    text = toml.read_text(encoding="utf-8")
    text = text.replace('# base_url = ""', f'base_url = "http://127.0.0.1:{port}"')
    assert f'base_url = "http://127.0.0.1:{port}"' in text
    toml.write_text(text, encoding="utf-8")
    add_role_users(root)
    expected = {
        "en": f"Links in e-mails and feeds lead to this server too (base_url http://127.0.0.1:{port}).",
        "fr": "Les liens des courriels et des flux mènent eux aussi à ce serveur "
        f"(base_url http://127.0.0.1:{port}).",
    }
    with LiveServer(create_app(root), port=port) as server:
        for lang, sentence in expected.items():
            with httpx.Client(base_url=server.url, timeout=60, cookies={"veille_lang": lang}) as c:
                assert do_login(c, "admin").status_code == 303
                page = html.unescape(c.get("/settings").text)
            found = re.search(r'<p class="warning" id="listening"[^>]*>(.*?)</p>', page, re.S)
            assert found, page[:3000]
            said = re.sub(r"\s+", " ", found.group(1))
            assert sentence in said, said
            assert "base_url" in said and "veille.toml if" not in said
            assert "s’ils doivent mener" not in said


def test_posts_name_their_platform_as_the_dashboard_and_reports_do(live_server: Served) -> None:
    """The stream's badges and filters and a post's page named a platform by
    its key ("hackernews", "linkedin", "x") where the dashboard, the reports
    and the share of voice say "Hacker News", "LinkedIn", "X"."""
    post = make_post("hn1", "Lumio fibre arrives downtown", platform="hackernews",
                     author=Author("pg"), lang="en")  # fmt: skip
    with live_server.workspace() as ws:
        ws.store.upsert_posts([post])
    said = {"en": "Post by @pg on Hacker News", "fr": "Publication de @pg sur Hacker News"}
    for lang, title in said.items():
        with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": lang}) as c:
            assert do_login(c, "viewer").status_code == 303
            stream = c.get("/stream", params={"q": "downtown"}).text
            one = html.unescape(c.get(f"/posts/{quote(post.id)}").text)
        badges = re.findall(r'<span class="badge platform">([^<]*)</span>', stream)
        assert badges == ["Hacker News"], badges
        assert re.search(r'value="hackernews"[^>]*>\s*Hacker News</label>', stream), stream[:3000]
        assert f"<h1>{title}</h1>" in one
        assert "hackernews" not in re.sub(r'(href|value|id)="[^"]*"', "", one.split("<main", 1)[1])


def test_the_influencers_page_says_which_days_it_ranks(live_server: Served) -> None:
    """The dashboard, the plan and the trends page name the whole days they
    count; the influencers page, whose scores the plan repeats, said only
    "this period"."""
    post = make_post("week1", "Lumio fibre all week", author=Author("zed"),
                     published_at=datetime.now(UTC) - timedelta(days=2))  # fmt: skip
    with live_server.workspace() as ws:
        ws.store.upsert_posts([post])
    said = {"en": "Figures over whole days: ", "fr": f"Chiffres sur des jours entiers{NNBSP}: "}
    for lang, words in said.items():
        week = parse_period("last-7d")
        days = format_period(week.since, week.until, lang)
        with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": lang}) as c:
            assert do_login(c, "viewer").status_code == 303
            page = html.unescape(c.get("/influencers", params={"period": "last-7d"}).text)
        assert f"{words}{days}." in page, page[:3000]
        assert "@zed" in page


def test_the_stream_of_a_new_workspace_says_no_post_is_stored_yet(tmp_path: Path) -> None:
    """A new user's first look at the stream, before any source collected,
    read "0 posts match" then "No post matches.", as if a filter hid them."""
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    served, server = serve(root)
    said = {
        "en": ("No post is stored yet: the stream lists what your sources collect.",
               "No post matches."),
        "fr": (f"Aucune publication n’est encore enregistrée{NNBSP}: le flux présente ce que "
               "collectent vos sources.", "Aucune publication ne correspond."),
    }  # fmt: skip
    try:
        for lang, (empty, unmatched) in said.items():
            with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as c:
                assert do_login(c, "viewer").status_code == 303
                first = html.unescape(c.get("/stream").text)
                searched = html.unescape(c.get("/stream", params={"q": "lumio"}).text)
            assert empty in first and unmatched not in first
            assert '<a href="/sources">' in first
            # A search that finds nothing still says so.
            assert unmatched in searched and empty not in searched
    finally:
        server.stop()


def test_a_dashboard_cards_heading_leads_to_the_posts_it_counts(tmp_path: Path) -> None:
    """A topic's heading on the dashboard led to every post of the topic ever
    stored: a new user who clicked "lumio" under "Posts 3" counted 5."""
    root = init_workspace(tmp_path / "ws")
    now = datetime.now(UTC)
    posts = [make_post(f"n{i}", f"Lumio news {i}", published_at=now - timedelta(days=2 + i))
             for i in range(3)]  # fmt: skip
    posts += [make_post(f"o{i}", f"Lumio old {i}", published_at=now - timedelta(days=60 + i))
              for i in range(2)]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(posts)
        add_topic(ws.state, "lumio", "lumio")
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as c:
            assert do_login(c, "viewer").status_code == 303
            page = html.unescape(c.get("/").text)
            link = re.search(r'<h2 id="topic-1"><a href="([^"]+)">lumio</a></h2>', page)
            assert link, page[:3000]
            stream = html.unescape(c.get(link.group(1)).text)
    finally:
        server.stop()
    assert re.search(r"<dt>Posts</dt><dd>3\s*(<span|</dd>)", page), page[:3000]
    assert "3 posts match" in stream
    assert "Lumio old" not in re.sub(r"<[^>]+>", "", stream)


def test_an_empty_dashboard_offers_to_create_a_topic_only_to_who_may(tmp_path: Path) -> None:
    """A viewer's empty dashboard said "Create a topic" and its link led to a
    refusal (only an analyst or more creates topics)."""
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    served, server = serve(root)
    try:
        for role, offered in (("viewer", False), ("analyst", True)):
            with httpx.Client(base_url=served.url, timeout=60) as c:
                assert do_login(c, role).status_code == 303
                page = c.get("/").text
                assert "No topic yet." in page
                assert ('href="/topics/new"' in page) is offered, role
                if offered:
                    assert c.get("/topics/new").status_code == 200
    finally:
        server.stop()


def test_the_streams_platform_filters_find_the_posts_they_name(tmp_path: Path) -> None:
    """The stream offered a "files" box that no post ever matched (a file
    source's posts carry their rows' platform), found nothing for
    platform=Mastodon in a link, and hid an imported platform it filtered by."""
    root = init_workspace(tmp_path / "ws")
    posts = [make_post(f"m{i}", f"Lumio note {i}") for i in range(2)]
    posts.append(make_post("i1", "Lumio photo", platform="instagram", author=Author("ana")))
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(posts)
    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as c:
            assert do_login(c, "viewer").status_code == 303
            first = c.get("/stream").text
            capital = c.get("/stream", params={"platform": "Mastodon"}).text
            imported = c.get("/stream", params={"platform": "instagram"}).text
            odd_lang = c.get("/stream", params={"lang": "FR"})
    finally:
        server.stop()
    assert 'value="files"' not in first
    assert "2 posts match" in capital
    assert re.search(r'value="mastodon" checked>\s*Mastodon</label>', capital), capital[:3000]
    assert "1 post matches" in imported
    assert re.search(r'value="instagram" checked>\s*Instagram</label>', imported)
    assert odd_lang.status_code == 200 and 'value="fr" checked' in odd_lang.text


def test_a_report_names_every_platform_that_shares_the_largest_part(tmp_path: Path) -> None:
    """Three platforms held 4 posts each and a fourth 3: the report's
    finding read "The largest share of conversation is on Mastodon (27%)", as
    if Mastodon led the other two. Its table shows them 27%, 27% and 26%
    (adding up to 100%): the finding says the posts each holds, not a "27%
    each" one of its rows does not show."""
    root = init_workspace(tmp_path / "ws")
    day = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    counts = {"mastodon": 4, "rss": 4, "linkedin": 4, "bluesky": 3}
    posts = [
        make_post(f"{platform}{i}", f"Lumio panne {platform} {i}", platform=platform,
                  author=Author(f"{platform}{i}"), published_at=day)
        for platform, n in counts.items() for i in range(n)
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(posts)
    add_role_users(root)
    served, server = serve(root)
    said = {
        "en": "The largest shares of conversation are on ",
        "fr": "Les plus grandes parts de la conversation se tiennent sur ",
    }
    each = {"en": "(4 posts each).", "fr": "(4 publications chacune)."}
    try:
        for lang, words in said.items():
            with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as c:
                assert do_login(c, "viewer").status_code == 303
                page = c.get(
                    "/reports",
                    params={"query": "lumio", "period": "2026-03-02..2026-03-08", "lang": lang},
                )
            assert page.status_code == 200, page.text[:2000]
            text = html.unescape(re.sub(r"<[^>]+>", "", page.text))
            found = re.search(re.escape(words) + r"(.*?) " + re.escape(each[lang]), text)
            assert found, text[:4000]
            assert all(name in found.group(1) for name in ("Mastodon", "RSS", "LinkedIn"))
            assert "Bluesky" not in found.group(1)
    finally:
        server.stop()
