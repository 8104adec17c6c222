"""The dashboard's share of voice compares what ``veille sov`` and the API
compare: the brand against its competitors when the organization names them
(a sector topic, which holds everyone's posts, is no competitor)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.conftest import make_post
from veille.models import now_utc
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
