"""What an erasure leaves of the erased posts in the records of others.

Other people's posts (and the inbox items kept of them) point at the posts
an erasure deletes: a reply's ``parent_id``, a thread's ``thread_id``, a
repost's ``repost_of``, a link to the post, and the same ids and address in
their raw payloads. An id such as ``mastodon:109990001`` or an address such
as ``https://social.example/@claire/109990001`` finds the person on the
platform, so each store takes them out as it deletes the posts they point
at, before the delete (in its transaction, where it has one): run again
after a kill, the posts are still there to be found, and their references
with them.

- ``parent_id``, ``thread_id``, ``repost_of`` get :func:`erased_ref`: not
  the id, but still a reply, a repost, and the same thread for every post
  that answered the same erased post (counts of replies and threads stay
  right; the thread's first post is gone, as is the post answered);
- a link to an erased post is dropped from ``links``;
- in a raw payload, an erased post's id or platform id (a JSON string, or a
  JSON number of six digits or more) becomes ``"[erased]"``, and its address,
  wherever it is written, ``[erased]``.

A post written later that points at an erased post (a reply collected
after the erasure) is given the same reference on its way in
(:func:`unlink_erased`, on the one ingest path).

The patterns are alternations of escaped literals with groups, which both
Python's ``re`` and ClickHouse's RE2 read alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.models import Post

#: What an erased post's address or id becomes in a raw payload (the word an
#: erased handle becomes: veille.store.portable.privacy.ERASED).
ERASED = "[erased]"
#: Platform ids shorter than this are not matched as bare JSON numbers: a
#: count of likes could equal one.
_MIN_NUMBER = 6


def erased_ref(post_id: str) -> str:
    """What a reference to the erased post ``post_id`` becomes: ``platform:``
    and ``erased-`` with a hash of the id. The same for every reference to
    one post (a thread stays one thread), and it is no id a platform knows.
    Not keyed, like :func:`~veille.store.protocols.privacy.story_key`: each
    store computes it alone; one who knows a post's id can tell that a
    reference was to it, which the ``forgotten`` table's hashes tell too."""
    platform = post_id.split(":", 1)[0] if ":" in post_id else ""
    digest = hashlib.blake2b(post_id.encode(), digest_size=8, person=b"veille-unlink").hexdigest()
    return f"{platform}:erased-{digest}" if platform else f"erased-{digest}"


def _escaped(items: Iterable[str]) -> str:
    # Longest first: an alternation takes the first that matches.
    return "|".join(re.escape(x) for x in sorted(set(items), key=lambda x: (-len(x), x)))


@dataclass(frozen=True)
class ErasedPosts:
    """The posts an erasure deletes (a chunk of them), as other records may
    name them: their ids, platform ids and addresses."""

    ids: frozenset[str]
    names: frozenset[str]  # ids and platform ids, as a payload may write them
    urls: frozenset[str]

    @classmethod
    def of(cls, rows: Iterable[Sequence[str | None]]) -> ErasedPosts:
        """From ``(id, native_id, url, canonical_url)`` rows."""
        ids: set[str] = set()
        names: set[str] = set()
        urls: set[str] = set()
        for post_id, native, url, canonical in rows:
            if post_id:
                ids.add(post_id)
                names.add(post_id)
            if native:
                names.add(native)
            urls.update(u for u in (url, canonical) if u)
        return cls(frozenset(ids), frozenset(names), frozenset(urls))

    def ref(self, value: str | None) -> str | None:
        """A ``parent_id``, ``thread_id`` or ``repost_of`` with no erased id."""
        return erased_ref(value) if value in self.ids else value

    def links(self, links: Sequence[str]) -> list[str]:
        """``links`` without the erased posts' addresses."""
        return [link for link in links if link not in self.urls]

    def patterns(self) -> list[tuple[str, str]]:
        """``(pattern, replacement)`` pairs that take the erased posts out of
        a raw payload (JSON text), in order; ``\\1`` and ``\\2`` name groups.
        An address is matched whole (not the start of a longer one)."""
        found: list[tuple[str, str]] = []
        if self.urls:
            found.append((f"({_escaped(self.urls)})([^0-9A-Za-z_]|$)", ERASED + r"\2"))
        if self.names:
            found.append((f'"({_escaped(self.names)})"', f'"{ERASED}"'))
        numbers = [n for n in self.names if n.isdigit() and len(n) >= _MIN_NUMBER]
        if numbers:
            found.append((f"([:,\\[] ?)({_escaped(numbers)})([,\\]}} ])", rf'\1"{ERASED}"\3'))
        return found

    def raw(self, text: str) -> str:
        """A raw payload (JSON text) without the erased posts' ids and addresses."""
        for pattern, replacement in self.patterns():
            text = re.sub(pattern, replacement, text)
        return text


def unlink_erased(posts_store: Any, posts: list[Post]) -> list[Post]:
    """``posts`` (a batch to write) with their references to posts an
    erasure forgot taken out as the erasure took out those stored then: a
    reply collected after the erasure answering one of them, a collector's
    batch read before it and written after. One question to the posts store
    (its record of erased posts), none for a batch without references. The
    addresses of those posts are not known any more (the record holds
    hashes of their ids): a link to one stays."""
    named = getattr(posts_store, "forgotten_posts", None)
    refs = {r for p in posts for r in (p.parent_id, p.thread_id, p.repost_of) if r}
    if named is None or not refs:
        return posts
    gone = set(named(sorted(refs)))
    if not gone:
        return posts
    natives = {i.split(":", 1)[1] for i in gone if ":" in i}
    erased = ErasedPosts(frozenset(gone), frozenset(gone | natives), frozenset())
    out = []
    for p in posts:
        if not {p.parent_id, p.thread_id, p.repost_of} & gone:
            out.append(p)
            continue
        raw = json.loads(erased.raw(json.dumps(dict(p.raw), ensure_ascii=False, default=str)))
        out.append(
            replace(
                p,
                parent_id=erased.ref(p.parent_id),
                thread_id=erased.ref(p.thread_id),
                repost_of=erased.ref(p.repost_of),
                raw=raw,
            )
        )
    return out
