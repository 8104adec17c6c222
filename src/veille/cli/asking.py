"""Questions a command asks at a terminal, in the reader's language: yes or
no (:func:`confirm`) and an answer of a type, checked (:func:`prompt`).

In English they are typer's own; in French, typer's wording, colon and
errors are said in French (a script written for English still answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from veille.cli.common import err_console, speaker
from veille.errors import UsageError, tr

#: The answers a French reader may give a yes/no question (typer's English
#: ones too: a script written for English still answers it).
_FRENCH_YES = ("o", "oui", "y", "yes")
_FRENCH_NO = ("n", "non", "no")


def confirm(question: str, lang: str) -> bool:
    """``question`` (already said in ``lang``) asked as typer's
    ``typer.confirm`` asks it, no being the default: ``[y/N]`` in English
    (typer's own), ``[o/N]`` in French, which takes o/oui (and y/yes) for
    yes, and says a wrong answer and the end of input in French."""
    if lang != "fr":
        return typer.confirm(question)
    say = speaker(lang)
    while True:
        answer = _ask_in_french(f"{question} [o/N]", say, default="", show_default=False)
        value = answer.strip().lower()
        if value in _FRENCH_YES:
            return True
        if not value or value in _FRENCH_NO:
            return False
        typer.echo(say(tr("Error: invalid input (answer y or n).")))


def _ask_in_french(
    question: str,
    say: Callable[[str], str],
    *,
    default: Any = None,
    show_default: bool = True,
    hide_input: bool = False,
) -> str:
    """One answer to ``question`` (said in French), as typed: typer's
    prompt with the French colon (U+202F before it), and the end of input
    said in French (status 1, as typer's "Aborted.")."""
    try:
        answer: str = typer.prompt(question, default=default, show_default=show_default,
                                   hide_input=hide_input, type=str,
                                   prompt_suffix="\u202f: ")  # fmt: skip
    except typer.Abort:  # end of input, or Ctrl-C: typer said "Aborted." (status 1)
        typer.echo("", err=True)
        err_console().print(say(tr("Aborted.")), markup=False)
        raise typer.Exit(1) from None
    return answer


def _not_of_type(wanted: Any, typed: str, *, hidden: bool) -> str:
    """What a French reader is told when ``typed`` is not of the ``wanted``
    click type (typer's English errors, reworded)."""
    import click

    if hidden:  # what was typed is not shown
        return tr("Error: the value you entered was invalid.")
    if isinstance(wanted, click.types.IntParamType):
        return tr("Error: “%(value)s” is not a whole number.", value=typed)
    if isinstance(wanted, click.types.FloatParamType):
        return tr("Error: “%(value)s” is not a number.", value=typed)
    return tr("Error: “%(value)s” is not a valid answer.", value=typed)


def prompt(
    question: str,
    lang: str,
    *,
    default: Any = None,
    show_default: bool = True,
    hide_input: bool = False,
    confirmation: str | None = None,
    kind: type | None = None,
    check: Callable[[Any], Any] | None = None,
) -> Any:
    """The answer to ``question`` (already said in ``lang``), asked as
    ``typer.prompt`` asks it and of the type ``kind`` (by default that of
    ``default``; a number is asked again until it is one; ``confirmation``,
    when given, asks it again and both must match), then passed through
    ``check`` when given (what it returns is the answer).

    An answer that ``check`` refuses (a :class:`UsageError`, as an objective
    type not known or a date mistyped) is said, with its hint, in ``lang``
    and the question asked again, instead of ending the command. In English
    the asking is typer's own; in French, its errors and its colon are said
    in French too."""
    import click

    say = speaker(lang)
    # English asks through typer itself; French converts what was typed here.
    wanted = click.types.convert_type(kind, default) if lang == "fr" else None
    while True:
        if wanted is None:
            answer = typer.prompt(question, default=default, show_default=show_default,
                                  hide_input=hide_input, type=kind,
                                  confirmation_prompt=confirmation or False)  # fmt: skip
        else:
            typed = _ask_in_french(question, say, default=default, show_default=show_default,
                                   hide_input=hide_input)  # fmt: skip
            try:
                answer = wanted.convert(typed, None, None)
            except click.BadParameter:
                typer.echo(say(_not_of_type(wanted, typed, hidden=hide_input)))
                continue
            if confirmation and _ask_in_french(confirmation, say, hide_input=hide_input) != typed:
                typer.echo(say(tr("Error: the two entered values do not match.")))
                continue
        if check is None:
            return answer
        try:
            return check(answer)
        except UsageError as exc:
            typer.echo(say(tr("Error: %(message)s", message=say(exc.message))))
            if exc.hint:
                typer.echo(say(exc.hint))
