"""The font vl-convert measures the charts' texts in, read from memory.

vl-convert lays every text of a chart out (each label, title, legend entry)
in Vega's ``sans-serif``, which it resolves to Liberation Sans. It carries a
copy of that font inside itself, but it reads the system's fonts first, and
where the system has Liberation Sans too (Debian's ``fonts-liberation``)
that file is found first: vl-convert then opens, maps and unmaps the file
again for each text it measures (about 900 times for one volume chart), some
40% of the CPU a chart costs.

:func:`prefer_shipped_sans` has vl-convert read the system's fonts through a
fontconfig file of its own (``FONTCONFIG_FILE``, which vl-convert reads once
a process, as it reads its fonts) that lists every font file it would have
read, in the same order, but Liberation Sans's four: the texts are measured
in vl-convert's own copy, and a character that font lacks (CJK, Arabic,
emoji) falls back to the same system font as before. The widths, and so the
SVG, are the same (the tests compare them); a PNG's glyphs are drawn from
vl-convert's copy (Liberation Sans 2, where Debian has 1.07: the same
metrics, outlines a pixel's antialiasing apart).
"""

from __future__ import annotations

import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

# The files of the family vl-convert carries (its fonts/liberation-sans), as
# Debian, Fedora and Arch name them.
SHIPPED = frozenset(
    f"LiberationSans-{style}.ttf" for style in ("Regular", "Bold", "Italic", "BoldItalic")
)
# What vl-convert's font database (fontdb) loads from a folder.
_FONT_SUFFIXES = frozenset({".ttf", ".ttc", ".otf", ".otc"})


def _home() -> Path:
    return Path(os.environ.get("HOME") or "~").expanduser()


def _config_files() -> list[Path]:
    """The fontconfig files fontdb reads: ``$FONTCONFIG_FILE``, else the
    user's, else the system's."""
    given = os.environ.get("FONTCONFIG_FILE")
    if given:
        return [Path(given)]
    user_dir = os.environ.get("XDG_CONFIG_HOME") or str(_home() / ".config")
    user = Path(user_dir) / "fontconfig" / "fonts.conf"
    if user.is_file():
        return [user]
    return [Path("/etc/fonts/local.conf"), Path("/etc/fonts/fonts.conf")]


def _dirs_of(config: Path, depth: int = 0) -> Iterator[Path]:
    """The ``<dir>`` folders of a fontconfig file and of those it includes,
    in their order."""
    try:
        root = ET.parse(config).getroot()
    except (OSError, ET.ParseError):
        return
    for node in root:
        text = (node.text or "").strip()
        if not text:
            continue
        if text.startswith("~"):
            path = _home() / text[1:].lstrip("/")
        elif node.get("prefix") == "xdg":
            data = os.environ.get("XDG_DATA_HOME") or str(_home() / ".local" / "share")
            path = Path(data) / text
        else:
            path = config.parent / text
        if node.tag == "dir":
            yield path
        elif node.tag == "include" and depth < 4:
            if path.is_dir():
                for part in sorted(path.glob("*.conf")):
                    yield from _dirs_of(part, depth + 1)
            else:
                yield from _dirs_of(path, depth + 1)


def _walk(folder: Path, seen: set[str]) -> Iterator[Path]:
    """The font files under ``folder`` in the order fontdb reads them (the
    folder's own order, folders entered as met), each file once."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        real = os.path.realpath(entry.path)
        if real in seen:
            continue
        seen.add(real)
        if os.path.isdir(real):
            yield from _walk(Path(real), seen)
        elif Path(real).suffix.lower() in _FONT_SUFFIXES:
            yield Path(real)


def system_fonts() -> list[Path]:
    """Every font file vl-convert reads from this system, in its order."""
    dirs = [d for config in _config_files() for d in _dirs_of(config)]
    if not dirs:  # fontdb's own list where fontconfig names none
        home = _home()
        dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
        dirs += [home / ".fonts", home / ".local" / "share" / "fonts"]
    seen: set[str] = set()
    return [font for d in dirs for font in _walk(d, seen)]


def write_config(fonts: list[Path], folder: Path) -> Path:
    """A fontconfig file under ``folder`` that lists ``fonts`` in this order:
    one folder each, holding a link to it (fontdb reads a folder's files in
    the file system's order, its ``<dir>`` folders in the file's), and an
    empty one (fontdb reads the system's folders where the file names none).
    fontdb keeps the path each link leads to: the folder can go once read."""
    dirs = [folder / "none"]
    dirs[0].mkdir()
    for number, font in enumerate(fonts):
        holder = folder / f"{number:05d}"
        holder.mkdir()
        (holder / font.name).symlink_to(font)
        dirs.append(holder)
    lines = "".join(f"  <dir>{escape(str(d))}</dir>\n" for d in dirs)
    config = folder / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?>\n<fontconfig>\n{lines}</fontconfig>\n', "utf-8")
    return config


def prefer_shipped_sans() -> bool:
    """Have vl-convert measure texts in its own Liberation Sans (see the
    module's text); True where it now does.

    Only before the process's first chart, on Linux, while the process runs
    no other thread: ``FONTCONFIG_FILE`` is set for the moment vl-convert
    reads its fonts (WeasyPrint's fontconfig, read later, sees the
    variable as it was). After a first chart it changes nothing (vl-convert
    keeps the fonts it read)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import vl_convert as vlc
    except ImportError:
        return False
    fonts = system_fonts()
    kept = [font for font in fonts if font.name not in SHIPPED]
    if len(kept) == len(fonts):
        return False  # no system copy before vl-convert's own: nothing to leave out
    try:
        return _read_through(vlc, kept)
    except OSError:  # no temporary folder or link: its fonts as before (slower, the same charts)
        return False


def _read_through(vlc: Any, kept: list[Path]) -> bool:
    before = os.environ.get("FONTCONFIG_FILE")
    with tempfile.TemporaryDirectory(prefix="veille-fonts-") as folder:
        config = write_config(kept, Path(folder))
        os.environ["FONTCONFIG_FILE"] = str(config)
        try:
            # Reads the fonts now, without starting vl-convert's JavaScript
            # engine; adds none (the folder is empty).
            vlc.register_font_directory(str(Path(folder) / "none"))
        except Exception:  # its fonts as before: slower, the same charts
            return False
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before
    return True
