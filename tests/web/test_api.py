"""The REST API over a real server: search with the query language and its
errors, paging, topics, alerts (a test send reaches an SMTP server), sources
and analytics, with Bearer tokens; the OpenAPI document and the docs page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_post
from tests.web.server import Mailbox, Running, add_role_users, mailbox, serve, use_smtp
from veille.models import Author

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def box() -> Iterator[Mailbox]:
    with mailbox() as found:
        yield found


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, box: Mailbox) -> Iterator[Running]:
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("api")) / "ws")
    use_smtp(root, box.port)
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        posts = [
            make_post(
                f"m{i}",
                f"Lumio fibre is down again in Lyon #{i}" if i % 2 else f"Vexa offer {i}",
                published_at=T0 + timedelta(hours=i),
                author=Author(f"user{i % 5}", followers=10 * i),
                lang="fr" if i % 3 else "en",
            )
            for i in range(40)
        ]
        ws.posts.upsert_posts(posts)
    with serve(root) as server:
        server.tokens = tokens
        yield server


def client(api: Running, role: str = "analyst") -> httpx.Client:
    return httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {api.tokens[role]}"}, timeout=30
    )


def test_search_finds_posts_with_highlights_and_a_total(api: Running) -> None:
    with client(api, "viewer") as c:
        r = c.get("/api/v1/posts", params={"q": "lumio AND fibre", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 20 and len(body["items"]) == 5 and body["next_cursor"]
    assert body["total_exact"] is True  # words: counted on the index, exactly
    with client(api, "viewer") as c:
        uncounted = c.get("/api/v1/posts", params={"q": "lumio", "count": "false"}).json()
    assert uncounted["total"] is None and uncounted["total_exact"] is None
    first = body["items"][0]
    assert first["id"] == "mastodon:m39"  # newest first
    assert {h["text"].lower() for h in first["highlights"]} == {"lumio", "fibre"}


def test_the_cursor_walks_every_match_once(api: Running) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"q": "lumio", "limit": 6, "lang": "fr"}
    with client(api, "viewer") as c:
        while True:
            body = c.get("/api/v1/posts", params=params).json()
            seen += [p["id"] for p in body["items"]]
            if not body["next_cursor"]:
                break
            params["cursor"] = body["next_cursor"]
        by_page = c.get("/api/v1/posts", params={"q": "lumio", "lang": "fr", "page": 2, "limit": 6})
    expected = {f"mastodon:m{i}" for i in range(40) if i % 2 and i % 3}
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert [p["id"] for p in by_page.json()["items"]] == seen[6:12]


def test_filters(api: Running) -> None:
    since = (T0 + timedelta(hours=30)).isoformat()
    with client(api, "viewer") as c:
        body = c.get(
            "/api/v1/posts", params={"q": "lumio", "since": since, "platform": "mastodon"}
        ).json()
        none = c.get("/api/v1/posts", params={"q": "lumio", "platform": "bluesky"}).json()
    assert body["total"] == 5 and body["total_exact"] is True  # under 10,000: exact
    assert none["total"] == 0 and none["items"] == []


def test_a_date_until_includes_its_day_as_the_stream_does(api: Running) -> None:
    with client(api, "viewer") as c:
        day = c.get("/api/v1/posts", params={"q": "lumio OR vexa", "since": "2026-03-01",
                                             "until": "2026-03-01"}).json()  # fmt: skip
        hours = c.get("/api/v1/posts", params={"q": "lumio OR vexa",
                                               "since": "2026-03-01T12:00:00Z",
                                               "until": "2026-03-01T15:00:00Z"}).json()  # fmt: skip
        backwards = c.get("/api/v1/posts", params={"q": "lumio", "since": "2026-03-02",
                                                   "until": "2026-03-01"})  # fmt: skip
    assert day["total"] == 12  # 12:00 to 23:00 on March 1st (the workspace's zone: UTC)
    assert hours["total"] == 3  # a date-time until is the end, excluded
    assert backwards.status_code == 400 and "ends before it starts" in backwards.text


def test_a_query_error_is_a_400_with_the_caret_and_a_hint(api: Running) -> None:
    with client(api, "viewer") as c:
        r = c.get("/api/v1/posts", params={"q": 'lumio AND ("fibre'})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid_query" and error["hint"]
    line, caret = error["caret"].split("\n")
    assert line == 'lumio AND ("fibre'
    assert caret.index("^") == error["column"] - 1


def test_bad_paging_says_what_to_do(api: Running) -> None:
    with client(api, "viewer") as c:
        r = c.get("/api/v1/posts", params={"q": "lumio", "cursor": "garbage"})
        assert r.status_code == 400 and "next_cursor" in r.json()["error"]["hint"]
        r = c.get("/api/v1/posts", params={"q": "lumio", "limit": 5000})
        assert r.status_code == 422 and "limit" in r.json()["error"]["message"]


def test_topics_create_update_delete(api: Running) -> None:
    with client(api) as c:
        r = c.post("/api/v1/topics", json={"name": "lyon", "query": "lumio AND lyon"})
        assert r.status_code == 201 and r.json()["version"] == 1
        # Where the new topic is read (a client follows it, not a URL it builds).
        assert r.headers["location"] == "/api/v1/topics/lyon"
        assert c.get(r.headers["location"]).json()["name"] == "lyon"
        # A name taken is a conflict (409), told from a value refused (400),
        # so a client that creates what may exist can tell the two apart.
        taken = c.post("/api/v1/topics", json={"name": "lyon", "query": "x"})
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_exists"
        bad = c.post("/api/v1/topics", json={"name": "bad", "query": "lumio AND"})
        assert bad.status_code == 400 and bad.json()["error"]["column"] == 7
        r = c.put("/api/v1/topics/lyon", json={"query": "lumio AND lyon AND fibre"})
        assert r.json()["version"] == 2
        # A retried PUT (the same query) makes no new version.
        again = c.put("/api/v1/topics/lyon", json={"query": "lumio AND lyon AND fibre"})
        assert again.status_code == 200 and again.json()["version"] == 2
        got = c.get("/api/v1/topics/lyon").json()
        assert got["matches"] == 20 and [v["version"] for v in got["versions"]] == [1, 2]
        assert "lyon" in [t["name"] for t in c.get("/api/v1/topics").json()]
        assert c.delete("/api/v1/topics/lyon").status_code == 204
        assert c.delete("/api/v1/topics/lyon").status_code == 404
        missing = c.get("/api/v1/topics/lyon")
        assert missing.status_code == 404 and missing.json()["error"]["hint"]


def test_a_topic_says_how_many_posts_it_matches_without_reading_each_match(
    api: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``GET /api/v1/topics/NAME`` counts the topic's matches as the stream
    counts them: it read the key of every match, and of every match of the
    previous version (2 s at 1M posts for a common word, each time asked)."""
    from veille.store.sqlite.topics import SQLiteTopics

    read: list[Any] = []
    keys = SQLiteTopics.matching_post_keys

    def spied(self: Any, query: Any) -> set[int]:
        read.append(query)
        return keys(self, query)

    monkeypatch.setattr(SQLiteTopics, "matching_post_keys", spied)
    with client(api) as c:
        assert c.post("/api/v1/topics", json={"name": "fibre", "query": "lyon"}).status_code == 201
        c.put("/api/v1/topics/fibre", json={"query": "lumio AND fibre"})
        got = c.get("/api/v1/topics/fibre").json()
        vexa = c.post("/api/v1/topics", json={"name": "offer", "query": "vexa OR nothing"})
        assert vexa.status_code == 201
        offers = c.get("/api/v1/topics/offer").json()
        c.delete("/api/v1/topics/fibre")
        c.delete("/api/v1/topics/offer")
    # The same counts as the posts the queries find (20 of each).
    assert got["matches"] == 20 and offers["matches"] == 20
    assert read == []


def test_two_clients_updating_one_topic_with_its_version_do_not_overwrite_each_other(
    api: Running,
) -> None:
    """Two integrators read topic version 1 and each PUT a new query: the
    second silently replaced the first's, where the topic's page refuses.
    Sent with the ``version`` read, the second is refused (409 conflict,
    naming the version saved since and its query), nothing saved; sent again
    on that version, it goes. A PUT without ``version`` works as before."""
    with client(api) as first, client(api, "manager") as second:
        assert first.post("/api/v1/topics", json={"name": "cas", "query": "lumio"}).is_success
        read = second.get("/api/v1/topics/cas").json()["version"]
        assert read == 1
        mine = first.put("/api/v1/topics/cas", json={"query": "lumio AND lyon", "version": read})
        assert mine.status_code == 200 and mine.json()["version"] == 2
        theirs = {"query": "lumio AND fibre", "version": read}
        refused = second.put("/api/v1/topics/cas", json=theirs)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "conflict"
        # Said in API terms: the client sent a version, it never opened a form.
        assert error["message"] == (
            'topic cas is at version 2, not at the version 1 sent in "version": another '
            "API client or a user of the web app saved version 2 since, with the query: "
            "lumio AND lyon"
        )
        assert "opened" not in error["message"] + error["hint"]
        assert "GET /api/v1/topics/cas" in error["hint"] and '"version": 2' in error["hint"]
        french = second.put(
            "/api/v1/topics/cas", json=theirs, headers={"Accept-Language": "fr"}
        ).json()["error"]
        assert "Rien n’a été enregistré\u202f: relisez le sujet" in french["hint"]
        assert french["message"].startswith(
            "le sujet cas est à la version 2, et non à la version 1 envoyée dans "
            '"version"\u202f: un autre client de l’API'
        )
        assert "ouvert" not in french["message"]
        assert first.get("/api/v1/topics/cas").json()["query"] == "lumio AND lyon"
        # A retry of the first client's PUT (its query is the one saved) is no clash.
        again = first.put("/api/v1/topics/cas", json={"query": "lumio AND lyon", "version": 1})
        assert again.status_code == 200 and again.json()["version"] == 2
        merged = {"query": "lumio AND lyon AND fibre", "version": 2}
        assert second.put("/api/v1/topics/cas", json=merged).json()["version"] == 3
        unknown = second.put("/api/v1/topics/cas", json={"query": "x", "version": 9})
        assert unknown.status_code == 400
        assert (
            "topic cas has no version 9: its versions are 1 to 3"
            in unknown.json()["error"]["message"]
        )
        # Without a version, the last PUT wins, as before.
        blind = first.put("/api/v1/topics/cas", json={"query": "vexa"})
        assert blind.status_code == 200 and blind.json()["version"] == 4


def test_deleting_an_alert_an_inbox_rule_notifies_through_is_a_conflict(api: Running) -> None:
    """DELETE of an alert an inbox rule notifies through answered 204, and
    the rule then failed on every item, doing none of its actions. Now 409
    conflict names the rule, in the client's language, and nothing is deleted."""
    from veille.inbox.rules import add_rule, make_rule
    from veille.workspace import Workspace

    with client(api) as c:
        made = {"to": "atom:feeds/oncall.xml", "query": "lumio", "name": "oncall-api"}
        assert c.post("/api/v1/alerts", json=made).status_code == 201
        with Workspace.open(api.root) as ws:
            rule = make_rule("page-api", query="lumio", actions=[("notify", "oncall-api")])
            add_rule(ws.state, rule)
        refused = c.delete("/api/v1/alerts/oncall-api")
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "conflict"
        assert error["message"] == (
            "alert oncall-api is still used by inbox rule page-api to notify; nothing was deleted"
        )
        assert "/inbox/rules" in error["hint"]
        french = c.delete("/api/v1/alerts/oncall-api", headers={"Accept-Language": "fr"})
        assert french.json()["error"]["message"].startswith("l’alerte oncall-api sert encore à")
        assert c.get("/api/v1/alerts/oncall-api").status_code == 200
        with Workspace.open(api.root) as ws:
            ws.state.remove_inbox_rule("page-api")
        assert c.delete("/api/v1/alerts/oncall-api").status_code == 204


def test_an_alert_error_names_the_apis_field(api: Running) -> None:
    """The API names the body's field ("at"), where the CLI names its
    option (--at) and the alert form the field in words."""
    body = {"to": "mailto:team@example.org", "query": "lumio", "every": "daily", "at": "8h30"}
    with client(api) as c:
        english = c.post("/api/v1/alerts", json=body)
        french = c.post("/api/v1/alerts", json=body, headers={"Accept-Language": "fr"})
    assert english.status_code == 400 and french.status_code == 400
    assert english.json()["error"]["message"] == "time (at) '8h30' is not a time"
    assert (
        french.json()["error"]["message"] == "l’heure (at) «\u202f8h30\u202f» n’est pas une heure"
    )


def test_alerts_create_pause_resume_and_send_a_test(api: Running, box: Mailbox) -> None:
    with client(api) as c:
        r = c.post(
            "/api/v1/alerts",
            json={"to": "mailto:team@example.org", "query": "lumio", "name": "lumio-api"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["paused"] is False
        assert r.headers["location"] == "/api/v1/alerts/lumio-api"
        assert c.get(r.headers["location"]).json()["name"] == "lumio-api"
        twice = {"to": "mailto:team@example.org", "query": "lumio", "name": "lumio-api"}
        assert c.post("/api/v1/alerts", json=twice).status_code == 409
        assert c.post("/api/v1/alerts/lumio-api/pause").json()["paused"] is True
        shown = c.get("/api/v1/alerts/lumio-api").json()
        assert shown["paused"] is True
        created = datetime.fromisoformat(shown["created_at"])
        assert created.utcoffset() == timedelta(0) and shown["updated_at"] >= shown["created_at"]
        resumed = c.post("/api/v1/alerts/lumio-api/resume").json()
        assert resumed["alert"]["paused"] is False
        before = len(box.messages)
        sent = c.post("/api/v1/alerts/lumio-api/test")
        assert sent.status_code == 200, sent.text
        assert sent.json()["posts"] > 0
        assert len(box.messages) == before + 1
        assert b"team@example.org" in box.messages[-1]
        assert [a["name"] for a in c.get("/api/v1/alerts").json()] == ["lumio-api"]
        bad = c.post("/api/v1/alerts", json={"to": "mailto:x@example.org", "query": "lumio AND"})
        assert bad.status_code == 400
        changed = c.patch("/api/v1/alerts/lumio-api", json={"every": "daily", "at": "09:15"})
        assert changed.status_code == 200 and changed.json()["every"] == "daily"
        assert changed.json()["schedule"] == "daily at 09:15"
        assert c.patch("/api/v1/alerts/lumio-api", json={"every": "sometimes"}).status_code == 400
        assert c.delete("/api/v1/alerts/lumio-api").status_code == 204
        assert c.get("/api/v1/alerts/lumio-api").status_code == 404


def test_sources_add_health_remove(api: Running) -> None:
    with client(api) as c:
        r = c.post(
            "/api/v1/sources",
            json={"kind": "feeds", "target": "https://example.org/feed.xml", "name": "blog"},
        )
        assert r.status_code == 201, r.text
        assert r.headers["location"] == "/api/v1/sources/blog"
        assert c.get(r.headers["location"]).json()["kind"] == "feeds"
        assert c.get("/api/v1/sources/blog/health").json()["runs"] == 0
        assert [h["source"] for h in c.get("/api/v1/sources/health").json()] == ["blog"]
        twitter = c.post("/api/v1/sources", json={"kind": "twitter", "target": "x"})
        assert twitter.status_code == 400 and "'x'" in twitter.json()["error"]["hint"]
        rss = c.post("/api/v1/sources", json={"kind": "rss", "target": "https://e.org/f.xml"})
        hint = rss.json()["error"]["hint"]
        assert "'feeds'" in hint and hint.count("Known") == 1
        again = c.post("/api/v1/sources", json={"kind": "feeds", "target": "https://e.org/2.xml",
                                                "name": "blog"})  # fmt: skip
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_exists"
        assert c.delete("/api/v1/sources/blog").status_code == 204
        assert c.get("/api/v1/sources/blog").status_code == 404


def test_a_source_address_is_shown_without_its_credentials(api: Running) -> None:
    target = "https://ana:pw123@example.org/feed.xml?api_key=SECRET1&token=SECRET2&page=2"
    with client(api) as c:
        assert c.post("/api/v1/sources", json={"kind": "feeds", "target": target,
                                               "name": "private"}).status_code == 201  # fmt: skip
        shown = c.get("/api/v1/sources/private").text + c.get("/api/v1/sources").text
        c.delete("/api/v1/sources/private")
    assert "example.org/feed.xml" in shown and "page=2" in shown
    assert "pw123" not in shown and "SECRET1" not in shown and "SECRET2" not in shown


def test_changes_made_through_the_api_are_in_the_audit_log(api: Running) -> None:
    """The audit log names who changed what, whichever way they did it: the
    token's user for the API, as for the pages."""
    from veille.services import audit
    from veille.workspace import Workspace

    with client(api) as c:
        assert c.post("/api/v1/topics", json={"name": "aud", "query": "lumio"}).status_code == 201
        c.put("/api/v1/topics/aud", json={"query": "lumio AND lyon"})
        c.post(
            "/api/v1/alerts", json={"to": "mailto:a@example.org", "topic": "aud", "name": "aud-a"}
        )
        c.post("/api/v1/alerts/aud-a/pause")
        c.post("/api/v1/alerts/aud-a/resume")
        c.post("/api/v1/sources", json={"kind": "feeds", "target": "https://example.org/a.xml",
                                        "name": "aud-s"})  # fmt: skip
        c.delete("/api/v1/sources/aud-s")
        # A topic an alert watches is not deleted: 409, naming the alert.
        used = c.delete("/api/v1/topics/aud")
        assert used.status_code == 409 and used.json()["error"]["code"] == "conflict"
        assert "alert aud-a" in used.json()["error"]["message"]
        assert c.delete("/api/v1/alerts/aud-a").status_code == 204
        assert c.delete("/api/v1/topics/aud").status_code == 204
    with Workspace.open(api.root) as ws:
        logged = [(e.actor, e.action, e.target) for e in audit.list_entries(ws.state)]
    for action, target in [
        ("topic.add", "aud"), ("topic.edit", "aud"), ("alert.add", "aud-a"),
        ("alert.pause", "aud-a"), ("alert.resume", "aud-a"), ("source.add", "aud-s"),
        ("source.remove", "aud-s"), ("alert.remove", "aud-a"), ("topic.remove", "aud"),
    ]:  # fmt: skip
        assert ("analyst", action, target) in logged, action


def test_a_share_of_voice_query_without_a_name_says_how_to_name_it(api: Running) -> None:
    with client(api, "viewer") as c:
        bad = c.get("/api/v1/analytics/share-of-voice", params={"query": "lumio"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert "'lumio' is not NAME=QUERY" in error["message"] and "--query" not in bad.text


def test_analytics(api: Running) -> None:
    period = "2026-02-28..2026-03-03"
    with client(api, "viewer") as c:
        vol = c.get("/api/v1/analytics/volume", params={"q": "lumio", "period": period}).json()
        assert vol["total"] == 20 and len(vol["points"]) == 4
        by = c.get("/api/v1/analytics/breakdown", params={"by": "lang", "period": period}).json()
        assert {s["key"] for s in by["shares"]} == {"en", "fr"}
        senti = c.get("/api/v1/analytics/sentiment", params={"period": period}).json()
        assert len(senti["points"]) == 4
        sov = c.get(
            "/api/v1/analytics/share-of-voice",
            params=[("query", "Lumio=lumio"), ("query", "Vexa=vexa"), ("period", period)],
        ).json()
        assert {v["topic"]: v["posts"] for v in sov["voices"]} == {"Lumio": 20, "Vexa": 20}
        inf = c.get("/api/v1/analytics/influencers", params={"q": "lumio", "period": period}).json()
        assert inf["influencers"] and all(i["why"] for i in inf["influencers"])
        # The period as a client computes with it, beside its label for people
        # ("2026-02-28 – 2026-03-03"): the last day's end excluded, with an offset.
        for answer in (vol, by, senti, sov, inf):
            assert (answer["since"], answer["until"]) == (
                "2026-02-28T00:00:00Z",
                "2026-03-04T00:00:00Z",
            ), answer["period"]
        bad = c.get("/api/v1/analytics/volume", params={"q": "(lumio", "period": period})
        assert bad.status_code == 400 and bad.json()["error"]["column"]
    # Posts on 2026-03-01 (12 hours), 03-02 (24), 03-03 (4): the day before
    # (03-01) pairs with 03-02; two days against one leave the first beside none.
    with client(api) as c:
        c.post("/api/v1/topics", json={"name": "fibre", "query": "fibre"})
        both = c.get(
            "/api/v1/analytics/volume",
            params={"topic": "fibre", "q": "lyon", "period": "2026-03-02..2026-03-02"},
        )
        longer = c.get("/api/v1/analytics/volume", params={"q": "lumio OR vexa",
                                                           "period": "2026-03-03..2026-03-03",
                                                           "interval": "day"})  # fmt: skip
        c.delete("/api/v1/topics/fibre")
    assert both.json()["about"] == "fibre AND lyon"
    body = longer.json()
    paired = sum(p["previous"] for p in body["points"])
    assert paired + sum(b["posts"] for b in body["previous_extra"]) == body["previous_total"]


def test_the_openapi_document_describes_every_endpoint(api: Running) -> None:
    spec = httpx.get(api.url + "/api/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/posts",
        "/api/v1/topics/{name}",
        "/api/v1/alerts/{name}/test",
        "/api/v1/sources/{name}/health",
        "/api/v1/analytics/share-of-voice",
    ):
        assert path in paths
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "ErrorResponse" in spec["components"]["schemas"]
    # Every status the API may answer is described: a refused test send, a busy store.
    assert "502" in paths["/api/v1/alerts/{name}/test"]["post"]["responses"]
    assert "503" in paths["/api/v1/posts"]["get"]["responses"]


def test_the_openapi_document_is_made_once_for_every_reader(
    api: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/api/openapi.json`` and ``/api/docs`` walked every route's models on
    each request (0.4-0.6 s at 1M posts, whatever the posts): the document
    is made once per app and the same one is answered."""
    from veille.web.api import docs

    made: list[int] = []
    real = docs.spec

    def counted(app: Any) -> dict[str, Any]:
        made.append(1)
        return real(app)

    monkeypatch.setattr(docs, "spec", counted)
    first = httpx.get(api.url + "/api/openapi.json").json()
    # The pages alike but for their forms' CSRF token (one per visitor).
    pages = [re.sub(r"<[^>]*csrf[^>]*>", "", httpx.get(api.url + "/api/docs").text) for _ in "ab"]
    again = httpx.get(api.url + "/api/openapi.json").json()
    assert again == first and pages[0] == pages[1] and "GET /api/v1/posts" in pages[0]
    assert len(made) <= 1


def test_the_docs_page_lists_the_endpoints_offline_in_both_languages(api: Running) -> None:
    r = httpx.get(api.url + "/api/docs")
    assert r.status_code == 200
    assert "GET /api/v1/posts" in r.text and "<script" not in r.text
    assert "http://" not in r.text.replace(api.url, "").replace("http://www.w3.org", "")
    fr = httpx.get(api.url + "/api/docs", headers={"Accept-Language": "fr"})
    assert "Paramètres" in fr.text and "Authentification" in fr.text
    # French puts a narrow no-break space before the colon; a default is said as
    # a client writes it (count=true), not as Python does (True).
    assert "(par défaut\u202f: <code>20</code>)" in fr.text, fr.text
    assert "défaut:" not in fr.text and "default: <code>true</code>" in r.text
    assert "True" not in r.text


def test_a_wrong_path_or_method_answers_the_api_error_shape(api: Running) -> None:
    """An integrator's typo in a path or method gets the documented error body
    (status, code, message, hint), as every other API error does."""
    with client(api, "viewer") as c:
        missing = c.get("/api/v1/topic")
        wrong_method = c.delete("/api/v1/posts", params={"q": "lumio"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "/api/docs" in missing.json()["error"]["hint"]
    assert wrong_method.status_code == 405
    error = wrong_method.json()["error"]
    assert error["code"] == "method_not_allowed" and error["status"] == 405
    assert "GET" in wrong_method.headers["allow"]


def test_a_body_that_is_not_json_says_so(api: Running) -> None:
    with client(api) as c:
        json_type = {"Content-Type": "application/json"}
        broken = c.post("/api/v1/topics", content=b'{"name": ', headers=json_type)
        # Nested past what the JSON reader recurses into: Starlette's English 400.
        deep = c.post("/api/v1/topics", content=b"[" * 5000, headers=json_type)
        absent = c.post("/api/v1/topics")
        listed = c.post("/api/v1/topics", json=["lyon", "lumio"])
    assert broken.status_code == 422
    assert "body: not valid JSON" in broken.json()["error"]["message"]
    assert absent.status_code == 422 and "body: is missing" in absent.json()["error"]["message"]
    assert "body: is not a JSON object" in listed.json()["error"]["message"]
    assert deep.status_code == 422
    assert deep.json()["error"]["message"] == (
        "body: not valid JSON (nested deeper than this server reads)"
    )


def test_a_negative_cap_or_floor_is_refused_naming_it(api: Running) -> None:
    """A daily cap of -1 held back every match of the alert ("daily cap of -1
    reached"), which the API stored without a word."""
    with client(api) as c:
        for field in ("cap", "min_followers", "min_engagement"):
            r = c.post("/api/v1/alerts", json={"to": "mailto:a@example.org", "query": "lumio",
                                               "name": f"neg-{field}", field: -1})  # fmt: skip
            assert r.status_code == 400, (field, r.text)
            assert f"{field} -1" in r.json()["error"]["message"]
            assert c.get(f"/api/v1/alerts/neg-{field}").status_code == 404


def test_an_alert_reads_back_under_the_names_it_was_written_with(api: Running) -> None:
    """GET answers ``to``, ``every``, ``at``, ``day``, ``cap`` and ``quiet``,
    the names POST and PATCH take (it answered ``channel_url``, ``frequency``,
    ``at_time``, ``weekday`` as 0-6, ``daily_cap``, ``quiet_start``/``quiet_end``);
    what it reads can be sent back, and the old names are still read."""
    sent = {"to": "mailto:names@example.org", "query": "lumio", "name": "names",
            "every": "weekly", "at": "07:30", "day": "wed", "cap": 3,
            "quiet": "22:00-07:00", "min_followers": 5}  # fmt: skip
    with client(api) as c:
        assert c.post("/api/v1/alerts", json=sent).status_code == 201
        shown = c.get("/api/v1/alerts/names").json()
        assert {k: shown[k] for k in sent} == sent
        assert shown["schedule"] == "weekly wed 07:30"
        # Deprecated, still given: a client that read them keeps working.
        assert (shown["at_time"], shown["weekday"], shown["daily_cap"]) == ("07:30", 2, 3)
        row = next(a for a in c.get("/api/v1/alerts").json() if a["name"] == "names")
        back = c.patch("/api/v1/alerts/names", json={k: row[k] for k in ("every", "at", "day")})
        assert back.status_code == 200, back.text
        old = c.patch("/api/v1/alerts/names", json={"frequency": "daily", "at_time": "09:00"})
        assert old.status_code == 200 and old.json()["schedule"] == "daily at 09:00"
        both = c.patch("/api/v1/alerts/names", json={"at": "10:00", "at_time": "09:00"})
        assert both.status_code == 422 and "at_time" in both.json()["error"]["message"]
        created = c.post("/api/v1/alerts", json={
            "channel_url": "mailto:o@example.org", "query": "vexa", "name": "old-names",
            "frequency": "weekly", "weekday": 4, "daily_cap": 2, "quiet_start": "21:00",
            "quiet_end": "06:00"})  # fmt: skip
        assert created.status_code == 201, created.text
        got = c.get("/api/v1/alerts/old-names").json()
        assert (got["day"], got["cap"], got["quiet"]) == ("fri", 2, "21:00-06:00")
        c.delete("/api/v1/alerts/names")
        c.delete("/api/v1/alerts/old-names")
    schema = httpx.get(api.url + "/api/openapi.json").json()["components"]["schemas"]
    detail = schema["AlertDetail"]["properties"]
    assert {"to", "every", "at", "day", "cap", "quiet"} <= set(schema["AlertDetail"]["required"])
    assert detail["at_time"]["deprecated"] is True


def test_analytics_figures_are_read_once_a_minute_for_every_client(
    api: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each analytics endpoint read the posts of its scope on every request
    (0.2-1 s each at 1M posts); the same question within a minute gets the
    same figures without reading them again, whoever asks, as the pages do."""
    from veille.analytics import influencers
    from veille.store.sqlite.analytics_people import SQLitePeople
    from veille.store.sqlite.analytics_volume import SQLiteVolume

    reads: list[str] = []

    def spy(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            reads.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    spy(SQLiteVolume, "post_totals")
    spy(SQLitePeople, "posts_by_source")
    spy(influencers, "read")
    period = "2026-02-27..2026-03-03"
    asked = [
        ("volume", [("q", "lumio"), ("period", period)]),
        ("breakdown", [("by", "lang"), ("period", period)]),
        ("sentiment", [("period", period)]),
        ("share-of-voice", [("query", "Lumio=lumio"), ("query", "Vexa=vexa"), ("period", period)]),
        ("influencers", [("q", "lumio"), ("period", period)]),
    ]
    answers = []
    for role in ("viewer", "analyst"):
        with client(api, role) as c:
            answers.append(
                [c.get(f"/api/v1/analytics/{name}", params=params).json() for name, params in asked]
            )
        if role == "viewer":
            assert {"post_totals", "posts_by_source", "read"} <= set(reads)
            reads.clear()
    assert answers[0] == answers[1]
    assert {v["topic"]: v["posts"] for v in answers[1][3]["voices"]} == {"Lumio": 20, "Vexa": 20}
    assert reads == []


def test_analytics_errors_name_the_api_parameters_not_the_cli_options(api: Running) -> None:
    """The share of voice without topics and a view without its organization
    topic told an API client to 'pass --topic or --query'."""
    with client(api, "viewer") as c:
        sov = c.get("/api/v1/analytics/share-of-voice")
        view = c.get("/api/v1/analytics/influencers", params={"view": "us"})
    for r in (sov, view):
        assert r.status_code == 400
        assert "--" not in r.json()["error"]["message"] + r.json()["error"]["hint"]
    assert "topic" in sov.json()["error"]["hint"] and "NAME=QUERY" in sov.json()["error"]["hint"]
    assert "brand_topic" in view.json()["error"]["message"]


def test_errors_answer_in_the_language_accept_language_asks(api: Running) -> None:
    """A client sending ``Accept-Language: fr`` gets the message and hint in
    French (as the pages show them); without the header, English."""
    fr = {"Accept-Language": "fr-FR,fr;q=0.9"}
    with client(api) as c:
        missing = c.get("/api/v1/topics/nope", headers=fr)
        query = c.get("/api/v1/posts", params={"q": "lumio AND"}, headers=fr)
        english = c.get("/api/v1/topics/nope")
    with client(api, "viewer") as c:
        role = c.post("/api/v1/topics", json={"name": "x", "query": "y"}, headers=fr)
    nobody = httpx.get(api.url + "/api/v1/topics", headers=fr)
    revoked = httpx.get(api.url + "/api/v1/topics", headers={"Authorization": "Bearer vt_nope"})
    assert missing.json()["error"]["message"] == "aucun sujet ne s’appelle «\u202fnope\u202f»"
    assert missing.headers["content-language"] == "fr"
    assert query.json()["error"]["message"].startswith("requête invalide\u202f: ")
    assert query.json()["error"]["code"] == "invalid_query"  # codes stay as they are
    assert english.json()["error"]["message"] == "no topic named 'nope'"
    assert (
        role.json()["error"]["message"]
        == "votre rôle est lecteur\u202f; ceci demande le rôle analyste"
    )
    assert nobody.json()["error"]["message"] == "cette API demande un jeton"
    assert revoked.status_code == 401
    assert revoked.json()["error"]["message"] == "this token is unknown or revoked"


def test_source_options_take_the_json_types_the_config_shows(api: Running) -> None:
    """A source's config answers ``"max_pages": 1`` and ``"adaptive": true``;
    sending them back so was refused ('Input should be a valid string')."""
    with client(api) as c:
        r = c.post("/api/v1/sources", json={
            "kind": "feeds", "target": "https://example.org/typed.xml", "name": "typed",
            "options": {"max_pages": 3, "adaptive": False}})  # fmt: skip
        assert r.status_code == 201, r.text
        assert r.json()["config"]["max_pages"] == 3 and r.json()["config"]["adaptive"] is False
        bad = c.post("/api/v1/sources", json={
            "kind": "feeds", "target": "https://example.org/t2.xml", "name": "typed2",
            "options": {"max_pages": "many"}})  # fmt: skip
        assert bad.status_code == 400 and "max_pages" in bad.json()["error"]["message"]
        c.delete("/api/v1/sources/typed")


def test_a_search_says_what_may_make_it_find_nothing(api: Running) -> None:
    """A misspelt platform or language, or ``and`` in lower case, found nothing
    (or too much) without a word, where the stream page and the CLI warn."""
    with client(api, "viewer") as c:
        typo = c.get("/api/v1/posts", params={"q": "lumio", "platform": "mastadon"}).json()
        lang = c.get("/api/v1/posts", params={"q": "lumio", "lang": "french"}).json()
        word = c.get("/api/v1/posts", params={"q": "lumio and lyon"}).json()
        clean = c.get("/api/v1/posts", params={"q": "lumio", "platform": "mastodon"}).json()
    assert typo["total"] == 0 and "'mastodon'" in typo["warnings"][0]
    assert "'french' is not a language code" in lang["warnings"][0]
    assert "AND" in word["warnings"][0]
    assert clean["warnings"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/analytics/volume",
        "/api/v1/analytics/breakdown",
        "/api/v1/analytics/sentiment",
        "/api/v1/analytics/share-of-voice",
        "/api/v1/analytics/influencers",
    ],
)
def test_an_aggregation_says_what_may_make_it_count_nothing(api: Running, path: str) -> None:
    """The analytics warn of a misspelt platform or language as a search does
    (a chart of zeros said nothing of why)."""
    scope = {"query": "lumio=lumio"} if path.endswith("share-of-voice") else {"q": "lumio"}
    with client(api, "viewer") as c:
        typo = c.get(path, params={**scope, "platform": "mastadon"})
        lang = c.get(path, params={**scope, "lang": "french"}).json()
        clean = c.get(path, params={**scope, "platform": "mastodon", "lang": "fr"}).json()
    assert typo.status_code == 200, typo.text
    assert any("'mastodon'" in w for w in typo.json()["warnings"]), typo.json()
    assert any("'french' is not a language code" in w for w in lang["warnings"]), lang
    assert not any("platform" in w or "language code" in w for w in clean["warnings"])
    if "q" in scope:
        with client(api, "viewer") as c:
            word = c.get(path, params={"q": "lumio and lyon"}).json()
        assert any("AND" in w for w in word["warnings"]), word


def test_a_missing_thing_points_to_the_endpoint_not_a_command(api: Running) -> None:
    """An API client is told the endpoint, in its language; not the CLI's command."""
    with client(api, "viewer") as c:
        alert = c.get("/api/v1/alerts/no-such-alert").json()["error"]
        french = c.get("/api/v1/alerts/no-such-alert", headers={"Accept-Language": "fr"})
    # Who may create a topic or add a source (a viewer is not offered either).
    with client(api, "analyst") as c:
        topic = c.get("/api/v1/topics/no-such-topic").json()["error"]
        source = c.get("/api/v1/sources/no-such-source").json()["error"]
    assert alert["code"] == "not_found" and "GET /api/v1/alerts" in alert["hint"]
    assert "veille" not in alert["hint"]
    assert "POST /api/v1/topics" in topic["hint"] and "veille" not in topic["hint"]
    assert "POST /api/v1/sources" in source["hint"] and "veille" not in source["hint"]
    hint = french.json()["error"]["hint"]
    assert "Voyez la liste des alertes (GET /api/v1/alerts)" in hint


def test_a_sources_every_is_answered_as_it_is_given(api: Running) -> None:
    """``every`` goes in as "15m" and comes back as "15m" (not 900); the
    seconds stay in ``every_seconds``."""
    with client(api) as c:
        feed = {"kind": "feeds", "target": "https://example.org/often.xml"}
        made = c.post("/api/v1/sources", json={**feed, "name": "often", "every": "15m"})
        assert made.status_code == 201, made.text
        assert (made.json()["every"], made.json()["every_seconds"]) == ("15m", 900)
        listed = {s["name"]: s for s in c.get("/api/v1/sources").json()}
        assert (listed["often"]["every"], listed["often"]["every_seconds"]) == ("15m", 900)
        again = c.post("/api/v1/sources", json={**feed, "name": "daily", "every": "1d"})
        assert again.json()["every"] == "1d"
        for name in ("often", "daily"):
            assert c.delete(f"/api/v1/sources/{name}").status_code == 204


def test_paging_errors_are_said_in_the_language_asked(api: Running) -> None:
    """A bad cursor, a page out of range, a page and a cursor at once: in
    French for ``Accept-Language: fr``, as the API's other errors."""
    fr = {"Accept-Language": "fr"}
    with client(api, "viewer") as c:
        cursor = c.get("/api/v1/posts", params={"q": "lumio", "cursor": "nonsense"}, headers=fr)
        deep = c.get("/api/v1/posts", params={"q": "lumio", "page": 9999}, headers=fr)
        both = c.get("/api/v1/posts", params={"q": "lumio", "page": 1, "cursor": "x"}, headers=fr)
        english = c.get("/api/v1/posts", params={"q": "lumio", "page": 9999})
    assert cursor.status_code == 400
    said = cursor.json()["error"]
    assert said["message"] == "le curseur «\u202fnonsense\u202f» n’a pas été donné par ce serveur"
    assert said["hint"].startswith("Passez tel quel le next_cursor")
    said = deep.json()["error"]
    assert said["message"] == "la page 9999 est hors des bornes"
    assert "10\u202f000 publications" in said["hint"]
    assert both.json()["error"]["message"] == "donnez une page ou un curseur, pas les deux"
    said = english.json()["error"]
    assert said["message"] == "page 9999 is out of range" and "10,000 posts deep" in said["hint"]


def test_malformed_input_is_said_in_the_language_asked(api: Running) -> None:
    """A 422 (a parameter out of bounds, a missing or unknown field, a value
    not among those allowed, a body that is not JSON) was English whatever
    Accept-Language asked: each problem now names its field in French and
    says what to give, in the same JSON shape."""
    fr = {"Accept-Language": "fr"}
    json_type = {"Content-Type": "application/json", **fr}
    with client(api) as c:
        limit = c.get("/api/v1/posts", params={"q": "lumio", "limit": 5000}, headers=fr)
        lost = c.post("/api/v1/topics", json={"name": "x", "colour": "red"}, headers=fr)
        interval = c.get("/api/v1/analytics/volume", params={"interval": "month"}, headers=fr)
        words = c.get("/api/v1/posts", params={"q": "lumio", "limit": "ten"}, headers=fr)
        broken = c.post("/api/v1/topics", content=b'{"name": ', headers=json_type)
        # Nested past what the JSON reader recurses into: Starlette's English 400.
        deep = c.post("/api/v1/topics", content=b"[" * 5000, headers=json_type)
        absent = c.post("/api/v1/topics", headers=fr)
        twice = {"to": "mailto:a@example.org", "query": "x", "at": "10:00", "at_time": "09:00"}
        both = c.post("/api/v1/alerts", json=twice, headers=fr)
        english = c.post("/api/v1/topics", json={"name": "x", "colour": "red"})
    for answer in (limit, lost, interval, words, broken, deep, absent, both):
        assert answer.status_code == 422 and answer.headers["content-language"] == "fr"
        error = answer.json()["error"]
        assert set(error) == {"status", "code", "message", "hint"}
        assert error["code"] == "invalid_input" and error["status"] == 422
        assert error["hint"].startswith("Voyez /api/docs"), error["hint"]
    assert limit.json()["error"]["message"] == "limit\u202f: doit valoir 200 ou moins"
    assert lost.json()["error"]["message"] == (
        "query\u202f: obligatoire, donnez-le\u202f; colour\u202f: n’est pas un champ de ce point "
        "d’accès (voyez /api/docs)"
    )
    assert interval.json()["error"]["message"] == (
        "interval\u202f: doit valoir 'hour', 'day' ou 'week'"
    )
    assert words.json()["error"]["message"] == "limit\u202f: doit être un nombre entier"
    assert broken.json()["error"]["message"].startswith("body\u202f: du JSON invalide (")
    assert deep.json()["error"]["message"].startswith("body\u202f: du JSON invalide (")
    assert absent.json()["error"]["message"] == (
        "body\u202f: manquant (envoyez un objet JSON avec Content-Type: application/json)"
    )
    assert both.json()["error"]["message"] == (
        "body\u202f: donnez at ou at_time (son ancien nom), pas les deux"
    )
    assert english.json()["error"]["message"] == (
        "query: required, give it; colour: is not a field of this endpoint (see /api/docs)"
    )


def test_date_and_period_errors_are_said_in_the_language_asked(api: Running) -> None:
    """A since, until or period that does not read was answered in English
    whatever Accept-Language asked (the 422s and the other 400s followed it);
    a date-time whose + the URL turned into a space says to write %2B."""
    fr = {"Accept-Language": "fr"}
    with client(api, "viewer") as c:
        since = c.get("/api/v1/posts", params={"q": "lumio", "since": "hier"}, headers=fr)
        order = c.get(
            "/api/v1/posts",
            params={"q": "lumio", "since": "2026-03-02", "until": "2026-03-01"},
            headers=fr,
        )
        period = c.get("/api/v1/analytics/volume", params={"period": "last-year"}, headers=fr)
        day = c.get("/api/v1/analytics/volume", params={"period": "2026-13-01..2026-12-01"},
                    headers=fr)  # fmt: skip
        plus = c.get(api.url + "/api/v1/posts?q=lumio&since=2026-03-01T10:00:00+01:00")
        english = c.get("/api/v1/analytics/volume", params={"period": "last-year"})
    for answer in (since, order, period, day):
        assert answer.status_code == 400 and answer.headers["content-language"] == "fr"
        assert answer.json()["error"]["code"] == "invalid_input"
    n = "\u202f"
    assert since.json()["error"]["message"] == f"since{n}: «{n}hier{n}» n’est pas une date"
    assert since.json()["error"]["hint"].startswith("Écrivez-la en ISO 8601")
    assert order.json()["error"]["message"] == (
        "la période 2026-03-02..2026-03-01 finit avant de commencer"
    )
    assert period.json()["error"]["message"] == f"période inconnue «{n}last-year{n}»"
    assert period.json()["error"]["hint"].startswith("Utilisez last-week")
    assert day.json()["error"]["message"] == (
        f"période «{n}2026-13-01..2026-12-01{n}»{n}: «{n}2026-13-01{n}» n’est pas une date"
    )
    assert plus.status_code == 400 and "%2B" in plus.json()["error"]["hint"]
    assert english.json()["error"]["message"] == "unknown period 'last-year'"


def test_warnings_and_sentences_follow_the_language_asked(api: Running) -> None:
    """A search's and an aggregation's warnings were English whatever
    Accept-Language asked, and an influencer's why was in the workspace's
    language (its ui_language), not the client's as every error is."""
    fr = {"Accept-Language": "fr"}
    scope = {"q": "lumio and lyon", "platform": "mastadon", "lang": "french"}
    with client(api, "viewer") as c:
        search = c.get("/api/v1/posts", params=scope, headers=fr).json()
        volume = c.get("/api/v1/analytics/volume", params=scope, headers=fr).json()
        march = {"q": "lumio", "period": "2026-03-01..2026-03-03"}
        ranked = c.get("/api/v1/analytics/influencers", params=march, headers=fr).json()
        english = c.get("/api/v1/posts", params=scope).json()
    n = "\u202f"
    for said in (search["warnings"], volume["warnings"]):
        assert said[0] == f"«{n}and{n}» est cherché comme un mot{n}; écrivez AND pour l’opérateur"
        assert said[1].startswith(
            f"platform mastadon{n}: aucune source ne donne de publications de la plateforme "
            f"«{n}mastadon{n}»"
        ), said
        assert "n’est pas un code de langue" in said[2], said
    assert ranked["influencers"] and "score fondé sur" in ranked["influencers"][0]["why"]
    assert english["warnings"][0] == "'and' is searched as a word; write AND for the operator"
    assert "no source gives posts the platform 'mastadon'" in english["warnings"][1]


def test_an_alert_without_a_topic_or_query_says_what_to_give(api: Running) -> None:
    """POST /api/v1/alerts with only ``to`` said "alert 'alert' needs a topic or
    a query": a name the client never gave, and no hint."""
    with client(api) as c:
        r = c.post("/api/v1/alerts", json={"to": "mailto:a@example.org"})
        fr = c.post("/api/v1/alerts", json={"to": "mailto:a@example.org"},
                    headers={"Accept-Language": "fr"})  # fmt: skip
        both = c.post("/api/v1/alerts", json={"to": "mailto:a@example.org", "topic": "t",
                                              "query": "lumio"})  # fmt: skip
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "the alert has no topic or query to watch"
    assert "topic" in r.json()["error"]["hint"] and "'alert'" not in r.text
    assert fr.json()["error"]["message"] == "l’alerte n’a ni sujet ni requête à surveiller"
    assert both.status_code == 400 and both.json()["error"]["hint"]


def test_a_source_option_of_no_json_type_is_said_once(api: Running) -> None:
    """An option that is an object was five problems named with pydantic's
    types ('options.max_pages.list[str]: should be a list; …str: …'): one, for
    the field, in the client's language."""
    body = {"kind": "feeds", "target": "https://e.org/o.xml", "options": {"max_pages": {"a": 1}}}
    with client(api) as c:
        en = c.post("/api/v1/sources", json=body)
        fr = c.post("/api/v1/sources", json=body, headers={"Accept-Language": "fr"})
    assert en.status_code == 422
    assert en.json()["error"]["message"] == (
        "options.max_pages: should be a string, a number, true or false, or a list of strings"
    )
    assert fr.json()["error"]["message"] == (
        "options.max_pages\u202f: doit être une chaîne de caractères, un nombre, true ou false, "
        "ou une liste de chaînes"
    )


def test_a_topic_edited_through_the_api_answers_its_new_figures_at_once(api: Running) -> None:
    """The analytics kept a minute were kept by the topic's name: a client
    that changed a topic's query (or deleted it and made another of that
    name) was answered the old query's figures, for a minute and then, while
    new ones were read, up to ten. Kept figures now go with the topics'
    versions, as the dashboard's do."""
    period = "2026-02-27..2026-03-03"
    asked = {"topic": "probe", "period": period}
    with client(api) as c:
        assert c.post("/api/v1/topics", json={"name": "probe", "query": "lumio"}).status_code == 201
        try:
            first = c.get("/api/v1/analytics/breakdown", params={**asked, "by": "platform"})
            vol = c.get("/api/v1/analytics/volume", params=asked).json()
            voice = c.get("/api/v1/analytics/share-of-voice", params=asked).json()
            version = c.get("/api/v1/topics/probe").json()["version"]
            changed = c.put(
                "/api/v1/topics/probe", json={"query": "lumio AND nothing", "version": version}
            )
            assert changed.status_code == 200, changed.text
            again = c.get("/api/v1/analytics/breakdown", params={**asked, "by": "platform"})
            vol_again = c.get("/api/v1/analytics/volume", params=asked).json()
            voice_again = c.get("/api/v1/analytics/share-of-voice", params=asked).json()
        finally:
            c.delete("/api/v1/topics/probe")
    assert sum(s["posts"] for s in first.json()["shares"]) == 20
    assert sum(p["posts"] for p in vol["points"]) == 20
    assert [v["posts"] for v in voice["voices"]] == [20]
    assert again.json()["shares"] == [] or sum(s["posts"] for s in again.json()["shares"]) == 0
    assert sum(p["posts"] for p in vol_again["points"]) == 0
    assert [v["posts"] for v in voice_again["voices"]] == [0]
