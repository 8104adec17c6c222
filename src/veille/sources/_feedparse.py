"""feedparser's reading of a feed body, in this process or in a child one.

feedparser is pure Python, and some of its regular expressions take time
that grows with the square of a field's length: an RSS ``<author>`` of
``a.a.a.…`` (its e-mail pattern) or a ``style`` attribute in an entry's HTML
(its CSS sanitizer). 100 KB of either takes minutes, 1 MB most of an hour,
and all that time one call of the ``re`` module holds the interpreter lock:
every thread of the process (the other sources, the lease heartbeat, the web
app) stands still. No thread can stop such a call; a process can be stopped.
So the collector reads a feed body larger than :data:`INLINE_BYTES` in a
child process (this file run by itself) under a time limit
and a CPU limit (which holds even if the parent dies); a smaller body, which
no pattern can hold long, is read here.

This module imports only the standard library and feedparser, so the child
starts quickly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Bodies up to this size are read in the process: the worst pattern known
# holds it about a second and a half at this size (on a loaded machine).
INLINE_BYTES = 16_000
# The time a child gets for a body: this much more than the fetch's own
# limit per megabyte (a well-formed feed reads at 150 KB/s or more on a
# loaded machine; the hostile ones above at a few KB/s).
SECONDS_PER_MB = 5.0


class FeedTimeout(Exception):
    """The child reading a feed ran past its time (``seconds``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading it took longer than {seconds:g} s")
        self.seconds = seconds


class ChildFailed(Exception):
    """The child reading a feed stopped without an answer (its last words)."""


class MarkupError(Exception):
    """Markup feedparser had to guess its way through, as read by a child."""


def time_limit(size: int, fetch_seconds: float) -> float:
    """Seconds a child may take to read a body of ``size`` bytes."""
    return fetch_seconds + SECONDS_PER_MB * size / 1_000_000


# Dates written in forms feedparser does not read (seen in real feeds: CMS
# defaults). They give no zone: they are read as UTC, as feedparser reads a
# date without one, rather than left to the time the feed was fetched.
_LOOSE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",  # 22.11.2022 12:16:00
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%A, %B %d, %Y %I:%M %p",  # Friday, January 29, 2021 04:42 PM
    "%B %d, %Y %I:%M %p",
    "%A, %B %d, %Y",
    "%B %d, %Y",
    "%a, %m/%d/%Y - %H:%M",  # Drupal: Fri, 05/03/2019 - 15:21
)


def _loose_date(text: str) -> time.struct_time | None:
    text = " ".join(text.split())
    for fmt in _LOOSE_FORMATS:
        try:
            when = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if "%a" in fmt and when.strftime("%a").lower() != text[:3].lower():
            continue  # the weekday says the month and day are the other way round
        if "%A" in fmt and when.strftime("%A").lower() != text.split(",")[0].lower():
            continue
        return when.timetuple()
    return None


def broken_markup(parsed: Any) -> bool:
    """Whether feedparser had to guess its way through markup that is not
    well-formed (its entries may be a fragment of the page), as opposed to the
    harmless notes it also raises (an encoding or content type it overrode)."""
    if not parsed.get("bozo"):
        return False
    from feedparser import ThingsNobodyCaresAboutButMe

    return not isinstance(parsed.get("bozo_exception"), ThingsNobodyCaresAboutButMe)


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)


def repair_utf8(content: bytes, headers: Mapping[str, str]) -> bytes:
    """A UTF-8 body with a few bytes that are not UTF-8, those bytes made
    U+FFFD. feedparser reads such a body as windows-1252 instead: one stray
    byte, and every accented letter of every entry was stored garbled
    ("MontrÃ©al"). A body in another encoding mislabelled UTF-8 (its accented
    letters are the bytes that are not UTF-8) is left to feedparser."""
    try:
        content.decode("utf-8")
        return content
    except UnicodeDecodeError:
        pass
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16
        return content
    found = _CHARSET.search(headers.get("content-type", "")) or _DECLARED.match(content[:500])
    if found:
        name = found.group(1)
        charset = name.decode("ascii") if isinstance(name, bytes) else name
        if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            return content
    text = content.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return text.encode("utf-8") if good > bad else content


def read_xml(content: bytes, headers: Mapping[str, str]) -> Any:
    """feedparser's reading of an XML (or broken) feed body, here."""
    import feedparser

    content = repair_utf8(content, headers)
    parsed = feedparser.parse(content, response_headers=dict(headers))
    for entry in parsed.entries:
        # dict.get: feedparser's own get maps a missing updated_* to published_*.
        if not (dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")):
            written = dict.get(entry, "published") or dict.get(entry, "updated")
            when = _loose_date(str(written)) if written else None
            if when:
                entry["published_parsed"] = when
    return parsed


def _plain(value: Any) -> Any:
    """``value`` as JSON can carry it (a struct_time as an ISO date, as the
    stored entries have it)."""
    if isinstance(value, time.struct_time):
        import calendar

        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def read_xml_bounded(content: bytes, headers: Mapping[str, str], seconds: float) -> Any:
    """:func:`read_xml` in a child process stopped after ``seconds``
    (:class:`FeedTimeout`); the same reading, its dates as ISO strings."""
    import feedparser

    payload = json.dumps({"headers": dict(headers), "seconds": seconds}).encode() + b"\n" + content
    try:
        # This file alone, without the veille package (a quarter of a second
        # of imports saved at every feed).
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(Path(__file__).resolve())],
            input=payload,
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise FeedTimeout(seconds) from None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        if done.returncode < 0 or not last:  # killed (its CPU limit) or silent
            raise FeedTimeout(seconds) if done.returncode < 0 else ChildFailed("no answer")
        raise ChildFailed(last[0])
    data = json.loads(done.stdout)
    out = feedparser.FeedParserDict(
        bozo=data["bozo"],
        version=data["version"],
        feed=feedparser.FeedParserDict(data["feed"]),
        entries=[feedparser.FeedParserDict(e) for e in data["entries"]],
    )
    if data["bozo"]:
        note = data["bozo_exception"]
        exc_type = MarkupError if data["broken"] else feedparser.ThingsNobodyCaresAboutButMe
        out["bozo_exception"] = exc_type(note)
    return out


_CHILD = (
    "import importlib.util as u, sys; "
    "s = u.spec_from_file_location('veille_feedparse', sys.argv[1]); "
    "m = u.module_from_spec(s); s.loader.exec_module(m); m._child()"
)


def _child() -> None:
    head, _, content = sys.stdin.buffer.read().partition(b"\n")
    job = json.loads(head)
    try:  # the CPU limit holds even if the parent is gone
        import resource

        cpu = int(job["seconds"]) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    except (ImportError, ValueError, OSError):
        pass
    parsed = read_xml(content, job["headers"])
    answer = {
        "bozo": bool(parsed.get("bozo")),
        "bozo_exception": str(parsed.get("bozo_exception") or ""),
        "broken": broken_markup(parsed),
        "version": parsed.get("version") or "",
        "feed": _plain(parsed.get("feed") or {}),
        "entries": [_plain(e) for e in parsed.entries],
    }
    sys.stdout.buffer.write(json.dumps(answer).encode())


if __name__ == "__main__":
    _child()
