"""Workspaces with a topic flagged for the inbox, and posts to feed it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import init_state_workspace, make_post
from veille.models import Author, Post, Sentiment
from veille.pipeline.ingest import build_pipeline
from veille.query.topics import add_topic
from veille.workspace import Workspace


def post(native_id: str, text: str, *, sentiment: str | None = None, **kw: Any) -> Post:
    if sentiment is not None:
        score = {"positive": 0.8, "negative": -0.8, "neutral": 0.0}[sentiment]
        kw["sentiment"] = Sentiment(sentiment, score, 0.9)  # type: ignore[arg-type]
    kw.setdefault("lang", "en")
    return make_post(native_id, text, **kw)


def ingest(ws: Workspace, posts: list[Post]) -> Any:
    # The enricher would overwrite the sentiments these tests give.
    return build_pipeline(ws, skip=("enrich",)).ingest(posts)


@pytest.fixture
def inbox_ws(tmp_path: Path, state_kind: str) -> Iterator[Workspace]:
    """State in SQLite (with the posts) or in PostgreSQL (posts in SQLite)."""
    root = init_state_workspace(tmp_path / "ws", state_kind)
    with Workspace.open(root) as ws:
        add_topic(ws.state, "lumio", "lumio", inbox=True)
        add_topic(ws.state, "other", "weather")  # not flagged
        yield ws


__all__ = ["Author", "ingest", "post"]
