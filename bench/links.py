"""Links benchmark: what the links of a message cost a sender when
``[web] base_url`` is not set, the web app's address being read from the
state store (veille.served_at) once per send, beside base_url set (no read)
in the same process; and what that one read costs as the state's leases
grow (a source's lease each).

    python bench/links.py                  # 1,000 sources' leases, 50-post mails
    python bench/links.py --leases 10000 --posts 50
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _best(fn: Any, repeat: int = 7, number: int = 200) -> float:
    """Seconds per call of ``fn``, the best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leases", type=int, default=1000, help="sources' leases in the state")
    ap.add_argument("--posts", type=int, default=50, help="posts (links) in one message")
    args = ap.parse_args()

    from veille.alerts.channels import ChannelContext
    from veille.alerts.model import Alert
    from veille.models import Author, Post
    from veille.served_at import Recording, served_url
    from veille.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = init_workspace(Path(tmp) / "ws")
        with Workspace.open(root) as ws:
            state = ws.state
            now = state.clock()
            for i in range(args.leases):
                state.acquire_lease(f"source:s{i}", f"box:{i}:abc", ttl=60, now=now)
            Recording(None, "http://127.0.0.1:8812").beat_once(state)
            assert served_url(state) == "http://127.0.0.1:8812"
            alert = Alert(name="lumio", query="lumio", channel_url="mailto:a@example.org")
            posts = [
                Post.create(platform="veille", native_id=str(i), text="lumio",
                            published_at=datetime.now(UTC), author=Author(handle="ada"))
                for i in range(args.posts)
            ]  # fmt: skip
            unset = ChannelContext(ws.settings, root, state=state)
            web = replace(ws.settings.web, base_url="https://veille.example")
            base = ChannelContext(replace(ws.settings, web=web), root, state=state)

            def mail(ctx: ChannelContext) -> None:
                ctx = ctx.fresh()  # as each send asks
                ctx.alert_url(alert)
                ctx.stream_url(alert)
                for p in posts:
                    ctx.post_url(p)

            links = args.posts + 2
            rows = [
                ("one read of the state (served_url)", _best(lambda: served_url(state), number=50)),
                ("a mail's links, base_url set (baseline)", _best(lambda: mail(base)) / links),
                ("a mail's links, unset (read once a send)", _best(lambda: mail(unset)) / links),
            ]
            baseline = rows[1][1]
            print(f"{args.leases:,} leases in the state, {links} links a mail (SQLite state)")
            for label, seconds in rows:
                print(f"  {label:44} {seconds * 1e6:9.2f} us  x{seconds / baseline:8.1f}")


if __name__ == "__main__":
    main()
