"""The dashboard's sentences, read as a user reads them in English and in
French: what the share of voice says of a source that covers only some of
the compared topics names the others as a list ("vexa or orbita", « vexa
ni sur orbita »), and the French page uses French spacing (a narrow no-break
space before the colon)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import make_post
from tests.web.conftest import (
    Served,
    add_role_users,
    do_login,
    name_organization,
    page_as,
    serve,
)
from veille.i18n import format_date
from veille.query.topics import add_topic
from veille.workspace import Workspace, init_workspace

#: When the dashboard's posts begin (set by its fixture).
FIRST_POST: list[datetime] = []


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    name_organization(root)
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    FIRST_POST.append(day)
    posts = [
        # A feed covers every brand; an API search for the brand alone brings
        # the engagement, and none of the competitors' posts.
        make_post("f1", "Lumio panne", source="feed", published_at=day),
        make_post("f2", "Vexa offre", source="feed", published_at=day),
        make_post("f3", "Orbita fibre", source="feed", published_at=day),
        make_post("x1", "Lumio encore", platform="x", likes=40, source="x-search",
                  published_at=day),
        make_post("x2", "Lumio bravo", platform="x", likes=60, source="x-search",
                  published_at=day),
    ]  # fmt: skip
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(posts)
        for name in ("lumio", "vexa", "orbita"):
            add_topic(ws.state, name, name)
    add_role_users(root)
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


def _text(served: Served, lang: str) -> str:
    page = page_as(served, "/?period=last-7d", "viewer", lang)
    # Tags out, line breaks and runs of spaces as one space (not \s: the
    # no-break spaces are what the French page is read for).
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize(
    ("lang", "said", "not_said"),
    [
        ("en", "3 posts about you this period; veille holds posts from {day} on.",
         "none the period before"),
        ("fr", "3 publications sur vous cette période\u202f; veille n’a de publications qu’à "
               "partir du {day}.", "aucune la période précédente"),
    ],
)  # fmt: skip
def test_a_week_before_the_first_post_is_not_said_to_have_none(
    dashboard: Served, lang: str, said: str, not_said: str
) -> None:
    """veille holds no post of the week before the last 7 days (its posts
    begin two days ago): the card says when they begin, where it said no
    post was made then."""
    text = html.unescape(_text(dashboard, lang))
    assert said.format(day=format_date(FIRST_POST[0], lang, "UTC")) in text
    assert not_said not in text


def test_the_missed_topics_are_named_as_a_list_in_english(dashboard: Served) -> None:
    text = _text(dashboard, "en")
    assert "brought 2 posts on lumio and none on vexa or orbita (100% of the compared" in text
    assert "none on vexa, orbita" not in text


def test_the_missed_topics_are_named_as_a_list_in_french_with_french_spacing(
    dashboard: Served,
) -> None:
    text = _text(dashboard, "fr")
    assert (
        "a apporté 2 publications sur lumio et aucune sur vexa ni sur orbita "
        "(100\u202f% de l’engagement comparé)\u202f: elle ne cherche"
    ) in text
    assert "\u00a0:" not in text


def _axis_labels(served: Served, lang: str, chart: str = "") -> list[str]:
    """The texts with a digit of the dashboard's charts (those whose address
    holds ``chart``), in the page's order (its charts are images, each asked
    for as the browser does)."""
    with httpx.Client(base_url=served.url, timeout=60, cookies={"veille_lang": lang}) as client:
        do_login(client, "viewer")
        page = client.get("/?period=last-7d")
        assert page.status_code == 200, page.text[:2000]
        drawn = "".join(
            client.get(html.unescape(src)).text
            for src in re.findall(r'<img src="(/charts/[^"]+)"', page.text)
            if chart in html.unescape(src)
        )
    labels = re.findall(r"<text[^>]*>([^<]*\d[^<]*)</text>", drawn)
    return [html.unescape(t) for t in labels]


def test_an_english_chart_dates_its_days_as_its_title_does(dashboard: Served) -> None:
    """The title says "Nov 29 – Dec 5, 2026": the axis says "Nov 29", not
    "29 Nov"; a French chart keeps « 29 nov. »."""
    day = datetime.now(UTC) - timedelta(days=2)
    english = f"{day:%b} {day.day}"
    assert english in _axis_labels(dashboard, "en")
    assert f"{day.day} {day:%b}" not in _axis_labels(dashboard, "en")
    french = _axis_labels(dashboard, "fr")
    assert any(re.fullmatch(rf"{day.day} \w+\.?", t) for t in french), french


def test_a_chart_of_a_few_posts_counts_them_in_whole_posts(dashboard: Served) -> None:
    """Three posts on the busiest day: the axis reads 0, 1, 2, 3, not 0.5 of
    a post."""
    labels = _axis_labels(dashboard, "en", "chart=volume&topic=lumio")
    counts = [t for t in labels if t.isdigit()]  # (the days are "Nov 29")
    assert "1" in counts and "3" in counts, labels
    assert not [t for t in labels if re.fullmatch(r"\d+\.\d+", t)], labels


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A topic with 201 posts this week and 202 the week before: 0.5% fewer,
    which the page rounds to a change of ±0%."""
    root = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    this_week, week_before = now - timedelta(days=2), now - timedelta(days=10)
    posts = [make_post(f"n{i}", "Kiosk", published_at=this_week) for i in range(201)]
    posts += [make_post(f"p{i}", "Kiosk", published_at=week_before) for i in range(202)]
    # veille listened to the whole week before: its count is a measure.
    posts.append(make_post("early", "Quiet", published_at=now - timedelta(days=20)))
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(posts)
        add_topic(ws.state, "kiosk", "kiosk")
    add_role_users(root)
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("lang", "said", "untrue"),
    [
        ("en", "held steady (201 posts, against 202 the period before)", "posts, as the period"),
        (
            "fr",
            "est stable (201 publications, contre 202 la période précédente)",
            "publications, comme la période",
        ),
    ],
)
def test_a_steady_count_names_the_count_before_when_it_differs(
    steady: Served, lang: str, said: str, untrue: str
) -> None:
    # 201 against 202 is −0.5%: the page shows ±0% and "steady", but the
    # count before was not the same, and the sentence read as if it were.
    text = _text(steady, lang)
    assert said in text
    assert untrue not in text
