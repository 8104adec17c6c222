"""A workspace whose posts are in chDB and whose state is in PostgreSQL gives
the figures that one SQLite file gives for the same collection.

Both workspaces collect the demo's sources from the simulator (same seed,
same end, one source after another so that the posts come in the same order
and form the same story clusters), with the demo's topics and alert plus a
"best" daily digest and a report alert. Then the CLI (search, stats, volume,
share of voice, influencers, trends, tops, a report, topic tests), the alert
outbox and the web app (dashboard, stream and its export, trends,
influencers, reports, inbox, the REST API's search and analytics) are run
on each, and their answers compared; last, a sentiment correction.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from veille.alerts.model import Alert, AlertBook
from veille.cli import build_app
from veille.config import CONFIG_NAME, TEMPLATE
from veille.demo import _set_organization, add_demo_topics_and_alert, collect_from_simulator
from veille.workspace import Workspace

pytestmark = pytest.mark.slow

try:
    import chdb  # noqa: F401

    POSTS_URL = "chdb:///posts"
except ImportError:  # the same split, posts in a SQLite file of their own
    POSTS_URL = "sqlite:///posts.db"

END = datetime(2026, 3, 20, tzinfo=UTC)
DAYS = 3
PERIOD = "2026-03-17..2026-03-19"
KINDS = ("sqlite", "split")


def _config(root: Path, posts: str | None = None, state: str | None = None) -> None:
    text = TEMPLATE
    if posts and state:
        text = text.replace('# posts = ""', f'posts = "{posts}"')
        text = text.replace('# state = ""', f'state = "{state}"')
    root.mkdir(parents=True)
    (root / CONFIG_NAME).write_text(text, encoding="utf-8")
    _set_organization(root)


def _collect(root: Path, days: int = DAYS) -> int:
    with Workspace.open(root) as ws:
        add_demo_topics_and_alert(ws)
        book = AlertBook(ws.state)
        book.add(
            Alert(
                name="outage-digest", query="panne OR outage", frequency="daily", mode="best",
                channel_url=f"atom:{root / 'alerts' / 'digest.atom'}",
            )
        )  # fmt: skip
        book.add(
            Alert(
                name="lumio-report", kind="report", topic="lumio", frequency="daily",
                params={"period": "last-7d"}, channel_url=f"atom:{root / 'alerts' / 'r.atom'}",
            )
        )  # fmt: skip
        return collect_from_simulator(ws, seed=42, days=days, end=END, max_workers=1)


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> dict[str, Path]:
    """``sqlite``: one SQLite file; ``split``: posts in chDB, state in PostgreSQL."""
    from veille.store.postgres.testing import fresh_schema_url

    base = tmp_path_factory.mktemp("twins")
    roots = {"sqlite": base / "sqlite", "split": base / "split"}
    _config(roots["sqlite"])
    _config(roots["split"], POSTS_URL, fresh_schema_url(postgres_url, roots["split"]))
    new = {kind: _collect(root) for kind, root in roots.items()}
    assert new["sqlite"] == new["split"] > 500
    return roots


def test_the_split_workspace_keeps_posts_and_state_apart(twins: dict[str, Path]) -> None:
    from veille.store.postgres.store import PostgresStore

    with Workspace.open(twins["split"]) as split, Workspace.open(twins["sqlite"]) as one:
        assert isinstance(split.state, PostgresStore)
        assert split.posts is not split.state
        assert split.posts.count_posts() == one.posts.count_posts()
        # Cluster ids reach the posts store (they stayed in the state store's
        # signatures before): the same stories on both.
        clusters = {
            kind: {p.id: p.cluster_id for p in ws.posts.iter_posts()}
            for kind, ws in (("sqlite", one), ("split", split))
        }
    assert clusters["split"] == clusters["sqlite"]
    assert sum(1 for p, c in clusters["split"].items() if c and c != p) > 10


COMMANDS = [
    ["stats"],
    ["search", "lumio AND (panne OR outage)"],
    ["search", "vexa", "--sort", "engagement", "--limit", "5"],
    ["volume", "--period", PERIOD],
    ["volume", "--period", PERIOD, "--topic", "lumio", "--interval", "hour"],
    ["volume", "--period", PERIOD, "--by", "platform"],
    ["volume", "--period", PERIOD, "--query", "panne", "--by", "sentiment"],
    ["sov", "--period", PERIOD],
    ["influencers", "--period", PERIOD, "--topic", "lumio"],
    ["trends", "--period", PERIOD],
    ["top", "posts", "--period", PERIOD],
    ["top", "authors", "--period", PERIOD, "--topic", "vexa"],
    ["top", "hashtags", "--period", PERIOD],
    ["top", "stories", "--period", PERIOD, "--topic", "lumio"],
    ["topic", "test", "lumio"],
    ["alert", "list"],
]


def _cli(root: Path, args: list[str]) -> str:
    result = CliRunner().invoke(build_app(), [*args, "--workspace", str(root)])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_the_cli_answers_as_on_sqlite(twins: dict[str, Path], args: list[str]) -> None:
    out = {kind: _cli(root, args).replace(str(root), "WS") for kind, root in twins.items()}
    assert out["split"] == out["sqlite"]
    assert re.search(r"[1-9]", out["split"])  # figures, not an empty answer


def test_a_report_is_the_same(twins: dict[str, Path]) -> None:
    html = {}
    for kind, root in twins.items():
        _cli(root, ["report", "--topic", "lumio", "--period", PERIOD, "-o", str(root / "r.html")])
        # The time it was made (to the minute) is the one line allowed to differ.
        html[kind] = re.sub(
            # (Babel puts a narrow no-break space before AM/PM.)
            r"\d{1,2}:\d\d\s[AP]M \(UTC\)",
            "",
            (root / "r.html").read_text(encoding="utf-8"),
        )
    assert html["split"] == html["sqlite"]
    assert "lumio" in html["split"].lower()


def _entries(feed: Path) -> list[str]:
    return sorted(re.findall(r"<id>([^<]+)</id>", feed.read_text(encoding="utf-8"))[1:])


def test_alert_digests_and_reports_are_the_same(twins: dict[str, Path]) -> None:
    from veille.alerts.reports import test_delivery
    from veille.services.alerts import engine

    later = time.time() + 2 * 86400  # the digest is due the next day
    events, feeds = {}, {}
    for kind, root in twins.items():
        with Workspace.open(root) as ws, engine(ws) as eng:
            eng.dispatch(now=later)
            report = AlertBook(ws.state).get("lumio-report")
            events[kind] = test_delivery(eng, report, now=END.timestamp()).event
        feeds[kind] = {
            name: _entries(root / "alerts" / name) for name in ("lumio.atom", "digest.atom")
        }
    assert feeds["split"] == feeds["sqlite"]
    assert feeds["split"]["lumio.atom"] and feeds["split"]["digest.atom"]
    assert events["split"] == events["sqlite"]
    assert events["split"] is not None and events["split"]["headline"]["posts"]["value"] > 0


PAGES = [
    "/",
    f"/?period={PERIOD}",
    "/stream?q=lumio",
    "/stream?q=panne&sort=engagement&platform=mastodon",
    "/stream/count?q=lumio",
    "/stream/export?q=lumio&format=csv",
    "/trends",
    "/trends?topic=lumio",
    "/influencers",
    "/influencers?topic=lumio",
    "/reports",
    "/inbox",
]
API = [
    ("/api/v1/posts", {"q": "lumio AND panne", "limit": 50}),
    ("/api/v1/posts", {"q": "vexa", "sort": "engagement", "page": 2, "limit": 10}),
    ("/api/v1/analytics/volume", {"topic": "lumio", "period": PERIOD}),
    ("/api/v1/analytics/breakdown", {"by": "platform", "period": PERIOD}),
    ("/api/v1/analytics/sentiment", {"period": PERIOD}),
    ("/api/v1/analytics/share-of-voice", {"period": PERIOD}),
    ("/api/v1/analytics/influencers", {"topic": "lumio", "period": PERIOD}),
]
# What differs between two renderings of one page: per-session tokens and nonces.
_VOLATILE = re.compile(r'(csrf[^"]*"\s*(?:value|content)="[^"]+")|nonce="[^"]+"')


def _web(root: Path) -> Iterator[tuple[str, int, str]]:
    from tests.web.server import add_role_users, serve

    tokens = add_role_users(root)
    with serve(root) as server:
        cookie = server.session("admin")
        with httpx.Client(
            base_url=server.url, cookies={"veille_session": cookie}, timeout=60
        ) as web:
            for page in PAGES:
                r = web.get(page)
                yield page, r.status_code, _VOLATILE.sub("", r.text)
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['admin']}"}, timeout=60
        ) as api:
            for path, params in API:
                r = api.get(path, params=params)
                yield f"{path} {params}", r.status_code, r.text


def test_the_web_app_shows_what_it_shows_on_sqlite(twins: dict[str, Path]) -> None:
    seen = {kind: list(_web(root)) for kind, root in twins.items()}
    for (page, status, text), (_, status_split, text_split) in zip(
        seen["sqlite"], seen["split"], strict=True
    ):
        assert status == status_split == 200, page
        assert text_split == text, page


KPIS = [
    ("lumio-mentions", "mentions", {"topic": "lumio"}),
    ("lumio-voice", "share_of_voice", {"topic": "lumio", "compare": "vexa,orbita"}),
    ("lumio-sentiment", "net_sentiment", {"topic": "lumio"}),
    ("lumio-influencers", "influencers_engaged", {"topic": "lumio"}),
    ("mastodon-followers", "followers", {"platform": "mastodon"}),
    ("mastodon-engagement", "engagement", {"platform": "mastodon"}),
    ("mastodon-posts", "posts_published", {"platform": "mastodon"}),
    ("backlog", "backlog", {}),
]


def test_the_plan_measures_and_recommends_as_on_sqlite(twins: dict[str, Path]) -> None:
    """The plan's KPIs (values, baselines, statuses, histories) and its
    recommendations read posts, topics and the plan across both stores."""
    from veille.plan.kpis import add_kpi
    from veille.plan.recommend import recommendations
    from veille.plan.status import reports

    found = {}
    for kind, root in twins.items():
        with Workspace.open(root) as ws:
            for name, kpi_kind, options in KPIS:
                add_kpi(ws, name, kind=kpi_kind, target=10, period_days=2, now=END, **options)
            found[kind] = (
                [r.as_dict("fr") for r in reports(ws, now=END)],
                [(r.kind, r.text_en, r.text_fr, r.figures) for r in recommendations(ws, now=END)],
            )
    assert found["split"] == found["sqlite"]
    values = {r["name"]: r["value"] for r in found["split"][0]}
    assert values["lumio-mentions"] and values["lumio-voice"]
    assert found["split"][1]  # recommendations, not an empty list


def test_topic_test_after_an_edit_counts_the_same(twins: dict[str, Path]) -> None:
    """Last: it edits a topic. The split workspace has no post keys to
    compare, so gained and lost are counted by query; the same numbers."""
    from veille.query.topics import add_topic, edit_topic, test_topic

    found = {}
    for kind, root in twins.items():
        with Workspace.open(root) as ws:
            add_topic(ws.state, "outage", "panne")
            edit_topic(ws.state, "outage", "outage OR lumiodown")
            result = test_topic(ws.store, "outage", sample=0)
            found[kind] = (
                result.count,
                result.previous_count,
                result.gained_count,
                result.lost_count,
            )
    assert found["split"] == found["sqlite"]
    count, previous, gained, lost = found["split"]
    assert count and previous and gained and lost
    assert count - gained + lost == previous


def test_a_sentiment_correction_changes_the_same_figures(twins: dict[str, Path]) -> None:
    with Workspace.open(twins["sqlite"]) as ws:
        post = ws.posts.search("panne", sort="engagement", limit=1)[0]
    assert post.sentiment is not None and post.sentiment.label == "negative"
    for root in twins.values():
        _cli(root, ["sentiment", "correct", post.id, "positive"])
    args = ["volume", "--period", PERIOD, "--by", "sentiment"]
    assert _cli(twins["split"], args) == _cli(twins["sqlite"], args)
    with Workspace.open(twins["split"]) as ws:
        found = ws.posts.get_post(post.id)
        assert found is not None and found.sentiment is not None
        assert found.sentiment.label == "positive"
        assert [c.post_id for c in ws.state.list_corrections()] == [post.id]


def test_two_backends_refuse_a_write_over_both_by_name(twins: dict[str, Path]) -> None:
    from veille.errors import ConfigError

    with Workspace.open(twins["split"]) as ws:
        with pytest.raises(ConfigError, match="erase_author needs posts and state in one"):
            ws.store.erase_author("someone", None, subject="x")
        with pytest.raises(ConfigError, match="transaction needs posts and state in one"):
            ws.store.transaction()


def test_enrich_rerun_on_two_backends_gives_the_figures_of_one(twins: dict[str, Path]) -> None:
    """``veille enrich --rerun`` writes the posts, then clusters in the state
    (echoed to the posts store): the same answers as on one SQLite file, and
    the sentiment correction made above survives it on both."""
    for root in twins.values():
        assert "enriched" in _cli(root, ["enrich", "--rerun"]).lower()
    for args in (["stats"], ["top", "stories", "--period", PERIOD, "--topic", "lumio"],
                 ["volume", "--period", PERIOD, "--by", "sentiment"]):  # fmt: skip
        assert _cli(twins["split"], args) == _cli(twins["sqlite"], args)
    with Workspace.open(twins["split"]) as split, Workspace.open(twins["sqlite"]) as one:
        clusters = {
            kind: {p.id: p.cluster_id for p in ws.posts.iter_posts()}
            for kind, ws in (("sqlite", one), ("split", split))
        }
    assert clusters["split"] == clusters["sqlite"]


def test_the_plan_page_shows_what_it_shows_on_sqlite(twins: dict[str, Path]) -> None:
    """The plan's page (its KPIs' values, charts and reasons, where the
    audience is, the recommendations), kept a minute for every viewer, says
    the same over chDB + PostgreSQL as over SQLite: KPIs over a year, so
    that their windows hold the posts of March."""
    from tests.web.server import add_role_users, serve
    from veille.plan.kpis import add_kpi
    from veille.plan.objectives import add_objective

    seen = {}
    for kind, root in twins.items():
        with Workspace.open(root) as ws:
            add_objective(ws.state, "year", "awareness", topics=["lumio"])
            add_kpi(ws, "year-mentions", "mentions", 50, topic="lumio", period_days=365)
            add_kpi(
                ws, "year-voice", "share_of_voice", 40, topic="lumio",
                compare=["vexa", "orbita"], period_days=365,
            )  # fmt: skip
            add_kpi(ws, "year-engagement", "engagement", 9, platform="mastodon", period_days=365)
        add_role_users(root)
        with serve(root) as server:
            cookie = server.session("viewer")
            with httpx.Client(
                base_url=server.url, cookies={"veille_session": cookie}, timeout=60
            ) as web:
                r = web.get("/plan")
                assert r.status_code == 200, r.text[:500]
                seen[kind] = _VOLATILE.sub("", r.text)
    assert "year-mentions" in seen["sqlite"]
    assert seen["split"] == seen["sqlite"]
