"""Time as the state store tells it, for every process that shares one.

Leases (collectors), schedules and the outbox's delivery claims (alert
schedulers) are compared across machines; each machine's own clock may have
drifted. They go by :meth:`StateStore.clock` instead, read once a pass: a
machine ahead neither takes over a lease or a claim that is still running
nor does early what is not due yet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

# Seconds between this machine's clock and the state store's past which a
# process says so (it goes by the store's clock either way).
SKEW_SECONDS = 5.0


class StoreClock:
    """Time as the state store tells it: this machine's clock plus the offset
    to the store's, measured at each pass (:meth:`measure`). Leases, claims
    and schedules are read and written by it; a drift past
    :data:`SKEW_SECONDS` is logged once (on ``logger``), and once more when
    it is gone. ``local`` is this machine's clock."""

    def __init__(
        self,
        store: Any,
        local: Callable[[], float] = time.time,
        *,
        logger: logging.Logger | None = None,
        what: str = "leases and schedules",
    ) -> None:
        self.store = store
        self.local = local
        self.offset = 0.0
        self.measured = False  # (no offset known yet)
        self.warned = False
        self.log = logger or logging.getLogger("veille.collect")
        self.what = what

    def measure(self) -> None:
        before = self.local()
        store = float(self.store.clock())
        after = self.local()
        # A reading of the store's between this machine's two readings: the
        # clocks agree as closely as a round trip can tell (the same clock,
        # as SQLite's is, reads so always), so no offset. Taken to the middle
        # of the round trip, a process descheduled between the three reads
        # found offsets of tens of milliseconds either way, pass after pass:
        # an as-it-happens alert queued at one pass's "now" was not yet due
        # at the next pass's, just after, and waited for the dispatcher.
        self.offset = 0.0 if before <= store <= after else store - (before + after) / 2
        self.measured = True
        skewed = abs(self.offset) > SKEW_SECONDS
        if skewed and not self.warned:
            self.log.warning(
                "this machine's clock is %.0f s %s the state store's: %s "
                "go by the store's clock; synchronize this machine's (NTP)",
                abs(self.offset),
                "behind" if self.offset > 0 else "ahead of",
                self.what,
            )
        elif self.warned and not skewed:
            self.log.info("this machine's clock agrees with the state store's again")
        self.warned = skewed

    def now(self) -> float:
        return self.local() + self.offset
