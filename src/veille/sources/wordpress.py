"""WordPress sites through the REST API (``/wp-json/wp/v2``).

Target: the site address, optionally with search terms::

    https://blog.example.org                 every new post
    https://blog.example.org search:lumio    /wp/v2/posts?search=lumio

Options: ``comments`` (``true`` to collect the comments too; default
``true``), ``per_page`` (≤ 100), ``max_pages``, ``modified`` (``true``: follow
edits with ``modified_after`` instead of new posts with ``after``). No token
is needed for public content. Pagination follows ``X-WP-TotalPages``; the
cursor keeps the newest ``date_gmt`` (or ``modified_gmt``) seen per kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from veille.errors import tr
from veille.models import Author, Post
from veille.sources._social import (
    as_int,
    html_to_text_and_links,
    parse_iso,
    readable_errors,
    unique,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options, split_http_url

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "wordpress"
_HINT = tr("use the site address, e.g. https://blog.example.org [search:TERMS]")
OPTIONS: dict[str, type] = {"comments": bool, "per_page": int, "max_pages": int, "modified": bool}


@dataclass(frozen=True)
class WordPressConfig:
    site: str
    search: str | None = None
    comments: bool = True
    per_page: int = 100
    max_pages: int = 10
    modified: bool = False

    @property
    def host(self) -> str:
        return (urlsplit(self.site).hostname or self.site).lower()

    @property
    def api(self) -> str:
        return f"{self.site}/wp-json/wp/v2"


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> WordPressConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    site, _, rest = target.strip().partition(" ")
    if "://" not in site:
        site = "https://" + site
    parts = split_http_url(site)
    if parts is None:
        raise SourceConfigError(
            tr("%(target)r is not a WordPress site address", target=target), hint=_HINT
        )
    search = None
    if rest.strip():
        kind, colon, value = rest.strip().partition(":")
        if kind != "search" or not colon or not value.strip():
            raise SourceConfigError(
                tr("WordPress target %(target)r is not understood", target=target), hint=_HINT
            )
        search = value.strip()
    extra = {k: opts[k] for k in ("per_page", "max_pages", "comments", "modified") if k in opts}
    if not 1 <= extra.get("per_page", 100) <= 100:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="per_page", low=1, high=100, what="the WordPress API",
            )
        )  # fmt: skip
    path = parts.path.rstrip("/")
    return WordPressConfig(f"{parts.scheme}://{parts.netloc}{path}", search, **extra)


def _embedded_author(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    authors = (raw.get("_embedded") or {}).get("author") or []
    return authors[0] if authors and isinstance(authors[0], Mapping) else {}


def _gmt(raw: Mapping[str, Any], key: str) -> Any:
    # date_gmt has no offset but is UTC; fall back to the site-local date.
    return raw.get(f"{key}_gmt") or raw.get(key)


def to_post(raw: Mapping[str, Any], config: WordPressConfig) -> Post:
    """A post or a comment (``/wp/v2/posts``, ``/wp/v2/comments``) as a post. Pure."""
    host = config.host
    is_comment = "post" in raw and "author_name" in raw
    content = (raw.get("content") or {}).get("rendered")
    text, anchors = html_to_text_and_links(content)
    media: list[str] = []
    embedded = raw.get("_embedded") or {}
    for item in embedded.get("wp:featuredmedia") or []:
        if isinstance(item, Mapping) and item.get("source_url"):
            media.append(str(item["source_url"]))
    if is_comment:
        parent = raw.get("parent")
        return Post.create(
            platform=PLATFORM,
            native_id=f"{host}/comments/{raw['id']}",
            text=text,
            url=raw.get("link"),
            published_at=parse_iso(_gmt(raw, "date")),
            author=Author(
                handle=str(raw.get("author_name") or "anonymous"),
                name=raw.get("author_name") or None,
                url=raw.get("author_url") or None,
                id=f"{host}/users/{raw['author']}" if raw.get("author") else None,
            ),
            parent_id=f"{PLATFORM}:{host}/comments/{parent}"
            if parent
            else f"{PLATFORM}:{host}/posts/{raw['post']}",
            thread_id=f"{PLATFORM}:{host}/posts/{raw['post']}",
            links=unique(h for h, _ in anchors if h.startswith("http")),
            raw=raw,
        )
    author = _embedded_author(raw)
    title, _ = html_to_text_and_links((raw.get("title") or {}).get("rendered"))
    tags = [
        str(term.get("name"))
        for group in embedded.get("wp:term") or []
        for term in group or []
        if isinstance(term, Mapping) and term.get("taxonomy") == "post_tag"
    ]
    return Post.create(
        platform=PLATFORM,
        native_id=f"{host}/posts/{raw['id']}",
        text=text,
        title=title or None,
        url=raw.get("link"),
        published_at=parse_iso(_gmt(raw, "date")),
        author=Author(
            handle=str(author.get("slug") or author.get("name") or raw.get("author") or host),
            name=author.get("name") or None,
            url=author.get("link") or None,
            id=f"{host}/users/{raw['author']}" if raw.get("author") else None,
        ),
        hashtags=unique(tags),
        links=unique(h for h, _ in anchors if h.startswith("http")),
        media=unique(media),
        raw=raw,
    )


def _stamp(item: Mapping[str, Any], modified: bool) -> str | None:
    """The item's GMT time as ISO 8601 with ``Z`` (what ``after`` expects);
    ``None`` when it holds no date (any server can answer as WordPress: one
    item's date of "soon" stopped the source at every poll, every other item
    with it; such an item is now quarantined by :func:`to_post`)."""
    value = _gmt(item, "modified" if modified and "modified" in item else "date")
    try:
        when = parse_iso(value)
    except (TypeError, ValueError):
        return None
    return f"{when.year:04d}-{when:%m-%dT%H:%M:%S}Z"


def _kind(
    config: WordPressConfig,
    kind: str,
    state: dict[str, Any],
    http: HttpClient,
) -> Iterator[Batch]:
    since = state.get(kind)
    forward = since is not None
    params: dict[str, Any] = {"per_page": config.per_page, "orderby": "date"}
    if kind == "posts":
        params["_embed"] = "author,wp:featuredmedia,wp:term"
    if config.search:
        params["search"] = config.search
    if forward:
        # Oldest first from the cursor: every page can commit its own newest time.
        params["order"] = "asc"
        params["modified_after" if config.modified and kind == "posts" else "after"] = since
    else:
        params["order"] = "desc"
    url = f"{config.api}/{kind}"
    pending: list[Mapping[str, Any]] = []
    newest = since
    for page in range(1, config.max_pages + 1):
        resp = http.get(url, params={**params, "page": page})
        body = resp.json()
        items = [i for i in body if isinstance(i, Mapping)] if isinstance(body, list) else []
        stamps = [_stamp(i, config.modified) for i in items]
        if since is not None:
            items = [i for i, at in zip(items, stamps, strict=True) if at is None or at > since]
            stamps = [at for at in stamps if at is None or at > since]
        if not items:
            break
        top = max((at for at in stamps if at is not None), default=newest)
        newest = top if newest is None or (top is not None and top > newest) else newest
        if forward:
            state[kind] = newest
            yield Batch(items, dict(state))
        else:
            if pending:
                yield Batch(pending, dict(state))
            pending = items
        if page >= as_int(resp.headers.get("x-wp-totalpages"), 1):
            break
    if pending:
        state[kind] = newest
        yield Batch(pending, dict(state))


def collect(
    config: WordPressConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """New posts, then new comments. Later runs page oldest-first from the
    cursor (``after``/``modified_after``, ``order=asc``) and commit each page;
    the first run takes the newest pages and commits on the last one."""
    state = dict(cursor or {})
    yield from _kind(config, "posts", state, http)
    if config.comments:
        yield from _kind(config, "comments", state, http)


class WordPressSource(Source[WordPressConfig]):
    name = "wordpress"
    terms_url = ""
    terms_note = tr("Each site's own terms apply to its REST API.")
    platform = PLATFORM
    Config = WordPressConfig
    target_help: ClassVar[str] = "the site address, optionally followed by search:TERMS"
    default_every = 1800

    def config_from_target(self, target: str, options: Mapping[str, str]) -> WordPressConfig:
        return parse_target(target, options)

    def collect(
        self, config: WordPressConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: WordPressConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
