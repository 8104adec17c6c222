"""Who speaks in a scope, in ClickHouse (part of :class:`ClickHouseAnalytics`):
authors, their posts and the links between them, and the user's decisions
about accounts that may be one person (``author_links``)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from veille.models import Post
from veille.store.clickhouse.filters import POSTS, filter_where
from veille.store.protocols.analytics import PostKey, newest_of_groups

if TYPE_CHECKING:
    from veille.analytics.scope import Period, Scope
    from veille.store.base import PostFilter

ENG = "(likes + shares + replies)"
# A handle as compared across the store: no leading ``@``, lower case (ASCII
# letters, as SQLite's lower()).
_FOLDED = "lower(replaceRegexpOne(author_handle, '^@+', ''))"


def _referenced(posts: str) -> str:
    """The authors of the posts that those of the query ``posts`` reply to or
    repost (``id``, ``platform``, ``author_handle``; looked up by id among
    every post), to join on: only those go into the join's table, not every
    post's (the last 30 days' links at 1M posts: 311 -> 192 ms)."""
    return (
        f"(SELECT id, platform, author_handle FROM {POSTS} WHERE id IN ("
        "SELECT arrayJoin(arrayFilter(x -> x != '', [ifNull(parent_id, ''), "
        f"ifNull(repost_of, '')])) FROM ({posts})))"
    )


_JOIN = " SETTINGS join_use_nulls = 1"


class ClickHousePeople:
    """Authors, their posts and the links between them."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def scoped(self, scope: Scope) -> tuple[str, dict[str, Any]]: ...

        def write_row(self, table: str, row: dict[str, Any], version: str = "version") -> None: ...

        def posts_at(self, keys: list[list[Any]]) -> list[Post]: ...

    def author_activity(self, scope: Scope) -> list[tuple[Any, ...]]:
        where, params = self.scoped(scope)
        rows = self.rows(
            "SELECT platform AS pf, author_handle AS h, ifNull(source, '') AS s, "
            "max(author_name), max(author_url), max(author_followers), "
            f"if(countIf(counts_given != 0) > 0, toInt64(sum({ENG})), NULL), count(), "
            f"ifNull(lang, '') AS l FROM {POSTS} WHERE {where} "
            "GROUP BY pf, h, s, l ORDER BY pf, h, s, l",
            params,
        )
        return [tuple(r) for r in rows]

    def author_reads(self, scope: Scope) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        return self.author_activity(scope), list(self.conversation_links(scope))

    def author_post_counts(
        self, flt: PostFilter, authors: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        wanted = set(authors)
        if not wanted:
            return {}
        where = filter_where(flt)
        rows = self.rows(
            f"SELECT platform, author_handle, count() FROM {POSTS} WHERE "
            f"{where.and_('author_handle IN {handles:Array(String)}')} "
            "GROUP BY platform, author_handle",
            {**where.params, "handles": sorted({h for _p, h in wanted})},
        )
        return {(p, h): int(n) for p, h, n in rows if (p, h) in wanted}

    def conversation_links(self, scope: Scope) -> Iterator[tuple[Any, ...]]:
        where, params = self.scoped(scope)
        refs = _referenced(f"SELECT * FROM {POSTS} WHERE {where}")
        # Grouped here, not in the caller: the last 30 days at 1M posts are
        # 20,189 groups of 81,915 posts (the query 186 -> 63 ms, unordered).
        rows = self.rows(
            "SELECT p.author_handle AS a, p.mentions AS m, par.author_handle AS r, "
            f"rep.author_handle AS o, count() FROM (SELECT * FROM {POSTS} WHERE {where}) AS p "
            f"LEFT JOIN {refs} AS par ON par.id = p.parent_id "
            f"LEFT JOIN {refs} AS rep ON rep.id = p.repost_of "
            f"GROUP BY a, m, r, o{_JOIN}",
            params,
        )
        for author, mentions, parent, original, n in rows:
            # Mentions as SQLite keeps them: space-separated text.
            yield (author, " ".join(mentions), parent, original, int(n))

    def interactions_of(
        self, handles: Sequence[str], period: Period | None = None
    ) -> Iterator[tuple[Any, ...]]:
        from veille.store.base import PostFilter

        folded = sorted({h.lstrip("@").lower() for h in handles})
        if not folded:
            return
        span = None if period is None else PostFilter(since=period.since, until=period.until)
        when = filter_where(span, {"handles": folded})
        mine = f"SELECT * FROM {POSTS} WHERE {when.and_(f'{_FOLDED} IN {{handles:Array(String)}}')}"
        rows = self.rows(
            "SELECT p.mentions, par.platform, par.author_handle, p.published_at, p.platform, "
            "p.author_handle FROM "
            f"({mine}) AS p "
            f"LEFT JOIN {_referenced(mine)} AS par ON par.id = p.parent_id "
            f"ORDER BY p.published_at, p.seq{_JOIN}",
            when.params,
        )
        for r in rows:
            yield (" ".join(r[0]), *r[1:])

    def recent_posts_by(
        self, scope: Scope, groups: Sequence[Sequence[tuple[str, str]]], limit: int
    ) -> list[list[Post]]:
        """Two queries for all the groups: the newest ``limit`` posts of each
        account on a few columns (``LIMIT … BY``), then the rows of those each
        group keeps (a query a group, each reading whole posts of its
        accounts' period: 25 influencers took 435 ms at 1M posts)."""
        kept = self.recent_post_keys_by(scope, groups, limit)
        found = {
            p.id: p for p in self.posts_at([[k.id, k.published_at] for ks in kept for k in ks])
        }
        return [[found[k.id] for k in ks if k.id in found] for ks in kept]

    def recent_post_keys_by(
        self, scope: Scope, groups: Sequence[Sequence[tuple[str, str]]], limit: int
    ) -> list[list[PostKey]]:
        accounts = sorted({tuple(a) for authors in groups for a in authors})
        if not accounts:
            return [[] for _ in groups]
        where, params = self.scoped(scope)
        params.update(
            {
                "rp_pf": [a[0] for a in accounts],
                "rp_h": [a[1] for a in accounts],
                "rp_handles": sorted({a[1] for a in accounts}),
                "lim": limit,
            }
        )
        rows = self.rows(
            f"SELECT platform, author_handle, id, published_at, seq FROM {POSTS} "
            f"WHERE {where} AND author_handle IN {{rp_handles:Array(String)}} "
            "AND has(arrayZip({rp_pf:Array(String)}, {rp_h:Array(String)}), "
            "(platform, author_handle)) "
            "ORDER BY published_at DESC, seq DESC LIMIT {lim:UInt64} BY platform, author_handle",
            params,
        )
        newest: dict[tuple[str, str], list[tuple[int, int, str, str]]] = {}
        for platform, handle, post_id, at, seq in rows:
            newest.setdefault((platform, handle), []).append((int(at), int(seq), post_id, platform))
        kept = newest_of_groups(groups, newest, limit)
        return [[PostKey(k[2], k[0], k[3]) for k in ks] for ks in kept]

    # -- the user's decisions about accounts that may be one person --------------

    def author_link_decisions(self) -> dict[tuple[tuple[str, str], tuple[str, str]], str]:
        rows = self.rows(
            "SELECT platform_a, handle_a, platform_b, handle_b, decision FROM author_links FINAL"
        )
        return {((pa, ha), (pb, hb)): d for pa, ha, pb, hb, d in rows}

    def decide_author_link(
        self, a: tuple[str, str], b: tuple[str, str], decision: str, evidence: str = ""
    ) -> None:
        (pa, ha), (pb, hb) = sorted((a, b))
        self.write_row(
            "author_links",
            {
                "platform_a": pa, "handle_a": ha, "platform_b": pb, "handle_b": hb,
                "decision": decision, "evidence": evidence, "decided_at": int(time.time()),
            },
        )  # fmt: skip

    def accounts_named(self, handle: str) -> list[tuple[str, str]]:
        wanted = handle.lstrip("@").lower()
        rows = self.rows(
            f"SELECT DISTINCT platform FROM {POSTS} WHERE {_FOLDED} = {{h:String}}", {"h": wanted}
        )
        return sorted((str(r[0]), wanted) for r in rows)

    def accounts_on(self, platform: str, limit: int = 2000) -> list[tuple[str, str]]:
        rows = self.rows(
            f"SELECT DISTINCT {_FOLDED} FROM {POSTS} WHERE platform = {{p:String}} "
            "LIMIT {lim:UInt64}",
            {"p": platform, "lim": limit},
        )
        return [(platform, r[0]) for r in rows]
