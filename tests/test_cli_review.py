"""What the command line prints reads right (a user review): days in the
workspace time zone (stats as volume), a new workspace with its database,
counts in the singular, mentions with dots and an instance, the documented
analyze example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import CliRunner, veille_command
from veille.cli import build_app


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("VEILLE_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    app = veille_command()

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        return " ".join(result.output.split())

    return invoke


def _jsonl(path: Path, times: list[str]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {"platform": "rss", "id": str(i), "text": "lumio", "author": "a", "published_at": t}
            )
            + "\n"
            for i, t in enumerate(times)
        )
    )
    return path


def test_stats_reads_and_writes_local_days(run, tmp_path: Path) -> None:
    run("init", "ws")
    (tmp_path / "ws" / "veille.toml").write_text(
        '[workspace]\ntimezone = "America/Toronto"\n', encoding="utf-8"
    )
    # 02:00 UTC on 1 October is 22:00 on 30 September in Toronto; 03:00 UTC on
    # 3 October is 23:00 on the 2nd.
    src = _jsonl(tmp_path / "p.jsonl", ["2026-10-01T02:00:00Z", "2026-10-03T03:00:00Z"])
    run("import", str(src), "-w", "ws", "--no-enrich")
    out = run("stats", "-w", "ws")
    assert "2 posts from 2026-09-30 to 2026-10-02" in out  # the header as the day table
    assert "2026-09-30" in out and "2026-10-02" in out and "2026-10-01 │" not in out
    # --since 2026-10-01 is that day in Toronto (04:00 UTC), as volume --period reads it.
    data = json.loads(run("stats", "-w", "ws", "--since", "2026-10-01", "--format", "json"))
    assert data["total"] == 1 and [c["key"] for c in data["by_day"]] == ["2026-10-02"]
    data = json.loads(run("stats", "-w", "ws", "--until", "2026-10-01", "--format", "json"))
    assert [c["key"] for c in data["by_day"]] == ["2026-09-30"]
    vol = json.loads(
        run("volume", "-w", "ws", "--period", "2026-10-01..2026-10-02", "--format", "json")
    )
    assert vol["volume"]["total"] == data["total"] == 1
    # A date-time with no offset is local too; one with an offset is as written.
    one = run("stats", "-w", "ws", "--since", "2026-09-30T22:30", "--format", "json")
    assert json.loads(one)["total"] == 1
    both = run("stats", "-w", "ws", "--since", "2026-10-01T01:00:00Z", "--format", "json")
    assert json.loads(both)["total"] == 2


def test_init_creates_the_database(run, tmp_path: Path) -> None:
    out = run("init", "my-ws")
    assert "Workspace ready" in out
    assert (tmp_path / "my-ws" / "veille.toml").is_file()
    assert (tmp_path / "my-ws" / "veille.db").is_file()


def test_init_leaves_a_store_server_alone(run, tmp_path: Path) -> None:
    root = tmp_path / "remote"
    root.mkdir()
    (root / "veille.toml").write_text(
        '[store]\nposts = "clickhouse://127.0.0.1:9/veille"\n'
        'state = "postgresql://127.0.0.1:9/veille"\n',
        encoding="utf-8",
    )
    assert "Workspace ready" in run("init", "remote")
    assert not (root / "veille.db").exists()


def test_import_counts_in_the_singular(run, tmp_path: Path) -> None:
    run("init", "ws")
    src = _jsonl(tmp_path / "e.jsonl", ["2026-10-01T02:00:00Z"])
    with src.open("a") as f:
        f.write('{"platform": "rss", "id": "9"}\n')
    out = run("import", str(src), "-w", "ws", "--no-enrich")
    assert "2 rows read: 1 new post, 0 updated, 0 unchanged, 1 bad row skipped" in out


def test_search_mentions_with_dots_and_an_instance(run, tmp_path: Path) -> None:
    run("init", "ws")
    src = tmp_path / "m.jsonl"
    texts = [
        "@netpolicy.bsky.social what about Lumio?",
        "Thanks @Carol@Mastodon.social for the tip",
        "@carol said so",
        "nothing here",
    ]
    src.write_text(
        "".join(
            json.dumps(
                {
                    "platform": "mastodon",
                    "id": str(i),
                    "text": t,
                    "author": "a",
                    "published_at": "2026-10-01T12:00:00Z",
                }
            )
            + "\n"
            for i, t in enumerate(texts)
        )
    )
    run("import", str(src), "-w", "ws")
    top = json.loads(run("top", "mentions", "-w", "ws", "--period", "2026-10-01..2026-10-01",
                         "--format", "json"))  # fmt: skip
    assert {r["value"] for r in top} == {"netpolicy.bsky.social", "carol@mastodon.social", "carol"}

    def search(query: str) -> list[dict]:
        out = run("search", query, "-w", "ws", "--format", "json")
        return json.loads(out)

    hits = search("@netpolicy.bsky.social")
    assert [h["id"] for h in hits] == ["mastodon:0"]
    assert [x["text"] for x in hits[0]["highlights"]] == ["@netpolicy.bsky.social"]
    hits = search("@carol@mastodon.social")  # any case, compared whole
    assert [h["id"] for h in hits] == ["mastodon:1"]
    assert [x["text"] for x in hits[0]["highlights"]] == ["@Carol@Mastodon.social"]
    assert [h["id"] for h in search("@carol")] == ["mastodon:2"]
    assert "is not a valid mention" in run("search", "@carol.", "-w", "ws", code=2)


@pytest.mark.parametrize("doc", ["docs/enrich.md", "docs/fr/enrich.md"])
def test_the_analyze_example_is_what_analyze_prints(doc: str) -> None:
    text = (Path(__file__).parent.parent / doc).read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, x in enumerate(lines) if x.endswith("| veille analyze"))
    shown = json.loads(lines[at + 1])
    stdin = '{"id": 1, "text": "Je n\'aime pas ce produit #Lumio"}\n'
    result = CliRunner().invoke(veille_command(), ["analyze"], input=stdin)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == shown


def _commands(cmd: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(cmd, "commands", None)
    if not subcommands:
        yield " ".join(prefix), cmd
        return
    for name, sub in sorted(subcommands.items()):
        yield from _commands(sub, (*prefix, name))


def test_one_name_for_each_idea_of_language() -> None:
    """`veille report --lang fr` and `veille alert add --language fr` named the
    language veille writes in two ways (and `alert add` took both, each for
    something else): the language written is --language everywhere, and a
    shown --lang is always the repeatable filter on the posts' language."""
    import typer.main

    written, filters = [], []
    for name, cmd in _commands(typer.main.get_command(build_app())):
        for param in cmd.params:
            if getattr(param, "hidden", False) or param.param_type_name != "option":
                continue
            if "--lang" in param.opts:
                filters.append(name)
                assert param.multiple, f"veille {name} --lang is not the posts' language filter"
            if "--language" in param.opts:
                written.append(name)
    assert {"report", "plan init", "plan kpis", "draft guide", "inbox canned"} <= set(written)
    assert {"search", "volume", "alert add", "inbox list"} <= set(filters)


def test_the_old_lang_name_still_works_hidden(run) -> None:  # type: ignore[no-untyped-def]
    """Scripts written with `--lang fr` for a report, the plan or a guide keep
    running; help shows only --language."""
    new = run("draft", "guide", "bluesky", "--language", "fr")
    old = run("draft", "guide", "bluesky", "--lang", "fr")
    assert new == old and "graphèmes" in new
    assert "--lang " not in run("report", "--help") and "--language" in run("report", "--help")
    both = run("draft", "guide", "bluesky", "--language", "fr", "--lang", "en", code=2)
    assert "--lang is the old name of --language" in both
