"""The nearest known name, for "did you mean …?" hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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
        return f"Did you mean {best!r}?"
    return "Known: " + ", ".join(names) + "." if names else ""
