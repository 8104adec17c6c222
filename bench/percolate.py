"""Percolation benchmark: veille's Matcher beside perq and brute force.

    python bench/percolate.py                    # the issue's full size
    python bench/percolate.py --n 2000 --docs 300 --brute-docs 20   # quick

Each engine runs in its own subprocess (so peak RSS is its own) over the same
generated queries and documents, from text to matched ids:

- synthetic sets (seed 7): 10,000-word vocabulary; queries of 1-4 AND clauses
  of 1-3 OR terms; documents of 30 and 300 tokens; uniform and Zipf term
  frequencies; ``--n`` queries (default 10,000 and 100,000);
- a realistic set: bilingual queries with NOT, phrases, NEAR and fields over
  the simulator's bilingual posts (perq cannot express these).

Timed per document: building the post from its text, matching it (each
engine's ids, in its own order) and freeing the engine's list of ids; the ids
are sorted for the comparison outside the timing. Printed per set:
documents/s, p95 latency per document, peak RSS, and whether the match sets
equal brute force (on the first ``--brute-docs`` documents) and
perq (on all documents). Each engine runs ``--rounds`` times, interleaved with
the others, and each run keeps the fastest of ``--passes`` passes over the
documents; the best run of each engine is printed, so a burst of load on a
shared machine does not decide a ratio. Needs the ``bench`` extra (perq).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import resource
import subprocess
import sys
import time
from typing import Any

VOCAB = 10_000
SEED = 7


def _words(dist: str, rng: random.Random, k: int, cum: list[float] | None) -> list[str]:
    if dist == "zipf":
        assert cum is not None
        return [f"w{i}" for i in rng.choices(range(VOCAB), cum_weights=cum, k=k)]
    return [f"w{rng.randrange(VOCAB)}" for _ in range(k)]


def _cum() -> list[float]:
    return list(itertools.accumulate(1.0 / (r + 1) ** 1.07 for r in range(VOCAB)))


def synthetic(n: int, dist: str, doclen: int, docs: int) -> tuple[list[list[list[str]]], list[str]]:
    rng = random.Random(SEED)
    cum = _cum() if dist == "zipf" else None
    queries = []
    for _ in range(n):
        clauses = [
            list(dict.fromkeys(_words(dist, rng, rng.randint(1, 3), cum)))
            for _ in range(rng.randint(1, 4))
        ]
        queries.append(clauses)
    texts = [" ".join(_words(dist, rng, doclen, cum)) for _ in range(docs)]
    return queries, texts


def cnf_text(clauses: list[list[str]]) -> str:
    return " ".join("(" + " OR ".join(c) + ")" if len(c) > 1 else c[0] for c in clauses)


REAL_WORDS = [
    "lumio", "vexa", "orbita", "panne", "outage", "fibre", "internet", "forfait", "mobile",
    "router", "support", "prix", "price", "réseau", "network", "client", "customer", "box",
    "5g", "connexion", "slow", "lent", "bravo", "terrible", "nul", "excellent", "neutralité",
    "cybersécurité", "service", "plan", "offre", "launch", "lance", "hausse", "recommend",
]  # fmt: skip


def realistic(n: int, docs: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Bilingual topic-like queries over the words of the simulator's posts."""
    from veille.records import post_to_record
    from veille.sim.generate import SimConfig, generate_posts
    from veille.textnorm import tokens

    rng = random.Random(SEED)
    posts = list(itertools.islice(generate_posts(SimConfig(seed=SEED, days=60)), docs))
    seen: dict[str, None] = {}
    for p in posts:
        seen.update((t, None) for t in tokens(p.text) if len(t) >= 4 and not t.isdigit())
    vocab = sorted(set(seen) | set(REAL_WORDS))
    w = lambda: rng.choice(vocab)  # noqa: E731
    brand = lambda: rng.choice(["lumio", "vexa", "orbita"])  # noqa: E731
    shapes = [
        lambda: f"{brand()} {w()} -{w()}",
        lambda: f'"{w()} {w()}" OR {w()}',
        lambda: f"{w()} NEAR/{rng.randint(1, 5)} {w()}",
        lambda: f"({w()} OR {w()}) lang:{rng.choice(['fr', 'en'])}",
        lambda: f"#{rng.choice(['fibre', 'internet', 'cybersecurite', 'lumio'])} {w()}",
        lambda: f"{w()} likes:>{rng.randint(0, 20)} NOT {w()}",
        lambda: f"{w()[:4]}* {w()} platform:{rng.choice(['bluesky', 'mastodon', 'x', 'rss'])}",
        lambda: f'"{brand()} {w()}"~3 -is:repost',
        lambda: f"{brand()} NEAR/3f {w()} sentiment:{rng.choice(['positive', 'negative'])}",
        lambda: f"{brand()} ({w()} OR {w()} OR {w()})",
    ]
    queries = [rng.choice(shapes)() for _ in range(n)]
    return queries, [post_to_record(p) for p in posts]


def sample_doc_freq(docs: int = 2000) -> tuple[dict[str, int], int]:
    """Document frequencies of words over another sample of the simulator's
    posts (seed 8, not the posts matched): what a running workspace knows
    from the posts it already stores."""
    from collections import Counter

    from veille.query.predicates import tag_key
    from veille.sim.generate import SimConfig, generate_posts
    from veille.textnorm import tokens

    df: Counter[str] = Counter()
    posts = list(itertools.islice(generate_posts(SimConfig(seed=SEED + 1, days=60)), docs))
    for p in posts:
        words = set(tokens(p.text)) | set(tokens(p.title or ""))
        words.update(tag_key(h) for h in p.hashtags)
        df.update(words)
    return dict(df), len(posts)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Build one engine over one set and time it; runs in a subprocess."""
    engine, kind = spec["engine"], spec["set"]
    if kind == "realistic":
        qtexts, records = realistic(spec["n"], spec["docs"])
        from veille.records import post_from_record

        items: list[Any] = [post_from_record(r) for r in records]
        cnf = None
    else:
        cnf, texts = synthetic(spec["n"], spec["dist"], spec["doclen"], spec["docs"])
        qtexts = [cnf_text(c) for c in cnf]
        items = texts
    if engine == "brute":
        items = items[: spec["brute_docs"]]
    t0 = time.perf_counter()
    if engine == "perq":
        import perq

        assert cnf is not None
        store = perq.MemoryStore()
        perq.index((perq.Query(i, c) for i, c in enumerate(cnf)), store)
        pm = perq.QueryMatcher(store)

        def run(text: Any) -> list[int]:
            return list(pm.matches(perq.Document.from_text(text)))
    else:
        from datetime import UTC, datetime

        from veille.models import Author, Post
        from veille.query import compile_query
        from veille.query.evaluate import Doc
        from veille.query.matcher import Matcher

        when = datetime(2026, 1, 1, tzinfo=UTC)
        author = Author("bench")

        def as_post(item: Any) -> Post:
            if isinstance(item, Post):
                return item
            # The bare record (Post.create would also hash the text for dedup).
            return Post(
                id="bench:1",
                platform="bench",
                native_id="1",
                text=item,
                published_at=when,
                author=author,
            )

        if engine == "matcher":
            if kind == "realistic" and not spec.get("no_doc_freq"):
                df, count = sample_doc_freq()
                m = Matcher(doc_freq=df, doc_count=count)
            else:
                m = Matcher()
            for i, q in enumerate(qtexts):
                m.add(i, q)
            m.build()

            def run(item: Any) -> list[int]:
                return m.match_ids(as_post(item))
        else:
            compiled = [compile_query(q) for q in qtexts]

            def run(item: Any) -> list[int]:
                d = Doc(as_post(item))
                return [i for i, q in enumerate(compiled) if q.test(d)]

    build_s = time.perf_counter() - t0
    digest = hashlib.blake2b(digest_size=8)
    digest_brute = hashlib.blake2b(digest_size=8)
    total_matches = 0
    best: list[float] = []
    for rep in range(spec.get("passes", 1)):
        lat = []
        for k, item in enumerate(items):
            s = time.perf_counter()
            found = run(item)
            took = time.perf_counter() - s
            # Sorted for the comparison only: an engine's order is its own,
            # and sorting thousands of ids is no part of matching.
            ordered = sorted(found)
            if rep == 0:
                total_matches += len(ordered)
                line = (json.dumps(ordered) + "\n").encode()
                digest.update(line)
                if k < spec["brute_docs"]:
                    digest_brute.update(line)
            # Freeing an engine's own list of ids is its cost (a caller pays
            # it); freeing the bench's sorted copy is not.
            s = time.perf_counter()
            del found
            lat.append(took + time.perf_counter() - s)
            del ordered
        if not best or sum(lat) < sum(best):
            best = lat
        if sum(lat) > 5.0:
            break  # a slow engine is measured over seconds already
    elapsed = sum(best)
    best.sort()
    return {
        "docs_s": len(items) / elapsed if elapsed else 0.0,
        "p95_ms": best[int(0.95 * (len(best) - 1))] * 1000 if best else 0.0,
        "rss_mb": _rss_mb(),
        "build_s": build_s,
        "digest": digest.hexdigest(),
        "digest_brute": digest_brute.hexdigest(),
        "matches_per_doc": total_matches / max(1, len(items)),
    }


def spawn(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000], help="query counts")
    ap.add_argument("--docs", type=int, default=2000, help="documents per set")
    ap.add_argument("--brute-docs", type=int, default=100, help="documents for brute force")
    ap.add_argument("--doclen", type=int, nargs="+", default=[30, 300])
    ap.add_argument("--dist", nargs="+", default=["uniform", "zipf"])
    ap.add_argument("--no-realistic", action="store_true")
    ap.add_argument("--no-synthetic", action="store_true", help="only the realistic set")
    ap.add_argument(
        "--no-doc-freq",
        action="store_true",
        help="realistic set: no word frequencies from a sample of other posts",
    )
    ap.add_argument("--rounds", type=int, default=2, help="runs of each engine, interleaved")
    ap.add_argument(
        "--passes", type=int, default=3, help="passes over the documents per run (one if slow)"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    print(
        f"{'set':34} {'engine':8} {'docs/s':>9} {'p95 ms':>8} {'RSS MB':>7}"
        "  vs matcher / same matches"
    )
    sets: list[dict[str, Any]] = []
    for n in args.n:
        for dist in [] if args.no_synthetic else args.dist:
            for doclen in args.doclen:
                docs = args.docs if doclen <= 30 else max(1, args.docs // 4)
                sets.append(
                    {
                        "set": "synthetic",
                        "n": n,
                        "dist": dist,
                        "doclen": doclen,
                        "docs": docs,
                        "brute_docs": min(args.brute_docs, docs),
                    }
                )
        if not args.no_realistic:
            sets.append(
                {
                    "set": "realistic",
                    "no_doc_freq": args.no_doc_freq,
                    "n": n,
                    "dist": "-",
                    "doclen": 0,
                    "docs": args.docs,
                    "brute_docs": min(args.brute_docs, args.docs),
                }
            )
    for spec in sets:
        name = (
            f"{spec['set']} n={spec['n']} {spec['dist']} len={spec['doclen']}"
            if spec["set"] == "synthetic"
            else f"realistic n={spec['n']} bilingual"
        )
        engines = ["matcher", "brute"] + (["perq"] if spec["set"] == "synthetic" else [])
        # Rounds interleave the engines, and each round keeps its fastest pass
        # over the documents: the best of each engine is compared, so a burst
        # of load on this shared machine does not decide a ratio.
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
        for _ in range(args.rounds):
            for e in engines:
                runs[e].append(spawn({**spec, "engine": e, "passes": args.passes}))
        res = {e: max(r, key=lambda x: x["docs_s"]) for e, r in runs.items()}
        m = res["matcher"]
        for e in engines:
            r = res[e]
            if e == "matcher":
                note = f"build {r['build_s']:.1f}s, {r['matches_per_doc']:.1f} matches/doc"
            else:
                same = (
                    (r["digest_brute"] == m["digest_brute"])
                    if e == "brute"
                    else (r["digest"] == m["digest"])
                )
                note = (
                    f"matcher is {m['docs_s'] / r['docs_s']:.1f}x faster; "
                    f"identical matches: {'yes' if same else 'NO'}"
                )
            print(
                f"{name:34} {e:8} {r['docs_s']:9.0f} {r['p95_ms']:8.2f} {r['rss_mb']:7.0f}  {note}",
                flush=True,
            )


if __name__ == "__main__":
    main()
