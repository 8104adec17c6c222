"""Playwright fixtures over Debian's chromium, and what every browser test
checks on every page it opens.

Imported by the ``test_browser_*.py``, ``test_xss.py`` and axe tests::

    from tests.web.browser import browser_fixture, watched_fixture  # the fixtures

The tests are marked ``browser`` and skipped, saying why, where
``/usr/bin/chromium`` is missing (``.ci/run`` installs it).

Playwright's sync API keeps its event loop marked as running on the thread
that started it, between its calls too, for as long as it runs; started on
the main thread, it would leave every later test of the worker unable to
``asyncio.run``. It runs on a thread of its own instead (:func:`driver_thread`),
and each test that uses the ``browser`` fixture runs there whole, its
fixtures' set-up and tear-down included (:func:`run_on_driver_thread`, called
by ``tests/web/conftest.py``); every other test runs on the main thread,
where no loop is left running. A module's or the session's fixture may thus
be made or ended on either thread (the session's end comes with the last
test of the worker): theirs are processes, servers on threads of their own,
environment variables and SQLite connections opened for any thread.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = os.environ.get("VEILLE_CHROMIUM", "/usr/bin/chromium")
# Headless and quiet: no sandbox (CI runs as root in a container), no GPU, and
# nothing that calls the network on its own (updates, sync, safe browsing).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

needs_chromium = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)),
    reason=f"no chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium), "
    "as .ci/run does, or point VEILLE_CHROMIUM at one",
)

# Watches the page for what a script could do: every securitypolicyviolation
# event is recorded (added through the DevTools protocol, which the page's CSP
# does not govern).
_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


# Resolves once two frames are drawn and the tasks queued meanwhile have run.
_AFTER_FRAMES = """
() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
  () => setTimeout(done, 0))))
"""


@dataclass
class Incidents:
    """What went wrong in a page that no test should accept."""

    dialogs: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.dialogs.clear()
        self.csp.clear()
        self.errors.clear()
        self.failed.clear()


_BROWSER = pytest.StashKey[Any]()
_DRIVER = pytest.StashKey[ThreadPoolExecutor]()
_DRIVER_NAME = "playwright-driver"


def driver_thread(config: pytest.Config) -> ThreadPoolExecutor:
    """The one thread of this process (an xdist worker) on which Playwright
    runs and the browser tests with it: its sync API's objects answer only
    on the thread that started it (they switch greenlets, which stay on
    their thread). Kept until the run ends, as the browser is."""
    if _DRIVER not in config.stash:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_DRIVER_NAME)
        config.stash[_DRIVER] = pool
        config.add_cleanup(pool.shutdown)  # after the browser's own (cleanups run last-in first)
    return config.stash[_DRIVER]


def run_on_driver_thread(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """What ``pytest_runtest_protocol`` does for a test that uses the
    ``browser`` fixture, on the driver thread (:func:`driver_thread`): its
    set-up, call and tear-down, each reported as usual. None for any other
    test, which pytest then runs on the main thread."""
    if "browser" not in item.fixturenames:
        return None
    # pytest's own protocol, as plugins that run a test their way call it
    # (pytest-rerunfailures): only the thread differs.
    from _pytest.runner import runtestprotocol

    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    driver_thread(item.config).submit(runtestprotocol, item, nextitem=nextitem).result()
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


@pytest.fixture(scope="session", name="browser")
def browser_fixture(request: pytest.FixtureRequest) -> Any:
    """One chromium for the whole run. Each test module imports this fixture,
    which makes one fixture per module: they share the browser through the
    run's stash, since a second Playwright cannot start beside the first."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install chromium (as .ci/run does)")
    if not threading.current_thread().name.startswith(_DRIVER_NAME):
        # (a test that asks for it by getfixturevalue, which the hook cannot see)
        pytest.fail(
            "the browser fixture runs only on the Playwright driver thread: name it among "
            "the test's arguments, and run it under tests/web (its conftest.py moves it there)"
        )
    stash = request.config.stash
    if _BROWSER not in stash:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        b = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

        def stop() -> None:
            b.close()
            driver.stop()

        pool = driver_thread(request.config)
        request.config.add_cleanup(lambda: pool.submit(stop).result())
        stash[_BROWSER] = b
    return stash[_BROWSER]


class WatchedPage:
    """A page plus what it did wrong (dialogs, CSP reports, script errors)."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.page = context.new_page()
        self.incidents = Incidents()
        page = self.page
        page.set_default_timeout(15_000)
        # A page's first answer computes its charts; a loaded CI machine is slow.
        page.set_default_navigation_timeout(90_000)
        page.add_init_script(_WATCH)

        def on_dialog(dialog: Any) -> None:
            self.incidents.dialogs.append(f"{dialog.type}: {dialog.message} at {page.url}")
            dialog.dismiss()

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                text = msg.text
                if "Content Security Policy" in text or "Content-Security-Policy" in text:
                    self.incidents.csp.append(f"{page.url}: {text}")
                elif text.startswith("Failed to load resource"):
                    pass  # judged on the response itself (on_response): it names the URL
                else:
                    self.incidents.errors.append(f"{page.url}: {text}")

        def on_response(response: Any) -> None:
            url = response.url
            broken_asset = response.status >= 400 and "/static/" in url
            if response.status >= 500 or broken_asset:
                self.incidents.failed.append(f"{response.status} {url} (from {page.url})")

        # Requests in flight, for settle(): an event stream never finishes by
        # design (the stream page's live updates), so it is not counted.
        self._pending: set[Any] = set()

        def on_request(request: Any) -> None:
            if request.resource_type != "eventsource":
                self._pending.add(request)

        def on_done(request: Any) -> None:
            self._pending.discard(request)

        page.on("request", on_request)
        page.on("requestfinished", on_done)
        page.on("requestfailed", on_done)
        page.on("dialog", on_dialog)
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.incidents.errors.append(f"{page.url}: {exc}"))

    def settle(self) -> None:
        """Until the loaded page has done what it does by itself: its own
        requests answered (a count fetched after the page shows) and the
        tasks and frames after load run (where autofocus moves the focus
        and ``toggle`` fires). Awaited, rather than Playwright's network
        idle, which always waits 500 ms more, on every page."""
        import time

        page = self.page
        give_up = time.monotonic() + 60  # a request that never ends is named, not waited on forever
        for _ in range(3):  # a request may start from what the last one brought
            while self._pending:
                still = [r.url for r in self._pending]
                assert time.monotonic() < give_up, f"still loading: {still}"
                page.wait_for_timeout(20)  # Playwright delivers its events meanwhile
            page.evaluate(_AFTER_FRAMES)
            page.wait_for_timeout(0)
            if not self._pending:
                return

    def csp_reports(self) -> list[str]:
        """The securitypolicyviolation events of the current document."""
        try:
            found = self.page.evaluate("window.__csp || []")
        except Exception:  # the page is navigating away
            return []
        return [str(x) for x in found]


@pytest.fixture(name="watched")
def watched_fixture(browser: Any) -> Iterator[WatchedPage]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    try:
        yield WatchedPage(context)
    finally:
        context.close()


# axe-core run in the page, its violations of the given impacts only, each
# with its first three offending elements: what the tests print, rather than
# every rule's result sent back over the protocol (about 50 KB a page).
_AXE_RUN = """
async (impacts) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => (n.target || []).join(', ')),
  }));
}
"""


def with_axe(context: Any) -> Any:
    """``context`` with axe-core in every document it opens (an init script,
    which the pages' CSP does not govern), so that a sweep over many pages
    does not send axe's 560 KB through the protocol again for each one."""
    from axe_playwright_python.base import AXE_SCRIPT

    context.add_init_script(AXE_SCRIPT)
    return context


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """The axe-core violations of ``impacts`` on the page, one line each
    (rule, impact, the first offending elements); axe is put in the page
    first unless its context has it (:func:`with_axe`)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        from axe_playwright_python.base import AXE_SCRIPT

        page.evaluate(AXE_SCRIPT)
    found = page.evaluate(_AXE_RUN, list(impacts))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['targets'])}" for v in found]


def sign_in(wp: WatchedPage, base: str, username: str, password: str) -> None:
    """Through the login form, as a person does."""
    page = wp.page
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    assert "/login" not in page.url, f"still on the login page: {page.content()[:500]}"


def assert_clean(wp: WatchedPage) -> None:
    """No dialog opened, no CSP violation, no script error on the pages seen."""
    wp.incidents.csp.extend(wp.csp_reports())
    found = wp.incidents
    assert not found.dialogs, f"a dialog opened: {found.dialogs}"
    assert not found.csp, f"Content-Security-Policy violations: {found.csp}"
    assert not found.errors, f"script errors: {found.errors}"
    assert not found.failed, f"failed requests: {found.failed}"
