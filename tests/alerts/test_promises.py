"""The promises of docs/alerts.md: a paused alert keeps queueing and `resume`
sends what was queued; the Atom file keeps the newest 100 posts, newest first,
readable by other users."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

from typer.testing import CliRunner

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook
from veille.cli import build_app
from veille.pipeline import build_pipeline

NS = "{http://www.w3.org/2005/Atom}"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_a_paused_alert_queues_its_matches_and_resume_sends_them(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    code, out = run("alert", "add", "--query", "lumio", "--name", "lumio",
                    "--to", f"webhook+{receiver.url}", "-w", w)  # fmt: skip
    assert code == 0, out
    assert run("alert", "pause", "lumio", "-w", w)[0] == 0
    build_pipeline(ws).ingest([make_post(1, "Lumio one"), make_post(2, "Lumio two")])
    code, out = run("alert", "dispatch", "-w", w)
    assert code == 0, out
    assert receiver.requests == []  # nothing is sent while paused
    code, out = run("alert", "deliveries", "--alert", "lumio", "-w", w, "--format", "json")
    assert sorted((r["post_id"], r["status"]) for r in json.loads(out)) == [
        ("mastodon:1", "pending"), ("mastodon:2", "pending"),
    ]  # fmt: skip
    code, out = run("alert", "resume", "lumio", "-w", w)
    assert code == 0 and "sent 2" in out, out
    sent = sorted(p["id"] for r in receiver.accepted() for p in r["json"]["posts"])
    assert sent == ["mastodon:1", "mastodon:2"]
    ws.close()


def test_the_atom_file_keeps_the_newest_100_newest_first_readable_by_all(workspace) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url="atom:feeds/lumio.xml")
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    # One batch of 150, oldest first, then 20 more in a second batch, of which
    # 10 are older than everything already in the file.
    first = [make_post(i, f"Lumio {i}", published_at=start + timedelta(minutes=i))
             for i in range(150)]  # fmt: skip
    late, old = start + timedelta(hours=5), start - timedelta(days=1)
    second = [make_post(200 + i, f"Lumio late {i}", published_at=late + timedelta(minutes=i))
              for i in range(10)]  # fmt: skip
    second += [make_post(300 + i, f"Lumio old {i}", published_at=old - timedelta(minutes=i))
               for i in range(10)]  # fmt: skip
    pipeline = build_pipeline(workspace)
    pipeline.ingest(first)
    path = workspace.root / "feeds" / "lumio.xml"
    ids = [e.findtext(f"{NS}id") for e in ET.parse(path).getroot().findall(f"{NS}entry")]
    assert len(ids) == 100
    assert ids[0].endswith(":mastodon:149") and ids[-1].endswith(":mastodon:50")
    pipeline.ingest(second)
    entries = ET.parse(path).getroot().findall(f"{NS}entry")
    ids = [e.findtext(f"{NS}id") for e in entries]
    updated = [e.findtext(f"{NS}updated") for e in entries]
    assert len(ids) == 100 and updated == sorted(updated, reverse=True)
    assert ids[0].endswith(":mastodon:209") and ids[-1].endswith(":mastodon:60")
    numbers = {int(i.rsplit(":", 1)[1]) for i in ids}
    assert not numbers & set(range(300, 310))  # older than all kept: not kept
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
