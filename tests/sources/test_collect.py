"""Collection end to end against the simulator: cursors, 304s, quarantine,
health and back-off, a contract over every registered source, and a collect
killed with SIGKILL then restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.config import HttpSettings
from veille.http import HttpClient
from veille.pipeline.collect import collect, dry_run, retry_quarantine
from veille.services.sources import add_source, get_source_record, health, quarantined
from veille.sim.feeds import author_feed_path
from veille.sim.server import Reply, Route, Simulator
from veille.sources.base import Source, registry
from veille.workspace import Workspace


def client() -> HttpClient:
    return HttpClient(HttpSettings(allow_private_networks=True, max_retries=2), backoff_base=0.01)


def test_contract_every_registered_source() -> None:
    sources = registry()
    assert "feeds" in sources
    for kind, src in sources.items():
        assert isinstance(src, Source) and src.name == kind and src.platform
        assert src.target_help, f"{kind} needs a target_help line"
        assert src.default_every >= 10


def test_collect_stores_then_answers_304(workspace: Workspace, sim: Simulator) -> None:
    world = sim.world
    handle = max(world.authors("mastodon"), key=lambda h: len(world.by_author[("mastodon", h)]))
    url = sim.url("mastodon", author_feed_path("mastodon", handle))
    add_source(workspace.store, "feeds", url, name="m", options={"max_pages": "10"})
    http = client()
    (first,) = collect(workspace, http=http)
    expected = world.visible(platform="mastodon", author=handle)
    assert first.ok and first.new_posts == len(expected) > 0
    assert workspace.store.count_posts() == len(expected)
    stored = workspace.store.get_posts([f"mastodon:{p.url}" for p in expected])
    assert len(stored) == len(expected) and all(p.source == "m" for p in stored)
    before = sim.host("mastodon").statuses.get(304, 0)
    (second,) = collect(workspace, http=http, force=True)
    assert second.ok and second.new_posts == 0
    assert sim.host("mastodon").statuses.get(304, 0) == before + 1
    (h,) = health(workspace.store, "m")
    assert h.last_success is not None and h.consecutive_failures == 0 and h.quota_left is not None


def test_bad_item_is_quarantined_and_the_rest_stored(
    workspace: Workspace, sim: Simulator, tmp_path: Path
) -> None:
    body = (Path(__file__).parents[1] / "fixtures" / "feeds" / "wordpress_rss2.xml").read_text()
    sim.add_host("blog", [Route("GET", r"/feed/", lambda r: Reply.xml(body))]).start()
    add_source(workspace.store, "feeds", sim.url("blog", "/feed/"), name="blog")
    (run,) = collect(workspace, http=client())
    assert run.ok and run.new_posts == 1 and run.quarantined == 1
    (item,) = quarantined(workspace.store, "blog")
    assert "neither a title nor any text" in item.error
    assert item.raw["key"] == "https://blog.lumio.example/?p=813"
    # Retrying with the same code keeps it quarantined, with its error.
    assert retry_quarantine(workspace) == (0, 1)


def test_entries_sharing_one_guid_are_each_stored(workspace: Workspace, sim: Simulator) -> None:
    # A CMS that gives every item the site's address as its guid: keyed by
    # that id alone, the second and third were taken for the first and dropped.
    body = (Path(__file__).parents[1] / "fixtures" / "feeds" / "rss_shared_guid.xml").read_text()
    sim.add_host("agence", [Route("GET", r"/rss", lambda r: Reply.xml(body))]).start()
    add_source(workspace.store, "feeds", sim.url("agence", "/rss"), name="agence")
    http = client()
    (run,) = collect(workspace, http=http)
    assert run.ok and run.new_posts == 3
    assert workspace.store.get_post("rss:https://agence.example/actus/2") is not None
    # Read again, they are known: nothing new.
    (again,) = collect(workspace, http=http, force=True)
    assert again.ok and again.new_posts == 0 and workspace.store.count_posts() == 3


def test_failing_source_backs_off_and_does_not_stop_others(
    workspace: Workspace, sim: Simulator
) -> None:
    sim.add_host("broken", [Route("GET", r"/feed", lambda r: Reply.xml("<html>not a feed"))])
    sim.host("broken").start()
    add_source(workspace.store, "feeds", sim.url("broken", "/feed"), name="broken", every="60s")
    add_source(workspace.store, "feeds", "http://10.9.9.9/feed", name="private")
    handle = sim.world.authors("rss")[0]
    add_source(
        workspace.store, "feeds", sim.url("news", author_feed_path("news", handle)), name="ok"
    )
    results = {r.source: r for r in collect(workspace, http=client())}
    assert results["ok"].ok and results["ok"].new_posts > 0
    assert not results["broken"].ok and "not a readable feed" in (results["broken"].error or "")
    h = {x.source: x for x in health(workspace.store)}
    assert h["broken"].consecutive_failures == 1 and "not a readable feed" in h["broken"].last_error
    first_due = h["broken"].next_due
    collect(workspace, http=client(), names=["broken"])
    h2 = {x.source: x for x in health(workspace.store)}["broken"]
    assert h2.consecutive_failures == 2 and h2.next_due > first_due  # exponential back-off
    # The private address is refused in deny mode and says why.
    deny = HttpClient(HttpSettings(allow_private_networks=False))
    (p,) = collect(workspace, http=deny, names=["private"])
    assert not p.ok and "10.9.9.9" in (p.error or "")


def test_rate_limited_host_is_retried(workspace: Workspace, sim: Simulator) -> None:
    handle = sim.world.authors("bluesky")[0]
    add_source(workspace.store, "feeds", sim.url("bluesky", author_feed_path("bluesky", handle)))
    sim.host("bluesky").faults.rate_limit_next = 2
    (run,) = collect(workspace, http=client())
    assert run.ok and run.new_posts > 0


def test_malformed_body_is_reported(workspace: Workspace, sim: Simulator) -> None:
    handle = sim.world.authors("reddit")[0]
    add_source(workspace.store, "feeds", sim.url("reddit", author_feed_path("reddit", handle)))
    sim.host("reddit").faults.malformed = True
    try:
        (run,) = collect(workspace, http=client())
    finally:
        sim.host("reddit").faults.malformed = False
    # feedparser salvages one empty entry from the garbage: it is quarantined
    # with its payload, nothing is stored, and the source itself stays healthy.
    assert run.quarantined == 1 and workspace.store.count_posts() == 0
    (item,) = quarantined(workspace.store)
    assert "neither a title nor any text" in item.error and "entry" in item.raw


def test_source_test_stores_nothing(workspace: Workspace, sim: Simulator) -> None:
    handle = sim.world.authors("youtube")[0]
    rec = add_source(
        workspace.store, "feeds", sim.url("youtube", author_feed_path("youtube", handle))
    )
    result = dry_run(get_source_record(workspace.store, rec.name), client())
    assert result.posts and all(p.platform == "youtube" for p in result.posts)
    assert workspace.store.count_posts() == 0


_CHILD = """
import sys
from dataclasses import replace
from veille.http import HttpClient
from veille.pipeline.collect import collect
from veille.workspace import Workspace
ws = Workspace.open(sys.argv[1])
settings = replace(ws.settings.http, allow_private_networks=True)
print("started", flush=True)
collect(ws, http=HttpClient(settings))
print("finished", flush=True)
"""


def test_collect_killed_with_sigkill_loses_nothing(workspace: Workspace, sim: Simulator) -> None:
    world = sim.world
    add_source(
        workspace.store,
        "feeds",
        sim.url("mastodon", "/feeds/all.atom"),
        name="firehose",
        options={"max_pages": "1000", "platform": "mastodon"},
    )
    expected = {f"mastodon:{p.url}" for p in world.visible(platform="mastodon")}
    assert len(expected) > 60
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    db = workspace.db_path
    host = sim.host("mastodon")
    # Slow pages, a second apart: the kill lands mid-collection even when the
    # child's first commit waits for its enrichment models to load.
    host.faults.delay_seconds = 1.0
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(workspace.root)], env=env, stdout=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        import sqlite3

        stored = 0
        while time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
            with sqlite3.connect(db) as conn:
                stored = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
            if stored > 0:
                break
        assert child.poll() is None, "collect finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert 0 < stored < len(expected)
    finally:
        host.faults.delay_seconds = 0
    rerun = subprocess.run(
        [sys.executable, "-c", _CHILD, str(workspace.root)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()
    import sqlite3

    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM posts")]
    assert len(ids) == len(set(ids))
    # Syndicated copies share a URL and are folded into one stored post.
    merged = {f"mastodon:{p.url}" for p in world.visible(platform="mastodon")}
    by_url: dict[Any, set[str]] = {}
    for p in world.visible(platform="mastodon"):
        by_url.setdefault(p.canonical_url, set()).add(f"mastodon:{p.url}")
    assert len(ids) == len(by_url)
    assert set(ids) <= merged


def test_a_broken_page_in_a_walk_is_read_again_and_nothing_is_skipped(
    workspace: Workspace, sim: Simulator
) -> None:
    """A page deep in a feed's history that comes back malformed once (a proxy
    hiccup) must not end the walk as if it were the last page: the posts on
    the pages after it would never be read (found by the soak)."""
    from veille.sim.feeds import _firehose

    real = _firehose("mastodon")
    left = {"broken": 1}

    def flaky(req: Any) -> Reply:
        if req.arg("page") == "2" and left["broken"]:
            left["broken"] -= 1
            return Reply.xml("<?xml version='1.0'?><rss><channel><item><title>broken &&& <<")
        return real(req)

    sim.add_host("flaky", [Route("GET", r"/feeds/all\.atom", flaky)]).start()
    add_source(
        workspace.store,
        "feeds",
        sim.url("flaky", "/feeds/all.atom"),
        name="flaky",
        options={"max_pages": "1000", "platform": "mastodon"},
    )
    (first,) = collect(workspace, http=client())
    assert not first.ok and "not well-formed" in (first.error or "")
    assert first.new_posts > 0
    (second,) = collect(workspace, http=client(), force=True)
    assert second.ok, second.error
    canonical = {p.canonical_url for p in sim.world.visible(platform="mastodon")}
    assert workspace.store.count_posts() == len(canonical)


def test_a_walk_resumed_after_new_posts_pushed_its_pages_down_misses_nothing() -> None:
    """A firehose is paged from the newest post. A walk cut short after four
    pages (a crash) resumes at page 5, but by then new posts have pushed the
    unread items further down: page 5 holds items already read. The walk must
    read on until it finds the unread ones (the crash test lost 235 posts)."""
    from datetime import timedelta

    from veille.sim.generate import SimConfig
    from veille.sim.server import SimClock, SimWorld
    from veille.sources.feeds import FeedsSource

    start = datetime(2026, 10, 1, tzinfo=UTC)
    cfg = SimConfig(seed=3, days=3, end=start + timedelta(days=1), posts_per_day=900,
                    spike_day=1, spike_posts=10)  # fmt: skip
    world = SimWorld.generate(cfg, SimClock(start))
    src = FeedsSource()
    with Simulator(world) as sim:
        config = src.config_from_target(
            sim.url("mastodon", "/feeds/all.atom"), {"max_pages": "1000", "platform": "mastodon"}
        )
        http = client()
        walk = src.collect(config, None, http)
        seen: set[str] = set()
        for _ in range(4):  # four pages are committed, then the process dies
            first = next(walk)
            seen |= {item["key"] for item in first.items}
        walk.close()
        assert first.cursor.get("resume")
        world.clock.advance(timedelta(hours=20))  # pages of new posts
        cursor = dict(first.cursor)
        for batch in src.collect(config, cursor, http):
            seen |= {item["key"] for item in batch.items}
        expected = {p.url for p in world.visible(platform="mastodon")}
        assert expected <= seen, f"{len(expected - seen)} posts never read"


def test_a_walk_during_which_new_posts_push_its_pages_down_misses_nothing() -> None:
    """New posts published while one walk pages through a firehose push the
    items it just read onto its next page. A page read in full before is not
    the end of what is unread when it was read during this same walk: the
    walk goes on until it reaches items known before it began (the crash test
    at ~420 posts/s lost 22 of 4,238 posts)."""
    from datetime import timedelta

    from veille.sim.feeds import PAGE_SIZE
    from veille.sim.generate import SimConfig
    from veille.sim.server import SimClock, SimWorld
    from veille.sources.feeds import FeedsSource

    start = datetime(2026, 10, 1, tzinfo=UTC)
    cfg = SimConfig(seed=5, days=3, end=start + timedelta(days=1), posts_per_day=900,
                    spike_day=1, spike_posts=10)  # fmt: skip
    world = SimWorld.generate(cfg, SimClock(start))
    src = FeedsSource()

    def visible() -> int:
        return len(world.visible(platform="mastodon"))

    with Simulator(world) as sim:
        config = src.config_from_target(
            sim.url("mastodon", "/feeds/all.atom"), {"max_pages": "1000", "platform": "mastodon"}
        )
        http = client()
        seen: set[str] = set()
        cursor = None
        for batch in src.collect(config, None, http):  # a first full walk
            seen |= {item["key"] for item in batch.items}
            cursor = batch.cursor
        world.clock.advance(timedelta(hours=6))  # several pages of new posts
        walk = src.collect(config, cursor, http)
        batch = next(walk)
        seen |= {item["key"] for item in batch.items}
        # Exactly one page of posts appears while the walk reads page 1:
        # page 2 now holds page 1's items, every one of them just read.
        before, step = visible(), timedelta(minutes=1)
        while visible() < before + PAGE_SIZE:
            world.clock.advance(step)
        assert visible() == before + PAGE_SIZE, "the test needs a shift of exactly one page"
        for batch in walk:
            seen |= {item["key"] for item in batch.items}
            cursor = batch.cursor
        for batch in src.collect(config, cursor, http):  # the next poll
            seen |= {item["key"] for item in batch.items}
        expected = {p.url for p in world.visible(platform="mastodon")}
        assert expected <= seen, f"{len(expected - seen)} posts never read"


def test_walks_killed_after_every_page_while_posts_are_published_miss_nothing() -> None:
    """A process killed between two pages keeps only the cursor committed with
    the last page. Walks cut after 1, 2, … 6 pages in turn, with posts published
    before each walk (a restart takes a while) and between its pages (fewer,
    as many as or more than a page holds): no post may be left unread once
    the walks are let finish. Found lost before: a cut walk's resume point
    overwritten by the next walk, cut in turn before reaching it (later walks
    then took the first cut walk's entries for the end), and a walk jumping
    to the resume point from a page it had read itself a moment earlier."""
    import bisect
    import itertools
    from datetime import timedelta

    from veille.sim.generate import SimConfig
    from veille.sim.server import SimClock, SimWorld
    from veille.sources.feeds import FeedsSource

    start = datetime(2026, 10, 1, tzinfo=UTC)
    cfg = SimConfig(seed=7, days=3, end=start + timedelta(days=2), posts_per_day=2000,
                    spike_day=1, spike_posts=10)  # fmt: skip
    world = SimWorld.generate(cfg, SimClock(start))
    times = [p.published_at for p in world.by_platform["mastodon"]]

    def publish(n: int) -> None:
        """Move the clock on until ``n`` more mastodon posts are visible."""
        i = bisect.bisect_right(times, world.clock.now())
        if n and i < len(times):
            world.clock.set(times[min(len(times), i + n) - 1])

    src = FeedsSource()
    between_pages = itertools.cycle([12, 25, 20, 31, 8, 40, 17])
    between_walks = itertools.cycle([70, 30, 110, 0, 45])
    with Simulator(world) as sim:
        config = src.config_from_target(
            sim.url("mastodon", "/feeds/all.atom"), {"max_pages": "1000", "platform": "mastodon"}
        )
        http = client()
        seen: set[str] = set()
        cursor: dict[str, Any] | None = None
        for batch in src.collect(config, None, http):  # the history, read in full
            seen |= {item["key"] for item in batch.items}
            cursor = batch.cursor
        for walk_no in range(30):
            publish(next(between_walks))
            walk = src.collect(config, cursor, http)
            for pages, batch in enumerate(walk, 1):
                seen |= {item["key"] for item in batch.items}
                cursor = batch.cursor  # committed with the page's posts
                if pages == walk_no % 6 + 1:
                    break  # killed: what the walk held in memory is gone
                publish(next(between_pages))
            walk.close()
        for _ in range(2):  # no more kills, nothing new: the walks finish
            for batch in src.collect(config, cursor, http):
                seen |= {item["key"] for item in batch.items}
                cursor = batch.cursor
        expected = {p.url for p in world.visible(platform="mastodon")}
        assert expected <= seen, f"{len(expected - seen)} of {len(expected)} posts never read"


def _hostile_feed(item: str) -> str:
    """An RSS feed of one entry, ``item`` written into it, padded with good
    entries past the size read in the process."""
    good = "".join(
        f"<item><title>t{i}</title><link>https://e.example/{i}</link>"
        f"<pubDate>Fri, 30 Oct 2026 03:45:00 GMT</pubDate></item>"
        for i in range(200)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>'
        f"<link>https://e.example/</link>{good}<item><title>x</title>{item}</item>"
        "</channel></rss>"
    )


def test_a_feed_crafted_against_feedparser_does_not_hold_the_round(
    workspace: Workspace, sim: Simulator
) -> None:
    """feedparser's e-mail pattern (an RSS <author> of 'a.a.a.…') and its CSS
    sanitizer (a long style attribute) take time that grows with the square of
    the field: 100 KB took 80 s, 1 MB hours, the interpreter lock held all
    along, so every source of the round (and the daemon) stood still. Such a
    feed is read in a child process that is stopped past its time: the other
    sources of the round are collected, the hostile ones fail with their URL
    and are tried again later."""
    author = "<author>" + "a." * 150_000 + "</author>"
    style = "<description><![CDATA[<p style='" + "a" * 300_000 + "'>x</p>]]></description>"
    sim.add_host(
        "hostile",
        [
            Route("GET", r"/author", lambda r: Reply.xml(_hostile_feed(author))),
            Route("GET", r"/style", lambda r: Reply.xml(_hostile_feed(style))),
        ],
    )
    sim.host("hostile").start()
    add_source(workspace.store, "feeds", sim.url("hostile", "/author"), name="author")
    add_source(workspace.store, "feeds", sim.url("hostile", "/style"), name="style")
    handle = sim.world.authors("rss")[0]
    add_source(
        workspace.store, "feeds", sim.url("news", author_feed_path("news", handle)), name="ok"
    )
    http = HttpClient(HttpSettings(allow_private_networks=True, timeout_seconds=2, max_retries=0))
    results = {r.source: r for r in collect(workspace, http=http)}
    assert results["ok"].ok and results["ok"].new_posts > 0
    for name in ("author", "style"):
        assert not results[name].ok
        error = results[name].error or ""
        assert sim.url("hostile", f"/{name}") in error and "took longer than" in error
    h = {x.source: x for x in health(workspace.store)}
    assert h["author"].consecutive_failures == 1 and "took longer than" in h["author"].last_error
    assert workspace.store.count_posts() == results["ok"].new_posts


def test_a_feed_read_in_a_child_process_reads_as_in_this_one() -> None:
    """The child's reading (dates as ISO strings, feedparser's notes as
    text) maps to the same entries, feed and markup verdict."""
    from veille.sources._feedparse import broken_markup, read_xml, read_xml_bounded
    from veille.sources.feeds import _jsonable

    fixtures = Path(__file__).parents[1] / "fixtures" / "feeds"
    bodies = [p.read_bytes() for p in sorted(fixtures.glob("*.xml"))]
    bodies.append(b"<html><body><p>not a feed")
    bodies.append(b"<rss><channel><item><title>cut</title><link>https://e.example/1")
    for body in bodies:
        here, there = read_xml(body, {}), read_xml_bounded(body, {}, 60)
        assert [_jsonable(e) for e in there.entries] == [_jsonable(e) for e in here.entries]
        assert _jsonable(there.feed) == _jsonable(here.feed)
        assert bool(there.get("bozo")) == bool(here.get("bozo"))
        assert broken_markup(there) == broken_markup(here)
        assert str(there.get("bozo_exception", "")) == str(here.get("bozo_exception", ""))


def test_posts_dated_at_the_ends_of_time_are_quarantined_and_stats_still_read(
    workspace: Workspace, sim: Simulator
) -> None:
    """A feed dated an entry 'Fri, 31 Dec 9999 23:59:59 GMT' (and another the
    year 1): both were stored, and 'veille stats' in a workspace east of UTC
    stopped on an OverflowError, every day of the workspace unreadable for one
    post. Such an entry is quarantined with its date named; the others are
    stored."""

    def entry(i: int, date: str) -> str:
        return (
            f"<item><title>t{i}</title><link>https://e.example/{i}</link>"
            f"<pubDate>{date}</pubDate></item>"
        )

    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>'
        + entry(1, "Fri, 31 Dec 9999 23:59:59 GMT")
        + entry(2, "Mon, 01 Jan 0001 00:00:00 GMT")
        + entry(3, "Fri, 30 Oct 2026 03:45:00 GMT")
        + "</channel></rss>"
    )
    sim.add_host("ends", [Route("GET", r"/feed", lambda r: Reply.xml(body))])
    sim.host("ends").start()
    add_source(workspace.store, "feeds", sim.url("ends", "/feed"), name="ends")
    (run,) = collect(workspace, http=client())
    assert run.ok and run.new_posts == 1 and run.quarantined == 2
    errors = sorted(q.error for q in quarantined(workspace.store))
    assert "published_at 0001-01-01T00:00:00+00:00 is out of range" in errors[0]
    assert "published_at 9999-12-31T23:59:59+00:00 is out of range" in errors[1]
    stats = workspace.store.stats(timezone="Pacific/Kiritimati")
    assert stats.total == 1


def test_a_json_feed_with_hostile_items_keeps_its_good_ones(
    workspace: Workspace, sim: Simulator
) -> None:
    """JSON Feed: one item with an object where a text belongs stopped the
    whole feed on an AttributeError (every other item with it, at every
    poll); a byte that is not UTF-8 or a number of 5,000 digits made the feed
    unreadable; JSON nested 100,000 deep failed with a bare RecursionError
    that named no feed. Now the good items are stored, the broken one is
    quarantined, and the nesting is refused with the feed's URL."""
    good = {"id": "1", "url": "https://e.example/1", "content_text": "café NOT-UTF8",
            "date_published": "2026-10-30T03:45:00Z"}  # fmt: skip
    odd = {"id": "3", "content_text": {"a": 1}, "url": ["x"], "title": 7, "tags": "abc",
           "attachments": [1], "authors": [1]}  # fmt: skip
    items = [json.dumps(good), '{"id": ' + "9" * 5000 + ', "content_text": "long id"}']
    items.append(json.dumps(odd))
    body = ('{"title": "t", "items": [' + ", ".join(items) + "]}").encode()
    body = body.replace(b"NOT-UTF8", b"\xff")
    deep = b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    sim.add_host(
        "json",
        [
            Route("GET", r"/feed", lambda r: Reply(200, body, content_type="application/json")),
            Route("GET", r"/deep", lambda r: Reply(200, deep, content_type="application/json")),
        ],
    )
    sim.host("json").start()
    add_source(workspace.store, "feeds", sim.url("json", "/feed"), name="feed")
    add_source(workspace.store, "feeds", sim.url("json", "/deep"), name="deep")
    results = {r.source: r for r in collect(workspace, http=client())}
    assert results["feed"].ok and results["feed"].new_posts == 2
    assert results["feed"].quarantined == 1
    (item,) = quarantined(workspace.store)
    assert "neither a title nor any text" in item.error
    texts = {p.text for p in workspace.store.iter_posts()}
    assert texts == {"café \ufffd", "long id"}
    error = results["deep"].error or ""
    assert (
        not results["deep"].ok
        and sim.url("json", "/deep") in error
        and "nested too deeply" in error
    )


def test_a_server_asking_to_wait_for_ever_does_not_fail_the_pass(
    workspace: Workspace, sim: Simulator
) -> None:
    """'429, Retry-After: 99999999999999' (3 million years): the source's next
    time was no date, and the whole pass failed on it, the other sources'
    health unwritten, at every tick of 'veille run'; a Retry-After dated 9999
    put the source off until then. A server's wait is honoured up to a week."""
    sim.add_host(
        "waits",
        [
            Route("GET", r"/ever", lambda r: Reply(429, headers={"Retry-After": "9" * 14})),
            Route(
                "GET",
                r"/9999",
                lambda r: Reply(503, headers={"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
            ),
        ],
    )
    sim.host("waits").start()
    add_source(workspace.store, "feeds", sim.url("waits", "/ever"), name="ever")
    add_source(workspace.store, "feeds", sim.url("waits", "/9999"), name="9999")
    handle = sim.world.authors("rss")[0]
    add_source(
        workspace.store, "feeds", sim.url("news", author_feed_path("news", handle)), name="ok"
    )
    before = datetime.now(UTC)
    results = {r.source: r for r in collect(workspace, http=client())}
    assert results["ok"].ok and results["ok"].new_posts > 0
    h = {x.source: x for x in health(workspace.store)}
    assert h["ok"].last_success is not None
    for name in ("ever", "9999"):
        assert not results[name].ok and h[name].consecutive_failures == 1
        assert h[name].next_due is not None
        assert (h[name].next_due - before).days <= 7


def _blog_feed(entries: list[tuple[str, str, str]], published: dict[str, str] | None = None) -> str:
    """An RSS feed of ``(guid, updated, text)`` entries, each linking to its
    post's page (one guid, one link: one post); ``published``: a guid's
    ``pubDate`` where it is not 30 October 2026."""
    dates = published or {}
    items = "".join(
        f"<item><guid>https://blog.lumio.example/?p={guid}</guid>"
        f"<link>https://blog.lumio.example/{guid}/</link><title>Billet {guid}</title>"
        f"<pubDate>{dates.get(guid, 'Fri, 30 Oct 2026 09:00:00 GMT')}</pubDate>"
        f"<atom:updated>{updated}</atom:updated><description>{text}</description></item>"
        for guid, updated, text in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>Blog</title><link>https://blog.lumio.example/</link>{items}"
        "</channel></rss>"
    )


def test_an_edited_feed_entry_updates_its_post(workspace: Workspace, sim: Simulator) -> None:
    """A feed entry seen once was never read again: a blog correcting a post
    (same guid, same link, new text) kept the first text in veille, and of
    two versions of one entry in the same page the later one was dropped.
    An edit is an update of the post, as on every other platform: its new
    text replaces the old (search finds the new words), and of two versions
    on one page the one updated last is kept."""
    morning, noon, evening = "2026-10-30T09:00:00Z", "2026-10-30T11:00:00Z", "2026-10-30T15:00:00Z"
    other = ("2", morning, "Ouverture à Gatineau.")
    feed = {"body": _blog_feed([("1", morning, "Le tarif passe à 20 euros."), other])}
    sim.add_host("edits", [Route("GET", r"/feed", lambda r: Reply.xml(feed["body"]))]).start()
    add_source(workspace.store, "feeds", sim.url("edits", "/feed"), name="blog")
    http = client()
    (first,) = collect(workspace, http=http)
    assert first.ok and first.new_posts == 2
    post_id = "wordpress:https://blog.lumio.example/?p=1"
    # The author corrects the first post.
    fixed = ("1", noon, "Rectificatif : le tarif passe à 25 euros.")
    feed["body"] = _blog_feed([fixed, other])
    (edited,) = collect(workspace, http=http, force=True)
    assert edited.ok and edited.new_posts == 0 and edited.updated == 1
    post = workspace.store.get_post(post_id)
    assert post is not None and post.text == fixed[2]
    assert [p.id for p in workspace.store.search("rectificatif")] == [post_id]
    # Nothing changed: nothing is updated again.
    (same,) = collect(workspace, http=http, force=True)
    assert same.ok and same.new_posts == 0 and same.updated == 0
    # Two versions of the entry in one page (a CMS that appends the new one
    # below the old): the one updated last is the post's text.
    last = ("1", evening, "Dernière heure : le tarif reste à 20 euros.")
    feed["body"] = _blog_feed([fixed, other, last])
    (twice,) = collect(workspace, http=http, force=True)
    assert twice.ok and twice.new_posts == 0 and twice.updated == 1
    post = workspace.store.get_post(post_id)
    assert post is not None and post.text == last[2]
    assert workspace.store.count_posts() == 2


def test_an_entry_dated_in_the_future_is_dated_when_collected(
    workspace: Workspace, sim: Simulator
) -> None:
    """A blog whose settings date its posts in 2031: the post stayed at the
    top of every newest-first list for years, and "today" figures counted
    it. A post dated more than 15 minutes after its collection is dated when
    collected; the date it gave stays in its payload, and the source's
    health says how many and which date."""
    body = _blog_feed(
        [("1", "2031-01-01T08:00:00Z", "Le billet daté de 2031."),
         ("2", "2026-10-30T09:00:00Z", "Un billet à l'heure.")],
        published={"1": "Wed, 01 Jan 2031 08:00:00 GMT"},
    )  # fmt: skip
    sim.add_host("ahead", [Route("GET", r"/feed", lambda r: Reply.xml(body))]).start()
    add_source(workspace.store, "feeds", sim.url("ahead", "/feed"), name="ahead")
    (run,) = collect(workspace, http=client())
    assert run.ok and run.new_posts == 2
    future = workspace.store.get_post("wordpress:https://blog.lumio.example/?p=1")
    on_time = workspace.store.get_post("wordpress:https://blog.lumio.example/?p=2")
    assert future is not None and on_time is not None
    assert future.collected_at is not None and future.published_at == future.collected_at
    assert future.raw["published_at_given"] == "2031-01-01T08:00:00+00:00"
    assert on_time.published_at == datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    assert "published_at_given" not in on_time.raw
    (h,) = health(workspace.store, "ahead")
    assert h.dated_ahead == 1 and h.dated_ahead_last == datetime(2031, 1, 1, 8, 0, tzinfo=UTC)
    # Read again, it is not counted again.
    (again,) = collect(workspace, http=client(), force=True)
    assert again.ok and health(workspace.store, "ahead")[0].dated_ahead == 1


def _untitled_feed(items: list[tuple[str, str, str]]) -> str:
    """An RSS feed of ``(title, pubDate, description)`` items with neither
    guid nor link (a CMS that gives neither)."""
    body = "".join(
        f"<item><title>{title}</title><pubDate>{date}</pubDate>"
        f"<description>{text}</description></item>"
        for title, date, text in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Lumio</title>'
        f"<link>https://lumio.example/</link>{body}</channel></rss>"
    )


def test_a_feed_entry_without_id_or_link_given_again_with_its_title_edited_updates_its_post(
    workspace: Workspace, sim: Simulator
) -> None:
    """An entry with neither guid nor link whose title is corrected (a typo
    in a headline, the commonest edit) came back as a second post beside
    the first (and a second alert): it was known by its title and date
    only. Its description and date name it too: the same post, updated."""
    day = "Fri, 30 Oct 2026 09:12:00 GMT"
    text = "The Lumio lamp is recalled in France."
    other = ("Lumio opens in Gatineau", "Fri, 30 Oct 2026 08:00:00 GMT", "A new shop.")
    feed = {"body": _untitled_feed([("Lumio lamp recal", day, text), other])}
    sim.add_host("cms", [Route("GET", r"/rss", lambda r: Reply.xml(feed["body"]))]).start()
    add_source(workspace.store, "feeds", sim.url("cms", "/rss"), name="cms")
    http = client()
    (first,) = collect(workspace, http=http)
    assert first.ok and first.new_posts == 2
    feed["body"] = _untitled_feed([("Lumio lamp recall", day, text), other])
    (again,) = collect(workspace, http=http, force=True)
    assert again.ok and again.new_posts == 0 and again.updated == 1
    assert workspace.store.count_posts() == 2
    (post,) = [p for p in workspace.store.iter_posts() if p.text == text]
    assert post.title == "Lumio lamp recall"
    # Two entries with the same title and no date are two posts.
    feed["body"] = _untitled_feed([("Note", "", "One."), ("Note", "", "Two."), other])
    (notes,) = collect(workspace, http=http, force=True)
    assert notes.ok and notes.new_posts == 2 and workspace.store.count_posts() == 4


def test_the_names_of_a_long_lived_feed_do_not_grow(workspace: Workspace, sim: Simulator) -> None:
    """A feed whose one entry without id or link is stamped with the time
    the page was made (a status page, a CMS's build time) added a name to
    the cursor at every poll, kept as long as the entry is: a cursor that
    grew without end (a row written at each poll, every 5 minutes). It
    keeps the latest names of each entry it keeps."""
    feed = {"body": ""}
    sim.add_host("status", [Route("GET", r"/rss", lambda r: Reply.xml(feed["body"]))]).start()
    add_source(workspace.store, "feeds", sim.url("status", "/rss"), name="status")
    http = client()
    for minute in range(30):
        stamp = f"Fri, 30 Oct 2026 09:{minute:02d}:00 GMT"
        feed["body"] = _untitled_feed([("Lumio status", stamp, "All systems operational.")])
        (run,) = collect(workspace, http=http, force=True)
        assert run.ok and run.new_posts == (1 if minute == 0 else 0)
    cursor = workspace.store.get_cursor("source:status")
    assert cursor is not None and len(cursor.value.get("names", {})) <= 2, cursor.value
    assert workspace.store.count_posts() == 1
