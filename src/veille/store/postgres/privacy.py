"""The state side of veille.store.protocols.privacy on PostgreSQL (migration
0008): the pseudonymization key and the erasure log, the shared SQL of
:mod:`veille.store.portable.privacy`. Erasing a person's posts and
retention purges need the store that keeps the posts, which a state-only
store is not."""

from __future__ import annotations

from veille.store.portable.privacy import PortablePrivacy
from veille.store.postgres.portable import PgPortable


class PgPrivacyKey(PgPortable, PortablePrivacy):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore`."""
