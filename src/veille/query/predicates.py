"""Metadata and position predicates shared by the evaluator and SQL engines.

The SQLite backend registers these same functions on its connections
(:func:`veille.store.sqlite.functions.install`), so a condition that plain SQL
cannot express (folded handle comparison, host suffixes, ordered proximity,
``?`` wildcards) is decided by the same code in both engines. A ClickHouse
compiler implements them natively.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache

from veille.textnorm import fold, tokens


def _items(value: str | Sequence[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return list(value)


def tag_key(item: str) -> str:
    """A stored hashtag or mention as the query compares it: folded, no ``#``/``@``."""
    return fold(item).lstrip("#@")


def has_item(stored: str | Sequence[str] | None, value: str) -> bool:
    """``value`` (folded) is one of the stored hashtags/mentions."""
    return any(tag_key(i) == value for i in _items(stored))


def author_ok(handle: str | None, value: str) -> bool:
    if not handle:
        return False
    h = fold(handle).lstrip("@")
    return h == value or h.startswith(value + "@")


def lang_ok(lang: str | None, value: str) -> bool:
    if not lang:
        return False
    code = lang.lower()
    return code == value or code.startswith(value + "-")


def host_of(url: str) -> str:
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split("@")[-1].split(":")[0]
    return fold(host).removeprefix("www.").rstrip(".")


def site_ok(url: str | None, links: str | Sequence[str] | None, value: str) -> bool:
    hosts = [host_of(u) for u in [url or "", *_items(links)] if u]
    return any(h == value or h.endswith("." + value) for h in hosts)


def url_ok(url: str | None, value: str) -> bool:
    return bool(url) and value in fold(url or "")


def links_ok(links: str | Sequence[str] | None, value: str) -> bool:
    return any(value in fold(u) for u in _items(links))


@lru_cache(maxsize=4096)
def wildcard_matcher(pattern: str) -> _Wildcard:
    """A word matcher for ``pattern`` (``*``: letters or digits, ``?``: one of
    them): ``wildcard_matcher(p).match(word)``."""
    return _Wildcard(pattern)


class _Wildcard:
    """A wildcard matched in time linear in the pattern times the word. As a
    regex, each ``*`` backtracked over the others: ``a*a*…*b`` (20 stars) on a
    word of 3,000 letters ran for hours, in a viewer's search and in every
    alert matching a new post."""

    __slots__ = ("pattern", "prefix_only")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        # The usual form, lumio*: no backtracking to fear.
        self.prefix_only = pattern.endswith("*") and not any(c in "*?" for c in pattern[:-1])

    def match(self, word: str) -> bool:
        # A pattern is letters, digits, * and ?: a word it matches holds only
        # letters and digits ([^\W_] as the regex said it, str.isalnum).
        if not word.isalnum():
            return False
        p = self.pattern
        if self.prefix_only:
            return word.startswith(p[:-1])
        # The classic two-pointer glob: on a mismatch, the last * takes one
        # more character; the pattern is walked again from just after it.
        i = j = 0
        star, mark = -1, 0
        while j < len(word):
            if i < len(p) and (p[i] == "?" or p[i] == word[j]):
                i += 1
                j += 1
            elif i < len(p) and p[i] == "*":
                star, mark = i, j
                i += 1
            elif star >= 0:
                i, mark = star + 1, mark + 1
                j = mark
            else:
                return False
        while i < len(p) and p[i] == "*":
            i += 1
        return i == len(p)


def positions(toks: Sequence[str]) -> dict[str, list[int]]:
    pos: dict[str, list[int]] = {}
    for i, w in enumerate(toks):
        pos.setdefault(w, []).append(i)
    return pos


def phrase_starts(
    toks: Sequence[str], pos: dict[str, list[int]], words: Sequence[str]
) -> list[int]:
    """Start positions of ``words`` as consecutive tokens."""
    found = pos.get(words[0])
    if not found:
        return []
    k = len(words)
    if k == 1:
        return found
    if k == 2:
        second, last = words[1], len(toks) - 1
        return [p for p in found if p < last and toks[p + 1] == second]
    seq = list(words)
    return [p for p in found if list(toks[p : p + k]) == seq]


def near_ok(
    toks: Sequence[str],
    pos: dict[str, list[int]],
    items: Sequence[Sequence[str]],
    distance: int,
    ordered: bool,
) -> bool:
    """Whether ``items`` (each a word sequence) occur within ``distance`` words.

    At most ``distance`` tokens lie between the end of the first occurrence and
    the start of the last; ``ordered`` also requires the written order without
    overlap.
    """
    if len(items) == 2 and len(items[0]) == 1 and len(items[1]) == 1:
        # Two words (the commonest case): compare their positions directly.
        first, second = pos.get(items[0][0]), pos.get(items[1][0])
        if not first or not second:
            return False
        reach = distance + 1
        low = 1 if ordered else -reach
        for i in first:
            for j in second:
                if low <= j - i <= reach:
                    return True
        return False
    starts = [phrase_starts(toks, pos, it) for it in items]
    if any(not s for s in starts):
        return False
    lens = [len(it) for it in items]
    if ordered:
        for s0 in starts[0]:
            end = s0 + lens[0]
            ok = True
            last = s0
            for j in range(1, len(items)):
                lst = starts[j]
                k = bisect_left(lst, end)
                if k == len(lst):
                    ok = False
                    break
                last = lst[k]
                end = last + lens[j]
            if ok and last - (s0 + lens[0]) <= distance:
                return True
        return False
    for i, lst in enumerate(starts):
        for s in lst:
            limit = s + lens[i] + distance
            if all(j == i or _has_in(starts[j], s, limit) for j in range(len(items))):
                return True
    return False


def _has_in(lst: list[int], lo: int, hi: int) -> bool:
    k = bisect_left(lst, lo)
    return k < len(lst) and lst[k] <= hi


def field_near(text: str | None, spec: str) -> bool:
    if not text:
        return False
    distance_s, ordered_s, *rest = spec.split("|")
    items = [it.split() for it in rest]
    toks = tokens(text)
    return near_ok(toks, positions(toks), items, int(distance_s), ordered_s == "1")


def near_spec(items: Sequence[Sequence[str]], distance: int, ordered: bool) -> str:
    """The one-string argument of the SQL function ``veille_near``."""
    return "|".join([str(distance), "1" if ordered else "0", *(" ".join(i) for i in items)])


def wild_in(text: str | None, pattern: str) -> bool:
    if not text:
        return False
    rx = wildcard_matcher(pattern)
    return any(rx.match(w) for w in set(tokens(text)))


def raw_in(text: str | None, exact: str, words: str) -> bool:
    """Case-exact: ``exact`` appears in ``text`` and so do the folded ``words`` as a phrase."""
    if not text or exact not in text:
        return False
    toks = tokens(text)
    return bool(phrase_starts(toks, positions(toks), words.split()))
