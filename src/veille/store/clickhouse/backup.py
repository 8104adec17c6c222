"""A copy of a chDB folder taken while the process holding it goes on writing.

One process at a time opens a chDB folder (ClickHouse's embedded server
locks it, and one process opens one folder), and ``cp -a`` while it writes
can copy a part half-written or miss one merged meanwhile. So the process
that has the folder open asks its own server: ``BACKUP DATABASE … TO
File(…) ASYNC`` (a snapshot of each table's parts; the session is free for
other queries while it is written, the web app's pages among them), into
``veille-backups/`` inside the chDB folder (the one place its session allows:
``backups.allowed_path``, set when it is opened). A child process then
restores that snapshot into a new chDB folder (``RESTORE``: its own server,
since this process's is taken by the folder it holds), which opens as the
posts store of the copied workspace, and the snapshot is deleted.

Run as ``python -m veille.store.clickhouse.backup SNAPSHOT FOLDER``: the
restoring child.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from veille.errors import ConfigError, StoreError, UsageError, tr

# Inside the chDB folder: the snapshots being written (never left there).
SNAPSHOTS = "veille-backups"

# chDB reads what follows the first "?" of the folder it opens as its
# settings, with no way to escape it: "posts?2.chdb" opens "posts".
QUERY_MARK = "?"


def refuse_query_mark(path: Path) -> None:
    """A :class:`ConfigError` for the chDB folder ``path`` holding a "?":
    chDB would open (and write) another folder, the part before it."""
    if QUERY_MARK in str(path):
        raise ConfigError(
            tr(
                "the chDB folder %(path)s has a '?' in its path: chDB reads what follows it "
                "as its settings and would open %(other)s instead",
                path=str(path),
                other=str(path).split(QUERY_MARK, 1)[0],
            ),
            hint=tr("Rename the folder without '?' and name it so in veille.toml, [store] posts."),
        )


def refuse_backup_into(folder: Path, what: str = "") -> None:
    """A :class:`UsageError` for a backup written into ``folder`` (the chDB
    folder of the copy is under it) where its path holds a "?"."""
    if QUERY_MARK in str(folder):
        raise UsageError(
            tr(
                "cannot back up a chDB folder into %(what)s%(path)s: its path has a '?', which "
                "chDB reads as the start of its settings (the posts would be written elsewhere)",
                what=what,
                path=str(folder),
            ),
            hint=tr("Name a backup folder without '?' in its path."),
        )


def session_path(path: Path) -> str:
    """The chDB connection string of the folder ``path``: its ``BACKUP`` may
    write under ``path/veille-backups`` only."""
    return f"{path}?backups.allowed_path={_setting(path / SNAPSHOTS)}"


def _setting(path: Path) -> str:
    """``path`` as the value of a setting in a chDB connection string, which
    chDB percent-decodes (a raw ``%41`` or ``+`` in a folder's name named
    another folder, and every BACKUP was refused as not allowed)."""
    return quote(str(path), safe="/")


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def refuse_backup_of(path: Path) -> None:
    """A :class:`UsageError` for a backup of the chDB folder ``path`` whose
    path holds a "&": chDB splits its settings there, encoded or not, and
    refuses every BACKUP as "not allowed" (the folder itself opens)."""
    if "&" in str(path):
        raise UsageError(
            tr(
                "cannot back up the chDB folder %(path)s: its path has a '&', which chDB "
                "cannot take in the setting that allows its backups",
                path=str(path),
            ),
            hint=tr(
                "Move the folder (or the workspace) to a path without '&' and name it so "
                "in veille.toml, [store] posts."
            ),
        )


def copy_folder(client: Any, into: Path, *, poll: float = 0.2, stop: Any = None) -> None:
    """Write into the new folder ``into`` a chDB folder holding what
    ``client``'s folder (a :class:`~veille.store.clickhouse.client.ChdbClient`,
    open in this process) holds now. ``stop`` (a :class:`threading.Event`):
    once set, the backup is cut short (a :class:`StoreError`), its child
    stopped and what it wrote deleted, so that a SIGTERM to ``veille run``
    stops it in seconds rather than once the whole copy is written."""
    if into.exists():
        raise StoreError(
            tr("%(path)s already exists", path=str(into)),
            hint=tr("A backup never writes over files."),
        )
    refuse_backup_into(into)
    refuse_backup_of(client.path)
    snapshot = client.path / SNAPSHOTS / uuid.uuid4().hex
    snapshot.parent.mkdir(exist_ok=True)
    # One left by a process killed while it backed up (one process holds
    # the folder, and it takes one backup at a time): its disk space back.
    for left in snapshot.parent.iterdir():
        shutil.rmtree(left, ignore_errors=True)

    def waited() -> None:  # a poll's wait, cut short by ``stop``
        if stop is None:
            time.sleep(poll)
        elif stop.wait(poll):
            raise StoreError(
                tr(
                    "the backup of %(path)s was cut short: veille is stopping",
                    path=str(client.path),
                ),
                hint=tr("The next backup is taken once veille runs again."),
            )

    try:
        rows = client.rows(
            f"BACKUP DATABASE {_database(client)} TO File({_quoted(str(snapshot))}) ASYNC"
        )
        backup_id = rows[0][0]

        def status() -> tuple[str, str]:
            found = client.rows(
                "SELECT status, error FROM system.backups WHERE id = {id:String}",
                {"id": backup_id},
            )[0]
            return str(found[0]), str(found[1])

        while (said := status())[0] == "CREATING_BACKUP":
            try:
                waited()
            except BaseException:
                # The server writes on (nothing cancels it): its snapshot
                # is deleted once written, not recreated under our feet.
                while status()[0] == "CREATING_BACKUP":
                    time.sleep(poll)
                raise
        if said[0] != "BACKUP_CREATED":
            raise StoreError(
                tr(
                    "chDB could not back up %(path)s: %(why)s",
                    path=str(client.path),
                    why=" ".join(said).strip(),
                ),
                hint=tr("Check the free space on that disk, then try again."),
            )
        _restore_in_child(snapshot, into, waited, client.path)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def _restore_in_child(snapshot: Path, into: Path, waited: Any, source: Path) -> None:
    """:func:`restore` in a child process, waited for by ``waited`` (which
    raises to cut it short: the child is stopped and ``into`` deleted)."""
    with tempfile.TemporaryFile("w+") as said:
        child = subprocess.Popen(
            [sys.executable, "-m", "veille.store.clickhouse.backup", str(snapshot), str(into)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=said, text=True,
        )  # fmt: skip
        try:
            while child.poll() is None:
                waited()
        except BaseException:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            shutil.rmtree(into, ignore_errors=True)
            raise
        if child.returncode != 0:
            shutil.rmtree(into, ignore_errors=True)
            said.seek(0)
            last = (said.read().strip().splitlines() or ["(nothing said)"])[-1]
            raise StoreError(
                tr(
                    "the backup of %(path)s could not be written into %(into)s: %(why)s",
                    path=str(source),
                    into=str(into),
                    why=last,
                ),
                hint=tr("Check that the folder is writable and its disk has room, then try again."),
            )


def _database(client: Any) -> str:
    name = str(client.rows("SELECT currentDatabase()")[0][0])
    return "`" + name.replace("`", "") + "`"


def restore(snapshot: Path, into: Path) -> None:
    """The child: a new chDB folder ``into`` holding the ``snapshot``."""
    from chdb import session

    refuse_backup_into(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    s = session.Session(f"{into}?backups.allowed_path={_setting(snapshot.parent)}")
    try:
        database = s.query("SELECT currentDatabase()", "TabSeparated").bytes().decode().strip()
        s.query(
            f"RESTORE DATABASE `{database}` FROM File({_quoted(str(snapshot))})", "TabSeparated"
        )
    finally:
        s.close()


if __name__ == "__main__":  # pragma: no cover - run as a child (see the module)
    try:
        restore(Path(sys.argv[1]), Path(sys.argv[2]))
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
