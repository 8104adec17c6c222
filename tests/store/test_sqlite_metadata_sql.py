"""A query's metadata filters run as plain SQL on SQLite: ``lumio lang:fr``
over a month of 1M posts called a Python function for each of its 390,000
candidate posts (half its CPU, in the trends, the stream's count and every
chart under the query). The ``veille_*`` predicates are now asked only about
the posts SQL cannot decide exactly: text that is not all ASCII, and for
``site:`` and tags, the posts whose URL, links or tags hold the value at all.
The answers stay the predicates' (tests/query/test_engines_agree.py and
tests/store/test_query_equivalence.py compare every engine on tricky values)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from tests.query.conftest import make_post
from veille.query import compile_query
from veille.query import predicates as pr
from veille.query.ast import Node
from veille.store.sqlite import SQLiteStore

# Each filter's predicate as veille.store.sqlite.functions registers it.
PREDICATES: dict[str, tuple[int, Callable[..., bool]]] = {
    "veille_lang": (2, pr.lang_ok),
    "veille_url": (2, pr.url_ok),
    "veille_links": (2, pr.links_ok),
    "veille_site": (3, pr.site_ok),
    "veille_has": (2, pr.has_item),
}


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    posts = [
        make_post(
            str(i),
            "Lumio en panne" if i % 2 else "Lumio répond",
            lang=["fr", "FR-ca", "en", "fra", None, ""][i % 6],
            url=f"https://{['www.', 'sub.', 'not'][i % 3]}example.com/{i}",
            links=("https://Vexa.io/Tarifs",) if i % 4 == 0 else (),
            hashtags=("Panne",) if i % 5 == 0 else ("pannes",) if i % 5 == 1 else (),
            day=1 + i % 28,
        )
        for i in range(60)
    ]
    s = SQLiteStore.open(":memory:")
    s.upsert_posts(posts)
    yield s
    s.close()


def calls_of(store: SQLiteStore) -> Counter[str]:
    """How many times SQLite calls each predicate from now on."""
    calls: Counter[str] = Counter()

    def counted(name: str, fn: Callable[..., bool]) -> Callable[..., int]:
        def call(*args: object) -> int:
            calls[name] += 1
            return 1 if fn(*args) else 0

        return call

    for name, (n, fn) in PREDICATES.items():
        store.conn.create_function(name, n, counted(name, fn), deterministic=True)
    return calls


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("lumio lang:fr", 20),  # fr and FR-ca; not en, fra, none or empty
        ("lumio -lang:fr", 40),  # the others, those without a language included
        ("lumio url:WWW.example", 20),
        ("lumio links:vexa.io/tarifs", 15),
    ],
)
def test_a_language_url_or_link_filter_calls_no_python_function(
    store: SQLiteStore, query: str, found: int
) -> None:
    calls = calls_of(store)
    ast = compile_query(query).ast
    assert store.count_matches(ast) == found
    assert len(store.search(ast, limit=100)) == found
    assert calls == Counter()


@pytest.mark.parametrize(
    ("query", "found", "asked"),
    [
        # www.example.com and sub.example.com, not notexample.com (which holds it).
        ("lumio site:example.com", 40, 60),
        ("lumio site:vexa.io", 15, 15),  # asked only of the posts linking there
        ("lumio #panne", 12, 24),  # asked of #Panne and #pannes only
    ],
)
def test_a_site_or_tag_filter_asks_only_the_posts_that_hold_its_value(
    store: SQLiteStore, query: str, found: int, asked: int
) -> None:
    calls = calls_of(store)
    assert store.count_matches(compile_query(query).ast) == found
    assert sum(calls.values()) == asked


# Stored values where SQLite's lower()/instr and veille's fold part ways:
# Turkish dotted and dotless i, German ß, a ligature, the Kelvin sign (lowers
# to an ASCII k), full-width letters, a combining accent, an emoji, a quote
# and a backslash (escaped in JSON, not in the value), a NUL, empty and NULL.
_ODD = ["\u0130stanbul", "\u0131stanbul", "Stra\u00dfe", "\ufb01bre", "\u212aelvin",
        "\uff2c\uff55\uff4d\uff49\uff4f", "Cafe\u0301", "\U0001f642", 'q="A"', "b\\X", "nul\x00k",
        "Lumio", "LUMIO", "strasse"]  # fmt: skip
_LANGS = [None, "", "fr", "FR", "fr-CA", "Fr-ca", "fra", "\u212a", "\u212aa", "\u0130",
          "\u0131", "\ufb01", "\uff46\uff52", "fr\u0301", "\U0001f642", "k"]  # fmt: skip
_URLS = [None, "", *(f"https://{w}.example.com/{w}" for w in _ODD), "https://Example.COM./x"]
_LINKS = [(), ("",), *((f"http://www.{w}.io/{w}",) for w in _ODD), ("https://a.io", "b.io/c")]
_TAGS = [(), *((w,) for w in _ODD), ("#" + _ODD[0], "@" + _ODD[2])]


def _filters() -> list[Node]:
    from veille.query.ast import Field, Tag
    from veille.textnorm import fold

    words = sorted({fold(w) for w in _ODD} - {""})
    out: list[Node] = [Field("lang", v) for v in ("fr", "fr-ca", "k", "ka", "i", "fi", "en")]
    out += [Field("url", w) for w in [*words, "ss", "example.com/", '"a"', "\\x", "k"]]
    out += [Field("links", w) for w in [*words, "ss", "www.", '="a"', "b\\x"]]
    out += [Field("site", f"{w}.example.com") for w in words] + [Field("site", "example.com")]
    out += [Field("site", f"{w}.io") for w in words]
    out += [Tag(kind, w) for w in words for kind in ("hashtag", "mention")]
    return out


def test_metadata_filters_find_the_predicates_posts_on_text_sql_folds_otherwise() -> None:
    """Every filter that runs as SQL (``lang:``, ``url:``, ``links:``, and the
    SQL that picks the posts ``site:`` and tags ask of Python), alone, negated
    and inside OR, finds in the store exactly the posts the in-memory
    evaluator and the alerts' matcher find, on the values where SQLite's
    lower()/instr and Python's fold differ."""
    from veille.query.ast import Not, Or, to_text
    from veille.query.evaluate import Query, compile_node
    from veille.query.lexer import QueryError
    from veille.query.matcher import Matcher

    posts = [
        make_post(
            str(i),
            f"Lumio {i}",
            lang=_LANGS[i % len(_LANGS)],
            # A URL a post (posts at one URL are one post).
            url=u and f"{u}?n={i}" if (u := _URLS[i % len(_URLS)]) is not None else None,
            links=_LINKS[(i * 7) % len(_LINKS)],
            hashtags=_TAGS[(i * 5) % len(_TAGS)],
            mentions=_TAGS[(i * 3) % len(_TAGS)],
            day=1 + i % 28,
        )
        for i in range(3 * len(_URLS))
    ]
    store = SQLiteStore.open(":memory:")
    try:
        store.upsert_posts(posts)
        leaves = _filters()
        asts: list[Node] = [*leaves, *(Not(x) for x in leaves)]
        asts += [Or((a, b)) for a, b in zip(leaves, leaves[1:] + leaves[:1], strict=True)]
        matcher = Matcher()
        expected_by: dict[str, set[str]] = {p.id: set() for p in posts}
        for n, ast in enumerate(asts):
            mem = Query("", ast, (), compile_node(ast))
            expected = {p.id for p in posts if mem.matches(p)}
            found = {p.id for p in store.search(ast, limit=1000)}
            assert found == expected, to_text(ast)
            assert store.count_matches(ast) == len(expected), to_text(ast)
            try:  # (the matcher reads the text: a tag a user can write)
                compile_query(to_text(ast))
            except QueryError:
                continue
            matcher.add(str(n), Query(to_text(ast), ast, (), compile_node(ast)))
            for pid in expected:
                expected_by[pid].add(str(n))
        for p in posts:
            assert set(matcher.match(p)) == expected_by[p.id], p.id
    finally:
        store.close()
