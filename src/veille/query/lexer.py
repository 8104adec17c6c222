"""Query text -> tokens (:func:`lex`), and the error every reading of a query
raises (:class:`QueryError`), with the column of the fault.

Words, phrases in straight or typographic quotes ("…", “…”, „…“, « … »),
parentheses, the operators, ``field:value`` (a quoted value or a range
included) and a leading ``-``; :mod:`veille.query.parser` makes the tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from veille.errors import UsageError, tr
from veille.query.rewrites import X_OPERATORS, field_group


class QueryError(UsageError):
    """An invalid query: ``message``, 1-based ``column`` and a ``hint``."""

    def __init__(self, message: str, *, query: str, column: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.query = query
        self.column = column

    def render(self, say: Callable[[str], str] | None = None) -> str:
        """The query with a caret under the fault, then the message and hint;
        said by ``say`` (the CLI's reader's language), else in English."""
        line = self.query.replace("\n", " ").replace("\t", " ")
        said = say or str
        lines = [
            said(tr("invalid query: %(message)s (column %(column)s)",
                    message=self.message, column=self.column)),
            f"  {line}",
            "  " + " " * (self.column - 1) + "^",
        ]  # fmt: skip
        if self.hint:
            lines.append(said(tr("hint: %(hint)s", hint=self.hint)))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # LP RP AND OR NOT NEAR MINUS WORD PHRASE FIELD EOF
    col: int  # 0-based
    text: str = ""
    value: str = ""
    slop: int | None = None
    end: int = 0


_FIELD_RE = re.compile(r"([A-Za-z]+(?:_[A-Za-z]+)*):")
# The quotes a phrase opens with, and the ones that close it: straight, and the
# typographic pairs that phones, word processors and French typing put in
# ("…", “…”, „…“, « … »). A phrase in any of them is a phrase.
QUOTES = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb"}
_NEAR_RE = re.compile(r"NEAR(?:/(\d*)(f?))?$")
_SLOP_RE = re.compile(r"~(\d+)")


def _field_at(q: str, i: int) -> re.Match[str] | None:
    """The ``name:`` at ``q[i]``; a name with ``_`` only when it is one of
    X's operators (``snake_case:`` in a post is searched as words)."""
    m = _FIELD_RE.match(q, i)
    if m and "_" in m.group(1) and m.group(1).lower() not in X_OPERATORS:
        return None
    return m


def lex(q: str) -> list[Tok]:
    """``q``'s tokens, ending with EOF; a fault the words alone show (an
    unclosed quote or range, NEAR without a distance, a field without its
    value) is a :class:`QueryError` at its column."""
    out: list[Tok] = []
    i, n = 0, len(q)

    def err(msg: str, col: int, hint: str | None = None) -> QueryError:
        return QueryError(msg, query=q, column=col + 1, hint=hint)

    def quoted(start: int) -> tuple[str, int, int | None]:
        closing = QUOTES[q[start]]
        close = next((j for j in range(start + 1, n) if q[j] in closing), -1)
        if close < 0:
            raise err(
                tr("unclosed quote"),
                start,
                tr("add the closing %(quote)s after the phrase", quote=closing[-1]),
            )
        end = close + 1
        slop = None
        m = _SLOP_RE.match(q, end)
        if m:
            slop = int(m.group(1)[:6])
            end = m.end()
        elif q.startswith("~", end):  # "a b"~ or "a b"~x: the number is missing
            raise err(
                tr("~ after a phrase needs a number of words"),
                end,
                tr('write "a b"~5 (the words within 5 words of each other)'),
            )
        return q[start + 1 : close], end, slop

    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c == "(":
            out.append(Tok("LP", i, end=i + 1))
            i += 1
        elif c == ")":
            out.append(Tok("RP", i, end=i + 1))
            i += 1
        elif c in QUOTES:
            text, end, slop = quoted(i)
            out.append(Tok("PHRASE", i, text=text, slop=slop, end=end))
            i = end
        elif c == "-" and i + 1 < n and not q[i + 1].isspace() and q[i + 1] != ")":
            out.append(Tok("MINUS", i, end=i + 1))
            i += 1
        else:
            m = _field_at(q, i)
            if m and m.end() < n and q[m.end()] in QUOTES:
                text, end, slop = quoted(m.end())
                out.append(Tok("FIELD", i, text=m.group(1), value=text, slop=slop, end=end))
                i = end
                continue
            if m and m.end() < n and q[m.end()] in "[{":
                close = -1
                for j in range(m.end(), n):
                    if q[j] in "]}":
                        close = j
                        break
                if close < 0:
                    raise err(
                        tr("unclosed range"), m.end(), tr("close it with ]: likes:[10 TO 100]")
                    )
                out.append(
                    Tok("FIELD", i, text=m.group(1), value=q[m.end() : close + 1], end=close + 1)
                )
                i = close + 1
                continue
            j = i
            while j < n and not q[j].isspace() and q[j] not in "()" and q[j] not in QUOTES:
                j += 1
            word = q[i:j]
            if word in ("AND", "OR", "NOT"):
                out.append(Tok(word, i, text=word, end=j))
            elif word.startswith("NEAR") and _NEAR_RE.match(word):
                nm = _NEAR_RE.match(word)
                assert nm is not None
                if not nm.group(1):
                    raise err(tr("NEAR needs a distance"), i, tr("write NEAR/5 (within 5 words)"))
                dist = int(nm.group(1)[:6])
                out.append(Tok("NEAR", i, text=word, slop=dist, value=nm.group(2), end=j))
            elif word.startswith("NEAR/"):  # NEAR/x, NEAR/-1: was the phrase "near x"
                raise err(
                    tr("%(op)s: the distance is a whole number of words", op=word),
                    i,
                    tr("write NEAR/5 (within 5 words)"),
                )
            else:
                m = _field_at(word, 0)
                if m and m.end() < len(word):
                    out.append(Tok("FIELD", i, text=m.group(1), value=word[m.end() :], end=j))
                elif m and j < n and q[j] == "(":
                    raise err(
                        tr("%(field)s: takes one value, not a group", field=m.group(1)),
                        i,
                        tr("write %(query)s", query=field_group(m.group(1), q, j)),
                    )
                elif m:
                    raise err(
                        tr("%(field)s: needs a value", field=m.group(1)),
                        i,
                        tr("write %(field)s:value with no space after the colon", field=m.group(1)),
                    )
                else:
                    out.append(Tok("WORD", i, text=word, end=j))
            i = j
    out.append(Tok("EOF", n, end=n))
    return out
