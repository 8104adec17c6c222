"""SQLite implementation of veille.store.protocols.inbox."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.protocols.inbox import ItemTimes

if TYPE_CHECKING:
    from veille.inbox.model import Event, Item, ItemChange, ItemFilter, Reply
    from veille.inbox.rules import Rule
    from veille.models import Post

_ITEM_COLUMNS = (
    "id, post_id, platform, author, text, published_at, created_at, updated_at, status, "
    "priority, assignee, lang, author_name, followers, url, title, parent_id, thread_id, "
    "sentiment, topics, first_response_at, closed_at, deleted_upstream_at, replying, "
    "replying_until, version"
)
# The columns a change may set (anything else is a programming error).
_CHANGEABLE = frozenset(
    {
        "status", "priority", "assignee", "sentiment", "first_response_at", "closed_at",
        "deleted_upstream_at", "replying", "replying_until",
    }
)  # fmt: skip
_TIMES = "id, platform, priority, assignee, status, created_at, first_response_at, closed_at"
_CHUNK = 450


def _ts(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _item(row: Sequence[Any], labels: Mapping[int, list[tuple[str, str]]]) -> Item:
    from veille.inbox.model import Item

    own = labels.get(row[0], [])
    return Item(
        id=row[0], post_id=row[1], platform=row[2], author=row[3], text=row[4],
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
        version=row[25],
    )  # fmt: skip


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _labels(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        for item_id, kind, value in conn.execute(
            "SELECT item_id, kind, value FROM inbox_labels "
            f"WHERE item_id IN ({_marks(len(chunk))})",
            chunk,
        ):
            out.setdefault(item_id, []).append((kind, value))
    return out


def _items(conn: sqlite3.Connection, rows: list[Sequence[Any]]) -> list[Item]:
    labels = _labels(conn, [r[0] for r in rows])
    return [_item(r, labels) for r in rows]


def _where(flt: ItemFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def among(column: str, values: Iterable[str]) -> None:
        values = list(values)
        if values:
            clauses.append(f"{column} IN ({_marks(len(values))})")
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
    if flt.text:
        clauses.append("(instr(lower(text), ?) > 0 OR instr(lower(author), ?) > 0)")
        params.extend((flt.text.lower(), flt.text.lower()))
    return " AND ".join(clauses) or "1", params


def _write_change(conn: sqlite3.Connection, item_id: int, change: ItemChange, at: int) -> None:
    fields = dict(change.fields)
    unknown = set(fields) - _CHANGEABLE
    if unknown:
        raise ValueError(f"inbox items have no changeable field {sorted(unknown)}")
    sets = [f"{k} = ?" for k in fields]
    conn.execute(
        f"UPDATE inbox_items SET {', '.join([*sets, 'version = version + 1', 'updated_at = ?'])} "
        "WHERE id = ?",
        [*fields.values(), at, item_id],
    )
    if change.add_labels:
        conn.executemany(
            "INSERT OR IGNORE INTO inbox_labels (item_id, kind, value) VALUES (?, ?, ?)",
            [(item_id, k, v) for k, v in change.add_labels],
        )
    if change.remove_labels:
        conn.executemany(
            "DELETE FROM inbox_labels WHERE item_id = ? AND kind = ? AND value = ?",
            [(item_id, k, v) for k, v in change.remove_labels],
        )
    if change.events:
        conn.executemany(
            "INSERT INTO inbox_events (item_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
            [(item_id, at, actor, action, detail) for actor, action, detail in change.events],
        )


def _rule(row: Sequence[Any]) -> Rule:
    from veille.inbox.rules import Conditions, Rule

    rid, name, position, conditions, actions, enabled, runs, error, error_at = row
    return Rule(
        name=name,
        conditions=Conditions.from_dict(json.loads(conditions)),
        actions=tuple((str(k), str(v)) for k, v in json.loads(actions)),
        position=position,
        enabled=bool(enabled),
        id=rid,
        runs=runs,
        last_error=error,
        error_at=_ts(error_at),
    )


def _reply(row: Sequence[Any]) -> Reply:
    from veille.inbox.model import Reply

    return Reply(
        id=row[0], item_id=row[1], author=row[2], text=row[3], status=row[4],
        created_at=datetime.fromtimestamp(row[5], UTC), error=row[6], remote_id=row[7],
        remote_url=row[8], approved_by=row[9], sent_at=_ts(row[10]),
    )  # fmt: skip


_REPLY_COLUMNS = (
    "id, item_id, author, text, status, created_at, error, remote_id, remote_url, "
    "approved_by, sent_at"
)


class SQLiteInbox:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # given by SQLiteStore

        def transaction(self) -> AbstractContextManager[Any]: ...

    def replies_to(self, post_id: str, *, limit: int = 200) -> list[Post]:
        from veille.store.sqlite.rows import READ_COLUMNS, row_to_post

        rows = self.conn.execute(
            f"SELECT {READ_COLUMNS} FROM posts WHERE parent_id = ? ORDER BY published_at LIMIT ?",
            (post_id, limit),
        )
        return [row_to_post(r) for r in rows]

    def inbox_topic_ids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT topic_id FROM inbox_topics")}

    def set_topic_inbox(self, topic_id: int, on: bool) -> None:
        with self.transaction() as tx:
            if on:
                tx.execute("INSERT OR IGNORE INTO inbox_topics (topic_id) VALUES (?)", (topic_id,))
            else:
                tx.execute("DELETE FROM inbox_topics WHERE topic_id = ?", (topic_id,))

    # -- items -----------------------------------------------------------------

    def inbox_items(self, flt: ItemFilter) -> list[Item]:
        where, params = _where(flt)
        rows = self.conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM inbox_items WHERE {where} "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, flt.limit, flt.offset],
        ).fetchall()
        return _items(self.conn, rows)

    def count_inbox_items(self, flt: ItemFilter) -> int:
        where, params = _where(flt)
        row = self.conn.execute(f"SELECT count(*) FROM inbox_items WHERE {where}", params)
        return int(row.fetchone()[0])

    def inbox_item(self, item_id: int) -> Item | None:
        rows = self.conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM inbox_items WHERE id = ?", (item_id,)
        ).fetchall()
        found = _items(self.conn, rows)
        return found[0] if found else None

    def inbox_items_by_post(self, post_ids: Sequence[str]) -> dict[str, Item]:
        rows: list[Sequence[Any]] = []
        for i in range(0, len(post_ids), _CHUNK):
            chunk = list(post_ids[i : i + _CHUNK])
            rows.extend(
                self.conn.execute(
                    f"SELECT {_ITEM_COLUMNS} FROM inbox_items "
                    f"WHERE post_id IN ({_marks(len(chunk))})",
                    chunk,
                )
            )
        return {item.post_id: item for item in _items(self.conn, rows)}

    def change_inbox_item(
        self, item_id: int, change: ItemChange, *, version: int | None, at: int
    ) -> Item | None:
        with self.transaction() as tx:
            row = tx.execute("SELECT version FROM inbox_items WHERE id = ?", (item_id,)).fetchone()
            if row is None or (version is not None and row[0] != version):
                return None
            _write_change(tx.conn, item_id, change, at)
        return self.inbox_item(item_id)

    def inbox_events(self, item_id: int) -> list[Event]:
        from veille.inbox.model import Event

        rows = self.conn.execute(
            "SELECT id, item_id, at, actor, action, detail FROM inbox_events "
            "WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [Event(r[0], r[1], datetime.fromtimestamp(r[2], UTC), *r[3:]) for r in rows]

    def claim_inbox_reply(self, item_id: int, user: str, *, now: int, until: int) -> str | None:
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT replying, replying_until FROM inbox_items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None:
                return None
            who, held_until = row
            if who and who != user and held_until is not None and held_until > now:
                return str(who)
            tx.execute(
                "UPDATE inbox_items SET replying = ?, replying_until = ? WHERE id = ?",
                (user, until, item_id),
            )
        return None

    def release_inbox_reply(self, item_id: int, user: str) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE inbox_items SET replying = NULL, replying_until = NULL "
                "WHERE id = ? AND replying = ?",
                (item_id, user),
            )

    def add_inbox_reply(self, item_id: int, author: str, text: str, status: str, at: int) -> int:
        with self.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO inbox_replies (item_id, author, text, status, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (item_id, author, text, status, at),
            )
            assert cur.lastrowid is not None
            return int(cur.lastrowid)

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
    ) -> None:
        answered = status in ("sent", "outside")
        with self.transaction() as tx:
            tx.execute(
                "UPDATE inbox_replies SET status = ?, error = ?, "
                "remote_id = coalesce(?, remote_id), remote_url = coalesce(?, remote_url), "
                "approved_by = coalesce(?, approved_by), "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END WHERE id = ?",
                (status, error, remote_id, remote_url, approved_by, answered, at, reply_id),
            )
            if answered:
                tx.execute(
                    "UPDATE inbox_items SET first_response_at = coalesce(first_response_at, ?), "
                    "status = CASE WHEN status IN ('closed', 'ignored') THEN status "
                    "ELSE 'responded' END, replying = NULL, replying_until = NULL, "
                    "version = version + 1, updated_at = ? "
                    "WHERE id = (SELECT item_id FROM inbox_replies WHERE id = ?)",
                    (at, at, reply_id),
                )

    def inbox_reply(self, reply_id: int) -> Reply | None:
        row = self.conn.execute(
            f"SELECT {_REPLY_COLUMNS} FROM inbox_replies WHERE id = ?", (reply_id,)
        ).fetchone()
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
        where = " AND ".join(clauses) or "1"
        rows = self.conn.execute(
            f"SELECT {_REPLY_COLUMNS} FROM inbox_replies WHERE {where} ORDER BY id", params
        )
        return [_reply(r) for r in rows]

    def item_times(self, since: int, until: int) -> list[ItemTimes]:
        rows = self.conn.execute(
            f"SELECT {_TIMES} FROM inbox_items WHERE created_at >= ? AND created_at < ?",
            (since, until),
        )
        return [ItemTimes(*r) for r in rows]

    def open_item_times(self, at: int) -> list[ItemTimes]:
        rows = self.conn.execute(
            f"SELECT {_TIMES} FROM inbox_items WHERE created_at <= ? "
            "AND (closed_at IS NULL OR closed_at > ?) "
            "AND NOT (status IN ('closed', 'ignored') AND closed_at IS NULL)",
            (at, at),
        )
        return [ItemTimes(*r) for r in rows]

    # -- rules -----------------------------------------------------------------

    def inbox_rules(self) -> list[Rule]:
        rows = self.conn.execute(
            "SELECT id, name, position, conditions, actions, enabled, runs, last_error, error_at "
            "FROM inbox_rules ORDER BY position, id"
        )
        return [_rule(r) for r in rows]

    def add_inbox_rule(self, rule: Rule, at: int) -> int | None:
        with self.transaction() as tx:
            if tx.execute("SELECT 1 FROM inbox_rules WHERE name = ?", (rule.name,)).fetchone():
                return None
            (last,) = tx.execute("SELECT coalesce(max(position), 0) FROM inbox_rules").fetchone()
            cur = tx.execute(
                "INSERT INTO inbox_rules (name, position, conditions, actions, enabled, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    rule.name,
                    last + 1,
                    json.dumps(rule.conditions.as_dict()),
                    rule.actions_json(),
                    int(rule.enabled),
                    at,
                ),
            )
            return int(cur.lastrowid or 0)

    def update_inbox_rule(self, name: str, rule: Rule) -> bool:
        """Replace rule ``name``'s name, conditions and actions in place (its
        position, runs and last error stay); ``False`` when there is none."""
        with self.transaction() as tx:
            cur = tx.execute(
                "UPDATE inbox_rules SET name = ?, conditions = ?, actions = ? WHERE name = ?",
                (rule.name, json.dumps(rule.conditions.as_dict()), rule.actions_json(), name),
            )
            return bool(cur.rowcount)

    def remove_inbox_rule(self, name: str) -> bool:
        with self.transaction() as tx:
            return bool(tx.execute("DELETE FROM inbox_rules WHERE name = ?", (name,)).rowcount)

    # -- teams, views, canned responses ------------------------------------------

    def inbox_teams(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for team, user in self.conn.execute(
            "SELECT team, username FROM inbox_team_members ORDER BY team, position"
        ):
            out.setdefault(team, []).append(user)
        return out

    def set_inbox_team(self, team: str, members: Sequence[str]) -> None:
        with self.transaction() as tx:
            tx.execute("DELETE FROM inbox_team_members WHERE team = ?", (team,))
            tx.executemany(
                "INSERT OR IGNORE INTO inbox_team_members (team, username, position) "
                "VALUES (?, ?, ?)",
                [(team, user, i) for i, user in enumerate(members)],
            )
            if not members:
                tx.execute("DELETE FROM inbox_round_robin WHERE team = ?", (team,))

    def saved_views(self, owner: str) -> dict[str, dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT name, filters FROM inbox_views WHERE owner IN (?, '') "
            "ORDER BY owner DESC, name",
            (owner,),
        )
        return {name: json.loads(filters) for name, filters in rows}

    def save_view(self, owner: str, name: str, filters: Mapping[str, Any]) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO inbox_views (owner, name, filters) VALUES (?, ?, ?) "
                "ON CONFLICT (owner, name) DO UPDATE SET filters = excluded.filters",
                (owner, name, json.dumps(dict(filters))),
            )

    def delete_view(self, owner: str, name: str) -> bool:
        with self.transaction() as tx:
            cur = tx.execute("DELETE FROM inbox_views WHERE owner = ? AND name = ?", (owner, name))
            return bool(cur.rowcount)

    def canned_responses(self) -> list[tuple[str, str, str]]:
        rows = self.conn.execute("SELECT name, lang, text FROM inbox_canned ORDER BY name, lang")
        return [(n, lang, t) for n, lang, t in rows]

    def save_canned(self, name: str, lang: str, text: str) -> None:
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO inbox_canned (name, lang, text) VALUES (?, ?, ?) "
                "ON CONFLICT (name, lang) DO UPDATE SET text = excluded.text",
                (name, lang, text),
            )

    def delete_canned(self, name: str, lang: str | None) -> bool:
        with self.transaction() as tx:
            if lang is None:
                cur = tx.execute("DELETE FROM inbox_canned WHERE name = ?", (name,))
            else:
                cur = tx.execute(
                    "DELETE FROM inbox_canned WHERE name = ? AND lang = ?", (name, lang)
                )
            return bool(cur.rowcount)

    def inbox_settings(self) -> dict[str, Any]:
        rows = self.conn.execute("SELECT key, value FROM inbox_settings ORDER BY key")
        return {key: json.loads(value) for key, value in rows}

    def set_inbox_settings(self, values: Mapping[str, Any]) -> None:
        with self.transaction() as tx:
            for key, value in values.items():
                if value is None:
                    tx.execute("DELETE FROM inbox_settings WHERE key = ?", (key,))
                else:
                    tx.execute(
                        "INSERT INTO inbox_settings (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, json.dumps(value)),
                    )


class SQLiteInboxTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def enter_inbox(self, posts: Sequence[tuple[Post, Sequence[str]]], at: int) -> list[Item]:
        rows: list[Sequence[Any]] = []
        for post, topics in posts:
            row = self.conn.execute(
                "INSERT INTO inbox_items (post_id, platform, lang, author, author_name, followers,"
                " url, title, text, parent_id, thread_id, sentiment, published_at, created_at,"
                " topics, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (post_id) DO NOTHING RETURNING {_ITEM_COLUMNS}",
                (
                    post.id, post.platform, post.lang, post.author.handle, post.author.name,
                    post.author.followers, post.url, post.title, post.text, post.parent_id,
                    post.thread_id, post.sentiment.label if post.sentiment else None,
                    int(post.published_at.timestamp()), at, ",".join(topics), at,
                ),
            ).fetchone()  # fmt: skip
            if row is not None:
                rows.append(row)
        return [_item(r, {}) for r in rows]

    def apply_inbox_change(self, item_id: int, change: ItemChange, at: int) -> None:
        _write_change(self.conn, item_id, change, at)

    def record_rule_run(self, rule_id: int, error: str | None, at: int) -> None:
        if error is None:
            self.conn.execute("UPDATE inbox_rules SET runs = runs + 1 WHERE id = ?", (rule_id,))
        else:
            self.conn.execute(
                "UPDATE inbox_rules SET runs = runs + 1, last_error = ?, error_at = ? WHERE id = ?",
                (error, at, rule_id),
            )

    def next_in_team(self, team: str) -> str | None:
        members = [
            r[0]
            for r in self.conn.execute(
                "SELECT username FROM inbox_team_members WHERE team = ? ORDER BY position", (team,)
            )
        ]
        if not members:
            return None
        row = self.conn.execute(
            "SELECT next_index FROM inbox_round_robin WHERE team = ?", (team,)
        ).fetchone()
        turn = (row[0] if row else 0) % len(members)
        self.conn.execute(
            "INSERT INTO inbox_round_robin (team, next_index) VALUES (?, ?) "
            "ON CONFLICT (team) DO UPDATE SET next_index = excluded.next_index",
            (team, (turn + 1) % len(members)),
        )
        return members[turn]
