"""Bluesky: post search, an author's feed, and the Jetstream firehose.

Targets (``veille source add bluesky TARGET``)::

    search:lumio fibre           app.bsky.feed.searchPosts (sort=latest)
    author:netpolicy.bsky.social app.bsky.feed.getAuthorFeed
    jetstream:lumio,vexa         every new post from Jetstream whose text holds a keyword

Options: ``service`` (XRPC base, default ``https://public.api.bsky.app``),
``handle`` and ``app_password`` (a session via
``com.atproto.server.createSession``; the service then defaults to
``https://bsky.social``), ``endpoint`` (Jetstream, default
``wss://jetstream2.us-east.bsky.network/subscribe``), ``duration`` (seconds a
Jetstream run listens, default 30) and ``max_events``.

Cursors: ``since`` (newest ``createdAt`` seen) for search, ``newest`` for an
author feed, ``time_us`` for Jetstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from veille.errors import UsageError
from veille.models import Author, Engagement, Post
from veille.sources._social import as_int, parse_iso, unique

PLATFORM = "bluesky"
PUBLIC_SERVICE = "https://public.api.bsky.app"
SESSION_SERVICE = "https://bsky.social"
JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"
POST_COLLECTION = "app.bsky.feed.post"
_HINT = "use search:TERMS, author:HANDLE or jetstream:KEYWORD[,KEYWORD…]"


@dataclass(frozen=True)
class BlueskyConfig:
    mode: str  # search | author | jetstream
    value: str  # search terms, an actor handle or DID, or comma-separated keywords
    service: str = PUBLIC_SERVICE
    handle: str | None = None
    app_password: str | None = None
    endpoint: str = JETSTREAM
    limit: int = 100
    max_pages: int = 5
    duration: float = 30.0
    max_events: int = 100_000

    @property
    def keywords(self) -> tuple[str, ...]:
        from veille.textnorm import index_text

        words = (index_text(k) for k in self.value.split(","))
        return tuple(w for w in words if w)


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> BlueskyConfig:
    opts = dict(options or {})
    mode, colon, value = target.strip().partition(":")
    if not colon or mode not in ("search", "author", "jetstream") or not value.strip():
        raise UsageError(f"Bluesky target {target!r} is not understood", hint=_HINT)
    value = value.strip()
    if mode == "author":
        value = value.lstrip("@")
    handle, password = opts.get("handle"), opts.get("app_password")
    if bool(handle) != bool(password):
        raise UsageError(
            "a Bluesky session needs both handle and app_password",
            hint="create an app password in Settings → Privacy and security → App passwords",
        )
    service = opts.get("service") or (SESSION_SERVICE if handle else PUBLIC_SERVICE)
    extra: dict[str, Any] = {}
    for key in ("limit", "max_pages", "max_events"):
        if opts.get(key) is not None:
            extra[key] = int(opts[key])
    if opts.get("duration") is not None:
        extra["duration"] = float(opts["duration"])
    return BlueskyConfig(
        mode,
        value,
        service=str(service).rstrip("/"),
        handle=handle or None,
        app_password=password or None,
        endpoint=str(opts.get("endpoint") or JETSTREAM),
        **extra,
    )


def native_from_uri(uri: str) -> str:
    """``at://did/collection/rkey`` → ``did/collection/rkey`` (the post's native id)."""
    return uri.removeprefix("at://")


def web_url(actor: str, uri: str) -> str:
    return f"https://bsky.app/profile/{actor}/post/{uri.rsplit('/', 1)[-1]}"


def _facets(record: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Hashtags, mentions (as written, else the DID) and links from facets."""
    text_bytes = str(record.get("text") or "").encode()
    tags: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        for feature in facet.get("features") or []:
            kind = str(feature.get("$type", "")).rsplit("#", 1)[-1]
            if kind == "tag" and feature.get("tag"):
                tags.append(str(feature["tag"]))
            elif kind == "link" and feature.get("uri"):
                links.append(str(feature["uri"]))
            elif kind == "mention":
                start, end = index.get("byteStart"), index.get("byteEnd")
                written = ""
                if isinstance(start, int) and isinstance(end, int):
                    written = text_bytes[start:end].decode("utf-8", "replace").lstrip("@")
                mentions.append(written or str(feature.get("did") or ""))
    return tags, mentions, links


def _record_media(did: str, embed: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    """Media URLs and external links from a post record's embed (blobs → CDN)."""
    media: list[str] = []
    links: list[str] = []
    if not embed:
        return media, links
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.recordWithMedia":
        return _record_media(did, embed.get("media"))
    if kind == "app.bsky.embed.images":
        for image in embed.get("images") or []:
            ref = ((image.get("image") or {}).get("ref") or {}).get("$link")
            if ref:
                media.append(f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{ref}@jpeg")
    elif kind == "app.bsky.embed.video":
        ref = ((embed.get("video") or {}).get("ref") or {}).get("$link")
        if ref:
            media.append(f"https://video.bsky.app/watch/{did}/{ref}/playlist.m3u8")
    elif kind == "app.bsky.embed.external":
        uri = (embed.get("external") or {}).get("uri")
        if uri:
            links.append(str(uri))
    return media, links


def _view_media(embed: Mapping[str, Any] | None) -> list[str]:
    """Media URLs from a post view's hydrated embed."""
    if not embed:
        return []
    kind = str(embed.get("$type", ""))
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return _view_media(embed.get("media"))
    if kind.startswith("app.bsky.embed.images"):
        return [str(i["fullsize"]) for i in embed.get("images") or [] if i.get("fullsize")]
    if kind.startswith("app.bsky.embed.video") and embed.get("playlist"):
        return [str(embed["playlist"])]
    return []


def _build(
    *,
    native: str,
    did: str,
    record: Mapping[str, Any],
    author: Author,
    url: str,
    engagement: Engagement,
    media_view: list[str],
    raw: Mapping[str, Any],
    repost_of: str | None = None,
) -> Post:
    tags, mentions, links = _facets(record)
    media, ext_links = _record_media(did, record.get("embed"))
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    root = (reply.get("root") or {}).get("uri")
    langs = record.get("langs") or []
    return Post.create(
        platform=PLATFORM,
        native_id=native,
        text=str(record.get("text") or ""),
        url=url,
        published_at=parse_iso(record.get("createdAt")),
        author=author,
        lang=str(langs[0]) if langs else None,
        engagement=engagement,
        parent_id=f"{PLATFORM}:{native_from_uri(parent)}" if parent else None,
        thread_id=f"{PLATFORM}:{native_from_uri(root)}" if root else None,
        repost_of=repost_of,
        hashtags=unique(tags),
        mentions=unique(mentions),
        links=unique([*links, *ext_links]),
        media=unique(media_view or media),
        raw=raw,
    )


def to_post(raw: Mapping[str, Any], config: BlueskyConfig | None = None) -> Post:
    """A post view (searchPosts), a feed item (getAuthorFeed, with its
    ``post`` and maybe a repost ``reason``) or a Jetstream commit event. Pure."""
    if raw.get("kind") == "commit" and "commit" in raw:
        return _from_jetstream(raw)
    view: Mapping[str, Any] = raw.get("post") if "post" in raw else raw  # type: ignore[assignment]
    author_view = view.get("author") or {}
    did = str(author_view.get("did") or "")
    handle = str(author_view.get("handle") or did)
    uri = str(view["uri"])
    author = Author(
        handle=handle,
        name=author_view.get("displayName") or None,
        url=f"https://bsky.app/profile/{handle}",
        followers=author_view.get("followersCount"),
        id=did or None,
    )
    engagement = Engagement(
        likes=as_int(view.get("likeCount")),
        shares=as_int(view.get("repostCount")) + as_int(view.get("quoteCount")),
        replies=as_int(view.get("replyCount")),
    )
    reason = raw.get("reason") or {}
    if str(reason.get("$type", "")).endswith("#reasonRepost"):
        by = reason.get("by") or {}
        by_handle = str(by.get("handle") or by.get("did") or "unknown")
        return Post.create(
            platform=PLATFORM,
            native_id=f"{by.get('did')}/repost/{native_from_uri(uri)}",
            text=str((view.get("record") or {}).get("text") or ""),
            url=web_url(handle, uri),
            published_at=parse_iso(reason.get("indexedAt") or view.get("indexedAt")),
            author=Author(
                handle=by_handle,
                name=by.get("displayName") or None,
                url=f"https://bsky.app/profile/{by_handle}",
                followers=by.get("followersCount"),
                id=by.get("did"),
            ),
            repost_of=f"{PLATFORM}:{native_from_uri(uri)}",
            raw=raw,
        )
    return _build(
        native=native_from_uri(uri),
        did=did,
        record=view.get("record") or {},
        author=author,
        url=web_url(handle, uri),
        engagement=engagement,
        media_view=_view_media(view.get("embed")),
        raw=raw,
    )


def _from_jetstream(event: Mapping[str, Any]) -> Post:
    commit = event["commit"]
    did = str(event["did"])
    if commit.get("collection") != POST_COLLECTION or commit.get("operation") != "create":
        raise ValueError(
            f"Jetstream event is a {commit.get('operation')} of {commit.get('collection')}, "
            "not a new post"
        )
    uri = f"at://{did}/{POST_COLLECTION}/{commit['rkey']}"
    return _build(
        native=native_from_uri(uri),
        did=did,
        record=commit.get("record") or {},
        author=Author(handle=did, url=f"https://bsky.app/profile/{did}", id=did),
        url=web_url(did, uri),
        engagement=Engagement(),
        media_view=[],
        raw=event,
    )


def matches_keywords(event: Mapping[str, Any], keywords: tuple[str, ...]) -> bool:
    """Whether a Jetstream post event's text holds one of the folded keywords
    (whole folded words; a cheap pre-filter, saved queries do the real matching)."""
    if not keywords:
        return True
    from veille.textnorm import index_text

    record = (event.get("commit") or {}).get("record") or {}
    tags = " ".join(
        str(f.get("tag") or f.get("uri") or "")
        for facet in record.get("facets") or []
        for f in facet.get("features") or []
    )
    haystack = f" {index_text(str(record.get('text') or '') + ' ' + tags)} "
    return any(f" {k} " in haystack for k in keywords)
