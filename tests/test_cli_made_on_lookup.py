"""Every command and group of ``veille``, made when it is looked up
(:class:`veille.cli.commands.MadeOnLookup`, which calls typer's own
functions one command at a time), is the command typer's own build makes
of the same app all at once: the same parameters (names, types, defaults,
required), the same help page in English and in French, the same answer
and exit status to bad usage. A typer upgrade that changes how it builds a
command shows here, rather than as a command that quietly lost an option
or its French help."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
import typer
from typer._click import Command
from typer.core import TyperGroup as Group

from tests.cli_runner import CliRunner, veille_command
from veille.cli import build_app
from veille.cli.commands import command_modules
from veille.cli.helptext import SaidGroup, said_help_everywhere
from veille.cli.root import one_line_summaries
from veille.cli.usage import RootGroup

#: No workspace and no locale: the language is the one a test names.
BARE = {"VEILLE_WORKSPACE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}

#: What typer and click fill in as a command runs or shows its help (the
#: help option, a parameter's runtime record, the values of the last call),
#: not how it was made: the command ``veille`` made once per test process
#: (:func:`veille_command`) has run other tests' command lines.
RUN_STATE = frozenset({"_help_option", "_runtime_param", "use_params"})


class _EveryCommandMade(RootGroup):
    """The root group with the commands typer made (rather than
    :class:`veille.cli.commands.LazyCommands`), its usage errors and help
    language still veille's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        SaidGroup.__init__(self, *args, **kwargs)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


@pytest.fixture(scope="module")
def typers_own() -> Command:
    """``veille`` as typer builds it without veille's lazy lookup: every
    module's commands registered on the one app, then made at once."""
    app = build_app()
    app.info.cls = _EveryCommandMade
    for module in command_modules():
        importlib.import_module(f"veille.cli.{module}").register(app)
    one_line_summaries(app)
    said_help_everywhere(app)
    return typer.main.get_command(app)


@pytest.fixture(autouse=True)
def catalogs_merged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """What says the French pages and errors, made once for a test's
    hundreds of them rather than at each (as a ``veille`` command makes it
    once): the same catalogs, merged by the same functions, for both builds."""
    from veille.cli import common, helptext

    monkeypatch.setattr(helptext, "help_speaker", functools.cache(helptext.help_speaker))
    monkeypatch.setattr(common, "speaker", functools.cache(common.speaker))


def _tree(group: Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, Group):
            yield from _tree(command, (*path, name))


def _looked_up(root: Command, path: tuple[str, ...]) -> Command:
    command = root
    for name in path:
        assert isinstance(command, Group), path
        command = command.commands[name]
    return command


def _plain(value: Any, depth: int = 0) -> Any:
    """What a command's or parameter's attribute means, comparable between
    two builds of freshly registered commands: a function as its name (each
    registration defines it anew, and each build wraps it anew), typer's
    own records (a parameter's type and declaration) as their fields."""
    assert depth < 12, value
    if isinstance(value, (type, Enum, str, int, float, bool, type(None))):
        return value
    if callable(value):
        inner = getattr(value, "__wrapped__", value)
        named = getattr(inner, "__module__", None), getattr(inner, "__qualname__", repr(inner))
        code = getattr(value, "__code__", None)
        if code is None or code.co_filename != typer.main.__file__:
            return named
        # typer's wrapper of a command's function: also what it was made
        # with (the parameters it passes on, pretty_exceptions_short …).
        cells = zip(code.co_freevars, value.__closure__ or (), strict=True)
        return named, _plain({n: c.cell_contents for n, c in cells if n not in RUN_STATE}, depth)
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if type(value).__module__.startswith("typer.") and hasattr(value, "__dict__"):
        fields = {k: v for k, v in vars(value).items() if k not in RUN_STATE}
        return type(value).__name__, _plain(fields, depth + 1)
    return value


def _described(command: Command) -> dict[str, Any]:
    """Everything the command holds but its subcommands: its class, its
    attributes, and each parameter's (names, type, default, required …)."""
    said = {k: _plain(v) for k, v in vars(command).items() if k not in ("commands", "params")}
    said = {k: v for k, v in said.items() if k not in RUN_STATE}
    said["class"] = type(command)
    said["params"] = [_plain(p) for p in command.params]  # (typer's: its class and fields)
    return said


def test_every_command_holds_what_typers_build_holds(typers_own: Command) -> None:
    lazy = veille_command()
    assert isinstance(typers_own, Group) and isinstance(lazy, Group)
    # The root lists its commands in COMMANDS' order (modules not imported).
    assert sorted(lazy.commands) == sorted(typers_own.commands)
    paths = list(_tree(typers_own))
    assert len(paths) > 150  # the whole tree: plan alone has dozens
    for path in paths:
        made, own = _looked_up(lazy, path), _looked_up(typers_own, path)
        assert _described(made) == _described(own), " ".join(path)
        if isinstance(own, Group):
            assert isinstance(made, Group)
            assert list(made.commands) == list(own.commands), " ".join(path)


def _said(root: Command, args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(root, args, env={**BARE, "COLUMNS": "120"})
    return result.exit_code, result.output


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_help_page_is_typers_own(typers_own: Command, lang: str) -> None:
    lazy = veille_command()
    words = [] if lang == "en" else ["--language", "fr"]
    for path in _tree(typers_own):  # type: ignore[arg-type]
        args = [*words, *path, "--help"]
        made = _said(lazy, args)
        assert made == _said(typers_own, args), " ".join(args)
        assert made[0] == 0, (args, made[1])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bad_usage_is_answered_as_typers_own(typers_own: Command, lang: str) -> None:
    """An option no command has, and (where it takes any) no argument at
    all: the same message, in the reader's language, and status 2."""
    lazy = veille_command()
    words = [] if lang == "en" else ["--language", "fr"]
    for path in _tree(typers_own):  # type: ignore[arg-type]
        own = _looked_up(typers_own, path)
        tries = [[*words, *path, "--no-such-option"]]
        if any(p.required for p in own.params) or (isinstance(own, Group) and not words):
            # a command's error; a group's help (the French page is compared above)
            tries.append([*words, *path])
        for args in tries:
            made = _said(lazy, args)
            assert made == _said(typers_own, args), " ".join(args)
            assert made[0] == 2, (args, made[1])
