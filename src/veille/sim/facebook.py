"""A simulated Graph API for one organization's Page: ``/{page}/posts`` and
``/{post-id}/comments`` with ``since``, ``limit``, cursor ``paging`` and the
``X-Page-Usage`` header, and the Page itself (``/{page}?fields=…``:
``followers_count``, ``fan_count``). Needs the bearer :data:`PAGE_TOKEN`."""

from __future__ import annotations

import base64
import json
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import brand_page

PLATFORM = "facebook"
PAGE_ID = "104857600123456"
PAGE_TOKEN = "sim-facebook-page-token"
PAGE_USERNAME = "lumio"
#: The Page's followers and likes (``followers_count``, ``fan_count``).
FOLLOWERS = 48_210
FANS = 45_987


def _time(post: Post) -> str:
    return post.published_at.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _post_id(day: int) -> str:
    return f"{PAGE_ID}_{10**15 + day}"


def post_json(post: Post, day: int, comments: int) -> dict[str, Any]:
    pid = _post_id(day)
    return {
        "id": pid,
        "message": post.text,
        "created_time": _time(post),
        "updated_time": _time(post),
        "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{pid.split('_')[1]}",
        "from": {"name": post.author.name, "id": PAGE_ID},
        "shares": {"count": post.engagement.shares},
        "reactions": {
            "data": [],
            "summary": {"total_count": post.engagement.likes, "viewer_reaction": "NONE"},
        },
        "comments": {
            "data": [],
            "summary": {"order": "ranked", "total_count": comments, "can_comment": True},
        },
    }


def comment_json(post: Post, parent_id: str, n: int) -> dict[str, Any]:
    cid = f"{parent_id.split('_')[1]}_{2 * 10**15 + n}"
    return {
        "id": cid,
        "message": post.text,
        "created_time": _time(post),
        "from": {"name": post.author.name or post.author.handle, "id": str(10**14 + n)},
        "like_count": post.engagement.likes,
        "comment_count": post.engagement.replies,
        "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{parent_id.split('_')[1]}?comment_id={cid.split('_')[1]}",
    }


def _error(status: int, message: str, code: int) -> Reply:
    return Reply.json(
        {
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "AbCdEfGh",
            }
        },
        status=status,
    )


def _paged(req: Request, items: list[dict[str, Any]], path: str) -> Reply:
    limit = min(100, max(1, int(req.arg("limit", "25") or 25)))
    after = req.arg("after")
    start = int(base64.b64decode(after).decode()) if after else 0
    page = items[start : start + limit]
    paging: dict[str, Any] = {}
    if page:
        paging["cursors"] = {
            "before": base64.b64encode(str(start).encode()).decode(),
            "after": base64.b64encode(str(start + len(page)).encode()).decode(),
        }
        if start + limit < len(items):
            keep = {k: v[0] for k, v in req.query.items() if k != "after"}
            query = "&".join(f"{k}={v}" for k, v in keep.items())
            paging["next"] = f"{req.base_url}{path}?{query}&after={paging['cursors']['after']}"
    usage = min(100, req.host.requests * 100 // max(1, req.host.rate_limit))
    headers = {
        "X-Page-Usage": json.dumps({"call_count": usage, "total_cputime": 1, "total_time": 1})
    }
    return Reply.json({"data": page, "paging": paging}, headers=headers)


def _visible(req: Request) -> list[tuple[int, Post, list[Post]]]:
    now = req.world.clock.now()
    out = []
    for day, (post, comments) in enumerate(brand_page(req.world, PLATFORM)):
        if post.published_at <= now:
            out.append((day, post, [c for c in comments if c.published_at <= now]))
    return out


def _since(req: Request) -> int:
    value = req.arg("since")
    return int(value) if value and value.isdigit() else 0


def _posts(req: Request) -> Reply:
    if req.token != PAGE_TOKEN:
        return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    if req.match["page"] not in (PAGE_ID, PAGE_USERNAME):
        return _error(
            404,
            f"Unsupported get request. Object with ID '{req.match['page']}' does not exist",
            100,
        )
    since = _since(req)
    items = [
        post_json(p, d, len(c))
        for d, p, c in reversed(_visible(req))
        if p.published_at.timestamp() >= since
    ]
    return _paged(req, items, req.path)


def _comments(req: Request) -> Reply:
    if req.token != PAGE_TOKEN:
        return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    since = _since(req)
    for day, _post, comments in _visible(req):
        pid = _post_id(day)
        if pid == req.match["post"]:
            items = [
                comment_json(c, pid, n)
                for n, c in enumerate(comments)
                if c.published_at.timestamp() >= since
            ]
            if req.arg("order") == "reverse_chronological":
                items.reverse()
            return _paged(req, items, req.path)
    return _error(404, "Object does not exist", 100)


def _page(req: Request) -> Reply:
    """The Page node: the fields asked for (``id`` always), as the Graph API
    answers ``/{page}?fields=…``."""
    from veille.sim.generate import BRAND

    if req.token != PAGE_TOKEN:
        return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    if req.match["page"] not in (PAGE_ID, PAGE_USERNAME):
        return _error(
            404,
            f"Unsupported get request. Object with ID '{req.match['page']}' does not exist",
            100,
        )
    node = {
        "id": PAGE_ID,
        "name": BRAND,
        "username": PAGE_USERNAME,
        "followers_count": FOLLOWERS,
        "fan_count": FANS,
    }
    wanted = [f.strip() for f in (req.arg("fields") or "name").split(",") if f.strip()]
    unknown = [f for f in wanted if f not in node]
    if unknown:
        return _error(
            400, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (Page)", 100
        )
    return Reply.json({"id": PAGE_ID, **{f: node[f] for f in wanted}})


def routes() -> list[Route]:
    prefix = r"(?:/v\d+\.\d+)?"
    return [
        Route("GET", prefix + r"/(?P<page>[^/_]+)", _page),
        Route("GET", prefix + r"/(?P<page>[^/_]+)/posts", _posts),
        Route("GET", prefix + r"/(?P<post>\d+_\d+)/comments", _comments),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("facebook", routes())]
