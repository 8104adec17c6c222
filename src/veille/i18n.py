"""Words and numbers as an English or a French reader expects them (Babel).

Everything a person reads (reports, findings, e-mails, CLI sentences) formats
its numbers, dates and plurals here, so that both languages follow one set of
rules:

- numbers, decimals and percentages come from Babel's CLDR data (``12,345`` /
  ``12 345``, ``0.25`` / ``0,25``, ``54%`` / ``54 %``), a half rounded up
  (away from zero: 2.5% reads 3%, as a reader expects), where Python and Babel
  would round it to the even neighbour; stored values are never rounded here;
- dates and times are localized and shown in the workspace's time zone;
- plurals follow CLDR rules (French: 0 and 1 are singular);
- French typography: a narrow no-break space (U+202F) before ``: ; ! ?``,
  inside « » and as the thousands separator and before ``%``. One kind of
  space everywhere, so a line never breaks before a colon or inside a number.

Every helper takes ``lang`` explicitly (nothing global), so the web app's
gettext catalogs (:mod:`veille.web.i18n`: the standard library's
``GNUTranslations``, compiled from the ``.po`` files once) sit beside
these helpers: the catalog gives the words, these functions give the numbers,
dates and plurals inside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from babel import Locale

LANGUAGES = ("en", "fr")
#: The one non-breaking space of French text (narrow: U+202F).
NBSP = "\u202f"
MINUS = "\u2212"  # a real minus sign: a hyphen is too short beside digits


def language_of(tag: str) -> str:
    """The language of a locale tag (``en_GB``, ``fr-CA`` or plain ``fr``):
    ``en`` or ``fr``, anything else English."""
    base = tag.replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else "en"


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of ``lang``: ``en`` or ``fr``, or one of them with a
    region (``en_GB``: days before months, a 24-hour clock), which formats
    numbers and dates the way that region reads them; anything else is
    English. Kept once made: parsing one costs more than formatting a date
    with it, and a page formats dozens."""
    from babel import Locale, UnknownLocaleError

    base = language_of(lang)
    if lang != base:
        try:
            found = Locale.parse(lang.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            found = None
        if found is not None and found.language == base:
            return found
    return Locale.parse(base)


def _spaces(text: str, lang: str) -> str:
    # CLDR mixes U+00A0 (before %), U+2009 (around a range's dash) and U+202F
    # (thousands): keep one, and one that never breaks.
    return (
        text.replace("\u00a0", NBSP).replace("\u2009", NBSP) if language_of(lang) == "fr" else text
    )


#: Each platform's name as people write it (findings, reports, hints).
PLATFORM_NAMES = {
    "mastodon": "Mastodon", "bluesky": "Bluesky", "reddit": "Reddit", "x": "X",
    "hackernews": "Hacker News", "youtube": "YouTube", "wordpress": "WordPress",
    "rss": "RSS", "web": "Web", "files": "Files", "linkedin": "LinkedIn",
    "facebook": "Facebook", "instagram": "Instagram", "tiktok": "TikTok",
}  # fmt: skip


def platform_name(key: str) -> str:
    return PLATFORM_NAMES.get(key, key.capitalize())


# A word that is a name: a capital past its first letter (CSV, LinkedIn).
_NAMED = re.compile(r"\w[^\W\d_]*[A-Z]")


def after_colon(text: str, lang: str) -> str:
    """A sentence written after a colon (« Conseil : … », a hint after its
    label), as ``lang`` writes it: in French, lower case unless it opens
    with a name (« Conseil : choisissez csv ou jsonl », « Conseil : Mastodon
    … »); English keeps its capital ("Hint: Choose …")."""
    if language_of(lang) != "fr" or not text[:1].isupper():
        return text
    first = re.split(r"[\s,.;:!?’'()\u202f\u00a0-]", text, maxsplit=1)[0]
    named = {name.split()[0] for name in PLATFORM_NAMES.values()}
    if _NAMED.match(first) or first in named:
        return text
    return text[:1].lower() + text[1:]


# The first of a month in a French date: a day « 1 » alone, not part of a
# number (2026, 11) nor a time (01:05).
_FIRST_DAY = re.compile(r"(?<![\d:.,])1(?![\d:.,])")


def _first_day(text: str, lang: str) -> str:
    """French writes the first of a month as an ordinal: « 1er décembre 2026 »,
    « 1er–7 déc. 2026 », « 24 nov. – 1er déc. 2026 » (CLDR gives « 1 »)."""
    return _FIRST_DAY.sub("1er", text) if language_of(lang) == "fr" else text


def half_up(value: float | Decimal, digits: int = 0) -> Decimal:
    """``value`` rounded to ``digits`` after the point, a half away from zero
    (2.5 → 3, −0.125 → −0.13 at 2 digits): how people round, where Python's
    round() and Babel give the even neighbour (2.5 → 2). A float is taken as
    it is written (0.125, not its binary neighbour), so what reads as a half
    is rounded as one. Every figure shown to people is rounded here."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if not exact.is_finite():
        return exact  # Babel writes ∞ and NaN as they are
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)  # −0.2% reads 0%, not −0%


def percent_shown(share: float, digits: int = 0) -> Decimal:
    """The percentage a reader is shown for ``share`` (0.025 → 3): the one
    rounding that sentences comparing two shares must agree with."""
    return half_up(Decimal(repr(float(share))) * 100, digits)


def shares_shown(shares: Sequence[float | None], digits: int = 0) -> list[float | None]:
    """The shares of a table read as a whole (posts by platform, the share of
    voice), as its rows show them: rounded so that, ``digits`` after the
    point, their percentages add up to 100 (largest remainder: each is cut
    down, and the units left go to the largest parts cut off), where each
    rounded half up on its own made 33% + 33% + 33% or 50.0% + 16.7% + 16.7%
    + 16.7%. For display only: the figures given as numbers (JSON, CSV) stay
    exact. A share that is not nothing keeps its own (shown "<1%"), and so
    does one short of the whole (">99%"); unknown shares (``None``) stay
    unknown, and shares that do not make a whole (some rows of a table) are
    left as they are."""
    known = [(i, s) for i, s in enumerate(shares) if s is not None]
    if not known or abs(sum(s for _i, s in known) - 1) > 1e-9:
        return list(shares)
    scale = 100 * 10**digits
    exact = [Decimal(repr(float(s))) * scale for _i, s in known]
    units = [int(e) for e in exact]  # cut down (shares are not negative)
    # Ties: the larger share, then the row shown first.
    order = sorted(range(len(known)), key=lambda k: (units[k] - exact[k], -exact[k], k))
    for k in order[: scale - sum(units)]:
        units[k] += 1
    out = list(shares)
    for (i, s), unit in zip(known, units, strict=True):
        if not (unit == 0 < s or (s < 1 and unit == scale)):
            out[i] = unit / scale
    return out


def format_number(value: float, lang: str) -> str:
    """A whole number with thousands separators: ``12,345`` / ``12 345``."""
    from babel.numbers import format_decimal as fmt

    return _spaces(fmt(half_up(value), locale=locale(lang)), lang).replace("-", MINUS)


def format_decimal(value: float, lang: str, digits: int = 1, *, trim: bool = True) -> str:
    """``2.5`` / ``2,5``; ``digits`` after the point, trailing zeros dropped
    when ``trim`` (``2`` rather than ``2.0``)."""
    from babel.numbers import format_decimal as fmt

    pattern = "#,##0." + ("#" if trim else "0") * digits if digits else "#,##0"
    text = fmt(half_up(value, digits), format=pattern, locale=locale(lang))
    return _spaces(text, lang).replace("-", MINUS)


def format_money(value: float, lang: str, currency: str) -> str:
    """An amount of ``currency`` (ISO 4217) as ``lang`` writes it: ``€1,234.50``
    / ``1 234,50 €``, with the currency's own number of decimals (none for
    the yen), a half rounded up as every figure here."""
    from babel.numbers import format_currency, get_currency_precision

    digits = get_currency_precision(currency)
    text = format_currency(half_up(value, digits), currency, locale=locale(lang))
    return _spaces(text, lang).replace("-", MINUS)


def format_signed(value: float, lang: str, digits: int = 2) -> str:
    """``+0.25`` / ``+0,25`` / ``−0,50``; a value that rounds to zero has no sign."""
    if not half_up(value, digits):
        return format_decimal(0, lang, digits, trim=False)
    text = format_decimal(abs(value), lang, digits, trim=False)
    return ("+" if value > 0 else MINUS) + text


def format_percent(share: float, lang: str, digits: int = 0) -> str:
    """A share (0.544) as a percentage: ``54%`` / ``54 %``. A share that is
    not nothing never reads 0, nor one short of the whole 100: within what
    ``digits`` show of them, it is ``<1%`` / ``< 1 %`` and ``>99%`` /
    ``> 99 %`` (8 posts of 1,630 read "0%", as if there were none)."""
    from babel.numbers import format_percent as fmt

    step = 10.0**-digits / 100  # the least share shown
    space = NBSP if language_of(lang) == "fr" else ""
    if share > 0 and not percent_shown(share, digits):
        return "<" + space + format_percent(step, lang, digits)
    if share < 1 and percent_shown(share, digits) == 100:
        return ">" + space + format_percent(1 - step, lang, digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    # Rounded here, as a percentage: Babel would round its half to even.
    shown = percent_shown(share, digits) / 100
    text = fmt(shown, format=pattern, locale=locale(lang))
    if language_of(lang) == "fr":  # the pattern carries no space: French wants one
        text = text.replace("%", NBSP + "%").replace("\u00a0" + NBSP, NBSP)
    return _spaces(text, lang).replace("-", MINUS)


def format_change(change: float | None, lang: str) -> str:
    """A relative change: ``+25%``, ``−10%``, ``±0%`` or ``new`` / ``nouveau`` (from nothing)."""
    if change is None:
        return "nouveau" if language_of(lang) == "fr" else "new"
    value = int(percent_shown(change))
    sign = "+" if value > 0 else MINUS if value < 0 else "±"
    return sign + format_percent(abs(value) / 100, lang)


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return ZoneInfo("UTC")
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def format_date(when: date | datetime, lang: str, tz: str | tzinfo | None = None) -> str:
    """``October 3, 2026`` / ``3 octobre 2026``; a date-time is first moved to ``tz``."""
    from babel.dates import format_date as fmt

    day = when.astimezone(_zone(tz)).date() if isinstance(when, datetime) else when
    return _first_day(fmt(day, "long", locale=locale(lang)), lang)


def format_datetime(
    when: datetime, lang: str, tz: str | tzinfo | None = None, *, zone: bool = False
) -> str:
    """``Oct 3, 2026, 2:05 PM`` / ``3 oct. 2026 à 14:05`` in ``tz``; with
    ``zone``, the time zone's name follows in parentheses, so a reader knows
    which clock the time is on."""
    local = when.astimezone(_zone(tz))
    text = _medium_date(local.date(), lang)
    text += (" à " if language_of(lang) == "fr" else ", ") + _short_time(
        local.hour, local.minute, lang
    )
    if zone:
        text += f" ({_zone_name(local, tz)})"
    return _spaces(text, lang)


def format_medium_date(day: date, lang: str) -> str:
    """``Mar 1, 2026`` / ``1er mars 2026``: a day in a list or a line."""
    return _medium_date(day, lang)


def format_time(when: datetime, lang: str) -> str:
    """The time of day of ``when`` (already in the reader's zone), as every page
    and e-mail writes it: ``2:05 PM`` / ``14:05``."""
    return _spaces(_short_time(when.hour, when.minute, lang), lang)


# A list page formats dozens of date-times that share a few days and minutes:
# each day's and each minute's text is made once (Babel takes ~0.2 ms a call).
@lru_cache(maxsize=4096)
def _medium_date(day: date, lang: str) -> str:
    from babel.dates import format_date as fmt_date

    return _first_day(fmt_date(day, "medium", locale=locale(lang)), lang)


@lru_cache(maxsize=4096)
def _short_time(hour: int, minute: int, lang: str) -> str:
    from datetime import time

    from babel.dates import format_time as fmt_time

    return fmt_time(time(hour, minute), "short", locale=locale(lang))


def _zone_name(local: datetime, tz: str | tzinfo | None) -> str:
    key = getattr(_zone(tz), "key", None)
    return str(key) if key else local.strftime("UTC%z")


def format_period(
    since: datetime, until: datetime, lang: str, tz: str | tzinfo | None = None
) -> str:
    """A half-open period ``[since, until)`` as days: ``Oct 26 – Nov 1, 2026`` /
    ``26 oct. – 1er nov. 2026`` (``until`` is excluded, so the last day shown is
    the day before it ends)."""
    from datetime import timedelta

    from babel.dates import format_interval

    zone = _zone(tz)
    first = since.astimezone(zone).date()
    last = (until - timedelta(seconds=1)).astimezone(zone).date()
    if first == last:
        return format_date(first, lang)
    text = format_interval(first, last, "yMMMd", locale=locale(lang))
    return _first_day(_spaces(text, lang), lang)


def plural(count: float | Decimal, lang: str, one: str, other: str) -> str:
    """``one`` or ``other`` by CLDR's rule for ``count`` (French: 0 and 1 are
    singular; English: only 1). A Decimal counts its written decimals:
    ``1.0`` is plural in English, ``1,5`` singular in French."""
    size = count.copy_abs() if isinstance(count, Decimal) else abs(count)
    form = locale(lang).plural_form(size)
    return one if form == "one" else other


def count(n: float, lang: str, one: str, other: str) -> str:
    """``1 publication pertinente`` / ``12 345 publications pertinentes``."""
    return f"{format_number(n, lang)} {plural(n, lang, one, other)}"


def count_decimal(value: float, lang: str, one: str, other: str, digits: int = 1) -> str:
    """``6.0 posts``, ``1.0 posts`` / ``1,5 publication``, ``6,0 publications``:
    a figure written with ``digits`` decimals and the noun that agrees with it
    as written (an average, where :func:`count` says a whole number)."""
    said = half_up(value, digits)
    return f"{format_decimal(value, lang, digits, trim=False)} {plural(said, lang, one, other)}"


def join(items: Iterable[str], lang: str) -> str:
    """``a, b and c`` / ``a, b et c``."""
    from babel.lists import format_list

    return format_list(list(items), locale=locale(lang))


def quote(text: str, lang: str) -> str:
    """``“text”`` / ``« text »``."""
    return f"«{NBSP}{text}{NBSP}»" if language_of(lang) == "fr" else f"“{text}”"


_BEFORE = re.compile(r"[ \u00a0\u202f]+([:;!?»])")
_AFTER = re.compile(r"«[ \u00a0\u202f]*")


def typography(text: str, lang: str) -> str:
    """French punctuation spacing for sentences we write (never post content):
    the space before ``: ; ! ? »`` and after ``«`` becomes U+202F. A colon
    written without a space (``https:``, ``10:05``) is left alone."""
    if language_of(lang) != "fr":
        return text
    return _AFTER.sub("«" + NBSP, _BEFORE.sub(NBSP + r"\1", text))


def colon(lang: str) -> str:
    """The colon of a label: ``:`` / `` :`` (with U+202F)."""
    return NBSP + ":" if language_of(lang) == "fr" else ":"


def language_name(code: str, lang: str) -> str:
    """``fr`` as ``French`` / ``français``; a code Babel does not know is shown as is."""
    name = locale(lang).languages.get(code.lower())
    return str(name) if name else code


def country_name(code: str, lang: str) -> str:
    """``FR`` as ``France``; a code Babel does not know is shown as is."""
    name = locale(lang).territories.get(code.upper())
    return str(name) if name else code


#: A post without an author (an empty handle, see veille.models.Author), as a
#: reader reads it; the web pages say the same through their catalog.
NO_AUTHOR = {"en": "author unknown", "fr": "auteur inconnu"}


def author_label(handle: str, lang: str, *, at: str = "@") -> str:
    """A post's author as a reader reads it: ``@alice`` (``at`` before the
    handle), or ``author unknown`` / ``auteur inconnu`` for a post without one,
    never a bare ``@``."""
    return f"{at}{handle}" if handle else NO_AUTHOR.get(lang, NO_AUTHOR["en"])
