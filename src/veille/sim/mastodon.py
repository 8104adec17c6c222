"""A simulated Mastodon instance: tag, public and account timelines, v2 search,
the instance's configuration, and posting statuses.

Statuses are the generated ``mastodon`` posts in the real entity JSON
(``/api/v1/statuses`` shape), newest first, paged with ``max_id`` /
``since_id`` / ``min_id`` and a ``Link`` header as Mastodon sends it.

``POST /api/v1/statuses`` needs a bearer token of :data:`TOKENS` (the account
it posts as); it counts the status as Mastodon does (links as 23, remote
mentions by their local part) against ``host.state["max_characters"]``
(default :data:`MAX_CHARACTERS`, shown at ``GET /api/v2/instance``), answers
422 with Mastodon's error JSON past it, honours ``Idempotency-Key`` (the same
key and token get the first status back), and adds the status to the world,
so the timelines and search show it. Every request is kept in ``host.writes``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlencode

from veille.models import Author, Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import html_paragraph, iso_z, remember, snowflake, words_match, written_post

PLATFORM = "mastodon"
MAX_LIMIT = 40
MAX_CHARACTERS = 500
# Bearer token -> the account it posts as (the organization's, in the demo).
TOKENS = MappingProxyType({"sim-mastodon-token": "lumio", "sim-mastodon-token-2": "lumio_support"})
VISIBILITIES = ("public", "unlisted", "private", "direct")


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
        "spoiler_text": post.raw.get("spoiler_text", ""),
        "visibility": post.raw.get("visibility", "public"),
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
        p
        for p in _listed(req.world.visible(platform=PLATFORM))
        if tag in {fold(h) for h in p.hashtags}
    ]
    return _page(req, posts, req.path)


def _listed(posts: list[Post]) -> list[Post]:
    """Statuses public timelines and tag pages show (not unlisted, private or direct)."""
    return [p for p in posts if p.raw.get("visibility", "public") == "public"]


def _public(req: Request) -> Reply:
    return _page(req, _listed(req.world.visible(platform=PLATFORM)), req.path)


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
    if query.startswith(("https://", "http://")):
        # A status URL (with resolve=true): the status itself, as this instance knows it.
        base = req.base_url
        posts = [
            p
            for p in req.world.visible(platform=PLATFORM)
            if query in (p.url, f"{base}/@{p.author.handle}/{snowflake(p)}")
        ]
    else:
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


def _max_characters(req: Request) -> int:
    return int(req.host.state.get("max_characters", MAX_CHARACTERS))


def _instance(req: Request) -> Reply:
    """The v2 instance entity (the parts clients read to size a status)."""
    host = req.base_url.split("://", 1)[-1]
    return Reply.json(
        {
            "domain": host,
            "title": "Simulated Mastodon",
            "version": "4.3.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A Mastodon instance simulated by veille.",
            "languages": ["en", "fr"],
            "configuration": {
                "urls": {"streaming": f"ws://{host}"},
                "accounts": {"max_featured_tags": 10},
                "statuses": {
                    "max_characters": _max_characters(req),
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {"image_size_limit": 16777216},
                "polls": {"max_options": 4, "max_characters_per_option": 50},
            },
            "registrations": {"enabled": False, "approval_required": False},
        }
    )


def _form(req: Request) -> dict[str, Any]:
    """The request's parameters: JSON, or form fields (as Mastodon accepts both)."""
    ctype = (req.headers.get("Content-Type") or "").lower()
    if "json" in ctype:
        data = req.json()
        return data if isinstance(data, dict) else {}
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}


def _error(req: Request, message: str, status: int) -> Reply:
    return remember(req, Reply.json({"error": message}, status=status))


def _post_status(req: Request) -> Reply:
    from veille.plan.lengths import mastodon_length

    handle = TOKENS.get(req.token or "")
    if handle is None:
        return _error(req, "The access token is invalid", 401)
    try:
        form = _form(req)
    except ValueError:
        return _error(req, "Validation failed: the body is not JSON", 422)
    key = req.headers.get("Idempotency-Key")
    seen: dict[tuple[str, str], dict[str, Any]] = req.host.state.setdefault("idempotency", {})
    if key and (handle, key) in seen:
        return remember(req, Reply.json(seen[(handle, key)]), form)
    text = str(form.get("status") or "")
    spoiler = str(form.get("spoiler_text") or "")
    if not text.strip():
        return _error(req, "Validation failed: Text can't be blank", 422)
    limit = _max_characters(req)
    if mastodon_length(text, spoiler) > limit:
        return _error(req, f"Validation failed: Text character limit of {limit} exceeded", 422)
    visibility = str(form.get("visibility") or "public")
    if visibility not in VISIBILITIES:
        return _error(req, "Validation failed: Visibility is not included in the list", 422)
    parent = None
    reply_to = form.get("in_reply_to_id")
    if reply_to:
        parent = next(
            (p for p in req.world.by_platform.get(PLATFORM, []) if snowflake(p) == str(reply_to)),
            None,
        )
        if parent is None:
            return _error(req, "Record not found", 404)
    base = req.base_url
    post = written_post(
        req,
        platform=PLATFORM,
        native_id=None,
        text=text,
        author=Author(
            handle=handle, name=handle.replace("_", " ").title(), id=f"mastodon-{handle}"
        ),
        url_of=lambda p: f"{base}/@{handle}/{snowflake(p)}",
        lang=str(form.get("language") or "") or None,
        parent_id=parent.id if parent else None,
        thread_id=(parent.thread_id or parent.id) if parent else None,
        raw={"visibility": visibility, "spoiler_text": spoiler},
    )
    body = status_json(post, req)
    if key:
        seen[(handle, key)] = body
    return remember(req, Reply.json(body), form)


def _verify_credentials(req: Request) -> Reply:
    """The token's own account (what a client reads to check a token)."""
    handle = TOKENS.get(req.token or "")
    if handle is None:
        return Reply.json({"error": "The access token is invalid"}, status=401)
    return Reply.json({"id": f"mastodon-{handle}", "username": handle, "acct": handle,
                       "display_name": handle.replace("_", " ").title()})  # fmt: skip


def routes() -> list[Route]:
    return [
        Route("GET", r"/api/v2/instance", _instance),
        Route("GET", r"/api/v1/accounts/verify_credentials", _verify_credentials),
        Route("POST", r"/api/v1/statuses", _post_status),
        Route("GET", r"/api/v1/timelines/tag/(?P<tag>[^/]+)", _tag),
        Route("GET", r"/api/v1/timelines/public", _public),
        Route("GET", r"/api/v1/accounts/lookup", _lookup),
        Route("GET", r"/api/v1/accounts/(?P<id>[^/]+)/statuses", _account_statuses),
        Route("GET", r"/api/v2/search", _search),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("mastodon", routes())]
