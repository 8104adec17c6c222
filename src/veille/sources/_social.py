"""Small pure helpers shared by the platform connectors.

HTML to plain text (statuses, blog posts, comments arrive as HTML), timestamps
in the platforms' formats, ``Link`` headers, and rate-limit headers.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from veille.errors import tr
from veille.sources.base import Batch

_BLOCK_TAGS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
_SKIP_TAGS = frozenset({"script", "style", "template"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# An emoji or smiley drawn as an image: WordPress draws them so in feeds
# (<img class="wp-smiley" alt="😀" src=".../images/core/emoji/…">), forums
# under /smilies/.
_EMOJI_CLASS = re.compile(r"emoji|smiley", re.IGNORECASE)
_EMOJI_SRC = re.compile(r"/(?:emoji|smilies)/", re.IGNORECASE)


def image_text(attrs: list[tuple[str, str | None]]) -> str:
    """The text an ``<img>`` stands for in a post's text: an emoji or smiley
    drawn as an image is its ``alt`` (the emoji itself); any other image is
    not text."""
    values = dict(attrs)
    alt = (values.get("alt") or "").strip()
    if alt and (
        _EMOJI_CLASS.search(values.get("class") or "") or _EMOJI_SRC.search(values.get("src") or "")
    ):
        return alt
    return ""


_VOID_TAGS = frozenset({"br", "img", "hr", "wbr", "input", "source", "track", "area", "col"})


class _TextExtractor(HTMLParser):
    """Collects visible text and the ``href`` of links, with their ``class``;
    the text of an element of a ``hidden`` class is left out (its links kept)."""

    def __init__(self, hidden: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._skip = 0
        self._hidden_classes = hidden
        self._hidden = 0  # depth inside an element of a hidden class

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden or (
            tag not in _VOID_TAGS
            and self._hidden_classes.intersection((dict(attrs).get("class") or "").split())
        ):
            if tag not in _VOID_TAGS:
                self._hidden += 1
            href = dict(attrs).get("href") if tag == "a" else None
            if href:
                self.links.append((href, dict(attrs).get("class") or ""))
        elif tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.parts.append(image_text(attrs))
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a":
            values = dict(attrs)
            href = values.get("href")
            if href:
                self.links.append((href, values.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if tag not in _VOID_TAGS:
                self._hidden -= 1
        elif tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded,
    paragraphs and line breaks kept as newlines, scripts and styles removed."""
    text, _ = html_to_text_and_links(markup)
    return text


def html_to_text_and_links(
    markup: str | None, *, hidden: frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str]]]:
    """Like :func:`html_to_text`, plus each link's ``(href, class)``;
    ``hidden``: classes whose elements' text is not shown (their links are kept)."""
    if not markup:
        return "", []
    parser = _TextExtractor(hidden)
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text, parser.links


def unescape(text: str | None) -> str:
    """HTML entities decoded (Reddit and YouTube escape plain text)."""
    return html.unescape(text or "")


def parse_iso(value: Any) -> datetime:
    """An ISO 8601 timestamp (``Z``, offsets, up to nanoseconds) as aware UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, time.struct_time):  # feedparser's *_parsed fields, in UTC
        return datetime(*value[:6], tzinfo=UTC)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python wants at most six fraction digits; AT Protocol may send more.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    # Facebook writes "+0000" without a colon, which fromisoformat accepts
    # in 3.11 only for some forms; normalise it.
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


def as_int(value: Any, default: int = 0) -> int:
    """A count as an int; platforms sometimes send strings or nothing."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def as_opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


_LINK_PART = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?')


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 ``Link`` header as ``{rel: url}`` (Mastodon's pagination).

    >>> parse_link_header('<https://a/x?max_id=1>; rel="next", <https://a/x?min_id=9>; rel="prev"')
    {'next': 'https://a/x?max_id=1', 'prev': 'https://a/x?min_id=9'}
    """
    links: dict[str, str] = {}
    for match in _LINK_PART.finditer(value or ""):
        rel = _REL.search(match.group(2))
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name, match.group(1))
    return links


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Values in first-seen order, without blanks or repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return tuple(seen)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name."""
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def resolve_secret(value: str | None, option: str) -> str | None:
    """A token as given, or read from the environment when written
    ``env:NAME`` (so the secret need not be stored in the workspace)."""
    if not value or not value.startswith("env:"):
        return value
    import os

    from veille.sources.base import SourceConfigError

    name = value[4:]
    found = os.environ.get(name)
    if not found:
        raise SourceConfigError(
            tr(
                "option %(option)s=env:%(name)s names an environment variable that is not set",
                option=option, name=name,
            ),
            hint=tr("export %(name)s=… in the environment that runs veille", name=name),
        )  # fmt: skip
    return found


Page = tuple[list[Mapping[str, Any]], bool]
"""One page of items, newest first, and whether the API has more after it."""


def walk_newest_first(
    cursor: Mapping[str, Any] | None,
    key: str,
    fetch: Callable[[Any, Any], Iterator[Page]],
    stamp: Callable[[Mapping[str, Any]], Any],
    max_pages: int,
) -> Iterator[Batch]:
    """Batches from an API that lists newest first between two bounds, without
    gaps even when a run cannot read everything.

    The cursor holds ``key`` (everything at or before it is stored) and, while
    a run was cut short by ``max_pages``, ``upper``/``top``: everything from
    ``upper`` to ``top`` is stored too, and the next run reads the window
    between ``key`` and ``upper`` before anything newer. Every batch commits
    its own progress. ``fetch(floor, upper)`` yields pages inside the window
    (``None``: unbounded). A first run (no ``key``) reads the newest
    ``max_pages`` pages and does not dig further into history.
    """
    state = dict(cursor or {})
    floor = state.get(key)
    upper = state.get("upper")
    top = state.get("top")
    for pages, (items, more) in enumerate(fetch(floor, upper), start=1):
        # An item without a readable stamp (a null, a post without an id)
        # moves no bound: it goes on to be quarantined while the others are
        # read (it stopped the whole source at every poll).
        stamps = [t for t in map(_stamp_of(stamp), items) if t is not None]
        if stamps:
            top = max(stamps) if top is None else max(top, *stamps)
            upper = min(stamps)
        done = not more or not items
        if done or (pages >= max_pages and floor is None):
            yield Batch(items, {key: top if top is not None else floor})
            return
        progress = {key: floor, "upper": upper, "top": top}
        if pages >= max_pages:
            yield Batch(items, progress, notes=["more to read: the next run continues here"])
            return
        yield Batch(items, progress)
    # A fetch that stops early (a spent quota) leaves the last progress committed.


def _stamp_of(stamp: Callable[[Mapping[str, Any]], Any]) -> Callable[[Any], Any]:
    """``stamp``, or ``None`` for an item it cannot read."""

    def read(item: Any) -> Any:
        try:
            return stamp(item)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            return None

    return read


@contextmanager
def readable_errors(platform: str) -> Iterator[None]:
    """Turn the KeyError/TypeError of a payload missing a field into a
    :class:`SourceError` saying so (the item is quarantined with it)."""
    from veille.sources.base import SourceError

    try:
        yield
    except KeyError as exc:
        raise SourceError(
            tr("this %(platform)s item has no %(field)r field", platform=platform,
               field=exc.args[0])
        ) from exc  # fmt: skip
    except (TypeError, AttributeError, ValueError) as exc:
        raise SourceError(
            tr("this %(platform)s item is not in the expected shape: %(error)s",
               platform=platform, error=str(exc))
        ) from exc  # fmt: skip
