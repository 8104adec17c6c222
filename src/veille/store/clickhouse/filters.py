"""Plain post filters and analytics scopes as ClickHouse conditions.

A scope's compiled queries may be inexact (``NEAR``, see
:mod:`veille.store.clickhouse.compiler`): then the ids that pass the in-memory
engine are found first and the scope becomes ``id IN`` those ids, so every
aggregation stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from veille.store.base import PostFilter

if TYPE_CHECKING:
    from veille.analytics.scope import Scope

# Every read sees the last version of each post, merged or not.
POSTS = "posts FINAL"
# The same without ``FINAL``, for reads of a few posts by id: ``posts`` read
# as it is (every stored version; ClickHouse moves the id condition to
# PREWHERE and reads the wide columns only in the granules that hold them),
# then the highest version of each id, the row a merge and ``FINAL`` keep (the
# replacing key is (day, id) and an update never moves a post to another
# day). ``FINAL`` reads every granule of the range and merges them first:
# 10 posts of a 30-day top list took 75 ms that way, 52 ms this way (1M
# posts).
NEWEST_VERSION = "ORDER BY version DESC LIMIT 1 BY id"


@dataclass
class Where:
    sql: str = "1"
    params: dict[str, Any] = field(default_factory=dict)
    # Compiled queries ClickHouse says only approximately (checked in memory).
    inexact: list[Any] = field(default_factory=list)

    def and_(self, sql: str) -> str:
        return sql if self.sql == "1" else f"{self.sql} AND {sql}"


def filter_where(flt: PostFilter | None, params: dict[str, Any] | None = None) -> Where:
    """``flt`` as a condition over ``posts`` (parameters named ``f…``)."""
    params = {} if params is None else params
    clauses: list[str] = []

    def p(value: Any, kind: str = "String") -> str:
        name = f"f{len(params)}"
        params[name] = value
        return f"{{{name}:{kind}}}"

    if flt is not None:
        if flt.since is not None:
            clauses.append(f"published_at >= {p(int(flt.since.timestamp()), 'Int64')}")
        if flt.until is not None:
            clauses.append(f"published_at < {p(int(flt.until.timestamp()), 'Int64')}")
        if flt.platforms:
            clauses.append(f"platform IN ({', '.join(p(v) for v in flt.platforms)})")
        if flt.languages:
            clauses.append(f"lang IN ({', '.join(p(v) for v in flt.languages)})")
    return Where(" AND ".join(clauses) if clauses else "1", params)


def words_sql(names: list[str]) -> str:
    """Every word (parameter placeholders ``names``) in the title or the text,
    each in either (as FTS5 matches a list of words over both columns)."""
    return (
        "("
        + " AND ".join(
            f"(hasAnyTokens(title_f, [{n}]) OR hasAnyTokens(text_f, [{n}]))" for n in names
        )
        + ")"
    )


def scope_where(scope: Scope) -> Where:
    """``scope`` as a condition over ``posts`` (topics: the filings table)."""
    from veille.store.clickhouse.compiler import to_clickhouse

    where = filter_where(scope.flt)
    clauses = [] if where.sql == "1" else [where.sql]
    params = where.params
    filed = "filed = 1"
    if scope.topics:  # the period's filings only (each carries its post's time)
        span = PostFilter(since=scope.flt.since, until=scope.flt.until)
        filed = filter_where(span, params).and_(filed)
    for i, topic_id in enumerate(scope.topics):
        name = f"t{i}"
        params[name] = topic_id
        clauses.append(
            "id IN (SELECT post_id FROM topic_filings FINAL "
            f"WHERE topic_id = {{{name}:Int64}} AND {filed})"
        )
    for i, group in enumerate(scope.words):
        names = []
        for j, w in enumerate(group):
            params[f"w{i}_{j}"] = w
            names.append(f"{{w{i}_{j}:String}}")
        clauses.append(words_sql(names))
    inexact = []
    for i, node in enumerate(scope.queries):
        compiled = to_clickhouse(node, prefix=f"q{i}_")
        clauses.append(f"({compiled.sql})")
        params.update(compiled.params)
        if not compiled.exact:
            inexact.append(node)
    return Where(" AND ".join(clauses) if clauses else "1", params, inexact)
