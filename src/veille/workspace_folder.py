"""A workspace's folder: where it is (``--workspace DIR``, then
``VEILLE_WORKSPACE``, then the current directory when it holds a
``veille.toml``) and the language its ``veille.toml`` asks for.

Every command finds these before it runs, to speak in its reader's language
(``veille --help`` too): they need neither the settings' classes
(:mod:`veille.config`) nor the stores (:mod:`veille.workspace`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from veille.errors import WorkspaceNotFound, tr

CONFIG_NAME = "veille.toml"


def find_workspace(explicit: str | Path | None = None) -> Path:
    """The workspace folder to use, or :class:`WorkspaceNotFound` saying how to make one."""
    if explicit:
        path = Path(explicit).expanduser()
        where = f"--workspace {explicit}"
    elif os.environ.get("VEILLE_WORKSPACE"):
        path = Path(os.environ["VEILLE_WORKSPACE"]).expanduser()
        where = f"VEILLE_WORKSPACE={path}"
    else:
        path = Path.cwd()
        where = tr("the current directory")
    if not (path / CONFIG_NAME).is_file():
        raise WorkspaceNotFound(
            tr(
                "no veille workspace in %(where)s (no %(config)s at %(path)s)",
                where=where,
                config=CONFIG_NAME,
                path=str(path),
            ),
            hint=tr(
                "Create one with `veille init DIR`, then pass --workspace DIR "
                "or set VEILLE_WORKSPACE=DIR (or run `veille demo` for a populated one)."
            ),
        )
    return path.resolve()


def configured_ui_language(path: Path) -> str | None:
    """The ``[workspace] ui_language`` that ``path`` (a ``veille.toml``) sets
    itself: ``None`` where it sets none (the default, English, is then no
    one's choice), or where it cannot be read (its error is said elsewhere,
    and the CLI must still say that error in some language)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    section = data.get("workspace")
    chosen = section.get("ui_language") if isinstance(section, dict) else None
    return chosen if chosen in ("en", "fr") else None
