"""The stores this process is upgrading right now (a migration, every
post's terms made again), or waiting for another process to upgrade:
what the web app asks before it waits for a store to open, so that a
page is answered at once ("veille is upgrading…", 503) rather than after
the minutes an upgrade of a large workspace takes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_now: Counter[str] = Counter()
# When each store's upgrade (its first thread in) began, on the monotonic clock.
_since: dict[str, float] = {}


@contextmanager
def upgrading_store(path: str) -> Iterator[None]:
    """While inside, the store at ``path`` is being upgraded (or waits
    for the process upgrading it)."""
    with _lock:
        _now[path] += 1
        _since.setdefault(path, time.monotonic())
    try:
        yield
    finally:
        with _lock:
            _now[path] -= 1
            if _now[path] <= 0:
                del _now[path]
                _since.pop(path, None)


def any_upgrading() -> bool:
    """Whether this process upgrades a store now (or waits for one)."""
    with _lock:
        return bool(_now)


def upgrading_for() -> float:
    """Seconds since the oldest upgrade under way in this process began
    (0.0 when none is): past a few, it is a long one, which a page need not
    wait for before it says so."""
    with _lock:
        return time.monotonic() - min(_since.values()) if _since else 0.0
