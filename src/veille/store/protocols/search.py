"""Full-text search of posts compiled from the query AST, and exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from veille.models import Post
    from veille.store.base import PostFilter


#: The orders ``SearchPosts.search`` takes.
SORTS = ("newest", "relevance", "engagement")


def query_node(query: Any) -> Any:
    """The AST of ``query`` (query text, a compiled Query or an AST node), as
    every backend's ``search`` takes it before compiling to its dialect."""
    from veille.query import compile_query
    from veille.query.evaluate import Query

    if isinstance(query, str):
        query = compile_query(query)
    return query.ast if isinstance(query, Query) else query


def check_sort(sort: str) -> None:
    """Refuse an order ``search`` does not know, the same way on every backend."""
    from veille.errors import UsageError, tr

    if sort not in SORTS:
        raise UsageError(
            tr("unknown sort %(sort)r", sort=sort),
            hint=tr("use newest, relevance or engagement"),
        )


class SearchPosts(Protocol):
    """Full-text search of posts compiled from the query AST, and exports.

    ``query`` is the text of the query language, a compiled
    ``veille.query.Query`` or an AST node; each backend compiles the AST to its
    own dialect, and the posts found are those ``Query.matches`` accepts.
    """

    def search(
        self,
        query: Any,
        flt: PostFilter | None = None,
        sort: str = "newest",
        limit: int = 50,
        *,
        shown: bool = False,
    ) -> list[Post]:
        """Posts matching ``query`` and ``flt``; ``sort`` is ``newest``,
        ``relevance`` (bm25) or ``engagement``. ``shown``: the posts are only
        shown in a list (the stream page): a backend may leave empty what a
        list does not show (the raw payload, the entities, the links, the
        country, the content hash), where reading them costs (ClickHouse)."""
        ...

    def count_matches(
        self, query: Any, flt: PostFilter | None = None, *, at_most: int | None = None
    ) -> int:
        """How many posts match ``query`` and ``flt`` (all of them, not a page).

        With ``at_most``, counting may stop past it where counting is costly:
        ``at_most + 1`` then means "more than ``at_most``"; any other answer
        is the exact count (which may exceed ``at_most``)."""
        ...

    def search_text(
        self, text: str, flt: PostFilter | None = None, *, limit: int = 50
    ) -> list[Post]:
        """Posts holding every word of ``text`` (case and accents ignored), newest first."""
        ...


class SearchPostsTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
