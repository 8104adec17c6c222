"""The dashboard's share of voice compares what ``veille sov`` and the API
compare: the brand against its competitors when the organization names them
(a sector topic, which holds everyone's posts, is no competitor)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_post
from veille.analytics import volume as volume_module
from veille.models import Engagement, now_utc
from veille.query.topics import add_topic
from veille.services import analytics
from veille.services.dashboard import overview
from veille.workspace import Workspace, init_workspace


def _workspace(tmp_path: Path, organization: str) -> Path:
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[organization]", f"[organization]\n{organization}", 1))
    at = now_utc() - timedelta(days=2)
    texts = ["lumio fibre"] * 6 + ["vexa fibre"] * 3 + ["orbita fibre"] + ["fibre news"] * 5
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(
            [
                make_post(f"p{i}", t, published_at=at + timedelta(minutes=i))
                for i, t in enumerate(texts)
            ]
        )
        for name, query in [("lumio", "lumio"), ("vexa", "vexa"), ("orbita", "orbita"),
                            ("secteur", "fibre")]:  # fmt: skip
            add_topic(ws.state, name, query)
    return root


def test_the_brand_against_its_competitors_as_veille_sov(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path,
        'brand_topic = "lumio"\ncompetitor_topics = ["vexa", "orbita"]\nsector_topic = "secteur"',
    )
    with Workspace.open(root) as ws:
        shown = overview(ws, "last-30d")
        per = analytics.period(ws, "last-30d")
        report = analytics.share_of_voice(ws, analytics.voice_scopes(ws), per)
    assert {v.topic: (v.posts, v.share) for v in shown.voices} == {
        v.topic: (v.posts, v.share) for v in report
    }
    assert {v.topic: v.posts for v in shown.voices} == {"lumio": 6, "vexa": 3, "orbita": 1}
    assert shown.brand == "lumio" and "secteur" in [t.name for t in shown.topics]


def test_without_a_brand_the_topics_shown_among_themselves(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "")
    with Workspace.open(root) as ws:
        shown = overview(ws, "last-30d")
    assert shown.brand is None
    assert {v.topic for v in shown.voices} == {"lumio", "vexa", "orbita", "secteur"}


@pytest.mark.parametrize("backend", ["sqlite", "chdb"])
def test_the_shares_come_from_the_cards_figures_read_once(
    tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first view of the dashboard read each compared topic's posts and
    engagement for its card, then again, over both periods, for the share
    of voice (six of a first view's 21 queries on ClickHouse): the shares
    are now made from the cards' figures, and are those ``veille sov``
    gives (posts, engagement known or not, the period before)."""
    if backend == "chdb":
        pytest.importorskip("chdb")
    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    if backend == "chdb":
        text = text.replace('# posts = ""', 'posts = "chdb:///posts.chdb"', 1)
    org = 'brand_topic = "lumio"\ncompetitor_topics = ["vexa", "orbita"]'
    config.write_text(text.replace("[organization]", f"[organization]\n{org}", 1))
    now = now_utc()
    posts = []
    for i, (t, days, likes) in enumerate(
        [("lumio fibre", 2, 5)] * 4 + [("lumio fibre", 40, 1)] * 2 + [("vexa fibre", 3, 7)] * 3
        + [("vexa fibre", 45, 0)] + [("orbita fibre", 50, 2)] * 2
    ):  # fmt: skip
        posts.append(make_post(f"p{i}", t, published_at=now - timedelta(days=days, minutes=i),
                               likes=likes))  # fmt: skip
    # orbita's post of this period gave no counts (a feed's): its engagement is unknown.
    posts.append(
        make_post("feed", "orbita fibre", published_at=now - timedelta(days=1),
                  engagement=Engagement(given=False))
    )  # fmt: skip
    with Workspace.open(root) as ws:
        assert ("ClickHouse" in type(ws.posts).__name__) == (backend == "chdb")
        ws.posts.upsert_posts(posts)
        for name in ("lumio", "vexa", "orbita"):
            add_topic(ws.state, name, name)
        totalled: list[Any] = []
        read = volume_module.grouped

        def recorded(store: Any, scope: Any, dims: tuple[str, ...] = (), **kw: Any) -> Any:
            if not dims and not kw.get("by_bucket"):
                totalled.append(scope)
            return read(store, scope, dims, **kw)

        with monkeypatch.context() as m:
            m.setattr(volume_module, "grouped", recorded)
            shown = overview(ws, "last-30d")
        assert totalled == [], "the shares read the topics' posts again"
        per = analytics.period(ws, "last-30d")
        report = analytics.share_of_voice(ws, analytics.voice_scopes(ws), per)
    assert shown.voices == report
    assert {v.topic: (v.posts, v.previous, v.engagement) for v in shown.voices} == {
        "lumio": (4, 2, 20), "vexa": (3, 1, 21), "orbita": (1, 2, None)
    }  # fmt: skip
