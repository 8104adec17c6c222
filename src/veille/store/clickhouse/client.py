"""The two ways to reach ClickHouse, behind one small interface.

Both run the same SQL with server-side parameters (``{name:Type}``
placeholders): chDB in-process (one embedded server per process and path, so
one session per store, used under a lock: a session is not to be used by two
threads at once) and clickhouse-connect over HTTP for a server or a cluster.
Rows come back as lists (JSON decoded by orjson); inserts send JSONEachRow
(JSONCompactEachRow, values without names, given the columns) with a
deduplication token, so a batch sent twice (a retry after a lost answer) is
stored once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from veille.errors import DiskFull, PostsUnavailable, StoreError, StoreLocked, tr

# Settings of every query. A post never changes partition (its month is that
# of ``published_at``, which an update keeps), so ``FINAL`` need not merge
# rows across partitions: partitions of one part are read as they are
# (measured: a 30-day count over ``posts FINAL`` took half the CPU time).
SETTINGS = {"do_not_merge_across_partitions_select_final": 1}


class Client(Protocol):
    """What the store asks of a connection to ClickHouse."""

    # Whether other processes may write to the same tables (a server), or
    # only this one (chDB in-process).
    shared: bool

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        """The rows of a ``SELECT`` (each a list of values)."""
        ...

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """A statement that returns nothing (DDL, ``ALTER``, ``INSERT … SELECT``)."""
        ...

    def insert(
        self,
        table: str,
        rows: Sequence[bytes],
        *,
        token: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        """Insert JSONEachRow ``rows`` (encoded lines), or JSONCompactEachRow
        ones (arrays of ``columns``' values: no names to parse, a posts
        block took a fifth less CPU); ``token`` deduplicates the block."""
        ...

    def close(self) -> None: ...


def _escaped(value: Any) -> str:
    """A parameter value as ClickHouse reads it (the escaped text format)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        # An Array literal, itself then escaped as text.
        return _escaped("[" + ",".join(_quoted(v) for v in value) + "]")
    text = str(value)
    return (
        text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\0", "\\0")
    )


def _quoted(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


# The chDB folders this process opened (resolved): the lock on one of those
# is its own. (Not told by the process id in ``status`` alone: that is the
# holder's id in its own PID namespace, and two containers sharing the
# folder's volume both run veille as process 1.)
_OPENED_HERE: set[str] = set()


def folder_holder(path: Path) -> str | None:
    """The other process that has the chDB folder ``path`` open ("process
    8791: veille serve --port 0"), or None when none has (or this one has).

    ClickHouse's embedded server locks the folder's ``status`` file
    (``flock``) and writes its process id there. chDB, asked to open a folder
    another process holds, printed ClickHouse's own lines on stderr and
    raised "Error initializing EmbeddedServer", which named no process:
    asked first, the lock says who holds it. This process's own session (the
    same folder opened again) is no other holder; one whose id in its own
    PID namespace (another container's) is this process's id here is."""
    import fcntl
    import os

    status = path / "status"
    try:
        text = status.read_text("utf-8", errors="replace")
    except OSError:
        return None  # never opened: nobody holds it
    pid = next(
        (int(v) for k, _, v in (ln.partition(":") for ln in text.splitlines())
         if k.strip() == "PID" and v.strip().isdigit()),
        None,
    )  # fmt: skip
    if pid == os.getpid() and str(path.resolve()) in _OPENED_HERE:
        return None
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pass  # held
    except OSError:
        return None
    else:
        return None  # free (closing the file lets go of the lock)
    finally:
        os.close(fd)
    if pid is None:
        return tr("another process")
    if pid == os.getpid():  # not this one, which has not opened it
        return tr("process %(pid)s of another container or PID namespace", pid=pid)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return tr("process %(pid)s", pid=pid)
    # "python -m veille serve" or ".../bin/veille serve": the command as typed.
    at = next((i for i, a in enumerate(argv) if a == "veille" or a.endswith("/veille")), None)
    if at is None:
        return tr("process %(pid)s", pid=pid)
    return tr(
        "process %(pid)s: %(command)s", pid=pid, command=" ".join(["veille", *argv[at + 1 :]])
    )


def _held(path: Path, holder: str) -> StoreLocked:
    return StoreLocked(
        tr(
            "the chDB folder %(path)s is open in another process (%(holder)s)",
            path=str(path),
            holder=holder,
        ),
        hint=tr(
            "One process at a time opens a chDB folder, and `veille run --serve` runs "
            "the web app and the collection (alerts, digests, reports, publishing) in one: "
            "stop that process and start `veille run --serve` alone, or reach the posts "
            "through what that process serves (its web app and REST API)."
        ),
    )


class ChdbClient:
    """chDB in-process: a session over the folder ``path``."""

    shared = False

    def __init__(self, path: Path) -> None:
        try:
            from chdb import session
        except ImportError as exc:  # pragma: no cover - chdb is in the clickhouse extra
            raise StoreError(
                tr("chdb:// needs the chdb package"), hint="pip install 'veille[clickhouse]'"
            ) from exc
        from veille.store.clickhouse.backup import refuse_query_mark, session_path

        refuse_query_mark(path)  # before anything is made there
        path.mkdir(parents=True, exist_ok=True)
        holder = folder_holder(path)
        if holder is not None:
            raise _held(path, holder)
        try:
            # Its BACKUP may write in the folder's veille-backups only (backup.py).
            self._session = session.Session(session_path(path))
        except Exception as exc:
            holder = folder_holder(path)
            if holder is not None:  # taken meanwhile
                raise _held(path, holder) from exc
            raise StoreLocked(
                tr(
                    "cannot open the chDB folder %(path)s: %(error)s",
                    path=str(path),
                    error=str(exc),
                ),
                hint=tr(
                    "One process at a time opens a chDB folder (and one folder per "
                    "process): stop the other veille process, or reach the posts through "
                    "it."
                ),
            ) from exc
        _OPENED_HERE.add(str(path.resolve()))
        self._lock = threading.Lock()
        self.path = path
        for name, value in SETTINGS.items():
            self.command(f"SET {name} = {value}")

    def _query(self, sql: str, params: dict[str, Any] | None, fmt: str) -> bytes:
        encoded = None if not params else {k: _escaped(v) for k, v in params.items()}
        with self._lock:
            try:
                result = self._session.query(sql, fmt, params=encoded)
            except Exception as exc:
                raise _answered(f"chDB {self.path}", exc) from exc
        data: bytes = result.bytes()
        return data

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        data = self._query(sql, params, "JSONCompactEachRow")
        return [orjson.loads(line) for line in data.splitlines() if line]

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._query(sql, params, "TabSeparated")

    def insert(
        self,
        table: str,
        rows: Sequence[bytes],
        *,
        token: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        if not rows:
            return
        settings = f" SETTINGS insert_deduplication_token = '{token}'" if token else ""
        named = f" ({', '.join(columns)})" if columns else ""
        fmt = "JSONCompactEachRow" if columns else "JSONEachRow"
        head = f"INSERT INTO {table}{named}{settings} FORMAT {fmt}\n".encode()
        with self._lock:
            try:
                self._session.query((head + b"\n".join(rows)).decode(), "TabSeparated")
            except Exception as exc:
                raise _answered(f"chDB {self.path}", exc) from exc

    def close(self) -> None:
        with self._lock:
            self._session.close()


class HttpClient:
    """A ClickHouse server through clickhouse-connect (HTTP, port 8123)."""

    shared = True

    def __init__(self, host: str, port: int, database: str, **kwargs: Any) -> None:
        try:
            import clickhouse_connect
        except ImportError as exc:  # pragma: no cover - in the clickhouse extra
            raise StoreError(
                tr("clickhouse:// needs the clickhouse-connect package"),
                hint="pip install 'veille[clickhouse]'",
            ) from exc
        try:
            # One client: made without the database (its first queries would
            # name it, which may not exist yet), then told it once it does. A
            # second client only to create the database cost every open its
            # own connection and start-up queries (about 0.14 s).
            client = clickhouse_connect.get_client(
                host=host, port=port, settings=SETTINGS, **kwargs
            )
            try:
                client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            except Exception:
                client.close()
                raise
            client.database = database
            self._client = client
        except Exception as exc:
            from veille.urlmask import hide_secrets

            said = hide_secrets(str(exc), [str(kwargs.get("password") or "")])
            failed = StoreError(
                tr("cannot reach ClickHouse at %(host)s:%(port)s: %(error)s", host=host,
                   port=port, error=said),
                hint=tr("Check [store] posts (clickhouse://HOST:8123/DATABASE) and that the "
                        "server is running."),
            )  # fmt: skip
            raise failed from (exc if said == str(exc) else None)
        # clickhouse-connect's client is safe across threads only one query at a time.
        self._lock = threading.Lock()
        self.where = f"{host}:{port}/{database}"

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        with self._lock:
            try:
                result = self._client.raw_query(sql, parameters=params, fmt="JSONCompactEachRow")
            except Exception as exc:
                raise self._failed(exc) from exc
        return [orjson.loads(line) for line in result.splitlines() if line]

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        with self._lock:
            try:
                self._client.command(sql, parameters=params)
            except Exception as exc:
                raise self._failed(exc) from exc

    def insert(
        self,
        table: str,
        rows: Sequence[bytes],
        *,
        token: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        if not rows:
            return
        settings = {"insert_deduplication_token": token} if token else None
        with self._lock:
            try:
                self._client.raw_insert(
                    table,
                    column_names=columns,
                    insert_block=b"\n".join(rows),
                    settings=settings,
                    fmt="JSONCompactEachRow" if columns else "JSONEachRow",
                )
            except Exception as exc:
                raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> StoreError:
        """``exc`` as veille's error: the server not reached (refused, reset,
        timed out: :class:`PostsUnavailable`, which a daemon's pass retries
        and the web app answers 503) or an error the server answered."""
        away = _transport_failure(exc)
        if away is not None:
            return PostsUnavailable(
                tr("the ClickHouse posts store %(where)s did not answer: %(error)s",
                   where=self.where, error=away),
                hint=tr("Check that the ClickHouse server runs and accepts connections, "
                        "then try again (a write that failed is sent again with the same "
                        "deduplication token)."),
            )  # fmt: skip
        return _answered(f"ClickHouse {self.where}", exc)

    def close(self) -> None:
        self._client.close()


def _answered(where: str, exc: Exception) -> StoreError:
    """An error ClickHouse answered, as veille's: a disk full (code 243,
    NOT_ENOUGH_SPACE) is :class:`DiskFull`, which fails a collection pass
    whole instead of marking every source failed."""
    text = str(exc)
    if "NOT_ENOUGH_SPACE" in text or "Code: 243." in text:
        return DiskFull(
            tr("the disk of the posts store %(where)s is full; nothing of this batch was "
               "written", where=where),
            hint=tr("Free some space on the ClickHouse server (or drop old partitions); "
                    "collection goes on from the sources' cursors."),
        )  # fmt: skip
    return StoreError(f"{where}: {exc}")


def _transport_failure(exc: BaseException) -> str | None:
    """Why the server was not reached, in a few words (``[Errno 111]
    Connection refused``), when ``exc`` is a failure of the connection
    itself (clickhouse-connect wraps urllib3's), else ``None``."""
    import re

    seen: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in seen:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    if not any(isinstance(e, OSError) or type(e).__module__.startswith("urllib3") for e in seen):
        return None
    deepest = str(seen[-1])
    errno = re.search(r"\[Errno -?\d+\][^')\"]*", deepest)
    if errno is not None:
        return errno.group(0).strip()
    return " ".join(deepest.split())[:200] or type(seen[-1]).__name__
