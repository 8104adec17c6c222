"""Posts from flat records (CSV rows, JSON lines) and back.

The column mapping, documented in ``docs/import.md``:

========================  ==================================================
column (aliases)          meaning
========================  ==================================================
platform                  ``mastodon``, ``bluesky``, ``rss``… (or ``--platform``)
id (native_id)            the platform's id; derived from url or content if absent
text (content, body)      the text (required, may be empty when a title is given)
title                     a title (blogs, videos, news)
url (link, permalink)     the post's own address
author (author_handle,    handle; in JSON also an object
username, user)           ``{"handle", "name", "url", "followers", "id"}``
author_name, author_url   who published it
followers                 the author's follower count (author_followers)
published_at (created_at, ISO 8601 or Unix seconds/milliseconds; UTC when
date, timestamp)          no offset is given
lang (language)           a language tag (a hint; enrichment decides)
likes, shares (reposts,   engagement counts; in JSON also an object
retweets), replies        ``{"likes", "shares", "replies", "views"}``
(comments), views
parent_id (in_reply_to)   the post it answers (id with or without ``platform:``)
thread_id, repost_of      thread root and reposted post
hashtags, mentions,       lists: JSON arrays, or space/comma separated in CSV
links, media
country, source           where known
========================  ==================================================

Unknown columns are kept in the post's ``raw`` payload with everything else.
A post whose likes, shares and replies are all absent or empty gave no counts
(its engagement is unknown, not 0); an export writes them empty again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from veille.errors import Count, tr
from veille.models import Author, Engagement, Post, Sentiment, http_url

_ALIASES: dict[str, tuple[str, ...]] = {
    "platform": ("platform",),
    "id": ("id", "native_id"),
    "text": ("text", "content", "body"),
    "title": ("title",),
    "url": ("url", "link", "permalink"),
    "author": ("author", "author_handle", "username", "user", "handle"),
    "author_name": ("author_name",),
    "author_url": ("author_url",),
    "followers": ("followers", "author_followers"),
    "published_at": ("published_at", "created_at", "date", "timestamp"),
    "lang": ("lang", "language"),
    "likes": ("likes",),
    "shares": ("shares", "reposts", "retweets"),
    "replies": ("replies", "comments"),
    "views": ("views",),
    "parent_id": ("parent_id", "in_reply_to"),
    "thread_id": ("thread_id",),
    "repost_of": ("repost_of",),
    "country": ("country",),
    "source": ("source",),
}
_LIST_SPLIT = re.compile(r"[\s,]+")
_PLATFORM = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")


@lru_cache(maxsize=256)
def _valid_platform(name: str) -> bool:
    return _PLATFORM.match(name) is not None


class RecordError(ValueError):
    """A record that cannot become a post; the message says which field and why
    (made by :func:`veille.errors.tr`: ``message`` keeps it, to be said in the
    reader's language, where ``str()`` gives the English)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# alias -> (field, priority): the first alias listed wins when several are given.
_ALIAS_OF = {
    alias: (key, rank) for key, names in _ALIASES.items() for rank, alias in enumerate(names)
}


def _fields(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The record's known fields under their canonical names (one pass over its keys)."""
    found: dict[str, Any] = {}
    ranks: dict[str, int] = {}
    for name, value in rec.items():
        hit = _ALIAS_OF.get(name)
        if hit is None or value is None or value == "":
            continue
        key, rank = hit
        if key not in ranks or rank < ranks[key]:
            found[key] = value
            ranks[key] = rank
    return found


# Counts are stored as signed 64-bit integers; anything larger is a broken
# export, refused with the field's name rather than failing the whole batch.
MAX_COUNT = 2**63 - 1
# Dates veille can store and show: years 1 to 9999 (Python's datetime range).
_MIN_TIME = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_MAX_TIME = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def _as_int(value: Any, key: str, default: int | None = 0) -> int | None:
    if value is None:
        return default
    if type(value) is int and 0 <= value <= MAX_COUNT:
        return value
    try:
        number = int(float(value)) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        raise RecordError(
            tr("%(key)s must be a whole number, not %(value)r", key=key, value=value)
        ) from None
    if number < 0:
        raise RecordError(tr("%(key)s cannot be negative (%(number)s)", key=key, number=number))
    if number > MAX_COUNT:
        raise RecordError(
            tr("%(key)s is too large (%(value)r; at most %(most)s)", key=key, value=value,
               most=Count(MAX_COUNT))
        )  # fmt: skip
    return number


def _given(value: Any) -> Any:
    """A count of a nested ``engagement`` object, ``None`` where it is empty."""
    return None if value == "" else value


def parse_time(value: Any, field_name: str = "published_at") -> datetime:
    """ISO 8601 text or Unix seconds/milliseconds, as an aware UTC datetime."""
    if type(value) is int and 0 <= value <= 100_000_000_000:  # Unix seconds, the usual case
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        if not _MIN_TIME <= number <= _MAX_TIME:  # also NaN
            raise RecordError(
                tr("%(field)s %(value)r is out of range; use Unix seconds or milliseconds"
                   " (or ISO 8601) between the years 1 and 9999", field=field_name, value=value)
            )  # fmt: skip
        return datetime.fromtimestamp(number, UTC)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise RecordError(
                tr("%(field)s %(value)r is not a date; use ISO 8601 such as 2026-03-01T14:00:00Z",
                   field=field_name, value=value)
            ) from None  # fmt: skip
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise RecordError(tr("%(field)s is missing or not a date", field=field_name))


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return tr("a JSON object")
    if isinstance(value, list | tuple):
        return tr("a list")
    if isinstance(value, bool):
        return tr("true/false")
    return type(value).__name__


def _text(value: Any, key: str) -> str | None:
    """A text field: text as it is, a number as its digits; an object or a
    list is refused (str() would store its Python repr, ``{'nested': …}``)."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(
            tr("%(key)s must be text, not %(kind)s (%(value)s)", key=key, kind=_kind(value),
               value=str(value)[:60])
        )  # fmt: skip
    return str(value)


def _id(value: Any, key: str) -> str | None:
    """An id: text or a whole number (an object would become ``rss:{'x': 1}``)."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(
            tr("%(key)s must be text or a whole number, not %(kind)s", key=key, kind=_kind(value))
        )
    return str(value)


def _list(rec: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = rec.get(key)
    if value is None or value == "":
        return ()
    if type(value) is list and all(type(v) is str and v for v in value):
        # The common case, a JSON array of strings: nothing to convert.
        return tuple(value)
    if isinstance(value, str):
        return tuple(v for v in _LIST_SPLIT.split(value.strip()) if v)
    if isinstance(value, list | tuple):
        return tuple(t for v in value if (t := _text(v, key)))
    raise RecordError(tr("%(key)s must be a list or a space-separated string", key=key))


def _ref(value: Any, platform: str, key: str) -> str | None:
    if value in (None, ""):
        return None
    text = _id(value, key)
    assert text is not None
    return text if ":" in text and not text.startswith("http") else f"{platform}:{text}"


def post_from_record(rec: Mapping[str, Any], *, platform: str | None = None) -> Post:
    """A :class:`Post` from one import record (see the module's column mapping).

    ``platform`` is used when the record has none. Raises :class:`RecordError`.
    """
    f = _fields(rec)
    plat = str(f.get("platform") or platform or "").strip().lower()
    if not plat:
        raise RecordError(
            tr("no platform: add a platform column, or give one (veille import --platform, or a "
               "file source's -o platform=)")
        )  # fmt: skip
    if not _valid_platform(plat):
        raise RecordError(
            tr("platform %(platform)r is not a platform name (lower-case letters, digits)",
               platform=plat)
        )  # fmt: skip
    text = f.get("text")
    title = f.get("title")
    if text is None and title is None:
        raise RecordError(tr("no text: the record needs a text (or content, body) or a title"))
    text = _text(text, "text") or ""
    title = _text(title, "title")
    url = http_url(_text(f.get("url"), "url"))
    published = f.get("published_at")
    if published is None:
        raise RecordError(tr("no published_at (or created_at, date, timestamp)"))
    published_at = parse_time(published)

    author_value = f.get("author")
    if type(author_value) is dict or isinstance(author_value, Mapping):
        handle = _text(author_value.get("handle") or author_value.get("username"), "author")
        author = Author(
            handle=handle or "",
            name=_text(author_value.get("name"), "author name"),
            url=http_url(_text(author_value.get("url"), "author url")),
            followers=_as_int(
                author_value.get("followers", author_value.get("author_followers")),
                "followers",
                None,
            ),
            id=_id(author_value.get("id"), "author id"),
        )
    else:
        author = Author(
            handle=_text(author_value, "author") or "",
            name=_text(f.get("author_name"), "author_name"),
            url=http_url(_text(f.get("author_url"), "author_url")),
            followers=_as_int(f.get("followers"), "followers", None),
        )

    eng = rec.get("engagement")
    if eng is not None and (type(eng) is dict or isinstance(eng, Mapping)):
        likes = _as_int(_given(eng.get("likes")), "likes", None)
        shares = _as_int(_given(eng.get("shares", eng.get("reposts"))), "shares", None)
        replies = _as_int(_given(eng.get("replies", eng.get("comments"))), "replies", None)
        views = _as_int(_given(eng.get("views")), "views", None)
    else:
        likes = _as_int(f.get("likes"), "likes", None)
        shares = _as_int(f.get("shares"), "shares", None)
        replies = _as_int(f.get("replies"), "replies", None)
        views = _as_int(f.get("views"), "views", None)
    # Empty count fields (a feed's post exported, a spreadsheet without the
    # columns) are unknown, not 0: the post gave no counts. A 0 is a 0.
    engagement = Engagement(
        likes=likes or 0,
        shares=shares or 0,
        replies=replies or 0,
        views=views,
        given=likes is not None or shares is not None or replies is not None,
    )

    native = _id(f.get("id"), "id")
    if native is None:
        # "unknown" as an author-less record was once stored: its id stays the same.
        who = author.handle or "unknown"
        seed = f"{url or ''}|{who}|{published_at.isoformat()}|{title or ''}|{text}"
        native = "h" + hashlib.blake2b(seed.encode(), digest_size=10).hexdigest()
    sentiment = None
    label = rec.get("sentiment")
    if label == "positive" or label == "negative" or label == "neutral":
        sentiment = Sentiment(label, float(rec.get("sentiment_score") or 0.0), 1.0, "import")
    lang = _text(f.get("lang"), "lang")
    return Post.create(
        platform=plat,
        native_id=str(native),
        text=text,
        title=title,
        url=url,
        published_at=published_at,
        author=author,
        lang=None if lang is None else lang.lower(),
        engagement=engagement,
        parent_id=_ref(f.get("parent_id"), plat, "parent_id"),
        thread_id=_ref(f.get("thread_id"), plat, "thread_id"),
        repost_of=_ref(f.get("repost_of"), plat, "repost_of"),
        country=_text(f.get("country"), "country"),
        source=_text(f.get("source"), "source"),
        hashtags=_list(rec, "hashtags"),
        mentions=_list(rec, "mentions"),
        # Addresses people will click: http(s) only (no javascript:, data: …).
        links=tuple(u for u in _list(rec, "links") if http_url(u)),
        media=tuple(u for u in _list(rec, "media") if http_url(u)),
        sentiment=sentiment,
        raw=dict(rec),
    )


# A CSV cell a spreadsheet would run as a formula (=, +, -, @, or a tab or
# carriage return before one), after any apostrophes already there.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_LEADS = frozenset("'=+-@\t\r")  # (looked at first: most cells start otherwise)


def csv_cell(value: str) -> str:
    """``value`` as a CSV export writes it: a post's text, title or author
    that a spreadsheet would read as a formula (``=HYPERLINK(…)``,
    ``@SUM(…)``, ``-2+3``) is led by an apostrophe, which makes it text, as
    OWASP's CSV injection advice says. The posts are strangers' words: one
    opened in Excel or LibreOffice ran as the reader's formula.
    :func:`csv_cell_read` takes the apostrophe off again, so that an export
    imported gives back the same posts."""
    return "'" + value if value[:1] in _LEADS and _FORMULA.match(value) else value


def csv_cell_read(value: str) -> str:
    """A CSV cell as :func:`csv_cell` wrote it, back to what it was (a cell
    with no such apostrophe is left as it is)."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value, 1) else value


# The keys of post_to_record, in order: the columns of every export.
RECORD_COLUMNS: tuple[str, ...] = (
    "id", "platform", "url", "title", "text", "author", "author_name", "author_url",
    "followers", "published_at", "lang", "likes", "shares", "replies", "views",
    "parent_id", "thread_id", "repost_of", "country", "source", "hashtags", "mentions",
    "links", "media", "sentiment", "sentiment_score", "cluster_id",
)  # fmt: skip


def post_to_record(post: Post) -> dict[str, Any]:
    """The flat record of ``post`` that :func:`post_from_record` reads back
    (its keys are :data:`RECORD_COLUMNS`)."""
    s = post.sentiment
    return {
        "id": post.native_id,
        "platform": post.platform,
        "url": post.url,
        "title": post.title,
        "text": post.text,
        "author": post.author.handle,
        "author_name": post.author.name,
        "author_url": post.author.url,
        "followers": post.author.followers,
        "published_at": post.published_at.isoformat(),
        "lang": post.lang,
        # Counts the platform never gave are left empty (read back unknown).
        "likes": post.engagement.likes if post.engagement.given else None,
        "shares": post.engagement.shares if post.engagement.given else None,
        "replies": post.engagement.replies if post.engagement.given else None,
        "views": post.engagement.views,
        "parent_id": post.parent_id,
        "thread_id": post.thread_id,
        "repost_of": post.repost_of,
        "country": post.country,
        "source": post.source,
        "hashtags": list(post.hashtags),
        "mentions": list(post.mentions),
        "links": list(post.links),
        "media": list(post.media),
        "sentiment": s.label if s else None,
        "sentiment_score": s.score if s else None,
        "cluster_id": post.cluster_id,
    }
