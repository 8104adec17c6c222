"""The "alerts" pipeline stage: queue matches in the posts' transaction, send
the as-it-happens ones once committed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from veille.pipeline.ingest import Stage
from veille.store.base import StoreTransaction, UpsertResult

if TYPE_CHECKING:
    from veille.alerts.outbox import AlertEngine, DispatchReport
    from veille.workspace import Workspace

log = logging.getLogger(__name__)


def engine_for(workspace: Workspace) -> AlertEngine:
    from veille.alerts.outbox import AlertEngine

    return AlertEngine(workspace.store, workspace.settings, workspace.root)


def dispatch_once(engine: AlertEngine, now: float | None = None) -> tuple[int, DispatchReport]:
    """One round of the dispatcher (what the daemon runs every
    ``[alerts] dispatch_interval_seconds``): check the monitors and the report
    schedules, then send every due digest, report, retry and as-it-happens
    delivery. Returns the new monitor events and reports and the send report; a
    failing monitor, report or channel is logged, never raised."""
    from veille.alerts.monitors import check_monitors
    from veille.alerts.reports import check_reports

    events = 0
    try:
        events += check_monitors(engine, now)
    except Exception:
        log.exception("checking spike/sentiment/silence alerts failed")
    try:
        events += check_reports(engine, now)
    except Exception:
        log.exception("checking scheduled reports failed")
    return events, engine.dispatch(now=now)


def alerts_stage(workspace: Workspace) -> Stage:
    holder: list[AlertEngine] = []

    def engine() -> AlertEngine:
        if not holder:
            holder.append(engine_for(workspace))
        return holder[0]

    def in_transaction(tx: StoreTransaction, result: UpsertResult) -> None:
        if result.new:
            engine().queue(tx, result.new)

    def after_commit(result: UpsertResult) -> None:
        if not result.new:
            return
        try:
            engine().dispatch(instant_only=True)
        except Exception:  # the posts are stored; the dispatcher will send later
            log.exception("sending as-it-happens alerts failed; they stay in the outbox")

    return Stage("alerts", in_transaction=in_transaction, after_commit=after_commit)
