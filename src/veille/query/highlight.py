"""The one highlighter: matched spans of a post marked in its text.

Used by ``veille search`` (the terminal and ``--format`` rows), e-mails and chat
messages, and the web app, so a match looks the same wherever it is shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from veille.query.evaluate import Span

# Characters of a post shown in a message before it is cut.
SNIPPET = 600


def field_spans(spans: Iterable[Span], field: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the spans that fall in ``field`` (``title`` or ``text``)."""
    return [(s.start, s.end) for s in spans if s.field == field]


def mark(
    text: str,
    spans: Iterable[tuple[int, int]],
    *,
    before: str = "*",
    after: str = "*",
    escape: Callable[[str], str] | None = None,
    limit: int | None = None,
) -> str:
    """``text`` with each span wrapped in ``before``…``after``, every other
    piece passed through ``escape``; cut to ``limit`` characters (and ``…``)
    first, dropping spans that no longer fit. Overlapping spans keep the first."""
    esc = escape or (lambda s: s)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
        end_limit = limit
    else:
        end_limit = len(text)
    out: list[str] = []
    pos = 0
    for start, end in sorted(set(spans)):
        if start < pos or end > end_limit:
            continue
        out.extend((esc(text[pos:start]), before, esc(text[start:end]), after))
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def highlight(
    text: str, spans: list[tuple[int, int]], *, as_html: bool, limit: int | None = SNIPPET
) -> str:
    """``text`` cut to a snippet with the spans marked: ``<mark>`` in HTML
    (everything else escaped), ``*…*`` in plain text."""
    if not as_html:
        return mark(text, spans, limit=limit)
    result = mark(text, spans, before="<mark>", after="</mark>", escape=html.escape, limit=limit)
    import nh3

    # Belt and braces: whatever slipped through, only <mark> survives.
    return nh3.clean(result, tags={"mark"}, attributes={})
