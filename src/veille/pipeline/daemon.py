"""The daemon (``veille run``): collection passes under leases, the outbox
and publisher workers, the hourly upkeep, until SIGINT/SIGTERM. One pass of
collection is :func:`veille.pipeline.collect.collect`."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veille.errors import RepeatedFailures, log_failure, tr
from veille.http import HttpClient
from veille.pipeline.collect import (
    ROLES,
    RunResult,
    StoreClock,
    collect,
)
from veille.pipeline.ingest import Pipeline
from veille.pipeline.leases import LEASE_SECONDS, collector_id

log = logging.getLogger("veille.collect")


class StopFlag(threading.Event):
    """A stop that a signal handler may ask for: ``set`` writes a plain
    attribute and takes no lock, and ``wait`` polls it. A
    :class:`threading.Event`'s ``set`` takes the lock its ``wait`` holds for
    moments: a SIGTERM arriving in one of those moments deadlocked the
    daemon's main thread (``veille run`` never stopped; seen once in CI
    under load)."""

    POLL = 0.05

    def __init__(self) -> None:
        super().__init__()
        self._asked = False

    def set(self) -> None:
        self._asked = True

    def clear(self) -> None:
        self._asked = False

    def is_set(self) -> bool:
        return self._asked

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self._asked:
            left = self.POLL if end is None else end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.POLL, left))
        return True


@dataclass
class DaemonState:
    stop: threading.Event = field(default_factory=StopFlag)
    #: The signal that asked the daemon to stop (its name is logged).
    signal: int | None = None
    passes: int = 0
    results: list[RunResult] = field(default_factory=list)
    last_upkeep: float = 0.0  # time.monotonic() of the last upkeep (retention, compaction)
    #: Whether the posts were read, since this start, for erasures cut before
    #: they were recorded (:func:`~veille.services.privacy.record_cut_erasures`).
    erasures_scanned: bool = False
    # [backup]: the thread writing one, and when to look again whether one is due.
    backup: threading.Thread | None = None
    next_backup_check: float = 0.0


def run_daemon(
    workspace: Any,
    *,
    state: DaemonState | None = None,
    tick: float = 5.0,
    on_results: Callable[[list[RunResult]], None] | None = None,
    install_signals: bool = True,
    role: str = "all",
    holder: str | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> DaemonState:
    """Run until SIGINT/SIGTERM (or ``state.stop`` is set) in one ``role``:

    - ``collector``: collect due sources, each under its lease, so any number
      of collectors (on any number of machines) share the sources; matches
      are queued in the outbox, never sent here;
    - ``scheduler``: the outbox worker (monitors, digests, reports, sends and
      retries), the publisher worker (the content calendar's due posts) and
      the hourly upkeep (the retention purge, then the posts store's months
      merged where it does that: ClickHouse), no collection;
    - ``all`` (the default): both in one process.

    Alerts are sent by an outbox worker on its own thread, so a slow channel
    never slows collection; the calendar's posts by a publisher worker,
    likewise. The pipeline is built once; its matcher follows the topics and
    alerts as they change. Nothing a source does stops the loop; a store
    error is logged and retried.
    """
    from veille.alerts.outbox import OutboxWorker
    from veille.pipeline.ingest import build_pipeline

    if role not in ROLES:
        from veille.errors import UsageError

        raise UsageError(
            tr("--role %(role)r is not a role", role=role),
            hint=tr("Use one of %(names)s.", names=", ".join(ROLES)),
        )
    collects, schedules = role in ("all", "collector"), role in ("all", "scheduler")
    state = state or DaemonState()
    if schedules:  # a [backup] folder it cannot use is said now, not at the first backup
        from veille.services.backup import backup_folder

        backup_folder(workspace)
    if install_signals:
        stop_on_signals(state)
    # The stores it opens as it starts (the posts to collect into, the
    # state), first: an upgrade the web app beside it has under way (`veille
    # run --serve`, its pages saying so meanwhile) is waited for, as a
    # command waits for one, unless the daemon is stopped first.
    if not workspace.open_stores(state.stop, ("posts", "state") if collects else ("state",)):
        return state
    http = HttpClient(workspace.settings.http)
    pipeline = build_pipeline(workspace) if collects else None
    worker = OutboxWorker(workspace) if schedules else None
    if pipeline is not None:
        if worker is not None:
            worker.attach(pipeline)
        else:
            _queue_only(pipeline)
    if worker is not None:
        worker.start()
    publisher = None
    if schedules:
        # The content calendar's due posts go out from their own thread too.
        from veille.publish.calendar import PublisherWorker

        publisher = PublisherWorker(workspace)
        publisher.start()
    holder = holder or collector_id()
    clock = StoreClock(workspace.state)  # one per daemon: a drift is logged once
    passes = RepeatedFailures(log, "collection pass failed", "The next pass tries again.")
    snapshots = RepeatedFailures(
        log, "account snapshot failed", "The next pass tries again, unless today's had begun."
    )
    erasures = RepeatedFailures(
        log, "finishing unfinished erasures failed", "The next pass tries again."
    )
    snoozes = RepeatedFailures(
        log, "waking snoozed inbox items failed", "The next pass tries again."
    )
    escalations = RepeatedFailures(
        log, "escalating inbox items failed", "The next pass tries again."
    )
    erasing_elsewhere: set[str] = set()  # the erasures' holders said to run elsewhere
    try:
        while not state.stop.is_set():
            results: list[RunResult] = []
            if pipeline is not None:
                try:
                    results = collect(
                        workspace,
                        http=http,
                        pipeline=pipeline,
                        holder=holder,
                        lease_seconds=lease_seconds,
                        stop=state.stop,
                        clock=clock,
                    )
                except Exception as exc:  # the daemon outlives any failure of one pass
                    passes.failed(exc)
                else:
                    passes.succeeded()
            if schedules:
                _finish_erasures(workspace, erasures, erasing_elsewhere, state)
                _wake_snoozed(workspace, clock, snoozes)
                _escalate(workspace, clock, escalations)
                _upkeep(workspace, state)
                _backup(workspace, state)
                _snapshot_accounts(workspace, http, snapshots)
            if state.stop.is_set() and state.signal is not None:
                name = signal.Signals(state.signal).name
                log.info(
                    "stopping on %s: each source after the batch it is on, leases released", name
                )
                state.signal = None  # said once
            for r in results:
                if r.interrupted and state.stop.is_set():
                    log.info(
                        "source %s stopped after the batch it was on (%d new posts); "
                        "the next collector goes on from its cursor",
                        r.source,
                        r.new_posts,
                    )
            state.passes += 1
            state.results.extend(results)
            if on_results and results:
                on_results(results)
            state.stop.wait(tick)
    finally:
        if state.backup is not None and state.backup.is_alive():
            # It sees state.stop at its next poll and deletes what it wrote.
            log.info("stopping the backup under way")
            state.backup.join()
        if publisher is not None:
            publisher.stop()
        if worker is not None:
            worker.stop()
        http.close()
    if state.stop.is_set():
        from veille.i18n import plural

        word = plural(state.passes, "en", "pass", "passes")
        log.info("stopped after %d %s; the sources' leases are released", state.passes, word)
    return state


def stop_on_signals(state: DaemonState) -> None:
    """SIGINT and SIGTERM stop the daemon ``state`` belongs to (cleanly, status
    0), from now on: ``veille run`` calls it before it opens the workspace
    and says "press Ctrl-C", so that a supervisor's SIGTERM arriving then
    stops it as cleanly as one arriving later (it killed it, status 143).
    A SIGTERM that came earlier still, while ``veille`` imported its code
    (noted by :mod:`veille.stopping`), stops it now."""
    from veille.stopping import stopped_early

    for sig in (signal.SIGINT, signal.SIGTERM):
        before = signal.signal(sig, lambda signum, _frame: _stopping(state, signum))
        if stopped_early(before):
            _stopping(state, sig)


def _stopping(state: DaemonState, signum: int) -> None:
    """The signal handler: the loop stops, each source after the batch it is
    on. It only writes two attributes (see :class:`StopFlag`); the main loop
    says why it stops (logging takes locks a signal handler may interrupt,
    as starting a thread does)."""
    if state.stop.is_set():
        return
    state.signal = signum
    state.stop.set()


def _queue_only(pipeline: Pipeline) -> None:
    """A collector queues matches; the scheduler sends them (no send here)."""
    for stage in pipeline.stages:
        if stage.name == "alerts":
            stage.after_commit = None


def _snapshot_accounts(workspace: Any, http: HttpClient, failures: RepeatedFailures) -> None:
    """The plan's daily snapshot of our own accounts (never raises)."""
    try:
        from veille.plan.accounts import daily_snapshot

        for r in daily_snapshot(workspace, http=http) or ():
            if r.error:
                log.warning("snapshot of %s %s failed: %s", r.platform, r.handle, r.error)
    except Exception as exc:
        failures.failed(exc)
    else:
        failures.succeeded()


def _finish_erasures(
    workspace: Any, failures: RepeatedFailures, running: set[str], state: DaemonState
) -> None:
    """Finish the erasures a killed ``veille privacy erase`` left unfinished
    (never raises: one that fails stays unfinished, tried at the next pass).
    One another process still runs is left to it, said once per process
    (``running``: the holders said)."""
    from veille.services.privacy import (
        ErasureRunning,
        finish_erasures,
        record_cut_erasures,
        subject_of,
    )

    if not state.erasures_scanned:
        # Once a start (again at the next pass if it failed): an erasure cut
        # by a release before erasures were recorded unfinished (SQLite 0640,
        # PostgreSQL 0130) left only the posts store's record of whom it
        # forgot, and their posts. The posts are read for it once per store
        # (then marked done): later starts only read that mark.
        try:
            state.erasures_scanned = record_cut_erasures(workspace, scan=True)
        except Exception as exc:
            failures.failed(exc)
            return
    try:
        finished = finish_erasures(workspace)
    except Exception as exc:
        failures.failed(exc)
        return
    failed = False
    for e, got in finished:
        if isinstance(got, ErasureRunning):
            if got.holder not in running:
                running.add(got.holder)
                log.info(
                    "unfinished erasure %s (begun %s) is running in process %s: left to it",
                    subject_of(workspace.state, e.handle, e.platform),
                    e.started_at.strftime("%Y-%m-%d %H:%M UTC"), got.holder,
                )  # fmt: skip
        elif isinstance(got, Exception):
            failed = True
            failures.failed(got)
        else:
            # Named as the erasure log names a person: never by their handle.
            log.info(
                "unfinished erasure %s (begun %s) finished: %d more posts erased",
                subject_of(workspace.state, e.handle, e.platform),
                e.started_at.strftime("%Y-%m-%d %H:%M UTC"), got.posts,
            )  # fmt: skip
    if not failed:
        failures.succeeded()


def _wake_snoozed(workspace: Any, clock: StoreClock, failures: RepeatedFailures) -> None:
    """Each pass: the inbox items whose snooze ended come back open (one
    indexed read when none did)."""
    from veille.inbox.snooze import wake_due

    try:
        woken = wake_due(workspace.state, int(clock.now()))
    except Exception as exc:
        failures.failed(exc)
        return
    failures.succeeded()
    if woken:
        log.info("inbox items back from their snooze: %s", ", ".join(map(str, woken)))


def _escalate(workspace: Any, clock: StoreClock, failures: RepeatedFailures) -> None:
    """Each pass, after the snoozes' wake (an item back from its snooze is
    escalated at once if it is late): the escalation rules run on the items
    due soon or past their target (one read of the rules when none is)."""
    from veille.inbox.escalate import escalate_due

    try:
        escalated = escalate_due(workspace, int(clock.now()))
    except Exception as exc:
        failures.failed(exc)
        return
    failures.succeeded()
    if escalated:
        log.info(
            "inbox items escalated: %s",
            ", ".join(f"{item} (rule {rule})" for rule, item in escalated),
        )


UPKEEP_EVERY = 3600.0  # seconds between two upkeeps in a running daemon


def _upkeep(workspace: Any, state: DaemonState) -> None:
    """At start and then hourly: the workspace's retention, the leases of
    erasures done, then the posts store's compaction (never raises)."""
    now = time.monotonic()
    if state.last_upkeep and now - state.last_upkeep < UPKEEP_EVERY:
        return
    state.last_upkeep = now
    _forget(workspace)
    _forget_erasure_leases(workspace)
    _compact(workspace)


def _forget(workspace: Any) -> None:
    try:
        from veille.services.retention import apply_retention

        report = apply_retention(workspace)
        if report is not None and report.posts:
            log.info("retention: %d posts older than the retention period deleted", report.posts)
    except Exception as exc:
        log_failure(log, "retention purge failed", exc, "It is tried again in an hour.")


def _forget_erasure_leases(workspace: Any) -> None:
    """The leases of erasures that are done (an earlier release kept them)."""
    try:
        from veille.services.privacy import forget_erasure_leases

        gone = forget_erasure_leases(workspace)
        if gone:
            log.info("leases of erasures that are done deleted: %d", gone)
    except Exception as exc:
        log_failure(log, "deleting the leases of erasures done failed", exc,
                    "It is tried again in an hour.")  # fmt: skip


def _compact(workspace: Any) -> None:
    """Months of posts merged where the posts store does it (ClickHouse:
    :meth:`~veille.store.clickhouse.store.ClickHouseStore.compact_months`)."""
    compact = getattr(workspace.posts, "compact_months", None)
    if compact is None:
        return
    try:
        months = compact()
        if months:
            log.info("posts of %s merged into one part each", ", ".join(months))
    except Exception as exc:
        log_failure(log, "merging months of posts failed", exc, "It is tried again in an hour.")


BACKUP_CHECK_EVERY = 60.0  # seconds between two looks at whether a backup is due
BACKUP_RETRY_AFTER = 900.0  # seconds before a failed backup is tried again


def _backup(workspace: Any, state: DaemonState) -> None:
    """``[backup]``: a backup when one is due, on a thread of its own (the
    collection and the web app go on meanwhile), one at a time."""
    if not workspace.settings.backup.folder.strip():
        return
    if state.backup is not None and state.backup.is_alive():
        return
    now = time.monotonic()
    if state.next_backup_check and now < state.next_backup_check:
        return
    state.next_backup_check = now + BACKUP_CHECK_EVERY
    state.backup = threading.Thread(
        target=_back_up, args=(workspace, state), name="veille-backup", daemon=True
    )
    state.backup.start()


def _back_up(workspace: Any, state: DaemonState) -> None:
    """The thread of :func:`_backup` (never raises)."""
    from veille.services.backup import scheduled_backup

    try:
        report = scheduled_backup(workspace, stop=state.stop)
    except Exception as exc:
        if state.stop.is_set():  # cut short by the stop: nothing of it is left
            log.info("the backup under way was cut short: veille is stopping (%s)", exc)
            return
        state.next_backup_check = time.monotonic() + BACKUP_RETRY_AFTER
        log_failure(log, "backup failed", exc, "It is tried again in 15 minutes.")
        return
    if report is not None:
        size = sum(n for _name, n in report.files)
        log.info("backed up the workspace to %s (%d bytes)", report.folder, size)
