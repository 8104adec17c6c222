"""Enrichment state: near-duplicate clusters, sentiment corrections, re-runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from veille.models import Sentiment


@dataclass(frozen=True)
class Correction:
    """A user's sentiment correction of a post, kept even when corrected again."""

    post_id: str
    old_label: str | None
    new_label: str
    corrected_by: str
    corrected_at: datetime


@dataclass(frozen=True)
class Copy:
    """One post of a story told several times (a near-duplicate cluster)."""

    post_id: str
    platform: str
    author: str
    url: str | None
    published_at: int


class EnrichState(Protocol):
    """Enrichment state: near-duplicate clusters, sentiment corrections, re-runs."""

    def list_corrections(self, *, limit: int = 100) -> list[Correction]:
        """The latest corrections, newest first."""
        ...

    def reviewed_sentiments(self) -> list[tuple[str | None, str | None]]:
        """For each corrected post: ``(the model's label before its first
        correction, its label now)``."""
        ...


class EnrichPosts(Protocol):
    """Enrichment read where the posts are: the copies of a story (the posts'
    cluster ids are the PostStore's; the state keeps only the signatures)."""

    def story_copies(self, post_id: str) -> tuple[str | None, list[Copy]]:
        """``(cluster id, every post of that cluster)``, oldest first (the
        representative's id is the cluster id); ``(None, [])`` for no such post."""
        ...


class EnrichStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""

    def correct_sentiment(
        self,
        post_id: str,
        sentiment: Sentiment,
        *,
        by: str,
        at: datetime,
        was: str | None = None,
        elsewhere: bool = False,
    ) -> Correction | None:
        """Set the post's sentiment (a user's) and keep the correction;
        ``None`` when there is no such post (nothing written). ``elsewhere``:
        the posts are another store's, which the caller set the label in;
        ``was``, the post's label before, read there (a store that holds
        the post reads it itself)."""
        ...

    def signed_posts(self, post_ids: Sequence[str]) -> set[str]:
        """Those of ``post_ids`` that already have a near-duplicate signature."""
        ...
