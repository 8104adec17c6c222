"""Daily snapshots of the organization's own accounts (followers, posts),
read from each platform's account lookup:

- Mastodon ``/api/v1/accounts/lookup``;
- Bluesky ``app.bsky.actor.getProfile``;
- YouTube Data API v3 ``channels.list`` (``part=statistics``:
  ``subscriberCount``, ``videoCount``), the channel given by its id
  (``UC…``) or its handle (``@name``), with the Data API key of the
  workspace's YouTube source;
- a Facebook Page through the Graph API (``/{page}?fields=followers_count,
  fan_count``), with the Page token of the workspace's Facebook source;
- a LinkedIn organization page (``/rest/networkSizes/{urn}?edgeType=
  COMPANY_FOLLOWED_BY_MEMBER``: ``firstDegreeSize``), with the token of the
  workspace's LinkedIn source; the page given by its number, its URN or its
  vanity name (looked up with ``/rest/organizations?q=vanityName``).

The instance asked is the one a workspace source already reads on that
platform (so the simulator and self-hosted instances work), else the
account's own host (``user@host``) or the platform's public service.
A lookup that fails is reported and the others go on.

A lookup also returns the other names the platform gives the account (a
YouTube channel's id, a Page's id and name, an organization's vanity name):
the posts veille collects name their author that way, and the engagement
KPI finds our posts by them (kept in the plan's setting ``account_aliases``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from veille.errors import VeilleError, tr
from veille.plan.common import local_day, now_utc
from veille.store.protocols.plan import AccountSnapshot

if TYPE_CHECKING:
    from veille.http import HttpClient
    from veille.workspace import Workspace

BLUESKY_PUBLIC = "https://public.api.bsky.app"
YOUTUBE_API = "https://www.googleapis.com/youtube/v3"
FACEBOOK_API = "https://graph.facebook.com/v21.0"
LINKEDIN_API = "https://api.linkedin.com/rest"
LINKEDIN_VERSION = "202411"
#: A YouTube channel id (anything else is taken for a handle).
_CHANNEL_ID = re.compile(r"UC[\w-]{22}")


@dataclass(frozen=True)
class Figures:
    """What an account lookup found: its counts and its other names."""

    followers: int | None
    following: int | None = None
    posts: int | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnapshotResult:
    platform: str
    handle: str
    snapshot: AccountSnapshot | None
    error: str = ""


def _count(value: Any) -> int | None:
    """A count as the APIs give it (a number, or a string of digits for YouTube)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _source_config(ws: Workspace, kind: str, key: str) -> Mapping[str, Any] | None:
    """The settings of the workspace's first source of ``kind`` that has ``key``
    (an enabled one first)."""
    found = [s for s in ws.state.list_sources() if s.kind == kind and s.config.get(key)]
    found.sort(key=lambda s: not s.enabled)
    return found[0].config if found else None


def _source_base(ws: Workspace, kind: str, key: str) -> str | None:
    config = _source_config(ws, kind, key)
    return str(config[key]).rstrip("/") if config else None


def _secret(config: Mapping[str, Any], option: str) -> str | None:
    from veille.sources._social import resolve_secret

    return resolve_secret(str(config.get(option) or "") or None, option)


def _mastodon(ws: Workspace, http: HttpClient, handle: str) -> Figures:
    _user, _sep, host = handle.partition("@")
    base = _source_base(ws, "mastodon", "instance") or (f"https://{host}" if host else None)
    if base is None:
        raise VeilleError(
            tr("no Mastodon instance is known for %(handle)s", handle=handle),
            hint=tr("Write the account as user@instance, or add a Mastodon source."),
        )
    body = http.get(f"{base}/api/v1/accounts/lookup", params={"acct": handle}).json()
    return Figures(
        body.get("followers_count"), body.get("following_count"), body.get("statuses_count")
    )


def _bluesky(ws: Workspace, http: HttpClient, handle: str) -> Figures:
    base = _source_base(ws, "bluesky", "service") or BLUESKY_PUBLIC
    body = http.get(f"{base}/xrpc/app.bsky.actor.getProfile", params={"actor": handle}).json()
    return Figures(body.get("followersCount"), body.get("followsCount"), body.get("postsCount"))


def _youtube(ws: Workspace, http: HttpClient, handle: str) -> Figures:
    config = _source_config(ws, "youtube", "key")
    if config is None:
        raise VeilleError(
            tr(
                "the YouTube channel %(handle)s needs a Data API key to be looked up", handle=handle
            ),
            hint=tr("Add a YouTube source with --option key=… (any target: search:…, comments:…)."),
        )
    name = handle.strip()
    params: dict[str, Any] = {"part": "snippet,statistics", "key": _secret(config, "key")}
    if _CHANNEL_ID.fullmatch(name):
        params["id"] = name
    else:
        params["forHandle"] = name if name.startswith("@") else "@" + name
    api = str(config.get("api") or YOUTUBE_API).rstrip("/")
    body = http.get(f"{api}/channels", params=params).json() or {}
    items = list(body.get("items") or [])
    if not items:
        raise VeilleError(
            tr("YouTube has no channel %(handle)s", handle=handle),
            hint=tr("Give the channel's id (UC…) or its handle (@name) as the channel's account."),
        )
    channel = items[0]
    stats = channel.get("statistics") or {}
    hidden = bool(stats.get("hiddenSubscriberCount"))
    snippet = channel.get("snippet") or {}
    aliases = [str(channel.get("id") or ""), str(snippet.get("customUrl") or "").lstrip("@")]
    return Figures(
        None if hidden else _count(stats.get("subscriberCount")),
        None,
        _count(stats.get("videoCount")),
        tuple(a for a in aliases if a),
    )


def _facebook(ws: Workspace, http: HttpClient, handle: str) -> Figures:
    config = _source_config(ws, "facebook", "token")
    if config is None:
        raise VeilleError(
            tr("the Facebook Page %(handle)s needs a Page token to be looked up", handle=handle),
            hint=tr(
                "Add the Page as a Facebook source (veille source add "
                "facebook PAGE --option token=…)."
            ),
        )
    api = str(config.get("api") or FACEBOOK_API).rstrip("/")
    page = handle.strip().removeprefix("https://www.facebook.com/").strip("/")
    body = (
        http.get(
            f"{api}/{quote(page, safe='')}",
            params={"fields": "id,name,username,followers_count,fan_count"},
            token=_secret(config, "token"),
        ).json()
        or {}
    )
    followers = _count(body.get("followers_count"))
    if followers is None:  # Pages made before the New Pages Experience: likes
        followers = _count(body.get("fan_count"))
    aliases = (str(body.get(k) or "") for k in ("id", "name", "username"))
    return Figures(followers, None, None, tuple(a for a in aliases if a))


def _linkedin_headers(config: Mapping[str, Any]) -> dict[str, str]:
    return {
        "LinkedIn-Version": str(config.get("version") or LINKEDIN_VERSION),
        "X-Restli-Protocol-Version": "2.0.0",
    }


def _linkedin(ws: Workspace, http: HttpClient, handle: str) -> Figures:
    config = _source_config(ws, "linkedin", "token")
    if config is None:
        raise VeilleError(
            tr(
                "the LinkedIn page %(handle)s needs the organization's token to be looked up",
                handle=handle,
            ),
            hint=tr(
                "Add the organization as a LinkedIn source (veille source "
                "add linkedin ID --option token=…)."
            ),
        )
    api = str(config.get("api") or LINKEDIN_API).rstrip("/")
    token = _secret(config, "token")
    headers = _linkedin_headers(config)
    name = handle.strip().removeprefix("urn:li:organization:")
    if name.isdigit():
        # Its names, as the connector shows our posts' author (optional).
        from veille.httperrors import HttpError

        try:
            org = http.get(f"{api}/organizations/{name}", headers=headers, token=token).json()
        except HttpError:
            org = None
    else:
        body = (
            http.get(
                f"{api}/organizations",
                params={"q": "vanityName", "vanityName": name},
                headers=headers,
                token=token,
            ).json()
            or {}
        )
        elements = list(body.get("elements") or [])
        if not elements or not str(elements[0].get("id") or "").isdigit():
            raise VeilleError(
                tr("LinkedIn has no organization page named %(handle)s", handle=handle),
                hint=tr("Give the page's number (in its admin URL) or its vanity name."),
            )
        org = elements[0]
        name = str(org["id"])
    org = org if isinstance(org, Mapping) else {}
    aliases = [str(org.get(k) or "") for k in ("vanityName", "localizedName")]
    urn = f"urn:li:organization:{name}"
    body = (
        http.get(
            f"{api}/networkSizes/{quote(urn, safe='')}",
            params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
            headers=headers,
            token=token,
        ).json()
        or {}
    )
    aliases += [name, urn]
    return Figures(_count(body.get("firstDegreeSize")), None, None, tuple(a for a in aliases if a))


LOOKUPS: dict[str, Callable[[Any, Any, str], Figures]] = {
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "youtube": _youtube,
    "facebook": _facebook,
    "linkedin": _linkedin,
}


ALIASES = "account_aliases"


def _all_aliases(state: Any) -> dict[str, list[str]]:
    import json

    try:
        found = json.loads(state.plan_settings().get(ALIASES) or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def account_aliases(state: Any, platform: str, handle: str) -> list[str]:
    """The other names the last lookup of our account gave (see the module doc)."""
    return [str(a) for a in _all_aliases(state).get(f"{platform}:{handle}", [])]


def _keep_aliases(state: Any, platform: str, handle: str, aliases: tuple[str, ...]) -> None:
    import json

    others = [a for a in dict.fromkeys(aliases) if a and a != handle]
    found = _all_aliases(state)
    if not others or found.get(f"{platform}:{handle}") == others:
        return
    found[f"{platform}:{handle}"] = others
    state.set_plan_setting(ALIASES, json.dumps(found, ensure_ascii=False, sort_keys=True))


def own_accounts(ws: Workspace) -> list[tuple[str, str]]:
    """``(platform, handle)`` of our accounts veille can look up: each
    channel's account, then the ``platform:handle`` entries of the
    ``[organization] handles`` of veille.toml."""
    found = [(c.platform, c.handle) for c in ws.state.plan_channels() if c.handle]
    for entry in ws.settings.organization.handles:
        platform, sep, handle = entry.partition(":")
        if sep and handle.strip().lstrip("@"):
            found.append((platform.strip().lower(), handle.strip().lstrip("@")))
    return [(p, h) for p, h in dict.fromkeys(found) if p in LOOKUPS]


def snapshot_accounts(
    ws: Workspace, *, http: HttpClient | None = None, now: datetime | None = None
) -> list[SnapshotResult]:
    """Take today's snapshot of each of our accounts on a platform veille can
    look up (:func:`own_accounts`); keep each that succeeds."""
    from veille.http import HttpClient

    client = http or HttpClient(ws.settings.http)
    # Dated by the organization's day, as the KPIs that read it (a snapshot
    # taken at 21:00 in Montréal is that day's, not the next UTC day's).
    day = local_day(now_utc(now), ws.settings.workspace.timezone)
    out = []
    try:
        for platform, handle in own_accounts(ws):
            try:
                got = LOOKUPS[platform](ws, client, handle)
            except (VeilleError, ValueError, KeyError, AttributeError, TypeError) as exc:
                out.append(SnapshotResult(platform, handle, None, str(exc)))
                continue
            snap = AccountSnapshot(
                platform,
                handle,
                day,
                _count(got.followers),
                _count(got.following),
                _count(got.posts),
            )
            ws.state.save_account_snapshot(snap)
            _keep_aliases(ws.state, platform, handle, got.aliases)
            out.append(SnapshotResult(platform, handle, snap))
    finally:
        if http is None:
            client.close()
    return out


def daily_snapshot(
    ws: Workspace, *, http: HttpClient | None = None, now: datetime | None = None
) -> list[SnapshotResult] | None:
    """Today's snapshot, once a day (``veille run`` calls this on every pass;
    the day of the last one is kept in the plan's settings, so several
    processes take one between them). ``None`` when today's is already taken."""
    today = local_day(now_utc(now), ws.settings.workspace.timezone).isoformat()
    state = ws.state
    if state.plan_settings().get("last_snapshot_day") == today or not own_accounts(ws):
        return None
    state.set_plan_setting("last_snapshot_day", today)
    return snapshot_accounts(ws, http=http, now=now)
