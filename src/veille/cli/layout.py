"""A wide table that still reads in a narrow terminal.

``veille source health`` has twelve columns: at 80 columns rich cut every
header to three letters and an ellipsis ("sou…", "fa…"). Where a table's
natural width does not fit the terminal, each row is shown as one block
instead: its first value as the block's title, then one line per column,
the column's name and its value (wrapped under the value, never cut).
A terminal wide enough keeps the table.

Nor does a line break at a no-break space: French puts U+202F before
« : ; ! ? », inside « » and between a number's thousands ("1 175",
"17,9 %"), and rich breaks lines at any character Python calls a space,
so a narrow terminal showed a cell or a line starting with « ? » or « » »
alone. :func:`terminal` makes the consoles veille prints with, whose text
is :class:`Unbroken`: words held together stay on one line, unless no line
of the cell can hold them (then they break there, as before, rather than
be cut with "…").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.containers import Lines
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from veille.i18n import colon

#: The spaces no line may break at (no-break, figure, narrow no-break),
#: each stood in for while rich wraps by a noncharacter (for a program's
#: own use, never in text that is exchanged) as wide as it is and no space
#: to rich.
_NO_BREAK = "\u00a0\u2007\u202f"
_STAND_IN = "\ufdd0\ufdd1\ufdd2"


def _swap(plain: str, these: str, those: str) -> str:
    """``plain``, each of ``these`` characters made the one of ``those`` at
    its place (str.replace: five times str.translate's speed here)."""
    for this, that in zip(these, those, strict=True):
        plain = plain.replace(this, that)
    return plain


#: A run of words held together by no-break spaces: from a space (or the
#: start) to the next, one no-break space in it at least.
_HELD = re.compile(f"(?<![\\S{_NO_BREAK}])\\S*[{_NO_BREAK}][\\S{_NO_BREAK}]*")


def _joined(text: Text, width: int | None = None) -> Text | None:
    """A copy of ``text`` whose no-break spaces are no spaces to rich, but
    in a run of words longer than ``width`` cells: one no line can hold,
    broken at its no-break spaces as before rather than cut with "…" (its
    words lost) or folded within a word; every no-break space, to measure
    it. None where nothing is to hide, or where ``text`` holds a stand-in
    itself (rich's own way, then)."""
    plain = text.plain
    if not any(c in plain for c in _NO_BREAK) or any(c in plain for c in _STAND_IN):
        return None
    joined = text.copy()  # its plain text made as long: its styles stay where they were
    if width is None:
        joined.plain = _swap(plain, _NO_BREAK, _STAND_IN)
        return joined
    fits = width

    def held(run: re.Match[str]) -> str:
        words = run.group()
        return words if cell_len(words) > fits else _swap(words, _NO_BREAK, _STAND_IN)

    joined.plain = _HELD.sub(held, plain)
    return joined


class Unbroken(Text):
    """Text that rich wraps, and measures for a table's column, as it does
    any text but for never breaking a line at a no-break space (unless its
    words cannot fit a line at all: see :func:`_joined`)."""

    def wrap(self, console: Console, width: int, **how: Any) -> Lines:
        joined = _joined(self, width)
        if joined is None:
            return super().wrap(console, width, **how)
        lines = joined.wrap(console, width, **how)
        for line in lines:
            line.plain = _swap(line.plain, _STAND_IN, _NO_BREAK)
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        joined = _joined(self)
        if joined is None:
            return super().__rich_measure__(console, options)
        return joined.__rich_measure__(console, options)


def unbroken(text: Text) -> Text:
    """``text`` as :class:`Unbroken` where it has a no-break space."""
    if type(text) is not Text or not any(c in text.plain for c in _NO_BREAK):
        return text
    return Unbroken(text.plain, style=text.style, justify=text.justify,
                    overflow=text.overflow, no_wrap=text.no_wrap, end=text.end,
                    tab_size=text.tab_size, spans=text.spans)  # fmt: skip


class _Terminal(Console):
    """A console whose text, from a string or a :class:`Text` (a cell, a
    line of ``print``), is :class:`Unbroken`."""

    def render_str(self, text: str, **how: Any) -> Text:
        return unbroken(super().render_str(text, **how))

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        if isinstance(renderable, Text):
            renderable = unbroken(renderable)
        return super().render(renderable, options)


def terminal(*, stderr: bool = False) -> Console:
    """The console veille prints with, on stdout or ``stderr``."""
    return _Terminal(stderr=stderr, highlight=False)


def held(console: Console) -> Console:
    """``console`` itself, its text :class:`Unbroken` from now on: for a
    console made elsewhere with settings of its own (typer's help pages,
    :mod:`veille.cli.helptext`). :class:`_Terminal` adds no state of its
    own to a console, only how text is rendered."""
    console.__class__ = _Terminal
    return console


class HeldTable(Table):
    """A table whose cells are :class:`Unbroken` where they hold a no-break
    space, measured so too: a column is never narrowed below words held
    together (a help page's « JOURS\u00a0[1–365] », which a column as wide
    as its longest word wrapped, the range alone on the next line)."""

    def add_row(self, *renderables: RenderableType | None, **how: Any) -> None:
        held = (unbroken(r) if isinstance(r, Text) else r for r in renderables)
        super().add_row(*held, **how)


class ProseLast(HeldTable):
    """A table whose last column is prose (a help page's panel: an option,
    its type, what it does) that keeps what width it can in a narrow
    terminal. rich narrows the widest columns first, the prose down to the
    width of the next column (``<int range> [x>=0]``) and then both
    together: at 60 columns `veille rule add --help` had 15 cells of help,
    « d’environnement : » broke before its colon and VEILLE_WORKSPACE was
    cut to "VEILLE_WORKSPA…". Where the table does not fit, the columns
    before the last wrap at their words (never within one) before the
    prose gives up a cell."""

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        found = [self._measure_column(console, options, column) for column in self.columns]
        if sum(m.maximum for m in found) > options.max_width:
            # Words held together (« JOURS [1–365] ») stay so where the
            # prose keeps its longest word beside them; not in a terminal
            # too narrow for both, where the prose would be cut with "…".
            prose = self.columns[-1]
            longest = _loose(console, options, prose) + self._get_padding_width(prose._index)
            held = sum(m.minimum for m in found[:-1]) + longest <= options.max_width
            for column, measured in zip(self.columns[:-1], found[:-1], strict=True):
                if column.max_width is None:
                    padding = self._get_padding_width(column._index)
                    loose = _loose(console, options, column)
                    column.max_width = max(measured.minimum - padding, 0) if held else loose
        return super()._calculate_column_widths(console, options)


def _loose(console: Console, options: ConsoleOptions, column: Column) -> int:
    """The fewest cells ``column``'s text takes broken at every space, its
    no-break spaces too (as rich measures any text), padding left out: its
    longest word. A cell of several pieces (typer's help, a ``Columns``,
    which rich measures as 1 cell) by its widest piece."""
    least = 0
    for cell in column.cells:
        for piece in getattr(cell, "renderables", None) or [cell]:
            if isinstance(piece, Unbroken):
                measured = Text.__rich_measure__(piece, console, options)
            else:
                measured = Measurement.get(console, options, piece)
            least = max(least, measured.minimum)
    return least


def _cell(value: Any, empty: str = "") -> Unbroken:
    """A value as the list commands' tables show it (a time to the minute);
    data as it is: an error's "[word]" is no markup to drop."""
    if value is None or value == "":
        return Unbroken(empty)
    if isinstance(value, datetime):
        return Unbroken(value.strftime("%Y-%m-%d %H:%M"))
    return Unbroken(str(value))


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
            grid.add_row(Unbroken("  " + col + colon(lang)), value)
        console.print(grid)
