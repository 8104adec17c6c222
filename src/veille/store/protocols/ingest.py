"""What the one ingest path asks of the stores.

- which incoming posts are already stored, and with which content (dedupe
  before enrichment: a post seen again with the same text is not enriched
  again);
- the change counter of the saved queries ingest matches (topics, alerts), so
  a running pipeline rebuilds its matcher when one changes;
- the near-duplicate index (MinHash signatures and LSH band buckets).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from veille.models import Post


class IngestPosts(Protocol):
    """Reads made before a batch is enriched and written."""

    def stored_content(self, posts: Sequence[Post]) -> dict[str, str]:
        """``{incoming post id: content hash of the stored post it updates}``
        for the posts already stored (by id, or by canonical URL under
        another id); posts absent from the result are new."""
        ...

    def rules_version(self) -> int:
        """A number that changes whenever a topic or an alert is added,
        edited, paused or removed, by any process."""
        ...


class IngestPostsTx(Protocol):
    """Writes of the ingest path inside the batch's transaction."""

    def duplicate_candidates(
        self, band_keys: Sequence[int], *, per_band: int
    ) -> list[tuple[str, str, bytes]]:
        """``(post id, cluster id, signature)`` of the representatives filed
        under any of ``band_keys``: at most the ``per_band`` latest of each
        band bucket, so a lookup costs the same however many alike posts
        are stored."""
        ...

    def duplicate_candidates_many(
        self, key_lists: Sequence[Sequence[int]], *, per_band: int
    ) -> list[list[tuple[str, str, bytes]]]:
        """:meth:`duplicate_candidates` for each post of a batch (one list of
        band keys a post), in one call: a backend may first find which keys
        are filed at all, so a batch of posts unlike anything stored costs
        one lookup, not one per post."""
        ...

    def file_signatures(self, filed: Sequence[tuple[str, str, bytes, Sequence[int]]]) -> None:
        """Keep each ``(post id, cluster id, signature, band keys)``: the
        signature and cluster, and the post filed under its band keys (none
        for a copy: only representatives are filed)."""
        ...

    def set_clusters(self, clusters: Sequence[tuple[str, str]]) -> None:
        """``(post id, cluster id)`` pairs written to the posts."""
        ...
