"""Relevance on SQLite: bm25 over the FTS5 index, and which posts are
scored for it (moved out of test_sqlite.py, which held every store test)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import make_post
from veille.store import PostFilter
from veille.store.sqlite import SQLiteStore


def test_relevance_ranks_the_periods_matches_by_bm25(tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    store = SQLiteStore.open(tmp_path / "v.db")
    store.upsert_posts(
        [
            make_post("once", "lumio and many other words here vexa", published_at=t0),
            make_post("thrice", "lumio lumio lumio", published_at=t0 + timedelta(hours=1)),
            make_post("twice", "lumio lumio vexa", published_at=t0 + timedelta(hours=2)),
            # The best of all, outside the period.
            make_post("before", "lumio lumio lumio lumio", published_at=t0 - timedelta(days=2)),
            make_post("none", "vexa alone", published_at=t0),
        ]
    )
    day = PostFilter(since=t0, until=t0 + timedelta(days=1))
    # One word: the index finds and scores in one walk; an OR: scored, then matched.
    for query, want in (
        ("lumio", ["thrice", "twice", "once"]),
        ("lumio lang:en", []),
        ("lumio OR vexa", ["twice", "thrice", "once", "none"]),
    ):
        found = [p.native_id for p in store.search(query, day, sort="relevance")]
        assert found == want, query
    everything = [p.native_id for p in store.search("lumio", sort="relevance")]
    assert everything[0] == "before"
    store.close()


def _scored(store: SQLiteStore, query: str, flt: PostFilter | None = None) -> tuple[list[str], int]:
    """``query``'s posts by relevance, and how many posts FTS5 scored for
    it (bm25 reads each scored post's length)."""
    scored: list[str] = []
    store.conn.set_trace_callback(lambda sql: scored.append(sql) if "_docsize" in sql else None)
    try:
        found = [p.native_id for p in store.search(query, flt, sort="relevance", limit=100)]
    finally:
        store.conn.set_trace_callback(None)
    return found, len(scored)


def test_relevance_of_a_boolean_query_scores_its_matches_only(tmp_path: Path) -> None:
    """``lumio panne`` by relevance scored every post holding either word
    (half of them, to keep the 5% holding both): the stream's first page
    over 300,000 posts took 254 ms of CPU (bench/relevance.py), 20 now.
    Its matches alone are scored now, and they come in the order they came
    in: the bm25 of the query's words, then newest first (which the
    expected order below is made of, as the index scores the OR of those
    words)."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    texts = [
        "lumio panne", "lumio lumio panne et encore", "panne panne lumio", "lumio vexa",
        "lumio promo vexa panne", "vexa seule", "panne", "lumio fibre optique",
        "lumio, la fibre puis l'optique", "lumio vexatoire", "un long texte sur lumio sans rien",
    ]  # fmt: skip
    store = SQLiteStore.open(tmp_path / "v.db")
    store.upsert_posts(
        make_post(f"{i}-{n}", text, published_at=t0 + timedelta(minutes=7 * i + n), lang="fr")
        for i, text in enumerate(texts)
        for n in range(6)
    )
    store.upsert_posts(
        make_post(f"filler-{n}", "lumio et rien d'autre", published_at=t0 - timedelta(hours=n))
        for n in range(40)
    )
    by_id = dict(store.conn.execute("SELECT pk, native_id FROM posts").fetchall())
    fr = PostFilter(languages=("fr",))
    later = PostFilter(since=t0 + timedelta(minutes=10))
    for query, flt, ranked in (
        ("lumio panne", None, "lumio panne"),
        ("lumio panne", later, "lumio panne"),
        ("lumio panne lang:fr", None, "lumio panne"),
        ("lumio OR vexa", None, "lumio vexa"),
        ("lumio -vexa", None, "lumio"),
        ("lumio -vexa", fr, "lumio"),
        ("lumio -vexa -panne", None, "lumio"),
        ('lumio -"fibre optique"', None, "lumio"),
        ("lumio -vex*", None, "lumio"),
        ("lumio lumio panne", None, "lumio panne"),
        ("lumio OR lumio OR vexa", None, "lumio vexa"),
        ("lumio -(panne vexa)", None, "lumio"),
        ("lumio -(panne vexa)", fr, "lumio"),
        ("lumio -(promo (panne OR vexa)) -fibre", None, "lumio"),
    ):
        words = store.conn.execute(  # every post holding one of the words, best first
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rank, rowid DESC",
            [" OR ".join(f'"{w}"' for w in ranked.split())],
        ).fetchall()
        matches = {p.id for p in store.search(query, flt, limit=1000)}
        expected = [by_id[k] for (k,) in words if f"mastodon:{by_id[k]}" in matches][:100]
        found, scored = _scored(store, query, flt)
        assert found == expected and found, query
        assert scored == len(matches), query
    store.close()


def test_relevance_of_nested_field_and_phrase_queries_scores_few_posts(tmp_path: Path) -> None:
    """``(lumio OR vexa) panne``, ``lumio (panne OR fibre) -vexa``,
    ``title:lumio panne`` and ``lumio "fibre optique"`` by relevance scored
    every post holding one of their words (over 300,000 posts: bench/relevance.py).
    Now its matches alone are scored, or for a phrase or a word of one
    column the posts holding the words they need in any column (``lumio
    AND panne``: fewer), in the order they came in: the bm25 of the query's
    words over the whole index, then newest first."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    texts = [
        ("", "Lumio Panne"), ("lumio", "panne panne"), ("panne", "lumio lumio et encore"),
        ("", "vexa panne"), ("lumio vexa", "promo panne"), ("", "vexa seule"), ("", "panne"),
        ("fibre optique", "lumio"), ("", "lumio, la fibre puis l'optique"),
        ("", "lumio fibre optique vexa"), ("lumio", "optique fibre"), ("", "lumio vexatoire"),
        ("un long titre", "un long texte sur lumio et la panne de fibre sans rien"),
    ]  # fmt: skip
    store = SQLiteStore.open(tmp_path / "v.db")
    store.upsert_posts(
        make_post(f"{i}-{n}", text, title=title or None, lang="fr",
                  published_at=t0 + timedelta(minutes=7 * i + n))
        for i, (title, text) in enumerate(texts)
        for n in range(5)
    )  # fmt: skip
    store.upsert_posts(
        make_post(f"filler-{n}", "lumio et rien d'autre", published_at=t0 - timedelta(hours=n))
        for n in range(40)
    )
    by_id = dict(store.conn.execute("SELECT pk, native_id FROM posts").fetchall())
    fr = PostFilter(languages=("fr",))
    later = PostFilter(since=t0 + timedelta(minutes=10))
    for query, flt, ranked, needs in (
        ("(lumio OR vexa) panne", None, "lumio vexa panne", ""),
        ("(lumio OR vexa) panne", later, "lumio vexa panne", ""),
        ("lumio (panne OR fibre) -vexa", None, "lumio panne fibre", ""),
        ("lumio (panne OR fibre) -vexa", fr, "lumio panne fibre", ""),
        ("(lumio OR vexa) (panne OR fibre)", None, "lumio vexa panne fibre", ""),
        ("lumio -(vexa OR promo)", None, "lumio", ""),
        ("title:lumio panne", None, "lumio panne", '"lumio" "panne"'),
        ("title:lumio panne lang:fr", None, "lumio panne", '"lumio" "panne"'),
        ('"fibre optique"', None, "fibre optique", '"fibre" "optique"'),
        ("lumio NEAR/2 panne -vexa", None, "lumio panne", '"lumio" "panne" NOT "vexa"'),
        ('raw:"Lumio Panne"', None, "lumio panne", '"lumio" "panne"'),
        ('lumio "fibre optique"', None, "lumio fibre optique", '"lumio" "fibre" "optique"'),
        (
            'lumio text:"fibre optique" -promo',
            None,
            "lumio fibre optique",
            '"lumio" "fibre" "optique"',
        ),
    ):
        words = store.conn.execute(  # every post holding one of the words, best first
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rank, rowid DESC",
            [" OR ".join(f'"{w}"' for w in ranked.split())],
        ).fetchall()
        matches = {p.id for p in store.search(query, flt, limit=1000)}
        expected = [by_id[k] for (k,) in words if f"mastodon:{by_id[k]}" in matches][:100]
        found, scored = _scored(store, query, flt)
        assert found == expected and found, query
        holding = [  # the posts holding one of the words, and those it needs
            store.conn.execute(
                "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", [words]
            ).fetchone()[0]
            for words in (" OR ".join(f'"{w}"' for w in ranked.split()), needs)
            if words
        ]
        assert scored == (holding[1] if needs else len(matches)) < holding[0], query
    store.close()


def test_relevance_is_not_shortened_by_a_deleted_post_still_in_the_index(tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    store = SQLiteStore.open(tmp_path / "v.db")
    store.upsert_posts(
        [
            make_post("best", "lumio lumio lumio", published_at=t0),
            make_post("next", "lumio lumio", published_at=t0 + timedelta(hours=1)),
            make_post("last", "lumio and other words", published_at=t0 + timedelta(hours=2)),
            make_post("german", "nichts", published_at=t0 + timedelta(hours=3), lang="de"),
        ]
    )
    assert [p.native_id for p in store.search("lumio", sort="relevance", limit=2)] == [
        "best",
        "next",
    ]
    # Deleted: its words leave the full-text index at the store's next write.
    store.conn.execute("DELETE FROM posts WHERE id = 'mastodon:best'")
    assert store.conn.execute("SELECT count(*) FROM posts_fts_pending").fetchone()[0] == 1
    found = [p.native_id for p in store.search("lumio", sort="relevance", limit=2)]
    assert found == ["next", "last"]
    # The posts holding no word (scored 0) come after those holding it.
    found = [p.native_id for p in store.search("lumio OR lang:de", sort="relevance", limit=2)]
    assert found == ["next", "last"]
    store.close()


def test_relevance_of_words_ored_with_metadata_reads_the_posts_holding_them(
    tmp_path: Path,
) -> None:
    """``lumio OR lang:fr`` by relevance read every post to keep its
    matches (the French posts without ``lumio`` score 0, after the others):
    at 300,000 posts, 558 ms of CPU over all time (bench/relevance.py).
    The posts holding the words are scored first, about the work of
    ``lumio`` alone, and the others are read only when those do not fill
    the page; same posts, same order: the bm25 of the words, then
    newest first."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    store = SQLiteStore.open(tmp_path / "v.db")
    store.upsert_posts(
        make_post(f"w{n}", "lumio " * (1 + n % 3) + "panne" * (n % 2),
                  published_at=t0 + timedelta(minutes=n), lang="fr" if n % 4 else "en")
        for n in range(30)
    )  # fmt: skip
    store.upsert_posts(
        make_post(f"o{n}", f"rien {n}", published_at=t0 + timedelta(minutes=n, seconds=30),
                  lang="fr" if n % 100 == 0 else "en")
        for n in range(3000)
    )  # fmt: skip
    by_id = dict(store.conn.execute("SELECT pk, native_id FROM posts").fetchall())
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    def walked(query: str, limit: int) -> tuple[list[str], int]:
        steps[0] = 0
        store.conn.set_progress_handler(step, 100)
        try:
            found = [p.native_id for p in store.search(query, sort="relevance", limit=limit)]
        finally:
            store.conn.set_progress_handler(None, 100)
        return found, steps[0]

    ranked = [
        by_id[k]
        for (k,) in store.conn.execute(
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rank, rowid DESC",
            ['"lumio"'],
        )
    ]
    french = [f"o{n}" for n in range(2900, -1, -100)]  # without lumio, newest first
    _found, alone = walked("lumio", 20)
    found, work = walked("lumio OR lang:fr", 20)
    assert found == ranked[:20]
    assert work <= 3 * alone + 5  # not the 3,000 posts without the word
    found, _work = walked("lumio OR lang:fr", 45)  # the page holds the others too
    assert found == ranked + french[:15]
    found, _work = walked("(lumio panne) OR lang:fr", 100)
    lumio_fr = [i for i in ranked if i in {p.native_id for p in store.search("lumio lang:fr")}]
    ranked_both = [
        by_id[k]
        for (k,) in store.conn.execute(
            "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rank, rowid DESC",
            ['"lumio" OR "panne"'],
        )
    ]
    both = {p.native_id for p in store.search("lumio panne", limit=100)}
    assert found == [i for i in ranked_both if i in both or i in lumio_fr] + french
    store.close()
