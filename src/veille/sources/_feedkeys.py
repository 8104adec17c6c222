"""How a feed entry is keyed, named and versioned across polls.

An entry's key is its id, else its link, else a hash of its text
(:func:`entry_key`); a page's keys tell apart entries that share one id
(:func:`page_keys`); an entry with neither id nor link keeps the key it was
first given, by its title and date or its summary and date
(:func:`named_keys`); a fingerprint of its text tells an edit
(:func:`entry_version`); of two versions on one page the one updated last is
given (:func:`latest_versions`); the floor is the keys under which every entry
has been read (:func:`_floor`). :mod:`veille.sources.feeds` calls these.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def entry_key(entry: Mapping[str, Any]) -> str:
    """The entry's stable id: its id/guid, else its link, else a hash of its text."""
    for key in ("id", "link"):
        value = entry.get(key)
        if value:
            return str(value)
    basis = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
    return "h:" + hashlib.blake2b(basis.encode(), digest_size=12).hexdigest()


def _when(entry: Mapping[str, Any]) -> int | None:
    stamp = entry.get("published_parsed")
    if not stamp:
        return None
    if isinstance(stamp, str):
        return int(datetime.fromisoformat(stamp).timestamp())
    return int(calendar.timegm(stamp))


def entry_identity(entry: Mapping[str, Any]) -> str | None:
    """What names an entry that has neither id nor link across edits of its
    text: its title and publication date; ``None`` for an entry with an id
    or a link (they name it), or without a title or a date."""
    if entry.get("id") or entry.get("link"):
        return None
    title = str(entry.get("title") or "").strip()
    when = _when(entry)
    if not title or when is None:
        return None
    basis = f"{title}\n{when}"
    return hashlib.blake2b(basis.encode(), digest_size=12).hexdigest()


def entry_identities(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of an entry that has neither id nor link: its title and
    date (:func:`entry_identity`), and its summary and date (prefixed
    ``s:``), so that its title edited alone names it too. A date without a
    time of day (midnight: a feed that dates by the day) names no summary:
    a boilerplate summary ("Read more…") would make a new entry of the
    same day an edit of an older one."""
    found = [entry_identity(entry)]
    when = _when(entry)
    summary = str(entry.get("summary") or "").strip()
    if found[0] is not None and when is not None and when % 86400 and summary:
        basis = f"{summary}\n{when}"
        found.append("s:" + hashlib.blake2b(basis.encode(), digest_size=12).hexdigest())
    return tuple(i for i in found if i is not None)


def named_keys(entries: list[Any], keys: list[str], names: dict[str, str]) -> list[str]:
    """``keys`` (:func:`page_keys`) with each entry that has neither id nor
    link keyed as it was when first given: its key hashes its title and
    summary, so a summary or a title edited alone gave it a new key, a
    second post and a second alert. ``names`` (the cursor's:
    :func:`entry_identities` -> key) learns the names of each entry of the
    page, the latest last (:func:`trim_names` keeps those). A name that
    several entries of one page share (two untitled-alike items of one
    second) names none of them, and two entries of one page named as one
    older key each keep their own: each keeps its own key."""
    idents = [entry_identities(e) for e in entries]
    counts = Counter(i for found in idents for i in set(found))
    usable = [[i for i in found if counts[i] == 1] for found in idents]
    named = [
        next((names[i] for i in found if i in names), key)
        for key, found in zip(keys, usable, strict=True)
    ]
    twice = {k for k, n in Counter(named).items() if n > 1}
    final = [
        key if name != key and name in twice else name
        for key, name in zip(keys, named, strict=True)
    ]
    for key, found in zip(final, usable, strict=True):
        for ident in found:
            names[ident] = names.pop(ident, key)  # known: its first key, named latest
    return final


def trim_names(names: dict[str, str], kept: list[str]) -> dict[str, str]:
    """``names`` for the ``kept`` keys only, and of each key's names of
    each kind (title, summary) the latest: an entry whose date moves at
    each poll (a page stamped when it is made) got a new name each time,
    and the cursor grew without end."""
    held = set(kept)
    chosen: dict[str, str] = {}
    taken: set[tuple[str, bool]] = set()
    for ident, key in reversed(names.items()):
        kind = (key, ident.startswith("s:"))
        if key in held and kind not in taken:
            taken.add(kind)
            chosen[ident] = key
    return dict(reversed(chosen.items()))


def entry_version(entry: Mapping[str, Any]) -> str:
    """A fingerprint of what the entry says (its title, content and summary):
    another one under a seen id is an edit."""
    contents = entry.get("content") or []
    values = [str(c.get("value", "")) for c in contents if isinstance(c, Mapping)]
    basis = "\x1f".join([str(entry.get("title") or ""), *values, str(entry.get("summary") or "")])
    return hashlib.blake2b(basis.encode(), digest_size=8).hexdigest()


def _stamp(entry: Mapping[str, Any]) -> float | None:
    """The entry's last update (else its publication), in seconds."""
    ts = entry.get("updated_parsed") or entry.get("published_parsed")
    if isinstance(ts, str):
        return datetime.fromisoformat(ts).timestamp()
    return float(calendar.timegm(ts)) if ts else None


def latest_versions(entries: list[Any], keys: list[str]) -> list[tuple[str, Any]]:
    """``(key, entry)`` once per key, in the order keys first appear; of
    entries sharing a key (versions of one entry), the one updated last, the
    first of them on a tie (a feed lists its newest first)."""
    best: dict[str, Any] = {}
    for entry, key in zip(entries, keys, strict=True):
        had = best.get(key)
        if had is None:
            best[key] = entry
            continue
        new, old = _stamp(entry), _stamp(had)
        if new is not None and (old is None or new > old):
            best[key] = entry
    return list(best.items())


def page_keys(entries: list[Any]) -> list[str]:
    """Each entry's :func:`entry_key`; where several entries of one page
    share an id yet link to different pages (a CMS giving every item the same
    guid), each is keyed by its link instead: by the id alone, all but the
    first were taken for one already read, and dropped."""
    keys = [entry_key(e) for e in entries]
    links: dict[str, set[str]] = {}
    for entry, key in zip(entries, keys, strict=True):
        links.setdefault(key, set()).add(str(entry.get("link") or ""))
    return [
        str(e.get("link")) if len(links[k]) > 1 and e.get("link") else k
        for e, k in zip(entries, keys, strict=True)
    ]


def _floor(cursor: Mapping[str, Any]) -> list[str]:
    """The keys under which every entry has been read (see ``collect``). A
    cursor written before floors were kept stops at any entry it has seen, as
    it did then, unless it was cut mid-walk: that one reads to the end once."""
    if "floor" in cursor:
        return [str(k) for k in cursor["floor"]]
    if cursor.get("resume"):
        return []
    return [str(k) for k in cursor.get("seen", [])]
