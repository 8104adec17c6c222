"""X (Twitter) API v2 recent search, with a bearer token.

Target: a search query in X's syntax (``veille source add x "lumio -is:retweet"``).
Options: ``bearer_token`` (required), ``api`` (default ``https://api.x.com``),
``max_results`` (10–100), ``max_pages``. Requests ask for
``expansions=author_id`` and ``user.fields=public_metrics`` so each post
knows its author's followers. Cursor: ``since_id``, the newest post id seen.
``x-rate-limit-remaining``/``x-rate-limit-reset`` stop a run when the
15-minute window is spent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    Page,
    as_int,
    as_opt_int,
    parse_iso,
    readable_errors,
    resolve_secret,
    unique,
    walk_newest_first,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "x"
API = "https://api.x.com"
SEARCH_PATH = "/2/tweets/search/recent"
TWEET_FIELDS = "created_at,author_id,public_metrics,entities,referenced_tweets,conversation_id,lang"
USER_FIELDS = "username,name,public_metrics"
OPTIONS: dict[str, type] = {"bearer_token": str, "api": str, "max_results": int, "max_pages": int}
QUOTA_RESERVE = 1


@dataclass(frozen=True)
class XConfig:
    query: str
    bearer_token: str
    api: str = API
    max_results: int = 100
    max_pages: int = 5


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> XConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    query = target.strip()
    if not query:
        raise SourceConfigError(
            tr("the X target is empty"), hint=tr("give a search query, e.g. lumio lang:fr")
        )
    token = opts.get("bearer_token")
    if not token:
        raise SourceConfigError(
            tr("X recent search needs a bearer token"),
            hint=tr("add the option bearer_token=… (from your app in the X developer portal)"),
        )
    extra = {k: opts[k] for k in ("max_results", "max_pages") if k in opts}
    if not 10 <= extra.get("max_results", 100) <= 100:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="max_results", low=10, high=100, what="X recent search",
            )
        )  # fmt: skip
    return XConfig(query, str(token), api=str(opts.get("api") or API).rstrip("/"), **extra)


def search_params(
    config: XConfig, since_id: str | None, next_token: str | None, until_id: str | None = None
) -> dict[str, str]:
    params = {
        "query": config.query,
        "max_results": str(config.max_results),
        "tweet.fields": TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    if since_id:
        params["since_id"] = since_id
    if until_id:
        params["until_id"] = until_id
    if next_token:
        params["next_token"] = next_token
    return params


def items_of(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Each post of a search page, with its author from ``includes.users``,
    in the single-post shape ``{"data": post, "includes": {"users": [author]}}``."""
    includes = body.get("includes") if isinstance(body, Mapping) else None
    found = includes.get("users") if isinstance(includes, Mapping) else None
    users = {
        u.get("id"): u for u in (found if isinstance(found, list) else []) if isinstance(u, Mapping)
    }
    tweets = body.get("data") if isinstance(body, Mapping) else None
    items: list[Mapping[str, Any]] = []
    for tweet in tweets if isinstance(tweets, list) else []:
        # An item that is no post goes on as it is, to be quarantined.
        user = users.get(tweet.get("author_id")) if isinstance(tweet, Mapping) else None
        items.append({"data": tweet, "includes": {"users": [user] if user else []}})
    return items


def to_post(raw: Mapping[str, Any], config: XConfig | None = None) -> Post:
    """One post in the API v2 single-post shape (see :func:`items_of`). Pure."""
    tweet: Mapping[str, Any] = raw.get("data") or raw
    users = (raw.get("includes") or {}).get("users") or []
    user: Mapping[str, Any] = users[0] if users else {}
    username = str(user.get("username") or tweet.get("author_id") or "")  # "": no author
    metrics = tweet.get("public_metrics") or {}
    entities = tweet.get("entities") or {}
    refs = {r.get("type"): str(r.get("id")) for r in tweet.get("referenced_tweets") or []}
    conversation = tweet.get("conversation_id")
    tweet_id = str(tweet["id"])
    return Post.create(
        platform=PLATFORM,
        native_id=tweet_id,
        text=str(tweet.get("text") or ""),
        url=f"https://x.com/{username or 'i'}/status/{tweet_id}",
        published_at=parse_iso(tweet["created_at"]),
        author=Author(
            handle=username,
            name=user.get("name") or None,
            url=f"https://x.com/{username}" if username else None,
            followers=(user.get("public_metrics") or {}).get("followers_count"),
            id=str(tweet.get("author_id")) if tweet.get("author_id") else None,
        ),
        lang=tweet.get("lang") if tweet.get("lang") not in (None, "und", "zxx") else None,
        engagement=Engagement(
            likes=as_int(metrics.get("like_count")),
            shares=as_int(metrics.get("retweet_count")) + as_int(metrics.get("quote_count")),
            replies=as_int(metrics.get("reply_count")),
            views=metrics.get("impression_count"),
        ),
        parent_id=f"{PLATFORM}:{refs['replied_to']}" if "replied_to" in refs else None,
        thread_id=f"{PLATFORM}:{conversation}"
        if conversation and str(conversation) != tweet_id
        else None,
        repost_of=f"{PLATFORM}:{refs['retweeted']}" if "retweeted" in refs else None,
        hashtags=unique(str(h.get("tag")) for h in entities.get("hashtags") or []),
        mentions=unique(str(m.get("username")) for m in entities.get("mentions") or []),
        links=unique(
            str(u.get("unwound_url") or u.get("expanded_url") or u.get("url"))
            for u in entities.get("urls") or []
            if not u.get("media_key")  # links to attached photos are not outside links
        ),
        raw=raw,
    )


def collect(config: XConfig, cursor: Mapping[str, Any] | None, http: HttpClient) -> Iterator[Batch]:
    """Posts newer than ``cursor["since_id"]``, newest first through
    ``next_token``. A run cut short (``max_pages``, or a spent
    ``x-rate-limit-remaining`` window) leaves a window the next run reads
    first with ``until_id``, so nothing between two runs is skipped."""
    url = config.api + SEARCH_PATH
    bearer = resolve_secret(config.bearer_token, "bearer_token")
    quota: list[int | None] = [None]
    notes: list[str] = []

    def fetch(since: int | None, until: int | None) -> Iterator[Page]:
        next_token = None
        for _ in range(config.max_pages):
            params = search_params(
                config,
                None if since is None else str(since),
                next_token,
                None if until is None else str(until),
            )
            resp = http.get(url, params=params, token=bearer)
            body = resp.json() or {}
            quota[0] = as_opt_int(resp.headers.get("x-rate-limit-remaining"))
            next_token = (body.get("meta") or {}).get("next_token")
            spent = quota[0] is not None and quota[0] <= QUOTA_RESERVE
            if spent and next_token:
                reset = as_int(resp.headers.get("x-rate-limit-reset"), int(time.time()))
                wait = max(0, reset - int(time.time()))
                notes.append(f"X rate limit spent; the window resets in {wait}s")
            yield items_of(body), bool(next_token)
            if not next_token or spent:
                return

    # A spent window ends the walk like max_pages does: the rest waits.
    for batch in walk_newest_first(
        cursor, "since_id", fetch, lambda i: int(i["data"]["id"]), config.max_pages
    ):
        batch.quota = quota[0]
        batch.notes += notes
        notes.clear()
        yield batch


class XSource(Source[XConfig]):
    name = "x"
    terms_url = "https://developer.x.com/en/developer-terms/agreement-and-policy"
    terms_note = tr("X's Developer Agreement and Policy apply to data read with your token.")
    platform = PLATFORM
    Config = XConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("bearer_token",)
    target_help: ClassVar[str] = "a recent-search query (bearer_token option required)"
    default_every = 900

    def config_from_target(self, target: str, options: Mapping[str, str]) -> XConfig:
        return parse_target(target, options)

    def collect(
        self, config: XConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: XConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
