"""The kept terms of many posts counted from one row that SQLite joins.

Trends count, for each term, the stories holding it, and the forms it was
written in. At 1M posts the first view of ``/trends?q=lumio`` read the
period's 20,000 matches as a row each (the row, then a tuple and three
strings a post in Python), split their keys and forms into a string each
and counted them with ``Counter``: about 0.17 s of CPU of 0.45. The posts
each their own story (no cluster) with kept terms and a sample part, most
of them, now come in one row: their keys, keys per post and forms joined by
SQLite, counted over the bytes (many by Arrow, else ``Counter``); the
others come as JSON, one by one, as before.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

#: From this many bytes of keys on, :func:`codes` and :func:`key_counts`
#: count them with Arrow (imported then, about 0.12 s of CPU once a
#: process); below, in Python (about 0.1 µs a key: 10 ms at 1 MB).
ARROW_FROM = 1 << 20

#: From this many bytes on once Arrow is imported (the web app's warm-up
#: imports it, with the default trends' baseline): Arrow reads a period's
#: keys and forms about five times faster than Python from a few KB on
#: (at 1M posts, a topic's week, 9,000 posts: keys 1.0 MB in 18.5 ms in
#: Python, 3.3 by Arrow; forms 0.56 MB in 15.7 and 3.0), where its import
#: is paid already; below, Python's are faster (1 KB: 26 µs, Arrow 66).
ARROW_LOADED_FROM = 1 << 13


def arrow_threshold(given: int | None = None) -> int:
    """The bytes from which Arrow reads values: ``given``, else
    :data:`ARROW_LOADED_FROM` once this process has imported Arrow's
    compute functions, :data:`ARROW_FROM` before."""
    if given is not None:
        return given
    if "pyarrow.compute" in sys.modules:
        return min(ARROW_FROM, ARROW_LOADED_FROM)
    return ARROW_FROM


#: The byte that ends a post's kept terms and forms read in one row (see
#: :func:`joined_period`), its others ended by a newline.
ROW_END = 11

#: A post the one row cannot say: a copy of a story (its terms counted with
#: the story's other posts), one without kept terms or without a stored
#: sample part.
ODD = "p.cluster_id IS NOT NULL OR p.term_keys IS NULL OR p.story_bucket IS NULL"
_STORY = "coalesce(p.cluster_id, p.id)"
# The newlines of a post's keys (its keys less one).
_NEWLINES = "(length(p.term_keys) - length(replace(p.term_keys, char(10), '')))"


def codes(joined: bytes, *, arrow_from: int | None = None) -> tuple[list[str], np.ndarray]:
    """The distinct values of ``joined`` (values in UTF-8, each ended by a
    newline, as ``group_concat(x || char(10), '')`` gives them) and the
    code of each value (its index among them), in order; many values are
    read by Arrow over the bytes as SQLite gave them, no Python string made
    but for each distinct value (``arrow_from``: the bytes from which
    Arrow reads them, default :func:`arrow_threshold`'s)."""
    if not joined:
        return [], np.zeros(0, np.int64)
    if len(joined) < max(arrow_threshold(arrow_from), 1):
        values = joined[:-1].decode().split("\n")
        distinct = list(dict.fromkeys(values))
        code = {v: i for i, v in enumerate(distinct)}
        return distinct, np.fromiter(map(code.__getitem__, values), np.int64, len(values))
    return _arrow_codes(joined, np.flatnonzero(np.frombuffer(joined, np.uint8) == 10))


def _arrow_codes(joined: bytes | np.ndarray, ends: np.ndarray) -> tuple[list[str], np.ndarray]:
    """:func:`codes` by Arrow, the values of ``joined`` ended at ``ends``
    (the offsets of their newlines)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = np.zeros(len(ends) + 1, np.int64)
    offsets[1:] = ends + 1
    # Each value with its newline (over the bytes as they are: no copy); the
    # newline taken off the distinct values only.
    read = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(joined))
    encoded = pc.dictionary_encode(read)
    values = [v[:-1] for v in encoded.dictionary.to_pylist()]
    return values, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def key_counts(joined: bytes, *, arrow_from: int | None = None) -> Counter[str]:
    """How many times each key of ``joined`` (as :func:`codes` reads them)
    is in it.

    At 1M posts the baseline of ``lumio`` over 30 days holds about a
    million keys: split into a Python string each and counted by
    ``Counter`` they cost 80-110 ms of CPU, counted over the bytes by
    Arrow 17-19 ms."""
    values, found = codes(joined, arrow_from=arrow_from)
    counts = np.bincount(found, minlength=len(values)).tolist()
    return Counter(dict(zip(values, counts, strict=True)))


def keys_of(joined: str | None) -> np.ndarray:
    """The post keys of ``joined`` (``group_concat`` of them: integers
    joined by commas) in an array, parsed in C (3 ms for 225,000)."""
    if not joined:
        return np.zeros(0, np.int64)
    return np.fromstring(joined, np.int64, sep=",")


@dataclass
class Joined:
    """The posts of a period that :data:`ODD` does not name, read in one row
    (each its own story), and the others (``odd``: ``(pk, story, 1, keys,
    forms, sample part)``, keys ``None`` where not kept)."""

    stories: int
    #: key -> these posts (each its own story) holding it
    held: Counter[str]
    #: (key, form as written, '' for the key) -> [posts writing it, first post's key]
    shown: dict[tuple[str, str], list[int]]
    odd: list[tuple[int, str, int, str | None, str | None, int | None]]


def joined_period(conn: sqlite3.Connection, source: tuple[str, str, list[Any]]) -> Joined:
    """The period's posts of ``source`` (the SQL before the ``SELECT``, the
    ``FROM`` and ``WHERE``, their values), read in one row: those
    :data:`ODD` does not name counted here, the others handed back.

    The forms are counted with the key of the first post writing each (the
    posts' keys are in time order): of a term's forms written as often, the
    first written is shown first, whatever order SQLite joined them in.

    Each post's terms and forms end with :data:`ROW_END`, which tells how
    many terms each post has: SQLite counted each post's newlines, twice
    for a post whose forms are its terms (kept as '': as many '' forms
    written as it has terms), about a fifth of the statement's CPU (at 1M
    posts, ``lumio`` over 30 days, 9 ms of 42). A term holding that byte
    (none that veille writes does) has the posts read with their newlines
    counted by SQLite, as before."""
    before, sql, values = source
    simple = f"CASE WHEN NOT ({ODD}) THEN"
    row = conn.execute(
        f"{before}SELECT count({simple} 1 END), group_concat({simple} p.pk END), "
        f"CAST(group_concat({simple} p.term_keys || char({ROW_END}) END, '') AS BLOB), "
        f"CAST(group_concat({simple} ifnull(p.term_forms, '') || char({ROW_END}) END, '') "
        "AS BLOB), "
        f"group_concat(CASE WHEN {ODD} THEN json_array(p.pk, {_STORY}, p.term_keys, "
        f"p.term_forms, p.story_bucket) END) {sql}",
        values,
    ).fetchone()
    posts, pks, keys, written, others = row
    odd = [
        (pk, story, 1, k, f, part)
        for pk, story, k, f, part in (json.loads(f"[{others}]") if others else [])
    ]
    if not posts:
        return Joined(0, Counter(), {}, odd)
    found_keys = _post_codes(keys or b"", posts)
    found_forms = _post_codes(written or b"", posts)
    forms = _forms_paired(found_keys, found_forms)
    if found_keys is None or forms is None:
        return _joined_by_newlines(conn, source)
    values_, key_codes, sizes = found_keys
    held, shown = _counted(keys_of(pks), sizes, (values_, key_codes), forms)
    return Joined(posts, held, shown, odd)


def _post_codes(joined: bytes, posts: int) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """The distinct values of ``joined`` (``posts`` posts' values, each
    ended by a newline, a post's last by :data:`ROW_END`), the code of each
    value in order (as :func:`codes` gives them) and how many values each
    post has; None when they do not pair up with ``posts``."""
    if len(joined) < max(arrow_threshold(), 1):
        each = joined[:-1].decode().split(chr(ROW_END)) if joined else []
        if len(each) != posts:
            return None
        split = [e.split("\n") for e in each]
        flat = [v for values in split for v in values]
        distinct = list(dict.fromkeys(flat))
        code = {v: i for i, v in enumerate(distinct)}
        return (
            distinct,
            np.fromiter(map(code.__getitem__, flat), np.int64, len(flat)),
            np.fromiter(map(len, split), np.int64, len(split)),
        )
    raw = np.frombuffer(joined, np.uint8)
    ends = np.flatnonzero(raw <= ROW_END)
    ended = raw[ends]
    last = ended == ROW_END
    if int(last.sum()) != posts or (len(ended) and int(ended.min()) < 10):
        return None
    sizes = np.diff(np.flatnonzero(last), prepend=-1)
    bytes_ = raw.copy()
    bytes_[ends[last]] = 10
    values, found = _arrow_codes(bytes_, ends)
    return values, found, sizes


def _forms_paired(
    keys: tuple[list[str], np.ndarray, np.ndarray] | None,
    forms: tuple[list[str], np.ndarray, np.ndarray] | None,
) -> tuple[list[str], np.ndarray] | None:
    """The forms' distinct values and codes, one for each key: a post whose
    forms are its keys (its forms kept as '') writes '' for each; None
    when the posts' forms and keys do not pair up."""
    if keys is None or forms is None:
        return None
    (_k, _c, sizes), (values, found, counts) = keys, forms
    short = counts != sizes
    if not short.any():
        return values, found
    starts = (np.cumsum(counts) - counts)[short]
    if "" not in values or np.any(counts[short] != 1):
        return None
    if np.any(found[starts] != values.index("")):
        return None
    times = np.ones(len(found), np.int64)
    times[starts] = sizes[short]
    return values, np.repeat(found, times)


def _joined_by_newlines(conn: sqlite3.Connection, source: tuple[str, str, list[Any]]) -> Joined:
    """:func:`joined_period`, each post's newlines counted by SQLite (its
    terms or forms holding :data:`ROW_END`)."""
    before, sql, values = source
    simple = f"CASE WHEN NOT ({ODD}) THEN"
    # A post whose forms are its keys keeps its forms as '': a form '' a key.
    forms = (
        f"CASE WHEN ifnull(p.term_forms, '') = '' "
        f"THEN replace(hex(zeroblob({_NEWLINES})), '00', char(10)) ELSE p.term_forms END"
    )
    row = conn.execute(
        f"{before}SELECT count({simple} 1 END), group_concat({simple} p.pk END), "
        f"group_concat({simple} {_NEWLINES} END), "
        f"CAST(group_concat({simple} p.term_keys || char(10) END, '') AS BLOB), "
        f"CAST(group_concat({simple} {forms} || char(10) END, '') AS BLOB), "
        f"group_concat(CASE WHEN {ODD} THEN json_array(p.pk, {_STORY}, p.term_keys, "
        f"p.term_forms, p.story_bucket) END) {sql}",
        values,
    ).fetchone()
    posts, pks, newlines, keys, written, others = row
    odd = [
        (pk, story, 1, k, f, part)
        for pk, story, k, f, part in (json.loads(f"[{others}]") if others else [])
    ]
    if not posts:
        return Joined(0, Counter(), {}, odd)
    held, shown = _counted(
        np.array(pks.split(","), np.int64),
        np.array(newlines.split(","), np.int64) + 1,
        codes(keys or b""),
        codes(written or b""),
    )
    return Joined(posts, held, shown, odd)


def _counted(
    pks: np.ndarray,
    sizes: np.ndarray,
    keys: tuple[list[str], np.ndarray],
    forms: tuple[list[str], np.ndarray],
) -> tuple[Counter[str], dict[tuple[str, str], list[int]]]:
    """How many posts (each its own story) hold each key, and how many
    write each (key, form) pair with the key of the first that does, from
    the posts' keys ``pks``, their number of keys ``sizes`` and the codes
    of their keys and forms in that order."""
    (key_values, key_codes), (form_values, form_codes) = keys, forms
    if not (len(key_codes) == len(form_codes) == int(sizes.sum())):
        raise ValueError("the posts' kept terms and forms do not pair up")
    counts = np.bincount(key_codes, minlength=len(key_values)).tolist()
    held = Counter(dict(zip(key_values, counts, strict=True)))
    # The posts in the order of their keys, their terms with them.
    order = np.argsort(pks, kind="stable")
    if np.any(order != np.arange(len(order))):
        starts = np.cumsum(sizes) - sizes
        sizes, pks = sizes[order], pks[order]
        into = np.repeat(starts[order] - (np.cumsum(sizes) - sizes), sizes)
        taken = np.arange(len(key_codes)) + into
        key_codes, form_codes = key_codes[taken], form_codes[taken]
    # One code a (key, form) pair; the index of its first post (NumPy's
    # unique takes the first of equal values) gives that post's key.
    width = max(len(form_values), 1)
    pairs = key_codes * width + form_codes
    found, first, n = np.unique(pairs, return_index=True, return_counts=True)
    firsts = np.repeat(pks, sizes)[first].tolist()
    shown = {
        (key_values[pair // width], form_values[pair % width]): [count, at]
        for pair, count, at in zip(found.tolist(), n.tolist(), firsts, strict=True)
    }
    return held, shown
