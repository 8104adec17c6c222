"""The aggregations analytics reads from posts (PostStore), and the user's
decisions about accounts that may be one person.

Every method takes a :class:`veille.analytics.scope.Scope` (plain filters and
restrictions in the domain's words: a saved topic, a query, words) that the
backend compiles in its own dialect, and answers exactly: how (rollups, an
index, a column copy) is the backend's business. "Bounded to a period" means
the scope's filter carries ``since`` and ``until``
(:meth:`Scope.during <veille.analytics.scope.Scope.during>`).
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.models import Post
    from veille.store.base import PostFilter

Account = tuple[str, str]  # (platform, handle)


#: The parts a sample of stories is counted in (see ``story_texts``).
STORY_SAMPLE = 10_000


def story_bucket(story: str) -> int:
    """The part of :data:`STORY_SAMPLE` a story (its key: a cluster id, or
    the id of a post in none) falls in: the CRC-32 of the key modulo
    :data:`STORY_SAMPLE`, the same on every store and run (ClickHouse
    computes it in SQL); a sample of ``n`` parts is the stories below ``n``."""
    return zlib.crc32(story.encode()) % STORY_SAMPLE


@dataclass(frozen=True)
class TermCounts:
    """What trending terms rank, counted by a store (:meth:`AnalyticsPosts.term_counts`)."""

    stories_now: int  # stories of the period
    stories_before: int  # stories of the baseline
    #: key -> (stories of the period, of the baseline holding it), for the
    #: keys held by at least ``min_stories`` stories of the period.
    held: dict[str, tuple[int, int]]
    #: Those keys' forms as written in the period's posts, the most written
    #: first (of equal counts, the first written first, posts in time order).
    forms: dict[str, tuple[str, ...]]


# One post's terms: (story, published in the period (not its baseline),
# keys, forms: '' for a form that is its key; a baseline post's may be empty).
StoryTerms = tuple[str, bool, Sequence[str], Sequence[str]]


def count_terms(rows: Iterable[StoryTerms], *, phrases: bool, min_stories: int) -> TermCounts:
    """:class:`TermCounts` of posts' terms (``rows``, in time order), in
    Python: each story's keys (a story of several posts: the union of
    theirs), counted in C (``Counter`` over the chained keys)."""
    now: dict[str, Collection[str]] = {}
    before: dict[str, Collection[str]] = {}
    shown: Counter[tuple[str, str]] = Counter()
    for story, current, keys, forms in rows:
        if not phrases:
            words = [i for i, k in enumerate(keys) if " " not in k]
            keys = [keys[i] for i in words]
            forms = [forms[i] for i in words] if forms else []
        side = now if current else before
        held = side.get(story)
        side[story] = keys if held is None else {*held, *keys}
        if current:
            shown.update(zip(keys, forms, strict=True))
    held_now = Counter(chain.from_iterable(now.values()))
    held_before = Counter(chain.from_iterable(before.values()))
    counted = {k: (a, held_before.get(k, 0)) for k, a in held_now.items() if a >= min_stories}
    written: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (key, form), n in shown.items():
        if key in counted:
            written[key].append((form or key, n))
    forms_of = {
        key: tuple(f for f, _n in sorted(found, key=lambda fn: -fn[1]))
        for key, found in written.items()
    }
    return TermCounts(len(now), len(before), counted, forms_of)


def newest_of_groups(
    groups: Sequence[Sequence[Account]], newest: dict[Account, list[Any]], limit: int
) -> list[list[Any]]:
    """For :meth:`AnalyticsPosts.recent_posts_by`: each group's ``limit``
    largest keys among its accounts' (``newest``: account -> the sort keys of
    its posts, newest the largest), largest first."""
    return [
        sorted((k for a in {(a[0], a[1]) for a in authors} for k in newest.get(a, ())),
               reverse=True)[:limit]
        for authors in groups
    ]  # fmt: skip


class PostKey(NamedTuple):
    """Where a post is read from by :meth:`AnalyticsPosts.posts_shown`: its
    id and its ``published_at`` (seconds since the epoch, as
    ``published_at.timestamp()`` gives them: whole on ClickHouse), with what a list
    ranks it by before it is read (its platform, its author's follower count
    and its engagement, ``None`` where not given), so that the posts of
    several lists (a report's top posts, stories and influencers' newest)
    are ranked and cut first, then read together, once."""

    id: str
    published_at: float
    platform: str = ""
    followers: int | None = None
    engagement: int | None = None


def post_key(post: Post) -> PostKey:
    """``post``'s :class:`PostKey` (a store that reads whole posts cheaply
    finds its lists' posts, then gives their keys)."""
    return PostKey(
        post.id,
        post.published_at.timestamp(),
        post.platform,
        post.author.followers,
        post.engagement.known,
    )


ClusterKeys = tuple[str, int, "int | None", "int | None", tuple[str, ...], PostKey]


def figures_of(
    posts: int,
    engagement: int | None,
    reach: int | None,
    authors: int,
    stories: int,
    positive: int,
    negative: int,
    neutral: int,
    given: int = 0,
    followed: int = 0,
) -> dict[str, Any]:
    """One period's :meth:`AnalyticsPosts.headline_figures` from its counts
    (``None``, as SQL sums of no rows give, counts 0): net sentiment is the
    positive share minus the negative share of the scored posts. Engagement
    is ``None`` where no post gave counts (a feed's, or no post): unknown,
    not 0; a store passes ``None`` for it then. Reach likewise, where no
    post gave its author's follower count. ``given`` and ``followed`` are
    the posts that gave counts and those that gave a follower count: what
    engagement and reach cover (each post records it, so a platform whose
    posts gave counts only some of the time covers only those)."""
    pos, neg, neu = positive or 0, negative or 0, neutral or 0
    scored = pos + neg + neu
    return {
        "posts": posts or 0,
        "engagement": None if engagement is None or not posts else engagement,
        "reach": None if reach is None or not posts else reach,
        "authors": authors or 0,
        "stories": stories or 0,
        "net_sentiment": (pos - neg) / scored if scored else 0.0,
        "positive": pos,
        "negative": neg,
        "neutral": neu,
        "given": int(given or 0),
        "followed": int(followed or 0),
    }  # fmt: skip


class AnalyticsPosts(Protocol):
    """The aggregations analytics reads from posts (volume, tops, authors,
    trends, influencers)."""

    # -- volume -------------------------------------------------------------------

    def post_totals(
        self, scope: Scope, dims: tuple[str, ...] = (), buckets: Any = False
    ) -> list[tuple[Any, ...]]:
        """Rows ``([bucket,] *dims, posts, engagement, reach)`` of ``scope``,
        rows without posts left out; engagement is ``None`` where none of the
        row's posts gave counts (each post records it), a true sum (0
        included) where some did. ``dims`` are among platform, lang,
        country, sentiment (a missing value is ``""``); ``buckets`` is
        ``False``, ``True`` (quarter-hours since the epoch) or a
        :class:`veille.analytics.volume._Buckets` (its local hour, day or week
        numbers, after its ``keys()``)."""
        ...

    def post_count(self, scope: Scope) -> int:
        """How many posts ``scope`` holds: the posts of ``post_totals(scope)``
        (0 when it has no row), counted the cheapest way the backend knows
        (an ad-hoc query of words on SQLite: its full-text index alone). What
        sizes a trends sample, where engagement and reach are not read."""
        ...

    def gave_counts(self, scope: Scope) -> tuple[bool, bool]:
        """Whether some post of ``scope`` (bounded to a period) gave like,
        share and reply counts, and some its author's follower count, read
        from a rollup; ``(True, True)`` unread where no rollup answers (the
        caller then asks the posts). What a top list read from a rollup that
        keeps an unknown count as 0 asks before reading which 0s are known.
        A posts call: where posts and state are two stores, the state store
        (which keeps no post) would answer ``(False, False)``."""
        ...

    def posts_per_bucket(
        self, scope: Scope, period: Period, buckets: Any, starts: list[datetime]
    ) -> list[tuple[int, int]]:
        """``(bucket number, posts)`` of ``scope`` bounded to ``period``, for
        ``buckets`` whose starts are ``starts``."""
        ...

    def sentiment_totals(self, scope: Scope, period: Period) -> tuple[int, int, int]:
        """(positive, negative, neutral) posts of ``scope`` over ``period``."""
        ...

    def purged_sentiment(
        self, scope: Scope, buckets: Any = False, *, unscored: bool = True
    ) -> list[tuple[Any, ...]]:
        """Rows ``([bucket,] sentiment, posts)`` (``buckets`` as in
        :meth:`post_totals`) of the posts of ``scope``'s saved topic that
        retention purges took out, over the quarter-hours wholly inside its
        bounds, where its volume counts them (the topic alone, no platform
        or language filter; else no row): positive, negative and neutral as
        the purge kept them per quarter-hour, ``""`` for the rest (not
        scored, or purged before their sentiment was kept), unless not
        ``unscored`` (a chart of net sentiment reads none). ``post_totals``
        by sentiment reads the posts held only; a topic's breakdown and
        sentiment over time add these, as its headline does."""
        ...

    def window_totals(
        self, scope: Scope, periods: Sequence[Period]
    ) -> list[tuple[int, int | None]]:
        """``(posts, engagement)`` of ``scope`` over each of ``periods`` (that
        do not overlap; ``scope``'s own time bounds are not read), as
        ``post_totals(scope.during(period))`` counts them: a KPI's history,
        its windows side by side, in as few reads as the backend can.
        Engagement is ``None`` where no post gave counts."""
        ...

    def posts_begin(self) -> datetime | None:
        """When the posts held begin: the oldest post's ``published_at`` (as
        ``iter_posts`` gives it first), ``None`` while there is none. One
        ``min()``, not a sort of every post."""
        ...

    def topic_counts_begin(self, topic_id: int) -> datetime | None:
        """When what saved topic ``topic_id`` counts begins: its oldest post,
        held or taken out by a retention purge (whose counts the topic's
        totals keep), to the quarter-hour; ``None`` while it counts none.
        A count of the topic over days before :meth:`posts_begin` is whole."""
        ...

    # -- top lists ----------------------------------------------------------------

    def top_posts(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[Post]:
        """The ``limit`` posts of ``scope`` (bounded to a period) with the most
        engagement or reach (``by``), newest first among equals;
        ``unclustered``: only posts outside any story cluster."""
        ...

    def top_authors(
        self, scope: Scope, period: Period, *, by: str = "posts", limit: int = 10
    ) -> list[tuple[str, str, str | None, int, int, int | None]]:
        """``(platform, handle, name, posts, engagement, followers)`` of the best
        authors by posts, engagement or followers, then posts, handle, platform.
        Posts without an author (an empty handle) are left out; ``engagement``
        is ``None`` when none of their posts of the period gave like, share
        and reply counts, ``followers`` when none gave a follower count, and
        an unknown value ranks after every known one (see
        :func:`~veille.store.protocols.known.authors_known`)."""
        ...

    def author_count(self, scope: Scope, period: Period) -> int:
        """How many (platform, handle) posted in ``scope`` over ``period``; a
        post without an author (an empty handle) is nobody's."""
        ...

    def top_entities(
        self, scope: Scope, kind: str, limit: int | None
    ) -> list[tuple[str, int, int | None]]:
        """``(value, posts, engagement)`` of the hashtags, domains, links or
        mentions (``kind``) held by the most posts of ``scope`` (bounded to a
        period), then by engagement (``None`` where none of the value's posts
        gave counts, after a known 0) and value; every value when ``limit`` is
        ``None``. Hashtags and mentions are ASCII-lower-cased (SQL's
        ``lower()``); analytics folds the case and accents of both further."""
        ...

    def top_clusters(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[tuple[str, int, int | None, int | None, tuple[str, ...], Post]]:
        """``(cluster, posts, reach, engagement, platforms, earliest post)`` of
        the best near-duplicate clusters of ``scope`` (bounded to a period);
        reach ``None`` where none of the cluster's posts gave a follower count,
        engagement where none gave counts, ranked after every known value."""
        ...

    def story_count(self, scope: Scope) -> int:
        """Posts outside clusters plus distinct clusters, in ``scope`` (bounded
        to a period)."""
        ...

    # -- the posts a page shows, ranked and cut, then read once -------------------

    def top_post_keys(
        self, scope: Scope, *, by: str = "engagement", limit: int = 10, unclustered: bool = False
    ) -> list[PostKey]:
        """The keys of :meth:`top_posts`'s posts, in its order, whole (the
        platform and the counts a story outside clusters is ranked by)."""
        ...

    def top_cluster_keys(
        self, scope: Scope, *, by: str = "reach", limit: int = 10
    ) -> list[ClusterKeys]:
        """:meth:`top_clusters` with the key of each cluster's earliest post
        in place of the post (its id and time; a cluster ranks by its own
        figures, so the rest of the key may be left out)."""
        ...

    def recent_post_keys_by(
        self, scope: Scope, groups: Sequence[Sequence[Account]], limit: int
    ) -> list[list[PostKey]]:
        """The keys of :meth:`recent_posts_by`'s posts, in its order (their
        ids and times; the rest of a key may be left out)."""
        ...

    def posts_shown(self, keys: Sequence[PostKey]) -> list[Post]:
        """The posts of ``keys`` (as the ``…_keys`` methods give them), in
        that order, a key whose post is gone left out, in one read: with at
        least what a list of posts shows (id, platform, url, author's handle,
        name and follower count, title, text, language, ``published_at``,
        like, share and reply counts and whether they were given, cluster);
        a backend that reads each column apart may leave the others empty
        (no raw payload, no entities)."""
        ...

    def headline_figures(
        self,
        scope: Scope,
        periods: Sequence[Period],
        by: tuple[str, ...] = (),
        *,
        posts_only: bool = False,
        series: Any = None,
    ) -> list[dict[str, Any]]:
        """For each of ``periods`` (that do not overlap; ``scope``'s own time
        bounds are not read): posts, engagement, reach, authors, stories and
        net_sentiment of ``scope`` over it, with the positive, negative and
        neutral counts net_sentiment comes from (as :meth:`sentiment_totals`),
        ``given`` and ``followed`` (the posts that gave like, share and reply
        counts, and those that gave a follower count: what engagement and
        reach cover),
        and, under ``"by"``, each dimension of ``by`` (as :meth:`post_totals`
        takes them) to its rows ``(value, posts, engagement, reach)``, as
        ``post_totals(scope.during(period), (dim,))`` gives them. A page that
        shows a period beside the one before, and its breakdowns, reads them
        in one call. ``posts_only``: the caller reads only the breakdowns'
        posts, so a store may give ``None`` as their engagement and reach
        where reading their posts alone is cheaper (SQLite reads a saved
        topic's posts by platform from its author rollup). ``series`` (hours,
        days or weeks, as :meth:`post_totals` takes its ``buckets``): the
        first period's dict holds under ``"series"`` its rows ``(bucket,
        sentiment, posts, engagement, reach)``, as ``post_totals(
        scope.during(periods[0]), ("sentiment",), series)`` gives them (a
        report's net sentiment over time: SQLite reads them with the
        breakdowns, in one pass over a topic's posts)."""
        ...

    # -- who speaks -----------------------------------------------------------------

    def author_activity(self, scope: Scope) -> list[tuple[Any, ...]]:
        """Rows ``(platform, handle, source, name, url, followers, engagement,
        posts, lang)`` of ``scope`` (bounded to a period), one per author,
        source and language; ``followers`` is ``None`` when no post gave it,
        ``engagement`` when none gave like, share and reply counts."""
        ...

    def author_reads(self, scope: Scope) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """:meth:`author_activity` and :meth:`conversation_links` of
        ``scope`` (a list, where a link may come in several rows, to be
        summed), read together where a store reads them quicker so (the
        reads behind influencers)."""
        ...

    def author_post_counts(self, flt: PostFilter, authors: Sequence[Account]) -> dict[Account, int]:
        """Posts of each account under ``flt``, on topic or not."""
        ...

    def conversation_links(self, scope: Scope) -> Iterator[tuple[Any, ...]]:
        """``(author, mentions, replied-to author, reposted author, posts)``:
        the posts of ``scope`` counted by those four, ``mentions`` as
        space-separated text (``''`` for none) and the others ``None`` when
        the post replies to or reposts nothing known; in no set order."""
        ...

    def interactions_of(
        self, handles: Sequence[str], period: Period | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """``(mentions, replied-to platform, replied-to author, published_at,
        platform, author)`` of every post by the authors ``handles`` (compared
        lower case, no ``@``) on any platform, or of those published in
        ``period`` (what the organization engaged in over a KPI's window); the
        caller keeps the posts of its accounts' platforms."""
        ...

    def recent_posts_by(
        self, scope: Scope, groups: Sequence[Sequence[Account]], limit: int
    ) -> list[list[Post]]:
        """For each group of accounts (one person's, an influencer's), the
        newest ``limit`` posts of ``scope`` by any of them, newest first: one
        call for a page of influencers."""
        ...

    def posts_by_source(self, scope: Scope) -> dict[str, tuple[int, int]]:
        """``source -> (posts, engagement)`` of ``scope`` (bounded to a period)."""
        ...

    def story_texts(
        self, scope: Scope, *, sample: int = STORY_SAMPLE
    ) -> Iterator[tuple[str, str | None, str, int, str | None]]:
        """``(story, title, text, published_at, lang)`` of every post of ``scope``; with
        ``sample`` below :data:`STORY_SAMPLE`, only the posts of the stories
        whose key's CRC-32 modulo :data:`STORY_SAMPLE` is below it (the same
        stories on every store and every run)."""
        ...

    def term_counts(
        self,
        scope: Scope,
        split: int,
        *,
        sample: int = STORY_SAMPLE,
        phrases: bool = True,
        min_stories: int = 1,
    ) -> TermCounts:
        """The stories of ``scope`` published from ``split`` on (the
        period) and before it (the baseline), and those holding each
        trending term, from the terms kept with each post when it was
        written (:func:`veille.analytics.trends.post_terms`); sampled as
        :meth:`story_texts`; two-word keys left out without ``phrases``.
        The same counts as :func:`count_terms` over the posts' terms."""
        ...

    # -- topics and the column copy -----------------------------------------------------

    def topic_filed_version(self, topic_id: int) -> int | None:
        """The topic version every stored post has been filed for, or ``None``."""
        ...

    def file_topic_backlog(self, topic_id: int, version: int, matching: Scope) -> int:
        """File the stored posts of ``matching`` under the topic (and unfile the
        others), record ``version`` as complete; return the filings changed."""
        ...

    def forget_topic(self, topic_id: int) -> None:
        """Forget everything kept under the saved topic ``topic_id``, which
        was removed: its filings, its filed version and what the rollups
        count under it (the purged days' included). A SQLite state gives a
        later topic the id again."""
        ...

    def keep_columns(self) -> Any:
        """Keep, in this store object, what makes repeated aggregations over
        ad-hoc queries fast in a long-lived process (a dashboard); a column
        store has nothing to keep."""
        ...

    def drop_columns(self) -> None:
        """Forget what :meth:`keep_columns` kept."""
        ...

    # -- accounts that may be one person (state the user decides) -------------------

    def author_link_decisions(self) -> dict[tuple[Account, Account], str]:
        """``(account, account) -> 'same' | 'different'``, each pair sorted."""
        ...

    def accounts_named(self, handle: str) -> list[Account]:
        """Accounts whose handle is ``handle`` (lower case, no ``@``), on any platform."""
        ...

    def accounts_on(self, platform: str, limit: int = 2000) -> list[Account]:
        """Some accounts of ``platform`` (for "did you mean" hints)."""
        ...

    def decide_author_link(self, a: Account, b: Account, decision: str, evidence: str = "") -> None:
        """Remember that ``a`` and ``b`` are the same person or not."""
        ...


class AnalyticsPostsTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
