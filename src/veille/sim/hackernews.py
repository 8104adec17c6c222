"""A simulated Algolia Hacker News search API (``/api/v1/search_by_date``)."""

from __future__ import annotations

import html
import operator
import re
from typing import Any

from veille.models import Post
from veille.sim.generate import headline
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import iso_z, seq_of, words_match

PLATFORM = "hackernews"
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}
_FILTER = re.compile(r"created_at_i\s*(>=|>|<=|<|=)\s*(\d+)")


def hit(post: Post, req: Request) -> dict[str, Any]:
    world = req.world
    parent = world.by_id.get(post.parent_id or "")
    root = world.by_id.get(post.thread_id or "") or parent
    object_id = str(seq_of(post))
    created = int(post.published_at.timestamp())
    common = {
        "created_at": iso_z(post.published_at),
        "author": post.author.handle,
        "created_at_i": created,
        "objectID": object_id,
        "updated_at": iso_z(post.published_at),
    }
    if parent is not None and root is not None:
        return {
            **common,
            "title": None,
            "url": None,
            "points": None,
            "story_text": None,
            "comment_text": "<p>" + html.escape(post.text) + "</p>",
            "num_comments": None,
            "story_id": seq_of(root),
            "story_title": headline(root.text),
            "story_url": None,
            "parent_id": seq_of(parent),
            "_tags": ["comment", f"author_{post.author.handle}", f"story_{seq_of(root)}"],
        }
    return {
        **common,
        "title": headline(post.text),
        "url": post.links[0] if post.links else None,
        "points": post.engagement.likes,
        "story_text": None if post.links else html.escape(post.text),
        "comment_text": None,
        "num_comments": post.engagement.replies,
        "story_id": int(object_id),
        "story_title": None,
        "story_url": None,
        "parent_id": None,
        "_tags": ["story", f"author_{post.author.handle}", f"story_{object_id}"],
    }


def _search_by_date(req: Request) -> Reply:
    query = req.arg("query", "") or ""
    tags = (req.arg("tags") or "").strip("()")
    wanted = {t.strip() for t in tags.split(",") if t.strip()}
    numeric = req.arg("numericFilters") or ""
    try:
        per_page = min(1000, max(0, int(req.arg("hitsPerPage", "20") or 20)))
        page = max(0, int(req.arg("page", "0") or 0))
    except ValueError:
        return Reply.json({"message": "invalid parameter", "status": 400}, status=400)
    hits = []
    for post in req.world.visible(platform=PLATFORM):
        if query and not words_match(post, query):
            continue
        h = hit(post, req)
        if wanted and not wanted & set(h["_tags"]):
            continue
        hits.append(h)
    for op, value in _FILTER.findall(numeric):
        compare = _OPS[op]
        hits = [h for h in hits if compare(h["created_at_i"], int(value))]
    pages = (len(hits) + per_page - 1) // per_page if per_page else 0
    return Reply.json(
        {
            "hits": hits[page * per_page : (page + 1) * per_page],
            "nbHits": len(hits),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per_page,
            "exhaustiveNbHits": True,
            "query": query,
            "params": req.path,
            "processingTimeMS": 1,
        }
    )


def routes() -> list[Route]:
    return [Route("GET", r"/api/v1/search_by_date", _search_by_date)]


def host_specs() -> list[HostSpec]:
    return [HostSpec("hackernews", routes())]
