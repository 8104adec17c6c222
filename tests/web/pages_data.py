"""Known posts, topics and alerts the listening pages' tests read.

Counts the tests rely on: 12 posts say "lumio" (7 of them "panne"), 5 say
"vexa", 1 says neither; 4 of the lumio posts are negative. One post carries
markup in its text, title, author name and link (it must reach the page
escaped, and its ``javascript:`` link not at all).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import make_post
from veille.models import Author, Post, Sentiment
from veille.query.topics import add_topic
from veille.workspace import Workspace

LUMIO = 12
LUMIO_PANNE = 7
LUMIO_NEGATIVE = 4
VEXA = 5
HOSTILE_TEXT = "<script>alert('text')</script> lumio"
HOSTILE_NAME = "<img src=x onerror=alert('name')>"
HOSTILE_TITLE = '"><script>alert("title")</script>'


def _at(hours_ago: float) -> datetime:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return base - timedelta(hours=hours_ago)


def known_posts() -> list[Post]:
    posts: list[Post] = []
    for i in range(LUMIO):
        words = "lumio panne réseau" if i < LUMIO_PANNE else "lumio offre fibre"
        label = "negative" if i < LUMIO_NEGATIVE else "positive"
        posts.append(
            make_post(
                f"l{i}", f"{words} numéro {i}", platform="mastodon" if i % 2 else "bluesky",
                lang="fr", published_at=_at(2 + i * 5),
                sentiment=Sentiment(label, -0.6 if label == "negative" else 0.6, 0.9),  # type: ignore[arg-type]
                url=f"https://example.org/lumio/{i}",
            )
        )  # fmt: skip
    for i in range(VEXA):
        posts.append(
            make_post(f"v{i}", f"vexa launches {i}", lang="en", published_at=_at(3 + i * 7))
        )
    posts.append(make_post("other", "nothing to see here", lang="en", published_at=_at(4)))
    return posts


def hostile_post() -> Post:
    """A lumio post whose every shown field carries markup."""
    return make_post(
        "hostile", HOSTILE_TEXT, title=HOSTILE_TITLE, lang="en", published_at=_at(1),
        author=Author("mallory", name=HOSTILE_NAME, url="javascript:alert('author')"),
        url="javascript:alert('url')",
    )  # fmt: skip


def seed(root: Path, *, hostile: bool = False) -> None:
    """The known posts and the topics ``lumio`` and ``vexa``."""
    with Workspace.open(root) as ws:
        posts = known_posts() + ([hostile_post()] if hostile else [])
        ws.store.upsert_posts(posts)
        add_topic(ws.state, "lumio", "lumio")
        add_topic(ws.state, "vexa", "vexa")
