"""Findings say what their figures say, in English and in French."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.conftest import TZ, make_post
from veille.analytics.findings import findings
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.analytics.tops import Figure
from veille.analytics.volume import SentimentPoint
from veille.workspace import Workspace, init_workspace

N = "\u202f"
START = datetime(2026, 3, 23, tzinfo=ZoneInfo(TZ))


def data(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "about": "lumio",
        "headline": {"posts": Figure("posts", 10, 8)},
        "platforms": [],
        "peak": None,
        "sentiment": None,
        "trends": [],
        "influencers": [],
        "baseline_periods": 4,
    }
    return base | over


def platform(share: float, previous_share: float = 0.2) -> SimpleNamespace:
    return SimpleNamespace(
        key="mastodon", posts=4, share=share, previous=1, previous_share=previous_share
    )


def mood(positive: int, negative: int, neutral: int) -> SentimentPoint:
    return SentimentPoint(START, positive, negative, neutral)


def test_most_is_said_only_above_half() -> None:
    assert "Most conversation is on Mastodon (51%), up from 20%." in findings(
        data(platforms=[platform(0.51)]), "en"
    )
    found = findings(data(platforms=[platform(0.5)]), "en")
    assert "The largest share of conversation is on Mastodon (50%), up from 20%." in found
    assert not any(s.startswith("Most") for s in found)
    fr = findings(data(platforms=[platform(0.4, 0.4)]), "fr")
    assert (
        f"La plus grande part de la conversation se tient sur Mastodon (40{N}%), "
        "comme la période précédente." in fr
    )
    assert (
        f"L’essentiel de la conversation se tient sur Mastodon (60{N}%)"
        in findings(data(platforms=[platform(0.6)]), "fr")[1]
    )


def test_a_lead_the_table_shows_at_the_same_share_as_others_is_said_by_its_posts() -> None:
    """Mastodon held 91 posts, Facebook and LinkedIn 86 each, of 550: the
    table of platforms shows the three at 16% and the finding beside it
    said "The largest share … is on Mastodon (16%)", as if 16% were
    Mastodon's alone. It names the posts that put Mastodon ahead."""
    held = {"mastodon": 91, "facebook": 86, "linkedin": 86, "bluesky": 80, "youtube": 70,
            "reddit": 70, "rss": 67}  # fmt: skip
    total = sum(held.values())
    platforms = [
        SimpleNamespace(key=key, posts=n, share=n / total, previous=n, previous_share=n / total)
        for key, n in held.items()
    ]
    en = findings(data(platforms=platforms), "en")
    assert (
        "The largest share of conversation is on Mastodon (16%, 91 posts, ahead of "
        "Facebook (86) and LinkedIn (86)), as before." in en
    ), en
    fr = findings(data(platforms=platforms), "fr")
    assert (
        f"La plus grande part de la conversation se tient sur Mastodon (16{N}%, 91 publications, "
        "devant Facebook (86) et LinkedIn (86)), comme la période précédente." in fr
    ), fr
    # A lead the table shows apart keeps its share alone.
    alone = [
        SimpleNamespace(key=key, posts=n, share=n / 5, previous=1, previous_share=0.5)
        for key, n in (("mastodon", 3), ("rss", 2))
    ]
    assert "Most conversation is on Mastodon (60%), up from 50%." in findings(
        data(platforms=alone), "en"
    )


@pytest.mark.parametrize(
    ("point", "en", "fr"),
    [
        # 35% positive, 20% negative: net +0.15 leans positive, but is no majority.
        (mood(35, 20, 45), "more positive than negative", "plutôt positif"),
        (mood(60, 10, 30), "mostly positive", "majoritairement positif"),
        (mood(30, 25, 45), "balanced", "équilibré"),  # net +0.05: inside ±0.10
        (mood(10, 5, 85), "mostly neutral", "majoritairement neutre"),
        (mood(1, 2, 0), "mostly negative", "majoritairement négatif"),
    ],
)
def test_a_sentiment_word_only_past_its_threshold(point: SentimentPoint, en: str, fr: str) -> None:
    assert f"The tone is {en}: net sentiment" in findings(data(sentiment=point), "en")[1]
    assert f"Le ton est {fr}{N}: sentiment net" in findings(data(sentiment=point), "fr")[1]


def test_plurals_numbers_and_french_punctuation() -> None:
    trend = SimpleNamespace(term="petite note", stories=1, baseline=2)
    peak = SimpleNamespace(start=START, posts=1)
    one = data(headline={"posts": Figure("posts", 1, 0)}, trends=[trend], peak=peak)
    en = findings(one, "en")
    assert en[0] == "1 post about lumio this period, none the period before."
    assert en[1] == "The busiest day was March 23, 2026 (1 post)."
    assert en[2] == (
        "Rising: “petite note” (1 story, against 0.5 on average over the 4 periods before)."
    )
    fr = findings(one, "fr")
    assert fr[0] == "1 publication sur lumio cette période, aucune la période précédente."
    assert fr[1] == "Le jour le plus actif a été le 23 mars 2026 (1 publication)."
    assert fr[2] == (
        f"Terme en hausse{N}: «{N}petite note{N}» (1 histoire, contre 0,5 en moyenne sur les 4 "
        "périodes précédentes)."
    )
    steady = findings(data(headline={"posts": Figure("posts", 8, 8)}), "en")
    assert steady == ["Conversation about lumio held steady (8 posts, as the period before)."]


# French as a French reader expects it: no ordinary space before : ; ! ? or
# inside « », no plural after 1, decimal commas.
_LOOSE = re.compile(r"[ \u00a0][:;!?»]|«[ \u00a0]")


def test_french_report_of_a_small_workspace(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(
            [
                make_post("1", "2026-03-24T09:00", text="Lumio panne fibre", handle="alice",
                          lang="fr", sentiment="negative", likes=1),
                make_post("2", "2026-03-25T09:00", text="Lumio : panne ?", handle="alice",
                          lang="fr", sentiment="negative", platform="linkedin"),
                make_post("3", "2026-03-17T09:00", text="Lumio fibre", handle="bob", lang="fr"),
            ]
        )  # fmt: skip
        html, _pdf = render_report(
            ws, query="lumio", period=parse_period("2026-03-23..2026-03-29", timezone=TZ),
            lang="fr", pdf=False,
        )  # fmt: skip
    page = unescape(html)
    body = re.sub(r"<style>.*?</style>|<[^>]+>", "\n", page, flags=re.S)
    ours = "\n".join(
        line
        for line in body.splitlines()
        if "Lumio : panne ?" not in line  # post content
    )
    assert not _LOOSE.search(ours), _LOOSE.search(ours)
    assert f"Période{N}: 23–29 mars 2026" in page
    assert "1 publications" not in ours and "1 interactions" not in ours
    assert "2 publications sur lumio cette période" in ours or "a augmenté de 100" in ours
    assert "LinkedIn" in page and "Linkedin" not in page
    assert "français" in page  # languages by name, not code
    assert "Sujets" not in page and "Histoires les plus reprises" in page
    assert re.search(r"\d\.\d", ours.replace("PageRank", "")) is None  # decimal commas
    assert "Linkedin" not in page


def test_this_period_looks_the_same_in_every_language() -> None:
    from veille.analytics.charts import volume_chart
    from veille.analytics.scope import Period
    from veille.analytics.volume import Volume, VolumePoint

    period = Period(START, datetime(2026, 3, 30, tzinfo=ZoneInfo(TZ)))
    vol = Volume("day", period, [VolumePoint(START, 3, START, 1)], 3, 1)
    style = {}
    for lang in ("en", "fr"):
        spec = volume_chart(vol, lang=lang, about="lumio").to_dict()
        color, dash = spec["encoding"]["color"]["scale"], spec["encoding"]["strokeDash"]["scale"]
        # The first name of each domain is this period, whatever its words.
        assert color["domain"][0] == ("This period" if lang == "en" else "Cette période")
        style[lang] = (color["range"][0], dash["range"][0], color["range"][1], dash["range"][1])
        assert "lumio" in spec["title"] and "2026" in spec["title"]
    assert style["en"] == style["fr"] and style["en"][1] == [1, 0]  # solid this period
    # Axis dates in the chart's language.
    from veille.analytics.charts import to_svg

    assert "mars" in to_svg(volume_chart(vol, lang="fr")) and "Mar" in to_svg(volume_chart(vol))


def test_cli_charts_name_the_topic_and_the_period(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veille.cli import build_app

    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([make_post("1", "2026-03-24T09:00", text="Lumio panne")])
    svg = tmp_path / "v.svg"
    args = ["-w", str(root), "--period", "2026-03-23..2026-03-29", "-q", "lumio"]
    result = CliRunner().invoke(build_app(), ["volume", *args, "--chart", str(svg)])
    assert result.exit_code == 0, result.output
    assert "lumio" in svg.read_text() and "Mar 23" in svg.read_text()
    result = CliRunner().invoke(
        build_app(), ["volume", *args, "--by", "platform", "--chart", str(svg)]
    )
    assert result.exit_code == 0, result.output
    assert "lumio" in svg.read_text() and "Mar 23" in svg.read_text()


def test_a_post_mentioned_in_one_line_shows_its_title_once() -> None:
    from veille.analytics.report import _shown

    def post(title: str | None, text: str) -> SimpleNamespace:
        return SimpleNamespace(title=title, text=text)

    assert _shown(post("Ask HN: fibre?", "Moving soon.")) == "Ask HN: fibre? — Moving soon."
    assert _shown(post("Lumio expands", "")) == "Lumio expands"  # a link story
    assert _shown(post("Lumio expands its…", "Lumio expands its network.")) == (
        "Lumio expands its network."
    )
    assert _shown(post(None, "Just text")) == "Just text"
    assert _shown(post("On hold for two…", "hours, awful.")) == "On hold for two hours, awful."


def test_axis_days_are_not_zero_padded() -> None:
    """The volume chart's axis writes a day as the reader does, « 5 mars »
    (as « 5 mars 2026 » beside it), never « 05 mars »; in English "Mar 5",
    as the chart's title and the page's dates write it ("Mar 2 – 9, 2026")."""
    from veille.analytics.charts import to_svg, volume_chart
    from veille.analytics.scope import Period
    from veille.analytics.volume import Volume, VolumePoint

    first = datetime(2026, 3, 2, tzinfo=ZoneInfo(TZ))
    days = [first + timedelta(days=i) for i in range(8)]
    period = Period(first, days[-1] + timedelta(days=1))
    points = [VolumePoint(d, 3, d - timedelta(days=8), 1) for d in days]
    vol = Volume("day", period, points, 24, 8)
    for lang, label in (("fr", "5 mars"), ("en", "Mar 5")):
        svg = to_svg(volume_chart(vol, lang=lang, about="lumio"))
        labels = re.findall(r"role-axis-label.*?</g>", svg, flags=re.S)
        texts = re.findall(r">([^<>]+)</text>", "".join(labels))
        assert label in texts, texts
        assert not any(re.search(r"(^|\s)0\d\b", t) for t in texts), texts


def test_a_half_percent_is_rounded_up_as_readers_do() -> None:
    # 201 posts against 200 is +0.5%: it reads "grew 1%", not "held steady"
    # (Python's round() took 0.5 to 0); a share of 12.5% reads 13%.
    found = findings(data(headline={"posts": Figure("posts", 201, 200)}), "en")
    assert "Conversation about lumio grew 1% (201 posts, against 200 the period before)." in found
    found = findings(data(platforms=[platform(0.125, 0.125)]), "en")
    assert any("Mastodon (13%)" in s for s in found), found


def test_the_platform_sentence_says_all_and_what_came_before_truly() -> None:
    """One platform only is "all" the conversation, not "most"; a platform
    with no post the period before had 0% of it (the conversation was
    elsewhere), which is not a period without posts."""

    def on(share: float, previous: int, previous_share: float | None) -> SimpleNamespace:
        return SimpleNamespace(key="hackernews", posts=4, share=share, previous=previous,
                               previous_share=previous_share)  # fmt: skip

    def said(p: SimpleNamespace, lang: str) -> str:
        return findings(data(platforms=[p]), lang)[1]

    assert said(on(1.0, 3, 1.0), "en") == "All conversation is on Hacker News (100%), as before."
    assert said(on(1.0, 3, 1.0), "fr") == (
        f"Toute la conversation se tient sur Hacker News (100{N}%), comme la période précédente."
    )
    assert said(on(0.6, 0, 0.0), "en") == "Most conversation is on Hacker News (60%), up from 0%."
    assert said(on(0.6, 0, 0.0), "fr") == (
        f"L’essentiel de la conversation se tient sur Hacker News (60{N}%), "
        f"contre 0{N}% la période précédente."
    )
    assert said(on(0.6, 0, None), "en") == (
        "Most conversation is on Hacker News (60%); no post the period before."
    )
    assert said(on(0.6, 0, None), "fr") == (
        f"L’essentiel de la conversation se tient sur Hacker News (60{N}%){N}; "
        "aucune publication la période précédente."
    )
