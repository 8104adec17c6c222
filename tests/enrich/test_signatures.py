"""The batch MinHash keeps the values earlier versions stored: a copy
arriving after an upgrade still finds the story filed before it."""

from __future__ import annotations

import hashlib

import pytest
from tests.conftest import make_post

from veille.enrich.clusters import Clusterer

TEXTS = [
    "Lumio announces a recall of its X2 phone after reports of overheating batteries",
    "trop court",
    "La fibre est en panne dans tout le quartier depuis ce matin, encore une fois",
    "",
    "Traffic bulletin 4: road 4 closed near exit 4 until 4 hours, detour via 27",
]


# The first values of TEXTS[0]'s signature, as stored by earlier versions:
# a change of scheme would strand every signature already stored.
FIRST_VALUES = [284536901, 536537627, 5565685, 166615692]


def test_signature_values_do_not_change_between_versions() -> None:
    sig = Clusterer().signature(make_post("0", TEXTS[0]))
    assert sig.dtype.name == "uint32" and len(sig) == 64
    assert sig[:4].tolist() == FIRST_VALUES


def test_batch_signatures_equal_the_per_post_minhash_of_earlier_versions() -> None:
    # Earlier versions called datasketch (2.0, its default scheme) per post.
    MinHash = pytest.importorskip("datasketch").MinHash
    clusterer = Clusterer()
    posts = [make_post(str(i), t) for i, t in enumerate(TEXTS)]
    batch = clusterer.signatures(posts)
    for post, sig in zip(posts, batch, strict=True):
        shingles = clusterer.shingles(post)
        if not shingles:
            assert sig is None
            continue
        old = MinHash(num_perm=clusterer.num_perm, seed=7)
        old.update_batch(shingles)
        assert sig.tolist() == old.hashvalues.tolist()
        # Band keys as the earlier versions filed them.
        rows = clusterer.num_perm // clusterer.bands
        expected = [
            int.from_bytes(
                hashlib.blake2b(
                    old.hashvalues[b * rows : (b + 1) * rows].tobytes(),
                    digest_size=8,
                    person=b.to_bytes(4, "little"),
                ).digest(),
                "little",
                signed=True,
            )
            for b in range(clusterer.bands)
        ]
        assert clusterer.band_keys(sig) == expected
