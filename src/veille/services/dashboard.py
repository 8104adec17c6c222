"""The overview dashboard: each saved topic's volume, sentiment, platforms,
share of voice and spikes, each spike with what drove it, over one period.

The web app's ``/`` reads :func:`overview`; the figures are those of
``veille volume``, ``veille sov`` and ``veille report`` (the same analytics
functions), and the sentences those of the reports' findings.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.analytics.scope import Period

if TYPE_CHECKING:
    from veille.analytics.tops import Figure
    from veille.analytics.volume import SentimentPoint, Share, UnevenSource, Voice, Volume
    from veille.workspace import Workspace

PERIODS = ("last-7d", "last-30d", "last-week", "last-month")
#: A day is a spike when it holds at least this many posts …
SPIKE_MIN_POSTS = 5
#: … and this many standard deviations above the other days of the period.
SPIKE_SIGMA = 3.0
#: Spikes shown per topic, the strongest first.
SPIKES_SHOWN = 2
#: Posts a spike's explanation reads at most (a fixed sample of stories beyond).
EXPLAIN_POSTS = 5_000
#: Topics shown on the dashboard (the others are listed by name).
TOPICS_SHOWN = 12
#: Topics past :data:`TOPICS_SHOWN` the dashboard names by link; the rest are
#: counted, with the topics page to find them (an agency's 300 topics made a
#: paragraph of 288 links).
MORE_NAMED = 20


@dataclass(frozen=True)
class Spike:
    """A day far above the usual, with what drove it."""

    day: Any  # datetime: the local day's start
    posts: int
    usual: float
    sigma: float
    terms: list[str] = field(default_factory=list)
    authors: list[tuple[str, int]] = field(default_factory=list)
    platforms: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.posts / self.usual if self.usual else None


@dataclass(frozen=True)
class TopicSummary:
    name: str
    query: str
    volume: Volume
    figures: dict[str, Figure]
    #: Posts by platform and their shares, now and before (engagement and
    #: reach may be ``None``: not read, the dashboard shows shares of posts).
    platforms: list[Share]
    sentiment: SentimentPoint
    spikes: list[Spike]
    findings: list[str]


@dataclass(frozen=True)
class Overview:
    period: Period
    period_text: str
    topics: list[TopicSummary]
    voices: list[Voice]
    #: Topics beyond :data:`TOPICS_SHOWN`, by name.
    more: list[str]
    #: The brand whose share of voice is shown against its competitors (as
    #: ``veille sov``), or ``None``: the shares are among the topics shown.
    brand: str | None = None
    #: Sources that cover the compared topics unevenly, as sentences.
    voice_warnings: list[str] = field(default_factory=list)


def find_spikes(vol: Volume) -> list[tuple[int, float, float]]:
    """``(index, usual, sigma)`` of the buckets of ``vol`` far above the others
    (at least :data:`SPIKE_MIN_POSTS` posts and :data:`SPIKE_SIGMA` deviations
    above the mean of the other buckets), strongest first."""
    counts = [p.posts for p in vol.points]
    found = []
    for i, n in enumerate(counts):
        others = counts[:i] + counts[i + 1 :]
        if n < SPIKE_MIN_POSTS or len(others) < 3:
            continue
        mean = statistics.fmean(others)
        # A floor, as the spike alerts have: a flat baseline is not a zero deviation.
        std = max(statistics.pstdev(others), mean**0.5, 1.0)
        z = (n - mean) / std
        if z >= SPIKE_SIGMA:
            found.append((i, mean, z))
    found.sort(key=lambda f: -f[2])
    return found[:SPIKES_SHOWN]


def _explain(ws: Workspace, scope: Any, start: Any, posts: int, usual: float, z: float) -> Spike:
    """The terms, authors and platforms of one spike day."""
    from veille.analytics.trends import trending_terms
    from veille.analytics.volume import breakdown

    day = Period(start, start + timedelta(days=1))
    store = ws.store
    terms = [
        t.term
        for t in trending_terms(
            store, scope, day, baseline_periods=7, limit=5, min_stories=2, max_posts=EXPLAIN_POSTS
        )
    ]
    authors = [(a[1], a[3]) for a in store.top_authors(scope, day, by="posts", limit=3)]
    platforms = [
        (s.key, s.posts) for s in breakdown(store, scope, day, "platform", held=False) if s.posts
    ][:3]
    return Spike(start, posts, usual, z, terms, authors, platforms)


@dataclass(frozen=True)
class TopicFigures:
    """One topic's figures over a period as read from the posts: the same in
    every language (:meth:`summary` words them in one)."""

    name: str
    query: str
    volume: Volume
    figures: dict[str, Figure]
    platforms: list[Share]
    sentiment: SentimentPoint
    previous_sentiment: SentimentPoint | None
    spikes: list[Spike]
    is_brand: bool
    period: Period | None = None
    listening_since: datetime | None = None  # when what it counts begins

    def summary(self, lang: str) -> TopicSummary:
        """The topic's card in ``lang``: its figures and the findings a
        report would state (worded, never read again)."""
        from veille.analytics.findings import findings

        data = {
            "about": self.name,
            "is_brand": self.is_brand,
            "headline": self.figures,
            "platforms": self.platforms,
            "sentiment": self.sentiment,
            "previous_sentiment": self.previous_sentiment,
            "peak": None,
            "period": self.period,
            "listening_since": self.listening_since,
        }
        said = findings(data, lang)
        return TopicSummary(
            self.name, self.query, self.volume, self.figures, self.platforms, self.sentiment,
            self.spikes, said,
        )  # fmt: skip


def topic_figures(
    ws: Workspace, name: str, per: Period, posts_begin: datetime | None = None
) -> TopicFigures:
    """One topic's figures over ``per`` (daily buckets) and its spikes
    explained, in no language. ``posts_begin``: when the posts held begin,
    where the caller read it for every topic (else it is read)."""
    from veille.analytics import tops
    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import held_before, listening_since, shares_held_before, volume
    from veille.query.topics import get_topic

    tz = ws.settings.workspace.timezone
    store = ws.store
    topic = get_topic(store, name)
    scope = topic_scope(store, name)
    begin = listening_since(store, scope, posts_begin)
    vol = held_before(volume(store, scope, per, interval="day", timezone=tz), begin)
    # The card shows each platform's share of posts, the findings the first
    # one's now and before: their engagement and reach are not read.
    figures, sentiment, previous, split, _series = tops.headline_and_sentiment(
        store, scope, per, ("platform",), posts_only=True
    )
    figures = tops.held_before(figures, per, begin)
    platforms = shares_held_before(split["platform"], per, begin)
    spikes = [
        _explain(ws, scope, vol.points[i].start, vol.points[i].posts, usual, z)
        for i, usual, z in find_spikes(vol)
    ]
    org = ws.settings.organization
    is_brand = bool(org.brand_topic) and org.brand_topic == name
    return TopicFigures(
        name, topic.query, vol, figures, platforms, sentiment, previous, spikes, is_brand,
        per, begin,
    )  # fmt: skip


def topic_summary(ws: Workspace, name: str, per: Period, lang: str) -> TopicSummary:
    """One topic's figures over ``per`` (daily buckets), its spikes
    explained and the findings a report would state."""
    return topic_figures(ws, name, per).summary(lang)


def topics_seen(ws: Workspace) -> tuple[Any, ...]:
    """The saved topics with their query's version, and the brand and
    competitors compared: what the dashboard shows, so that figures kept for
    a while are made again once a topic is added, edited or deleted, or the
    plan names the brand (by the app or the CLI)."""
    from veille.query.topics import list_topics
    from veille.services.analytics import brand_and_competitors

    return (
        *((t.name, t.version) for t in list_topics(ws.state)),
        brand_and_competitors(ws),
    )


@dataclass(frozen=True)
class OverviewFigures:
    """What the dashboard reads from the posts over one period, in no
    language: read once for every viewer, worded in each viewer's
    (:meth:`worded`) without reading the posts again."""

    period: Period
    period_text: str
    topics: list[TopicFigures]
    voices: list[Voice]
    more: list[str]
    brand: str | None
    uneven: list[UnevenSource]

    def worded(self, lang: str) -> Overview:
        """The overview in ``lang``: each topic's findings and the share of
        voice's warnings as sentences of that language."""
        return Overview(
            self.period,
            self.period_text,
            [t.summary(lang) for t in self.topics],
            self.voices,
            self.more,
            self.brand,
            [u.message(lang) for u in self.uneven],
        )


def _counted(card: TopicFigures) -> tuple[int, int | None, int]:
    """A card's posts, engagement (``None``: no post gave counts) and posts
    of the period before, as :func:`~veille.analytics.volume.voices_of`
    takes them."""
    posts, engagement = card.figures["posts"], card.figures["engagement"]
    known = None if engagement.value is None else int(engagement.value)
    return int(posts.value or 0), known, int(posts.previous or 0)


def overview_figures(ws: Workspace, period_text: str = "last-30d") -> OverviewFigures:
    """Every saved topic's figures (up to :data:`TOPICS_SHOWN`) over the
    period, and their share of voice, as read from the posts: the same in
    every language."""
    from veille.analytics.topics import topic_scope
    from veille.analytics.volume import (
        share_of_voice,
        shares_held_before,
        uneven_sources,
        voices_of,
    )
    from veille.errors import UsageError, tr
    from veille.query.topics import list_topics
    from veille.services.analytics import brand_and_competitors, period

    if period_text not in PERIODS and ".." not in period_text:
        raise UsageError(
            tr("unknown period %(value)r", value=period_text),
            hint=tr("Use %(periods)s, or FROM..TO.", periods=", ".join(PERIODS)),
        )
    per = period(ws, period_text)  # FROM..TO: the days, in the workspace's time zone
    names = [t.name for t in list_topics(ws.state)]
    shown, more = names[:TOPICS_SHOWN], names[TOPICS_SHOWN:]
    # When the posts begin, read once for every card (a ClickHouse min()).
    begin = getattr(ws.store, "posts_begin", None)  # a posts endpoint serves none
    first = begin() if begin is not None and shown else None
    topics = [topic_figures(ws, n, per, first) for n in shown]
    # The brand against its competitors when the organization names them, as
    # ``veille sov`` and the API compare (a sector topic holds the others: it
    # is no competitor); else the topics shown, among themselves.
    named, competitors = brand_and_competitors(ws)
    compared = [named, *competitors] if named else []
    brand: str | None = named or None
    if len(compared) < 2 or not set(compared) <= set(names):
        compared, brand = (shown if len(shown) > 1 else []), None
    scopes = {n: topic_scope(ws.store, n) for n in compared}
    cards = {t.name: t for t in topics}
    if scopes and set(scopes) <= set(cards):
        # The cards read each compared topic's posts and engagement over the
        # period and the one before: the shares are made from those.
        voices = voices_of({n: _counted(cards[n]) for n in scopes})
        # Of the days of the period before every compared topic's counts hold.
        since = [b for n in scopes if (b := cards[n].listening_since) is not None]
        voices = shares_held_before(voices, per, max(since) if since else None)
    else:
        voices = share_of_voice(ws.store, scopes, per) if scopes else []
    uneven = uneven_sources(ws.store, scopes, per) if scopes else []
    return OverviewFigures(per, period_text, topics, voices, more, brand, uneven)


def overview(ws: Workspace, period_text: str = "last-30d", *, lang: str = "en") -> Overview:
    """Every saved topic (up to :data:`TOPICS_SHOWN`) over the period, and
    their share of voice, worded in ``lang``."""
    return overview_figures(ws, period_text).worded(lang)
