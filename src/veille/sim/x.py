"""A simulated X API v2 recent search (``/2/tweets/search/recent``).

Needs the bearer token :data:`BEARER`; honours ``query`` (words, ``lang:``,
``-is:retweet``, ``-is:reply``), ``since_id``, ``until_id``, ``max_results`` (10–100),
``next_token``, ``expansions=author_id`` and ``user.fields``; answers with
``data``/``includes``/``meta`` and ``x-rate-limit-*`` headers.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import iso_z, snowflake, words_match

PLATFORM = "x"
BEARER = "sim-x-bearer"
WINDOW = 900
_URL = re.compile(r"https?://\S+")


def _key(value: str) -> tuple[int, str]:
    return (len(value), value)


def user_id(post: Post) -> str:
    return str(abs(hash(post.author.handle)) % 10**18 + 10**17)


def tweet_json(post: Post, req: Request) -> dict[str, Any]:
    world = req.world
    tid = snowflake(post)
    entities: dict[str, Any] = {}
    for kind, pattern, field in (
        ("hashtags", r"#(\w+)", "tag"),
        ("mentions", r"@(\w+)", "username"),
    ):
        found = [
            {"start": m.start(), "end": m.end(), field: m.group(1)}
            for m in re.finditer(pattern, post.text)
        ]
        if found:
            entities[kind] = found
    urls = [
        {
            "start": m.start(),
            "end": m.end(),
            "url": f"https://t.co/{tid[-10:]}",
            "expanded_url": m.group(),
            "display_url": m.group().split("//", 1)[1][:25],
        }
        for m in _URL.finditer(post.text)
    ]
    if urls:
        entities["urls"] = urls
    refs = []
    parent = world.by_id.get(post.parent_id or "")
    if parent is not None:
        refs.append({"type": "replied_to", "id": snowflake(parent)})
    target = world.by_id.get(post.repost_of or "")
    if target is not None:
        refs.append({"type": "retweeted", "id": snowflake(target)})
    root = world.by_id.get(post.thread_id or "")
    body: dict[str, Any] = {
        "id": tid,
        "text": f"RT @{target.author.handle}: {post.text}" if target else post.text,
        "author_id": user_id(post),
        "created_at": iso_z(post.published_at),
        "conversation_id": snowflake(root) if root else tid,
        "lang": post.lang or "und",
        "edit_history_tweet_ids": [tid],
        "public_metrics": {
            "retweet_count": post.engagement.shares,
            "reply_count": post.engagement.replies,
            "like_count": post.engagement.likes,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": post.engagement.likes * 40 + 17,
        },
    }
    if entities:
        body["entities"] = entities
    if refs:
        body["referenced_tweets"] = refs
    return body


def user_json(post: Post) -> dict[str, Any]:
    return {
        "id": user_id(post),
        "name": post.author.name or post.author.handle,
        "username": post.author.handle,
        "public_metrics": {
            "followers_count": post.author.followers or 0,
            "following_count": 210,
            "tweet_count": 4200,
            "listed_count": 3,
            "like_count": 900,
        },
    }


def _matches(post: Post, query: str) -> bool:
    words = []
    for term in query.split():
        if term == "-is:retweet":
            if post.repost_of:
                return False
        elif term == "-is:reply":
            if post.parent_id:
                return False
        elif term.startswith("lang:"):
            if (post.lang or "") != term[5:]:
                return False
        else:
            words.append(term)
    return not words or words_match(post, " ".join(words))


def _problem(status: int, title: str, detail: str) -> Reply:
    return Reply.json(
        {"title": title, "detail": detail, "type": "about:blank", "status": status}, status=status
    )


def _search(req: Request) -> Reply:
    if req.token != BEARER:
        return _problem(401, "Unauthorized", "Unauthorized")
    try:
        size = int(req.arg("max_results", "10") or 10)
    except ValueError:
        size = -1
    if not 10 <= size <= 100:
        return Reply.json(
            {
                "errors": [
                    {
                        "parameters": {"max_results": [req.arg("max_results")]},
                        "message": "The `max_results` query parameter value is not between "
                        "10 and 100",
                    }
                ],
                "title": "Invalid Request",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            status=400,
        )
    query = req.arg("query") or ""
    since = req.arg("since_id")
    until = req.arg("until_id")
    posts = [
        p
        for p in req.world.visible(platform=PLATFORM)
        if _matches(p, query)
        and (not since or _key(snowflake(p)) > _key(since))
        and (not until or _key(snowflake(p)) < _key(until))
    ]
    token = req.arg("next_token")
    start = int(base64.b32decode(token).decode()) if token else 0
    page = posts[start : start + size]
    meta: dict[str, Any] = {"result_count": len(page)}
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = [tweet_json(p, req) for p in page]
        meta.update(newest_id=snowflake(page[0]), oldest_id=snowflake(page[-1]))
        if "author_id" in (req.arg("expansions") or ""):
            users = {user_id(p): user_json(p) for p in page}
            body["includes"] = {"users": list(users.values())}
    if start + size < len(posts):
        meta["next_token"] = base64.b32encode(str(start + size).encode()).decode()
    host = req.host
    quota = host._quotas.get(req.token)
    headers = {
        "x-rate-limit-limit": str(host.rate_limit),
        "x-rate-limit-remaining": str(quota.remaining if quota else host.rate_limit),
        "x-rate-limit-reset": str(int(quota.reset_at if quota else 0)),
    }
    return Reply.json(body, headers=headers)


def routes() -> list[Route]:
    return [Route("GET", r"/2/tweets/search/recent", _search)]


def host_specs() -> list[HostSpec]:
    return [HostSpec("x", routes())]
