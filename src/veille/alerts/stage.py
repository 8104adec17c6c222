"""The "alerts" pipeline stage: queue matches in the posts' transaction, send
the as-it-happens ones once committed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from veille.pipeline.ingest import Stage
from veille.store.base import StoreTransaction, UpsertResult

if TYPE_CHECKING:
    from veille.alerts.outbox import AlertEngine, DispatchReport
    from veille.models import Post
    from veille.pipeline.ingest import StageContext
    from veille.workspace import Workspace

log = logging.getLogger(__name__)


def engine_for(workspace: Workspace) -> AlertEngine:
    from veille.alerts.outbox import AlertEngine
    from veille.store.split import joined

    # Posts and state through one object, whether one backend keeps both or not.
    return AlertEngine(joined(workspace.posts, workspace.state), workspace.settings, workspace.root)


def dispatch_once(engine: AlertEngine, now: float | None = None) -> tuple[int, DispatchReport]:
    """One round of the dispatcher (what the daemon runs every
    ``[alerts] dispatch_interval_seconds``): check the monitors and the report
    schedules, then send every due digest, report, retry and as-it-happens
    delivery. Returns the new monitor events and reports and the send report; a
    failing monitor, report or channel is logged, never raised."""
    from veille.alerts.outbox import OutboxWorker

    # The same round the outbox worker runs on its own thread.
    return OutboxWorker.check(engine, now), engine.dispatch(now=now)


def alerts_stage(context: StageContext) -> Stage:
    """Queues each new post matching an alert in the posts' transaction. The
    alert rules are filed in the pipeline's one matcher (beside the topics);
    as-it-happens ones are sent once committed, unless an outbox worker took
    that over (``OutboxWorker.attach``: ``veille run`` sends on its own thread)."""
    from veille.query import Query

    workspace = context.workspace
    rules = context.rules
    holder: list[AlertEngine] = []

    def engine() -> AlertEngine:
        if not holder:
            holder.append(engine_for(workspace))
        return holder[0]

    def alert_rules() -> list[tuple[str, Query]]:
        return [
            (str(r.alert.id), r.compiled) for r in engine().rules() if isinstance(r.compiled, Query)
        ]

    rules.provide("alert", alert_rules)

    def in_transaction(tx: StoreTransaction, result: UpsertResult) -> None:
        if not result.new:
            return
        if not all(isinstance(r.compiled, Query) for r in engine().rules()):
            # A compiler of its own: it matches itself.
            engine().queue(tx, result.new, clusters=result.clusters)
            return
        found = rules.matches(result.new)
        # Spans are left to the sender (AlertEngine._spans): finding them here
        # cost a fifth of the ingest path, for rows mostly never sent alone.
        hits: list[tuple[str, Post, Any]] = [
            (str(key), post, ())
            for post in result.new
            for kind, key in found.get(post.id, ())
            if kind == "alert"
        ]
        engine().queue(tx, result.new, hits=hits, clusters=result.clusters)

    def after_commit(result: UpsertResult) -> None:
        if not result.new:
            return
        try:
            engine().dispatch(instant_only=True)
        except Exception:  # the posts are stored; the dispatcher will send later
            log.exception("sending as-it-happens alerts failed; they stay in the outbox")

    return Stage("alerts", in_transaction=in_transaction, after_commit=after_commit)
