"""Python's cycle collector paused while a batch of posts goes through.

A batch builds a dict and about a dozen lists per post (rows, enrichment,
filings), none in a cycle: reference counting frees them. Yet their number
sets off collections, and every third generation's collection walks every
object the process holds.

- The ClickHouse store's write of a batch: measured on the bench's 10M
  store (its process holding the generated posts), 6,400 to 7,100 posts/s
  with collections, 9,500 to 12,000 paused (in a lean process, 8,100
  against 11,500); SQLite's writes, timed the same way, gained nothing.
- The whole ingest path of a batch (:meth:`veille.pipeline.ingest.Pipeline.ingest`:
  enrichment, store, filings, outbox rows): ``bench/ingest.py`` counted
  0.9 CPU seconds of 9.6 in the collector for 20,000 posts on SQLite, 1.3
  of 9.7 with the posts in chDB and the state in PostgreSQL, nearly all in
  ten or so full collections.

Process-wide, so counted across threads: the collector comes back when the
last batch is done, if it was on (a cycle made meanwhile is collected then).
"""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator


class CyclesPaused(ContextDecorator):
    """See the module docstring; one instance, :data:`cycles_paused`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writers = 0
        self._resume = False

    def __enter__(self) -> CyclesPaused:
        with self._lock:
            if self._writers == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._writers += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._writers -= 1
            if self._writers == 0 and self._resume:
                gc.enable()


#: Entered around a batch (nested entries, and other threads', are counted).
cycles_paused = CyclesPaused()
