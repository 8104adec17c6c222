"""YouTube: channel feeds without a key; Data API v3 search and comments with one.

Targets::

    channel:UCxxxxxxxxxxxxxxxxxxxxxx   the channel's Atom feed (no key)
    playlist:PLxxxxxxxx                a playlist's Atom feed (no key)
    search:lumio fibre                 Data API v3 search.list (key)
    comments:VIDEO_ID                  Data API v3 commentThreads.list (key)

Options: ``key`` (a Data API key, for search and comments), ``api``
(default ``https://www.googleapis.com/youtube/v3``), ``feeds`` (default
``https://www.youtube.com/feeds/videos.xml``), ``max_results`` (≤ 50),
``max_pages``. Cursors: feeds keep the newest ``published`` seen; search
sends ``publishedAfter`` (and ``publishedBefore`` for a window a run could
not finish); comments keep the newest ``updatedAt`` seen.
Search costs 100 quota units a page, comments 1: keep ``max_pages`` low.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    Page,
    as_int,
    as_opt_int,
    parse_iso,
    readable_errors,
    resolve_secret,
    unescape,
    unique,
    walk_newest_first,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "youtube"
API = "https://www.googleapis.com/youtube/v3"
FEEDS = "https://www.youtube.com/feeds/videos.xml"
_HINT = tr("use channel:CHANNEL_ID, playlist:PLAYLIST_ID, search:TERMS or comments:VIDEO_ID")
OPTIONS: dict[str, type] = {
    "key": str,
    "api": str,
    "feeds": str,
    "max_results": int,
    "max_pages": int,
}
_WATCH = re.compile(r"[?&]v=([\w-]{6,})")


@dataclass(frozen=True)
class YouTubeConfig:
    mode: str  # channel | playlist | search | comments
    value: str
    key: str | None = None
    api: str = API
    feeds: str = FEEDS
    max_results: int = 50
    max_pages: int = 2


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> YouTubeConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    mode, colon, value = target.strip().partition(":")
    if not colon or mode not in ("channel", "playlist", "search", "comments") or not value.strip():
        raise SourceConfigError(
            tr("YouTube target %(target)r is not understood", target=target), hint=_HINT
        )
    key = opts.get("key") or None
    if mode in ("search", "comments") and not key:
        raise SourceConfigError(
            tr("YouTube %(mode)s needs a Data API key", mode=mode),
            hint=tr("add the option key=… (Google Cloud console → APIs → YouTube Data API v3)"),
        )
    extra = {k: opts[k] for k in ("max_results", "max_pages") if k in opts}
    if not 1 <= extra.get("max_results", 50) <= 50:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="max_results", low=1, high=50, what="the YouTube API",
            )
        )  # fmt: skip
    return YouTubeConfig(
        mode,
        value.strip(),
        key=key,
        api=str(opts.get("api") or API).rstrip("/"),
        feeds=str(opts.get("feeds") or FEEDS),
        **extra,
    )


def feed_params(config: YouTubeConfig) -> dict[str, str]:
    name = "channel_id" if config.mode == "channel" else "playlist_id"
    return {name: config.value}


def to_post(raw: Mapping[str, Any], config: YouTubeConfig | None = None) -> Post:
    """A search result, a comment thread, a video resource or a feed entry
    (as feedparser reads it) as a post. Pure."""
    kind = raw.get("kind")
    if kind == "youtube#commentThread":
        return _comment(raw)
    if kind in ("youtube#searchResult", "youtube#video"):
        return _video(raw)
    if isinstance(raw.get("entry"), Mapping):
        return _feed_entry(raw)
    raise ValueError(f"not a YouTube video, search result, comment thread or feed entry: {kind}")


def _thumbs(thumbnails: Mapping[str, Any]) -> list[str]:
    for size in ("maxres", "high", "medium", "default"):
        url = (thumbnails.get(size) or {}).get("url")
        if url:
            return [str(url)]
    return []


def _video(raw: Mapping[str, Any]) -> Post:
    snippet = raw.get("snippet") or {}
    vid = raw.get("id")
    video_id = str(vid.get("videoId") if isinstance(vid, Mapping) else vid)
    stats = raw.get("statistics") or {}
    channel = str(snippet.get("channelId") or "")
    return Post.create(
        platform=PLATFORM,
        native_id=video_id,
        title=unescape(snippet.get("title")) or None,
        text=unescape(snippet.get("description")),
        url=f"https://www.youtube.com/watch?v={video_id}",
        published_at=parse_iso(snippet["publishedAt"]),
        author=Author(
            handle=channel,  # "": no author
            name=unescape(snippet.get("channelTitle")) or None,
            url=f"https://www.youtube.com/channel/{channel}" if channel else None,
            id=channel or None,
        ),
        lang=snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage") or None,
        engagement=Engagement(
            likes=as_int(stats.get("likeCount")),
            replies=as_int(stats.get("commentCount")),
            views=as_opt_int(stats.get("viewCount")),
        ),
        hashtags=unique(str(t) for t in snippet.get("tags") or []),
        media=unique(_thumbs(snippet.get("thumbnails") or {})),
        raw=raw,
    )


def _comment(raw: Mapping[str, Any]) -> Post:
    outer = raw.get("snippet") or {}
    top = outer.get("topLevelComment") or {}
    snippet = top.get("snippet") or {}
    video_id = str(snippet.get("videoId") or outer.get("videoId") or "")
    comment_id = str(top.get("id") or raw["id"])
    channel = str((snippet.get("authorChannelId") or {}).get("value") or "")
    display = str(snippet.get("authorDisplayName") or "")  # "": no author
    return Post.create(
        platform=PLATFORM,
        native_id=f"comment/{comment_id}",
        text=unescape(snippet.get("textOriginal") or snippet.get("textDisplay")),
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}",
        published_at=parse_iso(snippet["publishedAt"]),
        author=Author(
            handle=display.lstrip("@"),
            name=display or None,
            url=snippet.get("authorChannelUrl") or None,
            id=channel or None,
        ),
        engagement=Engagement(
            likes=as_int(snippet.get("likeCount")),
            replies=as_int(outer.get("totalReplyCount")),
        ),
        parent_id=f"{PLATFORM}:{video_id}" if video_id else None,
        thread_id=f"{PLATFORM}:{video_id}" if video_id else None,
        raw=raw,
    )


def _video_id(entry: Mapping[str, Any], key: str) -> str:
    """The video id of a feed entry: ``yt:videoId``, else from its id or link."""
    if entry.get("yt_videoid"):
        return str(entry["yt_videoid"])
    entry_id = str(entry.get("id") or "")
    if entry_id.startswith("yt:video:"):
        return entry_id.removeprefix("yt:video:")
    found = _WATCH.search(str(entry.get("link") or ""))
    return found.group(1) if found else key


def _feed_entry(raw: Mapping[str, Any]) -> Post:
    """An item of the feeds connector (``{"key", "entry", "feed"}``) holding a
    YouTube Atom entry; its id is the video id, as the Data API gives it."""
    entry: Mapping[str, Any] = raw["entry"]
    video_id = _video_id(entry, str(raw.get("key") or ""))
    channel = str(entry.get("yt_channelid") or "")
    author = entry.get("author_detail") or {}
    stats = entry.get("media_statistics") or {}
    stars = entry.get("media_starrating") or {}
    thumbs = [str(t.get("url")) for t in entry.get("media_thumbnail") or [] if t.get("url")]
    text = entry.get("summary") or entry.get("media_description") or ""
    stamp = entry.get("published_parsed") or entry.get("published") or entry.get("updated")
    return Post.create(
        platform=PLATFORM,
        native_id=video_id,
        title=entry.get("title") or None,
        text=str(text),
        url=entry.get("link") or f"https://www.youtube.com/watch?v={video_id}",
        published_at=parse_iso(stamp),
        author=Author(
            handle=channel or str(author.get("name") or entry.get("author") or ""),
            name=author.get("name") or entry.get("author") or None,
            url=author.get("href") or None,
            id=channel or None,
        ),
        engagement=Engagement(
            likes=as_int(stars.get("count")), views=as_opt_int(stats.get("views"))
        ),
        media=unique(thumbs),
        raw=raw,
    )


def _api_pages(
    config: YouTubeConfig,
    path: str,
    params: dict[str, Any],
    stamp: Any,
    floor: str | None,
    http: HttpClient,
) -> Iterator[tuple[list[Mapping[str, Any]], bool]]:
    """Pages of a Data API list, newest first, cut at ``floor``; the bool says
    whether the floor (or the end) was reached."""
    url = f"{config.api}/{path}"
    key = resolve_secret(config.key, "key")
    query = {**params, "maxResults": config.max_results, "key": key}
    for _ in range(config.max_pages):
        body = http.get(url, params=query).json()
        items = list(body.get("items") or [])
        fresh = [i for i in items if floor is None or stamp(i) > floor]
        done = len(fresh) < len(items) or not body.get("nextPageToken")
        yield fresh, done
        if done:
            return
        query = {**query, "pageToken": body["nextPageToken"]}


def _search_stamp(item: Mapping[str, Any]) -> str:
    return str((item.get("snippet") or {}).get("publishedAt") or "")


def _comment_stamp(item: Mapping[str, Any]) -> str:
    top = ((item.get("snippet") or {}).get("topLevelComment") or {}).get("snippet") or {}
    return str(top.get("updatedAt") or top.get("publishedAt") or "")


def collect(
    config: YouTubeConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """Feeds go through the feeds connector (conditional GET, its cursor).
    Search reads newest first between ``publishedAfter`` and
    ``publishedBefore``, keeping in its cursor any window a run could not
    finish; comment threads page newest first and commit on the last page."""
    if config.mode in ("channel", "playlist"):
        from veille.sources.feeds import FeedsConfig, FeedsSource

        name, value = next(iter(feed_params(config).items()))
        url = f"{config.feeds}?{name}={value}"
        yield from FeedsSource().collect(FeedsConfig(url=url, platform=PLATFORM), cursor, http)
        return
    if config.mode == "search":
        params: dict[str, Any] = {
            "part": "snippet", "q": config.value, "type": "video", "order": "date",
        }  # fmt: skip

        def fetch(floor: str | None, upper: str | None) -> Iterator[Page]:
            window = dict(params)
            if floor:
                window["publishedAfter"] = floor  # inclusive: the floor video is dropped
            if upper:
                window["publishedBefore"] = upper
            for items, done in _api_pages(config, "search", window, _search_stamp, floor, http):
                yield items, not done

        yield from walk_newest_first(
            cursor, "published_after", fetch, _search_stamp, config.max_pages
        )
        return
    old = dict(cursor or {})
    params = {"part": "snippet", "videoId": config.value, "order": "time",
              "textFormat": "plainText"}  # fmt: skip
    floor = old.get("newest")
    newest = floor
    pending: list[Mapping[str, Any]] = []
    for items, _done in _api_pages(config, "commentThreads", params, _comment_stamp, floor, http):
        if not items:
            break
        top = max(_comment_stamp(i) for i in items)
        newest = top if newest is None or top > newest else newest
        if pending:
            yield Batch(pending, old)
        pending = items
    if pending:
        yield Batch(pending, {**old, "newest": newest})


class YouTubeSource(Source[YouTubeConfig]):
    name = "youtube"
    terms_url = "https://developers.google.com/youtube/terms/api-services-terms-of-service"
    terms_note = tr("YouTube API Services Terms of Service apply.")
    platform = PLATFORM
    Config = YouTubeConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("key",)
    target_help: ClassVar[str] = (
        "channel:ID or playlist:ID (feeds, no key), search:TERMS or comments:VIDEO_ID (key)"
    )
    default_every = 3600

    def config_from_target(self, target: str, options: Mapping[str, str]) -> YouTubeConfig:
        return parse_target(target, options)

    def collect(
        self, config: YouTubeConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: YouTubeConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
