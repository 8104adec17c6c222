"""A wide table that still reads in a narrow terminal.

``veille source health`` has twelve columns: at 80 columns rich cut every
header to three letters and an ellipsis ("sou…", "fa…"). Where a table's
natural width does not fit the terminal, each row is shown as one block
instead: its first value as the block's title, then one line per column,
the column's name and its value (wrapped under the value, never cut).
A terminal wide enough keeps the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from veille.i18n import colon


def _cell(value: Any, empty: str = "") -> Text:
    """A value as the list commands' tables show it (a time to the minute);
    data as it is: an error's "[word]" is no markup to drop."""
    if value is None or value == "":
        return Text(empty)
    if isinstance(value, datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M"))
    return Text(str(value))


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> Table:
    table = Table()
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def fits(table: Table, console: Console) -> bool:
    """Whether ``table`` shows every header and value whole at the
    console's width (rich would otherwise shrink its columns and cut them)."""
    from rich.measure import Measurement

    # Measured as if the terminal had no edge: rich clamps to the width it has.
    unbounded = console.options.update(max_width=1_000_000)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def print_table_or_blocks(
    console: Console,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    lang: str,
) -> None:
    """``rows`` (keyed by the headers in ``columns``, already said in
    ``lang``) as a table where it fits ``console``, else one block per row
    (see the module's docstring). An empty value reads "—" in a block,
    so that every block has the same lines in the same places."""
    table = _table(rows, columns)
    if fits(table, console):
        console.print(table)
        return
    first, rest = columns[0], columns[1:]
    for index, row in enumerate(rows):
        if index:
            console.print()
        console.print(_cell(row.get(first)), style="bold")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for col in rest:
            value = _cell(row.get(col), "—")
            grid.add_row(Text("  " + col + colon(lang)), value)
        console.print(grid)
