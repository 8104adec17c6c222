"""Web app benchmark: server time of the main pages beside a static file, then
50 concurrent clients.

    python bench/web.py                         # 1,000,000 posts, 60 s of load
    python bench/web.py --posts 20000 --seconds 10   # quick

A workspace of ``--posts`` generated posts (the simulator's bilingual text,
the year up to the hour it is built, with sentiment) is built once and kept
under ``--cache`` (default: the system's temporary folder), so a second run
starts at once; a kept one whose posts end more than a day ago is built
again (the pages' default periods, the last days, would hold fewer of its
posts, then none). The app runs in its own process, started as ``veille
serve`` starts it (``veille.web.serve.run``: its socket, and its warm-up,
which makes the default dashboard, trends and influencers as it starts); the
pages are timed once ``/healthz`` says the warm-up is done, and its
duration is printed (the cold cost of those three pages).

1. Each page is asked ``--repeat`` times by one client in turn (the
   dashboard, the mention stream with a query, newest first and by
   relevance over a week, the trends, the influencers, an API search, the
   presence plan, and a static file as the baseline), then pages a team
   lives in that were slow at 1M posts (the mention stream by engagement, a
   topic's weekly report, whose first view makes it, the API's topic with
   its count of matches, share of voice, breakdown and influencers of a
   topic, its OpenAPI document, and the plan's editing page): p50 and p95
   of the time to the full answer, and each p95's ratio to the static
   file's; beside them, the CPU the server's process spent on each request
   (user + system, all its threads: read from its CPU clock just before and
   after the request, so each is that request's, since one is asked at a
   time), its p50 and p95 and their ratios to the static file's. On a
   shared machine the wall times follow the load; the CPU follows the code.
   What else the process runs meanwhile is counted in the request it runs
   beside: its warm-up is done before the pages are timed, but a kept
   answer past its minute is made again on a thread of its own, and chDB
   has threads of its own; the CPU the process spent between the requests
   is printed below the table (what such work took outside them).
   Target: p95 <= 300 ms.
   The plan (set up once in the workspace: an objective on the brand, two
   channels, four KPIs of the kinds that read posts) shows each KPI with its
   history, where the audience is and the recommendations from listening.
   The rows whose answer the app keeps a minute for every viewer (the
   dashboard, trends, influencers and plan, made by the server's warm-up;
   the report and the API's analytics, made by the row's first request)
   time that kept answer being handed back, and say so. Each such page is
   then timed three ways, each beside the static file: (a) that kept view,
   (b) ``--fresh`` first views of other periods, topics or queries, each a
   key nothing kept answers (what a viewer asking for another view waits
   for), and (c) each of those asked ``--again`` times more. A page whose
   charts are images (``/charts/KEY.svg``, drawn when the browser asks for
   them) has them asked after each of (b), one at a time: their times
   together on a row of their own (with the page's, what a viewer asking
   one at a time waits for until the last chart shows).
2. ``--clients`` clients (default 50) ask those pages in a loop for
   ``--seconds``: requests per second, p50 and p99 (wall time: requests
   overlap, so the CPU is not told apart by request), and errors (target
   zero).

``--scale`` runs both again on a second workspace of the same posts laid out
as a scaled-out deployment keeps them (posts in chDB, state in a PostgreSQL
started for the run on a loopback port, its data kept beside the cached
workspace; needs chdb, psycopg and Debian's postgresql), and prints each
page's times there beside the SQLite file's, with their ratio:

    python bench/web.py --posts 10000000 --scale     # ClickHouse at 10M
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 11
USER, PASSWORD = "bench", "bench-password-1"
TOPICS = {"lumio": "lumio", "vexa": "vexa", "orbita": "orbita"}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def generated(n: int, end: datetime) -> Iterator[Any]:
    """``n`` posts of the demo world over the year before ``end``, each with a
    sentiment (the simulator leaves it to enrichment, which would take hours
    at this size)."""
    from veille.models import Sentiment
    from veille.sim.generate import SimConfig, generate_posts

    days = 365
    cfg = SimConfig(
        seed=SEED, days=days, posts_per_day=max(10, n // days + 1), spike_posts=0, end=end
    )
    rng = random.Random(SEED)
    labels = ("positive", "negative", "neutral", "neutral")
    for post in itertools.islice(generate_posts(cfg), n):
        label = rng.choice(labels)
        score = {"positive": 0.6, "negative": -0.6, "neutral": 0.0}[label]
        yield replace(post, sentiment=Sentiment(label, score, 0.8, "bench"))  # type: ignore[arg-type]


POSTS_URL = "chdb:///posts"


def point_state(root: Path, state_url: str) -> None:
    """Set ``root``'s ``[store]`` to posts in chDB and the state at
    ``state_url`` (the PostgreSQL of this run: a new port each time)."""
    config = root / "veille.toml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(("# posts = ", "posts = ")):
            lines[i] = f'posts = "{POSTS_URL}"\n'
        elif line.startswith(("# state = ", "state = ")):
            lines[i] = f'state = "{state_url}"\n'
    config.write_text("".join(lines), encoding="utf-8")


def build(root: Path, n: int, state_url: str | None = None) -> None:
    """The workspace at ``root``: ``n`` posts and three topics (the brand and
    two competitors), their filings complete; with ``state_url``, posts in
    chDB and the state there."""
    from veille.analytics.topics import topic_scope
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    init_workspace(root)
    if state_url:
        point_state(root, state_url)
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    if "[organization]" in text:  # the dashboard compares the brand with its competitors
        text = text.replace(
            "[organization]",
            '[organization]\nbrand_topic = "lumio"\ncompetitor_topics = ["vexa", "orbita"]',
            1,
        )
        config.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    # The posts end now: the pages' periods (the last 7 or 30 days, as a
    # visitor sees them) hold a full share of them.
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with Workspace.open(root) as ws:
        batch: list[Any] = []
        done = 0
        for post in generated(n, end):
            batch.append(post)
            if len(batch) == 20_000:
                ws.posts.upsert_posts(batch)
                done += len(batch)
                batch = []
                rate = done / (time.perf_counter() - t0)
                print(f"  {done:,} posts stored ({rate:,.0f}/s)", flush=True)
        if batch:
            ws.posts.upsert_posts(batch)
        for name, query in TOPICS.items():
            add_topic(ws.store, name, query)
            topic_scope(ws.store, name)  # files the stored posts under it now
        compact = getattr(ws.posts, "compact_months", None)
        if compact is not None:  # as the scheduler's upkeep leaves ClickHouse at its start
            compact()
        stored = ws.posts.count_posts()
    (root / "complete").write_text(
        json.dumps({"posts": stored, "end": end.isoformat()}), encoding="utf-8"
    )
    print(f"built {stored:,} posts in {time.perf_counter() - t0:.0f}s", flush=True)


def bench_user(root: Path) -> str:
    """The bench's admin and an API token for it (kept in ``root/token``)."""
    from veille.services import tokens, users
    from veille.workspace import Workspace

    kept = root / "token"
    if kept.exists():
        return kept.read_text(encoding="utf-8").strip()
    with Workspace.open(root) as ws:
        if users.get_user(ws.state, USER) is None:
            users.add_user(ws.state, USER, PASSWORD, "admin")
        _rec, secret = tokens.create_token(ws.state, USER, "bench")
    kept.write_text(secret, encoding="utf-8")
    return secret


def bench_plan(root: Path) -> None:
    """The presence plan the plan page shows, set up once: an objective on
    the brand, two channels and a KPI of each kind that counts or compares
    posts (mentions, share of voice, influencers engaged, engagement)."""
    from veille.plan.channels import set_channel
    from veille.plan.kpis import add_kpi
    from veille.plan.objectives import add_objective
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        if ws.state.plan_objectives():
            return
        add_objective(ws.state, "awareness", "awareness", topics=["lumio"])
        for platform in ("mastodon", "bluesky"):
            set_channel(ws.state, platform, objectives=["awareness"], posts_per_week=4)
        add_kpi(ws, "mentions", "mentions", 5000, topic="lumio", objective="awareness")
        add_kpi(
            ws, "share of voice", "share_of_voice", 40, topic="lumio",
            compare=["vexa", "orbita"], objective="awareness",
        )  # fmt: skip
        add_kpi(ws, "engaged", "influencers_engaged", 5, topic="lumio", objective="awareness")
        add_kpi(ws, "engagement", "engagement", 500, platform="mastodon", objective="awareness")


#: Pages timed one at a time only, not by the ``--clients`` (none since the
#: plan page came under the target: it was left out while it took seconds).
SERIAL_ONLY: tuple[str, ...] = ()


def workspace(cache: Path, n: int, rebuild: bool, state_url: str | None = None) -> Path:
    """The workspace of ``n`` posts under ``cache`` (built unless kept), in
    one SQLite file, or with ``state_url`` as a scaled-out deployment keeps
    it (its PostgreSQL data kept under :func:`pg_folder`)."""
    root = root_of(cache, n, bool(state_url))
    why = "" if rebuild else stale(root)
    if rebuild or why:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        print(f"building a workspace of {n:,} posts in {root} ({why or 'asked'})", flush=True)
        build(root, n, state_url)
    else:
        kept = json.loads((root / "complete").read_text(encoding="utf-8"))
        print(f"reusing {root} ({kept['posts']:,} posts up to {kept['end']})", flush=True)
        if state_url:
            point_state(root, state_url)
    return root


def stale(root: Path) -> str:
    """Why the workspace at ``root`` is built again ("": it is reused): none
    kept, or its posts end more than a day ago (the last 7 days a page shows
    by default would hold fewer of them; past a week, none)."""
    try:
        kept = json.loads((root / "complete").read_text(encoding="utf-8"))
        end = datetime.fromisoformat(kept["end"])
    except (OSError, ValueError, KeyError, TypeError):
        return "none kept from this version of the bench"
    if datetime.now(UTC) - end > timedelta(days=1):
        return f"its posts end on {end:%Y-%m-%d %H:%M}, more than a day ago"
    return ""


def root_of(cache: Path, n: int, scale: bool) -> Path:
    return cache / f"veille-bench-web-{n}{'-scale' if scale else ''}"


def pg_folder(cache: Path, n: int) -> Path:
    """Where the ``--scale`` workspace's PostgreSQL keeps its data: beside
    the workspace (not in it: the server runs as another user)."""
    return cache / f"veille-bench-web-{n}-pg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_clock(pid: int) -> Callable[[], float]:
    """The CPU seconds (user + system) the process ``pid`` has spent so far,
    all its threads together, those ended included: its CPU clock (Linux's
    ``clock_getcpuclockid``), read to the nanosecond. ``/proc/<pid>/stat``
    counts the same in ticks of 10 ms, more than a static file's whole
    answer (its CPU would read 0, and no ratio to it could be drawn): it is
    read only where the clock is refused."""
    clock = ((~pid) << 3) | 2  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
    try:
        time.clock_gettime(clock)
    except (OSError, AttributeError, OverflowError):
        stat = Path(f"/proc/{pid}/stat")
        tick = os.sysconf("SC_CLK_TCK")
        print(f"  (the server's CPU from {stat}, in ticks of {1000 / tick:.0f} ms)", flush=True)

        def ticks() -> float:
            # After the name in parentheses: utime and stime are fields 14, 15.
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick

        return ticks
    return lambda: time.clock_gettime(clock)


@contextlib.contextmanager
def server(root: Path) -> Iterator[tuple[str, Callable[[], float]]]:
    """The app in its own process, as ``veille serve`` runs it: its address,
    and a reader of the CPU seconds its process has spent (:func:`cpu_clock`)."""
    import httpx

    port = free_port()
    # As veille serve: an app started with uvicorn.run on host and port had
    # TCP_NODELAY where veille serve's own socket had not (40 ms an answer,
    # unseen here until the bench ran the same code). And as veille serve,
    # the charts' fonts read before anything else (veille.cli.serve).
    code = (
        "import sys; from pathlib import Path; from veille.web.serve import run; "
        "from veille.analytics.chart_fonts import prefer_shipped_sans; prefer_shipped_sans(); "
        "run(Path(sys.argv[1]), port=int(sys.argv[2]), log_level='warning')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(root), str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        for _ in range(6000):
            try:
                if not httpx.get(base + "/healthz", timeout=2).json()["warming"]:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise SystemExit("the server did not start") from None
            time.sleep(0.1)
        print(
            f"started and warmed up in {time.perf_counter() - started:.1f} s (the default "
            "dashboard, trends and influencers made, as veille serve does, before the pages "
            "are timed)",
            flush=True,
        )
        yield base, cpu_clock(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def session_cookie(root: Path) -> dict[str, str]:
    """A logged-in session for the pages, opened through the accounts service."""
    from veille.services import users
    from veille.web.deps import SESSION_COOKIE
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        return {SESSION_COOKIE: users.start_session(ws.state, USER)}


def targets(token: str) -> dict[str, tuple[str, dict[str, str]]]:
    import datetime as dt

    api = {"Authorization": f"Bearer {token}"}
    week = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7)).isoformat()
    return {
        "static file (baseline)": ("/static/veille.css", {}),
        "dashboard": ("/", {}),
        "stream ?q=lumio": ("/stream?q=lumio", {}),
        "stream by relevance, a week": (f"/stream?q=lumio&sort=relevance&since={week}", {}),
        "trends": ("/trends", {}),
        "influencers": ("/influencers", {}),
        "API search q=lumio": ("/api/v1/posts?q=lumio&limit=20", api),
        "plan": ("/plan", {}),
        # The other pages a team lives in, where one was slow at 1M posts.
        "stream by engagement": ("/stream?q=lumio&sort=engagement", {}),
        "report, a topic's week": ("/reports?topic=lumio", {}),
        "API topic lumio": ("/api/v1/topics/lumio", api),
        "API share of voice": ("/api/v1/analytics/share-of-voice", api),
        "API breakdown lumio": ("/api/v1/analytics/breakdown?topic=lumio", api),
        "API influencers lumio": ("/api/v1/analytics/influencers?topic=lumio", api),
        "API OpenAPI document": ("/api/openapi.json", {}),
        "plan editing page": ("/plan/edit", {}),
    }


#: The rows above whose answer the app keeps a minute for every viewer
#: (``veille.web.listening.Recent``), and what made the answer they time:
#: the server's warm-up, or the row's own first request. Their p50 and p95
#: time a kept answer being handed back, not what a viewer waits for when
#: nothing kept answers them (:func:`first_views` times that).
KEPT: dict[str, str] = {
    "dashboard": "kept: made by the warm-up",
    "trends": "kept: made by the warm-up",
    "influencers": "kept: made by the warm-up",
    # What it reads from the posts, its KPIs too (a page still made each visit).
    "plan": "kept: its posts' reads, by the warm-up",
    "plan editing page": "kept: its cost's posts' reads, by the warm-up",
    "report, a topic's week": "kept: made by its first",
    "API share of voice": "kept: made by its first",
    "API breakdown lumio": "kept: made by its first",
    "API influencers lumio": "kept: made by its first",
}

#: The pages timed again on views nothing kept answers, each beside the row
#: of the same page above (the view the warm-up or a first request made).
FRESH_OF = {
    "dashboard": "dashboard",
    "trends": "trends",
    "influencers": "influencers",
    "report": "report, a topic's week",
    "API breakdown": "API breakdown lumio",
}


def _scopes() -> list[str]:
    """The trends' and influencers' views other than the default (all posts,
    the last 30 days, which the warm-up makes): another topic, another
    period, a query, in turn."""
    topics = [*TOPICS, ""]
    periods = ["last-30d", "last-7d", "last-month", "last-week"]
    queries = ["lumio OR vexa", "orbita", "vexa -lumio", "lumio AND orbita"]
    combos = [f"topic={t}&period={p}" for p in periods for t in topics]
    combos.remove("topic=&period=last-30d")  # the warm-up's
    found: list[str] = []
    for i, combo in enumerate(combos):
        found.append(combo)
        if i < len(queries):
            found.append(f"query={queries[i].replace(' ', '+')}&period=last-30d")
    return found


def fresh_views(n: int, today: date) -> dict[str, list[str]]:
    """``n`` paths for each page of :data:`FRESH_OF`, each a view the app
    keeps under a key no other view of this run has (so that nothing kept
    answers its first request), and none the view the warm-up makes or the
    row above times: other periods, topics and queries. The date ranges are
    8 and 31 days long, which no named period is (7 days, or a month of 28
    to 30 days before December), so a report's key (its dates) is never one
    of theirs either."""
    if n < 1:
        raise ValueError(f"--fresh must be 1 or more, not {n}")

    def span(days: int, k: int) -> str:
        until = today - timedelta(days=1 + 3 * k)
        return f"{until - timedelta(days=days - 1)}..{until}"

    scopes = _scopes()
    if n > len(scopes):
        raise ValueError(f"--fresh must be at most {len(scopes)}, not {n}")
    dashboard = ["last-7d", "last-week", "last-month"]
    reports = ["topic=vexa&period=last-week", "topic=orbita&period=last-week"]
    reports += ["topic=lumio&period=last-7d", "query=vexa+OR+orbita&period=last-week"]
    breakdown = [f"topic={t}&period=last-30d" for t in ("vexa", "orbita")]
    breakdown += ["topic=lumio&period=last-7d", "q=lumio+OR+vexa&period=last-30d"]
    for k in range(n):
        dashboard.append(span(31, k))
        reports.append(f"topic=lumio&period={span(8, k)}")
        breakdown.append(f"topic=lumio&period={span(31, k)}")
    return {
        "dashboard": [f"/?period={p}" for p in dashboard[:n]],
        "trends": [f"/trends?{s}" for s in scopes[:n]],
        "influencers": [f"/influencers?{s}" for s in scopes[:n]],
        "report": [f"/reports?{r}" for r in reports[:n]],
        "API breakdown": [f"/api/v1/analytics/breakdown?{b}" for b in breakdown[:n]],
    }


def timed(
    client: Any, path: str, headers: dict[str, str], cpu: Callable[[], float]
) -> tuple[Any, float, float]:
    """``client``'s answer to ``path``, the wall seconds to it and the CPU
    seconds the server spent meanwhile (read inside the wall time's bounds:
    never more than the wall time by the server's cores)."""
    t = time.perf_counter()
    c = cpu()
    r = client.get(path, headers=headers)
    used = cpu() - c
    return r, time.perf_counter() - t, used


#: Wall and CPU seconds of a page's requests: (first views, again) for
#: :func:`first_views`, each list one request's.
Views = dict[str, tuple[list[float], list[float]]]


def first_views(
    base: str,
    cookies: dict[str, str],
    token: str,
    n: int,
    again: int,
    cpu: Callable[[], float],
) -> tuple[Views, Views, Views]:
    """Each page of :data:`FRESH_OF`: the time of ``n`` first views nothing
    kept answers (a fresh key each), then of each asked ``again`` times
    more (answered from what its first view kept); then the server's CPU
    on the same requests; then, for each first view, its chart images
    (``/charts/KEY.svg``, drawn when asked) asked one at a time after it:
    their wall and CPU seconds together (none: 0)."""
    import html
    import re

    import httpx

    today = datetime.now(UTC).date()
    api = {"Authorization": f"Bearer {token}"}
    found: Views = {}
    spent: Views = {}
    charts: Views = {}
    with httpx.Client(base_url=base, cookies=cookies, timeout=300) as client:
        for page, paths in fresh_views(n, today).items():
            headers = api if page.startswith("API") else {}
            first, later = found[page] = ([], [])
            first_cpu, later_cpu = spent[page] = ([], [])
            drawn, drawn_cpu = charts[page] = ([], [])
            for path in paths:
                r, wall, used = timed(client, path, headers, cpu)
                first.append(wall)
                first_cpu.append(used)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
                images = re.findall(r'src="(/charts/[^"]+)"', r.text)
                drawn.append(0.0)
                drawn_cpu.append(0.0)
                for src in images:
                    img, wall, used = timed(client, html.unescape(src), headers, cpu)
                    if img.status_code != 200:
                        raise SystemExit(f"{src}: HTTP {img.status_code}: {img.text[:300]}")
                    drawn[-1] += wall
                    drawn_cpu[-1] += used
                for _ in range(again):
                    _r, wall, used = timed(client, path, headers, cpu)
                    later.append(wall)
                    later_cpu.append(used)
    return found, spent, charts


def serial(
    base: str, cookies: dict[str, str], token: str, repeat: int, cpu: Callable[[], float]
) -> tuple[dict[str, float], dict[str, list[float]], dict[str, list[float]], float]:
    """Each page's first answer (cold: caches and column copies filled,
    but for the dashboard, trends and influencers, which the warm-up made), then
    ``repeat`` more: the first's wall seconds, the others' wall and CPU
    seconds by page, and the CPU seconds the server spent between the
    requests (its threads' work outside them)."""
    import httpx

    times: dict[str, list[float]] = {}
    spent: dict[str, list[float]] = {}
    first: dict[str, float] = {}
    inside = 0.0
    with httpx.Client(base_url=base, cookies=cookies, timeout=300) as client:
        start = cpu()
        for name, (path, headers) in targets(token).items():
            _r, first[name], used = timed(client, path, headers, cpu)
            inside += used
            got = times[name] = []
            got_cpu = spent[name] = []
            for _ in range(repeat):
                r, wall, used = timed(client, path, headers, cpu)
                got.append(wall)
                got_cpu.append(used)
                inside += used
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
        between = cpu() - start - inside
    return first, times, spent, between


async def load(
    base: str, cookies: dict[str, str], token: str, clients: int, seconds: float
) -> tuple[int, list[float], int, dict[str, int]]:
    import httpx

    pages = [page for name, page in targets(token).items() if name not in SERIAL_ONLY]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def one(i: int) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, timeout=60, limits=limits
        ) as client:
            n = i
            while time.perf_counter() < deadline:
                path, headers = pages[n % len(pages)]
                n += 1
                t = time.perf_counter()
                try:
                    r = await client.get(path, headers=headers)
                    if r.status_code != 200:
                        key = f"HTTP {r.status_code} {path}"
                        errors[key] = errors.get(key, 0) + 1
                except httpx.HTTPError as exc:
                    key = f"{type(exc).__name__} {path}"
                    errors[key] = errors.get(key, 0) + 1
                latencies.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(clients)))
    elapsed = time.perf_counter() - t0
    return len(latencies), latencies, int(elapsed * 1000), errors


def fresh_count(text: str) -> int:
    """``--fresh``: a number of first views each page has fresh keys for."""
    try:
        n = int(text)
        fresh_views(n, date(2026, 1, 1))
    except ValueError as exc:
        most = len(_scopes())
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of first views: give 1 to {most}"
        ) from exc
    return n


def at_least_one(text: str) -> int:
    """``--again``: one or more."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of requests, 1 or more")
    return n


def options(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options (``argv``: ``sys.argv[1:]`` when ``None``)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=40, help="requests per page, one at a time")
    ap.add_argument(
        "--fresh",
        type=fresh_count,
        default=6,
        help="first views timed for each page kept a minute, each a period, topic or query "
        "nothing kept answers (1 to 19)",
    )
    ap.add_argument(
        "--again",
        type=at_least_one,
        default=5,
        help="times each of those views is asked again (its kept answer)",
    )
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--rebuild", action="store_true", help="build the workspace again")
    ap.add_argument("--build-only", action="store_true", help="build the workspace and stop")
    ap.add_argument(
        "--scale",
        action="store_true",
        help="also posts in chDB and state in a local PostgreSQL, beside SQLite",
    )
    return ap.parse_args(argv)


def main() -> None:
    args = options()
    os.environ.setdefault("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        f", {platform.platform()}"
    )
    results = {"SQLite": run_layout(args, None)}
    if args.scale:
        from veille.store.postgres.testing import TestServer, missing_reason

        why = missing_reason()
        if why:
            raise SystemExit(f"--scale needs a local PostgreSQL: {why}")
        folder = pg_folder(args.cache, args.posts)
        if args.rebuild or stale(root_of(args.cache, args.posts, True)):
            import shutil  # a workspace built again gets a new state too

            shutil.rmtree(folder, ignore_errors=True)
        with TestServer(folder) as pg:
            results["chDB + PostgreSQL"] = run_layout(args, pg.url)
    if len(results) == 2 and not args.build_only:
        compare(results["SQLite"], results["chDB + PostgreSQL"])


def count_without_limit(root: Path) -> None:
    """Every API call counted against its token, as in production, under a
    limit the bench never reaches: its clients share one token, and the 600
    requests a minute of the default would answer most of them 429 (a
    workspace built before the [api] section gets it here)."""
    config = root / "veille.toml"
    text = config.read_text(encoding="utf-8")
    if "\nrate_limit_per_minute = 1000000\n" in text:
        return
    if "\n[api]\n" in text:
        text = text.replace("\n[api]\n", "\n[api]\nrate_limit_per_minute = 1000000\n", 1)
    else:
        text += "\n[api]\nrate_limit_per_minute = 1000000\n"
    config.write_text(text, encoding="utf-8")


def run_layout(args: argparse.Namespace, state_url: str | None) -> dict[str, list[float]]:
    """Build (or reuse) the workspace of one layout and time its pages:
    each page's times one at a time (``{}`` with ``--build-only``)."""
    title = "chDB + PostgreSQL" if state_url else "SQLite"
    print(f"\n== {title}", flush=True)
    root = workspace(args.cache, args.posts, args.rebuild, state_url)
    if args.build_only:
        return {}
    token = bench_user(root)
    count_without_limit(root)
    bench_plan(root)
    cookies = session_cookie(root)
    with server(root) as (base, cpu):
        rest = cpu()
        time.sleep(1)
        rest = cpu() - rest
        first, times, spent, between = serial(base, cookies, token, args.repeat, cpu)
        base50 = pct(times["static file (baseline)"], 0.5)
        base95 = pct(times["static file (baseline)"], 0.95)
        cpu50 = pct(spent["static file (baseline)"], 0.5)
        cpu95 = pct(spent["static file (baseline)"], 0.95)
        print(f"\nserver time, {args.repeat} requests each after a first one, one at a time:")
        print(
            f"{'page':24} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'p50/static':>11} "
            f"{'p95/static':>11} {'CPU p50':>8} {'CPU p95':>8} {'p50/static':>11} "
            f"{'p95/static':>11}  {'p95<=300ms':10} answered from"
        )
        for name, got in times.items():
            p50, p95 = pct(got, 0.5), pct(got, 0.95)
            c50, c95 = pct(spent[name], 0.5), pct(spent[name], 0.95)
            verdict = "" if name.startswith("static") else ("ok" if p95 <= 0.3 else "MISSED")
            print(
                f"{name:24} {first[name] * 1000:9.1f} {p50 * 1000:8.1f} {p95 * 1000:8.1f} "
                f"{p50 / base50:10.1f}x {p95 / base95:10.1f}x {c50 * 1000:8.1f} "
                f"{c95 * 1000:8.1f} {ratio(c50, cpu50):>11} {ratio(c95, cpu95):>11}  "
                f"{verdict:10} {KEPT.get(name, 'made on each request')}"
            )
        print(
            "  (a row 'kept' times the answer the app keeps a minute for every viewer; "
            "a view nothing kept answers is timed below)\n"
            "  (CPU: the server process's user + system ms on each request, all its threads, "
            "what else it ran meanwhile too: a kept answer made again after its minute, "
            f"chDB's own threads; at rest it spent {rest * 1000:.1f} ms in a second, and "
            f"{between * 1000:.0f} ms between these requests"
            + ("; PostgreSQL's own processes, the state's, not counted)" if state_url else ")")
        )
        fresh, fresh_cpu, charts = first_views(base, cookies, token, args.fresh, args.again, cpu)
        print_first_views(
            fresh, fresh_cpu, times, spent, args, (base50, base95, cpu50, cpu95), charts
        )
        for page, (made, kept) in fresh.items():  # for compare(), beside the other layout's
            times[f"{page}, first views"] = made
            times[f"{page}, again"] = kept
        pages = len(targets(token)) - len(SERIAL_ONLY)
        print(f"\n{args.clients} clients for {args.seconds:.0f} s (the {pages} pages in turn):")
        n, lat, ms, errors = asyncio.run(load(base, cookies, token, args.clients, args.seconds))
        print(
            f"  {n} requests, {n / (ms / 1000):.1f} requests/s, p50 {pct(lat, 0.5) * 1000:.0f} ms, "
            f"p99 {pct(lat, 0.99) * 1000:.0f} ms, errors {sum(errors.values())} (target 0)"
        )
        for key, count in sorted(errors.items()):
            print(f"    {count} x {key}")
    return times


def ratio(value: float, static: float) -> str:
    """``value``'s ratio to the static file's (CPU: "-" where the static
    file's read 0, as ticks of 10 ms would)."""
    return f"{value / static:.1f}x" if static > 0 else "-"


def print_first_views(
    fresh: Views,
    fresh_cpu: Views,
    times: dict[str, list[float]],
    spent: dict[str, list[float]],
    args: argparse.Namespace,
    static: tuple[float, float, float, float],
    charts: Views | None = None,
) -> None:
    """Each page kept a minute, three ways: (a) the view its row above timed
    (kept), (b) first views of other periods, topics and queries (nothing
    kept answers them: what a viewer waits for), (c) those views again;
    each with its wall and CPU times beside the static file's (``static``:
    its wall p50 and p95, then its CPU p50 and p95); with ``charts``, (b)'s
    chart images too, asked after each (a page whose charts are drawn in it
    has none: its (b) counts them)."""
    base50, base95, cpu50, cpu95 = static
    print(
        f"\npages kept a minute, three ways: (a) the view timed above, (b) {args.fresh} first "
        "views of other periods, topics or queries, each a key nothing kept answers, "
        f"(c) each of those {args.again} times again:"
    )
    print(
        f"{'page':14} {'view':28} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'p50/static':>11} {'p95/static':>11} {'CPU p50':>8} {'CPU p95':>8} "
        f"{'p50/static':>11} {'p95/static':>11}  {'p95<=300ms':10} answered from"
    )
    for page, (made, kept) in fresh.items():
        row = FRESH_OF[page]
        made_cpu, kept_cpu = fresh_cpu[page]
        rows = [
            ("(a) " + row, times[row], spent[row], KEPT[row]),
            ("(b) first views", made, made_cpu, "made on the request"),
            *(
                [("(b) its chart images, after", *charts[page], "drawn on their requests")]
                if charts and any(charts[page][0])
                else []
            ),
            ("(c) again", kept, kept_cpu, "kept: made by (b)"),
        ]
        for view, got, used, answered in rows:
            p50, p95 = pct(got, 0.5), pct(got, 0.95)
            c50, c95 = pct(used, 0.5), pct(used, 0.95)
            verdict = "ok" if p95 <= 0.3 else "MISSED"
            print(
                f"{page:14} {view[:28]:28} {len(got):4} {p50 * 1000:8.1f} {p95 * 1000:8.1f} "
                f"{max(got) * 1000:8.1f} {p50 / base50:10.1f}x {p95 / base95:10.1f}x "
                f"{c50 * 1000:8.1f} {c95 * 1000:8.1f} {ratio(c50, cpu50):>11} "
                f"{ratio(c95, cpu95):>11}  {verdict:10} {answered}"
            )


def compare(lite: dict[str, list[float]], scale: dict[str, list[float]]) -> None:
    """Each page's p50 and p95 on both layouts (SQLite the baseline: a ratio
    above 1, the scaled-out layout answers faster)."""
    print("\nthe same pages, SQLite file (baseline) beside chDB + PostgreSQL, ms:")
    print(
        f"{'page':24} {'SQLite p50':>11} {'p95':>7} {'scale p50':>10} {'p95':>7} "
        f"{'ratio p50':>10} {'p95':>6}"
    )
    for name, got in lite.items():
        a50, a95 = pct(got, 0.5), pct(got, 0.95)
        b50, b95 = pct(scale[name], 0.5), pct(scale[name], 0.95)
        print(
            f"{name:24} {a50 * 1000:11.1f} {a95 * 1000:7.1f} {b50 * 1000:10.1f} "
            f"{b95 * 1000:7.1f} {a50 / b50:9.2f}x {a95 / b95:5.2f}x"
        )


if __name__ == "__main__":
    main()
