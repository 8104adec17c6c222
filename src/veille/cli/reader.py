"""The language of the reader of a ``veille`` command: found before the
command runs (its usage errors and help pages are said in it too), so this
imports neither the settings' classes nor the stores, nor rich."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from veille.errors import VeilleError

#: The locale variables that say a reader's language, the first set one
#: deciding (POSIX's order for messages).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the locale of the environment asks for: ``fr`` for a
    French locale (``fr_FR.UTF-8``, ``fr_CA``, ``fr``), ``en`` for any other
    (``C.UTF-8``, ``de_DE``: veille speaks no other), ``None`` where none
    of :data:`LOCALE_VARIABLES` is set."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return None


def cli_language(workspace: str | Path | None = None) -> str:
    """The language the CLI speaks to its reader (its errors, its notices):
    ``veille --language``, else the ``ui_language`` the workspace's
    ``veille.toml`` sets (``workspace``: the --workspace given, else
    VEILLE_WORKSPACE, else the current directory), else the environment's
    locale (:func:`environment_language`), else English. A workspace that
    cannot be found or read still gets its error said in a language."""
    from veille.cli import root
    from veille.workspace_folder import CONFIG_NAME, configured_ui_language, find_workspace

    if root.language_given:
        return root.language_given
    try:
        chosen = configured_ui_language(find_workspace(workspace) / CONFIG_NAME)
    except VeilleError:
        chosen = None
    return chosen or environment_language() or "en"
