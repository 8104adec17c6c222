"""Random queries over random posts: the in-memory evaluator, SQLite, the
percolating Matcher and brute force return the same posts."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.query import compile_query
from veille.query.ast import (
    And,
    Field,
    Flag,
    Near,
    Not,
    Or,
    Phrase,
    Range,
    Raw,
    Tag,
    Term,
    Wildcard,
    to_text,
)
from veille.query.evaluate import Query, compile_node
from veille.store.sqlite import SQLiteStore
from veille.store.sqlite.compiler import to_sqlite
from veille.textnorm import tokens

from .conftest import make_post

WORDS = [
    "Lumio", "lumio", "vexa", "Orbita", "panne", "outage", "cybersécurité", "Cybersecurite",
    "l'ACEI", "acei", "CIRA", "cira", "domaine", "domain", "domains", "color", "colour",
    "d'internet", "internet", "Été", "ete", "le", "the", "phone", "réseau", "reseau",
    "Ελλάδα", "ελλαδα",  # still not ASCII once folded
    # Ligatures spelt out, invisible characters left out of a word.
    "Œuvre", "œuvres", "oeuvre", "cœur", "COEUR", "æquo", "aequo", "Straße", "strasse",
    "cyber\u00adsécurité", "Cyber\u200bsécu\u2060rité", "cyber\u200dsecurite",
    "lʼACEI", "dʼœuvre",
    # French elisions, dropped by every engine alike; and what is no elision.
    "L’ACEI", "contre", "qu’Orbita", "jusqu'à", "aujourd'hui", "n'", "s'",
    # Hashtags and mentions in the text are words there ("#panne lumio").
    "#panne", "@Lumio",
]  # fmt: skip
FOLDED = sorted({w for word in WORDS for w in tokens(word)})
TAGS = ["lumio", "cybersécurité", "Vexa", "#panne", "Œuvre", "cyber\u00adsécurité",
        "##Lumios", "PANNE",
        # Where SQLite's lower() and fold part ways: Turkish dotted and
        # dotless i, ß, a ligature, full-width letters, a combining accent.
        "\u0130stanbul", "\u0131stanbul", "Stra\u00dfe", "\ufb01bre",
        "\uff2c\uff55\uff4d\uff49\uff4f", "Pane\u0301"]  # fmt: skip
HANDLES = ["alice@example.social", "bob", "Élodie@mast.fr"]
# Mentions as stored: a bare name, a Bluesky handle (dots), a Mastodon
# account (@instance), in any case, with or without the sign.
MENTIONS = ["Alice", "bob", "@Élodie", "netpolicy.bsky.social", "Carol@Mastodon.social",
            "@carol@mastodon.social", "carol"]  # fmt: skip
LINKS = ["https://www.example.com/a/lumio", "https://news.lumio.fr/x", "http://orbita.io",
         # Hosts that hold a site's name without being it, or in another case,
         # with a user and port, or not all ASCII (the SQL leaves those to
         # the predicate).
         "http://notexample.com/", "HTTPS://Sub.Example.COM/Été", "https://bob@www.Lumio.fr:8443/",
         "https://ÉXAMPLE.com/x",
         # A quote and a backslash (escaped in JSON, not in a link), an
         # emoji, ß and a dotted capital I, a ligature in the host.
         'https://q.io/?s="Lumio"&p=a\\b', "https://\u0130stanbul.example.com/Stra\u00dfe\U0001f642",
         "https://\ufb01bre.lumio.fr/",
         # A space inside a link (kept percent-encoded: SQLite joins a
         # post's links with spaces).
         "https://lumio.fr/rapport annuel.pdf"]  # fmt: skip
URLS = ["https://blog.lumio.fr/p/{i}", "https://vexa.com/{i}", "https://www.example.com/{i}",
        "HTTPS://WWW.EXAMPLE.COM./{i}", "https://notexample.com/{i}", "https://vexa.example.com/Été/{i}",
        "https://Kelvin.example.com/{i}"]  # fmt: skip
# Languages as sources write them: a region, another case, a three-letter
# code sharing a prefix, empty, and a Kelvin sign (not ASCII, lowers to k).
LANGS = ["fr", "en", "fr-CA", "FR", "Fr-ca", "fra", "", "en-US", "Ka", "k"]

text_st = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)


@st.composite
def posts_st(draw: st.DrawFn, i: int) -> object:
    return make_post(
        str(i),
        draw(text_st),
        title=draw(st.none() | text_st),
        platform=draw(st.sampled_from(["mastodon", "bluesky", "rss"])),
        handle=draw(st.sampled_from(HANDLES)),
        followers=draw(st.none() | st.integers(0, 5000)),
        likes=draw(st.integers(0, 200)),
        shares=draw(st.integers(0, 50)),
        replies=draw(st.integers(0, 20)),
        day=draw(st.integers(1, 28)),
        sentiment=draw(st.none() | st.sampled_from(["positive", "negative", "neutral"])),
        url=draw(st.none() | st.sampled_from([u.format(i=i) for u in URLS])),
        lang=draw(st.none() | st.sampled_from(LANGS)),
        hashtags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
        mentions=tuple(draw(st.lists(st.sampled_from(MENTIONS), max_size=2))),
        links=tuple(draw(st.lists(st.sampled_from(LINKS), max_size=2))),
        media=tuple(draw(st.lists(st.just("https://img/x.png"), max_size=1))),
        parent_id=draw(st.none() | st.just("mastodon:0")),
        repost_of=draw(st.none() | st.just("mastodon:1")),
    )


fld = st.sampled_from(["any", "any", "title", "text"])
word = st.sampled_from(FOLDED)


@st.composite
def wildcard_st(draw: st.DrawFn) -> Wildcard:
    w = draw(word)
    cut = draw(st.integers(1, len(w)))
    if draw(st.booleans()) or cut == len(w):
        return Wildcard(w[:cut] + "*", draw(fld))
    return Wildcard(w[:cut] + "?" + w[cut + 1 :], draw(fld))


leaf = st.one_of(
    st.builds(Term, word, fld),
    st.builds(Term, word, fld),
    wildcard_st(),
    st.builds(lambda a, b, f: Phrase((a, b), f), word, word, fld),
    st.builds(
        lambda ws, d, o: Near(tuple(Term(w) for w in ws), d, o),
        st.lists(word, min_size=2, max_size=3),
        st.integers(0, 4),
        st.booleans(),
    ),
    # A phrase among the items ("a b" NEAR/2 c), and a phrase with slop in
    # one field (title:"a b"~2): the shapes the language has.
    st.builds(
        lambda a, b, c, d, o: Near((Phrase((a, b)), Term(c)), d, o),
        word,
        word,
        word,
        st.integers(0, 3),
        st.booleans(),
    ),
    st.builds(
        lambda ws, d, f: Near(tuple(Term(w) for w in ws), d, False, f),
        st.lists(word, min_size=2, max_size=3),
        st.integers(0, 3),
        fld,
    ),
    # Phrases as users type them: typographic quotes (“…”, « … », „…“),
    # elisions, hashtags and mentions inside, compiled by the parser.
    st.sampled_from(
        [
            "\u201clumio panne\u201d",
            "\u00ab contre l\u2019ACEI \u00bb",
            "\u201equ\u2019Orbita panne\u201c~2",
            "title:\u201cLumio vexa\u201d",
            '"#panne @Lumio"',
            "\u00ab\u202faujourd\u2019hui internet\u202f\u00bb",
            "\u201cchef-d\u2019\u0153uvre\u201d",
            '"ex \u00e6quo"',
            "cyber\u00ads\u00e9curit\u00e9",
        ]
    ).map(lambda t: compile_query(t).ast),
    # A word with a list of words left out, in one field or another (a spam
    # list): SQLite and ClickHouse say the excluded words as one condition.
    st.builds(
        lambda w, out: And((Term(w), *(Not(Term(x, f)) for x, f in out))),
        word,
        st.lists(st.tuples(word, fld), min_size=2, max_size=8),
    ),
    st.sampled_from(["CIRA", "cira", "Lumio", "l'ACEI", "contre l’ACEI", "Œuvre", "æquo"]).map(
        lambda t: Raw(t, tuple(tokens(t)))
    ),
    st.builds(
        Tag,
        st.sampled_from(["hashtag", "mention"]),
        st.sampled_from(
            [
                "lumio",
                "cybersecurite",
                "vexa",
                "panne",
                "alice",
                "bob",
                "elodie",
                "oeuvre",
                "istanbul",
                "\u0131stanbul",
                "strasse",
                "fibre",
            ]
        ),
    ),
    # Mentions with dots and an @instance: only as mentions (no such hashtag).
    st.sampled_from(["netpolicy.bsky.social", "carol@mastodon.social", "carol"]).map(
        lambda v: Tag("mention", v)
    ),
    st.sampled_from(
        [
            Field("author", "alice"),
            Field("author", "elodie"),
            Field("author", "bob"),
            Field("platform", "rss"),
            Field("lang", "fr"),
            Field("lang", "fr-ca"),
            Field("lang", "fra"),
            Field("lang", "k"),
            Field("lang", "ka"),
            Field("lang", "en"),
            Field("site", "lumio.fr"),
            Field("site", "example.com"),
            Field("site", "kelvin.example.com"),
            Field("url", "vexa"),
            Field("url", "www.example.com/"),
            Field("url", "ete"),
            Field("links", "lumio"),
            Field("links", "example.com/"),
            Field("links", "ete"),
            Field("links", "strasse"),
            Field("links", "rapport%20annuel"),
            Field("site", "annuel.pdf"),
            Field("url", "ss"),
            Field("lang", "i"),
            Field("lang", "fi"),
            Field("site", "istanbul.example.com"),
            Field("site", "fibre.lumio.fr"),
            Field("sentiment", "positive"),
        ]
    ),
    st.builds(
        lambda name, lo, hi, li, hi_in: Range(
            name, *sorted((lo, hi)) if lo is not None and hi is not None else (lo, hi), li, hi_in
        ),
        st.sampled_from(["followers", "likes", "shares", "replies"]),
        st.none() | st.integers(0, 3000),
        st.none() | st.integers(0, 3000),
        st.booleans(),
        st.booleans(),
    ),
    st.integers(1, 28).map(lambda d: Range("published", low=1772366400 + d * 86400)),
    st.sampled_from([Flag("reply"), Flag("repost"), Flag("link"), Flag("media")]),
)
query_st = st.recursive(
    leaf,
    lambda kids: st.one_of(
        st.lists(kids, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(kids, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        kids.map(Not),
    ),
    max_leaves=6,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    posts=st.integers(3, 14).flatmap(lambda n: st.tuples(*[posts_st(i) for i in range(n)])),
    queries=st.lists(query_st, min_size=1, max_size=4),
)
def test_matcher_sqlite_and_brute_force_agree(
    memory_store: Callable[[], SQLiteStore], posts: tuple, queries: list
) -> None:
    from veille.query.matcher import Matcher

    store = memory_store()
    try:
        store.upsert_posts(posts)
        matcher = Matcher()
        for qi, ast in enumerate(queries):
            matcher.add(str(qi), Query(to_text(ast), ast, (), compile_node(ast)))
        brute = {p.id: set() for p in posts}
        for qi, ast in enumerate(queries):
            mem = Query("", ast, (), compile_node(ast))
            expected = {p.id for p in posts if mem.matches(p)}
            found = {p.id for p in store.search(ast, limit=1000)}
            assert found == expected, (to_text(ast), ast)
            # Newest first with a small limit walks time windows: same first posts.
            newest = [p.id for p in store.search(ast, limit=2)]
            ranked = sorted(
                (p for p in posts if p.id in expected),
                key=lambda p: (p.published_at, int(p.native_id)),
                reverse=True,
            )
            assert newest == [p.id for p in ranked[:2]], to_text(ast)
            # Full-text lookups bounded to a window's keys keep exactly its posts.
            since, until = (int(posts[i].published_at.timestamp()) for i in (0, 1))
            since, until = min(since, until), max(since, until) + 1
            sql, params = to_sqlite(ast, since=since, until=until)
            kept = {
                r[0]
                for r in store.conn.execute(
                    "SELECT p.id FROM posts p WHERE p.published_at >= ? "
                    f"AND p.published_at < ? AND {sql}",
                    [since, until, *params],
                )
            }
            assert kept == {
                p.id
                for p in posts
                if p.id in expected and since <= p.published_at.timestamp() < until
            }
            # The normalized text means the same thing.
            again = compile_query(to_text(ast))
            assert {p.id for p in posts if again.matches(p)} == expected, to_text(ast)
            for pid in expected:
                brute[pid].add(str(qi))
        for p in posts:
            assert set(matcher.match(p)) == brute[p.id], p
    finally:
        store.close()
