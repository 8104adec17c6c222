"""Working time: the workspace's hours, days, holidays and time zone, and
the response targets counted in it (``[inbox]`` in ``veille.toml``).

A target of "1h" for urgent items means one hour *of working time*: an item
that arrives on Friday at 17:30, with hours 09:00-18:00 Monday to Friday, is
due on Monday at 09:30. A day ("1d") is one working day's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veille.errors import ConfigError, Place, tr
from veille.timefmt import first_shown

if TYPE_CHECKING:
    from veille.config import Settings
    from veille.workspace import Workspace

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
# How far ahead :meth:`WorkingTime.add` looks for working time (a year of
# holidays cannot make it loop forever).
_HORIZON_DAYS = 800


#: The /inbox/hours form's words for each ``[inbox]`` key it sets.
_WORDS = {
    "timezone": tr("the time zone"),
    "working_hours": tr("the working day"),
    "working_days": tr("the list of working days"),
    "holidays": tr("the list of holidays"),
    "first_response_targets": tr("the first response targets"),
    "resolution_targets": tr("the resolution targets"),
}


def inbox_key(name: str) -> Place:
    """An ``[inbox]`` key as its reader names it (veille.errors.Place):
    ``[inbox] working_hours`` where veille.toml is read, the form's words on
    /inbox/hours (« la journée de travail »)."""
    return Place(f"[inbox] {name}", page=_WORDS[name])


def parse_hours(value: str, where: str | None = None) -> tuple[time, time | None]:
    """``"09:00-18:00"`` -> (09:00, 18:00); an end of ``24:00`` is ``None`` (midnight)."""
    where = where or inbox_key("working_hours")
    m = _HOURS.match(value)
    if not m:
        raise ConfigError(
            tr("%(where)s %(value)r is not a range of hours", where=where, value=value),
            hint=tr('Write "HH:MM-HH:MM", e.g. "09:00-18:00".'),
        )
    start = time(int(m.group(1)), int(m.group(2)))
    if m.group(3) == "24":
        if m.group(4) != "00":
            raise ConfigError(
                tr("%(where)s %(value)r: the latest end is 24:00", where=where, value=value)
            )
        return start, None
    end = time(int(m.group(3)), int(m.group(4)))
    if end <= start:
        raise ConfigError(
            tr("%(where)s %(value)r ends before it starts", where=where, value=value),
            hint=tr("Working hours run within one day, e.g. 09:00-18:00 (00:00-24:00: all day)."),
        )
    return start, end


def parse_duration(value: str, day: timedelta, where: str) -> timedelta:
    """``"30m"``, ``"4h"``, ``"1.5d"`` (``d``: one working day of length ``day``)."""
    m = _DURATION.match(value)
    if not m:
        raise ConfigError(
            tr("%(where)s: %(value)r is not a duration", where=where, value=value),
            hint=tr('Write e.g. "30m", "4h", "2d".'),
        )
    n = float(m.group(1))
    unit = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": day}[m.group(2)]
    return unit * n


@dataclass(frozen=True)
class WorkingTime:
    """Working hours in one time zone, on some weekdays, except holidays."""

    tz: ZoneInfo
    start: time = time(9)
    end: time | None = time(18)  # None: midnight at the end of the day
    days: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    # Local day -> its window: a list of items mostly shares a few days, and
    # working out a window (two time-zone conversions) is most of a due date.
    _windows: dict[date, tuple[datetime, datetime] | None] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingTime:
        inbox = settings.inbox
        zone = inbox.timezone or settings.workspace.timezone
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                tr(
                    "%(where)s %(value)r is not a time zone",
                    where=inbox_key("timezone"),
                    value=zone,
                ),
                hint=tr('Use an IANA name such as "Europe/Paris".'),
            ) from exc
        start, end = parse_hours(inbox.working_hours)
        days = set()
        for name in inbox.working_days:
            key = name.strip().lower()[:3]
            if key not in WEEKDAYS:
                raise ConfigError(
                    tr(
                        "%(where)s: %(value)r is not a day",
                        where=inbox_key("working_days"),
                        value=name,
                    ),
                    hint=tr("Use mon, tue … sun."),
                )
            days.add(WEEKDAYS.index(key))
        if not days:
            raise ConfigError(
                tr("%(where)s is empty", where=inbox_key("working_days")),
                hint=tr('List at least one, e.g. ["mon"].'),
            )
        holidays = set()
        for value in inbox.holidays:
            try:
                holidays.add(date.fromisoformat(value.strip()))
            except ValueError as exc:
                raise ConfigError(
                    tr(
                        "%(where)s: %(value)r is not a date",
                        where=inbox_key("holidays"),
                        value=value,
                    ),
                    hint=tr('Write "YYYY-MM-DD".'),
                ) from exc
        return cls(tz, start, end, frozenset(days), frozenset(holidays))

    @property
    def day_length(self) -> timedelta:
        end = timedelta(days=1) if self.end is None else _as_delta(self.end)
        return end - _as_delta(self.start)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of local ``day`` in UTC, or ``None`` on a day off."""
        try:
            return self._windows[day]
        except KeyError:
            pass
        if len(self._windows) > 4096:
            self._windows.clear()
        found = self._windows[day] = self._make_window(day)
        return found

    def _make_window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or day in self.holidays:
            return None
        # Each end when the clock shows it (or passes it, the night it jumps
        # over it): a day 00:00-02:30 the night Paris goes from 02:00 to 03:00
        # ran to 03:30 summer time, half an hour of work that nobody did.
        begin = first_shown(day, self.start, self.tz)
        if self.end is None:
            finish = first_shown(day + timedelta(days=1), time(0), self.tz)
        else:
            finish = first_shown(day, self.end, self.tz)
        return begin.astimezone(UTC), finish.astimezone(UTC)

    def is_working(self, at: datetime) -> bool:
        window = self._window(at.astimezone(self.tz).date())
        return window is not None and window[0] <= at < window[1]

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        day = a.astimezone(self.tz).date()
        last = b.astimezone(self.tz).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                lo, hi = max(a, window[0]), min(b, window[1])
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def add(self, a: datetime, span: timedelta) -> datetime:
        """The moment when ``span`` of working time has passed since ``a``."""
        left = span
        day = a.astimezone(self.tz).date()
        for _ in range(_HORIZON_DAYS):
            window = self._window(day)
            if window is not None:
                lo = max(a, window[0])
                if window[1] > lo:
                    if lo + left <= window[1]:
                        return lo + left
                    left -= window[1] - lo
            day += timedelta(days=1)
        return a + span  # no working time ahead (holidays everywhere): wall time


def _as_delta(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute)


@dataclass(frozen=True)
class Targets:
    """Response targets per priority, in working time."""

    first_response: dict[str, timedelta]
    resolution: dict[str, timedelta]
    due_soon: timedelta

    @classmethod
    def from_settings(cls, settings: Settings, hours: WorkingTime | None = None) -> Targets:
        hours = hours or WorkingTime.from_settings(settings)
        inbox = settings.inbox
        return cls(
            _targets(inbox.first_response_targets, hours, "first_response_targets"),
            _targets(inbox.resolution_targets, hours, "resolution_targets"),
            timedelta(minutes=inbox.due_soon_minutes),
        )


def _targets(values: tuple[str, ...], hours: WorkingTime, name: str) -> dict[str, timedelta]:
    from veille.inbox.model import PRIORITIES

    out: dict[str, timedelta] = {}
    for value in values:
        priority, sep, span = value.partition("=")
        priority = priority.strip().lower()
        where = inbox_key(name)
        if not sep or priority not in PRIORITIES:
            raise ConfigError(
                tr("%(where)s: %(value)r is not priority=duration", where=where, value=value),
                hint=tr(
                    'Write e.g. "urgent=1h"; priorities: %(known)s.', known=", ".join(PRIORITIES)
                ),
            )
        out[priority] = parse_duration(span, hours.day_length, where)
    return out


def check_settings(settings: Settings, source: str) -> None:
    """Refuse an ``[inbox]`` section that cannot be used, naming the file."""
    try:
        Targets.from_settings(settings)
    except ConfigError as exc:
        raise ConfigError(
            tr("%(error)s (in %(source)s)", error=exc.message, source=source), hint=exc.hint
        ) from None


# -- set from the web app ------------------------------------------------------------------

#: The ``[inbox]`` keys the workspace may set (``/inbox/hours``) over veille.toml's.
EDITABLE = (
    "timezone",
    "working_hours",
    "working_days",
    "holidays",
    "first_response_targets",
    "resolution_targets",
    "due_soon_minutes",
)


def _overlay(settings: Settings, values: dict[str, Any]) -> Settings:
    from dataclasses import replace

    known = {k: v for k, v in values.items() if k in EDITABLE}
    for key in ("working_days", "holidays", "first_response_targets", "resolution_targets"):
        if key in known:
            known[key] = tuple(str(v) for v in known[key])
    if "due_soon_minutes" in known:
        known["due_soon_minutes"] = int(known["due_soon_minutes"])
    return replace(settings, inbox=replace(settings.inbox, **known))


def stored(state: Any) -> dict[str, Any]:
    """The ``[inbox]`` keys set in the workspace."""
    return dict(state.inbox_settings())


def working_settings(ws: Workspace) -> Settings:
    """The workspace's settings with the working time and targets set in the
    web app over veille.toml's (what every due date is counted with)."""
    return _overlay(ws.settings, stored(ws.state))


def set_working_time(ws: Workspace, values: dict[str, Any]) -> Settings:
    """Check ``values`` (``EDITABLE`` keys; ``None``: back to veille.toml's)
    together with what is already set, then store them; the settings now."""
    from veille.errors import UsageError

    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise UsageError(
            tr("%(keys)s cannot be set here", keys=", ".join(unknown)),
            hint=tr("Set %(known)s.", known=", ".join(EDITABLE)),
        )
    minutes = values.get("due_soon_minutes")
    if minutes is not None and not 0 <= int(minutes) <= 10_080:
        raise UsageError(
            tr("due soon: %(value)s minutes is out of range", value=minutes),
            hint=tr("Use 0 to 10080 (a week)."),
        )
    merged = {**stored(ws.state), **values}
    merged = {k: v for k, v in merged.items() if v is not None}
    after = _overlay(ws.settings, merged)
    try:
        Targets.from_settings(after)
    except ConfigError as exc:  # its keys said the page's way (inbox_key)
        raise UsageError(exc.message, hint=exc.hint) from None
    ws.state.set_inbox_settings(values)
    return after
