"""The nearest known name, for "did you mean …?" hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from veille.errors import tr


def nearest(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The known name closest to ``name`` (case ignored), or ``None`` if none is close.

    Common aliases a user may type for a platform (``twitter`` for ``x``) are
    the caller's to add to ``known`` as they see fit; this only compares spellings.
    """
    names = list(known)
    folded = {n.casefold(): n for n in names}
    key = name.casefold()
    if key in folded:
        return folded[key]
    found = difflib.get_close_matches(key, list(folded), n=1, cutoff=cutoff)
    return folded[found[0]] if found else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint sentence naming the nearest known name, or listing them all."""
    names = sorted(known)
    best = nearest(name, names)
    if best is not None and best != name:
        return tr("Did you mean %(name)r?", name=best)
    return tr("Known: %(names)s.", names=", ".join(names)) if names else ""


# Names people type for a platform that veille calls otherwise.
PLATFORM_ALIASES = {
    "twitter": "x",
    "tweet": "x",
    "tweets": "x",
    "bsky": "bluesky",
    "hn": "hackernews",
    "hacker-news": "hackernews",
    "yt": "youtube",
    "fb": "facebook",
    "blog": "wordpress",
    "feed": "rss",
    "atom": "rss",
}
# The platforms the built-in sources give their posts: each source's own, and
# those feeds and web pages get from their URL (youtube, reddit …, slideshare).
# Listed here because loading every source to ask takes seconds (lxml,
# feedparser …), too long for parsing a query; tests/test_suggest.py checks
# the list against the sources.
BUILTIN_PLATFORMS = (
    "bluesky", "facebook", "file", "hackernews", "linkedin", "mastodon", "reddit", "rss",
    "scribd", "slideshare", "web", "wordpress", "x", "youtube",
)  # fmt: skip


def known_platforms() -> set[str]:
    """The built-in platforms, and those of plugin sources once the sources
    are loaded (a command that collects or adds a source has loaded them)."""
    import sys

    names = set(BUILTIN_PLATFORMS)
    base = sys.modules.get("veille.sources.base")
    if base is not None and base._registry.cache_info().currsize:
        names |= {source.platform for source in base.registry().values() if source.platform}
    return names


def unknown_platform(name: str, known: Iterable[str] | None = None) -> str | None:
    """``None`` when a source gives posts the platform ``name``; otherwise a
    sentence saying so, with the nearest known name (``twitter``: ``x``).

    Imported posts may carry any platform, so callers warn with it (or refuse
    where only known platforms make sense)."""
    names = set(known_platforms() if known is None else known)
    key = name.strip().lower()
    if key in names:
        return None
    alias = PLATFORM_ALIASES.get(key)
    hint = f"Did you mean {alias!r}?" if alias in names else did_you_mean(key, names)
    return f"no source gives posts the platform {name!r}. {hint}".strip()
