"""Every setting of a Google alert, read as the export writes it (``DAILY``,
``fr``, ``FR``, ``HIGH``) or as people copy it from the settings page in
English or French ("At most once a day", "Au fur et à mesure", "Français",
"Uniquement les meilleurs résultats"). A value not listed here is reported,
never replaced by a default: an alert that silently filters on a language
nobody writes in, or arrives daily instead of weekly, is worse than an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from veille.alerts.model import parse_weekday
from veille.errors import Text, UsageError, tr
from veille.textnorm import fold


def key(value: str) -> str:
    """A label as compared: folded, apostrophes, hyphens and underscores as spaces."""
    return re.sub(r"[\s_\-'’]+", " ", fold(value)).strip()


def _table(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {key(label): value for value, labels in groups.items() for label in labels}


FREQUENCIES = _table({
    "instant": ("AS_IT_HAPPENS", "REALTIME", "As-it-happens", "As it happens",
                "Au fur et à mesure"),
    "hourly": ("HOURLY",),
    "daily": ("DAILY", "At most once a day", "Once a day", "Au maximum une fois par jour",
              "Une fois par jour"),
    "weekly": ("WEEKLY", "At most once a week", "Once a week",
               "Au maximum une fois par semaine", "Une fois par semaine"),
})  # fmt: skip
QUALITIES = _table({
    "best": ("HIGH", "BEST", "Only the best results", "Uniquement les meilleurs résultats"),
    "all": ("ALL", "LOW", "All results", "Tous les résultats"),
})  # fmt: skip
SOURCES = _table({
    "automatic": ("AUTOMATIC", "AUTO", "Automatic", "Automatique"),
    "news": ("NEWS", "News", "Actualités"),
    "blogs": ("BLOGS", "BLOG", "Blogs"),
    "web": ("WEB", "Web"),
    "video": ("VIDEO", "VIDEOS", "Video", "Vidéo", "Vidéos"),
    "books": ("BOOKS", "Books", "Livres"),
    "discussions": ("DISCUSSIONS", "Discussions"),
    "finance": ("FINANCE", "Finance"),
})  # fmt: skip
METHODS = _table({
    "email": ("EMAIL", "E-mail", "Email", "Adresse e-mail"),
    "rss": ("RSS", "RSS feed", "Flux RSS"),
})  # fmt: skip
ANY = {key(v) for v in ("", "ANY", "ALL", "Any language", "Toutes les langues", "Any region",
                        "Toutes les régions", "All languages", "All regions")}  # fmt: skip

# What the hint lists, the way the settings page shows it.
ACCEPTED = {
    "delivery_frequency": "As-it-happens / Au fur et à mesure, At most once a day / "
    "Au maximum une fois par jour, At most once a week / Au maximum une fois par semaine "
    "(or AS_IT_HAPPENS, HOURLY, DAILY, WEEKLY)",
    "quality": "Only the best results / Uniquement les meilleurs résultats, "
    "All results / Tous les résultats (or HIGH, ALL)",
    "source": "Automatic / Automatique, News / Actualités, Blogs, Web, Video / Vidéo, "
    "Books / Livres, Discussions, Finance",
    "delivery_method": "Email / E-mail, RSS feed / Flux RSS (or EMAIL, RSS)",
    "language": "Any language / Toutes les langues, a language code (en, fr, de…) "
    "or its name in English or French (French, Français)",
    "country": "Any region / Toutes les régions, a country code (FR, CA, US…) "
    "or its name in English or French (Canada, Allemagne)",
    "delivery_time": "a time of day (08:00, 8:00 AM, 8 h), with a weekday for weekly "
    "alerts (Tuesday, mardi), or {hour, minute, day_of_week}",
}


def _languages() -> dict[str, str]:
    """Languages veille can detect (lingua), by code and English/French name."""
    from babel import Locale
    from lingua import Language

    codes = {lang.iso_code_639_1.name.lower() for lang in Language.all()}
    out = {c: c for c in codes}
    for loc in (Locale("en"), Locale("fr")):
        for code in codes:
            name = loc.languages.get(code)
            if name:
                out[key(name)] = code
    return out


def _regions() -> dict[str, str]:
    from babel import Locale

    out: dict[str, str] = {}
    for loc in (Locale("en"), Locale("fr")):
        for code, name in loc.territories.items():
            if len(code) == 2 and code.isalpha():
                out[key(code)] = code
                out[key(name)] = code
    return out


@dataclass(frozen=True)
class GoogleSettings:
    """One Google alert's settings in veille's terms."""

    language: str | None  # ISO 639-1, None: any language
    region: str | None  # ISO 3166 code, None: any region
    sources: tuple[str, ...]
    best: bool
    method: str  # email | rss
    frequency: str  # instant | hourly | daily | weekly
    at: str
    weekday: int


class Reader:
    """Reads records, collecting every value it does not know as ``(field, value)``."""

    def __init__(self) -> None:
        self.languages = _languages()
        self.regions = _regions()
        self.problems: list[tuple[str, Any]] = []

    def _one(self, fld: str, raw: Any, table: dict[str, str]) -> str | None:
        if not isinstance(raw, str) or key(raw) not in table:
            self.problems.append((fld, raw))
            return None
        return table[key(raw)]

    @staticmethod
    def _many(raw: Any) -> list[Any]:
        return raw if isinstance(raw, list) else [raw]

    def language(self, raw: Any) -> str | None:
        if raw is None or (isinstance(raw, str) and key(raw) in ANY):
            return None
        if isinstance(raw, str):
            k = key(raw)
            # Google writes some languages with a region: zh-CN, pt-BR.
            primary = k.split(" ")[0] if re.fullmatch(r"[a-z]{2} [a-z]{2}", k) else k
            if primary in self.languages:
                return self.languages[primary]
        self.problems.append(("language", raw))
        return None

    def region(self, raw: Any) -> str | None:
        if raw is None or (isinstance(raw, str) and key(raw) in ANY):
            return None
        return self._one("country", raw, self.regions)

    def read(self, rec: dict[str, Any]) -> GoogleSettings:
        sources = tuple(
            s
            for raw in self._many(rec.get("source"))
            if raw is not None and (s := self._one("source", raw, SOURCES)) is not None
        )
        qualities = [
            q
            for raw in self._many(rec.get("quality"))
            if raw is not None and (q := self._one("quality", raw, QUALITIES)) is not None
        ]
        method = "email"
        raw_method = rec.get("delivery_method")
        if raw_method is not None:
            method = self._one("delivery_method", raw_method, METHODS) or "email"
        # Google's own default is "At most once a day"; a value given must be known.
        frequency = "daily"
        if rec.get("delivery_frequency") is not None:
            got = self._one("delivery_frequency", rec["delivery_frequency"], FREQUENCIES)
            frequency = got or "daily"
        at, day = "08:00", 0
        if rec.get("delivery_time") is not None:
            try:
                at, day = delivery_time(rec["delivery_time"])
            except UsageError:
                self.problems.append(("delivery_time", rec["delivery_time"]))
        return GoogleSettings(
            language=self.language(rec.get("language")),
            region=self.region(rec.get("country", rec.get("region"))),
            sources=sources, best="best" in qualities, method=method,
            frequency=frequency, at=at, weekday=day,
        )  # fmt: skip


_FILLER = {"at", "a", "le", "on", "the", "every", "each", "chaque", "h", "am", "pm", "utc"}


def delivery_time(value: Any) -> tuple[str, int]:
    """``delivery_time`` as ``(HH:MM, weekday)``: ``"8:00 PM"``, ``"mardi 07 h 30"``,
    ``{"hour": 7, "day_of_week": "TUESDAY"}``; a :class:`UsageError` otherwise."""
    at, day = "08:00", 0
    if isinstance(value, str):
        text = value.strip()
        m = re.search(r"(\d{1,2})\s*(?::|h)\s*(\d{2})?|(\d{1,2})\s*(?=am|pm)", text, re.I)
        if not m:
            raise UsageError(tr("no time of day in %(value)r", value=value))
        hour, minute = int(m.group(1) or m.group(3)), int(m.group(2) or 0)
        ampm = re.search(r"\b(am|pm)\b|(?<=\d)(am|pm)\b", text, re.I)
        if ampm:
            half = (ampm.group(1) or ampm.group(2)).lower()
            if not 1 <= hour <= 12:
                raise UsageError(tr("%(value)r is not a time", value=value))
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise UsageError(tr("%(value)r is not a time", value=value))
        at = f"{hour:02d}:{minute:02d}"
        for word in re.findall(r"[^\W\d_]+", text):
            if fold(word) in _FILLER:
                continue
            if not _is_weekday(word):  # "March" is not "mar(di)": whole words only
                raise UsageError(tr("%(word)r is not a day of the week", word=word))
            day = parse_weekday(word)
        return at, day
    if isinstance(value, dict):
        h: Any = value.get("hour", value.get("hours"))
        mi: Any = value.get("minute", value.get("minutes", 0)) or 0
        tod = value.get("time_of_day")
        if isinstance(tod, str | dict):
            at = delivery_time(tod)[0]
        elif isinstance(h, int) and isinstance(mi, int):
            if not (0 <= h <= 23 and 0 <= mi <= 59):
                raise UsageError(tr("%(h)s:%(mi)s is not a time", h=h, mi=mi))
            at = f"{h:02d}:{mi:02d}"
        elif h is not None:
            raise UsageError(tr("hour %(h)r is not a time", h=h))
        dow = value.get("day_of_week", value.get("day"))
        if isinstance(dow, str):
            if not _is_weekday(dow):
                raise UsageError(tr("%(dow)r is not a day of the week", dow=dow))
            day = parse_weekday(dow)
        elif isinstance(dow, int) and 1 <= dow <= 7:
            day = dow - 1  # ISO: 1 is Monday
        elif dow is not None:
            raise UsageError(tr("%(dow)r is not a day of the week", dow=dow))
        return at, day
    raise UsageError(tr("%(value)r is not a delivery time", value=value))


_WEEKDAYS = {key(d) for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    "lun", "mar", "mer", "jeu", "ven", "sam", "dim",
)}  # fmt: skip


def _is_weekday(word: str) -> bool:
    return key(word) in _WEEKDAYS


def problem_lines(query: str, problems: list[tuple[str, Any]]) -> list[Text]:
    return [tr("alert “%(query)s”: %(field)s %(value)r is not a value veille knows",
               query=query, field=fld, value=value)
            for fld, value in problems]  # fmt: skip


def hint_for(fields: list[str]) -> Text:
    seen = list(dict.fromkeys(fields))
    # The accepted values are the export's own codes and labels: not translated.
    accepted = "; ".join(f"{f}: {ACCEPTED[f]}" for f in seen)
    return tr("Accepted values — %(accepted)s.", accepted=accepted)
