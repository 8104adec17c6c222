"""A simulated WordPress site: ``/wp-json/wp/v2/posts`` and ``/comments``.

Top-level generated ``wordpress`` posts are the site's articles; replies to
them are its comments. ``search``, ``after``, ``modified_after``, ``order``,
``page``/``per_page`` with ``X-WP-Total``/``X-WP-TotalPages``, and
``_embed`` (author, featured media) behave as in WordPress 6.

``POST /wp-json/wp/v2/posts`` creates an article with an application password
(HTTP basic auth, :data:`USER` and :data:`APP_PASSWORD`; spaces in it are
optional, as in WordPress); without one it answers 401 ``rest_cannot_create``.
``status`` is ``publish`` (shown at once), ``draft``, ``pending``, ``private`` or
``future``; only published articles are listed. A ``slug`` already taken gets
``-2`` appended, as WordPress does; ``GET /wp-json/wp/v2/posts?slug=…`` finds it.
Requests are kept in ``host.writes``.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime
from typing import Any

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route
from veille.sim.social import remember, seq_of, words_match

PLATFORM = "wordpress"
USER = "lumio"
APP_PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"
STATUSES = ("publish", "future", "draft", "pending", "private")


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
        "slug": _slug(post),
        "status": post.raw.get("wp_status", "publish"),
        "type": "post",
        "link": f"{base}/{post.published_at:%Y/%m/%d}/{_slug(post)}/",
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


def _slug(post: Post) -> str:
    return str(post.raw.get("wp_slug") or f"post-{seq_of(post)}")


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
        "link": f"{base}/{article.published_at:%Y/%m/%d}/{_slug(article)}/#comment-{cid}",
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
    posts = [
        p
        for p in req.world.visible(platform=PLATFORM)
        if p.parent_id is None and p.raw.get("wp_status", "publish") == "publish"
    ]
    slug = req.arg("slug")
    if slug:
        posts = [p for p in posts if _slug(p) == slug]
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


def _wp_error(req: Request, code: str, message: str, status: int, body: Any = None) -> Reply:
    reply = Reply.json(
        {"code": code, "message": message, "data": {"status": status}}, status=status
    )
    return remember(req, reply, body)


def _authorized(req: Request) -> bool:
    auth = req.headers.get("Authorization") or ""
    if not auth.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    # WordPress shows application passwords in groups of four; spaces are optional.
    return user == USER and password.replace(" ", "") == APP_PASSWORD.replace(" ", "")


def _me(req: Request) -> Reply:
    """The user the application password logs in as."""
    if not _authorized(req):
        error = {"code": "rest_not_logged_in", "message": "You are not currently logged in.",
                 "data": {"status": 401}}  # fmt: skip
        return Reply.json(error, status=401)
    return Reply.json({"id": 1, "name": USER.title(), "slug": USER})


def _create(req: Request) -> Reply:
    from veille.models import Author
    from veille.sim.social import written_post

    ctype = (req.headers.get("Content-Type") or "").lower()
    try:
        if "json" in ctype:
            form = req.json()
        else:
            from urllib.parse import parse_qs

            form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
    except ValueError:
        return _wp_error(req, "rest_invalid_json", "Invalid JSON body passed.", 400, req.body)
    if not isinstance(form, dict):
        return _wp_error(req, "rest_invalid_json", "Invalid JSON body passed.", 400, form)
    if not _authorized(req):
        return _wp_error(
            req, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.",
            401, form,
        )  # fmt: skip
    status = str(form.get("status") or "draft")
    if status not in STATUSES:
        return _wp_error(req, "rest_invalid_param", "Invalid parameter(s): status", 400, form)
    title = _plain(form.get("title"))
    content = _plain(form.get("content"))
    if not title and not content:
        return _wp_error(req, "empty_content", "Content, title, and excerpt are empty.", 400, form)
    taken = {_slug(p) for p in req.world.by_platform.get(PLATFORM, [])}
    wanted = str(form.get("slug") or "") or _slugify(title) or ""
    slug = wanted
    n = 2
    while slug and slug in taken:
        slug, n = f"{wanted}-{n}", n + 1
    base = req.base_url
    post = written_post(
        req,
        platform=PLATFORM,
        native_id=None,
        text=_text_of(content),
        title=title or None,
        author=Author(handle=USER, name=USER.title()),
        url_of=lambda p: f"{base}/{p.published_at:%Y/%m/%d}/{slug or f'post-{seq_of(p)}'}/",
        raw={"wp_status": status, **({"wp_slug": slug} if slug else {})},
    )
    return remember(req, Reply.json(post_json(post, req, False), status=201), form)


def _plain(value: Any) -> str:
    """A title or content given as text or as ``{"raw": …}``."""
    if isinstance(value, dict):
        value = value.get("raw", "")
    return str(value or "")


def _text_of(content: str) -> str:
    """The article's text: paragraphs of the HTML content, tags dropped."""
    import re

    text = re.sub(r"(?i)</p>|<br\s*/?>", "\n", content)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _slugify(title: str) -> str:
    import re
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:190]


def routes() -> list[Route]:
    return [
        Route("POST", r"/wp-json/wp/v2/posts", _create),
        Route("GET", r"/wp-json/wp/v2/users/me", _me),
        Route("GET", r"/wp-json/wp/v2/posts", _posts),
        Route("GET", r"/wp-json/wp/v2/comments", _comments),
    ]


def host_specs() -> list[HostSpec]:
    return [HostSpec("wordpress", routes())]
