"""A manager who builds the plan piece by piece on /plan/edit (a KPI, the
spokesperson) before writing an objective reads it on /plan, as the
viewer does; only a plan with nothing in it sends them to the guided start."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx

from tests.web.conftest import Served, csrf_from

Login = Callable[..., httpx.Response | None]


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_manager_reads_the_kpis_and_people_added_before_any_objective(
    own_server: Served, login: Login
) -> None:
    with httpx.Client(base_url=own_server.url, timeout=30) as manager:
        login(manager, "manager")
        empty = manager.get("/plan")
        assert empty.status_code == 303 and empty.headers["location"] == "/plan/start"
        token = csrf_from(manager.get("/plan/edit").text)
        kpi = {"csrf_token": token, "name": "reply-time", "kind": "first_response",
               "target": "60", "period_days": "30"}  # fmt: skip
        assert manager.post("/plan/kpis", data=kpi).status_code == 303
        person = {"csrf_token": token, "username": "analyst", "role": "spokesperson"}
        assert manager.post("/plan/people", data=person).status_code == 303
        page = manager.get("/plan")
        assert page.status_code == 200, page.headers.get("location")
        words = _words(page.text)
        assert "reply-time" in words and "Inbox first-response time" in words
        assert "analyst" in words and "No objective yet." in words
