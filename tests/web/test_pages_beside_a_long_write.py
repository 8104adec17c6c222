"""The web app while another process holds SQLite's write lock for a long write.

A long write in another process holds the database's write lock until it
ends; pages that only read answer as usual
(SQLite's WAL), and one that writes (a login, a saved setting, an inbox
reply) waits the store's busy timeout, then answers 503 with Retry-After.
That page said, in English even to a French reader, "/srv/…/veille.db is
locked by another veille process" (the server's path to its database) and
"run the command again" (a command, in a browser). It now says in the
reader's language that the database is busy with a long write, that
nothing was saved, and to try again in a moment; the path stays in the log."""

from __future__ import annotations

import sqlite3

import httpx

from tests.web.conftest import Served, csrf_from, password_for

WAIT = 0.3  # the store's busy timeout here (10 s in use)


def test_a_login_during_a_long_write_says_so_in_french(live_server: Served) -> None:
    store = live_server.app.state.workspace.state
    store.timeout = WAIT  # each request thread's connection is opened with it
    with httpx.Client(
        base_url=live_server.url, timeout=30, headers={"Accept-Language": "fr"}
    ) as client:
        page = client.get("/login")
        importer = sqlite3.connect(store.path, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")  # a long write
        try:
            answer = client.post(
                "/login",
                data={
                    "username": "admin",
                    "password": password_for("admin"),
                    "csrf_token": csrf_from(page.text),
                },
            )
        finally:
            importer.rollback()
            importer.close()
    assert answer.status_code == 503, answer.text[-2000:]
    assert answer.headers.get("retry-after")
    assert store.path not in answer.text and "veille.db" not in answer.text
    assert "locked by another" not in answer.text and "run the command" not in answer.text
    assert "la base de données est occupée" in answer.text
    assert "Réessayez dans un instant" in answer.text


def test_an_api_write_during_a_long_write_says_the_database_is_busy(
    live_server: Served,
) -> None:
    from veille.services import tokens

    store = live_server.app.state.workspace.state
    store.timeout = WAIT
    with live_server.workspace() as ws:
        secret = tokens.create_token(ws.state, "admin", "import-beside")[1]
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "fr"}
    with httpx.Client(base_url=live_server.url, timeout=30, headers=headers) as client:
        importer = sqlite3.connect(store.path, isolation_level=None)
        importer.execute("BEGIN IMMEDIATE")  # a long write
        try:
            answer = client.post("/api/v1/topics", json={"name": "lyon", "query": "lumio"})
        finally:
            importer.rollback()
            importer.close()
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "busy"
        assert "veille.db" not in answer.text
        assert error["message"].startswith("la base de données est occupée")
        assert error["hint"].startswith("Ce que vous avez envoyé n’a pas été enregistré")
        # Once the import ends, the same call is saved.
        assert (
            client.post("/api/v1/topics", json={"name": "lyon", "query": "lumio"}).status_code
            == 201
        )
