"""ClickHouse's part of veille.store.unlinked: what an erasure takes out
of the posts that point at the posts it deletes (every stored version, by
mutations run synchronously, as the erasure's deletes are), and the new key
of a story keyed by one of them (:func:`rekey_stories`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from veille.store.clickhouse.filters import POSTS
from veille.store.clickhouse.rows import KNOWN_COLUMNS, stored_dict
from veille.store.protocols.privacy import story_key
from veille.store.unlinked import ErasedPosts, erased_ref

if TYPE_CHECKING:
    from veille.store.clickhouse.takeout import Rollup

SYNC = " SETTINGS mutations_sync = 2"


def unlink_posts(store: Any, part: list[str], removed: dict[str, int]) -> None:
    """Take the posts ``part`` out of every version of the other posts
    that point at them (veille.store.unlinked): one mutation, run
    synchronously, over the versions of posts answering, reposting or
    linking to them or in a thread one of them began."""
    erased = ErasedPosts.of(
        store.rows(
            "SELECT DISTINCT id, native_id, ifNull(url, ''), ifNull(canonical_url, '') "
            "FROM posts WHERE id IN {ids:Array(String)}",
            {"ids": part},
        )
    )
    ids = sorted(erased.ids)
    if not ids:
        return
    params: dict[str, Any] = {
        "ids": ids,
        "refs": [erased_ref(i) for i in ids],
        "urls": sorted(erased.urls),
    }
    where = (
        "id NOT IN {ids:Array(String)} AND (parent_id IN {ids:Array(String)} "
        "OR thread_id IN {ids:Array(String)} OR repost_of IN {ids:Array(String)} "
        "OR hasAny(links, {urls:Array(String)}))"
    )
    n = int(store.rows(f"SELECT count(DISTINCT id) FROM posts WHERE {where}", params)[0][0])
    removed["post_references"] = removed.get("post_references", 0) + n
    if not n:
        return
    raw = "raw"
    for k, (pattern, replacement) in enumerate(erased.patterns()):
        params[f"p{k}"], params[f"r{k}"] = pattern, replacement
        raw = f"replaceRegexpAll({raw}, {{p{k}:String}}, {{r{k}:String}})"
    sets = [
        f"{c} = if({c} IN {{ids:Array(String)}}, arrayElement({{refs:Array(String)}}, "
        f"indexOf({{ids:Array(String)}}, assumeNotNull({c}))), {c})"
        for c in ("parent_id", "thread_id", "repost_of")
    ]
    # Each assignment reads the row as it was: links_f drops what links does.
    sets += [
        "links_f = arrayFilter((f, x) -> NOT has({urls:Array(String)}, x), links_f, links)",
        "links = arrayFilter(x -> NOT has({urls:Array(String)}, x), links)",
        f"raw = {raw}",
    ]
    store.client.command(f"ALTER TABLE posts UPDATE {', '.join(sets)} WHERE {where}{SYNC}", params)
    # The filings' copies of the posts carry their links too (schema.FILING_COPY).
    linked = "post_id NOT IN {ids:Array(String)} AND hasAny(links, {urls:Array(String)})"
    if store.rows(f"SELECT count() FROM topic_filings WHERE {linked}", params)[0][0]:
        kept = "arrayFilter(x -> NOT has({urls:Array(String)}, x), links)"
        store.client.command(
            f"ALTER TABLE topic_filings UPDATE links = {kept} WHERE {linked}{SYNC}", params
        )


def count_rows(store: Any, tables: list[tuple[str, str]], params: dict[str, Any]) -> list[int]:
    """How many rows of each ``(table, where)`` answer, in one query (a chDB
    query costs its floor, a few milliseconds, whatever it reads)."""
    if not tables:
        return []
    found = store.rows(
        "SELECT " + ", ".join(f"(SELECT count() FROM {t} WHERE {w})" for t, w in tables),
        params,
    )[0]
    return [int(n) for n in found]


def rekey_stories(
    store: Any, ids: list[str], rollups: list[Rollup], removed: dict[str, int]
) -> None:
    """Other posts of stories keyed by one of ``ids`` (deleted) get the
    story's new key (:func:`~veille.store.protocols.privacy.story_key`)."""
    p = {"ids": ids}
    # Every version of the other posts naming the story (the older ones
    # until a merge, and those written below: the key they replace), the
    # older copies of them that filings carry (schema.TOPIC_FILINGS), and
    # the rollups keyed by it (their rows now sum to nothing: the key itself
    # goes), counted in one read. (Every open brings ``posts`` to the newest
    # schema, prev_cluster_id included: schema.ADDED_COLUMNS.)
    named = [("posts", "cluster_id"), ("posts", "prev_cluster_id"), ("topic_filings", "cluster_id")]
    keyed_rollups = [r.table for r in rollups if "cluster_id" in r.columns]
    counted = [
        *((t, f"{c} IN {{ids:Array(String)}}") for t, c in named),
        *((t, "cluster_id IN {ids:Array(String)}") for t in keyed_rollups),
    ]
    counts = count_rows(store, counted, p)
    removed["story_keys"] = removed.get("story_keys", 0)
    if counts[0]:
        # Some post's version names the story: its current one is written
        # again under the new key (read only then: a read of the current
        # versions by story scans every post, and most erased posts key no
        # story of others' posts).
        olds = [
            stored_dict(r)
            for r in store.rows(
                f"SELECT {KNOWN_COLUMNS} FROM {POSTS} "
                "WHERE cluster_id IN {ids:Array(String)} AND id NOT IN {ids:Array(String)}",
                p,
            )
        ]
        # Inserted as they are: the versions they replace are counted under
        # the old key, which the rollups take out here (a write from outside
        # naming that key is given the new one: see ClickHousePrivacy._unforgotten).
        store._insert_versions([({**o, "cluster_id": story_key(o["cluster_id"])}, o) for o in olds])
        removed["story_keys"] += len(olds)
        if olds:  # (their versions name the old key too: counted again)
            counts = count_rows(store, counted, p)
    keyed = {"ids": ids, "keys": [story_key(i) for i in ids]}
    for (table, column), n in zip(named, counts[: len(named)], strict=True):
        if not n:
            continue
        mapped = (
            f"if({column} IN {{ids:Array(String)}}, "
            f"arrayElement({{keys:Array(String)}}, indexOf({{ids:Array(String)}}, "
            f"assumeNotNull({column}))), {column})"
        )
        where = f"{column} IN {{ids:Array(String)}}"
        store.client.command(
            f"ALTER TABLE {table} UPDATE {column} = {mapped} WHERE {where}{SYNC}", keyed
        )
    for table, n in zip(keyed_rollups, counts[len(named) :], strict=True):
        if n:
            store.client.command(
                f"ALTER TABLE {table} DELETE WHERE cluster_id IN {{ids:Array(String)}}{SYNC}", p
            )
