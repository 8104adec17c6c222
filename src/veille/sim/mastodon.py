"""A simulated Mastodon instance: tag, public and account timelines, v2 search.

Statuses are the generated ``mastodon`` posts in the real entity JSON
(``/api/v1/statuses`` shape), newest first, paged with ``max_id`` /
``since_id`` / ``min_id`` and a ``Link`` header as Mastodon sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlencode

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import html_paragraph, iso_z, snowflake, words_match

PLATFORM = "mastodon"
MAX_LIMIT = 40


def _key(status_id: str) -> tuple[int, str]:
    return (len(status_id), status_id)


def account_json(post: Post, base: str) -> dict[str, Any]:
    a = post.author
    return {
        "id": a.id or a.handle,
        "username": a.handle,
        "acct": a.handle,
        "display_name": a.name or "",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2022-01-01T00:00:00.000Z",
        "note": "",
        "url": f"{base}/@{a.handle}",
        "uri": f"{base}/users/{a.handle}",
        "avatar": f"{base}/avatars/{a.handle}.png",
        "avatar_static": f"{base}/avatars/{a.handle}.png",
        "header": "",
        "header_static": "",
        "followers_count": a.followers or 0,
        "following_count": 100,
        "statuses_count": 500,
        "last_status_at": post.published_at.date().isoformat(),
        "emojis": [],
        "fields": [],
    }


def status_json(post: Post, req: Request, *, nest: bool = True) -> dict[str, Any]:
    """One generated post as a Mastodon status entity."""
    base = req.base_url
    world = req.world
    sid = snowflake(post)
    parent = world.by_id.get(post.parent_id or "")
    target = world.by_id.get(post.repost_of or "") if nest else None
    tag_url: Callable[[str], str] = lambda t: f"{base}/tags/{t}"  # noqa: E731
    mention_url: Callable[[str], str] = lambda h: f"{base}/@{h}"  # noqa: E731
    media: list[dict[str, Any]] = [
        {
            "id": f"{sid}{i}",
            "type": "image",
            "url": url.replace("https://mastodon.example", base),
            "preview_url": url,
            "remote_url": None,
            "description": None,
            "meta": {},
            "blurhash": None,
        }
        for i, url in enumerate(post.media)
    ]
    return {
        "id": sid,
        "created_at": iso_z(post.published_at),
        "in_reply_to_id": snowflake(parent) if parent else None,
        "in_reply_to_account_id": (parent.author.id if parent else None),
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": post.lang,
        "uri": f"{base}/users/{post.author.handle}/statuses/{sid}",
        "url": f"{base}/@{post.author.handle}/{sid}",
        "replies_count": post.engagement.replies,
        "reblogs_count": post.engagement.shares,
        "favourites_count": post.engagement.likes,
        "edited_at": None,
        "content": ""
        if target
        else html_paragraph(post.text, tag_url=tag_url, mention_url=mention_url),
        "reblog": status_json(target, req, nest=False) if target else None,
        "application": None,
        "account": account_json(post, base),
        "media_attachments": [] if target else media,
        "mentions": [
            {"id": f"mastodon-{h}", "username": h, "acct": h, "url": mention_url(h)}
            for h in post.mentions
        ],
        "tags": [{"name": t, "url": tag_url(t)} for t in post.hashtags],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def _page(req: Request, posts: list[Post], path: str) -> Reply:
    """Filter by max_id/since_id/min_id, cut to limit, add the Link header."""
    try:
        limit = min(MAX_LIMIT, max(1, int(req.arg("limit", "20") or 20)))
    except ValueError:
        return Reply.json({"error": "limit must be a number"}, status=422)
    ids = [(snowflake(p), p) for p in posts]  # newest first
    max_id, since_id, min_id = req.arg("max_id"), req.arg("since_id"), req.arg("min_id")
    if max_id:
        ids = [(i, p) for i, p in ids if _key(i) < _key(max_id)]
    if since_id:
        ids = [(i, p) for i, p in ids if _key(i) > _key(since_id)]
    if min_id:
        # The page right after min_id: the oldest ones, still shown newest first.
        ids = [(i, p) for i, p in ids if _key(i) > _key(min_id)][-limit:]
    page = ids[:limit]
    headers: dict[str, str] = {}
    if page:
        keep = {k: v[0] for k, v in req.query.items() if k not in ("max_id", "since_id", "min_id")}
        nxt = urlencode({**keep, "max_id": page[-1][0]})
        prev = urlencode({**keep, "min_id": page[0][0]})
        headers["Link"] = (
            f'<{req.base_url}{path}?{nxt}>; rel="next", <{req.base_url}{path}?{prev}>; rel="prev"'
        )
    return Reply.json([status_json(p, req) for _, p in page], headers=headers)


def _tag(req: Request) -> Reply:
    from veille.textnorm import fold

    tag = fold(unquote(req.match["tag"]))
    posts = [
        p for p in req.world.visible(platform=PLATFORM) if tag in {fold(h) for h in p.hashtags}
    ]
    return _page(req, posts, req.path)


def _public(req: Request) -> Reply:
    return _page(req, req.world.visible(platform=PLATFORM), req.path)


def _lookup(req: Request) -> Reply:
    acct = (req.arg("acct") or "").split("@")[0]
    posts = req.world.visible(platform=PLATFORM, author=acct)
    if not posts:
        return Reply.json({"error": "Record not found"}, status=404)
    return Reply.json(account_json(posts[0], req.base_url))


def _account_statuses(req: Request) -> Reply:
    account_id = req.match["id"]
    handle = account_id.removeprefix("mastodon-")
    return _page(req, req.world.visible(platform=PLATFORM, author=handle), req.path)


def _search(req: Request) -> Reply:
    if not req.token:
        return Reply.json({"error": "The access token is invalid"}, status=401)
    query = req.arg("q") or ""
    kind = req.arg("type")
    posts = [p for p in req.world.visible(platform=PLATFORM) if words_match(p, query)]
    min_id = req.arg("min_id")
    if min_id:
        posts = [p for p in posts if _key(snowflake(p)) > _key(min_id)]
    limit = min(MAX_LIMIT, max(1, int(req.arg("limit", "20") or 20)))
    offset = max(0, int(req.arg("offset", "0") or 0))
    page = posts[offset : offset + limit] if kind in (None, "statuses") else []
    return Reply.json(
        {"accounts": [], "statuses": [status_json(p, req) for p in page], "hashtags": []}
    )


def routes() -> list[Route]:
    return [
        Route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)", _tag),
        Route("GET", r"/api/v1/timelines/public", _public),
        Route("GET", r"/api/v1/accounts/lookup", _lookup),
        Route("GET", r"/api/v1/accounts/(?P<id>[^/]+)/statuses", _account_statuses),
        Route("GET", r"/api/v2/search", _search),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("mastodon", routes())]
