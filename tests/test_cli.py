import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.cli_runner import CliRunner, veille_command


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    app = veille_command()
    runner = CliRunner()

    def invoke(*args: str, code: int = 0, stdin: str | None = None):
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, (result.output, result.exception)
        return result

    return invoke


def test_no_workspace_says_how_to_create_one(run) -> None:
    result = run("stats", code=2)
    assert "no veille workspace" in result.output and "veille init" in result.output


def test_init_import_stats_search_export(run, tmp_path: Path) -> None:
    run("init", "ws")
    assert "[store]" in (tmp_path / "ws" / "veille.toml").read_text()
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            json.dumps(
                {
                    "platform": p,
                    "id": str(i),
                    "text": t,
                    "author": "a",
                    "lang": lang,
                    "published_at": f"2026-03-0{1 + i % 3}T12:00:00Z",
                }
            )
            for i, (p, t, lang) in enumerate(
                [
                    ("rss", "Les médias et la fibre", "fr"),
                    ("bluesky", "fibre outage", "en"),
                    ("rss", "rien", "fr"),
                ]
            )
        )
    )
    out = run("import", str(src), "-w", "ws", "--no-enrich").output
    assert "3 new posts" in out
    stats = json.loads(run("stats", "-w", "ws", "--format", "json").output)
    assert stats["total"] == 3
    assert {c["key"]: c["count"] for c in stats["by_platform"]} == {"rss": 2, "bluesky": 1}
    assert [c["key"] for c in stats["by_day"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    lines = run("search", "medias", "-w", "ws", "--format", "jsonl").output.splitlines()
    assert [json.loads(x)["id"] for x in lines] == ["rss:0"]
    exported = run("export", "-w", "ws", "--platform", "rss").output.splitlines()
    assert sorted(json.loads(x)["id"] for x in exported) == ["0", "2"]
    csv_out = run("export", "-w", "ws", "--format", "csv").output
    assert csv_out.splitlines()[0].startswith("id,platform,url")
    run("export", "-w", "ws", "--format", "parquet", "-o", str(tmp_path / "p.parquet"))
    table = pq.read_table(tmp_path / "p.parquet")
    assert table.num_rows == 3 and "text" in table.column_names
    # Exported JSONL imports back as the same posts.
    (tmp_path / "back.jsonl").write_text("\n".join(exported) + "\n")
    again = run("import", str(tmp_path / "back.jsonl"), "-w", "ws", "--no-enrich").output
    assert "0 new posts" in again


def test_bad_input_exit_codes(run, tmp_path: Path) -> None:
    run("init", "ws")
    result = run("import", "missing.jsonl", "-w", "ws", code=2)
    assert "is not a file" in result.output
    (tmp_path / "x.txt").write_text("hello")
    assert "cannot tell the format" in run("import", "x.txt", "-w", "ws", code=2).output
    assert "--since" in run("stats", "-w", "ws", "--since", "someday", code=2).output


def test_the_import_format_hints_name_an_option_that_works(run, tmp_path: Path) -> None:
    """The hint said `veille import --format csv|jsonl`, but import's --format
    is its output (table|json): following it was an error. Its own option is
    --input-format, and doing what the hint says imports the file."""
    run("init", "ws")
    row = {"platform": "rss", "id": "1", "text": "lumio", "published_at": "2026-11-20T10:00:00Z"}
    (tmp_path / "posts.txt").write_text(json.dumps(row) + "\n")
    told = " ".join(run("import", "posts.txt", "-w", "ws", code=2).output.split())
    assert "veille import --input-format csv|jsonl" in told
    bad = " ".join(
        run("import", "posts.txt", "-w", "ws", "--input-format", "xml", code=2).output.split()
    )
    assert "unknown import format 'xml'" in bad
    assert "veille import --input-format csv|jsonl" in bad and "--format csv" not in bad
    done = run("import", "posts.txt", "-w", "ws", "--input-format", "jsonl", "--no-enrich").output
    assert "1 new post" in done


@pytest.mark.parametrize("command", [("search", "lumio"), ("stats",), ("export",)], ids=" ".join)
def test_an_until_not_after_since_is_refused(run, command: tuple[str, ...]) -> None:
    """`veille search lumio --since 2026-12-05 --until 2026-12-01` printed an
    empty table, exit 0: a script took swapped dates for a quiet week."""
    run("init", "ws")
    days = ("--since", "2026-12-05", "--until", "2026-12-01")
    told = " ".join(run(*command, "-w", "ws", *days, code=2).output.split())
    assert "error: --until 2026-12-01 is not after --since 2026-12-05" in told
    assert "give a later --until" in told
    same = ("--since", "2026-12-01", "--until", "2026-12-01")
    assert "is not after --since" in run(*command, "-w", "ws", *same, code=2).output
    run(*command, "-w", "ws", "--since", "2026-12-01", "--until", "2026-12-02")


def test_version_is_printed_on_stdout(run) -> None:
    """`veille --version` was "No such option" (exit 2): a bug report or a
    cron log could not say which veille ran."""
    import veille

    assert run("--version").stdout == f"veille {veille.__version__}\n"


def test_collect_fails_when_a_source_fails(run, tmp_path: Path, monkeypatch) -> None:
    """`veille collect --once` with one source unreachable and another fine
    exited 0 (only "all failed" was 1): a cron job never heard of it. Now 1,
    naming the failed ones; the other's posts are stored all the same."""
    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    run("init", "ws")
    # A refused connection fails at once, not after [http]'s four retries
    # with their backoff (seconds waited for nothing this test says).
    toml = Path("ws") / "veille.toml"
    toml.write_text(toml.read_text().replace("# max_retries = 4", "max_retries = 0"))
    posts = tmp_path / "posts.jsonl"
    row = {"platform": "rss", "id": "1", "text": "lumio", "published_at": "2026-11-20T10:00:00Z"}
    posts.write_text(json.dumps(row) + "\n")
    run("source", "add", "file", str(posts), "--name", "good", "-w", "ws")
    run("source", "add", "feeds", "http://127.0.0.1:1/feed", "--name", "gone", "-w", "ws")
    out = " ".join(run("collect", "--once", "-w", "ws", code=1).output.split())
    assert "good: 1 new post (1 item, 0 quarantined)" in out and "gone: failed" in out
    assert "1 of 2 sources failed (gone); the others' posts are stored." in out
    assert '"total": 1' in run("stats", "-w", "ws", "-f", "json").output
    as_json = json.loads(run("collect", "--once", "-w", "ws", "-f", "json", code=1).stdout)
    assert {r["source"]: r["ok"] for r in as_json} == {"good": True, "gone": False}
    assert "good: 0 new posts" in run("collect", "--once", "-s", "good", "-w", "ws").output


def test_demo_builds_a_populated_workspace(run, tmp_path: Path) -> None:
    folder = tmp_path / "my demo"
    out = run("demo", str(folder), "--days", "10").output
    assert "new posts stored" in out and "Busiest day" in out
    # What to try next, each command as a shell takes it: "--workspace
    # /…/my demo" named the folder "/…/my" and gave "demo" as an argument.
    assert f"  veille stats --workspace '{folder}'\n" in out, out
    assert f"  veille serve --workspace '{folder}'\n" in out, out
    said = r"In the web app, sign in as demo with the password \S+ \(a new one each time"
    assert re.search(said, out), out
    # Counts grouped as every figure is (1,234), pairs parted by "; ".
    pairs = r"\w+ \d{1,3}(?:,\d{3})*(?:; \w+ \d{1,3}(?:,\d{3})*)*"
    for label in ("By platform", "By language"):
        (line,) = [x for x in out.splitlines() if x.startswith(label)]
        assert re.fullmatch(rf"{label}: {pairs}", line.strip()), line
    # The organization's own pages, looked up on the simulator while it ran.
    assert "Followers of our own pages (today's snapshot): facebook lumio 48,210" in out
    # One LinkedIn page, named by vanity name and number in veille.toml: said once.
    (followers,) = [x for x in out.splitlines() if x.startswith("Followers of our own")]
    assert followers.count("linkedin") == 1 and "linkedin lumio (2414183) 12,345" in followers


def test_module_entry_point_and_minimal_dependencies() -> None:
    # `import veille` and the CLI must work without optional extras.
    code = (
        "import sys\n"
        "for m in ('torch', 'transformers', 'tantivy', 'perq', 'chdb'): sys.modules[m] = None\n"
        "import veille, veille.cli\n"
        "veille.cli.build_app()\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
    help_out = subprocess.run(
        [sys.executable, "-m", "veille", "--help"], capture_output=True, text=True, check=True
    )
    assert "import" in help_out.stdout
