"""What people read from alerts must be right: test sends carry the newest
matches, a spike test shows a spike, a burst is seen in the current hour, an
unknown topic gets the nearest name, outbox times are in the workspace's zone."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.alerts.conftest import make_post, make_workspace
from veille.alerts.model import Alert, AlertBook
from veille.alerts.monitors import check_monitors
from veille.alerts.outbox import AlertEngine
from veille.cli import build_app
from veille.errors import NotFound
from veille.models import Author
from veille.pipeline import build_pipeline
from veille.query.topics import add_topic
from veille.services import alerts as service


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_alert_test_sends_the_most_recent_matches(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    # 300 matches: the oldest stored first, so a scan from the start finds old ones.
    posts = [make_post(i, f"Lumio note {i}", published_at=now - timedelta(hours=300 - i))
             for i in range(300)]  # fmt: skip
    build_pipeline(workspace, skip=("alerts",)).ingest(posts)
    AlertBook(workspace.store).add(
        Alert(name="lumio", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    sent = service.send_sample(workspace, "lumio")
    assert sent.posts == 5
    got = [p["id"] for p in receiver.requests[-1]["json"]["posts"]]
    assert got == [f"mastodon:{i}" for i in (299, 298, 297, 296, 295)]


def test_a_spike_test_sends_an_example_spike_message(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="s", kind="spike", query="lumio", channel_url=f"webhook+{receiver.url}")
    )
    code, out = run("alert", "test", "s", "-w", str(workspace.root))
    assert code == 0 and "sent an example message (spike) to" in out, out
    body = receiver.requests[-1]["json"]
    assert body["kind"] == "spike" and body["posts"] == []
    assert body["event"]["test"] is True
    assert body["event"]["summary"]["en"].startswith("Test — Spike on “lumio”")
    assert body["event"]["summary"]["fr"].startswith("Essai — Pic sur «\u202flumio\u202f»")


def test_two_tests_sent_in_one_second_reach_the_receiver_as_two_messages(
    workspace, receiver
) -> None:  # type: ignore[no-untyped-def]
    """``veille alert test`` twice in the same second, for a posts alert, a
    monitor and a report: each message comes under an id of its own. Before,
    the id was the alert's and the second's, and a receiver that drops
    repeats by ``X-Veille-Delivery`` kept the first of each pair only."""
    from veille.alerts.service import send_test

    build_pipeline(workspace, skip=("alerts",)).ingest([make_post(1, "Lumio lamp")])
    book = AlertBook(workspace.store)
    to = f"webhook+{receiver.url}"
    alerts = [
        book.add(Alert(name="lumio", query="lumio", channel_url=to)),
        book.add(Alert(name="s", kind="spike", query="lumio", channel_url=to)),
        book.add(Alert(name="r", kind="report", query="lumio", channel_url=to,
                       frequency="daily", at_time="07:00")),
    ]  # fmt: skip
    second = datetime.now(UTC).replace(microsecond=0)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    for alert in alerts:
        send_test(engine, alert, now=second)
        send_test(engine, alert, now=second + timedelta(microseconds=500_000))
    kinds = [r["json"]["kind"] for r in receiver.accepted()]
    assert kinds == ["test", "test", "spike", "spike", "report", "report"]
    ids = [r["delivery"] for r in receiver.requests]
    assert len(set(ids)) == 6, ids
    assert all(i.startswith(f"test.{a.id}.{int(second.timestamp())}.") for a, i in
               zip([a for a in alerts for _ in (1, 2)], ids, strict=True))  # fmt: skip
    # The CLI's test sends, one after the other, as a person runs them.
    for _ in range(2):
        code, out = run("alert", "test", "lumio", "-w", str(workspace.root))
        assert code == 0, out
    assert len(receiver.accepted()) == 8


def test_a_burst_inside_the_current_hour_fires_once(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(
            name="spike",
            kind="spike",
            query="lumio",
            channel_url=f"webhook+{receiver.url}",
            params={"threshold": 3.0, "weeks": 4},
        )
    )
    now = datetime(2026, 11, 2, 15, 40, tzinfo=UTC)
    posts, n = [], 0
    for week in range(1, 5):
        n += 1
        posts.append(make_post(n, "Lumio as usual", published_at=now - timedelta(weeks=week)))
    for i in range(12):  # 15:05 … 15:38, inside the current hour
        n += 1
        posts.append(make_post(n, "Lumio battery fire", author=Author(handle=f"w{i % 3}"),
                               published_at=now - timedelta(minutes=35 - 3 * i)))  # fmt: skip
    build_pipeline(workspace, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(workspace.store, workspace.settings, workspace.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    # Neither later in the hour nor once the hour is over: the same burst is one event.
    assert check_monitors(engine, now=now.timestamp() + 600) == 0
    assert check_monitors(engine, now=(now + timedelta(minutes=25)).timestamp()) == 0
    engine.dispatch(now=now.timestamp() + 1)
    event = receiver.requests[0]["json"]["event"]
    assert event["kind"] == "spike" and event["count"] == 12
    engine.close()


def test_alert_add_with_an_unknown_topic_suggests_the_nearest(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    add_topic(ws.store, "acei", "acei")
    code, out = run("alert", "add", "acie", "--to", "atom:f.xml", "-w", str(ws.root))
    assert code == 2 and "no topic named 'acie'" in out and "Did you mean 'acei'?" in out
    with pytest.raises(NotFound, match="acie"):
        service.add_alert(ws, service.AlertSpec(to="atom:f.xml", topic="acie"))
    code, out = run("alert", "test", "acie", "-w", str(ws.root))
    assert code == 2 and "no alert named 'acie'" in out
    ws.close()


def test_deliveries_show_times_in_the_workspace_time_zone(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", '[workspace]\ntimezone = "Europe/Paris"\n')
    w = str(ws.root)
    code, out = run("alert", "add", "--query", "lumio", "--name", "lumio", "--to",
                    "atom:f.xml", "--every", "daily", "--at", "08:30", "-w", w)  # fmt: skip
    assert code == 0, out
    build_pipeline(ws).ingest([make_post(1, "Lumio one")])
    code, out = run("alert", "deliveries", "-w", w, "--format", "json")
    (row,) = json.loads(out)
    due = datetime.fromisoformat(row["due"])
    assert due.strftime("%H:%M") == "08:30" and due.utcoffset() in (
        timedelta(hours=1), timedelta(hours=2),
    )  # fmt: skip
    code, out = run("alert", "deliveries", "-w", w)
    assert "times in Europe/Paris" in out and "08:30 CE" in out
    code, out = run("alert", "deliveries", "--status", "late", "-w", w)
    assert code == 2 and "late" in out
    ws.close()


ALERT_MODULES = ["alerts/model.py", "alerts/service.py", "alerts/monitors.py",
                 "alerts/reports.py", "alerts/outbox.py", "cli/alerts.py",
                 "services/alerts.py"]  # fmt: skip


@pytest.mark.parametrize("module", ALERT_MODULES)
def test_alert_modules_speak_no_sql(module: str) -> None:
    import veille

    source = (Path(veille.__file__).parent / module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imports = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
               for a in n.names} | {n.module for n in ast.walk(tree)
                                     if isinstance(n, ast.ImportFrom) and n.module}  # fmt: skip
    assert "sqlite3" not in imports
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not attrs & {"conn", "execute", "executemany"}
    strings = [n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]  # fmt: skip
    for keyword in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
        assert not any(keyword in s for s in strings), (module, keyword)
