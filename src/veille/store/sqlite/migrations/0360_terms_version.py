"""The version of ``extract_terms`` that made the posts' kept terms
(``veille.analytics.trends.terms_version``), recorded, so that a veille
whose extraction gives other terms notices it when the workspace opens and
makes every post's terms again (:func:`veille.store.sqlite.terms.terms_again`).
The terms kept so far (migration 0300, or posts stored since) are this
version's.
"""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> int:
    from veille.analytics.trends import terms_version

    conn.execute("CREATE TABLE kept_terms (version TEXT NOT NULL)")
    conn.execute("INSERT INTO kept_terms VALUES (?)", (terms_version(),))
    return 0
