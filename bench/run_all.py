"""Run every benchmark in bench/, one after the other (``make bench``).

Each benchmark prints its own figures beside a baseline measured in the same
run. Pass ``--quick`` for reduced sizes (a smoke run).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

QUICK = {
    "alerts.py": ["--alerts", "100", "--posts", "300"],
    "analytics.py": ["--posts", "50000", "--repeat", "3"],
    "backup.py": ["--posts", "20000"],
    "cli_start.py": ["--runs", "3"],
    "collect.py": ["--feeds", "100", "--hosts", "10"],
    "eval_sentiment.py": ["--posts", "2000"],
    "ingest.py": ["--posts", "50000"],
    "migrate.py": ["--rows", "100000"],
    "migrate_purged.py": ["--posts", "5000"],
    "percolate.py": ["--n", "1000", "--docs", "200", "--brute-docs", "20"],
    "platforms.py": ["--days", "3"],
    "purged_names.py": ["--per-day", "100", "--days", "12", "--retention", "4"],
    "relevance.py": ["--posts", "20000", "--repeat", "2"],
    "search.py": ["--posts", "50000", "--queries", "50"],
    "store_open.py": ["--runs", "3"],
    "store_queries.py": ["--posts", "50000", "--repeat", "3"],
    "tables.py": ["--rows", "50", "--repeat", "3"],
    "trends.py": ["--posts", "20000", "--runs", "1"],
    "upkeep.py": ["--posts", "50000"],
}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    here = Path(__file__).parent
    failed = []
    for script in sorted(here.glob("*.py")):
        if script.name in ("run_all.py",) or script.name.startswith("_"):
            continue
        args = QUICK.get(script.name, []) if quick else []
        print(f"== {script.name} {' '.join(args)}", flush=True)
        if subprocess.call([sys.executable, str(script), *args]) != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
