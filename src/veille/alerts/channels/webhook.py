"""``webhook+https://…``: a signed JSON POST.

Headers: ``X-Veille-Delivery`` (the same for every retry of a batch, so a
receiver can drop repeats), ``X-Veille-Timestamp`` and ``X-Veille-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." + body`` with the alert's
secret (``veille alert show NAME --secret`` prints it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from veille.alerts.channels import httpclient
from veille.alerts.channels.base import ChannelContext, Delivery
from veille.alerts.matching import Span
from veille.models import Post


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_json(post: Post, spans: list[Span], ctx: ChannelContext) -> dict[str, Any]:
    e = post.engagement
    # Unknown is not zero: a platform that gave no counts (a feed, a web page)
    # sends null, one that gave 0 sends 0.
    counts = {"likes": e.likes, "shares": e.shares, "replies": e.replies}
    return {
        "id": post.id,
        "platform": post.platform,
        "url": ctx.post_url(post),
        "title": post.title,
        "text": post.text,
        "lang": post.lang,
        "author": {"handle": post.author.handle, "name": post.author.name,
                   "followers": post.author.followers},
        "published_at": post.published_at.isoformat(),
        "engagement": {k: v if e.given else None for k, v in counts.items()},
        "sentiment": post.sentiment.label if post.sentiment else None,
        "cluster_id": post.cluster_id,
        "highlights": [{"field": f, "start": s, "end": e} for f, s, e in spans],
    }  # fmt: skip


def delivery_json(delivery: Delivery, ctx: ChannelContext) -> dict[str, Any]:
    alert = delivery.alert
    return {
        "delivery_id": delivery.id,
        "kind": delivery.kind,
        "alert": {"name": alert.name, "topic": alert.topic, "query": alert.query,
                  "url": ctx.alert_url(alert)},
        "created_at": delivery.created_at.isoformat(),
        "posts": [post_json(i.post, i.spans, ctx) for i in delivery.items],
        "event": delivery.event,
        # Matches the alert's daily cap held back since its previous message.
        "over_cap": delivery.over_cap,
        # An as-it-happens or hourly alert that reached its daily cap today.
        "cap_reached": delivery.cap_reached,
    }  # fmt: skip


class WebhookChannel:
    def __init__(self, url: str, ctx: ChannelContext) -> None:
        from veille.alerts.channels.apprise_guard import refuse_url_host
        from veille.alerts.channels.apprise_mask import mask_channel_url

        self.target = url.split("+", 1)[1]
        self.ctx = ctx
        # A clear refusal at `alert add`; the HTTP client checks again when it connects.
        refuse_url_host(self.target, ctx.settings.http, shown=mask_channel_url(url))

    def send(self, delivery: Delivery) -> None:
        body = json.dumps(delivery_json(delivery, self.ctx), ensure_ascii=False).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Veille-Delivery": delivery.id,
            "X-Veille-Timestamp": ts,
            "X-Veille-Signature": signature(delivery.alert.secret, ts, body),
        }
        httpclient.post(self.target, body, headers, self.ctx.http.client(self.ctx.settings))
