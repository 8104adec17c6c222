"""Times as people read them: in the workspace's time zone, saying which.

A time without its zone is a guess for the reader (an e-mail read in Montréal
about posts collected in Paris); every time veille shows a person (e-mails,
reports) goes through here, in the workspace's ``[workspace] timezone``:
``Mar 1, 2026, 8:00 AM (Europe/Paris)`` / ``1 mars 2026 à 08:00 (Europe/Paris)``,
written as the web pages write a time (:func:`veille.i18n.format_datetime`),
so that an e-mail and the page it links to show the same clock.
Machine formats (webhook JSON, Atom, the ``Date:`` header) keep ISO 8601 or
RFC 5322 with their offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from veille.errors import Place, UnclearTime, tr


def zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def zone_name(tz: str | tzinfo) -> str:
    """``Europe/Paris``; a fixed offset as ``UTC+01:00``."""
    if isinstance(tz, str):
        return tz
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    offset = datetime.now(tz).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def clock(when: datetime, lang: str, tz: str | tzinfo) -> str:
    """The time of day alone, as the pages write it: ``8:00 AM`` / ``08:00``."""
    from veille.i18n import format_time

    return format_time(when.astimezone(zone(tz)), lang)


def day(when: datetime, lang: str, tz: str | tzinfo) -> str:
    """``Mar 1, 2026`` / ``1er mars 2026``."""
    from veille.i18n import format_medium_date

    return format_medium_date(when.astimezone(zone(tz)).date(), lang)


def moment(when: datetime, lang: str, tz: str | tzinfo) -> str:
    """``Mar 1, 2026, 8:00 AM (Europe/Paris)`` / ``1 mars 2026 à 08:00 (Europe/Paris)``:
    the pages' date and time (:func:`veille.i18n.format_datetime`) with the zone."""
    from veille.i18n import format_datetime

    return format_datetime(when, lang, zone(tz), zone=False) + f" ({zone_name(tz)})"


def hours(since: datetime, until: datetime, lang: str, tz: str | tzinfo) -> str:
    """A span within a day: ``Mar 1, 2026, 8:00 AM – 9:00 AM (Europe/Paris)`` /
    ``1 mars 2026, 08:00 – 09:00 (Europe/Paris)``."""
    return (
        f"{day(since, lang, tz)}, {clock(since, lang, tz)} – {clock(until, lang, tz)} "
        f"({zone_name(tz)})"
    )


def days(since: datetime, until: datetime, tz: str | tzinfo) -> str:
    """A half-open span of whole days as ISO dates (``until`` excluded)."""
    start = since.astimezone(zone(tz))
    end = (until - timedelta(seconds=1)).astimezone(zone(tz))
    if start.date() == end.date():
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def date_header(when: datetime, tz: str | tzinfo) -> str:
    """An RFC 5322 ``Date:`` value with the workspace's offset."""
    return format_datetime(when.astimezone(zone(tz)))


def clock_change(when: datetime) -> datetime | None:
    """The instant the clock changes near ``when`` (a wall time with its
    zone), where the clock shows that time twice (the night it goes back) or
    never (the night it goes forward); None where it shows it once."""
    first, second = when.replace(fold=0), when.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    zone = when.tzinfo
    lo, hi = sorted((int(first.timestamp()), int(second.timestamp())))
    before = datetime.fromtimestamp(lo, zone).utcoffset()
    while hi - lo > 1:  # the change lies between the two readings
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def first_shown(day: date, at: time, tz: tzinfo) -> datetime:
    """When the clock in ``tz`` first shows ``at`` on ``day``, or passes it:
    the first of the two the night it goes back, and the jump itself the
    night it goes forward over ``at`` (02:30 in Paris on 29 March 2026 is
    passed at 03:00 summer time; ``datetime`` reads it as 03:30)."""
    local = datetime.combine(day, at, tzinfo=tz)
    shown = local.astimezone(UTC).astimezone(tz)
    if shown.time() == at:  # the clock shows it (once or twice): most days, cheaply
        return local
    change = clock_change(local)
    return local if change is None else change.astimezone(tz)


def _offset(when: datetime) -> str:
    """``+02:00``: ``when``'s offset from UTC, as ISO 8601 writes it."""
    text = when.strftime("%z")
    return f"{text[:3]}:{text[3:5]}"


def check_shown_once(when: datetime, field: str, *, page: str | None = None) -> None:
    """Refuse a wall time typed without an offset (``when``, with its zone,
    fold 0) that the clock shows twice or never, as :class:`UnclearTime`
    naming ``field``: ``datetime`` reads the first as the first of the two,
    and the second an hour later than typed. ``page``: how a form without
    an offset says which (the hint tells others to write the offset)."""
    change = clock_change(when)
    if change is None:
        return
    zone = when.tzinfo
    timezone = zone_name(zone) if zone is not None else "UTC"
    old = (change - timedelta(seconds=1)).astimezone(zone)
    new = change.astimezone(zone)
    shown = when.strftime("%Y-%m-%d %H:%M")
    # The clock's two readings of the change: 03:00 then 02:00 (back), or
    # 02:00 then 03:00 (forward); "old" shows a second before it.
    left = (old + timedelta(seconds=1)).strftime("%H:%M")
    right = new.strftime("%H:%M")
    if new.utcoffset() > old.utcoffset():  # type: ignore[operator]
        raise UnclearTime(
            tr("%(field)s %(value)s does not happen in %(zone)s: that night the clocks go "
               "forward from %(before)s to %(after)s",
               field=field, value=shown, zone=timezone, before=left, after=right),
            hint=tr("Give a time before %(before)s or from %(after)s on.",
                    before=left, after=right),
        )  # fmt: skip
    first = _offset(when.replace(fold=0))
    second = _offset(when.replace(fold=1))
    raise UnclearTime(
        tr("%(field)s %(value)s happens twice in %(zone)s: that night the clocks go back "
           "from %(before)s to %(after)s, so it comes at UTC%(first)s, then at UTC%(second)s",
           field=field, value=shown, zone=timezone, before=left, after=right,
           first=first, second=second),
        hint=tr("Say which: %(how)s.", how=Place(
            tr("write %(first)s or %(second)s", first=shown + first, second=shown + second),
            page=page)),
        offsets=(first, second),
    )  # fmt: skip
