"""``veille store backup``: a copy of a workspace, taken while it runs, that
opens as a workspace of its own.

The copy is a new folder holding ``veille.toml`` and each database file (or
chDB folder) of ``[store]`` at the same place relative to it, so that
``--workspace FOLDER`` opens it, and restoring is copying those back. Each
store is copied by its backend (``backup(url, root=, into=, opened=)``,
offered by SQLite and chDB); a store kept by a server is backed up with the
server's own tools, which this says rather than copying part of the
workspace. The state is copied first, then the posts: a source's cursor in
the copy never points past posts missing from it (a batch's posts are
stored before the state transaction that moves its cursor).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _outside(ws: Workspace, dest: Path, what: str = "") -> None:
    root = ws.root.resolve()
    if dest == root or root in dest.parents:
        raise UsageError(
            f"{what}{dest} is inside the workspace {ws.root}",
            hint="Back up to a folder outside the workspace (another disk, ideally).",
        )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def backup_workspace(ws: Workspace, dest: Path) -> BackupReport:
    """Copy ``ws`` into the new folder ``dest`` (see the module). Its stores
    are not opened (nor migrated) for it: an older workspace is copied as it
    is; a store this process has open already (a chDB folder it holds) is
    copied through that one."""
    dest = dest.expanduser().resolve()
    _outside(ws, dest)
    _empty_folder(dest)
    posts_url, state_url = ws.settings.store.urls()
    copiers = []
    for url in _copied_first(posts_url, state_url):
        backend = get_backend(url)
        copy = getattr(backend, "backup", None)
        if copy is None:
            raise UsageError(
                f"[store] {mask_url(url)} is kept by the {backend.scheme} backend: "
                "veille store backup copies SQLite databases and chDB folders only",
                hint='Back it up with its own tools (docs/deploy.md, "Backups and '
                'restore"): pg_dump for PostgreSQL, BACKUP for a ClickHouse server.',
            )
        copiers.append((url, copy))
    report = BackupReport(dest)
    made = not dest.exists()
    try:
        _copy_into(ws, dest, copiers, report)
    except BaseException:  # nothing half-written is left for a backup
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for left in list(dest.iterdir()) if dest.is_dir() else ():
                shutil.rmtree(left) if left.is_dir() else left.unlink()
        raise
    return report


def _copy_into(ws: Workspace, dest: Path, copiers: list[Any], report: BackupReport) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ws.root / CONFIG_NAME, dest / CONFIG_NAME)
    except OSError as exc:
        raise UsageError(
            f"cannot write the backup into {dest}: {exc.strerror or exc}",
            hint="Name a folder this user may write to, on a disk with room.",
        ) from exc
    report.files.append((CONFIG_NAME, (dest / CONFIG_NAME).stat().st_size))
    for url, copy in copiers:
        opened = ws.opened_store(url)
        extra: dict[str, Any] = {"opened": opened} if opened is not None else {}
        written, source = copy(url, root=ws.root, into=dest, **extra)
        relative = written.relative_to(dest)
        report.files.append((str(relative), _size(written)))
        if source.resolve() != (ws.root / relative).resolve():
            report.moved[str(relative)] = str(source)


def _copied_first(posts_url: str, state_url: str) -> list[str]:
    """The state's URL, then the posts' (see the module: the order keeps
    every cursor of the copy behind its posts)."""
    return list(dict.fromkeys((state_url, posts_url)))
