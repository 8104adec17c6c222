"""Facebook: an organization's own Page posts and their comments (Graph API).

Target: the Page id or name (``veille source add facebook 123456789``).
Options: ``token`` (a Page access token with ``pages_read_engagement`` and
``pages_read_user_content``; required), ``api`` (default
``https://graph.facebook.com/v21.0``), ``comments`` (default true),
``recent_posts`` (how many recent posts to re-check for new comments,
default 10), ``limit``, ``max_pages``. The token is sent as a bearer header,
never in the URL. Cursor: ``since`` (Unix time of the newest post seen),
``comments_since`` and ``recent`` (the recent post ids). Requests stop when
``X-Page-Usage``/``X-App-Usage`` pass 90% of the quota.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import as_int, parse_iso, readable_errors, resolve_secret, unique
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient, Response

PLATFORM = "facebook"
API = "https://graph.facebook.com/v21.0"
POST_FIELDS = (
    "id,message,created_time,updated_time,permalink_url,from,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),"
    "attachments{media_type,url,media}"
)
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,parent{id},permalink_url"
OPTIONS: dict[str, type] = {
    "token": str,
    "api": str,
    "comments": bool,
    "recent_posts": int,
    "limit": int,
    "max_pages": int,
}
USAGE_CEILING = 90


@dataclass(frozen=True)
class FacebookConfig:
    page: str
    token: str
    api: str = API
    comments: bool = True
    recent_posts: int = 10
    limit: int = 25
    max_pages: int = 5


def parse_target(target: str, options: Mapping[str, str] | None = None) -> FacebookConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    page = target.strip().removeprefix("https://www.facebook.com/").strip("/")
    if not page or "/" in page or " " in page:
        raise SourceConfigError(
            tr("Facebook target %(target)r is not a Page id or name", target=target),
            hint=tr("give the Page's numeric id or its name, e.g. 123456789 or LumioTelecom"),
        )
    if not opts.get("token"):
        raise SourceConfigError(
            tr("Facebook Page collection needs the Page's access token"),
            hint=tr(
                "add the option token=… (a Page token from the Graph API, held by a Page admin)"
            ),
        )
    opts["api"] = str(opts.get("api") or API).rstrip("/")
    return FacebookConfig(page, **opts)


def _usage(resp: Response) -> int:
    """The highest percentage in ``X-Page-Usage``/``X-App-Usage`` (0 if absent)."""
    worst = 0
    for name in ("x-page-usage", "x-app-usage", "x-business-use-case-usage"):
        value = resp.headers.get(name)
        if not value:
            continue
        try:
            data = json.loads(value)
        except ValueError:
            continue
        stacks = [data] if "call_count" in data else [u for v in data.values() for u in v]
        for usage in stacks:
            worst = max(
                worst,
                *(as_int(usage.get(k)) for k in ("call_count", "total_cputime", "total_time")),
            )
    return worst


def _pages(
    config: FacebookConfig, url: str, params: dict[str, Any], http: HttpClient
) -> Iterator[tuple[list[Mapping[str, Any]], int]]:
    """Each page of a Graph edge with the usage percentage after it."""
    next_url: str | None = url
    query: dict[str, Any] | None = params
    token = resolve_secret(config.token, "token")
    for _ in range(config.max_pages):
        if next_url is None:
            return
        resp = http.get(next_url, params=query, token=token)
        body = resp.json() or {}
        usage = _usage(resp)
        yield list(body.get("data") or []), usage
        next_url = (body.get("paging") or {}).get("next")
        query = None
        if usage >= USAGE_CEILING:
            return


def collect(
    config: FacebookConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """New Page posts (newest first, cursor on the last page), then new
    comments on those and on the most recent earlier posts."""
    state = dict(cursor or {})
    since = state.get("since")
    params: dict[str, Any] = {"fields": POST_FIELDS, "limit": config.limit}
    if since:
        params["since"] = int(since) + 1
    newest = since
    pending: list[Mapping[str, Any]] = []
    posts_seen: list[str] = []
    notes: list[str] = []
    for items, usage in _pages(config, f"{config.api}/{config.page}/posts", params, http):
        if not items:
            break
        # An item that is no post (a null, no id or no date) moves no cursor:
        # it goes on to be quarantined while the others are read.
        times = [t for t in map(_created, items) if t is not None]
        if times:
            newest = max(times) if newest is None else max(int(newest), *times)
        posts_seen += [i for i in map(_id_of, items) if i]
        if pending:
            yield Batch(pending, dict(state), quota=100 - usage)
        pending = items
        if usage >= USAGE_CEILING:
            notes.append(f"Graph API usage at {usage}%: the rest waits for the next run")
    recent = unique([*posts_seen, *state.get("recent", [])])[: max(config.recent_posts, 1)]
    state.update(since=newest, recent=list(recent))
    if pending or newest != since:
        yield Batch(pending, dict(state), notes=notes)
    if not config.comments or notes:
        return
    floor = state.get("comments_since")
    newest_comment = floor
    for post_id in recent:
        cparams: dict[str, Any] = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": config.limit,
        }
        if floor:
            cparams["since"] = int(floor) + 1
        found: list[Mapping[str, Any]] = []
        for items, _usage_now in _pages(config, f"{config.api}/{post_id}/comments", cparams, http):
            found += [{"post_id": post_id, "comment": c} for c in items]
            if not items:
                break
        if found:
            times = [t for t in (_created(c["comment"]) for c in found) if t is not None]
            if times:
                top = max(times)
                newest_comment = top if newest_comment is None else max(int(newest_comment), top)
            yield Batch(found, dict(state))
    # The comment cursor moves only once every recent post has been read.
    if newest_comment != floor:
        state["comments_since"] = newest_comment
        yield Batch([], dict(state))


def _created(item: Any) -> int | None:
    """An item's ``created_time`` in seconds, ``None`` when it has none."""
    if not isinstance(item, Mapping) or not isinstance(item.get("created_time"), str):
        return None
    try:
        return int(parse_iso(item["created_time"]).timestamp())
    except (ValueError, OverflowError):
        return None


def _id_of(item: Any) -> str:
    """An item's id (``""``: none)."""
    found = item.get("id") if isinstance(item, Mapping) else None
    return str(found) if type(found) in (str, int) else ""


def to_post(raw: Mapping[str, Any], config: FacebookConfig | None = None) -> Post:
    """A Page post (Graph JSON) or a ``{"post_id", "comment"}`` item. Pure."""
    if "comment" in raw:
        return _comment(raw)
    sender = raw.get("from") or {}
    media, links = [], []
    for att in (raw.get("attachments") or {}).get("data") or []:
        image = ((att.get("media") or {}).get("image") or {}).get("src")
        if image:
            media.append(str(image))
        if att.get("url") and att.get("media_type") in ("link", "share", None):
            links.append(str(att["url"]))
    reactions = ((raw.get("reactions") or {}).get("summary") or {}).get("total_count")
    comments = ((raw.get("comments") or {}).get("summary") or {}).get("total_count")
    return Post.create(
        platform=PLATFORM,
        native_id=str(raw["id"]),
        text=str(raw.get("message") or raw.get("story") or ""),
        url=raw.get("permalink_url"),
        published_at=parse_iso(raw["created_time"]),
        author=Author(
            handle=str(sender.get("name") or sender.get("id") or "page"),
            name=sender.get("name"),
            id=sender.get("id"),
        ),
        engagement=Engagement(
            likes=as_int(reactions),
            shares=as_int((raw.get("shares") or {}).get("count")),
            replies=as_int(comments),
        ),
        links=unique(links),
        media=unique(media),
        raw=raw,
    )


def _comment(raw: Mapping[str, Any]) -> Post:
    comment: Mapping[str, Any] = raw["comment"]
    sender = comment.get("from") or {}
    parent = (comment.get("parent") or {}).get("id")
    post_id = str(raw.get("post_id") or "")
    return Post.create(
        platform=PLATFORM,
        native_id=str(comment["id"]),
        text=str(comment.get("message") or ""),
        url=comment.get("permalink_url"),
        published_at=parse_iso(comment["created_time"]),
        # Without the user's permission the Graph API may omit "from".
        author=Author(
            handle=str(sender.get("name") or sender.get("id") or "facebook user"),
            name=sender.get("name"),
            id=sender.get("id"),
        ),
        engagement=Engagement(
            likes=as_int(comment.get("like_count")), replies=as_int(comment.get("comment_count"))
        ),
        parent_id=f"{PLATFORM}:{parent or post_id}" if (parent or post_id) else None,
        thread_id=f"{PLATFORM}:{post_id}" if post_id else None,
        raw=raw,
    )


class FacebookSource(Source[FacebookConfig]):
    name = "facebook"
    terms_url = "https://developers.facebook.com/terms/"
    terms_note = tr("Meta's Platform Terms apply to data read with your token.")
    platform = PLATFORM
    Config = FacebookConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)
    target_help: ClassVar[str] = "the organization's Page id or name (token option required)"
    default_every = 1800

    def config_from_target(self, target: str, options: Mapping[str, str]) -> FacebookConfig:
        return parse_target(target, options)

    def collect(
        self, config: FacebookConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: FacebookConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
