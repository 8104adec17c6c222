"""The PostgreSQL StateStore: psycopg 3 connections from a pool.

Reads borrow a pooled connection in autocommit mode (each sees the last
commit); :meth:`PostgresStore.transaction` holds one connection for a whole
write transaction, which the domain methods of the transaction object use.
The pool is thread-safe: the web app's threads, the outbox worker and the
collector share one store.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from veille.errors import Figure, StoreError, StoreUnavailable, tr
from veille.models import Cursor, now_utc
from veille.store.postgres.accounts import PgAccounts, PgAccountsTx
from veille.store.postgres.alerts import PgAlerts, PgAlertsTx
from veille.store.postgres.base import OnConnection, Runner
from veille.store.postgres.calendar import PgCalendar
from veille.store.postgres.collection import PgCollection, PgCollectionTx
from veille.store.postgres.enrich import PgEnrich, PgEnrichTx
from veille.store.postgres.inbox import PgInbox, PgInboxTx
from veille.store.postgres.migrations import migrate
from veille.store.postgres.plan import PgPlan
from veille.store.postgres.privacy import PgPrivacyKey, PgPrivacyTx
from veille.store.postgres.sources import PgSources, PgSourcesTx
from veille.store.postgres.topics import PgTopics, PgTopicsTx
from veille.store.postgres.transfer import PgTransfer

# Connections per store: the daemon's collector, its outbox worker and a few
# web threads at once; more wait for one (PostgreSQL allows 100 by default).
POOL_MAX = 8


class PgTx(
    OnConnection,
    PgAccountsTx,
    PgAlertsTx,
    PgCollectionTx,
    PgEnrichTx,
    PgInboxTx,
    PgPrivacyTx,
    PgSourcesTx,
    PgTopicsTx,
):
    """One write transaction (see :class:`veille.store.base.StateStoreTx`):
    every call runs on its connection.

    ``answering``: the store's translation of psycopg's errors, applied to
    each statement. A stage's hook calls the transaction from inside the
    pipeline, which takes an error it does not know for the stage's own bug;
    a server lost mid-transaction must reach it as the store away (one line,
    the pass tried again), not as "stage alerts failed" with a traceback."""

    def __init__(
        self, conn: Any, answering: Callable[[], AbstractContextManager[None]] | None = None
    ) -> None:
        super().__init__(conn)
        self._answering = answering

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self._answering is None:
            yield self.conn
            return
        with self._answering():
            yield self.conn

    def set_cursor(self, cursor: Cursor) -> None:
        self.run(
            "INSERT INTO cursors (source, value, updated_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (source) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            (cursor.source, json.dumps(dict(cursor.value)), int(now_utc().timestamp())),
        )


def _describe(url: str) -> str:
    """``url`` without its password (or one in its query string), for messages."""
    from veille.urlmask import mask_url

    return mask_url(url)


def _said(exc: BaseException, url: str) -> str:
    """psycopg's message for ``exc`` without ``url``'s secrets: libpq quotes
    the part of a URL it could not read, a password included."""
    from veille.urlmask import mask_urls_in

    return mask_urls_in(str(exc), url)


#: Seconds a store that did not answer is not asked again: meanwhile every
#: call fails at once (a web request answers 503 at once rather than after
#: the pool's 10 s), then one call tries the server again.
PAUSE_SECONDS = 2.0


class Breaker:
    """Whether the server is known to be away, shared by the store's threads.

    Closed, every call asks the server. Once one met the server away
    (:meth:`failed`), calls are refused (:meth:`admit` says no) for ``pause``
    seconds; then one call is let through to try again while the others
    are still refused, and its answer closes the breaker (:meth:`answered`)
    or opens it for another pause."""

    def __init__(self, pause: float = PAUSE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.pause = pause
        self._clock = clock
        self._lock = threading.Lock()
        self._retry_at: float | None = None  # None: closed
        self._trying = False
        #: What the server answered last time it was asked (for the message).
        self.why = ""

    def admit(self) -> Literal["ask", "try", "no"]:
        """Whether this call may ask the server: ``ask`` (it answers), ``try``
        (it was away: this call tries it again) or ``no``."""
        with self._lock:
            if self._retry_at is None:
                return "ask"
            if self._trying or self._clock() < self._retry_at:
                return "no"
            self._trying = True  # this call tries; the others do not wait for it
            return "try"

    def answered(self) -> None:
        if self._retry_at is None:
            return  # closed already (the usual case: no lock taken)
        with self._lock:
            self._retry_at, self._trying = None, False

    def failed(self, why: str) -> None:
        with self._lock:
            self._retry_at, self._trying, self.why = self._clock() + self.pause, False, why


def _server_away(exc: Exception) -> bool:
    """Whether ``exc`` says the server is away (no connection, none made in
    time, the server shutting down), not that one statement was refused (a
    lock or statement timeout: the server answers other calls)."""
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith(("08", "57P"))


def _read_only(where: str) -> tuple[Any, Any]:
    """The message and hint for a state store that refuses writes."""
    return (
        tr(
            "the PostgreSQL state store %(store)s is read-only (a standby replica, or a "
            "server set read-only): veille writes its state to the primary",
            store=where,
        ),
        tr(
            "Point [store] state at the primary, or name every server in one URL with "
            "target_session_attrs=read-write (postgresql://host1:5432,host2:5432/veille"
            "?target_session_attrs=read-write) so that veille finds the one taking "
            "writes, after a failover too (see docs/deploy.md, PostgreSQL)."
        ),
    )


def _refuse_read_only(conn: Any, where: str) -> None:
    """A store opened on a standby (``[store] state`` naming the replica by
    mistake) failed at its migration's first statement with PostgreSQL's
    "cannot execute CREATE TABLE in a read-only transaction" and a hint to
    check that the user may create tables, which sent an operator looking
    at privileges rather than at the URL."""
    row = conn.execute("SELECT current_setting('transaction_read_only')").fetchone()
    if row and row[0] == "on":
        message, hint = _read_only(where)
        raise StoreError(message, hint=hint)


def _no_server_takes_writes(exc: Exception) -> bool:
    """Whether libpq found no server taking writes for a URL with
    ``target_session_attrs=read-write`` (each one it reached read-only: a
    standby, the primary being away, for about a second of a failover
    before the promotion). It was said with the hint to check the user's
    privileges, which sent the operator the wrong way."""
    said = str(exc)
    # libpq 14 and later, then the words of earlier versions.
    return "session is read-only" in said or "could not make a writable connection" in said


#: Seconds the pool keeps retrying a lost connection before leaving it to
#: the next call that needs one (see :meth:`PostgresStore.open`).
RECONNECT_SECONDS = 30.0


class PostgresStore(
    PgAccounts,
    PgAlerts,
    PgCalendar,
    PgCollection,
    PgEnrich,
    PgInbox,
    PgPlan,
    PgPrivacyKey,
    PgSources,
    PgTopics,
    PgTransfer,
):
    """The :class:`~veille.store.base.StateStore` on PostgreSQL."""

    #: The engine, as messages name it.
    engine = "PostgreSQL"

    def __init__(
        self,
        pool: Any,
        url: str,
        *,
        breaker: Breaker | None = None,
        probe: Callable[[], None] | None = None,
    ) -> None:
        self.pool = pool
        self.url = url
        #: Where messages say the store is (no password).
        self.where = _describe(url)
        # While the server is known to be away, calls fail at once.
        self.breaker = breaker or Breaker()
        # Connects once, outside the pool: see _probe.
        self.probe = probe

    @classmethod
    def open(cls, url: str, *, pool_max: int = POOL_MAX, timeout: float = 10.0) -> PostgresStore:
        """Connect to ``url`` (a libpq URL) and bring its schema up to date."""
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ModuleNotFoundError as exc:
            raise StoreError(
                tr("the PostgreSQL state store needs psycopg 3 and psycopg-pool"),
                hint=tr("pip install 'psycopg[binary]' psycopg-pool"),
            ) from exc
        where = _describe(url)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=int(timeout)) as conn:
                _refuse_read_only(conn, where)
                migrate(conn, where=where)
        except psycopg.Error as exc:
            if _no_server_takes_writes(exc):
                message, hint = _read_only(where)
                raise StoreError(message, hint=hint) from exc
            said = _said(exc, url)
            failed = StoreError(
                tr(
                    "cannot open the PostgreSQL state store %(where)s: %(error)s",
                    where=where,
                    error=said,
                )
                if said.strip()
                else tr("cannot open the PostgreSQL state store %(where)s:", where=where),
                hint=tr(
                    "Check that the server runs, the database exists and the "
                    "user may connect and create tables (see docs/deploy.md)."
                ),
            )
            # psycopg's own exception, chained, would print the password
            # again in a traceback (a log's, a daemon's): left out then.
            raise failed from (exc if said == str(exc) else None)
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_max,
            kwargs={"autocommit": True},
            timeout=timeout,
            open=True,
            name="veille-state",
            # The pool tries to reconnect after 1, 2, 4… seconds and only gives
            # up after reconnect_timeout (5 minutes by default): a server back
            # after two minutes away waited up to two more for the next try.
            # Given up sooner, the next call that needs a connection starts
            # trying again at once, so a daemon carries on soon after.
            reconnect_timeout=RECONNECT_SECONDS,
        )

        def probe() -> None:
            psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout))).close()

        return cls(pool, url, probe=probe)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._answering(), self.pool.connection() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self._answering(), self.pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """psycopg's OperationalError (the server gone or restarting, no
        connection free in time, a lock or statement given up) as a
        :class:`StoreUnavailable` naming the store: the CLI says it in one
        line, a daemon's pass fails like any store error and is tried again,
        and the web app answers 503.

        Once a call met the server away, the next ones fail at once for
        :data:`PAUSE_SECONDS` without waiting for the pool (see
        :class:`Breaker`), then one tries again."""
        hint = (
            "Check that the server runs and accepts connections, then try again "
            "(a write that failed was rolled back)."
        )
        admitted = self.breaker.admit()
        if admitted == "try":
            # The pool's idle connections were made before the server went:
            # drop those that broke, or the call would meet one of them.
            self.pool.check()
            self._probe(hint)
        elif admitted == "no":
            raise StoreUnavailable(
                tr(
                    "the PostgreSQL state store %(describe)s did not answer: "
                    "%(why)s (not asked again for %(pause)s s)",
                    describe=self.where,
                    why=self.breaker.why,
                    pause=Figure(self.breaker.pause),
                ),
                hint=hint,
            )
        try:
            with self._translating():
                yield
        except StoreUnavailable:
            raise  # said by a statement of the call: the breaker knows already
        except BaseException:
            self.breaker.answered()  # the server answered; the caller's own failure
            raise
        else:
            self.breaker.answered()

    @contextmanager
    def _translating(self) -> Iterator[None]:
        """psycopg's errors that say the server is away or read-only, raised
        as :class:`StoreUnavailable` (the breaker told when it is away)."""
        import psycopg

        hint = (
            "Check that the server runs and accepts connections, then try again "
            "(a write that failed was rolled back)."
        )
        try:
            yield
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            # The server answers but takes no writes (set read-only, or a
            # standby reached while the primary was away): what the next
            # call may find changed, as an outage; not a bug's traceback.
            self.breaker.answered()
            message, read_only_hint = _read_only(self.where)
            raise StoreUnavailable(message, hint=read_only_hint) from exc
        except psycopg.OperationalError as exc:
            why = _said(exc, self.url).strip() or type(exc).__name__
            if _server_away(exc):
                self.breaker.failed(why)
            else:
                self.breaker.answered()
            raise StoreUnavailable(
                tr(
                    "the PostgreSQL state store %(describe)s did not answer: %(why)s",
                    describe=self.where,
                    why=why,
                ),
                hint=hint,
            ) from exc

    def _probe(self, hint: str) -> None:
        """Ask the server for a connection of this call's own before waiting
        on the pool. While the server stays away the pool's reconnections
        fail in the background and a call waited the pool's whole timeout
        (a page hung 10 s in a failover's gap, then said "couldn't get a
        connection after 10.00 sec", hiding the reason); libpq's answer is
        at once and says why (refused, or each server read-only)."""
        import psycopg

        if self.probe is None:
            return
        try:
            self.probe()
        except psycopg.OperationalError as exc:
            why = " ".join(str(exc).split()) or type(exc).__name__
            self.breaker.failed(why)
            raise StoreUnavailable(
                tr(
                    "the PostgreSQL state store %(describe)s did not answer: %(why)s",
                    describe=self.where,
                    why=why,
                ),
                hint=hint,
            ) from exc

    def transaction(self) -> AbstractContextManager[PgTx]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[PgTx]:
        with self.write() as conn:
            yield PgTx(conn, self._translating)

    def get_cursor(self, source: str) -> Cursor | None:
        row = self.one("SELECT value, updated_at FROM cursors WHERE source = %s", (source,))
        if row is None:
            return None
        return Cursor(source, json.loads(row[0]), datetime.fromtimestamp(row[1], UTC))

    def close(self) -> None:
        self.pool.close()


__all__ = ["PgTx", "PostgresStore", "Runner"]
