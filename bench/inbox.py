"""Inbox benchmark.

1. Rules: 100 rules (queries, sentiment, reach, platform, language, time)
   over 100,000 new posts: posts per second through the pipeline's one
   matcher alone, beside the same matcher plus the rule evaluation (the
   conditions of every rule and the actions of those that hold), in the same
   run; the ratio is the cost of the rules.
2. The inbox list: p95 of the first page of open items (the list page's
   query: 50 items, their labels, the count, their due states, since when
   each assigned one is with its assignee) at 50,000 open items, two in
   three assigned (some of them three times over), beside p95 of counting
   the open items alone, and beside the same page without since-when (its
   cost: one query for the page, never one per item). With
   ``--web`` (the web app installed), p95 of ``GET /inbox`` over loopback
   beside ``GET /login`` on the same server.
3. Snoozes (``--snooze``): what waking the snoozed items costs where
   nothing is due, at 50,000 open items of which one in twenty is snoozed:
   the list page's query with the wake check before it (what
   :func:`veille.inbox.items.list_items` does) beside the same query
   without it, alternating; and the ingest's check for a new post from a
   snoozed item's author (a batch of 1,000 replies) beside the ingest of
   that batch through the pipeline, in the same run.

4. Escalation (``--escalate``): a rule ``--on breached`` over the same
   open items, every one past its target: the scheduler's passes that
   escalate them (items per second, 200 a pass), then a pass where every
   one is escalated already (what each pass costs from then on) beside the
   snoozes' wake alone (the pass before escalation existed), alternating.

    python bench/inbox.py                       # full size
    python bench/inbox.py --posts 10000 --items 5000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _posts(n: int) -> list[Any]:
    from veille.sim.generate import SimConfig, generate_posts

    posts: list[Any] = []
    days = 2
    while len(posts) < n:
        days *= 2
        posts = list(
            generate_posts(
                SimConfig(seed=11, days=days, spike_posts=0, end=datetime(2026, 11, 1, tzinfo=UTC))
            )
        )
    return posts[:n]


def _rules(posts: list[Any], n: int) -> list[Any]:
    from collections import Counter

    from veille.inbox.rules import make_rule
    from veille.textnorm import tokens

    freq = Counter(w for p in posts[:5000] for w in set(tokens(p.text)) if len(w) > 3)
    words = [w for w, _ in freq.most_common()][20 : 20 + n]
    out = []
    for i in range(n):
        kind = i % 5
        kw: dict[str, Any] = {"actions": [("tag", f"t{i}")]}
        if kind == 0:
            kw["query"] = words[i % len(words)]
        elif kind == 1:
            kw["query"] = f"{words[i % len(words)]} OR {words[(i + 7) % len(words)]}"
            kw["sentiments"] = ["negative"]
        elif kind == 2:
            kw["min_followers"] = 1000 * (i % 7)
            kw["platforms"] = ["mastodon", "bluesky"]
        elif kind == 3:
            kw["languages"] = ["fr"]
            kw["when"] = "working"
            kw["actions"] = [("priority", "high")]
        else:
            kw["query"] = f'"{words[i % len(words)]} {words[(i + 1) % len(words)]}"~5'
            kw["actions"] = [("assign", "alice")]
        rule = make_rule(f"r{i}", **kw)
        out.append(rule.__class__(**{**rule.__dict__, "id": i + 1}))
    return out


def bench_rules(n_posts: int, n_rules: int) -> None:
    from veille.config import Settings
    from veille.inbox.hours import WorkingTime
    from veille.inbox.model import Item
    from veille.inbox.rules import RuleContext, actions_of, holds
    from veille.query import compile_query
    from veille.query.matcher import Matcher

    posts = _posts(n_posts)
    rules = _rules(posts, n_rules)
    # The topic that brings posts in, and the rules' queries, in one matcher (as ingest does).
    matcher = Matcher()
    matcher.add("topic", compile_query("the OR le OR la OR a"))
    for r in rules:
        if r.conditions.query:
            matcher.add(f"rule:{r.name}", compile_query(r.conditions.query))
    matcher.build()
    hours = WorkingTime.from_settings(Settings())
    now = datetime.now(UTC)

    t = time.perf_counter()
    matched = [matcher.match_ids(p) for p in posts]
    match_s = time.perf_counter() - t

    t = time.perf_counter()
    actions = 0
    for i, post in enumerate(posts):
        qids = matcher.match_ids(post)
        names = {q[5:] for q in qids if q.startswith("rule:")}
        item = Item(i, post.id, post.platform, post.author.handle, post.text,
                    post.published_at, now, now, lang=post.lang,
                    sentiment=post.sentiment.label if post.sentiment else None)  # fmt: skip
        ctx = RuleContext(hours, names, None, now)
        for rule in rules:
            if holds(rule, post, item, ctx):
                change, _ = actions_of(rule, item, next_in_team=lambda team: None)
                actions += len(change.events)
    rules_s = time.perf_counter() - t
    hit = sum(1 for m in matched if m)
    print(f"rules={len(rules)} posts={len(posts)} posts matching something={hit} actions={actions}")
    print(
        f"matching alone        {len(posts) / match_s:10.0f} posts/s\n"
        f"matching + 100 rules  {len(posts) / rules_s:10.0f} posts/s   "
        f"({len(posts) * len(rules) / rules_s:,.0f} rule evaluations/s)\n"
        f"ratio (rules / matching alone time) {rules_s / match_s:6.2f}x"
    )


def _fill(ws: Any, n_items: int) -> None:
    from veille.inbox.model import ItemChange
    from veille.models import Author, Post, Sentiment

    base = datetime(2026, 11, 1, tzinfo=UTC)
    labels = ("positive", "negative", "neutral")
    step = 5000
    for start in range(0, n_items, step):
        batch = []
        for i in range(start, min(n_items, start + step)):
            post = Post.create(
                platform=("mastodon", "bluesky", "reddit")[i % 3], native_id=str(i),
                text=f"lumio item {i} needs an answer", author=Author(f"user{i % 997}"),
                published_at=base.fromtimestamp(base.timestamp() + i, UTC), lang="en",
                sentiment=Sentiment(labels[i % 3], 0.0, 1.0),  # type: ignore[arg-type]
            )  # fmt: skip
            batch.append((post, ["lumio"]))
        at = int(base.timestamp()) + start
        with ws.state.transaction() as tx:
            for item in tx.enter_inbox(batch, at):
                # Two in three assigned, every third of those passed on twice:
                # since when is the last assignment of a history.
                for turn in range(3 if item.id % 9 == 1 else 1 if item.id % 3 else 0):
                    who = f"agent{(item.id + turn) % 7}"
                    change = ItemChange(
                        {"assignee": who, "status": "assigned"},
                        events=(("lead", "assign", who),),
                    )
                    tx.apply_inbox_change(item.id, change, at + 60 * (turn + 1))


def bench_list(n_items: int, repeat: int, web: bool) -> None:
    from veille.inbox import items as svc
    from veille.inbox.model import OPEN_STATUSES, ItemFilter
    from veille.inbox.targets import due_states
    from veille.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        ws = Workspace.open(root)
        t = time.perf_counter()
        _fill(ws, n_items)
        fill_s = time.perf_counter() - t
        flt = ItemFilter(statuses=OPEN_STATUSES, limit=50)
        page: list[float] = []
        bare: list[float] = []
        count: list[float] = []
        since: dict[int, Any] = {}
        for _ in range(repeat):
            t = time.perf_counter()
            found = svc.list_items(ws.state, flt)
            svc.count_items(ws.state, flt)
            due_states(ws.settings, found)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            found = svc.list_items(ws.state, flt)
            svc.count_items(ws.state, flt)
            due_states(ws.settings, found)
            since = svc.assigned_since(ws.state, found)
            page.append(time.perf_counter() - t)
            t = time.perf_counter()
            svc.count_items(ws.state, flt)
            count.append(time.perf_counter() - t)
        p95, b95, c95 = _pct(page, 0.95), _pct(bare, 0.95), _pct(count, 0.95)
        print(f"open items={n_items} (entered in {fill_s:.1f} s) page of 50, {repeat} runs")
        print(
            f"list page data p95 {p95 * 1000:7.2f} ms (median {statistics.median(page) * 1000:.2f})"
            f"   count alone p95 {c95 * 1000:7.2f} ms   ratio {p95 / c95:5.2f}x"
        )
        print(
            f"without since-when p95 {b95 * 1000:7.2f} ms (median "
            f"{statistics.median(bare) * 1000:.2f})   with it / without "
            f"{statistics.median(page) / statistics.median(bare):5.2f}x (medians); "
            f"{len(since)} of the page's {len(found)} items assigned"
        )
        if web:
            _bench_web(root, repeat)
        ws.close()


def _bench_web(root: Path, repeat: int) -> None:
    """``GET /inbox`` over loopback beside ``GET /login`` (the web app's
    cheapest page) on the same server, signed in as a viewer."""
    import httpx
    from tests.web.conftest import add_role_users, do_login, serve

    add_role_users(root)
    served, server = serve(root)
    try:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            do_login(client, "viewer")
            page: list[float] = []
            login: list[float] = []
            for _ in range(repeat):
                t = time.perf_counter()
                r = client.get("/inbox")
                page.append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
                t = time.perf_counter()
                client.get("/login")
                login.append(time.perf_counter() - t)
    finally:
        server.stop()
    p95, b95 = _pct(page, 0.95), _pct(login, 0.95)
    print(f"GET /inbox p95 {p95 * 1000:7.2f} ms   GET /login p95 {b95 * 1000:7.2f} ms   "
          f"ratio {p95 / b95:5.2f}x")  # fmt: skip


def bench_snooze(n_items: int, repeat: int) -> None:
    from veille.inbox import items as svc
    from veille.inbox.model import OPEN_STATUSES, ItemChange, ItemFilter
    from veille.inbox.snooze import wake_on_replies
    from veille.models import Author, Post
    from veille.pipeline.ingest import build_pipeline
    from veille.query.topics import add_topic
    from veille.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        ws = Workspace.open(root)
        _fill(ws, n_items)
        later = int(time.time()) + 86_400
        snoozed = 0
        with ws.state.transaction() as tx:
            for item_id in range(1, n_items + 1, 20):
                tx.apply_inbox_change(
                    item_id, ItemChange({"status": "snoozed", "snoozed_until": later}), later
                )
                snoozed += 1
        flt = ItemFilter(statuses=OPEN_STATUSES, limit=50)
        woke: list[float] = []
        bare: list[float] = []
        for _ in range(repeat):
            t = time.perf_counter()
            svc.list_items(ws.state, flt)  # the wake check, then the query
            woke.append(time.perf_counter() - t)
            t = time.perf_counter()
            ws.state.inbox_items(flt)  # the query alone
            bare.append(time.perf_counter() - t)
        w, b = statistics.median(woke), statistics.median(bare)
        print(f"open items={n_items}, snoozed={snoozed}, none due; {repeat} runs")
        print(f"list query with the wake check median {w * 1000:7.2f} ms (p95 "
              f"{_pct(woke, 0.95) * 1000:.2f})   alone median {b * 1000:7.2f} ms (p95 "
              f"{_pct(bare, 0.95) * 1000:.2f})   ratio {w / b:5.2f}x")  # fmt: skip
        add_topic(ws.state, "lumio", "lumio", inbox=True)
        pipeline = build_pipeline(ws, skip=("enrich",))
        check: list[float] = []
        ingest: list[float] = []
        base = datetime(2026, 12, 1, tzinfo=UTC)
        for run in range(max(3, repeat // 10)):
            batch = [
                Post.create(platform="mastodon", native_id=f"r{run}-{i}",
                            text=f"lumio reply {i}", author=Author(f"someone{i}"),
                            published_at=base, lang="en", parent_id=f"mastodon:{i}")
                for i in range(1000)
            ]  # fmt: skip
            t = time.perf_counter()
            with ws.state.transaction() as tx:
                wake_on_replies(tx, batch, int(time.time()))
            check.append(time.perf_counter() - t)
            t = time.perf_counter()
            pipeline.ingest(batch)
            ingest.append(time.perf_counter() - t)
        c, i_ = statistics.median(check), statistics.median(ingest)
        print(f"1,000 replies: the author check median {c * 1000:7.2f} ms   their ingest "
              f"(check included) median {i_ * 1000:7.2f} ms   share {c / i_:6.1%}")  # fmt: skip
        ws.close()


def bench_escalate(n_items: int, repeat: int) -> None:
    from veille.inbox.escalate import escalate_due
    from veille.inbox.rules import add_rule, make_rule
    from veille.inbox.snooze import wake_due
    from veille.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        ws = Workspace.open(root)
        _fill(ws, n_items)
        add_rule(ws.state, make_rule("late", on="breached", actions=[("tag", "late")]))
        now = int(time.time())
        done = passes = 0
        t = time.perf_counter()
        while ran := escalate_due(ws, now):
            done += len(ran)
            passes += 1
        spent = time.perf_counter() - t
        print(f"open items={n_items}, all past their target: {done} escalated in {passes} "
              f"passes, {spent:.1f} s ({done / spent:,.0f} items/s)")  # fmt: skip
        esc: list[float] = []
        bare: list[float] = []
        for _ in range(repeat):
            t = time.perf_counter()
            wake_due(ws.state, now)
            escalate_due(ws, now)
            esc.append(time.perf_counter() - t)
            t = time.perf_counter()
            wake_due(ws.state, now)
            bare.append(time.perf_counter() - t)
        e, b = statistics.median(esc), statistics.median(bare)
        print(f"a pass with every item escalated already: median {e * 1000:7.2f} ms (p95 "
              f"{_pct(esc, 0.95) * 1000:.2f})   the wake alone median {b * 1000:7.2f} ms "
              f"(p95 {_pct(bare, 0.95) * 1000:.2f})   ratio {e / b:5.1f}x")  # fmt: skip
        ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--rules", type=int, default=100)
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=100)
    ap.add_argument("--web", action="store_true", help="also time GET /inbox over loopback")
    ap.add_argument("--snooze", action="store_true", help="only the snoozes' wake checks")
    ap.add_argument("--escalate", action="store_true", help="only the escalation passes")
    args = ap.parse_args()
    if args.escalate:
        bench_escalate(args.items, args.repeat)
        return
    if args.snooze:
        bench_snooze(args.items, args.repeat)
        return
    bench_rules(args.posts, args.rules)
    bench_list(args.items, args.repeat, args.web)


if __name__ == "__main__":
    main()
