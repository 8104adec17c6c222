"""Escalation: the rules that run on an item about to miss (``due_soon``)
or past (``breached``) its first-response target, or not closed by its
resolution target (``unresolved``), from the scheduler's loop
after the snoozes' wake (:func:`veille.pipeline.daemon._escalate`).

An escalation rule runs once per item and trigger: the turn is recorded in
the transaction that applies its actions (a unique row), so a restart or a
second scheduler never runs it twice. It runs on open items without a first
response (``unresolved``: items not closed nor ignored, answered or not),
not snoozed: a snoozed item's targets keep counting
(docs/inbox.md, "Snoozing"), so an item that passed its target asleep is
escalated at the first pass after it wakes. Its conditions are checked then,
on the item's copy of the post; an item they do not hold for has had its
turn all the same.

Each pass reads, per rule and priority, the oldest items that can have
reached the trigger (an index of the open items without an answer, by
priority and age), at most ``limit`` of them, and stops at the first that
has not: the items of one priority reach their target in the order they
entered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.inbox.rules import Rule, RuleContext, actions_of, holds
from veille.inbox.targets import due_state

if TYPE_CHECKING:
    from veille.inbox.model import Item
    from veille.models import Post

log = logging.getLogger(__name__)

#: The due states at which each trigger has been reached: an item that went
#: past its target before a pass saw it due soon still gets its due-soon rules.
REACHED = {"due_soon": ("due_soon", "breached"), "breached": ("breached",), "unresolved": ()}


def escalate_due(workspace: Any, now: int, *, limit: int = 200) -> list[tuple[str, int]]:
    """Run each enabled escalation rule on the items that reached its
    trigger by ``now``; ``(rule, item id)`` for each it acted on."""
    from veille.inbox.hours import Targets, WorkingTime, working_settings

    state = workspace.state
    rules = [r for r in state.inbox_rules() if r.enabled and r.on in REACHED]
    if not rules:
        return []
    settings = working_settings(workspace)
    hours = WorkingTime.from_settings(settings)
    targets = Targets.from_settings(settings, hours)
    at = datetime.fromtimestamp(now, UTC)
    ranks = _ranks(workspace)
    ran: list[tuple[str, int]] = []
    for rule in rules:
        assert rule.id is not None
        ahead = targets.due_soon if rule.on == "due_soon" else timedelta(0)
        spans = targets.resolution if rule.on == "unresolved" else targets.first_response
        for priority, span in spans.items():
            # Working time never runs faster than the clock: an item entered
            # later than this cannot have reached its target (less ``ahead``).
            created_by = int((at + ahead - span).timestamp())
            for item in state.inbox_awaiting(rule.id, rule.on, priority, created_by, limit=limit):
                if rule.on == "unresolved":
                    reached = at > hours.add(item.created_at, span)
                else:
                    due = due_state(item, hours, targets, at)
                    reached = due is not None and due.state in REACHED[rule.on]
                if not reached:
                    break  # nor have the items entered after it
                ctx = RuleContext(hours, _matched(rule, item), ranks, at)
                if _run(state, rule, item, ctx, now):
                    ran.append((rule.name, item.id))
    return ran


def _run(state: Any, rule: Rule, item: Item, ctx: RuleContext, now: int) -> bool:
    """Rule ``rule``'s turn on ``item``, in one transaction; whether it acted."""
    from veille.store.portable.inbox import ItemMoved

    assert rule.id is not None
    try:
        with state.transaction() as tx:
            if not tx.claim_escalation(rule.id, rule.on, item.id, now):
                return False
            if not holds(rule, post_of(item), item, ctx):
                return False
            change, notify = actions_of(rule, item, next_in_team=tx.next_in_team, now=now)
            alerts = []
            for name in notify:
                alert = state.find_alert(name)
                if alert is None or alert.id is None:
                    raise LookupError(f"no alert named {name!r} to notify")
                alerts.append(alert)
            tx.change_escalated(item.id, change, version=item.version, at=now)
            error = None
            for alert in alerts:
                if not tx.queue_match(
                    alert.id, item.post_id, cluster_id=None, spans=[], status="pending",
                    now=float(now), due=float(now), reason=None,
                    published=item.published_at.timestamp(),
                ):  # fmt: skip
                    # An alert sends a post once: said on the rule, not lost silently.
                    error = (
                        f"{item.post_id}: alert {alert.name!r} had already sent this post; "
                        "nothing more sent (give the escalation an alert of its own)"
                    )
            tx.record_rule_run(rule.id, error, now)
        return True
    except ItemMoved:  # changed since read (closed, answered…): read again next pass
        return False
    except Exception as exc:  # recorded on the rule, as a new item's rule's error is
        log.warning("inbox rule %r failed on item %s: %s", rule.name, item.id, exc)
        with state.transaction() as tx:
            # Its turn is taken: a rule that fails (an alert gone) is not run
            # again on the item at every pass.
            if tx.claim_escalation(rule.id, rule.on, item.id, now):
                tx.record_rule_run(rule.id, f"{item.post_id}: {exc}", now)
        return False


def post_of(item: Item) -> Post:
    """The item's copy of its post, as the rules' conditions read a post."""
    from veille.models import Author, Post

    return Post(
        id=item.post_id, platform=item.platform, native_id=item.post_id, text=item.text,
        published_at=item.published_at, title=item.title, lang=item.lang,
        url=item.url, parent_id=item.parent_id, thread_id=item.thread_id,
        author=Author(handle=item.author, name=item.author_name, followers=item.followers),
    )  # fmt: skip


def _matched(rule: Rule, item: Item) -> set[str]:
    """``{rule.name}`` when the rule's query matches the item's post."""
    if rule.conditions.query is None:
        return set()
    from veille.query import compile_query

    return {rule.name} if compile_query(rule.conditions.query).matches(post_of(item)) else set()


def _ranks(workspace: Any) -> Callable[[], dict[tuple[str, str], int]]:
    """Influencer ranks, read once a pass when a rule asks for them."""
    cache: dict[str, dict[tuple[str, str], int]] = {}

    def ranks() -> dict[tuple[str, str], int]:
        if "ranks" not in cache:
            from veille.inbox.stage import influencer_ranks

            cache["ranks"] = influencer_ranks(workspace.posts, workspace.settings)
        return cache["ranks"]

    return ranks
