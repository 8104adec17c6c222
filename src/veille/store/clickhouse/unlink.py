"""ClickHouse's part of veille.store.unlinked: what an erasure takes out
of the posts that point at the posts it deletes (every stored version, by
mutations run synchronously, as the erasure's deletes are)."""

from __future__ import annotations

from typing import Any

from veille.store.unlinked import ErasedPosts, erased_ref

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
