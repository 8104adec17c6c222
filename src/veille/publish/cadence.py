"""The calendar beside the channel plan: a week that holds more posts on a
platform than the channel's ``posts_per_week`` is said when a post is saved
there (it is saved all the same: a launch week may be busier on purpose)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.analytics.findings import platform_name
from veille.config import Settings
from veille.errors import Count, Figure, Place, Text, tr
from veille.store.protocols.calendar import CalendarEntry

#: What counts in a week's load: the posts waiting to go out and those gone
#: out (a failed post did not reach the audience).
_COUNTED = ("draft", "approved", "scheduled", "published")

#: Where the channel's cadence is changed, said where the reader is.
CHANNEL_SET = Place(
    "veille plan channel set PLATFORM --per-week N",
    page="/plan/edit#channels",
    api=tr("a manager's page /plan/edit#channels"),
)


def week_of(when: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The week (Monday 00:00 to the next, in the workspace's time zone)
    holding ``when``, as UTC bounds, the end excluded."""
    zone = ZoneInfo(timezone)
    day = when.astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(monday + timedelta(days=7), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def over_cadence(state: Any, settings: Settings, entry: CalendarEntry) -> list[Text]:
    """What to tell whoever saved ``entry`` when its week now holds more
    posts on its platform than the channel plan sets; nothing when the
    platform has no cadence planned or the week is within it."""
    from veille.plan.channels import get_channel

    channel = get_channel(state, entry.platform)
    if channel is None or channel.posts_per_week <= 0:
        return []
    start, end = week_of(entry.scheduled_at, settings.workspace.timezone)
    planned = [
        e
        for e in state.calendar_entries(statuses=_COUNTED, since=start, until=end)
        if e.platform == entry.platform
    ]
    if len(planned) <= channel.posts_per_week:
        return []
    monday = start.astimezone(ZoneInfo(settings.workspace.timezone)).date().isoformat()
    return [
        tr("the week of %(monday)s now holds %(count)s posts on %(platform)s, more than "
           "the %(cadence)s a week the channel plan sets: move one to another week, or "
           "change the channel's posts per week (%(where)s)",
           monday=monday, count=Count(len(planned)), platform=platform_name(entry.platform),
           cadence=Figure(channel.posts_per_week), where=CHANNEL_SET)
    ]  # fmt: skip
