"""Collect due sources: fetch concurrently, map, and commit batch by batch.

Worker threads run each source's ``collect`` generator (network only) and
hand every :class:`~veille.sources.base.Batch` to the calling thread, which
owns the database: it maps the items with ``to_post`` (an item that fails goes
to the quarantine with its error and raw payload), runs the pipeline's
``prepare`` stages and writes the posts, the source's cursor, its health and
its quarantined items in ONE transaction through :meth:`Pipeline.write`. A
crash between two batches therefore loses nothing and stores nothing twice:
the next run starts from the last committed cursor.

Each source is collected under a lease in the StateStore, renewed by a
heartbeat while it runs (see :mod:`veille.pipeline.leases`).

A source that fails backs off exponentially (capped at 6 hours, or longer when
the service asked for it with Retry-After) and says why in its health; it
never stops the others. The daemon (:mod:`veille.pipeline.daemon`) loops until SIGINT/SIGTERM.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veille.errors import (
    DiskFull,
    StoreError,
    StoreLocked,
    StoreUnavailable,
    VeilleError,
    tr,
)
from veille.http import HttpClient
from veille.httperrors import RateLimited
from veille.models import Cursor, Post
from veille.pipeline.ingest import Pipeline
from veille.pipeline.leases import LEASE_SECONDS, LeaseLost, SourceLeases, _at, collector_id
from veille.services.sources import SourceRecord, cursor_name, list_sources
from veille.sources.base import Batch, Source, SourceFailed, item_error, unexpected_error
from veille.store.base import StoreTransaction, UpsertResult
from veille.store.clock import StoreClock

log = logging.getLogger("veille.collect")

MAX_BACKOFF = 6 * 3600
# The longest a server's Retry-After (or quota reset) puts a source off.
MAX_SERVER_WAIT = 7 * 86400
ROLES = ("all", "collector", "scheduler")

MIN_POLL = 300
MAX_POLL = 86400

#: A store away for the whole pass, not a failure of the source whose batch
#: met it: one that does not answer, one whose disk is full, and a SQLite
#: file whose write lock another process held past the busy timeout (a
#: ``veille import --strict`` writes a whole file in one transaction).
STORE_AWAY = (StoreUnavailable, StoreLocked, DiskFull)


@dataclass
class RunResult:
    """What one source's run did."""

    source: str
    ok: bool = True
    items: int = 0
    new_posts: int = 0
    updated: int = 0
    quarantined: int = 0
    #: Posts published before the retention cutoff, not stored (the ingest
    #: path leaves them out: a purge deleted them, or the next one would).
    expired: int = 0
    batches: int = 0
    error: str | None = None
    next_due: datetime | None = None
    lease_lost: bool = False
    # Stopped before its end (the daemon stopping, a store away): its health
    # and next run are left as they were, so the next pass goes on from the
    # committed cursor at once.
    interrupted: bool = False


@dataclass
class _Done:
    record: SourceRecord
    error: BaseException | None
    next_poll: float | None
    halted: bool = False  # told to stop before the source's walk ended


@dataclass
class _Item:
    record: SourceRecord
    batch: Batch


def map_items(
    source: Source[Any], config: Any, name: str, items: Iterable[Any], collected_at: datetime
) -> tuple[list[Post], list[tuple[str, Any]]]:
    """Posts from raw items, and ``(error, raw)`` for each item that failed
    (the error a :class:`~veille.errors.Text`, said in each reader's language)."""
    posts: list[Post] = []
    failed: list[tuple[str, Any]] = []
    for raw in items:
        try:
            post = source.to_post(raw, config)
        except Exception as exc:  # any mapping failure quarantines that item only
            failed.append((item_error(exc), raw))
            continue
        posts.append(dataclasses.replace(post, source=name, collected_at=collected_at))
    return posts, failed


#: Why an item is in quarantine when its source's ``item_key`` raised on it.
ITEM_UNNAMED = (
    "the source could not name this item (%(type)s: %(error)s); it is kept here unnamed: "
    "report it to whoever maintains the source"
)


def item_keys(
    source: Source[Any], name: str, items: Iterable[Any]
) -> tuple[dict[int, str | None], list[tuple[str, Any]]]:
    """Each item's name across runs (``source.item_key``), by ``id(raw)``;
    and ``(error, raw)`` for each item whose ``item_key`` raised (a plugin's
    bug), to be quarantined unnamed: logged once per source and batch, the
    source named, its traceback with it, never the end of the pass."""
    names: dict[int, str | None] = {}
    unnamed: list[tuple[str, Any]] = []
    for raw in items:
        try:
            names[id(raw)] = source.item_key(raw)
        except Exception as exc:  # that item only
            said = f"{type(exc).__name__}: {exc}"
            if not unnamed:
                log.error(
                    "source %s: its item_key failed on an item (%s); that item is quarantined "
                    "unnamed and the rest of the page is stored. Its traceback:",
                    name, said, exc_info=exc,
                )  # fmt: skip
            unnamed.append((tr(ITEM_UNNAMED, type=type(exc).__name__, error=str(exc)), raw))
    return names, unnamed


def gone_keys(exists: Callable[[str], bool], name: str, keys: Iterable[str | None]) -> list[str]:
    """The names among ``keys`` (quarantined items of source ``name``) that
    ``exists`` (a source's :attr:`Batch.exists`) says are gone. A name it
    raises on (a plugin's bug) is kept in the quarantine, as nothing says it
    is gone: logged once per source and batch, the source and the item named,
    its traceback with it, never the end of the pass."""
    gone: list[str] = []
    failed = 0
    for key in keys:
        if key is None:
            continue
        try:
            if not exists(key):
                gone.append(key)
        except Exception as exc:  # that item only: it stays quarantined
            failed += 1
            if failed == 1:
                log.error(
                    "source %s: its Batch.exists failed on item %r (%s: %s); that item stays "
                    "in the quarantine and the rest of the page is stored. Its traceback:",
                    name, key, type(exc).__name__, exc, exc_info=exc,
                )  # fmt: skip
    if failed > 1:
        log.error(
            "source %s: its Batch.exists failed on %d quarantined items in all; they stay "
            "in the quarantine.",
            name, failed,
        )  # fmt: skip
    return gone


def _log_unexpected(name: str, error: BaseException, failures: int) -> None:
    """Log a source's unexpected error (a bug: its own or veille's) with
    its traceback the first time (``failures`` is 1); while the same error
    goes on, one line each pass (``failures`` in a row), pointing at that
    traceback."""
    said = f"{type(error).__name__}: {error}"
    if failures == 1:
        log.error(
            "source %s failed on an unexpected error (%s); it is retried at the next pass. "
            "If it persists, report it with this traceback.",
            name, said, exc_info=error,
        )  # fmt: skip
        return
    log.error(
        "source %s failed again on an unexpected error (%s), %d times in a row; "
        "its traceback was logged at the first failure.",
        name, said, failures,
    )  # fmt: skip


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
    halt: threading.Event,
) -> None:
    next_poll: float | None = None
    try:
        source = record.source()
        config = source.config_from_dict(record.config)
        batches = source.collect(config, store_cursor, http)
        for batch in batches:
            if batch.next_poll_seconds is not None:
                next_poll = batch.next_poll_seconds
            out.put(_Item(record, batch))
            if halt.is_set():  # a store away, or the daemon stopping: no more pages
                close = getattr(batches, "close", None)
                if close is not None:
                    close()
                out.put(_Done(record, None, next_poll, halted=True))
                return
    except BaseException as exc:  # reported in health; one source never stops the rest
        out.put(_Done(record, exc, next_poll))
        return
    out.put(_Done(record, None, next_poll))


class Collector(SourceLeases):
    """Runs sources of one workspace through one pipeline and one HTTP client,
    each under its lease (see the module docstring)."""

    def __init__(
        self,
        pipeline: Pipeline,
        http: HttpClient,
        *,
        max_workers: int = 8,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        stop: threading.Event | None = None,
        clock: StoreClock | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.clock = clock or StoreClock(pipeline.store)
        # Set by the daemon on SIGTERM: each source stops after the batch it
        # is on, no new one starts, and the leases are released.
        self.stop = stop or threading.Event()
        self.store: Any = pipeline.store
        self.http = http
        self.max_workers = max_workers
        self.holder = holder or collector_id()
        self.lease_seconds = lease_seconds
        # Source name -> the epoch of the lease this collector holds on it.
        self._epochs: dict[str, int] = {}
        self._epochs_lock = threading.Lock()
        # The leases as the pass began (one read): whose lease a take ends.
        self._before: dict[str, Any] = {}

    def run(
        self,
        records: Sequence[SourceRecord],
        *,
        on_batch: Callable[[RunResult], None] | None = None,
        recheck: bool = False,
    ) -> list[RunResult]:
        """Collect ``records`` (those whose lease another collector holds are
        left out of the results; with ``recheck``, those no longer due too)."""
        self._before = {x.name: x for x in self.store.leases()}
        stop = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(stop,), name="veille-leases", daemon=True
        )
        beat.start()
        try:
            return self._run(records, on_batch, recheck)
        finally:
            stop.set()
            beat.join()
            for name in list(self._epochs):
                self._give_back(name)

    def _run(
        self,
        records: Sequence[SourceRecord],
        on_batch: Callable[[RunResult], None] | None,
        recheck: bool,
    ) -> list[RunResult]:
        results = {r.name: RunResult(r.name) for r in records}
        taken: list[str] = []
        out: queue.Queue[Any] = queue.Queue(maxsize=64)
        pending = list(records)
        running = 0
        # A store that does not answer (whose disk is full, or whose write
        # lock another process holds too long) fails the whole pass, not
        # each source: the sources did nothing wrong, so none
        # is marked failed or backed off; the fetching threads stop after
        # their batch (none is left behind, blocked on a full queue), and the
        # pass raises it once.
        away: StoreError | None = None
        halt = threading.Event()
        while pending or running:
            if self.stop.is_set() or away is not None:
                halt.set()
                pending.clear()
            while pending and running < self.max_workers:
                record = pending.pop(0)
                try:
                    if not self._take(record, recheck=recheck):
                        continue
                    taken.append(record.name)
                    # Read after the lease is taken: the cursor its last holder committed.
                    cur = self.store.get_cursor(cursor_name(record.name))
                except STORE_AWAY as exc:
                    away = exc
                    pending.clear()
                    halt.set()
                    break
                threading.Thread(
                    target=_worker,
                    args=(record, dict(cur.value) if cur else None, self.http, out, halt),
                    name=f"collect-{record.name}",
                    daemon=True,
                ).start()
                running += 1
            if not running:
                break
            msg = out.get()
            result = results[msg.record.name]
            if isinstance(msg, _Item):
                if result.ok and (halt.is_set() or away is not None):
                    result.interrupted = True  # fetched again from the cursor
                elif result.ok:
                    try:
                        self._commit(msg.record, msg.batch, result)
                    except STORE_AWAY as exc:
                        away, result.interrupted = exc, True
                        halt.set()
                    except VeilleError as exc:
                        result.ok, result.error = False, exc.message
                        result.lease_lost = isinstance(exc, LeaseLost)
                if on_batch:
                    on_batch(result)
            else:
                running -= 1
                result.interrupted = result.interrupted or msg.halted
                try:
                    if away is None and not result.interrupted:
                        self._finish(msg, result)
                except STORE_AWAY as exc:
                    away = exc
                    halt.set()
                finally:
                    self._give_back(msg.record.name)
        if away is not None:
            raise away
        return [results[name] for name in taken]

    def _commit(self, record: SourceRecord, batch: Batch, result: RunResult) -> None:
        source = record.source()
        config = source.config_from_dict(record.config)
        now = datetime.now(UTC)
        # Items a source names across runs: one that failed again replaces its
        # quarantined copy, one that maps again takes it out of the quarantine.
        # An item the source cannot name (its item_key raised) is quarantined
        # unnamed, the rest of the page stored.
        named, unnamed = item_keys(source, record.name, batch.items)
        nameless = {id(raw) for _err, raw in unnamed}
        readable = [r for r in batch.items if id(r) not in nameless] if unnamed else batch.items
        posts, failed = map_items(source, config, record.name, readable, now)
        bad = {id(raw) for _err, raw in failed}
        good = [raw for raw in readable if id(raw) not in bad]
        failed += unnamed
        keys = [named.get(id(raw)) for _err, raw in failed]
        # The raw item of each post (map_items keeps their order): a post a
        # stage raises on is quarantined as the item it came from.
        raw_of = {post.id: raw for post, raw in zip(posts, good, strict=True)}
        mapped = [named.get(id(raw)) for raw in good]
        recovered = [k for k in mapped if k is not None]
        # Keys of the items quarantined because a stage raised on their post
        # (by any part of the page): those are not recovered.
        staged: set[str] = set()
        if batch.exists is not None:  # items gone from the source leave too
            kept = self.store.quarantined(record.name, limit=100_000)
            recovered += gone_keys(batch.exists, record.name, (q.key for q in kept))

        stage_failed = [0]

        def state(tx: StoreTransaction, upsert: UpsertResult, last: bool) -> None:
            # Health counts every committed part of the page; the items that
            # failed to map are kept once, with the page's last part.
            self._check_lease(tx, record.name)
            if upsert.failed:
                items = [(why, raw_of.get(post.id, post.raw)) for post, why in upsert.failed]
                names = [named.get(id(raw)) for _why, raw in items]
                staged.update(k for k in names if k is not None)
                tx.quarantine(record.name, items, now, names)
                stage_failed[0] += len(items)
            if last and recovered:
                released = [k for k in recovered if k not in staged]
                if released:
                    tx.release_quarantined_keys(record.name, released)
            if last and failed:
                tx.quarantine(record.name, failed, now, keys)
            tx.count_collected(
                record.name,
                upsert.inserted,
                batch.quota,
                dated_ahead=len(upsert.ahead),
                dated_ahead_last=max(upsert.ahead.values()) if upsert.ahead else None,
                suppressed=len(upsert.refused),
                # Older than the retention period: said in this run's report
                # only, nothing lasting told why the source brought fewer.
                expired=len(upsert.expired),
            )
            # Posts of people who object (erased, objection not lifted): the
            # source's health counts them, and so does the privacy log.
            tx.log_suppressed(record.name, len(upsert.refused))

        upsert = self.pipeline.ingest(
            posts, cursor=Cursor(cursor_name(record.name), batch.cursor), state=state
        )
        result.batches += 1
        result.items += len(batch.items)
        result.new_posts += upsert.inserted
        result.updated += len(upsert.updated)
        result.quarantined += len(failed) + stage_failed[0]
        result.expired += len(upsert.expired)

    def _finish(self, done: _Done, result: RunResult) -> None:
        now = self.clock.now()
        record = done.record
        error = done.error
        if result.lease_lost:
            return  # its health is the new holder's to write
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
        failures = self.store.consecutive_failures(record.name) + 1
        if error is not None:
            result.ok = False
            if isinstance(error, VeilleError):
                result.error = error.message
            else:
                result.error = unexpected_error(error)
                before = self.store.source_health(record.name) if failures > 1 else []
                again = bool(before) and str(before[0].last_error) == result.error
                _log_unexpected(record.name, error, failures if again else 1)
        delay = min(MAX_BACKOFF, record.every * 2 ** (failures - 1))
        if isinstance(error, RateLimited):
            # A server's word, honoured up to a week: 'Retry-After:
            # 99999999999999' was a date past the year 9999, and the pass
            # failed on it at every tick, every other source's health with it.
            delay = max(delay, min(error.retry_after, MAX_SERVER_WAIT))
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
    holder: str | None = None,
    lease_seconds: float = LEASE_SECONDS,
    stop: threading.Event | None = None,
    clock: StoreClock | None = None,
) -> list[RunResult]:
    """Collect the due sources of ``workspace`` (all enabled with ``force``;
    exactly ``names`` when given) and return what each run did; a source
    another collector is running is left out. Once ``stop`` is set, each
    source stops after the batch it is on (see :class:`Collector`). A store
    that does not answer raises :class:`StoreUnavailable` for the whole
    pass (:class:`DiskFull` where its disk is full), leaving the sources'
    health and cursors as they were."""
    from veille.pipeline.ingest import build_pipeline

    store = workspace.state
    clock = clock or StoreClock(store)
    clock.measure()
    records = due_sources(store, names=names, force=force, now=clock.now())
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
            pipeline or build_pipeline(workspace),
            client,
            max_workers=max_workers,
            holder=holder,
            lease_seconds=lease_seconds,
            stop=stop,
            clock=clock,
        )
        return collector.run(records, on_batch=on_batch, recheck=not (names or force))
    finally:
        if own:
            client.close()


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
    except VeilleError:
        raise
    except Exception as exc:  # a bug of the source: said as a failure, not a traceback
        # The traceback at DEBUG only (VEILLE_LOG_LEVEL=DEBUG): logged as an
        # error, Python's last-resort handler printed it under the message
        # of `veille source test`, which has no log of its own.
        log.debug("testing source %s failed on an unexpected error", record.name, exc_info=exc)
        raise SourceFailed(unexpected_error(exc)) from exc
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    if batch is None:
        return DryRun([], [], dict(cursor or {}))
    posts, failed = map_items(source, config, record.name, batch.items, datetime.now(UTC))
    return DryRun(posts, failed, batch.cursor)


def retry_quarantine(
    workspace: Any,
    *,
    source: str | None = None,
    pipeline: Pipeline | None = None,
    http: HttpClient | None = None,
) -> tuple[int, int]:
    """Map quarantined items again (after a fix); store those that now map and
    drop them from the quarantine, through the one ingest path. An item whose
    source fetches it again (:meth:`Source.refetch`: a web page that could not
    be read) is fetched again first. Returns ``(stored, still failing)``."""
    from veille.pipeline.ingest import build_pipeline
    from veille.services.sources import get_source_record, quarantined

    store = workspace.state
    pipeline = pipeline or build_pipeline(workspace)
    own = http is None
    client = http or HttpClient(workspace.settings.http)
    ok_ids: list[int] = []
    posts: list[Post] = []
    item_of: dict[str, int] = {}  # post id -> its quarantined item
    failing = 0
    records: dict[str, SourceRecord | None] = {}
    try:
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
            config = src.config_from_dict(record.config)
            raw = src.refetch(item.raw, config, client)
            mapped, failed = map_items(src, config, record.name, [raw], datetime.now(UTC))
            if failed:
                failing += 1
                with store.transaction() as tx:
                    tx.set_quarantine_error(item.id, failed[0][0])
                continue
            posts.extend(mapped)
            ok_ids.append(item.id)
            item_of.update((post.id, item.id) for post in mapped)
    finally:
        if own:
            client.close()

    # A post a stage still raises on stays, with the stage's sentence.
    still: set[int] = set()

    def release(tx: StoreTransaction, result: UpsertResult, last: bool) -> None:
        for post, why in result.failed:
            if post.id in item_of:
                still.add(item_of[post.id])
                tx.set_quarantine_error(item_of[post.id], why)
        if last:
            tx.release_quarantined([i for i in ok_ids if i not in still])

    pipeline.ingest(posts, state=release)
    return len(ok_ids) - len(still), failing + len(still)
