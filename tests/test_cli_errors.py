"""What the user typed comes back as typed in errors and warnings: never read
as Rich markup (which crashed on '[/x]' and swallowed '[http]'), never a
traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import CliRunner, veille_command


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    app = veille_command()
    runner = CliRunner()

    def invoke(*args: str, code: int | None = None):
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.output,
            result.exception,
        )
        assert "Traceback" not in result.output
        if code is not None:
            assert result.exit_code == code, (args, result.output)
        return result

    invoke("init", ".", code=0)
    return invoke


@pytest.mark.parametrize(
    "args, shown",
    [
        (("topic", "test", "[/x]"), "'[/x]'"),
        (("topic", "history", "[bold]x"), "'[bold]x'"),
        (("source", "remove", "[/x]"), "'[/x]'"),
        (("alert", "show", "[/oops]"), "'[/oops]'"),
        (("source", "add", "feeds", "http://[/x]/feed"), "'http://[/x]/feed'"),
        (("source", "add", "feeds", "http://example.org:99999/feed"), "not an http(s) URL"),
        (("source", "add", "web", "http://[::1/"), "not an http(s) URL"),
        (("source", "add", "wordpress", "http://[/x]"), "'http://[/x]'"),
    ],
)
def test_user_text_in_errors_is_shown_as_typed(run, args: tuple[str, ...], shown: str) -> None:
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert "error:" in result.output
    assert shown in result.output


def test_config_errors_keep_their_section_names(run, tmp_path: Path) -> None:
    toml = tmp_path / "veille.toml"
    toml.write_text(toml.read_text().replace("[http]\n", "[http]\nmax_body_bytes = -1\n", 1))
    out = run("stats", code=2).output
    assert "[http] max_body_bytes = -1" in out and "out of range" in out
    toml.write_text(toml.read_text().replace("max_body_bytes = -1\n", "tiemout = 3\n", 1))
    out = run("stats", code=2).output
    assert "unknown setting 'tiemout' in [http]" in out


def test_warnings_and_queries_are_shown_as_typed(run, tmp_path: Path) -> None:
    out = run("query", "check", "platform:[/x] lumio", code=0).output
    # (normalized, a value that starts with [ is quoted: it parses back alone)
    assert "warning: platform:[/x]:" in out and 'valid: platform:"[/x]" lumio' in out
    out = run("query", "explain", "url:[/x]", code=0).output
    assert 'url:"[/x]"' in out
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "1", "platform": "rss", "text": "hi", "published_at": "[/x]"}\n')
    out = run("import", str(src), "--no-enrich").output
    assert "[/x]" in out


def test_unknown_platforms_are_warned_with_the_nearest_known_name(run, tmp_path: Path) -> None:
    out = run("search", "lumio", "--platform", "twitter", code=0).output
    assert "--platform twitter" in out and "Did you mean 'x'?" in out
    out = run("query", "check", "lumio platform:twitter", code=0).output
    assert "Did you mean 'x'?" in out
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "hi", "published_at": "2026-03-01T12:00:00Z"}\n')
    out = run("import", str(src), "--platform", "tiktok", "--no-enrich", code=0).output
    assert "--platform tiktok" in out and "1 new post," in out
    assert "--platform" not in run("search", "lumio", "--platform", "x", code=0).output


def test_table_cells_show_square_brackets_as_written(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A query, a post or an error holding "[word]" is data, not markup: a
    table shows it whole."""
    from tests.cli_runner import CliRunner, veille_command
    from veille.workspace import init_workspace

    monkeypatch.setenv("VEILLE_WORKSPACE", str(init_workspace(tmp_path / "ws")))
    app, runner = veille_command(), CliRunner()
    assert runner.invoke(app, ["topic", "add", "b", 'lumio OR "[enrich] x"']).exit_code == 0
    shown = runner.invoke(app, ["topic", "list"], env={"COLUMNS": "200"}).output
    assert '"[enrich] x"' in shown


def test_not_found_hints_name_the_cli_command(run) -> None:  # type: ignore[no-untyped-def]
    """The CLI's reader is told the command (the web app and the API say
    their page and endpoint instead)."""
    assert "veille alert list" in run("alert", "show", "nope", code=2).output
    assert "veille topic add NAME QUERY" in run("topic", "history", "nope", code=2).output
    assert "veille source add" in run("source", "remove", "nope", code=2).output


@pytest.mark.parametrize(
    "args",
    [
        ("search", "lumio AND ("),
        ("topic", "add", "t1", "lumio AND ("),
        ("query", "check", "lumio AND ("),
        ("query", "explain", "lumio AND ("),
    ],
    ids=" ".join,
)
def test_an_invalid_query_is_an_error_line_like_any_other(run, args: tuple[str, ...]) -> None:
    """A bad query began "invalid query: …" where every other failure
    begins "error: …": a cron job's filter on "error:" let it through."""
    lines = run(*args, code=2).output.splitlines()
    assert lines[0] == "error: invalid query: the query ends too early (column 12)", lines
    assert lines[1:3] == ["  lumio AND (", "             ^"]  # the caret under the fault
