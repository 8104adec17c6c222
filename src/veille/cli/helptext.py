"""``veille --help`` and every command's help in the reader's language.

typer (and the click it bundles) writes a help page in English, with no
catalog: the texts are veille's (a command's docstring, an option's
``help=``), the words around them typer's ("Usage:", "Commands",
"[default: …]", "[required]"). For a reader who is not English (found as
the usage errors find them: :func:`veille.cli.usage.reader_of`), a command
renders its page from a shallow copy of itself whose texts are said from
the catalogs (``cli_help.po``, all under the context ``help``, so that a
help text never takes the translation a page gave the same English words),
and typer's words are swapped for that rendering only. An English reader
gets typer's page, its words untouched.

In every language, a page shows what to write after an option in words
(``--since DATE``, « --since DATE »; :mod:`veille.cli.metavars`) where
typer showed a Python type (``<str>``, ``<list[str]>``, a flag's
``<bool>``), and a range (``[1–365]``, ``[≥1]``, typer's ``[1<=x<=365]``)
and a decimal default (``60``, not ``60.0``; « 0,5 ») as the reader
writes them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    import typer
    from rich.console import Console
    from typer._click import Context, HelpFormatter

#: The msgctxt of every help text and of typer's words in the catalogs.
HELP_CONTEXT = "help"
#: The one catalog that holds them: a help page reads no other.
HELP_AREA = "cli_help"

#: typer's words on a help page (module constants of ``typer.rich_utils``,
#: read when a page is rendered), each in ``cli_help.po`` as typer writes it.
TYPER_WORDS = (
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "DEFAULT_STRING",
    "REQUIRED_LONG_STRING",
    "ENVVAR_STRING",
    "DEPRECATED_STRING",
)

#: click's prefix of the usage line (its ``write_usage`` default).
USAGE = "Usage:"


def help_speaker(lang: str) -> Callable[[str], str]:
    """What says a help text in ``lang`` (the English text where the
    catalogs have none)."""
    from veille.web.i18n import load_translations

    # The compiled catalog, kept in the user's cache (veille.web.i18n):
    # reading cli_help.po with Babel cost ~40 ms at each French help page.
    # A command's line in ``veille --help``, known without its module
    # (veille.cli.commands), is there too, as its help's first paragraph.
    catalogs = load_translations(areas=(HELP_AREA,))
    catalog = catalogs.get(lang, catalogs["en"])

    def say(text: str) -> str:
        if not text:
            return text
        return catalog.pgettext(HELP_CONTEXT, text) or text

    return say


def help_language(ctx: Context) -> str:
    """The reader's language for the help page of ``ctx``'s command: read
    from the words of the command line (:class:`veille.cli.usage.RootGroup`
    keeps them), as the commands' own messages are said."""
    from veille.cli.usage import reader_of

    words = ctx.meta.get("veille.words")
    return "en" if words is None else reader_of(words)


def first_paragraph(text: str | None) -> str | None:
    """The line a group lists for a command: its help's first paragraph
    on one line (as :func:`veille.cli.root.one_line_summaries` makes it),
    French's no-break spaces kept where they are."""
    line = re.sub(r"[ \t\n]+", " ", (text or "").split("\n\n")[0]).strip()
    return line or None


def _as_is(text: str) -> str:
    return text


def _number(value: float, lang: str) -> str:
    """A bound or a default as ``lang`` writes it: ``60`` for 60.0, « 0,5 »."""
    from veille.i18n import format_decimal

    return format_decimal(value, lang, 2) if isinstance(value, float) else str(value)


def _said_range(low: float | None, high: float | None, lang: str) -> str | None:
    """The values an option takes, as a reader writes them: ``1–365``,
    ``≥1``, ``0,1–86400`` in French (typer's ``1<=x<=365``, ``x>=1``,
    ``0.1<=x<=86400``); no space in it, that a narrow column would break at."""
    if low is None and high is None:
        return None
    if high is None:
        return "≥" + _number(low, lang)  # type: ignore[arg-type]
    if low is None:
        return "≤" + _number(high, lang)
    return _number(low, lang) + "–" + _number(high, lang)


def said_param(param: Any, say: Callable[[str], str], lang: str) -> Any:
    """A copy of ``param`` as its page shows it: its help said by ``say``,
    what to write after it in words (:mod:`veille.cli.metavars`; nothing
    after a flag; a list of choices as typer shows it), its range and a
    decimal default as ``lang`` writes them."""
    from veille.cli.metavars import ARGUMENTS, OPTIONS

    said = copy.copy(param)
    said.help = say(param.help) if getattr(param, "help", None) else param.help
    described = getattr(param, "type_descriptor", None)
    if described is None:  # not typer's (a plugin's click parameter): as it is
        return said
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        said.display_type_rich = lambda ctx: None
        return said
    argument = param.param_type_name == "argument"
    if argument:
        word = param.metavar or ARGUMENTS.get(param.name or "")
    else:
        long = [name for name in param.opts if name.startswith("--")]
        word = param.metavar or (OPTIONS.get(long[0]) if long else None)
    if word is not None and (argument or param.metavar or not described.is_choice):
        said.metavar = say(word)
    if argument and not described.is_choice:  # its word says it (typer added its type)
        said.display_type_rich = lambda ctx: None
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    said._get_number_range_help_str = lambda: _said_range(low, high, lang)
    shown = param._get_default_string

    def default(*, ctx: Context, show_default_is_str: bool, default_value: Any) -> str:
        if isinstance(default_value, float) and not show_default_is_str:
            return _number(default_value, lang)
        return str(shown(ctx=ctx, show_default_is_str=show_default_is_str,
                         default_value=default_value))  # fmt: skip

    said._get_default_string = default
    return said


def usage_pieces(cmd: Any, ctx: Context, say: Callable[[str], str], lang: str) -> list[str]:
    """The words of ``cmd``'s usage line, its arguments named as its help
    page names them (``veille topic add [OPTIONS] {NAME} {QUERY}``, « {NOM}
    {REQUÊTE} »): a usage error shows this line too."""
    said = copy.copy(cmd)
    said.params = [said_param(p, say, lang) for p in cmd.params]
    return list(said.collect_usage_pieces(ctx))


def said_command(cmd: Any, ctx: Context, say: Callable[[str], str], lang: str = "en") -> Any:
    """A copy of ``cmd`` with its texts said by ``say`` in ``lang``: its
    help, its options' help (the help option's too), what to write after
    each (:func:`said_param`) and, for a group, the line of each of its
    commands. ``cmd`` itself is left as it is: the command line is parsed
    with it."""
    said = copy.copy(cmd)
    said.help = say(cmd.help) if cmd.help else cmd.help
    said.short_help = first_paragraph(said.help) if cmd.short_help else None
    said.params = [said_param(p, say, lang) for p in cmd.params]
    helper = cmd.get_help_option(ctx)
    said._help_option = said_param(helper, say, lang) if helper is not None else None
    said.said_usage = say(USAGE) + " "
    commands = getattr(cmd, "commands", None)
    if commands:
        listed = {}
        for name, sub in commands.items():
            line = copy.copy(sub)
            line.help = say(sub.help) if sub.help else sub.help
            line.short_help = first_paragraph(line.help) if sub.short_help else None
            listed[name] = line
        said.commands = listed
    return said


@contextmanager
def typer_words(say: Callable[[str], str]) -> Iterator[None]:
    """typer's words said by ``say`` while a page renders, typer's again
    after: typer reads them from its module when it renders and offers no
    other way to change them."""
    from typer import rich_utils

    kept = {name: getattr(rich_utils, name) for name in TYPER_WORDS}
    try:
        for name, word in kept.items():
            setattr(rich_utils, name, say(word))
        yield
    finally:
        for name, word in kept.items():
            setattr(rich_utils, name, word)


#: How typer writes a range after the word of what to write, joined to it by
#: a no-break space (typer's is a space): a narrow column wrapped the range
#: under its word, « JOURS » then « [1–365] » alone on the next line.
RANGE_STRING = "\u00a0[{}]"


@contextmanager
def unbroken_pages(*, prose_last: bool = True) -> Iterator[None]:
    """typer's help page printed by a console that never breaks a line at
    a no-break space (:func:`veille.cli.layout.held`): French puts U+202F
    before « : ; ! ? », and a narrow terminal's page had lines that began
    with « : » or « ; »; in every language a range stays with its word
    (:data:`RANGE_STRING`). typer makes that console itself, at each page,
    and its panels' tables (:class:`veille.cli.layout.HeldTable`; with
    ``prose_last``, :class:`veille.cli.layout.ProseLast`)."""
    from typer import rich_utils

    from veille.cli.layout import HeldTable, ProseLast, held

    made, table, ranged = rich_utils._get_rich_console, rich_utils.Table, rich_utils.RANGE_STRING

    def console(stderr: bool = False) -> Console:
        return held(made(stderr=stderr))

    rich_utils._get_rich_console = console
    rich_utils.RANGE_STRING = RANGE_STRING
    # (mypy: no assigning to a type)
    setattr(rich_utils, "Table", ProseLast if prose_last else HeldTable)  # noqa: B010
    try:
        yield
    finally:
        rich_utils._get_rich_console = made
        rich_utils.RANGE_STRING = ranged
        setattr(rich_utils, "Table", table)  # noqa: B010


class SaidHelp:
    """A command whose help page is said in the reader's language."""

    said_usage: str | None = None

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        lang = help_language(ctx)
        if lang == "en":
            english = said_command(self, ctx, _as_is)
            with unbroken_pages(prose_last=False):  # typer's page, its ranges held
                super(SaidHelp, english).format_help(ctx, formatter)  # type: ignore[misc]
            return
        say = help_speaker(lang)
        said = said_command(self, ctx, say, lang)
        with typer_words(say), unbroken_pages():
            super(SaidHelp, said).format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        if self.said_usage is None:  # an English usage error's line (a page's is said)
            pieces = usage_pieces(self, ctx, _as_is, "en")
        else:
            pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=self.said_usage)


class SaidCommand(SaidHelp, TyperCommand):
    """A command (``veille search``) with its help in the reader's language."""


class SaidGroup(SaidHelp, TyperGroup):
    """A group (``veille alert``) with its help in the reader's language."""


def said_help_everywhere(app: typer.Typer) -> None:
    """Every command and group of ``app`` made with the classes above,
    unless it names a class of its own (typer's are the default)."""
    from typer.models import DefaultPlaceholder

    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = SaidCommand
    for group in app.registered_groups:
        own = group.typer_instance.info.cls if group.typer_instance is not None else None
        if all(c is None or isinstance(c, DefaultPlaceholder) for c in (group.cls, own)):
            group.cls = SaidGroup
        if group.typer_instance is not None:
            said_help_everywhere(group.typer_instance)
