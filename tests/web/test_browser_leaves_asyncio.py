"""A test that runs an event loop of its own (``asyncio.run``) works after
the browser tests on the same worker: Playwright, started once per worker
and kept, keeps its loop marked as running on the thread it runs on, which
must not be the thread the other tests run on.

The two tests run in this order (a module's tests run in file order, on one
worker: ``make test`` passes ``--dist loadscope``); the second alone passes
whatever came before it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.web.browser import (
    browser_fixture,  # noqa: F401 (registers the browser fixture)
    needs_chromium,
)

pytestmark = [pytest.mark.browser, needs_chromium]


def test_a_browser_page_shows_what_it_was_given(browser: Any) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<p id=said>bonjour</p>")
        assert page.locator("#said").inner_text() == "bonjour"
    finally:
        context.close()


def test_a_test_after_the_browser_runs_its_own_event_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42
    with pytest.raises(RuntimeError):  # nothing is marked running here
        asyncio.get_running_loop()
