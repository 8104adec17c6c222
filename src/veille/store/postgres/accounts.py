"""PostgreSQL implementation of veille.store.protocols.accounts (migration 0004)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from veille.store.postgres.base import Runner
from veille.store.protocols.accounts import AuditEntry, SessionRecord, TokenRecord, UserRecord

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
# The advisory lock of an account's login attempts (two int4 keys: a space
# apart from the one-bigint locks of migrations and forgetting): the bytes
# of "vlog", then the username's hashtext.
_ATTEMPTS_LOCK = int.from_bytes(b"vlog", "big", signed=True)


def _account(key: str) -> str:
    """The username an attempt's key begins with (``name|address`` or a
    device cookie's ``name#id``): no username has either character."""
    return re.split(r"[|#]", key, maxsplit=1)[0]


def _secs(at: datetime) -> int:
    return int(at.timestamp())


def _user(row: tuple[Any, ...]) -> UserRecord:
    return UserRecord(row[0], row[1], row[2], row[3], _at(row[4]), row[5])


def _token(row: tuple[Any, ...]) -> TokenRecord:
    return TokenRecord(
        int(row[0]), row[1], row[2], _at(row[3]), _ts(row[4]), _ts(row[5]), row[6], _ts(row[7])
    )


class PgAccountsTx(Runner):
    """The account writes made inside a transaction (also mixed into the store)."""

    def get_user(self, username: str) -> UserRecord | None:
        row = self.one(f"{_USER} WHERE username = %s", (username,))
        return _user(row) if row else None

    def count_users(self, role: str | None = None) -> int:
        if role is None:
            row = self.one("SELECT count(*) FROM users")
        else:
            row = self.one("SELECT count(*) FROM users WHERE role = %s", (role,))
        return int(row[0]) if row else 0

    def insert_user(self, user: UserRecord) -> bool:
        added = self.run(
            "INSERT INTO users (username, role, password_hash, language, created_at, timezone) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (username) DO NOTHING",
            (
                user.username,
                user.role,
                user.password_hash,
                user.language,
                _secs(user.created_at),
                user.timezone,
            ),
        )
        return added == 1

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
        changed = self.run(
            f"UPDATE users SET {', '.join(f'{k} = %s' for k, _ in sets)} WHERE username = %s",
            [v for _, v in sets] + [username],
        )
        return changed == 1

    def delete_user(self, username: str) -> bool:
        # Sessions and tokens go by the foreign keys' cascade.
        return self.run("DELETE FROM users WHERE username = %s", (username,)) == 1

    def delete_sessions_of(self, username: str, *, keep: str | None = None) -> int:
        return self.run(
            "DELETE FROM sessions WHERE username = %s AND id_hash != %s", (username, keep or "")
        )

    def narrow_tokens(self, username: str, wider: Sequence[str], scope: str) -> list[TokenRecord]:
        if not wider:
            return []
        # Locked as read, so that what is returned is what was narrowed.
        were = [_token(r) for r in self.rows(
            f"{_TOKEN} WHERE username = %s AND scope = ANY(%s) ORDER BY id FOR UPDATE",
            (username, list(wider)),
        )]  # fmt: skip
        self.run(
            "UPDATE api_tokens SET scope = %s WHERE username = %s AND scope = ANY(%s)",
            (scope, username, list(wider)),
        )
        return were

    def add_audit_entry(
        self, at: datetime, actor: str, action: str, target: str, detail: str
    ) -> None:
        self.run(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
            (_secs(at), actor, action, target, detail),
        )


class PgAccounts(PgAccountsTx):
    def list_users(self) -> list[UserRecord]:
        return [_user(r) for r in self.rows(f"{_USER} ORDER BY username")]

    def add_session(self, session: SessionRecord) -> None:
        self.run(
            "INSERT INTO sessions (id_hash, username, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s)",
            (
                session.id_hash,
                session.username,
                _secs(session.created_at),
                _secs(session.expires_at),
            ),
        )

    def find_session(self, id_hash: str, now: datetime) -> SessionRecord | None:
        row = self.one(
            "SELECT id_hash, username, created_at, expires_at FROM sessions "
            "WHERE id_hash = %s AND expires_at > %s",
            (id_hash, _secs(now)),
        )
        return SessionRecord(row[0], row[1], _at(row[2]), _at(row[3])) if row else None

    def delete_session(self, id_hash: str) -> None:
        self.run("DELETE FROM sessions WHERE id_hash = %s", (id_hash,))

    def delete_expired_sessions(self, now: datetime) -> int:
        return self.run("DELETE FROM sessions WHERE expires_at <= %s", (_secs(now),))

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
        if roles is None:
            row = self.one(
                "INSERT INTO api_tokens (username, name, secret_hash, created_at, scope, "
                "expires_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (username, *values),
            )
            return int(row[0]) if row else 0
        # FOR SHARE waits for a role change in progress (set_role holds the
        # user's row until it has narrowed the tokens) and reads its outcome.
        row = self.one(
            "INSERT INTO api_tokens (username, name, secret_hash, created_at, scope, expires_at) "
            "SELECT username, %s, %s, %s, %s, %s FROM users "
            "WHERE username = %s AND role = ANY(%s) FOR SHARE RETURNING id",
            (*values, username, list(roles)),
        )
        return int(row[0]) if row else 0

    def count_token_request(self, token_id: int, minute: int) -> int:
        # Two statements, each atomic on its own: the count is one upsert, and
        # forgetting the earlier minutes may happen in any order with others.
        row = self.one(
            "INSERT INTO api_token_minutes (token_id, minute, requests) VALUES (%s, %s, 1) "
            "ON CONFLICT (token_id, minute) DO UPDATE "
            "SET requests = api_token_minutes.requests + 1 RETURNING requests",
            (token_id, minute),
        )
        count = int(row[0]) if row else 1
        if count == 1:  # a new minute: the token's earlier ones count no more
            self.run(
                "DELETE FROM api_token_minutes WHERE token_id = %s AND minute < %s",
                (token_id, minute),
            )
        return count

    def find_token(self, secret_hash: str) -> TokenRecord | None:
        row = self.one(f"{_TOKEN} WHERE secret_hash = %s", (secret_hash,))
        return _token(row) if row else None

    def touch_token(self, token_id: int, at: datetime) -> None:
        self.run("UPDATE api_tokens SET last_used_at = %s WHERE id = %s", (_secs(at), token_id))

    def list_tokens(self, username: str | None = None) -> list[TokenRecord]:
        if username is None:
            rows = self.rows(f"{_TOKEN} ORDER BY id")
        else:
            rows = self.rows(f"{_TOKEN} WHERE username = %s ORDER BY id", (username,))
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: int, at: datetime) -> bool:
        changed = self.run(
            "UPDATE api_tokens SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
            (_secs(at), token_id),
        )
        return changed == 1

    def add_login_attempt(self, key: str, at: datetime, *, success: bool) -> int:
        # Ids come from a sequence as inserts begin; others see a row as it
        # commits. Two tries at one account at once: the one given the lower
        # id could commit after the other read "the attempts before it", and
        # each missed the other (as on SQLite, where one writes at a time,
        # they must not). Held per username from the id's taking to the
        # commit, an account's attempts are seen in the order of their ids.
        with self.write() as conn:
            conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_ATTEMPTS_LOCK, _account(key))
            )
            row = conn.execute(
                "INSERT INTO login_attempts (key, at, success) VALUES (%s, %s, %s) RETURNING id",
                (key, _secs(at), success),
            ).fetchone()
        return int(row[0])

    def mark_login_success(self, attempt_id: int) -> None:
        self.run("UPDATE login_attempts SET success = TRUE WHERE id = %s", (attempt_id,))

    def forget_login_attempt(self, attempt_id: int) -> None:
        self.run("DELETE FROM login_attempts WHERE id = %s", (attempt_id,))

    def failed_logins_since(
        self, key: str, since: datetime, *, before: int | None = None
    ) -> list[datetime]:
        last = _NO_ID if before is None else before
        rows = self.rows(
            "SELECT at FROM login_attempts WHERE key = %s AND NOT success AND at >= %s "
            "AND id < %s AND id > coalesce((SELECT max(id) FROM login_attempts "
            "WHERE key = %s AND success AND id < %s), 0) ORDER BY id",
            (key, _secs(since), last, key, last),
        )
        return [_at(r[0]) for r in rows]

    def failed_logins_of(
        self, username: str, since: datetime, *, before: int | None = None
    ) -> list[tuple[datetime, str]]:
        # A prefix compared as text: a LIKE would read the "_" of a username as a wildcard.
        prefix = f"{username}|"
        rows = self.rows(
            "SELECT at, substr(key, %s) FROM login_attempts "
            "WHERE substr(key, 1, %s) = %s AND NOT success AND at >= %s AND id < %s ORDER BY id",
            (len(prefix) + 1, len(prefix), prefix, _secs(since),
             _NO_ID if before is None else before),
        )  # fmt: skip
        return [(_at(r[0]), r[1]) for r in rows]

    def forget_login_attempts_before(self, before: datetime) -> int:
        return self.run("DELETE FROM login_attempts WHERE at < %s", (_secs(before),))

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
            where.append("actor = %s")
            params.append(actor)
        if action is not None:
            where.append("action = %s")
            params.append(action)
        sql = "SELECT id, at, actor, action, target, detail FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.rows(sql + " ORDER BY id DESC LIMIT %s OFFSET %s", [*params, limit, offset])
        return [AuditEntry(int(r[0]), _at(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
