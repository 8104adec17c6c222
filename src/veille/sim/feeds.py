"""Simulated feeds, sitemaps and article pages (for the ``feeds`` and ``web`` sources).

Each platform host serves its profile feeds at the real paths:

- ``mastodon``: ``/@{handle}.rss`` (RSS 2.0)
- ``bluesky``: ``/profile/{handle}/rss`` (RSS 2.0)
- ``reddit``: ``/user/{handle}/.rss`` (Atom)
- ``youtube``: ``/feeds/videos.xml?channel_id={handle}`` (Atom + Media RSS)
- ``wordpress``: ``/{handle}/feed/`` (RSS 2.0, ``?paged=N``)
- ``news`` (the ``rss`` platform): ``/{handle}/rss.xml`` (RSS 2.0),
  ``/{handle}/atom.xml`` (Atom), ``/{handle}/index.rdf`` (RSS 1.0/RDF),
  ``/{handle}/feed.json`` (JSON Feed 1.1), ``/sitemap.xml`` and the article
  pages ``/{handle}/articles/{id}.html`` it lists.

Every host also serves ``/feeds/all.atom``: all its posts, newest first,
paged with RFC 5005 ``<link rel="next">`` (``?page=N``). Feeds hold
``PAGE_SIZE`` entries per page, carry an ETag and Last-Modified, and answer
304 to a conditional GET when nothing new was published.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from veille.models import Post
from veille.sim.server import HostSpec, Reply, Request, Route

PAGE_SIZE = 20
FEED_PLATFORMS = {
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "reddit": "reddit",
    "youtube": "youtube",
    "wordpress": "wordpress",
    "news": "rss",
}


def _page(req: Request, posts: list[Post], param: str = "page") -> tuple[list[Post], int, bool]:
    try:
        page = max(1, int(req.arg(param, "1") or "1"))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    chunk = posts[start : start + PAGE_SIZE]
    return chunk, page, len(posts) > start + PAGE_SIZE


def _body(post: Post) -> str:
    return escape(post.text)


def rss2(
    title: str, link: str, posts: Sequence[Post], *, next_url: str | None = None, ttl: int = 5
) -> str:
    items = []
    for p in posts:
        cats = "".join(f"<category>{escape(h)}</category>" for h in p.hashtags)
        items.append(
            "<item>"
            f"<title>{escape(p.title or p.text[:60])}</title>"
            f"<link>{escape(p.url or '')}</link>"
            f'<guid isPermaLink="true">{escape(p.url or p.id)}</guid>'
            f"<pubDate>{format_datetime(p.published_at, usegmt=True)}</pubDate>"
            f"<dc:creator>{escape(p.author.name or p.author.handle)}</dc:creator>"
            f"<description>{_body(p)}</description>{cats}"
            "</item>"
        )
    nxt = f'<atom:link rel="next" href={quoteattr(next_url)}/>' if next_url else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description><ttl>{ttl}</ttl>{nxt}"
        + "".join(items)
        + "</channel></rss>"
    )


def atom(
    title: str,
    link: str,
    posts: Sequence[Post],
    *,
    next_url: str | None = None,
    youtube: bool = False,
) -> str:
    entries = []
    for p in posts:
        media = ""
        if youtube:
            media = (
                "<media:group>"
                f"<media:title>{escape(p.title or '')}</media:title>"
                f"<media:description>{_body(p)}</media:description>"
                + (f"<media:thumbnail url={quoteattr(p.media[0])}/>" if p.media else "")
                + f'<media:community><media:starRating count="{p.engagement.likes}"/>'
                f'<media:statistics views="{p.engagement.views or p.engagement.likes * 20}"/>'
                "</media:community></media:group>"
            )
        summary = "" if youtube else f'<content type="text">{_body(p)}</content>'
        entries.append(
            "<entry>"
            f"<id>{escape(p.url or p.id)}</id><title>{escape(p.title or p.text[:60])}</title>"
            f'<link rel="alternate" href={quoteattr(p.url or "")}/>'
            f"<author><name>{escape(p.author.name or p.author.handle)}</name>"
            f"<uri>{escape(p.author.url or '')}</uri></author>"
            f"<published>{p.published_at.isoformat()}</published>"
            f"<updated>{p.published_at.isoformat()}</updated>{summary}{media}"
            "</entry>"
        )
    updated = posts[0].published_at.isoformat() if posts else "1970-01-01T00:00:00+00:00"
    nxt = f'<link rel="next" href={quoteattr(next_url)}/>' if next_url else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:yt="http://www.youtube.com/xml/schemas/2015">'
        f"<title>{escape(title)}</title><id>{escape(link)}</id>"
        f'<link rel="alternate" href={quoteattr(link)}/>{nxt}<updated>{updated}</updated>'
        + "".join(entries)
        + "</feed>"
    )


def rdf(title: str, link: str, posts: Sequence[Post]) -> str:
    items = "".join(
        f"<item rdf:about={quoteattr(p.url or p.id)}><title>{escape(p.title or '')}</title>"
        f"<link>{escape(p.url or '')}</link><description>{_body(p)}</description>"
        f"<dc:date>{p.published_at.isoformat()}</dc:date>"
        f"<dc:creator>{escape(p.author.name or '')}</dc:creator></item>"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel rdf:about={quoteattr(link)}><title>{escape(title)}</title>"
        f"<link>{escape(link)}</link><description>{escape(title)}</description></channel>"
        f"{items}</rdf:RDF>"
    )


def json_feed(title: str, link: str, posts: Sequence[Post], next_url: str | None = None) -> str:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": link,
        "items": [
            {
                "id": p.url or p.id,
                "url": p.url,
                "title": p.title,
                "content_text": p.text,
                "date_published": p.published_at.isoformat(),
                "authors": [{"name": p.author.name, "url": p.author.url}],
                "tags": list(p.hashtags),
            }
            for p in posts
        ],
    }
    if next_url:
        data["next_url"] = next_url
    return json.dumps(data, ensure_ascii=False)


def _reply(text: str, ctype: str, posts: Sequence[Post]) -> Reply:
    last = posts[0].published_at if posts else None
    return Reply.xml(text, content_type=ctype, etag=True, last_modified=last)


def _author_feed(platform: str, kind: str) -> Callable[[Request], Reply]:
    def handler(req: Request) -> Reply:
        handle = req.match["handle"] if "handle" in req.match.groupdict() else req.arg("channel_id")
        if not handle:
            return Reply(400, "missing channel_id")
        posts = req.world.visible(platform=platform, author=handle)
        if not posts and handle not in req.world.authors(platform):
            return Reply(404, f"no such account: {handle}")
        page_param = "paged" if platform == "wordpress" else "page"
        chunk, page, more = _page(req, posts, page_param)
        sep = "&" if "?" in req.path else "?"
        nxt = f"{req.base_url}{req.path}{sep}{page_param}={page + 1}" if more else None
        link = f"{req.base_url}/@{handle}"
        title = f"{handle} on {platform}"
        if kind == "rss":
            return _reply(rss2(title, link, chunk, next_url=nxt), "application/rss+xml", chunk)
        if kind == "atom" or kind == "youtube":
            body = atom(title, link, chunk, next_url=nxt, youtube=kind == "youtube")
            return _reply(body, "application/atom+xml", chunk)
        if kind == "rdf":
            return _reply(rdf(title, link, chunk), "application/rdf+xml", chunk)
        return Reply(
            200,
            json_feed(title, link, chunk, nxt),
            content_type="application/feed+json",
            etag=True,
            last_modified=chunk[0].published_at if chunk else None,
        )

    return handler


def _firehose(platform: str) -> Callable[[Request], Reply]:
    def handler(req: Request) -> Reply:
        posts = req.world.visible(platform=platform)
        chunk, page, more = _page(req, posts)
        nxt = f"{req.base_url}/feeds/all.atom?page={page + 1}" if more else None
        body = atom(f"All {platform} posts", req.base_url + "/", chunk, next_url=nxt)
        return _reply(body, "application/atom+xml", chunk)

    return handler


def _sitemap(req: Request) -> Reply:
    posts = req.world.visible(platform="rss")[:500]
    urls = "".join(
        f"<url><loc>{escape(article_url(req.base_url, p))}</loc>"
        f"<lastmod>{p.published_at.isoformat()}</lastmod></url>"
        for p in posts
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    return _reply(body, "application/xml", posts)


def article_url(base: str, post: Post) -> str:
    return f"{base}/{post.author.handle}/articles/{post.native_id}.html"


def article_html(post: Post) -> str:
    paragraphs = "".join(f"<p>{escape(s.strip())}.</p>" for s in post.text.split(". ") if s.strip())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(post.title or post.text[:60])}</title>"
        f"<meta name='author' content={quoteattr(post.author.name or post.author.handle)}>"
        f"<meta property='article:published_time' content='{post.published_at.isoformat()}'>"
        "</head><body><nav><a href='/'>Home</a> | <a href='/about'>About</a> | "
        "Subscribe to our newsletter</nav>"
        f"<article><h1>{escape(post.title or '')}</h1>"
        f"<p class='byline'>By {escape(post.author.name or '')}</p>{paragraphs}"
        f"<p>{escape(post.text)}</p></article>"
        "<footer>© News Example. All rights reserved. Cookie settings.</footer></body></html>"
    )


def _article(req: Request) -> Reply:
    handle, native = req.match["handle"], req.match["native"]
    post = req.world.by_id.get(f"rss:{native}")
    now = req.world.clock.now()
    if post is None or post.author.handle != handle or post.published_at > now:
        return Reply(404, "not found")
    return Reply(
        200, article_html(post), content_type="text/html; charset=utf-8", etag=True,
        last_modified=post.published_at,
    )  # fmt: skip


def feed_routes(host: str) -> list[Route]:
    """The feed routes of one platform host (see the module docstring)."""
    platform = FEED_PLATFORMS[host]
    h = r"(?P<handle>[^/]+)"
    routes = [Route("GET", r"/feeds/all\.atom", _firehose(platform))]
    if host == "mastodon":
        routes.append(Route("GET", rf"/@{h}\.rss", _author_feed(platform, "rss")))
    elif host == "bluesky":
        routes.append(Route("GET", rf"/profile/{h}/rss", _author_feed(platform, "rss")))
    elif host == "reddit":
        routes.append(Route("GET", rf"/user/{h}/\.rss", _author_feed(platform, "atom")))
    elif host == "youtube":
        routes.append(Route("GET", r"/feeds/videos\.xml", _author_feed(platform, "youtube")))
    elif host == "wordpress":
        routes.append(Route("GET", rf"/{h}/feed/?", _author_feed(platform, "rss")))
    else:
        routes += [
            Route("GET", rf"/{h}/rss\.xml", _author_feed(platform, "rss")),
            Route("GET", rf"/{h}/atom\.xml", _author_feed(platform, "atom")),
            Route("GET", rf"/{h}/index\.rdf", _author_feed(platform, "rdf")),
            Route("GET", rf"/{h}/feed\.json", _author_feed(platform, "json")),
            Route("GET", r"/sitemap\.xml", _sitemap),
            Route("GET", rf"/{h}/articles/(?P<native>[^/]+)\.html", _article),
        ]
    return routes


def author_feed_path(host: str, handle: str) -> str:
    """The path of ``handle``'s feed on ``host``."""
    return {
        "mastodon": f"/@{handle}.rss",
        "bluesky": f"/profile/{handle}/rss",
        "reddit": f"/user/{handle}/.rss",
        "youtube": f"/feeds/videos.xml?channel_id={handle}",
        "wordpress": f"/{handle}/feed/",
        "news": f"/{handle}/rss.xml",
    }[host]


def host_specs() -> list[HostSpec]:
    return [HostSpec(host, feed_routes(host)) for host in FEED_PLATFORMS]
