"""One post that makes a stage raise does not stall its source.

A page of a loopback feed holds one post a plugin stage (installed through
the ``veille.stages`` entry point, as pip installs one) raises on: the
other posts are stored, the cursor moves on, their alerts are queued, and
the post is quarantined with the stage's name, in English and in French.
Before, the exception escaped the collector: nothing of the page was
stored, the cursor stayed, and the same page failed again at every pass.
A stage that raises on every post is said once, naming it, and the page
is not committed. Over the three layouts: SQLite, PostgreSQL state, chDB
posts."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import init_state_workspace
from veille.alerts.model import Alert, AlertBook
from veille.config import CONFIG_NAME, HttpSettings
from veille.errors import translated
from veille.http import HttpClient
from veille.httpserver import LoggingHTTPServer
from veille.pipeline.collect import collect, retry_quarantine
from veille.query.topics import add_topic
from veille.services.sources import add_source, health, quarantined
from veille.web.i18n import load_translations
from veille.workspace import Workspace

ITEMS = ("Lumio lamp one", "Lumio lamp POISON", "Lumio lamp three")
OTHER = ("Vexa chair one", "Vexa chair two")


def _feed(titles: tuple[str, ...]) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://e.example/{t[:4]}/{i}</link>"
        f"<guid>urn:{t[:4]}:{i}</guid>"
        f"<pubDate>Fri, 30 Oct 2026 0{i}:45:00 GMT</pubDate></item>"
        for i, t in enumerate(titles)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>{items}</channel></rss>'
    ).encode()


@pytest.fixture
def feed_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = _feed(ITEMS if self.path == "/feed" else OTHER)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = LoggingHTTPServer(("127.0.0.1", 0), Handler, "veille.tests.feed")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed"
    server.shutdown()
    server.server_close()


def install_stage(
    site: Path, module: str, condition: str, monkeypatch: pytest.MonkeyPatch, hook: str = "prepare"
) -> None:
    """A third-party stage ``poison`` installed the way pip would (a
    dist-info with an entry point), raising on each post for which
    ``condition`` (an expression of ``p``) holds, in its ``prepare`` hook
    or (``hook="in_transaction"``) on the batch's new posts once stored."""
    (site / module).mkdir(parents=True)
    (site / module / "__init__.py").write_text(
        "from veille.pipeline import Stage\n"
        "def check(posts):\n"
        "    for p in posts:\n"
        f"        if {condition}:\n"
        "            raise ValueError(f'cannot read {p.title}')\n"
        "    return posts\n"
        "def poison(context):\n"
        + (
            "    return Stage('poison', prepare=check)\n"
            if hook == "prepare"
            else "    return Stage('poison', in_transaction=lambda tx, r: check(r.new))\n"
        )
    )
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[veille.stages]\npoison = {module}:poison\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)


@pytest.fixture(params=["sqlite", "postgresql", "chdb"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A workspace: all SQLite, its state in PostgreSQL, or its posts in chDB."""
    if request.param == "chdb":
        pytest.importorskip("chdb")
        made = init_state_workspace(tmp_path / "ws", "sqlite")
        config = made / CONFIG_NAME
        text = config.read_text(encoding="utf-8")
        assert '# posts = ""' in text, "the [store] template changed"
        config.write_text(
            text.replace('# posts = ""', 'posts = "chdb:///posts.chdb"'), encoding="utf-8"
        )
        return made
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    return init_state_workspace(tmp_path / "ws", str(request.param))


def _http() -> HttpClient:
    return HttpClient(HttpSettings(allow_private_networks=True, max_retries=0))


def test_one_post_a_stage_raises_on_is_quarantined_and_the_page_stored(
    root: Path, tmp_path: Path, feed_url: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    install_stage(tmp_path / "site", "poison_one", "'POISON' in (p.title or '')", monkeypatch)
    french = load_translations()["fr"]
    with Workspace.open(root) as ws:
        add_source(ws.state, "feeds", feed_url, name="lumio-feed")
        add_topic(ws.state, "lamps", "lamp")
        AlertBook(ws.state).add(Alert(name="lamps", topic="lamps", channel_url="atom:lamps.xml"))
        http = _http()
        with caplog.at_level("ERROR", logger="veille.ingest"):
            (run,) = collect(ws, names=["lumio-feed"], http=http)
        assert run.ok, run.error
        assert (run.new_posts, run.quarantined) == (2, 1)
        assert ws.posts.count_posts() == 2
        assert ws.state.get_cursor("source:lumio-feed") is not None
        # Their alerts are queued (and sent: the Atom feed), once each.
        sent = ws.state.list_deliveries(alert_name="lamps")
        stored = ws.posts.get_posts([d.post_id for d in sent])
        assert sorted(p.title for p in stored) == ["Lumio lamp one", "Lumio lamp three"]
        assert all(d.id for d in sent)
        feed = (ws.root / "lamps.xml").read_text(encoding="utf-8")
        assert "Lumio lamp one" in feed and "POISON" not in feed
        # The post the stage raised on, quarantined with its item and the stage named.
        (item,) = quarantined(ws.state, "lumio-feed")
        assert str(item.error) == (
            "the poison stage failed on this post (ValueError: cannot read Lumio lamp POISON); "
            "retry it once the stage is fixed"
        )
        assert translated(item.error, french.gettext, "fr") == (
            "l’étape poison a échoué sur cette publication (ValueError\u202f: cannot read Lumio "
            "lamp POISON)\u202f; réessayez-la une fois l’étape corrigée"
        )
        (h,) = health(ws.state, "lumio-feed")
        assert h.quarantined == 1 and h.last_error is None
        # Its traceback logged once, in the veille.ingest log.
        logged = [r for r in caplog.records if "stage poison failed on post" in r.getMessage()]
        assert len(logged) == 1 and logged[0].exc_info is not None

        # The next pass does not fetch the page as new nor quarantine it twice.
        (again,) = collect(ws, names=["lumio-feed"], http=http)
        assert again.ok and again.new_posts == 0
        assert len(quarantined(ws.state, "lumio-feed")) == 1
        # While the stage still raises on it, a retry keeps it, as it was.
        assert retry_quarantine(ws, http=http) == (0, 1)
        (kept,) = quarantined(ws.state, "lumio-feed")
        assert kept.id == item.id and kept.error == item.error
        # Once the stage is fixed (here: taken out), the retry stores it.
        from veille.pipeline.ingest import build_pipeline

        assert retry_quarantine(ws, pipeline=build_pipeline(ws, skip=("poison",)), http=http) == (
            1,
            0,
        )
        assert quarantined(ws.state, "lumio-feed") == []
        assert ws.posts.count_posts() == 3
        http.close()


def test_a_stage_that_raises_on_every_post_fails_its_source_naming_it(
    root: Path, tmp_path: Path, feed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_stage(tmp_path / "site", "poison_all", "True", monkeypatch)
    french = load_translations()["fr"]
    with Workspace.open(root) as ws:
        add_source(ws.state, "feeds", feed_url, name="lumio-feed")
        http = _http()
        (run,) = collect(ws, names=["lumio-feed"], http=http)
        http.close()
        assert not run.ok and run.new_posts == 0
        # Nothing quarantined, nothing stored, the cursor where it was.
        assert quarantined(ws.state, "lumio-feed") == []
        assert ws.posts.count_posts() == 0
        assert ws.state.get_cursor("source:lumio-feed") is None
        (h,) = health(ws.state, "lumio-feed")
        assert h.consecutive_failures == 1
        assert str(h.last_error).startswith(
            "the poison stage failed on every post of this page (ValueError: cannot read "
        )
        said = translated(h.last_error, french.gettext, "fr")
        assert said.startswith("l’étape poison a échoué sur chaque publication de cette page")


def test_a_stage_that_raises_inside_the_transaction_fails_its_source_not_the_pass(
    root: Path, tmp_path: Path, feed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage's ``in_transaction`` hook sees the batch as a whole: the page
    is not committed and its source fails, naming the stage; the pass goes
    on and the other source's posts are stored (the exception ended the
    whole pass before: ``veille run`` logged "collection pass failed")."""
    install_stage(
        tmp_path / "site", "poison_tx", "'POISON' in (p.title or '')", monkeypatch, "in_transaction"
    )
    with Workspace.open(root) as ws:
        add_source(ws.state, "feeds", feed_url, name="lumio-feed")
        add_source(ws.state, "feeds", feed_url.replace("/feed", "/other"), name="vexa-feed")
        http = _http()
        runs = {r.source: r for r in collect(ws, force=True, http=http, max_workers=1)}
        http.close()
        assert runs["vexa-feed"].ok and runs["vexa-feed"].new_posts == 2
        assert not runs["lumio-feed"].ok
        assert ws.state.get_cursor("source:lumio-feed") is None
        assert ws.state.get_cursor("source:vexa-feed") is not None
        errors = {h.source: h.last_error for h in health(ws.state)}
        assert str(errors["lumio-feed"]).startswith(
            "the poison stage failed (ValueError: cannot read Lumio lamp POISON); "
            "nothing of this page is stored"
        )
        assert errors["vexa-feed"] is None


def test_an_import_reports_a_post_a_stage_raises_on_as_a_bad_row(
    workspace: Workspace, tmp_path: Path
) -> None:
    """``veille import``: the file's other rows are stored, that row is a
    bad row naming the stage (the exception stopped the import before)."""
    import json

    from veille.importer import import_file
    from veille.pipeline import Stage, build_pipeline

    def check(posts: list[Any]) -> list[Any]:
        for p in posts:
            if "POISON" in p.text:
                raise ValueError("cannot read it")
        return posts

    rows = [
        {"platform": "bluesky", "id": str(i), "text": text, "author": {"handle": "alice"},
         "published_at": "2026-03-01T10:00:00Z"}
        for i, text in enumerate(["Lumio one", "Lumio POISON", "Lumio three"])
    ]  # fmt: skip
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pipeline = build_pipeline(workspace, extra=[Stage("poison", prepare=check)])
    report = import_file(pipeline, path)
    assert (report.rows, report.stored, report.repeated) == (3, 2, 0)
    (bad,) = report.bad
    assert bad.line == 2
    assert str(bad.reason) == (
        "the poison stage failed on this post (ValueError: cannot read it); "
        "retry it once the stage is fixed"
    )
    assert workspace.store.count_posts() == 2


def _poison_rows(path: Path, n: int = 3, bad: int = 2) -> Path:
    import json

    rows = [
        {"platform": "bluesky", "id": str(i), "text": "Lumio POISON" if i == bad else f"Lumio {i}",
         "author": {"handle": "alice"}, "published_at": "2026-03-01T10:00:00Z"}
        for i in range(1, n + 1)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_strict_import_with_a_row_a_stage_raises_on_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``veille import --strict`` promises all or nothing (docs/import.md):
    the other rows were stored and the row the stage raised on reported as
    bad, exit 0. Now the import stops before anything is stored, naming the
    line and the stage."""
    from tests.cli_runner import CliRunner, veille_command

    install_stage(tmp_path / "site", "poison_strict", "'POISON' in p.text", monkeypatch)
    root = init_state_workspace(tmp_path / "ws", "sqlite")
    path = _poison_rows(tmp_path / "posts.jsonl")
    args = ["import", str(path), "--strict", "--workspace", str(root)]
    result = CliRunner().invoke(veille_command(), args)
    assert result.exit_code != 0, result.output
    out = " ".join(result.output.split())
    assert f"{path}, line 2: the poison stage failed on this post" in out, out
    assert "Nothing from this file was stored (--strict)" in out, out
    with Workspace.open(root) as ws:
        assert ws.store.count_posts() == 0
    # Without --strict the other rows are kept, that row reported.
    kept = CliRunner().invoke(veille_command(), args[:2] + args[3:])
    assert kept.exit_code == 0, kept.output
    with Workspace.open(root) as ws:
        assert ws.store.count_posts() == 2


def test_a_strict_import_stops_before_its_first_batch_when_a_later_one_fails(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Rows are written a batch at a time: the bad row in the last batch
    stopped nothing already written before; now nothing is. A stage raising
    on every row of a batch names the batch's first line."""
    from veille.errors import InputError
    from veille.importer import import_file
    from veille.pipeline import Stage, build_pipeline

    def check(posts: list[Any]) -> list[Any]:
        for p in posts:
            if "POISON" in p.text:
                raise ValueError("cannot read it")
        return posts

    pipeline = build_pipeline(workspace, extra=[Stage("poison", prepare=check)])
    path = _poison_rows(tmp_path / "late.jsonl", n=5, bad=5)
    with pytest.raises(InputError, match=r"late.jsonl, line 5: the poison stage failed"):
        import_file(pipeline, path, strict=True, batch_size=2)
    assert workspace.store.count_posts() == 0

    def broken(posts: list[Any]) -> list[Any]:
        raise ValueError("broken")

    pipeline = build_pipeline(workspace, extra=[Stage("broken", prepare=broken)])
    with pytest.raises(InputError, match=r"late.jsonl, line 1: the broken stage failed") as exc:
        import_file(pipeline, path, strict=True, batch_size=2)
    assert "Nothing from this file was stored" in str(exc.value.hint)
    assert workspace.store.count_posts() == 0
