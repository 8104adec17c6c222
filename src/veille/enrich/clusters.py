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
from veille.textnorm import stable_tokens

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w.@-]+")
SHINGLE = 3
# Fewer words than this and two posts match by accident ("Merci !").
MIN_WORDS = 6


# The permutations' seed: fixed, since signatures are stored.
SEED = 7


@dataclass
class Clusterer:
    """Assigns ``cluster_id`` to new posts inside the ingest transaction."""

    threshold: float = 0.6
    num_perm: int = 64
    bands: int = 16
    # Representatives read from each band bucket, newest first.
    per_band: int = 16

    def __post_init__(self) -> None:
        self._perms: tuple[Any, Any] | None = None
        self._bands: dict[int, list[tuple[int, int, bytes]]] = {}

    def shingles(self, post: Post) -> list[bytes]:
        text = f"{post.title or ''} {post.text}"[:20_000]
        # The patterns run only on text that can hold a match.
        if "://" in text or "www." in text.lower():
            text = _URL.sub(" ", text)
        if "@" in text:
            text = _MENTION.sub(" ", text)
        # Folded as when the stored signatures were made: a copy of a post
        # stored before ``œ`` was folded to ``oe`` still finds its story.
        words = stable_tokens(text)
        if len(words) < MIN_WORDS:
            return []
        return list(
            dict.fromkeys(
                " ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)
            )
        )

    def _permutations(self) -> tuple[Any, Any]:
        if self._perms is None:
            import numpy as np

            # Odd multipliers: h -> a*h + b (mod 2**32) is then a bijection,
            # so the permutation step adds no collisions of its own.
            gen = np.random.RandomState(SEED)
            a = gen.randint(0, 1 << 31, self.num_perm, dtype=np.uint32) * np.uint32(2)
            b = gen.randint(0, 1 << 32, self.num_perm, dtype=np.uint32)
            self._perms = (a + np.uint32(1), b)
        return self._perms

    def signatures(self, posts: Sequence[Post]) -> list[Any]:
        """Each post's MinHash values (uint32 numpy arrays), ``None`` for a
        post too short, computed for the whole batch on one matrix.

        The scheme is fixed here, not left to a library's default, because
        signatures are stored and compared with tomorrow's: the first 4 bytes
        of each shingle's SHA-1 (little-endian), the MurmurHash3 32-bit
        finalizer, then ``num_perm`` affine permutations mod 2**32 drawn from
        seed 7, the minimum per permutation (datasketch 2.0's default
        "affine32" scheme gives the same values, which keeps the signatures
        earlier versions stored comparable).
        """
        import numpy as np

        a, b = self._permutations()
        per_post = [self.shingles(p) for p in posts]
        flat = [s for shingles in per_post for s in shingles]
        out: list[Any] = [None] * len(posts)
        if not flat:
            return out
        sha1 = hashlib.sha1
        hv = np.fromiter(
            (int.from_bytes(sha1(s).digest()[:4], "little") for s in flat),
            dtype=np.uint32,
            count=len(flat),
        )
        # MurmurHash3's fmix32: spreads the bits before the permutations.
        hv ^= hv >> np.uint32(16)
        hv *= np.uint32(0x85EBCA6B)
        hv ^= hv >> np.uint32(13)
        hv *= np.uint32(0xC2B2AE35)
        hv ^= hv >> np.uint32(16)
        phv = hv[:, None] * a + b  # uint32: the wrap-around is the modulo
        starts, at = [], 0
        for i, shingles in enumerate(per_post):
            if shingles:
                starts.append((i, at))
                at += len(shingles)
        mins = np.minimum.reduceat(phv, [s for _i, s in starts], axis=0)
        for row, (i, _start) in enumerate(starts):
            out[i] = mins[row]
        return out

    def signature(self, post: Post) -> Any:
        """The post's MinHash values (a numpy array), or ``None`` when too short."""
        return self.signatures([post])[0]

    def band_keys(self, sig: Any) -> list[int]:
        raw = sig.tobytes()
        width = (self.num_perm // self.bands) * sig.itemsize
        bands = self._bands.get(width)
        if bands is None:
            # (start, end, person) of each band: built once, not per post.
            bands = self._bands[width] = [
                (i * width, (i + 1) * width, person) for i, person in enumerate(self._persons())
            ]
        blake2b, from_bytes = hashlib.blake2b, int.from_bytes
        return [
            from_bytes(
                blake2b(raw[start:end], digest_size=8, person=person).digest(),
                "little",
                signed=True,
            )
            for start, end, person in bands
        ]

    def _persons(self) -> list[bytes]:
        return [band.to_bytes(4, "little") for band in range(self.bands)]

    def assign(self, tx: StoreTransaction, posts: Sequence[Post]) -> dict[str, str]:
        """Cluster ids for ``posts`` (stored first time), written to the
        store: their signatures, and the cluster of each post that does not
        carry it already (see :meth:`plan`)."""
        assigned, filed = self.plan(tx, posts)
        tx.file_signatures(filed)
        tx.set_clusters([(p.id, assigned[p.id]) for p in posts if p.cluster_id != assigned[p.id]])
        return assigned

    def plan(
        self, tx: Any, posts: Sequence[Post]
    ) -> tuple[dict[str, str], list[tuple[str, str, bytes, list[int]]]]:
        """The cluster id of each of ``posts`` (new posts), and the rows of
        their signatures to file (``file_signatures``); ``tx`` is only read
        (``duplicate_candidates_many``).

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
        sigs = self.signatures(posts)
        key_lists = [self.band_keys(sig) if sig is not None else [] for sig in sigs]
        per_band = self.per_band
        stored = tx.duplicate_candidates_many(key_lists, per_band=per_band)
        in_batch = local.get
        for post, sig, keys, rows in zip(posts, sigs, key_lists, stored, strict=True):
            cluster = post.id
            if sig is not None:
                rows = list(rows)
                for key in keys:
                    bucket = in_batch(key)
                    if bucket:
                        rows.extend(bucket[-per_band:])
                if rows:
                    width = sig.nbytes
                    # By post id: of equally alike candidates the same one wins on
                    # every backend (each returns its rows in its own order).
                    rows = sorted(
                        (r for r in rows if r[0] != post.id and len(r[2]) == width),
                        key=lambda r: r[0],
                    )
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
        return assigned, filed
