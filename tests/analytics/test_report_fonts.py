"""Emoji and Chinese, Japanese, Korean text quoted in a report's PDF: drawn
with fonts that have them, each language in its own forms; and, on a system
without those fonts, the user told which characters show as empty boxes
and what to install."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.analytics.conftest import TZ, make_post
from tests.analytics.test_report_cli import WEEK
from tests.pdf_fonts import (
    EMOJI_AND_CJK,
    NOTDEF,
    dejavu_only,
    drawn_with,
    fonts_for,
    need_fonts,
    veille,
)
from veille.analytics.report import render_report
from veille.analytics.scope import parse_period
from veille.workspace import Workspace, init_workspace

EMOJI, JAPANESE, KOREAN = "🎉🔥", "東京で新製品", "한국어"


@pytest.fixture
def world_ws(tmp_path: Path) -> Path:
    """Three top posts: French with emoji, Japanese, Korean."""
    root = init_workspace(tmp_path / "ws")
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([
            make_post("1", "2026-03-24T10:00", text=f"Lumio Merci {EMOJI}", likes=30, lang="fr"),
            make_post("2", "2026-03-25T10:00", text=f"Lumio {JAPANESE}", likes=20, lang="ja"),
            make_post("3", "2026-03-26T10:00", text=f"Lumio {KOREAN}", likes=10, lang="ko"),
        ])  # fmt: skip
    return root


def _pdf(root: Path, lang: str = "en") -> bytes:
    with Workspace.open(root) as ws:
        _html, pdf = render_report(
            ws, query="lumio", period=parse_period(WEEK, timezone=TZ), lang=lang, pdf=True
        )
    assert pdf is not None
    return pdf


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_emoji_and_cjk_of_top_posts_are_drawn_not_empty_boxes(world_ws: Path, lang: str) -> None:
    """The PDF's text holds the emoji and the CJK characters (a reader can
    search and copy them), and each is drawn by a font that has it, the
    colour emoji font embedded, not by DejaVu's empty box."""
    need_fonts(":charset=1f389", ":charset=6771", ":charset=d55c", install=EMOJI_AND_CJK)
    drawn = drawn_with(_pdf(world_ws, lang))
    for char in [*EMOJI, *JAPANESE, *KOREAN]:
        assert char in drawn, f"{char!r} is not in the PDF's text"
        assert NOTDEF not in drawn[char], f"{char!r} is drawn as an empty box"
        assert not any(font.startswith("DejaVu") for font in drawn[char]), (char, drawn[char])
    assert drawn["🎉"] <= set(fonts_for(":charset=1f389")), drawn["🎉"]  # an emoji font


def test_japanese_and_korean_posts_are_drawn_in_their_own_forms(world_ws: Path) -> None:
    """Chinese, Japanese and Korean share code points drawn differently
    (直, 骨 …): a Japanese post is drawn with the Japanese font, a Korean one
    with the Korean one, whichever CJK font fontconfig would have picked
    first (WenQuanYi, Chinese forms, when it is installed beside Noto)."""
    need_fonts("Noto Sans CJK JP", "Noto Sans CJK KR", install="fonts-noto-cjk (56.5 MB)")
    drawn = drawn_with(_pdf(world_ws))
    for char in JAPANESE:
        assert drawn[char] == {"Noto-Sans-CJK-JP"}, (char, drawn[char])
    for char in KOREAN:
        # The story table's copy of the post is drawn in italics (synthesized).
        assert drawn[char] <= {"Noto-Sans-CJK-KR", "Noto-Sans-CJK-KR-Oblique"}, drawn[char]


def test_without_the_fonts_the_report_names_the_boxes_and_what_to_install(
    world_ws: Path, tmp_path: Path
) -> None:
    """On a system with DejaVu only (what .ci/run installed before), the
    report is still written, and `veille report` says which characters
    came out as empty boxes and which packages draw them (it said nothing:
    the boxes were found when the PDF was read)."""
    env = dejavu_only(tmp_path)
    out = tmp_path / "report.pdf"
    done = veille(env, tmp_path, "report", "-w", str(world_ws), "--query", "lumio",
                  "--period", WEEK, "--format", "pdf", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    drawn = drawn_with(out.read_bytes())
    assert drawn["🎉"] == {NOTDEF}  # the report is written all the same
    assert "report PDF: no font on this system draws 🎉 🔥 東 京" in done.stderr
    assert "한 국 어 (11 characters): they show as empty boxes" in done.stderr
    assert "Install fonts-noto-color-emoji (emoji); fonts-noto-cjk" in done.stderr
    assert "docs/deploy.md" in done.stderr


def test_a_french_reader_is_told_of_the_boxes_in_french(world_ws: Path, tmp_path: Path) -> None:
    """Under a French locale `veille report` said "rapport écrit dans …" in
    French and the warning naming the empty boxes in English: it now says
    both in its reader's language."""
    env = {**dejavu_only(tmp_path), "LANG": "fr_FR.UTF-8"}
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    out = tmp_path / "rapport.pdf"
    done = veille(env, tmp_path, "report", "-w", str(world_ws), "--query", "lumio",
                  "--period", WEEK, "--format", "pdf", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = re.sub(r"[ \n]+", " ", done.stderr)  # (str.split takes U+202F for a space)
    assert "PDF du rapport\u202f: aucune police de ce système ne dessine 🎉 🔥 東 京" in said, said
    assert "Installez fonts-noto-color-emoji (émojis)" in said, said
    assert "no font on this system" not in said, said


def test_the_missing_fonts_warning_reads_in_french_from_the_catalogs() -> None:
    """The warning naming the empty boxes was English only, written in
    Python: a French reader could not be told it in French. It is made with
    tr(), so the catalogs hold its French (French typography, the French
    twin of the doc), and the command line still reads the English."""
    from veille.errors import tr, translated
    from veille.printing import missing_message
    from veille.web.i18n import load_translations

    said = missing_message("🎉東ʘ", tr("report PDF"))
    assert str(said) == (
        "report PDF: no font on this system draws 🎉 東 ʘ (3 characters): they show as empty "
        "boxes. Install fonts-noto-color-emoji (emoji); fonts-noto-cjk, or the smaller "
        "fonts-wqy-microhei (Chinese, Japanese, Korean); fonts-noto-core (most other "
        "scripts), then make it again (docs/deploy.md, Fonts for PDFs)."
    )
    french = translated(said, load_translations()["fr"].gettext, "fr")
    assert french == (
        "PDF du rapport\u202f: aucune police de ce système ne dessine 🎉 東 ʘ (3 caractères)"
        "\u202f: ils s’affichent en carrés vides. Installez fonts-noto-color-emoji (émojis)"
        "\u202f; fonts-noto-cjk, ou le plus léger fonts-wqy-microhei (chinois, japonais, "
        "coréen)\u202f; fonts-noto-core (la plupart des autres écritures), puis refaites-le "
        "(docs/fr/deploy.md, Polices des PDF)."
    )
    one = translated(missing_message("🎉", tr("plan PDF")), load_translations()["fr"].gettext, "fr")
    assert one.startswith("PDF du plan\u202f: aucune police de ce système ne dessine 🎉\u202f: il ")
    assert str(missing_message("🎉", tr("plan PDF"))).startswith(
        "plan PDF: no font on this system draws 🎉: it shows as an empty box. Install"
    )  # not "(1 characters)"
