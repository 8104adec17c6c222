"""What the plan's modules share: the clock, names, audit records, checks."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from typing import Any

from veille.errors import UsageError, tr
from veille.suggest import did_you_mean

#: Platforms a channel plan may name (the ones veille listens to and the
#: ones the organization may post to).
PLATFORMS = (
    "mastodon",
    "bluesky",
    "x",
    "linkedin",
    "facebook",
    "instagram",
    "youtube",
    "reddit",
    "wordpress",
    "web",
    "hackernews",
    "tiktok",
    "threads",
)


def now_utc(now: datetime | None = None) -> datetime:
    return now.astimezone(UTC) if now else datetime.now(UTC)


def local_day(when: datetime, timezone: str = "UTC") -> date:
    """``when``'s day on the organization's calendar (``[workspace] timezone``):
    deadlines and the days a KPI's history is dated by are local days, and
    22:00 in St. John's is already the next day in UTC."""
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(timezone or "UTC")).date()


def check_name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise UsageError(tr("%(what)s: a name is needed", what=what), hint=tr("Give a short name."))
    return name


def check_platform(value: str) -> str:
    name = value.strip().lower()
    if name not in PLATFORMS:
        raise UsageError(
            tr("%(value)r is not a platform veille knows", value=value),
            hint=did_you_mean(name, PLATFORMS)
            or tr("Use one of %(known)s.", known=", ".join(PLATFORMS)),
        )
    return name


def parse_day(value: str | date | None, what: str = tr("deadline")) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            tr("%(what)s %(value)r is not a date", what=what, value=value),
            hint=tr("Write it as YYYY-MM-DD, e.g. 2027-06-30."),
        ) from None


def split_list(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"a, b"`` or a list as a tuple of trimmed, non-empty names."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def audit(state: Any, actor: str | None, action: str, target: str, detail: str = "") -> None:
    """Record a change of the plan in the audit log (webcore's
    ``veille.services.audit``), when this version has one."""
    try:
        module = importlib.import_module("veille.services.audit")
    except ImportError:
        return
    module.record(state, actor, action, target, detail)
