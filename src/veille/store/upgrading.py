"""The stores this process is upgrading right now (a migration, every
post's terms made again), or waiting for another process to upgrade:
what the web app asks before it waits for a store to open, so that a
page is answered at once ("veille is upgrading…", 503) rather than after
the minutes an upgrade of a large workspace takes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_now: Counter[str] = Counter()


@contextmanager
def upgrading_store(path: str) -> Iterator[None]:
    """While inside, the store at ``path`` is being upgraded (or waits
    for the process upgrading it)."""
    with _lock:
        _now[path] += 1
    try:
        yield
    finally:
        with _lock:
            _now[path] -= 1
            if _now[path] <= 0:
                del _now[path]


def any_upgrading() -> bool:
    """Whether this process upgrades a store now (or waits for one)."""
    with _lock:
        return bool(_now)
