"""The stories' texts and their kept trending terms, as ClickHouse reads
them for :mod:`veille.analytics.trends` (see
:mod:`veille.store.protocols.analytics`: ``story_texts``, ``term_counts``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from veille.store.clickhouse.filters import POSTS
from veille.store.protocols.analytics import STORY_SAMPLE, TermCounts

if TYPE_CHECKING:
    from veille.analytics.scope import Scope


def _sampled(where: str, params: dict[str, Any], sample: int) -> str:
    """``where`` kept to the sample of stories (all of them at
    :data:`STORY_SAMPLE`). ClickHouse's CRC32 is zlib's: the same stories as
    SQLite's; taken here, the others' rows are not read (30 days' trends at
    1M: 4.9 -> 3.7 s)."""
    if sample >= STORY_SAMPLE:
        return where
    params["sample"] = sample
    return f"{where} AND CRC32(ifNull(cluster_id, id)) % {STORY_SAMPLE} < {{sample:UInt32}}"


class ClickHouseStories:
    """Mixed into :class:`veille.store.clickhouse.store.ClickHouseStore`."""

    if TYPE_CHECKING:  # provided by the store class this is mixed into

        def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[list[Any]]: ...

        def scoped(self, scope: Scope) -> tuple[str, dict[str, Any]]: ...

    def story_texts(
        self, scope: Scope, *, sample: int = STORY_SAMPLE
    ) -> Iterator[tuple[str, str | None, str, int, str | None]]:
        where, params = self.scoped(scope)
        where = _sampled(where, params, sample)
        for r in self.rows(
            f"SELECT ifNull(cluster_id, id), title, text, published_at, lang FROM {POSTS} "
            f"WHERE {where} ORDER BY published_at, seq",
            params,
        ):
            yield (r[0], r[1], r[2], r[3], r[4])

    def term_counts(
        self,
        scope: Scope,
        split: int,
        *,
        sample: int = STORY_SAMPLE,
        phrases: bool = True,
        min_stories: int = 1,
    ) -> TermCounts:
        """Counted here (``ARRAY JOIN`` of the kept terms, ``uniqExact`` of
        the stories holding each), so that only the terms held by
        ``min_stories`` stories of the period come back, with their forms."""
        where, params = self.scoped(scope)
        where = _sampled(where, params, sample)
        params.update(split=split, floor=min_stories)
        # Each story as the 128-bit SipHash of its key: what ``uniqExact`` of
        # a String counts (it keeps that hash of each value, not the value),
        # so the same counts; hashed once a post here, where given the key it
        # hashed it again on every row of the ``ARRAY JOIN`` below (a post's
        # dozen terms) and carried the key's text along each. A topic's 30
        # days' trends at 1M posts, this query's CPU: 430-600 -> 260-330 ms.
        posts = (
            "(SELECT reinterpretAsUInt128(sipHash128(ifNull(cluster_id, id))) AS story, "
            "published_at >= {split:Int64} AS cur, "
            f"published_at, seq, term_keys, term_forms FROM {POSTS} WHERE {where})"
        )
        ((c, d),) = self.rows(
            f"SELECT uniqExactIf(story, cur), uniqExactIf(story, NOT cur) FROM {posts}", params
        )
        words = "" if phrases else "WHERE position(k, ' ') = 0"
        counted = {
            k: (int(a), int(b))
            for k, a, b in self.rows(
                f"SELECT k, uniqExactIf(story, cur) AS a, uniqExactIf(story, NOT cur) AS b "
                f"FROM {posts} ARRAY JOIN term_keys AS k {words} GROUP BY k "
                "HAVING a >= {floor:UInt64}",
                params,
            )
        }
        # The forms of the terms counted (given, not counted again). Of equal
        # counts, the form first written first (the order Python's count
        # over posts in time order keeps).
        forms: dict[str, list[str]] = {}
        if counted:
            params["held"] = list(counted)
            for k, f in self.rows(
                f"SELECT k, f FROM {posts} ARRAY JOIN term_keys AS k, term_forms AS f "
                "WHERE cur AND has({held:Array(String)}, k) "
                "GROUP BY k, f ORDER BY k, count() DESC, min((published_at, seq))",
                params,
            ):
                forms.setdefault(k, []).append(f or k)
        return TermCounts(int(c), int(d), counted, {k: tuple(v) for k, v in forms.items()})
