"""The stores this process is upgrading right now (a migration, every
post's terms made again), or waiting for another process to upgrade:
what the web app asks before it waits for a store to open, so that a
page is answered at once ("veille is upgrading…", 503) rather than after
the minutes an upgrade of a large workspace takes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class _UnderWay:
    """One store's upgrade in this process: how many threads are inside
    (upgrading it, or waiting for the process that does) and when the
    first of them came in, on the monotonic clock."""

    threads: int
    since: float


_lock = threading.Lock()
_under_way: dict[str, _UnderWay] = {}


@contextmanager
def upgrading_store(path: str) -> Iterator[None]:
    """While inside, the store at ``path`` is being upgraded (or waits
    for the process upgrading it)."""
    with _lock:
        found = _under_way.setdefault(path, _UnderWay(0, time.monotonic()))
        found.threads += 1
    try:
        yield
    finally:
        with _lock:
            found.threads -= 1
            if found.threads <= 0:
                _under_way.pop(path, None)


def any_upgrading() -> bool:
    """Whether this process upgrades a store now (or waits for one)."""
    with _lock:
        return bool(_under_way)


def upgrading_for() -> float:
    """Seconds since the oldest upgrade under way in this process began
    (0.0 when none is): past a few, it is a long one, which a page need not
    wait for before it says so."""
    with _lock:
        if not _under_way:
            return 0.0
        return time.monotonic() - min(u.since for u in _under_way.values())
