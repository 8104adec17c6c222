"""``veille store backup``: a copy of a workspace kept in SQLite, taken while
it runs, that opens as a workspace of its own.

The copy is a new folder holding ``veille.toml`` and each database file of
``[store]`` at the same place relative to it, so that ``--workspace FOLDER``
opens it, and restoring is copying those files back. Each database is copied
by its backend (``backup(url, root=, into=)``, offered by the SQLite one);
a store kept by a server is backed up with the server's own tools, which
this says rather than copying part of the workspace.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from veille.config import CONFIG_NAME
from veille.errors import UsageError
from veille.store.registry import get_backend
from veille.urlmask import mask_url
from veille.workspace import Workspace


@dataclass
class BackupReport:
    folder: Path
    # Each file written (relative to ``folder``) and its size in bytes.
    files: list[tuple[str, int]] = field(default_factory=list)
    # Database files outside the workspace folder, copied by name: what
    # ``veille.toml`` names for them is their place in the workspace.
    moved: dict[str, str] = field(default_factory=dict)


def _empty_folder(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(
            f"{dest} already exists and is not an empty folder",
            hint="Name a new folder: a backup never writes over files.",
        )


def backup_workspace(ws: Workspace, dest: Path) -> BackupReport:
    """Copy ``ws`` into the new folder ``dest`` (see the module). Its stores
    are not opened (nor migrated): an older workspace is copied as it is."""
    dest = dest.expanduser().resolve()
    if dest == ws.root or ws.root in dest.parents:
        raise UsageError(
            f"{dest} is inside the workspace {ws.root}",
            hint="Back up to a folder outside the workspace (another disk, ideally).",
        )
    _empty_folder(dest)
    posts_url, state_url = ws.settings.store.urls()
    copiers = []
    for url in dict.fromkeys((posts_url, state_url)):
        backend = get_backend(url)
        copy = getattr(backend, "backup", None)
        if copy is None:
            raise UsageError(
                f"[store] {mask_url(url)} is kept by the {backend.scheme} backend: "
                "veille store backup copies SQLite databases only",
                hint='Back it up with its own tools (docs/deploy.md, "Backups and '
                'restore"): pg_dump for PostgreSQL, BACKUP for ClickHouse; a chDB '
                "folder is copied while veille is stopped.",
            )
        copiers.append((url, copy))
    report = BackupReport(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ws.root / CONFIG_NAME, dest / CONFIG_NAME)
    report.files.append((CONFIG_NAME, (dest / CONFIG_NAME).stat().st_size))
    for url, copy in copiers:
        written, source = copy(url, root=ws.root, into=dest)
        relative = written.relative_to(dest)
        report.files.append((str(relative), written.stat().st_size))
        if source.resolve() != (ws.root / relative).resolve():
            report.moved[str(relative)] = str(source)
    return report
