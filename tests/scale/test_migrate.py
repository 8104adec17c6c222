"""``veille store migrate``: a workspace's state from SQLite to PostgreSQL and
back, resumable, checked by counts and checksums per table."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import clickhouse_posts_url, make_post, topic_figures
from veille.alerts.model import Alert, AlertBook
from veille.cli import build_app
from veille.inbox.model import ItemChange, ItemFilter
from veille.inbox.rules import add_rule, make_rule
from veille.models import Author, Cursor
from veille.pipeline import build_pipeline
from veille.query.topics import add_topic
from veille.services.migrate import migrate_workspace
from veille.services.sources import add_source
from veille.store.protocols.plan import KPI, AccountSnapshot, Channel, CostItem, Objective
from veille.workspace import Workspace


def _fill(ws: Workspace) -> None:
    add_source(ws.state, "feeds", "https://example.org/feed.xml", name="news")
    add_topic(ws.state, "lumio", "lumio", inbox=True)
    AlertBook(ws.state).add(Alert(name="lamps", query="lamp", channel_url="atom:lamps.xml"))
    add_rule(ws.state, make_rule("lamps", query="lamp", actions=[("tag", "lamp")]))
    start = datetime(2026, 3, 1, tzinfo=UTC)
    posts = [
        make_post(str(i), f"Lumio lamp {i} is bright", published_at=start + timedelta(hours=i))
        for i in range(30)
    ]
    build_pipeline(ws, skip=("enrich",)).ingest(posts, cursor=Cursor("source:news", {"p": 3}))
    # The inbox: 30 items (tagged and noted by the rule), a reply, a team, a view.
    st = ws.state
    first = st.inbox_items(ItemFilter(limit=1))[0]
    st.change_inbox_item(first.id, ItemChange({"assignee": "mia"}), version=None, at=100)
    reply = st.add_inbox_reply(first.id, "mia", "Merci !", "sending", 110)
    st.finish_inbox_reply(reply, status="sent", at=120, remote_id="r1")
    st.set_inbox_team("care", ["mia", "leo"])
    st.save_view("mia", "mine", {"assignee": "mia"})
    st.save_canned("thanks", "fr", "Merci beaucoup")
    st.set_inbox_settings({"working_hours": "08:00-16:00"})
    # The plan, and the key pseudonyms are made with.
    st.save_objective(Objective("Service", "customer_service", topics=("lumio",)))
    st.save_kpi(KPI("volume", "mentions", 12.5, topic="lumio", baseline=3.0, set_at=start))
    version = st.add_guidelines("Be kind", "Soyez aimables", "mia", start)
    st.acknowledge_guidelines("leo", version, start)
    st.save_channel(Channel("mastodon", ("Service",), posts_per_week=3.5, languages=("fr",)))
    st.save_cost(CostItem("ads", 19.9))
    st.set_plan_setting("currency", "EUR")
    st.save_account_snapshot(AccountSnapshot("mastodon", "lumio_hq", date(2026, 3, 1), 10))
    st.privacy_key()


# Rows per table _fill leaves in the inbox, the plan and the privacy key.
INBOX_AND_PLAN = {
    "inbox_items": 30, "inbox_labels": 30, "inbox_events": 30, "inbox_replies": 1,
    "inbox_rules": 1, "inbox_topics": 1, "inbox_team_members": 2, "inbox_views": 1,
    "inbox_canned": 1, "inbox_settings": 1, "plan_objectives": 1, "plan_kpis": 1,
    "plan_guidelines": 1,
    "plan_acknowledgements": 1, "plan_channels": 1, "plan_costs": 1, "plan_settings": 1,
    "account_snapshots": 1, "privacy_key": 1,
}  # fmt: skip


@pytest.mark.parametrize("page", [5000, 7], ids=["one page", "pages of 7"])
def test_state_to_postgresql_and_back(
    workspace: Workspace, state_url: str, tmp_path: Path, page: int, monkeypatch: Any
) -> None:
    # Pages of 7 rows: every table of 30 rows is read from a position, page
    # after page, each way (SQLite to PostgreSQL, then back).
    monkeypatch.setattr("veille.services.migrate.PAGE", page)
    _fill(workspace)
    first_id = workspace.state.inbox_items(ItemFilter(limit=1))[0].id
    report = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert report.ok, report.checks
    tables = {c.table: c for c in report.checks}
    assert tables["deliveries"].rows_to == 30 and tables["post_topics"].rows_to == 30
    assert tables["alerts"].rows_to == 1 and tables["sources"].rows_to == 1
    assert {t: tables[t].rows_to for t in INBOX_AND_PLAN} == INBOX_AND_PLAN
    # A rerun finds every table equal and copies nothing.
    again = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert again.ok and sum(c.copied for c in again.checks) == 0

    # The copy works as the workspace's state: sequences continue after the ids.
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "sqlite:///veille.db"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    with Workspace.open(workspace.root) as split:
        cur = split.state.get_cursor("source:news")
        assert cur is not None and dict(cur.value) == {"p": 3}
        assert split.state.topic("lumio") is not None
        new = AlertBook(split.state).add(Alert(name="more", query="x", channel_url="atom:x.xml"))
        assert new.id == 2
        # The inbox and the plan read back as they were written, and go on.
        assert split.state.count_inbox_items(ItemFilter(tags=("lamp",))) == 30
        assert split.state.inbox_item(first_id) == workspace.state.inbox_item(first_id)
        assert split.state.inbox_replies(first_id) == workspace.state.inbox_replies(first_id)
        assert split.state.inbox_teams() == {"care": ["mia", "leo"]}
        assert split.state.inbox_settings() == {"working_hours": "08:00-16:00"}
        assert split.state.plan_kpis() == workspace.state.plan_kpis()
        assert split.state.plan_channels() == workspace.state.plan_channels()
        assert split.state.privacy_key() == workspace.state.privacy_key()
        assert (
            split.state.add_guidelines("Be kinder", "Plus aimables", "mia", datetime.now(UTC)) == 2
        )
        assert split.state.add_inbox_reply(first_id, "leo", "Encore", "sending", 130) == 2
        # And back, posts and state together, into one new SQLite file.
        back = tmp_path / "back.db"
        out = migrate_workspace(split, posts_url=f"sqlite:///{back}", state_url=f"sqlite:///{back}")
        assert out.ok, out.checks
        assert {c.table: c.rows_to for c in out.checks}["posts"] == 30
        assert {c.table: c.rows_to for c in out.checks}["alerts"] == 2
        back_rows = {c.table: c.rows_to for c in out.checks}
        assert back_rows["plan_guidelines"] == 2 and back_rows["inbox_replies"] == 2
        assert back_rows["inbox_items"] == 30 and back_rows["privacy_key"] == 1


def test_rows_changed_since_a_copy_are_updated_in_it(workspace: Workspace, state_url: str) -> None:
    """A second migrate copies a table that changed again: its rows already
    there are updated by their key (PostgreSQL: a page through COPY, then one
    upsert), the others added."""
    from veille.store.registry import open_store

    _fill(workspace)
    assert migrate_workspace(workspace, posts_url=None, state_url=state_url).ok
    with workspace.store.transaction() as tx:
        tx.set_cursor(Cursor("source:news", {"p": 4}))
        tx.set_cursor(Cursor("source:other", {"p": 1}))
    again = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert again.ok, again.checks
    assert {c.table: c.copied for c in again.checks}["cursors"] == 2
    pg = open_store(state_url, role="state", root=workspace.root)
    try:
        assert dict(pg.get_cursor("source:news").value) == {"p": 4}
        assert dict(pg.get_cursor("source:other").value) == {"p": 1}
    finally:
        pg.close()


def test_the_command_prints_each_table(workspace: Workspace, state_url: str) -> None:
    _fill(workspace)
    result = CliRunner().invoke(
        build_app(),
        ["store", "migrate", "--to", state_url, "-w", str(workspace.root), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state_url"] == state_url
    assert all(c["sum_from"] == c["sum_to"] for c in data["checks"])
    bad = CliRunner().invoke(build_app(), ["store", "migrate", "-w", str(workspace.root)])
    assert bad.exit_code == 2 and "--to URL" in bad.output
    plain = CliRunner().invoke(
        build_app(), ["store", "migrate", "--to", state_url, "-w", str(workspace.root)]
    )
    assert plain.exit_code == 0, plain.output
    # SQLite's own bookkeeping is not workspace data: no warning about it.
    assert "keeps no such table" not in plain.output
    assert "schema_migrations: the source's own bookkeeping; not copied" in plain.output


def test_pseudonyms_stay_the_same_after_the_state_moves(
    workspace: Workspace, state_url: str
) -> None:
    _fill(workspace)
    app, runner = build_app(), CliRunner()

    def export() -> str:
        args = ["export", "--pseudonymize", "-w", str(workspace.root)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return result.stdout

    before = export()
    assert migrate_workspace(workspace, posts_url=None, state_url=state_url).ok
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "sqlite:///veille.db"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    after = export()  # the key now read from PostgreSQL
    assert after == before and "alice" not in after
    log = runner.invoke(app, ["privacy", "log", "-w", str(workspace.root)])
    assert log.exit_code == 0, log.output


def _erased_claire(workspace: Workspace) -> list[Any]:
    """Three posts of Claire's and one of Bob's ingested, then Claire erased:
    her posts, which a feed may serve again."""
    from veille.services.privacy import erase_author

    when = datetime(2026, 3, 1, tzinfo=UTC)
    theirs = [make_post(f"c{i}", "Lumio lamp", author=Author("claire"), published_at=when)
              for i in range(3)]  # fmt: skip
    build_pipeline(workspace, skip=("enrich",)).ingest(
        [*theirs, make_post("b1", "Lumio lamp", author=Author("bob"), published_at=when)]
    )
    erase_author(workspace, "claire")
    return theirs


def _there_and_back(workspace: Workspace, url: str, back_url: str, theirs: list[Any]) -> None:
    """Moves the posts to ``url`` (five forgotten rows and Bob's post
    checked), opens the workspace on it, checks her posts are refused there,
    those she publishes later too (her objection moved with them), and moves
    them on to ``back_url``."""
    report = migrate_workspace(workspace, posts_url=url, state_url=None)
    assert report.ok, report.checks
    checks = {c.table: c for c in report.checks}
    # Her, her objection to further processing, her 3 posts.
    assert checks["forgotten"].rows_to == 5 and checks["posts"].rows_to == 1
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
    )
    with Workspace.open(workspace.root) as moved:
        assert moved.posts.upsert_posts(theirs).new == []
        now = datetime.now(UTC) + timedelta(hours=1)  # published after the erasure
        later = make_post("c9", "Lumio lamp", author=Author("claire"), published_at=now)
        assert moved.posts.upsert_posts([later]).refused == ["mastodon:c9"]
        assert moved.posts.count_posts() == 1
        report = migrate_workspace(moved, posts_url=back_url, state_url=None)
        assert report.ok, report.checks


@pytest.fixture(params=["chdb", "clickhouse"])
def clickhouse_posts(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new ClickHouse posts store's URL: chDB in this process, or a
    database on the session's server over HTTP (tests/conftest.py)."""
    pytest.importorskip("chdb")
    return clickhouse_posts_url(request.param, tmp_path, request)


def test_what_an_erasure_forgot_moves_with_the_posts(
    workspace: Workspace, tmp_path: Path, clickhouse_posts: str
) -> None:
    """SQLite -> ClickHouse -> SQLite: in each new store, the erased person's
    posts served again (a feed still serving them) are not stored again."""
    from veille.store.registry import open_store

    theirs = _erased_claire(workspace)
    chdb_url, back_url = clickhouse_posts, f"sqlite:///{tmp_path / 'back.db'}"
    _there_and_back(workspace, chdb_url, back_url, theirs)
    back = open_store(back_url, role="posts", root=tmp_path)
    try:
        assert back.upsert_posts(theirs).new == []
        assert back.count_posts() == 1
    finally:
        back.close()


def test_what_an_erasure_forgot_moves_to_and_from_a_served_store(
    workspace: Workspace, tmp_path: Path
) -> None:
    """SQLite -> a posts store served by ``veille store serve-posts``
    (``veille+http``) -> SQLite: the record of whom an erasure forgot goes
    through the endpoint both ways, and neither new store takes her posts again."""
    from veille.store.registry import open_store
    from veille.store.remote.server import PostServer

    theirs = _erased_claire(workspace)
    served = open_store(f"sqlite:///{tmp_path / 'served.db'}", role="posts", root=tmp_path)
    server = PostServer(served).start()
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    try:
        report = migrate_workspace(workspace, posts_url=server.url, state_url=None)
        assert report.ok, report.checks
        again = migrate_workspace(workspace, posts_url=server.url, state_url=None)
        assert {c.table: c for c in again.checks}["forgotten"].copied == 0
        _there_and_back(workspace, server.url, back_url, theirs)
    finally:
        server.stop()
        served.close()
    back = open_store(back_url, role="posts", root=tmp_path)
    try:
        assert len(back.forgotten_records()) == 5
        assert back.upsert_posts(theirs).new == []
        assert back.count_posts() == 1
    finally:
        back.close()


def _topic_figures(ws: Workspace) -> tuple[int, ...]:
    """The topic ``lumio`` over the last 90 days (:func:`topic_figures`)."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return topic_figures(ws.posts, ws.state, "lumio", end)


def test_a_topic_counts_its_purged_posts_in_the_new_store(
    workspace: Workspace, tmp_path: Path, clickhouse_posts: str
) -> None:
    """A retention purge leaves a saved topic's volume and share of voice as
    they were; SQLite -> ClickHouse -> SQLite, each new store (which files
    only the posts it holds) shows the same figures."""
    from veille.models import Author

    add_topic(workspace.state, "lumio", "lumio")
    now = datetime.now(UTC)
    posts = [
        make_post(f"{i}", f"Lumio lamp {i}", likes=i, author=Author(f"u{i % 3}", followers=10 * i),
                  published_at=now - timedelta(days=4 * i, minutes=7 * i))
        for i in range(1, 16)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("enrich",)).ingest(posts)
    before = _topic_figures(workspace)
    assert before[0] == 15
    assert workspace.posts.purge_posts_before(now - timedelta(days=30)).posts == 8
    assert _topic_figures(workspace) == before  # SQLite's topic rollup keeps them
    chdb_url, back_url = clickhouse_posts, f"sqlite:///{tmp_path / 'back.db'}"
    report = migrate_workspace(workspace, posts_url=chdb_url, state_url=None)
    assert report.ok, report.checks
    assert {c.table: c for c in report.checks}["topic_purged"].rows_to == 8
    for url in (chdb_url, back_url):
        (workspace.root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
        )
        with Workspace.open(workspace.root) as moved:
            assert moved.posts.count_posts() == 7
            assert _topic_figures(moved) == before
            if url == chdb_url:
                report = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert report.ok, report.checks
                # Again: the back store already counts them.
                again = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert {c.table: c for c in again.checks}["topic_purged"].copied == 0
    # A posts store served by veille+http gives and takes them too.
    from veille.store.registry import open_store
    from veille.store.remote.server import PostServer

    back = open_store(back_url, role="posts", root=tmp_path)
    server = PostServer(back).start()
    try:
        served = open_store(server.url, role="posts", root=tmp_path)
        purged = back.purged_topic_totals()
        assert len(purged) == 8 and served.purged_topic_totals() == purged
        # A row of an older veille (no sentiment) reads with none.
        served.add_purged_topic_totals([(purged[0][0], 1, 2, 3, 4, 1, 2)])
        assert back.purged_topic_totals() == [(purged[0][0], 1, 2, 3, 4, 1, 2, 0, 0, 0), *purged]
        served.close()
    finally:
        server.stop()
        back.close()


def test_a_resumed_copy_that_does_not_match_copies_every_post_again(
    workspace: Workspace, tmp_path: Path
) -> None:
    """The checkpoint resumes after the newest post copied: a post older than
    it stored since, or a target emptied, made every later run 'DIFFERENT'
    with no way out. Such a run now copies every post again and matches."""
    posts = [make_post(f"m{i}", f"fibre {i}", published_at=datetime(2026, 3, 1 + i, tzinfo=UTC))
             for i in range(5)]  # fmt: skip
    workspace.posts.upsert_posts(posts)
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    assert migrate_workspace(workspace, posts_url=url, state_url=None).ok
    older = make_post("old", "fibre older", published_at=datetime(2026, 1, 1, tzinfo=UTC))
    workspace.posts.upsert_posts([older])
    again = migrate_workspace(workspace, posts_url=url, state_url=None)
    assert again.ok, again.checks
    (tmp_path / "copy.db").unlink()  # the target emptied: a new store at the same address
    fresh = migrate_workspace(workspace, posts_url=url, state_url=None)
    assert fresh.ok and {c.table: c.rows_to for c in fresh.checks}["posts"] == 6


def test_a_target_holding_posts_this_workspace_has_not_is_said_so(
    workspace: Workspace, tmp_path: Path
) -> None:
    from veille.store.registry import open_store

    workspace.posts.upsert_posts([make_post("a", "fibre a")])
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    earlier = open_store(url, role="posts", root=tmp_path)
    earlier.upsert_posts([make_post("gone", "fibre erased since")])
    earlier.close()
    result = CliRunner().invoke(
        build_app(), ["store", "migrate", "--posts", url, "-w", str(workspace.root)]
    )
    assert result.exit_code == 1
    assert "the target holds 1 more row than this workspace" in result.output
    assert "run the command again" not in result.output


def test_api_tokens_move_with_their_scope_and_expiry(workspace: Workspace, state_url: str) -> None:
    """Tokens' scopes and expiries (SQLite 0440, PostgreSQL 0040) are state:
    a read token moved to PostgreSQL stays a read token, and expires when it
    did (a token that came back wider would be a hole)."""
    from veille.services import tokens, users

    users.add_user(workspace.state, "bi", "correct-horse-42", "analyst")
    until = datetime(2099, 1, 31, tzinfo=UTC)
    made, secret = tokens.create_token(
        workspace.state, "bi", "dash", scope="read", expires_at=until
    )
    tokens.count_token_request(workspace.state, made, 600)
    report = migrate_workspace(workspace, posts_url=None, state_url=state_url)
    assert report.ok, report.checks
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "sqlite:///veille.db"\nstate = "{state_url}"\n', encoding="utf-8"
    )
    with Workspace.open(workspace.root) as split:
        (moved,) = tokens.list_tokens(split.state)
        assert (moved.scope, moved.expires_at, moved.name) == ("read", until, "dash")
        access = tokens.token_access(split.state, secret)
        assert access.user is not None and access.token is not None
        assert access.token.scope == "read"


def _workspace_figures(ws: Workspace) -> tuple[Any, ...]:
    """The whole workspace over the last 100 days, as its dashboard and
    reports read it: posts by day, by platform and by language, and the
    headline's posts, engagement and reach; with the topic ``lumio``'s."""
    from veille.analytics.scope import Period, Scope
    from veille.analytics.tops import headline
    from veille.analytics.volume import breakdown, volume
    from veille.store.split import joined

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    period, store = Period(end - timedelta(days=100), end), joined(ws.posts, ws.state)
    figures = headline(store, Scope(), period)
    return (
        [(p.start, p.posts) for p in volume(store, Scope(), period).points],
        breakdown(store, Scope(), period, "platform"),
        breakdown(store, Scope(), period, "lang"),
        [figures[f].value for f in ("posts", "engagement", "reach")],
        topic_figures(ws.posts, ws.state, "lumio", end),
    )


def test_the_figures_a_purge_kept_move_with_the_posts(
    workspace: Workspace, tmp_path: Path, clickhouse_posts: str
) -> None:
    """Three months of posts, retention purges the oldest: after a move to
    ClickHouse and back to SQLite, the volume by day, platform and language,
    the headline and a topic's volume over the whole period read as before
    (the new store rebuilt its rollups from the posts it holds: the purged
    month read zero)."""
    add_topic(workspace.state, "lumio", "lumio")
    now = datetime.now(UTC)
    posts = [
        make_post(f"{i}", f"Lumio lamp {i}" if i % 2 else f"Other lamp {i}", likes=i,
                  platform=("mastodon", "bluesky", "reddit")[i % 3], lang=("en", "fr")[i % 2],
                  author=Author(f"u{i % 4}", followers=10 * i),
                  published_at=now - timedelta(days=3 * i, minutes=11 * i))
        for i in range(1, 30)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("enrich",)).ingest(posts)
    before = _workspace_figures(workspace)
    assert before[3][0] == 29
    purged = workspace.posts.purge_posts_before(now - timedelta(days=60)).posts
    assert purged == 10
    assert _workspace_figures(workspace) == before  # SQLite's rollups keep them
    chdb_url, back_url = clickhouse_posts, f"sqlite:///{tmp_path / 'back.db'}"
    report = migrate_workspace(workspace, posts_url=chdb_url, state_url=None)
    assert report.ok, report.checks
    first = {c.table: c for c in report.checks}
    for url in (chdb_url, back_url):
        (workspace.root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "sqlite:///veille.db"\n', encoding="utf-8"
        )
        with Workspace.open(workspace.root) as moved:
            assert moved.posts.count_posts() == 19
            assert _workspace_figures(moved) == before, url
            if url == chdb_url:
                report = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert report.ok, report.checks
                # Again: the back store already counts them.
                again = migrate_workspace(moved, posts_url=back_url, state_url=None)
                assert {c.table: c for c in again.checks}["post_rollup"].copied == 0
    # The move checked them like the other tables.
    assert first["post_rollup"].copied > 0 and first["post_rollup"].ok
    # A posts store served by veille+http gives and takes them too.
    from veille.store.registry import open_store
    from veille.store.remote.server import PostServer

    back = open_store(back_url, role="posts", root=tmp_path)
    server = PostServer(back).start()
    try:
        served = open_store(server.url, role="posts", root=tmp_path)
        kept = back.purged_rollup()
        assert sum(r[5] for r in kept) == 10 and served.purged_rollup() == kept
        served.add_purged_rollup([(1, "mastodon", "en", "FR", "positive", 2, 3, 4, 1, 1)])
        assert back.purged_rollup() == [(1, "mastodon", "en", "FR", "positive", 2, 3, 4, 1, 1),
                                        *kept]  # fmt: skip
        assert served.purged_authors() == back.purged_authors()
        served.add_purged_authors([(0, "mastodon", "zoe", 2, 3, 40, "Zoé")])
        assert back.purged_authors()[0] == (0, "mastodon", "zoe", 2, 3, 40, "Zoé")
        served.add_purged_entities([("hashtags", 0, "lumio", 2, 3)])
        assert (
            served.purged_entities() == back.purged_entities() == [("hashtags", 0, "lumio", 2, 3)]
        )
        served.close()
    finally:
        server.stop()
        back.close()


def _read_by_cli(root: Path, period: str) -> dict[str, Any]:
    """What a user reads of ``period`` with the CLI's JSON: posts by country
    and by sentiment, top authors, hashtags and link domains."""
    asks = {
        "country": ["volume", "--by", "country"],
        "sentiment": ["volume", "--by", "sentiment"],
        "country+platform": ["volume", "--by", "country", "--platform", "bluesky"],
        "authors": ["top", "authors"],
        "hashtags": ["top", "hashtags"],
        "domains": ["top", "domains"],
    }
    read: dict[str, Any] = {}
    for name, args in asks.items():
        result = CliRunner().invoke(
            build_app(),
            [*args, "-w", str(root), "--period", period, "--format", "json", "--limit", "50"]
            if args[0] == "top"
            else [*args, "-w", str(root), "--period", period, "--format", "json"],
        )
        assert result.exit_code == 0, (name, result.output)
        # Every row (the limit is above their number); rows tied on the
        # ranking come in a backend's own order.
        read[name] = sorted(json.loads(result.output), key=json.dumps)
    return read


def test_a_move_after_a_purge_keeps_country_sentiment_and_entities(
    workspace: Workspace, tmp_path: Path, clickhouse_posts: str, state_url: str
) -> None:
    """Posts over three months, a retention purge of the oldest six weeks
    (to 13:00 of a day), then a move to ClickHouse and PostgreSQL (resumed
    after a move killed half-way) and back to SQLite (run twice): over the purged month
    and the whole period, the CLI's volume by country and by sentiment (alone
    and of one platform), top authors, hashtags and domains read as before
    the move. Before, a move read every purged post's country and sentiment
    as unknown, the purged months' hashtags and domains as none, and the
    cutoff day's authors without their purged posts."""
    from veille.models import Sentiment
    from veille.store.registry import open_store

    start = datetime(2026, 1, 1, tzinfo=UTC)
    moods = ("positive", "negative", "neutral", None)
    posts = [
        make_post(f"{i}", f"Lamp {i}", likes=i % 7,
                  platform=("mastodon", "bluesky", "reddit")[i % 3], lang=("en", "fr")[i % 2],
                  country=("FR", "CA", None, "BE")[i % 4 if i % 5 else 2],
                  sentiment=None if moods[i % 4] is None else Sentiment(moods[i % 4]),
                  hashtags=(("Lumio", "lamps") if i % 3 else ("Lumio",)),
                  links=(f"https://{('a.example', 'b.example')[i % 2]}/{i}",),
                  author=Author(f"u{i % 4}", followers=10 * i),
                  published_at=start + timedelta(hours=19 * i, minutes=7 * i))
        for i in range(110)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("enrich",)).ingest(posts)
    periods = ("2026-01-01..2026-01-31", "2026-01-01..2026-03-31")
    purged = workspace.posts.purge_posts_before(datetime(2026, 2, 12, 13, tzinfo=UTC)).posts
    assert 40 < purged < 100
    before = {p: _read_by_cli(workspace.root, p) for p in periods}
    assert {r["key"] for r in before[periods[0]]["country"]} == {"FR", "CA", "BE"}
    assert before[periods[0]]["hashtags"] and before[periods[0]]["domains"]
    chdb_url, back_url = clickhouse_posts, f"sqlite:///{tmp_path / 'back.db'}"
    # A move killed half-way: every other row of each written to the target.
    if hasattr(workspace.posts, "purged_authors"):
        target = open_store(chdb_url, role="posts", root=tmp_path)
        for what in ("purged_rollup", "purged_entities", "purged_authors"):
            getattr(target, f"add_{what}")(getattr(workspace.posts, what)()[1::2])
        target.close()
    report = migrate_workspace(workspace, posts_url=chdb_url, state_url=state_url)
    assert report.ok, report.checks
    checks = {c.table: c for c in report.checks}
    for url, state in ((chdb_url, state_url), (back_url, back_url)):
        (workspace.root / "veille.toml").write_text(
            f'[store]\nposts = "{url}"\nstate = "{state}"\n', encoding="utf-8"
        )
        for p in periods:
            now = _read_by_cli(workspace.root, p)
            for k in now:
                assert now[k] == before[p][k], (url, p, k, now[k], before[p][k])
        if url == chdb_url:
            with Workspace.open(workspace.root) as moved:
                report = migrate_workspace(moved, posts_url=back_url, state_url=back_url)
                assert report.ok, report.checks
                # Again (a move killed and run again): nothing is counted twice.
                again = migrate_workspace(moved, posts_url=back_url, state_url=back_url)
                for table in ("post_rollup", "entity_rollup", "author_rollup"):
                    check = {c.table: c for c in again.checks}[table]
                    assert check.copied == 0 and check.ok, check
    # The move carried them, and checked them like the other tables.
    for table in ("post_rollup", "entity_rollup", "author_rollup"):
        assert checks[table].copied > 0 and checks[table].ok, checks[table]


def test_a_three_dimension_question_over_purged_months_reads_the_same_after_a_move(
    workspace: Workspace, tmp_path: Path, clickhouse_posts: str
) -> None:
    """Many posts in each quarter-hour, mixing platforms, languages,
    countries and sentiments, a purge, a move SQLite -> ClickHouse: one
    platform's and language's volume by country (and by sentiment) reads in
    the CLI's JSON as before the move, never negative. SQLite keeps a purge's
    figures per dimension and pair only, so it answers a question fixing
    three from the posts kept; ClickHouse read the combinations rebuilt from
    those pairs, which differed and could be negative."""
    import httpx

    from tests.web.server import add_role_users, serve
    from veille.models import Sentiment

    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    moods = ("positive", "negative", "neutral", None)
    posts = [
        make_post(f"{d}-{i}", f"Lamp {d} {i}",
                  platform=("mastodon", "bluesky", "reddit")[(i * 7 + d) % 3],
                  lang=("en", "fr")[(i // 2 + d) % 2],
                  country=("FR", "CA", None, "BE")[(i * 5 + d) % 4],
                  sentiment=None if moods[(i + i // 3 + d) % 4] is None
                  else Sentiment(moods[(i + i // 3 + d) % 4]),
                  published_at=start + timedelta(days=d, seconds=i))
        for d in range(10)
        for i in range(24)
    ]  # fmt: skip
    build_pipeline(workspace, skip=("enrich",)).ingest(posts)
    assert workspace.posts.purge_posts_before(start + timedelta(days=6)).posts == 6 * 24
    asks = {
        "country": ["volume", "--platform", "bluesky", "--lang", "fr", "--by", "country"],
        "sentiment": ["volume", "--platform", "mastodon", "--lang", "en", "--by", "sentiment"],
    }

    def read() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for period in ("2026-01-01..2026-01-10", "2026-01-01..2026-01-31"):
            for name, args in asks.items():
                result = CliRunner().invoke(
                    build_app(),
                    [*args, "-w", str(workspace.root), "--period", period, "--format", "json"],
                )
                assert result.exit_code == 0, (name, result.output)
                rows = sorted(json.loads(result.output), key=json.dumps)
                assert all(r["posts"] >= 0 for r in rows), (name, period, rows)
                out[f"{name} {period}"] = rows
        # The API over HTTP: the breakdown, and the net sentiment per day.
        tokens = add_role_users(workspace.root)
        with (
            serve(workspace.root) as server,
            httpx.Client(
                timeout=60,
                base_url=server.url,
                headers={"Authorization": f"Bearer {tokens['admin']}"},
            ) as api,
        ):
            for path, extra in (("breakdown", {"by": "country"}), ("volume", {})):
                r = api.get(
                    f"/api/v1/analytics/{path}",
                    params={"platform": "mastodon", "lang": "en",
                            "period": "2026-01-01..2026-01-31", **extra},
                )  # fmt: skip
                assert r.status_code == 200, r.text
                out[path] = r.json()
        return out

    before = read()
    assert before["country 2026-01-01..2026-01-31"], before
    _posts, state = workspace.settings.store.urls()
    report = migrate_workspace(workspace, posts_url=clickhouse_posts, state_url=None)
    assert report.ok, report.checks
    (workspace.root / "veille.toml").write_text(
        f'[store]\nposts = "{clickhouse_posts}"\nstate = "{state}"\n', encoding="utf-8"
    )
    assert read() == before
