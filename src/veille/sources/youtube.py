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
sends ``publishedAfter``; comments keep the newest ``updatedAt`` seen.
Search costs 100 quota units a page, comments 1: keep ``max_pages`` low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from veille.errors import UsageError
from veille.models import Author, Engagement, Post
from veille.sources._social import as_int, as_opt_int, parse_iso, unescape, unique

PLATFORM = "youtube"
API = "https://www.googleapis.com/youtube/v3"
FEEDS = "https://www.youtube.com/feeds/videos.xml"
_HINT = "use channel:CHANNEL_ID, playlist:PLAYLIST_ID, search:TERMS or comments:VIDEO_ID"


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
    opts = dict(options or {})
    mode, colon, value = target.strip().partition(":")
    if not colon or mode not in ("channel", "playlist", "search", "comments") or not value.strip():
        raise UsageError(f"YouTube target {target!r} is not understood", hint=_HINT)
    key = opts.get("key") or None
    if mode in ("search", "comments") and not key:
        raise UsageError(
            f"YouTube {mode} needs a Data API key",
            hint="add --option key=… (Google Cloud console → APIs → YouTube Data API v3)",
        )
    extra: dict[str, Any] = {}
    for name in ("max_results", "max_pages"):
        if opts.get(name) is not None:
            extra[name] = int(opts[name])
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
    if "yt_videoid" in raw:
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
            handle=channel or "unknown",
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
    display = str(snippet.get("authorDisplayName") or "unknown")
    return Post.create(
        platform=PLATFORM,
        native_id=f"comment/{comment_id}",
        text=unescape(snippet.get("textOriginal") or snippet.get("textDisplay")),
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}",
        published_at=parse_iso(snippet["publishedAt"]),
        author=Author(
            handle=display.lstrip("@"),
            name=display,
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


def _feed_entry(raw: Mapping[str, Any]) -> Post:
    video_id = str(raw["yt_videoid"])
    channel = str(raw.get("yt_channelid") or "")
    author = raw.get("author_detail") or {}
    stats = raw.get("media_statistics") or {}
    stars = raw.get("media_starrating") or {}
    thumbs = [str(t.get("url")) for t in raw.get("media_thumbnail") or [] if t.get("url")]
    text = raw.get("summary") or raw.get("media_description") or ""
    return Post.create(
        platform=PLATFORM,
        native_id=video_id,
        title=raw.get("title") or None,
        text=str(text),
        url=raw.get("link") or f"https://www.youtube.com/watch?v={video_id}",
        published_at=parse_iso(raw["published"]),
        author=Author(
            handle=channel or str(author.get("name") or "unknown"),
            name=author.get("name") or raw.get("author") or None,
            url=author.get("href") or None,
            id=channel or None,
        ),
        engagement=Engagement(likes=as_int(stars.get("count")), views=as_opt_int(stats.get("views"))),
        media=unique(thumbs),
        raw=raw,
    )
