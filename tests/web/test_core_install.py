"""What ``make demo`` installs (the core dependencies, no extra) serves
every page. The test run installs the extras, so a page that needs one of
them works here unless they are hidden: NetworkX's PageRank needed SciPy
(the ``bench`` extra), and the demo's influencers, reports and plan export
answered 500 until it was written in NumPy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.web.pages_data import seed

# The extras' modules (pyproject.toml: transformers, bench, clickhouse), and
# NetworkX, which veille no longer depends on.
EXTRAS = ("torch", "transformers", "tantivy", "perq", "scipy", "chdb", "clickhouse_connect",
          "networkx")  # fmt: skip

PAGES = (
    "/", "/stream?q=lumio", "/stream?q=lumio&sort=engagement", "/stream/export?q=lumio",
    "/topics", "/topics/lumio", "/topics/preview?query=lumio", "/alerts", "/sources",
    "/influencers", "/influencers?topic=lumio", "/trends", "/trends?topic=lumio", "/reports",
    "/reports?topic=lumio&period=last-7d", "/reports/download?period=last-7d&format=html",
    "/reports/download?period=last-7d&format=pdf", "/plan/start", "/plan/guidelines",
    "/plan/calendar", "/plan/export", "/plan/export?format=pdf", "/inbox", "/settings",
    "/users", "/audit",
)  # fmt: skip


def test_every_page_answers_without_the_extras(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from tests.web.conftest import add_role_users, do_login
    from veille.web.app import create_app
    from veille.workspace import init_workspace

    for name in EXTRAS:
        monkeypatch.setitem(sys.modules, name, None)  # importing it now fails
    root = init_workspace(tmp_path / "ws")
    seed(root)
    add_role_users(root)
    with TestClient(create_app(root)) as client:
        do_login(client, "admin")
        failed = {}
        for path in PAGES:
            answer = client.get(path)
            if answer.status_code != 200:
                failed[path] = answer.status_code
    assert failed == {}
