"""A narrow terminal never breaks a line at a no-break space: French puts
U+202F before « : ; ! ? » and inside « », and rich broke lines there as at
any space, so a French table's cell or an error's line began with « ? » or
« » » alone (see :mod:`veille.cli.layout`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_language import NBSP, run

__all__ = ["run"]  # the fixture, shared

# What must never begin a line, or end one, where a no-break space holds it.
LEADS, ENDS = (*"»:;!?%", NBSP), ("«", NBSP)


def _lines(out: str) -> list[str]:
    """Each line of ``out`` as a reader sees it, one string per table cell
    or panel line: the box drawn around it left out."""
    cells = []
    for line in out.splitlines():
        cells += [cell.strip() for cell in line.strip().strip("│┃").split("│")]
    return [cell for cell in cells if cell]


def _broken(out: str) -> list[str]:
    return [line for line in _lines(out) if line.startswith(LEADS) or line.endswith(ENDS)]


def test_a_french_error_is_never_broken_before_its_punctuation(run) -> None:
    """`veille topic lst` in a 30-column French terminal: its panel read
    « Commande inconnue : « lst » / ». Vouliez-vous dire « » / « list » ? »
    and its hint « Essayez « veille topic --help » / « » pour … »."""
    done = run("topic", "lst", env={"COLUMNS": "30"})
    assert done.exit_code == 2, done.output
    assert not _broken(done.output), done.output
    assert f"«{NBSP}lst{NBSP}»." in done.output and f"«{NBSP}list{NBSP}»{NBSP}?" in done.output
    assert f"--help{NBSP}»" in done.output, done.output


def _text(table: str) -> list[str]:
    """The lines of the text column of ``veille search``'s table."""
    cells = [line.split("│")[5].strip() for line in table.splitlines() if line.count("│") > 5]
    return [cell for cell in cells if cell]


def test_a_french_post_in_a_narrow_table_keeps_its_punctuation(run, tmp_path: Path) -> None:
    """`veille search` in a 90-column terminal: a French post's text, its
    no-break spaces where its writer typed them (U+202F, U+00A0), wrapped in
    its cell at its other spaces (a line read « support répond « », the
    next « bientôt » ; et la »); the same table in a wide terminal, as it
    always was. Words held together that no line of a narrower cell can
    hold break at their no-break spaces, as before, rather than be cut."""
    said = (
        f"Lumio encore en panne{NBSP}? Trois jours sans fibre{NBSP}! Le support répond "
        f"«\u00a0bientôt\u00a0»{NBSP}; et la facture{NBSP}: 49,90\u00a0€ comme toujours"
    )
    posts = tmp_path / "posts.jsonl"
    post = {"platform": "mastodon", "id": "1", "text": said, "author": "louise",
            "published_at": "2026-11-30T10:00:00Z"}  # fmt: skip
    posts.write_text(json.dumps(post) + "\n", encoding="utf-8")
    assert run("import", str(posts), "--no-enrich").exit_code == 0
    table = run("search", "lumio", env={"COLUMNS": "90"}).output
    assert not _broken(table), table
    assert len(_text(table)) > 3 and " ".join(_text(table)) == said, table
    wide = run("search", "lumio", env={"COLUMNS": "3000"}).output
    assert f"│ {said} " in wide, wide
    narrow = run("search", "lumio", env={"COLUMNS": "60"}).output
    assert " ".join(_text(narrow)).split() == said.split(), narrow  # every word, whole


def test_a_french_help_page_is_never_broken_before_its_punctuation(run) -> None:
    """`veille --help` in a French 70-column terminal: a line of the
    options panel began « : LC_ALL, LC_MESSAGES, LANG ; fr_* donne le », one
    of the commands panel « ; si l’organisation a déjà échangé avec » at 60
    columns; a command's page (`veille influencers --help`) too. Typer
    renders help pages with a console of its own, not veille's. At 60
    columns `rule add`'s help column was 15 cells, as narrow as its types'
    (« <int range> [x>=0] »): a line began « : » and « VEILLE_WORKSPA… »
    was cut, until 2026-12-07."""
    pages = (["--help"], ["influencers", "--help"], ["rule", "add", "--help"])
    for columns, args in [
        ("60", ["--help"]),
        ("60", ["rule", "add", "--help"]),
        *((c, a) for c in ("70", "80", "100") for a in pages),
    ]:
        done = run(*args, env={"COLUMNS": columns})
        assert done.exit_code == 0, done.output
        assert "Utilisation" in done.output, done.output  # the French page
        assert not _broken(done.output), (columns, args, done.output)
        assert "…" not in done.output, (columns, args, done.output)  # nothing cut
