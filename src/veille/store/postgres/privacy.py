"""The state side of veille.store.protocols.privacy on PostgreSQL (migration
0008): the pseudonymization key, the erasure log and the state's copies of
posts and people, the shared SQL of :mod:`veille.store.portable.privacy`.
The posts themselves are erased by the posts store
(:mod:`veille.services.privacy` runs both)."""

from __future__ import annotations

from veille.store.portable.privacy import POST_COPIES, PortablePrivacy
from veille.store.postgres.portable import PgPortable


class PgPrivacyKey(PgPortable, PortablePrivacy):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore`."""

    # Filings are kept by post id here (the posts are in another store).
    post_copies = (*POST_COPIES, "post_topics")
