"""Emoji and Chinese, Japanese, Korean text in the plan's PDF (the staff
guidelines are the users' text): drawn with fonts that have them; on a
system without those fonts, ``veille plan export`` says which characters
show as empty boxes and what to install."""

from __future__ import annotations

from pathlib import Path

from tests.pdf_fonts import EMOJI_AND_CJK, NOTDEF, dejavu_only, drawn_with, need_fonts, veille
from veille.plan.document import plan_pdf
from veille.plan.people import set_guidelines
from veille.workspace import Workspace

from .conftest import NOW

GUIDELINES = "# Be kind 🙂\n\nThank them 🎉 — 東京のお客様には日本語で、한국어도 좋아요."


def test_emoji_and_cjk_of_the_guidelines_are_drawn_not_empty_boxes(ws: Workspace) -> None:
    need_fonts(":charset=1f389", ":charset=6771", ":charset=d55c", install=EMOJI_AND_CJK)
    set_guidelines(ws.state, GUIDELINES, GUIDELINES)
    drawn = drawn_with(plan_pdf(ws, "en", now=NOW))
    for char in "🙂🎉東京日本語한국어":
        assert char in drawn, f"{char!r} is not in the PDF's text"
        assert NOTDEF not in drawn[char], f"{char!r} is drawn as an empty box"
        assert not any(font.startswith("DejaVu") for font in drawn[char]), (char, drawn[char])


def test_without_the_fonts_plan_export_names_the_boxes_and_what_to_install(
    ws: Workspace, tmp_path: Path
) -> None:
    set_guidelines(ws.state, GUIDELINES, GUIDELINES)
    out = tmp_path / "plan.pdf"
    done = veille(dejavu_only(tmp_path), tmp_path, "plan", "export", "-w", str(ws.root),
                  "--format", "pdf", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert drawn_with(out.read_bytes())["東"] == {NOTDEF}  # written all the same
    assert "plan PDF: no font on this system draws 🙂 🎉 東 京" in done.stderr
    assert "Install fonts-noto-color-emoji (emoji); fonts-noto-cjk" in done.stderr


def test_the_missing_fonts_warning_is_said_in_the_readers_language(
    ws: Workspace, tmp_path: Path
) -> None:
    """`LANG=fr_FR.UTF-8 veille plan export --format pdf` said which
    characters show as empty boxes in English alone."""
    set_guidelines(ws.state, GUIDELINES, GUIDELINES)
    env = {**dejavu_only(tmp_path), "LANG": "fr_FR.UTF-8"}
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    done = veille(env, tmp_path, "plan", "export", "-w", str(ws.root), "--format", "pdf",
                  "-o", str(tmp_path / "plan.pdf"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "aucune police de ce système ne dessine 🙂 🎉 東 京" in done.stderr, done.stderr
    assert "no font on this system" not in done.stderr
