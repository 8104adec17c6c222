"""PostgreSQL implementation of veille.store.protocols.plan (migration
0006): the shared SQL of :mod:`veille.store.portable.plan`."""

from __future__ import annotations

from veille.store.portable.plan import PortablePlan
from veille.store.postgres.portable import PgPortable


class PgPlan(PgPortable, PortablePlan):
    """Mixed into :class:`~veille.store.postgres.store.PostgresStore`."""
