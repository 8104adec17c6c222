"""Sources over real HTTP: adding with validation (the error and its hint on
the form), "test now" on a file source (nothing stored), health, and the
quarantine with its retry."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import Served, csrf_from
from veille.services.sources import add_source
from veille.workspace import Workspace

Login = Callable[..., httpx.Response]

ROWS = (
    "platform,id,text,author,published_at\n"
    "mastodon,1,first file post,alice,2026-03-01T10:00:00Z\n"
    "mastodon,2,second file post,bob,2026-03-01T11:00:00Z\n"
    "mastodon,3,third without a date,carol,not-a-date\n"
)


@pytest.fixture(scope="module")
def posts_file(live_server: Served) -> Path:
    path = live_server.root / "incoming.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def incoming(live_server: Served, posts_file: Path) -> str:
    """A file source over ``posts_file`` (each test may run on its own server)."""
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(posts_file), name="incoming")
    return "incoming"


def test_add_validates_and_test_now_stores_nothing(
    live_server: Served, posts_file: Path, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    token = csrf_from(client.get("/sources").text)
    bad = client.post("/sources", data={"csrf_token": token, "kind": "twitter", "target": "x"})
    assert bad.status_code == 400
    assert "unknown source kind" in bad.text and "Did you mean" in bad.text
    form = {"csrf_token": token, "kind": "file", "target": str(posts_file), "name": "from-form"}
    added = client.post("/sources", data=form)
    assert added.status_code == 303
    assert "from-form" in client.get("/sources").text
    tested = client.post("/sources/from-form/test", data={"csrf_token": token})
    assert tested.status_code == 200
    assert "2 posts would be stored" in tested.text and "first file post" in tested.text
    with Workspace.open(live_server.root) as ws:
        assert ws.posts.count_posts() == 0


def test_collect_now_and_quarantine_retry(
    live_server: Served, incoming: str, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    token = csrf_from(client.get("/sources").text)
    assert (
        client.post(f"/sources/{incoming}/collect", data={"csrf_token": token}).status_code == 303
    )
    page = client.get("/sources")
    assert "not-a-date" in page.text or "published_at" in page.text  # the quarantined row's error
    with Workspace.open(live_server.root) as ws:
        assert ws.posts.count_posts() == 2
        assert len(ws.state.quarantined()) == 1
    # Still unreadable: retried, kept.
    retried = client.post("/sources/quarantine/retry", data={"csrf_token": token})
    assert retried.status_code == 303
    with Workspace.open(live_server.root) as ws:
        assert len(ws.state.quarantined()) == 1


def test_source_forms_need_an_analyst_and_csrf(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    login(client, "analyst")
    assert client.post("/sources", data={"kind": "file", "target": "x"}).status_code == 403
    client.cookies.clear()
    login(client, "viewer")
    page = client.get("/sources")
    assert page.status_code == 200 and "Test now" not in page.text
    token = csrf_from(page.text)
    assert client.post("/sources/quarantine/retry", data={"csrf_token": token}).status_code == 403


def test_a_french_reader_reads_the_source_form_errors_in_french(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The errors of the source form come from the catalogs, worded by the
    form's fields rather than the CLI's options (no "--every", "--option")."""
    import html

    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/sources").text)

    def add(**form: str) -> str:
        sent = client.post("/sources", data={"csrf_token": token, **form})
        assert sent.status_code == 400
        return html.unescape(sent.text)

    page = add(kind="twitter", target="x")
    assert (
        "type de source inconnu «\u202ftwitter\u202f»" in page
        and "Conseil\u202f: vouliez-vous dire «\u202fx\u202f»\u202f?" in page
    )
    page = add(kind="feeds", target="example.org/feed")
    assert "la cible feeds «\u202fexample.org/feed\u202f» n’est pas une URL http(s)" in page
    page = add(kind="feeds", target="https://example.org/feed/", every="5s")
    assert (
        "la fréquence «\u202f5s\u202f» est trop rapprochée" in page
        and "(every)" not in page
        and "--every" not in page
    )
    page = add(kind="feeds", target="https://example.org/feed/", options="max_pages")
    assert "l’option «\u202fmax_pages\u202f» n’est pas de la forme CLÉ=VALEUR" in page
    page = add(kind="feeds", target="https://example.org/feed/", options="colour=red")
    assert "les sources feeds n’ont pas d’option «\u202fcolour\u202f»" in page

    # Nothing to follow is said so, whatever the type (it read « la cible
    # Mastodon «  » ne nomme aucune instance », empty guillemets).
    for kind in ("mastodon", "feeds", "x"):
        page = add(kind=kind, target=" ")
        assert "une source a besoin de quelque chose à suivre" in page
        said = "Conseil\u202f: écrivez quoi suivre\u202f: une URL, un compte, une requête"
        assert said in page

    client.cookies.set("veille_lang", "en")
    page = add(kind="feeds", target="https://example.org/feed/", every="5s")
    assert "frequency '5s' is too often" in page and "(every)" not in page
    assert "a source needs something to follow" in add(kind="mastodon", target="")


def test_a_failed_test_fetch_is_said_in_a_sentence_of_the_readers_language(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    import html

    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "feeds", "http://127.0.0.1:9/feed", name="closed")
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/sources").text)
    page = html.unescape(client.post("/sources/closed/test", data={"csrf_token": token}).text)
    assert "L’essai n’a rien récupéré\u202f: la source n’a pas pu être lue." in page
    assert "L’erreur était\u202f: " in page
    # The error and its hint: two sentences, as every other refused input says them.
    said = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', page, re.S)
    assert said and ". Conseil\u202f: " in said.group(1), said


def test_config_line_shows_only_what_is_set(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Options left unset are not shown as Python's ``None``; secrets stay masked."""
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "bluesky", "search:lumio", name="sky-public")
        add_source(
            ws.state, "bluesky", "search:lumio", name="sky-session",
            options={"handle": "brand.bsky.social", "app_password": "s3cret-pass"},
        )  # fmt: skip
    import html

    login(client, "viewer")
    page = html.unescape(client.get("/sources").text)
    assert "None" not in page
    assert 'mode = "search"' in page and 'value = "lumio"' in page
    assert 'handle = "brand.bsky.social"' in page and 'app_password = "***"' in page
    assert "s3cret-pass" not in page


def test_a_sources_settings_read_as_veille_source_list_writes_them(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The page wrote a feed's settings as Python does, ``adaptive=True``,
    ``platform=`` (an option not set, shown empty) and ``url=https://…``,
    where ``veille source list`` and veille.toml write ``adaptive = true``
    and ``url = "https://…"``: it now writes them as the command does."""
    import html

    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "feeds", "https://blog.example.org/feed/", name="blog-feed")
    login(client, "viewer")
    page = html.unescape(client.get("/sources", params={"q": "blog-feed"}).text)
    row = re.search(r"<th scope=\"row\">blog-feed.*?<small>(.*?)</small>", page, re.S)
    assert row is not None, page
    said = row.group(1)
    assert 'url = "https://blog.example.org/feed/"' in said and "adaptive = true" in said, said
    assert "True" not in said and "platform=" not in said and "platform =" not in said, said


def test_the_sources_page_says_which_posts_were_dated_in_the_future(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """A post dated in 2031 is dated when collected; the sources page says
    so beside the source's posts, in the reader's language."""
    import html

    path = live_server.root / "ahead.csv"
    path.write_text(
        "platform,id,text,author,published_at\n"
        "mastodon,31,from the future,zoe,2031-01-01T08:00:00Z\n"
        "mastodon,32,on time,zoe,2026-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(path), name="ahead")
    login(client, "analyst")
    token = csrf_from(client.get("/sources").text)
    assert client.post("/sources/ahead/collect", data={"csrf_token": token}).status_code == 303
    page = html.unescape(client.get("/sources", params={"q": "ahead"}).text)
    assert "1 post dated in the future (" in page and ") was dated when collected" in page
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources", params={"q": "ahead"}).text)
    assert "1 publication datée dans le futur (" in page
    assert ") a été datée de sa collecte" in page
    client.cookies.set("veille_lang", "en")


def test_the_sources_page_says_which_posts_of_erased_people_were_not_stored(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Posts a source gives by a person erased (who objects to further
    processing) are not stored; the sources page said nothing of them, as if
    the source had given fewer posts. It says how many, in the reader's
    language."""
    import html

    from veille.services.privacy import erase_author

    path = live_server.root / "erased.csv"
    head = "platform,id,text,author,published_at\n"
    path.write_text(head + "mastodon,41,fibre,claire,2026-03-01T10:00:00Z\n", encoding="utf-8")
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(path), name="erased")
    login(client, "analyst")
    token = csrf_from(client.get("/sources").text)
    assert client.post("/sources/erased/collect", data={"csrf_token": token}).status_code == 303
    with Workspace.open(live_server.root) as ws:
        erase_author(ws, "claire")
    with path.open("a", encoding="utf-8") as f:
        f.write("mastodon,42,fibre encore,claire,2026-03-02T10:00:00Z\n")
        f.write("mastodon,43,fibre aussi,bob,2026-03-02T10:00:00Z\n")
    assert client.post("/sources/erased/collect", data={"csrf_token": token}).status_code == 303
    page = html.unescape(client.get("/sources", params={"q": "erased"}).text)
    assert "1 post by a person who objects (erased) was not stored" in page
    client.cookies.set("veille_lang", "fr")
    page = html.unescape(client.get("/sources", params={"q": "erased"}).text)
    assert "1 publication d’une personne qui s’y oppose (effacée) n’a pas été gardée" in page
    client.cookies.set("veille_lang", "en")


def test_collect_now_says_its_count_of_new_posts_agreeing_with_it(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The "Collect now" button said "1 new posts" / "1 nouvelles
    publications": the count of new posts takes its word's number, in
    English and in French (where 0 and 1 are singular)."""
    import html

    path = live_server.root / "single.csv"
    path.write_text(
        "platform,id,text,author,published_at\nmastodon,51,une seule,yann,2026-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(path), name="single")
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/sources").text)

    def collect() -> str:
        sent = client.post("/sources/single/collect", data={"csrf_token": token})
        assert sent.status_code == 303
        page = html.unescape(client.get("/sources").text)
        return page.split('<p class="flash"', 1)[-1].split("</p>", 1)[0]

    page = collect()
    assert "single\u202f: 1 nouvelle publication, 0 en quarantaine." in page
    page = collect()  # nothing new the second time
    assert "single\u202f: 0 nouvelle publication, 0 en quarantaine." in page
    client.cookies.set("veille_lang", "en")
    with path.open("a", encoding="utf-8") as f:
        f.write("mastodon,52,a second,yann,2026-03-02T10:00:00Z\n")
    assert "single: 1 new post, 0 quarantined." in collect()
    assert "single: 0 new posts, 0 quarantined." in collect()


def test_the_quarantine_retry_says_its_counts_agreeing_with_them(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """Retrying the quarantine said "0 éléments enregistrés, 1 toujours
    illisibles" (and "1 items stored"): each count takes its word's number."""
    import html

    path = live_server.root / "garbled.csv"
    path.write_text(
        "platform,id,text,author,published_at\nmastodon,61,sans date,zoe,not-a-date\n",
        encoding="utf-8",
    )
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(path), name="garbled")
    login(client, "analyst")
    client.cookies.set("veille_lang", "fr")
    token = csrf_from(client.get("/sources").text)
    sent = client.post("/sources/garbled/collect", data={"csrf_token": token})
    assert sent.status_code == 303

    def retry() -> str:
        sent = client.post(
            "/sources/quarantine/retry", data={"csrf_token": token, "source": "garbled"}
        )
        assert sent.status_code == 303
        page = html.unescape(client.get("/sources").text)
        return page.split('<p class="flash"', 1)[-1].split("</p>", 1)[0]

    said = retry()
    assert "Quarantaine\u202f: 0 élément enregistré, 1 toujours illisible." in said, said
    client.cookies.set("veille_lang", "en")
    said = retry()
    assert "Quarantine: 0 items stored, 1 still failing." in said, said


def test_the_sources_page_writes_its_counts_the_readers_way(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """A source with 1,200 items in quarantine read "1200" in its Quarantined
    column, in English and in French, beside its posts written « 1 234 »:
    every count of the row is now written the reader's way."""
    import html

    path = live_server.root / "undated.csv"
    rows = "".join(f"mastodon,{n},undated {n},zoe,not-a-date\n" for n in range(1200))
    path.write_text("platform,id,text,author,published_at\n" + rows, encoding="utf-8")
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "file", str(path), name="undated")
    login(client, "analyst")
    token = csrf_from(client.get("/sources").text)
    assert client.post("/sources/undated/collect", data={"csrf_token": token}).status_code == 303
    for lang, written in (("en", "1,200"), ("fr", "1\u202f200")):
        client.cookies.set("veille_lang", lang)
        page = html.unescape(client.get("/sources", params={"q": "undated"}).text)
        row = re.search(r'<th scope="row">undated.*?</tr>', page, re.S)
        assert row is not None, page
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
        assert cells[4].strip() == written, cells  # Quarantined


def test_the_sources_page_says_each_kind_and_how_often_in_words(
    live_server: Served, client: httpx.Client, login: Login, posts_file: Path
) -> None:
    """A source's kind reads as its platform or format (« Hacker News »,
    « flux », « fichier »), never its code, and how often it is collected
    in words: until 2026-12-07 the page wrote ``hackernews`` and no interval."""
    import html

    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "hackernews", "lumio", name="hn-lumio", every="30m")
        add_source(ws.state, "feeds", "https://example.org/feed/", name="blog", every="1h")
        add_source(ws.state, "file", str(posts_file), name="drop", every="2d")
    login(client, "viewer")

    def row(page: str, name: str) -> str:
        found = re.search(rf'<th scope="row">{name}\b.*?</tr>', page, re.S)
        assert found, page
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(found.group(0))))

    client.cookies.set("veille_lang", "en")
    page = client.get("/sources").text
    assert "Hacker News every 30 minutes" in row(page, "hn-lumio")
    assert "feeds every hour" in row(page, "blog")
    assert "file every 2 days" in row(page, "drop")
    assert "<td>hackernews" not in page

    client.cookies.set("veille_lang", "fr")
    page = client.get("/sources").text
    assert "Hacker News toutes les 30 minutes" in row(page, "hn-lumio")
    assert "flux toutes les heures" in row(page, "blog")
    assert "fichier tous les 2 jours" in row(page, "drop")


def test_the_add_forms_kinds_are_in_the_order_of_their_words(
    live_server: Served, client: httpx.Client, login: Login
) -> None:
    """The add form lists kinds by the words it shows, as its reader reads
    them: until 2026-12-07 they came by code, so a French reader read
    « flux » before « fichier » and « pages web » after « Reddit »."""
    import html

    from veille.textnorm import fold

    login(client, "analyst")
    shown: dict[str, list[str]] = {}
    for language in ("fr", "en"):
        client.cookies.set("veille_lang", language)
        page = client.get("/sources").text
        found = re.search(r'<select id="s-kind".*?</select>', page, re.S)
        assert found, page
        options = re.findall(r"<option[^>]*>([^<]*)<", found.group(0))
        shown[language] = [html.unescape(o) for o in options]
        assert shown[language] == sorted(shown[language], key=fold), shown
    # French: the words (« fichier », « flux », « pages web »), not their
    # codes (file, feeds, web), set the order.
    fr = shown["fr"]
    assert fr.index("Facebook") < fr.index("fichier") < fr.index("flux"), fr
    assert fr.index("Mastodon") < fr.index("pages web") < fr.index("Reddit"), fr
    en = shown["en"]
    assert en.index("feeds") < en.index("file") < en.index("Hacker News"), en


def test_the_sources_search_finds_a_kind_by_the_words_the_page_says(
    live_server: Served, client: httpx.Client, login: Login, posts_file: Path
) -> None:
    """The page names a kind « fichier » or « Hacker News »: searching those
    words finds those sources (until 2026-12-07 only the codes, ``file``,
    ``hackernews``, found them)."""
    with Workspace.open(live_server.root) as ws:
        add_source(ws.state, "hackernews", "vexa", name="hn-vexa")
        add_source(ws.state, "file", str(posts_file), name="dropped-csv")
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")

    def found(q: str) -> set[str]:
        page = client.get("/sources", params={"q": q}).text
        return set(re.findall(r'<th scope="row">([\w.:-]+)', page))

    assert "dropped-csv" in found("fichier") and "hn-vexa" not in found("fichier")
    assert "hn-vexa" in found("hacker news") and "dropped-csv" not in found("hacker news")
    assert "dropped-csv" in found("file")  # the code still finds it
