"""Topics, their versions and their filings (which posts each topic holds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from veille.models import Post
    from veille.query.topics import Topic, TopicVersion


class TopicState(Protocol):
    """Topics, their versions and their filings (which posts each topic holds)."""

    def topics(self) -> list[Topic]:
        """Every topic with its current query, by name."""
        ...

    def topic(self, name: str) -> Topic | None: ...

    def topic_versions(self, topic_id: int) -> list[TopicVersion]:
        """Every version of the topic's query, oldest first."""
        ...

    def create_topic(self, name: str, query: str, at: int) -> bool:
        """Create topic ``name`` as version 1; ``False`` when the name is taken."""
        ...

    def add_topic_version(self, topic_id: int, version: int, query: str, at: int) -> bool:
        """Add the topic's ``version``; ``False`` (nothing written) when
        another writer added that version first."""
        ...

    def delete_topic(self, topic_id: int) -> None:
        """Delete the topic, its versions and its filings."""
        ...

    def matching_post_keys(self, query: Any) -> set[int]:
        """Store keys of every stored post ``query`` (an AST node) matches."""
        ...

    def posts_by_key(self, keys: Sequence[int]) -> list[Post]:
        """The posts of ``keys``, newest first."""
        ...


class TopicStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""

    def file_posts(self, filings: Sequence[tuple[str, int]]) -> None:
        """File each ``(post id, topic id)``: the post counts in the topic."""
        ...
