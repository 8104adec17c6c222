"""Bluesky: post search and an author's feed over XRPC (Jetstream: ``jetstream.py``).

Targets (``veille source add bluesky TARGET``)::

    search:lumio fibre           app.bsky.feed.searchPosts (sort=latest)
    author:netpolicy.bsky.social app.bsky.feed.getAuthorFeed

Options: ``service`` (XRPC base, default ``https://public.api.bsky.app``),
``handle`` and ``app_password`` (a session via
``com.atproto.server.createSession``; the service then defaults to
``https://bsky.social``), ``limit`` (≤ 100), ``max_pages``.

Cursors: ``since_us`` (newest ``createdAt`` seen, in microseconds, sent back
as searchPosts' ``since``; ``upper``/``top`` while a window remains to read)
for search, ``newest`` (newest time seen) for an author feed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    Page,
    as_int,
    from_unix,
    parse_iso,
    readable_errors,
    resolve_secret,
    unique,
    walk_newest_first,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "bluesky"
PUBLIC_SERVICE = "https://public.api.bsky.app"
SESSION_SERVICE = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
_HINT = tr("use search:TERMS or author:HANDLE (new posts as they happen: the jetstream kind)")
OPTIONS: dict[str, type] = {
    "service": str,
    "handle": str,
    "app_password": str,
    "limit": int,
    "max_pages": int,
}


@dataclass(frozen=True)
class BlueskyConfig:
    mode: str  # search | author
    value: str  # search terms, or an actor handle or DID
    service: str = PUBLIC_SERVICE
    handle: str | None = None
    app_password: str | None = None
    limit: int = 100
    max_pages: int = 5


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> BlueskyConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    mode, colon, value = target.strip().partition(":")
    if not colon or mode not in ("search", "author") or not value.strip():
        raise SourceConfigError(
            tr("Bluesky target %(target)r is not understood", target=target), hint=_HINT
        )
    value = value.strip()
    if mode == "author":
        value = value.lstrip("@")
    handle, password = opts.get("handle"), opts.get("app_password")
    if bool(handle) != bool(password):
        raise SourceConfigError(
            tr("a Bluesky session needs both handle and app_password"),
            hint=tr("create an app password in Settings → Privacy and security → App passwords"),
        )
    service = opts.get("service") or (SESSION_SERVICE if handle else PUBLIC_SERVICE)
    extra = {k: opts[k] for k in ("limit", "max_pages") if k in opts}
    if not 1 <= extra.get("limit", 100) <= 100:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="limit", low=1, high=100, what="Bluesky",
            )
        )  # fmt: skip
    return BlueskyConfig(
        mode,
        value,
        service=str(service).rstrip("/"),
        handle=handle or None,
        app_password=password or None,
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
        media, links = _record_media(did, embed.get("media"))
        return media, [*links, *_record_media(did, embed.get("record"))[1]]
    if kind == "app.bsky.embed.record":
        # A quote: the quoted post, shown under the text, is linked by its
        # address (its author's DID: the record names no handle).
        quoted = str((embed.get("record") or {}).get("uri") or "")
        if quoted.startswith("at://") and f"/{POST_COLLECTION}/" in quoted:
            links.append(web_url(quoted.removeprefix("at://").split("/", 1)[0], quoted))
    elif kind == "app.bsky.embed.images":
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
        by_handle = str(by.get("handle") or by.get("did") or "")
        return Post.create(
            platform=PLATFORM,
            native_id=f"{by.get('did')}/repost/{native_from_uri(uri)}",
            text=str((view.get("record") or {}).get("text") or ""),
            url=web_url(handle, uri),
            published_at=parse_iso(reason.get("indexedAt") or view.get("indexedAt")),
            author=Author(
                handle=by_handle,
                name=by.get("displayName") or None,
                url=f"https://bsky.app/profile/{by_handle}" if by_handle else None,
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
        engagement=Engagement(given=False),  # the firehose gives no counts
        media_view=[],
        raw=event,
    )


def session_token(config: BlueskyConfig, http: HttpClient) -> str | None:
    """An access JWT from ``com.atproto.server.createSession`` when the config
    holds an app password (never stored; a fresh one each run)."""
    if not (config.handle and config.app_password):
        return None
    resp = http.request(
        "POST",
        f"{config.service}/xrpc/com.atproto.server.createSession",
        json_body={
            "identifier": config.handle,
            "password": resolve_secret(config.app_password, "app_password"),
        },
    )
    return str(resp.json()["accessJwt"])


def _sort_time(item: Mapping[str, Any], search: bool = False) -> str:
    """When a feed item entered the feed, or a searched post was written (ISO)."""
    if search:
        # Bluesky's own sortAt: the earlier of when the post says it was
        # written (its author's client writes any date there) and when the
        # AppView saw it. By createdAt alone, one post dated 2099 made the
        # cursor 2099, and the search never collected anything again.
        written = (item.get("record") or {}).get("createdAt")
        seen = item.get("indexedAt")
        if not written or not seen:
            return str(written or seen)
        try:
            return str(min(written, seen, key=parse_iso))
        except (TypeError, ValueError):  # a createdAt that is no date
            return str(seen)
    reason = item.get("reason") or {}
    if reason.get("indexedAt"):
        return str(reason["indexedAt"])
    view = item.get("post") if "post" in item else item
    return str((view or {}).get("indexedAt") or ((view or {}).get("record") or {}).get("createdAt"))


def _micros(when: str) -> int:
    stamp = parse_iso(when)
    return int(stamp.timestamp()) * 1_000_000 + stamp.microsecond


def _iso_micros(micros: int) -> str:
    return (
        from_unix(micros // 1_000_000)
        .replace(microsecond=micros % 1_000_000)
        .strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )


def collect(
    config: BlueskyConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """Search: posts newer than ``cursor["since_us"]``, newest first; a run
    cut short by ``max_pages`` leaves a window (``until``) the next run reads
    first. Author feed: items newer than ``cursor["newest"]``, the new cursor
    riding on the last batch."""
    token = session_token(config, http)
    if config.mode == "search":
        yield from _collect_search(config, cursor, http, token)
        return
    old = dict(cursor or {})
    url = f"{config.service}/xrpc/app.bsky.feed.getAuthorFeed"
    params = {"actor": config.value, "limit": config.limit, "filter": "posts_with_replies"}
    floor = parse_iso(old["newest"]) if old.get("newest") else None
    newest = old.get("newest")
    pending: list[Mapping[str, Any]] = []
    quota = None
    for _ in range(config.max_pages):
        body = http.get(url, params=params, token=token).json()
        quota = http.quota_left(url, token)
        items = list(body.get("feed") or [])
        reached_floor = False
        if floor is not None:
            fresh = [i for i in items if parse_iso(_sort_time(i)) > floor]
            reached_floor = len(fresh) < len(items)
            items = fresh
        if not items:
            break
        top = max((_sort_time(i) for i in items), key=parse_iso)
        if newest is None or parse_iso(top) > parse_iso(str(newest)):
            newest = top
        if pending:
            yield Batch(pending, old, quota=quota)
        pending = items
        if reached_floor or not body.get("cursor"):
            break
        params = {**params, "cursor": body["cursor"]}
    if pending:
        yield Batch(pending, {**old, "newest": newest}, quota=quota)


def _collect_search(
    config: BlueskyConfig, cursor: Mapping[str, Any] | None, http: HttpClient, token: str | None
) -> Iterator[Batch]:
    url = f"{config.service}/xrpc/app.bsky.feed.searchPosts"

    def stamp(item: Mapping[str, Any]) -> int:
        return _micros(_sort_time(item, search=True))

    def fetch(floor: int | None, upper: int | None) -> Iterator[Page]:
        params: dict[str, Any] = {"q": config.value, "sort": "latest", "limit": config.limit}
        if floor is not None:
            params["since"] = _iso_micros(floor)  # inclusive: the floor post is dropped below
        if upper is not None:
            params["until"] = _iso_micros(upper)
        for _ in range(config.max_pages):
            body = http.get(url, params=params, token=token).json()
            posts = [p for p in body.get("posts") or [] if floor is None or stamp(p) > floor]
            yield posts, bool(body.get("cursor")) and bool(posts)
            if not body.get("cursor"):
                return
            params = {**params, "cursor": body["cursor"]}

    for batch in walk_newest_first(cursor, "since_us", fetch, stamp, config.max_pages):
        batch.quota = http.quota_left(url, token)
        yield batch


class BlueskySource(Source[BlueskyConfig]):
    name = "bluesky"
    terms_url = "https://bsky.social/about/support/tos"
    terms_note = tr(
        "Bluesky's terms of service and its developer guidelines apply; posts "
        "are public but deletions must be honoured."
    )
    platform = PLATFORM
    Config = BlueskyConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("app_password",)
    target_help: ClassVar[str] = "search:TERMS or author:HANDLE"
    default_every = 600

    def config_from_target(self, target: str, options: Mapping[str, str]) -> BlueskyConfig:
        return parse_target(target, options)

    def collect(
        self, config: BlueskyConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: BlueskyConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
