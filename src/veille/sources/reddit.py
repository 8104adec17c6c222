"""Reddit: site search and subreddit listings, as JSON listings.

Targets::

    search:lumio fibre          /search.json?q=…&sort=new
    r/telecom                   /r/telecom/new.json
    r/telecom search:lumio      /r/telecom/search.json?q=…&restrict_sr=1

Options: ``client_id`` and ``client_secret`` (OAuth client credentials: the
token comes from ``/api/v1/access_token`` and requests go to
``https://oauth.reddit.com``), ``user_agent`` (Reddit asks for a descriptive
one), ``limit`` (≤ 100), ``max_pages``, ``base``/``oauth_base``/``auth_base``
(other hosts, for the simulator). Cursor: ``newest`` (the newest
``created_utc`` seen) and ``seen`` (the fullnames at that second).
``X-Ratelimit-Remaining``/``X-Ratelimit-Reset`` are honoured: a run stops
when the window is spent and says when it resets.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    as_int,
    from_unix,
    html_to_text_and_links,
    readable_errors,
    resolve_secret,
    unescape,
    unique,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "reddit"
WEB = "https://www.reddit.com"
OAUTH = "https://oauth.reddit.com"
_HINT = tr("use search:TERMS, r/SUBREDDIT or r/SUBREDDIT search:TERMS")
OPTIONS: dict[str, type] = {
    "client_id": str,
    "client_secret": str,
    "user_agent": str,
    "limit": int,
    "max_pages": int,
    "base": str,
    "oauth_base": str,
    "auth_base": str,
}
# Requests kept back in Reddit's window (100 a minute with OAuth) for others.
QUOTA_RESERVE = 2


@dataclass(frozen=True)
class RedditConfig:
    subreddit: str | None
    query: str | None
    client_id: str | None = None
    client_secret: str | None = None
    user_agent: str = "veille/0.1 (self-hosted social listening)"
    limit: int = 100
    max_pages: int = 5
    base: str = WEB
    oauth_base: str = OAUTH
    auth_base: str = WEB

    @property
    def uses_oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def listing_path(self) -> str:
        if self.subreddit and self.query:
            return f"/r/{self.subreddit}/search.json"
        if self.subreddit:
            return f"/r/{self.subreddit}/new.json"
        return "/search.json"

    def listing_params(self) -> dict[str, str]:
        params = {"limit": str(self.limit), "raw_json": "1"}
        if self.query:
            params.update(q=self.query, sort="new", t="all")
            if self.subreddit:
                params["restrict_sr"] = "1"
        return params


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> RedditConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    text = target.strip()
    subreddit = query = None
    if text.startswith(("r/", "/r/")):
        first, _, rest = text.lstrip("/")[2:].partition(" ")
        subreddit = first.strip("/")
        text = rest.strip()
        if not subreddit.replace("_", "").isalnum():
            raise SourceConfigError(
                tr("%(name)r is not a subreddit name", name=subreddit), hint=_HINT
            )
    if text:
        kind, colon, value = text.partition(":")
        if kind != "search" or not colon or not value.strip():
            raise SourceConfigError(
                tr("Reddit target %(target)r is not understood", target=target), hint=_HINT
            )
        query = value.strip()
    if not subreddit and not query:
        raise SourceConfigError(tr("Reddit target %(target)r is empty", target=target), hint=_HINT)
    if bool(opts.get("client_id")) != bool(opts.get("client_secret")):
        raise SourceConfigError(
            tr("Reddit OAuth needs both client_id and client_secret"),
            hint=tr("create a 'script' app at https://www.reddit.com/prefs/apps"),
        )
    extra: dict[str, Any] = {k: opts[k] for k in ("limit", "max_pages") if k in opts}
    if not 1 <= extra.get("limit", 100) <= 100:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="limit", low=1, high=100, what="Reddit listings",
            )
        )  # fmt: skip
    for key in ("user_agent", "base", "oauth_base", "auth_base"):
        if opts.get(key):
            extra[key] = str(opts[key]).rstrip("/")
    return RedditConfig(
        subreddit,
        query,
        client_id=opts.get("client_id") or None,
        client_secret=opts.get("client_secret") or None,
        **extra,
    )


def _address(url: Any) -> str:
    """A URL as Reddit's JSON gives it: without ``raw_json=1`` (older
    listings, exports) its ``&`` are written ``&amp;``. Only that is undone:
    a full HTML unescape would read ``&copy=`` in a query as ``©=``."""
    return str(url).replace("&amp;", "&")


def to_post(raw: Mapping[str, Any], config: RedditConfig | None = None) -> Post:
    """A listing child (``{"kind": "t3"|"t1", "data": {…}}``) as a post. Pure."""
    kind = raw.get("kind")
    data: Mapping[str, Any] = raw.get("data") or {}
    if kind not in ("t1", "t3"):
        raise ValueError(f"a Reddit listing child of kind {kind!r} is not a post or comment")
    name = str(data.get("name") or f"{kind}_{data['id']}")
    html_body = data.get("selftext_html") if kind == "t3" else data.get("body_html")
    plain = data.get("selftext") if kind == "t3" else data.get("body")
    _, anchors = html_to_text_and_links(unescape(html_body) if html_body else None)
    links = [h for h, _ in anchors if h.startswith("http")]
    if kind == "t3" and not data.get("is_self") and data.get("url"):
        links.insert(0, _address(data["url"]))
    media: list[str] = []
    for image in ((data.get("preview") or {}).get("images") or [])[:4]:
        src = (image.get("source") or {}).get("url")
        if src:
            media.append(_address(src))
    author = str(data.get("author") or "[deleted]")
    parent = data.get("parent_id") if kind == "t1" else None
    link_id = data.get("link_id") if kind == "t1" else None
    crosspost = data.get("crosspost_parent")
    permalink = data.get("permalink")
    if not permalink and link_id and data.get("subreddit"):
        # Older listings give comments no permalink; this is the canonical form.
        permalink = f"/r/{data['subreddit']}/comments/{str(link_id)[3:]}/_/{data['id']}/"
    return Post.create(
        platform=PLATFORM,
        native_id=name,
        text=unescape(plain),
        title=unescape(data.get("title")) if kind == "t3" else None,
        url=f"{WEB}{permalink}" if permalink else None,
        published_at=from_unix(data["created_utc"]),
        author=Author(
            handle=author,
            url=f"{WEB}/user/{author}" if author != "[deleted]" else None,
            id=data.get("author_fullname"),
        ),
        engagement=Engagement(
            likes=max(0, as_int(data.get("ups", data.get("score")))),
            shares=as_int(data.get("num_crossposts")),
            replies=as_int(data.get("num_comments")),
        ),
        parent_id=f"{PLATFORM}:{parent}" if parent else None,
        thread_id=f"{PLATFORM}:{link_id}" if link_id else None,
        repost_of=f"{PLATFORM}:{crosspost}" if crosspost else None,
        hashtags=(),
        mentions=(),
        links=unique(links),
        media=unique(media),
        country=None,
        raw=raw,
    )


def app_token(config: RedditConfig, http: HttpClient) -> str:
    """An application-only OAuth token (client credentials grant)."""
    secret = resolve_secret(config.client_secret, "client_secret")
    basic = base64.b64encode(f"{config.client_id}:{secret}".encode()).decode()
    resp = http.request(
        "POST",
        f"{config.auth_base}/api/v1/access_token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}", "User-Agent": config.user_agent},
    )
    return str(resp.json()["access_token"])


def _created(child: Mapping[str, Any]) -> float | None:
    """A listed item's ``created_utc``; ``None`` when it holds none (one
    such item stopped the source at every poll, every other item with it;
    it is now quarantined by :func:`to_post`)."""
    data = child.get("data")
    try:
        when = float(data["created_utc"]) if isinstance(data, Mapping) else None
    except (KeyError, TypeError, ValueError):
        return None
    return when if when is not None and math.isfinite(when) else None


def collect(
    config: RedditConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """Posts newer than ``cursor["newest"]`` (``created_utc``), newest page
    first via ``after``; the new cursor rides on the last batch. A spent
    ``X-Ratelimit-Remaining`` ends the run early with a note saying when the
    window resets."""
    old = dict(cursor or {})
    floor = float(old["newest"]) if old.get("newest") is not None else None
    token = app_token(config, http) if config.uses_oauth else None
    base = config.oauth_base if token else config.base
    url = base + config.listing_path()
    params: dict[str, Any] = config.listing_params()
    headers = {"User-Agent": config.user_agent}
    newest = floor
    pending: list[Mapping[str, Any]] = []
    notes: list[str] = []
    quota = None
    for _ in range(config.max_pages):
        resp = http.get(url, params=params, headers=headers, token=token)
        body = resp.json()
        data = body.get("data") if isinstance(body, Mapping) else None
        data = data if isinstance(data, Mapping) else {}
        listed = data.get("children")
        children = [
            c
            for c in (listed if isinstance(listed, list) else [])
            if isinstance(c, Mapping) and c.get("kind") in ("t1", "t3")
        ]
        stamps = [_created(c) for c in children]
        fresh = [
            c
            for c, t in zip(children, stamps, strict=True)
            if floor is None or t is None or t > floor
        ]
        reached_floor = floor is not None and any(t is not None and t <= floor for t in stamps)
        state = http.rate_state(url, token)
        quota = state.remaining if state else None
        known = [t for t in stamps if t is not None and (floor is None or t > floor)]
        if known:
            top = max(known)
            newest = top if newest is None else max(newest, top)
        if fresh:
            if pending:
                yield Batch(pending, old, quota=quota)
            pending = fresh
        if reached_floor or not data.get("after"):
            break
        if quota is not None and quota <= QUOTA_RESERVE:
            wait = max(0, int((state.reset_at or time.time()) - time.time())) if state else 0
            notes.append(f"Reddit rate limit nearly spent; it resets in {wait}s")
            break
        params = {**params, "after": data["after"]}
    if pending:
        yield Batch(pending, {"newest": newest}, quota=quota, notes=notes)


class RedditSource(Source[RedditConfig]):
    name = "reddit"
    terms_url = "https://redditinc.com/policies/data-api-terms"
    terms_note = tr("Reddit's Data API Terms apply.")
    platform = PLATFORM
    Config = RedditConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("client_secret",)
    target_help: ClassVar[str] = "search:TERMS, r/SUBREDDIT or r/SUBREDDIT search:TERMS"
    default_every = 900

    def config_from_target(self, target: str, options: Mapping[str, str]) -> RedditConfig:
        return parse_target(target, options)

    def collect(
        self, config: RedditConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: RedditConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
