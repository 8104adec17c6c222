"""What the apprise address guard's audit hook costs a process that carries it.

    python bench/apprise_guard.py [--posts 5000] [--rounds 2]

The hook (``veille.alerts.channels.apprise_hook``) stays in a process once it
has sent through apprise: every audit event (``open``, ``import``, ``id()``…)
then calls it, and it returns at once outside a guarded send. This imports the
same generated posts through the full pipeline (enrichment, matching) in fresh
child processes, with the hook installed and without (the baseline, same run,
alternating), and prints the CPU seconds of each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path

WORDS = ["lumio", "fibre", "panne", "internet", "super", "lent", "service", "client",
         "outage", "great", "slow", "support", "network", "ville", "encore", "merci"]  # fmt: skip


def write_posts(path: Path, n: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            fh.write(json.dumps({
                "platform": "mastodon", "id": str(i), "text": f"Lumio {text}",
                "url": f"https://mastodon.example/@u{i % 500}/{i}",
                "author": {"handle": f"u{i % 500}"}, "published_at": 1767225600 + i * 5,
            }) + "\n")  # fmt: skip


def run(path: str, hook: bool, queue: mp.Queue) -> None:
    if hook:
        import veille.alerts.channels.apprise_hook  # noqa: F401 - installs the hook
    from veille.importer import import_file
    from veille.pipeline import build_pipeline
    from veille.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = init_workspace(Path(tmp) / "ws")
        with Workspace.open(root) as ws:
            pipeline = build_pipeline(ws)
            cpu = time.process_time()
            report = import_file(pipeline, path)
            queue.put({"cpu": time.process_time() - cpu, "posts": report.stored})


def child(path: str, hook: bool) -> dict[str, float]:
    ctx = mp.get_context("spawn")  # a fresh interpreter: no hook left from another run
    queue = ctx.Queue()
    proc = ctx.Process(target=run, args=(path, hook, queue))
    proc.start()
    result: dict[str, float] = queue.get()
    proc.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "posts.jsonl"
        write_posts(path, args.posts)
        base, hooked = [], []
        for _ in range(args.rounds):
            base.append(child(str(path), False)["cpu"])
            hooked.append(child(str(path), True)["cpu"])
    b, h = min(base), min(hooked)
    print(f"import of {args.posts} posts, full pipeline, best of {args.rounds} (CPU seconds)")
    print(f"  without the hook (baseline): {b:.2f} s  ({args.posts / b:,.0f} posts/s)")
    print(f"  with the hook installed:     {h:.2f} s  ({args.posts / h:,.0f} posts/s)")
    print(f"  ratio with/without: {h / b:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
