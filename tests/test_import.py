import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.errors import InputError
from veille.importer import BATCH_SIZE, import_file
from veille.pipeline import build_pipeline
from veille.records import RECORD_COLUMNS, RecordError, post_from_record, post_to_record
from veille.workspace import Workspace

GOOD = {
    "platform": "bluesky",
    "id": "abc",
    "text": "Bonjour les médias",
    "author": {"handle": "alice.bsky.social", "followers": 12},
    "published_at": "2026-03-01T10:00:00Z",
    "engagement": {"likes": 3, "shares": 1},
    "hashtags": ["fibre"],
    "extra_field": "kept in raw",
}


def test_record_mapping_and_raw_kept() -> None:
    post = post_from_record(GOOD)
    assert tuple(post_to_record(post)) == RECORD_COLUMNS  # what exports write
    assert post.id == "bluesky:abc"
    assert post.author.handle == "alice.bsky.social" and post.author.followers == 12
    assert post.engagement.likes == 3 and post.hashtags == ("fibre",)
    assert post.raw["extra_field"] == "kept in raw"
    flat = post_from_record(
        {"text": "x", "created_at": "1767225600", "username": "bob", "retweets": "4",
         "in_reply_to": "9", "hashtags": "a b,c"},
        platform="x",
    )  # fmt: skip
    assert flat.engagement.shares == 4 and flat.parent_id == "x:9"
    assert flat.hashtags == ("a", "b", "c")
    assert flat.native_id.startswith("h")  # derived, stable
    assert post_from_record({"text": "x", "created_at": "1767225600"}, platform="x").native_id == (
        post_from_record({"text": "x", "created_at": "1767225600"}, platform="x").native_id
    )


def test_record_lists_and_unix_times() -> None:
    base = {"platform": "x", "id": "1", "text": "t"}
    post = post_from_record({**base, "published_at": 1767225600, "hashtags": ["a", "", None, 3]})
    assert post.published_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert post.hashtags == ("a", "3")
    millis = post_from_record({**base, "published_at": 1767225600123, "links": ["https://a.b/"]})
    assert millis.published_at == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert millis.links == ("https://a.b/",)
    with pytest.raises(RecordError, match="mentions"):
        post_from_record({**base, "published_at": 0, "mentions": {"a": 1}})


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"text": "x", "published_at": "2026-01-01"}, "no platform"),
        ({"platform": "rss", "published_at": "2026-01-01"}, "no text"),
        ({"platform": "rss", "text": "x"}, "no published_at"),
        ({"platform": "rss", "text": "x", "published_at": "yesterday"}, "not a date"),
        ({"platform": "rss", "text": "x", "published_at": "2026-01-01", "likes": "many"}, "likes"),
        ({"platform": "RSS feed", "text": "x", "published_at": "2026-01-01"}, "not a platform"),
    ],
)
def test_bad_records_say_why(record: dict, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        post_from_record(record)


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_bad_rows_are_reported_good_rows_kept(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        {**GOOD, "id": "1"},
        "{not json",
        {**GOOD, "id": "2", "published_at": "soon"},
        [1, 2],
        {**GOOD, "id": "3"},
    ]
    path = _write_jsonl(tmp_path / "posts.jsonl", rows)
    report = import_file(build_pipeline(workspace), path)
    assert report.stored == 2
    assert [(b.line, b.reason.split(" ")[0]) for b in report.bad] == [
        (2, "not"),
        (3, "published_at"),
        (4, "a"),
    ]
    # --strict stores nothing of the file.
    strict_path = _write_jsonl(tmp_path / "strict.jsonl", [{**GOOD, "id": "9"}, "{bad"])
    with pytest.raises(InputError, match="line 2"):
        import_file(build_pipeline(workspace), strict_path, strict=True)
    assert workspace.store.get_post("bluesky:9") is None
    assert workspace.store.count_posts() == 2


def test_csv_with_platform_option_and_invalid_utf8(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(
        b"id,text,author,published_at,likes\n"
        b"1,caf\xe9 cr\xe8me,bob,2026-03-01T10:00:00+01:00,2\n"
        b'2,"multi, line\ntext",carol,2026-03-02,0\n'
        b"3,too,many,cells,1,2\n"
    )
    report = import_file(build_pipeline(workspace), path, platform="rss")
    assert report.stored == 2 and report.bad_count == 1 and report.bad[0].line == 5
    post = workspace.store.get_post("rss:1")
    assert post is not None and "\ufffd" in post.text  # replaced, not lost
    assert post.published_at.hour == 9
    assert workspace.store.get_post("rss:2").text == "multi, line\ntext"  # type: ignore[union-attr]


def test_a_byte_order_mark_is_no_part_of_the_first_column(
    workspace: Workspace, tmp_path: Path
) -> None:
    # Excel's "CSV UTF-8" starts with a BOM: the first column was "\ufeffid",
    # so the post lost its id (a hash of its text took its place).
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes(
        "\ufeffid,text,author,published_at\n1,Bonjour Lumio,lea,2026-03-01T10:00:00Z\n".encode()
    )
    report = import_file(build_pipeline(workspace), csv_path, platform="rss")
    assert report.stored == 1 and report.bad_count == 0
    assert workspace.store.get_post("rss:1") is not None
    # A JSON-lines file with one: its first line was refused as invalid JSON.
    jsonl_path = tmp_path / "windows.jsonl"
    jsonl_path.write_bytes(("\ufeff" + json.dumps({**GOOD, "id": "bom"}) + "\n").encode())
    report = import_file(build_pipeline(workspace), jsonl_path)
    assert report.stored == 1 and report.bad_count == 0
    assert workspace.store.get_post("bluesky:bom") is not None


def test_import_killed_and_rerun_stores_every_row_once(tmp_path: Path) -> None:
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    # Five batches (the importer commits 2,000 rows at a time): the kill
    # lands once the first is committed, with four still to come, and the
    # rerun stores the rest. (30,000 rows spent seconds more on the rerun
    # and proved nothing more.)
    total = 5 * BATCH_SIZE
    rows = [
        {"platform": "rss", "id": str(i), "text": f"post {i} " + "mot " * 30,
         "author": f"a{i % 50}", "published_at": 1767225600 + i}
        for i in range(total)
    ]  # fmt: skip
    path = _write_jsonl(tmp_path / "big.jsonl", rows)
    cmd = [
        sys.executable,
        "-m",
        "veille",
        "import",
        str(path),
        "--workspace",
        str(root),
        "--no-enrich",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = root / "veille.db"
    deadline = time.monotonic() + 60
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            count = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            count = 0
        if count > 0:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < count < total, "the kill must land mid-import"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert "lines already imported" in done.stdout
    with Workspace.open(root) as ws:
        assert ws.store.count_posts() == total
        n = ws.store.conn.execute("SELECT count(DISTINCT native_id) FROM posts").fetchone()[0]
        assert n == total


def _veille(root: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "veille", *args, "--workspace", str(root), "--no-enrich"]
    done = subprocess.run(cmd, input=stdin, capture_output=True)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def test_import_reads_standard_input(tmp_path: Path) -> None:
    """``export | veille import -`` (another workspace's export, a script's
    output) said "- is not a file": the rows are read from standard input,
    in the --input-format given, bad rows named by their line as a file's are."""
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    lines = [json.dumps({**GOOD, "id": f"in{i}"}) for i in range(3)] + ["{not json"]
    piped = ("\n".join(lines) + "\n").encode()
    done = _veille(root, "import", "-", "--input-format", "jsonl", stdin=piped)
    assert done.returncode == 0, done.stderr
    assert "3 new posts" in done.stdout and "1 bad row skipped" in done.stdout
    assert "stdin:4: not valid JSON" in done.stderr
    csv_text = "platform,id,text,author,published_at\nrss,c1,Bonjour,bob,2026-03-01T10:00:00Z\n"
    done = _veille(root, "import", "-", "--input-format", "csv", stdin=csv_text.encode())
    assert done.returncode == 0 and "1 new post" in done.stdout, done.stderr
    again = _veille(root, "import", "-", "--input-format", "jsonl", stdin=piped)
    assert "3 unchanged" in again.stdout  # idempotent, as a file imported twice
    with Workspace.open(root) as ws:
        assert ws.store.count_posts() == 4
        assert ws.store.get_post("bluesky:in2") is not None
    # --strict checks every row before storing any, from a stream too.
    strict = _veille(root, "import", "-", "--input-format", "jsonl", "--strict",
                     stdin=(json.dumps({**GOOD, "id": "new"}) + "\n{bad\n").encode())  # fmt: skip
    assert strict.returncode == 2 and "standard input, line 2" in strict.stderr
    with Workspace.open(root) as ws:
        assert ws.store.get_post("bluesky:new") is None
    # No name to tell the format from: said, with what to give.
    unnamed = _veille(root, "import", "-", stdin=piped)
    assert unnamed.returncode == 2 and "--input-format csv|jsonl" in unnamed.stderr
