"""What printing a table costs veille's console (``veille.cli.layout
.terminal``: no line broken at a no-break space) beside rich's own, the
baseline, for a ``veille search``-like table of French posts (U+202F before
« ? ! ; : », U+00A0 inside « ») and of English ones (no no-break space).

    python bench/tables.py [--rows 300] [--repeat 25]

Each table is printed in a terminal of 60 columns (its text wrapped) and of
3,000 (nothing wrapped), the two consoles alternated, in CPU ms (the figure
a loaded machine changes least), the best of ``--repeat``. Where nothing is
wrapped both must print the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

NBSP, NARROW = "\u00a0", "\u202f"


def _posts(rows: int, french: bool) -> list[str]:
    if french:
        said = (
            f"Lumio encore en panne{NARROW}? Trois jours sans fibre{NARROW}! Le support "
            f"répond «{NBSP}bientôt{NBSP}»{NARROW}; la facture{NARROW}: 49,90{NBSP}€, post"
        )
    else:
        said = "Lumio down again? Three days without fibre! Support says soon; the bill: post"
    return [f"{said} {i}" for i in range(rows)]


def _print(
    make: Callable[[], Console], cell: type[Text], posts: list[str], width: int
) -> tuple[float, str]:
    console = make()
    console.file, console.width = io.StringIO(), width
    table = Table()
    for head in ("id", "auteur", "texte"):
        table.add_column(head)
    for i, said in enumerate(posts):
        table.add_row(cell(f"mastodon:{i}"), cell("louise"), cell(said))
    start = time.process_time()
    console.print(table)
    return time.process_time() - start, console.file.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    from veille.cli.layout import Unbroken, terminal

    def rich() -> Console:
        return Console(highlight=False)

    print(f"{args.rows} rows, CPU ms, best of {args.repeat}")
    for french in (True, False):
        posts = _posts(args.rows, french)
        for width in (60, 3000):
            best = {"rich": float("inf"), "veille": float("inf")}
            shown = {}
            for _ in range(args.repeat):
                for name, make, cell in (("rich", rich, Text), ("veille", terminal, Unbroken)):
                    took, shown[name] = _print(make, cell, posts, width)
                    best[name] = min(best[name], took)
            if width == 3000 and shown["rich"] != shown["veille"]:
                print("the unwrapped tables differ", file=sys.stderr)
                return 1
            label = "French (no-break spaces)" if french else "English (none)"
            print(
                f"{label:25} {width:>4} columns: rich {best['rich'] * 1000:6.1f}  "
                f"veille {best['veille'] * 1000:6.1f}  ratio {best['veille'] / best['rich']:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
