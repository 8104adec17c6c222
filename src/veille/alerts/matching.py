"""The small interface the alert engine needs from the query language.

An alert's query compiles to a :class:`Compiled` (``matches(post)``,
``spans(post)``). :func:`compile_text` uses :func:`veille.query.compile_query`
when the query package is installed; otherwise a minimal fallback understands
words (all required), ``"phrases"``, ``OR`` between words and ``-word`` (NOT).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from veille.models import Post
from veille.textnorm import fold, token_spans, tokens

# (field, start, end): a character span of the post's "title" or "text".
Span = tuple[str, int, int]


class Compiled(Protocol):
    def matches(self, post: Post) -> bool: ...

    def spans(self, post: Post) -> Any: ...


def normalize_spans(raw: Any) -> list[Span]:
    """Spans from any compiler as ``(field, start, end)``; bare pairs are in ``text``."""
    out: list[Span] = []
    if isinstance(raw, dict):
        for fld, items in raw.items():
            for item in items:
                out.append((str(fld), int(item[0]), int(item[1])))
        return out
    for item in raw or ():
        if hasattr(item, "start") and hasattr(item, "end"):
            out.append((str(getattr(item, "field", "text")), int(item.start), int(item.end)))
        elif len(item) == 3:
            out.append((str(item[0]), int(item[1]), int(item[2])))
        else:
            out.append(("text", int(item[0]), int(item[1])))
    return out


_TERM = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class _Clause:
    alternatives: tuple[tuple[str, ...], ...]  # each alternative: a phrase of folded words
    negated: bool


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class FallbackQuery:
    """Words and phrases, all required; ``OR`` between two; ``-`` to exclude."""

    clauses: tuple[_Clause, ...]

    @classmethod
    def parse(cls, text: str) -> FallbackQuery:
        clauses: list[_Clause] = []
        pending_or = False
        for m in _TERM.finditer(text):
            if m.group(3) == "OR":
                pending_or = True
                continue
            neg = bool(m.group(1)) or (m.group(3) or "").startswith("-")
            raw = m.group(2) if m.group(2) is not None else (m.group(3) or "").lstrip("-")
            phrase = tuple(tokens(raw))
            if not phrase:
                continue
            if pending_or and clauses and not neg:
                last = clauses.pop()
                clauses.append(_Clause((*last.alternatives, phrase), last.negated))
            else:
                clauses.append(_Clause((phrase,), neg))
            pending_or = False
        return cls(tuple(clauses))

    def matches(self, post: Post) -> bool:
        return self.matches_words(tokens(f"{post.title or ''} {post.text}"))

    def matches_words(self, words: Sequence[str]) -> bool:
        """Like :meth:`matches`, on the post's words already cut."""
        for clause in self.clauses:
            hit = any(_contains(words, alt) for alt in clause.alternatives)
            if hit == clause.negated:
                return False
        return bool(self.clauses)

    def spans(self, post: Post) -> list[Span]:
        wanted = {w for c in self.clauses if not c.negated for alt in c.alternatives for w in alt}
        out: list[Span] = []
        for fld, value in (("title", post.title or ""), ("text", post.text)):
            out.extend((fld, s, e) for w, s, e in token_spans(value) if w in wanted)
        return out

    def positive_terms(self) -> set[str]:
        return {w for c in self.clauses if not c.negated for alt in c.alternatives for w in alt}


def compile_text(text: str) -> Compiled:
    """Compile an alert query with the query language when present."""
    try:
        from veille.query import compile_query
    except ImportError:
        return FallbackQuery.parse(text)
    compiled: Compiled = compile_query(text)
    return compiled


TopicResolver = Callable[[str], "str | None"]


def topic_query(conn: Any, name: str) -> str | None:
    """The current query of topic ``name``, or ``None`` when there is no such topic."""
    try:
        from veille.query import topics
    except ImportError:
        return None
    for getter in ("current_query", "get_query"):
        fn = getattr(topics, getter, None)
        if fn is not None:
            result = fn(conn, name)
            return None if result is None else str(result)
    return None


def topics_available() -> bool:
    try:
        from veille.query import topics  # noqa: F401
    except ImportError:
        return False
    return True


def query_words(text: str) -> set[str]:
    """Folded words appearing in a query (for suggestions: never suggest those)."""
    return set(tokens(fold(text)))
