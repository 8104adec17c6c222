"""Counts a store keeps between searches (a count asked again, or a search
paged, is not made again) until what they count changes: each store keys
them by what changes on a write (SQLite: its full-text index's structure;
ClickHouse: the posts' parts)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class KeptCounts:
    """The last counts made, by the store's key (the query, the filter, and
    the state of what they count); shared by the threads that use the store."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Any, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> int | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: int) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
