"""What the CLI and the web app do with alerts: test sends, outbox views,
"not relevant" marks and NOT-term suggestions."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from veille.alerts.channels.base import Delivery, DeliveryItem, channel_for, sample_id
from veille.alerts.matching import normalize_spans, query_words
from veille.alerts.model import Alert, AlertBook
from veille.alerts.outbox import AlertEngine
from veille.errors import NotFound, UsageError, tr
from veille.models import Author, Post
from veille.store.base import PostFilter
from veille.textnorm import tokens

if TYPE_CHECKING:
    from veille.store.protocols.alerts import AlertState


TEST_POSTS = 5


def recent_matches(
    engine: AlertEngine, alert: Alert, limit: int = TEST_POSTS
) -> list[DeliveryItem]:
    """The alert's most recent matching posts (newest first), with their highlights."""
    text = engine.query_of(alert) or ""
    if not text:
        return []
    compiled = engine.compiler(text)
    flt = PostFilter(platforms=alert.platforms, languages=alert.languages)
    items: list[DeliveryItem] = []
    # The store finds the newest candidates; the alert's own matcher confirms
    # each one and gives the spans to highlight.
    for post in engine.store.search(text, flt, sort="newest", limit=limit * 4):
        if compiled.matches(post):
            items.append(DeliveryItem(post, normalize_spans(compiled.spans(post))))
        if len(items) >= limit:
            break
    return items


def sample_delivery(
    engine: AlertEngine, alert: Alert, limit: int = TEST_POSTS, now: datetime | None = None
) -> Delivery:
    """What ``alert test`` sends (at ``now``, by default the present): the
    latest matching posts, one example post when none match yet, or an
    example event for a monitor; under an id no other send has
    (:func:`~veille.alerts.channels.base.sample_id`)."""
    now = now or datetime.now(UTC)
    delivery_id = sample_id(alert.id, now)
    if alert.kind in ("spike", "sentiment", "silence"):
        from veille.alerts.monitors import sample_event

        return Delivery(delivery_id, alert, [], now, alert.kind, sample_event(alert))
    items = recent_matches(engine, alert, limit)
    if not items:
        sample = (
            "Exemple : voici à quoi ressemblera une publication trouvée par cette alerte."
            if alert.language == "fr"
            else "Example: this is what a post found by this alert will look like."
        )
        items = [
            DeliveryItem(
                Post.create(platform="veille", native_id="sample", text=sample,
                            published_at=now, author=Author(handle="veille")),
            )
        ]  # fmt: skip
    return Delivery(delivery_id, alert, items, now, "test")


def send_test(engine: AlertEngine, alert: Alert, now: datetime | None = None) -> int:
    """Send a sample now (not through the outbox; ``now``: the present by
    default); the number of posts in it (for a report alert: the report of
    the latest period, and its post count)."""
    if alert.kind == "report":
        from veille.alerts.reports import test_delivery

        report = test_delivery(engine, alert, None if now is None else now.timestamp())
        channel_for(alert.channel_url, engine.ctx.fresh(), engine.registry).send(report)
        assert report.event is not None
        return int(report.event["headline"]["posts"]["value"])
    delivery = sample_delivery(engine, alert, now=now)
    channel_for(alert.channel_url, engine.ctx.fresh(), engine.registry).send(delivery)
    return len(delivery.items)


def mark_not_relevant(store: AlertState, alert_name: str, post_id: str) -> None:
    alert = AlertBook(store).get(alert_name)
    assert alert.id is not None
    if not store.has_delivery(alert.id, post_id):
        raise NotFound(
            tr(
                "alert %(alert_name)r never matched post %(post_id)r",
                alert_name=alert_name,
                post_id=post_id,
            ),
            hint=tr(
                "See `veille alert deliveries --alert %(alert_name)s` for its posts.",
                alert_name=alert_name,
            ),
        )
    store.mark_not_relevant(alert.id, post_id, time.time())


@dataclass(frozen=True)
class Suggestion:
    term: str
    in_marked: int
    in_kept: int
    score: float


def suggest_not_terms(engine: AlertEngine, alert_name: str, limit: int = 5) -> list[Suggestion]:
    """Words frequent in the posts marked "not relevant" and rare in the others
    (smoothed log-odds), never words of the query itself."""
    alert = AlertBook(engine.store).get(alert_name)
    assert alert.id is not None
    marked_ids = engine.store.not_relevant_posts(alert.id)
    if not marked_ids:
        raise UsageError(
            tr("alert %(alert_name)r has no post marked not relevant", alert_name=alert_name),
            hint=tr(
                "Mark some first: `veille alert notrelevant POST_ID --alert %(alert_name)s`.",
                alert_name=alert_name,
            ),
        )
    kept_ids = [i for i in engine.store.delivered_posts(alert.id) if i not in marked_ids]
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
