"""What a reader of the French (and English) pages sees, read as they see
it: the text, the values shown in the form fields and the options chosen.
Machine words (``last-week``, ``en``, ``rss``) were shown where the page
has words of the reader's language for them."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

from tests.web.conftest import Served, do_login


class _Seen(HTMLParser):
    """The text a reader sees: text outside scripts and styles, the value of
    each field shown, and the chosen option of each list (not the others)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0
        self._select: list[list[tuple[bool, list[str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style", "datalist"):
            self._hidden += 1
        elif tag == "input" and a.get("type") not in ("hidden", "checkbox", "radio"):
            self.parts.append(a.get("value") or a.get("placeholder") or "")
        elif tag == "select":
            self._select.append([])
        elif tag == "option" and self._select:
            self._select[-1].append(("selected" in a, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "datalist"):
            self._hidden -= 1
        elif tag == "select" and self._select:
            options = self._select.pop()
            chosen = [o for o in options if o[0]] or options[:1]
            self.parts.extend(" ".join(o[1]) for o in chosen)

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._select and self._select[-1]:
            self._select[-1][-1][1].append(data)
        else:
            self.parts.append(data)


def seen(markup: str) -> str:
    """``markup`` as a reader sees it, its spaces made one."""
    parser = _Seen()
    parser.feed(markup)
    return " ".join(" ".join(parser.parts).split())


def _get(served: Served, path: str, lang: str, role: str = "viewer") -> httpx.Response:
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        do_login(client, role)
        return client.get(path)


def test_the_reports_period_is_chosen_in_the_readers_words(live_server: Served) -> None:
    """The period field showed ``last-week`` in its box and the hint listed
    last-week, last-month, last-7d, last-30d, on French pages as on English
    ones."""
    for lang, chosen in (("fr", "Semaine dernière"), ("en", "Last week")):
        page = _get(live_server, "/reports", lang)
        assert page.status_code == 200, page.text[:2000]
        text = seen(page.text)
        assert f"Période {chosen}" in text or f"Period {chosen}" in text, text
        for machine in ("last-week", "last-month", "last-7d", "last-30d", "FROM..TO", "DU..AU"):
            assert machine not in text, (lang, machine, text)


def test_a_report_between_two_dates_is_asked_with_two_dates(live_server: Served) -> None:
    """Dates are given in two date fields; the report's link still carries
    FROM..TO (as report e-mails do), and the form shows that link's dates."""
    page = _get(live_server, "/reports?period=&from=2026-03-01&to=2026-03-31", "fr")
    assert page.status_code == 200, page.text[:2000]
    assert "period=2026-03-01..2026-03-31" in page.text  # the download links
    text = seen(page.text)
    assert "Entre les dates ci-dessous Du 2026-03-01 Au (inclus) 2026-03-31" in text, text
    # A report e-mail's link reads the same in the form.
    linked = seen(_get(live_server, "/reports?period=2026-03-01..2026-03-31", "fr").text)
    assert "Entre les dates ci-dessous Du 2026-03-01 Au (inclus) 2026-03-31" in linked, linked


def test_a_report_between_dates_with_one_left_empty_says_which_to_fill(
    live_server: Served,
) -> None:
    page = _get(live_server, "/reports?period=&from=2026-03-01&to=", "fr")
    assert page.status_code == 400, page.text[:2000]
    text = seen(page.text)
    assert "il manque le premier ou le dernier jour du rapport" in text, text
    assert "Conseil : indiquez les deux dates (le dernier jour est inclus)" in text, text


def _hn_item(served: Served) -> int:
    """An inbox item of a Hacker News post, entered once per module."""
    from datetime import UTC, datetime

    from veille.inbox import items as svc
    from veille.inbox.model import ItemFilter
    from veille.models import Author, Post
    from veille.pipeline.ingest import build_pipeline
    from veille.query.topics import add_topic

    post = Post.create(
        platform="hackernews", native_id="hn1", text="lumio is down again",
        author=Author("person"), published_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        lang="en", url="https://news.example/item?id=1",
    )  # fmt: skip
    with served.workspace() as ws:
        if ws.store.topic("hn-inbox") is None:
            add_topic(ws.store, "hn-inbox", "lumio", inbox=True)
            build_pipeline(ws, skip=("enrich",)).ingest([post])
        listed = svc.list_items(ws.state, ItemFilter(limit=50))
    (item,) = [i.id for i in listed if i.post_id == post.id]
    return item


def test_an_inbox_item_names_its_platform_as_the_reader_does(live_server: Served) -> None:
    """The item's page read « Ouvrir la publication sur hackernews » and
    « supprimée sur hackernews » (the platform's key) where its header says
    Hacker News."""
    from veille.inbox import items as svc

    item = _hn_item(live_server)
    with live_server.workspace() as ws:
        svc.mark_deleted_upstream(ws.state, item, actor="manager")
    for lang, words in (
        ("fr", ("Ouvrir la publication sur Hacker News", "supprimée sur Hacker News")),
        ("en", ("Open the post on Hacker News", "deleted on Hacker News")),
    ):
        text = seen(_get(live_server, f"/inbox/{item}", lang).text)
        assert all(w in text for w in words), (lang, text)
        assert "hackernews" not in text, (lang, text)


def test_the_channel_plan_names_its_languages_in_the_readers_words(own_server: Served) -> None:
    """The plan's channel table and its web page document read « Langues en,
    fr » (codes) where the stream, inbox and dashboard say « anglais »."""
    from veille.plan.channels import set_channel

    with own_server.workspace() as ws:
        set_channel(ws.state, "mastodon", languages=["fr", "en"], tone="clair")
    for lang, said in (("fr", "français, anglais"), ("en", "French, English")):
        for path in ("/plan", f"/plan/export?format=html&language={lang}"):
            page = _get(own_server, path, lang)
            assert page.status_code == 200, page.text[:2000]
            assert said in seen(page.text), (lang, path, seen(page.text))
            assert "fr, en" not in seen(page.text), (lang, path)


def test_the_inbox_filters_offer_platforms_and_languages_by_name(live_server: Served) -> None:
    """The inbox's Platform and Language filters were boxes to type in that
    matched only the codes: « Reddit » or « anglais » (the words the list
    itself shows) found no item and said nothing. They offer the names, as
    the stream does, and the one chosen stays chosen."""
    page = _get(live_server, "/inbox?platform=hackernews&language=en", "fr")
    assert page.status_code == 200, page.text[:2000]
    text = seen(page.text)
    assert "Plateforme Hacker News Langue anglais" in text, text
    markup = page.text
    assert '<option value="reddit">Reddit</option>' in markup
    assert '<option value="fr">français</option>' in markup


def test_categories_saved_on_a_french_item_page_are_not_said_to_be_tags(
    live_server: Served,
) -> None:
    """The form under « Étiquettes » and « Catégories » was sent by
    « Enregistrer les étiquettes » and answered « Étiquettes enregistrées. »
    (English "labels": tags and categories; French « étiquettes »: the tags
    alone), so categories saved read as if they had gone into the tags."""
    from tests.web.conftest import csrf_from

    item = _hn_item(live_server)
    with httpx.Client(base_url=live_server.url, timeout=60, cookies={"veille_lang": "fr"}) as c:
        do_login(c, "analyst")
        form = c.get(f"/inbox/{item}").text
        assert "Enregistrer étiquettes et catégories" in seen(form)
        done = c.post(
            f"/inbox/{item}/labels",
            data={"csrf_token": csrf_from(form), "categories": "réclamation"},
            follow_redirects=True,
        )
    text = seen(done.text)
    assert "Étiquettes et catégories enregistrées." in text, text
    assert "Catégories réclamation" in text, text
