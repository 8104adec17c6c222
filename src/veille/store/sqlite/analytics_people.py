"""Who speaks in a scope, in SQLite (part of :class:`SQLiteAnalytics`): the
reads behind influencers, share-of-voice coverage and trending terms, and the
user's decisions about accounts that may be one person (``author_links``)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.protocols.analytics import (
    STORY_SAMPLE,
    PostKey,
    TermCounts,
    newest_of_groups,
    post_key,
    story_bucket,
)
from veille.store.sqlite.analytics_authors import author_rows, rollup_topic
from veille.store.sqlite.analytics_sql import ENG, KNOWN_POST_ENGAGEMENT, scope_sql

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.store.base import PostFilter

_CHUNK = 400  # handles per statement (older SQLite builds allow 999 parameters)


def _folded(column: str) -> str:
    """An author handle as compared across the store: lower case, no ``@``."""
    return f"lower(ltrim({column}, '@'))"


class SQLitePeople:
    """Authors, their posts and the links between them."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by the analytics class this is mixed into

        def posts_keyed(self, keys: list[int]) -> dict[int, Post]: ...

        def _index_count(self, match: str, flt: PostFilter | None) -> int | None:
            """Posts of ``flt``'s period holding the full-text ``match``."""
            ...

    def author_activity(self, scope: Scope) -> list[tuple[Any, ...]]:
        """Rows ``(platform, handle, source, name, url, followers, engagement,
        posts, lang)`` of ``scope`` (bounded to a period), one per author,
        source and language; ``followers`` is ``None`` when no post gave it,
        ``engagement`` when none gave like, share and reply counts."""
        where, params = scope_sql(self.conn, scope)
        return self.conn.execute(
            "SELECT p.platform, p.author_handle, coalesce(p.source, ''), max(p.author_name), "
            f"max(p.author_url), max(p.author_followers), {KNOWN_POST_ENGAGEMENT}, count(*), "
            f"coalesce(p.lang, '') FROM posts p WHERE {where} GROUP BY 1, 2, 3, 9",
            params,
        ).fetchall()

    def author_reads(self, scope: Scope) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """:meth:`author_activity` and :meth:`conversation_links` of
        ``scope`` from one pass over its posts, grouped by both rows' keys,
        then each summed from those groups: the scope's posts are found (a
        query's matched) and sorted once instead of twice (a topic's month at
        1M posts: 120 + 97 ms of SQLite for the two, 147 for this one pass).
        A link may come in several rows (by the author's platform, source and
        language): the caller sums them."""
        where, params = scope_sql(self.conn, scope)
        rows = self.conn.execute(
            "WITH g AS MATERIALIZED (SELECT p.platform AS pf, p.author_handle AS h, "
            "coalesce(p.source, '') AS s, coalesce(p.lang, '') AS l, "
            "coalesce(p.mentions, '') AS m, par.author_handle AS r, rep.author_handle AS o, "
            "max(p.author_name) AS name, max(p.author_url) AS url, "
            "max(p.author_followers) AS f, sum(p.counts_given) AS given, "
            f"sum({ENG}) AS e, count(*) AS n FROM posts p "
            "LEFT JOIN posts par ON par.id = p.parent_id "
            f"LEFT JOIN posts rep ON rep.id = p.repost_of WHERE {where} "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7) "
            # author_activity's rows, as its GROUP BY orders them...
            "SELECT 0, pf, h, s, name, url, f, CASE WHEN given > 0 THEN e END, n, l FROM ("
            "SELECT pf, h, s, l, max(name) AS name, max(url) AS url, max(f) AS f, "
            "sum(given) AS given, sum(e) AS e, sum(n) AS n FROM g GROUP BY pf, h, s, l) "
            # ...then the links.
            "UNION ALL SELECT 1, h, m, r, o, n, NULL, NULL, NULL, NULL FROM g",
            params,
        )
        activity: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        for row in rows:
            if row[0]:
                links.append(row[1:6])
            else:
                activity.append(row[1:])
        return activity, links

    def author_post_counts(
        self, flt: PostFilter, authors: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        """Posts of each ``(platform, handle)`` under ``flt``, on topic or not."""
        from veille.analytics.scope import Period, Scope

        scope = Scope(flt=flt)
        out: dict[tuple[str, str], int] = {}
        wanted = set(authors)
        if flt.since is not None and flt.until is not None and rollup_topic(scope) == 0:
            # Every author of the period from the author rollup, in one pass:
            # a lookup per handle reads each author's posts of all time (the
            # 900 authors of a topic over a month of 1M posts: 1.5 s, most of
            # the influencers' 2.0; with this, they took 0.4 s).
            union, params = author_rows(self.conn, scope, Period(flt.since, flt.until), 0)
            summed = self.conn.execute(
                f"SELECT platform, handle, sum(posts) FROM ({union}) GROUP BY 1, 2", params
            )
            return {(pf, h): n for pf, h, n in summed if n > 0 and (pf, h) in wanted}
        where, params = scope_sql(self.conn, scope)
        rows = self._of_handles(
            "p.platform, p.author_handle, count(*)", where, params, {h for _p, h in authors},
            " GROUP BY 1, 2",
        )  # fmt: skip
        for platform, handle, n in rows:
            if (platform, handle) in wanted:
                out[(platform, handle)] = n
        return out

    def _of_handles(
        self,
        columns: str,
        where: str,
        params: list[Any],
        handles: set[str],
        tail: str = "",
        *,
        by_author: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of ``SELECT columns FROM posts p WHERE where`` (then ``tail``)
        for the posts by ``handles``, a statement per :data:`_CHUNK` of them;
        ``by_author``: found from the handles' posts in ``posts_author_published``
        (see :meth:`recent_posts_by`)."""
        names = sorted(handles)
        table = "posts p INDEXED BY posts_author_published" if by_author else "posts p"
        for i in range(0, len(names), _CHUNK):
            chunk = names[i : i + _CHUNK]
            yield from self.conn.execute(
                f"SELECT {columns} FROM {table} WHERE {where} "
                f"AND p.author_handle IN ({','.join('?' * len(chunk))}){tail}",
                [*params, *chunk],
            )

    def conversation_links(self, scope: Scope) -> Iterator[tuple[Any, ...]]:
        """``(author, mentions, replied-to author, reposted author, posts)``
        of ``scope``, its posts counted by those four (grouped here: a
        quarter of the rows for the caller to read at 1M posts)."""
        where, params = scope_sql(self.conn, scope)
        yield from self.conn.execute(
            "SELECT p.author_handle, coalesce(p.mentions, ''), par.author_handle, "
            "rep.author_handle, count(*) FROM posts p "
            "LEFT JOIN posts par ON par.id = p.parent_id "
            f"LEFT JOIN posts rep ON rep.id = p.repost_of WHERE {where} "
            "GROUP BY 1, 2, 3, 4",
            params,
        )

    def interactions_of(
        self, handles: Sequence[str], period: Period | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """``(mentions, replied-to platform, replied-to author, published_at,
        platform, author)`` of every post by the authors ``handles`` (compared
        lower case, without ``@``), on any platform (the caller keeps those of
        its accounts' platforms); only those published in ``period`` when given."""
        from veille.store.base import PostFilter
        from veille.store.sqlite.filters import filter_sql

        folded = sorted({h.lstrip("@").lower() for h in handles})
        if not folded:
            return
        span = None if period is None else PostFilter(since=period.since, until=period.until)
        when, params = filter_sql(span, "p")
        yield from self.conn.execute(
            "SELECT p.mentions, par.platform, par.author_handle, p.published_at, p.platform, "
            "p.author_handle FROM posts p "
            "LEFT JOIN posts par ON par.id = p.parent_id "
            f"WHERE {_folded('p.author_handle')} IN ({','.join('?' * len(folded))}) AND {when}",
            [*folded, *params],
        )

    def recent_post_keys_by(
        self, scope: Scope, groups: Sequence[Sequence[tuple[str, str]]], limit: int
    ) -> list[list[PostKey]]:
        """The keys of :meth:`recent_posts_by`'s posts (found whole: SQLite
        reads a post by key in microseconds)."""
        return [[post_key(p) for p in ps] for ps in self.recent_posts_by(scope, groups, limit)]

    def recent_posts_by(
        self, scope: Scope, groups: Sequence[Sequence[tuple[str, str]]], limit: int
    ) -> list[list[Post]]:
        """For each group of ``(platform, handle)``, the newest ``limit`` posts
        of ``scope`` by any of them: each account's newest keys, then the rows
        each group keeps.

        Without words or a query in the scope, an account's newest posts are
        read down ``posts_author_published`` from the period's end (a saved
        topic checked post by post) until ``limit`` are found: the 25
        influencers of a month at 1M posts, 1 ms. A query's full-text lookup
        would be made again for each account, so then the keys of all the
        accounts' posts of the period come in one query (21 ms there; reading
        the scope's posts newest first until the accounts' came up, 222),
        found from the accounts' posts of the period in
        ``posts_author_published``, each kept if the query matches it. SQLite
        chose to read every post the query matches instead and keep the
        accounts' (``lumio OR vexa`` over 30 days at 1M posts: 56,000 posts
        read for the 4,700 of 25 accounts, 47-108 ms; 22-43 ms this way)."""
        accounts = {(a[0], a[1]) for authors in groups for a in authors}
        if not accounts:
            return [[] for _ in groups]
        newest: dict[tuple[str, str], list[tuple[int, int]]] = {}
        if not scope.words and not scope.queries:
            where, params = scope_sql(self.conn, scope, lookup=True)
            sql = (
                "SELECT p.published_at, p.pk FROM posts p INDEXED BY posts_author_published "
                f"WHERE p.author_handle = ? AND p.platform = ? AND {where} "
                "ORDER BY p.published_at DESC, p.pk DESC LIMIT ?"
            )
            for platform, handle in sorted(accounts):
                args = [handle, platform, *params, limit]
                newest[platform, handle] = self.conn.execute(sql, args).fetchall()
        else:
            where, params = scope_sql(self.conn, scope)
            rows = self._of_handles(
                "p.platform, p.author_handle, p.published_at, p.pk", where, params,
                {h for _p, h in accounts}, by_author=True,
            )  # fmt: skip
            for platform, handle, at, pk in rows:
                if (platform, handle) in accounts:
                    newest.setdefault((platform, handle), []).append((at, pk))
        kept = newest_of_groups(groups, newest, limit)
        found = self.posts_keyed([pk for keys in kept for _at, pk in keys])
        return [[found[pk] for _at, pk in keys if pk in found] for keys in kept]

    def posts_by_source(self, scope: Scope) -> dict[str, tuple[int, int]]:
        """``source -> (posts, engagement)`` of ``scope`` (bounded to a period):
        a saved topic's from ``source_rollup``, whole UTC days, and the
        partial days at the edges from the posts
        (:mod:`veille.store.sqlite.analytics_sources`); else from the posts."""
        from veille.store.sqlite import analytics_sources

        if analytics_sources.rollup_answers(scope):
            return analytics_sources.source_totals(self.conn, scope)
        where, params = scope_sql(self.conn, scope)
        rows = self.conn.execute(
            f"SELECT coalesce(p.source, ''), count(*), sum({ENG}) FROM posts p "
            f"WHERE {where} GROUP BY 1",
            params,
        )
        return {s: (int(n), int(e or 0)) for s, n, e in rows}

    def story_texts(
        self, scope: Scope, *, sample: int = STORY_SAMPLE
    ) -> Iterator[tuple[str, str | None, str, int, str | None]]:
        """``(story, title, text, published_at, lang)`` of every post of ``scope``, or
        of a sample of its stories (see the protocol); a post's story is its
        near-duplicate cluster, or the post itself. The sample is taken on the
        rows read: a Python function called by SQLite for each row cost more
        than the texts it left unread (30 days' trends at 1M posts, 4.2 ->
        4.65 s)."""
        where, params = scope_sql(self.conn, scope)
        rows = self.conn.execute(
            "SELECT coalesce(p.cluster_id, p.id), p.title, p.text, p.published_at, p.lang "
            "FROM posts p "
            f"WHERE {where}",
            params,
        )
        if sample >= STORY_SAMPLE:
            yield from rows
            return
        for row in rows:
            if story_bucket(row[0]) < sample:
                yield row

    def term_counts(
        self,
        scope: Scope,
        split: int,
        *,
        sample: int = STORY_SAMPLE,
        phrases: bool = True,
        min_stories: int = 1,
    ) -> TermCounts:
        """Counted in Python over the posts' kept terms (see the protocol and
        :func:`veille.store.sqlite.terms.kept_term_counts`; a query's matches
        counted on the full-text index, kept since the trends counted them
        to size the sample, choose how its posts are read)."""
        from veille.store.sqlite.terms import kept_term_counts

        return kept_term_counts(
            self.conn, scope, split, sample=sample, phrases=phrases, min_stories=min_stories,
            matches=self._index_count,
        )  # fmt: skip

    # -- the user's decisions about accounts that may be one person --------------

    def author_link_decisions(self) -> dict[tuple[tuple[str, str], tuple[str, str]], str]:
        """``((platform, handle), (platform, handle)) -> 'same' | 'different'``,
        each pair in sorted order."""
        rows = self.conn.execute(
            "SELECT platform_a, handle_a, platform_b, handle_b, decision FROM author_links"
        )
        return {((pa, ha), (pb, hb)): d for pa, ha, pb, hb, d in rows}

    def decide_author_link(
        self, a: tuple[str, str], b: tuple[str, str], decision: str, evidence: str = ""
    ) -> None:
        """Remember that ``a`` and ``b`` (``(platform, handle)``) are the same
        person, or not (``decision``); a later decision replaces it."""
        (pa, ha), (pb, hb) = sorted((a, b))
        # One statement: atomic on its own.
        self.conn.execute(
            "INSERT INTO author_links (platform_a, handle_a, platform_b, handle_b, decision, "
            "evidence, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (platform_a, handle_a, platform_b, handle_b) DO UPDATE SET "
            "decision = excluded.decision, evidence = excluded.evidence, "
            "decided_at = excluded.decided_at",
            (pa, ha, pb, hb, decision, evidence, int(time.time())),
        )

    def accounts_named(self, handle: str) -> list[tuple[str, str]]:
        """``(platform, handle)`` of the accounts whose handle is ``handle``
        (compared lower case, without ``@``), the handle as compared."""
        rows = self.conn.execute(
            f"SELECT DISTINCT p.platform FROM posts p WHERE {_folded('p.author_handle')} = ?",
            (handle.lstrip("@").lower(),),
        )
        return sorted((platform, handle.lstrip("@").lower()) for (platform,) in rows)

    def accounts_on(self, platform: str, limit: int = 2000) -> list[tuple[str, str]]:
        """Some ``(platform, handle)`` accounts of ``platform`` (for hints)."""
        rows = self.conn.execute(
            f"SELECT DISTINCT {_folded('p.author_handle')} FROM posts p WHERE p.platform = ? "
            "LIMIT ?",
            (platform, limit),
        )
        return [(platform, h) for (h,) in rows]
