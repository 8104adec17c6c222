"""``veille --help`` and each command's help page follow the reader's
language, chosen as for every other CLI sentence (``--language``, the
workspace's ``ui_language``, the locale): veille's texts from the catalogs
(``cli_help.po``), typer's words around them too. English is typer's page
as it always was."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from tests.cli_runner import CliRunner, veille_command
from veille.cli import build_app
from veille.cli.helptext import HELP_AREA, HELP_CONTEXT, TYPER_WORDS, USAGE
from veille.web.i18n import merged_catalog

NBSP = "\u202f"
#: No workspace and no locale but the one a test names.
BARE = {"VEILLE_WORKSPACE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


def _help(args: list[str], columns: int = 200, **env: str) -> str:
    result = CliRunner().invoke(
        veille_command(), args, env={**BARE, **env, "COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    return result.output


def _words(text: str) -> str:
    """The page's words on one line (a panel wraps them); French's narrow
    no-break spaces kept."""
    return re.sub(r"[ \n│╭╮╰╯─]+", " ", text).strip()


def test_veille_help_in_french_for_a_french_locale(tmp_path: Path) -> None:
    page = _words(_help(["--help"], LANG="fr_FR.UTF-8"))
    assert f"Utilisation{NBSP}: veille [OPTIONS] COMMAND [ARGS]..." in page
    assert "Veille des réseaux sociaux et planification de présence, auto-hébergées." in page
    assert "Commandes" in page and "Commands" not in page
    assert "Affiche cette aide et quitte." in page
    # A command's line in the list is its French help's first paragraph.
    listed = "search Cherche dans les publications enregistrées avec le langage de requête"
    assert f"{listed}{NBSP};" in page
    assert "Show this message" not in page and "Search stored posts" not in page


def test_a_command_help_in_the_workspace_language(tmp_path: Path) -> None:
    """``ui_language = "fr"`` in veille.toml: `veille search --help` run in
    that workspace is French, its defaults and what is required too."""
    (tmp_path / "veille.toml").write_text('[workspace]\nui_language = "fr"\n', encoding="utf-8")
    page = _words(_help(["search", "--help"], VEILLE_WORKSPACE=str(tmp_path)))
    assert f"Utilisation{NBSP}: veille search [OPTIONS]" in page
    assert "Avec --format jsonl ou csv, le titre et le texte sont tels qu’enregistrés" in page
    assert f"Une requête (syntaxe{NBSP}: docs/fr/query.md). [obligatoire]" in page
    assert f"Combien de publications. [par défaut{NBSP}: 20]" in page
    assert f"[variable d’environnement{NBSP}: VEILLE_WORKSPACE]" in page
    assert "[default:" not in page and "[required]" not in page


def test_a_group_and_its_command_in_french_with_language() -> None:
    group = _words(_help(["--language", "fr", "alert", "--help"]))
    assert f"Alertes{NBSP}: correspondances d’un sujet ou d’une requête" in group
    assert "pause Cesse d’envoyer (les correspondances restent dans la file d’envoi)." in group
    command = _words(_help(["--language", "fr", "alert", "add", "--help"]))
    assert "Ajoute une alerte, par exemple veille alert add Lumio" in command
    assert "Sujet à surveiller." in command and f"Langue des courriels{NBSP}: en ou fr." in command


def test_english_help_is_typers_as_before() -> None:
    page = _words(_help(["search", "--help"], LANG="en_GB.UTF-8"))
    assert "Usage: veille search [OPTIONS]" in page
    assert "A query (syntax: docs/query.md). [required]" in page
    assert "How many posts. [default: 20]" in page
    # --language en wins over a French locale.
    page = _words(_help(["--language", "en", "--help"], LANG="fr_FR.UTF-8"))
    assert "Commands" in page and "Show this message and exit." in page


def _texts() -> dict[str, str]:
    """Each help text of every command (its help, its options' help), with
    where it is read."""
    found: dict[str, str] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        where = "veille " + " ".join(path)
        if cmd.help:
            found.setdefault(cmd.help, where)
        for param in cmd.params:
            if getattr(param, "help", None):
                found.setdefault(param.help, f"{where} {param.opts[0]}")
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return found


TEXTS = _texts()


def test_every_help_text_has_its_french() -> None:
    """A command or an option added with its help in English only fails
    here: its French goes in cli_help.po, under msgctxt "help". A help page
    reads that catalog alone (a French one put in another file would never
    show), so only that one is read here."""
    from typer import rich_utils

    catalog = merged_catalog("fr", areas=(HELP_AREA,))
    wanted = dict(TEXTS)
    wanted.update({getattr(rich_utils, name): f"typer's {name}" for name in TYPER_WORDS})
    wanted[USAGE] = "click's usage line"
    wanted["Show this message and exit."] = "the help option"
    missing = []
    for text, where in wanted.items():
        message = catalog.get(text, HELP_CONTEXT)
        if message is None or not str(message.string).strip():
            missing.append(f"{where}: {text!r}")
    assert not missing, "no French help in cli_help.po:\n" + "\n".join(missing)


def test_the_french_help_names_the_same_options_and_commands() -> None:
    """The French says the options (--since), the `commands` and the
    escaped [sections] of the English, word for word: a reader types them
    as they read them."""
    catalog = merged_catalog("fr")
    wrong = []
    for text, where in TEXTS.items():
        message = catalog.get(text, HELP_CONTEXT)
        said = str(message.string) if message is not None else ""
        for pattern in (r"--[a-z][a-z0-9-]*", r"`veille [^`]*`", r"\\\[\w+\]"):
            if sorted(re.findall(pattern, said)) != sorted(re.findall(pattern, text)):
                wrong.append(f"{where}: {said!r}")
    assert not wrong, "\n".join(wrong)


def test_the_help_catalog_holds_help_texts_only() -> None:
    """A help page reads cli_help.po alone, and a command's output every
    catalog but it (each was read on every call: a slow start): a sentence
    put there without msgctxt "help" would be said in English."""
    catalog = merged_catalog("fr", areas=(HELP_AREA,))
    loose = [m.id for m in catalog if m.id and m.context != HELP_CONTEXT]
    assert not loose, loose
    rest = merged_catalog("fr", skip=(HELP_AREA,))
    assert not [m.id for m in rest if m.id and m.context == HELP_CONTEXT]


def _pages() -> list[tuple[str, ...]]:
    """Every command and group of ``veille``, by its words."""
    found: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, (*path, name))

    walk(veille_command(), ())
    return found


#: What typer and click show where a reader looks for what to write: a
#: Python type (``<str>``, ``<list[str]>``, ``<int range>``), click's type
#: names (``TEXT``, ``INTEGER``) after an option, a range as code
#: (``x>=1``), a decimal default as Python writes it (``60.0``) or with a
#: point in French.
_CODE = re.compile(
    r"<(?:str|int|float|bool|path|file|dir|datetime|uuid|list\[[^>]*\]|\w+ range)>"
    r"|--[a-z][a-z0-9-]*(?: +-\w)? +(?:TEXT|INTEGER|FLOAT|BOOLEAN|FILENAME|PATH|DIRECTORY)\b"
    r"|\bx *[<>]=|[<>]= *x\b"
    r"|\[default: -?\d+\.\d+\]|\[par défaut\u202f: -?\d+\.\d+\]"
)


def test_every_help_page_says_what_to_write_in_words() -> None:
    """`veille sim --help` showed « --speed <float> … [par défaut : 60.0] »
    and « --days <int range> [1<=x<=365] », every command « --workspace
    <str> » and a flag « --inbox <bool> »: a French reader writes « 60 » and
    reads what to write (« --workspace DOSSIER », « --days JOURS »), not a
    Python type. Every page, in English and in French: an option added with
    no word for what it takes (veille.cli.metavars, or its own metavar=)
    fails here."""
    wrong = []
    for path in _pages():
        for lang in ("en", "fr"):
            page = _help(["--language", lang, *path, "--help"])
            for found in _CODE.finditer(page):
                wrong.append(f"veille {' '.join(path)} --help ({lang}): {found.group()!r}")
    assert not wrong, "\n".join(wrong)


def test_a_help_page_says_values_in_the_readers_words() -> None:
    english = _words(_help(["sim", "--help"]))
    assert "--speed SPEED Simulated seconds per real second (0: frozen). [default: 60]" in english
    assert "--days DAYS\u00a0[1–365]" in english and "--seed SEED" in english
    french = _words(_help(["--language", "fr", "sim", "--help"]))
    assert f"--speed VITESSE Secondes simulées par seconde réelle (0{NBSP}: figé)." in french
    assert f"[par défaut{NBSP}: 60]" in french
    assert "--days JOURS\u00a0[1–365]" in french
    run = _words(_help(["--language", "fr", "run", "--help"]))
    assert "--tick SECONDES\u00a0[0,1–86400]" in run and "SECONDES\u00a0[≥3]" in run
    assert "--workspace -w DOSSIER" in run
    # An argument is named by its word, in the usage line too; a flag takes none.
    topic = _words(_help(["--language", "fr", "topic", "add", "--help"]))
    assert "veille topic add [OPTIONS] {NOM} {REQUÊTE}" in topic
    assert "--inbox Les publications" in topic
    # A value chosen from a list keeps the list.
    assert "--format -f <table|json>" in _words(_help(["topic", "list", "--help"]))


#: A range as a help page writes it (``[1–365]``, ``[≥3]``, « [0,1–86400] »).
_RANGE = re.compile(r"\[[≥≤]?-?\d[\d.,]*(?:–-?\d[\d.,]*)?\]")


def test_a_range_stays_with_its_word_on_every_help_page() -> None:
    """At 80 columns `veille --language fr sim --help` showed « --days
    JOURS » and, on the next line, « [1–365] » alone under it (typer joins
    them with a space, where a narrow column wrapped; `run`'s --tick and
    `demo`'s --days and --port too, at 90 columns as well): the range now
    keeps to its word, on every page, in English and in French. (Where the
    page's prose could then not keep its longest word whole, the range
    wraps as before: `draft check` in French at 80 columns.)"""
    wrong = []
    pages = [(90, path) for path in _pages()] + [(80, ("sim",)), (80, ("run",)), (80, ("demo",))]
    for columns, path in pages:
        for lang in ("en", "fr"):
            page = _help(["--language", lang, *path, "--help"], columns=columns)
            for line in page.splitlines():
                alone = line.strip(" │")
                if _RANGE.match(alone):
                    wrong.append(f"veille {' '.join(path)} --help ({lang}, {columns}): {alone!r}")
    assert not wrong, "\n".join(wrong)


def test_every_word_for_a_value_has_its_french() -> None:
    from veille.cli.metavars import ARGUMENTS, OPTIONS

    catalog = merged_catalog("fr", areas=(HELP_AREA,))
    words = {*OPTIONS.values(), *ARGUMENTS.values()}

    def walk(cmd: Any) -> None:
        words.update(p.metavar for p in cmd.params if p.metavar)
        for sub in (getattr(cmd, "commands", None) or {}).values():
            walk(sub)

    walk(veille_command())
    missing = [w for w in sorted(words) if catalog.get(w, HELP_CONTEXT) is None]
    assert not missing, "no French in cli_help.po for: " + ", ".join(missing)
