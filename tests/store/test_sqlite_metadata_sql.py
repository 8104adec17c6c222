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
