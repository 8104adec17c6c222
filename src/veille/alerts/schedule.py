"""When a match is due: frequency, time of day and week, quiet hours, in the
workspace's time zone.

All functions take and return aware datetimes; the database stores Unix seconds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from veille.alerts.model import Alert
from veille.timefmt import first_shown


def _hm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def in_quiet_hours(alert: Alert, moment: datetime, tz: ZoneInfo) -> bool:
    if not (alert.quiet_start and alert.quiet_end):
        return False
    t = moment.astimezone(tz).time()
    start, end = _hm(alert.quiet_start), _hm(alert.quiet_end)
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # the window crosses midnight


def quiet_end_after(alert: Alert, moment: datetime, tz: ZoneInfo) -> datetime:
    """The first moment at or after ``moment`` outside the alert's quiet hours."""
    if not in_quiet_hours(alert, moment, tz):
        return moment
    assert alert.quiet_end is not None
    local = moment.astimezone(tz)
    end = _hm(alert.quiet_end)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    fixed = _fix_gap(candidate, tz)
    if fixed.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        # The clock jumps over the end (02:30, the night it goes from 02:00 to
        # 03:00): the quiet hours end at the jump, when in_quiet_hours stops
        # holding, not at 03:30.
        return first_shown(candidate.date(), end, tz)
    return fixed


def _fix_gap(local: datetime, tz: ZoneInfo) -> datetime:
    # Re-attach the zone so that a wall time in a DST gap moves forward.
    return datetime.fromtimestamp(local.replace(tzinfo=tz).timestamp(), tz)


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``at`` on local ``day``: its first time where the clocks go back, the
    same time after the jump where they go forward."""
    return _fix_gap(datetime.combine(day, at, tzinfo=tz), tz)


def next_slot(alert: Alert, moment: datetime, tz: ZoneInfo) -> datetime:
    """When a match found at ``moment`` should be sent, per the alert's frequency."""
    local = moment.astimezone(tz)
    if alert.frequency == "instant":
        due = local
    elif alert.frequency == "hourly":
        # An hour of elapsed time after the local hour began: the night clocks
        # go back, 02:30 summer time is followed by 02:00 winter time (wall-clock
        # arithmetic gave 03:00, an hour later).
        into = local.minute * 60 + local.second + local.microsecond / 1e6
        due = datetime.fromtimestamp(round(local.timestamp() - into) + 3600, tz)
    else:
        # The first time the wall clock shows ``at_time`` on a local day (the
        # hour after, on the night that hour does not exist), compared as
        # instants: a match in the second 02:00-03:00 of the night clocks go
        # back is after that day's 02:30 and waits for the next day's, and
        # one at 03:10 the night 02:30 does not exist goes in the 03:30 one.
        at = _hm(alert.at_time)
        day = local.date()
        if alert.frequency == "weekly":
            day += timedelta(days=(alert.weekday - local.weekday()) % 7)
        step = timedelta(days=1 if alert.frequency == "daily" else 7)
        due = _at(day, at, tz)
        if due.timestamp() <= moment.timestamp():
            due = _at(day + step, at, tz)
    return quiet_end_after(alert, due, tz)


def day_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local midnight of ``moment``'s day (for daily caps)."""
    local = moment.astimezone(tz)
    return _fix_gap(local.replace(hour=0, minute=0, second=0, microsecond=0), tz)
