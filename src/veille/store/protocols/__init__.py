"""The storage protocols, one module per domain.

:class:`veille.store.base.PostStore` and :class:`veille.store.base.StateStore`
are composed from these, so that each domain's reads and writes are named in
one place and every backend implements them under the same names.
"""
