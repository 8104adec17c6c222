"""``veille store migrate`` of the figures a retention purge kept, SQLite to
chDB and back.

    python bench/migrate_purged.py [--posts 20000]

Fills a SQLite posts store with ``--posts`` posts over 90 days (four
platforms, three languages, five countries with unknown, four sentiments
with unknown, hashtags, link domains, 5,000 authors), purges the first 45
days and a half (to 13:00), then times each step that carries the purged
posts' figures to a new chDB store and from it to a new SQLite store
(``post_rollup``, ``entity_rollup``, ``author_rollup``, ``topic_purged``),
beside the copy of the posts still held, timed in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STEPS = (
    ("post_rollup", "copy_purged_rollup"),
    ("entity_rollup", "copy_purged_entities"),
    ("author_rollup", "copy_purged_authors"),
    ("topic_purged", "copy_purged_topic_totals"),
)


def _posts(n: int) -> list[Any]:
    from veille.models import Author, Engagement, Post, Sentiment

    rng = random.Random(3)
    start, span = datetime(2026, 1, 1, tzinfo=UTC), 90 * 86400
    moods = [None, Sentiment("positive"), Sentiment("negative"), Sentiment("neutral")]
    return [
        Post.create(
            platform=rng.choice(["mastodon", "bluesky", "reddit", "x"]), native_id=str(i),
            text=f"post {i}", published_at=start + timedelta(seconds=i * span // n),
            author=Author(f"u{rng.randrange(5000)}", followers=rng.randrange(10000)),
            lang=rng.choice(["en", "fr", "de"]),
            country=rng.choice([None, "FR", "CA", "BE", "US"]), sentiment=rng.choice(moods),
            hashtags=tuple(f"tag{rng.randrange(300)}" for _ in range(rng.randrange(3))),
            links=(f"https://d{rng.randrange(200)}.example/x",),
            engagement=Engagement(likes=rng.randrange(50)),
        )
        for i in range(n)
    ]  # fmt: skip


def _move(src: Any, dst: Any, label: str, folder: Path) -> None:
    from veille.services import migrate

    for name, step in STEPS:
        copy = getattr(migrate, step, None)
        if copy is None:  # a release before it carried this
            continue
        t = time.perf_counter()
        check = copy(src, dst)
        print(f"  {label} {name}: {time.perf_counter() - t:.2f} s, {check.copied} rows, "
              f"ok={check.ok}")  # fmt: skip
    t = time.perf_counter()
    check = migrate.copy_posts(src, dst, folder / f"{label}.json", label)
    print(f"  {label} posts (baseline): {time.perf_counter() - t:.2f} s, {check.copied} posts")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=20_000)
    args = ap.parse_args(argv)

    from veille.store.registry import open_store
    from veille.store.sqlite import SQLiteStore

    posts = _posts(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lite = SQLiteStore.open(folder / "veille.db")
        for i in range(0, len(posts), 5000):
            lite.upsert_posts(posts[i : i + 5000])
        cut = datetime(2026, 2, 15, 13, tzinfo=UTC)
        print(f"{args.posts} posts, {lite.purge_posts_before(cut).posts} purged")
        chdb = open_store(f"chdb:///{folder / 'posts.chdb'}", role="posts", root=folder)
        _move(lite, chdb, "SQLite -> chDB", folder)
        back = SQLiteStore.open(folder / "back.db")
        _move(chdb, back, "chDB -> SQLite", folder)
        for store in (chdb, back, lite):
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
