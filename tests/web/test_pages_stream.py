"""The mention stream over real HTTP: the query language with its errors
inline (caret and hint), filters, pages, exports, bulk actions, CSRF, and
live updates by server-sent events."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_post
from tests.web.conftest import Served, add_role_users, csrf_from, do_login
from tests.web.pages_data import LUMIO, LUMIO_NEGATIVE, LUMIO_PANNE, VEXA, seed
from veille.workspace import Workspace, init_workspace

Login = Callable[..., httpx.Response]
_ITEM = re.compile(r'<input type="checkbox" name="post" value="([^"]+)"')


@pytest.fixture(scope="module")
def seeded(live_server: Served) -> Served:
    seed(live_server.root)
    return live_server


def shown(html: str) -> list[str]:
    """The ids of the posts a stream page lists, in order."""
    return _ITEM.findall(html)


def count_of(html: str) -> int:
    """How many posts the page says match: none where it says "No post
    matches." (it said "0 posts match" above it too until 2026-12-07)."""
    if "No post matches." in html:
        return 0
    found = re.search(r"([\d\u202f ,]+) posts? match", html)
    assert found, html[:3000]
    return int(re.sub(r"\D", "", found.group(1)))


def test_query_error_is_shown_inline_with_caret_and_hint(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    page = client.get("/stream", params={"q": "lumio AND (panne"})
    assert page.status_code == 400  # the form again, refused as /trends refuses it
    found = re.search(r'<pre class="query-caret"><code>(.*?)\n( *)\^</code></pre>', page.text)
    assert found, page.text[:3000]
    query, pad = found.group(1), found.group(2)
    assert query == "lumio AND (panne"
    # The caret stands under the column the parser names.
    column = int(re.search(r"column (\d+)", page.text).group(1))  # type: ignore[union-attr]
    assert len(pad) == column - 1
    assert "Hint" in page.text and 'aria-invalid="true"' in page.text
    assert shown(page.text) == []


def test_query_and_filters_find_the_known_posts(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    assert count_of(client.get("/stream", params={"q": "lumio"}).text) == LUMIO
    assert count_of(client.get("/stream", params={"q": "lumio panne"}).text) == LUMIO_PANNE
    negative = client.get("/stream", params={"q": "lumio", "sentiment": "negative"}).text
    assert count_of(negative) == LUMIO_NEGATIVE
    vexa = client.get("/stream", params={"topic": "vexa"}).text
    assert count_of(vexa) == VEXA
    on_mastodon = client.get("/stream", params={"q": "lumio", "platform": "mastodon"}).text
    assert count_of(on_mastodon) == LUMIO // 2
    assert count_of(client.get("/stream").text) == LUMIO + VEXA + 1
    # Highlights mark the words the query matched.
    assert "<mark>panne</mark>" in client.get("/stream", params={"q": "panne"}).text


def test_pages_follow_each_other_without_repeats(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    seen: list[str] = []
    # Five per page: the known posts span four pages.
    url: str | None = "/stream?q=lumio+OR+vexa&per=5"
    pages = 0
    while url:
        page = client.get(url.replace("&amp;", "&"))
        ids = shown(page.text)
        seen += ids
        pages += 1
        nxt = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        url = nxt.group(1) if nxt else None
    assert len(seen) == len(set(seen)) == LUMIO + VEXA
    assert pages == 4
    # Longer than a page: the page links its count, which the script fetches.
    first = client.get("/stream?q=lumio+OR+vexa&per=5").text
    link = re.search(r'data-count="([^"]+)"', first)
    assert link and "posts match" not in first
    assert count_of(client.get(link.group(1).replace("&amp;", "&")).text) == LUMIO + VEXA


def test_export_of_the_whole_stream(seeded: Served, client: httpx.Client, login: Login) -> None:
    login(client, "viewer")
    got = client.get("/stream/export", params={"q": "lumio", "format": "csv"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == LUMIO and all("lumio" in r["text"] for r in rows)
    lines = client.get("/stream/export", params={"q": "vexa", "format": "jsonl"}).text
    assert len([json.loads(x) for x in lines.splitlines() if x]) == VEXA


def test_bulk_sentiment_correction_needs_an_analyst_and_csrf(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    page = client.get("/stream", params={"q": "vexa"})
    ids = shown(page.text)[:2]
    token = csrf_from(page.text)
    data = {"csrf_token": token, "action": "sentiment-neutral", "post": ids}
    refused = client.post("/stream/selection", data=data)  # a viewer
    assert refused.status_code == 403
    # Said as any page refuses a role, in the reader's words (it was the raw
    # "this needs the analyst role", English on a French page too).
    assert "This needs the analyst role" in html.unescape(refused.text)
    french = client.post("/stream/selection", data=data, headers={"Accept-Language": "fr"})
    assert "analyste" in html.unescape(french.text), french.text
    exported = client.post("/stream/selection", data=data | {"action": "export-csv"})
    assert (
        exported.status_code == 200 and len(list(csv.DictReader(io.StringIO(exported.text)))) == 2
    )

    client.cookies.clear()
    login(client, "analyst")
    page = client.get("/stream", params={"q": "vexa"})
    token = csrf_from(page.text)
    # Without the form's token: refused, nothing changed.
    no_token = {"action": "sentiment-neutral", "post": ids}
    assert client.post("/stream/selection", data=no_token).status_code == 403
    done = client.post("/stream/selection", data=no_token | {"csrf_token": token})
    assert done.status_code == 303
    with Workspace.open(seeded.root) as ws:
        for post_id in ids:
            post = ws.posts.get_post(post_id)
            assert post is not None and post.sentiment is not None
            assert (post.sentiment.label, post.sentiment.source) == ("neutral", "user")


def test_live_updates_bring_new_posts(seeded: Served, client: httpx.Client, login: Login) -> None:
    login(client, "viewer")
    page = client.get("/stream", params={"q": "fresh"})
    assert shown(page.text) == []
    after = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())

    # The first look finds nothing; a post arriving meanwhile comes as an event.
    def arrive() -> None:
        with Workspace.open(seeded.root) as ws:
            fresh = make_post("fresh1", "fresh news about lumio", published_at=datetime.now(UTC))
            ws.store.upsert_posts([fresh])

    events = []
    with client.stream(
        "GET", "/stream/events", params={"q": "fresh", "after": str(after)}, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        threading.Timer(0.5, arrive).start()
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
                break
    assert events and events[0]["count"] == 1
    assert "<mark>fresh</mark>" in events[0]["html"]


def test_live_updates_need_the_newest_post_shown(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    assert client.get("/stream/events").status_code == 400


def test_an_open_event_stream_does_not_hold_a_stopping_server(tmp_path: Path) -> None:
    """A server stops while a browser listens to live updates: the stream ends
    when the app is told it stops, and the server's thread is gone."""
    from veille.web.app import create_app
    from veille.web.routes.stream import stop_event
    from veille.web.serve import LiveServer

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    app = create_app(root)
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            do_login(client, "viewer")
            with client.stream("GET", "/stream/events", params={"after": "0"}) as response:
                assert response.status_code == 200
                lines = response.iter_lines()
                assert next(lines).startswith("retry:")
                stop_event(app).set()
                assert list(lines) is not None  # the stream ends by itself
    finally:
        server.stop()
    assert not server._thread.is_alive()


def test_a_server_shutting_down_ends_the_open_event_streams(tmp_path: Path) -> None:
    """``veille serve`` stopping (Ctrl+C: uvicorn's shutdown, as ``stop()``
    asks it here) tells the app, and a browser's live stream ends then,
    not at the end of its lifetime (an hour here: the server would wait)."""
    from veille.web.app import create_app
    from veille.web.routes.stream import stop_event
    from veille.web.serve import LiveServer

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    app = create_app(root)
    app.state.stream_seconds = 3600.0
    server = LiveServer(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            do_login(client, "viewer")
            with client.stream("GET", "/stream/events", params={"after": "0"}) as response:
                lines = response.iter_lines()
                assert next(lines).startswith("retry:")
                assert not stop_event(app).is_set()
                server.stop()  # waits for the open connections (30 s at most)
                assert stop_event(app).is_set()
                assert not server._thread.is_alive()
                rest = list(lines)  # the stream has ended: no more than its last lines
                assert all(not line.startswith("event:") for line in rest)
    finally:
        server.stop()


def test_a_live_stream_whose_store_fails_ends_cleanly_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The state store gone while a browser follows a topic's stream: the
    stream ends as it ends at its lifetime (the browser connects again), and
    the failure is one line in the log, not a traceback."""
    import logging

    from veille.errors import StoreUnavailable
    from veille.services import stream as stream_service
    from veille.web.app import create_app
    from veille.web.serve import LiveServer

    def gone(*args: object, **kw: object) -> list[object]:
        raise StoreUnavailable(
            "the PostgreSQL state store postgresql://veille@db/veille did not answer",
            hint="Check that the server runs.",
        )

    monkeypatch.setattr(stream_service, "newer_hits", gone)
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    server = LiveServer(create_app(root)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            do_login(client, "viewer")
            with (
                caplog.at_level(logging.INFO, logger="veille"),
                client.stream("GET", "/stream/events", params={"after": "0"}) as response,
            ):
                assert response.status_code == 200
                lines = list(response.iter_lines())  # ends, not cut off
    finally:
        server.stop()
    assert lines[0].startswith("retry:")
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failed) == 1 and failed[0].exc_info is None, failed
    assert "GET /stream/events failed" in failed[0].getMessage()
    assert "did not answer" in failed[0].getMessage()


def test_a_french_reader_reads_the_errors_in_french(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The errors the services raise (a query that does not parse, a date
    that is not one, a post that is not there) come from the catalogs: French
    on a French page, English on an English one."""
    import html

    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/stream", params={"q": "lumio AND (panne"}).text)
    assert "parenthèse non fermée" in page and "ajoutez ) pour fermer le groupe" in page
    assert "unclosed parenthesis" not in page
    warned = html.unescape(client.get("/stream", params={"q": "lumio and panne"}).text)
    assert "«\u202fand\u202f» est cherché comme un mot" in warned  # a warning too
    dated = html.unescape(client.get("/stream", params={"since": "2026-13-45"}).text)
    assert "Du\u202f: «\u202f2026-13-45\u202f» n’est pas une date" in dated
    assert "Conseil\u202f: écrivez-la sous la forme AAAA-MM-JJ" in dated
    missing = client.get("/posts/no-such-post")
    assert missing.status_code == 404
    assert "aucune publication n’a l’identifiant «\u202fno-such-post\u202f»" in html.unescape(
        missing.text
    )

    client.cookies.set("veille_lang", "en")
    page = html.unescape(client.get("/stream", params={"q": "lumio AND (panne"}).text)
    assert "unclosed parenthesis" in page and "add ) to close the group" in page
    dated = html.unescape(client.get("/stream", params={"since": "2026-13-45"}).text)
    assert "From: '2026-13-45' is not a date" in dated


def test_pages_past_the_last_say_so_instead_of_repeating_one(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """Relevance stops at MAX_PAGES pages: a page past them shows no posts
    but says why and offers newest-first; a newest-first page with nothing
    on it does not claim that nothing matches."""
    from veille.services.stream import MAX_PAGES

    login(client, "viewer")
    for page in (MAX_PAGES, MAX_PAGES + 1, 100):
        html = client.get(f"/stream?q=lumio&sort=relevance&page={page}").text
        assert shown(html) == [] and "most relevant posts" in html
        assert 'href="/stream?q=lumio"' in html  # newest first: every match
    for page in ("99999", "-1"):
        html = client.get(f"/stream?q=lumio&page={page}").text
        assert shown(html) == [] and "No post matches." not in html
        assert "No posts on this page." in html and 'href="/stream?q=lumio">' in html


def test_a_stream_that_matches_nothing_says_so_once(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """A search that found nothing read "0 posts match" then "No post
    matches." (« 0 publication correspond » then « Aucune publication ne
    correspond. »): the same thing twice. It is said once."""
    login(client, "viewer")
    for lang, count, none in (
        ("en", "0 posts match", "No post matches."),
        ("fr", "0 publication correspond", "Aucune publication ne correspond."),
    ):
        client.cookies.set("veille_lang", lang)
        page = html.unescape(client.get("/stream", params={"q": "zorglub"}).text)
        assert shown(page) == [] and page.count(none) == 1, page[:3000]
        assert count not in page, page[:3000]
    client.cookies.set("veille_lang", "en")
    found = client.get("/stream", params={"q": "lumio"}).text
    assert count_of(found) > 0  # a stream that matches still counts


def test_count_without_javascript_is_a_page(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "viewer")
    page = client.get("/stream/count?q=vexa")
    assert page.status_code == 200 and "<html" in page.text and "Back to the stream" in page.text
    assert count_of(page.text) == VEXA
    fragment = client.get("/stream/count?q=vexa", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and count_of(fragment.text) == VEXA
    # The link of a long stream leads to the stream with its count.
    first = client.get("/stream?q=vexa&per=2").text
    link = re.search(r'<a href="([^"]+)">Count the matches</a>', first)
    assert link
    counted = client.get(link.group(1).replace("&amp;", "&")).text
    assert count_of(counted) == VEXA and len(shown(counted)) == 2


def test_the_language_filter_names_the_languages(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """The stream's language filter says languages in the reader's words
    (« anglais », "English"), not their codes; the codes stay the values sent."""
    import html

    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    shown = html.unescape(client.get("/stream").text)
    assert 'name="lang" value="en"> anglais</label>' in shown
    client.cookies.set("veille_lang", "en")
    assert 'name="lang" value="de"> German</label>' in html.unescape(client.get("/stream").text)


def test_a_phrase_in_french_quotes_and_an_x_operator_on_the_stream(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """« … » (as French is typed) is a phrase, as "…" is: the words in that
    order; it was the words anywhere. X's min_faves: is refused inline, in
    French, with the veille query to write."""
    import html

    login(client, "viewer")
    phrase = client.get("/stream", params={"q": "\u00ab\u202flumio panne\u202f\u00bb"}).text
    assert count_of(phrase) == LUMIO_PANNE
    assert count_of(client.get("/stream", params={"q": "\u201cpanne lumio\u201d"}).text) == 0
    client.cookies.set("veille_lang", "fr")
    try:
        x = html.unescape(client.get("/stream", params={"q": "lumio min_faves:10"}).text)
        assert "min_faves:10 est la syntaxe de X (Twitter)" in x
        assert "écrivez likes:>=10" in x
        assert shown(x) == []
    finally:
        client.cookies.set("veille_lang", "en")


def test_a_post_is_read_in_its_own_language(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """WCAG 3.1.2: the French posts of an English page carry lang="fr" on
    their words, in the stream and on a post's page, so that a screen reader
    reads them in French; the page itself stays English."""
    login(client, "viewer")
    page = client.get("/stream", params={"q": "panne"})
    assert '<html lang="en">' in page.text
    texts = re.findall(r'<p class="post-text"([^>]*)>', page.text)
    assert texts and all(attrs == ' lang="fr"' for attrs in texts), texts
    one = client.get("/posts/bluesky:l0")
    assert one.status_code == 200, one.text[:500]
    assert '<p class="post-text" lang="fr">' in one.text


def test_a_posts_page_title_says_whose_post_it_is(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """WCAG 2.4.2: every post's page was titled "Post"; a reader with a few
    open could not tell them apart. The title and heading name the author and
    the platform, in the reader's language."""
    login(client, "viewer")
    one = client.get("/posts/bluesky:l0").text
    assert "<title>Post by @alice on Bluesky · " in one
    assert "<h1>Post by @alice on Bluesky</h1>" in one
    client.cookies.set("veille_lang", "fr")
    assert "<title>Publication de @alice sur Bluesky · " in client.get("/posts/bluesky:l0").text


def test_a_link_that_opens_a_new_tab_says_so(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """ "Open the post" opens the platform in a new tab: a screen reader user
    hears so before following it (the words are hidden from sight)."""
    login(client, "viewer")
    for lang, said in (("en", "(opens in a new tab)"), ("fr", "(s’ouvre dans un nouvel onglet)")):
        client.cookies.set("veille_lang", lang)
        page = client.get("/stream").text
        links = re.findall(r'<a [^>]*target="_blank"[^>]*>(.*?)</a>', page, re.S)
        assert links, page[:2000]
        assert all(said in link for link in links), links[:3]


def test_a_searchs_title_names_its_query(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """WCAG 2.4.2: each search of the stream was titled "Mention stream"; the
    title names the query, so that tabs, the history and a screen reader's
    first words tell searches apart."""
    import html

    login(client, "viewer")
    page = html.unescape(client.get("/stream", params={"q": "lumio AND panne"}).text)
    assert "<title>Mention stream: lumio AND panne · " in page
    assert "<title>Mention stream · " in client.get("/stream").text
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/stream", params={"q": "panne"}).text)
    assert "<title>Flux des mentions\u202f: panne · " in page


def test_the_stream_finds_and_marks_ligatures_and_soft_hyphens(tmp_path: Path) -> None:
    """``oeuvre`` finds a post written ``Œuvre`` and ``cybersecurite`` one
    whose word a CMS hyphenated (a soft hyphen inside it), and each is marked
    whole, as the French analyst typed neither form."""
    from tests.web.conftest import serve

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            [
                make_post("o1", "Une Œuvre majeure"),
                make_post("o2", "Conseils de cyber\u00adsécurité pour l’été"),
                make_post("o3", "Rien à voir"),
            ]
        )
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            art = client.get("/stream", params={"q": "oeuvre"}).text
            assert count_of(art) == 1 and "<mark>Œuvre</mark>" in art
            cyber = client.get("/stream", params={"q": "cybersecurite"}).text
            assert count_of(cyber) == 1 and "<mark>cyber\u00adsécurité</mark>" in cyber
    finally:
        server.stop()


def test_a_query_of_many_wildcards_in_a_word_answers_on_a_long_word(tmp_path: Path) -> None:
    """A viewer's a*a*a*…*b against a post holding a long word: each * was a
    backtracking regex, so the stream page (and every alert matching a new
    post) worked for hours on one word; it answers, finding what the pattern
    says and nothing else."""
    from tests.web.conftest import serve

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    now = datetime.now(UTC) - timedelta(hours=1)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(
            [
                make_post("long", "a" * 3000 + " lumio", published_at=now),
                make_post("hit", "aaxab " + "a" * 30 + "b lumio", published_at=now),
            ]
        )
    served, server = serve(root)
    try:
        # An answer within the client's patience, not a figure: before, hours.
        with httpx.Client(base_url=served.url, timeout=120) as c:
            do_login(c, "viewer")
            found = c.get("/stream", params={"q": "a*" * 20 + "b"})
            assert found.status_code == 200
            assert shown(found.text) == ["mastodon:hit"], found.text[:3000]
            assert shown(c.get("/stream", params={"q": "a*a?a*b"}).text) == ["mastodon:hit"]
            assert shown(c.get("/stream", params={"q": "a*x?b"}).text) == ["mastodon:hit"]
    finally:
        server.stop()


def test_exports_are_in_the_audit_log(seeded: Served, client: httpx.Client, login: Login) -> None:
    """Posts name people: an admin sees who downloaded which posts."""
    login(client, "viewer")
    assert client.get("/stream/export", params={"q": "vexa", "format": "jsonl"}).status_code == 200
    page = client.get("/stream", params={"q": "vexa"})
    data = {
        "csrf_token": csrf_from(page.text),
        "action": "export-csv",
        "post": shown(page.text)[:2],
    }
    assert client.post("/stream/selection", data=data).status_code == 200

    client.cookies.clear()
    login(client, "admin")
    audit = client.get("/audit", params={"action": "posts.export", "actor": "viewer"}).text
    assert "/stream?q=vexa" in audit and "jsonl" in audit
    assert "selection" in audit and "2 posts, csv" in audit


def test_a_posts_language_is_named_in_the_readers_language(
    seeded: Served, client: httpx.Client, login: Login
) -> None:
    """A post's badge said its code, "fr", marked lang="en" on a French page
    too; it names the language as the reader reads it: "French",
    « français » (the code stays as data-lang, the post's words keep theirs)."""
    login(client, "viewer")
    said = {}
    for lang in ("en", "fr"):
        client.cookies.set("veille_lang", lang)
        said[lang] = client.get("/stream", params={"q": "lumio OR vexa"}).text
    assert '<span class="badge lang" data-lang="fr">French</span>' in said["en"]
    assert '<span class="badge lang" data-lang="en">English</span>' in said["en"]
    assert '<span class="badge lang" data-lang="fr">français</span>' in said["fr"]
    assert '<span class="badge lang" data-lang="en">anglais</span>' in said["fr"]
    for page in said.values():
        assert '<p class="post-text" lang="fr">' in page
        assert ">fr</span>" not in page and ">en</span>" not in page
