"""A simulated WordPress site: ``/wp-json/wp/v2/posts`` and ``/comments``.

Top-level generated ``wordpress`` posts are the site's articles; replies to
them are its comments. ``search``, ``after``, ``modified_after``, ``order``,
``page``/``per_page`` with ``X-WP-Total``/``X-WP-TotalPages``, and
``_embed`` (author, featured media) behave as in WordPress 6.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import seq_of, words_match

PLATFORM = "wordpress"


def _gmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _author_id(post: Post) -> int:
    return sum(map(ord, post.author.handle)) % 997 + 1


def post_json(post: Post, req: Request, embed: bool) -> dict[str, Any]:
    pid = seq_of(post)
    base = req.base_url
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in post.text.split("\n") if p)
    body: dict[str, Any] = {
        "id": pid,
        "date": _gmt(post.published_at),
        "date_gmt": _gmt(post.published_at),
        "guid": {"rendered": f"{base}/?p={pid}"},
        "modified": _gmt(post.published_at),
        "modified_gmt": _gmt(post.published_at),
        "slug": f"post-{pid}",
        "status": "publish",
        "type": "post",
        "link": f"{base}/{post.published_at:%Y/%m/%d}/post-{pid}/",
        "title": {"rendered": html.escape(post.title or "")},
        "content": {"rendered": paragraphs, "protected": False},
        "excerpt": {"rendered": paragraphs[:200], "protected": False},
        "author": _author_id(post),
        "featured_media": pid if post.media else 0,
        "comment_status": "open",
        "format": "standard",
        "categories": [1],
        "tags": [],
    }
    if embed:
        body["_embedded"] = {
            "author": [
                {
                    "id": _author_id(post),
                    "name": post.author.name or post.author.handle,
                    "url": "",
                    "link": f"{base}/author/{post.author.handle}/",
                    "slug": post.author.handle,
                }
            ],
        }
        if post.media:
            body["_embedded"]["wp:featuredmedia"] = [
                {"id": pid, "source_url": post.media[0], "media_type": "image"}
            ]
    return body


def comment_json(post: Post, article: Post, req: Request) -> dict[str, Any]:
    cid = seq_of(post)
    base = req.base_url
    return {
        "id": cid,
        "post": seq_of(article),
        "parent": 0,
        "author": 0,
        "author_name": post.author.name or post.author.handle,
        "author_url": "",
        "date": _gmt(post.published_at),
        "date_gmt": _gmt(post.published_at),
        "content": {"rendered": f"<p>{html.escape(post.text)}</p>\n"},
        "link": f"{base}/{article.published_at:%Y/%m/%d}/post-{seq_of(article)}/#comment-{cid}",
        "status": "approved",
        "type": "comment",
    }


def _filter(req: Request, posts: list[Post]) -> list[Post] | Reply:
    search = req.arg("search")
    if search:
        posts = [p for p in posts if words_match(p, search)]
    for name in ("after", "modified_after"):
        value = req.arg(name)
        if value:
            try:
                floor = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return Reply.json(
                    {
                        "code": "rest_invalid_param",
                        "message": f"Invalid parameter(s): {name}",
                        "data": {"status": 400},
                    },
                    status=400,
                )
            posts = [p for p in posts if p.published_at > floor]
    if req.arg("order", "desc") == "asc":
        posts = list(reversed(posts))
    return posts


def _paged(req: Request, items: list[Any]) -> Reply:
    per_page = min(100, max(1, int(req.arg("per_page", "10") or 10)))
    page = max(1, int(req.arg("page", "1") or 1))
    pages = max(1, (len(items) + per_page - 1) // per_page)
    if page > pages and items:
        return Reply.json(
            {
                "code": "rest_post_invalid_page_number",
                "message": "The page number requested is larger than the number of pages "
                "available.",
                "data": {"status": 400},
            },
            status=400,
        )
    headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
    return Reply.json(items[(page - 1) * per_page : page * per_page], headers=headers)


def _posts(req: Request) -> Reply:
    posts = [p for p in req.world.visible(platform=PLATFORM) if p.parent_id is None]
    found = _filter(req, posts)
    if isinstance(found, Reply):
        return found
    embed = req.arg("_embed") is not None
    return _paged(req, [post_json(p, req, embed) for p in found])


def _comments(req: Request) -> Reply:
    world = req.world
    replies = []
    for p in world.visible(platform=PLATFORM):
        article = world.by_id.get(p.thread_id or p.parent_id or "")
        if article is not None and p.parent_id is not None:
            replies.append((p, article))
    by_id = {p.id: a for p, a in replies}
    found = _filter(req, [p for p, _ in replies])
    if isinstance(found, Reply):
        return found
    return _paged(req, [comment_json(p, by_id[p.id], req) for p in found])


def routes() -> list[Route]:
    return [
        Route("GET", r"/wp-json/wp/v2/posts", _posts),
        Route("GET", r"/wp-json/wp/v2/comments", _comments),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("wordpress", routes())]
