"""Daily snapshots of the organization's own accounts (followers, posts),
read from each platform's account lookup: Mastodon
``/api/v1/accounts/lookup``, Bluesky ``app.bsky.actor.getProfile``.

The instance asked is the one a workspace source already reads on that
platform (so the simulator and self-hosted instances work), else the
account's own host (``user@host``) or the platform's public service.
A lookup that fails is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.errors import VeilleError
from veille.plan.common import now_utc
from veille.store.protocols.plan import AccountSnapshot

if TYPE_CHECKING:
    from veille.http import HttpClient
    from veille.workspace import Workspace

BLUESKY_PUBLIC = "https://public.api.bsky.app"


@dataclass(frozen=True)
class SnapshotResult:
    platform: str
    handle: str
    snapshot: AccountSnapshot | None
    error: str = ""


def _source_base(ws: Workspace, kind: str, key: str) -> str | None:
    for src in ws.state.list_sources():
        if src.kind == kind and src.config.get(key):
            return str(src.config[key]).rstrip("/")
    return None


def _mastodon(
    ws: Workspace, http: HttpClient, handle: str
) -> tuple[int | None, int | None, int | None]:
    _user, _sep, host = handle.partition("@")
    base = _source_base(ws, "mastodon", "instance") or (f"https://{host}" if host else None)
    if base is None:
        raise VeilleError(
            f"no Mastodon instance is known for {handle}",
            hint="Write the account as user@instance, or add a Mastodon source.",
        )
    body = http.get(f"{base}/api/v1/accounts/lookup", params={"acct": handle}).json()
    return body.get("followers_count"), body.get("following_count"), body.get("statuses_count")


def _bluesky(
    ws: Workspace, http: HttpClient, handle: str
) -> tuple[int | None, int | None, int | None]:
    base = _source_base(ws, "bluesky", "service") or BLUESKY_PUBLIC
    body = http.get(f"{base}/xrpc/app.bsky.actor.getProfile", params={"actor": handle}).json()
    return body.get("followersCount"), body.get("followsCount"), body.get("postsCount")


LOOKUPS: dict[str, Callable[[Any, Any, str], tuple[int | None, int | None, int | None]]] = {
    "mastodon": _mastodon,
    "bluesky": _bluesky,
}


def snapshot_accounts(
    ws: Workspace, *, http: HttpClient | None = None, now: datetime | None = None
) -> list[SnapshotResult]:
    """Take today's snapshot of every channel's account on a platform veille
    can look up; keep each that succeeds."""
    from veille.http import HttpClient

    client = http or HttpClient(ws.settings.http)
    day = now_utc(now).date()
    out = []
    try:
        for channel in ws.state.plan_channels():
            lookup = LOOKUPS.get(channel.platform)
            if lookup is None or not channel.handle:
                continue
            try:
                followers, following, posts = lookup(ws, client, channel.handle)
            except (VeilleError, ValueError, KeyError, AttributeError) as exc:
                out.append(SnapshotResult(channel.platform, channel.handle, None, str(exc)))
                continue
            snap = AccountSnapshot(
                channel.platform, channel.handle, day, followers, following, posts
            )
            ws.state.save_account_snapshot(snap)
            out.append(SnapshotResult(channel.platform, channel.handle, snap))
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
    today = now_utc(now).date().isoformat()
    state = ws.state
    if state.plan_settings().get("last_snapshot_day") == today or not any(
        c.handle and c.platform in LOOKUPS for c in state.plan_channels()
    ):
        return None
    state.set_plan_setting("last_snapshot_day", today)
    return snapshot_accounts(ws, http=http, now=now)
