"""What the CLI and the web app do with alerts: test sends, outbox views,
"not relevant" marks and NOT-term suggestions."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veille.alerts.channels.base import Delivery, DeliveryItem, channel_for
from veille.alerts.matching import normalize_spans, query_words
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.errors import NotFound, UsageError
from veille.models import Author, Post
from veille.textnorm import tokens


def sample_delivery(engine: AlertEngine, alert: Alert, limit: int = 5) -> Delivery:
    """The alert's latest matching posts, or one example post when none match yet."""
    text = engine.query_of(alert) or ""
    compiled = engine.compiler(text) if text else None
    items: list[DeliveryItem] = []
    if compiled is not None:
        for post in engine.store.iter_posts():
            if compiled.matches(post):
                items.append(DeliveryItem(post, normalize_spans(compiled.spans(post))))
            if len(items) >= 200:
                break
    items = sorted(items, key=lambda i: i.post.published_at, reverse=True)[:limit]
    if not items:
        sample = (
            "Exemple : voici à quoi ressemblera une publication trouvée par cette alerte."
            if alert.language == "fr"
            else "Example: this is what a post found by this alert will look like."
        )
        items = [
            DeliveryItem(
                Post.create(platform="veille", native_id="sample", text=sample,
                            published_at=datetime.now(UTC), author=Author(handle="veille")),
            )
        ]  # fmt: skip
    return Delivery(f"test.{alert.id}.{int(time.time())}", alert, items, datetime.now(UTC), "test")


def send_test(engine: AlertEngine, alert: Alert) -> int:
    """Send a sample now (not through the outbox); the number of posts in it
    (for a report alert: the report of the latest period, and its post count)."""
    if alert.kind == "report":
        from veille.alerts.reports import test_delivery

        report = test_delivery(engine, alert)
        channel_for(alert.channel_url, engine.ctx, engine.registry).send(report)
        assert report.event is not None
        return int(report.event["headline"]["posts"]["value"])
    delivery = sample_delivery(engine, alert)
    channel_for(alert.channel_url, engine.ctx, engine.registry).send(delivery)
    return len(delivery.items)


DELIVERY_COLUMNS = ("id", "alert", "post_id", "status", "attempts", "due", "sent", "error")


def deliveries(conn: Any, *, status: tuple[str, ...] = (), alert: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    sql = (
        "SELECT d.id, a.name, d.post_id, d.status, d.attempts, d.due_at, d.sent_at, "
        "d.last_error FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if status:
        sql += f" AND d.status IN ({','.join('?' * len(status))})"
        params.extend(status)
    if alert:
        sql += " AND a.name = ?"
        params.append(alert)
    sql += " ORDER BY d.id DESC LIMIT ?"
    params.append(limit)

    def when(ts: float | None) -> datetime | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC)

    return [
        {"id": r[0], "alert": r[1], "post_id": r[2], "status": r[3], "attempts": r[4],
         "due": when(r[5]), "sent": when(r[6]), "error": r[7]}
        for r in conn.execute(sql, params)
    ]  # fmt: skip


def mark_not_relevant(conn: Any, alert_name: str, post_id: str) -> None:
    alert = AlertBook(conn).get(alert_name)
    row = conn.execute(
        "SELECT 1 FROM deliveries WHERE alert_id = ? AND post_id = ?", (alert.id, post_id)
    ).fetchone()
    if row is None:
        raise NotFound(
            f"alert {alert_name!r} never matched post {post_id!r}",
            hint=f"See `veille alert deliveries --alert {alert_name}` for its posts.",
        )
    with conn:
        conn.execute(
            "INSERT OR IGNORE INTO alert_marks (alert_id, post_id, created_at) VALUES (?, ?, ?)",
            (alert.id, post_id, int(time.time())),
        )


@dataclass(frozen=True)
class Suggestion:
    term: str
    in_marked: int
    in_kept: int
    score: float


def suggest_not_terms(engine: AlertEngine, alert_name: str, limit: int = 5) -> list[Suggestion]:
    """Words frequent in the posts marked "not relevant" and rare in the others
    (smoothed log-odds), never words of the query itself."""
    conn = engine.conn
    alert = AlertBook(conn).get(alert_name)
    marked_ids = {r[0] for r in conn.execute(
        "SELECT post_id FROM alert_marks WHERE alert_id = ?", (alert.id,))}  # fmt: skip
    if not marked_ids:
        raise UsageError(
            f"alert {alert_name!r} has no post marked not relevant",
            hint=f"Mark some first: `veille alert notrelevant POST_ID --alert {alert_name}`.",
        )
    kept_ids = [r[0] for r in conn.execute(
        "SELECT post_id FROM deliveries WHERE alert_id = ? AND status != 'skipped' "
        "ORDER BY id DESC LIMIT 2000", (alert.id,)) if r[0] not in marked_ids]  # fmt: skip
    exclude = query_words(engine.query_of(alert) or "")
    store = engine.store

    def doc_freq(ids: list[str]) -> Counter[str]:
        c: Counter[str] = Counter()
        for p in store.get_posts(ids):
            c.update({w for w in tokens(f"{p.title or ''} {p.text}") if len(w) > 2})
        return c

    marked, kept = doc_freq(sorted(marked_ids)), doc_freq(kept_ids)
    nm, nk = len(marked_ids), max(len(kept_ids), 1)
    out = []
    for term, m in marked.items():
        if term in exclude or (m < 2 and nm > 1):
            continue
        k = kept.get(term, 0)
        score = math.log((m + 0.5) / (nm + 1)) - math.log((k + 0.5) / (nk + 1))
        if score > 0.5:
            out.append(Suggestion(term, m, k, round(score, 2)))
    out.sort(key=lambda s: (-s.score, s.term))
    return out[:limit]
