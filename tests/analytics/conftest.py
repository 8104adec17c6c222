"""A small hand-built workspace whose every figure is known by construction.

Time zone Europe/Paris; the week under study is Monday 2026-03-23 to Sunday
2026-03-29, whose Sunday is 23 hours long (summer time starts at 02:00).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.made import copy_store
from veille.analytics.scope import Period, parse_period
from veille.models import Author, Engagement, Post, Sentiment
from veille.store.sqlite import SQLiteStore

TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def make_post(
    native: str,
    when: str,
    *,
    platform: str = "mastodon",
    text: str = "un message",
    handle: str = "alice",
    followers: int | None = 100,
    likes: int = 0,
    shares: int = 0,
    replies: int = 0,
    sentiment: str | None = None,
    **fields: object,
) -> Post:
    return Post.create(
        platform=platform,
        native_id=native,
        text=text,
        published_at=local(when),
        author=Author(handle=handle, followers=followers),
        engagement=Engagement(likes=likes, shares=shares, replies=replies),
        sentiment=Sentiment(sentiment, 0.5, 0.9) if sentiment else None,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def world() -> list[Post]:
    return [
        # The week under study.
        make_post("1", "2026-03-23T08:00", text="Lumio panne fibre", lang="fr",
                  sentiment="positive", likes=10, shares=2, followers=1000, handle="alice",
                  hashtags=("Lumio",), links=("https://www.example.com/a",), cluster_id="c1"),
        # 00:30 in Paris is still the 23rd in UTC: it belongs to Tuesday.
        make_post("2", "2026-03-24T00:30", platform="bluesky", text="Lumio outage again",
                  lang="en", sentiment="negative", likes=3, followers=5000, handle="bob",
                  hashtags=("lumio", "outage"), links=("https://news.example.org/x",)),
        # After the summer-time jump (UTC+2); a near-duplicate of post 1.
        make_post("3", "2026-03-29T03:30", text="Lumio panne fibre", lang="fr",
                  sentiment="negative", replies=4, followers=200, handle="carol",
                  cluster_id="c1", links=("https://example.com/b",)),
        make_post("4", "2026-03-25T12:00", text="Vexa nouvelle offre", lang="en",
                  sentiment="neutral", likes=1, followers=50, handle="alice", country="FR"),
        make_post("5", "2026-03-26T09:15", platform="reddit", text="Orbita or Vexa?",
                  followers=None, handle="dave"),
        # The week before.
        make_post("6", "2026-03-17T10:00", text="Lumio fibre", lang="fr",
                  sentiment="positive", handle="alice"),
        make_post("7", "2026-03-20T10:00", platform="bluesky", text="Vexa promo", lang="en",
                  sentiment="positive", handle="erin"),
        # Monday after: 2026-03-29 22:30 UTC, outside the week in Paris.
        make_post("8", "2026-03-30T00:30", text="Lumio panne", lang="fr", handle="alice"),
    ]  # fmt: skip


@pytest.fixture(scope="session")
def made_world_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The :func:`world` stored, once per test process, to be copied."""
    path = tmp_path_factory.mktemp("made") / "world.db"
    s = SQLiteStore.open(path)
    s.upsert_posts(world())
    s.close()
    return path


@pytest.fixture
def store(tmp_path: Path, made_world_file: Path) -> Iterator[SQLiteStore]:
    s = copy_store(made_world_file, tmp_path / "a.db")
    yield s
    s.close()


@pytest.fixture
def week() -> Period:
    return parse_period("2026-03-23..2026-03-29", timezone=TZ)


def imported_workspace(
    backend: str, tmp_path: Path, rows: list[dict[str, object]], *setup: tuple[str, ...]
) -> Callable[..., str]:
    """``veille …`` in a new workspace ``ws`` under ``tmp_path`` (the current
    folder) holding the import ``rows``, its posts in SQLite or chDB
    (``backend``), after the ``setup`` commands; each call asserts success and
    returns the output."""
    import json

    from typer.testing import CliRunner

    from veille.cli import build_app

    ws = tmp_path / "ws"
    if backend == "chdb":
        pytest.importorskip("chdb")
        ws.mkdir()
        (ws / "veille.toml").write_text('[store]\nposts = "chdb:///posts.chdb"\n', encoding="utf-8")
    app = build_app()

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    invoke("init", "ws")
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    invoke("import", str(src), "-w", "ws", "--no-enrich")
    for command in setup:
        invoke(*command, "-w", "ws")
    return lambda *args: invoke(*args, "-w", "ws")


@pytest.fixture(params=["sqlite", "chdb"])
def empty_posts_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An empty posts store of each backend: a SQLite file, a chDB folder
    (skipped where chDB is not installed)."""
    if request.param == "sqlite":
        opened: Any = SQLiteStore.open(tmp_path / "veille.db")
    else:
        pytest.importorskip("chdb")
        from veille.store.clickhouse.backend import ChdbBackend

        opened = ChdbBackend().open(f"chdb:///{tmp_path / 'posts.chdb'}", root=tmp_path)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _extraction_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests check the kept terms against ``trending_terms(extract=True)``,
    which extracts every post of the period again on each view: a test reads
    16 views or more of the same posts, and extraction was most of its time.
    Extraction is a pure function of a post's title, text and language, so
    within a test each text is extracted once, by the real extractor; only
    that checking path remembers (the stores' own extraction at ingest, and
    the read path that ``extract_terms`` is refused on, are left alone)."""
    from veille.analytics import trends

    made: dict[tuple[str | None, str, str | None], tuple[list[str], list[str]]] = {}

    def extracted_terms(
        texts: Iterable[tuple[str, str | None, str, int, str | None]], split: int
    ) -> Iterator[tuple[str, bool, list[str], list[str]]]:
        for story, title, text, published, lang in texts:
            found = made.get((title, text, lang))
            if found is None:
                found = made[title, text, lang] = trends.post_terms(title, text, lang)
            yield story, published >= split, list(found[0]), list(found[1])

    monkeypatch.setattr(trends, "extracted_terms", extracted_terms)
