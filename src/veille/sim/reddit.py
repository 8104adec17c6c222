"""A simulated Reddit: JSON listings (search, subreddit new/search) and the
client-credentials token endpoint, serving the generated ``reddit`` posts."""

from __future__ import annotations

import base64
import html
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import seq_of, words_match

PLATFORM = "reddit"
CLIENT = ("sim-client", "sim-secret")


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def subreddit_of(post: Post) -> str:
    topic = str(post.raw.get("sim_topic", "sector"))
    return {"brand": "lumio", "sector": "telecom"}.get(topic, topic)


def link_json(post: Post) -> dict[str, Any]:
    """A generated post as a ``t3`` listing child."""
    pid = _b36(1_000_000 + seq_of(post))
    sub = subreddit_of(post)
    title = post.text.split(". ")[0][:120]
    url = post.links[0] if post.links else None
    permalink = f"/r/{sub}/comments/{pid}/{'_'.join(title.lower().split()[:6])}/"
    data: dict[str, Any] = {
        "id": pid,
        "name": f"t3_{pid}",
        "subreddit": sub,
        "subreddit_name_prefixed": f"r/{sub}",
        "title": html.escape(title, quote=False),
        "selftext": "" if url else post.text,
        "selftext_html": None
        if url
        else html.escape(
            f'<!-- SC_OFF --><div class="md"><p>{html.escape(post.text)}</p></div><!-- SC_ON -->'
        ),
        "author": post.author.handle,
        "author_fullname": f"t2_{_b36(abs(hash(post.author.handle)) % 10**8)}",
        "created_utc": float(int(post.published_at.timestamp())),
        "permalink": permalink,
        "url": url or f"https://www.reddit.com{permalink}",
        "is_self": url is None,
        "domain": "news.example" if url else f"self.{sub}",
        "score": post.engagement.likes,
        "ups": post.engagement.likes,
        "upvote_ratio": 0.93,
        "num_comments": post.engagement.replies,
        "num_crossposts": post.engagement.shares,
        "over_18": False,
        "link_flair_text": None,
        "thumbnail": "self" if url is None else "default",
    }
    if post.media:
        data["preview"] = {
            "images": [
                {
                    "source": {"url": html.escape(m), "width": 1200, "height": 800},
                    "resolutions": [],
                    "id": pid,
                }
                for m in post.media
            ]
        }
    return {"kind": "t3", "data": data}


def _authorized(req: Request) -> bool:
    """The public site answers anyone; oauth paths need the app's bearer token."""
    return req.token is None or req.token.startswith("sim-reddit-")


def _listing(req: Request, posts: list[Post]) -> Reply:
    if not _authorized(req):
        return Reply.json({"message": "Unauthorized", "error": 401}, status=401)
    limit = min(100, max(1, int(req.arg("limit", "25") or 25)))
    after = req.arg("after")
    children = [link_json(p) for p in posts if p.parent_id is None]
    if after:
        names = [c["data"]["name"] for c in children]
        children = children[names.index(after) + 1 :] if after in names else []
    page = children[:limit]
    more = len(children) > limit
    return Reply.json(
        {
            "kind": "Listing",
            "data": {
                "after": page[-1]["data"]["name"] if page and more else None,
                "dist": len(page),
                "modhash": "",
                "geo_filter": "",
                "children": page,
                "before": None,
            },
        }
    )


def _search(req: Request) -> Reply:
    query = req.arg("q") or ""
    posts = [p for p in req.world.visible(platform=PLATFORM) if words_match(p, query)]
    return _listing(req, posts)


def _sub_new(req: Request) -> Reply:
    sub = req.match["sub"].lower()
    return _listing(
        req, [p for p in req.world.visible(platform=PLATFORM) if subreddit_of(p) == sub]
    )


def _sub_search(req: Request) -> Reply:
    sub = req.match["sub"].lower()
    query = req.arg("q") or ""
    posts = [
        p
        for p in req.world.visible(platform=PLATFORM)
        if (subreddit_of(p) == sub or req.arg("restrict_sr") in (None, "0", "false"))
        and words_match(p, query)
    ]
    return _listing(req, posts)


def _token(req: Request) -> Reply:
    auth = req.headers.get("Authorization") or ""
    try:
        user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
    except ValueError:
        user = password = ""
    if (user, password) != CLIENT or b"grant_type=client_credentials" not in req.body:
        return Reply.json({"error": "invalid_grant"}, status=401)
    return Reply.json(
        {
            "access_token": "sim-reddit-token",
            "token_type": "bearer",
            "expires_in": 86400,
            "scope": "*",
        }
    )


def routes() -> list[Route]:
    return [
        Route("GET", r"/search(?:\.json)?", _search),
        Route("GET", r"/r/(?P<sub>[A-Za-z0-9_]+)/new(?:\.json)?", _sub_new),
        Route("GET", r"/r/(?P<sub>[A-Za-z0-9_]+)/search(?:\.json)?", _sub_search),
        Route("POST", r"/api/v1/access_token", _token),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("reddit", routes())]
