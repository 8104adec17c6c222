"""PostgreSQL implementation of veille.store.protocols.alerts.

Claims take the due rows ``FOR UPDATE SKIP LOCKED``, so schedulers on several
machines never claim the same row; a row's batch id (the delivery id) is kept
on every retry, as in SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from veille.store.postgres.base import Runner
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
    data["paused"] = bool(alert.paused)
    return [data[c] for c in columns]


def _from_row(row: tuple[Any, ...], names: list[str]) -> Alert:
    from veille.alerts.model import Alert

    data = dict(zip(names, row, strict=True))
    data["id"] = int(data["id"])
    data["languages"] = tuple(data["languages"].split())
    data["platforms"] = tuple(data["platforms"].split())
    data["params"] = json.loads(data["params"] or "{}")
    data["paused"] = bool(data["paused"])
    return Alert(**data)


class PgAlerts(Runner):
    def _alerts(self, where: str = "", params: Sequence[Any] = ()) -> list[Alert]:
        cols = _columns()
        names = ["id", *cols]
        rows = self.rows(f"SELECT id, {', '.join(cols)} FROM alerts {where}", params)
        return [_from_row(r, names) for r in rows]

    def list_alerts(self) -> list[Alert]:
        return self._alerts("ORDER BY name")

    def alerts_of_kind(self, kind: str | None = None, *, with_paused: bool = False) -> list[Alert]:
        clauses, params = [], []
        if not with_paused:
            clauses.append("NOT paused")
        if kind:
            clauses.append("kind = %s")
            params.append(kind)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        return self._alerts(f"{where}ORDER BY id", params)

    def find_alert(self, name: str) -> Alert | None:
        found = self._alerts("WHERE name = %s", (name,))
        return found[0] if found else None

    def alert_by_id(self, alert_id: int) -> Alert | None:
        found = self._alerts("WHERE id = %s", (alert_id,))
        return found[0] if found else None

    def alert_rules_stamp(self) -> tuple[Any, ...]:
        row = self.one(
            "SELECT (SELECT count(*) FROM alerts), (SELECT coalesce(max(updated_at), 0) FROM "
            "alerts), (SELECT count(*) FROM topic_versions), "
            "(SELECT coalesce(max(created_at), 0) FROM topic_versions)"
        )
        assert row is not None
        return int(row[0]), float(row[1]), (int(row[2]), int(row[3]))

    def insert_alert(self, alert: Alert) -> int | None:
        cols = _columns()
        row = self.one(
            f"INSERT INTO alerts ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
            "ON CONFLICT (name) DO NOTHING RETURNING id",
            _to_row(alert, cols),
        )
        return int(row[0]) if row else None

    def save_alert(self, alert: Alert) -> None:
        cols = _columns()
        sets = ", ".join(f"{c} = %s" for c in cols)
        self.run(f"UPDATE alerts SET {sets} WHERE id = %s", [*_to_row(alert, cols), alert.id])

    def delete_alert(self, alert_id: int) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM deliveries WHERE alert_id = %s", (alert_id,))
            conn.execute("DELETE FROM alert_marks WHERE alert_id = %s", (alert_id,))
            conn.execute("DELETE FROM alert_feed_tokens WHERE alert_id = %s", (alert_id,))
            conn.execute("DELETE FROM alerts WHERE id = %s", (alert_id,))

    # -- feed tokens ----------------------------------------------------------

    def alert_feed_token(self, alert_id: int) -> str | None:
        row = self.one("SELECT token FROM alert_feed_tokens WHERE alert_id = %s", (alert_id,))
        return None if row is None else str(row[0])

    def set_alert_feed_token(self, alert_id: int, token: str | None, at: int) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM alert_feed_tokens WHERE alert_id = %s", (alert_id,))
            if token is not None:
                conn.execute(
                    "INSERT INTO alert_feed_tokens (alert_id, token, created_at) "
                    "VALUES (%s, %s, %s)",
                    (alert_id, token, at),
                )

    def alert_by_feed_token(self, token: str) -> Alert | None:
        found = self._alerts(
            "WHERE id = (SELECT alert_id FROM alert_feed_tokens WHERE token = %s)", (token,)
        )
        return found[0] if found else None

    # -- the outbox -----------------------------------------------------------

    def queue_event(
        self, alert_id: int, key: str, event: dict[str, Any], due: float, now: float
    ) -> bool:
        return (
            self.run(
                "INSERT INTO deliveries (alert_id, post_id, payload, status, created_at, due_at,"
                " next_attempt_at) VALUES (%s, %s, %s, 'pending', %s, %s, %s)"
                " ON CONFLICT (alert_id, post_id) DO NOTHING",
                (alert_id, key, json.dumps(event, ensure_ascii=False), now, due, due),
            )
            == 1
        )

    def has_delivery(self, alert_id: int, key: str) -> bool:
        row = self.one(
            "SELECT 1 FROM deliveries WHERE alert_id = %s AND post_id = %s", (alert_id, key)
        )
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
        extra, params = "", [now, now]  # type: tuple[str, list[Any]]
        if instant_only:
            extra += " AND a.frequency = 'instant'"
        if alert_id is not None:
            extra += " AND a.id = %s"
            params.append(alert_id)
        if held:
            extra += " AND a.id <> ALL(%s)"
            params.append(list(held))
        batches: dict[tuple[int, str | None], list[int]] = {}
        keys: dict[tuple[int, str | None], list[str]] = {}
        created: dict[int, int] = {}
        out = []
        with self.write() as conn:
            rows = conn.execute(
                "SELECT d.id, d.alert_id, d.batch_id, d.post_id, a.created_at FROM deliveries d "
                "JOIN alerts a ON a.id = d.alert_id WHERE NOT a.paused AND ((d.status = 'pending' "
                "AND d.next_attempt_at <= %s) OR (d.status = 'sending' AND d.lease_until < %s))"
                f"{extra} ORDER BY d.id FOR UPDATE OF d SKIP LOCKED",
                params,
            ).fetchall()
            for row_id, aid, batch, key, made in rows:
                batches.setdefault((int(aid), batch), []).append(int(row_id))
                keys.setdefault((int(aid), batch), []).append(key)
                created[int(aid)] = int(made)
            for (aid, batch), ids in batches.items():
                batch_id = batch or delivery_id(aid, created[aid], keys[aid, batch])
                conn.execute(
                    "UPDATE deliveries SET status = 'sending', lease_until = %s, batch_id = %s "
                    "WHERE id = ANY(%s)",
                    (lease_until, batch_id, ids),
                )
                out.append((batch_id, ids))
        return out

    def queued_items(self, row_ids: Sequence[int]) -> list[QueuedItem]:
        if not row_ids:
            return []
        rows = self.rows(
            "SELECT alert_id, post_id, spans, payload, created_at FROM deliveries "
            "WHERE id = ANY(%s) ORDER BY id",
            (list(row_ids),),
        )
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
        self.run(
            "UPDATE deliveries SET status = %s, sent_at = %s, lease_until = NULL, "
            "last_error = coalesce(%s, last_error) WHERE id = ANY(%s)",
            (status, sent_at, error, list(row_ids)),
        )

    def delivery_attempts(self, row_id: int) -> int:
        row = self.one("SELECT attempts FROM deliveries WHERE id = %s", (row_id,))
        return int(row[0]) if row else 0

    def reschedule_deliveries(
        self, row_ids: Sequence[int], *, attempts: int, error: str, status: str, retry_at: float
    ) -> None:
        self.run(
            "UPDATE deliveries SET attempts = %s, last_error = %s, lease_until = NULL, "
            "status = %s, next_attempt_at = %s WHERE id = ANY(%s)",
            (attempts, error, status, retry_at, list(row_ids)),
        )

    def retry_dead_deliveries(self, alert_id: int | None, now: float) -> int:
        sql = (
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = %s "
            "WHERE status = 'dead'"
        )
        params: list[Any] = [now]
        if alert_id is not None:
            sql += " AND alert_id = %s"
            params.append(alert_id)
        return self.run(sql, params)

    def list_deliveries(
        self, statuses: Sequence[str] = (), alert_name: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        sql = (
            "SELECT d.id, a.name, d.post_id, d.status, d.attempts, d.due_at, d.sent_at, "
            "d.last_error FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE TRUE"
        )
        params: list[Any] = []
        if statuses:
            sql += " AND d.status = ANY(%s)"
            params.append(list(statuses))
        if alert_name:
            sql += " AND a.name = %s"
            params.append(alert_name)
        sql += " ORDER BY d.id DESC LIMIT %s"
        params.append(limit)
        return [
            DeliveryRecord(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7])
            for r in self.rows(sql, params)
        ]

    def outbox_counts(self, alert_id: int, since: float | None = None) -> dict[str, int]:
        rows = self.rows(
            "SELECT status, count(*) FROM deliveries WHERE alert_id = %s "
            "AND (%s::double precision IS NULL OR created_at >= %s) GROUP BY status",
            (alert_id, since, since),
        )
        return {status: int(n) for status, n in rows}

    def waiting_matches(self, alert_id: int) -> list[tuple[int, float]]:
        rows = self.rows(
            "SELECT id, created_at FROM deliveries WHERE alert_id = %s AND status = 'pending' "
            "AND attempts = 0 AND batch_id IS NULL AND payload IS NULL ORDER BY id",
            (alert_id,),
        )
        return [(int(i), float(c)) for i, c in rows]

    def set_due(self, rows: Sequence[tuple[int, float]]) -> None:
        if not rows:
            return
        self.run(
            "UPDATE deliveries d SET due_at = v.due, next_attempt_at = v.due "
            "FROM unnest(%s::bigint[], %s::double precision[]) AS v(id, due) "
            "WHERE d.id = v.id AND d.status = 'pending' AND d.attempts = 0 "
            "AND d.batch_id IS NULL",
            ([i for i, _ in rows], [due for _, due in rows]),
        )

    def held_back(self, alert_id: int, reason: str) -> list[int]:
        rows = self.rows(
            "SELECT id FROM deliveries WHERE alert_id = %s AND status = 'skipped' "
            "AND batch_id IS NULL AND starts_with(last_error, %s) ORDER BY id",
            (alert_id, reason),
        )
        return [int(i) for (i,) in rows]

    def mark_reported(self, row_ids: Sequence[int], batch_id: str) -> None:
        self.run(
            "UPDATE deliveries SET batch_id = %s WHERE id = ANY(%s) AND status = 'skipped'",
            (batch_id, list(row_ids)),
        )

    # -- "not relevant" marks -------------------------------------------------

    def mark_not_relevant(self, alert_id: int, post_id: str, now: float) -> None:
        self.run(
            "INSERT INTO alert_marks (alert_id, post_id, created_at) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (alert_id, post_id, int(now)),
        )

    def not_relevant_posts(self, alert_id: int) -> set[str]:
        rows = self.rows("SELECT post_id FROM alert_marks WHERE alert_id = %s", (alert_id,))
        return {r[0] for r in rows}

    def delivered_posts(self, alert_id: int, limit: int = 2000) -> list[str]:
        # The order of deliveries_alert_published: read from the index, no sort.
        rows = self.rows(
            "SELECT post_id FROM deliveries WHERE alert_id = %s AND status != 'skipped' "
            "AND payload IS NULL ORDER BY published_at DESC NULLS LAST, id DESC LIMIT %s",
            (alert_id, limit),
        )
        return [r[0] for r in rows]


class PgAlertsTx(Runner):
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
        reach: int = 0,
        published: float | None = None,
    ) -> bool:
        changed = self.run(
            "INSERT INTO deliveries (alert_id, post_id, cluster_id, spans, status, created_at,"
            " due_at, next_attempt_at, last_error, reach, published_at)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT (alert_id, post_id) DO NOTHING",
            (alert_id, post_id, cluster_id, json.dumps(spans), status, now, due, due, reason,
             reach, published),
        )  # fmt: skip
        return changed == 1

    def queue_matches(self, rows: Sequence[MatchRow]) -> int:
        return self.run_columns(
            "INSERT INTO deliveries (alert_id, post_id, cluster_id, status, created_at, due_at,"
            " next_attempt_at, published_at) SELECT a, p, c, 'pending', n, d, d, pub FROM"
            " unnest(%s::bigint[], %s::text[], %s::text[], %s::float8[], %s::float8[],"
            " %s::float8[]) AS t(a, p, c, n, d, pub)"
            " ON CONFLICT (alert_id, post_id) DO NOTHING",
            rows,
        )

    def queued_since(self, alert_id: int, since: float) -> int:
        row = self.one(
            "SELECT count(*) FROM deliveries WHERE alert_id = %s AND created_at >= %s "
            f"AND status IN {_LIVE}",
            (alert_id, since),
        )
        return int(row[0]) if row else 0

    def latest_story_delivery(
        self, alert_id: int, cluster_id: str, since: float
    ) -> StoryDelivery | None:
        row = self.one(
            "SELECT id, post_id, status, reach FROM deliveries "
            "WHERE alert_id = %s AND cluster_id = %s AND created_at >= %s "
            f"AND status IN {_LIVE} ORDER BY id DESC LIMIT 1",
            (alert_id, cluster_id, since),
        )
        return StoryDelivery(int(row[0]), row[1], row[2], int(row[3])) if row else None

    def skip_delivery(self, row_id: int, reason: str) -> None:
        self.run(
            "UPDATE deliveries SET status = 'skipped', last_error = %s WHERE id = %s",
            (reason, row_id),
        )
