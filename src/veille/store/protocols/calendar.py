"""Publishing: the organization's accounts and the content calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from veille.publish.base import Account

# draft: saved (failing the checker, or waiting for a manager's approval);
# approved: a manager approved it, it goes out at its time; scheduled: goes
# out at its time (no approval needed); published; failed (error kept).
CALENDAR_STATUSES = ("draft", "approved", "scheduled", "published", "failed")


@dataclass(frozen=True)
class CalendarEntry:
    """One post of the content calendar, for one account at one time."""

    id: int
    account: str
    platform: str
    text: str
    scheduled_at: datetime  # UTC
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    language: str | None = None
    reply_to: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    # The draft checker's verdict when last saved: [{"code", "message", …}].
    problems: list[dict[str, Any]] = field(default_factory=list)
    # The same on every try: the platform's guard against publishing twice.
    attempt_key: str = ""
    attempts: int = 0
    next_try_at: datetime | None = None
    published_id: str | None = None
    published_url: str | None = None
    post_id: str | None = None
    published_at: datetime | None = None
    error: str | None = None


class CalendarState(Protocol):
    """Accounts veille posts as, and the calendar of posts to publish."""

    def publish_accounts(self) -> list[Account]: ...

    def publish_account(self, name: str) -> Account | None: ...

    def add_publish_account(self, account: Account, at: datetime) -> bool:
        """Store ``account``; ``False`` when its name is taken."""
        ...

    def set_publish_account_limit(self, name: str, limit: int | None) -> None:
        """Remember the length limit the account's server announces (``None``: unknown)."""
        ...

    def remove_publish_account(
        self, name: str, *, unless: tuple[str, ...] = ()
    ) -> list[CalendarEntry]:
        """Remove account ``name``, unless calendar entries naming it are in
        one of the statuses ``unless``: then nothing is removed and those
        entries are returned (by scheduled time, then id). The check and the
        removal are one transaction, which an entry saved or moved to the
        account meanwhile waits for (else it was left on a removed account)."""
        ...

    def add_calendar_entry(self, entry: CalendarEntry) -> int:
        """Store ``entry`` (its ``id`` ignored); the new id, or 0 (nothing
        stored) when its account no longer exists: checked in the insert
        itself, which a removal of the account (:meth:`remove_publish_account`)
        is ordered with."""
        ...

    def calendar_entry(self, entry_id: int) -> CalendarEntry | None: ...

    def calendar_entries(
        self,
        *,
        statuses: tuple[str, ...] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        account: str | None = None,
    ) -> list[CalendarEntry]:
        """Entries by scheduled time (then id), filtered."""
        ...

    def update_calendar_entry(self, entry_id: int, **changes: Any) -> bool:
        """Set the named fields of :class:`CalendarEntry` (not ``id``); False
        when nothing changed: no such entry, or the ``account`` it is moved
        to no longer exists (checked in the update, as
        :meth:`add_calendar_entry` does)."""
        ...

    def remove_calendar_entry(self, entry_id: int) -> bool: ...

    def claim_due_calendar_entries(
        self, now: datetime, lease_until: datetime, *, limit: int = 20
    ) -> list[CalendarEntry]:
        """Approved or scheduled entries due by ``now`` (and whose next try is
        due), not claimed by another worker: claimed until ``lease_until`` in one
        transaction, so two workers never send the same entry at once."""
        ...

    def release_calendar_entry(self, entry_id: int, **changes: Any) -> None:
        """Record a try's outcome (``changes`` as in :meth:`update_calendar_entry`)
        and release the claim."""
        ...


class CalendarStateTx(Protocol):
    """No calendar writes join another transaction."""
