"""The stream by relevance on SQLite: a boolean query's matches scored,
beside every post holding one of its words scored (the baseline, in the
same run).

    python bench/relevance.py                      # 1,000,000 posts
    python bench/relevance.py --posts 300000 --repeat 5

The workspace is the web benchmark's (``bench/web.py``: built once under
``--cache``, kept and reused). Each query is searched by relevance as the
stream's first page asks it (26 posts: a page and whether another
follows), over all time, over the last 30 days and in French posts only;
best of ``--repeat``, the two ways taken in turn: the CPU seconds of
the process (on a machine shared with other work, they follow the code
where the wall time follows the load), then the wall time. The baseline is the rule
before: FTS5's bm25 scored the OR of the query's words over the index, and
only a query whose words alone find its matches (``lumio``) was scored on
its matches; ``lumio panne`` scored every post holding ``lumio`` or
``panne`` to keep those holding both, and so did nested queries (``(lumio
OR vexa) panne``), a word of one field (``title:lumio panne``) and phrases
(``lumio "student plan"``) until they were scored on the posts holding
what they need, and repeated words (``lumio lumio panne``) and excluded
ANDs (``lumio -(panne outage)``) until they were said once and excluded
whole. An AND under an OR (``(lumio panne) OR vexa``) and an OR of words
with metadata (``lumio OR lang:fr``) still score every post holding one
of their words, and every other post was read and each match sorted:
now the posts holding the words are scored first and the others read
only when those do not fill the page (``SQLiteStore.words_first``).
Both ways must give the same posts in the same order (the run stops if
not). ``--query`` runs only the queries given.

Then the stream newest first, a page of words that ends in the past (a
"To" date six months ago, and a page's cursor before every post), each
beside the stream's first page (the baseline): its walk starts at its
end, so it costs about a first page.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

QUERIES = (
    "lumio",
    "lumio panne",
    "lumio OR vexa",
    "lumio -vexa",
    "lumio -vexa -orbita",
    "lumio panne lang:fr",
    "fibre OR prix OR panne",
    "(lumio OR vexa) panne",
    "lumio (panne OR outage) -vexa",
    "(lumio OR vexa) (panne OR outage)",
    "title:lumio panne",
    "title:lumio",
    '"service client"',
    'lumio "student plan"',
    'lumio -"student plan"',
    "lumio NEAR/3 router",
    'raw:"Lumio" panne',
    "lumio lumio panne",
    "lumio OR lumio",
    "lumio -(panne outage)",
    "(lumio panne) OR vexa",
    "lumio OR lang:fr",
)


def before(node: Any) -> tuple[str, Any] | None:
    """The rule before: the query's own FTS5 expression ranks its matches
    only when it is the OR of its words (one word, a prefix)."""
    from veille.store.sqlite.compiler import fts_driver, relevance_expr

    driven = fts_driver(node)
    return driven if driven is not None and driven[0] == relevance_expr(node) else None


def timed(store: Any, query: str, flt: Any, repeat: int) -> tuple[dict[str, float], int]:
    """Best CPU and wall seconds of the search now and of the baseline
    (``now``, ``before``; ``now wall``, ``before wall``), taken in turn, and
    the posts found (the same both ways)."""
    import veille.store.sqlite.search as search

    now = search.ranked_by_driver
    best = dict.fromkeys(("now", "before", "now wall", "before wall"), float("inf"))
    found: dict[str, list[str]] = {}
    try:
        for _ in range(repeat):
            for name, rule in (("now", now), ("before", before)):
                search.ranked_by_driver = rule
                store.words_first = name == "now"
                t, c = time.perf_counter(), time.process_time()
                got = store.search(query, flt, sort="relevance", limit=26)
                best[name] = min(best[name], time.process_time() - c)
                best[f"{name} wall"] = min(best[f"{name} wall"], time.perf_counter() - t)
                found[name] = [p.id for p in got]
    finally:
        search.ranked_by_driver = now
        store.words_first = True
    if found["now"] != found["before"]:
        raise SystemExit(f"{query!r}: the posts differ from the baseline's")
    return best, len(found["now"])


def newest(store: Any, query: str, flt: Any, repeat: int) -> float:
    """Best CPU seconds of a page of ``query``'s posts newest first."""
    best = float("inf")
    for _ in range(repeat):
        c = time.process_time()
        store.search(query, flt, sort="newest", limit=26, shown=True)
        best = min(best, time.process_time() - c)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--rebuild", action="store_true", help="build the workspace again")
    ap.add_argument("--query", action="append", help="only this query (repeatable)")
    args = ap.parse_args()
    os.environ.setdefault("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")

    from veille.store import PostFilter
    from veille.workspace import Workspace
    from web import workspace  # bench/web.py's workspace, kept under --cache

    root = workspace(args.cache, args.posts, args.rebuild)
    month = PostFilter(since=datetime.now(UTC) - timedelta(days=30))
    french = PostFilter(languages=("fr",))
    print(
        f"\n{'query':26} {'posts':10} {'found':>5} {'CPU now':>8} {'before':>8} "
        f"{'before/now':>11} {'wall now':>9} {'before':>8} {'before/now':>11}  (ms)"
    )
    with Workspace.open(root) as ws:
        for query in args.query or QUERIES:
            for label, flt in (("all time", None), ("30 days", month), ("French", french)):
                t, n = timed(ws.posts, query, flt, args.repeat)
                print(
                    f"{query:26} {label:10} {n:5} {t['now'] * 1000:8.1f} "
                    f"{t['before'] * 1000:8.1f} {t['before'] / t['now']:10.1f}x "
                    f"{t['now wall'] * 1000:9.1f} {t['before wall'] * 1000:8.1f} "
                    f"{t['before wall'] / t['now wall']:10.1f}x",
                    flush=True,
                )
        print(f"\n{'newest first, lumio':40} {'CPU ms':>8} {'first page':>11} {'ratio':>7}")
        first = newest(ws.posts, "lumio", None, args.repeat)
        ago = datetime.now(UTC) - timedelta(days=180)
        for label, flt in (
            ("up to six months ago", PostFilter(until=ago)),
            ("a cursor before every post", PostFilter(until=datetime.fromtimestamp(6, UTC))),
        ):
            got = newest(ws.posts, "lumio", flt, args.repeat)
            print(f"{label:40} {got * 1000:8.1f} {first * 1000:11.1f} {got / first:6.1f}x")


if __name__ == "__main__":
    main()
