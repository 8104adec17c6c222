"""Every listening page renders for a viewer, in English and in French, and
shows untrusted post fields escaped."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import Served
from tests.web.pages_data import HOSTILE_NAME, HOSTILE_TEXT, HOSTILE_TITLE, seed

# Each page and a word of its heading in each language.
PAGES = [
    ("/", "Dashboard", "Tableau de bord"),
    ("/stream", "Mention stream", "Flux des mentions"),
    ("/stream?q=lumio&sentiment=negative", "Mention stream", "Flux des mentions"),
    ("/topics", "Topics", "Sujets"),
    ("/topics/lumio", "Version history", "Historique des versions"),
    ("/alerts", "Alerts", "Alertes"),
    ("/sources", "Quarantine", "Quarantaine"),
    ("/influencers", "Influencers", "Influenceurs"),
    ("/trends", "Trends", "Tendances"),
    ("/reports", "Reports", "Rapports"),
    ("/reports?topic=lumio&period=last-7d", "Download", "Télécharger"),
]


@pytest.fixture(scope="module")
def seeded(live_server: Served) -> Served:
    seed(live_server.root, hostile=True)
    return live_server


@pytest.mark.parametrize(("lang", "column"), [("en", 1), ("fr", 2)])
@pytest.mark.parametrize(("path", "en", "fr"), PAGES)
def test_page_renders_for_a_viewer(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    path: str, en: str, fr: str, lang: str, column: int,
) -> None:  # fmt: skip
    client.cookies.set("veille_lang", lang)
    login(client, "viewer")
    page = client.get(path)
    assert page.status_code == 200, page.text[:2000]
    assert (en, fr)[column - 1] in page.text
    assert f'<html lang="{lang}">' in page.text


def test_pages_need_a_login(seeded: Served, client: httpx.Client) -> None:
    for path, _en, _fr in PAGES:
        page = client.get(path)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/stream", "/stream?q=lumio", "/posts/mastodon:hostile"])
def test_post_fields_are_escaped(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response], path: str
) -> None:
    login(client, "viewer")
    html = client.get(path).text
    assert "mallory" in html  # the post is on the page
    for raw in (HOSTILE_TEXT, HOSTILE_NAME, HOSTILE_TITLE, "<script>alert"):
        assert raw not in html
    assert "&lt;script&gt;" in html
    # A javascript: link is never a link.
    assert "javascript:" not in html


def test_veille_serve_makes_the_dashboard_before_the_first_visitor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The warm-up ``veille serve`` runs on a thread as it starts: the
    dashboard's default figures, in both languages, and the trends' default
    terms are kept before anyone asks, and a visitor's page is made from
    them."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.web.routes import dashboard, trends
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    app = create_app(root)
    dashboard.warm(app)
    kept = app.state.listening_recent["dashboard"]
    made_for = {key[:2] for key in kept._items}
    assert made_for == {("last-30d", "en"), ("last-30d", "fr")}
    found = next(v for k, v in kept._items.items() if k[:2] == ("last-30d", "en"))[1][0]
    assert {t.name for t in found.topics} == {"lumio", "vexa"}
    trends.warm(app)
    terms = app.state.listening_recent["trends"]
    made = dict(terms._items)
    assert set(made) == {("", "", "last-30d")}
    with TestClient(app) as client:
        do_login(client, "viewer")
        page = client.get("/")
        shown = client.get("/trends")
    assert page.status_code == 200 and "lumio" in page.text
    assert {key[:2] for key in kept._items} == made_for  # nothing new made
    assert len(kept._items) == 2
    assert shown.status_code == 200 and "Trends" in shown.text
    assert terms._items == made  # the same answer, not made again


def test_a_report_shown_again_within_the_minute_is_not_made_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The report page keeps each report (topic or query, period as dates,
    language) a minute for every viewer: a second view is the same page,
    another language another report."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    app = create_app(root)
    with TestClient(app) as client:
        do_login(client, "viewer")
        first = client.get("/reports?topic=lumio&period=last-7d&lang=en")
        kept = app.state.listening_recent["reports"]
        made = dict(kept._items)
        again = client.get("/reports?topic=lumio&period=last-7d&lang=en")
        assert first.status_code == again.status_code == 200
        assert first.text == again.text and "lumio" in first.text
        assert kept._items == made and len(made) == 1
        client.get("/reports?topic=lumio&period=last-7d&lang=fr")
        assert len(kept._items) == 2


def test_a_french_report_downloads_under_a_french_name(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The report's download was « veille-report-….html » for a French reader,
    while the same report e-mailed to them is « rapport-veille-….pdf »."""
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    got = client.get("/reports/download", params={"period": "last-7d", "format": "html"})
    assert got.status_code == 200
    assert 'filename="rapport-veille-all-last-7d.html"' in got.headers["content-disposition"]
    assert "Rapport d’écoute" in got.text
    english = client.get("/reports/download", params={"period": "last-7d", "lang": "en"})
    assert 'filename="veille-report-all-last-7d.html"' in english.headers["content-disposition"]


def _words(page: httpx.Response) -> str:
    """The page's text as a reader reads it (tags dropped, entities read)."""
    import html
    import re

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _axis_dates(svg: str) -> list[str]:
    """The x axis' labels of a chart (the first axis vl-convert draws)."""
    import re

    group = re.search(r"role-axis-label.*?</g>", svg, flags=re.S)
    assert group, svg[:500]
    return re.findall(r"<text[^>]*>([^<]*)</text>", group.group(0))


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("period", ["last-7d", "last-week"])
def test_a_week_chart_labels_each_day_once(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    period: str, lang: str,
) -> None:  # fmt: skip
    import re

    client.cookies.set("veille_lang", lang)
    login(client, "viewer")
    page = client.get(f"/?period={period}")
    assert page.status_code == 200
    image = re.search(r'<img src="([^"]+)"', page.text.split('class="card topic-card"')[1])
    assert image
    svg = client.get(image.group(1).replace("&amp;", "&"))
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    labels = _axis_dates(svg.text)
    assert 1 < len(labels) <= 8 and len(labels) == len(set(labels)), labels


def test_report_and_cli_charts_have_a_tick_per_bucket_at_most() -> None:
    """The same axis for the reports' and the command line's charts: days,
    hours (with the hour) and weeks, each labelled once."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from veille.analytics import charts
    from veille.analytics.scope import Period
    from veille.analytics.volume import SentimentPoint, Volume, VolumePoint

    start = datetime(2026, 11, 23, tzinfo=ZoneInfo("Europe/Paris"))
    for interval, n, step in (
        ("day", 7, timedelta(days=1)), ("day", 30, timedelta(days=1)),
        ("hour", 24, timedelta(hours=1)), ("week", 13, timedelta(days=7)),
    ):  # fmt: skip
        points = [VolumePoint(start + i * step, i, None, 1) for i in range(n)]
        vol = Volume(interval, Period(start, start + n * step), points, n, n)
        for lang in ("en", "fr"):
            labels = _axis_dates(charts.to_svg(charts.volume_chart(vol, lang=lang)))
            assert len(labels) == len(set(labels)) and len(labels) <= min(n, 10), labels
            if interval == "hour":
                assert all(":" in label for label in labels), labels
        sentiment = [SentimentPoint(start + i * step, 1, 0, 0) for i in range(n)]
        labels = _axis_dates(charts.to_svg(charts.sentiment_chart(sentiment, lang="fr")))
        assert len(labels) == len(set(labels)) and len(labels) <= min(n, 10), labels


@pytest.mark.parametrize(
    ("path", "fr"),
    [
        ("/reports?topic=lumio&period=garbage", "période inconnue « garbage »"),
        ("/reports?topic=lumio&period=2026-11-31..2026-12-02", "« 2026-11-31 » n’est pas une date"),
        ("/?period=bad", "période inconnue « bad »"),
        ("/influencers?period=bad", "période inconnue « bad »"),
        ("/trends?period=bad", "période inconnue « bad »"),
        ("/trends?period=2026-11-01..2026-11-30", "période inconnue « 2026-11-01..2026-11-30 »"),
    ],
)
def test_a_bad_period_is_refused_in_the_readers_language(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    path: str, fr: str,
) -> None:  # fmt: skip
    """Never another period's figures shown instead: a 400 naming the value
    and the choices, in French for a French reader."""
    client.cookies.set("veille_lang", "fr")
    login(client, "viewer")
    page = client.get(path)
    words = _words(page)
    assert page.status_code == 400, words[:500]
    assert fr in words
    assert "last-30d" in words or "AAAA-MM-JJ" in words  # the choices, or how to write a date
    assert "unknown period" not in words and "Use last-week" not in words
    client.cookies.set("veille_lang", "en")
    assert "period '" in _words(client.get(path))


@pytest.mark.parametrize("page_path", ["/influencers", "/trends", "/reports"])
def test_a_query_error_is_shown_with_its_caret_not_the_cli_words(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response], page_path: str
) -> None:
    client.cookies.set("veille_lang", "fr")
    login(client, "viewer")
    page = client.get(f"{page_path}?query=lumio%20AND")
    words = _words(page)
    assert page.status_code == 400
    assert "Cette requête est illisible" in words and "(colonne 7)" in words
    assert "<code>lumio AND\n" + " " * 6 + "^</code>" in page.text  # the caret under column 7
    assert "Conseil" in words
    for cli in ("--query", "docs/query.md", "invalid query"):
        assert cli not in words
    client.cookies.set("veille_lang", "en")
    words = _words(client.get(f"{page_path}?query=lumio%20AND"))
    assert "This query cannot be read" in words and "--query" not in words


def test_a_topic_and_a_query_are_labelled_as_both(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "viewer")
    for path in ("/influencers", "/trends", "/reports"):
        client.cookies.set("veille_lang", "en")
        assert "lumio AND panne" in _words(client.get(f"{path}?topic=lumio&query=panne"))
        client.cookies.set("veille_lang", "fr")
        assert "lumio ET panne" in _words(client.get(f"{path}?topic=lumio&query=panne"))


@pytest.mark.parametrize("path", ["/nope", "/sources/nope"])
def test_a_missing_page_is_said_in_french(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response], path: str
) -> None:
    client.cookies.set("veille_lang", "fr")
    login(client, "viewer")
    page = client.get(path)
    assert page.status_code == 404
    assert "Not Found" not in page.text and "Il n’y a pas de page à cette adresse" in _words(page)


def test_dashboard_signs_net_sentiment_and_names_platforms(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The cards' net sentiment carries its sign as the findings do."""
    import re

    login(client, "viewer")
    words = _words(client.get("/"))
    shown = re.search(r"Net sentiment ([+\u2212]?\d\.\d\d)", words)
    assert shown and shown.group(1)[0] in "+\u2212", words[:2000]
    assert f"net sentiment {shown.group(1)}" in words  # the findings' figure, the same


def test_each_posts_per_day_chart_gives_its_figures_as_a_table(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """A screen reader reads no chart: beside each card's posts-per-day chart
    a table (behind a disclosure) gives a day per row, and its days add up to
    the card's Posts."""
    import re

    login(client, "viewer")
    page = client.get("/").text
    cards = re.findall(r'<section class="card topic-card".*?</section>', page, re.S)
    assert cards, page[:2000]
    for card in cards:
        shown = re.search(r"<dt>Posts</dt><dd>([\d,]+)", card)
        assert shown, card[:1000]
        table = re.search(r'<details class="chart-data">.*?</details>', card, re.S)
        assert table, f"a chart without its figures: {card[:600]}"
        assert "<caption" in table.group(0) and '<th scope="col">' in table.group(0)
        days = re.findall(
            r'<tr><th scope="row" class="when">[^<]+</th><td>([\d,]+)</td>', table.group(0)
        )
        assert days, table.group(0)[:600]
        assert sum(int(d.replace(",", "")) for d in days) == int(shown.group(1).replace(",", ""))


# Pages whose tables the seeded workspace fills, for the admin.
TABLE_PAGES = ["/", "/topics", "/topics/lumio", "/sources", "/influencers", "/trends", "/settings",
               "/audit", "/users", "/inbox"]  # fmt: skip


def test_every_table_has_a_name(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """A screen reader lists a page's tables by their names: each has a
    caption, or aria-labelledby pointing at the heading above it."""
    import re

    login(client, "admin")
    nameless = []
    seen = 0
    for path in TABLE_PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        for table in re.findall(r"<table\b[^>]*>.*?</table>", page.text, re.S):
            seen += 1
            opening = table[: table.index(">") + 1]
            named_by = re.search(r'aria-labelledby="([^"]+)"', opening)
            if named_by:
                heading = re.search(rf'id="{named_by.group(1)}"[^>]*>([^<]+)<', page.text)
                if heading and heading.group(1).strip():
                    continue
            elif re.search(r"<caption\b[^>]*>\s*[^<\s]", table):
                continue
            nameless.append(f"{path}: {opening} {table[len(opening) :][:120]!r}")
    assert seen >= len(TABLE_PAGES) - 1, f"only {seen} tables seen"
    assert not nameless, "tables without a name:\n" + "\n".join(nameless)


def test_spikes_name_platforms_as_the_cards_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    from tests.conftest import make_post
    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    seed(root)
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    burst = [
        make_post(f"burst{i}", f"lumio burst {i}", platform="mastodon", lang="en",
                  published_at=day - timedelta(days=2, minutes=i))
        for i in range(60)
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(burst)
    add_role_users(root)
    with TestClient(create_app(root)) as client:
        do_login(client, "viewer")
        words = _words(client.get("/"))
    assert "Mostly on Mastodon (" in words, words[:3000]
    assert "mastodon (" not in words
    # Each of the spike's sentences is apart from the one before, as read.
    assert "Most active: @" in words and ".Most" not in words, words[:3000]


@pytest.mark.parametrize(
    "period",
    [
        "2026-11-05T10:00..2026-11-01",  # a date-time, then an earlier day
        "2026-11-05T10:00..2026-11-05T10:00",  # no time at all between its ends
        "2026-11-01 .. 2026-11-30",  # spaces around "..", as the command line takes it
    ],
)
@pytest.mark.parametrize("path", ["/?period=", "/reports?topic=lumio&period="])
def test_a_period_range_is_judged_by_the_pages_as_by_the_command_line(
    seeded: Served, client: httpx.Client, login: Callable[..., httpx.Response],
    path: str, period: str,
) -> None:  # fmt: skip
    """The pages checked a FROM..TO range with rules of their own beside
    parse_period's: a range ending before it started (a date-time, then an
    earlier day) passed the page's check and failed later, and the command
    line's spaces around ".." were refused. One check now: the page answers
    as `veille report --period` does."""
    from veille.analytics.scope import parse_period
    from veille.errors import UsageError

    client.cookies.set("veille_lang", "fr")
    login(client, "viewer")
    page = client.get(path + period)
    words = _words(page)
    try:
        parse_period(period)
    except UsageError:
        assert page.status_code == 400, words[:500]
        assert f"la période « {period} » finit avant de commencer" in words, words[:800]
        assert "Conseil : écrivez DU..AU, la date la plus ancienne d’abord." in words
    else:
        assert page.status_code == 200, words[:500]
