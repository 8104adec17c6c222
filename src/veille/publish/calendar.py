"""The content calendar: drafts per account at a time, checked by the draft
checker when saved, approved by a manager where ``[plan] require_approval``
says so, and published when due by ``veille run`` (:class:`PublisherWorker`).

Statuses: ``draft`` (it breaks a rule, or waits for approval), ``approved``
(a manager approved it), ``scheduled`` (no approval needed), ``published``,
``failed`` (the platform's error kept, and the text). A post is published at
most once: each entry keeps one attempt key that every try sends (the
platform's guard against doubles), and a worker claims an entry under a lease
before sending, so a crash between sending and recording is a retry that
the platform recognises, not a second post.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.analytics.findings import platform_name
from veille.config import Settings
from veille.errors import (
    FIELD_AT,
    Bilingual,
    Conflict,
    NotFound,
    Place,
    RepeatedFailures,
    Text,
    UsageError,
    VeilleError,
    tr,
)
from veille.publish.base import Published, PublishError
from veille.store.protocols.calendar import CalendarEntry
from veille.timefmt import check_shown_once

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)  # longer than one publish takes, with its timeouts
RETRY_BASE = timedelta(minutes=1)  # doubled on each failed try


def parse_when(value: str | datetime, timezone: str) -> datetime:
    """A time as typed (``2026-12-03 09:30``, ISO 8601 with or without an
    offset): without an offset it is in the workspace's time zone. UTC out."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                tr("%(field)s %(value)r is not a date and time", field=FIELD_AT, value=value),
                hint=tr("Write it as 2026-12-03 09:30 (the workspace's time zone) or ISO 8601."),
            ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
        # The form has no offset: it is asked which of the two is meant.
        check_shown_once(when, FIELD_AT, page=CHOOSE_BELOW)
    return when.astimezone(UTC).replace(microsecond=0)


def check_to_come(value: str | datetime, timezone: str, *, now: datetime | None = None) -> datetime:
    """``value`` (as :func:`parse_when` reads it) if it is still to come: a
    time already past was saved without a word and went out at the next
    ``veille run``, not when its writer meant."""
    when = parse_when(value, timezone)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    if when < moment:
        shown = local(when, timezone).strftime("%Y-%m-%d %H:%M")
        raise UsageError(
            tr("%(field)s %(value)s is past: it is %(now)s now (%(zone)s); the post "
               "would go out at the next 'veille run', not then",
               field=FIELD_AT, value=shown, now=local(moment, timezone).strftime("%Y-%m-%d %H:%M"),
               zone=timezone),
            hint=tr("Give a time to come, or %(anyway)s to publish it at the next run.",
                    anyway=PAST_ANYWAY),
        )  # fmt: skip
    return when


#: How the calendar's form says which of two readings is meant (it has no offset).
CHOOSE_BELOW = tr("choose one of the two below, then save again")

#: How a time already past is saved anyway, said where the reader is.
PAST_ANYWAY = Place(
    tr("add --yes"),
    page=tr("tick “Save it even though the time is past”"),
    api=tr('send "past_ok": true'),
)


def local(when: datetime, timezone: str) -> datetime:
    return when.astimezone(ZoneInfo(timezone))


def _check(state: Any, settings: Settings, account: Any, text: str, title: str | None) -> list:
    from veille.publish.service import check_post

    report = check_post(state, account, text, title=title)
    return [p.as_dict() for p in report.problems]


def problems_said(problems: list[dict[str, Any]]) -> Bilingual:
    """A post's problems (as kept: code, message, message_fr) on one line,
    in English and in French: the checker wrote each in both, and a French
    reader of "held back" or of a refused approval reads them in French."""
    en = "; ".join(str(p.get("message", "")) for p in problems)
    fr = "\u202f; ".join(str(p.get("message_fr") or p.get("message", "")) for p in problems)
    return Bilingual(en, fr)


def _audit(state: Any, actor: str | None, action: str, target: str, detail: str = "") -> None:
    """Every change goes to the audit log (``None``: the command line)."""
    from veille.services import audit

    audit.record(state, actor or None, action, target, detail)


def get_entry(state: Any, entry_id: int) -> CalendarEntry:
    found: CalendarEntry | None = state.calendar_entry(entry_id)
    if found is None:
        raise NotFound(
            tr("no calendar post #%(id)s", id=entry_id),
            hint=tr(
                "See the calendar's list (%(where)s).",
                where=Place(
                    "veille calendar list", page="/plan/calendar", api="GET /api/v1/calendar"
                ),
            ),
        )
    return found


def _status_after_save(problems: list, settings: Settings) -> str:
    if problems or settings.plan.require_approval:
        return "draft"
    return "scheduled"


def add_entry(
    state: Any,
    settings: Settings,
    *,
    account: str,
    text: str,
    at: str | datetime,
    title: str | None = None,
    language: str | None = None,
    reply_to: str | None = None,
    by: str = "",
    past_ok: bool = False,
    now: datetime | None = None,
    timezone: str = "",
) -> CalendarEntry:
    """Save a post for ``account`` at ``at``; the draft checker's verdict is
    kept with it (a draft that breaks a rule is saved, not scheduled). A time
    already past is refused unless ``past_ok`` (it goes out at the next run).
    A time without a zone is read in ``timezone`` (the person's, who typed
    it), else the workspace's. ``now``: the time it is (the workspace's
    clock), for the check and the post's created and updated times."""
    from veille.publish.service import get_account

    acct = get_account(state, account)
    if not text.strip():
        raise UsageError(tr("the post is empty"), hint=tr("Give the text to publish."))
    tz = timezone or settings.workspace.timezone
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    when = parse_when(at, tz) if past_ok else check_to_come(at, tz, now=moment)
    problems = _check(state, settings, acct, text, title)
    entry = CalendarEntry(
        id=0, account=acct.name, platform=acct.platform, text=text, scheduled_at=when,
        status=_status_after_save(problems, settings), created_by=by, created_at=moment,
        updated_at=moment, title=title or None, language=language or None,
        reply_to=reply_to or None, problems=problems, attempt_key=uuid.uuid4().hex,
    )  # fmt: skip
    new_id = state.add_calendar_entry(entry)
    if not new_id:  # removed since it was read above: said as if never there
        get_account(state, acct.name)
        raise UsageError(tr("no account named %(name)r", name=acct.name))
    added = get_entry(state, new_id)
    _audit(state, by, "calendar.add", f"#{added.id}", f"{acct.name} {added.status}")
    return added


def edit_entry(
    state: Any,
    settings: Settings,
    entry_id: int,
    *,
    text: str | None = None,
    at: str | datetime | None = None,
    title: str | None = None,
    language: str | None = None,
    account: str | None = None,
    by: str = "",
    past_ok: bool = False,
    now: datetime | None = None,
    timezone: str = "",
) -> CalendarEntry:
    """Change a post not yet published; it is checked again, and an approval
    no longer holds (what was approved is not what will go out). ``account``
    moves it to another account (one whose account was removed, too). A new
    time already past is refused unless ``past_ok``; a post whose time has
    passed (one that failed) may have its text corrected without a new time.
    A time without a zone is read in ``timezone``, as :func:`add_entry` does."""
    from veille.publish.service import get_account

    entry = get_entry(state, entry_id)
    if entry.status == "published":
        raise UsageError(
            tr("calendar post #%(id)s is already published", id=entry_id),
            hint=tr("Published posts are not edited from veille; post a correction."),
        )
    tz = timezone or settings.workspace.timezone
    if at is not None and not past_ok:
        at = check_to_come(at, tz, now=now)
    new_text = entry.text if text is None else text
    new_title = entry.title if title is None else (title or None)
    acct = get_account(state, account or entry.account)
    problems = _check(state, settings, acct, new_text, new_title)
    changes: dict[str, Any] = {
        "text": new_text, "title": new_title, "problems": problems,
        "status": _status_after_save(problems, settings), "approved_by": None,
        "approved_at": None, "updated_at": now or datetime.now(UTC), "error": None,
        "next_try_at": None, "attempts": 0,
    }  # fmt: skip
    if acct.name != entry.account:
        changes |= {"account": acct.name, "platform": acct.platform}
    if entry.status == "failed" or acct.name != entry.account:
        # The platform refused it, or another account sends it: the next
        # try is a new post.
        changes["attempt_key"] = uuid.uuid4().hex
    if at is not None:
        changes["scheduled_at"] = parse_when(at, tz)
    if language is not None:
        changes["language"] = language or None
    if not state.update_calendar_entry(entry_id, **changes) and "account" in changes:
        # The account it moves to was removed since it was read above.
        get_account(state, acct.name)
        raise UsageError(tr("no account named %(name)r", name=acct.name))
    _audit(state, by, "calendar.edit", f"#{entry_id}", changes["status"])
    return get_entry(state, entry_id)


def approve_entry(
    state: Any, entry_id: int, *, by: str, now: datetime | None = None
) -> CalendarEntry:
    """A manager's approval: the post goes out at its time. A post that breaks
    a rule of its platform cannot be approved. ``now``: the time it is (the
    workspace's clock), when it was approved."""
    entry = get_entry(state, entry_id)
    if not by:
        raise UsageError(tr("an approval names who approves (by)"))
    _check_approver(state, by)
    if entry.status != "draft":
        # Only a draft waits for approval: a scheduled post goes out without
        # one, an approved one has it, and a published or failed one is past
        # it. Refused as a clash with its state (API 409), nothing changed.
        raise Conflict(
            tr(
                "calendar post #%(id)s is %(status)s: it is not waiting for approval",
                id=entry_id, status=STATUS_WORDS.get(entry.status, entry.status),
            ),
            hint=tr("Only a draft waits for a manager's approval; see its status in the calendar."),
        )  # fmt: skip
    if entry.problems:
        raise UsageError(
            tr(
                "calendar post #%(id)s breaks %(n)s rule(s) of %(platform)s",
                id=entry_id,
                n=len(entry.problems),
                platform=platform_name(entry.platform),
            ),
            hint=tr(
                "%(problems)s Edit it first.",
                problems=problems_said(entry.problems),
            ),
        )
    now = now or datetime.now(UTC)
    state.update_calendar_entry(
        entry_id, status="approved", approved_by=by, approved_at=now, updated_at=now
    )
    _audit(state, by, "calendar.approve", f"#{entry_id}")
    return get_entry(state, entry_id)


def _check_approver(state: Any, by: str) -> None:
    """Where the workspace has user accounts, only a manager (or an admin)
    approves; a workspace without accounts leaves it to whoever runs the command."""
    import importlib

    try:
        users: Any = importlib.import_module("veille.services.users")
    except ImportError:  # a build without the web app's accounts
        return
    if users.count_users(state) == 0:
        return
    found = users.get_user(state, by)
    if found is None:
        raise NotFound(
            tr("no user named %(name)r", name=by), hint=tr("Approve as a manager's username.")
        )
    if not found.can("manager"):
        raise UsageError(
            tr(
                "%(name)s is %(role)s: approving a post needs the %(needed)s role",
                name=by,
                role=users.role_name(found.role),  # « analyste », not analyst, in French
                needed=users.role_name("manager"),
            ),
            hint=tr("Ask a manager or an admin to approve it."),
        )


def remove_entry(state: Any, entry_id: int, *, by: str = "") -> None:
    get_entry(state, entry_id)
    state.remove_calendar_entry(entry_id)
    _audit(state, by, "calendar.remove", f"#{entry_id}")


#: Every status a calendar post may have (see the module's docstring).
STATUSES = ("draft", "approved", "scheduled", "published", "failed")
#: Each status as a sentence names it, in the reader's language (the
#: calendar's page and ``veille calendar``'s table show the same words).
STATUS_WORDS = {
    "draft": tr("draft"), "approved": tr("approved"), "scheduled": tr("scheduled"),
    "published": tr("published"), "failed": tr("failed"),
}  # fmt: skip


def list_entries(
    state: Any,
    *,
    statuses: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    account: str | None = None,
    platform: str | None = None,
) -> list[CalendarEntry]:
    """The calendar by time, ``until`` excluded; a status that is none of
    :data:`STATUSES` is refused (it listed nothing, as if none had it)."""
    for status in statuses:
        if status not in STATUSES:
            from veille.suggest import did_you_mean

            raise UsageError(
                tr("%(status)r is not a status of a calendar post", status=status),
                hint=did_you_mean(status, STATUSES),
            )
    if since is not None and until is not None and until <= since:
        raise UsageError(
            tr("the end of the period (%(until)s) is not after its start (%(since)s)",
               until=until.isoformat(), since=since.isoformat()),
            hint=tr("Give an end after the start."),
        )  # fmt: skip
    entries: list[CalendarEntry] = state.calendar_entries(
        statuses=statuses, since=since, until=until, account=account
    )
    if platform is not None:
        entries = [e for e in entries if e.platform == platform.lower()]
    return entries


@dataclass(frozen=True)
class Outcome:
    """What one due post came to: ``published`` (with the platform's ids),
    ``retry`` (a passing failure, tried again later), ``failed``, ``held``
    (back to draft: it no longer passes the checks), or ``dry-run``."""

    entry_id: int
    result: str
    published: Published | None = None
    error: str | None = None
    #: The account it goes out as, its platform, and the text (what a dry run shows).
    account: str = ""
    platform: str = ""
    text: str = ""

    def line(self) -> Text:
        """One line: what came of it (a dry run: what would be sent where),
        a sentence the CLI says in its reader's language."""
        if self.result == "dry-run":
            request = dict(self.published.request or {}) if self.published else {}
            where = next((f"{k} {v}" for k, v in request.items() if k.isupper()), "")
            text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
            if where:
                return tr("#%(id)s dry-run: would publish on %(platform)s as %(account)s "
                          "(%(where)s): %(text)r", id=self.entry_id,
                          platform=platform_name(self.platform), account=self.account,
                          where=where, text=text)  # fmt: skip
            return tr("#%(id)s dry-run: would publish on %(platform)s as %(account)s: %(text)r",
                      id=self.entry_id, platform=platform_name(self.platform), account=self.account,
                      text=text)  # fmt: skip
        said = self.error or (self.published.url if self.published else "") or ""
        if self.result == "published":
            return tr("#%(id)s published: %(said)s", id=self.entry_id, said=said)
        if self.result == "retry":
            return tr("#%(id)s retry: %(said)s", id=self.entry_id, said=said)
        if self.result == "held":
            return tr("#%(id)s held: %(said)s", id=self.entry_id, said=said)
        return tr("#%(id)s failed: %(said)s", id=self.entry_id, said=said)


def _publish_one(entry: CalendarEntry, state: Any, publishing: Any, now: datetime) -> Outcome:
    account = state.publish_account(entry.account)
    if account is None:
        gone = tr("the account %(name)r no longer exists", name=entry.account)
        state.release_calendar_entry(entry.id, status="failed", error=str(gone), updated_at=now)
        return Outcome(entry.id, "failed", error=gone)
    if entry.attempts == 0:
        # Checked again as it goes out: the guidelines (or the account's
        # server limit) may have changed since it was scheduled. A post that
        # no longer passes goes back to draft, its problems shown, unsent.
        from veille.publish.service import check_post

        found = check_post(state, account, entry.text, title=entry.title).problems
        if found:
            problems = [p.as_dict() for p in found]
            held = tr(
                "held back as a draft: it no longer passes the checks (%(problems)s)",
                problems=problems_said(problems),
            )
            # Kept as its sentence (the store keeps a Text so): said in each
            # reader's language by calendar list and the web page.
            state.release_calendar_entry(
                entry.id, status="draft", problems=problems, error=held, updated_at=now
            )
            _audit(state, None, "calendar.held", f"#{entry.id}", str(held))
            return Outcome(entry.id, "held", error=held)
    attempts = entry.attempts + 1
    try:
        done = publishing.publish(
            account, entry.text, title=entry.title, language=entry.language,
            reply_to=entry.reply_to, key=entry.attempt_key,
        )  # fmt: skip
    except PublishError as exc:
        error = exc.platform_message or exc.message
        if exc.retryable and attempts < MAX_ATTEMPTS:
            wait = RETRY_BASE * 2 ** (attempts - 1)
            state.release_calendar_entry(
                entry.id, attempts=attempts, error=error, next_try_at=now + wait, updated_at=now
            )
            return Outcome(entry.id, "retry", error=error)
        state.release_calendar_entry(
            entry.id, status="failed", attempts=attempts, error=error, updated_at=now
        )
        return Outcome(entry.id, "failed", error=error)
    state.release_calendar_entry(
        entry.id, status="published", attempts=attempts, error=None, next_try_at=None,
        published_id=done.id, published_url=done.url, post_id=done.post_id,
        published_at=now, updated_at=now,
    )  # fmt: skip
    return Outcome(entry.id, "published", published=done)


def publish_due(
    state: Any,
    settings: Settings,
    *,
    now: datetime | None = None,
    publishing: Any = None,
    dry_run: bool = False,
    only: int | None = None,
) -> list[Outcome]:
    """Publish every approved or scheduled post that is due (or only post
    ``only``, due or not, with ``veille calendar publish ID``). One post's
    failure is recorded on it and never stops the others. ``dry_run``: what
    would be sent, nothing sent, nothing changed."""
    from veille.publish.service import Publishing

    now = (now or datetime.now(UTC)).replace(microsecond=0)
    own = publishing is None
    pub = publishing or Publishing(settings)
    try:
        if dry_run:
            return _dry_run(state, pub, now, only)
        if only is not None:
            entry = get_entry(state, only)
            if entry.status not in ("approved", "scheduled"):
                raise UsageError(
                    tr(
                        "calendar post #%(id)s is %(status)s",
                        id=only,
                        status=STATUS_WORDS.get(entry.status, entry.status),
                    ),
                    hint=tr("Only approved or scheduled posts are published (approve it first).")
                    if entry.status == "draft"
                    else tr("Only approved or scheduled posts are published."),
                )
            state.update_calendar_entry(only, scheduled_at=min(entry.scheduled_at, now),
                                        next_try_at=None)  # fmt: skip
        out: list[Outcome] = []
        for entry in state.claim_due_calendar_entries(now, now + LEASE):
            if only is not None and entry.id != only:
                state.release_calendar_entry(entry.id)
                continue
            try:
                out.append(_publish_one(entry, state, pub, now))
            except VeilleError as exc:  # the store or the account: logged, tried again
                log.error("calendar post #%d: %s", entry.id, exc.message)
            except Exception:
                log.exception("calendar post #%d failed unexpectedly", entry.id)
        return out
    finally:
        if own:
            pub.close()


def _dry_run(state: Any, pub: Any, now: datetime, only: int | None) -> list[Outcome]:
    if only is not None:
        entries = [get_entry(state, only)]
    else:
        entries = [
            e
            for e in state.calendar_entries(statuses=("approved", "scheduled"), until=now)
            if e.next_try_at is None or e.next_try_at <= now
        ]
    out: list[Outcome] = []
    for entry in entries:
        account = state.publish_account(entry.account)
        if account is None:
            out.append(
                Outcome(entry.id, "failed", error=tr("no account %(name)r", name=entry.account))
            )
            continue
        try:
            done = pub.publish(
                account, entry.text, title=entry.title, language=entry.language,
                reply_to=entry.reply_to, key=entry.attempt_key, dry_run=True,
            )  # fmt: skip
        except PublishError as exc:
            out.append(Outcome(entry.id, "failed", error=exc.message))
            continue
        out.append(Outcome(entry.id, "dry-run", published=done, account=entry.account,
                           platform=entry.platform, text=entry.text))  # fmt: skip
    return out


class PublisherWorker:
    """Publishes the calendar's due posts on its own thread (in ``veille run``),
    every ``[plan] publish_interval_seconds``, with its own store connection;
    any failure is logged and the next round goes on."""

    def __init__(self, workspace: Any, *, interval: float | None = None) -> None:
        self.root = workspace.root
        self.settings: Settings = workspace.settings
        self.interval = (
            self.settings.plan.publish_interval_seconds if interval is None else interval
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.outcomes: list[Outcome] = []

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="veille-publish", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(
                self.settings.http.timeout_seconds + 5 if timeout is None else timeout
            )
            self._thread = None

    def _run(self) -> None:
        from veille.publish.service import Publishing
        from veille.workspace import Workspace

        ws: Any = None
        pub: Publishing | None = None
        rounds = RepeatedFailures(log, "the calendar's publishing round failed",
                                  "It tries again at its next round.")  # fmt: skip
        while not self._stop.is_set():
            try:
                if ws is None:
                    ws = Workspace(root=self.root, settings=self.settings)
                    pub = Publishing(self.settings)
                    if not hasattr(ws.state, "claim_due_calendar_entries"):
                        log.warning("this state store keeps no content calendar; not publishing")
                        break
                self.outcomes.extend(publish_due(ws.state, self.settings, publishing=pub))
                self.rounds += 1
                rounds.succeeded()
            except Exception as exc:  # the worker outlives any store or platform failure
                rounds.failed(exc)
                if ws is not None:
                    _close(ws, pub)
                    ws, pub = None, None
            self._stop.wait(self.interval)
        if ws is not None:
            _close(ws, pub)


def _close(ws: Any, pub: Any) -> None:
    try:
        if pub is not None:
            pub.close()
        ws.close()
    except Exception:
        log.exception("closing the calendar worker's store failed")
