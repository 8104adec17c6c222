"""The figures of purged posts between SQLite's shape (each dimension and
pair) and ClickHouse's (every combination): :mod:`veille.store.purged`."""

from __future__ import annotations

import random

from veille.store.purged import cube_of, dims_of


def _posts(rng: random.Random, n: int) -> list[tuple[object, ...]]:
    return [
        (rng.choice([7, 8]), rng.choice(["mastodon", "bluesky", "x"]), rng.choice(["en", "fr", ""]),
         rng.choice(["", "FR", "CA"]), rng.choice(["", "positive", "negative", "neutral"]),
         1, rng.randint(0, 9), rng.randint(0, 90), rng.randint(0, 1), 1)
        for _ in range(n)
    ]  # fmt: skip


def test_every_dimension_and_pair_reads_as_the_posts_did() -> None:
    """Whatever the posts, the combinations rebuilt from SQLite's rows give
    back the same count for every dimension and pair (what the pages read)."""
    rng = random.Random(44)
    for n in (0, 1, 5, 40):
        for _ in range(50):
            dims = dims_of(_posts(rng, n))
            assert dims_of(cube_of(dims)) == dims


def test_posts_varying_in_two_dimensions_get_their_own_combinations_back() -> None:
    """One language and no country (the common case): the combinations are
    the posts' own, with no negative count."""
    rng = random.Random(9)
    posts = [(b, pf, "fr", "", mood, *m) for b, pf, _l, _c, mood, *m in _posts(rng, 60)]
    cube: dict[tuple[object, ...], list[int]] = {}
    for row in posts:
        got = cube.setdefault(row[:5], [0] * 5)
        for i, v in enumerate(row[5:]):
            got[i] += int(str(v))
    assert cube_of(dims_of(posts)) == sorted((*k, *v) for k, v in cube.items())
