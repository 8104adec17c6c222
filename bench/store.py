"""Posts in ClickHouse (chDB, in-process) beside SQLite, in the same run.

    python bench/store.py                    # 10,000,000 posts
    python bench/store.py --posts 1000000    # 1M
    python bench/store.py --posts 50000      # quick
    python bench/store.py --posts 1000000 --folder F --reuse   # reads again, no ingest
    python bench/store.py --posts 1000000 --folder F --reuse --more 200000
                        # then 200,000 more posts into each (ingest at that size)

The same generated posts (seeded: both stores get identical posts, a year of
them, bilingual words, authors, hashtags, links, clusters, sentiment, and the
trending terms the ingest pipeline makes before a store sees a post) go into
a fresh SQLite file and a fresh chDB folder through each store's
``upsert_posts`` in batches; generation is timed apart and left out.
ClickHouse then gets the scheduler's hourly upkeep as it would run at the
last post's time (its settled months merged into one part each;
``--no-compact``: read as background merges left it). Then, on each
store: every dashboard aggregation over the last 30 days (the whole
workspace, one ad-hoc query and one saved topic, filed first), 200 searches
(50 newest first; p50 and p95), the saved topic's dashboard summary as the
web app reads it, and the disk size. Each figure is printed
beside SQLite's (the baseline) with their ratio (ClickHouse faster: ratio >
1); an aggregation SQLite answers in less than five times ClickHouse's
cheapest query over the posts is marked ``*`` (5x is out of reach there). It
also measures, on ClickHouse, ``FINAL`` against ``LIMIT 1 BY id`` (the
newest version of each post).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 11
WORDS = [
    "lumio",
    "vexa",
    "orbita",
    "panne",
    "outage",
    "réseau",
    "reseau",
    "fibre",
    "internet",
    "client",
    "offre",
    "promo",
    "prix",
    "forfait",
    "routeur",
    "vitesse",
    "support",
    "service",
    "attente",
    "Montréal",
    "Québec",
    "Paris",
    "great",
    "slow",
    "price",
    "plan",
    "router",
    "speed",
    "customer",
    "city",
    "l'ACEI",
    "d'internet",
    "qu'il",
    "aujourd'hui",
    "cybersécurité",
    "domaine",
    "domain",
    "nouvelle",
    "annonce",
    "mise",
    "jour",
    "téléphone",
    "phone",
    "mobile",
    "app",
    "données",
    "data",
]
HASHTAGS = ["lumio", "panne", "cyber", "fibre", "Vexa", "promo", "5G", "MTL"]
HOSTS = ["www.lumio.fr", "news.example.com", "vexa.com", "blog.orbita.io", "ici.radio-canada.ca"]
PLATFORMS = ["mastodon", "bluesky", "rss", "reddit", "youtube"]
LANGS = ["fr", "en", "fr-CA", None]
LABELS = ["positive", "negative", "neutral", None]
END = datetime(2026, 3, 1, tzinfo=UTC)
# A saved topic (id and query) the dashboard is also read under: some 7% of
# the posts.
TOPIC = 1
TOPIC_QUERY = "cybersécurité promo"
SPAN = 365 * 86400


def batches(n: int, size: int, texts: int = 20_000) -> Iterator[list[Any]]:
    """``n`` posts in lists of ``size``, the same ones on every call.

    Posts are built from arrays drawn per batch with numpy and a pool of
    texts (more than veille's folding cache holds, so folding is paid for),
    through the dataclass itself rather than ``Post.create`` (which
    normalizes and hashes each one: seconds per million, the same for both
    stores, and not what is measured here). Each post comes as the ingest
    pipeline hands posts to a store: enriched (its language, sentiment and
    story) and with its trending terms made (``Post.terms``, made in the
    collector's process by the pipeline's ``terms`` stage; made here once
    per text and language of the pool)."""
    import numpy as np

    from veille.analytics.trends import post_terms, terms_source, terms_version
    from veille.models import Author, Engagement, Post, PostTerms, Sentiment

    version = terms_version()
    made: dict[tuple[int, int], PostTerms] = {}

    def terms(text_at: int, lang_at: int) -> PostTerms:
        key = (text_at, lang_at)
        if key not in made:
            text, lang = pool[text_at], LANGS[lang_at]
            keys, forms = post_terms(None, text, lang)
            made[key] = PostTerms(
                version, terms_source(None, text, lang), tuple(keys), tuple(forms)
            )
        return made[key]

    rng = np.random.default_rng(SEED)
    pool_rng = random.Random(SEED)
    pool = [
        " ".join(pool_rng.choice(WORDS) for _ in range(pool_rng.randint(4, 24)))
        for _ in range(texts)
    ]
    authors = [
        Author(f"user{i}", name=f"User {i}", followers=int(f) if f >= 0 else None)
        for i, f in enumerate(rng.integers(-50, 100_000, 50_000))
    ]
    sentiments = [Sentiment(lbl, 0.5) if lbl else None for lbl in LABELS]
    start = END.timestamp() - SPAN
    done = 0
    while done < n:
        k = min(size, n - done)
        # Posts arrive in time order, as from a firehose: each batch is later
        # than the one before (over the year for the whole run).
        times = (start + (done + np.sort(rng.random(k) * k)) * (SPAN / n)).astype(np.int64)
        text_i = rng.integers(0, texts, k)
        author_i = rng.zipf(1.3, k) % len(authors)
        platform_i = rng.integers(0, len(PLATFORMS), k)
        lang_i = rng.integers(0, len(LANGS), k)
        label_i = rng.integers(0, len(LABELS), k)
        likes = rng.zipf(1.8, k) - 1
        shares = rng.integers(0, 5, k)
        tag_i = rng.integers(0, len(HASHTAGS) * 3, k)
        host_i = rng.integers(0, len(HOSTS) * 2, k)
        cluster_i = rng.integers(0, 40, k)
        out = []
        for j in range(k):
            i = done + j
            platform = PLATFORMS[platform_i[j]]
            t = int(tag_i[j])
            h = int(host_i[j])
            out.append(
                Post(
                    id=f"{platform}:{i}",
                    platform=platform,
                    native_id=str(i),
                    text=pool[text_i[j]],
                    published_at=datetime.fromtimestamp(int(times[j]), UTC),
                    author=authors[author_i[j]],
                    url=f"https://{platform}.example/{i}",
                    lang=LANGS[lang_i[j]],
                    source=f"{platform}-main",
                    engagement=Engagement(int(min(likes[j], 10**6)), int(shares[j]), 0),
                    hashtags=(HASHTAGS[t],) if t < len(HASHTAGS) else (),
                    links=(f"https://{HOSTS[h]}/a/{i % 97}",) if h < len(HOSTS) else (),
                    sentiment=sentiments[label_i[j]],
                    cluster_id=f"c{i // 50}" if cluster_i[j] == 0 else None,
                    content_hash=f"{i:x}",
                    terms=terms(int(text_i[j]), int(lang_i[j])),
                )
            )
        done += k
        yield out


def load() -> str:
    """The 1, 5 and 15-minute load averages (the machine may be shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def upserts(store: Any, todo: Iterable[list[Any]]) -> tuple[float, float]:
    """Wall and CPU seconds spent in ``upsert_posts`` over the batches of
    ``todo`` (making them left out). CPU seconds count every thread of the
    process (chDB's too): on a shared machine they are steadier than
    wall-clock ones."""
    spent = cpu = 0.0
    for batch in todo:
        t0, c0 = time.perf_counter(), time.process_time()
        store.upsert_posts(batch)
        spent += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return spent, cpu


def ingest(store: Any, n: int, size: int) -> tuple[float, float]:
    """:func:`upserts` of ``n`` generated posts."""
    started = time.perf_counter()
    spent, cpu = upserts(store, batches(n, size))
    print(
        f"  {type(store).__name__}: generation {time.perf_counter() - started - spent:.0f} s "
        f"(left out), upserts {spent:.0f} s",
        flush=True,
    )
    return spent, cpu


def more_posts(k: int, held: int = 0) -> list[list[Any]]:
    """``k`` posts not in stores of ``held`` posts (new ids: a later run
    over the same stores, which then hold more, writes other posts), in the
    last week before the stores' end, time-ordered as a firehose's next
    posts would be: built before anything is timed."""
    from dataclasses import replace

    tag = f"more{held}-" if held else "more"
    week = 7 * 86400
    start = END.timestamp() - SPAN
    out = []
    for batch in batches(k, 20_000):
        out.append(
            [
                replace(
                    p,
                    id=p.id.replace(":", f":{tag}", 1),
                    native_id=f"{tag}{p.native_id}",
                    url=f"{p.url}/{tag}",
                    published_at=END
                    - timedelta(seconds=week * (1 - (p.published_at.timestamp() - start) / SPAN)),
                )
                for p in batch
            ]
        )
    return out


def more(lite: Any, ch: Any, k: int) -> None:
    """Ingest at the stores' size: ``k`` more posts into each, one store
    after the other (they then hold ``k`` more: a later ``--reuse`` needs
    ``--posts`` plus ``k``)."""
    held = lite.count_posts()
    todo = more_posts(k, held)
    gc.collect()
    rates = {}
    print(f"\n{k:,} more posts into each store (upsert_posts), per wall / CPU second:")
    for name, store in (("SQLite", lite), ("ClickHouse", ch)):
        wall, cpu = rates[name] = upserts(store, todo)
        print(f"  {name:<12}{k / wall:12,.0f}{k / cpu:12,.0f}   load {load()}", flush=True)
    (lw, lc), (cw, cc) = rates["SQLite"], rates["ClickHouse"]
    print(f"  ratio {lw / cw:5.2f}x wall, {lc / cc:5.2f}x CPU")


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeat`` runs (the first warms caches)."""
    best = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return best, cpu


def dashboard(store: Any) -> dict[str, Callable[[], Any]]:
    """The aggregations a dashboard reads, over the last 30 days."""
    from zoneinfo import ZoneInfo

    from veille.analytics.scope import Period, Scope
    from veille.analytics.tops import headline_and_sentiment
    from veille.analytics.volume import _Buckets
    from veille.query import compile_query

    period = Period(END - timedelta(days=30), END)
    day = _Buckets("day", ZoneInfo("America/Montreal"))
    starts = day.keys(period)
    out: dict[str, Callable[[], Any]] = {}
    for label, base in (
        ("all", Scope()),
        ("query", Scope(queries=(compile_query("(lumio OR vexa) -promo").ast,))),
        # As the app scopes a saved topic (veille.analytics.topics.topic_scope):
        # SQLite then reads the topic's rollups where they answer.
        ("topic", Scope().within_topic(TOPIC)),
    ):
        s = base.during(period)
        out.update(
            {
                f"{label}: volume per day": lambda s=s: store.posts_per_bucket(
                    s, period, day, starts
                ),
                f"{label}: volume by platform": lambda s=s: store.post_totals(s, ("platform",)),
                # As the app reads them (and the previous 30 days beside them):
                # a query or topic in one store call, the whole workspace
                # from the store's rollups (analytics.tops).
                f"{label}: headline figures": lambda b=base: headline_and_sentiment(
                    store, b, period
                ),
                f"{label}: sentiment": lambda b=base: store.sentiment_totals(b, period),
                f"{label}: top posts": lambda s=s: store.top_posts(s, limit=10),
                f"{label}: top authors": lambda b=base: store.top_authors(b, period, limit=10),
                f"{label}: top hashtags": lambda s=s: store.top_entities(s, "hashtags", 10),
                f"{label}: top domains": lambda s=s: store.top_entities(s, "domains", 10),
                f"{label}: top stories": lambda s=s: store.top_clusters(s, limit=10),
                f"{label}: authors": lambda b=base: store.author_count(b, period),
            }
        )
    return out


def file_topic(store: Any) -> None:
    """File the saved topic :data:`TOPIC` (its query: :data:`TOPIC_QUERY`)
    over the stored posts, as its first read does, unless done before."""
    from veille.analytics.scope import Scope
    from veille.query import compile_query

    if store.topic_filed_version(TOPIC) is not None:
        return
    t0, c0 = time.perf_counter(), time.process_time()
    n = store.file_topic_backlog(TOPIC, 1, Scope(queries=(compile_query(TOPIC_QUERY).ast,)))
    print(
        f"  {type(store).__name__}: topic {TOPIC_QUERY!r} filed, {n:,} posts, "
        f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU",
        flush=True,
    )


def compact(ch: Any) -> None:
    """The scheduler's hourly upkeep as it would run at :data:`END`: the
    months of posts in several parts merged into one part each (those that
    ended a week before, and the last one while it is small: see
    ``ClickHouseStore.compact_months``)."""
    t0, c0 = time.perf_counter(), time.process_time()
    months = ch.compact_months(END, budget=3600.0)
    print(
        f"\nThe scheduler's upkeep at the last post's time: {len(months)} months of "
        f"ClickHouse posts merged into one part each, {time.perf_counter() - t0:.1f} s wall, "
        f"{time.process_time() - c0:.1f} s CPU (--no-compact: reads as merges left the parts)"
    )


def topic_dashboard(folder: Path) -> None:
    """The saved topic's summary as the web app's home page reads it
    (:func:`veille.services.dashboard.topic_summary`: volume, platforms,
    sentiment and headline figures beside the previous 30 days), through a
    workspace over each store: the SQLite file keeps its own state, the chDB
    folder gets a state file of its own. The topic is :data:`TOPIC` (filed
    before), saved in each state as ``bench``."""
    from veille.analytics.scope import Period
    from veille.query.topics import add_topic, list_topics
    from veille.services.dashboard import topic_summary
    from veille.workspace import Workspace, init_workspace

    folder = folder.resolve()
    per = Period(END - timedelta(days=30), END)
    print("\nThe saved topic's dashboard (services.dashboard.topic_summary), best of 3:")
    times = {}
    for name, urls in (
        ("SQLite", (f"sqlite:///{folder / 'veille.db'}",) * 2),
        ("ClickHouse", (f"chdb:///{folder / 'posts.chdb'}", "sqlite:///state.db")),
    ):
        root = folder / f"workspace-{name.lower()}"
        if not (root / "veille.toml").exists():
            init_workspace(root)
            config = root / "veille.toml"
            text = config.read_text(encoding="utf-8")
            store = f'posts = "{urls[0]}"\nstate = "{urls[1]}"'
            config.write_text(text.replace('# posts = ""\n# state = ""', store), encoding="utf-8")
        with Workspace.open(root) as ws:
            topics = {t.id: t for t in list_topics(ws.state)}
            if TOPIC not in topics:
                add_topic(ws.store, "bench", TOPIC_QUERY)
                topics = {t.id: t for t in list_topics(ws.state)}
            topic = topics.get(TOPIC)
            assert topic is not None and topic.query == TOPIC_QUERY, "the state names topic 1 else"
            summary = topic_summary(ws, topic.name, per, "en")  # warms caches
            times[name] = timed(lambda ws=ws, t=topic.name: topic_summary(ws, t, per, "en"))
        wall, cpu = times[name]
        print(
            f"  {name:<12}{wall * 1000:10.0f} ms wall {cpu * 1000:8.0f} ms CPU   "
            f"({summary.volume.total:,} posts in the period)",
            flush=True,
        )
    (lw, lc), (cw, cc) = times["SQLite"], times["ClickHouse"]
    print(f"  ratio {lw / cw:5.2f}x wall, {lc / cc:5.2f}x CPU")


def queries(k: int) -> list[str]:
    rng = random.Random(SEED)
    folded = sorted({w for w in (x.lower() for x in WORDS) if "'" not in w})
    shapes = [
        lambda: f"{rng.choice(folded)} {rng.choice(folded)}",
        lambda: f"{rng.choice(folded)} OR {rng.choice(folded)}",
        lambda: f"{rng.choice(folded)} -{rng.choice(folded)}",
        lambda: f'"{rng.choice(folded)} {rng.choice(folded)}"',
        lambda: f"{rng.choice(folded)} platform:{rng.choice(PLATFORMS)}",
        lambda: f"{rng.choice(folded)} lang:fr likes:>=3",
        lambda: f"#{rng.choice(HASHTAGS).lower()} {rng.choice(folded)}",
        lambda: f"{rng.choice(folded)[:3]}* {rng.choice(folded)}",
    ]
    return [shapes[i % len(shapes)]() for i in range(k)]


def latencies(store: Any, qs: list[str]) -> tuple[list[float], float]:
    """Wall seconds of each search, and the CPU seconds of all of them."""
    out = []
    c0 = time.process_time()
    for q in qs:
        t0 = time.perf_counter()
        store.search(q, limit=50)
        out.append(time.perf_counter() - t0)
    return out, time.process_time() - c0


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))]


def final_vs_limit_by(ch: Any) -> None:
    """``FINAL`` against ``LIMIT 1 BY id`` (the newest version of each
    post) for a count and a grouped sum, over the parts as they stand (the
    months merged by the upkeep unless ``--no-compact``)."""
    sqls = {
        "count FINAL": "SELECT count() FROM posts FINAL",
        "count LIMIT 1 BY": "SELECT count() FROM (SELECT id FROM posts "
        "ORDER BY id, version DESC LIMIT 1 BY id)",
        "by platform FINAL": "SELECT platform, count(), sum(likes) FROM posts FINAL "
        "GROUP BY platform",
        "by platform LIMIT 1 BY": "SELECT platform, count(), sum(likes) FROM (SELECT id, "
        "platform, likes FROM posts ORDER BY id, version DESC LIMIT 1 BY id) GROUP BY platform",
    }
    print("\nFINAL against LIMIT 1 BY id, ClickHouse (best of 3, ms):")
    for name, sql in sqls.items():
        wall, cpu = timed(lambda sql=sql: ch.rows(sql))
        print(f"  {name:<26} wall {wall * 1000:9.1f}  CPU {cpu * 1000:9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--searches", type=int, default=200)
    ap.add_argument("--folder", type=Path, default=None, help="where the stores go (a temp dir)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="stores of --posts posts already in --folder (from an earlier run): "
        "skip ingest and measure the reads only",
    )
    ap.add_argument(
        "--more",
        type=int,
        default=0,
        metavar="K",
        help="after the reads, write K more posts (new ids, the last week) into each "
        "store and print the rates: ingest at the stores' size",
    )
    ap.add_argument(
        "--no-compact",
        action="store_true",
        help="read ClickHouse as merges left it (no upkeep of its settled months)",
    )
    args = ap.parse_args()
    if args.reuse and args.folder is None:
        ap.error("--reuse needs --folder (the folder of an earlier run)")

    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.sqlite import SQLiteStore

    folder = args.folder or Path(tempfile.mkdtemp(prefix="veille-bench-store-"))
    folder.mkdir(parents=True, exist_ok=True)
    n = args.posts
    cpu = os.cpu_count()
    print(f"{n:,} posts, batches of {args.batch:,}; {cpu} CPUs; stores in {folder}")
    print(f"load average at start: {load()}", flush=True)

    lite = SQLiteStore.open(folder / "veille.db")
    ch = ChdbBackend().open(f"chdb:///{folder / 'posts.chdb'}", root=folder)
    try:
        if not args.reuse:
            s_lite, c_lite = ingest(lite, n, args.batch)
            gc.collect()
            s_ch, c_ch = ingest(ch, n, args.batch)
        assert lite.count_posts() == ch.count_posts() == n, "the stores hold other posts"
        if not args.reuse:
            print("\nIngest (upsert_posts), posts per wall second / per CPU second:")
            print(f"  {'SQLite':<12}{n / s_lite:12,.0f}{n / c_lite:12,.0f}")
            print(
                f"  {'ClickHouse':<12}{n / s_ch:12,.0f}{n / c_ch:12,.0f}   "
                f"ratio {s_lite / s_ch:5.2f}x wall, {c_lite / c_ch:5.2f}x CPU"
            )
            print(f"  load average after ingest: {load()}")

        print("\nThe saved topic's backlog (not timed as an aggregation):")
        for store in (lite, ch):
            file_topic(store)
        if not args.no_compact:
            compact(ch)

        print("\nDashboard aggregations, last 30 days (best of 3, ms, wall | CPU):")
        print(f"  {'':<34}{'SQLite':>16}{'ClickHouse':>18}{'ratio':>16}")
        aggs_lite, aggs_ch = dashboard(lite), dashboard(ch)
        # ClickHouse's cheapest query over the posts (answered from the parts'
        # row counts): no aggregation can take less.
        floor, _ = timed(lambda: ch.rows("SELECT count() FROM posts"), repeat=20)
        ratios, cratios, out_of_reach = [], [], 0
        for name in aggs_lite:
            (a, ac), (b, bc) = timed(aggs_lite[name]), timed(aggs_ch[name])
            ratios.append(a / b)
            cratios.append(ac / max(bc, 1e-6))
            mark = "*" if a < 5 * floor else " "
            out_of_reach += mark == "*"
            print(
                f"  {name:<34}{a * 1000:8.1f}|{ac * 1000:7.1f}{b * 1000:10.1f}|{bc * 1000:7.1f}"
                f"{a / b:8.1f}x|{ac / max(bc, 1e-6):5.1f}x {mark}"
            )
        print(
            f"  geometric mean ratio: {statistics.geometric_mean(ratios):.1f}x wall, "
            f"{statistics.geometric_mean(cratios):.1f}x CPU; "
            f"{sum(r >= 5 for r in ratios)} of {len(ratios)} at 5x or more (wall)"
        )
        print(
            f"  * {out_of_reach}: SQLite answers in less than 5 times ClickHouse's cheapest "
            f"query over the posts ({floor * 1000:.1f} ms, from the parts' row counts): "
            "no ClickHouse query can be 5x faster there"
        )

        qs = queries(args.searches)
        latencies(lite, qs[:10])
        latencies(ch, qs[:10])
        (ql, cl), (qc, cc) = latencies(lite, qs), latencies(ch, qs)
        print(f"\n{len(qs)} searches, 50 newest first (ms; CPU: mean per search):")
        print(f"  {'':<12}{'p50':>9}{'p95':>9}{'CPU':>9}")
        for name, xs, c in (("SQLite", ql, cl), ("ClickHouse", qc, cc)):
            print(
                f"  {name:<12}{statistics.median(xs) * 1000:9.1f}{p95(xs) * 1000:9.1f}"
                f"{c / len(xs) * 1000:9.1f}"
            )
        print(
            f"  ratio p50 {statistics.median(ql) / statistics.median(qc):.2f}x, "
            f"p95 {p95(ql) / p95(qc):.2f}x, CPU {cl / max(cc, 1e-9):.2f}x"
        )

        final_vs_limit_by(ch)
        if args.more:
            more(lite, ch, args.more)
        # The parts in use: merges (and the upkeep's) leave the parts they
        # replaced on disk for a few minutes more.
        active = ch.rows(
            "SELECT sum(bytes_on_disk) FROM system.parts "
            "WHERE active AND database = currentDatabase()"
        )[0][0]
    finally:
        lite.close()
        ch.close()
    topic_dashboard(folder)
    size_lite = sum(folder_size(p) for p in folder.glob("veille.db*"))
    folder_ch = folder_size(folder / "posts.chdb")
    size_ch = int(active)
    held = n + args.more
    print("\nDisk:")
    print(f"  {'SQLite':<12}{size_lite / 2**20:10.0f} MiB  {size_lite / held:7.0f} B/post")
    print(
        f"  {'ClickHouse':<12}{size_ch / 2**20:10.0f} MiB  {size_ch / held:7.0f} B/post"
        f"   ratio {size_lite / size_ch:.2f}x (its parts in use; the folder: "
        f"{folder_ch / 2**20:.0f} MiB, with parts merges replaced, removed a few minutes later)"
    )
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
