"""SQLite implementation of veille.store.protocols.accounts (migration 0200)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import StoreError, StoreLocked
from veille.store.protocols.accounts import AuditEntry, SessionRecord, TokenRecord, UserRecord
from veille.store.sqlite.filters import translate_error, write_ahead

log = logging.getLogger(__name__)

#: How long the note of an API token's last use waits for another writer
#: before it is given up (see ``_briefly``; its count has a file of its own).
BOOKKEEPING_WAIT_MS = 200

_USER = "SELECT username, role, password_hash, language, created_at, timezone FROM users"
_TOKEN = (
    "SELECT id, username, name, created_at, last_used_at, revoked_at, scope, expires_at "
    "FROM api_tokens"
)


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _at(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


# Above every attempt's id: "before" none in particular.
_NO_ID = 2**62


def _secs(at: datetime) -> int:
    return int(at.timestamp())


def _user(row: tuple[Any, ...]) -> UserRecord:
    return UserRecord(row[0], row[1], row[2], row[3], _at(row[4]), row[5])


def _token(row: tuple[Any, ...]) -> TokenRecord:
    return TokenRecord(
        row[0], row[1], row[2], _at(row[3]), _ts(row[4]), _ts(row[5]), row[6], _ts(row[7])
    )


#: The requests each token made this minute, as migration 0440 made it in
#: the database (where a store in memory keeps them).
_COUNTS_TABLE = (
    "CREATE TABLE IF NOT EXISTS api_token_minutes (token_id INTEGER NOT NULL, "
    "minute INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (token_id, minute))"
)


def counts_path(path: str) -> str:
    """Where the API's rate limit counts the requests of the database at
    ``path``: a file of its own beside it (``veille.db-counts``), so that a
    long write holding the database (an import) neither stops the count nor
    makes a call wait for it; every web worker on the database counts there."""
    return f"{path}-counts"


def _count(conn: sqlite3.Connection, token_id: int, minute: int) -> int:
    """Count one request of the token in ``minute``, inside a transaction;
    how many it made in that minute. A new minute forgets the earlier ones
    of every token (a revoked or removed token's last count included)."""
    row = conn.execute(
        "INSERT INTO api_token_minutes (token_id, minute, requests) VALUES (?, ?, 1) "
        "ON CONFLICT (token_id, minute) DO UPDATE SET requests = requests + 1 "
        "RETURNING requests",
        (token_id, minute),
    ).fetchone()
    if row[0] == 1:
        conn.execute("DELETE FROM api_token_minutes WHERE minute < ?", (minute,))
    return int(row[0])


class SQLiteAccountsTx:
    """The account writes made inside a transaction (also mixed into the store)."""

    conn: sqlite3.Connection

    def get_user(self, username: str) -> UserRecord | None:
        row = self.conn.execute(f"{_USER} WHERE username = ?", (username,)).fetchone()
        return _user(row) if row else None

    def count_users(self, role: str | None = None) -> int:
        if role is None:
            return int(self.conn.execute("SELECT count(*) FROM users").fetchone()[0])
        row = self.conn.execute("SELECT count(*) FROM users WHERE role = ?", (role,)).fetchone()
        return int(row[0])

    def insert_user(self, user: UserRecord) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO users (username, role, password_hash, language, created_at, "
            "timezone) VALUES (?, ?, ?, ?, ?, ?)",
            (
                user.username,
                user.role,
                user.password_hash,
                user.language,
                _secs(user.created_at),
                user.timezone,
            ),
        )
        return cur.rowcount == 1

    def update_user(
        self,
        username: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        language: str | None = None,
        timezone: str | None = None,
    ) -> bool:
        changes = {"role": role, "password_hash": password_hash, "language": language,
                   "timezone": timezone}  # fmt: skip
        sets = [(k, v) for k, v in changes.items() if v is not None]
        if not sets:
            return self.get_user(username) is not None
        cur = self.conn.execute(
            f"UPDATE users SET {', '.join(f'{k} = ?' for k, _ in sets)} WHERE username = ?",
            [v for _, v in sets] + [username],
        )
        return cur.rowcount == 1

    def delete_user(self, username: str) -> bool:
        # Sessions and tokens go by the foreign keys' cascade.
        cur = self.conn.execute("DELETE FROM users WHERE username = ?", (username,))
        return cur.rowcount == 1

    def delete_sessions_of(self, username: str, *, keep: str | None = None) -> int:
        cur = self.conn.execute(
            "DELETE FROM sessions WHERE username = ? AND id_hash != ?", (username, keep or "")
        )
        return cur.rowcount

    def narrow_tokens(self, username: str, wider: Sequence[str], scope: str) -> list[TokenRecord]:
        if not wider:
            return []
        marks = ", ".join("?" for _ in wider)
        were = [_token(r) for r in self.conn.execute(
            f"{_TOKEN} WHERE username = ? AND scope IN ({marks}) ORDER BY id",
            (username, *wider),
        )]  # fmt: skip
        self.conn.execute(
            f"UPDATE api_tokens SET scope = ? WHERE username = ? AND scope IN ({marks})",
            (scope, username, *wider),
        )
        return were

    def add_audit_entry(
        self, at: datetime, actor: str, action: str, target: str, detail: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (_secs(at), actor, action, target, detail),
        )


class SQLiteAccounts(SQLiteAccountsTx):
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    if TYPE_CHECKING:  # given by SQLiteStore
        path: str
        timeout: float
        _counts: sqlite3.Connection | None
        _counts_lock: threading.Lock
        _counts_away: int | None
        _counts_here: dict[int, tuple[int, int]]

        def transaction(self) -> AbstractContextManager[Any]: ...

    def list_users(self) -> list[UserRecord]:
        return [_user(r) for r in self.conn.execute(f"{_USER} ORDER BY username")]

    def add_session(self, session: SessionRecord) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO sessions (id_hash, username, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    session.id_hash,
                    session.username,
                    _secs(session.created_at),
                    _secs(session.expires_at),
                ),
            )

    def find_session(self, id_hash: str, now: datetime) -> SessionRecord | None:
        row = self.conn.execute(
            "SELECT id_hash, username, created_at, expires_at FROM sessions "
            "WHERE id_hash = ? AND expires_at > ?",
            (id_hash, _secs(now)),
        ).fetchone()
        return SessionRecord(row[0], row[1], _at(row[2]), _at(row[3])) if row else None

    def delete_session(self, id_hash: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    def delete_expired_sessions(self, now: datetime) -> int:
        with self.transaction():
            cur = self.conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (_secs(now),))
        return cur.rowcount

    def add_token(
        self,
        username: str,
        name: str,
        secret_hash: str,
        at: datetime,
        *,
        scope: str = "write",
        expires_at: datetime | None = None,
        roles: Sequence[str] | None = None,
    ) -> int:
        values = (name, secret_hash, _secs(at), scope, _secs(expires_at) if expires_at else None)
        with self.transaction():
            if roles is None:
                cur = self.conn.execute(
                    "INSERT INTO api_tokens (username, name, secret_hash, created_at, scope, "
                    "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (username, *values),
                )
            else:
                marks = ", ".join("?" for _ in roles)
                cur = self.conn.execute(
                    "INSERT INTO api_tokens (username, name, secret_hash, created_at, scope, "
                    "expires_at) SELECT username, ?, ?, ?, ?, ? FROM users "
                    f"WHERE username = ? AND role IN ({marks})",
                    (*values, username, *roles),
                )
        return int(cur.lastrowid or 0) if cur.rowcount else 0

    def count_token_request(self, token_id: int, minute: int) -> int:
        if self.path == ":memory:":  # one connection: nothing else holds it
            with self.transaction():
                return _count(self.conn, token_id, minute)
        with self._counts_lock:
            if self._counts_away != minute:  # (a file that failed is tried again next minute)
                try:
                    made = self._count_in_file(token_id, minute)
                except StoreLocked:
                    raise
                except StoreError as exc:
                    self._counting_here(exc)
                    self._counts_away = minute
                else:
                    if self._counts_away is not None:
                        log.warning(
                            "%s is written again: the API's rate limit counts there",
                            counts_path(self.path),
                        )
                        self._counts_away = None
                        self._counts_here.clear()
                    return made
            return self._count_here(token_id, minute)

    def _count_in_file(self, token_id: int, minute: int) -> int:
        conn = self._counts or self._open_counts()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                made = _count(conn, token_id, minute)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a COMMIT refused too: the next count begins anew
                    conn.rollback()
                raise
        except sqlite3.Error as exc:
            raise translate_error(exc, counts_path(self.path)) from exc
        return made

    def _counting_here(self, exc: StoreError) -> None:
        """The counts' file cannot be written (permissions, a full disk, a
        folder in its place): the API's calls are answered all the same (it
        answered 500 to every token call), each counted in this process's
        memory; said once until the file is written again."""
        if self._counts_away is None:
            log.warning(
                "the API's rate limit cannot write its counts (%s); this process counts "
                "the calls in memory meanwhile (each web worker for itself). Let the user "
                "running veille write %s and its folder, or free space on its disk; it is "
                "tried again each minute",
                exc.message,
                counts_path(self.path),
            )

    def _count_here(self, token_id: int, minute: int) -> int:
        """:func:`_count`, in this process's memory."""
        was_minute, made = self._counts_here.get(token_id, (minute, 0))
        made = made + 1 if was_minute == minute else 1
        self._counts_here = {
            t: c for t, c in self._counts_here.items() if c[0] == minute and t != token_id
        }
        self._counts_here[token_id] = (minute, made)
        return made

    def _open_counts(self) -> sqlite3.Connection:
        """The file of the API's counts (:func:`counts_path`), opened once per
        store and made as needed: it holds nothing but this minute's counts,
        so it has no migrations and a lost one only forgets a minute."""
        name = counts_path(self.path)
        try:
            conn = sqlite3.connect(
                name, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise translate_error(exc, name) from exc
        try:
            write_ahead(conn, self.timeout)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_COUNTS_TABLE)
        except sqlite3.Error as exc:
            conn.close()
            raise translate_error(exc, name) from exc
        self._counts = conn
        return conn

    def find_token(self, secret_hash: str) -> TokenRecord | None:
        row = self.conn.execute(f"{_TOKEN} WHERE secret_hash = ?", (secret_hash,)).fetchone()
        return _token(row) if row else None

    @contextmanager
    def _briefly(self) -> Iterator[None]:
        """A bookkeeping write of an API call (its last use) waits
        :data:`BOOKKEEPING_WAIT_MS` for a writer that holds the file (an
        ingest batch), not the store's whole timeout: a read of the API
        would otherwise wait seconds behind it where it waited for nothing.
        Given up, it raises :class:`~veille.errors.StoreLocked`."""
        before = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
        self.conn.execute(f"PRAGMA busy_timeout = {BOOKKEEPING_WAIT_MS}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(before)}")

    def touch_token(self, token_id: int, at: datetime) -> None:
        with self._briefly(), self.transaction():
            self.conn.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (_secs(at), token_id)
            )

    def list_tokens(self, username: str | None = None) -> list[TokenRecord]:
        if username is None:
            rows = self.conn.execute(f"{_TOKEN} ORDER BY id")
        else:
            rows = self.conn.execute(f"{_TOKEN} WHERE username = ? ORDER BY id", (username,))
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: int, at: datetime) -> bool:
        with self.transaction():
            cur = self.conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (_secs(at), token_id),
            )
        return cur.rowcount == 1

    def add_login_attempt(self, key: str, at: datetime, *, success: bool) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO login_attempts (key, at, success) VALUES (?, ?, ?)",
                (key, _secs(at), int(success)),
            )
        return int(cur.lastrowid or 0)

    def mark_login_success(self, attempt_id: int) -> None:
        with self.transaction():
            self.conn.execute("UPDATE login_attempts SET success = 1 WHERE id = ?", (attempt_id,))

    def forget_login_attempt(self, attempt_id: int) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM login_attempts WHERE id = ?", (attempt_id,))

    def failed_logins_since(
        self, key: str, since: datetime, *, before: int | None = None
    ) -> list[datetime]:
        last = _NO_ID if before is None else before
        rows = self.conn.execute(
            "SELECT at FROM login_attempts WHERE key = ? AND success = 0 AND at >= ? "
            "AND id < ? AND id > coalesce((SELECT max(id) FROM login_attempts "
            "WHERE key = ? AND success = 1 AND id < ?), 0) ORDER BY id",
            (key, _secs(since), last, key, last),
        )
        return [_at(r[0]) for r in rows]

    def failed_logins_of(
        self, username: str, since: datetime, *, before: int | None = None
    ) -> list[tuple[datetime, str]]:
        # A prefix compared as text: a LIKE would read the "_" of a username as a wildcard.
        prefix = f"{username}|"
        rows = self.conn.execute(
            "SELECT at, substr(key, ?) FROM login_attempts "
            "WHERE substr(key, 1, ?) = ? AND success = 0 AND at >= ? AND id < ? ORDER BY id",
            (len(prefix) + 1, len(prefix), prefix, _secs(since),
             _NO_ID if before is None else before),
        )  # fmt: skip
        return [(_at(r[0]), r[1]) for r in rows]

    def forget_login_attempts_before(self, before: datetime) -> int:
        with self.transaction():
            cur = self.conn.execute("DELETE FROM login_attempts WHERE at < ?", (_secs(before),))
        return cur.rowcount

    def audit_entries(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        where, params = [], []  # type: list[str], list[Any]
        if actor is not None:
            where.append("actor = ?")
            params.append(actor)
        if action is not None:
            where.append("action = ?")
            params.append(action)
        sql = "SELECT id, at, actor, action, target, detail FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(
            sql + " ORDER BY id DESC LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [AuditEntry(r[0], _at(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
