"""Hacker News through the Algolia search API (``search_by_date``).

Target: the search terms (``veille source add hackernews "lumio fibre"``).
Options: ``tags`` (``story``, ``comment``, ``(story,comment)``…; default both),
``api`` (default ``https://hn.algolia.com``), ``hits_per_page`` (≤ 1000),
``max_pages``. Cursor: ``created_at_i``, the newest creation time seen, sent
back as ``numericFilters=created_at_i>N``. Algolia needs no key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    Page,
    as_int,
    from_unix,
    html_to_text_and_links,
    parse_iso,
    readable_errors,
    unique,
    walk_newest_first,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "hackernews"
API = "https://hn.algolia.com"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
OPTIONS: dict[str, type] = {"tags": str, "api": str, "hits_per_page": int, "max_pages": int}


@dataclass(frozen=True)
class HackerNewsConfig:
    query: str
    tags: str = "(story,comment)"
    api: str = API
    hits_per_page: int = 100
    max_pages: int = 10


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> HackerNewsConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    query = target.strip()
    if not query:
        raise SourceConfigError(
            tr("the Hacker News target is empty"), hint=tr("give search terms, e.g. lumio")
        )
    extra = {k: opts[k] for k in ("hits_per_page", "max_pages") if k in opts}
    if not 1 <= extra.get("hits_per_page", 100) <= 1000:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="hits_per_page", low=1, high=1000, what="Hacker News",
            )
        )  # fmt: skip
    return HackerNewsConfig(
        query,
        tags=str(opts.get("tags") or "(story,comment)"),
        api=str(opts.get("api") or API).rstrip("/"),
        **extra,
    )


def search_params(
    config: HackerNewsConfig, after: int | None, page: int, upto: int | None = None
) -> dict[str, str]:
    params = {
        "query": config.query,
        "tags": config.tags,
        "hitsPerPage": str(config.hits_per_page),
        "page": str(page),
    }
    filters = []
    if after is not None:
        filters.append(f"created_at_i>{after}")
    if upto is not None:
        # Inclusive: hits sharing the boundary second are read again, not lost.
        filters.append(f"created_at_i<={upto}")
    if filters:
        params["numericFilters"] = ",".join(filters)
    return params


def _without_title(text: str, title: str) -> str:
    """``text`` without the ``title`` it opens with (a story whose text repeats
    its title would show it twice); a title cut short (``…``) matches the words
    it kept, and a title ending inside a word is no match."""
    head = title.removesuffix("…").removesuffix("...").rstrip()
    if not head or not text.startswith(head):
        return text
    rest = text[len(head) :]
    if rest[:1].isalnum() and head[-1:].isalnum():
        return text  # the title stops inside a word of the text: not a repeat
    return rest.lstrip(" .,;:!?—–-\n")


def to_post(raw: Mapping[str, Any], config: HackerNewsConfig | None = None) -> Post:
    """An Algolia hit (story, comment, poll, Ask/Show HN) as a post. Pure."""
    object_id = str(raw["objectID"])
    tags = raw.get("_tags") or []
    is_comment = "comment" in tags or raw.get("comment_text")
    body = raw.get("comment_text") if is_comment else raw.get("story_text")
    text, anchors = html_to_text_and_links(body)
    links = [href for href, _ in anchors]
    if raw.get("url"):
        links.insert(0, str(raw["url"]))
    title = None if is_comment else (str(raw.get("title") or "").strip() or None)
    if title:
        text = _without_title(text, title)
    created = raw.get("created_at_i")
    published = from_unix(created) if created is not None else parse_iso(raw["created_at"])
    story = raw.get("story_id")
    parent = raw.get("parent_id")
    author = str(raw.get("author") or "")  # "": no author (a deleted item)
    return Post.create(
        platform=PLATFORM,
        native_id=object_id,
        text=text,
        title=title,
        url=ITEM_URL.format(object_id),
        published_at=published,
        author=Author(
            handle=author,
            url=f"https://news.ycombinator.com/user?id={author}" if author else None,
        ),
        lang=None,
        engagement=Engagement(
            likes=as_int(raw.get("points")),
            replies=as_int(raw.get("num_comments")),
        ),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{story}" if story and str(story) != object_id else None,
        links=unique(links),
        raw=raw,
    )


def collect(
    config: HackerNewsConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """Hits newer than ``cursor["created_at_i"]``, newest first; a run cut
    short by ``max_pages`` leaves a window the next run reads first (see
    :func:`~veille.sources._social.walk_newest_first`)."""
    url = f"{config.api}/api/v1/search_by_date"

    def fetch(after: int | None, upto: int | None) -> Iterator[Page]:
        for page in range(config.max_pages):
            body = http.get(url, params=search_params(config, after, page, upto)).json()
            yield list(body.get("hits") or []), page + 1 < as_int(body.get("nbPages"), 1)

    yield from walk_newest_first(
        cursor, "created_at_i", fetch, lambda h: as_int(h.get("created_at_i")), config.max_pages
    )


class HackerNewsSource(Source[HackerNewsConfig]):
    name = "hackernews"
    terms_url = "https://github.com/HackerNews/API"
    terms_note = tr(
        "Y Combinator's Hacker News API (through Algolia's HN Search); Hacker "
        "News's own terms apply."
    )
    platform = PLATFORM
    Config = HackerNewsConfig
    target_help: ClassVar[str] = "search terms (stories and comments, newest first)"
    default_every = 900

    def config_from_target(self, target: str, options: Mapping[str, str]) -> HackerNewsConfig:
        return parse_target(target, options)

    def collect(
        self, config: HackerNewsConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: HackerNewsConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
