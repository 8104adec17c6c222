"""Percolation: many saved queries against each new post.

Like Lucene Monitor, the :class:`Matcher` indexes the queries themselves. Each
query is filed under a few *pre-selection keys*, words that any post it matches
must hold: the rarest required key of each AND, every branch of an OR, never a
NOT. A post is tokenized once, its words looked up in the key index, and only
the queries found (the candidates) are evaluated exactly by the in-memory
engine. Queries with no required key (``-spam``, ``likes:>100``) are kept on an
``always`` list and evaluated for every post; ``veille query explain`` reports
them as costly.

Keys are strings: a folded word (``lumio``); ``*pre`` for a wildcard's prefix;
``#tag`` and ``@user`` for hashtags and mentions; ``a:handle``, ``p:platform``,
``l:lang`` for metadata. None of the markers can occur inside a word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from veille.models import Post
from veille.query.ast import And, Field, Near, Node, Or, Phrase, Raw, Tag, Term, Wildcard
from veille.query.evaluate import Doc, Query, Span

# Metadata keys are poor filters: prefer any word over them.
_META_COST = 10**9
_WILDCARD_COST = 1000


@dataclass(frozen=True, slots=True)
class Selection:
    """How the matcher files one query: ``keys`` (any of them selects it), or
    ``always`` when no key is required (evaluated for every post: costly)."""

    keys: frozenset[str]
    always: bool


class Matcher:
    """Saved queries, filed for fast matching: ``add``, ``remove``, ``match``."""

    def __init__(self, doc_freq: Mapping[str, int] | None = None) -> None:
        self._doc_freq = doc_freq
        self._qfreq: Counter[str] = Counter()
        self._queries: dict[str, Query] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._index: dict[str, set[str]] = {}
        self._always: set[str] = set()
        self._prefix_lens: Counter[int] = Counter()

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, qid: object) -> bool:
        return qid in self._queries

    # -- filing ---------------------------------------------------------------

    def _cost(self, key: str) -> int:
        if key[0] == "*":
            return _WILDCARD_COST + self._qfreq[key]
        if key[0] in "apl" and key[1:2] == ":":
            return _META_COST
        if self._doc_freq is not None:
            return self._doc_freq.get(key.lstrip("#@"), 0) * 1000 + self._qfreq[key]
        return self._qfreq[key]

    def _required(self, node: Node) -> tuple[int, frozenset[str]] | None:
        if isinstance(node, Term):
            return self._cost(node.word), frozenset((node.word,))
        if isinstance(node, Wildcard):
            key = "*" + node.prefix
            return self._cost(key), frozenset((key,))
        if isinstance(node, Phrase | Near | Raw):
            words = (
                node.words
                if isinstance(node, Phrase | Raw)
                else [
                    w
                    for item in node.items
                    for w in (item.words if isinstance(item, Phrase) else (item.word,))
                ]
            )
            best = min(words, key=self._cost)
            return self._cost(best), frozenset((best,))
        if isinstance(node, Tag):
            key = ("#" if node.kind == "hashtag" else "@") + node.value
            return self._cost(key), frozenset((key,))
        if isinstance(node, Field) and node.name in ("author", "platform", "lang"):
            key = {"author": "a:", "platform": "p:", "lang": "l:"}[node.name] + node.value
            return _META_COST, frozenset((key,))
        if isinstance(node, And):
            found = [r for r in (self._required(i) for i in node.items) if r is not None]
            return min(found, key=lambda r: (r[0], len(r[1]))) if found else None
        if isinstance(node, Or):
            total, keys = 0, set()
            for item in node.items:
                r = self._required(item)
                if r is None:
                    return None
                total += r[0]
                keys |= r[1]
            return total, frozenset(keys)
        return None  # NOT, numbers, dates, flags, other fields: select nothing

    def selection(self, query: Query) -> Selection:
        """The keys ``query`` would be filed under (without adding it)."""
        r = self._required(query.ast)
        return Selection(frozenset(), True) if r is None else Selection(r[1], False)

    def add(self, qid: str, query: Query | str) -> None:
        """File ``query`` under ``qid`` (replacing any query of that id)."""
        if isinstance(query, str):
            from veille.query import compile_query

            query = compile_query(query)
        if qid in self._queries:
            self.remove(qid)
        words = _words(query.ast)
        self._qfreq.update(words)
        sel = self.selection(query)
        self._queries[qid] = query
        if sel.always:
            self._always.add(qid)
            self._keys[qid] = frozenset()
            return
        self._keys[qid] = sel.keys
        for key in sel.keys:
            self._index.setdefault(key, set()).add(qid)
            if key[0] == "*":
                self._prefix_lens[len(key) - 1] += 1

    def remove(self, qid: str) -> None:
        """Forget the query ``qid`` (no error when absent)."""
        query = self._queries.pop(qid, None)
        if query is None:
            return
        self._qfreq.subtract(_words(query.ast))
        self._always.discard(qid)
        for key in self._keys.pop(qid, ()):
            ids = self._index.get(key)
            if ids is not None:
                ids.discard(qid)
                if not ids:
                    del self._index[key]
            if key[0] == "*":
                self._prefix_lens[len(key) - 1] -= 1
                if not self._prefix_lens[len(key) - 1]:
                    del self._prefix_lens[len(key) - 1]

    @property
    def always(self) -> frozenset[str]:
        """Ids of the queries evaluated for every post."""
        return frozenset(self._always)

    # -- matching -------------------------------------------------------------

    def candidates(self, doc: Doc) -> set[str]:
        """Ids of the queries that could match ``doc`` (a superset of the matches)."""
        index = self._index
        found: set[str] = set(self._always)
        for key in doc.all:
            ids = index.get(key)
            if ids:
                found |= ids
        for lens in self._prefix_lens:
            for word in doc.all:
                if len(word) >= lens:
                    ids = index.get("*" + word[:lens])
                    if ids:
                        found |= ids
        for key in _meta_keys(doc):
            ids = index.get(key)
            if ids:
                found |= ids
        return found

    def match_ids(self, post: Post | Doc) -> list[str]:
        """Ids of the queries ``post`` matches, in no particular order."""
        doc = post if isinstance(post, Doc) else Doc(post)
        queries = self._queries
        return [qid for qid in self.candidates(doc) if queries[qid].test(doc)]

    def match(self, post: Post | Doc) -> dict[str, list[Span]]:
        """``{query id: matched spans}`` for every query ``post`` matches."""
        doc = post if isinstance(post, Doc) else Doc(post)
        return {qid: self._queries[qid].spans(doc) for qid in self.match_ids(doc)}

    def match_many(self, posts: Iterable[Post]) -> Iterable[tuple[Post, list[str]]]:
        for post in posts:
            yield post, self.match_ids(post)


def _meta_keys(doc: Doc) -> list[str]:
    p = doc.post
    keys = ["#" + t for t in doc.tags("hashtag")]
    keys.extend("@" + m for m in doc.tags("mention"))
    keys.append("p:" + p.platform.lower())
    handle = p.author.handle
    if handle:
        from veille.textnorm import fold

        h = fold(handle).lstrip("@")
        keys.append("a:" + h)
        parts = h.split("@")
        keys.extend("a:" + "@".join(parts[:i]) for i in range(1, len(parts)))
    if p.lang:
        code = p.lang.lower()
        keys.append("l:" + code)
        parts = code.split("-")
        keys.extend("l:" + "-".join(parts[:i]) for i in range(1, len(parts)))
    return keys


def _words(node: Node) -> list[str]:
    from veille.query.ast import text_words, walk

    out: list[str] = []
    for n in walk(node):
        out.extend(text_words(n))
        if isinstance(n, Wildcard):
            out.append("*" + n.prefix)
        elif isinstance(n, Tag):
            out.append(("#" if n.kind == "hashtag" else "@") + n.value)
    return out
