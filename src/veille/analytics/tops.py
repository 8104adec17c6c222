"""Top posts, authors, domains, links and hashtags; stories; headline figures.

A post's *engagement* is likes + shares + replies; its *reach* is its
author's followers when it was seen (the audience it could reach). A *story*
is a near-duplicate cluster (``cluster_id``) counted once; a post without a
cluster is a story of its own. The store reads them (its analytics methods,
:mod:`veille.store.protocols.analytics`); this module checks what is asked and
puts the answers together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from veille.analytics.scope import Period, Scope, days_held
from veille.analytics.volume import (
    DIMENSIONS,
    SentimentPoint,
    Share,
    change,
    shares,
    with_purged_sentiment,
)
from veille.errors import UsageError, tr
from veille.models import Post
from veille.query.predicates import tag_key
from veille.store.protocols.analytics import PostKey
from veille.store.protocols.known import unknown_last

TOP_POST_ORDERS = ("engagement", "reach")
ENTITY_COLUMNS = ("hashtags", "domains", "links", "mentions")


def top_posts(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    by: str = "engagement",
    limit: int = 10,
    unclustered: bool = False,
) -> list[Post]:
    """The ``limit`` posts of the period with the most engagement (or reach);
    ``unclustered`` keeps only the posts outside any story cluster."""
    if by not in TOP_POST_ORDERS:
        raise UsageError(
            tr("cannot rank posts by %(by)r", by=by), hint=tr("Use engagement or reach.")
        )
    found: list[Post] = store.top_posts(
        scope.during(period), by=by, limit=limit, unclustered=unclustered
    )
    return found


@dataclass(frozen=True)
class AuthorRow:
    platform: str
    handle: str
    name: str | None
    posts: int
    engagement: int | None  # None: unknown (none of their posts gave counts)
    followers: int | None  # None: unknown (none of their posts gave a count)


def top_authors(
    store: Any, scope: Scope, period: Period, *, by: str = "posts", limit: int = 10
) -> list[AuthorRow]:
    """Authors of the period by number of posts (or engagement, or followers);
    posts without an author are nobody's. An engagement or follower count
    none of their posts gave is unknown (``None``), not 0, and ranks after
    every known value, a 0 included."""
    if by not in ("posts", "engagement", "followers"):
        raise UsageError(
            tr("cannot rank authors by %(by)r", by=by),
            hint=tr("Use posts, engagement or followers."),
        )
    return [AuthorRow(*row) for row in store.top_authors(scope, period, by=by, limit=limit)]


@dataclass(frozen=True)
class EntityRow:
    value: str
    posts: int
    engagement: int | None  # None: none of its posts gave counts


def top_entities(
    store: Any, scope: Scope, period: Period, kind: str, *, limit: int = 10
) -> list[EntityRow]:
    """Hashtags, domains, links or mentions by the number of posts holding them.

    A hashtag is one tag whatever its case and accents, in every script, as
    Mastodon folds them (``#télécom``, ``#Telecom`` and ``#telecom`` are one;
    so are ``#Ökologie`` and ``#ökologie``, ``#Москва`` and ``#МОСКВА``), shown
    in the lower-case spelling held by the most posts: every spelling of the
    period is read, then folded together before the list is cut. A mention
    is one account whatever its case, as handles are, and compares as an
    ``@name`` query does."""
    if kind not in ENTITY_COLUMNS:
        raise UsageError(
            tr("unknown list %(kind)r", kind=kind),
            hint=tr("Use one of %(names)s.", names=", ".join(ENTITY_COLUMNS)),
        )
    if kind in ("hashtags", "mentions"):
        return fold_tags(store.top_entities(scope.during(period), kind, None), limit)
    rows = store.top_entities(scope.during(period), kind, limit)
    return [EntityRow(v, n, e) for v, n, e in rows]


def fold_tags(rows: Iterable[tuple[str, int, int | None]], limit: int | None) -> list[EntityRow]:
    """``(spelling, posts, engagement)`` rows merged by folded tag (case and
    accents ignored, as a ``#tag`` query compares them), each named by its
    lower-case spelling held by the most posts (then the most engagement,
    then the first in code-point order); best first by posts, engagement
    (unknown, ``None`` where no post of the tag gave counts, after a known
    0) and name.

    The stores lower-case ASCII letters only (SQL's ``lower()``): ``#ÉCOLOGIE``
    arrives as ``Écologie``, a spelling nobody wrote, and ``#МОСКВА`` as it
    was written, so case is left out here in every script (``écologie``,
    ``москва``), as it was for ASCII; accents, which tell spellings apart
    (``télécom``, ``telecom``), stay. A post holds each tag once (enrichment
    keeps one spelling of each: :func:`veille.enrich.entities.extract_entities`),
    so the posts of the spellings add up to the posts holding the tag."""
    groups: dict[str, dict[str, list[Any]]] = {}
    for value, posts, engagement in rows:
        if posts > 0:
            spellings = groups.setdefault(tag_key(value), {})
            counts = spellings.setdefault(value.lower(), [0, None])
            counts[0] += posts
            counts[1] = _plus(counts[1], engagement)
    merged = []
    for spellings in groups.values():
        name = min(spellings, key=lambda v: (-spellings[v][0], unknown_last(spellings[v][1]), v))
        posts = sum(c[0] for c in spellings.values())
        engagement = None
        for c in spellings.values():
            engagement = _plus(engagement, c[1])
        merged.append(EntityRow(name, posts, engagement))
    merged.sort(key=lambda r: (-r.posts, unknown_last(r.engagement), r.value))
    return merged if limit is None else merged[:limit]


def _plus(a: int | None, b: int | None) -> int | None:
    """A sum as SQL's: unknown (``None``) plus a count is the count."""
    return b if a is None else a if b is None else a + b


@dataclass(frozen=True)
class Story:
    key: str
    posts: int
    reach: int | None  # None: none of its posts gave a follower count
    engagement: int | None  # None: none of its posts gave counts
    platforms: tuple[str, ...]
    first: Post


def stories(
    store: Any, scope: Scope, period: Period, *, by: str = "reach", limit: int = 10
) -> list[Story]:
    """Near-duplicate clusters counted once: copies, total reach and engagement,
    the platforms they reached, and their earliest post. A post outside any
    cluster is a story of its own. Reach or engagement none of a story's
    posts gave is unknown (``None``) and ranks after every known value."""
    if by not in ("reach", "posts", "engagement"):
        raise UsageError(
            tr("cannot rank stories by %(by)r", by=by), hint=tr("Use reach, posts or engagement.")
        )
    found = [
        Story(key, n, reach, eng, platforms, first)
        for key, n, reach, eng, platforms, first in store.top_clusters(
            scope.during(period), by=by, limit=limit
        )
    ]
    # Posts outside clusters: the best of them by the same measure.
    single = top_posts(
        store, scope, period, by="engagement" if by == "engagement" else "reach",
        limit=limit, unclustered=True,
    )  # fmt: skip
    found += [
        Story(p.id, 1, p.author.followers, p.engagement.known, (p.platform,), p) for p in single
    ]
    return _best_stories(found, by, limit)


@dataclass(frozen=True)
class StoryKey:
    """A :class:`Story` before its earliest post is read: that post's key."""

    key: str
    posts: int
    reach: int | None
    engagement: int | None
    platforms: tuple[str, ...]
    first: PostKey

    def shown(self, post: Post) -> Story:
        return Story(self.key, self.posts, self.reach, self.engagement, self.platforms, post)


def story_keys(
    store: Any, scope: Scope, period: Period, *, by: str = "reach", limit: int = 10
) -> list[StoryKey]:
    """:func:`stories`, ranked and cut on their posts' keys: only the
    ``limit`` earliest posts shown are read then, with a page's other posts
    (:func:`posts_shown`), not those of the ``limit`` best clusters and the
    ``limit`` best posts outside them."""
    if by not in ("reach", "posts", "engagement"):
        raise UsageError(
            tr("cannot rank stories by %(by)r", by=by), hint=tr("Use reach, posts or engagement.")
        )
    scoped = scope.during(period)
    found = [
        StoryKey(key, n, reach, eng, platforms, first)
        for key, n, reach, eng, platforms, first in store.top_cluster_keys(
            scoped, by=by, limit=limit
        )
    ]
    single = store.top_post_keys(
        scoped, by="engagement" if by == "engagement" else "reach", limit=limit, unclustered=True
    )
    found += [StoryKey(k.id, 1, k.followers, k.engagement, (k.platform,), k) for k in single]
    return _best_stories(found, by, limit)


_S = TypeVar("_S", Story, StoryKey)


def _best_stories(found: list[_S], by: str, limit: int) -> list[_S]:
    """The ``limit`` best of ``found`` by ``by``, then copies, then the
    earliest first post, then key."""
    key = {
        "reach": lambda s: unknown_last(s.reach),
        "posts": lambda s: (False, -s.posts),
        "engagement": lambda s: unknown_last(s.engagement),
    }[by]
    found.sort(key=lambda s: (key(s), -s.posts, s.first.published_at, s.key))
    return found[:limit]


def posts_shown(store: Any, keys: Iterable[PostKey]) -> dict[str, Post]:
    """The posts of ``keys`` (each read once, in one call to the store), by id:
    a page's lists (top posts, stories, influencers' newest) ranked on keys,
    then read together (:meth:`AnalyticsPosts.posts_shown`)."""
    unique = list({k.id: k for k in keys}.values())
    if not unique:
        return {}
    return {p.id: p for p in store.posts_shown(unique)}


def story_count(store: Any, scope: Scope, period: Period) -> int:
    """Distinct stories: posts outside clusters plus distinct clusters."""
    return int(store.story_count(scope.during(period)))


def author_count(store: Any, scope: Scope, period: Period) -> int:
    """How many authors (platform and handle) posted in the period."""
    return int(store.author_count(scope, period))


@dataclass(frozen=True)
class Figure:
    """A headline figure and its value in the previous period; ``None`` where
    it is unknown (net sentiment without a scored post; engagement or reach
    where no post gave a count).

    Engagement and reach are sums over the posts that gave counts in the
    period: ``covered`` of the period's ``posts`` (the posts that gave like,
    share and reply counts, a 0 included, as each post records it; for reach,
    those that gave their author's follower count, a 0 included). The others'
    counts are unknown, not zero, and are left out of what the sum claims to
    cover, even on a platform whose other posts gave them (an imported sheet
    without the columns). ``None`` for the other figures."""

    name: str
    value: float | None
    previous: float | None
    covered: int | None = None
    posts: int | None = None
    # Where veille holds only part of the period before (its posts begin
    # inside it): the days of it held, and its days. The change is then
    # unknown, not a rise (October held from the 8th read "+68%").
    previous_held_days: int | None = None
    previous_days: int | None = None

    @property
    def previous_partial(self) -> bool:
        """Whether veille holds only part of the period before."""
        return self.previous_held_days is not None

    @property
    def partial(self) -> bool:
        """Whether the value covers only some of the period's posts."""
        return (
            self.value is not None
            and self.covered is not None
            and self.posts is not None
            and self.covered < self.posts
        )

    @property
    def change(self) -> float | None:
        """Relative change against the period before; ``None`` where either
        is unknown, the period before had none, or veille holds only part
        of it."""
        if self.value is None or self.previous is None or self.previous_partial:
            return None
        return change(self.value, self.previous)


# The figures :func:`headline` gives, in the order they are shown.
FIGURES = ("posts", "engagement", "reach", "authors", "stories", "net_sentiment")


def headline(store: Any, scope: Scope, period: Period) -> dict[str, Figure]:
    """Posts, engagement, reach, authors, stories and net sentiment, each beside
    the previous period."""
    return headline_and_sentiment(store, scope, period).figures


class Headline(NamedTuple):
    """:func:`headline`, the sentiment counts of the period and of the one
    before that its net sentiment comes from, and the breakdowns asked for
    (dimension: its :class:`Share` rows, as :func:`breakdown` gives them)."""

    figures: dict[str, Figure]
    sentiment: SentimentPoint
    previous: SentimentPoint
    shares: dict[str, list[Share]]
    # The period's rows (bucket, sentiment, posts, engagement, reach) by the
    # buckets asked as ``series``; None where none were asked.
    series: list[tuple[Any, ...]] | None = None


def headline_and_sentiment(
    store: Any,
    scope: Scope,
    period: Period,
    by: tuple[str, ...] = (),
    *,
    posts_only: bool = False,
    series: Any = None,
) -> Headline:
    """:func:`headline`, the sentiment now and before, and the breakdowns
    ``by`` (platform, lang, country, sentiment), for a page that shows them
    together, in one call to the store (on ClickHouse, one pass over the
    posts of both periods under a query, two queries over the rollups for
    the whole workspace; on SQLite, from the rollups where they answer).
    ``posts_only``: the page shows the breakdowns' posts and shares alone,
    so their engagement and reach may be ``None`` (not read). ``series``
    (:func:`veille.analytics.volume.buckets_of`): the period's sentiment
    by those buckets too, for :func:`~veille.analytics.volume.net_sentiment`
    (SQLite reads it with the breakdowns of a topic's or a query's posts)."""
    for d in by:
        if d not in DIMENSIONS:
            raise UsageError(
                tr("unknown breakdown %(d)r", d=d),
                hint=tr("Use one of %(names)s.", names=", ".join(DIMENSIONS)),
            )
    periods = (period, period.previous())
    vals: list[dict[str, Any]] = (
        store.headline_figures(scope, periods, by, posts_only=posts_only)
        if series is None
        else store.headline_figures(scope, periods, by, posts_only=posts_only, series=series)
    )
    if "sentiment" in by:
        # The headline counts a saved topic's purged posts; so does its breakdown.
        for p, v in zip(periods, vals, strict=True):
            v["by"]["sentiment"] = with_purged_sentiment(
                store, scope.during(p), v["by"]["sentiment"]
            )
    split = {d: shares(vals[0]["by"][d], vals[1]["by"][d], d) for d in by}
    moods = [
        SentimentPoint(p.since, int(v["positive"]), int(v["negative"]), int(v["neutral"]))
        for p, v in zip(periods, vals, strict=True)
    ]
    out = {name: Figure(name, vals[0][name], vals[1][name]) for name in FIGURES}
    posts = int(vals[0]["posts"])
    # Engagement: the store's sum, None where no post gave counts (a true 0
    # stays 0); it covers the posts that gave counts, counted post by post.
    out["engagement"] = Figure(
        "engagement",
        vals[0]["engagement"],
        vals[1]["engagement"],
        covered=_covered(vals[0], "given"),
        posts=posts,
    )
    out["reach"] = Figure(
        "reach",
        vals[0]["reach"],
        vals[1]["reach"],
        covered=_covered(vals[0], "followed"),
        posts=posts,
    )
    # Net sentiment is of the scored posts: none scored, it is unknown (not 0).
    out["net_sentiment"] = Figure("net_sentiment", moods[0].net, moods[1].net)
    return Headline(out, moods[0], moods[1], split, vals[0].get("series"))


def held_before(
    figures: dict[str, Figure], period: Period, begin: datetime | None
) -> dict[str, Figure]:
    """``figures`` of ``period`` saying how much of the period before veille
    holds where what they count (:func:`~veille.analytics.volume.listening_since`:
    ``begin``) begins inside it or after it: their changes are then unknown."""
    short = days_held(period.previous(), begin)
    if short is None:
        return figures
    held, days = short
    return {n: replace(f, previous_held_days=held, previous_days=days) for n, f in figures.items()}


def _covered(figures: dict[str, Any], key: str) -> int | None:
    """The posts a sum covers, as the store counted them (``None`` from a
    store that does not say: the sum is then not said to be partial)."""
    got = figures.get(key)
    return None if got is None else int(got)
