"""The command line's own usage errors (a missing argument, an option that
does not exist, a mistyped command) in the reader's language.

They are not veille's: typer (and the click it bundles) makes them, in
English, with no catalog. :class:`RootGroup`, the ``veille`` group, catches
them as they leave the parsing of the command line and, for a reader who is
not English (:func:`veille.cli.reader.cli_language`), says them itself in
typer's layout (the usage line, where to find help, the message in a
panel), each of typer's sentences matched to its own in the catalogs
(``cli_output.po``). An English reader gets typer's output as it was, and a
sentence veille does not know is shown as typer wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click.exceptions import ClickException

from veille.cli.helptext import SaidGroup
from veille.errors import Figure, Text, tr

#: typer's sentences (as typer 0.29 writes them), each with veille's: the
#: named groups are the values of veille's sentence. A quoted value
#: (``'name'``) keeps its quotes, made French ones for a French reader.
_SENTENCES: tuple[tuple[re.Pattern[str], Text], ...] = tuple(
    (re.compile(pattern, re.DOTALL), said)
    for pattern, said in (
        (r"No such option: (?P<option>\S+) \(Possible options: (?P<options>.+)\)",
         tr("No such option: %(option)s (possible options: %(options)s)")),
        (r"No such option: (?P<option>\S+)", tr("No such option: %(option)s")),
        (r"No such command (?P<name>'.*')\. Did you mean (?P<names>.+)\?",
         tr("No such command %(name)s. Did you mean %(names)s?")),
        (r"No such command (?P<name>'.*')\.", tr("No such command %(name)s.")),
        (r"Missing command\.", tr("Missing command.")),
        (r"Missing argument (?P<name>.+?)\. Choose from:\n\t(?P<choices>.*)",
         tr("Missing argument %(name)s. Choose from:\n\t%(choices)s")),
        (r"Missing option (?P<name>.+?)\. Choose from:\n\t(?P<choices>.*)",
         tr("Missing option %(name)s. Choose from:\n\t%(choices)s")),
        (r"Missing argument (?P<name>.+)\.", tr("Missing argument %(name)s.")),
        (r"Missing option (?P<name>.+)\.", tr("Missing option %(name)s.")),
        (r"Missing parameter (?P<name>.+)\.", tr("Missing parameter %(name)s.")),
        (r"Option (?P<option>'.+') requires an argument\.",
         tr("Option %(option)s requires an argument.")),
        (r"Option (?P<option>'.+') requires (?P<n>\d+) arguments\.",
         tr("Option %(option)s requires %(n)s arguments.")),
        (r"Option (?P<option>'.+') does not take a value\.",
         tr("Option %(option)s does not take a value.")),
        (r"Argument (?P<name>'.+') takes (?P<n>\d+) values\.",
         tr("Argument %(name)s takes %(n)s values.")),
        (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
         tr("Got unexpected extra argument(s): %(args)s")),
        (r"Invalid value for (?P<param>.+?): (?P<problem>.*)",
         tr("Invalid value for %(param)s: %(problem)s")),
        (r"Invalid value: (?P<problem>.*)", tr("Invalid value: %(problem)s")),
        (r"(?:Value error, )?(?P<value>'.*') is not one of (?P<choices>.+)\.",
         tr("%(value)s is not one of %(choices)s.")),
        (r"Value (?P<value>'.*') is not a valid (?P<kind>\w+)\.",
         tr("Value %(value)s is not a valid %(kind)s.")),
        (r"Input should be a valid integer, unable to parse string as an integer",
         tr("A whole number is wanted here (such as 10).")),
        (r"Input should be a valid number, unable to parse string as a number",
         tr("A number is wanted here (such as 2.5).")),
        # An option's min= or max= (`--days 3`, `--tick 0`): pydantic's words.
        (r"Input should be greater than or equal to (?P<bound>[-0-9.]+)",
         tr("The value must be at least %(bound)s.")),
        (r"Input should be less than or equal to (?P<bound>[-0-9.]+)",
         tr("The value must be at most %(bound)s.")),
    )
)  # fmt: skip

#: The values that are themselves typer sentences (said again, in turn).
_NESTED = ("problem",)

_QUOTED = re.compile(r"'([^']*)'")


def said_sentence(message: str, lang: str) -> str | Text:
    """typer's ``message`` as veille's sentence (a :class:`Text` to say in
    ``lang``), or ``message`` itself where veille does not know it."""
    for pattern, said in _SENTENCES:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values: dict[str, Any] = {}
        for name, value in found.groupdict().items():
            if name == "bound":  # a figure, written the reader's way (0,1)
                values[name] = Figure(float(value))
            elif name in _NESTED:
                values[name] = said_sentence(value, lang)
            else:
                values[name] = _quotes(value, lang)
        return Text(said.template, values)
    return message


def _quotes(value: str, lang: str) -> str:
    """``'--format' / '-f'`` with French quotes for a French reader."""
    if lang != "fr":
        return value
    return _QUOTED.sub(lambda m: f"«\u202f{m.group(1)}\u202f»", value)


def _asked(args: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value given to an option named ``names`` in ``args`` (the last)."""
    found = None
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            found = args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                found = arg[len(name) + 1 :]
    return found


def reader_of(args: Sequence[str]) -> str:
    """The language of the reader of ``veille ARGS`` (as the commands find
    it, :func:`veille.cli.reader.cli_language`), before any command runs:
    ``--language`` and ``--workspace`` read from the words themselves."""
    from veille.cli.reader import cli_language
    from veille.i18n import LANGUAGES

    given = _asked(args, ("--language",))
    if given is not None and given.lower() in LANGUAGES:
        return given.lower()
    try:
        return cli_language(_asked(args, ("--workspace", "-w")))
    except Exception:  # the usage error must be shown whatever goes wrong here
        return "en"


def show(exc: ClickException, lang: str) -> None:
    """``exc`` on stderr as typer shows it, said in ``lang``."""
    from rich.panel import Panel
    from rich.text import Text as Plain

    from veille.cli.common import err_console, speaker

    say: Callable[[str], str] = speaker(lang)
    err = err_console()
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        formatter = ctx.make_formatter()
        from veille.cli.helptext import help_speaker, usage_pieces

        pieces = " ".join(usage_pieces(ctx.command, ctx, help_speaker(lang), lang))
        formatter.write_usage(ctx.command_path, pieces, prefix=say(tr("Usage:")) + " ")
        err.print(formatter.getvalue().rstrip("\n"), markup=False, style="bold")
        if ctx.command.get_help_option(ctx) is not None:
            command = _quotes(f"'{ctx.command_path} {ctx.help_option_names[0]}'", lang)
            err.print(say(tr("Try %(command)s for help.", command=command)), markup=False,
                      style="dim")  # fmt: skip
    message = say(said_sentence(exc.format_message(), lang))
    err.print(Panel(Plain(message), border_style="red", title=say(tr("Error")),
                    title_align="left"))  # fmt: skip


class RootGroup(SaidGroup):
    """The ``veille`` group: typer's usage errors in the reader's language
    (see the module's docstring), whichever command they come from, and its
    help (:mod:`veille.cli.helptext`); its commands imported as they are
    needed (:mod:`veille.cli.commands`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from veille.cli.commands import LazyCommands

        super().__init__(*args, **kwargs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names, none of their modules imported

    def format_help(self, ctx: Any, formatter: Any) -> None:
        import copy

        from veille.cli.commands import listed_commands

        # The list of commands from their names and lines alone: a command's
        # module is imported when it runs, not to be listed.
        listed = copy.copy(self)
        listed.commands = listed_commands()
        super(RootGroup, listed).format_help(ctx, formatter)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        from veille.cli import root

        # A new command line: no --language of the one before (a test runs
        # several in one process) until the root's callback reads this one's.
        root.language_given = None
        words = list(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except ClickException as exc:
            self._said(exc, words)
        return ctx

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The words, before --help (eager) renders a page in their reader's
        # language (veille.cli.helptext); every command's context shares meta.
        ctx.meta["veille.words"] = list(args)
        return list(super().parse_args(ctx, args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            self._said(exc, ctx.meta.get("veille.words", ()))

    @staticmethod
    def _said(exc: ClickException, words: Sequence[str]) -> Any:
        """Shows ``exc`` in the reader's language and exits as typer would;
        re-raises it for typer to show where the reader is English, or
        where it is the help a group prints when given nothing."""
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise exc
        lang = reader_of(words)
        param = getattr(exc, "param", None)
        if getattr(param, "param_type_name", None) == "argument":
            # Named as its help page names it (« Argument manquant : « NOM » »),
            # not by the command function's argument (name).
            from veille.cli.helptext import help_speaker, said_param

            say = help_speaker(lang) if lang != "en" else str
            exc.param = said_param(param, say, lang)  # type: ignore[attr-defined]
        if lang == "en":
            raise exc
        show(exc, lang)
        raise typer.Exit(exc.exit_code) from None
