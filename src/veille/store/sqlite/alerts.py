"""SQLite implementation of veille.store.protocols.alerts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from veille.store.protocols.alerts import (
    DeliveryRecord,
    MatchRow,
    QueuedItem,
    SpanRow,
    StoryDelivery,
    delivery_id,
)

if TYPE_CHECKING:
    from veille.alerts.model import Alert

_LIVE = "('pending', 'sending', 'sent')"


def _columns() -> list[str]:
    from veille.alerts.model import Alert

    return [f.name for f in fields(Alert) if f.name != "id"]


def _to_row(alert: Alert, columns: list[str]) -> list[Any]:
    data = asdict(alert)
    data["languages"] = " ".join(alert.languages)
    data["platforms"] = " ".join(alert.platforms)
    data["params"] = json.dumps(alert.params)
    data["paused"] = int(alert.paused)
    return [data[c] for c in columns]


def _from_row(row: tuple[Any, ...], names: list[str]) -> Alert:
    from veille.alerts.model import Alert

    data = dict(zip(names, row, strict=True))
    data["languages"] = tuple(data["languages"].split())
    data["platforms"] = tuple(data["platforms"].split())
    data["params"] = json.loads(data["params"] or "{}")
    data["paused"] = bool(data["paused"])
    return Alert(**data)


def _seconds(published: float | None) -> int | None:
    """A publication time as posts.published_at keeps it (whole seconds)."""
    return None if published is None else int(published)


@contextmanager
def _atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on an autocommit connection (outside the ingest's)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SQLiteAlerts:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    # -- alerts ---------------------------------------------------------------

    def _alerts(self, where: str = "", params: Sequence[Any] = ()) -> list[Alert]:
        cols = _columns()
        cur = self.conn.execute(f"SELECT id, {', '.join(cols)} FROM alerts {where}", params)
        names = [d[0] for d in cur.description]
        return [_from_row(r, names) for r in cur.fetchall()]

    def list_alerts(self) -> list[Alert]:
        return self._alerts("ORDER BY name")

    def alerts_of_kind(self, kind: str | None = None, *, with_paused: bool = False) -> list[Alert]:
        clauses, params = [], []
        if not with_paused:
            clauses.append("paused = 0")
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        return self._alerts(f"{where}ORDER BY id", params)

    def find_alert(self, name: str) -> Alert | None:
        found = self._alerts("WHERE name = ?", (name,))
        return found[0] if found else None

    def alert_by_id(self, alert_id: int) -> Alert | None:
        found = self._alerts("WHERE id = ?", (alert_id,))
        return found[0] if found else None

    def alert_rules_stamp(self) -> tuple[Any, ...]:
        n, last = self.conn.execute(
            "SELECT count(*), coalesce(max(updated_at), 0) FROM alerts"
        ).fetchone()
        topics = self.conn.execute(
            "SELECT count(*), coalesce(max(created_at), 0) FROM topic_versions"
        ).fetchone()
        return int(n), float(last), tuple(topics)

    def insert_alert(self, alert: Alert) -> int | None:
        cols = _columns()
        try:
            cur = self.conn.execute(
                f"INSERT INTO alerts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                _to_row(alert, cols),
            )
        except sqlite3.IntegrityError:
            return None
        return cur.lastrowid

    def save_alert(self, alert: Alert) -> None:
        cols = _columns()
        sets = ", ".join(f"{c} = ?" for c in cols)
        self.conn.execute(
            f"UPDATE alerts SET {sets} WHERE id = ?", [*_to_row(alert, cols), alert.id]
        )

    def delete_alert(self, alert_id: int) -> None:
        with _atomic(self.conn):
            self.conn.execute("DELETE FROM deliveries WHERE alert_id = ?", (alert_id,))
            self.conn.execute("DELETE FROM alert_marks WHERE alert_id = ?", (alert_id,))
            self.conn.execute("DELETE FROM alert_feed_tokens WHERE alert_id = ?", (alert_id,))
            self.conn.execute("DELETE FROM alerts WHERE id = ?", (alert_id,))

    # -- feed tokens ----------------------------------------------------------

    def alert_feed_token(self, alert_id: int) -> str | None:
        row = self.conn.execute(
            "SELECT token FROM alert_feed_tokens WHERE alert_id = ?", (alert_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_alert_feed_token(self, alert_id: int, token: str | None, at: int) -> None:
        with _atomic(self.conn):
            self.conn.execute("DELETE FROM alert_feed_tokens WHERE alert_id = ?", (alert_id,))
            if token is not None:
                self.conn.execute(
                    "INSERT INTO alert_feed_tokens (alert_id, token, created_at) VALUES (?, ?, ?)",
                    (alert_id, token, at),
                )

    def alert_by_feed_token(self, token: str) -> Alert | None:
        found = self._alerts(
            "WHERE id = (SELECT alert_id FROM alert_feed_tokens WHERE token = ?)", (token,)
        )
        return found[0] if found else None

    # -- the outbox -----------------------------------------------------------

    def queue_event(
        self, alert_id: int, key: str, event: dict[str, Any], due: float, now: float
    ) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO deliveries (alert_id, post_id, payload, status, created_at,"
            " due_at, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
            (alert_id, key, json.dumps(event, ensure_ascii=False), now, due, due),
        )
        return cur.rowcount == 1

    def has_delivery(self, alert_id: int, key: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM deliveries WHERE alert_id = ? AND post_id = ?", (alert_id, key)
        ).fetchone()
        return row is not None

    def claim_deliveries(
        self,
        now: float,
        lease_until: float,
        *,
        instant_only: bool = False,
        alert_id: int | None = None,
        held: Sequence[int] = (),
    ) -> list[tuple[str, list[int]]]:
        extra, params = "", [now, now]
        if instant_only:
            extra += " AND a.frequency = 'instant'"
        if alert_id is not None:
            extra += " AND a.id = ?"
            params.append(alert_id)
        if held:
            extra += f" AND a.id NOT IN ({','.join('?' * len(held))})"
            params.extend(held)
        batches: dict[tuple[int, str | None], list[int]] = {}
        keys: dict[tuple[int, str | None], list[str]] = {}
        created: dict[int, int] = {}
        out = []
        with _atomic(self.conn):
            rows = self.conn.execute(
                "SELECT d.id, d.alert_id, d.batch_id, d.post_id, a.created_at FROM deliveries d "
                "JOIN alerts a ON a.id = d.alert_id WHERE a.paused = 0 AND ((d.status = 'pending' "
                "AND d.next_attempt_at <= ?) OR (d.status = 'sending' AND d.lease_until < ?))"
                f"{extra} ORDER BY d.id",
                params,
            ).fetchall()
            for row_id, aid, batch, key, made in rows:
                batches.setdefault((aid, batch), []).append(row_id)
                keys.setdefault((aid, batch), []).append(key)
                created[aid] = int(made)
            for (aid, batch), ids in batches.items():
                batch_id = batch or delivery_id(aid, created[aid], keys[aid, batch])
                self.conn.executemany(
                    "UPDATE deliveries SET status = 'sending', lease_until = ?, batch_id = ? "
                    "WHERE id = ?",
                    [(lease_until, batch_id, i) for i in ids],
                )
                out.append((batch_id, ids))
        return out

    def queued_items(self, row_ids: Sequence[int]) -> list[QueuedItem]:
        if not row_ids:
            return []
        rows = self.conn.execute(
            "SELECT alert_id, post_id, spans, payload, created_at FROM deliveries "
            f"WHERE id IN ({','.join('?' * len(row_ids))}) ORDER BY id",
            list(row_ids),
        ).fetchall()
        return [
            QueuedItem(
                int(aid), key, [(s[0], int(s[1]), int(s[2])) for s in json.loads(spans)],
                json.loads(payload) if payload else None, float(created),
            )
            for aid, key, spans, payload, created in rows
        ]  # fmt: skip

    def finish_deliveries(
        self, row_ids: Sequence[int], status: str, error: str | None, sent_at: float | None
    ) -> None:
        with _atomic(self.conn):
            self.conn.executemany(
                "UPDATE deliveries SET status = ?, sent_at = ?, lease_until = NULL, "
                "last_error = coalesce(?, last_error) WHERE id = ?",
                [(status, sent_at, error, i) for i in row_ids],
            )

    def delivery_attempts(self, row_id: int) -> int:
        row = self.conn.execute("SELECT attempts FROM deliveries WHERE id = ?", (row_id,))
        found = row.fetchone()
        return int(found[0]) if found else 0

    def reschedule_deliveries(
        self, row_ids: Sequence[int], *, attempts: int, error: str, status: str, retry_at: float
    ) -> None:
        with _atomic(self.conn):
            self.conn.executemany(
                "UPDATE deliveries SET attempts = ?, last_error = ?, lease_until = NULL, "
                "status = ?, next_attempt_at = ? WHERE id = ?",
                [(attempts, error, status, retry_at, i) for i in row_ids],
            )

    def retry_dead_deliveries(self, alert_id: int | None, now: float) -> int:
        sql = (
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? "
            "WHERE status = 'dead'"
        )
        params: list[Any] = [now]
        if alert_id is not None:
            sql += " AND alert_id = ?"
            params.append(alert_id)
        return int(self.conn.execute(sql, params).rowcount)

    def list_deliveries(
        self, statuses: Sequence[str] = (), alert_name: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        sql = (
            "SELECT d.id, a.name, d.post_id, d.status, d.attempts, d.due_at, d.sent_at, "
            "d.last_error FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE 1 = 1"
        )
        params: list[Any] = []
        if statuses:
            sql += f" AND d.status IN ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        if alert_name:
            sql += " AND a.name = ?"
            params.append(alert_name)
        sql += " ORDER BY d.id DESC LIMIT ?"
        params.append(limit)
        return [DeliveryRecord(*row) for row in self.conn.execute(sql, params)]

    def outbox_counts(self, alert_id: int, since: float | None = None) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT status, count(*) FROM deliveries WHERE alert_id = ? AND created_at >= ? "
            "GROUP BY status",
            (alert_id, float("-inf") if since is None else since),
        )
        return {status: int(n) for status, n in rows}

    def waiting_matches(self, alert_id: int) -> list[tuple[int, float]]:
        rows = self.conn.execute(
            "SELECT id, created_at FROM deliveries WHERE alert_id = ? AND status = 'pending' "
            "AND attempts = 0 AND batch_id IS NULL AND payload IS NULL ORDER BY id",
            (alert_id,),
        )
        return [(int(i), float(c)) for i, c in rows]

    def set_due(self, rows: Sequence[tuple[int, float]]) -> None:
        with _atomic(self.conn):
            self.conn.executemany(
                "UPDATE deliveries SET due_at = ?, next_attempt_at = ? WHERE id = ? "
                "AND status = 'pending' AND attempts = 0 AND batch_id IS NULL",
                [(due, due, i) for i, due in rows],
            )

    def held_back(self, alert_id: int, reason: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM deliveries WHERE alert_id = ? AND status = 'skipped' "
            "AND batch_id IS NULL AND substr(last_error, 1, ?) = ? ORDER BY id",
            (alert_id, len(reason), reason),
        )
        return [int(i) for (i,) in rows]

    def mark_reported(self, row_ids: Sequence[int], batch_id: str) -> None:
        with _atomic(self.conn):
            self.conn.executemany(
                "UPDATE deliveries SET batch_id = ? WHERE id = ? AND status = 'skipped'",
                [(batch_id, i) for i in row_ids],
            )

    # -- "not relevant" marks -------------------------------------------------

    def mark_not_relevant(self, alert_id: int, post_id: str, now: float) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO alert_marks (alert_id, post_id, created_at) VALUES (?, ?, ?)",
            (alert_id, post_id, int(now)),
        )

    def not_relevant_posts(self, alert_id: int) -> set[str]:
        rows = self.conn.execute("SELECT post_id FROM alert_marks WHERE alert_id = ?", (alert_id,))
        return {r[0] for r in rows}

    def delivered_posts(self, alert_id: int, limit: int = 2000) -> list[str]:
        # deliveries_alert_published gives this order (rowid last): no sort.
        rows = self.conn.execute(
            "SELECT post_id FROM deliveries WHERE alert_id = ? AND status != 'skipped' "
            "AND payload IS NULL ORDER BY published_at DESC, id DESC LIMIT ?",
            (alert_id, limit),
        )
        return [r[0] for r in rows]


class SQLiteAlertsTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def queue_match(
        self,
        alert_id: int,
        post_id: str,
        *,
        cluster_id: str | None,
        spans: list[SpanRow],
        status: str,
        now: float,
        due: float,
        reason: str | None,
        reach: int = 0,  # read from the posts, which this file keeps
        published: float | None = None,
    ) -> bool:
        # Without ``published``, the post's own time, where this file keeps it.
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO deliveries (alert_id, post_id, cluster_id, spans, status,"
            " created_at, due_at, next_attempt_at, last_error, published_at) VALUES "
            "(?,?,?,?,?,?,?,?,?, coalesce(?, (SELECT published_at FROM posts WHERE id = ?)))",
            (alert_id, post_id, cluster_id, json.dumps(spans), status, now, due, due, reason,
             _seconds(published), post_id),
        )  # fmt: skip
        return cur.rowcount == 1

    def queue_matches(self, rows: Sequence[MatchRow]) -> int:
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO deliveries (alert_id, post_id, cluster_id, spans, status,"
            " created_at, due_at, next_attempt_at, published_at)"
            " VALUES (?, ?, ?, '[]', 'pending', ?, ?, ?, ?)",
            [(a, p, c, now, due, due, _seconds(pub)) for a, p, c, now, due, pub in rows],
        )
        return self.conn.total_changes - before

    def queued_since(self, alert_id: int, since: float) -> int:
        (n,) = self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE alert_id = ? AND created_at >= ? "
            f"AND status IN {_LIVE}",
            (alert_id, since),
        ).fetchone()
        return int(n)

    def latest_story_delivery(
        self, alert_id: int, cluster_id: str, since: float
    ) -> StoryDelivery | None:
        row = self.conn.execute(
            "SELECT d.id, d.post_id, d.status, coalesce(p.author_followers, 0) "
            "+ p.likes + p.shares + p.replies FROM deliveries d JOIN posts p ON p.id = d.post_id "
            "WHERE d.alert_id = ? AND d.cluster_id = ? AND d.created_at >= ? "
            f"AND d.status IN {_LIVE} ORDER BY d.id DESC LIMIT 1",
            (alert_id, cluster_id, since),
        ).fetchone()
        return StoryDelivery(int(row[0]), row[1], row[2], int(row[3])) if row else None

    def skip_delivery(self, row_id: int, reason: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = ? WHERE id = ?",
            (reason, row_id),
        )
