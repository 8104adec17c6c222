"""The presence plan and its content calendar over the REST API, on a real
server on loopback: the plan's KPIs as the plan page judges them, the
calendar written through the same service as ``veille calendar`` (its
refusals, its roles, its words in French)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_post
from tests.web.server import Running, add_role_users, serve

NOW = datetime.now(UTC).replace(microsecond=0)
# A Monday well ahead, so that every post of a test is to come and its week known.
MONDAY = (NOW + timedelta(days=70 - NOW.weekday())).date()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from veille.plan.channels import set_channel
    from veille.plan.kpis import add_kpi
    from veille.plan.objectives import add_objective
    from veille.publish import add_account
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(Path(tmp_path_factory.mktemp("plan-api")) / "ws")
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        ws.posts.upsert_posts(
            [
                make_post(f"p{i}", f"Lumio fibre news {i}", published_at=NOW - timedelta(days=i))
                for i in range(12)
            ]
        )
        add_topic(ws.store, "lumio", "lumio")
        add_objective(ws.state, "Be heard", "awareness", owner="manager", topics="lumio",
                      channels="mastodon")  # fmt: skip
        add_kpi(ws, "mentions", "mentions", 500, topic="lumio", objective="Be heard",
                deadline=(NOW + timedelta(days=90)).date())  # fmt: skip
        set_channel(ws.state, "mastodon", posts_per_week=2, owner="analyst",
                    objectives="Be heard")  # fmt: skip
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:API_MASTO_TOKEN")  # fmt: skip
    with serve(root) as server:
        server.tokens = tokens
        yield server


def client(api: Running, role: str = "analyst", lang: str = "en") -> httpx.Client:
    headers = {"Authorization": f"Bearer {api.tokens[role]}", "Accept-Language": lang}
    return httpx.Client(base_url=api.url, headers=headers, timeout=30)


def _error(answer: httpx.Response) -> dict[str, Any]:
    return answer.json()["error"]  # type: ignore[no-any-return]


def _at(days: int, hour: int = 9) -> str:
    return f"{MONDAY + timedelta(days=days)} {hour:02d}:00"


def test_the_plan_reads_its_kpis_as_the_plan_page_judges_them(api: Running) -> None:
    from veille.plan.status import reports
    from veille.workspace import Workspace

    with client(api, "viewer") as c:
        plan = c.get("/api/v1/plan").json()
        french = c.get("/api/v1/plan", headers={"Accept-Language": "fr"}).json()
    with Workspace.open(api.root) as ws:
        [judged] = reports(ws)
    [objective] = plan["objectives"]
    assert objective["name"] == "Be heard" and objective["owner"] == "manager"
    assert objective["topics"] == ["lumio"] and objective["channels"] == ["mastodon"]
    [kpi] = plan["kpis"]
    assert kpi["objective"] == "Be heard" and kpi["target"] == 500
    assert kpi["value"] == judged.value == 12  # the twelve posts of the last 30 days
    assert kpi["status"] == judged.status and kpi["reason"] == judged.reason("en")
    assert kpi["status_label"] == kpi["status"].replace("_", " ")
    assert french["kpis"][0]["reason"] == judged.reason("fr") != kpi["reason"]
    assert french["kpis"][0]["kind_label"] == "Mentions d’un sujet"
    [channel] = plan["channels"]
    assert channel["platform"] == "mastodon" and channel["owner"] == "analyst"
    assert channel["posts_per_week"] == 2


def test_a_post_scheduled_through_the_api_is_in_the_calendar_cli_lists(api: Running) -> None:
    from veille.publish.calendar import list_entries
    from veille.workspace import Workspace

    with client(api) as c:
        made = c.post(
            "/api/v1/calendar", json={"account": "masto", "text": "Bientôt #Lumio", "at": _at(0)}
        )
        assert made.status_code == 201
        post = made.json()
        assert made.headers["location"] == f"/api/v1/calendar/{post['id']}"
        assert post["status"] == "scheduled" and post["created_by"] == "analyst"
        assert post["at"].startswith(f"{MONDAY}T09:00:00") and post["warnings"] == []
        assert c.get(f"/api/v1/calendar/{post['id']}").json()["text"] == "Bientôt #Lumio"
        changed = c.patch(f"/api/v1/calendar/{post['id']}", json={"text": "Demain #Lumio"})
        assert changed.status_code == 200 and changed.json()["text"] == "Demain #Lumio"
    with Workspace.open(api.root) as ws:
        listed = [e for e in list_entries(ws.state) if e.id == post["id"]]
    assert [(e.account, e.text, e.created_by) for e in listed] == [
        ("masto", "Demain #Lumio", "analyst")
    ]
    with client(api) as c:
        assert c.delete(f"/api/v1/calendar/{post['id']}").status_code == 204
        gone = c.get(f"/api/v1/calendar/{post['id']}")
    assert gone.status_code == 404 and "GET /api/v1/calendar" in _error(gone)["hint"]


def test_the_list_filters_by_period_account_platform_and_status(api: Running) -> None:
    with client(api) as c:
        ids = [
            c.post("/api/v1/calendar",
                   json={"account": "masto", "text": f"Semaine {n} #Lumio", "at": _at(7 * n)}
                   ).json()["id"]
            for n in (3, 4)
        ]  # fmt: skip
        week = c.get(
            "/api/v1/calendar",
            params={
                "from": str(MONDAY + timedelta(days=28)),
                "to": str(MONDAY + timedelta(days=28)),
            },
        )
        assert [p["id"] for p in week.json()] == [ids[1]]  # a date "to" includes its day
        mine = {
            p["id"]
            for p in c.get(
                "/api/v1/calendar", params={"account": "masto", "platform": "mastodon"}
            ).json()
        }
        assert set(ids) <= mine
        assert c.get("/api/v1/calendar", params={"platform": "bluesky"}).json() == []
        drafts = c.get("/api/v1/calendar", params={"status": "draft"}).json()
        assert not {p["id"] for p in drafts} & set(ids)
        wrong = c.get("/api/v1/calendar", params={"status": "sheduled"})
        assert wrong.status_code == 400
        assert "'sheduled'" in _error(wrong)["message"] and "'scheduled'" in _error(wrong)["hint"]
        backwards = c.get("/api/v1/calendar", params={"from": "2031-02-01", "to": "2031-01-01"})
        assert backwards.status_code == 400 and "Give an end after the start" in backwards.text
        for i in ids:
            c.delete(f"/api/v1/calendar/{i}")


def test_a_time_past_is_refused_unless_past_ok_in_the_callers_language(api: Running) -> None:
    past = (NOW - timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    body = {"account": "masto", "text": "Trop tard", "at": past}
    with client(api) as c:
        refused = c.post("/api/v1/calendar", json=body)
        assert refused.status_code == 400
        said = _error(refused)
        assert said["code"] == "invalid_input"
        assert f"time (at) {past} is past" in said["message"]
        assert '"past_ok": true' in said["hint"] and "--yes" not in said["hint"]
        french = c.post("/api/v1/calendar", json=body, headers={"Accept-Language": "fr"})
        assert french.headers["content-language"] == "fr"
        assert f"l’heure (at) {past} est passée" in _error(french)["message"]
        assert _error(french)["hint"].startswith("Donnez une heure à venir, ou envoyez")
        assert (
            c.get("/api/v1/calendar", params={"status": "scheduled", "to": past[:10]}).json() == []
        )  # fmt: skip (nothing saved)
        allowed = c.post("/api/v1/calendar", json={**body, "past_ok": True})
        assert allowed.status_code == 201
        # A new time is checked when changed, as when made.
        moved = c.patch(f"/api/v1/calendar/{allowed.json()['id']}", json={"at": past})
        assert moved.status_code == 400 and "past_ok" in _error(moved)["hint"]
        c.delete(f"/api/v1/calendar/{allowed.json()['id']}")


def test_bad_input_names_the_field_and_what_to_do(api: Running) -> None:
    with client(api, lang="fr") as c:
        unknown = c.post("/api/v1/calendar", json={"account": "mastoo", "text": "x", "at": _at(1)})
        assert unknown.status_code == 404
        assert "«\u202fmastoo\u202f»" in _error(unknown)["message"]
        assert "«\u202fmasto\u202f»" in _error(unknown)["hint"]  # the one meant
        empty = c.post("/api/v1/calendar", json={"account": "masto", "text": " ", "at": _at(1)})
        assert empty.status_code == 400 and _error(empty)["message"] == "la publication est vide"
        not_a_time = c.post("/api/v1/calendar",
                            json={"account": "masto", "text": "x", "at": "demain"})  # fmt: skip
        assert not_a_time.status_code == 400 and "demain" in _error(not_a_time)["message"]
        missing = c.post("/api/v1/calendar", json={"account": "masto", "text": "x"})
        assert missing.status_code == 422 and "at" in _error(missing)["message"]
        extra = c.post(
            "/api/v1/calendar", json={"account": "masto", "text": "x", "at": _at(1), "when": _at(1)}
        )
        assert extra.status_code == 422 and "when" in _error(extra)["message"]
        nothing = c.patch("/api/v1/calendar/999999", json={"text": "x"})
        assert nothing.status_code == 404 and "n°\u202f999999" in _error(nothing)["message"]


def test_a_week_over_the_channel_plan_is_said_and_saved_all_the_same(api: Running) -> None:
    with client(api) as c:
        made = [
            c.post("/api/v1/calendar",
                   json={"account": "masto", "text": f"Lancement {d} #Lumio", "at": _at(14 + d)})
            for d in range(3)
        ]  # fmt: skip
        french = c.patch(f"/api/v1/calendar/{made[2].json()['id']}", json={"text": "Encore"},
                         headers={"Accept-Language": "fr"})  # fmt: skip
        ids = [m.json()["id"] for m in made]
        for i in ids:
            c.delete(f"/api/v1/calendar/{i}")
    assert [m.status_code for m in made] == [201, 201, 201]
    assert made[0].json()["warnings"] == made[1].json()["warnings"] == []
    [warning] = made[2].json()["warnings"]
    week = str(MONDAY + timedelta(days=14))
    assert f"the week of {week} now holds 3 posts on Mastodon" in warning
    assert "the 2 a week the channel plan sets" in warning
    [said] = french.json()["warnings"]
    assert f"la semaine du {week} compte maintenant 3 publications sur Mastodon" in said


def test_who_may_read_and_write_the_calendar_is_who_may_on_its_page(api: Running) -> None:
    body = {"account": "masto", "text": "Rôles", "at": _at(2)}
    with client(api, "viewer") as c:
        assert c.get("/api/v1/plan").status_code == 200
        listed = c.get("/api/v1/calendar")
        written = c.post("/api/v1/calendar", json=body, headers={"Accept-Language": "fr"})
    assert listed.status_code == 403
    assert _error(listed)["message"] == "your role is viewer; this needs the analyst role"
    assert written.status_code == 403 and "analyste" in _error(written)["message"]
    with client(api, "analyst") as c:
        post = c.post("/api/v1/calendar", json=body).json()
        refused = c.post(f"/api/v1/calendar/{post['id']}/approve")
    assert refused.status_code == 403 and "manager" in _error(refused)["message"]
    with client(api, "manager") as c:
        # Scheduled (this workspace needs no approval): nothing to approve, 409.
        scheduled = c.post(f"/api/v1/calendar/{post['id']}/approve")
        assert scheduled.status_code == 409 and _error(scheduled)["code"] == "conflict"
        assert _error(scheduled)["message"] == (
            f"calendar post #{post['id']} is scheduled: it is not waiting for approval"
        )
        french = c.post(f"/api/v1/calendar/{post['id']}/approve", headers={"Accept-Language": "fr"})
        assert "à l’état «\u202fprogrammé\u202f»" in _error(french)["message"]
        from veille.workspace import Workspace

        with Workspace.open(api.root) as ws:  # saved where approval is required
            ws.state.update_calendar_entry(post["id"], status="draft")
        approved = c.post(f"/api/v1/calendar/{post['id']}/approve")
        assert approved.status_code == 200
        assert approved.json()["status"] == "approved"
        assert approved.json()["approved_by"] == "manager"
        c.delete(f"/api/v1/calendar/{post['id']}")
    with httpx.Client(base_url=api.url, timeout=30) as anonymous:
        assert anonymous.get("/api/v1/calendar").status_code == 401
        assert anonymous.get("/api/v1/plan").status_code == 401


def test_the_openapi_document_lists_the_plan_and_the_calendar(api: Running) -> None:
    paths = httpx.get(api.url + "/api/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/plan"]
    assert {"get", "post"} <= set(paths["/api/v1/calendar"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/calendar/{entry_id}"])
    assert "post" in paths["/api/v1/calendar/{entry_id}/approve"]


def test_the_docs_say_what_each_calendar_status_means(api: Running) -> None:
    """A client filtering the calendar by ``status`` read « Only these
    statuses (repeatable). » with no word of which there are: the filter and
    the field now name each code and what it means, in the OpenAPI document
    and on ``/api/docs``."""
    from veille.publish.calendar import STATUSES

    doc = httpx.get(api.url + "/api/openapi.json").json()
    (param,) = [p for p in doc["paths"]["/api/v1/calendar"]["get"]["parameters"]
                if p["name"] == "status"]  # fmt: skip
    field = doc["components"]["schemas"]["CalendarPostOut"]["properties"]["status"]
    page = html.unescape(httpx.get(api.url + "/api/docs").text)
    for said in (param["description"], field["description"], page):
        for code in STATUSES:
            assert f"{code} (" in said, (code, said[:300])
        assert "draft (it breaks a rule, or waits for a manager's approval)" in said
        assert "failed (the platform refused it (error says why)" in said


def test_the_calendar_over_the_api_on_either_state_store(tmp_path: Path, state_kind: str) -> None:
    """The same calls on a workspace whose state is in SQLite or in
    PostgreSQL: made, filtered by account and week, over the plan, listed
    by the service ``veille calendar list`` reads."""
    from tests.conftest import init_state_workspace
    from veille.plan.channels import set_channel
    from veille.publish import add_account
    from veille.publish.calendar import list_entries
    from veille.workspace import Workspace

    root = init_state_workspace(tmp_path / "ws", state_kind)
    tokens = add_role_users(root)
    with Workspace.open(root) as ws:
        for name in ("a", "b"):
            add_account(ws.state, name, "mastodon", "https://mastodon.example", secret="env:X")
        set_channel(ws.state, "mastodon", posts_per_week=1)
    headers = {"Authorization": f"Bearer {tokens['analyst']}"}
    with serve(root) as app, httpx.Client(base_url=app.url, headers=headers, timeout=30) as c:
        first = c.post("/api/v1/calendar", json={"account": "a", "text": "Un", "at": _at(0)})
        second = c.post("/api/v1/calendar", json={"account": "b", "text": "Deux", "at": _at(1)})
        of_b = c.get("/api/v1/calendar", params={"account": "b", "from": str(MONDAY)}).json()
    assert first.json()["warnings"] == [] and len(second.json()["warnings"]) == 1
    assert [p["text"] for p in of_b] == ["Deux"]
    with Workspace.open(root) as ws:
        assert [(e.account, e.text) for e in list_entries(ws.state)] == [("a", "Un"), ("b", "Deux")]


def test_the_calendar_page_says_the_week_over_the_plan_as_the_api_does(tmp_path: Path) -> None:
    """The page's save says what the API's ``warnings`` say, in the
    reader's language, and saves the post all the same."""
    import html

    from tests.web.conftest import csrf_from
    from veille.plan.channels import set_channel
    from veille.publish import add_account
    from veille.web.deps import SESSION_COOKIE
    from veille.workspace import Workspace, init_workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example", secret="env:X")
        set_channel(ws.state, "mastodon", posts_per_week=1)
    with serve(root) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        c.cookies.set(SESSION_COOKIE, app.session("analyst"))
        said = []
        for day, lang in ((0, "en"), (1, "en"), (2, "fr")):
            c.cookies.set("veille_lang", lang)
            token = csrf_from(c.get("/plan/calendar").text)
            form = {"csrf_token": token, "account": "masto", "text": f"Jour {day}",
                    "at": _at(day).replace(" ", "T"), "action": "save"}  # fmt: skip
            saved = c.post("/plan/calendar", data=form)
            assert saved.status_code == 303
            said.append(html.unescape(c.get("/plan/calendar").text))
    assert "Note:" not in said[0]
    assert f"Post #2 saved. Note: the week of {MONDAY} now holds 2 posts on Mastodon" in said[1]
    assert "(/plan/edit#channels)" in said[1]  # the page's own words for where
    assert f"Attention\u202f: la semaine du {MONDAY} compte maintenant 3 publications" in said[2]
