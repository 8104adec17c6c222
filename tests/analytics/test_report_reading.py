"""The report as its reader reads it: the generated HTML parsed into its
tables and text, and the PDF laid out and written by WeasyPrint."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.conftest import TZ
from tests.analytics.test_report_cli import WEEK, ws_path  # noqa: F401  (fixture)
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.workspace import Workspace


class _Tables(HTMLParser):
    """Every table of a page: its caption and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1] = ("".join(self._caption).strip(), self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {caption: rows for caption, rows in parser.tables if caption}


def _report(root: Path, lang: str, period: str = WEEK, query: str = "lumio") -> str:
    with Workspace.open(root) as ws:
        html, _pdf = render_report(
            ws, query=query, period=parse_period(period, timezone=TZ), lang=lang, pdf=False
        )
    return html


def test_volume_chart_has_its_figures_as_a_table(ws_path: Path) -> None:  # noqa: F811
    """The volume and net sentiment charts are images: their figures are
    also written out, day by day, beside the week before."""
    en = tables(_report(ws_path, "en"))["Volume over time · Net sentiment"]
    assert en == [
        ["Day", "Posts", "Previous period", "Net sentiment"],
        # Posts 1, 2, the troll's (unscored, on the 27th) and 3; post 6 the Tuesday before.
        ["March 23, 2026", "1", "0", "+1.00"],
        ["March 24, 2026", "1", "1", "\u22121.00"],
        ["March 25, 2026", "0", "0", "–"],
        ["March 26, 2026", "0", "0", "–"],
        ["March 27, 2026", "1", "0", "–"],
        ["March 28, 2026", "0", "0", "–"],
        ["March 29, 2026", "1", "0", "\u22121.00"],
    ]
    fr = tables(_report(ws_path, "fr"))["Volume dans le temps · Sentiment net"]
    assert fr[0] == ["Jour", "Publications", "Période précédente", "Sentiment net"]
    assert fr[1] == ["23 mars 2026", "1", "0", "+1,00"]


def _sections(html: str) -> dict[str, str]:
    """Each section's heading and its text (tags dropped)."""
    import re
    from html import unescape

    found = re.findall(r"<section>\s*<h2>(.*?)</h2>(.*?)</section>", html, re.S)
    return {unescape(h): " ".join(unescape(re.sub(r"<[^>]+>", " ", b)).split()) for h, b in found}


def test_a_period_without_posts_says_so_plainly(ws_path: Path) -> None:  # noqa: F811
    """No post in the period nor before: one plain sentence, every section
    says it has nothing, and no chart of flat zeros or bare table headers."""
    # A week veille listened to, as the one before (January, before its first
    # post, says when veille's posts begin: test_report_listening).
    empty = "2026-04-13..2026-04-19"
    html = _report(ws_path, "en", empty)
    assert "data:image/svg" not in html
    assert all(len(rows) > 1 for rows in tables(html).values())
    assert "<th>Copies</th>" not in html and "<th>Platforms</th>" not in html
    sections = _sections(html)
    assert sections["Findings"] == "No post about lumio this period, nor the period before."
    for name in ("Platforms", "Sentiment", "Top posts", "Top stories", "Influencers"):
        assert sections[name] == "Nothing in this period.", name
    fr = _sections(_report(ws_path, "fr", empty))
    assert fr["Constats"] == "Aucune publication sur lumio cette période, ni la période précédente."
    assert fr["Histoires les plus reprises"] == "Rien sur cette période."
    # All posts (no query): the sentence names no topic.
    with Workspace.open(ws_path) as ws:
        html, _pdf = render_report(
            ws, period=parse_period(empty, timezone=TZ), lang="en", pdf=False
        )
    assert _sections(html)["Findings"] == "No post this period, nor the period before."


def test_a_period_after_a_quiet_one_keeps_its_chart(ws_path: Path) -> None:  # noqa: F811
    """Posts only in the period before: the chart shows that week's line and
    its figures; the finding says the conversation fell."""
    html = _report(ws_path, "en", "2026-04-06..2026-04-12")
    assert html.count("data:image/svg") == 1  # volume; no platform share of nothing
    volume = tables(html)["Volume over time"]
    assert volume[1] == ["April 6, 2026", "0", "1"]  # post 8, the Monday before
    assert "Conversation about lumio fell" in _sections(html)["Findings"]


def _overflows(html: str) -> list[str]:
    """The text of every line WeasyPrint lays out past the right margin of
    its page (what a PDF reader would find cut off at the edge)."""
    from weasyprint import HTML

    def boxes(box: object) -> Iterator[object]:
        yield box
        for child in getattr(box, "children", None) or ():
            yield from boxes(child)

    out = []
    for page in HTML(string=html).render().pages:
        root = page._page_box  # the laid-out boxes: WeasyPrint has no public API for them
        edge = page.width - root.margin_right
        for box in boxes(root):
            if type(box).__name__ == "TextBox" and box.position_x + box.width > edge + 0.5:
                out.append(box.text)
            # A column header squeezed to break inside a word ("Interact / ions").
            if getattr(box, "element_tag", "") == "th" and type(box).__name__ == "TableCellBox":
                words = "".join(box.element.itertext()).split()
                for text in boxes(box):
                    if type(text).__name__ == "TextBox" and not all(
                        w in words for w in text.text.split()
                    ):
                        out.append(f"header {words}: {text.text!r}")
    return out


def test_long_names_links_and_scripts_stay_inside_the_pdf_page(tmp_path: Path) -> None:
    """A long link, a long Arabic handle, Japanese without spaces and emoji:
    every line of the printed report stays inside the page, so its figures
    (the engagement column, at the right) are not cut off, and no column
    header is squeezed to break inside a word."""
    from tests.analytics.conftest import make_post
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    link = "https://www.linkedin.com/feed/update/urn:li:share:72000000000000000/?commentUrn=" + (
        "urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A7200000000000%2C7300000000005%29" * 3
    )
    arabic = "مستخدم_لوميو_" * 6
    japanese = "ルミオの光回線は今日も遅くて在宅勤務ができませんでした" * 4
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("1", "2026-03-24T10:00", platform="linkedin", text=f"Lumio {japanese}",
                      url=link, handle=arabic, likes=900, lang="ja"),
            make_post("2", "2026-03-25T10:00", text="Lumio 🎉🎉🎉" + "🚀" * 80, handle="🦊" * 40,
                      likes=500, url="https://example.com/" + "a" * 300),
        ])  # fmt: skip
        for lang in ("fr", "en"):
            html, _pdf = render_report(
                ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=False
            )
            assert link in html and arabic in html
            assert _overflows(html) == [], lang


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream (object streams included)
    inflated beside them: what its dictionaries say, readable."""
    import re
    import zlib

    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_pdf_is_tagged_titled_and_in_the_reports_language(ws_path: Path) -> None:  # noqa: F811
    """A screen reader (or a phone's reflow) gets the structure, the tables'
    header cells and the charts' alternative text; the viewer shows the title."""
    import re

    with Workspace.open(ws_path) as ws:
        _html, pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang="fr", pdf=True
        )
    assert pdf is not None
    objects = _pdf_objects(pdf)
    assert b"/MarkInfo <</Marked true>>" in objects
    assert b"/StructTreeRoot" in objects and b"/S /TH" in objects
    assert b"/Lang (fr)" in objects
    assert b"/DisplayDocTitle true" in objects
    assert b"/Alt (Volume dans le temps)" in objects
    titles = {
        bytes.fromhex(h.decode()).decode("utf-16")
        for h in re.findall(rb"/Title <([0-9a-f]+)>", objects)
    }
    assert "Rapport d’écoute — lumio — 23–29 mars 2026" in titles
    assert b"/ToUnicode" in objects  # its text can be searched and copied


def test_every_column_says_what_it_holds(ws_path: Path) -> None:  # noqa: F811
    """No bare figure: the top posts' engagement, the stories' and the
    influencers' first columns have a header, in both languages."""
    html = _report(ws_path, "en")
    parser = _Tables()
    parser.feed(html)
    heads = [rows[0] for _caption, rows in parser.tables if rows]
    assert all(all(cell for cell in head) for head in heads), heads
    assert ["Date, platform, author", "Post", "Engagement"] in heads
    assert ["Story", "Copies", "Reach", "Platforms"] in heads
    assert ["Account", "Score", "Platforms", "Why", "Engaged"] in heads
    fr = _Tables()
    fr.feed(_report(ws_path, "fr"))
    assert ["Date, plateforme, auteur", "Publication", "Interactions"] in [
        rows[0] for _caption, rows in fr.tables if rows
    ]


def test_a_rising_terms_baseline_reads_as_its_finding_says(ws_path: Path) -> None:  # noqa: F811
    """The finding gives the average over the periods before; the table's
    column beside it gives the same average, not their sum."""
    from dataclasses import replace

    from veille.analytics.report import render_html, report_data
    from veille.analytics.scope import Scope
    from veille.analytics.trends import Trend

    rising = Trend("panne", "panne", 42, 2, 0.3, 0.01, 39.3, ("panne",))
    with Workspace.open(ws_path) as ws:
        data = report_data(ws.store, Scope(), parse_period(WEEK, timezone=TZ), timezone=TZ)
    data["trends"] = [rising, replace(rising, term="fibre", key="fibre", baseline=6)]
    # As if veille held the 4 weeks before whole (its posts begin inside them).
    data["listening_since"] = None
    html = render_html(data, lang="fr", timezone=TZ)
    assert "(42 histoires, contre 0,5 en moyenne sur les 4 périodes précédentes)" in html
    parser = _Tables()
    parser.feed(html)
    rows = next(rows for _caption, rows in parser.tables if rows and rows[0][0] == "Terme")
    assert rows[0][2] == "Moyenne des 4 périodes précédentes"
    assert [row[2] for row in rows[1:]] == ["0,5", "1,5"]


def test_a_long_period_names_its_busiest_week_not_a_day(ws_path: Path) -> None:  # noqa: F811
    """Past three months the report counts posts by week: its busiest bucket
    is a week (4 posts over the week of March 23, one a day at most)."""
    four_months = "2026-01-01..2026-04-30"
    en = _sections(_report(ws_path, "en", four_months))["Findings"]
    assert "The busiest week was the week of March 23, 2026 (4 posts)." in en
    assert "busiest day" not in en
    fr = _sections(_report(ws_path, "fr", four_months))["Constats"]
    assert "La semaine la plus active a été celle du 23 mars 2026 (4 publications)." in fr
    # A short period never speaks of a week.
    one_day = _sections(_report(ws_path, "en", "2026-03-24..2026-03-24"))["Findings"]
    assert "busiest week" not in one_day


def test_a_one_day_report_counts_by_hour(tmp_path: Path) -> None:
    """A daily report's chart and table go hour by hour, and its finding names
    the busiest hour; it drew one dot and said the busiest day was the day
    itself."""
    from tests.analytics.conftest import make_post
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("1", "2026-03-24T09:00", text="Lumio panne"),
            make_post("2", "2026-03-24T14:10", text="Lumio panne encore"),
            make_post("3", "2026-03-24T14:40", text="Lumio toujours en panne"),
            make_post("4", "2026-03-23T14:20", text="Lumio la veille"),
        ])  # fmt: skip
    day = "2026-03-24..2026-03-24"
    html = _report(root, "en", day)
    rows = tables(html)["Volume over time"]
    assert rows[0] == ["Hour", "Posts", "Previous period"]
    assert len(rows) == 1 + 24
    assert rows[15] == ["Mar 24, 2026, 2:00 PM", "2", "1"]  # (U+202F read as a space)
    findings = _sections(html)["Findings"]
    assert "The busiest hour was Mar 24, 2026, 2:00 PM (2 posts)." in findings
    assert "busiest day" not in findings
    fr = _report(root, "fr", day)
    assert tables(fr)["Volume dans le temps"][15] == ["24 mars 2026 à 14:00", "2", "1"]
    assert "L’heure la plus active a été le 24 mars 2026 à 14:00 (2 publications)." in fr
    # An hourly report's one hour is no "busiest hour".
    from tests.analytics.conftest import local
    from veille.analytics.scope import Period

    with Workspace.open(root) as ws:
        hour, _pdf = render_report(
            ws, query="lumio", period=Period(local("2026-03-24T14:00"), local("2026-03-24T15:00")),
            lang="en", pdf=False,
        )  # fmt: skip
    assert "2 posts about lumio" in _sections(hour)["Findings"]
    assert "busiest" not in hour


def test_a_printed_month_does_not_leave_its_first_page_blank(ws_path: Path) -> None:  # noqa: F811
    """A month's figures and their day-by-day table are longer than what is
    left of the first page: they start there, under the findings, rather than
    leaving most of it blank to start on a page of their own."""
    from weasyprint import HTML

    html = _report(ws_path, "fr", "2026-03-01..2026-03-31")
    first = HTML(string=html).render().pages[0]._page_box  # the laid-out boxes

    def texts(box: object) -> Iterator[str]:
        if type(box).__name__ == "TextBox":
            yield box.text  # type: ignore[attr-defined]
        for child in getattr(box, "children", None) or ():
            yield from texts(child)

    shown = list(texts(first))
    assert "Constats" in shown and "Chiffres clés" in shown
    assert "1er mars 2026" in shown  # the table's first day


class _Aligned(HTMLParser):
    """Each table's rows as the ``n`` class (a figure, right-aligned) of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[bool]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("n" in (dict(attrs).get("class") or "").split())


def test_figure_columns_have_their_header_above_the_figures(ws_path: Path) -> None:  # noqa: F811
    """A column of figures (right-aligned) has its header right-aligned above
    them, not at the far left of a wide column (« Moyenne des 4 périodes
    précédentes » over a 0,5 at the right)."""
    parser = _Aligned()
    parser.feed(_report(ws_path, "fr", "2026-03-01..2026-03-31"))
    checked = 0
    for rows in parser.tables:
        head, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
        for i, is_figure in enumerate(head):
            if body and all(r[i] for r in body):
                assert is_figure, (i, rows[0])
                checked += 1
    assert checked >= 10


def test_each_post_is_marked_with_its_own_language(ws_path: Path) -> None:  # noqa: F811
    """In a French report, an English post is read by a screen reader (and the
    tagged PDF) in English; a post whose language is unknown is not marked."""
    html = _report(ws_path, "fr")
    # Post 2 is English, posts 1 and 3 French, the troll's has no language.
    assert '<td class="prose" lang="en">Lumio outage again' in html
    assert '<td class="prose" lang="fr">Lumio panne fibre' in html
    assert '<span lang="fr">Lumio panne fibre' in html  # alice's recent post
    assert 'lang="und"' not in html and 'lang=""' not in html


def test_top_posts_are_ranked_by_what_was_counted(tmp_path: Path) -> None:
    """Without any engagement counted, the top posts are those with the widest
    reach (the column says so); with neither, the report says no post stands
    out instead of listing the latest posts beside a column of zeros."""
    from tests.analytics.conftest import make_post
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("1", "2026-03-24T09:00", text="Lumio un", handle="small", followers=10),
            make_post("2", "2026-03-25T09:00", text="Lumio deux", handle="wide", followers=9000),
            make_post("3", "2026-03-26T09:00", text="Vexa trois", handle="nobody",
                      followers=None),
        ])  # fmt: skip
    html = _report(root, "en")
    parser = _Tables()
    parser.feed(html)
    top = next(
        rows for _c, rows in parser.tables if rows and rows[0][0] == "Date, platform, author"
    )
    assert top[0] == ["Date, platform, author", "Post", "Reach"]
    assert [row[2] for row in top[1:]] == ["9,000", "10"]
    vexa = _sections(_report(root, "fr", query="vexa"))["Publications phares"]
    assert vexa == (
        "Aucune publication ne se détache : aucune publication de cette période n’a "
        "d’interactions ni d’abonnés comptés."
    )


def test_reports_in_turn_in_both_languages_compile_their_template_once(
    ws_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report's template was compiled again for every report made
    (0.15-0.3 s of a report's first view at 1M posts): it is compiled once,
    and reports made in turn in English and French each read in their own
    language, on threads at once as the web app makes them."""
    from concurrent.futures import ThreadPoolExecutor

    import jinja2

    compiled: list[str] = []
    real = jinja2.Environment.compile

    def counted(self: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(args[1] if len(args) > 1 else kwargs.get("name")))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda lang: (lang, _report(ws_path, lang)), ["en", "fr"] * 3))
    for lang, html in made:
        heading = (
            "Volume over time · Net sentiment"
            if lang == "en"
            else ("Volume dans le temps · Sentiment net")
        )
        assert f'<html lang="{lang}"' in html and heading in tables(html), lang
    assert made[0][1] != made[1][1]
    assert compiled.count("report.html.j2") <= 1
