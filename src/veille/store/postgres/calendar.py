"""PostgreSQL implementation of veille.store.protocols.calendar (migration 0003).

Due entries are claimed ``FOR UPDATE SKIP LOCKED``: schedulers on several
machines never claim the same entry.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import restored, storable
from veille.store.postgres.base import Runner
from veille.store.protocols.calendar import CalendarEntry

if TYPE_CHECKING:
    from veille.publish.base import Account

_FIELDS = [f.name for f in fields(CalendarEntry)]
_TIMES = {"scheduled_at", "created_at", "updated_at", "approved_at", "next_try_at", "published_at"}
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM calendar_entries"
_ACCOUNT = "SELECT name, platform, url, handle, secret, max_characters FROM publish_accounts"


def _ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


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
            value = None if value is None else datetime.fromtimestamp(value, UTC)
        elif name == "problems":
            value = json.loads(value or "[]")
        elif name == "error" and value:
            value = restored(value)
        elif name in ("id", "attempts"):
            value = int(value)
        values[name] = value
    return CalendarEntry(**values)


def _account(row: tuple[Any, ...]) -> Account:
    from veille.publish.base import Account

    return Account(
        name=row[0], platform=row[1], url=row[2], handle=row[3], secret=row[4], limit=row[5]
    )


class PgCalendar(Runner):
    def publish_accounts(self) -> list[Account]:
        return [_account(r) for r in self.rows(_ACCOUNT + " ORDER BY name")]

    def publish_account(self, name: str) -> Account | None:
        row = self.one(_ACCOUNT + " WHERE name = %s", (name,))
        return _account(row) if row else None

    def add_publish_account(self, account: Account, at: datetime) -> bool:
        values = (account.name, account.platform, account.url, account.handle, account.secret)
        added = self.run(
            "INSERT INTO publish_accounts (name, platform, url, handle, secret, max_characters, "
            "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
            (*values, account.limit, _ts(at)),
        )
        return added == 1

    def set_publish_account_limit(self, name: str, limit: int | None) -> None:
        self.run("UPDATE publish_accounts SET max_characters = %s WHERE name = %s", (limit, name))

    def remove_publish_account(
        self, name: str, *, unless: tuple[str, ...] = ()
    ) -> list[CalendarEntry]:
        with self.write() as conn:
            # Saving, editing or publishing a calendar post (ROW EXCLUSIVE)
            # waits for this short transaction, and this one for theirs: in
            # READ COMMITTED a post saved between the check and the delete was
            # otherwise left on a removed account. Reading the calendar does not wait.
            conn.execute("LOCK TABLE calendar_entries IN SHARE ROW EXCLUSIVE MODE")
            waiting = (
                [_entry(r) for r in conn.execute(
                    _SELECT + " WHERE status = ANY(%s) AND account = %s ORDER BY scheduled_at, id",
                    (list(unless), name),
                ).fetchall()]
                if unless else []
            )  # fmt: skip
            if not waiting:
                conn.execute("DELETE FROM publish_accounts WHERE name = %s", (name,))
        return waiting

    def add_calendar_entry(self, entry: CalendarEntry) -> int:
        names = [n for n in _FIELDS if n != "id"]
        # The insert waits for a removal of the account under way (its lock
        # of calendar_entries), then reads whether the account is still there.
        row = self.one(
            f"INSERT INTO calendar_entries ({', '.join(names)}) "
            f"SELECT {', '.join(['%s'] * len(names))} "
            "WHERE EXISTS (SELECT 1 FROM publish_accounts WHERE name = %s) RETURNING id",
            [*(_column(n, getattr(entry, n)) for n in names), entry.account],
        )
        return int(row[0]) if row is not None else 0

    def calendar_entry(self, entry_id: int) -> CalendarEntry | None:
        row = self.one(_SELECT + " WHERE id = %s", (entry_id,))
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
            where.append("status = ANY(%s)")
            args.append(list(statuses))
        if since is not None:
            where.append("scheduled_at >= %s")
            args.append(_ts(since))
        if until is not None:
            where.append("scheduled_at < %s")
            args.append(_ts(until))
        if account is not None:
            where.append("account = %s")
            args.append(account)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        return [_entry(r) for r in self.rows(sql + " ORDER BY scheduled_at, id", args)]

    def _set(self, entry_id: int, changes: dict[str, Any], extra: str = "") -> bool:
        unknown = set(changes) - set(_FIELDS) - {"claimed_until"} | ({"id"} & set(changes))
        if unknown:
            raise ValueError(f"not calendar fields: {sorted(unknown)}")
        sets = [f"{n} = %s" for n in changes] + ([extra] if extra else [])
        if not sets:
            return False
        values: list[Any] = [_column(n, v) for n, v in changes.items()]
        where, args = "id = %s", [entry_id]
        if "account" in changes:  # moved to an account that must still exist
            where += " AND EXISTS (SELECT 1 FROM publish_accounts WHERE name = %s)"
            args.append(changes["account"])
        changed = self.run(
            f"UPDATE calendar_entries SET {', '.join(sets)} WHERE {where}", [*values, *args]
        )
        return changed == 1

    def update_calendar_entry(self, entry_id: int, **changes: Any) -> bool:
        return self._set(entry_id, changes)

    def remove_calendar_entry(self, entry_id: int) -> bool:
        return self.run("DELETE FROM calendar_entries WHERE id = %s", (entry_id,)) == 1

    def claim_due_calendar_entries(
        self, now: datetime, lease_until: datetime, *, limit: int = 20
    ) -> list[CalendarEntry]:
        t = _ts(now)
        rows = self.rows(
            "UPDATE calendar_entries SET claimed_until = %s WHERE id IN ("
            " SELECT id FROM calendar_entries WHERE status IN ('approved', 'scheduled')"
            " AND scheduled_at <= %s AND (next_try_at IS NULL OR next_try_at <= %s)"
            " AND (claimed_until IS NULL OR claimed_until <= %s)"
            " ORDER BY scheduled_at, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id",
            (_ts(lease_until), t, t, t, limit),
        )
        found = [self.calendar_entry(int(r[0])) for r in rows]
        return sorted((e for e in found if e is not None), key=lambda e: (e.scheduled_at, e.id))

    def release_calendar_entry(self, entry_id: int, **changes: Any) -> None:
        self._set(entry_id, changes, extra="claimed_until = NULL")
