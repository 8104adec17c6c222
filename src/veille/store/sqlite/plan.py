"""SQLite implementation of veille.store.protocols.plan."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from veille.store.protocols.plan import (
    KPI,
    AccountSnapshot,
    Acknowledgement,
    Channel,
    CostItem,
    Guidelines,
    Objective,
    Person,
    PlanContents,
)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _when(ts: int | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


def _list(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text or "[]"))


_OBJECTIVE = (
    "INSERT INTO plan_objectives (name, kind, description, owner, deadline, topics, channels, "
    "position) VALUES (?, ?, ?, ?, ?, ?, ?, coalesce((SELECT position FROM plan_objectives "
    "WHERE name = ?), (SELECT count(*) FROM plan_objectives))) ON CONFLICT (name) DO UPDATE SET "
    "kind = excluded.kind, description = excluded.description, owner = excluded.owner, "
    "deadline = excluded.deadline, topics = excluded.topics, channels = excluded.channels"
)
_KPI = (
    "INSERT OR REPLACE INTO plan_kpis (name, kind, target, period_days, objective, topic, "
    "platform, handle, compare, deadline, baseline, set_at, position) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce((SELECT position FROM plan_kpis "
    "WHERE name = ?), (SELECT count(*) FROM plan_kpis)))"
)
_CHANNEL = (
    "INSERT OR REPLACE INTO plan_channels (platform, objectives, audience, posts_per_week, tone, "
    "languages, owner, handle, response_minutes, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "coalesce((SELECT position FROM plan_channels WHERE platform = ?), "
    "(SELECT count(*) FROM plan_channels)))"
)
_COST = (
    "INSERT OR REPLACE INTO plan_costs (label, monthly, note, position) VALUES (?, ?, ?, "
    "coalesce((SELECT position FROM plan_costs WHERE label = ?), "
    "(SELECT count(*) FROM plan_costs)))"
)


def _objective_row(o: Objective) -> tuple[Any, ...]:
    return (
        o.name,
        o.kind,
        o.description,
        o.owner,
        _iso(o.deadline),
        json.dumps(list(o.topics)),
        json.dumps(list(o.channels)),
        o.name,
    )


def _kpi_row(k: KPI) -> tuple[Any, ...]:
    return (
        k.name,
        k.kind,
        k.target,
        k.period_days,
        k.objective,
        k.topic,
        k.platform,
        k.handle,
        json.dumps(list(k.compare)),
        _iso(k.deadline),
        k.baseline,
        _ts(k.set_at) if k.set_at else None,
        k.name,
    )


def _channel_row(c: Channel) -> tuple[Any, ...]:
    return (
        c.platform,
        json.dumps(list(c.objectives)),
        c.audience,
        c.posts_per_week,
        c.tone,
        json.dumps(list(c.languages)),
        c.owner,
        c.handle,
        c.response_minutes,
        c.platform,
    )


class SQLitePlan:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def _write(self, sql: str, params: Sequence[Any]) -> int:
        with self.transaction():
            return self.conn.execute(sql, params).rowcount

    # -- objectives ---------------------------------------------------------

    def plan_objectives(self) -> list[Objective]:
        rows = self.conn.execute(
            "SELECT name, kind, description, owner, deadline, topics, channels "
            "FROM plan_objectives ORDER BY position, name"
        )
        return [
            Objective(n, k, d, o, _day(dl), _list(t), _list(c)) for n, k, d, o, dl, t, c in rows
        ]

    def save_objective(self, objective: Objective) -> None:
        self._write(_OBJECTIVE, _objective_row(objective))

    def delete_objective(self, name: str) -> bool:
        return self._write("DELETE FROM plan_objectives WHERE name = ?", (name,)) > 0

    # -- KPIs ---------------------------------------------------------------

    def plan_kpis(self) -> list[KPI]:
        rows = self.conn.execute(
            "SELECT name, kind, target, period_days, objective, topic, platform, handle, compare, "
            "deadline, baseline, set_at FROM plan_kpis ORDER BY position, name"
        )
        return [
            KPI(n, k, t, p, o, tp, pf, h, _list(c), _day(dl), b, _when(s))
            for n, k, t, p, o, tp, pf, h, c, dl, b, s in rows
        ]

    def save_kpi(self, kpi: KPI) -> None:
        self._write(_KPI, _kpi_row(kpi))

    def delete_kpi(self, name: str) -> bool:
        return self._write("DELETE FROM plan_kpis WHERE name = ?", (name,)) > 0

    # -- people and guidelines ------------------------------------------------

    def plan_people(self) -> list[Person]:
        rows = self.conn.execute(
            "SELECT username, role, platform, note FROM plan_people ORDER BY role DESC, platform, "
            "username"
        )
        return [Person(*r) for r in rows]

    def save_person(self, person: Person) -> None:
        self._write(
            "INSERT OR REPLACE INTO plan_people (username, role, platform, note) "
            "VALUES (?, ?, ?, ?)",
            (person.username, person.role, person.platform, person.note),
        )

    def delete_person(self, username: str, role: str, platform: str) -> bool:
        return (
            self._write(
                "DELETE FROM plan_people WHERE username = ? AND role = ? AND platform = ?",
                (username, role, platform),
            )
            > 0
        )

    def guideline_versions(self) -> list[Guidelines]:
        rows = self.conn.execute(
            "SELECT version, text_en, text_fr, author, at FROM plan_guidelines ORDER BY version"
        )
        return [
            Guidelines(v, en, fr, a, datetime.fromtimestamp(t, UTC)) for v, en, fr, a, t in rows
        ]

    def add_guidelines(self, text_en: str, text_fr: str, author: str, at: datetime) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO plan_guidelines (text_en, text_fr, author, at) VALUES (?, ?, ?, ?)",
                (text_en, text_fr, author, _ts(at)),
            )
            return int(cur.lastrowid or 0)

    def acknowledge_guidelines(self, username: str, version: int, at: datetime) -> None:
        self._write(
            "INSERT OR IGNORE INTO plan_acknowledgements (username, version, at) VALUES (?, ?, ?)",
            (username, version, _ts(at)),
        )

    def guideline_acknowledgements(self) -> list[Acknowledgement]:
        rows = self.conn.execute(
            "SELECT username, version, at FROM plan_acknowledgements ORDER BY version, at, username"
        )
        return [Acknowledgement(u, v, datetime.fromtimestamp(t, UTC)) for u, v, t in rows]

    # -- channels, costs, settings --------------------------------------------

    def plan_channels(self) -> list[Channel]:
        rows = self.conn.execute(
            "SELECT platform, objectives, audience, posts_per_week, tone, languages, owner, "
            "handle, response_minutes FROM plan_channels ORDER BY position, platform"
        )
        return [
            Channel(p, _list(o), a, float(n), t, _list(ls), ow, h, int(r))
            for p, o, a, n, t, ls, ow, h, r in rows
        ]

    def save_channel(self, channel: Channel) -> None:
        self._write(_CHANNEL, _channel_row(channel))

    def delete_channel(self, platform: str) -> bool:
        return self._write("DELETE FROM plan_channels WHERE platform = ?", (platform,)) > 0

    def plan_costs(self) -> list[CostItem]:
        rows = self.conn.execute("SELECT label, monthly, note FROM plan_costs ORDER BY position")
        return [CostItem(label, float(m), n) for label, m, n in rows]

    def save_cost(self, item: CostItem) -> None:
        self._write(_COST, (item.label, item.monthly, item.note, item.label))

    def delete_cost(self, label: str) -> bool:
        return self._write("DELETE FROM plan_costs WHERE label = ?", (label,)) > 0

    def plan_settings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM plan_settings ORDER BY key"))

    def set_plan_setting(self, key: str, value: str | None) -> None:
        if value is None:
            self._write("DELETE FROM plan_settings WHERE key = ?", (key,))
        else:
            self._write(
                "INSERT OR REPLACE INTO plan_settings (key, value) VALUES (?, ?)", (key, value)
            )

    def replace_plan(self, contents: PlanContents) -> None:
        with self.transaction():
            for table in (
                "plan_objectives",
                "plan_kpis",
                "plan_people",
                "plan_channels",
                "plan_costs",
                "plan_settings",
            ):
                self.conn.execute(f"DELETE FROM {table}")
            for o in contents.objectives:
                self.conn.execute(_OBJECTIVE, _objective_row(o))
            for k in contents.kpis:
                self.conn.execute(_KPI, _kpi_row(k))
            for p in contents.people:
                self.conn.execute(
                    "INSERT OR REPLACE INTO plan_people VALUES (?, ?, ?, ?)",
                    (p.username, p.role, p.platform, p.note),
                )
            for c in contents.channels:
                self.conn.execute(_CHANNEL, _channel_row(c))
            for item in contents.costs:
                self.conn.execute(_COST, (item.label, item.monthly, item.note, item.label))
            self.conn.executemany(
                "INSERT INTO plan_settings (key, value) VALUES (?, ?)",
                sorted(contents.settings.items()),
            )
            g = contents.guidelines
            if g is not None:
                last = self.conn.execute(
                    "SELECT text_en, text_fr FROM plan_guidelines ORDER BY version DESC LIMIT 1"
                ).fetchone()
                if last is None or tuple(last) != (g.text_en, g.text_fr):
                    self.conn.execute(
                        "INSERT INTO plan_guidelines (text_en, text_fr, author, at) "
                        "VALUES (?, ?, ?, ?)",
                        (g.text_en, g.text_fr, g.author, _ts(g.at)),
                    )

    # -- own accounts ---------------------------------------------------------

    def save_account_snapshot(self, snapshot: AccountSnapshot) -> None:
        s = snapshot
        self._write(
            "INSERT OR REPLACE INTO account_snapshots (platform, handle, day, followers, "
            "following, posts, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                s.platform,
                s.handle.lower(),
                s.day.isoformat(),
                s.followers,
                s.following,
                s.posts,
                _ts(datetime.now(UTC)),
            ),
        )

    def account_snapshots(self, platform: str, handle: str) -> list[AccountSnapshot]:
        rows = self.conn.execute(
            "SELECT platform, handle, day, followers, following, posts FROM account_snapshots "
            "WHERE platform = ? AND handle = ? ORDER BY day",
            (platform, handle.lower()),
        )
        return [
            AccountSnapshot(p, h, date.fromisoformat(d), f, fo, n) for p, h, d, f, fo, n in rows
        ]


class SQLitePlanTx:
    """No plan writes join another transaction."""
