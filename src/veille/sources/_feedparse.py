"""Reading a feed body (feedparser) or a web page (trafilatura), in this
process or in a child one.

feedparser is pure Python, and some of its regular expressions take time
that grows with the square of a field's length: an RSS ``<author>`` of
``a.a.a.…`` (its e-mail pattern) or a ``style`` attribute in an entry's HTML
(its CSS sanitizer). 100 KB of either takes minutes, 1 MB most of an hour,
and all that time one call of the ``re`` module holds the interpreter lock:
every thread of the process (the other sources, the lease heartbeat, the web
app) stands still. No thread can stop such a call; a process can be stopped.
So the collector reads a feed body larger than :data:`INLINE_BYTES` in a
child process (this file run by itself, kept for the next body) under a time limit
and a CPU limit (which holds even if the parent dies); a smaller body, which
no pattern can hold long, is read here.

trafilatura's extraction of a web page is the same kind of work: 600 KB of
unclosed ``<a>`` tags took 7 to 11 s, 1 MB of well-formed link lists 24 s
(its time grows faster than the page), all of it holding the collector's
thread. A page larger than :data:`PAGE_INLINE_BYTES` goes through the same
child (:func:`extract_page_bounded`).

This module imports only the standard library, and feedparser or
trafilatura where it reads, so the child starts quickly.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

# Bodies up to this size are read in the process: the worst pattern known
# holds it about a second and a half at this size (on a loaded machine).
INLINE_BYTES = 16_000
# Pages up to this size are extracted in the process: the slowest pages
# known (unclosed links, long link lists) take about a second and a half at
# this size on a loaded machine; a child kept from one body to the next
# costs the page's copy both ways (a new one, trafilatura's imports: a fifth
# of a second).
PAGE_INLINE_BYTES = 100_000
# The time a child gets for a body: this much more than the fetch's own
# limit per megabyte (a well-formed feed reads at 150 KB/s or more on a
# loaded machine; the hostile ones above at a few KB/s).
SECONDS_PER_MB = 5.0


class ChildTimeout(Exception):
    """The child reading a feed or a page ran past its time (``seconds``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"reading it took longer than {seconds:g} s")
        self.seconds = seconds


FeedTimeout = ChildTimeout


class ChildFailed(Exception):
    """The child reading a feed or a page stopped without an answer (its last words)."""


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


def run_bounded(task: str, job: dict[str, Any], content: bytes, seconds: float) -> Any:
    """The answer of ``task`` (one of :data:`_TASKS`) over ``job`` and
    ``content``, worked out in a child process stopped after ``seconds``
    (:class:`ChildTimeout`; :class:`ChildFailed` when it stops without one).

    The children stay (:class:`_Worker`): a new interpreter importing
    trafilatura cost a fifth of a second at every large page or feed; a
    child that ran past its time is killed and the next body gets a new one."""
    worker = _Worker.take()
    try:
        kind, answer = worker.ask({**job, "task": task, "seconds": seconds}, content, seconds)
    except BaseException:
        worker.kill()
        raise
    worker.give_back()
    if kind == "failed":
        raise ChildFailed(answer)
    return answer


class _Worker:
    """A child process (this file run by itself: quick to start, holding
    nothing of the process asking) that works out one body at a time, sent
    and answered as a length and JSON on its standard input and output.
    Each body gets its own CPU limit (:func:`_child`)."""

    _idle: ClassVar[list[_Worker]] = []
    _lock = threading.Lock()
    KEEP = 2  # idle children kept (each holds trafilatura: about 60 MB)

    def __init__(self) -> None:
        # Its standard error is not read (a body's failure comes back as an
        # answer): a pipe nobody reads would fill with the parsers' warnings
        # and hold the child.
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        if not _Worker._ended:
            _Worker._ended = True
            atexit.register(_Worker.end_all)

    _ended = False

    @classmethod
    def end_all(cls) -> None:
        """Idle children told to end (their input closed) at this process's exit."""
        with cls._lock:
            idle, cls._idle[:] = list(cls._idle), []
        for worker in idle:
            worker.kill()

    @classmethod
    def take(cls) -> _Worker:
        with cls._lock:
            while cls._idle:
                worker = cls._idle.pop()
                if worker.process.poll() is None:
                    return worker
        return cls()

    def give_back(self) -> None:
        with self._lock:
            if len(self._idle) < self.KEEP:
                self._idle.append(self)
                return
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def ask(self, head: dict[str, Any], content: bytes, seconds: float) -> tuple[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        message = json.dumps(head).encode() + b"\n" + content
        try:
            self.process.stdin.write(len(message).to_bytes(8, "big") + message)
            self.process.stdin.flush()
        except (BrokenPipeError, ConnectionResetError):
            raise self._gone(seconds) from None
        deadline = time.monotonic() + seconds
        size = self._read(8, deadline, seconds)
        kind, answer = json.loads(self._read(int.from_bytes(size, "big"), deadline, seconds))
        return str(kind), answer

    def _read(self, n: int, deadline: float, seconds: float) -> bytes:
        """``n`` bytes of the child's answer, by ``deadline``."""
        import select

        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        waiting = select.poll()  # (select() refuses a descriptor past 1023)
        waiting.register(fd, select.POLLIN)
        got = bytearray()
        while len(got) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not waiting.poll(max(1, int(left * 1000))):
                raise ChildTimeout(seconds)
            chunk = os.read(fd, n - len(got))
            if not chunk:
                raise self._gone(seconds)
            got += chunk
        return bytes(got)

    def _gone(self, seconds: float) -> Exception:
        """What a child that stopped without an answer means: killed (its
        CPU limit) is a body read too long."""
        code = self.process.wait()
        if code < 0:
            return ChildTimeout(seconds)
        return ChildFailed(f"no answer (the reading process ended with status {code})")


def read_xml_bounded(content: bytes, headers: Mapping[str, str], seconds: float) -> Any:
    """:func:`read_xml` in a child process stopped after ``seconds``
    (:class:`FeedTimeout`); the same reading, its dates as ISO strings."""
    import feedparser

    data = run_bounded("feed", {"headers": dict(headers)}, content, seconds)
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


def _feed_answer(job: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    parsed = read_xml(content, job["headers"])
    return {
        "bozo": bool(parsed.get("bozo")),
        "bozo_exception": str(parsed.get("bozo_exception") or ""),
        "broken": broken_markup(parsed),
        "version": parsed.get("version") or "",
        "feed": _plain(parsed.get("feed") or {}),
        "entries": [_plain(e) for e in parsed.entries],
    }


# -- web pages ------------------------------------------------------------------

# A start tag this long (no "<" or ">" inside) is looked at for its count
# of attributes; over MAX_ATTRIBUTES, they are dropped before extraction.
_LONG_TAG = re.compile(r"<([A-Za-z][\w:.-]{0,63})([^<>]{4096,})>")
MAX_ATTRIBUTES = 256


def drop_attribute_floods(html: str) -> str:
    """The page without the attributes of a tag holding thousands of them:
    trafilatura's helpers take time growing with the square of their number
    in one tag (50,000: 25 s; a 20 MB page: hours), and no real page has
    them. The tag itself stays, and with it the page's text."""

    def shorten(match: re.Match[str]) -> str:
        if match.group(2).count("=") <= MAX_ATTRIBUTES:
            return match.group(0)
        return f"<{match.group(1)}>"

    return _LONG_TAG.sub(shorten, html)


def extract_page(html: str, url: str) -> dict[str, Any]:
    """Main text and metadata of an HTML page, from the string only (no
    network), in this process."""
    import trafilatura

    html = drop_attribute_floods(html)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    # bare_extraction gives a Document (or a dict with as_dict=False).
    data: dict[str, Any] = {}
    if isinstance(doc, dict):
        data = doc
    elif doc is not None:
        data = doc.as_dict()
    text = (data.get("text") or "").strip()
    description = (data.get("description") or "").strip()
    return {
        "title": (data.get("title") or "").strip() or None,
        "text": text or description,
        "author": (data.get("author") or "").strip() or None,
        "sitename": (data.get("sitename") or "").strip() or None,
        "date": _plain(data.get("date")),
        "lang": data.get("language"),
        "image": data.get("image"),
        "tags": [t for t in (data.get("tags") or []) if t],
    }


def extract_page_bounded(html: str, url: str, seconds: float) -> dict[str, Any]:
    """:func:`extract_page` in a child process stopped after ``seconds``
    (:class:`ChildTimeout`)."""
    answer: dict[str, Any] = run_bounded("page", {"url": url}, html.encode("utf-8"), seconds)
    return answer


def _page_answer(job: Mapping[str, Any], content: bytes) -> dict[str, Any]:
    return extract_page(content.decode("utf-8"), job["url"])


_TASKS = {"feed": _feed_answer, "page": _page_answer}


_CHILD = (
    "import importlib.util as u, sys; "
    "s = u.spec_from_file_location('veille_feedparse', sys.argv[1]); "
    "m = u.module_from_spec(s); s.loader.exec_module(m); m._child()"
)


def _child() -> None:
    """Work out each body sent on standard input, one after the other, until
    it closes; a body that raises is said (``["failed", …]``), the next is read."""
    try:
        import resource
    except ImportError:  # (no CPU limit where there is none)
        resource = None  # type: ignore[assignment]
    # The answers go on a copy of standard output; what the parsers might
    # print goes where standard error goes (nowhere), not into an answer.
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    while size := stdin.read(8):
        head, _, content = stdin.read(int.from_bytes(size, "big")).partition(b"\n")
        job = json.loads(head)
        if resource is not None:  # this body's CPU time, which holds even if the parent is gone
            used = resource.getrusage(resource.RUSAGE_SELF)
            cpu = int(used.ru_utime + used.ru_stime + job["seconds"]) + 2
            # The soft limit only, under the hard one as it is: a process
            # may lower its hard limit, never raise it (asking for no hard
            # limit under one the collector was started with failed, and
            # left the child without any limit of its own).
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            if hard != resource.RLIM_INFINITY:
                cpu = min(cpu, hard)
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
        try:
            answer = ["ok", _TASKS[job["task"]](job, content)]
        except Exception as error:
            answer = ["failed", f"{type(error).__name__}: {error}"]
        out = json.dumps(answer).encode()
        stdout.write(len(out).to_bytes(8, "big") + out)
        stdout.flush()


if __name__ == "__main__":
    _child()
