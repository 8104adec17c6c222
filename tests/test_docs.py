"""Every command has help, and an entry in the English and French docs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


def test_every_option_has_a_help_line() -> None:
    """`veille search --help` listed --limit and --format with nothing beside
    them (33 options over 25 commands): each says what it does."""
    root = typer.main.get_command(build_app())
    bare = []
    for path in COMMANDS:
        cmd: Any = root
        for name in path:
            cmd = cmd.commands[name]
        for param in cmd.params:
            if param.param_type_name == "option" and param.name != "help" and not param.help:
                bare.append(f"veille {' '.join(path)} {param.opts[0]}")
    assert not bare, f"options without a help line: {bare}"


def _named_in_docs() -> list[tuple[str, str]]:
    """Each ``veille …`` command line the docs give (README too), up to the
    end of its code span or line, or a pipe to another command."""
    found = []
    for path in [DOCS.parent / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        # `veille …`, or `/opt/veille/bin/veille …` as a service runs it.
        for m in re.finditer(r"(?:(?<=/bin/)|(?<![\w/.-]))veille ([a-z][^`\n]*)", text):
            found.append((str(path.relative_to(DOCS.parent)), m.group(0).split(" | ")[0]))
    return found


def test_the_commands_and_options_the_docs_name_exist() -> None:
    """docs/inbox.md sent readers to `veille sentiment report`, which is not a
    command (`veille sentiment corrections` is); each subcommand and option a
    document names is one of the command it follows."""
    root: Any = typer.main.get_command(build_app())
    wrong = []
    for where, line in _named_in_docs():
        words = line.split()[1:]
        cmd, path = root, []
        while words and getattr(cmd, "commands", None) and words[0] in cmd.commands:
            cmd = cmd.commands[words[0]]
            path.append(words.pop(0))
        if not path:
            continue  # prose: "veille is…", "veille keeps…"
        if getattr(cmd, "commands", None):
            if words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
                wrong.append(f"{where}: {line!r}: no command 'veille {' '.join(path)} {words[0]}'")
            continue
        known = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", " ".join(words)):
            if option not in known:
                wrong.append(f"{where}: {line!r}: 'veille {' '.join(path)}' has no {option}")
    assert not wrong, "\n".join(wrong)


def test_the_examples_in_the_help_run(tmp_path: Path) -> None:
    """`veille analyze --help` gave echo '{… "J\\'adore !"}' | veille analyze:
    a backslash does not escape a quote inside single quotes, so the shell
    waited for the quote to close. Each "Example:" of the help runs as
    written, in bash, with this veille first on the PATH."""
    root: Any = typer.main.get_command(build_app())
    examples = []
    for path in COMMANDS:
        cmd = root
        for name in path:
            cmd = cmd.commands[name]
        examples += [(path, m) for m in re.findall(r"Example: (.+)", cmd.help or "")]
    assert examples
    shim = tmp_path / "bin" / "veille"
    shim.parent.mkdir()
    src = Path(__file__).resolve().parents[1] / "src"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{src}" exec "{sys.executable}" -m veille "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PATH"] = f"{shim.parent}{os.pathsep}{env.get('PATH', '')}"
    for path, example in examples:
        done = subprocess.run(
            ["bash", "-c", example], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, (path, example, done.stderr)
        assert done.stdout.strip() and "Traceback" not in done.stderr, (path, example, done)


def _groups() -> list[tuple[str, ...]]:
    root: Any = typer.main.get_command(build_app())
    found: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if getattr(cmd, "commands", None):
            found.append(path)
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(root, ())
    return found


@pytest.mark.parametrize("group", _groups(), ids=lambda g: " ".join(("veille", *g)))
def test_each_command_is_one_line_in_its_group_list(group: tuple[str, ...]) -> None:
    """`veille --help` listed volume, sov, influencers… over broken lines (the
    docstrings' line breaks, kept as they were): on a terminal wide enough,
    each command of a list is one line."""
    result = CliRunner().invoke(build_app(), [*group, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands")[1]
    rows = [line for line in listing.splitlines() if line.startswith("│")]
    assert rows
    broken = [line.strip("│ ") for line in rows if line.startswith("│" + " " * 4)]
    assert not broken, f"continued over another line: {broken}"


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


# French sets a narrow no-break space (U+202F) before : ; ! ? and inside « »
# (as the web app's French does), so that no line starts with a colon or ends
# on an opening guillemet: a plain or no-break (U+00A0) space there, or none
# inside « », is the fault. `![` opens a Markdown image; English and Python
# text quoted in French prose (`KeyError: 'id'`, 12:00) has no space and stays.
_WIDE_SPACE_BEFORE = re.compile(r"(?:^|[ \u00a0])(?:[:;?]|!(?!\[))")
_BARE_GUILLEMET = re.compile(r"«(?!\u202f)|(?<!\u202f)»")
# A figure of four digits or more written in groups (12 345, 1 000 000): the
# groups are joined by U+202F too, or a line may break inside the figure.
_GROUPED_FIGURE = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\w)")
# A percentage (12 %, 12%): U+202F between the figure and its sign, as the
# app's format_percent writes it, or « 12 » and « % » may end on two lines.
_LOOSE_PERCENT = re.compile(r"\d[ \u00a0]?%(?![(\w])")


def _wide_french_spaces(prose: str) -> list[str]:
    """What in one line of French prose is spaced with a space a line may
    break at (or none) where U+202F belongs."""
    found = [m.group(0) for m in _WIDE_SPACE_BEFORE.finditer(prose)]
    found += [m.group(0) for m in _BARE_GUILLEMET.finditer(prose)]
    found += [
        m.group(0)
        for m in _GROUPED_FIGURE.finditer(prose)
        if " " in m.group(0) or "\u00a0" in m.group(0)
    ]
    found += [m.group(0) for m in _LOOSE_PERCENT.finditer(prose)]
    return found


def test_french_docs_use_the_narrow_no_break_space_in_prose() -> None:
    """docs/fr wrote « lumio : » with a plain space, so a French reader saw
    lines break before a colon or after a «, figures (12 345) split in two
    and « 10 » left at a line's end with its « % » on the next: French
    prose takes U+202F there, as the app's French pages do; code spans,
    code blocks, URLs and Markdown's own syntax are left alone."""
    found = []
    for path in sorted((DOCS / "fr").glob("*.md")):
        for number, prose in _prose(path.read_text(encoding="utf-8")):
            if _wide_french_spaces(prose):
                shown = prose.replace(chr(0), "·").replace("\u202f", "◦")
                found.append(f"{path.name}:{number}: {shown[:90]}")
    assert not found, (
        f"{len(found)} French lines spaced without U+202F (◦) before : ; ! ?, inside « »"
        " or in a figure:\n" + "\n".join(found[:20])
    )


def test_the_french_spacing_check_leaves_code_and_markdown_alone() -> None:
    """The check above finds a plain or U+00A0 space before : ; ! ?, inside
    « » and in a figure, and passes code, URLs, times, ratios, Markdown
    images and references, and Python's own text quoted in French."""
    nn = "\u202f"
    good = (
        f"Le champ `a : b`{nn}; le bloc{nn}:\n\n```toml\nposts = 'x' # oui ; non !\n```\n\n"
        f"54{nn}%, `10 %` écrit, %(name)s, https://exemple.org/a%20b\n\n"
        f"    veille alert add « x » --every 1 000\n\n"
        f"voir [la page](https://exemple.org/a?b=1:2) à 12:00, ratio 3:1{nn}!\n"
        "| ![capture](img.png) | `x ; y` |\n[ref]: https://exemple.org/#a:b\n"
        f"«{nn}l’élément n’a pas pu être lu (KeyError: 'id'){nn}», 1{nn}000{nn}000, 2026-12-05\n"
        '<span title="a : b">ISO 8601</span>, commit 5566eb2, 1135 ms\n'
    )
    assert [line for _, line in _prose(good) if _wide_french_spaces(line)] == []
    bad = [
        "Note : la suite",
        "un ; deux",
        "vraiment !",
        "vraiment\u00a0?",
        "« mot » dit-il",
        "«mot»",
        "3 000 caractères",
        "1\u202f000 000 de publications",
        "dans 47 % des publications",
        "sous 2\u00a0%",
        "(+1,1%)",
    ]
    assert [line for line in bad if not _wide_french_spaces(line)] == []


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


_UNIT = re.compile(r"^```ini\n# /etc/systemd/system/(\S+\.service)[^\n]*\n(.*?)^```", re.M | re.S)


def test_the_deploy_docs_systemd_units_verify(tmp_path: Path) -> None:
    """docs/deploy.md gave no way to run veille's processes as services; the
    units it gives now (English and French alike) pass `systemd-analyze
    verify`: keys systemd knows, values it reads, the command it starts
    there. A template (veille@.service) is checked as an instance of it."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = {}
    for page in (DOCS / "deploy.md", DOCS / "fr" / "deploy.md"):
        found = _UNIT.findall(page.read_text(encoding="utf-8"))
        assert found, f"{page.relative_to(DOCS.parent)} gives no systemd unit"
        units[page.relative_to(DOCS.parent)] = found
    en, fr = units.values()
    assert [name for name, _ in en] == [name for name, _ in fr]
    assert [body for _, body in en] == [body for _, body in fr], "the units differ in docs/fr"
    veille = tmp_path / "opt" / "veille"  # the ExecStart= binary must exist
    veille.parent.mkdir(parents=True)
    veille.write_text("#!/bin/sh\n")
    veille.chmod(0o755)
    for name, body in en:
        unit = tmp_path / name.replace("@.", "@collector.")
        unit.write_text(body.replace("/opt/veille/bin/veille", str(veille)), encoding="utf-8")
        done = subprocess.run(
            [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        said = [line for line in done.stderr.splitlines() if unit.name in line]
        assert done.returncode == 0 and not said, (name, done.stderr)


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation
    (backticks, parentheses, colons…) dropped, spaces as hyphens, a repeated
    heading numbered (-1, -2); accented letters stay (#protection-des-données)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else re.match(r"#{1,6}\s+(.+?)\s*#*\s*$", line)
        if heading:
            words = re.sub(r"<[^>]+>", "", heading.group(1)).lower()
            slug = "".join(c for c in words if c.isalnum() or c in " -_").replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(text: str) -> list[tuple[int, str]]:
    """Each relative Markdown link (line number, target) outside code."""
    lines = []
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        lines.append("" if fenced or _FENCE.match(line) else line)
    prose = _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(lines))
    return [
        (prose.count("\n", 0, m.start()) + 1, m.group(1))
        for m in _LINK.finditer(prose)
        if not re.match(r"[a-z][a-z0-9+.-]*:", m.group(1))
    ]


def test_every_link_between_the_documents_leads_somewhere() -> None:
    """A reader who follows a link in README.md or docs/ (English or French)
    lands on a file that exists and, for a link with #, on a heading of it
    that still carries that name. The 245 links of the docs all led
    somewhere on 2026-12-07, checked by hand; a heading renamed later (in
    one language) would leave links pointing at nothing, and GitHub says
    nothing about it."""
    root = DOCS.parent
    broken = []
    for page in [root / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for number, target in _links(page.read_text(encoding="utf-8")):
            path, _, anchor = target.partition("#")
            to = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(root)}:{number}: ({target})"
            if not to.exists():
                broken.append(f"{where}: no file {path}")
            elif anchor and anchor not in _heading_anchors(to.read_text(encoding="utf-8")):
                broken.append(f"{where}: no heading #{anchor} in {to.relative_to(root)}")
    assert not broken, "\n".join(broken)


def test_the_link_check_reads_headings_as_github_does() -> None:
    """The anchors above are GitHub's: a heading's code, punctuation and
    case go, its accents stay, a second heading of one name takes -1."""
    page = (
        "# The `veille` command\n## Moving a workspace (`veille store migrate`)\n"
        "## Protection des données\n## Tests\n## Tests\n```sh\n# not a heading\n```\n"
    )
    assert _heading_anchors(page) == {
        "the-veille-command",
        "moving-a-workspace-veille-store-migrate",
        "protection-des-données",
        "tests",
        "tests-1",
    }
    text = "[a](b.md#c) `[x](y.md)`\n```\n[z](w.md)\n```\n[web](https://x.org/a#b)\n"
    assert _links(text) == [(1, "b.md#c")]
