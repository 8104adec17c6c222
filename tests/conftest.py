"""Shared fixtures: workspaces in temporary folders, posts built by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from veille.models import Author, Engagement, Post
from veille.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def make_post(native_id: str = "1", text: str = "hello", **kw: Any) -> Post:
    """A post with sensible defaults; any field can be given."""
    kw.setdefault("platform", "mastodon")
    kw.setdefault("published_at", datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    kw.setdefault("author", Author("alice", followers=100))
    likes = kw.pop("likes", 0)
    kw.setdefault("engagement", Engagement(likes=likes))
    return Post.create(native_id=native_id, text=text, **kw)


def to_come(when: datetime) -> datetime:
    """``when`` (written for its own year) in the first year after this one
    where its day falls on the same weekday: a calendar post's time must be
    to come, and a date written into a test (24 December 2026) became a past
    one on the day it passed; the posts of a week stay in one week."""
    year = datetime.now(UTC).year
    while True:
        year += 1
        try:
            moved = when.replace(year=year)
        except ValueError:  # 29 February
            continue
        if moved.weekday() == when.weekday():
            return moved


def topic_figures(posts: Any, state: Any, name: str, end: datetime) -> tuple[int, ...]:
    """Saved topic ``name`` over the 90 days before ``end``, read where the
    posts are: its posts per day summed, its posts, engagement and reach as
    share of voice reads them, and as its dashboard's headline reads them."""
    from datetime import timedelta

    from veille.analytics.scope import Period
    from veille.analytics.topics import topic_scope
    from veille.analytics.tops import headline
    from veille.analytics.volume import grouped, volume
    from veille.store.split import joined

    period = Period(end - timedelta(days=90), end)
    store = joined(posts, state)
    scope = topic_scope(store, name)
    (totals,) = grouped(store, scope.during(period))
    figures = headline(store, scope, period)
    return (
        volume(store, scope, period).total,
        *map(int, totals),
        # Engagement or reach no post gave is unknown (None): read as 0 here,
        # where only their equality before and after matters.
        *(int(figures[f].value or 0) for f in ("posts", "engagement", "reach")),
    )


def sqlite_before(path: Path, before: int, *, foreign_keys: bool = False) -> Any:
    """An SQLite database at ``path`` as a veille whose migrations stopped
    below ``before`` left it (each applied, ``user_version`` the last): the
    open ``sqlite3`` connection, in autocommit, for the test to put in what
    such a veille stored (its foreign keys checked with ``foreign_keys``,
    from the first migration on, as veille's own connections do)."""
    import sqlite3

    from veille.store.sqlite.migrations import migrations

    conn = sqlite3.connect(path, isolation_level=None)
    if foreign_keys:
        conn.execute("PRAGMA foreign_keys = ON")
    for mig in migrations():
        if mig.number < before:
            mig.run(conn)
            conn.execute(f"PRAGMA user_version = {mig.number}")
    return conn


def postgres_before(url: str, before: int) -> Any:
    """The PostgreSQL schema at ``url`` as a veille whose migrations stopped
    below ``before`` left it, each recorded: the open ``psycopg`` connection,
    in autocommit (the caller closes it), for the test to put in what such
    a veille stored."""
    import psycopg

    from veille.store.postgres.migrations import migrations

    conn = psycopg.connect(url, autocommit=True)
    conn.execute(
        "CREATE TABLE veille_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    for mig in migrations():
        if mig.number < before:
            conn.execute(mig.sql)
            conn.execute(
                "INSERT INTO veille_schema (version, name) VALUES (%s, %s)", (mig.number, mig.name)
            )
    return conn


def old_database(path: Path, before: int, posts: list[Post]) -> None:
    """A database as a version that knew migrations up to ``before`` left it:
    its schema, and ``posts`` stored the way it stored them (keys in arrival
    order, one full-text row each)."""
    import sqlite3

    from veille.store.sqlite.migrations import migrations
    from veille.store.sqlite.rows import POST_COLUMNS, fts_row, post_to_row

    conn = sqlite3.connect(path, isolation_level=None)
    for m in migrations():
        if m.number < before:
            conn.executescript(f"BEGIN;{m.sql}\nPRAGMA user_version = {m.number};COMMIT;")
    # The columns of posts then (counts_given came with 0410).
    held = {r[1] for r in conn.execute("PRAGMA table_info(posts)")}
    kept = [i for i, c in enumerate(POST_COLUMNS) if c in held]
    columns = [POST_COLUMNS[i] for i in kept]
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [[row[i] for i in kept] for row in (post_to_row(p, n + 1) for n, p in enumerate(posts))],
    )
    conn.executemany(
        "INSERT INTO posts_fts (rowid, title, body) VALUES (?, ?, ?)",
        [fts_row(i + 1, p.title, p.text) for i, p in enumerate(posts)],
    )
    conn.execute("COMMIT")
    conn.close()


def posts_workspace(backend: str, root: Path) -> Path:
    """A new workspace at ``root``: everything in SQLite (``backend``
    "sqlite") or its posts in chDB ("chdb"; skipped where chDB is not
    installed)."""
    if backend == "chdb":
        pytest.importorskip("chdb")
        root.mkdir()
        (root / "veille.toml").write_text(
            '[store]\nposts = "chdb:///posts.chdb"\n', encoding="utf-8"
        )
    return init_workspace(root)


def keep_posts_days(root: Path, days: int = 10) -> Path:
    """``[privacy] retention_days = days`` in the workspace's veille.toml:
    veille keeps posts that many days. Returns ``root``."""
    toml = root / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    kept = f"retention_days = {days}"
    text = text.replace("# retention_days = 0", kept) if "[privacy]" in text else (
        f"{text}\n[privacy]\n{kept}\n"
    )  # fmt: skip
    toml.write_text(text, encoding="utf-8")
    return root


def retention_workspace(backend: str, root: Path, days: int = 10) -> Path:
    """:func:`posts_workspace` keeping posts ``days`` days."""
    return keep_posts_days(posts_workspace(backend, root), days)


def chdb_postgres_workspace(root: Path, request: pytest.FixtureRequest, scratch: Path) -> Path:
    """A new workspace at ``root`` laid out as a scaled-out deployment keeps
    it: posts in chDB, state in a fresh schema on the session's PostgreSQL
    (its folder for the schema's name: ``scratch``). Skipped without chDB."""
    pytest.importorskip("chdb")
    from veille.store.postgres.testing import fresh_schema_url

    root.mkdir()
    state = fresh_schema_url(request.getfixturevalue("postgres_url"), scratch)
    config = f'posts = "chdb:///posts.chdb"\nstate = "{state}"'
    (root / "veille.toml").write_text(f"[store]\n{config}\n", encoding="utf-8")
    return init_workspace(root)


@pytest.fixture(scope="session", autouse=True)
def user_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``$XDG_CACHE_HOME`` for this session (each worker's): veille keeps its
    compiled French catalogs and templates there (:mod:`veille.user_cache`),
    compiled once per session rather than at each ``create_app``, and never
    in the home folder of whoever runs the tests. Commands the tests start
    inherit it."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def notices_in_english() -> Iterator[None]:
    """A command run in this process for a French reader says the logged
    notices in French from then on (``say_notices_in`` filters the root
    logger's handlers and Python's last resort, as the one reader of a
    process wants): a test that ran one left a later test's log records
    in French. Each test ends with the notices in English again."""
    import sys

    yield
    if "veille.cli.common" in sys.modules:
        sys.modules["veille.cli.common"].say_notices_in("en")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``$XDG_CACHE_HOME`` for one test (the session's holds what
    earlier tests compiled): what veille keeps goes under ``cache / "veille"``
    (:func:`kept`)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def kept(cache: Path, pattern: str) -> list[Path]:
    """What veille keeps in the :func:`cache` fixture's folder matching
    ``pattern`` (``catalogs/*.mo``), by name."""
    return sorted((cache / "veille").glob(pattern))


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as ws:
        yield ws


@pytest.fixture(scope="session")
def memory_store() -> Iterator[Callable[[], Any]]:
    """Makes new, empty in-memory SQLite stores, each a copy of one made once
    per worker: making a new store takes ~20 ms of CPU (its schema played
    back, see ``veille.store.sqlite.newest``), copying its pages and opening
    the copy ~3 ms, and a property or fuzz test that wants a new store for
    each of its hundreds of examples tests the queries, not the making of a
    store (that has tests of its own). A copy is the same pages, opened with the
    settings and functions :meth:`SQLiteStore.open` gives a connection."""
    import sqlite3

    from veille.store.sqlite import SQLiteStore
    from veille.store.sqlite.store import _configure

    template = SQLiteStore.open(":memory:")

    def make() -> SQLiteStore:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        template.conn.backup(conn)
        _configure(conn, 10.0)
        return SQLiteStore(conn, ":memory:")

    try:
        yield make
    finally:
        template.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent (reference data ships only with the dev setup)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for this test session: ``$VEILLE_TEST_POSTGRES_URL``
    when set (CI may start one), else one started here in a temporary folder
    on a free loopback port (as an unprivileged user when run as root) and
    stopped at the end. Skips, saying why, where PostgreSQL is not installed.
    The URL is exported so the backend's ``test_url`` finds it."""
    import os

    from veille.store.postgres.backend import TEST_URL_ENV

    if os.environ.get(TEST_URL_ENV):
        yield os.environ[TEST_URL_ENV]
        return
    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    yield from _serving(TEST_URL_ENV, TestServer())


@pytest.fixture
def stoppable_postgres() -> Iterator[Any]:
    """A PostgreSQL server of this test's own, which it may stop and start
    again (its data kept in between, on the same port)."""
    import shutil
    import tempfile

    from veille.store.postgres.testing import TestServer, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    # Readable by the user PostgreSQL runs as (tmp_path may not be).
    folder = Path(tempfile.mkdtemp(prefix="veille-pg-"))
    server = TestServer(folder).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clickhouse_url() -> Iterator[str]:
    """A ClickHouse HTTP endpoint for this test session:
    ``$VEILLE_TEST_CLICKHOUSE_URL`` when set (a real server), else ClickHouse's
    HTTP interface over chDB in a process of its own on a loopback port
    (:mod:`veille.store.clickhouse.testing`), stopped at the end. Skips where
    chdb or clickhouse-connect is not installed. The URL is exported so the
    backend's ``test_url`` finds it."""
    import os

    from veille.store.clickhouse.testing import TEST_URL_ENV, TestServer

    if os.environ.get(TEST_URL_ENV):
        yield os.environ[TEST_URL_ENV]
        return
    for module in ("chdb", "clickhouse_connect"):
        pytest.importorskip(module, reason=f"{module} is not installed (the clickhouse extra)")
    yield from _serving(TEST_URL_ENV, TestServer())


def clickhouse_posts_url(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """A new ClickHouse posts store's URL: chDB in this process, in ``folder``
    (``kind`` ``chdb``), or a fresh database on the session's server over
    HTTP (``clickhouse``: :func:`clickhouse_url`), as production reaches one."""
    if kind == "chdb":
        return f"chdb:///{folder / 'posts.chdb'}"
    from veille.store.clickhouse.testing import fresh_database_url

    return fresh_database_url(request.getfixturevalue("clickhouse_url"), folder)


def _serving(env: str, server: Any) -> Iterator[str]:
    """``server`` (a test server: ``start``, ``url``, ``stop``) started for
    the session, its URL exported as ``env``, stopped at the end."""
    import os

    server.start()
    os.environ[env] = server.url
    try:
        yield server.url
    finally:
        os.environ.pop(env, None)
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite-state", "postgresql-state"])
def state_kind(request: pytest.FixtureRequest) -> str:
    """Which backend keeps the state of the workspaces a suite makes (see
    :func:`init_state_workspace`): suites of state domains (the inbox, the
    plan) run over both. PostgreSQL is the session's server (or a skip)."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    return str(request.param)


def init_state_workspace(folder: Path, state_kind: str) -> Path:
    """``init_workspace(folder)``, its state kept by ``state_kind``: the one
    SQLite file, or (``postgresql``) a fresh schema on the session's server
    while the posts stay in SQLite, as a split deployment keeps them."""
    import os

    root = init_workspace(folder)
    if state_kind == "postgresql":
        from veille.config import CONFIG_NAME
        from veille.store.postgres.backend import TEST_URL_ENV
        from veille.store.postgres.testing import fresh_schema_url

        url = fresh_schema_url(os.environ[TEST_URL_ENV], folder)
        config = root / CONFIG_NAME
        text = config.read_text(encoding="utf-8")
        split = f'posts = "sqlite:///veille.db"\nstate = "{url}"'
        assert '# posts = ""\n# state = ""' in text, "the [store] template changed"
        config.write_text(text.replace('# posts = ""\n# state = ""', split), encoding="utf-8")
    return root
