"""veille.store.protocols.inbox, in the SQL SQLite and PostgreSQL share
(see :mod:`veille.store.portable`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.errors import restored, storable
from veille.store.portable import Sql, marks
from veille.store.protocols.inbox import ItemTimes, SnoozedItem

if TYPE_CHECKING:
    from veille.inbox.model import Event, Item, ItemChange, ItemFilter, Reply
    from veille.inbox.rules import Rule
    from veille.models import Post

ITEM_COLUMNS = (
    "id, post_id, platform, author, text, published_at, created_at, updated_at, status, "
    "priority, assignee, lang, author_name, followers, url, title, parent_id, thread_id, "
    "sentiment, topics, first_response_at, closed_at, deleted_upstream_at, replying, "
    "replying_until, version, snoozed_until"
)
# The columns a change may set (anything else is a programming error).
CHANGEABLE = frozenset(
    {
        "status", "priority", "assignee", "sentiment", "first_response_at", "closed_at",
        "deleted_upstream_at", "replying", "replying_until", "snoozed_until",
    }
)  # fmt: skip
_TIMES = "id, platform, priority, assignee, status, created_at, first_response_at, closed_at"
_REPLY_COLUMNS = (
    "id, item_id, author, text, status, created_at, error, remote_id, remote_url, "
    "approved_by, sent_at"
)
_RULE_COLUMNS = (
    "id, name, position, conditions, actions, enabled, runs, last_error, error_at, runs_on"
)
_ENTER = (
    "INSERT INTO inbox_items (post_id, platform, lang, author, author_name, followers,"
    " url, title, text, parent_id, thread_id, sentiment, published_at, created_at,"
    " topics, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    f" ON CONFLICT (post_id) DO NOTHING RETURNING {ITEM_COLUMNS}"
)
# Ids per IN (...) list, under the parameter limit of old SQLite builds.
CHUNK = 450


class ItemMoved(Exception):
    """An escalated item changed since it was read: the transaction is
    rolled back (its record with it), and the next pass reads it again."""


def _ts(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def item_of(row: Sequence[Any], labels: Mapping[int, list[tuple[str, str]]]) -> Item:
    """An item from a row of :data:`ITEM_COLUMNS` and the labels by item id."""
    from veille.inbox.model import Item

    own = labels.get(row[0], [])
    return Item(
        id=int(row[0]), post_id=row[1], platform=row[2], author=row[3], text=row[4],
        published_at=datetime.fromtimestamp(row[5], UTC),
        created_at=datetime.fromtimestamp(row[6], UTC),
        updated_at=datetime.fromtimestamp(row[7], UTC),
        status=row[8], priority=row[9], assignee=row[10], lang=row[11], author_name=row[12],
        followers=row[13], url=row[14], title=row[15], parent_id=row[16], thread_id=row[17],
        sentiment=row[18], topics=tuple(t for t in row[19].split(",") if t),
        tags=tuple(sorted(v for k, v in own if k == "tag")),
        categories=tuple(sorted(v for k, v in own if k == "category")),
        first_response_at=_ts(row[20]), closed_at=_ts(row[21]),
        deleted_upstream_at=_ts(row[22]), replying=row[23], replying_until=_ts(row[24]),
        version=int(row[25]), snoozed_until=_ts(row[26]),
    )  # fmt: skip


def _labels(sql: Sql, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i : i + CHUNK])
        for item_id, kind, value in sql.rows(
            f"SELECT item_id, kind, value FROM inbox_labels WHERE item_id IN ({marks(len(chunk))})",
            chunk,
        ):
            out.setdefault(item_id, []).append((kind, value))
    return out


def _items(sql: Sql, rows: Sequence[Sequence[Any]]) -> list[Item]:
    labels = _labels(sql, [r[0] for r in rows])
    return [item_of(r, labels) for r in rows]


def _where(flt: ItemFilter, find: str) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def among(column: str, values: Iterable[str]) -> None:
        values = list(values)
        if values:
            clauses.append(f"{column} IN ({marks(len(values))})")
            params.extend(values)

    among("status", flt.statuses)
    among("priority", flt.priorities)
    among("platform", flt.platforms)
    among("coalesce(lang, 'und')", flt.languages)
    among("coalesce(sentiment, '')", flt.sentiments)
    if flt.assignee:
        clauses.append("assignee = ?")
        params.append(flt.assignee)
    if flt.unassigned:
        clauses.append("assignee IS NULL")
    for kind, values in (("tag", flt.tags), ("category", flt.categories)):
        for value in values:  # every tag asked for
            clauses.append("id IN (SELECT item_id FROM inbox_labels WHERE kind = ? AND value = ?)")
            params.extend((kind, value))
    if flt.topics:
        # Topics are kept comma-joined: one of those asked for, whole.
        clauses.append(
            "(" + " OR ".join([f"{find}(',' || topics || ',', ?) > 0"] * len(flt.topics)) + ")"
        )
        params.extend(f",{t}," for t in flt.topics)
    if flt.text:
        clauses.append(f"({find}(lower(text), ?) > 0 OR {find}(lower(author), ?) > 0)")
        params.extend((flt.text.lower(), flt.text.lower()))
    return " AND ".join(clauses) or "TRUE", params


def write_change(
    sql: Sql, item_id: int, change: ItemChange, at: int, *, version: int | None = None
) -> bool:
    """Apply ``change`` to the item (inside a transaction); ``False`` when
    the item is gone or no longer at ``version`` (nothing written then). The
    version test is part of the update, so two writers that read the same
    version cannot both win, on SQLite as on PostgreSQL."""
    fields = dict(change.fields)
    unknown = set(fields) - CHANGEABLE
    if unknown:
        raise ValueError(f"inbox items have no changeable field {sorted(unknown)}")
    sets = [f"{k} = ?" for k in fields]
    params: list[Any] = [*fields.values(), at, item_id]
    where = "id = ?"
    if version is not None:
        where += " AND version = ?"
        params.append(version)
    changed = sql.run(
        f"UPDATE inbox_items SET {', '.join([*sets, 'version = version + 1', 'updated_at = ?'])} "
        f"WHERE {where}",
        params,
    )
    if not changed:
        return False
    if change.add_labels:
        sql.run_many(
            "INSERT INTO inbox_labels (item_id, kind, value) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(item_id, k, v) for k, v in change.add_labels],
        )
    if change.remove_labels:
        sql.run_many(
            "DELETE FROM inbox_labels WHERE item_id = ? AND kind = ? AND value = ?",
            [(item_id, k, v) for k, v in change.remove_labels],
        )
    if change.events:
        sql.run_many(
            "INSERT INTO inbox_events (item_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
            # A detail made by tr (a failed reply's error) is kept as its
            # template and values: read back, each reader reads it in their language.
            [
                (item_id, at, actor, action, storable(detail))
                for actor, action, detail in change.events
            ],
        )
    return True


def _rule(row: Sequence[Any]) -> Rule:
    from veille.inbox.rules import Conditions, Rule

    rid, name, position, conditions, actions, enabled, runs, error, error_at, runs_on = row
    return Rule(
        name=name,
        conditions=Conditions.from_dict(json.loads(conditions)),
        actions=tuple((str(k), str(v)) for k, v in json.loads(actions)),
        position=int(position),
        enabled=bool(enabled),
        id=int(rid),
        runs=int(runs),
        last_error=error,
        error_at=_ts(error_at),
        on=runs_on,
    )


def _reply(row: Sequence[Any]) -> Reply:
    from veille.inbox.model import Reply

    return Reply(
        id=int(row[0]), item_id=int(row[1]), author=row[2], text=row[3], status=row[4],
        created_at=datetime.fromtimestamp(row[5], UTC),
        error=restored(row[6]) if row[6] else row[6], remote_id=row[7],
        remote_url=row[8], approved_by=row[9], sent_at=_ts(row[10]),
    )  # fmt: skip


def _times(rows: Iterable[Sequence[Any]]) -> list[ItemTimes]:
    return [ItemTimes(*r) for r in rows]


class PortableInbox:
    """The inbox's reads and writes outside the ingest transaction."""

    if TYPE_CHECKING:  # given by the store class

        def _sql_read(self) -> Sql: ...

        def _sql_write(self) -> AbstractContextManager[Sql]: ...

    def inbox_topic_ids(self) -> set[int]:
        return {int(r[0]) for r in self._sql_read().rows("SELECT topic_id FROM inbox_topics")}

    def set_topic_inbox(self, topic_id: int, on: bool) -> None:
        with self._sql_write() as sql:
            if on:
                sql.run(
                    "INSERT INTO inbox_topics (topic_id) VALUES (?) ON CONFLICT DO NOTHING",
                    (topic_id,),
                )
            else:
                sql.run("DELETE FROM inbox_topics WHERE topic_id = ?", (topic_id,))

    # -- items -----------------------------------------------------------------

    def inbox_items(self, flt: ItemFilter) -> list[Item]:
        sql = self._sql_read()
        where, params = _where(flt, sql.find)
        rows = sql.rows(
            f"SELECT {ITEM_COLUMNS} FROM inbox_items WHERE {where} "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, flt.limit, flt.offset],
        )
        return _items(sql, rows)

    def count_inbox_items(self, flt: ItemFilter) -> int:
        sql = self._sql_read()
        where, params = _where(flt, sql.find)
        row = sql.one(f"SELECT count(*) FROM inbox_items WHERE {where}", params)
        return int(row[0]) if row else 0

    def inbox_item(self, item_id: int) -> Item | None:
        sql = self._sql_read()
        rows = sql.rows(f"SELECT {ITEM_COLUMNS} FROM inbox_items WHERE id = ?", (item_id,))
        found = _items(sql, rows)
        return found[0] if found else None

    def inbox_items_by_post(self, post_ids: Sequence[str]) -> dict[str, Item]:
        sql = self._sql_read()
        rows: list[Sequence[Any]] = []
        for i in range(0, len(post_ids), CHUNK):
            chunk = list(post_ids[i : i + CHUNK])
            rows.extend(
                sql.rows(
                    f"SELECT {ITEM_COLUMNS} FROM inbox_items "
                    f"WHERE post_id IN ({marks(len(chunk))})",
                    chunk,
                )
            )
        return {item.post_id: item for item in _items(sql, rows)}

    def change_inbox_item(
        self, item_id: int, change: ItemChange, *, version: int | None, at: int
    ) -> Item | None:
        with self._sql_write() as sql:
            if not write_change(sql, item_id, change, at, version=version):
                return None
        return self.inbox_item(item_id)

    def inbox_snoozed_until(self, at: int, *, limit: int = 500) -> list[Item]:
        sql = self._sql_read()
        # No condition on the status: the planner took the status index and
        # read every snoozed item (snoozed_until is set only while snoozed).
        rows = sql.rows(
            f"SELECT {ITEM_COLUMNS} FROM inbox_items WHERE snoozed_until IS NOT NULL "
            "AND snoozed_until <= ? ORDER BY snoozed_until, id LIMIT ?",
            (at, limit),
        )
        return [i for i in _items(sql, rows) if i.status == "snoozed"]

    def inbox_awaiting(
        self, rule_id: int, runs_on: str, priority: str, created_by: int, *, limit: int = 200
    ) -> list[Item]:
        sql = self._sql_read()
        # The partial indexes inbox_items_awaiting (open, not snoozed, no first
        # response) and inbox_items_unresolved (not closed, not snoozed) hold
        # exactly the items of these WHEREs, by priority and age.
        awaiting = (
            "status IN ('new', 'assigned', 'in_progress', 'responded')"
            if runs_on == "unresolved"
            else "first_response_at IS NULL AND status IN ('new', 'assigned', 'in_progress')"
        )
        rows = sql.rows(
            f"SELECT {ITEM_COLUMNS} FROM inbox_items i WHERE {awaiting} AND priority = ? "
            "AND created_at <= ? AND NOT EXISTS (SELECT 1 FROM inbox_escalations e "
            "WHERE e.rule_id = ? AND e.item_id = i.id AND e.runs_on = ?) "
            "ORDER BY created_at, id LIMIT ?",
            (priority, created_by, rule_id, runs_on, limit),
        )
        return _items(sql, rows)

    def inbox_events(self, item_id: int) -> list[Event]:
        from veille.inbox.model import Event

        rows = self._sql_read().rows(
            "SELECT id, item_id, at, actor, action, detail FROM inbox_events "
            "WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [
            Event(int(r[0]), int(r[1]), datetime.fromtimestamp(r[2], UTC), r[3], r[4],
                  restored(r[5]) if r[5] else r[5])
            for r in rows
        ]  # fmt: skip

    def inbox_assigned_at(self, item_ids: Sequence[int]) -> dict[int, datetime]:
        sql = self._sql_read()
        out: dict[int, datetime] = {}
        for i in range(0, len(item_ids), CHUNK):
            chunk = list(item_ids[i : i + CHUNK])
            for item_id, at in sql.rows(
                "SELECT item_id, max(at) FROM inbox_events WHERE action = 'assign' "
                f"AND item_id IN ({marks(len(chunk))}) GROUP BY item_id",
                chunk,
            ):
                out[int(item_id)] = datetime.fromtimestamp(at, UTC)
        return out

    def claim_inbox_reply(self, item_id: int, user: str, *, now: int, until: int) -> str | None:
        # One conditional update: of two people claiming at once, one changes
        # the row and the other then reads who holds it.
        for _ in range(3):
            with self._sql_write() as sql:
                if sql.run(
                    "UPDATE inbox_items SET replying = ?, replying_until = ? WHERE id = ? "
                    "AND (coalesce(replying, '') = '' OR replying = ? "
                    "OR replying_until IS NULL OR replying_until <= ?)",
                    (user, until, item_id, user, now),
                ):
                    return None
                row = sql.one("SELECT replying FROM inbox_items WHERE id = ?", (item_id,))
            if row is None:
                return None
            if row[0]:
                return str(row[0])
        return None

    def release_inbox_reply(self, item_id: int, user: str) -> None:
        with self._sql_write() as sql:
            sql.run(
                "UPDATE inbox_items SET replying = NULL, replying_until = NULL "
                "WHERE id = ? AND replying = ?",
                (item_id, user),
            )

    def add_inbox_reply(self, item_id: int, author: str, text: str, status: str, at: int) -> int:
        with self._sql_write() as sql:
            row = sql.one(
                "INSERT INTO inbox_replies (item_id, author, text, status, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (item_id, author, text, status, at),
            )
        assert row is not None
        return int(row[0])

    def finish_inbox_reply(
        self,
        reply_id: int,
        *,
        status: str,
        at: int,
        error: str | None = None,
        remote_id: str | None = None,
        remote_url: str | None = None,
        approved_by: str | None = None,
        was: str | None = None,
    ) -> bool:
        answered = status in ("sent", "outside")
        # With ``was``, one conditional update: of two managers deciding at
        # once, one changes the row and the other changes nothing.
        only_if = "" if was is None else " AND status = ?"
        with self._sql_write() as sql:
            changed = sql.run(
                "UPDATE inbox_replies SET status = ?, error = ?, "
                "remote_id = coalesce(?, remote_id), remote_url = coalesce(?, remote_url), "
                "approved_by = coalesce(?, approved_by), "
                f"sent_at = CASE WHEN ? THEN ? ELSE sent_at END WHERE id = ?{only_if}",
                (
                    status,
                    storable(error) if error else error,
                    remote_id,
                    remote_url,
                    approved_by,
                    answered,
                    at,
                    reply_id,
                    *(() if was is None else (was,)),
                ),
            )
            if not changed:
                return False
            if answered:
                sql.run(
                    "UPDATE inbox_items SET first_response_at = coalesce(first_response_at, ?), "
                    "status = CASE WHEN status IN ('closed', 'ignored') THEN status "
                    "ELSE 'responded' END, replying = NULL, replying_until = NULL, "
                    "snoozed_until = NULL, "
                    "version = version + 1, updated_at = ? "
                    "WHERE id = (SELECT item_id FROM inbox_replies WHERE id = ?)",
                    (at, at, reply_id),
                )
        return True

    def reopen_inbox_reply(self, reply_id: int, status: str, *, was: str = "failed") -> bool:
        # Waiting for approval again (a retry): no manager has approved it yet.
        unapproved = ", approved_by = NULL" if status == "pending_approval" else ""
        with self._sql_write() as sql:
            return bool(
                sql.run(
                    f"UPDATE inbox_replies SET status = ?, error = NULL{unapproved} "
                    "WHERE id = ? AND status = ?",
                    (status, reply_id, was),
                )
            )

    def inbox_reply(self, reply_id: int) -> Reply | None:
        row = self._sql_read().one(
            f"SELECT {_REPLY_COLUMNS} FROM inbox_replies WHERE id = ?", (reply_id,)
        )
        return _reply(row) if row else None

    def inbox_replies(
        self, item_id: int | None = None, *, status: str | None = None
    ) -> list[Reply]:
        clauses: list[str] = []
        params: list[Any] = []
        if item_id is not None:
            clauses.append("item_id = ?")
            params.append(item_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = " AND ".join(clauses) or "TRUE"
        rows = self._sql_read().rows(
            f"SELECT {_REPLY_COLUMNS} FROM inbox_replies WHERE {where} ORDER BY id", params
        )
        return [_reply(r) for r in rows]

    def item_times(self, since: int, until: int) -> list[ItemTimes]:
        return _times(
            self._sql_read().rows(
                f"SELECT {_TIMES} FROM inbox_items WHERE created_at >= ? AND created_at < ?",
                (since, until),
            )
        )

    def open_item_times(self, at: int) -> list[ItemTimes]:
        return _times(
            self._sql_read().rows(
                f"SELECT {_TIMES} FROM inbox_items WHERE created_at <= ? "
                "AND (closed_at IS NULL OR closed_at > ?) "
                "AND NOT (status IN ('closed', 'ignored') AND closed_at IS NULL)",
                (at, at),
            )
        )

    # -- rules -----------------------------------------------------------------

    def inbox_rules(self) -> list[Rule]:
        sql = f"SELECT {_RULE_COLUMNS} FROM inbox_rules ORDER BY position, id"
        rows = self._sql_read().rows(sql)
        return [_rule(r) for r in rows]

    def add_inbox_rule(self, rule: Rule, at: int) -> int | None:
        with self._sql_write() as sql:
            row = sql.one(
                "INSERT INTO inbox_rules (name, position, conditions, actions, enabled, created_at,"
                " runs_on) VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM inbox_rules),"
                " ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id",
                (
                    rule.name,
                    json.dumps(rule.conditions.as_dict()),
                    rule.actions_json(),
                    bool(rule.enabled),
                    at,
                    rule.on,
                ),
            )
        return int(row[0]) if row else None

    def update_inbox_rule(self, name: str, rule: Rule) -> bool:
        """Replace rule ``name``'s name, conditions and actions in place (its
        position, runs and last error stay); ``False`` when there is none."""
        with self._sql_write() as sql:
            changed = sql.run(
                "UPDATE inbox_rules SET name = ?, conditions = ?, actions = ?, runs_on = ? "
                "WHERE name = ?",
                (
                    rule.name,
                    json.dumps(rule.conditions.as_dict()),
                    rule.actions_json(),
                    rule.on,
                    name,
                ),
            )
        return bool(changed)

    def remove_inbox_rule(self, name: str) -> bool:
        with self._sql_write() as sql:
            return bool(sql.run("DELETE FROM inbox_rules WHERE name = ?", (name,)))

    # -- teams, views, canned responses ------------------------------------------

    def inbox_teams(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for team, user in self._sql_read().rows(
            "SELECT team, username FROM inbox_team_members ORDER BY team, position"
        ):
            out.setdefault(team, []).append(user)
        return out

    def set_inbox_team(self, team: str, members: Sequence[str]) -> None:
        with self._sql_write() as sql:
            sql.run("DELETE FROM inbox_team_members WHERE team = ?", (team,))
            sql.run_many(
                "INSERT INTO inbox_team_members (team, username, position) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(team, user, i) for i, user in enumerate(members)],
            )
            if not members:
                sql.run("DELETE FROM inbox_round_robin WHERE team = ?", (team,))

    def saved_views(self, owner: str) -> dict[str, dict[str, Any]]:
        rows = self._sql_read().rows(
            "SELECT name, filters FROM inbox_views WHERE owner IN (?, '') "
            "ORDER BY owner DESC, name",
            (owner,),
        )
        return {name: json.loads(filters) for name, filters in rows}

    def save_view(self, owner: str, name: str, filters: Mapping[str, Any]) -> None:
        with self._sql_write() as sql:
            sql.run(
                "INSERT INTO inbox_views (owner, name, filters) VALUES (?, ?, ?) "
                "ON CONFLICT (owner, name) DO UPDATE SET filters = excluded.filters",
                (owner, name, json.dumps(dict(filters))),
            )

    def delete_view(self, owner: str, name: str) -> bool:
        with self._sql_write() as sql:
            return bool(
                sql.run("DELETE FROM inbox_views WHERE owner = ? AND name = ?", (owner, name))
            )

    def canned_responses(self) -> list[tuple[str, str, str]]:
        sql = "SELECT name, lang, text FROM inbox_canned ORDER BY name, lang"
        rows = self._sql_read().rows(sql)
        return [(n, lang, t) for n, lang, t in rows]

    def save_canned(self, name: str, lang: str, text: str) -> None:
        with self._sql_write() as sql:
            sql.run(
                "INSERT INTO inbox_canned (name, lang, text) VALUES (?, ?, ?) "
                "ON CONFLICT (name, lang) DO UPDATE SET text = excluded.text",
                (name, lang, text),
            )

    def delete_canned(self, name: str, lang: str | None) -> bool:
        with self._sql_write() as sql:
            if lang is None:
                return bool(sql.run("DELETE FROM inbox_canned WHERE name = ?", (name,)))
            return bool(
                sql.run("DELETE FROM inbox_canned WHERE name = ? AND lang = ?", (name, lang))
            )

    # -- working time set from the web app ------------------------------------------

    def inbox_settings(self) -> dict[str, Any]:
        rows = self._sql_read().rows("SELECT name, value FROM inbox_settings ORDER BY name")
        return {name: json.loads(value) for name, value in rows}

    def set_inbox_settings(self, values: Mapping[str, Any]) -> None:
        with self._sql_write() as sql:
            for name, value in values.items():
                if value is None:
                    sql.run("DELETE FROM inbox_settings WHERE name = ?", (name,))
                else:
                    sql.run(
                        "INSERT INTO inbox_settings (name, value) VALUES (?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        (name, json.dumps(value)),
                    )


class PortableInboxTx:
    """The inbox's writes inside the ingest transaction."""

    if TYPE_CHECKING:  # given by the transaction class

        def _sql_tx(self) -> Sql: ...

    def enter_inbox(self, posts: Sequence[tuple[Post, Sequence[str]]], at: int) -> list[Item]:
        sql = self._sql_tx()
        rows: list[Sequence[Any]] = []
        for post, topics in posts:
            row = sql.one(
                _ENTER,
                (
                    post.id, post.platform, post.lang, post.author.handle, post.author.name,
                    post.author.followers, post.url, post.title, post.text, post.parent_id,
                    post.thread_id, post.sentiment.label if post.sentiment else None,
                    int(post.published_at.timestamp()), at, ",".join(topics), at,
                ),
            )  # fmt: skip
            if row is not None:
                rows.append(row)
        return [item_of(r, {}) for r in rows]

    def apply_inbox_change(self, item_id: int, change: ItemChange, at: int) -> None:
        write_change(self._sql_tx(), item_id, change, at)

    def snoozed_inbox_items(self) -> list[SnoozedItem]:
        # Only the columns compared, read from the snoozed items' index alone
        # (snoozed_until is set only while snoozed): whole items (their text,
        # their times) cost the ingest of 1,000 replies 23% at 2,500 snoozed.
        rows = self._sql_tx().rows(
            "SELECT id, platform, author, post_id, thread_id, assignee FROM inbox_items "
            "WHERE snoozed_until IS NOT NULL"
        )
        return [SnoozedItem(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def claim_escalation(self, rule_id: int, runs_on: str, item_id: int, at: int) -> bool:
        took = self._sql_tx().run(
            "INSERT INTO inbox_escalations (rule_id, item_id, runs_on, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (rule_id, item_id, runs_on, at),
        )
        return bool(took)

    def change_escalated(self, item_id: int, change: ItemChange, *, version: int, at: int) -> None:
        if not write_change(self._sql_tx(), item_id, change, at, version=version):
            raise ItemMoved(item_id)

    def record_rule_run(self, rule_id: int, error: str | None, at: int) -> None:
        sql = self._sql_tx()
        if error is None:
            sql.run("UPDATE inbox_rules SET runs = runs + 1 WHERE id = ?", (rule_id,))
        else:
            sql.run(
                "UPDATE inbox_rules SET runs = runs + 1, last_error = ?, error_at = ? WHERE id = ?",
                (error, at, rule_id),
            )

    def next_in_team(self, team: str) -> str | None:
        sql = self._sql_tx()
        members = [
            r[0]
            for r in sql.rows(
                "SELECT username FROM inbox_team_members WHERE team = ? ORDER BY position", (team,)
            )
        ]
        if not members:
            return None
        n = len(members)
        # The turn moves in the same statement that reads it: two ingests
        # running at once (PostgreSQL) give the next two members.
        row = sql.one(
            "INSERT INTO inbox_round_robin (team, next_index) VALUES (?, ?) "
            "ON CONFLICT (team) DO UPDATE SET "
            "next_index = (inbox_round_robin.next_index % ? + 1) % ? RETURNING next_index",
            (team, 1 % n, n, n),
        )
        assert row is not None
        return members[(int(row[0]) - 1) % n]
