"""A backup of posts in chDB taken by the process holding the folder
(``[backup]``, :mod:`veille.store.clickhouse.backup`), beside the baseline
the docs gave before: stop veille and ``cp -a`` the folder.

    python bench/backup.py                  # 200,000 posts over a year
    python bench/backup.py --posts 50000    # quick

A fresh chDB folder gets ``--posts`` generated posts (bench/store.py's
generator), its settled months merged as the scheduler's upkeep does. Then:
``cp -a`` of the closed folder (the baseline: veille stopped meanwhile);
the same store open, a reader (one post every 50 ms, a post's page) and a
collector writing batches of ``--batch`` posts, alone; then both beside
the backup (BACKUP … ASYNC, then RESTORE in a child process): its time, the
slowest read and the slowest batch beside it. The copy's post count is
checked against the store's.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from store import batches, more_posts
from upkeep import Reader, Writer, load


def _mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    from veille.store.clickhouse.backend import ChdbBackend
    from veille.store.clickhouse.backup import copy_folder

    with tempfile.TemporaryDirectory(prefix="veille-bench-backup-") as tmp:
        root = Path(tmp)
        url = f"chdb:///{root / 'posts.chdb'}"
        ch = ChdbBackend().open(url, root=root)
        print(f"load {load()}; {args.posts:,} posts into chDB at {root}", flush=True)
        first = None
        for batch in batches(args.posts, 20_000):
            first = first or batch[0].id
            ch.upsert_posts(batch)
        ch.compact_months()
        ch.close()
        assert first is not None
        folder = root / "posts.chdb"
        print(f"  folder: {_mb(folder):,.0f} MB", flush=True)

        t0 = time.perf_counter()
        subprocess.run(["cp", "-a", str(folder), str(root / "cp-copy")], check=True)
        print(
            f"baseline, cp -a of the folder, veille stopped: {time.perf_counter() - t0:.1f} s"
            f"   load {load()}",
            flush=True,
        )
        shutil.rmtree(root / "cp-copy")

        # The same process reopening it: chDB allows one folder per process.
        ch = ChdbBackend().open(url, root=root)
        more = [p for b in more_posts(60 * args.batch, args.posts) for p in b]
        todo = [more[i : i + args.batch] for i in range(0, len(more), args.batch)]
        with Reader(ch, first) as alone_r, Writer(ch, todo[:10]) as alone_w:
            alone_w.thread.join()
        print(
            f"alone: reader slowest {max(alone_r.took) * 1000:,.0f} ms of {len(alone_r.took)}; "
            f"collector slowest batch {max(alone_w.took) * 1000:,.0f} ms of "
            f"{len(alone_w.took)}   load {load()}",
            flush=True,
        )
        with Reader(ch, first) as r, Writer(ch, todo[10:]) as w:
            t0 = time.perf_counter()
            copy_folder(ch.client, root / "backup" / "posts.chdb")
            spent = time.perf_counter() - t0
        print(
            f"backup while veille runs: {spent:.1f} s; beside it the reader's slowest "
            f"{max(r.took) * 1000:,.0f} ms of {len(r.took)}, the collector's slowest batch "
            f"{max(w.took, default=0) * 1000:,.0f} ms of {len(w.took)}   load {load()}",
            flush=True,
        )
        held = ch.rows("SELECT count() FROM posts FINAL")[0][0]
        ch.close()
        check = subprocess.run(
            [sys.executable, "-c", COUNT, str(root / "backup")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"  the copy: {int(check.stdout):,} posts (the store now: {held:,})", flush=True)


COUNT = """
import sys
from pathlib import Path
from veille.store.clickhouse.backend import ChdbBackend
ch = ChdbBackend().open("chdb:///posts.chdb", root=Path(sys.argv[1]))
print(ch.rows("SELECT count() FROM posts FINAL")[0][0])
ch.close()
"""


if __name__ == "__main__":
    main()
