"""The "inbox" pipeline stage: posts matched by a topic flagged for
engagement enter the inbox, and the rules run on each new item.

Everything happens inside the ingest transaction, beside the topic filings
and the alert outbox rows: an item is entered with the post that brought it
or not at all, so a crash neither loses one nor (the post id is unique in
the inbox) enters one twice. Notifications are outbox rows of the alert
named by the rule; the outbox worker sends them, never this thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.inbox.rules import Rule, RuleContext, actions_of, holds
from veille.inbox.snooze import wake_on_replies

if TYPE_CHECKING:
    from veille.inbox.hours import WorkingTime
    from veille.inbox.model import Item
    from veille.models import Post
    from veille.pipeline.ingest import Stage, StageContext
    from veille.store.base import StoreTransaction, UpsertResult

log = logging.getLogger(__name__)

# Influencer ranks read by "--max-rank" rules: over this period, refreshed this often.
RANK_PERIOD = timedelta(days=30)
RANK_TTL_SECONDS = 3600.0


def run_rules(
    tx: Any,
    rules: list[Rule],
    items: list[tuple[Item, Post]],
    ctx: RuleContext,
    *,
    find_alert: Callable[[str], Any],
    now: int,
) -> int:
    """Run ``rules`` in order on each new item through ``tx``; every action
    is recorded on the item, an error on the rule. Returns the actions applied."""
    applied = 0
    for rule in rules:
        error: str | None = None
        for item, post in items:
            try:
                if not holds(rule, post, item, ctx):
                    continue
                change, notify = actions_of(rule, item, next_in_team=tx.next_in_team, now=now)
                alerts = []
                for name in notify:
                    alert = find_alert(name)
                    if alert is None or alert.id is None:
                        raise LookupError(f"no alert named {name!r} to notify")
                    alerts.append(alert)
                tx.apply_inbox_change(item.id, change, now)
                for alert in alerts:
                    tx.queue_match(
                        alert.id, post.id, cluster_id=post.cluster_id, spans=[],
                        status="pending", now=float(now), due=float(now), reason=None,
                        published=post.published_at.timestamp(),
                    )  # fmt: skip
                applied += len(change.events)
                # Later rules see this rule's changes (a priority set, an assignee).
                index = items.index((item, post))
                items[index] = (replace(item, **change.fields), post)
            except Exception as exc:  # one rule's fault must not stop the others
                log.warning("inbox rule %r failed on %s: %s", rule.name, post.id, exc)
                error = f"{post.id}: {exc}"
        if rule.id is not None:
            tx.record_rule_run(rule.id, error, now)
    return applied


def inbox_stage(context: StageContext) -> Stage:
    """Enters new posts of flagged topics in the inbox and runs the rules on them."""
    from veille.inbox.hours import WorkingTime, working_settings
    from veille.pipeline.ingest import Stage
    from veille.query.topics import list_topics

    workspace = context.workspace
    store = context.store
    index = context.rules
    cache: dict[str, Any] = {}

    def flagged_topics() -> list[tuple[int, str]]:
        flagged = store.inbox_topic_ids()
        return [(t.id, t.query) for t in list_topics(store) if t.id in flagged]

    def rule_queries() -> list[tuple[str, str]]:
        return [
            (r.name, r.conditions.query)
            for r in store.inbox_rules()
            if r.enabled and r.on == "new" and r.conditions.query is not None
        ]

    index.provide("inbox_topic", flagged_topics)
    index.provide("inbox_rule", rule_queries)

    def hours() -> WorkingTime:
        if "hours" not in cache:
            cache["hours"] = WorkingTime.from_settings(working_settings(workspace))
        found: WorkingTime = cache["hours"]
        return found

    def state() -> tuple[dict[int, str], list[Rule]]:
        """Topic names and enabled rules, read again when a rule or topic changes."""
        version = store.rules_version()
        if cache.get("version") != version:
            flagged = store.inbox_topic_ids()
            cache["topics"] = {t.id: t.name for t in list_topics(store) if t.id in flagged}
            # Escalation rules run from the scheduler (veille.inbox.escalate).
            cache["rules"] = [r for r in store.inbox_rules() if r.enabled and r.on == "new"]
            cache["version"] = version
        return cache["topics"], cache["rules"]

    def ranks() -> dict[tuple[str, str], int]:
        stamp = cache.get("ranks_at", 0.0)
        if "ranks" not in cache or time.monotonic() - stamp > RANK_TTL_SECONDS:
            cache["ranks"] = influencer_ranks(store, workspace.settings)
            cache["ranks_at"] = time.monotonic()
        found: dict[tuple[str, str], int] = cache["ranks"]
        return found

    def in_transaction(tx: StoreTransaction, result: UpsertResult) -> None:
        if not result.new:
            return
        # A snoozed item whose author wrote again in its thread is back open now.
        wake_on_replies(tx, [p for p in result.new if p.parent_id or p.thread_id], int(time.time()))
        topics, rules = state()
        if not topics:
            return
        found = index.matches(result.new)
        entries: list[tuple[Post, list[str]]] = []
        matched: dict[str, set[str]] = {}
        for post in result.new:
            hits = found.get(post.id, ())
            ids = [int(str(k)) for kind, k in hits if kind == "inbox_topic"]
            names = [topics[t] for t in ids if t in topics]
            if names:
                entries.append((post, sorted(set(names))))
                matched[post.id] = {str(k) for kind, k in hits if kind == "inbox_rule"}
        if not entries:
            return
        now = int(time.time())
        items = tx.enter_inbox(entries, now)
        if not items or not rules:
            return
        posts = {p.id: p for p, _ in entries}
        ctx_now = datetime.fromtimestamp(now, UTC)
        # Rules run per item so that each sees which of the rule queries it matched.
        for item in items:
            ctx = RuleContext(hours(), matched.get(item.post_id, set()), ranks, ctx_now)
            run_rules(
                tx, rules, [(item, posts[item.post_id])], ctx,
                find_alert=store.find_alert, now=now,
            )  # fmt: skip

    return Stage("inbox", in_transaction=in_transaction)


def influencer_ranks(store: Any, settings: Any) -> dict[tuple[str, str], int]:
    """(platform, handle) -> rank among the top influencers of the last 30 days."""
    from veille.analytics.influencers import identity, influencers
    from veille.analytics.scope import Period, Scope

    now = datetime.now(UTC)
    found = influencers(
        store,
        Scope(),
        Period(now - RANK_PERIOD, now),
        org_handles=settings.organization.handles,
        limit=1000,
        recent=0,
    )
    out: dict[tuple[str, str], int] = {}
    for rank, inf in enumerate(found, start=1):
        for platform, handle in inf.accounts:
            out.setdefault((platform, identity(handle)), rank)
    return out
