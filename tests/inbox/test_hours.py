"""Working time and response targets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from veille.config import InboxSettings, Settings, WorkspaceSettings, parse_settings
from veille.errors import ConfigError
from veille.inbox.hours import Targets, WorkingTime
from veille.inbox.model import Item
from veille.inbox.targets import due_state


def _settings(**inbox: object) -> Settings:
    return Settings(
        workspace=WorkspaceSettings(timezone="Europe/Paris"),
        inbox=InboxSettings(**inbox),  # type: ignore[arg-type]
    )


def paris(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)  # type: ignore[misc]


def test_an_urgent_item_on_friday_evening_is_due_on_monday() -> None:
    hours = WorkingTime.from_settings(_settings())
    # Friday 2026-12-04 17:30 in Paris; hours 09:00-18:00 Mon-Fri.
    assert hours.add(paris(2026, 12, 4, 17, 30), timedelta(hours=1)) == paris(2026, 12, 7, 9, 30)
    assert hours.between(paris(2026, 12, 4, 17, 30), paris(2026, 12, 7, 9, 30)) == timedelta(
        hours=1
    )


def test_holidays_are_skipped_and_a_day_is_a_working_day() -> None:
    s = _settings(holidays=("2026-12-25",))
    hours = WorkingTime.from_settings(s)
    assert hours.add(paris(2026, 12, 24, 17, 0), timedelta(hours=2)) == paris(2026, 12, 28, 10, 0)
    targets = Targets.from_settings(s)
    assert targets.first_response["normal"] == timedelta(hours=9)


def test_all_day_hours() -> None:
    hours = WorkingTime.from_settings(
        _settings(
            working_hours="00:00-24:00",
            working_days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        )
    )
    start = paris(2026, 12, 5, 23, 0)
    assert hours.add(start, timedelta(hours=3)) == start + timedelta(hours=3)


def test_due_soon_is_highlighted_before_the_breach() -> None:
    s = _settings()
    hours, targets = WorkingTime.from_settings(s), Targets.from_settings(s)
    created = paris(2026, 12, 7, 10, 0)
    item = Item(1, "m:1", "mastodon", "a", "t", created, created, created, priority="urgent")
    assert due_state(item, hours, targets, paris(2026, 12, 7, 10, 10)).state == "ok"
    assert due_state(item, hours, targets, paris(2026, 12, 7, 10, 40)).state == "due_soon"
    assert due_state(item, hours, targets, paris(2026, 12, 7, 11, 1)).state == "breached"
    answered = replace(item, first_response_at=paris(2026, 12, 7, 10, 50), status="responded")
    assert due_state(answered, hours, targets, paris(2026, 12, 8)).state == "met"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("working_hours", "18:00-09:00", "ends before it starts"),
        ("working_days", ["someday"], "is not a day"),
        ("holidays", ["25/12/2026"], "is not a date"),
        ("first_response_targets", ["urgent=soon"], "is not a duration"),
        ("first_response_targets", ["asap=1h"], "priority=duration"),
    ],
)
def test_bad_inbox_settings_name_the_key(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_settings({"inbox": {key: value}})


def test_working_time_set_in_the_workspace_wins_over_veille_toml(inbox_ws) -> None:
    from veille.errors import UsageError
    from veille.inbox.hours import EDITABLE, set_working_time, working_settings

    assert working_settings(inbox_ws).inbox == inbox_ws.settings.inbox
    set_working_time(inbox_ws, {"working_hours": "07:00-15:00", "holidays": ["2026-12-25"]})
    set_working_time(inbox_ws, {"first_response_targets": ["urgent=20m"]})
    inbox = working_settings(inbox_ws).inbox
    assert inbox.working_hours == "07:00-15:00" and inbox.holidays == ("2026-12-25",)
    assert inbox.first_response_targets == ("urgent=20m",)
    assert inbox.working_days == inbox_ws.settings.inbox.working_days  # veille.toml's
    # Checked with what is already set; nothing is stored when refused.
    with pytest.raises(UsageError, match="not a date"):
        set_working_time(inbox_ws, {"holidays": ["Christmas"]})
    with pytest.raises(UsageError, match="out of range"):
        set_working_time(inbox_ws, {"due_soon_minutes": 99_999})
    with pytest.raises(UsageError, match="cannot be set here"):
        set_working_time(inbox_ws, {"require_approval": True})
    assert working_settings(inbox_ws).inbox.holidays == ("2026-12-25",)
    set_working_time(inbox_ws, dict.fromkeys(EDITABLE))
    assert working_settings(inbox_ws).inbox == inbox_ws.settings.inbox


def _every_day(zone: str, working_hours: str) -> WorkingTime:
    return WorkingTime.from_settings(
        Settings(
            workspace=WorkspaceSettings(timezone=zone),
            inbox=InboxSettings(working_hours=working_hours, working_days=(
                "mon", "tue", "wed", "thu", "fri", "sat", "sun")),
        )
    )  # fmt: skip


def _at(zone: str, *args: int, fold: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "forward", "back", "worked_back"),
    [# Paris goes back from 03:00 to 02:00: 02:30 comes twice, work ends or
     # starts at the first.
     ("Europe/Paris", (2026, 3, 29), (2026, 10, 25), (2.5, 4.5)),
     # Montréal goes back from 02:00 to 01:00: the hour before 02:30 twice.
     ("America/Montreal", (2026, 3, 8), (2026, 11, 1), (3.5, 3.5))],
)  # fmt: skip
def test_working_time_over_the_nights_the_clocks_change(
    zone: str,
    forward: tuple[int, int, int],
    back: tuple[int, int, int],
    worked_back: tuple[float, float],
) -> None:
    """Response times are the time that passed at work: a working day that
    ends at 02:30 (a night shift) the night the clock jumps from 02:00 to
    03:00 ends at the jump, and one that starts then starts at the jump
    (both read 02:30 as 03:30 summer time: half an hour of work gained, half
    an hour lost). The night the clock goes back, 02:30 is its first."""
    early, late = _every_day(zone, "00:00-02:30"), _every_day(zone, "02:30-06:00")
    y, m, d = forward
    assert early.between(_at(zone, y, m, d), _at(zone, y, m, d, 12)) == timedelta(hours=2)
    assert late.between(_at(zone, y, m, d), _at(zone, y, m, d, 12)) == timedelta(hours=3)
    # A reply due after an hour and a half of work, from 01:00: an hour
    # until the jump, then the next day's first half hour; or from the jump
    # (03:00 summer time, not 03:30) to 04:30.
    assert early.add(_at(zone, y, m, d, 1), timedelta(minutes=90)) == _at(zone, y, m, d + 1, 0, 30)
    assert late.add(_at(zone, y, m, d, 1), timedelta(minutes=90)) == _at(zone, y, m, d, 4, 30)
    y, m, d = back
    assert early.between(_at(zone, y, m, d), _at(zone, y, m, d, 12)) == timedelta(
        hours=worked_back[0]
    )
    assert late.between(_at(zone, y, m, d), _at(zone, y, m, d, 12)) == timedelta(
        hours=worked_back[1]
    )
    # All day, every day: the day the clock goes back has 25 hours, the day it
    # goes forward 23, as a clock on the wall counts them.
    always = _every_day(zone, "00:00-24:00")
    for night, hours in ((back, 25), (forward, 23)):
        noon = _at(zone, *night, 12)
        eve = datetime.combine(date(*night) - timedelta(days=1), time(12))
        assert always.between(_at(zone, *eve.timetuple()[:4]), noon) == timedelta(hours=hours)
