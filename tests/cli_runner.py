"""``veille`` run in this process, its click command made once per test process.

typer's ``CliRunner().invoke(build_app(), …)`` makes the click command of the
app again at every call (the root group, then the group of the command's
module with every one of its commands' parameters read from their
signatures): tens of milliseconds each, paid hundreds of times in a test
run. A real ``veille`` makes it once per process too, so one command made
once here runs as a user's would.

Nothing of one command line is kept in the made command for the next:
click makes a new context per call, :class:`veille.cli.usage.RootGroup`
resets the root's ``--language`` per command line, and the commands' own
modules are looked up when they run (a test's monkeypatch still applies).
A test that adds commands of its own (a plugin) builds its own app.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import typer
import typer.testing
from typer._click import Command
from typer.testing import Result

from veille.cli import build_app


@cache
def veille_command() -> Command:
    """The click command of ``veille``, made once per test process."""
    return typer.main.get_command(build_app())


class CliRunner(typer.testing.CliRunner):
    """typer's runner, that also takes an already made click command
    (:func:`veille_command`) and runs it without making it again."""

    def invoke(  # type: ignore[override]
        self,
        app: typer.Typer | Command,
        args: str | Sequence[str] | None = None,
        input: bytes | str | None = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = True,
        color: bool = False,
        **extra: Any,
    ) -> Result:
        if isinstance(app, typer.Typer):
            return super().invoke(app, args, input, env, catch_exceptions, color, **extra)
        words = shlex.split(args) if isinstance(args, str) else list(args or ())
        extra.setdefault("prog_name", self.get_default_prog_name(app))
        code: Any = 0
        exception: BaseException | None = None
        exc_info: Any = None
        returned = None
        with self.isolation(input=input, env=env, color=color) as (out, err, both):
            try:
                returned = app.main(args=words, **extra)
            except SystemExit as stop:
                code = 0 if stop.code is None else stop.code
                if code != 0:
                    exception, exc_info = stop, sys.exc_info()
                if not isinstance(code, int):  # sys.exit("message"): said, status 1
                    sys.stdout.write(f"{code}\n")
                    code = 1
            except Exception as failed:
                if not catch_exceptions:
                    raise
                exception, exc_info, code = failed, sys.exc_info(), 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            said = (out.getvalue(), err.getvalue(), both.getvalue())
        return Result(
            runner=self,
            stdout_bytes=said[0],
            stderr_bytes=said[1],
            output_bytes=said[2],
            return_value=returned,
            exit_code=code,
            exception=exception,
            exc_info=exc_info,
        )
