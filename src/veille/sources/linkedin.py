"""LinkedIn: an organization's own posts and their comments (Community Management API).

Target: the organization id or URN (``veille source add linkedin 2414183`` or
``urn:li:organization:2414183``). Options: ``token`` (the organization's
OAuth token with ``r_organization_social``; required), ``api`` (default
``https://api.linkedin.com/rest``), ``version`` (the ``LinkedIn-Version``
header, default ``202411``), ``comments`` (default true), ``recent_posts``
(recent posts re-checked for new comments, default 10), ``count``,
``max_pages``. Cursor: ``since`` (newest ``createdAt`` in ms),
``comments_since`` and ``recent`` (post URNs).

Posts name their author by URN only (``urn:li:organization:2414183``): the
collector looks the organization up once per run (``/rest/organizations/ID``:
``localizedName``, ``vanityName``) and attaches it to each item the way
LinkedIn's own decoration does (``author~``, ``actor~``), so that a post shows
"Lumio", not a number. A member's name is shown when the body carries one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from veille.errors import tr
from veille.models import Author, Engagement, Post
from veille.sources._social import as_int, from_unix, readable_errors, resolve_secret, unique
from veille.sources.base import Batch, Source, SourceConfigError, parse_options

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "linkedin"
API = "https://api.linkedin.com/rest"
OPTIONS: dict[str, type] = {
    "token": str,
    "api": str,
    "version": str,
    "comments": bool,
    "recent_posts": int,
    "count": int,
    "max_pages": int,
}


@dataclass(frozen=True)
class LinkedInConfig:
    organization: str  # urn:li:organization:ID
    token: str
    api: str = API
    version: str = "202411"
    comments: bool = True
    recent_posts: int = 10
    count: int = 50
    max_pages: int = 5


def parse_target(target: str, options: Mapping[str, str] | None = None) -> LinkedInConfig:
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    text = target.strip()
    org_id = text.removeprefix("urn:li:organization:")
    if not org_id.isdigit():
        raise SourceConfigError(
            tr("LinkedIn target %(target)r is not an organization id", target=target),
            hint=tr("give the numeric id (in the admin page URL) or urn:li:organization:ID"),
        )
    if not opts.get("token"):
        raise SourceConfigError(
            tr("LinkedIn organization posts need the organization's access token"),
            hint=tr(
                "add the option token=… (OAuth token with r_organization_social, "
                "from an app with the Community Management API product)"
            ),
        )
    opts["api"] = str(opts.get("api") or API).rstrip("/")
    return LinkedInConfig(f"urn:li:organization:{org_id}", **opts)


def _headers(config: LinkedInConfig) -> dict[str, str]:
    return {"LinkedIn-Version": config.version, "X-Restli-Protocol-Version": "2.0.0"}


def _list(
    config: LinkedInConfig, url: str, params: dict[str, Any], http: HttpClient
) -> Iterator[list[Mapping[str, Any]]]:
    """Pages of a Rest.li collection (``start``/``count``), newest first."""
    start = 0
    token = resolve_secret(config.token, "token")
    for _ in range(config.max_pages):
        body = (
            http.get(
                url,
                params={**params, "start": start, "count": config.count},
                headers=_headers(config),
                token=token,
            ).json()
            or {}
        )
        elements = list(body.get("elements") or [])
        yield elements
        paging = body.get("paging") or {}
        start += len(elements)
        total = paging.get("total")
        if not elements or (total is not None and start >= int(total)):
            return


def organization(config: LinkedInConfig, http: HttpClient) -> dict[str, Any] | None:
    """The organization's name and vanity name, or ``None`` when the token may
    not read them (the posts are collected all the same)."""
    from veille.httperrors import HttpError

    org_id = config.organization.rsplit(":", 1)[-1]
    try:
        body = http.get(
            f"{config.api}/organizations/{org_id}",
            headers=_headers(config),
            token=resolve_secret(config.token, "token"),
        ).json()
    except HttpError:
        return None
    if not isinstance(body, Mapping) or not body.get("localizedName"):
        return None
    return {k: body[k] for k in ("localizedName", "vanityName") if body.get(k)}


def _decorated(
    items: list[Mapping[str, Any]], field: str, urn: str, org: Mapping[str, Any] | None
) -> list[Mapping[str, Any]]:
    """Items whose ``field`` is the organization, with its name beside (``field~``)."""
    if not org:
        return items
    return [
        {**i, f"{field}~": org} if isinstance(i, Mapping) and i.get(field) == urn else i
        for i in items
    ]


def collect(
    config: LinkedInConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """New organization posts (cursor on the last page), then new comments on
    them and on the most recent earlier posts."""
    org = organization(config, http)
    state = dict(cursor or {})
    since = state.get("since")
    url = f"{config.api}/posts"
    params = {"author": config.organization, "q": "author", "sortBy": "CREATED"}
    newest = since
    after = None if since is None else int(since)
    pending: list[Mapping[str, Any]] = []
    seen: list[str] = []
    for elements in _list(config, url, params, http):
        # An element that is no post (a null, no id) moves no cursor: it goes
        # on to be quarantined while the others are read.
        fresh = [
            e
            for e in elements
            if not isinstance(e, Mapping) or after is None or as_int(e.get("createdAt")) > after
        ]
        posts = [e for e in fresh if isinstance(e, Mapping)]
        if fresh:
            if posts:
                top = max(as_int(e.get("createdAt")) for e in posts)
                newest = top if newest is None else max(int(newest), top)
            seen += [str(e["id"]) for e in posts if type(e.get("id")) in (str, int)]
            if pending:
                yield Batch(pending, dict(state))
            pending = _decorated(fresh, "author", config.organization, org)
        if len(fresh) < len(elements):
            break
    recent = unique([*seen, *state.get("recent", [])])[: max(config.recent_posts, 1)]
    state.update(since=newest, recent=list(recent))
    if pending or newest != since:
        yield Batch(pending, dict(state))
    if not config.comments:
        return
    floor = state.get("comments_since")
    newest_comment = floor
    for urn in recent:
        curl = f"{config.api}/socialActions/{quote(urn, safe='')}/comments"
        found: list[Mapping[str, Any]] = []
        for elements in _list(config, curl, {}, http):
            fresh = [
                c
                for c in elements
                if floor is None or as_int((c.get("created") or {}).get("time")) > int(floor)
            ]
            found += fresh
            if len(fresh) < len(elements):
                break
        if found:
            top = max(as_int((c.get("created") or {}).get("time")) for c in found)
            newest_comment = top if newest_comment is None else max(int(newest_comment), top)
            yield Batch(_decorated(found, "actor", config.organization, org), dict(state))
    if newest_comment != floor:
        state["comments_since"] = newest_comment
        yield Batch([], dict(state))


def _activity_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _comment_url(target: str, comment_urn: str) -> str:
    """A comment's own permalink (its post's, with ``commentUrn``): with the
    post's URL alone a comment was taken for its post and stored over it."""
    return f"{_activity_url(target)}?commentUrn={quote(comment_urn, safe='')}"


def _author(urn: str, decoration: Any, fallback: str) -> Author:
    """An author from a URN and, when the body has it, LinkedIn's decoration
    of that URN: an organization's ``localizedName``/``vanityName``, a
    member's ``localizedFirstName``/``localizedLastName``."""
    ident = urn.rsplit(":", 1)[-1] or fallback
    info = decoration if isinstance(decoration, Mapping) else {}
    name = str(info.get("localizedName") or "").strip() or " ".join(
        str(info[k]).strip() for k in ("localizedFirstName", "localizedLastName") if info.get(k)
    )
    vanity = str(info.get("vanityName") or "").strip()
    url = None
    if vanity and urn.startswith("urn:li:organization:"):
        url = f"https://www.linkedin.com/company/{vanity}/"
    elif vanity:
        url = f"https://www.linkedin.com/in/{vanity}/"
    return Author(handle=vanity or name or ident, name=name or None, url=url, id=urn or None)


def to_post(raw: Mapping[str, Any], config: LinkedInConfig | None = None) -> Post:
    """A post (``/rest/posts`` element) or a comment (``socialActions``
    element) as a post. Pure."""
    if "message" in raw and "object" in raw:
        return _comment(raw)
    urn = str(raw["id"])
    author = str(raw.get("author") or "")
    content = raw.get("content") or {}
    article = content.get("article") or {}
    links = [str(article["source"])] if article.get("source") else []
    media = [str(m["id"]) for m in [content.get("media") or {}] if m.get("id")]
    media += [
        str(i.get("id"))
        for i in (content.get("multiImage") or {}).get("images") or []
        if i.get("id")
    ]
    stamp = raw.get("publishedAt") or raw["createdAt"]
    return Post.create(
        platform=PLATFORM,
        native_id=urn,
        text=str(raw.get("commentary") or ""),
        title=article.get("title") or None,
        url=_activity_url(urn),
        published_at=from_unix(as_int(stamp) / 1000),
        author=_author(author, raw.get("author~"), "organization"),
        links=unique(links),
        media=unique(media),
        engagement=Engagement(given=False),  # the share API gives no counts
        raw=raw,
    )


def _comment(raw: Mapping[str, Any]) -> Post:
    created = raw.get("created") or {}
    actor = str(raw.get("actor") or created.get("actor") or "")
    target = str(raw.get("object") or "")
    parent = raw.get("parentComment")
    urn = str(raw.get("$URN") or raw.get("commentUrn") or raw["id"])
    likes = (raw.get("likesSummary") or {}).get("totalLikes")
    replies = (raw.get("commentsSummary") or {}).get("aggregatedTotalComments")
    return Post.create(
        platform=PLATFORM,
        native_id=urn,
        text=str((raw.get("message") or {}).get("text") or ""),
        url=_comment_url(target, urn) if target else None,
        published_at=from_unix(as_int(created["time"]) / 1000),
        author=_author(actor, raw.get("actor~"), "member"),
        engagement=Engagement(likes=as_int(likes), replies=as_int(replies)),
        parent_id=f"{PLATFORM}:{parent or target}" if (parent or target) else None,
        thread_id=f"{PLATFORM}:{target}" if target else None,
        raw=raw,
    )


class LinkedInSource(Source[LinkedInConfig]):
    name = "linkedin"
    terms_url = "https://legal.linkedin.com/api-terms-of-use"
    terms_note = tr("LinkedIn's API Terms of Use apply to data read with your token.")
    platform = PLATFORM
    Config = LinkedInConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)
    target_help: ClassVar[str] = "the organization id or urn:li:organization:ID (token required)"
    default_every = 3600

    def config_from_target(self, target: str, options: Mapping[str, str]) -> LinkedInConfig:
        return parse_target(target, options)

    def collect(
        self, config: LinkedInConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: LinkedInConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
