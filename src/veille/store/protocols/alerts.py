"""What alerts keep: alerts, their outbox of deliveries, dead letters, "not relevant" marks.

The outbox holds one row per (alert, post), or per (alert, event key) for
monitor events and reports (``spike:<hour>``, ``report:<from>..<to>``): that
pair is unique, which is what makes a delivery happen once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from veille.alerts.model import Alert

# (field, start, end): a character span of a post's "title" or "text".
SpanRow = tuple[str, int, int]
# (alert id, post id, cluster id, now, due, the post's publication time or None).
MatchRow = tuple[int, str, str | None, float, float, float | None]


def delivery_id(alert_id: int, alert_created: int, keys: Iterable[str]) -> str:
    """A new batch's delivery id, what receivers drop repeats by: the alert id,
    a dot, then 20 hex digits digesting the alert's creation time and the
    batch's item keys (post ids or event keys, unique per alert in the
    outbox). Never a row id: row ids come from a sequence that an
    asynchronous PostgreSQL failover (or SQLite, after the last rows are
    deleted) hands out again, and a new message under an id its receiver
    already had was dropped as a repeat. The same rows give the same id (a
    batch sent again after a failover lost its claim is a repeat); other rows,
    or the same posts to an alert made again under a reused id, another.
    Stored with the rows at their first claim and kept on every retry."""
    text = json.dumps([int(alert_created), sorted(keys)], ensure_ascii=False)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()
    return f"{alert_id}.{digest}"


@dataclass(frozen=True)
class QueuedItem:
    """One outbox row as the sender reads it."""

    alert_id: int
    key: str  # a post id, or an event key
    spans: list[SpanRow]
    event: dict[str, Any] | None
    created_at: float


@dataclass(frozen=True)
class DeliveryRecord:
    """One outbox row as people see it (``veille alert deliveries``); Unix seconds."""

    id: int
    alert: str
    post_id: str
    status: str
    attempts: int  # failed sends (the outbox's retry count); a sent row made one more
    due_at: float
    sent_at: float | None
    error: str | None


@dataclass(frozen=True)
class StoryDelivery:
    """The latest live delivery of one story cluster for one alert, with its post's reach."""

    id: int
    post_id: str
    status: str
    reach: int


class AlertState(Protocol):
    """What alerts keep: alerts, their outbox of deliveries, dead letters, reports."""

    # -- alerts ---------------------------------------------------------------

    def list_alerts(self) -> list[Alert]:
        """Every alert, by name."""
        ...

    def alerts_of_kind(self, kind: str | None = None, *, with_paused: bool = False) -> list[Alert]:
        """Alerts of ``kind`` (any when ``None``), oldest first; paused ones only if asked."""
        ...

    def find_alert(self, name: str) -> Alert | None: ...

    def alert_by_id(self, alert_id: int) -> Alert | None: ...

    def alert_rules_stamp(self) -> tuple[Any, ...]:
        """Changes whenever an alert, or a topic's query, is added, edited or removed."""
        ...

    def insert_alert(self, alert: Alert) -> int | None:
        """Store a new alert; its id, or ``None`` when the name is taken."""
        ...

    def save_alert(self, alert: Alert) -> None:
        """Write every setting of an existing alert (by its id)."""
        ...

    def delete_alert(self, alert_id: int) -> None:
        """Remove an alert with its outbox and marks."""
        ...

    # -- feed tokens (the secret address of each alert's Atom feed) ------------

    def alert_feed_token(self, alert_id: int) -> str | None:
        """The alert's feed token, ``None`` when it has none (never made, or revoked)."""
        ...

    def set_alert_feed_token(self, alert_id: int, token: str | None, at: int) -> None:
        """Replace the alert's feed token by ``token`` (``None``: revoke it)."""
        ...

    def alert_by_feed_token(self, token: str) -> Alert | None:
        """The alert whose feed token is ``token`` (exactly), if any."""
        ...

    # -- the outbox -----------------------------------------------------------

    def queue_event(
        self, alert_id: int, key: str, event: dict[str, Any], due: float, now: float
    ) -> bool:
        """Queue a monitor event or report under its key; False if already there."""
        ...

    def has_delivery(self, alert_id: int, key: str) -> bool:
        """Whether the alert ever queued this post or event key."""
        ...

    def claim_deliveries(
        self,
        now: float,
        lease_until: float,
        *,
        instant_only: bool = False,
        alert_id: int | None = None,
        held: Sequence[int] = (),
    ) -> list[tuple[str, list[int]]]:
        """Mark the due rows of unpaused alerts (and rows whose lease ran out)
        ``sending`` until ``lease_until``, in one committed transaction; return
        ``(delivery id, row ids)`` per batch. A new batch's delivery id is
        :func:`delivery_id`'s; a batch keeps it on every retry. The alerts in
        ``held`` (in their quiet hours) send nothing."""
        ...

    def queued_items(self, row_ids: Sequence[int]) -> list[QueuedItem]: ...

    def finish_deliveries(
        self, row_ids: Sequence[int], status: str, error: str | None, sent_at: float | None
    ) -> None: ...

    def delivery_attempts(self, row_id: int) -> int: ...

    def reschedule_deliveries(
        self, row_ids: Sequence[int], *, attempts: int, error: str, status: str, retry_at: float
    ) -> None:
        """Record a failed send: back to ``pending`` at ``retry_at``, or ``dead``."""
        ...

    def retry_dead_deliveries(self, alert_id: int | None, now: float) -> int: ...

    def list_deliveries(
        self, statuses: Sequence[str] = (), alert_name: str | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        """Outbox rows, newest first."""
        ...

    def outbox_counts(self, alert_id: int, since: float | None = None) -> dict[str, int]:
        """Rows of one alert by status (queued at or after ``since`` if given)."""
        ...

    def waiting_matches(self, alert_id: int) -> list[tuple[int, float]]:
        """``(row id, created_at)`` of the alert's matched posts waiting for
        their first send (pending, never tried nor claimed; not events)."""
        ...

    def set_due(self, rows: Sequence[tuple[int, float]]) -> None:
        """Give waiting rows (as :meth:`waiting_matches` lists them) a new due time."""
        ...

    def held_back(self, alert_id: int, reason: str) -> list[int]:
        """Rows of the alert skipped with a reason starting with ``reason``
        that no message has reported yet (see :meth:`mark_reported`)."""
        ...

    def mark_reported(self, row_ids: Sequence[int], batch_id: str) -> None:
        """Skipped rows that the delivery ``batch_id`` reported (by count):
        their ``batch_id`` is set, so the next message does not count them again."""
        ...

    # -- "not relevant" marks -------------------------------------------------

    def mark_not_relevant(self, alert_id: int, post_id: str, now: float) -> None: ...

    def not_relevant_posts(self, alert_id: int) -> set[str]: ...

    def delivered_posts(self, alert_id: int, limit: int = 2000) -> list[str]:
        """The ``limit`` newest posts the alert queued and did not skip, by
        publication time, newest first (whatever order they were queued in)."""
        ...


class AlertStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""

    def queue_match(
        self,
        alert_id: int,
        post_id: str,
        *,
        cluster_id: str | None,
        spans: list[SpanRow],
        status: str,
        now: float,
        due: float,
        reason: str | None,
        reach: int = 0,
        published: float | None = None,
    ) -> bool:
        """Queue one matched post; False when the alert already queued it.
        ``reach`` (followers + interactions when queued) is kept where the
        posts are in another store ("best" alerts compare copies by it);
        ``published`` (the post's publication time, Unix seconds) orders
        :meth:`AlertState.delivered_posts`."""
        ...

    def queue_matches(self, rows: Sequence[MatchRow]) -> int:
        """Queue many matched posts of alerts with no per-row rule (no daily
        cap, not "best"): ``(alert id, post id, cluster id, now, due,
        published)``, each pending, with no spans (the sender finds them).
        Returns how many were new (an alert's post already queued is left alone)."""
        ...

    def queued_since(self, alert_id: int, since: float) -> int:
        """Rows of the alert queued since ``since`` and not skipped (daily caps)."""
        ...

    def latest_story_delivery(
        self, alert_id: int, cluster_id: str, since: float
    ) -> StoryDelivery | None: ...

    def skip_delivery(self, row_id: int, reason: str) -> None: ...
