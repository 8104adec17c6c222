"""Mastodon: hashtag, account, public and search timelines of one instance.

Targets (``veille source add mastodon TARGET``)::

    tag:lumio@mastodon.social          #lumio@mastodon.social
    account:claire@mastodon.social     https://mastodon.social/@claire
    public@mastodon.social             local@mastodon.social (local only)
    search:lumio fibre@mastodon.social (needs a token)
    https://mastodon.social/tags/lumio

The instance may be a full base URL (``tag:lumio@http://127.0.0.2:8080``).
The cursor keeps the newest status id seen (``since_id``); requests page
forward with ``min_id`` so every page's cursor can be committed as it lands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from veille.errors import tr
from veille.httperrors import HttpError
from veille.models import Author, Engagement, Post
from veille.sources._social import (
    as_int,
    html_to_text_and_links,
    parse_iso,
    parse_link_header,
    readable_errors,
    resolve_secret,
    unique,
)
from veille.sources.base import Batch, Source, SourceConfigError, parse_options, split_http_url

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "mastodon"
MODES = ("tag", "account", "public", "local", "search")
OPTIONS: dict[str, type] = {"token": str, "limit": int, "max_pages": int}
# Stop paging while this many requests are left in the instance's window, so
# other sources on the same instance (and the user's own apps) keep some.
QUOTA_RESERVE = 2


@dataclass(frozen=True)
class MastodonConfig:
    """One timeline on one instance."""

    instance: str  # base URL, e.g. https://mastodon.social
    mode: str  # tag | account | public | local | search
    value: str = ""  # the tag, the account (user or user@host) or the search terms
    token: str | None = None
    limit: int = 40
    max_pages: int = 10

    @property
    def host(self) -> str:
        return (urlsplit(self.instance).hostname or self.instance).lower()


def _instance_url(text: str) -> str:
    text = text.strip().rstrip("/")
    if not text:
        raise SourceConfigError(tr("the Mastodon target names no instance"), hint=_HINT)
    if "://" not in text:
        text = "https://" + text
    parts = split_http_url(text)
    if parts is None:
        raise SourceConfigError(
            tr("%(text)r is not a Mastodon instance address", text=text), hint=_HINT
        )
    return f"{parts.scheme}://{parts.netloc}"


_HINT = tr(
    "use tag:NAME@INSTANCE, account:USER@INSTANCE, public@INSTANCE, "
    "search:TERMS@INSTANCE or a https://INSTANCE/tags/NAME or /@USER address"
)


def parse_target(target: str, options: Mapping[str, Any] | None = None) -> MastodonConfig:
    """The config for ``veille source add mastodon TARGET``; ``options`` may
    hold ``token``, ``limit`` and ``max_pages``."""
    opts = parse_options(options or {}, OPTIONS, kind=PLATFORM)
    token = opts.get("token") or None
    extra = {k: opts[k] for k in ("limit", "max_pages") if opts.get(k) is not None}
    if not 1 <= extra.get("limit", 40) <= 40:
        raise SourceConfigError(
            tr(
                "option %(key)s must be between %(low)s and %(high)s for %(what)s",
                key="limit", low=1, high=40, what="Mastodon",
            )
        )  # fmt: skip
    text = target.strip()
    if text.startswith(("http://", "https://")) and ("/tags/" in text or "/@" in text):
        parts = split_http_url(text)
        if parts is None:
            raise SourceConfigError(tr("%(text)r is not a Mastodon address", text=text), hint=_HINT)
        base = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/")
        if "/tags/" in path:
            return MastodonConfig(base, "tag", path.split("/tags/", 1)[1], token, **extra)
        return MastodonConfig(base, "account", path.split("/@", 1)[1], token, **extra)
    if text.startswith("#"):
        text = "tag:" + text[1:]
    head, sep, instance = text.rpartition("@")
    if not sep:
        raise SourceConfigError(
            tr("Mastodon target %(target)r names no instance", target=target), hint=_HINT
        )
    if head in ("public", "local"):
        return MastodonConfig(_instance_url(instance), head, "", token, **extra)
    mode, colon, value = head.partition(":")
    if not colon or mode not in MODES or not value.strip():
        raise SourceConfigError(
            tr("Mastodon target %(target)r is not understood", target=target), hint=_HINT
        )
    if mode == "search" and not token:
        raise SourceConfigError(
            tr("Mastodon status search needs an access token"),
            hint=tr("add the option token=… (created in the instance's Development settings)"),
        )
    value = value.strip().lstrip("#") if mode == "tag" else value.strip().lstrip("@")
    return MastodonConfig(_instance_url(instance), mode, value, token, **extra)


def timeline_path(config: MastodonConfig, account_id: str | None = None) -> str:
    """The API path that lists the config's statuses."""
    if config.mode == "tag":
        return f"/api/v1/timelines/tag/{quote(config.value, safe='')}"
    if config.mode in ("public", "local"):
        return "/api/v1/timelines/public"
    if config.mode == "account":
        return f"/api/v1/accounts/{account_id}/statuses"
    return "/api/v2/search"


def id_key(status_id: str) -> tuple[int, str]:
    """Order of Mastodon ids: numeric strings, compared by length then text."""
    return (len(status_id), status_id)


def newest_id(ids: list[str], current: str | None = None) -> str | None:
    pool = [*ids, *([current] if current else [])]
    return max(pool, key=id_key) if pool else None


_QUOTE_FALLBACK = frozenset({"quote-inline"})


def _account_handle(account: Mapping[str, Any], host: str) -> str:
    acct = str(account.get("acct") or account.get("username") or "")
    if not acct:
        return ""  # no author, not an account of that instance
    return acct if "@" in acct else f"{acct}@{host}"


def to_post(raw: Mapping[str, Any], config: MastodonConfig) -> Post:
    """A Mastodon status (API JSON) as a post. Pure.

    Ids are the instance's own (``host/id``) so replies link to their parent
    as that instance knows it; copies seen through several instances share
    their canonical URL (the origin's permalink) for the dedupe stage.
    """
    host = config.host
    account = raw.get("account") or {}
    reblog = raw.get("reblog")
    shown: Mapping[str, Any] = reblog or raw
    # A quote's "RE: <link>" line is a fallback that clients showing the quote
    # hide (class quote-inline, Mastodon 4.4): its text goes, its link stays.
    text, anchors = html_to_text_and_links(shown.get("content"), hidden=_QUOTE_FALLBACK)
    tag_hrefs = {str(t.get("url")) for t in shown.get("tags") or []}
    mention_hrefs = {str(m.get("url")) for m in shown.get("mentions") or []}
    links = [
        href
        for href, cls in anchors
        if "mention" not in cls.split()
        and "hashtag" not in cls.split()
        and href not in tag_hrefs
        and href not in mention_hrefs
    ]
    card = shown.get("card") or {}
    if card.get("url"):
        links.append(str(card["url"]))
    media = [
        str(m.get("url") or m.get("remote_url"))
        for m in shown.get("media_attachments") or []
        if m.get("url") or m.get("remote_url")
    ]
    in_reply = raw.get("in_reply_to_id")
    return Post.create(
        platform=PLATFORM,
        native_id=f"{host}/{raw['id']}",
        text=text,
        title=(shown.get("spoiler_text") or None),
        url=raw.get("url") or raw.get("uri"),
        published_at=parse_iso(raw["created_at"]),
        author=Author(
            handle=_account_handle(account, host),
            name=account.get("display_name") or None,
            url=account.get("url"),
            followers=account.get("followers_count"),
            id=None if account.get("id") is None else f"{host}/{account['id']}",
        ),
        lang=shown.get("language") or None,
        engagement=Engagement(
            likes=as_int(shown.get("favourites_count")),
            # Boosts and quotes, as Bluesky's reposts and quotes are counted.
            shares=as_int(shown.get("reblogs_count")) + as_int(shown.get("quotes_count")),
            replies=as_int(shown.get("replies_count")),
        ),
        parent_id=f"{PLATFORM}:{host}/{in_reply}" if in_reply else None,
        repost_of=f"{PLATFORM}:{host}/{reblog['id']}" if reblog else None,
        hashtags=unique(str(t.get("name")) for t in shown.get("tags") or []),
        # An account of the instance read is written without its host, in
        # mentions as in authors: both are qualified alike, so one person is
        # one handle (the conversation graph joins them).
        mentions=unique(_account_handle(m, host) for m in shown.get("mentions") or []),
        links=unique(links),
        media=unique(media),
        source=None,
        raw=raw,
    )


def statuses_of(body: Any, config: MastodonConfig, url: str) -> list[Mapping[str, Any]]:
    """The statuses in a timeline (a JSON array) or a v2 search result; a
    timeline ``url`` answered with anything else fails the run, saying so."""
    if config.mode == "search":
        found = body.get("statuses") if isinstance(body, Mapping) else None
        return list(found) if isinstance(found, list) else []
    if not isinstance(body, list):
        raise HttpError(
            tr("%(url)s answered JSON that is not a Mastodon timeline (a list of posts)", url=url),
            url=url,
            hint=tr("Check that the instance runs Mastodon and that the tag or account exists."),
        )
    return body


def status_ids(statuses: list[Any]) -> list[str]:
    """The ids of a page's statuses. An item that is no status (null, a text,
    a status without an id) has none: it stopped the whole source at every
    poll, and now goes on to be quarantined while the rest are read."""
    return [
        str(s["id"])
        for s in statuses
        if isinstance(s, Mapping) and type(s.get("id")) in (str, int) and str(s["id"])
    ]


def _quota_note(http: HttpClient, url: str, token: str | None) -> tuple[int | None, bool]:
    left = http.quota_left(url, token)
    return left, left is not None and left <= QUOTA_RESERVE


def collect(
    config: MastodonConfig, cursor: Mapping[str, Any] | None, http: HttpClient
) -> Iterator[Batch]:
    """Statuses newer than ``cursor["since_id"]``, page by page.

    First run: the newest ``max_pages`` pages, walking back (``max_id``), and
    the cursor is committed with the last page only, so a crash re-reads them
    rather than skipping any. Later runs walk forward from the cursor
    (``min_id``, the ``Link`` header's ``prev``), each page committing its
    own newest id: a crash loses nothing and re-reads at most one page.
    """
    since = (cursor or {}).get("since_id")
    token = resolve_secret(config.token, "token")
    base = config.instance
    if config.mode == "account":
        lookup = http.get(
            f"{base}/api/v1/accounts/lookup", params={"acct": config.value}, token=token
        ).json()
        path = timeline_path(config, str(lookup["id"]))
    else:
        path = timeline_path(config)
    url: str | None = base + path
    first: dict[str, Any] = {"limit": config.limit}
    if config.mode == "local":
        first["local"] = "true"
    if config.mode == "search":
        first.update(q=config.value, type="statuses", resolve="false")
        yield from _collect_search(config, since, base + path, first, http)
        return
    forward = since is not None
    if forward:
        first["min_id"] = since
    params: dict[str, Any] | None = first
    pending: list[Mapping[str, Any]] = []
    newest = since
    for _ in range(config.max_pages):
        if url is None:
            break
        resp = http.get(url, params=params, token=token)
        statuses = statuses_of(resp.json(), config, url)
        quota, low = _quota_note(http, url, token)
        if not statuses:
            break
        newest = newest_id(status_ids(statuses), newest)
        links = parse_link_header(resp.headers.get("link"))
        if forward:
            yield Batch(statuses, {"since_id": newest}, quota=quota)
            url = links.get("prev")
        else:
            if pending:
                yield Batch(pending, dict(cursor or {}), quota=quota)
            pending = statuses
            url = links.get("next")
        params = None  # the Link URLs carry every parameter
        if len(statuses) < config.limit:
            break
        if low:
            notes = [f"{config.host}: rate limit nearly spent, the rest waits for the next run"]
            if not forward and pending:
                yield Batch(pending, {"since_id": newest}, quota=quota, notes=notes)
                pending = []
            elif forward:
                yield Batch([], {"since_id": newest}, quota=quota, notes=notes)
            return
    if pending:
        yield Batch(pending, {"since_id": newest}, quota=http.quota_left(base, token))


def _collect_search(
    config: MastodonConfig,
    since: str | None,
    url: str,
    params: dict[str, Any],
    http: HttpClient,
) -> Iterator[Batch]:
    """v2 search pages by ``offset``; the cursor rides on the last page."""
    if since:
        params["min_id"] = since
    newest = since
    pending: list[Mapping[str, Any]] = []
    old = {"since_id": since} if since else {}
    quota = None
    for page in range(config.max_pages):
        params["offset"] = page * config.limit
        resp = http.get(url, params=params, token=resolve_secret(config.token, "token"))
        statuses = statuses_of(resp.json(), config, url)
        quota, low = _quota_note(http, url, config.token)
        if not statuses:
            break
        newest = newest_id(status_ids(statuses), newest)
        if pending:
            yield Batch(pending, old, quota=quota)
        pending = statuses
        if len(statuses) < config.limit or low:
            break
    if pending:
        yield Batch(pending, {"since_id": newest}, quota=quota)


class MastodonSource(Source[MastodonConfig]):
    name = "mastodon"
    terms_url = ""
    terms_note = tr(
        "Each Mastodon server has its own terms and privacy policy (see its "
        "/about page); respect #nobot and authors' preferences."
    )
    platform = PLATFORM
    Config = MastodonConfig
    #: Options holding secrets: never print them back (``source list`` masks them).
    secret_fields: ClassVar[tuple[str, ...]] = ("token",)
    target_help: ClassVar[str] = (
        "tag:NAME@INSTANCE, account:USER@INSTANCE, public@INSTANCE, local@INSTANCE "
        "or search:TERMS@INSTANCE (token)"
    )
    default_every = 600

    def config_from_target(self, target: str, options: Mapping[str, str]) -> MastodonConfig:
        return parse_target(target, options)

    def collect(
        self, config: MastodonConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: MastodonConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw, config)
