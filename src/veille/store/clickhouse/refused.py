"""What a write of posts leaves out, read from ``forgotten`` in one query.

A write (:meth:`~veille.store.clickhouse.store.ClickHouseStore._write`)
leaves out the posts of a person an erasure forgot (or who objects), gives a
story keyed by an erased post its new key, and leaves out the posts a
retention purge deleted. It asked ``forgotten`` each of these apart: two
queries for every batch, three once anyone was erased. A chDB query costs
its floor (a few milliseconds) whatever it reads, so they are asked
together. The stories and the purged names are asked for every row of the
batch, before a forgotten person's rows are left out: a superset, of which
only the rows kept are used, so the answers are those the questions asked
apart gave. A filing of posts under topics (``ClickHouseFilings.file_posts``)
asks the people and the purged names in the same query."""

from __future__ import annotations

from typing import Any

from veille.store.clickhouse.purged import purged_among
from veille.store.protocols.privacy import (
    PURGED,
    PURGED_UNNAMED,
    erased_until,
    post_key,
    refusals,
    story_key,
)

Pair = tuple[dict[str, Any], dict[str, Any] | None]

# Purged names asked in the one query (as ``purged_among`` asks them, per
# chunk); a batch of more posts asks for the rest apart.
_NAMES = 5000

_READ = (
    "SELECT kind, key, max(erased_at) FROM forgotten "
    "WHERE kind IN ('author', 'objection', 'lifted') "
    "OR (kind = 'post' AND key IN {stories:Array(String)}) "
    "OR (kind = {purged:String} AND key IN {names:Array(String)}) "
    "OR kind = {unnamed:String} "
    "GROUP BY kind, key"
)


def _rekeyed(row: dict[str, Any], gone: set[str]) -> dict[str, Any]:
    """``row`` with its story under its new key if it was keyed by an erased post."""
    if row.get("cluster_id") in gone:
        return {**row, "cluster_id": story_key(row["cluster_id"])}
    return row


def refused(
    store: Any, pairs: list[Pair], *, purges: bool
) -> tuple[list[Pair], set[str], set[str]]:
    """``pairs`` (a post version to write, the stored one it replaces) as a
    write stores them: less those of a forgotten person published until
    their erasure (their ids: the second item), a story keyed by an erased
    post under its new key in both; given ``purges``, less those a retention
    purge deleted (their ids: the third item). Call it under the store's
    ``forget_lock`` (shared), with the insert."""
    if not pairs:
        return pairs, set(), set()
    stories = {post_key(c): c for pair in pairs for r in pair if r and (c := r.get("cluster_id"))}
    ids = [row["id"] for row, _old in pairs] if purges else []
    rows = forgotten_rows(store, list(stories), ids)
    kept, dropped = pairs, set()
    people = refusals(rows)  # (which reads the kinds naming people only)
    if people:
        kept = []
        for row, old in pairs:
            at = erased_until(people, row["platform"], row["author_handle"] or "")
            if at is not None and row["published_at"] <= at:
                dropped.add(row["id"])
            else:
                kept.append((row, old))
        gone = {stories[k] for kind, k, _at in rows if kind == "post" and k in stories}
        if gone:
            kept = [(_rekeyed(row, gone), old and _rekeyed(old, gone)) for row, old in kept]
    if not purges or not kept:
        return kept, dropped, set()
    published = {row["id"]: int(row["published_at"]) for row, _old in kept}
    expired = purged_in(store, rows, ids, published)
    if expired:
        kept = [(row, old) for row, old in kept if row["id"] not in expired]
    return kept, dropped, expired


def forgotten_rows(store: Any, stories: list[str], ids: list[str]) -> list[list[Any]]:
    """``forgotten``'s ``(kind, key, at)`` rows a write reads, in one query:
    those naming people, the erased posts among the story keys ``stories``
    (:func:`post_key` s), and the purged posts among the first
    :data:`_NAMES` of ``ids`` (:func:`purged_in` asks for the rest)."""
    return store.rows(
        _READ,
        {"stories": stories, "names": [post_key(i) for i in ids[:_NAMES]],
         "purged": PURGED, "unnamed": PURGED_UNNAMED},
    )  # fmt: skip


def purged_in(
    store: Any, rows: list[list[Any]], ids: list[str], published: dict[str, int]
) -> set[str]:
    """Those of ``published`` (id: publication in seconds; some or all of
    the ``ids`` :func:`forgotten_rows` read ``rows`` for) that a retention
    purge deleted, as :func:`~veille.store.clickhouse.purged.purged_among`
    answers."""
    named = {k for kind, k, _at in rows if kind == PURGED}
    found = {i for i in ids[:_NAMES] if i in published and post_key(i) in named}
    rest = [(i, published[i]) for i in ids[_NAMES:] if i in published]
    if rest:
        found |= purged_among(store, rest)
    before = next((int(at) for kind, _k, at in rows if kind == PURGED_UNNAMED), None)
    if before is not None:
        found.update(i for i, at in published.items() if at < before)
    return found
