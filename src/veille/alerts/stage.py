"""The "alerts" pipeline stage: queue matches in the posts' transaction, send
the as-it-happens ones once committed."""

from __future__ import annotations

import logging
import os
import signal
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


def dispatch_once(engine: AlertEngine) -> tuple[int, DispatchReport]:
    """One round of the dispatcher (what the daemon runs every
    ``[alerts] dispatch_interval_seconds``): check the monitors, then send every
    due digest, retry and as-it-happens delivery. Returns the new monitor events
    and the send report; a failing monitor or channel is logged, never raised."""
    from veille.alerts.monitors import check_monitors

    try:
        events = check_monitors(engine)
    except Exception:
        log.exception("checking spike/sentiment/silence alerts failed")
        events = 0
    return events, engine.dispatch()


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
        if os.environ.get("VEILLE_FAULT") == "alerts-after-commit":
            # Fault injection for the crash tests: die between commit and send.
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            engine().dispatch(instant_only=True)
        except Exception:  # the posts are stored; the dispatcher will send later
            log.exception("sending as-it-happens alerts failed; they stay in the outbox")

    return Stage("alerts", in_transaction=in_transaction, after_commit=after_commit)
