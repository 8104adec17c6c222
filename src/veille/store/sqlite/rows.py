"""Post <-> row of the ``posts`` table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from veille.errors import Count, tr
from veille.models import Author, Engagement, Post, Sentiment
from veille.store.protocols.analytics import story_bucket
from veille.textnorm import index_text

# Posts are keyed by time: pk = published_at * 2**SEQ_BITS + n, where n counts
# the posts of that second in the order they were stored. The table and its
# full-text index (rowid = pk) are then in time order, so a time window is a
# range of keys: FTS5 reads only that part of its lists, and counts over a
# window need no lookup in the posts table.
SEQ_BITS = 22  # 4,194,304 posts per second
SEQ_LIMIT = 1 << SEQ_BITS
TIME_LIMIT = 1 << 40  # Unix seconds, about 34,800 years either side of 1970


def next_key(t: int, last: dict[int, int]) -> int:
    """The key of the next post published in second ``t``; ``last`` maps a
    second to the last key given in it (none yet: absent) and is updated."""
    key = last.get(t, (t << SEQ_BITS) - 1) + 1
    if key - (t << SEQ_BITS) >= SEQ_LIMIT:
        from veille.errors import StoreError

        raise StoreError(
            tr(
                "more than %(SEQ_LIMIT)s posts are dated the same second (%(t)s)",
                SEQ_LIMIT=Count(SEQ_LIMIT),
                t=t,
            ),
            hint=tr("Give the imported posts their real times."),
        )
    last[t] = key
    return key


def key_floor(t: int) -> int:
    """The smallest key of a post published at or after Unix second ``t``."""
    return max(-TIME_LIMIT, min(TIME_LIMIT, t)) << SEQ_BITS


# Columns written on insert, in order (pk first, given by the store).
POST_COLUMNS: tuple[str, ...] = (
    "pk", "id", "platform", "native_id", "source", "url", "canonical_url",
    "author_handle", "author_name", "author_url", "author_followers", "author_id",
    "title", "text", "lang", "country", "published_at", "collected_at",
    "likes", "shares", "replies", "views", "parent_id", "thread_id", "repost_of",
    "hashtags", "mentions", "links", "domains", "media", "keywords",
    "sentiment", "sentiment_score", "sentiment_confidence", "sentiment_source",
    "cluster_id", "content_hash", "raw", "counts_given",
)  # fmt: skip
# Columns read back to build a Post (everything but pk).
READ_COLUMNS = ", ".join(POST_COLUMNS[1:])
# A post's trending terms (migration 0300), written with it: its keys, and
# their written forms ('' for a form that is its key), each joined by a line
# feed (no term holds one). NULL: not kept (a row written by other means);
# trends extract that post's terms from its text.
TERM_COLUMNS = ("term_keys", "term_forms")
# The sample part of a post's story (migration 0400; see
# veille.store.protocols.analytics.story_bucket), written with it and again
# when its story changes. NULL: not known (a row written by other means, or
# whose story another program changed); trends compute it from the story.
STORY_COLUMNS = ("story_bucket",)

# ASCII escapes: a lone surrogate (half an emoji cut by a platform) cannot be
# written as UTF-8, and orjson refuses it, which is how a payload gets here.
_slow_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), default=str).encode


def _dumps(value: Any) -> str:
    """Compact JSON of a raw payload; anything not JSON-able becomes its text."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return _slow_dumps(value)


def _loads(text: str) -> Any:
    """A raw payload read back. What :func:`_dumps` wrote through the slow
    path (an escaped lone surrogate) orjson refuses; the standard library
    reads it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _epoch(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def _join(items: tuple[str, ...]) -> str:
    return " ".join(items)


def domains_of(links: tuple[str, ...]) -> str:
    """Hosts of ``links`` without ``www.``, space-separated and de-duplicated."""
    seen: dict[str, None] = {}
    for link in links:
        rest = link.split("://", 1)[-1]
        host = rest.split("/", 1)[0].split("?", 1)[0].split("@")[-1].split(":")[0].lower()
        host = host.removeprefix("www.")
        if host:
            seen[host] = None
    return " ".join(seen)


def post_to_row(post: Post, pk: int | None) -> tuple[Any, ...]:
    s = post.sentiment
    e = post.engagement
    a = post.author
    return (
        pk, post.id, post.platform, post.native_id, post.source, post.url, post.canonical_url,
        a.handle, a.name, a.url, a.followers, a.id,
        post.title, post.text, post.lang, post.country,
        _epoch(post.published_at), _epoch(post.collected_at),
        e.likes, e.shares, e.replies, e.views,
        post.parent_id, post.thread_id, post.repost_of,
        _join(post.hashtags), _join(post.mentions), _join(post.links),
        domains_of(post.links), _join(post.media), _join(post.keywords),
        s.label if s else None, s.score if s else None,
        s.confidence if s else None, s.source if s else None,
        post.cluster_id, post.content_hash, _dumps(post.raw) if post.raw else "{}",
        1 if e.given else 0,
    )  # fmt: skip


def terms_row(title: str | None, text: str, lang: str | None) -> tuple[str, str]:
    """The :data:`TERM_COLUMNS` of a post (see
    :func:`veille.analytics.trends.post_terms`)."""
    from veille.analytics.trends import post_terms

    return joined_terms(*post_terms(title, text, lang))


def joined_terms(keys: list[str], forms: list[str]) -> tuple[str, str]:
    """Terms as :data:`TERM_COLUMNS` keep them."""
    return "\n".join(keys), "\n".join(forms) if any(forms) else ""


def post_terms_row(post: Post, lang: str | None = None) -> tuple[str, str]:
    """The :data:`TERM_COLUMNS` of ``post`` (in ``lang``, default its own):
    the terms the ingest pipeline made for it where they still hold
    (:func:`veille.analytics.trends.terms_for`)."""
    from veille.analytics.trends import terms_for

    return joined_terms(*terms_for(post, lang))


def stored_row(post: Post, pk: int) -> tuple[Any, ...]:
    """A new post's row as the store inserts it: :func:`post_to_row`, then
    its :data:`TERM_COLUMNS` and :data:`STORY_COLUMNS`."""
    return (
        *post_to_row(post, pk),
        *post_terms_row(post),
        story_bucket(post.cluster_id or post.id),
    )


def fts_row(pk: int, title: str | None, text: str) -> tuple[int, str, str]:
    return (pk, index_text(title) if title else "", index_text(text))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(value.split()) if value else ()


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def row_to_post(row: tuple[Any, ...]) -> Post:
    """Inverse of :func:`post_to_row` for a row of ``SELECT {READ_COLUMNS}``."""
    (
        id_, platform, native_id, source, url, curl,
        handle, aname, aurl, followers, aid,
        title, text, lang, country, published, collected,
        likes, shares, replies, views, parent, thread, repost,
        hashtags, mentions, links, _domains, media, keywords,
        slabel, sscore, sconf, ssource, cluster, chash, raw, given,
    ) = row  # fmt: skip
    published_at = _dt(published)
    assert published_at is not None
    return Post(
        id=id_,
        platform=platform,
        native_id=native_id,
        source=source,
        url=url,
        canonical_url=curl,
        author=Author(handle=handle, name=aname, url=aurl, followers=followers, id=aid),
        title=title,
        text=text,
        lang=lang,
        country=country,
        published_at=published_at,
        collected_at=_dt(collected),
        engagement=Engagement(
            likes=likes, shares=shares, replies=replies, views=views, given=bool(given)
        ),
        parent_id=parent,
        thread_id=thread,
        repost_of=repost,
        hashtags=_split(hashtags),
        mentions=_split(mentions),
        links=_split(links),
        media=_split(media),
        keywords=_split(keywords),
        sentiment=Sentiment(slabel, sscore or 0.0, sconf or 0.0, ssource or "model")
        if slabel
        else None,
        cluster_id=cluster,
        content_hash=chash,
        raw=_loads(raw) if raw and raw != "{}" else {},
    )
