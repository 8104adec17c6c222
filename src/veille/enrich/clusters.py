"""Syndicated and near-duplicate copies: MinHash signatures and LSH bands.

Each new post gets a MinHash signature over its word 3-shingles; its band keys
find candidate copies among every post stored before (yesterday's included,
since signatures and band keys live in the ``minhash`` and ``minhash_bands``
tables), and a candidate whose estimated Jaccard similarity reaches the
threshold gives the post its cluster. A cluster's id is the id of its first
post, the representative; the others are "also published by".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from veille.models import Post
from veille.store.base import StoreTransaction
from veille.textnorm import tokens

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w.@-]+")
SHINGLE = 3
# Fewer words than this and two posts match by accident ("Merci !").
MIN_WORDS = 6


def _band_key(band: int, values: bytes) -> int:
    digest = hashlib.blake2b(values, digest_size=8, person=band.to_bytes(4, "little")).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass
class Clusterer:
    """Assigns ``cluster_id`` to new posts inside the ingest transaction."""

    threshold: float = 0.6
    num_perm: int = 64
    bands: int = 16
    # Representatives read from each band bucket, newest first.
    per_band: int = 16

    def __post_init__(self) -> None:
        self._template: Any = None

    def shingles(self, post: Post) -> list[bytes]:
        text = f"{post.title or ''} {post.text}"[:20_000]
        words = tokens(_MENTION.sub(" ", _URL.sub(" ", text)))
        if len(words) < MIN_WORDS:
            return []
        return list(
            dict.fromkeys(
                " ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)
            )
        )

    def signature(self, post: Post) -> Any:
        """The post's MinHash values (a numpy array), or ``None`` when too short."""
        shingles = self.shingles(post)
        if not shingles:
            return None
        from datasketch import MinHash

        if self._template is None:
            # Permutations are drawn once; copying them is much cheaper.
            self._template = MinHash(num_perm=self.num_perm, seed=7)
        mh = self._template.copy()
        mh.update_batch(shingles)
        return mh.hashvalues

    def band_keys(self, sig: Any) -> list[int]:
        rows = self.num_perm // self.bands
        return [_band_key(b, sig[b * rows : (b + 1) * rows].tobytes()) for b in range(self.bands)]

    def assign(self, tx: StoreTransaction, posts: Sequence[Post]) -> dict[str, str]:
        """Cluster ids for ``posts`` (stored first time), written to the store.

        The LSH index does the finding: a post's band keys fetch at most
        ``per_band`` representatives from each bucket (the latest filed), so
        the cost of a post does not grow with the number of alike posts
        stored before it (templated bulletins, a busy feed).
        """
        import numpy as np

        assigned: dict[str, str] = {}
        filed: list[tuple[str, str, bytes, list[int]]] = []
        # Representatives of this batch by band key (written once, at the end).
        local: dict[int, list[tuple[str, str, bytes]]] = {}
        for post in posts:
            sig = self.signature(post)
            cluster = post.id
            if sig is not None:
                keys = self.band_keys(sig)
                rows = tx.duplicate_candidates(keys, per_band=self.per_band)
                for key in keys:
                    rows.extend(local.get(key, ())[-self.per_band :])
                width = sig.nbytes
                rows = [r for r in rows if r[0] != post.id and len(r[2]) == width]
                if rows:
                    others = np.frombuffer(b"".join(r[2] for r in rows), dtype=sig.dtype)
                    same = np.count_nonzero(others.reshape(len(rows), -1) == sig, axis=1)
                    best = int(np.argmax(same))
                    if same[best] / len(sig) >= self.threshold:
                        cluster = rows[best][1]
                blob = sig.tobytes()
                # Only a cluster's first post is filed: a copy is compared
                # with the representative, so a large story adds no candidates.
                if cluster == post.id:
                    for key in keys:
                        local.setdefault(key, []).append((post.id, cluster, blob))
                filed.append((post.id, cluster, blob, keys if cluster == post.id else []))
            assigned[post.id] = cluster
        tx.file_signatures(filed)
        tx.set_clusters(list(assigned.items()))
        return assigned
