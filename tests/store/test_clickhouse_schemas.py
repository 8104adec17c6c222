"""A new ClickHouse store is made at once at the newest schema
(``schema.newest_tables``), and one made by an older veille is brought there
by its upgrade: both must end with the same tables and views. The older
stores are the tables each layout veille ever made held
(``clickhouse_schemas/``: ``SHOW CREATE TABLE`` of a new store made by that
commit), made here empty and opened by this veille."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("chdb")

from veille.store.clickhouse.client import ChdbClient
from veille.store.clickhouse.schema import SCHEMA_VERSION
from veille.store.clickhouse.store import ClickHouseStore

DUMPS = sorted((Path(__file__).parent / "clickhouse_schemas").glob("*.sql"))
# What an upgrade leaves behind, known and not yet mended: a store made by
# veille 7c942bf4 (in use 8 minutes, on 3 December) recorded whom an
# erasure forgot in ``forgotten_authors``, which b10da778 replaced by
# ``forgotten`` without carrying its rows over.
GAPS = {"03_7c942bf4": "forgotten_authors is neither carried to forgotten nor dropped"}
CASES = [
    pytest.param(d, marks=pytest.mark.xfail(reason=GAPS[d.stem], strict=True))
    if d.stem in GAPS
    else d
    for d in DUMPS
]


def _statements(dump: Path) -> list[str]:
    text = "\n".join(line for line in dump.read_text().splitlines() if not line.startswith("--"))
    return [s.strip() for s in text.split(";\n") if s.strip()]


def _layout(store: Any) -> dict[str, str]:
    """``SHOW CREATE TABLE`` of every table and view, without the database's name."""
    db = store.rows("SELECT currentDatabase()")[0][0]
    names = store.rows(
        "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name"
    )
    return {
        name: store.rows(f"SHOW CREATE TABLE {name}")[0][0].replace(f"{db}.", "")
        for (name,) in names
    }


def _meta(store: Any) -> dict[str, str]:
    found = store.rows(
        "SELECT key, value FROM veille_meta FINAL "
        "WHERE key IN ('schema', 'terms_version', 'objections_derived')"
    )
    return dict(found)


@pytest.fixture(scope="module")
def new_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    folder = tmp_path_factory.mktemp("new")
    store = ClickHouseStore(ChdbClient(folder / "posts.chdb"), str(folder))
    try:
        return _layout(store), _meta(store)
    finally:
        store.client.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ChdbClient]:
    client = ChdbClient(tmp_path / "posts.chdb")
    yield client
    client.close()


def test_a_new_store_is_at_the_newest_schema(new_store: Any) -> None:
    tables, meta = new_store
    assert meta["schema"] == str(SCHEMA_VERSION)
    assert meta["objections_derived"] == "0"
    assert {"posts", "post_rollup_view", "post_keys_view", "entity_purged"} <= set(tables)


@pytest.mark.slow
@pytest.mark.parametrize("dump", CASES, ids=[d.stem for d in DUMPS])
def test_a_store_made_by_an_older_veille_ends_as_a_new_one(
    dump: Path, client: ChdbClient, tmp_path: Path, new_store: Any
) -> None:
    for statement in _statements(dump):
        client.command(statement)
    store = ClickHouseStore(client, str(tmp_path))
    tables = _layout(store)
    # The one difference kept on purpose: a store of schema 6 to 11 is given
    # its filings' counts_given with DEFAULT 2 ("stored before"), which its
    # filings written before read; a new store's filings always name it.
    filings = tables.get("topic_filings", "")
    tables["topic_filings"] = filings.replace(
        "`counts_given` UInt8 DEFAULT 2,", "`counts_given` UInt8,"
    )
    assert tables == new_store[0]
    assert _meta(store) == new_store[1]
    # Opened again, it is current: nothing is made or changed.
    assert _layout(ClickHouseStore(client, str(tmp_path))) == _layout(store)


class _StopsAfter:
    """A chDB client whose process is killed (``KeyboardInterrupt``, which
    nothing catches) before its ``n``-th statement or insert."""

    shared = False

    def __init__(self, client: ChdbClient, n: int) -> None:
        self.client = client
        self.left = n

    def _step(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        return self.client.rows(sql, params)

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._step()
        self.client.command(sql, params)

    def insert(self, table: str, rows: Any, **kwargs: Any) -> None:
        self._step()
        self.client.insert(table, rows, **kwargs)

    def close(self) -> None:
        self.client.close()


# Stopped after its "filling" marks, before posts; and between a rollup
# and its view.
@pytest.mark.parametrize("stop", [2, 16])
def test_a_new_store_stopped_while_made_is_made_whole_by_the_next_open(
    stop: int, client: ChdbClient, tmp_path: Path, new_store: Any
) -> None:
    with pytest.raises(KeyboardInterrupt):
        ClickHouseStore(_StopsAfter(client, stop), str(tmp_path))  # type: ignore[arg-type]
    store = ClickHouseStore(client, str(tmp_path))
    assert _layout(store) == new_store[0]
    assert _meta(store) == new_store[1]
