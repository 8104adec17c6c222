"""``veille`` imports only what the command it runs needs: the root help and
``veille source list`` start without the web app, the charts, the column
engines, NumPy or the query language (a user notices it as the wait before
each command; `bench/cli_start.py` measures it). The root help still lists
every command with its line, in English and in French, from
:data:`veille.cli.commands.COMMANDS`, which must say what the commands' own
modules say."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import CliRunner, veille_command
from veille.cli.commands import COMMANDS, command_modules, module_commands
from veille.cli.helptext import first_paragraph, help_speaker

#: Modules a command that neither serves, charts, searches nor aggregates
#: must not import (each costs from tens to hundreds of milliseconds).
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "altair",
    "vl_convert",
    "weasyprint",
    "chdb",
    "psycopg",
    "numpy",
    "pyarrow",
    "sklearn",
    "httpx",
    "veille.web.app",
    "veille.store.sqlite.analytics_columns",
    "veille.store.sqlite.terms_counted",
    "veille.store.clickhouse",
    "veille.store.postgres",
    "veille.query.parser",
    "veille.pipeline",
    "veille.importer",
)

#: Runs ``veille ARGS`` as a user does and writes the modules it imported.
_RUN = """
import atexit, json, sys
out, args = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["veille", *args]
from veille.cli import main
main()
"""

BARE = {"VEILLE_WORKSPACE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


def _imported(args: list[str], cwd: Path) -> set[str]:
    out = cwd / "modules.json"
    env = {**os.environ, **BARE, "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(out), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    runner = CliRunner()
    assert runner.invoke(veille_command(), ["init", str(root)]).exit_code == 0
    posts = root / "posts.jsonl"
    posts.write_text("", encoding="utf-8")
    for kind, target in (("feeds", "https://example.org/feed/"), ("file", str(posts))):
        added = runner.invoke(
            veille_command(), ["source", "add", kind, target, "--workspace", str(root)]
        )
        assert added.exit_code == 0, added.output
    return root


def test_the_root_help_imports_no_command(tmp_path: Path) -> None:
    modules = _imported(["--help"], tmp_path)
    assert _heavy(modules) == []
    # Not one command's module: the list comes from their names and lines.
    commands = {f"veille.cli.{m}" for m in command_modules()}
    assert sorted(commands & modules) == []
    assert "veille.workspace" not in modules and "veille.store.base" not in modules


def test_the_french_root_help_imports_no_command(tmp_path: Path) -> None:
    modules = _imported(["--language", "fr", "--help"], tmp_path)
    assert _heavy(modules) == []
    assert sorted({f"veille.cli.{m}" for m in command_modules()} & modules) == []


def test_source_list_imports_its_module_only(workspace: Path) -> None:
    """Two sources whose connectors import the HTTP client and the
    importer when they collect; listing them imports neither, nor the
    other commands' modules."""
    modules = _imported(["source", "list"], workspace)
    assert _heavy(modules) == []
    others = {f"veille.cli.{m}" for m in command_modules()} - {"veille.cli.sources"}
    assert sorted(others & modules) == ["veille.cli.serve"]  # its --host/--port, for `run`


def test_a_command_runs_what_it_needs(workspace: Path) -> None:
    """`veille search` still finds its query language and engine."""
    done = subprocess.run(
        [sys.executable, "-m", "veille", "search", "lumio OR panne"],
        cwd=workspace,
        env={**os.environ, **BARE},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _page(args: list[str]) -> str:
    result = CliRunner().invoke(veille_command(), args, env={**BARE, "COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    return re.sub(r"[ \n│╭╮╰╯─]+", " ", result.output)


def test_the_commands_list_says_what_their_modules_say() -> None:
    """Each name of COMMANDS is a command of its module, with the line its
    module gives it, and every command of every module is there once."""
    made: dict[str, str | None] = {}
    for module in command_modules():
        for name, command in module_commands(module).items():
            made[name] = first_paragraph(command.short_help or command.help)
            assert (name, module) in {(n, m) for n, m, _ in COMMANDS}, (name, module)
    names = [name for name, _, _ in COMMANDS]
    assert sorted(names) == sorted(made) and len(set(names)) == len(names)
    for name, _, summary in COMMANDS:
        assert made[name] == summary, f"{name}: COMMANDS says {summary!r}, not {made[name]!r}"


def test_the_root_help_lists_every_command_in_english_and_french() -> None:
    english = _page(["--help"])
    french = _page(["--language", "fr", "--help"])
    say = help_speaker("fr")
    for module in command_modules():
        for name, command in module_commands(module).items():
            line = first_paragraph(command.short_help or command.help)
            assert f" {name} {line} " in english, name
            said = first_paragraph(say(command.help or ""))
            assert said is not None and said != line, f"{name}: no French line"
            assert f" {name} {said} " in french, name


def test_a_command_reads_the_parameters_of_itself_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``veille plan kpis`` reads the signatures of the root, ``plan`` and
    ``kpis``, not of the 35 other commands and groups of the plan (typer's
    costliest step at each start); ``veille plan --help`` still lists them."""
    import typer

    from veille.cli import build_app

    read: list[str] = []
    reads = typer.main.get_params_from_function

    def reading(func: object) -> object:
        read.append(getattr(func, "__qualname__", repr(func)))
        return reads(func)  # type: ignore[arg-type]

    monkeypatch.setattr(typer.main, "get_params_from_function", reading)
    ws = tmp_path / "ws"
    assert CliRunner().invoke(build_app(), ["init", str(ws)]).exit_code == 0
    read.clear()
    done = CliRunner().invoke(build_app(), ["plan", "kpis", "--workspace", str(ws)])
    assert done.exit_code == 0, done.output
    assert read and len(set(read)) <= 3, read
    listed = _page(["plan", "--help"])
    for name in ("kpis", "snapshot", "objective", "kpi", "person", "channel"):
        assert f" {name} " in listed, name
