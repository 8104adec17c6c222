"""Opening a ClickHouse store: a new one made at once at
:data:`~veille.store.clickhouse.schema.SCHEMA_VERSION`, one made by an older
veille brought there (:mod:`veille.store.clickhouse.upgrade`), a current one
opened with two reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from veille.analytics.trends import terms_version
from veille.store.clickhouse.rows import encode
from veille.store.clickhouse.schema import ROLLUPS, SCHEMA_VERSION, TABLES, newest_tables
from veille.store.clickhouse.upgrade_lock import UpgradeLock
from veille.store.upgrading import upgrading_store

# What a new store's ``veille_meta`` holds, as a store upgraded to the
# newest schema holds it (the keys ``upgrade`` and ``privacy`` read).
_ROLLUP_KEYS = tuple(f"rollup_filled:{table}" for table, _ddl, _rows in ROLLUPS)


class ClickHouseMade:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into
        client: Any
        where: str

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def ticks(self, n: int) -> range: ...

        def _refuse_newer(self) -> None: ...

        def _upgrade(self) -> None: ...

        def _derive_objections(self) -> None: ...

    def _open_tables(self) -> None:
        """Make the store's tables if it has none, else bring an older one
        up to date (a current one is read, nothing more)."""
        names = self._veille_tables()
        if not names:
            if not self.client.shared:  # (chDB: no other process opens this folder)
                self._make_newest()
                return
            # A server: another process may be making it too; one at a time,
            # and the one that finds it made already opens it as below.
            with upgrading_store(self.where), UpgradeLock(self.client, self.where):
                names = self._veille_tables()
                if not names:
                    self._make_newest()
                    return
        if "veille_meta" in names and self._current():
            return
        self._refuse_newer()
        for ddl in TABLES:
            self.client.command(ddl)
        self._upgrade()
        self._derive_objections()

    def _veille_tables(self) -> set[str]:
        """Which of the tables that tell a store is there the database holds
        (not an upgrade lock's, which a server's process making it holds)."""
        names = self.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND name IN ('posts', 'veille_meta')"
        )
        return {name for (name,) in names}

    def _current(self) -> bool:
        """Whether the store is at the newest schema (so none newer), with
        the terms of this veille and its erasures' objections derived:
        nothing to do on open."""
        found = dict(
            self.rows(
                "SELECT key, value FROM veille_meta FINAL "
                "WHERE key IN ('schema', 'terms_version', 'objections_derived')"
            )
        )
        return (
            int(found.get("schema", 0)) == SCHEMA_VERSION
            and found.get("terms_version") == terms_version()
            and "objections_derived" in found
        )

    def _make_newest(self) -> None:
        """A new store, made at the newest schema (:func:`newest_tables`).
        Its rollups are marked as being filled before they are made and
        filled after, with the schema: a making stopped midway leaves no
        schema, and the next open upgrades the store from schema 0, which
        ends as this does (rollups made again where marked)."""
        meta, *tables = newest_tables()
        self.client.command(meta)
        self._write_meta([(key, "started") for key in _ROLLUP_KEYS])
        for ddl in tables:
            self.client.command(ddl)
        self._write_meta(
            [
                *((key, "done") for key in _ROLLUP_KEYS),
                ("terms_version", terms_version()),
                # (A new store has no erasure to derive an objection from.)
                ("objections_derived", "0"),
                ("schema", str(SCHEMA_VERSION)),
            ]
        )

    def _write_meta(self, pairs: list[tuple[str, str]]) -> None:
        """Rows of ``veille_meta``, in one insert."""
        rows = zip(pairs, self.ticks(len(pairs)), strict=True)
        self.client.insert(
            "veille_meta", [encode({"key": k, "value": v, "version": t}) for (k, v), t in rows]
        )
