"""Near-duplicate clustering of N alike posts in one batch (templated
bulletins: they share LSH band buckets but stay below the threshold).

    python bench/clusters.py [--sizes 2500,5000,10000]

Prints seconds and posts/s of ``Clusterer.assign`` for each size, beside the
MinHash signatures alone of the same posts (the part that does not depend on
how candidates are found), in the same run. Run it with ``PYTHONPATH`` at an
older tree to compare with the code before a change.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = [f"w{i}" for i in range(60)]


def bulletins(n: int, seed: int = 11) -> list:
    from veille.models import Author, Post

    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    posts = []
    for i in range(n):
        # A fixed frame (shared shingles) around varying words: alike, not copies.
        middle = " ".join(rng.choice(WORDS) for _ in range(10))
        text = f"Traffic bulletin for the ring road {middle} drivers are advised to slow down"
        posts.append(
            Post.create(
                platform="rss", native_id=str(i), text=text, author=Author("roads"),
                published_at=start + timedelta(seconds=i), url=f"https://roads.example/{i}",
            )
        )  # fmt: skip
    return posts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2500,5000,10000")
    args = ap.parse_args(argv)
    from veille.enrich.clusters import Clusterer
    from veille.store.sqlite import SQLiteStore

    print("near-duplicate clustering, alike posts in one batch")
    for n in (int(x) for x in args.sizes.split(",")):
        posts = bulletins(n)
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLiteStore.open(Path(tmp) / "c.db")
            store.upsert_posts(posts)
            clusterer = Clusterer()
            t = time.perf_counter()
            for p in posts:
                clusterer.signature(p)
            sig_s = time.perf_counter() - t
            t = time.perf_counter()
            with store.transaction() as tx:
                clusters = clusterer.assign(tx, posts)
            total = time.perf_counter() - t
            store.close()
        print(
            f"  {n:>6,} posts: assign {total:7.2f} s ({n / total:7,.0f} posts/s)"
            f"  signatures alone {sig_s:6.2f} s  ratio {total / sig_s:5.1f}x"
            f"  clusters {len(set(clusters.values())):,}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
