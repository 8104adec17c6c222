"""Monitors: spike, sentiment-shift and silence alerts.

Each check compares a recent window with a baseline and, when it fires,
queues one event delivery keyed by its window (``spike:<hour>`` …), so the
same event is never sent twice. Events explain themselves in en and fr.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.alerts.model import Alert
from veille.alerts.outbox import AlertEngine
from veille.alerts.schedule import next_slot
from veille.i18n import count as count_of
from veille.i18n import count_decimal, format_decimal, format_percent, format_time, typography
from veille.models import Post
from veille.store.base import PostFilter
from veille.textnorm import tokens

HOUR = timedelta(hours=1)
MIN_POSTS = 5
#: Posts one check pass keeps in memory, all windows together (see
#: :class:`_Pass`): a decoded post with its raw payload weighs about 11 KB
#: (the demo's, measured with tracemalloc), so this bounds the daemon's extra
#: memory to about 55 MB; past it, each window is read from the store per
#: alert, as before.
PASS_POSTS = 5_000


class _Pass:
    """What one :func:`check_monitors` pass reads once for all its alerts:
    each window's posts (every sentiment alert looks at the same eight days,
    every spike alert at the same hours of past weeks), and each query
    compiled. Without it, each alert read and decoded every post of its
    windows again: 100 sentiment alerts over 2,300 posts took 4.6 s a pass,
    in the outbox worker's thread, ahead of the instant alerts. A window is
    kept while the pass holds fewer than :data:`PASS_POSTS` posts; past that,
    windows are read from the store each time, as before."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.windows: dict[tuple[datetime, datetime], list[Post]] = {}
        self.queries: dict[str, Any] = {}
        self.held = 0
        self.sources: dict[str, bool] | None = None
        #: When the pass runs, and the retention cutoff then (read once).
        self.moment = moment
        self.cutoff: tuple[datetime | None] | None = None

    def collected(self, engine: AlertEngine) -> dict[str, bool]:
        """The configured sources by name: whether each is enabled."""
        if self.sources is None:
            self.sources = _collected(engine)
        return self.sources

    def posts(self, engine: AlertEngine, since: datetime, until: datetime) -> Iterator[Post]:
        found = self.windows.get((since, until))
        if found is not None:
            return iter(found)
        if self.held >= PASS_POSTS:
            return iter(engine.store.iter_posts(PostFilter(since=since, until=until)))
        found = list(engine.store.iter_posts(PostFilter(since=since, until=until)))
        self.windows[(since, until)] = found
        self.held += len(found)
        return iter(found)

    def compiled(self, engine: AlertEngine, text: str) -> Any:
        if text not in self.queries:
            self.queries[text] = engine.compiler(text)
        return self.queries[text]


_PASS: ContextVar[_Pass | None] = ContextVar("monitor_pass", default=None)


def _posts(engine: AlertEngine, alert: Alert, since: datetime, until: datetime) -> Iterator[Post]:
    text = engine.query_of(alert)
    held = _PASS.get()
    if held is None:
        compiled = engine.compiler(text) if text else None
        found: Iterator[Post] = iter(engine.store.iter_posts(PostFilter(since=since, until=until)))
    else:
        compiled = held.compiled(engine, text) if text else None
        found = held.posts(engine, since, until)
    for post in found:
        if post.published_at >= until:
            continue
        if alert.platforms and post.platform not in alert.platforms:
            continue
        if alert.languages and (post.lang or "und") not in alert.languages:
            continue
        if compiled is None or compiled.matches(post):
            yield post


def _kept_since(engine: AlertEngine, hour: datetime) -> datetime | None:
    """The retention cutoff (``[privacy] retention_days``: posts published
    before it are purged, or left out as they come in; ``None``: none). A
    window of the past weeks or days that begins before it counts posts
    that are gone: it is no baseline (counted as 0 posts, a spike's usual
    was halved under a retention of 30 days, and a steady sentiment was
    said to shift under one of 3)."""
    from veille.services.retention import cutoff_of

    held = _PASS.get()
    if held is not None and held.cutoff is not None:
        return held.cutoff[0]
    now = held.moment if held is not None and held.moment is not None else hour
    found = cutoff_of(engine.settings, engine.store, now=now)
    if held is not None:
        held.cutoff = (found,)
    return found


def weeks_before(moment: datetime, weeks: int, tz: ZoneInfo) -> datetime:
    """The same time on the workspace's clock ``weeks`` weeks before: across
    a DST change the same UTC time was another local hour (08:00 for 09:00),
    and the usual figures of a Monday morning were an hour off."""
    local = moment.astimezone(tz) - timedelta(weeks=weeks)
    return datetime.fromtimestamp(local.timestamp(), UTC)


def hour_begun(moment: datetime, tz: ZoneInfo) -> datetime:
    """When the hour of the workspace's clock that ``moment`` falls in began
    (UTC). In a zone whose offset is not whole hours (Kolkata +05:30,
    Kathmandu +05:45, St. John's −03:30) that is not a UTC hour: the
    monitors read UTC hours, and a spike's "last hour" at 11:05 in Kolkata
    was 09:30–10:30 there, half of one local hour and half of the one
    before, so a burst in one local hour was split in two and missed."""
    local = moment.astimezone(tz)
    return moment - timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )


def _stats(values: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(values) if values else 0.0
    std = statistics.pstdev(values) if len(values) > 1 else 0.0
    # A floor so a flat baseline does not turn one extra post into infinity.
    return mean, max(std, mean**0.5, 1.0)


def _top(counter: Counter[str], n: int = 5) -> str:
    return ", ".join(f"{k} ({v})" for k, v in counter.most_common(n))


def spike_event(
    engine: AlertEngine, alert: Alert, hour: datetime, until: datetime | None = None
) -> dict[str, Any] | None:
    """The hour before ``hour`` (or, with ``until``, the part of it up to
    ``until``) against the same hour of the previous weeks."""
    weeks = int(alert.params.get("weeks", 8))
    threshold = float(alert.params.get("threshold", 3.0))
    window = (hour - HOUR, until or hour)
    current = list(_posts(engine, alert, *window))
    baseline_posts: list[Post] = []
    counts: list[float] = []
    kept = _kept_since(engine, hour)
    for k in range(1, weeks + 1):
        start = weeks_before(hour - HOUR, k, engine.tz)
        if kept is not None and start < kept:
            break  # its posts are gone (the retention period), and the older weeks' too
        found = list(_posts(engine, alert, start, start + HOUR))
        baseline_posts.extend(found)
        counts.append(len(found))
    if not counts:
        return None  # no week to compare with: every one is past the retention period
    mean, std = _stats(counts)
    z = (len(current) - mean) / std
    if len(current) < MIN_POSTS or z < threshold:
        return None
    now_words: Counter[str] = Counter()
    for p in current:
        now_words.update({w for w in tokens(p.text) if len(w) > 3})
    base_words: Counter[str] = Counter()
    for p in baseline_posts:
        base_words.update({w for w in tokens(p.text) if len(w) > 3})
    held = len(counts)
    lift = Counter({w: c for w, c in now_words.items() if c >= 2 and c > base_words[w] / held * 2})
    authors = Counter(p.author.handle for p in current if p.author.handle)
    platforms = Counter(p.platform for p in current)
    return spike_message(
        alert, len(current), mean, z, lift, authors, platforms, window=window, tz=engine.tz
    )


def spike_message(
    alert: Alert, count: int, mean: float, z: float,
    lift: Counter[str], authors: Counter[str], platforms: Counter[str],
    *, window: tuple[datetime, datetime] | None = None, tz: ZoneInfo | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The event of a spike, explained in en and fr; ``window``, the hour it
    counted, is named on the workspace's clock ``tz`` (a reader checks the
    count against the posts of that hour)."""
    ratio = count / mean if mean else float("inf")

    def times(lang: str) -> str:
        return "∞" if ratio == float("inf") else format_decimal(ratio, lang, trim=False)

    def span(lang: str) -> str:
        if window is None:
            return ""
        zone = tz or ZoneInfo("UTC")
        since, until = (w.astimezone(zone) for w in window)
        first, last = format_time(since, lang), format_time(until, lang)
        if since.utcoffset() != until.utcoffset():
            # The clocks changed within it: 02:00–02:00 (the hour that
            # repeats) or 01:00–03:00 (one skipped) reads wrong without them.
            first, last = f"{first} {_offset(since)}", f"{last} {_offset(until)}"
        return f" ({first}–{last}, {zone.key})"

    event: dict[str, Any] = {
        "kind": "spike", "count": count, "baseline_mean": round(mean, 2),
        "z": round(z, 2), "terms": lift.most_common(5), "authors": authors.most_common(5),
        "platforms": platforms.most_common(5),
        "summary": {
            "en": f"Spike on “{alert.subject}”: {count_of(count, 'en', 'post', 'posts')} "
                  f"in the last hour{span('en')}, "
                  f"{times('en')}× the usual for this hour of the week, "
                  f"{count_decimal(mean, 'en', 'post', 'posts')} an hour "
                  f"({format_decimal(z, 'en', trim=False)} σ).",
            "fr": f"Pic sur « {alert.subject} » : "
                  f"{count_of(count, 'fr', 'publication', 'publications')} dans la dernière "
                  f"heure{span('fr')}, {times('fr')}× la moyenne habituelle à cette heure de la "
                  f"semaine, {count_decimal(mean, 'fr', 'publication', 'publications')} par "
                  f"heure ({format_decimal(z, 'fr', trim=False)} σ).",
        },
        "details": {
            "en": [f"Terms driving it: {_top(lift)}", f"Authors: {_top(authors)}",
                   f"Platforms: {_top(platforms)}"],
            "fr": [f"Termes en cause : {_top(lift)}", f"Auteurs : {_top(authors)}",
                   f"Plateformes : {_top(platforms)}"],
        },
    }  # fmt: skip
    if window is not None:  # the hour counted, on the workspace's clock (ISO 8601)
        zone = tz or ZoneInfo("UTC")
        event["since"], event["until"] = (w.astimezone(zone).isoformat() for w in window)
    return french_typography(event)


def _offset(local: datetime) -> str:
    """``UTC+02:00``, ``UTC-03:30``: how far ``local``'s clock is from UTC."""
    text = local.strftime("%z")
    return f"UTC{text[:3]}:{text[3:5]}"


def sample_event(alert: Alert) -> dict[str, Any]:
    """An example event of a monitor (``veille alert test``), marked as a test."""
    if alert.kind == "spike":
        words = Counter({"outage": 14, "battery": 9, "recall": 6})
        authors = Counter({"newsdesk": 5, "witness1": 3})
        event = spike_message(alert, 42, 6.0, 5.2, words, authors, Counter({"mastodon": 30}))
    elif alert.kind == "sentiment":
        event = {
            "kind": "sentiment", "negative_share": 0.62, "baseline": 0.2, "z": 4.2,
            "summary": {
                "en": f"Sentiment shift on “{alert.subject}”: 62% negative in 24 h, "
                      "against 20% usually (4.2 σ).",
                "fr": f"Changement de tonalité sur « {alert.subject} » : 62\u202f% de négatif "
                      "en 24 h, contre 20\u202f% d’habitude (4,2 σ).",
            },
            "details": {"en": [], "fr": []},
        }  # fmt: skip
    else:
        hours = int(alert.params.get("silent_hours", 6))
        event = silence_message(alert, hours, 4.0, alert.params.get("source"))
    tag = {"en": "Test — ", "fr": "Essai — "}
    event["summary"] = {k: tag.get(k, "") + v for k, v in event["summary"].items()}
    event["test"] = True
    return french_typography(event)


def sentiment_event(engine: AlertEngine, alert: Alert, hour: datetime) -> dict[str, Any] | None:
    """The negative share of the last 24 h against each of the previous 7 days."""
    threshold = float(alert.params.get("threshold", 3.0))

    def scored(posts: list[Post]) -> list[Post]:
        return [p for p in posts if p.sentiment and p.sentiment.label != "unscored"]

    def share(posts: list[Post]) -> float | None:
        neg = sum(1 for p in posts if p.sentiment and p.sentiment.label == "negative")
        return neg / len(posts) if posts else None

    day = timedelta(days=1)
    current = list(_posts(engine, alert, hour - day, hour))
    # The days the retention period keeps (an older one's posts are gone).
    kept = _kept_since(engine, hour)
    days = [k for k in range(1, 8) if kept is None or hour - day * (k + 1) >= kept]
    if not days:
        return None
    # A day without a scored post has no share: as 0% negative it made the
    # usual share lower than any day's ("against 21% usually" where each day
    # with posts was half negative).
    # And a usual share needs as many scored posts as the day's does: one
    # post of the week before, positive, said "against 0% usually".
    held = [scored(list(_posts(engine, alert, hour - day * (k + 1), hour - day * k)))
            for k in days]  # fmt: skip
    shares = [s for s in map(share, held) if s is not None]
    now = share(scored(current))
    if sum(map(len, held)) < MIN_POSTS or now is None:
        return None
    mean = statistics.fmean(shares)
    std = max(statistics.pstdev(shares), 0.05)
    z = (now - mean) / std
    if len(current) < MIN_POSTS or z < threshold:
        return None
    negatives = [p for p in current if p.sentiment and p.sentiment.label == "negative"]
    words: Counter[str] = Counter()
    for p in negatives:
        words.update({w for w in tokens(p.text) if len(w) > 3})
    authors = Counter(p.author.handle for p in negatives if p.author.handle)
    return french_typography({
        "kind": "sentiment", "negative_share": round(now, 3), "baseline": round(mean, 3),
        "z": round(z, 2),
        "summary": {
            "en": f"Sentiment shift on “{alert.subject}”: {format_percent(now, 'en')} negative "
                  f"in 24 h, against {format_percent(mean, 'en')} usually "
                  f"({format_decimal(z, 'en', trim=False)} σ).",
            "fr": f"Changement de tonalité sur « {alert.subject} » : "
                  f"{format_percent(now, 'fr')} de négatif en 24 h, contre "
                  f"{format_percent(mean, 'fr')} d’habitude ({format_decimal(z, 'fr')} σ).",
        },
        "details": {
            "en": [f"Words in negative posts: {_top(words)}", f"Authors: {_top(authors)}"],
            "fr": [f"Mots des publications négatives : {_top(words)}",
                   f"Auteurs : {_top(authors)}"],
        },
    })  # fmt: skip


def _collected(engine: AlertEngine) -> dict[str, bool]:
    return {r.name: r.enabled for r in engine.store.list_sources()}


def silence_event(engine: AlertEngine, alert: Alert, hour: datetime) -> dict[str, Any] | None:
    """No post for ``silent_hours`` where the same hours of past weeks had some.
    A source the team removed or disabled is silent on purpose: its alert
    said "no post from X" for it (``/healthz`` and ``veille alert list`` say
    an alert watching a removed source watches nothing)."""
    hours = int(alert.params.get("silent_hours", 6))
    source = alert.params.get("source")
    if source is not None:
        held = _PASS.get()
        sources = held.collected(engine) if held is not None else _collected(engine)
        if not sources.get(source, False):
            return None
    span = timedelta(hours=hours)

    def count(since: datetime, until: datetime) -> int:
        posts = _posts(engine, alert, since, until)
        return sum(1 for p in posts if source is None or p.source == source)

    if count(hour - span, hour):
        return None
    tz = engine.tz
    kept = _kept_since(engine, hour)
    spans = [(weeks_before(hour - span, k, tz), weeks_before(hour, k, tz)) for k in range(1, 5)]
    weeks = [w for w in spans if kept is None or w[0] >= kept]  # an older one's posts are gone
    if not weeks:
        return None
    usual = statistics.fmean(count(since, until) for since, until in weeks)
    if usual < 1:
        return None
    return silence_message(alert, hours, usual, source)


def silence_message(alert: Alert, hours: int, usual: float, source: str | None) -> dict[str, Any]:
    what = f"source {source}" if source else f"“{alert.subject}”"
    quoi = f"la source {source}" if source else f"« {alert.subject} »"
    return french_typography({
        "kind": "silence", "hours": hours, "usual": round(usual, 1), "source": source,
        "summary": {
            "en": f"Silence on {what}: no post for {hours} h, where the same hours of past "
                  f"weeks had {count_decimal(usual, 'en', 'post', 'posts')} on average.",
            "fr": f"Silence sur {quoi} : aucune publication depuis {hours} h, contre "
                  f"{count_decimal(usual, 'fr', 'publication', 'publications')} en moyenne "
                  "aux mêmes heures les semaines précédentes.",
        },
        "details": {
            "en": ["Often an outage (a source that stopped answering), not good news."],
            "fr": ["C’est souvent une panne (une source qui ne répond plus), pas une bonne "
                   "nouvelle."],
        },
    })  # fmt: skip


def french_typography(event: dict[str, Any]) -> dict[str, Any]:
    """Non-breaking spaces before ``: ; ! ?`` and inside « » in an event's French
    sentences (ours, around the topic's name: never post content)."""
    summary, details = event.get("summary") or {}, event.get("details") or {}
    if "fr" in summary:
        summary["fr"] = typography(summary["fr"], "fr")
    if "fr" in details:
        details["fr"] = [typography(line, "fr") for line in details["fr"]]
    return event


CHECKS = {"spike": spike_event, "sentiment": sentiment_event, "silence": silence_event}


def _windows(alert: Alert, hour: datetime, moment: datetime, tz: ZoneInfo) -> list[tuple[str, Any]]:
    """``(key, check)`` of each window an alert looks at now; a key is never sent twice.

    The day and window keys go by ``moment`` on the organization's clock:
    when ``hour`` was the UTC hour, in a zone whose offset is not whole hours
    (Kolkata +05:30, Kathmandu +05:45), that hour at 00:10 local was 23:30
    (23:45) the day before, and a day's key came 30 (45) minutes late: said
    at 00:10 under yesterday, again at 00:40 under today, then not just after
    the next midnight. (``hour`` is now the local hour's start.)"""
    local = moment.astimezone(tz)
    if alert.kind == "sentiment":
        # One a day on the organization's calendar: keyed by the UTC date, a
        # shift said at 18:00 in Montréal was said again at 20:00 (a new UTC
        # day), and then not on the next local day.
        return [(f"sentiment:{local.date().isoformat()}", sentiment_event)]
    if alert.kind == "silence":
        # Windows of ``silent_hours`` on the organization's clock: in UTC's,
        # a day's silence said at 10:00 in Montréal was said again at 19:00
        # (a new UTC day). (The hour the clocks go back repeats a window's
        # number: said once.)
        every = int(alert.params.get("silent_hours", 6)) * 3600
        offset = local.utcoffset() or timedelta(0)
        seconds = int(moment.timestamp() + offset.total_seconds())
        return [(f"silence:{seconds // every}", silence_event)]
    if alert.kind != "spike":
        return []
    # The hour that just ended, then the current hour so far: a burst is seen
    # as it happens, and the current hour's key (its end) is the one the next
    # hour's check would use, so the same hour never fires twice.
    found: list[tuple[str, Any]] = [(f"spike:{int(hour.timestamp())}", spike_event)]
    if moment > hour:
        ending = hour + HOUR

        def current(engine: AlertEngine, alert: Alert, _: datetime) -> dict[str, Any] | None:
            return spike_event(engine, alert, ending, until=moment)

        found.append((f"spike:{int(ending.timestamp())}", current))
    return found


def _said_before(key: str) -> tuple[str, ...]:
    """The keys under which a release that read UTC hours (before
    :func:`hour_begun`) said a spike of an hour overlapping ``key``'s: in a
    zone whose offset is not whole hours a spike window now ends on the
    half (quarter) hour, and the burst a spike said just before the upgrade
    was said again under the new key. Such a window is taken as said."""
    kind, _, end = key.partition(":")
    if kind != "spike" or not end.isdigit() or int(end) % 3600 == 0:
        return ()
    utc_hour = int(end) // 3600 * 3600
    return (f"spike:{utc_hour}", f"spike:{utc_hour + 3600}")


def check_monitors(engine: AlertEngine, now: float | None = None) -> int:
    """Run every active monitor once; the number of new events queued."""
    import logging

    now = time.time() if now is None else now
    moment = datetime.fromtimestamp(now, UTC)
    # The hours the checks read end at the top of the workspace's hour (see
    # :func:`hour_begun`): a spike's hour, a shift's 24 hours and a silence's
    # hours are those of its clock, in half-hour zones too.
    hour = hour_begun(moment, engine.tz)
    queued = 0
    token = _PASS.set(_Pass(moment))  # each window read once for every alert of this pass
    try:
        for alert in engine.store.alerts_of_kind():
            assert alert.id is not None
            for key, check in _windows(alert, hour, moment, engine.tz):
                if any(engine.store.has_delivery(alert.id, k) for k in (key, *_said_before(key))):
                    continue
                try:
                    event = check(engine, alert, hour)
                    # Its schedule too: a monitor whose send time cannot be
                    # worked out is skipped like one whose check failed.
                    due = next_slot(alert, moment, engine.tz).timestamp() if event else 0.0
                except Exception as exc:  # one monitor's failure must not stop the others
                    logging.getLogger(__name__).warning("monitor %s failed: %s", alert.name, exc)
                    continue
                if event is None:
                    continue
                queued += engine.queue_event(alert, key, event, due, now)
    finally:
        _PASS.reset(token)
    return queued
