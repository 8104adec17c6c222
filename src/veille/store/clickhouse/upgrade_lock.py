"""One process at a time upgrades a ClickHouse store, whatever machine it
runs on.

A server's collectors, scheduler and web workers open the same database; a
store made by an older veille is upgraded by the first one that opens it
(:mod:`veille.store.clickhouse.upgrade`), and the others wait until it is
done (two at once would fill a new rollup twice, exchange ``topic_filings``
twice, and write every refolded post twice). ClickHouse has no lock, but a
``CREATE TABLE`` without ``IF NOT EXISTS`` succeeds for one process only:
the lock is a table, ``veille_upgrade_lock_N``, holding the holder's machine,
process id and the server's time of its last progress (a row per step or
batch).

A holder killed midway leaves its table behind. It is taken over, by
creating ``veille_upgrade_lock_N+1`` (one process again), when its process is
gone (on the same machine: its id no longer runs) or when it has shown no
progress for :data:`STALE_AFTER` seconds; a holder that finds a later table
than its own stops, saying so. Each step of the upgrade goes on from where a
stopped run left it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Any

from veille.errors import StoreError, StoreLocked, tr

log = logging.getLogger(__name__)

PREFIX = "veille_upgrade_lock_"
# A holder that shows no progress for this long is taken to be dead. Its
# longest step (filling a new rollup from every post) makes no progress
# while it runs: generous, for a store of many millions of posts.
STALE_AFTER = 15 * 60
# Between two looks at the holder, while waiting.
POLL = 1.0


def _pid_space() -> str:
    """Which process ids this process sees: containers given one host name
    each see their own (``/proc/self/ns/pid``), where a process id of
    another names no process here."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class UpgradeLock:
    """The lock on upgrading the store behind ``client`` (``with`` it)."""

    def __init__(self, client: Any, where: str) -> None:
        self.client = client
        self.where = where
        # A token of its own, and the process ids it can look at.
        self.token = f"{uuid.uuid4().hex}:{_pid_space()}"
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.number = 0

    def _held(self) -> list[int]:
        """The numbers of the lock tables there are, in order."""
        found = self.client.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND startsWith(name, {prefix:String})",
            {"prefix": PREFIX},
        )
        return sorted(int(n[len(PREFIX) :]) for (n,) in found if n[len(PREFIX) :].isdigit())

    def _holder(self, number: int) -> tuple[str, int, str, int] | None:
        """The machine, process id, token and seconds since the last
        progress of the holder of lock ``number`` (``None``: it was released
        meanwhile)."""
        try:
            found = self.client.rows(
                f"SELECT host, pid, token, dateDiff('second', max(at), now64(3)) "
                f"FROM {PREFIX}{number} GROUP BY host, pid, token ORDER BY max(at) DESC LIMIT 1"
            )
            if not found:  # taken, its first row not yet written (or never: died then)
                found = self.client.rows(
                    "SELECT '', 0, '', dateDiff('second', metadata_modification_time, now()) "
                    "FROM system.tables WHERE database = currentDatabase() AND name = {n:String}",
                    {"n": f"{PREFIX}{number}"},
                )
        except StoreError as exc:
            if "code: 60" in str(exc).lower() or "unknown_table" in str(exc).lower():
                return None
            raise
        if not found:
            return None
        host, pid, token, silent = found[0]
        return str(host), int(pid), str(token), int(silent)

    def _create(self, number: int) -> bool:
        try:
            self.client.command(
                f"CREATE TABLE {PREFIX}{number} (token String, host String, pid UInt32, "
                "at DateTime64(3)) ENGINE = MergeTree ORDER BY at"
            )
        except StoreError as exc:
            if "already exists" in str(exc).lower() or "code: 57" in str(exc).lower():
                return False  # another process took it first
            raise
        self.number = number
        self.beat()
        return True

    def acquire(self) -> None:
        said = False
        while True:
            held = self._held()
            if not held:
                if self._create(1):
                    return
                continue
            last = held[-1]
            holder = self._holder(last)
            if holder is None:
                continue
            host, pid, token, silent = holder
            here = host == self.host and token.partition(":")[2] == _pid_space()
            gone = here and pid > 0 and not _alive(pid)
            if gone or silent >= STALE_AFTER:
                log.warning(
                    tr(
                        "ClickHouse upgrade of %(store)s: the process %(pid)s on %(host)s that "
                        "was upgrading it is %(why)s; this process (%(mine)s on %(here)s) goes "
                        "on from where it stopped.",
                        store=self.where, pid=pid, host=host,
                        why=tr("gone") if gone else tr("silent for %(seconds)s s", seconds=silent),
                        mine=self.pid, here=self.host,
                    )
                )  # fmt: skip
                if self._create(last + 1):
                    return
                continue
            if not said:
                log.warning(
                    tr(
                        "ClickHouse upgrade of %(store)s: the process %(pid)s on %(host)s is "
                        "upgrading it (last progress %(seconds)s s ago); this process waits "
                        "until it is done. If that process is gone, it is taken over after "
                        "%(minutes)s minutes without progress, or at once by a process on its "
                        "machine.",
                        store=self.where, pid=pid, host=host, seconds=silent,
                        minutes=STALE_AFTER // 60,
                    )
                )  # fmt: skip
                said = True
            time.sleep(POLL)

    def beat(self) -> None:
        """Progress, seen by the processes waiting. Raises
        :class:`StoreLocked` when another process took the upgrade over
        (this one was silent for too long): it stops there."""
        later = [n for n in self._held() if n > self.number]
        if later:
            raise StoreLocked(
                tr(
                    "another process took over the upgrade of the ClickHouse store %(where)s",
                    where=self.where,
                ),
                hint=tr(
                    "It goes on from where this one stopped; start this process "
                    "again once it is done."
                ),
            )
        self.client.command(
            f"INSERT INTO {PREFIX}{self.number} SELECT {{token:String}}, {{host:String}}, "
            "{pid:UInt32}, now64(3)",
            {"token": self.token, "host": self.host, "pid": self.pid},
        )

    def release(self) -> None:
        """Drop this lock and those it took over (never a later one)."""
        for number in self._held():
            if number <= self.number:
                self.client.command(f"DROP TABLE IF EXISTS {PREFIX}{number}")
        self.number = 0

    def __enter__(self) -> UpgradeLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
