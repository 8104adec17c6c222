"""What a PDF draws each character with, read from the PDF itself; and which
fonts this system has (the tests of emoji and CJK skip, saying why, where
the fonts that draw them are not installed; .ci/run installs them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")

NOTDEF = "(empty box)"
# What .ci/run installs for the tests of emoji and CJK (docs/deploy.md, Fonts for PDFs).
EMOJI_AND_CJK = "fonts-noto-color-emoji and fonts-wqy-microhei (or fonts-noto-cjk), as .ci/run does"


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every object of ``pdf`` (those packed in object streams too):
    number -> (its dictionary, its stream inflated, or None)."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        head, sep, rest = match.group(2).partition(b"stream")
        data = None
        if sep:
            raw = rest.lstrip(b"\r\n")
            raw = raw[: raw.rfind(b"endstream")]
            try:
                data = zlib.decompress(raw)
            except zlib.error:
                data = raw
        objects[int(match.group(1))] = (head, data)
    for head, data in list(objects.values()):
        if b"/ObjStm" not in head or data is None:
            continue
        found = re.search(rb"/First (\d+)", head)
        assert found is not None
        first = int(found.group(1))
        pairs = [int(n) for n in data[:first].split()]
        offsets = list(zip(pairs[::2], pairs[1::2], strict=True))
        for i, (number, offset) in enumerate(offsets):
            end = offsets[i + 1][1] if i + 1 < len(offsets) else len(data) - first
            objects[number] = (data[first + offset : first + end], None)
    return objects


def drawn_with(pdf: bytes) -> dict[str, set[str]]:
    """Each piece of text the PDF's fonts map (a character, or an emoji's
    whole sequence) -> the fonts that draw it (``BaseFont``, subset tag
    left out), or :data:`NOTDEF` where the font has no glyph for it (what
    WeasyPrint draws when no font on the system has it)."""
    objects = _objects(pdf)

    def ref(head: bytes, key: bytes) -> int | None:
        found = re.search(rb"/" + key + rb" (\d+) 0 R", head)
        return int(found.group(1)) if found else None

    out: dict[str, set[str]] = {}
    for head, _data in objects.values():
        if b"/Type0" not in head:
            continue
        found = re.search(rb"/BaseFont /(?:[A-Z]{6}\+)?([^\s/<>\[\]]+)", head)
        assert found is not None
        name = found.group(1).decode()
        # A font with missing glyphs maps their codes to glyph 0 (.notdef).
        missing = set()
        encoding = ref(head, b"Encoding")
        if encoding is not None:
            for code, glyph in re.findall(rb"<([0-9a-f]+)> (\d+)", objects[encoding][1] or b""):
                if glyph == b"0":
                    missing.add(int(code, 16))
        unicode = ref(head, b"ToUnicode")
        assert unicode is not None, name
        cmap = objects[unicode][1] or b""
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                char = bytes.fromhex(text.decode()).decode("utf-16-be")
                out.setdefault(char, set()).add(NOTDEF if int(code, 16) in missing else name)
    return out


def fonts_for(pattern: str) -> list[str]:
    """The font families fontconfig lists for ``pattern`` (``:charset=1f389``,
    ``Noto Sans CJK JP``), as a PDF names them (``Noto-Color-Emoji``)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", pattern, "family"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split(",")[0].replace(" ", "-") for line in listed.splitlines() if line]


def font_for(pattern: str) -> str:
    """The first of :func:`fonts_for`, or ``""``."""
    found = fonts_for(pattern)
    return found[0] if found else ""


def need_fonts(*patterns: str, install: str) -> None:
    """Skip, naming the packages to ``install``, unless a font matches each pattern."""
    lacking = [p for p in patterns if not font_for(p)]
    if lacking:
        pytest.skip(f"no font for {', '.join(lacking)} on this system: install {install}")


def dejavu_only(tmp_path: Path) -> dict[str, str]:
    """The environment of a ``veille`` command that sees DejaVu Sans and no
    other font (what .ci/run installed before emoji and CJK fonts): its own
    fontconfig file, naming DejaVu's folder only. Skips without DejaVu."""
    if shutil.which("fc-match") is None or not font_for("DejaVu Sans:style=Book"):
        pytest.skip("DejaVu Sans is not installed: install fonts-dejavu-core")
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{Path(found).parent}</dir>"
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    env["FONTCONFIG_FILE"] = str(config)
    return env


def veille(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``veille ARGS`` in a process of its own (fontconfig reads its
    configuration once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "veille", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300,
    )  # fmt: skip
