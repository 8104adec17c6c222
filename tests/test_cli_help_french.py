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


def _help(args: list[str], **env: str) -> str:
    result = CliRunner().invoke(veille_command(), args, env={**BARE, **env, "COLUMNS": "200"})
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
