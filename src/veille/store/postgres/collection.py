"""PostgreSQL implementation of veille.store.protocols.collection (migration 0002)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from veille.store.postgres.base import Runner
from veille.store.protocols.collection import LEASE_LOG_DAYS, Lease, LeaseGrant


class PgCollection(Runner):
    def acquire_lease(
        self, name: str, holder: str, *, ttl: float, now: float, replacing: str | None = None
    ) -> int | None:
        with self.write() as conn:
            # The row exists before it is locked, so two first takers queue
            # on the lock instead of failing on the key.
            conn.execute(
                "INSERT INTO leases (name, holder, epoch, acquired_at, heartbeat_at, expires_at) "
                "VALUES (%s, '', 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING",
                (name,),
            )
            row = conn.execute(
                "SELECT holder, epoch, expires_at FROM leases WHERE name = %s FOR UPDATE", (name,)
            ).fetchone()
            assert row is not None
            old_holder, epoch, expires = row[0], int(row[1]), float(row[2])
            if old_holder not in ("", holder, replacing) and expires > now:
                return None
            if old_holder == "":
                # Released: a taker that read its clock before the release
                # committed (it then waited on the row lock) holds from the
                # release on, not from before it.
                now = max(now, expires)
            conn.execute(
                "UPDATE lease_log SET ended_at = least(%s, %s) "
                "WHERE name = %s AND epoch = %s AND ended_at IS NULL",
                (expires, now, name, epoch),
            )
            epoch += 1
            conn.execute(
                "UPDATE leases SET holder = %s, epoch = %s, acquired_at = %s, heartbeat_at = %s, "
                "expires_at = %s WHERE name = %s",
                (holder, epoch, now, now, now + ttl, name),
            )
            conn.execute(
                "INSERT INTO lease_log (name, epoch, holder, acquired_at) VALUES (%s, %s, %s, %s)",
                (name, epoch, holder, now),
            )
            conn.execute(
                "DELETE FROM lease_log WHERE name = %s AND ended_at < %s",
                (name, now - LEASE_LOG_DAYS * 86400),
            )
        return epoch

    def renew_leases(
        self, names: Sequence[str], holder: str, *, ttl: float, now: float
    ) -> set[str]:
        if not names:
            return set()
        rows = self.rows(
            "UPDATE leases SET heartbeat_at = %s, expires_at = %s "
            "WHERE name = ANY(%s) AND holder = %s RETURNING name",
            (now, now + ttl, list(names), holder),
        )
        return {r[0] for r in rows}

    def release_lease(self, name: str, holder: str, *, now: float) -> None:
        with self.write() as conn:
            row = conn.execute(
                "UPDATE leases SET holder = '', expires_at = %s WHERE name = %s AND holder = %s "
                "RETURNING epoch",
                (now, name, holder),
            ).fetchone()
            if row is not None:
                conn.execute(
                    "UPDATE lease_log SET ended_at = %s WHERE name = %s AND epoch = %s",
                    (now, name, row[0]),
                )

    def forget_leases(self, names: Sequence[str], *, before: float) -> list[str]:
        if not names:
            return []
        with self.write() as conn:
            rows = conn.execute(
                "DELETE FROM leases WHERE name = ANY(%s) AND (holder = '' OR expires_at < %s) "
                "RETURNING name",
                (list(names), before),
            ).fetchall()
            gone = sorted(r[0] for r in rows)
            if gone:
                conn.execute("DELETE FROM lease_log WHERE name = ANY(%s)", (gone,))
        return gone

    def clock(self) -> float:
        row = self.one("SELECT extract(epoch FROM clock_timestamp())")
        assert row is not None
        return float(row[0])

    def leases(self, prefix: str = "") -> list[Lease]:
        # (substr, not a range of names: the database's collation may not
        # compare them byte by byte)
        rows = self.rows(
            "SELECT name, holder, epoch, acquired_at, heartbeat_at, expires_at FROM leases "
            "WHERE epoch > 0 AND substr(name, 1, %s) = %s ORDER BY name",
            (len(prefix), prefix),
        )
        return [Lease(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in rows]

    def lease_log(self, name: str | None = None) -> list[LeaseGrant]:
        sql = "SELECT name, epoch, holder, acquired_at, ended_at FROM lease_log"
        params: tuple[str, ...] = ()
        if name is not None:
            sql, params = sql + " WHERE name = %s", (name,)
        rows = self.rows(sql + " ORDER BY name, epoch", params)
        return [LeaseGrant(r[0], int(r[1]), r[2], r[3], r[4]) for r in rows]

    def pending_ingests(self, owner: str | None = None) -> list[tuple[int, str, list[str]]]:
        sql = "SELECT id, owner, post_ids FROM ingest_pending"
        params: tuple[str, ...] = ()
        if owner is not None:
            sql, params = sql + " WHERE owner = %s", (owner,)
        return [
            (int(i), o, json.loads(ids)) for i, o, ids in self.rows(sql + " ORDER BY id", params)
        ]


class PgCollectionTx(Runner):
    def holds_lease(self, name: str, holder: str, epoch: int, *, now: float) -> bool:
        row = self.one(
            "SELECT 1 FROM leases WHERE name = %s AND holder = %s AND epoch = %s FOR UPDATE",
            (name, holder, epoch),
        )
        return row is not None

    def hold_pending(self, owner: str, post_ids: Sequence[str], now: float) -> int:
        row = self.one(
            "INSERT INTO ingest_pending (owner, post_ids, created_at) VALUES (%s, %s, %s) "
            "RETURNING id",
            (owner, json.dumps(list(post_ids)), now),
        )
        assert row is not None
        return int(row[0])

    def release_pending(self, hold_ids: Sequence[int]) -> None:
        if hold_ids:
            self.run("DELETE FROM ingest_pending WHERE id = ANY(%s)", (list(hold_ids),))
