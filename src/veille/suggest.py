"""The nearest known name, for "did you mean …?" hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from veille.errors import Count, Text, tr

#: Known names a hint lists at most: an agency's 300 topics (or 200 sources)
#: made "no topic named …" a paragraph of every name.
KNOWN_SHOWN = 10


def nearest(name: str, known: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The known name closest to ``name`` (case ignored), or ``None`` if none is close.

    Close means spelt alike (difflib's ratio of at least ``cutoff``) and a
    few typing slips away: a letter missed, doubled, swapped or mistyped, at
    most one slip in three letters, or the one name holding the other
    (``rss:lumio-blog`` for ``lumio-blog``). The ratio alone answered
    ``max_lenght`` with ``max_mentions``: the two share ``max_`` and little
    else. Of the close names, the fewest slips away wins.

    Common aliases a user may type for a platform (``twitter`` for ``x``) are
    the caller's to add to ``known`` as they see fit; this only compares spellings.
    """
    names = list(known)
    folded = {n.casefold(): n for n in names}
    key = name.casefold()
    if key in folded:
        return folded[key]
    alike = difflib.get_close_matches(key, list(folded), n=len(folded), cutoff=cutoff)
    close = []
    for rank, other in enumerate(alike):
        slips = _slips(key, other)
        if slips <= max(1, max(len(key), len(other)) // 3) or key in other or other in key:
            close.append((slips, rank, other))
    return folded[min(close)[2]] if close else None


def _slips(a: str, b: str) -> int:
    """How many typing slips turn ``a`` into ``b``: letters left out, added,
    mistyped or two side by side swapped (the optimal string alignment
    distance)."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[len(b)]


def name_list(name: str, known: Iterable[str]) -> str | Text:
    """The known names, by name, for a hint; past :data:`KNOWN_SHOWN`, the
    ones spelt most like ``name`` and how many more there are."""
    names = sorted(known)
    if len(names) <= KNOWN_SHOWN + 1:  # "and 1 more" says no more than the name
        return ", ".join(names)
    key = name.casefold()

    def likeness(known_name: str) -> tuple[bool, bool, float]:
        n = known_name.casefold()  # those it begins, then holds, then spelt alike
        return (not n.startswith(key), key not in n, -difflib.SequenceMatcher(None, key, n).ratio())

    shown = sorted(sorted(names, key=likeness)[:KNOWN_SHOWN])
    return tr("%(names)s and %(count)s more", names=", ".join(shown),
              count=Count(len(names) - len(shown)))  # fmt: skip


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint sentence naming the nearest known name, or listing them
    (:func:`name_list`)."""
    names = sorted(known)
    best = nearest(name, names)
    if best is not None and best != name:
        return tr("Did you mean %(name)r?", name=best)
    return tr("Known: %(names)s.", names=name_list(name, names)) if names else ""


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
    hint = _platform_hint(key, names)
    if not hint:
        return tr("no source gives posts the platform %(name)r.", name=name)
    return tr("no source gives posts the platform %(name)r. %(hint)s", name=name, hint=hint)


def _platform_hint(key: str, names: Iterable[str]) -> str:
    """The platform meant by ``key``: an alias (``twitter``: ``x``), else the nearest name."""
    names = set(names)
    alias = PLATFORM_ALIASES.get(key)
    return tr("Did you mean %(name)r?", name=alias) if alias in names else did_you_mean(key, names)


def check_platforms(values: Iterable[str]) -> tuple[str, ...]:
    """Platforms as posts carry them (lower case, each once), for what keeps
    only some platforms (an alert, an inbox view or rule, an erasure): a name
    no source gives is refused, with the one meant, since nothing would ever
    match it. Plugin sources' platforms count once the sources are loaded."""
    from veille.errors import UsageError

    out = []
    for value in values:
        name = value.strip().lower()
        known = known_platforms()
        if name not in known:
            from veille.sources.base import registry

            registry()
            known = known_platforms()
        if name not in known:
            raise UsageError(
                tr("platform %(value)r is not a platform veille knows", value=value),
                hint=_platform_hint(name, known),
            )
        out.append(name)
    return tuple(dict.fromkeys(out))


def check_languages(values: Iterable[str]) -> tuple[str, ...]:
    """Post languages as posts carry them: ISO 639-1 codes (``FR`` is read as
    ``fr``), or ``und`` for posts whose language was not determined; anything
    else is refused, since no post would carry it."""
    from babel import Locale

    from veille.errors import UsageError

    codes = {str(c) for c in Locale("en").languages if len(str(c)) == 2 and str(c).isalpha()}
    out = []
    for value in values:
        code = value.strip().lower()
        if code not in codes | {"und"}:
            raise UsageError(
                tr("language (lang) %(value)r is not a language code", value=value),
                hint=tr(
                    "Use two-letter ISO 639-1 codes such as fr, en, de, or und for posts "
                    "whose language is not known."
                ),
            )
        out.append(code)
    return tuple(dict.fromkeys(out))
