"""Moving in from Google Alerts: read the Takeout / Data Portability export
(``alerts.subscriptions``: query, language, country, source, quality,
delivery_method EMAIL|RSS, delivery_frequency, delivery_time, email_address)
and create the matching topics and alerts, saying what was translated and what was not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veille.alerts.channels import ChannelContext, channel_for
from veille.alerts.matching import topic_query
from veille.alerts.model import Alert, AlertBook, parse_weekday
from veille.errors import InputError, UsageError, VeilleError
from veille.query.topics import add_topic
from veille.textnorm import fold
from veille.workspace import Workspace

_FREQ = {"AS_IT_HAPPENS": "instant", "REALTIME": "instant", "HOURLY": "hourly",
         "DAILY": "daily", "WEEKLY": "weekly"}  # fmt: skip
_OPS = [
    (re.compile(r"\ballintitle:\s*(.+)$", re.I), "allintitle:", "title:"),
    (re.compile(r"\bintitle:", re.I), "intitle:", "title:"),
    (re.compile(r"\binurl:", re.I), "inurl:", "url:"),
    (re.compile(r"\bintext:", re.I), "intext:", "text:"),
    (re.compile(r"\s\|\s"), "|", "OR"),
    (re.compile(r"(^|\s)\+(?=\w)"), "+word", "word"),
]
_DROP = [(re.compile(r"\bAROUND\(\d+\)", re.I), "AROUND(n)"), (re.compile(r"\s\*\s"), "*")]


def _replacer(new: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        lead = m.group(1) if m.groups() else ""
        return lead + ("" if new == "word" else f" {new} " if new == "OR" else new)

    return repl


def translate_query(query: str) -> tuple[str, list[str]]:
    """Google's operators in veille's language; the notes say what changed."""
    notes: list[str] = []
    q = query.strip()
    for rx, label in _DROP:
        if rx.search(q):
            q = rx.sub(" ", q)
            notes.append(f"{label} has no equivalent and was dropped")
    m = _OPS[0][0].search(q)
    if m:
        words = " ".join(f"title:{w}" for w in m.group(1).split())
        q = q[: m.start()] + words
        notes.append("allintitle: → title: on each word")
    for rx, old, new in _OPS[1:]:
        if rx.search(q):
            q = rx.sub(_replacer(new), q)
            notes.append(f"{old} → {new if new != 'word' else 'word (every word is required)'}")
    if re.search(r"\bsite:", q, re.I):
        notes.append("site: kept (veille matches the post's link domain)")
    return re.sub(r"\s+", " ", q).strip(), notes


def _records(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path} is not a Google Alerts export (JSON): {exc}",
                hint="Export it from Google Takeout (“Alerts”) and pass the .json file.",
            ) from exc
    if isinstance(data, dict):
        for key in ("alerts", "subscriptions", "alerts.subscriptions", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) and "query" in d for d in data):
        raise InputError(f"{path} holds no alert with a query", hint="Is it the Alerts export?")
    return data


def _time(value: Any) -> tuple[str, int]:
    """``delivery_time`` as ``(HH:MM, weekday)``; Google gives a time of day and a day."""
    at, day = "08:00", 0
    if isinstance(value, str):
        m = re.search(r"(\d{1,2}):(\d{2})", value)
        if m:
            at = f"{int(m.group(1)):02d}:{m.group(2)}"
        for token in re.findall(r"[A-Za-z]+", value):
            try:
                day = parse_weekday(token)
            except UsageError:
                continue
    elif isinstance(value, dict):
        hour = value.get("hour", value.get("hours"))
        minute = value.get("minute", value.get("minutes", 0))
        if isinstance(hour, int):
            at = f"{hour:02d}:{int(minute or 0):02d}"
        tod = value.get("time_of_day")
        if isinstance(tod, str | dict):
            at = _time(tod)[0]
        dow = value.get("day_of_week") or value.get("day")
        if isinstance(dow, str):
            day = parse_weekday(dow)
        elif isinstance(dow, int):
            day = (dow - 1) % 7 if dow >= 1 else 0
    return at, day


def import_google_alerts(ws: Workspace, path: Path, *, rss_channel: str | None = None) -> list[str]:
    """Create one alert per Google alert; the report lines."""
    book = AlertBook(ws.store)
    ctx = ChannelContext(ws.settings, ws.root)
    existing = {a.name for a in book.all()}
    lines: list[str] = []
    skipped = 0
    for rec in _records(path):
        query, notes = translate_query(str(rec["query"]))
        name = re.sub(r"[^\w.]+", "-", fold(str(rec["query"]))).strip("-.")[:56] or "google"
        base, n = name, 2
        while name in existing or topic_query(ws.store, name) is not None:
            name, n = f"{base}-{n}", n + 1
        lang = str(rec.get("language") or "").lower()
        method = str(rec.get("delivery_method", "EMAIL")).upper()
        if method == "RSS" or not rec.get("email_address"):
            channel = rss_channel or f"atom:feeds/{name}.xml"
            frequency = "instant"
        else:
            channel = f"mailto:{rec['email_address']}"
            frequency = _FREQ.get(str(rec.get("delivery_frequency", "DAILY")).upper(), "daily")
        at, day = _time(rec.get("delivery_time"))
        quality = rec.get("quality") or []
        best = "HIGH" in [
            str(q).upper() for q in (quality if isinstance(quality, list) else [quality])
        ]
        if rec.get("country"):
            notes.append(f"region {rec['country']} not translated (veille filters by language "
                         "and platform; add sources from that region)")  # fmt: skip
        try:
            channel_for(channel, ctx)
            add_topic(ws.store, name, query)
        except VeilleError as exc:
            skipped += 1
            lines.append(f"skipped “{rec['query']}”: {exc.message}")
            continue
        alert = Alert(
            name=name, channel_url=channel, topic=name, frequency=frequency, at_time=at,
            weekday=day, mode="best" if best else "all",
            languages=(lang,) if lang and lang != "any" else (),
            language=lang if lang in ("en", "fr") else ws.settings.workspace.ui_language,
        )  # fmt: skip
        book.add(alert)
        existing.add(name)
        extra = f"; {'; '.join(notes)}" if notes else ""
        how = f"{frequency}, best only" if best else frequency
        lines.append(f"topic and alert {name}: “{query}” → {channel} ({how}){extra}")
    lines.append(f"{len(lines) - skipped} alert(s) imported from {path.name}, {skipped} skipped.")
    return lines
