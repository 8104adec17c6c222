"""The parts of veille.store.protocols.privacy that are state alone, in the
SQL SQLite and PostgreSQL share: the pseudonymization key and the erasure
log (see :mod:`veille.store.portable`). Erasing posts is the work of the
store that keeps them."""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from veille.store.portable import Sql
from veille.store.protocols.privacy import Erasure


class PortablePrivacy:
    if TYPE_CHECKING:  # given by the store class

        def _sql_read(self) -> Sql: ...

        def _sql_write(self) -> AbstractContextManager[Sql]: ...

    def privacy_key(self) -> bytes:
        row = self._sql_read().one("SELECT key FROM privacy_key WHERE id = 1")
        if row:
            return bytes(row[0])
        with self._sql_write() as sql:
            sql.run(
                "INSERT INTO privacy_key (id, key) VALUES (1, ?) ON CONFLICT DO NOTHING",
                (os.urandom(32),),
            )
            made = sql.one("SELECT key FROM privacy_key WHERE id = 1")
        assert made is not None
        return bytes(made[0])

    def erasures(self, limit: int = 100) -> list[Erasure]:
        rows = self._sql_read().rows(
            "SELECT at, kind, platform, subject, posts, details FROM erasures "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            Erasure(datetime.fromtimestamp(at, UTC), kind, plat, subj, int(n), json.loads(det))
            for at, kind, plat, subj, n, det in rows
        ]
