"""Shares beside a previous period without posts are unknown, not 0%.

The report's platform, language and sentiment tables (and its countries')
read "Before 0%" for every row when the period before had no post: 0 out of 0
is no share. They now read "–", as the share of voice does; ``veille volume
--by`` says "–" in its table and null in JSON. A period with no post at all
has no current share either."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.cli import build_app
from veille.workspace import Workspace, init_workspace

# 2026-03-10..16 holds no post; posts 1, 6 and 7 are in the week after.
FIRST = "2026-03-17..2026-03-23"


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        nobody = make_post("n", "2026-03-18T10:00", handle="", likes=500, text="Lumio fibre",
                           country="FR")  # fmt: skip
        ws.store.upsert_posts([*world(), nobody])
    return root


def _before_cells(html: str, heading: str) -> list[str]:
    """The "Before" column of the report's table headed ``heading``."""
    table = re.search(rf"<table><tr><th>{re.escape(heading)}</th>.*?</table>", html, re.S)
    assert table, heading
    rows = re.findall(r"<tr><td>.*?</tr>", table.group(0), re.S)
    assert rows, heading
    return [re.findall(r'<td class="n">(.*?)</td>', r)[2] for r in rows]


@pytest.mark.parametrize(
    ("lang", "headings"),
    [
        ("en", ["Platforms", "Languages", "Countries (where known)", "Sentiment"]),
        ("fr", ["Plateformes", "Langues", "Pays (quand il est connu)", "Sentiment"]),
    ],
)
def test_report_says_before_is_unknown_without_posts_before(
    ws_path: Path, lang: str, headings: list[str]
) -> None:
    with Workspace.open(ws_path) as ws:
        html, _pdf = render_report(
            ws, period=parse_period(FIRST, timezone=TZ), lang=lang, pdf=False
        )
    html = unescape(html)
    for heading in headings:
        assert set(_before_cells(html, heading)) == {"–"}, heading


def test_volume_by_platform_says_before_is_unknown(ws_path: Path) -> None:
    w = ("-w", str(ws_path), "--period", FIRST, "--by", "platform")
    table = CliRunner().invoke(build_app(), ["volume", *w])
    assert table.exit_code == 0, table.output
    assert "0.0%" not in table.stdout and "–" in table.stdout
    out = CliRunner().invoke(build_app(), ["volume", *w, "--format", "json"])
    rows = json.loads(out.stdout)
    assert rows and all(r["previous_share"] is None for r in rows), rows


@pytest.mark.parametrize(("lang", "unknown"), [("en", "author unknown"), ("fr", "auteur inconnu")])
def test_report_top_posts_name_a_post_without_an_author(
    ws_path: Path, lang: str, unknown: str
) -> None:
    """The post without an author leads the top posts: it showed an empty
    bold name."""
    with Workspace.open(ws_path) as ws:
        html, _pdf = render_report(
            ws, period=parse_period(FIRST, timezone=TZ), lang=lang, pdf=False
        )
    section = next(s for s in html.split("<section>") if "Lumio fibre" in s and "<h2>" in s)
    first = re.search(r"<tr><td>(.*?)</td>", section, re.S)
    assert first and f"<i>{unknown}</i>" in first.group(1), first and first.group(1)
    assert "<b></b>" not in html
