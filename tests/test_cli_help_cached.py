"""A French help page says its texts from the compiled catalog that
:mod:`veille.web.i18n` keeps in the user's cache, as the web app and the
commands' messages do: ``cli_help.po`` is read and compiled once, not at
every ``--help`` (~40 ms each)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from tests.cli_runner import CliRunner, veille_command
from veille.cli.helptext import HELP_CONTEXT

#: No workspace and no locale but the one a test names.
BARE = {"VEILLE_WORKSPACE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
SERVE = "Serve the web app and the REST API (stop with Ctrl-C)."


def _page(args: list[str]) -> str:
    result = CliRunner().invoke(veille_command(), args, env={**BARE, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return re.sub(r"[ \n│╭╮╰╯─]+", " ", result.output)


def test_a_french_help_page_is_said_from_the_kept_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    first = _page(["--language", "fr", "serve", "--help"])
    assert "Sert l’application web et l’API REST (arrêt avec Ctrl-C)." in first
    kept = sorted(cache.rglob("*.mo"))
    assert kept, "the first French help page kept no compiled catalog"
    # The kept catalog now says the command otherwise: the next page says
    # what it says, so it was read, not cli_help.po again.
    catalog = Catalog(locale="fr", domain="veille")
    catalog.add(SERVE, "Lance l’application (catalogue compilé).", context=HELP_CONTEXT)
    for path in kept:
        with path.open("wb") as fh:
            write_mo(fh, catalog)
    again = _page(["--language", "fr", "serve", "--help"])
    assert "Lance l’application (catalogue compilé)." in again
    assert "Sert l’application web" not in again
    # English is typer's page, whatever the catalogs say.
    assert SERVE in _page(["--language", "en", "serve", "--help"])
