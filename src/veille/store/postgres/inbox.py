"""PostgreSQL implementation of veille.store.protocols.inbox (migration
0007): the shared SQL of :mod:`veille.store.portable.inbox`. The posts
around an item (``replies_to``) are the PostStore's."""

from __future__ import annotations

from veille.store.portable.inbox import PortableInbox, PortableInboxTx
from veille.store.postgres.portable import PgPortable, PgPortableTx


class PgInbox(PgPortable, PortableInbox):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore`."""


class PgInboxTx(PgPortableTx, PortableInboxTx):
    """Mixed into the PostgreSQL transaction object (ingest's inbox stage)."""
