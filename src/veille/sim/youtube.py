"""A simulated YouTube Data API v3: ``search.list``, ``commentThreads.list``
and ``channels.list`` (a channel by ``id`` or ``forHandle``, with its
``statistics``: subscribers are the author's followers, videos those
published by now).

Top-level generated ``youtube`` posts are videos; replies to them are top-level
comments. Requests need ``key``; ``pageToken``/``nextPageToken`` page newest
first. (The channel feeds are served by :mod:`veille.sim.feeds`.)
"""

from __future__ import annotations

import base64
import hashlib
import html
from datetime import datetime
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import iso_z, words_match

PLATFORM = "youtube"
API_KEY = "sim-youtube-key"


def video_id(post: Post) -> str:
    digest = hashlib.blake2b(post.id.encode(), digest_size=8).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:11]


def channel_id(post: Post) -> str:
    digest = hashlib.blake2b(post.author.handle.encode(), digest_size=16).digest()
    return "UC" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:22]


def _thumbs(vid: str) -> dict[str, Any]:
    return {
        size: {"url": f"https://i.ytimg.com/vi/{vid}/{name}.jpg", "width": w, "height": h}
        for size, name, w, h in (
            ("default", "default", 120, 90),
            ("medium", "mqdefault", 320, 180),
            ("high", "hqdefault", 480, 360),
        )
    }


def search_result(post: Post) -> dict[str, Any]:
    vid = video_id(post)
    return {
        "kind": "youtube#searchResult",
        "etag": hashlib.md5(post.id.encode()).hexdigest()[:27],
        "id": {"kind": "youtube#video", "videoId": vid},
        "snippet": {
            "publishedAt": iso_z(post.published_at, millis=False),
            "channelId": channel_id(post),
            "title": html.escape(post.title or post.text[:60]),
            "description": html.escape(post.text[:160]),
            "thumbnails": _thumbs(vid),
            "channelTitle": post.author.name or post.author.handle,
            "liveBroadcastContent": "none",
            "publishTime": iso_z(post.published_at, millis=False),
        },
    }


def comment_thread(post: Post, video: Post) -> dict[str, Any]:
    cid = "Ug" + video_id(post) + "4AaABAg"
    snippet = {
        "channelId": channel_id(video),
        "videoId": video_id(video),
        "textDisplay": html.escape(post.text),
        "textOriginal": post.text,
        "authorDisplayName": "@" + post.author.handle,
        "authorProfileImageUrl": "https://yt3.ggpht.com/a/default-user=s48",
        "authorChannelUrl": f"http://www.youtube.com/@{post.author.handle}",
        "authorChannelId": {"value": channel_id(post)},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": post.engagement.likes,
        "publishedAt": iso_z(post.published_at, millis=False),
        "updatedAt": iso_z(post.published_at, millis=False),
    }
    return {
        "kind": "youtube#commentThread",
        "etag": hashlib.md5(cid.encode()).hexdigest()[:27],
        "id": cid,
        "snippet": {
            "channelId": channel_id(video),
            "videoId": video_id(video),
            "topLevelComment": {
                "kind": "youtube#comment",
                "etag": "x",
                "id": cid,
                "snippet": snippet,
            },
            "canReply": True,
            "totalReplyCount": post.engagement.replies,
            "isPublic": True,
        },
    }


def _error(status: int, reason: str, message: str) -> Reply:
    return Reply.json(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "youtube", "reason": reason}],
            }
        },
        status=status,
    )


def _page(req: Request, kind: str, items: list[dict[str, Any]]) -> Reply:
    size = min(50, max(0, int(req.arg("maxResults", "5") or 5)))
    token = req.arg("pageToken")
    start = int(base64.urlsafe_b64decode(token + "==").decode()) if token else 0
    body: dict[str, Any] = {
        "kind": kind,
        "etag": "sim",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": size},
        "items": items[start : start + size],
    }
    if start + size < len(items):
        body["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return Reply.json(body)


def _search(req: Request) -> Reply:
    if req.arg("key") != API_KEY:
        return _error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
    query = req.arg("q") or ""
    after, before = req.arg("publishedAfter"), req.arg("publishedBefore")
    floor = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
    ceiling = datetime.fromisoformat(before.replace("Z", "+00:00")) if before else None
    videos = [
        p
        for p in req.world.visible(platform=PLATFORM)
        if p.parent_id is None
        and (not query or words_match(p, query))
        and (floor is None or p.published_at >= floor)
        and (ceiling is None or p.published_at < ceiling)
    ]
    return _page(req, "youtube#searchListResponse", [search_result(p) for p in videos])


def _comments(req: Request) -> Reply:
    if req.arg("key") != API_KEY:
        return _error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
    wanted = req.arg("videoId")
    world = req.world
    videos = {video_id(p): p for p in world.by_platform.get(PLATFORM, []) if p.parent_id is None}
    video = videos.get(wanted or "")
    if video is None:
        return _error(
            404,
            "videoNotFound",
            "The video identified by the videoId parameter could not be found.",
        )
    threads = [
        comment_thread(p, video)
        for p in world.visible(platform=PLATFORM)
        if p.parent_id is not None and (p.thread_id or p.parent_id) == video.id
    ]
    return _page(req, "youtube#commentThreadListResponse", threads)


def channel_json(post: Post, videos: int) -> dict[str, Any]:
    """A ``youtube#channel`` resource (``snippet`` and ``statistics``) for the
    author of ``post``."""
    cid = channel_id(post)
    return {
        "kind": "youtube#channel",
        "etag": hashlib.md5(cid.encode()).hexdigest()[:27],
        "id": cid,
        "snippet": {
            "title": post.author.name or post.author.handle,
            "description": "",
            "customUrl": "@" + post.author.handle.lower(),
            "publishedAt": "2015-01-01T00:00:00Z",
        },
        "statistics": {
            "viewCount": str((post.author.followers or 0) * 40),
            "subscriberCount": str(post.author.followers or 0),
            "hiddenSubscriberCount": False,
            "videoCount": str(videos),
        },
    }


def _channels(req: Request) -> Reply:
    if req.arg("key") != API_KEY:
        return _error(400, "keyInvalid", "API key not valid. Please pass a valid API key.")
    if not req.arg("part"):
        return _error(400, "required", "Required parameter: part")
    wanted_id = req.arg("id")
    wanted_handle = (req.arg("forHandle") or "").lstrip("@").lower()
    if not wanted_id and not wanted_handle:
        return _error(
            400,
            "missingRequiredParameter",
            "No filter selected. Expected one of: forHandle, id, mine, forUsername, ...",
        )
    found = next(
        (
            p
            for p in req.world.by_platform.get(PLATFORM, [])
            if (wanted_id and channel_id(p) == wanted_id)
            or (wanted_handle and p.author.handle.lower() == wanted_handle)
        ),
        None,
    )
    body: dict[str, Any] = {
        "kind": "youtube#channelListResponse",
        "etag": "sim",
        "pageInfo": {"totalResults": 1 if found else 0, "resultsPerPage": 5},
    }
    if found is not None:  # YouTube leaves "items" out when nothing matches
        videos = [
            p
            for p in req.world.visible(platform=PLATFORM, author=found.author.handle)
            if p.parent_id is None
        ]
        body["items"] = [channel_json(found, len(videos))]
    return Reply.json(body)


def routes() -> list[Route]:
    return [
        Route("GET", r"/youtube/v3/channels", _channels),
        Route("GET", r"/youtube/v3/search", _search),
        Route("GET", r"/youtube/v3/commentThreads", _comments),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("youtube", routes())]
