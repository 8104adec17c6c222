"""A topic or an alert saved by an older version with a query the parser now
refuses (min_faves:10, from:, lang:fr,en …) is left out by the matcher: its
owner must see it wherever it is shown, with the parser's error and where to
edit it, and its stored text must stay as saved. Real HTTP, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.server import Running, add_role_users, serve

SRC = Path(__file__).resolve().parents[2] / "src"
OLD_TOPIC = "lumio min_faves:10"  # refused since the X operators are
OLD_ALERT = "lumio lang:fr,en"  # refused since comma lists are
WATCHER = "via-topic"  # an alert on the old topic


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.alerts.model import Alert, AlertBook
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("unreadable")) / "ws")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        # Written as an older version saved them: straight into the store.
        assert ws.state.create_topic("old", OLD_TOPIC, 1_700_000_000)
        assert ws.state.create_topic("fine", "lumio", 1_700_000_000)
        book = AlertBook(ws.state)
        book.add(Alert(name="old-alert", channel_url="atom:feed.xml", query=OLD_ALERT))
        book.add(Alert(name=WATCHER, channel_url="atom:feed.xml", topic="old"))
        book.add(Alert(name="fine-alert", channel_url="atom:feed.xml", query="lumio"))
    with serve(root) as server:
        server.tokens = tokens
        yield server


def _page(site: Running, path: str) -> str:
    from veille.web.deps import SESSION_COOKIE

    r = httpx.get(site.url + path, cookies={SESSION_COOKIE: site.session("viewer")}, timeout=30)
    assert r.status_code == 200, r.text
    return r.text


def _api(site: Running, path: str) -> object:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    r = httpx.get(site.url + "/api/v1" + path, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VEILLE_WORKSPACE"}
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "400"
    return subprocess.run(
        [sys.executable, "-m", "veille", *args, "--workspace", str(root)],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def test_the_topic_pages_say_the_stored_query_no_longer_reads(site: Running) -> None:
    listing = _page(site, "/topics")
    assert listing.count("No longer reads") == 1  # "fine" reads
    assert "min_faves" in listing and 'href="/topics/old#query"' in listing
    page = _page(site, "/topics/old")
    assert "This saved query no longer reads" in page
    assert "min_faves:10" in page  # the parser's error, quoted
    assert "engagement" in page.lower() or "likes" in page.lower()  # its fix
    assert "Its text is kept as it was saved." in page
    assert "no longer reads" not in _page(site, "/topics/fine")


def test_the_alert_pages_say_it_and_link_to_editing(site: Running) -> None:
    listing = _page(site, "/alerts")
    assert listing.count("No longer reads") == 2  # its own query; its topic's
    page = _page(site, "/alerts/old-alert")
    assert "This saved query no longer reads" in page
    assert 'href="/alerts/old-alert#s-query"' in page
    watcher = _page(site, f"/alerts/{WATCHER}")
    assert "The query of its topic old no longer reads" in watcher
    assert 'href="/topics/old#query"' in watcher
    assert "no longer reads" not in _page(site, "/alerts/fine-alert")


def test_the_api_objects_carry_the_error_and_the_text_is_kept(site: Running) -> None:
    topics = {t["name"]: t for t in _api(site, "/topics")}  # type: ignore[union-attr]
    assert topics["fine"]["query_error"] is None
    error = topics["old"]["query_error"]
    assert topics["old"]["query"] == OLD_TOPIC and error["query"] == OLD_TOPIC
    assert "min_faves" in error["message"] and error["hint"]
    assert error["edit"] == "/topics/old#query"
    detail = _api(site, "/topics/old")
    assert detail["query_error"]["column"] == error["column"] and detail["matches"] == 0  # type: ignore[index]
    alerts = {a["name"]: a for a in _api(site, "/alerts")}  # type: ignore[union-attr]
    assert alerts["fine-alert"]["query_error"] is None
    assert (
        "lang:"
        in alerts["old-alert"]["query_error"]["message"]
        + alerts["old-alert"]["query_error"]["hint"]
    )
    assert alerts[WATCHER]["query_error"]["topic"] == "old"
    assert _api(site, "/alerts/old-alert")["query_error"]["edit"] == "/alerts/old-alert#s-query"  # type: ignore[index]


def test_health_counts_them_and_names_them_to_a_signed_in_user(site: Running) -> None:
    from veille.web.deps import SESSION_COOKIE

    anonymous = httpx.get(site.url + "/healthz", timeout=30).json()
    assert anonymous["status"] == "ok" and anonymous["unreadable_queries"] == 3
    assert "unreadable" not in anonymous  # names and queries are not public
    signed = httpx.get(
        site.url + "/healthz", cookies={SESSION_COOKIE: site.session("viewer")}, timeout=30
    ).json()
    said = {(u["kind"], u["name"]) for u in signed["unreadable"]}
    assert said == {("topic", "old"), ("alert", "old-alert"), ("alert", WATCHER)}


def test_the_cli_lists_say_it_in_the_table_and_the_json(site: Running) -> None:
    table = _cli(site.root, "topic", "list")
    assert "topic 'old': its stored query no longer reads" in table.stderr
    assert "min_faves" in table.stderr and "veille topic edit old" in table.stderr
    assert "'fine'" not in table.stderr
    listed = json.loads(_cli(site.root, "topic", "list", "--format", "json").stdout)
    rows = {r["name"]: r for r in listed}
    assert rows["old"]["query"] == OLD_TOPIC
    assert "min_faves" in rows["old"]["query_error"]["message"]
    assert rows["fine"]["query_error"] is None
    alerts = _cli(site.root, "alert", "list")
    assert "alert 'old-alert': its stored query no longer reads" in alerts.stderr
    assert f"alert '{WATCHER}': the query of its topic 'old' no longer reads" in alerts.stderr
    listed = json.loads(_cli(site.root, "alert", "list", "--format", "json").stdout)
    rows = {r["name"]: r for r in listed}
    assert rows["old-alert"]["query_error"]["query"] == OLD_ALERT
    assert rows["fine-alert"]["query_error"] is None


def test_the_cli_says_it_in_the_readers_language(site: Running) -> None:
    topics = _cli(site.root, "--language", "fr", "topic", "list").stderr
    assert "le sujet «\u202fold\u202f»\u202f: sa requête enregistrée ne se lit plus" in topics
    assert "(colonne " in topics and "veille topic edit old REQUÊTE" in topics
    assert "no longer reads" not in topics and "Hint:" not in topics
    alerts = _cli(site.root, "--language", "fr", "alert", "list").stderr
    assert "l’alerte «\u202fold-alert\u202f»\u202f: sa requête enregistrée ne se lit plus" in alerts
    watcher = f"l’alerte «\u202f{WATCHER}\u202f»\u202f: la requête de son sujet «\u202fold\u202f»"
    assert watcher + " ne se lit plus" in alerts
    assert "no longer reads" not in alerts


def test_the_alert_query_is_edited_on_its_page_and_then_reads(site: Running) -> None:
    import re

    from veille.web.deps import SESSION_COOKIE

    cookies = {SESSION_COOKIE: site.session("analyst")}
    with httpx.Client(base_url=site.url, cookies=cookies, timeout=30) as c:
        page = c.get("/alerts/old-alert").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token and 'id="s-query"' in page
        bad = c.post(
            "/alerts/old-alert/settings",
            data={"csrf_token": token.group(1), "query": "lumio from:x"},
        )
        assert bad.status_code == 303
        assert _api(site, "/alerts/old-alert")["query"] == OLD_ALERT  # type: ignore[index]
        ok = c.post(
            "/alerts/old-alert/settings",
            data={"csrf_token": token.group(1), "query": "lumio (lang:fr OR lang:en)"},
        )
        assert ok.status_code == 303
    shown = _api(site, "/alerts/old-alert")
    assert shown["query"] == "lumio (lang:fr OR lang:en)" and shown["query_error"] is None  # type: ignore[index]


def test_the_notice_is_said_in_french_too(site: Running) -> None:
    from veille.web.deps import SESSION_COOKIE

    r = httpx.get(
        site.url + "/topics/old",
        cookies={SESSION_COOKIE: site.session("viewer")},
        headers={"Accept-Language": "fr"},
        timeout=30,
    )
    assert "Cette requête enregistrée ne se lit plus" in r.text
    assert "Son texte est gardé tel qu’il a été enregistré." in r.text
