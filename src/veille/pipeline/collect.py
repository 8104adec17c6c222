"""Collect due sources: fetch concurrently, map, and commit batch by batch.

Worker threads run each source's ``collect`` generator (network only) and
hand every :class:`~veille.sources.base.Batch` to the calling thread, which
owns the database: it maps the items with ``to_post`` (an item that fails goes
to the quarantine with its error and raw payload), runs the pipeline's
``prepare`` stages and writes the posts, the source's cursor, its health and
its quarantined items in ONE transaction through :meth:`Pipeline.write`. A
crash between two batches therefore loses nothing and stores nothing twice:
the next run starts from the last committed cursor.

A source that fails backs off exponentially (capped at 6 hours, or longer when
the service asked for it with Retry-After) and says why in its health; it
never stops the others. :func:`run_daemon` loops until SIGINT/SIGTERM.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from veille.errors import VeilleError
from veille.http import HttpClient, RateLimited
from veille.models import Cursor, Post
from veille.pipeline.ingest import Pipeline
from veille.services.sources import SourceRecord, cursor_name, list_sources
from veille.sources.base import Batch, Source
from veille.store.base import StoreTransaction, UpsertResult

log = logging.getLogger("veille.collect")

MAX_BACKOFF = 6 * 3600
MIN_POLL = 300
MAX_POLL = 86400


@dataclass
class RunResult:
    """What one source's run did."""

    source: str
    ok: bool = True
    items: int = 0
    new_posts: int = 0
    updated: int = 0
    quarantined: int = 0
    batches: int = 0
    error: str | None = None
    next_due: datetime | None = None


@dataclass
class _Done:
    record: SourceRecord
    error: BaseException | None
    next_poll: float | None


@dataclass
class _Item:
    record: SourceRecord
    batch: Batch


def map_items(
    source: Source[Any], config: Any, name: str, items: Iterable[Any], collected_at: datetime
) -> tuple[list[Post], list[tuple[str, Any]]]:
    """Posts from raw items, and ``(error, raw)`` for each item that failed."""
    posts: list[Post] = []
    failed: list[tuple[str, Any]] = []
    for raw in items:
        try:
            post = source.to_post(raw, config)
        except Exception as exc:  # any mapping failure quarantines that item only
            failed.append((f"{type(exc).__name__}: {exc}", raw))
            continue
        posts.append(dataclasses.replace(post, source=name, collected_at=collected_at))
    return posts, failed


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def due_sources(
    store: Any, *, names: Sequence[str] | None = None, force: bool = False, now: float | None = None
) -> list[SourceRecord]:
    now = time.time() if now is None else now
    records = list_sources(store)
    if names:
        wanted = set(names)
        records = [r for r in records if r.name in wanted]
        return records
    if force:
        return [r for r in records if r.enabled]
    due = store.due_sources(datetime.fromtimestamp(now, UTC))  # due, or never run
    return [r for r in records if r.enabled and r.name in due]


def _worker(
    record: SourceRecord,
    store_cursor: dict[str, Any] | None,
    http: HttpClient,
    out: queue.Queue[Any],
) -> None:
    next_poll: float | None = None
    try:
        source = record.source()
        config = source.config_from_dict(record.config)
        for batch in source.collect(config, store_cursor, http):
            if batch.next_poll_seconds is not None:
                next_poll = batch.next_poll_seconds
            out.put(_Item(record, batch))
    except BaseException as exc:  # reported in health; one source never stops the rest
        out.put(_Done(record, exc, next_poll))
        return
    out.put(_Done(record, None, next_poll))


class Collector:
    """Runs sources of one workspace through one pipeline and one HTTP client."""

    def __init__(self, pipeline: Pipeline, http: HttpClient, *, max_workers: int = 8) -> None:
        self.pipeline = pipeline
        self.store: Any = pipeline.store
        self.http = http
        self.max_workers = max_workers

    def run(
        self,
        records: Sequence[SourceRecord],
        *,
        on_batch: Callable[[RunResult], None] | None = None,
    ) -> list[RunResult]:
        results = {r.name: RunResult(r.name) for r in records}
        out: queue.Queue[Any] = queue.Queue(maxsize=64)
        pending = list(records)
        running = 0
        while pending or running:
            while pending and running < self.max_workers:
                record = pending.pop(0)
                cur = self.store.get_cursor(cursor_name(record.name))
                threading.Thread(
                    target=_worker,
                    args=(record, dict(cur.value) if cur else None, self.http, out),
                    name=f"collect-{record.name}",
                    daemon=True,
                ).start()
                running += 1
            msg = out.get()
            result = results[msg.record.name]
            if isinstance(msg, _Item):
                if result.ok:
                    try:
                        self._commit(msg.record, msg.batch, result)
                    except VeilleError as exc:
                        result.ok, result.error = False, exc.message
                if on_batch:
                    on_batch(result)
            else:
                running -= 1
                self._finish(msg, result)
        return [results[r.name] for r in records]

    def _commit(self, record: SourceRecord, batch: Batch, result: RunResult) -> None:
        source = record.source()
        config = source.config_from_dict(record.config)
        now = datetime.now(UTC)
        posts, failed = map_items(source, config, record.name, batch.items, now)

        def state(tx: StoreTransaction, upsert: UpsertResult, last: bool) -> None:
            # Health counts every committed part of the page; the items that
            # failed to map are kept once, with the page's last part.
            if last and failed:
                tx.quarantine(record.name, failed, now)
            tx.count_collected(record.name, upsert.inserted, batch.quota)

        upsert = self.pipeline.ingest(
            posts, cursor=Cursor(cursor_name(record.name), batch.cursor), state=state
        )
        result.batches += 1
        result.items += len(batch.items)
        result.new_posts += upsert.inserted
        result.updated += len(upsert.updated)
        result.quarantined += len(failed)

    def _finish(self, done: _Done, result: RunResult) -> None:
        now = time.time()
        record = done.record
        error = done.error
        if error is None and result.ok:
            delay = float(record.every)
            if done.next_poll is not None:
                delay = min(MAX_POLL, max(MIN_POLL, done.next_poll))
            with self.store.transaction() as tx:
                tx.record_success(
                    record.name, _at(now), new_posts=result.new_posts, next_due=_at(now + delay)
                )
            result.next_due = datetime.fromtimestamp(now + delay, UTC)
            return
        if error is not None:
            result.ok = False
            if isinstance(error, VeilleError):
                result.error = error.message
            else:
                result.error = f"{type(error).__name__}: {error}"
                log.error("source %s failed", record.name, exc_info=error)
        failures = self.store.consecutive_failures(record.name) + 1
        delay = min(MAX_BACKOFF, record.every * 2 ** (failures - 1))
        if isinstance(error, RateLimited):
            delay = max(delay, error.retry_after)
        with self.store.transaction() as tx:
            tx.record_failure(
                record.name,
                _at(now),
                error=result.error or "failed",
                failures=failures,
                new_posts=result.new_posts,
                next_due=_at(now + delay),
            )
        result.next_due = datetime.fromtimestamp(now + delay, UTC)


def collect(
    workspace: Any,
    *,
    names: Sequence[str] | None = None,
    force: bool = False,
    http: HttpClient | None = None,
    pipeline: Pipeline | None = None,
    max_workers: int = 8,
    on_batch: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Collect the due sources of ``workspace`` (all enabled with ``force``;
    exactly ``names`` when given) and return what each run did."""
    from veille.pipeline.ingest import build_pipeline

    store = workspace.store
    records = due_sources(store, names=names, force=force)
    if names:
        missing = set(names) - {r.name for r in records}
        if missing:
            from veille.services.sources import get_source_record

            for name in missing:
                get_source_record(store, name)  # raises NotFound naming it
    if not records:
        return []
    own = http is None
    client = http or HttpClient(workspace.settings.http)
    try:
        collector = Collector(
            pipeline or build_pipeline(workspace), client, max_workers=max_workers
        )
        return collector.run(records, on_batch=on_batch)
    finally:
        if own:
            client.close()


@dataclass
class DaemonState:
    stop: threading.Event = field(default_factory=threading.Event)
    passes: int = 0
    results: list[RunResult] = field(default_factory=list)
    last_retention: float = 0.0  # time.monotonic() of the last retention purge


def run_daemon(
    workspace: Any,
    *,
    state: DaemonState | None = None,
    tick: float = 5.0,
    on_results: Callable[[list[RunResult]], None] | None = None,
    install_signals: bool = True,
) -> DaemonState:
    """Collect due sources until SIGINT/SIGTERM (or ``state.stop`` is set).

    Alerts are sent by an outbox worker on its own thread (monitors, digests
    and retries too), so a slow channel never slows collection; the content
    calendar's due posts are published by a publisher worker, likewise. The pipeline
    is built once; its matcher follows the topics and alerts as they change.
    Nothing a source does stops the loop; a store error is logged and retried.
    """
    from veille.alerts.outbox import OutboxWorker
    from veille.pipeline.ingest import build_pipeline

    state = state or DaemonState()
    if install_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: state.stop.set())
    http = HttpClient(workspace.settings.http)
    pipeline = build_pipeline(workspace)
    worker = OutboxWorker(workspace)
    worker.attach(pipeline)
    worker.start()
    # The content calendar's due posts go out from their own thread too.
    from veille.publish.calendar import PublisherWorker

    publisher = PublisherWorker(workspace)
    publisher.start()
    try:
        while not state.stop.is_set():
            try:
                results = collect(workspace, http=http, pipeline=pipeline)
            except VeilleError as exc:
                log.error("collection pass failed: %s", exc.message)
                results = []
            except Exception:  # the daemon outlives any bug in one pass
                log.exception("collection pass failed")
                results = []
            _forget(workspace, state)
            _snapshot_accounts(workspace, http)
            state.passes += 1
            state.results.extend(results)
            if on_results and results:
                on_results(results)
            state.stop.wait(tick)
    finally:
        publisher.stop()
        worker.stop()
        http.close()
    return state


def _snapshot_accounts(workspace: Any, http: HttpClient) -> None:
    """The plan's daily snapshot of our own accounts (never raises)."""
    try:
        from veille.plan.accounts import daily_snapshot

        for r in daily_snapshot(workspace, http=http) or ():
            if r.error:
                log.warning("snapshot of %s %s failed: %s", r.platform, r.handle, r.error)
    except Exception:
        log.exception("account snapshot failed; it is tried again tomorrow")


RETENTION_EVERY = 3600.0  # seconds between two retention purges in a running daemon


def _forget(workspace: Any, state: DaemonState) -> None:
    """The workspace's retention, at start and then hourly (never raises)."""
    now = time.monotonic()
    if state.last_retention and now - state.last_retention < RETENTION_EVERY:
        return
    state.last_retention = now
    try:
        from veille.services.privacy import apply_retention

        report = apply_retention(workspace)
        if report is not None and report.posts:
            log.info("retention: %d posts older than the retention period deleted", report.posts)
    except Exception:
        log.exception("retention purge failed; it is tried again in an hour")


@dataclass
class DryRun:
    """What ``source test`` would store: mapped posts and items that failed."""

    posts: list[Post]
    failed: list[tuple[str, Any]]
    cursor: dict[str, Any]


def dry_run(
    record: SourceRecord, http: HttpClient, *, cursor: dict[str, Any] | None = None
) -> DryRun:
    """Fetch the first batch of ``record`` (from ``cursor``, default: from scratch)
    and map it; nothing is stored."""
    source = record.source()
    config = source.config_from_dict(record.config)
    batches = source.collect(config, cursor, http)
    try:
        batch = next(iter(batches), None)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    if batch is None:
        return DryRun([], [], dict(cursor or {}))
    posts, failed = map_items(source, config, record.name, batch.items, datetime.now(UTC))
    return DryRun(posts, failed, batch.cursor)


def retry_quarantine(
    workspace: Any, *, source: str | None = None, pipeline: Pipeline | None = None
) -> tuple[int, int]:
    """Map quarantined items again (after a fix); store those that now map and
    drop them from the quarantine, through the one ingest path. Returns
    ``(stored, still failing)``."""
    from veille.pipeline.ingest import build_pipeline
    from veille.services.sources import get_source_record, quarantined

    store = workspace.store
    pipeline = pipeline or build_pipeline(workspace)
    ok_ids: list[int] = []
    posts: list[Post] = []
    failing = 0
    records: dict[str, SourceRecord | None] = {}
    for item in quarantined(store, source, limit=100_000):
        if item.source not in records:
            try:
                records[item.source] = get_source_record(store, item.source)
            except VeilleError:
                records[item.source] = None
        record = records[item.source]
        if record is None:
            failing += 1
            continue
        src = record.source()
        mapped, failed = map_items(
            src, src.config_from_dict(record.config), record.name, [item.raw], datetime.now(UTC)
        )
        if failed:
            failing += 1
            with store.transaction() as tx:
                tx.set_quarantine_error(item.id, failed[0][0])
            continue
        posts.extend(mapped)
        ok_ids.append(item.id)

    def release(tx: StoreTransaction, _result: UpsertResult, last: bool) -> None:
        if last:
            tx.release_quarantined(ok_ids)

    pipeline.ingest(posts, state=release)
    return len(ok_ids), failing
