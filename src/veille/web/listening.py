"""What the listening pages share: posts as the templates show them (text
highlighted and sanitized, links only to the web), charts drawn once per
content, and the form values every page parses.

Post content is untrusted: text reaches the page through
:func:`veille.query.highlight.highlight` (escaped, then cleaned by nh3 so that
only ``<mark>`` survives); titles, names and handles are escaped by Jinja2;
a post's link is kept only when it is an ``http(s)`` URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Request
from markupsafe import Markup

from veille.errors import UsageError, log_failure, tr
from veille.query.highlight import field_spans, highlight
from veille.services.search import Hit

log = logging.getLogger(__name__)

#: Characters of a post's text shown in a list before it is cut.
SNIPPET = 500


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a web address (never ``javascript:`` and the like)."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


@dataclass(frozen=True)
class PostView:
    """One post as a template shows it; ``title`` and ``text`` are safe markup."""

    id: str
    platform: str
    author: str
    author_name: str
    author_url: str | None
    url: str | None
    title: Markup
    text: Markup
    published_at: datetime
    lang: str
    sentiment: str
    engagement: int
    cluster_id: str | None


def post_view(hit: Hit, *, limit: int | None = SNIPPET) -> PostView:
    p = hit.post
    return PostView(
        id=p.id,
        platform=p.platform,
        author=p.author.handle,
        author_name=p.author.name or "",
        author_url=safe_url(p.author.url),
        url=safe_url(p.url),
        title=Markup(highlight(p.title or "", field_spans(hit.spans, "title"), as_html=True)),
        text=Markup(highlight(p.text, field_spans(hit.spans, "text"), as_html=True, limit=limit)),
        published_at=p.published_at,
        lang=p.lang or "",
        sentiment=p.sentiment.label if p.sentiment else "",
        engagement=p.engagement.total,
        cluster_id=p.cluster_id,
    )


def plain_hit(post: Any) -> Hit:
    """A post shown without highlights."""
    return Hit(post, ())


# -- charts ------------------------------------------------------------------------


class ChartCache:
    """Charts kept by the content they draw, a key being the hash of a
    chart's spec: the specs of the charts pages have shown (a few hundred
    at most), and their SVG once drawn. vl-convert takes 23-75 ms to draw
    one and holds Python's GIL meanwhile; a page names its charts by key
    (:meth:`keep`) and each is drawn when its image is asked for
    (:meth:`drawn`, ``/charts/KEY.svg``), once for every viewer. One per app
    (``app.state.listening_charts``), shared by its threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._specs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._drawing = OneMaker(self._lock)

    def keep(self, chart: Any, *, background: str | None = None) -> tuple[str, dict[str, Any]]:
        """``chart``'s key and spec, the spec kept until :meth:`drawn` asks
        for it (evicted by the :attr:`size` most recently kept); with
        ``background``, drawn on that instead of white."""
        from veille.analytics.charts import spec_of

        spec = spec_of(chart)
        if background is not None:
            spec = {**spec, "background": background}
        key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
        with self._lock:
            self._specs[key] = spec
            self._specs.move_to_end(key)
            while len(self._specs) > self.size:
                self._specs.popitem(last=False)
        return key, spec

    def drawn(self, key: str, spec: dict[str, Any] | None = None) -> str | None:
        """The SVG of the chart kept as ``key`` (or of ``spec``, whose key it
        is), drawn now if it was not; ``None`` when neither is known (its
        spec evicted, or kept by another worker of the app). Threads asking
        for the same chart together wait for the one drawing it: a
        dashboard's images are asked for at once by every viewer of it."""
        from veille.analytics.charts import svg_of

        def kept() -> tuple[bool, str | None]:
            nonlocal spec
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return True, found
            spec = spec if spec is not None else self._specs.get(key)
            return spec is None, None  # (neither known: None, nothing to draw)

        def draw() -> str:
            assert spec is not None  # (kept() said it is known)
            made = svg_of(spec)
            with self._lock:
                self._items[key] = made
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return made

        drawn: str | None = self._drawing.answer(key, kept, draw)
        return drawn

    def svg(self, chart: Any) -> Markup:
        """``chart`` as inline SVG (a report downloaded or sent, its PDF)."""
        key, spec = self.keep(chart)
        drawn = self.drawn(key, spec)
        # vl-convert's SVG: numbers, labels it escaped itself, no script.
        return Markup(drawn)


def charts(request: Request) -> ChartCache:
    return app_charts(request.app)


def app_charts(app: Any) -> ChartCache:
    """The app's :class:`ChartCache` (outside a request: a warm-up)."""
    cache = getattr(app.state, "listening_charts", None)
    if cache is None:
        cache = app.state.listening_charts = ChartCache()
    return cache


class _Making:
    """An answer one thread is making, that others wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.made = False
        self.value: Any = None
        # The thread making it: asked again there, it would wait for itself.
        self.thread = threading.get_ident()

    def wait(self, key: Any) -> None:
        """Wait for the answer; a :class:`RuntimeError` naming ``key`` at once
        when it is asked for by the code that makes it (on its thread), which
        would otherwise wait for itself for ever."""
        if self.thread == threading.get_ident():
            raise RuntimeError(
                f"the kept answer {key!r} was asked for by the code that makes it: "
                "it would wait for itself for ever; make it without asking for "
                f"{key!r} (or ask for another key)"
            )
        self.done.wait()


class OneMaker:
    """Answers being made, by key: one thread makes each, and the threads
    asking for it meanwhile wait for that one instead of making it again (a
    dashboard's figures or charts, asked by every viewer as the server
    starts). If its maker fails, the next waiting thread tries (and meets
    the error itself). ``lock`` is the one guarding what the answers are
    kept in, held while :meth:`answer` looks there."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._making: dict[Any, _Making] = {}

    def __len__(self) -> int:
        """How many answers are being made now."""
        return len(self._making)

    def answer(
        self, key: Any, kept: Callable[[], tuple[bool, Any]], make: Callable[[], Any]
    ) -> Any:
        """``kept()`` (called under the lock) says whether an answer is there
        and which; when none is, the answer ``make()`` returns (it keeps it
        itself), made by this thread or by the one already making it."""
        while True:
            with self._lock:
                there, value = kept()
                if there:
                    return value
                making = self._making.get(key)
                mine = making is None
                if making is None:
                    making = self._making[key] = _Making()
            if mine:
                break
            making.wait(key)
            if making.made:
                return making.value
        try:
            making.value, making.made = make(), True
            return making.value
        finally:
            with self._lock:
                del self._making[key]
            making.done.set()


class Aged:
    """An answer made from another kept one (``made_at``: when that was made,
    :meth:`Recent.current_since`): :meth:`Recent.get` keeps it from then, not
    from when it was drawn, so that what it shows is a minute old at most."""

    def __init__(self, value: Any, made_at: float) -> None:
        self.value = value
        self.made_at = made_at


class Recent:
    """Answers kept for ``seconds`` by key (the dashboard's figures, the
    trends: the same for every viewer, and a minute old at most). One per
    app, thread-safe. With ``day`` (today on the organization's calendar),
    an answer is kept for its day only: a period such as ``last-30d`` ends
    at local midnight, and after it the day before's figures were shown for
    up to a minute more (longer while the next were made)."""

    def __init__(
        self,
        seconds: float = 60.0,
        size: int = 64,
        stale: float = 600.0,
        *,
        day: Callable[[], Any] | None = None,
    ) -> None:
        self.day = day
        self.seconds = seconds
        self.size = size
        # An answer older than this is not shown while the next is made: after
        # a quiet hour the first viewer waits for today's figures instead.
        self.stale = stale
        # key -> (when made, the answer, the day it was made for)
        self._items: OrderedDict[Any, tuple[float, Any, Any]] = OrderedDict()
        self._making: set[Any] = set()
        self._lock = threading.Lock()
        self._first = OneMaker(self._lock)
        # Those :meth:`current_since` is making (never stale: no refresh).
        self._reading = OneMaker(self._lock)
        # The threads making the next answers (see :meth:`close`), and
        # whether the app stops: none is started then.
        self._refreshing: dict[Any, threading.Thread] = {}
        self.closing = False

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """The answer kept for ``key``; made now when there is none. A stale one
        is returned as it is while one thread makes the next, so that the
        viewers of a busy page never wait for it together. With none to
        show, one viewer makes it and the others wait for that one: fifty
        viewers arriving as the server starts would otherwise each spend
        seconds making the same trends."""
        import time

        # (Read outside the lock: the day may ask the state store's clock.)
        today = self.day() if self.day is not None else None

        def kept() -> tuple[bool, Any]:
            now = time.monotonic()
            found = self._items.get(key)
            if found is not None and (now - found[0] >= self.stale or found[2] != today):
                found = None  # (another day's is not shown: its viewer waits for today's)
            fresh = found is not None and now - found[0] < self.seconds
            if found is not None and not fresh and key not in self._making and not self.closing:
                self._making.add(key)
                thread = self._refreshing[key] = threading.Thread(
                    target=self._make, args=(key, make, today), daemon=True
                )
                thread.start()
            return found is not None, found[1] if found is not None else None

        def made() -> Any:
            made = make()
            self._keep(key, made, today)
            return made.value if isinstance(made, Aged) else made

        return self._first.answer(key, kept, made)

    def current(self, key: Any, make: Callable[[], Any]) -> Any:
        """The answer kept for ``key`` if made within ``seconds`` for today,
        else made now (and kept): for an answer that others are made from (a
        report's figures, drawn in each language), which must not be older
        than their minute. Never a stale one; a thread asking while another
        makes it waits for that one (the dashboard's figures in English and
        in French, asked together as the server starts, were read twice)."""
        return self.current_since(key, make)[0]

    def current_since(self, key: Any, make: Callable[[], Any]) -> tuple[Any, float]:
        """:meth:`current`, and when it was made (``time.monotonic()``): what
        is drawn from it is as old (:class:`Aged`)."""
        import time

        today = self.day() if self.day is not None else None

        def kept() -> tuple[bool, tuple[Any, float] | None]:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] >= self.seconds or found[2] != today:
                return False, None
            return True, (found[1], found[0])

        def made() -> tuple[Any, float]:
            at = time.monotonic()
            value = make()
            self._keep(key, Aged(value, at), today)
            return value, at

        answer: tuple[Any, float] = self._reading.answer(key, kept, made)
        return answer

    def _make(self, key: Any, make: Callable[[], Any], day: Any) -> None:
        try:
            self._keep(key, make(), day)
        except Exception as exc:  # the stale answer stays; the next visit tries again
            # One line (the state store away: each visit past the minute
            # would log a traceback); a bug keeps its traceback.
            then = "The answer kept stays shown; the next visit tries again."
            log_failure(log, f"refreshing {key!r} failed", exc, then)
        finally:
            with self._lock:
                self._making.discard(key)
                self._refreshing.pop(key, None)

    def close(self, deadline: float) -> list[Any]:
        """Start no more refreshes and wait, until ``deadline``
        (``time.monotonic()``), for those under way: the app's stores close
        next, and a refresh still reading them failed on a closed store (a
        hang on chDB) or opened one again, left open. The keys of those
        still running at the deadline."""
        import time

        with self._lock:
            self.closing = True
            running = list(self._refreshing.items())
        for _, thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [key for key, thread in running if thread.is_alive()]

    def _keep(self, key: Any, value: Any, day: Any) -> None:
        import time

        at = time.monotonic()
        if isinstance(value, Aged):  # as old as what it was made from
            at, value = value.made_at, value.value
        with self._lock:
            self._items[key] = (at, value, day)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


#: How long the app's shutdown waits for the kept pages' refreshes under way
#: (:func:`stop_refreshes`), the dashboard at a million posts taking a second or two.
REFRESH_WAIT_SECONDS = 30.0


def stop_refreshes(app: Any, wait: float = REFRESH_WAIT_SECONDS) -> None:
    """Before the app's stores are closed: the kept pages start no more
    refreshes, and those under way are waited for (``wait`` seconds at most,
    all together); one still running then is said in one line, and the
    stores are closed under it."""
    import time

    deadline = time.monotonic() + wait
    holder = getattr(app.state, "listening_recent", None) or {}
    late = [
        f"{name} {key!r}" for name, kept in list(holder.items()) for key in kept.close(deadline)
    ]
    if late:
        log.warning(
            "the web app stops; after %.0f s, kept figures are still being made "
            "(%s): the stores close under them, and an error they meet then can be ignored",
            wait,
            ", ".join(late),
        )


def recent(request: Request, name: str) -> Recent:
    """The app's :class:`Recent` answers called ``name``."""
    return app_recent(request.app, name)


def app_recent(app: Any, name: str) -> Recent:
    """:func:`recent` outside a request (a warm-up)."""
    holder = getattr(app.state, "listening_recent", None)
    if holder is None:
        holder = app.state.listening_recent = {}
    found = holder.get(name)
    if found is None:
        # Kept for the workspace's day: each page's periods end at its midnight.
        found = holder[name] = Recent(day=lambda: app.state.workspace.today())
    return found


# -- form values -------------------------------------------------------------------


def many(request: Request, name: str) -> tuple[str, ...]:
    """Every non-empty value of the query parameter ``name``."""
    return tuple(v.strip() for v in request.query_params.getlist(name) if v.strip())


def day(value: str | None, label: str) -> date | None:
    """A ``YYYY-MM-DD`` form value as a date (``None`` when empty); ``label``
    names the field in the error (a :func:`~veille.errors.tr` text to have it
    translated)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            tr("%(label)s: %(value)r is not a date", label=label, value=value),
            hint=tr("Write it as YYYY-MM-DD, e.g. 2026-03-01."),
        ) from None


def error_text(exc: Exception, gettext: Callable[..., str]) -> tuple[str, str | None]:
    """``(message, hint)`` of a user's error, as the page shows it."""
    message = getattr(exc, "message", str(exc))
    hint = getattr(exc, "hint", None)
    return gettext(message), gettext(hint) if hint else None


# -- the topic-or-query and period form of the analytics pages ----------------------

SCOPE_PERIODS = ("last-7d", "last-30d", "last-week", "last-month")


def checked_period(
    text: str, choices: tuple[str, ...] = SCOPE_PERIODS, *, ranges: bool = False
) -> str:
    """``text`` when it is one of ``choices`` (with ``ranges``, also
    ``FROM..TO`` of real dates); else a :class:`UsageError` naming it and the
    choices, in words the reader's language has (never replaced silently by
    the default: the page would show another period than the one asked)."""
    value = text.strip()
    if value in choices:
        return value
    known = ", ".join(choices)
    if ranges and ".." in value:
        # Judged by the one reading of periods (its errors are worded for
        # every reader): the pages once had rules of their own, and refused
        # the spaces around ".." that the command line takes.
        from veille.analytics.scope import parse_period

        parse_period(value)
        return value
    if ranges:
        raise UsageError(
            tr("unknown period %(value)r", value=text),
            hint=tr(
                "Choose %(choices)s, or FROM..TO (e.g. 2026-03-01..2026-03-31).", choices=known
            ),
        )
    raise UsageError(
        tr("unknown period %(value)r", value=text),
        hint=tr("Choose one of the periods offered: %(choices)s.", choices=known),
    )


def checked_query(text: str) -> None:
    """Raise the :class:`~veille.query.QueryError` of ``text`` (a page shows it
    with its caret and hint, as the stream does) before a service wraps it in
    the command line's words."""
    if text.strip():
        from veille.query import compile_query

        compile_query(text)


def scope_asked(request: Request) -> dict[str, str]:
    """The topic, query and period the form asks for (no period: 30 days; an
    unknown one is kept, for :func:`scope_form` to refuse it)."""
    q = request.query_params
    return {
        "topic": q.get("topic", "").strip(),
        "query": q.get("query", "").strip(),
        "period": q.get("period", "").strip() or "last-30d",
    }


def refusal_status(*errors: Any) -> int:
    """The status of a listening page showing ``errors`` (``None`` for none):
    404 for a topic that does not exist, 400 for another input refused, else
    200, as the reports page answers."""
    from veille.errors import NotFound

    if any(isinstance(e, NotFound) for e in errors):
        return 404
    return 400 if any(isinstance(e, UsageError) for e in errors) else 200


def said_to(user: Any, exc: Any) -> Any:
    """``exc`` as ``user`` may act on it: a topic not found offers to create
    one (/topics/new) only to an analyst or more; a viewer, whom that page
    refuses, is told the known topics only (as the empty dashboard offers
    "Create a topic" only to who may)."""
    from veille.query.topics import told_who_may_not_create

    if exc is None or (user is not None and user.can("analyst")):
        return exc
    return told_who_may_not_create(exc)


def scope_form(request: Request, asked: dict[str, str]) -> dict[str, Any]:
    """The form's context: what was asked, the periods and the topics offered;
    ``error`` holds what is wrong with the period or the query asked
    (``query_error`` a query's fault, shown with its caret)."""
    from veille.query import QueryError
    from veille.query.topics import list_topics

    ws = request.app.state.workspace
    topics = [t.name for t in list_topics(ws.state)]
    context: dict[str, Any] = {
        "asked": asked, "periods": SCOPE_PERIODS, "topics": topics, "error": None,
        "query_error": None,
    }  # fmt: skip
    try:
        checked_period(asked["period"])
        checked_query(asked["query"])
    except QueryError as exc:
        context["query_error"] = exc
    except UsageError as exc:
        context["error"] = exc
    return context


def audited(
    request: Request, actor: str | None, action: str, target: str, detail: str = ""
) -> None:
    """Record a change made through a listening page in the audit log (who,
    what, when; never a secret)."""
    from veille.services.audit import record

    record(request.app.state.workspace.state, actor, action, target, detail)
