"""SQLite implementation of veille.store.protocols.collection (migration 0260).

Several ``veille run --role collector`` processes may share one SQLite file
on one machine: ``BEGIN IMMEDIATE`` serializes lease grants as PostgreSQL's
row locks do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from veille.store.protocols.collection import LEASE_LOG_DAYS, Lease, LeaseGrant


class SQLiteCollection:
    """Mixed into :class:`veille.store.sqlite.store.SQLiteStore`."""

    conn: sqlite3.Connection

    def acquire_lease(
        self, name: str, holder: str, *, ttl: float, now: float, replacing: str | None = None
    ) -> int | None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT holder, epoch, expires_at FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] not in ("", holder, replacing) and row[2] > now:
                conn.execute("ROLLBACK")
                return None
            if row is not None and row[0] == "":
                # Released: a taker that read its clock before the release
                # committed (it then waited for the write lock) holds from the
                # release on, not from before it.
                now = max(now, float(row[2]))
            epoch = 0 if row is None else int(row[1])
            if row is not None:
                conn.execute(
                    "UPDATE lease_log SET ended_at = min(?, ?) "
                    "WHERE name = ? AND epoch = ? AND ended_at IS NULL",
                    (row[2], now, name, epoch),
                )
            epoch += 1
            conn.execute(
                "INSERT INTO leases (name, holder, epoch, acquired_at, heartbeat_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, epoch = excluded.epoch, "
                "acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, "
                "expires_at = excluded.expires_at",
                (name, holder, epoch, now, now, now + ttl),
            )
            conn.execute(
                "INSERT INTO lease_log (name, epoch, holder, acquired_at) VALUES (?, ?, ?, ?)",
                (name, epoch, holder, now),
            )
            conn.execute(
                "DELETE FROM lease_log WHERE name = ? AND ended_at < ?",
                (name, now - LEASE_LOG_DAYS * 86400),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return epoch

    def renew_leases(
        self, names: Sequence[str], holder: str, *, ttl: float, now: float
    ) -> set[str]:
        if not names:
            return set()
        marks = ",".join("?" * len(names))
        rows = self.conn.execute(
            f"UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name IN ({marks}) "
            "AND holder = ? RETURNING name",
            (now, now + ttl, *names, holder),
        ).fetchall()
        return {r[0] for r in rows}

    def release_lease(self, name: str, holder: str, *, now: float) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "UPDATE leases SET holder = '', expires_at = ? WHERE name = ? AND holder = ? "
                "RETURNING epoch",
                (now, name, holder),
            ).fetchone()
            if row is not None:
                conn.execute(
                    "UPDATE lease_log SET ended_at = ? WHERE name = ? AND epoch = ?",
                    (now, name, row[0]),
                )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def forget_leases(self, names: Sequence[str], *, before: float) -> list[str]:
        if not names:
            return []
        conn = self.conn
        gone: list[str] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for start in range(0, len(names), 500):
                chunk = list(names[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"DELETE FROM leases WHERE name IN ({marks}) "
                    "AND (holder = '' OR expires_at < ?) RETURNING name",
                    (*chunk, before),
                ).fetchall()
                done = [r[0] for r in rows]
                if done:
                    conn.execute(
                        f"DELETE FROM lease_log WHERE name IN ({','.join('?' * len(done))})",
                        done,
                    )
                gone += done
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return sorted(gone)

    def clock(self) -> float:
        import time

        return time.time()

    def leases(self, prefix: str = "") -> list[Lease]:
        sql = "SELECT name, holder, epoch, acquired_at, heartbeat_at, expires_at FROM leases"
        params: tuple[str, ...] = ()
        if prefix:
            # A range of the primary key (names compare byte by byte): the
            # names from the prefix up to the next one that does not start
            # with it.
            last = prefix[-1]
            after = prefix[:-1] + chr(ord(last) + 1)
            sql, params = sql + " WHERE name >= ? AND name < ?", (prefix, after)
        return [Lease(*r) for r in self.conn.execute(sql + " ORDER BY name", params)]

    def lease_log(self, name: str | None = None) -> list[LeaseGrant]:
        sql = "SELECT name, epoch, holder, acquired_at, ended_at FROM lease_log"
        params: tuple[str, ...] = ()
        if name is not None:
            sql, params = sql + " WHERE name = ?", (name,)
        return [LeaseGrant(*r) for r in self.conn.execute(sql + " ORDER BY name, epoch", params)]

    def pending_ingests(self, owner: str | None = None) -> list[tuple[int, str, list[str]]]:
        sql = "SELECT id, owner, post_ids FROM ingest_pending"
        params: tuple[str, ...] = ()
        if owner is not None:
            sql, params = sql + " WHERE owner = ?", (owner,)
        rows = self.conn.execute(sql + " ORDER BY id", params)
        return [(i, o, json.loads(ids)) for i, o, ids in rows]


class SQLiteCollectionTx:
    """Mixed into the SQLite transaction object."""

    conn: sqlite3.Connection

    def holds_lease(self, name: str, holder: str, epoch: int, *, now: float) -> bool:
        # The transaction is BEGIN IMMEDIATE: no grant can happen before it ends.
        row = self.conn.execute(
            "SELECT 1 FROM leases WHERE name = ? AND holder = ? AND epoch = ?",
            (name, holder, epoch),
        ).fetchone()
        return row is not None

    def hold_pending(self, owner: str, post_ids: Sequence[str], now: float) -> int:
        cur = self.conn.execute(
            "INSERT INTO ingest_pending (owner, post_ids, created_at) VALUES (?, ?, ?)",
            (owner, json.dumps(list(post_ids)), now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def release_pending(self, hold_ids: Sequence[int]) -> None:
        self.conn.executemany("DELETE FROM ingest_pending WHERE id = ?", [(i,) for i in hold_ids])
