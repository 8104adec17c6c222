"""``veille store backup`` and ``[backup]``: a copy of a workspace, taken
while it runs, that opens as a workspace of its own.

The copy is a new folder holding ``veille.toml`` and each database file (or
chDB folder) of ``[store]`` at the same place relative to it, so that
``--workspace FOLDER`` opens it, and restoring is copying those back. Each
store is copied by its backend (``backup(url, root=, into=, opened=)``,
offered by SQLite and chDB); a store kept by a server is backed up with the
server's own tools, which this says rather than copying part of the
workspace. The state is copied first, then the posts: a source's cursor in
the copy never points past posts missing from it (a batch's posts are
stored before the state transaction that moves its cursor).

A chDB folder is held by one process for good (``veille run``), which alone
can copy it while it runs: with ``[backup] folder`` set, that process makes
the backups itself (:func:`scheduled_backup`, from ``veille run``'s upkeep).
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.config import CONFIG_NAME
from veille.errors import UsageError, tr
from veille.store.registry import get_backend, recorded_url
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
            tr("%(path)s already exists and is not an empty folder", path=str(dest)),
            hint=tr("Name a new folder: a backup never writes over files."),
        )


def _outside(ws: Workspace, dest: Path, setting: bool = False) -> None:
    root = ws.root.resolve()
    if dest == root or root in dest.parents:
        said = (
            tr("[backup] folder %(path)s is inside the workspace %(root)s",
               path=str(dest), root=str(ws.root))
            if setting
            else tr("%(path)s is inside the workspace %(root)s", path=str(dest), root=str(ws.root))
        )  # fmt: skip
        raise UsageError(
            said, hint=tr("Back up to a folder outside the workspace (another disk, ideally).")
        )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def backup_workspace(ws: Workspace, dest: Path, *, stop: Any = None) -> BackupReport:
    """Copy ``ws`` into the new folder ``dest`` (see the module). Its stores
    are not opened (nor migrated) for it: an older workspace is copied as it
    is; a store this process has open already (a chDB folder it holds) is
    copied through that one. ``stop`` (a :class:`threading.Event`): once
    set, a copy under way is cut short (a StoreError) and nothing is left."""
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
                tr(
                    "[store] %(url)s is kept by the %(backend)s backend: veille store backup "
                    "copies SQLite databases and chDB folders only",
                    url=mask_url(url),
                    backend=backend.scheme,
                ),
                hint=tr(
                    'Back it up with its own tools (docs/deploy.md, "Backups and '
                    'restore"): pg_dump for PostgreSQL, BACKUP for a ClickHouse server.'
                ),
            )
        copiers.append((url, copy))
    report = BackupReport(dest)
    made = not dest.exists()
    try:
        _copy_into(ws, dest, copiers, report, stop)
    except BaseException:  # nothing half-written is left for a backup
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for left in list(dest.iterdir()) if dest.is_dir() else ():
                shutil.rmtree(left) if left.is_dir() else left.unlink()
        raise
    return report


def _copy_into(
    ws: Workspace, dest: Path, copiers: list[Any], report: BackupReport, stop: Any = None
) -> None:
    try:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ws.root / CONFIG_NAME, dest / CONFIG_NAME)
    except OSError as exc:
        raise UsageError(
            tr(
                "cannot write the backup into %(path)s: %(why)s",
                path=str(dest),
                why=exc.strerror or str(exc),
            ),
            hint=tr("Name a folder this user may write to, on a disk with room."),
        ) from exc
    renamed: dict[str, str] = {}
    for url, copy in copiers:
        opened = ws.opened_store(url)
        extra: dict[str, Any] = {"opened": opened} if opened is not None else {}
        if stop is not None:
            extra["stop"] = stop
        written, source = copy(url, root=ws.root, into=dest, **extra)
        relative = written.relative_to(dest)
        report.files.append((str(relative), _size(written)))
        if source.resolve() != (ws.root / relative).resolve():
            report.moved[str(relative)] = str(source)
        elif (named := recorded_url(url, root=ws.root)) != url:
            # Named by its absolute path in the workspace: the copy, opened
            # as it is, would read and write the workspace's own store (or,
            # restored on another machine, a new empty one there).
            renamed[url] = named
    if renamed:
        _name_in_copy(dest / CONFIG_NAME, renamed)
    report.files.insert(0, (CONFIG_NAME, (dest / CONFIG_NAME).stat().st_size))


# A table's header (``[store]``; ``[[sources]]`` an array's), and a store key.
_TABLE = re.compile(r"\s*(\[\[?)\s*([^\[\]]+?)\s*\]")
_STORE_KEY = re.compile(r"(\s*(?:posts|state)\s*=\s*)(.*)$", re.DOTALL)


def _name_in_copy(config: Path, renamed: dict[str, str]) -> None:
    """The copy's ``veille.toml`` with each ``[store]`` URL of ``renamed``
    written as it maps it (its store's path in the copy); the comments and
    everything else kept as they are. A line spelled otherwise is left."""
    text = config.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    table = ""
    for i, line in enumerate(lines):
        header = _TABLE.match(line)
        if header is not None:
            table = header.group(1) + header.group(2)
            continue
        key = _STORE_KEY.match(line) if table == "[store" else None
        found = _leading_string(key.group(2)) if key is not None else None
        if key is not None and found is not None and found[1] in renamed:
            value = json.dumps(renamed[found[1]], ensure_ascii=False)  # a TOML basic string
            lines[i] = key.group(1) + value + key.group(2)[len(found[0]) :]
    changed = "".join(lines)
    try:
        tomllib.loads(changed)
    except tomllib.TOMLDecodeError:  # a path TOML cannot spell so: named as before
        return
    config.write_text(changed, encoding="utf-8")


def _leading_string(rest: str) -> tuple[str, str] | None:
    """The one-line TOML string ``rest`` begins with: its text and its value."""
    if not rest or rest[0] not in "\"'":
        return None
    for end in range(1, len(rest)):
        if rest[end] != rest[0]:
            continue
        try:
            value = tomllib.loads("v = " + rest[: end + 1])["v"]
        except tomllib.TOMLDecodeError:
            continue  # an escaped quote inside it
        return rest[: end + 1], str(value)
    return None


def _copied_first(posts_url: str, state_url: str) -> list[str]:
    """The state's URL, then the posts' (see the module: the order keeps
    every cursor of the copy behind its posts)."""
    return list(dict.fromkeys((state_url, posts_url)))


# -- [backup]: the backups veille run makes on its own --------------------------

STAMP = "veille-%Y%m%d-%H%M%S"
PARTIAL = ".partial"


def backup_folder(ws: Workspace) -> Path | None:
    """``[backup] folder`` (relative to the workspace), or None when unset;
    refused (a :class:`UsageError` naming it) inside the workspace, not a
    folder, not writable, or with a store no backend here can copy, so that
    ``veille run`` says so as it starts rather than failing a day later."""
    import os

    setting = ws.settings.backup.folder.strip()
    if not setting:
        return None
    folder = Path(setting).expanduser()
    folder = (folder if folder.is_absolute() else ws.root / folder).resolve()
    _outside(ws, folder, setting=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            tr(
                "[backup] folder %(path)s cannot be made: %(why)s",
                path=str(folder),
                why=exc.strerror or str(exc),
            ),
            hint=tr("Name a folder this user may write to in veille.toml, [backup] folder."),
        ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            tr("[backup] folder %(path)s is not writable by this user", path=str(folder)),
            hint=tr(
                "Give this user the right to write there, or name another folder in "
                "veille.toml, [backup] folder."
            ),
        )
    for url in ws.settings.store.urls():
        backend = get_backend(url)
        if getattr(backend, "backup", None) is None:
            raise UsageError(
                tr(
                    "[backup] folder is set, but [store] %(url)s is kept by the "
                    "%(backend)s backend, which veille does not copy",
                    url=mask_url(url),
                    backend=backend.scheme,
                ),
                hint=tr(
                    'Back it up with its own tools (docs/deploy.md, "Backups and restore") '
                    "and leave [backup] folder empty."
                ),
            )
        check = getattr(backend, "check_backup_folder", None)
        if check is not None:  # a folder its copy cannot be written under
            check(folder, url=url, root=ws.root)
    return folder


def backups_in(folder: Path) -> list[tuple[datetime, Path]]:
    """The finished backups in ``folder``, oldest first (by their names)."""
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        try:
            at = datetime.strptime(path.name, STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        if path.is_dir():
            found.append((at, path))
    return sorted(found)


def scheduled_backup(
    ws: Workspace, now: datetime | None = None, *, stop: Any = None
) -> BackupReport | None:
    """A backup into ``[backup] folder`` when the last one there is
    ``every_hours`` old (None otherwise), then the oldest beyond ``keep``
    deleted. Written as ``.veille-….partial`` and renamed when whole: a
    backup killed half-way is never taken for one (and is deleted by the
    next). ``stop``: see :func:`backup_workspace`."""
    folder = backup_folder(ws)
    if folder is None:
        return None
    now = now or datetime.now(UTC)
    every = timedelta(hours=ws.settings.backup.every_hours)
    done = backups_in(folder)
    if done and now - done[-1][0] < every:
        return None
    name = now.strftime(STAMP)
    for left in folder.glob(f"veille-*{PARTIAL}"):
        shutil.rmtree(left, ignore_errors=True)
    partial = folder / (name + PARTIAL)
    try:
        report = backup_workspace(ws, partial, stop=stop)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    final = folder / name
    partial.rename(final)
    report.folder = final
    for _at, old in backups_in(folder)[: -ws.settings.backup.keep]:
        shutil.rmtree(old, ignore_errors=True)
    return report
