"""Every command has help, and an entry in the English and French docs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from veille.cli import build_app

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(build_app())
    found: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subcommands = getattr(cmd, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        else:
            found.append(path)

    walk(root, ())
    return found


def _docs_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md")))


COMMANDS = _commands()


def test_there_are_commands() -> None:
    assert ("import",) in COMMANDS and ("export",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_has_help_and_docs(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(build_app(), [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    name = "veille " + " ".join(path)
    assert name in _docs_text(DOCS), f"{name} is not documented in docs/*.md"
    assert name in _docs_text(DOCS / "fr"), f"{name} is not documented in docs/fr/*.md"


def test_no_document_carries_a_merge_conflict_marker() -> None:
    """A merge left `<<<<<<< HEAD` in docs/alerts.md once, and readers saw it."""
    markers = ("<<<<<<< ", ">>>>>>> ", "=======\n")
    root = DOCS.parent
    found = []
    for path in [root / "README.md", *DOCS.rglob("*.md")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(True), 1):
            if line.startswith(markers):
                found.append(f"{path.relative_to(root)}:{number}")
    assert not found, f"merge-conflict markers left in: {found}"


_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1)[^\n]|\n(?!\s*\n))+?\1")
_NOT_PROSE = re.compile(r"\]\([^)]*\)|<[^>]+>|https?://\S+")
# An elided French word (l'écoute, aujourd'hui, l'`Accept-Language`) written
# with the typewriter apostrophe; \0 stands for a masked code span.
_TYPEWRITER_ELISION = re.compile(r"(?<=[A-Za-zÀ-ÿ])'(?=[A-Za-zÀ-ÿ\0])")


def _prose(text: str) -> list[tuple[int, str]]:
    """Each line's prose (line number, text), with fenced and indented code
    blocks blanked and code spans (which may run over a line break), link
    targets and URLs masked (\\0): what a reader types keeps its quotes."""
    lines: list[str] = []
    fenced = indented = False
    before = ""
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            before = ""
            lines.append("\0" * len(line))
            continue
        starts = line.startswith("    ") and (not before.strip() or indented)
        indented = bool(starts or (indented and not line.strip()))
        before = line
        lines.append("\0" * len(line) if fenced or indented else line)
    masked = _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", "\0", m.group(0)), "\n".join(lines))
    masked = _NOT_PROSE.sub(lambda m: "\0" * len(m.group(0)), masked)
    return list(enumerate(masked.split("\n"), 1))


def test_french_docs_use_the_typographic_apostrophe_in_prose() -> None:
    """docs/fr wrote « l'écoute » with the typewriter apostrophe: French prose
    takes ’ (as the web app's French does); code, commands and URLs keep '."""
    found = []
    for path in sorted((DOCS / "fr").glob("*.md")):
        for number, prose in _prose(path.read_text(encoding="utf-8")):
            if _TYPEWRITER_ELISION.search(prose):
                found.append(f"{path.name}:{number}: {prose.replace(chr(0), '·')[:70]}")
    assert not found, f"{len(found)} French lines with ' in prose:\n" + "\n".join(found[:20])


def test_numbered_sections_run_one_two_three() -> None:
    """A page that numbers its sections counts them without gaps (the plan's
    read 1–4, 6, 7, 10, and a reader looked for the missing ones)."""
    import re

    gaps = []
    for path in sorted(DOCS.rglob("*.md")):
        numbers = [
            int(m.group(1))
            for m in re.finditer(r"^## (\d+)\. ", path.read_text(encoding="utf-8"), re.M)
        ]
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            gaps.append(f"{path.relative_to(DOCS)}: {numbers}")
    assert gaps == []
