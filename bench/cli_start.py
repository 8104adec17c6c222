"""How long a CLI user waits for ``veille --help`` and ``veille source list``,
in English and in French, beside the baseline of the same run: the Python
interpreter starting with ``import veille`` and nothing else (what no change
to the CLI can remove).

    python bench/cli_start.py               # 10 runs of each
    python bench/cli_start.py --runs 3      # quick
    python bench/cli_start.py --against OLD/src   # beside another checkout's code

With ``--against``, each command also runs with that folder first on
PYTHONPATH (an older veille), its runs taken in turn with this one's, so
that both see the same load on the machine. Both open the same workspace:
the other checkout must know no newer migration than this one (its store
would be upgraded, and this one would refuse it); take the commit this
branch started from (``git archive BASE src | tar -x -C /tmp/base``). Run
with bytecode written (no PYTHONDONTWRITEBYTECODE), or every run compiles
the modules again and both figures measure the compiler.

Each command runs in a new process (as a user starts it), in a fresh
workspace holding two sources, and its wall time is taken from the start of
the process to its exit; the median of ``--runs`` is shown, with its ratio to
the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("veille --help", ["--help"]),
    ("veille --language fr --help", ["--language", "fr", "--help"]),
    ("veille source add --help (fr)", ["--language", "fr", "source", "add", "--help"]),
    ("veille source list", ["source", "list"]),
    ("veille --language fr source list", ["--language", "fr", "source", "list"]),
    # The largest command groups: each of their commands made at every start, before.
    ("veille plan kpis", ["plan", "kpis"]),
    ("veille inbox list", ["inbox", "list"]),
)


def _wall(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, default=None, help="another veille's src/")
    args = parser.parse_args()
    env = dict(os.environ, COLUMNS="100", LANG="C.UTF-8")
    other = None
    if args.against is not None:
        other = dict(env, PYTHONPATH=str(args.against.resolve()))
    veille = [sys.executable, "-m", "veille"]
    with tempfile.TemporaryDirectory(prefix="veille-bench-cli-") as tmp:
        root = Path(tmp)
        subprocess.run([*veille, "init", "."], cwd=root, env=env, check=True, capture_output=True)
        for name, url in (
            ("news", "https://example.org/feed/"),
            ("blog", "https://example.com/rss"),
        ):
            subprocess.run([*veille, "source", "add", "feeds", url, "--name", name],
                           cwd=root, env=env, check=True, capture_output=True)  # fmt: skip
        base = [_wall([sys.executable, "-c", "import veille"], root, env) for _ in range(args.runs)]
        baseline = statistics.median(base)
        label = 'python -c "import veille" (baseline)'
        print(f"{label:<40} {baseline * 1000:7.0f} ms")
        for label, words in COMMANDS:
            walls, theirs = [], []
            for _ in range(args.runs):
                walls.append(_wall([*veille, *words], root, env))
                if other is not None:
                    theirs.append(_wall([*veille, *words], root, other))
            median = statistics.median(walls)
            line = f"{label:<40} {median * 1000:7.0f} ms  {median / baseline:5.1f}× baseline"
            if theirs:
                old = statistics.median(theirs)
                line += f"  (--against: {old * 1000:.0f} ms, this one {median / old:.2f}× it)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
