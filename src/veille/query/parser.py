"""Query text -> AST, with errors that point at the fault.

Grammar (precedence from loosest to tightest)::

    query   := or EOF
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          # juxtaposition is AND
    near    := unary ("NEAR/n" | "NEAR/nf" unary)*
    unary   := "NOT" unary | "-" primary | primary
    primary := "(" or ")" | "phrase"[~n] | word | field:value | #tag | @mention

A phrase is in straight or typographic quotes ("…", “…”, „…“, « … »).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from veille.errors import tr
from veille.query.ast import (
    MAX_NESTING,
    MAX_NUMBER,
    And,
    Field,
    Flag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    Raw,
    Tag,
    Term,
    Wildcard,
    nesting,
)
from veille.query.lexer import QUOTES, QueryError, Tok, lex
from veille.query.rewrites import X_OPERATORS, x_operator
from veille.suggest import nearest, unknown_platform
from veille.textnorm import WORD_RE, fold, strip_elisions
from veille.textnorm import tokens as _tokens

MAX_DEPTH = 60  # parentheses inside one another (a group need not nest operators)


def tokens(text: str) -> list[str]:
    """Folded words, interned: thousands of saved queries share their strings."""
    return [sys.intern(w) for w in _tokens(text)]


MAX_LENGTH = 10_000

FIELD_NAMES: dict[str, str] = {
    "author": "author", "platform": "platform", "source": "platform", "lang": "lang",
    "site": "site", "domain": "site", "url": "url", "links": "links",
    "sentiment": "sentiment", "title": "title", "text": "text", "raw": "raw",
    "followers": "followers", "likes": "likes", "shares": "shares", "replies": "replies",
    "since": "since", "until": "until", "is": "is", "has": "has",
}  # fmt: skip
_NUMERIC = ("followers", "likes", "shares", "replies")
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_SENTIMENTS = ("positive", "negative", "neutral")
_FLAG_VALUES = {
    "is": {"reply": "reply", "repost": "repost"},
    "has": {"link": "link", "links": "link", "media": "media"},
}
_OPERATOR_HINTS = {"&&": "AND", "&": "AND", "||": "OR", "|": "OR", "!": "NOT"}


_FUZZY_RE = re.compile(r"[^\W_][\w'’-]*~\d*")
# NEAR5, near/5, Near5f: the operator mistyped (it is NEAR/5, upper case).
_NEAR_TYPO_RE = re.compile(r"(?i:near)/?(\d+)(f?)")
# A mention as posts write it (veille.enrich.textparts.MENTION_RE): @alice,
# @alice.bsky.social (dots inside), @alice@mastodon.social (an @instance with a
# dot); compared whole with the stored mentions, folded, by every engine.
_MENTION_RE = re.compile(r"\w(?:[\w.-]*\w)?(?:@[\w-]+(?:\.[\w-]+)+)?")


@dataclass
class Parsed:
    ast: Node
    warnings: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        self.toks = lex(q)
        self.i = 0
        self.depth = 0
        self.nots = 0  # NOT/- inside one another, counted before recursing
        self.warnings: list[str] = []
        self.dates: dict[Node, Tok] = {}  # since:/until: ranges and where they were written

    def err(self, msg: str, tok: Tok, hint: str | None = None) -> QueryError:
        return QueryError(msg, query=self.q, column=tok.col + 1, hint=hint)

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            raise self.err(tr("the query is empty"), self.tok, tr("type at least one word"))
        node = self.or_()
        t = self.tok
        if t.kind == "RP":
            raise self.err(tr("unexpected )"), t, tr("remove it, or open the group with ("))
        if t.kind != "EOF":  # pragma: no cover - every token starts an operand or ends one
            raise self.err(tr("unexpected %(token)s", token=t.text or t.kind), t)
        return node

    def or_(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.err(
                tr("the query is nested too deeply"), self.tok, tr("remove some parentheses")
            )
        items = [self.and_()]
        while self.tok.kind == "OR":
            op = self.take()
            self.need_operand(op)
            items.append(self.and_())
        self.depth -= 1
        return items[0] if len(items) == 1 else Or(tuple(items))

    def need_operand(self, op: Tok) -> None:
        t = self.tok
        if t.kind in ("EOF", "RP", "AND", "OR", "NEAR"):
            raise self.err(
                tr("%(op)s needs something after it", op=op.text),
                t if t.kind != "EOF" else op,
                tr("add a word after %(op)s, or remove %(op)s", op=op.text),
            )

    def starts_operand(self) -> bool:
        return self.tok.kind in ("LP", "NOT", "MINUS", "WORD", "PHRASE", "FIELD")

    def and_(self) -> Node:
        t = self.tok
        if t.kind in ("AND", "OR", "NEAR"):
            raise self.err(
                tr("%(op)s needs something before it", op=t.text),
                t,
                tr("remove %(op)s, or add a word before it", op=t.text),
            )
        items = [self.near()]
        while True:
            if self.tok.kind == "AND":
                op = self.take()
                self.need_operand(op)
                items.append(self.near())
            elif self.starts_operand():
                items.append(self.near())
            else:
                break
        self.check_period(items)
        return items[0] if len(items) == 1 else And(tuple(items))

    def check_period(self, items: list[Node]) -> None:
        """Refuse ``since:`` and ``until:`` side by side that leave no time
        between them (``until:`` leaves its own date out): no post could match."""
        periods = [n for n in items if isinstance(n, Range) and n in self.dates]
        since = [(n.low, self.dates[n]) for n in periods if n.low is not None]
        until = [(n.high, self.dates[n]) for n in periods if n.high is not None]
        if not since or not until:
            return
        low, low_tok = max(since, key=lambda x: x[0] or 0)
        high, high_tok = min(until, key=lambda x: x[0] or 0)
        assert low is not None and high is not None
        if low < high:
            return
        after = datetime.fromtimestamp(low, UTC).date().isoformat()
        day_after = datetime.fromtimestamp(low + 86400, UTC).date().isoformat()
        raise self.err(
            tr(
                "%(until)s is not after %(since)s: no post can match",
                until=f"{high_tok.text}:{high_tok.value}",
                since=f"{low_tok.text}:{low_tok.value}",
            ),
            high_tok,
            tr(
                "until: leaves its own date out; for the day of %(since)s write %(query)s",
                since=f"{low_tok.text}:{low_tok.value}",
                query=f"since:{after} until:{day_after}",
            ),
        )

    def near(self) -> Node:
        first = self.unary()
        if self.tok.kind != "NEAR":
            return first
        items = [first]
        dist: int | None = None
        ordered = False
        first_op = self.tok
        while self.tok.kind == "NEAR":
            op = self.take()
            self.need_operand(op)
            if dist is not None and (op.slop, op.value == "f") != (dist, ordered):
                raise self.err(
                    tr("a chain of NEAR needs one distance"),
                    op,
                    tr("use the same NEAR/n between all words"),
                )
            dist, ordered = op.slop, op.value == "f"
            items.append(self.unary())
        for item in items:
            if not isinstance(item, Term | Phrase) or item.field != "any":
                raise self.err(
                    tr("NEAR joins plain words or phrases"),
                    first_op,
                    tr('use words or "phrases" on both sides of NEAR/n'),
                )
        assert dist is not None
        return Near(tuple(items), dist, ordered)  # type: ignore[arg-type]

    def unary(self) -> Node:
        t = self.tok
        if t.kind not in ("NOT", "MINUS"):
            return self.primary()
        self.nots += 1
        if self.nots > MAX_NESTING:
            raise self.err(
                tr("the query nests more than %(max)s operators", max=MAX_NESTING),
                t,
                tr(
                    "at most %(max)s NOT, AND, OR or NEAR inside one another; "
                    "NOT NOT a is a: remove the ones that cancel out",
                    max=MAX_NESTING,
                ),
            )
        self.take()
        if t.kind == "NOT":
            self.need_operand(t)
            node = Not(self.unary())
        else:
            node = Not(self.primary())
        self.nots -= 1
        return node

    def primary(self) -> Node:
        t = self.take()
        if t.kind == "LP":
            if self.tok.kind == "RP":
                raise self.err(
                    tr("empty parentheses"), t, tr("put words inside ( ) or remove them")
                )
            node = self.or_()
            if self.tok.kind != "RP":
                raise self.err(tr("unclosed parenthesis"), t, tr("add ) to close the group"))
            self.take()
            return node
        if t.kind == "PHRASE":
            return self.phrase(t, t.text, t.slop, "any")
        if t.kind == "FIELD":
            return self.field(t)
        if t.kind == "WORD":
            return self.word(t, t.text, "any")
        if t.kind == "RP":
            raise self.err(tr("unexpected )"), t, tr("remove it, or open the group with ("))
        if t.kind == "EOF":
            raise self.err(tr("the query ends too early"), t, tr("finish the query with a word"))
        if t.kind == "MINUS":
            raise self.err(tr("- needs a word after it"), t, tr("write -word, or -(a OR b)"))
        raise self.err(tr("%(op)s needs a word before it", op=t.text), t)

    # -- leaves ---------------------------------------------------------------

    def phrase(self, t: Tok, text: str, slop: int | None, fld: str) -> Node:
        words = tokens(text)
        if not words:
            raise self.err(tr("the phrase holds no words"), t, tr("put words between the quotes"))
        if "*" in text or "?" in text:
            self.warnings.append(
                tr('wildcards are plain characters inside quotes: "%(text)s"', text=text)
            )
        if slop is not None and len(words) > 1:
            return Near(tuple(Term(w) for w in words), slop, False, fld)
        if len(words) == 1:
            return Term(words[0], fld)
        return Phrase(tuple(words), fld)

    def word(self, t: Tok, text: str, fld: str) -> Node:
        if text in _OPERATOR_HINTS:
            op = _OPERATOR_HINTS[text]
            raise self.err(
                tr("%(word)s is not an operator here", word=text),
                t,
                tr("did you mean %(op)s?", op=op),
            )
        if fld == "any" and text[0] in "#@" and len(text) > 1:
            value = fold(text[1:])
            if not (
                _MENTION_RE.fullmatch(value)
                if text[0] == "@"
                else WORD_RE.fullmatch(value.replace("_", "a"))
            ):
                raise self.err(
                    tr("%(tag)s is not a valid hashtag", tag=text)
                    if text[0] == "#"
                    else tr("%(tag)s is not a valid mention", tag=text),
                    t,
                    tr(
                        "a hashtag or mention is compared whole, without * or ?: "
                        "write %(word)s to find the words anywhere in the text",
                        word=text[1:],
                    )
                    if "*" in text or "?" in text
                    else None,
                )
            return Tag("hashtag" if text[0] == "#" else "mention", value)
        if text in ("and", "or", "not"):
            self.warnings.append(
                tr(
                    "'%(word)s' is searched as a word; write %(op)s for the operator",
                    word=text,
                    op=text.upper(),
                )
            )
        near = _NEAR_TYPO_RE.fullmatch(text)
        if near:
            self.warnings.append(
                tr(
                    "'%(word)s' is searched as a word; did you mean %(op)s?",
                    word=text,
                    op=f"NEAR/{near.group(1)}{near.group(2)}",
                )
            )
        if _FUZZY_RE.fullmatch(text):  # Lucene's lumio~2 was the phrase "lumio 2"
            word = text.rsplit("~", 1)[0]
            raise self.err(
                tr("%(word)s: ~ follows a phrase in quotes; there is no fuzzy match", word=text),
                t,
                tr("write %(word)s, or %(word)s* for the words it starts", word=word),
            )
        if "*" in text or "?" in text:
            return self.wildcard(t, text, fld)
        words = tokens(text)
        if not words:
            raise self.err(
                tr("%(word)r holds no letters or digits", word=text),
                t,
                tr("remove it, or write the word you mean"),
            )
        if len(words) == 1:
            return Term(words[0], fld)
        return Phrase(tuple(words), fld)

    def wildcard(self, t: Tok, text: str, fld: str) -> Node:
        folded = strip_elisions(fold(text))  # l'AC* is ac*, as l'ACEI is acei
        if folded[0] in "*?":
            raise self.err(
                tr("a wildcard cannot start a word"),
                t,
                tr("wildcard cannot start a word: write at least one letter before * or ?"),
            )
        if not re.fullmatch(r"[^\W_]+(?:[*?]+[^\W_]*)*", folded):
            raise self.err(
                tr("%(word)r: wildcards work inside one word", word=text),
                t,
                tr("use letters and digits with * or ?, or quote the words"),
            )
        pattern = re.sub(r"\*+", "*", folded)
        return Wildcard(pattern, fld)

    def field(self, t: Tok) -> Node:
        raw_name = t.text
        name = FIELD_NAMES.get(raw_name.lower())
        if name is None and raw_name.lower() in X_OPERATORS:
            message, hint = x_operator(raw_name, t.value)
            raise self.err(message, t, hint)
        if name is None:
            close = nearest(raw_name, FIELD_NAMES)
            hint = (
                tr("did you mean %(field)s:?", field=close)
                if close
                else tr(
                    "known fields: %(fields)s; quote it to search the text",
                    fields=", ".join(sorted(FIELD_NAMES)),
                )
            )
            raise self.err(tr("unknown field %(field)s:", field=raw_name), t, hint)
        value = t.value
        quoted = self.q[t.col + len(raw_name) + 1 : t.col + len(raw_name) + 2] in QUOTES
        if name in ("title", "text"):
            if quoted:
                return self.phrase(t, value, t.slop, name)
            return self.word(t, value, name)
        if name == "raw":
            words = tokens(value)
            if not words:
                raise self.err(tr("raw: needs words"), t, tr('write raw:"CIRA"'))
            return Raw(value, tuple(words))
        if name in _NUMERIC:
            return self.range_(t, name, value)
        if name in ("since", "until"):
            ts = self.date(t, value)
            period = (
                Range("published", low=ts)
                if name == "since"
                else Range("published", high=ts, high_inclusive=False)
            )
            self.dates[period] = t
            return period
        if name in ("is", "has"):
            flag = _FLAG_VALUES[name].get(value.lower())
            if flag is None:
                raise self.err(
                    tr("%(field)s:%(value)s is not known", field=name, value=value),
                    t,
                    tr(
                        "use %(choices)s",
                        choices=" or ".join(f"{name}:{v}" for v in _FLAG_VALUES[name]),
                    ),
                )
            return Flag(flag)
        v = fold(value.strip())
        if not v:
            raise self.err(tr("%(field)s: needs a value", field=raw_name), t)
        values = [x for x in v.split(",") if x.strip()]
        if name in ("lang", "platform") and "," in v and values:
            raise self.err(
                tr("%(field)s: takes one value; a list is written with OR", field=raw_name),
                t,
                tr(
                    "write %(query)s",
                    query="(" + " OR ".join(f"{raw_name}:{x.strip()}" for x in values) + ")",
                ),
            )
        if name == "lang":
            v = v.replace("_", "-")  # fr_CA (a locale) is the language fr-CA
        if name == "lang" and not _LANG_RE.fullmatch(v):
            self.warnings.append(
                tr(
                    "lang:%(value)s: languages are codes such as fr, en or fr-CA",
                    value=value,
                )
            )
        if name == "sentiment":
            if v not in _SENTIMENTS:
                raise self.err(
                    tr("sentiment:%(value)s is not known", value=value),
                    t,
                    tr("use sentiment:positive, negative or neutral"),
                )
        elif name == "author":
            v = v.lstrip("@")
        elif name == "links":
            # Links are kept with their white space percent-encoded
            # (veille.models.spaces_encoded): links:"annual report" finds
            # https://e.example/annual%20report.pdf.
            v = "".join(quote(c, safe="").lower() if c.isspace() else c for c in v)
        elif name == "site":
            host, _, path = v.split("://", 1)[-1].partition("/")
            v = host.removeprefix("www.").rstrip(".")
            if path.strip("/"):  # site:lumio.ca/blog is all of lumio.ca
                self.warnings.append(
                    tr(
                        "%(field)s: compares hosts, so /%(path)s is left out: "
                        "write links:%(host)s/%(path)s for links to that path",
                        field=raw_name,
                        path=path,
                        host=v,
                    )
                )
        if not v:
            raise self.err(tr("%(field)s: needs a value", field=raw_name), t)
        if name == "platform":
            # A warning, not an error: imported posts may carry any platform.
            unknown = unknown_platform(v)
            if unknown:
                field = f"{raw_name}:{value}"
                self.warnings.append(tr("%(field)s: %(problem)s", field=field, problem=unknown))
        return Field(name, v)

    def range_(self, t: Tok, name: str, value: str) -> Node:
        v = value.strip()

        def num(s: str) -> int | None:
            s = s.strip()
            if s == "*":
                return None
            try:
                # Python refuses int() past 4,300 digits: out of range, not "no number".
                digits = s.replace("_", "").lstrip("+-")
                n = (
                    int(s.replace("_", ""))
                    if len(digits) < 20 or not digits.isdigit()
                    else MAX_NUMBER + 1
                )
            except ValueError:
                raise self.err(
                    tr("%(field)s: %(value)r is not a whole number", field=name, value=s),
                    t,
                    tr("write %(field)s:>1000 or %(field)s:[10 TO 100]", field=name),
                ) from None
            if abs(n) > MAX_NUMBER:
                raise self.err(
                    tr("%(field)s: %(value)s is out of range", field=name, value=s[:30]),
                    t,
                    tr("numbers go from -%(max)s to %(max)s", max=MAX_NUMBER),
                )
            return n

        if v[:1] in "[{":
            m = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", v)
            if not m:
                raise self.err(
                    tr("%(field)s: bad range %(range)s", field=name, range=v),
                    t,
                    tr("write %(field)s:[10 TO 100]", field=name),
                )
            lo, hi = num(m.group(2)), num(m.group(3))
            if lo is not None and hi is not None and lo > hi:
                raise self.err(
                    tr("%(field)s: the range %(range)s is reversed", field=name, range=v),
                    t,
                    tr("write %(field)s:[%(low)s TO %(high)s]", field=name, low=hi, high=lo),
                )
            return Range(name, lo, hi, m.group(1) == "[", m.group(4) == "]")
        m = re.fullmatch(r"(>=|<=|>|<|=)?(.+)", v)
        assert m is not None
        op, n = m.group(1) or "=", num(m.group(2))
        if n is None:
            raise self.err(
                tr("%(field)s: needs a number", field=name),
                t,
                tr("write %(field)s:>1000", field=name),
            )
        if op == ">":
            return Range(name, low=n, low_inclusive=False)
        if op == ">=":
            return Range(name, low=n)
        if op == "<":
            return Range(name, high=n, high_inclusive=False)
        if op == "<=":
            return Range(name, high=n)
        return Range(name, n, n)

    def date(self, t: Tok, value: str) -> int:
        text = value.strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise self.err(
                tr("%(value)r is not a date", value=value),
                t,
                tr("write a date like since:2026-03-01"),
            ) from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp())


def parse(text: str) -> Parsed:
    """Parse ``text``; raise :class:`QueryError` when it is not a valid query."""
    if not isinstance(text, str):
        raise QueryError(tr("a query must be text"), query=str(text), column=1)
    if len(text) > MAX_LENGTH:
        raise QueryError(
            tr("the query is too long (%(n)s characters)", n=len(text)),
            query=text[:80],
            column=1,
            hint=tr(
                "keep it under %(max)s characters, or split it into several topics", max=MAX_LENGTH
            ),
        )
    p = _Parser(text)
    node = p.parse()
    depth = nesting(node)
    if depth > MAX_NESTING:
        raise QueryError(
            tr("the query nests %(depth)s operators inside one another", depth=depth),
            query=text,
            column=1,
            hint=tr(
                "at most %(max)s NOT, AND, OR or NEAR inside one another: "
                "remove some parentheses or split it into several topics",
                max=MAX_NESTING,
            ),
        )
    return Parsed(node, p.warnings)
