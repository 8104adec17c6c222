"""``veille store migrate`` of a large state table, SQLite to PostgreSQL.

    python bench/migrate.py [--rows 1600000]

The largest state table of a workspace is ``minhash_bands`` (16 near-duplicate
band keys per signed post: about 160M rows at 10M posts); the largest keyed
one, ``minhash`` (a signature per signed post), is upserted by its key and
timed too. The bench fills it
with ``--rows`` rows in a SQLite state, starts a throwaway PostgreSQL
(``initdb`` on a loopback port; needs Debian's ``postgresql``) and times what
migrate does with a table: the checksum of each side and the copy. Printed
beside, in the same process: one plain read of the same rows from SQLite and
one ``COPY`` of them into a scratch PostgreSQL table (the least any copy can
cost), and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_600_000)
    args = ap.parse_args(argv)

    from veille.services import migrate
    from veille.store.postgres.testing import TestServer, missing_reason
    from veille.store.registry import open_store
    from veille.store.sqlite import SQLiteStore

    why = missing_reason()
    if why:
        raise SystemExit(f"bench/migrate.py needs a local PostgreSQL: {why}")
    n = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lite = SQLiteStore.open(folder / "veille.db")
        rng = random.Random(1)
        lite.conn.executemany(
            "INSERT INTO minhash_bands (band_key, post_id) VALUES (?, ?)",
            ((rng.getrandbits(62), f"mastodon:{i // 16}") for i in range(n)),
        )
        # The signatures, one row per signed post, keyed by post id: upserted.
        keyed = n // 16
        lite.conn.executemany(
            "INSERT INTO minhash (post_id, cluster_id, signature) VALUES (?, ?, ?)",
            ((f"mastodon:{i}", f"mastodon:{i - i % 3}", rng.randbytes(256)) for i in range(keyed)),
        )
        lite.conn.commit()
        with TestServer() as server:
            pg = open_store(server.url, role="state", root=folder)
            src = lite.transfer_tables()["minhash_bands"]
            dst = pg.transfer_tables()["minhash_bands"]
            columns = sorted(set(src.columns) & set(dst.columns))

            def timed(fn: Callable[[], object]) -> float:
                t = time.perf_counter()
                fn()
                return time.perf_counter() - t

            digest_lite = timed(lambda: migrate._table_digest(lite, src, columns))
            copy = timed(lambda: migrate._copy_table(lite, pg, src, dst, columns))
            digest_pg = timed(lambda: migrate._table_digest(pg, dst, columns))

            # The baseline: one read of the rows, one COPY of them.
            def raw_read() -> None:
                for _row in lite.conn.execute("SELECT band_key, post_id FROM minhash_bands"):
                    pass

            def raw_copy() -> None:
                rows = lite.conn.execute("SELECT band_key, post_id FROM minhash_bands")
                with pg.connection() as conn, conn.cursor() as cur:
                    cur.execute("CREATE TEMP TABLE scratch (band_key BIGINT, post_id TEXT)")
                    with cur.copy("COPY scratch (band_key, post_id) FROM STDIN") as out:
                        for row in rows:
                            out.write_row(row)

            read = timed(raw_read)
            copied = timed(raw_copy)
            ksrc, kdst = lite.transfer_tables()["minhash"], pg.transfer_tables()["minhash"]
            kcols = sorted(set(ksrc.columns) & set(kdst.columns))
            signatures = timed(lambda: migrate._copy_table(lite, pg, ksrc, kdst, kcols))
            signatures_again = timed(lambda: migrate._copy_table(lite, pg, ksrc, kdst, kcols))
            pg.close()
        lite.close()
    print(f"migrate of a state table of {n:,} rows (minhash_bands), SQLite -> PostgreSQL")
    print(f"  {'':34}{'veille s':>10}{'baseline s':>12}{'ratio':>8}")
    for name, ours, base in (
        ("checksum of the SQLite side", digest_lite, read),
        ("copy (read, send, write)", copy, copied),
        ("checksum of the PostgreSQL side", digest_pg, read),
    ):
        print(f"  {name:34}{ours:10.1f}{base:12.1f}{ours / base:7.1f}x")
    print("  baseline: one plain read of the SQLite rows; for the copy, the same rows COPYed")
    print(f"  rows per second copied: {n / copy:,.0f}")
    print(
        f"a keyed table ({keyed:,} rows of minhash, upserted by post id): "
        f"{keyed / signatures:,.0f} rows/s into an empty table, "
        f"{keyed / signatures_again:,.0f} rows/s again over the same rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
