"""The matcher's compiled core at the sizes where its storage changes shape:
hash-table growth, common keys kept as rows, pool compaction after churn,
non-ASCII words and wildcard prefixes, title and text positions."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from veille.models import Post
from veille.query import Matcher, compile_query
from veille.query import kernel as kernel_module
from veille.query._kernel import Kernel
from veille.query.evaluate import Doc

from .conftest import make_post, matcher_of


def agree(m: Matcher, queries: dict[object, str], posts: list[Post]) -> None:
    """The matcher finds what evaluating every query finds."""
    compiled = {qid: compile_query(q) for qid, q in queries.items()}
    for p in posts:
        d = Doc(p)
        expected = sorted(str(qid) for qid, q in compiled.items() if q.test(d))
        assert sorted(map(str, m.match_ids(p))) == expected, p.text


def phrase_posts(queries: dict[object, str]) -> list[Post]:
    """Posts holding some of the phrases queried, each beside the first word
    of another phrase."""
    phrases = [q.strip('"') for q in queries.values() if q.startswith('"')][:120]
    return [
        make_post(f"p{i}", f"{a} et {b.split()[0]}")
        for i, (a, b) in enumerate(itertools.pairwise(phrases))
    ]


def test_many_keys_common_keys_and_churn_agree_with_brute_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kernel_module, "_SLACK", 0)  # compact as soon as worth it
    compactions = []
    for cls in (kernel_module.Keys, kernel_module.Programs):
        real = cls._compact
        monkeypatch.setattr(
            cls, "_compact", lambda self, real=real: (compactions.append(self), real(self))[1]
        )
    rng = random.Random(3)
    vocab = [f"mot{i}" for i in range(3000)]
    queries: dict[object, str] = {}
    m = Matcher()
    for i in range(2500):
        # "lumio" is in every fifth query: more postings than slots / 32, a row.
        words = rng.sample(vocab, 2) + (["lumio"] if i % 5 == 0 else [])
        queries[i] = (
            f'"{words[0]} {words[1]}"' if i % 7 == 0
            else " ".join(words) if i % 3
            else f"({words[0]} OR {words[1]})"
        )  # fmt: skip
        m.add(i, queries[i])
    posts = [
        make_post(str(n), " ".join(rng.sample(vocab, 40) + ["lumio"] * (n % 2))) for n in range(30)
    ]
    posts += phrase_posts(queries)
    agree(m, queries, posts)
    keys = m._keys
    assert len(keys) > 2000 and (keys.kinfo[: len(keys), kernel_module.D_ROW] >= 0).any()
    # Churn: replace and remove most queries, several times; postings and
    # programs move, their pools compact, "lumio" stops being common.
    for round_ in range(4):
        for i in range(2500):
            if i % 5 == 0:
                queries.pop(i, None)
                m.remove(i)
            elif i % 2 or round_:
                a, b = rng.sample(vocab, 2)
                queries[i] = f'"{a} {b}"' if i % 7 == 0 else f"{a} {b}"
                m.add(i, queries[i])
        m.build()
    agree(m, queries, posts + phrase_posts(queries))
    # And right after compacting both pools (the last round rewrote every
    # program, so those compacted above were replaced since).
    m._keys._compact()
    m._programs._compact()
    m._bound = False
    agree(m, queries, posts + phrase_posts(queries))
    assert {type(c) for c in compactions} == {kernel_module.Keys, kernel_module.Programs}
    assert keys.kinfo[keys.ids["lumio"], kernel_module.D_ROW] == -1


def test_non_ascii_words_prefixes_and_fields() -> None:
    queries: dict[object, str] = {
        "prefix": "œu* lumio",
        "greek": "λόγος",
        # French elisions are no words: "chef d'Œuvre" is the phrase "chef œuvre".
        "title": 'title:"chef orchestre"',
        "text": 'text:"chef œuvre"',
        "near": '"un chef" NEAR/2f lumio',
        "any": "chef NEAR/1 œuvres",
    }
    m = matcher_of(queries)
    posts = [
        make_post("1", "Un chef-d'Œuvre signé Lumio", title="Chef d'orchestre"),
        make_post("2", "Les Œuvres complètes, λόγος et chef", title=None),
        make_post("3", "lumio œil", title="Chef d'œuvre"),
        make_post("4", "", title=""),
    ]
    agree(m, queries, posts)
    assert sorted(m.match_ids(posts[0])) == ["near", "prefix", "text", "title"]


def test_words_of_every_length_are_cut_eight_bytes_at_a_time() -> None:
    """Words of 1 to 20 bytes (across one, two and three words of eight
    bytes), capitals, digits, separators of every kind and words ending the
    text, in ASCII and in folded text."""
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    words = [letters[i : i + n] for n in range(1, 21) for i in (0, 7)]
    queries: dict[object, str] = {w: w for w in words}
    queries["accent"] = "véhicule7"  # folded to ASCII
    greek = ["λ", "λόγος", "λόγος7", "λόγοςabcdefgh"]  # still not ASCII once folded
    queries.update({g: g for g in greek})
    queries["prefix"] = "abcdefghij* z"
    m = matcher_of(queries)
    rng = random.Random(5)
    posts = []
    for n in range(120):
        picked = rng.sample(words, 4)
        if n % 3 == 0:
            picked = [w.upper() if i % 2 else w.capitalize() for i, w in enumerate(picked)]
        if n % 5 == 0:
            picked.append("Véhicule7")
        if n % 4 == 0:
            picked.append(greek[n // 4 % 4].upper())  # the folded path
        if n % 7 == 0:
            picked = [w + w[-1] for w in picked]  # one byte longer: no match
        seps = rng.choices([" ", ", ", "-", "\n", "...", "'", "_", "@"], k=len(picked))
        text = "".join(w + sep for w, sep in zip(picked, seps, strict=True))
        posts.append(make_post(str(n), text.rstrip() if n % 2 else text + "z"))
    posts += [make_post("e", ""), make_post("s", " "), make_post("one", "a")]
    agree(m, queries, posts)


def test_the_kernel_refuses_arrays_it_cannot_read() -> None:
    k = Kernel()
    with pytest.raises(RuntimeError, match="no arrays bound"):
        k.match(b"lumio", True, 0, [], None, 0, True, 8, 1)
    empty = np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        k.bind(
            np.zeros((4, 2), np.int64),
            np.zeros(8, np.uint8),
            np.zeros((1, 7), np.int64),
            np.zeros(1, np.uint8),
            empty,
            np.zeros((0, 64), np.uint8),
            64,
            np.zeros(64, np.uint8),
            np.zeros(8, np.uint8),  # shorter than the slots
            np.zeros(64, np.uint8),
            empty,
            np.zeros(64, np.int64),
            np.arange(64, dtype=np.int32),
            [None] * 64,
        )


_M64 = 2**64 - 1
_SHORT_KEY = 1 << 31  # in a table entry: a key of at most eight bytes


def _word_hash(raw: bytes) -> int:
    """A word's hash as the kernel computes it: eight bytes at a time."""
    padded = raw + bytes(-len(raw) % 8)
    h = 0
    for at in range(0, len(raw), 8):
        chunk = int.from_bytes(padded[at : at + 8], "little")
        h = ((((h << 26) | (h >> 38)) & _M64) ^ chunk) * 0x9E3779B97F4A7C15 & _M64
    return h


def _signed(v: int) -> int:
    return v - 2**64 if v >= 2**63 else v


def _one_key_kernel(key: bytes, word: bytes, tag: int, short: bool) -> Kernel:
    """A kernel holding one key, posted by slot 0, and a second table entry
    for that key where a lookup of ``word`` passes, under ``tag`` (a
    collision made on purpose), flagged as a short key or not."""
    kbytes = np.frombuffer(key + b"\0", dtype=np.uint8).copy()
    kinfo = np.array([[0, len(key), 0, 1, 0, 0, -1]], dtype=np.int64)
    table = np.full((8, 2), -1, dtype=np.int64)
    kernel_module._kernel.fill(table, kbytes, kinfo, 0, 1)
    home = _word_hash(word) >> 61  # the high 3 bits: 8 entries
    free = next(i % 8 for i in range(home, home + 8) if table[i % 8, 1] == -1)
    table[free] = (_signed(tag), _SHORT_KEY if short else 0)  # key 0, its bytes at 0
    base = np.zeros(64, dtype=np.uint8)
    base[0] = 0xFE  # slot 0 waits for its one clause
    k = Kernel()
    k.bind(
        table,
        kbytes,
        kinfo,
        np.zeros(1, np.bool_),
        kernel_module.pooled(np.zeros(1, np.int64)),  # key 0 sets bit 0 of slot 0
        np.zeros((0, 64), np.uint8),
        64,
        base.copy(),
        base,
        np.zeros(64, np.uint8),
        np.zeros(0, np.int64),
        np.full(64, -1, np.int64),
        np.arange(64, dtype=np.int32),
        ["q"] + [None] * 63,
    )
    return k


def _padded(word: bytes) -> int:
    return int.from_bytes(word + bytes(8 - len(word)), "little")


@pytest.mark.parametrize(
    ("key", "word", "forged"),
    [
        # Words over eight bytes are found by hash, then their bytes compared:
        # a key shorter than the word, longer, or as long with one byte off.
        (b"abcdefghij", b"abcdefghijk", "hash"),
        (b"abcdefghijk", b"abcdefghij", "hash"),
        (b"abcdefghij", b"abcdefghiz", "hash"),
        # A short word is its own tag, but only among short keys: a long key
        # whose hash happened to be those bytes never matches it...
        (b"abcdefghij", b"abc", "bytes, long"),
        # ...nor does a short key whose bytes happened to be a long word's hash.
        (b"abc", b"abcdefghij", "hash, short"),
    ],
)
def test_a_hash_collision_never_matches(key: bytes, word: bytes, forged: str) -> None:
    if forged == "hash":
        k = _one_key_kernel(key, word, _word_hash(word), short=False)
    elif forged == "bytes, long":
        k = _one_key_kernel(key, word, _padded(word), short=False)
    else:
        k = _one_key_kernel(key, word, _word_hash(word), short=True)
    assert k.match(word, True, 0, [], None, 64, True, 8, 1) == ([], [])
    assert k.match(key + b" " + word, True, 0, [], None, 64, True, 8, 1) == (["q"], [])


def test_fill_refuses_keys_without_their_ending_zero() -> None:
    kinfo = np.array([[0, 2, 0, 0, 0, 0, -1]], dtype=np.int64)
    table = np.full((8, 2), -1, dtype=np.int64)
    with pytest.raises(ValueError, match="end with a zero"):
        kernel_module._kernel.fill(table, np.frombuffer(b"abc", np.uint8), kinfo, 0, 1)
