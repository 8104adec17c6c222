"""The state side of veille.store.protocols.privacy on PostgreSQL (migration
0008): the pseudonymization key, the erasure log and the state's copies of
posts and people, the shared SQL of :mod:`veille.store.portable.privacy`.
The posts themselves are erased by the posts store
(:mod:`veille.services.privacy` runs both)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from veille.store.portable import Sql
from veille.store.portable.privacy import POST_COPIES, PortablePrivacy, PortablePrivacyTx
from veille.store.postgres.portable import PgPortable, PgPortableTx

# The advisory lock of forgetting (advisory locks are per database): the
# bytes of "veille-f".
FORGET_LOCK = int.from_bytes(b"veille-f", "big", signed=True)
# The erasure log's merges of a day's entry: the bytes of "veille-e".
ERASURE_LOG_LOCK = int.from_bytes(b"veille-e", "big", signed=True)


def hold_erasure_log(sql: Sql) -> None:
    """The erasure log held until ``sql``'s transaction ends: a
    transaction-level advisory lock, released at its commit or rollback, or
    when a process that dies drops its connection. A row lock would not do:
    the first merge of a day has no row to lock."""
    sql.one("SELECT pg_advisory_xact_lock(?)", (ERASURE_LOG_LOCK,))


class PgPrivacyKey(PgPortable, PortablePrivacy):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore`."""

    # Filings are kept by post id here (the posts are in another store).
    post_copies = (*POST_COPIES, "post_topics")

    def _hold_erasure_log(self, sql: Sql) -> None:
        hold_erasure_log(sql)

    @contextmanager
    def forget_lock(self, *, exclusive: bool) -> Iterator[None]:
        """An advisory lock held by a transaction of its own (a process that
        dies lets go of it with its connection)."""
        take = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with self.write() as conn:
            conn.execute(f"SELECT {take}(%s)", (FORGET_LOCK,))
            yield


class PgPrivacyTx(PgPortableTx, PortablePrivacyTx):
    """Mixed into the PostgreSQL transaction object: the privacy log's
    entries that commit with an ingest batch."""

    def _hold_erasure_log(self, sql: Sql) -> None:
        hold_erasure_log(sql)
