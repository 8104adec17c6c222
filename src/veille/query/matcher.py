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
from functools import lru_cache

from veille.models import Post
from veille.query.ast import And, Field, Near, Node, Or, Phrase, Raw, Tag, Term, Wildcard
from veille.query.evaluate import Doc, Pred, Query, Span

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
        # Only the text and the compiled predicate are kept per query (the AST
        # is rebuilt on demand for spans): 100,000 queries fit in little memory.
        self._texts: dict[str, str] = {}
        self._preds: dict[str, Pred] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        self._index: dict[str, set[str]] = {}
        self._always: set[str] = set()
        self._prefix_lens: Counter[int] = Counter()
        self._meta: int = 0  # how many filed keys are metadata keys
        # Plain word queries (an AND of words or ORs of words) are kept as data:
        # selected by one clause, the rest is ``(words all needed, groups each
        # needing one)``; with no rest, being selected IS matching (``_exact``).
        self._exact: dict[str, set[str]] = {}
        self._rest: dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {}
        # Two or more clauses: filed under a pair (word of the cheapest clause,
        # word of the next), so a post selects only queries with two clauses met.
        self._pairs: dict[str, dict[str, list[str]]] = {}
        self._pair_keys: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, qid: object) -> bool:
        return qid in self._texts

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
            total, keys = 0, set[str]()
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
            query = _compile(query)
        if qid in self._texts:
            self.remove(qid)
        self._qfreq.update(_words(query.ast))
        self._texts[qid] = query.text
        clauses = _cnf(query.ast)
        target = self._index
        if clauses is not None:
            order = sorted(
                range(len(clauses)),
                key=lambda i: (sum(self._cost(w) for w in clauses[i]), len(clauses[i])),
            )
            keys: frozenset[str] = clauses[order[0]]
            if len(clauses) == 1:
                target = self._exact
            else:
                second = clauses[order[1]]
                for a in keys:
                    sub = self._pairs.setdefault(a, {})
                    for b in second:
                        sub.setdefault(b, []).append(qid)
                self._pair_keys[qid] = (keys, second)
                others = [clauses[i] for i in order[2:]]
                if others:
                    singles = frozenset(w for c in others if len(c) == 1 for w in c)
                    self._rest[qid] = (singles, tuple(c for c in others if len(c) > 1))
                self._keys[qid] = ()
                return
        else:
            self._preds[qid] = query._pred
            sel = self.selection(query)
            if sel.always:
                self._always.add(qid)
                self._keys[qid] = ()
                return
            keys = sel.keys
        self._keys[qid] = tuple(keys)
        for key in keys:
            target.setdefault(key, set()).add(qid)
            self._meta += _is_meta(key)
            if key[0] == "*":
                self._prefix_lens[len(key) - 1] += 1

    def remove(self, qid: str) -> None:
        """Forget the query ``qid`` (no error when absent)."""
        text = self._texts.pop(qid, None)
        if text is None:
            return
        self._qfreq.subtract(_words(_compile(text).ast))
        self._preds.pop(qid, None)
        self._rest.pop(qid, None)
        first, second = self._pair_keys.pop(qid, ((), ()))
        for a in first:
            sub = self._pairs[a]
            for b in second:
                sub[b].remove(qid)
                if not sub[b]:
                    del sub[b]
            if not sub:
                del self._pairs[a]
        self._always.discard(qid)
        for key in self._keys.pop(qid, ()):
            for index in (self._index, self._exact):
                ids = index.get(key)
                if ids is not None:
                    ids.discard(qid)
                    if not ids:
                        del index[key]
            self._meta -= _is_meta(key)
            if key[0] == "*":
                self._prefix_lens[len(key) - 1] -= 1
                if not self._prefix_lens[len(key) - 1]:
                    del self._prefix_lens[len(key) - 1]

    def query(self, qid: str) -> Query:
        """The compiled query filed under ``qid`` (KeyError when absent)."""
        return _compile(self._texts[qid])

    @property
    def always(self) -> frozenset[str]:
        """Ids of the queries evaluated for every post."""
        return frozenset(self._always)

    # -- matching -------------------------------------------------------------

    def _lookup(self, index: dict[str, set[str]], doc: Doc) -> set[str]:
        get = index.get
        hits = [ids for key in doc.all if (ids := get(key))]
        for lens in self._prefix_lens:
            hits.extend(
                ids for word in doc.all if len(word) >= lens and (ids := get("*" + word[:lens]))
            )
        if self._meta:
            hits.extend(ids for key in _meta_keys(doc) if (ids := get(key)))
        return set().union(*hits)

    def _pair_hits(self, words: set[str]) -> set[str]:
        get = self._pairs.get
        found: set[str] = set()
        for word in words:
            sub = get(word)
            if sub:
                for other in words.intersection(sub):
                    found.update(sub[other])
        return found

    def candidates(self, doc: Doc) -> set[str]:
        """Ids of the queries that could match ``doc`` (a superset of the matches)."""
        return (
            self._lookup(self._index, doc)
            | self._lookup(self._exact, doc)
            | self._pair_hits(doc.all)
            | self._always
        )

    def match_ids(self, post: Post | Doc) -> list[str]:
        """Ids of the queries ``post`` matches, in no particular order."""
        doc = post if isinstance(post, Doc) else Doc(post)
        found = list(self._lookup(self._exact, doc)) if self._exact else []
        words = doc.all
        rest = self._rest
        for qid in self._pair_hits(words) if self._pairs else ():
            r = rest.get(qid)
            if r is None:
                found.append(qid)
            elif r[0] <= words:
                for group in r[1]:
                    if group.isdisjoint(words):
                        break
                else:
                    found.append(qid)
        preds = self._preds
        verify = self._lookup(self._index, doc) if self._index else set()
        if self._always:
            verify |= self._always
        found.extend(qid for qid in verify if preds[qid](doc))
        return found

    def match(self, post: Post | Doc) -> dict[str, list[Span]]:
        """``{query id: matched spans}`` for every query ``post`` matches."""
        doc = post if isinstance(post, Doc) else Doc(post)
        return {qid: self.query(qid).spans(doc) for qid in self.match_ids(doc)}

    def match_many(self, posts: Iterable[Post]) -> Iterable[tuple[Post, list[str]]]:
        for post in posts:
            yield post, self.match_ids(post)


def _clause(node: Node) -> frozenset[str] | None:
    if isinstance(node, Term) and node.field == "any":
        return frozenset((node.word,))
    if isinstance(node, Or) and all(isinstance(i, Term) and i.field == "any" for i in node.items):
        return frozenset(i.word for i in node.items)  # type: ignore[union-attr]
    return None


def _cnf(node: Node) -> list[frozenset[str]] | None:
    """``node`` as AND-ed clauses of OR-ed plain words, or None."""
    single = _clause(node)
    if single is not None:
        return [single]
    if isinstance(node, And):
        clauses = [_clause(i) for i in node.items]
        if all(c is not None for c in clauses):
            return clauses  # type: ignore[return-value]
    return None


@lru_cache(maxsize=2048)
def _compile(text: str) -> Query:
    from veille.query import compile_query

    return compile_query(text)


def _is_meta(key: str) -> int:
    return 1 if key[0] in "#@" or key[1:2] == ":" else 0


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
