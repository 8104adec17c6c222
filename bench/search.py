"""Search benchmark: veille's SQLite engine beside a tantivy index of the same posts.

    python bench/search.py                 # 1,000,000 posts, 200 queries
    python bench/search.py --posts 20000   # quick

Generates bilingual posts with the simulator, stores them in a fresh SQLite
workspace database (FTS5) and in a tantivy index built in the same run (the
same folded words, published time as a fast field), then runs 200 queries
(two- and three-word AND, OR, NOT, phrases, fields), top 50 newest first, on
both. Prints p50 and p95 latency of each and the ratio, and how many queries
returned the same top 50 in both engines. Needs the ``bench`` extra (tantivy).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

SEED = 7


def posts(n: int) -> list[Any]:
    from veille.sim.generate import SimConfig, generate_posts

    days = 365
    cfg = SimConfig(seed=SEED, days=days, posts_per_day=max(10, n // days + 1), spike_posts=0)
    return list(itertools.islice(generate_posts(cfg), n))


def make_queries(sample: list[Any], k: int) -> list[tuple[str, str]]:
    """``(veille query, tantivy query)`` pairs over frequent words of the posts."""
    from veille.textnorm import tokens

    rng = random.Random(SEED)
    counts: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for p in sample:
        toks = tokens(p.text)
        counts.update(t for t in toks if len(t) > 3 and not t.isdigit())
        bigrams.update((a, b) for a, b in itertools.pairwise(toks) if len(a) > 3 and len(b) > 3)
    words = [w for w, _ in counts.most_common(300)]
    pairs = [b for b, _ in bigrams.most_common(200)]
    w = lambda: rng.choice(words)  # noqa: E731
    shapes = [
        lambda a, b, c: (f"{a} {b}", f"+{a} +{b}"),
        lambda a, b, c: (f"{a} {b} {c}", f"+{a} +{b} +{c}"),
        lambda a, b, c: (f"{a} OR {b}", f"{a} OR {b}"),
        lambda a, b, c: (f"{a} -{b}", f"+{a} -{b}"),
        lambda a, b, c: ('"{} {}"'.format(*rng.choice(pairs)),) * 2,
        lambda a, b, c: (f"{a} lang:fr", f"+{a} +lang:fr"),
        lambda a, b, c: (f"({a} OR {b}) platform:bluesky", f"+({a} OR {b}) +platform:bluesky"),
    ]
    out = []
    for i in range(k):
        shape = shapes[i % len(shapes)]
        out.append(shape(w(), w(), w()))
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    import tantivy

    from veille.store.sqlite import SQLiteStore
    from veille.textnorm import index_text

    t0 = time.perf_counter()
    data = posts(args.posts)
    print(f"generated {len(data)} posts in {time.perf_counter() - t0:.0f}s", flush=True)
    with tempfile.TemporaryDirectory(prefix="veille-bench-") as tmp:
        store = SQLiteStore.open(Path(tmp) / "veille.db")
        t0 = time.perf_counter()
        for i in range(0, len(data), 20_000):
            store.upsert_posts(data[i : i + 20_000])
        sqlite_build = time.perf_counter() - t0
        stored = store.count_posts()

        sb = tantivy.SchemaBuilder()
        sb.add_integer_field("pk", stored=True)
        sb.add_text_field("title")
        sb.add_text_field("body")
        sb.add_text_field("lang", tokenizer_name="raw")
        sb.add_text_field("platform", tokenizer_name="raw")
        sb.add_integer_field("published", fast=True, indexed=True)
        index = tantivy.Index(sb.build(), path=str(Path(tmp)))
        t0 = time.perf_counter()
        writer = index.writer(heap_size=200_000_000)
        pk_of = dict(store.conn.execute("SELECT id, pk FROM posts"))
        for p in data:
            pk = pk_of.get(p.id)
            if pk is None:  # folded into another post (same URL)
                continue
            writer.add_document(
                tantivy.Document(
                    pk=pk,
                    title=index_text(p.title or ""),
                    body=index_text(p.text),
                    lang=p.lang or "",
                    platform=p.platform,
                    published=int(p.published_at.timestamp()),
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        tantivy_build = time.perf_counter() - t0
        searcher = index.searcher()
        print(
            f"indexed {stored} posts: SQLite {sqlite_build:.0f}s, tantivy {tantivy_build:.0f}s",
            flush=True,
        )

        queries = make_queries(data[:20_000], args.queries)
        ours: list[float] = []
        theirs: list[float] = []
        same = 0
        for vq, tq in queries:
            t = time.perf_counter()
            found = store.search(vq, sort="newest", limit=50)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            parsed = index.parse_query(tq, ["title", "body"])
            hits = searcher.search(parsed, 50, order_by_field="published").hits
            docs = [searcher.doc(addr) for _, addr in hits]
            theirs.append(time.perf_counter() - t)
            ours_pks = {pk_of[p.id] for p in found}
            same += ours_pks == {d["pk"][0] for d in docs}
        store.close()
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        a, b = pct(ours, q) * 1000, pct(theirs, q) * 1000
        print(f"{name}: veille SQLite {a:8.2f} ms   tantivy {b:8.2f} ms   ratio {a / b:6.1f}x")
    print(
        f"mean: veille {statistics.mean(ours) * 1000:.2f} ms, tantivy "
        f"{statistics.mean(theirs) * 1000:.2f} ms; same top 50 in {same}/{len(queries)} queries"
    )


if __name__ == "__main__":
    main()
