"""veille.store.protocols.plan, in the SQL SQLite and PostgreSQL share
(see :mod:`veille.store.portable`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from veille.store.portable import Sql
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


def _upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """Insert a row last in ``table``'s order, or replace the values of the
    row with its key where it keeps its place."""
    rest = [c for c in columns if c not in key]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, position) "
        f"VALUES ({', '.join('?' * len(columns))}, (SELECT count(*) FROM {table})) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in rest)
    )


_OBJECTIVE_COLUMNS = ("name", "kind", "description", "owner", "deadline", "topics", "channels")
_KPI_COLUMNS = (
    "name", "kind", "target", "period_days", "objective", "topic", "platform", "handle",
    "compare", "deadline", "baseline", "set_at",
)  # fmt: skip
_CHANNEL_COLUMNS = (
    "platform", "objectives", "audience", "posts_per_week", "tone", "languages", "owner",
    "handle", "response_minutes",
)  # fmt: skip
_OBJECTIVE = _upsert("plan_objectives", _OBJECTIVE_COLUMNS, ("name",))
_KPI = _upsert("plan_kpis", _KPI_COLUMNS, ("name",))
_CHANNEL = _upsert("plan_channels", _CHANNEL_COLUMNS, ("platform",))
_COST = _upsert("plan_costs", ("label", "monthly", "note"), ("label",))
_PERSON = (
    "INSERT INTO plan_people (username, role, platform, note) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (username, role, platform) DO UPDATE SET note = excluded.note"
)
_GUIDELINES = (
    "INSERT INTO plan_guidelines (text_en, text_fr, author, at) VALUES (?, ?, ?, ?) "
    "RETURNING version"
)


def _objective_row(o: Objective) -> tuple[Any, ...]:
    return (
        o.name, o.kind, o.description, o.owner, _iso(o.deadline),
        json.dumps(list(o.topics)), json.dumps(list(o.channels)),
    )  # fmt: skip


def _kpi_row(k: KPI) -> tuple[Any, ...]:
    return (
        k.name, k.kind, k.target, k.period_days, k.objective, k.topic, k.platform, k.handle,
        json.dumps(list(k.compare)), _iso(k.deadline), k.baseline,
        _ts(k.set_at) if k.set_at else None,
    )  # fmt: skip


def _channel_row(c: Channel) -> tuple[Any, ...]:
    return (
        c.platform, json.dumps(list(c.objectives)), c.audience, c.posts_per_week, c.tone,
        json.dumps(list(c.languages)), c.owner, c.handle, c.response_minutes,
    )  # fmt: skip


def _person_row(p: Person) -> tuple[Any, ...]:
    return (p.username, p.role, p.platform, p.note)


def _cost_row(item: CostItem) -> tuple[Any, ...]:
    return (item.label, item.monthly, item.note)


class PortablePlan:
    """The presence plan (no plan write joins another transaction)."""

    if TYPE_CHECKING:  # given by the store class

        def _sql_read(self) -> Sql: ...

        def _sql_write(self) -> AbstractContextManager[Sql]: ...

    def _write(self, sql: str, params: Sequence[Any]) -> int:
        with self._sql_write() as tx:
            return tx.run(sql, params)

    # -- objectives ---------------------------------------------------------

    def plan_objectives(self) -> list[Objective]:
        rows = self._sql_read().rows(
            f"SELECT {', '.join(_OBJECTIVE_COLUMNS)} FROM plan_objectives ORDER BY position, name"
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
        rows = self._sql_read().rows(
            f"SELECT {', '.join(_KPI_COLUMNS)} FROM plan_kpis ORDER BY position, name"
        )
        return [
            KPI(n, k, float(t), int(p), o, tp, pf, h, _list(c), _day(dl), b, _when(s))
            for n, k, t, p, o, tp, pf, h, c, dl, b, s in rows
        ]

    def save_kpi(self, kpi: KPI) -> None:
        self._write(_KPI, _kpi_row(kpi))

    def delete_kpi(self, name: str) -> bool:
        return self._write("DELETE FROM plan_kpis WHERE name = ?", (name,)) > 0

    # -- people and guidelines ------------------------------------------------

    def plan_people(self) -> list[Person]:
        rows = self._sql_read().rows(
            "SELECT username, role, platform, note FROM plan_people ORDER BY role DESC, platform, "
            "username"
        )
        return [Person(*r) for r in rows]

    def save_person(self, person: Person) -> None:
        self._write(_PERSON, _person_row(person))

    def delete_person(self, username: str, role: str, platform: str) -> bool:
        deleted = self._write(
            "DELETE FROM plan_people WHERE username = ? AND role = ? AND platform = ?",
            (username, role, platform),
        )
        return deleted > 0

    def guideline_versions(self) -> list[Guidelines]:
        rows = self._sql_read().rows(
            "SELECT version, text_en, text_fr, author, at FROM plan_guidelines ORDER BY version"
        )
        return [
            Guidelines(int(v), en, fr, a, datetime.fromtimestamp(t, UTC))
            for v, en, fr, a, t in rows
        ]

    def add_guidelines(self, text_en: str, text_fr: str, author: str, at: datetime) -> int:
        with self._sql_write() as sql:
            row = sql.one(_GUIDELINES, (text_en, text_fr, author, _ts(at)))
        return int(row[0]) if row else 0

    def acknowledge_guidelines(self, username: str, version: int, at: datetime) -> None:
        self._write(
            "INSERT INTO plan_acknowledgements (username, version, at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (username, version, _ts(at)),
        )

    def guideline_acknowledgements(self) -> list[Acknowledgement]:
        rows = self._sql_read().rows(
            "SELECT username, version, at FROM plan_acknowledgements ORDER BY version, at, username"
        )
        return [Acknowledgement(u, int(v), datetime.fromtimestamp(t, UTC)) for u, v, t in rows]

    # -- channels, costs, settings --------------------------------------------

    def plan_channels(self) -> list[Channel]:
        rows = self._sql_read().rows(
            f"SELECT {', '.join(_CHANNEL_COLUMNS)} FROM plan_channels ORDER BY position, platform"
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
        sql = "SELECT label, monthly, note FROM plan_costs ORDER BY position"
        rows = self._sql_read().rows(sql)
        return [CostItem(label, float(m), n) for label, m, n in rows]

    def save_cost(self, item: CostItem) -> None:
        self._write(_COST, _cost_row(item))

    def delete_cost(self, label: str) -> bool:
        return self._write("DELETE FROM plan_costs WHERE label = ?", (label,)) > 0

    def plan_settings(self) -> dict[str, str]:
        return dict(self._sql_read().rows("SELECT key, value FROM plan_settings ORDER BY key"))

    def set_plan_setting(self, key: str, value: str | None) -> None:
        if value is None:
            self._write("DELETE FROM plan_settings WHERE key = ?", (key,))
        else:
            self._write(
                "INSERT INTO plan_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def replace_plan(self, contents: PlanContents) -> None:
        with self._sql_write() as sql:
            for table in (
                "plan_objectives",
                "plan_kpis",
                "plan_people",
                "plan_channels",
                "plan_costs",
                "plan_settings",
            ):
                sql.run(f"DELETE FROM {table}")
            # One at a time: each new row's place counts the ones before it.
            for o in contents.objectives:
                sql.run(_OBJECTIVE, _objective_row(o))
            for k in contents.kpis:
                sql.run(_KPI, _kpi_row(k))
            for p in contents.people:
                sql.run(_PERSON, _person_row(p))
            for c in contents.channels:
                sql.run(_CHANNEL, _channel_row(c))
            for item in contents.costs:
                sql.run(_COST, _cost_row(item))
            sql.run_many(
                "INSERT INTO plan_settings (key, value) VALUES (?, ?)",
                sorted(contents.settings.items()),
            )
            g = contents.guidelines
            if g is not None:
                last = sql.one(
                    "SELECT text_en, text_fr FROM plan_guidelines ORDER BY version DESC LIMIT 1"
                )
                if last is None or tuple(last) != (g.text_en, g.text_fr):
                    sql.run(_GUIDELINES, (g.text_en, g.text_fr, g.author, _ts(g.at)))

    # -- own accounts ---------------------------------------------------------

    def save_account_snapshot(self, snapshot: AccountSnapshot) -> None:
        s = snapshot
        self._write(
            "INSERT INTO account_snapshots (platform, handle, day, followers, following, posts, "
            "taken_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, handle, day) DO UPDATE "
            "SET followers = excluded.followers, following = excluded.following, "
            "posts = excluded.posts, taken_at = excluded.taken_at",
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
        rows = self._sql_read().rows(
            "SELECT platform, handle, day, followers, following, posts FROM account_snapshots "
            "WHERE platform = ? AND handle = ? ORDER BY day",
            (platform, handle.lower()),
        )
        return [
            AccountSnapshot(p, h, date.fromisoformat(d), f, fo, n) for p, h, d, f, fo, n in rows
        ]
