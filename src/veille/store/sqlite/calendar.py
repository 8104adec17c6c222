"""SQLite implementation of veille.store.protocols.calendar."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import restored, storable
from veille.store.protocols.calendar import CalendarEntry

if TYPE_CHECKING:
    from veille.publish.base import Account

_FIELDS = [f.name for f in fields(CalendarEntry)]
_TIMES = {"scheduled_at", "created_at", "updated_at", "approved_at", "next_try_at", "published_at"}
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM calendar_entries"


def _ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _column(name: str, value: Any) -> Any:
    if name in _TIMES:
        return _ts(value)
    if name == "problems":
        return json.dumps(value, ensure_ascii=False)
    if name == "error" and value:
        # veille's own reason kept as its sentence, said in each reader's
        # language (a platform's words stay as they came).
        return storable(value)
    return value


def _entry(row: tuple[Any, ...]) -> CalendarEntry:
    values: dict[str, Any] = {}
    for name, value in zip(_FIELDS, row, strict=True):
        if name in _TIMES:
            value = _dt(value)
        elif name == "problems":
            value = json.loads(value or "[]")
        elif name == "error" and value:
            value = restored(value)
        values[name] = value
    return CalendarEntry(**values)


def _account(row: tuple[Any, ...]) -> Account:
    from veille.publish.base import Account

    return Account(
        name=row[0], platform=row[1], url=row[2], handle=row[3], secret=row[4], limit=row[5]
    )


class SQLiteCalendar:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def publish_accounts(self) -> list[Account]:
        rows = self.conn.execute(
            "SELECT name, platform, url, handle, secret, max_characters FROM publish_accounts "
            "ORDER BY name"
        )
        return [_account(r) for r in rows]

    def publish_account(self, name: str) -> Account | None:
        row = self.conn.execute(
            "SELECT name, platform, url, handle, secret, max_characters FROM publish_accounts "
            "WHERE name = ?",
            (name,),
        ).fetchone()
        return _account(row) if row else None

    def add_publish_account(self, account: Account, at: datetime) -> bool:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO publish_accounts (name, platform, url, handle, secret, "
                "max_characters, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account.name, account.platform, account.url, account.handle, account.secret,
                 account.limit, _ts(at)),
            )  # fmt: skip
        return cur.rowcount == 1

    def set_publish_account_limit(self, name: str, limit: int | None) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE publish_accounts SET max_characters = ? WHERE name = ?", (limit, name)
            )

    def remove_publish_account(
        self, name: str, *, unless: tuple[str, ...] = ()
    ) -> list[CalendarEntry]:
        # BEGIN IMMEDIATE: a calendar post saved on another connection is
        # either committed before the check (and seen) or waits for the removal.
        with self.transaction():
            waiting = self.calendar_entries(statuses=unless, account=name) if unless else []
            if not waiting:
                self.conn.execute("DELETE FROM publish_accounts WHERE name = ?", (name,))
        return waiting

    def add_calendar_entry(self, entry: CalendarEntry) -> int:
        names = [n for n in _FIELDS if n != "id"]
        with self.transaction():
            cur = self.conn.execute(
                f"INSERT INTO calendar_entries ({', '.join(names)}) "
                f"SELECT {', '.join('?' * len(names))} "
                "WHERE EXISTS (SELECT 1 FROM publish_accounts WHERE name = ?)",
                [*(_column(n, getattr(entry, n)) for n in names), entry.account],
            )
        return int(cur.lastrowid or 0) if cur.rowcount == 1 else 0

    def calendar_entry(self, entry_id: int) -> CalendarEntry | None:
        row = self.conn.execute(_SELECT + " WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def calendar_entries(
        self,
        *,
        statuses: tuple[str, ...] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        account: str | None = None,
    ) -> list[CalendarEntry]:
        where: list[str] = []
        args: list[Any] = []
        if statuses:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            args.extend(statuses)
        if since is not None:
            where.append("scheduled_at >= ?")
            args.append(_ts(since))
        if until is not None:
            where.append("scheduled_at < ?")
            args.append(_ts(until))
        if account is not None:
            where.append("account = ?")
            args.append(account)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        return [_entry(r) for r in self.conn.execute(sql + " ORDER BY scheduled_at, id", args)]

    def _set(self, entry_id: int, changes: dict[str, Any], extra: str = "") -> bool:
        unknown = set(changes) - set(_FIELDS) - {"claimed_until"} | ({"id"} & set(changes))
        if unknown:
            raise ValueError(f"not calendar fields: {sorted(unknown)}")
        sets = [f"{n} = ?" for n in changes] + ([extra] if extra else [])
        if not sets:
            return False
        values: list[Any] = [_column(n, v) for n, v in changes.items()]
        where, args = "id = ?", [entry_id]
        if "account" in changes:  # moved to an account that must still exist
            where += " AND EXISTS (SELECT 1 FROM publish_accounts WHERE name = ?)"
            args.append(changes["account"])
        with self.transaction():
            cur = self.conn.execute(
                f"UPDATE calendar_entries SET {', '.join(sets)} WHERE {where}", [*values, *args]
            )
        return cur.rowcount == 1

    def update_calendar_entry(self, entry_id: int, **changes: Any) -> bool:
        return self._set(entry_id, changes)

    def remove_calendar_entry(self, entry_id: int) -> bool:
        with self.transaction():
            cur = self.conn.execute("DELETE FROM calendar_entries WHERE id = ?", (entry_id,))
        return cur.rowcount == 1

    def claim_due_calendar_entries(
        self, now: datetime, lease_until: datetime, *, limit: int = 20
    ) -> list[CalendarEntry]:
        t = _ts(now)
        due = (
            "SELECT id FROM calendar_entries WHERE status IN ('approved', 'scheduled') "
            "AND scheduled_at <= ? AND (next_try_at IS NULL OR next_try_at <= ?) "
            "AND (claimed_until IS NULL OR claimed_until <= ?) "
            "ORDER BY scheduled_at, id LIMIT ?"
        )
        # Read first: most rounds find nothing due and take no write lock.
        if self.conn.execute(due, (t, t, t, 1)).fetchone() is None:
            return []
        with self.transaction():
            ids = [r[0] for r in self.conn.execute(due, (t, t, t, limit))]
            for entry_id in ids:
                self.conn.execute(
                    "UPDATE calendar_entries SET claimed_until = ? WHERE id = ?",
                    (_ts(lease_until), entry_id),
                )
        found = [self.calendar_entry(i) for i in ids]
        return [e for e in found if e is not None]

    def release_calendar_entry(self, entry_id: int, **changes: Any) -> None:
        self._set(entry_id, changes, extra="claimed_until = NULL")


class SQLiteCalendarTx:
    """No calendar writes join another transaction."""
