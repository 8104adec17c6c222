"""Post <-> row of the ClickHouse ``posts`` table (JSONEachRow in, lists out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from veille.analytics.trends import post_terms, terms_source, terms_version
from veille.models import Author, Engagement, Post, Sentiment
from veille.query.predicates import host_of, tag_key
from veille.store.clickhouse.schema import COPY_COLUMNS, FILING_COPY
from veille.store.sqlite.rows import domains_of
from veille.textnorm import fold, index_text

# Posts per insert block (and per lookup of the stored ones): larger blocks
# make fewer, larger parts (and each fires the rollup views once); 20,000
# took 15% less CPU to ingest than 5,000 (100,000 generated posts).
BATCH = 20000
# Columns a Post is read back from, in order.
READ: tuple[str, ...] = (
    "id", "platform", "native_id", "source", "url", "canonical_url",
    "author_handle", "author_name", "author_url", "author_followers", "author_id",
    "title", "text", "lang", "country", "published_at", "collected_at",
    "likes", "shares", "replies", "views", "parent_id", "thread_id", "repost_of",
    "hashtags", "mentions", "links", "media", "keywords",
    "sentiment", "sentiment_score", "sentiment_confidence", "sentiment_source",
    "cluster_id", "content_hash", "raw", "counts_given",
)  # fmt: skip
READ_COLUMNS = ", ".join(READ)
# The columns a list of posts shows (a report's top posts, stories and
# influencers' newest: see ``posts_shown``), read in ``READ``'s places; the
# others are given empty, as a Post without them holds them.
SHOWN = frozenset({
    "id", "platform", "url", "author_handle", "author_name", "author_followers",
    "title", "text", "lang", "published_at", "likes", "shares", "replies",
    "cluster_id", "counts_given",
})  # fmt: skip
_EMPTY = {
    "native_id": "''", "content_hash": "''", "raw": "'{}'",
    "hashtags": "[]", "mentions": "[]", "links": "[]", "media": "[]", "keywords": "[]",
}  # fmt: skip
SHOWN_COLUMNS = ", ".join(c if c in SHOWN else f"{_EMPTY.get(c, 'NULL')} AS {c}" for c in READ)
# The columns the stream page shows (``search(..., shown=True)``): those and
# the author's link and the sentiment. A page of the stream by engagement or
# relevance is found on a few columns, then its rows are read where they lie,
# a granule per post all over the year: every column read costs a granule
# each (51 posts of 1M: 52 of 144 granules), so the raw payload, the
# entities, the links and the rest a page does not show are left out (at 1M
# posts, 51 posts' rows: 140 ms of CPU with them, about 75 without).
LISTED = SHOWN | {
    "author_url", "sentiment", "sentiment_score", "sentiment_confidence", "sentiment_source",
}  # fmt: skip
LISTED_COLUMNS = ", ".join(c if c in LISTED else f"{_EMPTY.get(c, 'NULL')} AS {c}" for c in READ)
# What an update rewrites needs every column a Post does not hold too.
STORED = ("seq", *READ)
# A stored row as an update reads it: with its version, which the new one
# goes above whatever the writer's clock says (see
# ClickHouseStore._insert_versions).
# Its kept terms too: a version whose title, text and language are the
# stored ones keeps them (``derived``), not extracted again.
KNOWN = (*STORED, "version", "term_keys", "term_forms")
KNOWN_COLUMNS = ", ".join(KNOWN)


def words(text: str | None) -> str:
    """Folded words of ``text`` with a space at each end (``''`` for none)."""
    if not text:
        return ""
    joined = index_text(text)
    return f" {joined} " if joined else ""


def _epoch(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp())


def post_row(post: Post) -> dict[str, Any]:
    """The stored columns of ``post`` (without ``seq`` and ``version``)."""
    s = post.sentiment
    e = post.engagement
    a = post.author
    return {
        "id": post.id, "platform": post.platform, "native_id": post.native_id,
        "source": post.source, "url": post.url, "canonical_url": post.canonical_url,
        "author_handle": a.handle, "author_name": a.name, "author_url": a.url,
        "author_followers": a.followers, "author_id": a.id,
        "title": post.title, "text": post.text, "lang": post.lang, "country": post.country,
        "published_at": _epoch(post.published_at), "collected_at": _epoch(post.collected_at),
        "likes": e.likes, "shares": e.shares, "replies": e.replies, "views": e.views,
        "parent_id": post.parent_id, "thread_id": post.thread_id, "repost_of": post.repost_of,
        "hashtags": list(post.hashtags), "mentions": list(post.mentions),
        "links": list(post.links), "media": list(post.media), "keywords": list(post.keywords),
        "sentiment": s.label if s else None, "sentiment_score": s.score if s else None,
        "sentiment_confidence": s.confidence if s else None,
        "sentiment_source": s.source if s else None,
        "cluster_id": post.cluster_id, "content_hash": post.content_hash,
        "raw": orjson.dumps(post.raw, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
        if post.raw else "{}",
        # Not a column: the terms the pipeline made, which ``derived`` keeps
        # where they are still this row's.
        "_terms": post.terms,
        "counts_given": 1 if e.given else 0,
    }  # fmt: skip


def derived(row: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    """``row`` with the columns the compiled queries compare (folded in Python,
    the way the in-memory engine folds), and its trending terms: those of
    ``old`` (the stored version it replaces, read with its terms) when its
    title, text and language are ``old``'s, else extracted now. Collectors
    read their posts again all day for their counts: extracting the same
    terms at each new version was most of what an update cost."""
    handle = row["author_handle"] or ""
    links = row["links"]
    row["domains"] = domains_of(tuple(links)).split()
    row["title_f"] = words(row["title"])
    row["text_f"] = words(row["text"])
    row["tags_f"] = [tag_key(h) for h in row["hashtags"]]
    row["mentions_f"] = [tag_key(m) for m in row["mentions"]]
    row["author_f"] = fold(handle).lstrip("@") if handle else ""
    row["hosts"] = [host_of(u) for u in [row["url"] or "", *links] if u]
    row["url_f"] = fold(row["url"]) if row["url"] else ""
    row["links_f"] = [fold(u) for u in links]
    row["lang_f"] = row["lang"].lower() if row["lang"] else ""
    row["platform_f"] = row["platform"].lower()
    made = row.pop("_terms", None)
    if (
        old is not None
        and old.get("term_keys")  # (none: a store's fill may not have reached it)
        and (old["title"], old["text"], old["lang"]) == (row["title"], row["text"], row["lang"])
    ):
        row["term_keys"], row["term_forms"] = old["term_keys"], old["term_forms"]
    elif (
        made is not None
        and made.version == terms_version()
        and made.made_from == terms_source(row["title"], row["text"], row["lang"])
    ):
        row["term_keys"], row["term_forms"] = list(made.keys), list(made.forms)
    else:
        row["term_keys"], row["term_forms"] = post_terms(row["title"], row["text"], row["lang"])
    return row


def encode(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row)


# The columns :func:`derived` adds, and those naming the version a row
# replaces (for the rollup views).
DERIVED = (
    "domains", "title_f", "text_f", "tags_f", "mentions_f", "author_f", "hosts", "url_f",
    "links_f", "lang_f", "platform_f", "term_keys", "term_forms",
)  # fmt: skip
PREVIOUS = (
    "prev_posts", "prev_lang", "prev_sentiment", "prev_engagement", "prev_reach",
    "prev_author_name", "prev_hashtags", "prev_domains", "prev_cluster_id", "prev_counted",
    "prev_followed",
)  # fmt: skip
# The columns of a block of post versions, in order (``version`` last: given
# once the block's content is known, see ClickHouseStore._insert_versions).
WRITTEN = (*STORED, *DERIVED, *PREVIOUS, "version")
_ENCODED = WRITTEN[:-1]


def encode_written(row: dict[str, Any]) -> bytes:
    """A post version as a JSONCompactEachRow line of :data:`WRITTEN`, less
    ``version``."""
    return orjson.dumps([row[c] for c in _ENCODED])


# The columns of a block of filings (a filing with its post's copy: see
# ``schema.TOPIC_FILINGS``), in order.
FILED = ("topic_id", "published_at", "post_id", "filed", "version", *COPY_COLUMNS)


def encode_copy(row: dict[str, Any]) -> bytes:
    """The copy a filing carries of post version ``row`` (JSON array of
    :data:`~veille.store.clickhouse.schema.COPY_COLUMNS`)."""
    return orjson.dumps([row[c] for c in COPY_COLUMNS])


def _empty(kind: str) -> Any:
    if kind.startswith("Array"):
        return []
    if "Nullable" in kind:
        return None
    return "" if "String" in kind else 0


# The copy of a filing that takes a post out (``filed`` 0): never read.
NO_COPY = orjson.dumps([_empty(kind) for _name, kind in FILING_COPY])


def filing_version(tick: int, post_version: int) -> int:
    """A filing's ``version``: the tick its filing was decided at, then the
    version of the post its copy comes from (0: no copy), as one ``UInt128``
    (see ``schema.TOPIC_FILINGS``)."""
    return (tick << 64) | post_version


def filing_line(
    topic_id: int, published_at: int, post_id: str, filed: int, version: int, copy: bytes | None
) -> bytes:
    """A filing as a JSONCompactEachRow line of :data:`FILED`."""
    head = b"[%d,%d,%s,%d,%d," % (topic_id, published_at, orjson.dumps(post_id), filed, version)
    return head + (copy or NO_COPY)[1:]


def _dt(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def stored_dict(values: list[Any]) -> dict[str, Any]:
    """A row read with ``SELECT {KNOWN_COLUMNS}`` as a column dict."""
    return dict(zip(KNOWN, values, strict=True))


def to_post(row: list[Any]) -> Post:
    """Inverse of :func:`post_row` for a row of ``SELECT {READ_COLUMNS}``."""
    (
        id_, platform, native_id, source, url, curl,
        handle, aname, aurl, followers, aid,
        title, text, lang, country, published, collected,
        likes, shares, replies, views, parent, thread, repost,
        hashtags, mentions, links, media, keywords,
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
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
        links=tuple(links),
        media=tuple(media),
        keywords=tuple(keywords),
        sentiment=Sentiment(slabel, sscore or 0.0, sconf or 0.0, ssource or "model")
        if slabel
        else None,
        cluster_id=cluster,
        content_hash=chash,
        raw=orjson.loads(raw) if raw and raw != "{}" else {},
    )
