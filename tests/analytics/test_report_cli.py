"""Reports and commands over a hand-built workspace."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.analytics.conftest import TZ, make_post, world
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.cli import build_app
from veille.workspace import Workspace, init_workspace

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> Lumio'


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(
        f'[workspace]\ntimezone = "{TZ}"\n\n[organization]\nhandles = ["mastodon:lumio"]\n',
        encoding="utf-8",
    )
    with Workspace.open(root) as ws:
        posts = [*world(), make_post("x", "2026-03-27T10:00", text=XSS, handle="troll",
                                     url="javascript:alert(1)"),
                 # veille listened to the whole week before the week reported.
                 make_post("early", "2026-03-10T10:00", text="Kiosque", handle="zed")]  # fmt: skip
        ws.store.upsert_posts(posts)
    return root


WEEK = "2026-03-23..2026-03-29"


def test_report_html_figures_findings_and_escaping(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        html, pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang="en", pdf=False
        )
    assert pdf is None
    # Posts 1, 2, 3 and the troll's are about Lumio this week; post 6 the week before.
    assert "Conversation about lumio grew 300% (4 posts, against 1 the period before)." in html
    assert "Most conversation is on Mastodon (75%), down from 100%." in html
    assert "busiest day" not in html  # no day stands out: one post each at most
    assert "The tone is mostly negative: net sentiment \u22120.33, against +1.00" in html
    assert "<script>alert" not in html and "onerror" not in html
    assert "javascript:" not in html
    assert html.count('src="data:image/svg+xml;base64,') >= 2
    assert "Countries (where known)" not in html  # no post about Lumio says where it is from


def test_report_in_french_and_pdf(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        html, pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang="fr", pdf=True
        )
    text = unescape(html)
    assert "L’essentiel de la conversation se tient sur Mastodon (75\u202f%)" in text
    assert "La conversation sur lumio a augmenté de 300\u202f%" in text
    # Every percentage the French reader reads, charts' axes included, keeps
    # its sign to its figure with U+202F (the report's CSS widths aside).
    import base64
    import re

    charts = [
        base64.b64decode(svg).decode()
        for svg in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text)
    ]
    words = re.sub(r"<style.*?</style>|data:[^\"]*", "", text, flags=re.S)
    assert "\u202f%" in words and any("\u202f%" in svg for svg in charts)
    assert [m.group(0) for m in re.finditer(r"\d[ \u00a0]?%", "".join([words, *charts]))] == []
    assert pdf is not None and pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


def run(*args: str) -> tuple[int, str]:
    """Exit code and stdout, or stdout and stderr together when it failed."""
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_volume_sov_top_and_trends_commands(ws_path: Path, tmp_path: Path) -> None:
    w = ("-w", str(ws_path), "--period", WEEK)
    code, out = run("volume", *w, "--format", "json", "--chart", str(tmp_path / "v.svg"))
    assert code == 0, out
    data = json.loads(out)
    assert [p["posts"] for p in data["volume"]["points"]] == [1, 1, 1, 1, 1, 0, 1]
    assert (tmp_path / "v.svg").read_text().startswith("<svg")
    code, out = run("volume", *w, "--by", "platform", "--format", "json")
    assert {r["key"]: r["posts"] for r in json.loads(out)} == {
        "mastodon": 4,
        "bluesky": 1,
        "reddit": 1,
    }
    code, out = run("sov", *w, "-q", "Lumio=lumio", "-q", "Vexa=vexa", "--format", "json",
                    "--chart", str(tmp_path / "s.png"))  # fmt: skip
    assert code == 0, out
    voices = json.loads(out)
    assert [(v["topic"], v["posts"]) for v in voices] == [("Lumio", 4), ("Vexa", 2)]
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG")
    code, out = run("top", "hashtags", *w, "--format", "json")
    assert [(r["value"], r["posts"]) for r in json.loads(out)] == [("lumio", 2), ("outage", 1)]
    code, out = run("top", "stories", *w, "--by", "posts", "--limit", "1", "--format", "json")
    assert json.loads(out)[0]["posts"] == 2
    code, out = run("trends", *w, "--min-stories", "1", "--format", "json")
    assert code == 0 and "panne" in {t["key"] for t in json.loads(out)}
    code, out = run("influencers", *w, "-q", "lumio", "--format", "json")
    assert code == 0 and json.loads(out)[0]["handle"] == "bob"


def test_report_is_written_in_the_readers_language(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`veille --language fr report` said « rapport écrit dans report.html »
    and wrote an English report: its --language took the workspace's
    ui_language alone, where the CLI's words, the web app's form and every
    other command's --language take the reader's."""
    monkeypatch.chdir(tmp_path)
    code, out = run("--language", "fr", "report", "-w", str(ws_path), "--period", WEEK)
    assert code == 0, out
    page = unescape((tmp_path / "rapport.html").read_text())
    assert '<html lang="fr"' in page and "Rapport d’écoute" in page
    assert not (tmp_path / "report.html").exists()
    # The report's own --language still chooses.
    code, out = run("--language", "fr", "report", "-w", str(ws_path), "--period", WEEK,
                    "--language", "en")  # fmt: skip
    assert code == 0, out
    assert "Listening report" in (tmp_path / "report.html").read_text()


def test_report_command_and_usage_errors(ws_path: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "r.html"
    code, out = run("report", "-w", str(ws_path), "--period", WEEK, "--lang", "fr",
                    "-o", str(out_file))  # fmt: skip
    assert code == 0, out
    page = unescape(out_file.read_text())
    assert "Rapport d’écoute" in page and "toutes les publications" in page
    # Post 4 is the only one whose country is known.
    assert "<th>Pays (quand il est connu)</th>" in page and "<td>France</td>" in page
    code, out = run("volume", "-w", str(ws_path), "--period", "someday")
    assert code == 2 and "unknown period" in out
    code, out = run("sov", "-w", str(ws_path), "--period", WEEK)
    assert code == 2 and "needs topics" in out
    code, out = run("influencers", "-w", str(ws_path), "--view", "us")
    assert code == 2 and "brand_topic" in out
    code, out = run("volume", "-w", str(ws_path), "--chart", str(tmp_path / "v.gif"))
    assert code == 2 and ".svg or .png" in out


def test_saved_topics_scope_every_command(ws_path: Path) -> None:
    from veille.analytics.scope import Scope
    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import volume
    from veille.query.topics import add_topic

    with Workspace.open(ws_path) as ws:
        # Saved after the posts were stored: the topic still covers them.
        add_topic(ws.store, "lumio", "lumio")
        add_topic(ws.store, "vexa", "vexa OR orbita")
        scope = topic_scope(ws.store, "lumio", Scope())
        assert volume(ws.store, scope, parse_period(WEEK, timezone=TZ), timezone=TZ).total == 4
    code, out = run("sov", "-w", str(ws_path), "--period", WEEK, "-t", "lumio", "-t", "vexa",
                    "--format", "json")  # fmt: skip
    assert code == 0, out
    assert [(v["topic"], v["posts"]) for v in json.loads(out)] == [("lumio", 4), ("vexa", 2)]
    code, out = run("volume", "-w", str(ws_path), "--period", WEEK, "-t", "nope")
    assert code == 2


def test_influencers_command_lists_recent_posts(ws_path: Path) -> None:
    code, out = run("influencers", "-w", str(ws_path), "--period", WEEK, "-q", "lumio",
                    "--format", "json")  # fmt: skip
    assert code == 0, out
    by = {i["handle"]: i for i in json.loads(out)}
    assert [p["id"] for p in by["alice"]["recent"]] == ["mastodon:1"]
    assert by["alice"]["why"].startswith("1,000 followers, 12 interactions on 1 matching post,")


def test_importing_analytics_loads_no_heavy_dependency() -> None:
    import subprocess
    import sys

    code = (
        "import sys, veille.analytics.report, veille.analytics.influencers, "
        "veille.analytics.trends, veille.cli.analytics, veille.cli.influencers; "
        "heavy = {'altair', 'vl_convert', 'weasyprint', 'networkx', 'simplemma', 'nh3'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_brand_report_speaks_about_you(ws_path: Path) -> None:
    from veille.query.topics import add_topic

    toml = ws_path / "veille.toml"
    toml.write_text(
        toml.read_text().replace('handles = ["mastodon:lumio"]', 'handles = ["lumio"]\n'
                                 'brand_topic = "lumio"'),
        encoding="utf-8",
    )  # fmt: skip
    with Workspace.open(ws_path) as ws:
        add_topic(ws.store, "lumio", "lumio")
        html, _pdf = render_report(ws, topic="lumio", period=parse_period(WEEK, timezone=TZ),
                                   lang="en", pdf=False)  # fmt: skip
    text = unescape(html)
    assert "Conversation about you grew 300% (4 posts, against 1 the period before)." in text
    assert "Most conversation about you is on Mastodon (75%), down from 100%." in text
    assert "The most influential voice was bob (5,000 followers on Bluesky)" in text


def test_number_words_in_both_languages() -> None:
    from veille.analytics.findings import change_text, num, pct, signed

    assert (num(12345, "en"), num(12345, "fr")) == ("12,345", "12\u202f345")
    assert (pct(0.544, "en"), pct(0.544, "fr")) == ("54%", "54\u202f%")
    assert (signed(-0.004, "en"), signed(0.25, "fr"), signed(-0.5, "en")) == (
        "0.00",
        "+0,25",
        "\u22120.50",
    )
    assert (change_text(None, "en"), change_text(-0.1, "en"), change_text(0.25, "fr")) == (
        "new",
        "−10%",
        "+25\u202f%",
    )


def test_a_french_report_is_written_to_rapport_html_by_default(
    ws_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`veille report --language fr` wrote `report.html`, where the e-mailed
    PDF and the web app's download of the same report are named in French
    (`rapport-veille-…`): a French reader looking for their report found an
    English name. Without --output it is now `rapport.html` (`rapport.pdf`)
    in French, `report.html` in English, and the line says which file."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    runner, app = CliRunner(), build_app()
    w = ["--workspace", str(ws_path), "--query", "lumio", "--period", WEEK]
    french = runner.invoke(app, ["report", *w, "--language", "fr"])
    assert french.exit_code == 0, french.output
    assert "report written to rapport.html" in french.output
    assert '<html lang="fr"' in (out / "rapport.html").read_text(encoding="utf-8")
    english = runner.invoke(app, ["report", *w, "--language", "en"])
    assert english.exit_code == 0, english.output
    assert '<html lang="en"' in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["rapport.html", "report.html"]
