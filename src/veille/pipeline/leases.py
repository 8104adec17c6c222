"""The sources' leases and their heartbeat.

Each source is collected under a lease in the StateStore (one collector at a
time, across processes and machines: ``veille run --role collector``): the
lease is taken before the cursor is read, renewed by a heartbeat thread while
the source runs, checked inside every batch's transaction (a collector that
lost it cannot commit) and released at the end. A collector that dies stops
renewing; once its lease expires another takes the source over from the
committed cursor. One whose process still runs on this machine keeps its
sources though its lease ran out, for up to :data:`HELD_HERE_SECONDS` after
its last heartbeat: on SQLite a long write (a retention purge's or an
erasure's chunks, one after the other) keeps every other writer waiting,
the heartbeat included, and the source used to be taken over from a
collector that was working on it.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from veille.errors import VeilleError, log_failure, tr
from veille.services.sources import SourceRecord
from veille.store.clock import StoreClock

log = logging.getLogger("veille.collect")

# Seconds a source's lease lasts without a heartbeat (renewed every third of it).
LEASE_SECONDS = 60.0
#: Seconds a lease whose process still runs on this machine is left to it
#: without a heartbeat (its process id may be given to another after).
HELD_HERE_SECONDS = 600.0


class LeaseLost(VeilleError):
    """This collector no longer holds a source's lease (it was paused past
    the lease's expiry and another collector took the source over)."""


def lease_name(source: str) -> str:
    return f"source:{source}"


def _exited(holder: str) -> bool:
    """Whether ``holder`` (a :func:`collector_id`) is a process of this
    machine that no longer runs."""
    import os
    import socket

    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def running_here(holder: str) -> bool:
    """Whether ``holder`` (a :func:`collector_id`) is a process of this
    machine that still runs (this one included)."""
    import os
    import socket

    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def collector_id() -> str:
    """A name for this collector process, unique across machines and restarts."""
    import os
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def held_elsewhere(store: Any, names: Any, now: float) -> dict[str, str]:
    """Which of the sources ``names`` another collector is collecting now
    (source name -> that collector's :func:`collector_id`): its lease is
    current, or ran out while its process still runs on this machine (see
    :data:`HELD_HERE_SECONDS`); a lease whose process of this machine has
    exited is not held."""
    wanted = {lease_name(n): n for n in names}
    held: dict[str, str] = {}
    for lease in store.leases():
        name = wanted.get(lease.name)
        if name is None or not lease.holder or _exited(lease.holder):
            continue
        current = lease.expires_at > now
        starved = now - float(lease.heartbeat_at) < HELD_HERE_SECONDS and running_here(lease.holder)
        if current or starved:
            held[name] = lease.holder
    return held


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class SourceLeases:
    """The lease side of :class:`~veille.pipeline.collect.Collector`: taking a
    source's lease, renewing it by a heartbeat, checking it inside each batch's
    transaction and giving it back."""

    store: Any
    clock: StoreClock
    holder: str
    lease_seconds: float
    _epochs: dict[str, int]
    _epochs_lock: threading.Lock
    _before: dict[str, Any]

    def _take(self, record: SourceRecord, *, recheck: bool) -> bool:
        """Take ``record``'s lease; with ``recheck``, only if it is still due
        (another collector may have just run it)."""
        now = self.clock.now()
        name = lease_name(record.name)
        if self._held_here(name, now):
            return False
        epoch = self.store.acquire_lease(name, self.holder, ttl=self.lease_seconds, now=now)
        if epoch is None:
            # A process of this machine that has exited (a collect killed a
            # moment ago) need not be waited for until its lease expires.
            dead = next(
                (x.holder for x in self.store.leases() if x.name == name and _exited(x.holder)),
                None,
            )
            if dead is not None:
                epoch = self.store.acquire_lease(
                    name, self.holder, ttl=self.lease_seconds, now=now, replacing=dead
                )
        if epoch is None:
            return False
        was = self._before.get(name)
        if was is not None and was.holder and was.holder != self.holder and was.epoch < epoch:
            # Never released: that collector died or hung (SIGKILL, a lost
            # machine) and its lease ran out, or it had exited (just above).
            log.warning(
                "source %s taken over from collector %s, whose lease ran out %.0f s ago "
                "without being released; going on from its committed cursor",
                record.name,
                was.holder,
                max(0.0, now - was.expires_at),
            )
        if recheck and record.name not in self.store.due_sources(_at(now)):
            self.store.release_lease(lease_name(record.name), self.holder, now=self.clock.now())
            return False
        with self._epochs_lock:
            self._epochs[record.name] = epoch
        return True

    def _held_here(self, name: str, now: float) -> bool:
        """Whether lease ``name`` ran out while another collector of this
        machine that still runs holds it, its last heartbeat less than
        :data:`HELD_HERE_SECONDS` ago (held up by a long write, it is left to
        it). Read again only when the leases as the pass began say so."""
        was = self._before.get(name)
        if was is None or not self._starved(was, now):
            return False
        fresh = next((x for x in self.store.leases() if x.name == name), None)
        return fresh is not None and self._starved(fresh, now)

    def _starved(self, lease: Any, now: float) -> bool:
        return bool(
            lease.holder
            and lease.holder != self.holder
            and lease.expires_at <= now
            and now - float(lease.heartbeat_at) < HELD_HERE_SECONDS
            and running_here(lease.holder)
        )

    def _give_back(self, name: str) -> None:
        with self._epochs_lock:
            held = self._epochs.pop(name, None)
        if held is not None:
            try:
                self.store.release_lease(lease_name(name), self.holder, now=self.clock.now())
            except Exception as exc:  # it expires by itself
                log_failure(log, f"releasing the lease of {name} failed", exc,
                            "It expires by itself.")  # fmt: skip

    def _heartbeat(self, stop: threading.Event) -> None:
        wait, failing = self.lease_seconds / 3, False
        while not stop.wait(wait):
            with self._epochs_lock:
                names = [lease_name(n) for n in self._epochs]
            if not names:
                continue
            try:
                kept = self.store.renew_leases(
                    names, self.holder, ttl=self.lease_seconds, now=self.clock.now()
                )
            except Exception as exc:  # a busy store: again in a second; commits check the lease
                if not failing:
                    log_failure(log, "renewing source leases failed", exc,
                                "It is tried again every second.")  # fmt: skip
                wait, failing = min(1.0, self.lease_seconds / 3), True
                continue
            wait, failing = self.lease_seconds / 3, False
            for lost in set(names) - kept:
                log.warning("lease %s lost: another collector may take it over", lost)

    def _check_lease(self, tx: Any, name: str) -> None:
        with self._epochs_lock:
            epoch = self._epochs.get(name)
        if epoch is None or not tx.holds_lease(
            lease_name(name), self.holder, epoch, now=self.clock.now()
        ):
            raise LeaseLost(
                tr(
                    "source %(name)s: this collector lost its lease; nothing of "
                    "this batch is committed and the collector now holding it "
                    "goes on from the cursor",
                    name=name,
                )
            )
