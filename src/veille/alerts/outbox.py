"""The outbox: matches become delivery rows inside the posts' transaction;
due rows are claimed, sent, retried with backoff and dead-lettered.

Guarantees, in the words of the tests:

- a match and its post commit together, or neither does;
- ``UNIQUE (alert_id, post_id)``: one alert never queues a post twice;
- a row is claimed (``sending``, with a lease and a batch id) in a committed
  transaction before it is sent; the batch id is the ``delivery id`` receivers
  see, the same on every retry, so a send interrupted by a crash after the
  receiver got it is recognisably a repeat; a crash before the send leaves the
  row to be sent when its lease expires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from veille.alerts.channels.base import (
    ChannelContext,
    ChannelFactory,
    Delivery,
    DeliveryItem,
    channel_for,
    channel_registry,
)
from veille.alerts.matching import (
    Compiled,
    compile_text,
    normalize_spans,
    topic_query,
)
from veille.alerts.model import Alert
from veille.alerts.schedule import day_start, in_quiet_hours, next_slot
from veille.config import Settings
from veille.errors import RepeatedFailures, log_failure, tr
from veille.models import Post
from veille.store.clock import StoreClock
from veille.store.protocols.alerts import MatchRow

log = logging.getLogger(__name__)
SAME_STORY_DAYS = 7
# How a row held back by the alert's daily cap starts its reason (its next
# message counts such rows: what went over the cap is said, not dropped unseen).
CAP_REASON = "daily cap of "

# Batches sent at once (one thread each; channels block on the network).
SEND_WORKERS = 8
Compiler = Callable[[str], Compiled]


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Rule:
    alert: Alert
    compiled: Compiled


class AlertEngine:
    """Matching and sending for one database. Build one per process."""

    def __init__(
        self,
        store: Any,
        settings: Settings,
        root: Path,
        *,
        compiler: Compiler = compile_text,
        registry: dict[str, ChannelFactory] | None = None,
        environ: dict[str, str] | None = None,
        local: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        # Claims are leases: read by the state store's clock, as every
        # scheduler reads them (one whose clock ran ahead took rows another
        # was still sending for expired, and sent them twice). ``local`` is
        # this machine's clock.
        self.clock = StoreClock(store, local, logger=log, what="delivery claims")
        self.tz = ZoneInfo(settings.workspace.timezone)
        self.ctx = ChannelContext(settings, root, environ, state=store)
        self.compiler = compiler
        self.registry = registry
        self._rules: list[_Rule] = []
        self._rules_version: tuple[Any, ...] | None = None
        self._matcher: Any = None
        self._quiet: list[Alert] = []
        self._quiet_version: tuple[Any, ...] | None = None

    # ---- matching -------------------------------------------------------

    def query_of(self, alert: Alert) -> str | None:
        """The alert's current query: its topic's, or its own."""
        if alert.topic:
            return topic_query(self.store, alert.topic) or alert.query
        return alert.query

    def rules(self) -> list[_Rule]:
        """Every match alert's compiled query, paused ones included: a paused
        alert keeps queueing (the sender holds its rows until it is resumed)."""
        version = self.store.alert_rules_stamp()
        if version != self._rules_version:
            rules = []
            for alert in self.store.alerts_of_kind("match", with_paused=True):
                text = self.query_of(alert)
                if not text:
                    log.warning("alert %s: topic %s has no query; skipped", alert.name, alert.topic)
                    continue
                try:
                    rules.append(_Rule(alert, self.compiler(text)))
                except Exception as exc:  # one bad query must not stop the others
                    log.warning("alert %s: query %r does not compile: %s", alert.name, text, exc)
            self._rules, self._rules_version = rules, version
            self._matcher = None  # built on first use: the pipeline usually matches
        return self._rules

    def _percolator(self, rules: list[_Rule]) -> Any:
        """The query package's percolating Matcher over every rule, when usable."""
        if self.compiler is not compile_text:
            return None
        from veille.query import Query
        from veille.query.matcher import Matcher

        matcher = Matcher()
        for rule in rules:
            assert isinstance(rule.compiled, Query)
            matcher.add(str(rule.alert.id), rule.compiled)
        return matcher

    def matches(
        self,
        posts: Iterable[Post],
        hits: Iterable[tuple[str, Post, Any]] | None = None,
    ) -> list[tuple[Alert, Post, list[Any]]]:
        """``(alert, post, spans)`` for each match. ``hits`` are ``(alert id,
        post, spans)`` found by the ingest pipeline's one matcher (topics and
        alerts matched in one pass); without them the engine matches itself."""
        rules = self.rules()
        by_id = {str(r.alert.id): r for r in rules}
        if hits is None:
            hits = self._hits(posts, by_id)
        found = []
        for qid, post, spans in hits:
            rule = by_id.get(str(qid))
            if rule is None:
                continue
            a = rule.alert
            if a.languages and (post.lang or "und") not in a.languages:
                continue
            if a.platforms and post.platform not in a.platforms:
                continue
            found.append((a, post, normalize_spans(spans)))
        return found

    def _hits(self, posts: Iterable[Post], by_id: dict[str, _Rule]) -> list[tuple[str, Post, Any]]:
        out: list[tuple[str, Post, Any]] = []
        if self._matcher is None:
            self._matcher = self._percolator(self._rules)
        for post in posts:
            try:
                if self._matcher is not None:
                    out.extend(
                        (qid, post, spans) for qid, spans in self._matcher.match(post).items()
                    )
                else:
                    out.extend(
                        (qid, post, r.compiled.spans(post))
                        for qid, r in by_id.items()
                        if r.compiled.matches(post)
                    )
            except Exception:  # a post that trips a matcher must not lose the batch
                log.exception("matching post %s against alerts failed; skipped", post.id)
        return out

    def queue(
        self,
        tx: Any,
        posts: Iterable[Post],
        now: float | None = None,
        *,
        hits: Iterable[tuple[str, Post, Any]] | None = None,
        clusters: Mapping[str, str] | None = None,
    ) -> int:
        """Insert the deliveries of ``posts`` through ``tx`` (inside its
        transaction); ``hits`` as in :meth:`matches`; ``clusters``: the story
        of a post by id where the ingest path has just assigned it (else the
        post's own ``cluster_id``). Times are the state store's, as the
        schedulers' claims are: a collector whose clock ran ahead queued
        as-it-happens deliveries that every scheduler found due only hours later."""
        if now is None:
            if not self.clock.measured:
                self.clock.measure()  # (then after each send, in dispatch)
            now = self.clock.now()
        moment = datetime.fromtimestamp(now, UTC)
        queued = 0
        plain: list[MatchRow] = []
        slots: dict[int, float] = {}
        story = clusters or {}
        for alert, post, spans in self.matches(posts, hits):
            assert alert.id is not None
            cluster = story.get(post.id, post.cluster_id)
            published = post.published_at.timestamp()  # orders the alert's Atom feed
            if alert.mode != "best" and not alert.daily_cap and not spans:
                # No rule looks at the rows before it: queued in one statement.
                due = slots.get(alert.id)
                if due is None:
                    due = slots[alert.id] = next_slot(alert, moment, self.tz).timestamp()
                plain.append((alert.id, post.id, cluster, now, due, published))
                continue
            status, reason = "pending", None
            if alert.mode == "best":
                reason = self._below_floor(alert, post) or self._same_story(
                    tx, alert, post, cluster, now
                )
            if reason is None and alert.daily_cap:
                since = day_start(moment, self.tz).timestamp()
                if tx.queued_since(alert.id, since) >= alert.daily_cap:
                    reason = str(tr("daily cap of %(cap)s reached", cap=alert.daily_cap))
            if reason is not None:
                status = "skipped"
            due = next_slot(alert, moment, self.tz).timestamp()
            added = tx.queue_match(
                alert.id, post.id, cluster_id=cluster, spans=spans, status=status,
                now=now, due=due, reason=reason,
                reach=(post.author.followers or 0) + post.engagement.total, published=published,
            )  # fmt: skip
            queued += int(added and status == "pending")
        if plain:
            queued += tx.queue_matches(plain)
        return queued

    def reschedule(self, alert: Alert) -> int:
        """Give the alert's matches still waiting for their first send the due
        time its schedule gives them now (after a change of frequency, time or
        day): what was found before the change goes out with what is found
        after it, at the new time. The number of rows rescheduled."""
        assert alert.id is not None
        slots: dict[float, float] = {}
        rows = []
        for row_id, created in self.store.waiting_matches(alert.id):
            due = slots.get(created)
            if due is None:
                moment = datetime.fromtimestamp(created, UTC)
                due = slots[created] = next_slot(alert, moment, self.tz).timestamp()
            rows.append((row_id, due))
        self.store.set_due(rows)
        return len(rows)

    def queue_event(
        self, alert: Alert, key: str, event: dict[str, Any], due: float, now: float
    ) -> int:
        """Queue one monitor event or report under its idempotency ``key``
        (one per alert and window or period); 1 if queued, 0 if already there."""
        assert alert.id is not None
        return int(self.store.queue_event(alert.id, key, event, due, now))

    @staticmethod
    def _below_floor(alert: Alert, post: Post) -> str | None:
        """Reach floors of "best" alerts: a post passes on followers OR engagement."""
        floors = []
        if alert.min_followers:
            floors.append((post.author.followers or 0) >= alert.min_followers)
        if alert.min_engagement:
            floors.append(post.engagement.total >= alert.min_engagement)
        if floors and not any(floors):
            return str(
                tr(
                    "below the reach floors (%(followers)s followers, "
                    "%(interactions)s interactions)",
                    followers=alert.min_followers,
                    interactions=alert.min_engagement,
                )
            )
        return None

    def _same_story(
        self, tx: Any, alert: Alert, post: Post, cluster: str | None, now: float
    ) -> str | None:
        """One post per story cluster: keep the one with the widest reach."""
        if not cluster:
            return None
        found = tx.latest_story_delivery(alert.id, cluster, now - SAME_STORY_DAYS * 86400)
        if found is None:
            return None
        reach = (post.author.followers or 0) + post.engagement.total
        if found.status == "pending" and reach > found.reach:
            tx.skip_delivery(
                found.id,
                str(tr("same story as %(post)s, which reaches more people", post=post.id)),
            )
            return None
        return str(tr("same story as %(post)s", post=found.post_id))

    # ---- sending --------------------------------------------------------

    def _spans(self, alert: Alert, post: Post) -> list[Any]:
        """What to highlight in ``post``, found when the message is composed:
        the ingest path queues matches without their spans, since most
        queued rows are read once by a digest, or never (caps, same story)."""
        for rule in self.rules():
            if rule.alert.id == alert.id:
                try:
                    return normalize_spans(rule.compiled.spans(post))
                except Exception:  # a highlight is not worth a lost message
                    log.exception("highlighting post %s for alert %s failed", post.id, alert.name)
        return []

    def _cap_reached(self, alert: Alert, now: float) -> bool:
        """Whether an as-it-happens or hourly alert queued its cap's worth of
        posts today (a digest's message already counts what went over)."""
        if alert.frequency not in ("instant", "hourly") or alert.id is None:
            return False
        since = day_start(datetime.fromtimestamp(now, UTC), self.tz).timestamp()
        counts = self.store.outbox_counts(alert.id, since)
        return sum(counts.get(s, 0) for s in ("pending", "sending", "sent")) >= alert.daily_cap

    def _lease_seconds(self) -> float:
        return self.settings.alerts.send_timeout_seconds + 2

    def claim(
        self, now: float, *, instant_only: bool = False, alert_id: int | None = None
    ) -> list[tuple[str, list[int]]]:
        """Mark due rows ``sending`` under a lease; return ``(batch id, row ids)``.
        Alerts in their quiet hours are left out: what is due then (a retry, a
        backlog on resume, a monitor's event) waits for the hours to end."""
        moment = datetime.fromtimestamp(now, UTC)
        quiet = [
            a.id
            for a in self._quiet_alerts()
            if a.id is not None and in_quiet_hours(a, moment, self.tz)
        ]
        return self.store.claim_deliveries(
            now,
            now + self._lease_seconds(),
            instant_only=instant_only,
            alert_id=alert_id,
            held=quiet,
        )

    def _quiet_alerts(self) -> list[Alert]:
        """Every alert with quiet hours (read again when an alert changes)."""
        version = self.store.alert_rules_stamp()
        if version != self._quiet_version:
            found = self.store.alerts_of_kind(None, with_paused=False)
            self._quiet = [a for a in found if a.quiet_start and a.quiet_end]
            self._quiet_version = version
        return self._quiet

    def _delivery(self, batch_id: str, ids: list[int]) -> tuple[Delivery | None, list[int]]:
        """The message of the claimed rows ``ids`` (``None``: nothing to
        send), and those of its rows whose posts are gone (deleted after
        they were queued: not in the message, not to be marked sent)."""
        rows = self.store.queued_items(ids)
        if not rows:
            return None, []
        alert = self.store.alert_by_id(rows[0].alert_id)
        if alert is None:
            return None, []
        posts = {p.id: p for p in self.store.get_posts([r.key for r in rows if r.event is None])}
        items = [
            DeliveryItem(posts[r.key], list(r.spans) or self._spans(alert, posts[r.key]))
            for r in rows
            if r.event is None and r.key in posts
        ]
        event = rows[0].event
        kind = event.get("kind", "event") if event else "posts"
        if kind == "posts" and not items:
            # Every post of the batch was deleted after it was queued (a
            # retention purge between an ingest's write of the posts and
            # the state transaction that queued them, where posts and state
            # are two backends; an erasure): nothing to tell, no empty
            # message. The rows are skipped, saying why.
            return None, []
        # (Rows come back in the order of their ids, all of them unless
        # one was deleted since its claim: then none is told apart.)
        gone = []
        if kind == "posts" and len(items) < len(rows) and len(rows) == len(ids):
            gone = [i for i, r in zip(sorted(ids), rows, strict=True) if r.key not in posts]
        created = datetime.fromtimestamp(min(r.created_at for r in rows), UTC)
        delivery = Delivery(batch_id, alert, items, created, kind, event)
        if kind == "report":
            from veille.alerts.reports import with_document

            # Rendered here, in the dispatcher's thread, which owns the store.
            delivery = with_document(self, delivery)
        return delivery, gone

    def dispatch(
        self, *, now: float | None = None, instant_only: bool = False, alert_id: int | None = None
    ) -> DispatchReport:
        """Send every due batch (a few at a time; only ``alert_id``'s if given);
        never raises because of one channel."""
        from concurrent.futures import ThreadPoolExecutor

        if now is None:
            self.clock.measure()
            now = self.clock.now()
        report = DispatchReport()
        ready: list[tuple[str, list[int], Delivery, list[int]]] = []
        told: set[int] = set()  # held-back rows a message of this pass counts
        for batch_id, ids in self.claim(now, instant_only=instant_only, alert_id=alert_id):
            report.batches += 1
            try:
                delivery, gone = self._delivery(batch_id, ids)
            except Exception as exc:
                self._record_failure(report, batch_id, ids, exc, now)
                continue
            if gone:
                self._finish(gone, "skipped", str(tr("alert or posts removed")))
                ids = [i for i in ids if i not in gone]
            if delivery is None:
                self._finish(ids, "skipped", str(tr("alert or posts removed")))
                continue
            held: list[int] = []
            if delivery.kind == "posts" and delivery.alert.daily_cap:
                # What the cap held back since its last message: this one says
                # how many; another of the alert's messages sent beside it (a
                # retry) does not count them again.
                assert delivery.alert.id is not None
                held = [
                    i for i in self.store.held_back(delivery.alert.id, CAP_REASON) if i not in told
                ]
                told.update(held)
                delivery = replace(
                    delivery, over_cap=len(held), cap_reached=self._cap_reached(delivery.alert, now)
                )
            ready.append((batch_id, ids, delivery, held))
        if not ready:
            return report
        channels: dict[str, Any] = {}
        if self.registry is None:  # read once per engine (entry points cost a scan)
            self.registry = channel_registry()

        # Where links lead, asked once for this pass's messages (the web app
        # may have started or moved since the last).
        ctx = self.ctx.fresh()

        def send(delivery: Delivery) -> None:
            url = delivery.alert.channel_url
            if url not in channels:
                channels[url] = channel_for(url, ctx, self.registry)
            channels[url].send(delivery)

        workers = min(SEND_WORKERS, len(ready))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [(b, ids, held, pool.submit(send, d)) for b, ids, d, held in ready]
            for batch_id, ids, held, fut in futures:
                error = fut.exception()
                if error is not None:
                    self._record_failure(report, batch_id, ids, error, now)
                else:
                    self._finish(ids, "sent", None)
                    if held:
                        self.store.mark_reported(held, batch_id)
                    report.sent += len(ids)
        return report

    def _record_failure(
        self, report: DispatchReport, batch_id: str, ids: list[int], exc: BaseException, now: float
    ) -> None:
        report.errors.append(f"{batch_id}: {exc}")
        if self._failed(ids, str(exc), now):
            report.dead += len(ids)
            log.error(
                "delivery %s failed its last attempt, a dead letter now "
                "(`veille alert dead --retry` queues it again): %s",
                batch_id,
                exc,
            )
        else:
            report.failed += len(ids)
            log.warning("delivery %s failed; it is tried again later: %s", batch_id, exc)

    def close(self) -> None:
        self.ctx.http.close()

    def _finish(self, ids: list[int], status: str, error: str | None) -> None:
        sent_at = self.clock.now() if status == "sent" else None
        self.store.finish_deliveries(ids, status, error, sent_at)

    def _failed(self, ids: list[int], error: str, now: float) -> bool:
        """Record a failure; True when the rows moved to the dead letters."""
        cfg = self.settings.alerts
        attempts = self.store.delivery_attempts(ids[0]) + 1
        dead = attempts >= cfg.max_attempts
        retry_at = now + cfg.retry_base_seconds * 2 ** (attempts - 1)
        self.store.reschedule_deliveries(
            ids, attempts=attempts, error=error[:2000], status="dead" if dead else "pending",
            retry_at=retry_at,
        )  # fmt: skip
        return dead

    def retry_dead(self, alert_id: int | None = None) -> int:
        """Give dead letters another round of attempts."""
        self.clock.measure()
        return self.store.retry_dead_deliveries(alert_id, self.clock.now())


class OutboxWorker:
    """Sends the outbox off the ingest path: its own thread, its own store connection.

    Collection only *queues* deliveries (in the posts' transaction); this
    worker sends them, so a slow or dead channel never slows collection.
    Delivery stays at least once: rows are claimed under a lease with a
    delivery id (the same on every retry) that receivers use to drop repeats.

    In a daemon (``veille run``)::

        worker = OutboxWorker(workspace)
        pipeline = build_pipeline(workspace)
        worker.attach(pipeline)   # the alerts stage wakes the worker, never sends itself
        worker.start()            # sends as-it-happens rows when woken; every
        try:                      # [alerts] dispatch_interval_seconds also checks
            ...collect...         # monitors, report schedules, digests and retries
        finally:
            worker.stop()         # waits for the sends in flight (up to the send timeout)

    Without ``attach`` the alerts stage keeps sending as-it-happens rows right
    after each commit (the behaviour of one-shot commands such as ``import``).
    :meth:`drain_once` runs one full round in the caller's thread (``veille
    alert dispatch``, tests). ``workspace`` is only read for its root and
    settings: the worker opens its own store, so its connection is never shared
    with the collector's thread.
    """

    def __init__(
        self,
        workspace: Any,
        *,
        interval: float | None = None,
        registry: dict[str, ChannelFactory] | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.root: Path = workspace.root
        self.settings: Settings = workspace.settings
        self.interval = (
            self.settings.alerts.dispatch_interval_seconds if interval is None else interval
        )
        self.registry = registry
        self.environ = environ
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The engine of each thread that calls drain_once (connections stay in their thread).
        self._local = threading.local()
        self.rounds = 0

    def _open(self) -> tuple[Any, AlertEngine]:
        from veille.workspace import Workspace

        ws = Workspace(root=self.root, settings=self.settings)
        from veille.store.split import joined

        engine = AlertEngine(
            joined(ws.posts, ws.state),
            self.settings,
            self.root,
            registry=self.registry,
            environ=self.environ,
        )
        return ws, engine

    def _engine(self) -> AlertEngine:
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = self._open()
        return held[1]

    def drain_once(self, now: float | None = None) -> tuple[int, DispatchReport]:
        """One full round in the caller's thread: monitors and report schedules,
        then every due delivery. Returns (events queued, send report); a failing
        monitor, report or channel is logged, never raised."""
        events = self.check(self._engine(), now)
        return events, self._engine().dispatch(now=now)

    @staticmethod
    def check(engine: AlertEngine, now: float | None) -> int:
        """Monitors and report schedules once (a failure is logged, never raised);
        the number of events queued."""
        from veille.alerts.monitors import check_monitors
        from veille.alerts.reports import check_reports

        events = 0
        try:
            events += check_monitors(engine, now)
        except Exception as exc:
            log_failure(log, "checking spike/sentiment/silence alerts failed", exc)
        try:
            events += check_reports(engine, now)
        except Exception as exc:
            log_failure(log, "checking scheduled reports failed", exc)
        return events

    def wake(self) -> None:
        """New rows are queued: send the due ones now rather than at the next interval."""
        self._wake.set()

    def attach(self, pipeline: Any) -> None:
        """Make ``pipeline``'s alerts stage wake this worker after a commit that
        stored new posts, instead of sending on the collector's thread."""

        def after_commit(result: Any) -> None:
            if result.new:
                self.wake()

        for stage in pipeline.stages:
            if stage.name == "alerts":
                stage.after_commit = after_commit

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="veille-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the round in progress; close this thread's engine."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            wait = self.settings.alerts.send_timeout_seconds + 5 if timeout is None else timeout
            self._thread.join(wait)
            self._thread = None
        self.close()

    def close(self) -> None:
        """Close the engine :meth:`drain_once` opened in the calling thread."""
        held = getattr(self._local, "held", None)
        if held is not None:
            self._local.held = None
            held[1].close()
            held[0].close()

    def _run(self) -> None:
        held: tuple[Any, AlertEngine] | None = None
        checked = 0.0
        rounds = RepeatedFailures(log, "the outbox worker's round failed",
                                  "It tries again at its next round.")  # fmt: skip
        while not self._stop.is_set():
            try:
                if held is None:
                    held = self._open()
                engine = held[1]
                if time.monotonic() - checked >= self.interval:
                    checked = time.monotonic()
                    self.check(engine, None)
                engine.dispatch()
                self.rounds += 1
                rounds.succeeded()
            except Exception as exc:  # the worker outlives any store or channel failure
                rounds.failed(exc)
                if held is not None:
                    _close(held)
                    held = None
            # Woken by a commit, by stop(), or by the interval.
            self._wake.wait(self.interval)
            self._wake.clear()
        if held is not None:
            _close(held)


def _close(held: tuple[Any, AlertEngine]) -> None:
    try:
        held[1].close()
        held[0].close()
    except Exception:
        log.exception("closing the outbox worker's store failed")
