"""Replies: composed with the platform guide's checks, sent through the
publishers (Mastodon, Bluesky), approved by a manager where the workspace
requires it, or marked as answered outside veille.

A reply is stored before it is sent, so its text survives any failure; a
failed reply keeps the platform's own error and is sent again as it is
(:func:`retry`: the same key, so never published twice). Before sending, the collision
check says who else is assigned to the item or writing a reply to it (the
``force`` flag sends anyway). A post its own platform says is gone (on
Mastodon, the post's own instance: another one may just not federate with
it) marks the item deleted upstream; nothing is lost, and a wrong mark is
undone with :func:`veille.inbox.items.clear_deleted_upstream`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from veille.analytics.findings import platform_name
from veille.errors import Place, UsageError, VeilleError, tr
from veille.inbox.items import _audit, get_item, mark_deleted_upstream
from veille.inbox.model import OUTSIDE_TEXT, Item, Reply

if TYPE_CHECKING:
    from collections.abc import Sequence

    from veille.workspace import Workspace

# Platforms veille can reply on (a publisher with replies); elsewhere people
# answer on the platform and mark the item answered outside veille.
REPLY_PLATFORMS = ("mastodon", "bluesky")
MAX_REPLY = 10_000


class Collision(VeilleError):
    """Someone else is assigned to the item or writing a reply to it."""


class ReplyFailed(VeilleError):
    """The platform refused the reply or could not be reached; the text is kept."""


@dataclass(frozen=True)
class Verdict:
    """The platform guide's checks on a draft: problems block sending, warnings do not."""

    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    length: int | None = None
    limit: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# Guide findings that the platform itself would refuse, and every finding of
# the staff guidelines (``guideline_*``: they hold for replies as for any post
# veille publishes); the others (the guide's advice) are shown as warnings.
BLOCKING = frozenset(
    {"empty", "too_long", "too_many_bytes", "too_many_mentions", "forbidden_character"}
)


def _blocks(code: str) -> bool:
    return code in BLOCKING or code.startswith("guideline_")


def check_reply(platform: str, text: str, *, lang: str = "en", state: Any = None) -> Verdict:
    """The platform guide's verdict on ``text`` as a reply on ``platform``,
    its messages in ``lang``: English ones made by :func:`veille.errors.tr`
    (a web page shows them from its catalogs), or French. With the
    workspace's ``state``, the staff guidelines apply too, through the same
    check as every other path that publishes
    (:func:`veille.publish.service.check_post`)."""
    if state is not None:
        from veille.publish.service import check_post

        report = check_post(state, platform, text)
    else:
        from veille.plan.guide import check_draft

        report = check_draft(platform, text)
    problems: list[str] = []
    warnings: list[str] = []
    for problem in report.problems:
        message = problem.message_fr if lang == "fr" else problem.message
        (problems if _blocks(problem.code) else warnings).append(message)
    return Verdict(tuple(problems), tuple(warnings), report.length, report.limit)


def collisions(
    state: Any, item: Item, user: str, now: int | None = None, *, besides: int | None = None
) -> list[str]:
    """What the person about to reply should know first: someone else
    assigned, someone else writing a reply, a reply already sent (other than
    reply ``besides``, the one being sent again) (each made by
    :func:`veille.errors.tr`: English here, translated on a web page)."""
    now = int(time.time()) if now is None else now
    found: list[str] = []
    if item.assignee and item.assignee != user:
        found.append(tr("assigned to %(who)s", who=item.assignee))
    until = int(item.replying_until.timestamp()) if item.replying_until else 0
    if item.replying and item.replying != user and until > now:
        found.append(_writing(item.replying))
    sent = [
        r
        for r in state.inbox_replies(item.id)
        if r.status in ("sent", "outside", "sending") and r.id != besides
    ]
    if sent:
        found.append(tr("already answered by %(who)s", who=sent[-1].author))
    return found


def _writing(who: str) -> str:
    return tr("%(who)s is writing a reply", who=who)


def joined(parts: list[str]) -> str:
    """``parts`` joined by "; ", still translatable when they are made by
    :func:`veille.errors.tr` (a web page shows each in its reader's language)."""
    return reduce(lambda a, b: tr("%(first)s; %(then)s", first=a, then=b), parts) if parts else ""


def sentences(parts: Sequence[str]) -> str:
    """Whole sentences (each ending with its stop) one after the other, each
    still translatable when made by :func:`veille.errors.tr`."""
    return reduce(lambda a, b: tr("%(first)s %(then)s", first=a, then=b), parts) if parts else ""


def start_reply(ws: Workspace, item_id: int, user: str) -> list[str]:
    """Mark ``user`` as writing a reply (others see it); the collisions to show."""
    state = ws.state
    item = get_item(state, item_id)
    now = int(time.time())
    warnings = collisions(state, item, user, now)
    until = now + 60 * ws.settings.inbox.reply_claim_minutes
    state.claim_inbox_reply(item_id, user, now=now, until=until)
    return warnings


@dataclass
class ReplyOutcome:
    reply: Reply
    verdict: Verdict
    warnings: list[str] = field(default_factory=list)


def reply(
    ws: Workspace,
    item_id: int,
    text: str,
    *,
    user: str,
    account: str | None = None,
    force: bool = False,
    can_approve: bool = False,
) -> ReplyOutcome:
    """Check, store and send a reply (or keep it for a manager's approval);
    the very text of a reply that failed is that reply sent again
    (:func:`retry`), not a second one.

    :class:`Collision` when someone else is assigned or replying (unless
    ``force``); :class:`UsageError` when the guide finds a problem;
    :class:`ReplyFailed` (the reply stored as failed, its text kept) when the
    platform refuses it."""
    state = ws.state
    item = get_item(state, item_id)
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise UsageError(tr("a reply is at most %(n)s characters", n=MAX_REPLY))
    if item.platform not in REPLY_PLATFORMS:
        raise UsageError(
            tr("veille cannot reply on %(platform)s", platform=platform_name(item.platform)),
            hint=tr(
                "Answer on the platform (%(url)s), then mark the item as answered.",
                url=item.url or tr("open the post"),
            ),
        )
    # The same text as a reply that failed (its answer may have been lost on
    # the way back, after it was published): that reply, sent again, not a second one.
    failed = [r for r in state.inbox_replies(item_id) if r.text == text and can_retry(r)]
    if failed:
        return retry(
            ws, failed[-1].id, user=user, account=account, force=force, can_approve=can_approve
        )
    verdict = _checked(state, item, text)
    now = int(time.time())
    found = _claim(ws, item, user, now, force=force)
    needs_approval = ws.settings.inbox.require_approval and not can_approve
    status = "pending_approval" if needs_approval else "sending"
    reply_id = state.add_inbox_reply(item_id, user, text, status, now)
    state.change_inbox_item(
        item_id, _event(user, "reply" if not needs_approval else "reply for approval", text),
        version=None, at=now,
    )  # fmt: skip
    _audit(state, user, "reply", item_id, status)
    if needs_approval:
        state.release_inbox_reply(item_id, user)
        pending: Reply | None = state.inbox_reply(reply_id)
        assert pending is not None
        return ReplyOutcome(pending, verdict, found)
    sent = send_reply(ws, reply_id, account=account, approved_by=None)
    return ReplyOutcome(sent, verdict, found)


def _checked(state: Any, item: Item, text: str) -> Verdict:
    """The guide's verdict on ``text`` as a reply to ``item``; a post gone
    upstream, or a problem the guide finds, stops it (:class:`UsageError`)."""
    if item.deleted_upstream_at is not None:
        raise UsageError(
            tr(
                "the post of item %(id)s was deleted on %(platform)s",
                id=item.id,
                platform=item.platform,
            ),
            hint=tr(
                "If the post is still there, clear the mark first "
                "(veille inbox deleted %(id)s --undo, or the item's page).",
                id=item.id,
            ),
        )
    verdict = check_reply(item.platform, text, state=state)
    if not verdict.ok:
        raise UsageError(
            # Each problem is a sentence: one after the other, not "; "-joined.
            tr("the reply cannot be sent: %(problems)s", problems=sentences(verdict.problems)),
            # "Shorten" told an empty reply to get shorter; and a page has its
            # own Check button where the command line has veille draft check.
            hint=tr(
                "Fix what it says (%(check)s shows the platform's rules and the staff guidelines).",
                check=Place("veille draft check", page=tr("the Check button")),
            ),
        )
    return verdict


def _claim(
    ws: Workspace, item: Item, user: str, now: int, *, force: bool, besides: int | None = None
) -> list[str]:
    """Claim the item for ``user``'s reply; the collisions (:class:`Collision`
    unless ``force``)."""
    found = collisions(ws.state, item, user, now, besides=besides)
    other = ws.state.claim_inbox_reply(
        item.id, user, now=now, until=now + 60 * ws.settings.inbox.reply_claim_minutes
    )
    if other and _writing(other) not in found:
        found.append(_writing(other))
    if found and not force:
        raise Collision(
            tr("item %(id)s: %(found)s", id=item.id, found=joined(found)),
            hint=tr("Check with them, or send anyway with --force."),
        )
    return found


#: Where a page sends a failed reply again.
_SEND_AGAIN = tr("the “Send again” button under it")
#: How a manager's rejection starts a reply's error (a rejected reply is not sent again).
_REJECTED = "rejected by "


def can_retry(stored: Reply, *, stuck_before: int | None = None, held: bool = False) -> bool:
    """Whether ``stored`` may be sent again: it failed, and no manager
    rejected it; or it has been "sending" since before ``stuck_before`` (the
    process sending it stopped midway: a restart, a crash) and its item is
    ``held`` by no one. A send under way holds its item (a reply sent again
    keeps its old creation time): offered again then, it went out twice."""
    if stored.status == "sending":
        return (
            not held and stuck_before is not None and stored.created_at.timestamp() <= stuck_before
        )
    return stored.status == "failed" and not (stored.error or "").startswith(_REJECTED)


def held(item: Item, now: int | None = None) -> bool:
    """Whether someone holds ``item`` for a reply now (sending one, or writing it)."""
    now = int(time.time()) if now is None else now
    until = item.replying_until
    return bool(item.replying) and until is not None and until.timestamp() > now


def stuck_before(ws: Workspace, now: int | None = None) -> int:
    """A reply still "sending" since before this moment is stuck: a send
    takes seconds, this is the reply claim's length ago."""
    now = int(time.time()) if now is None else now
    return now - 60 * ws.settings.inbox.reply_claim_minutes


def retry(
    ws: Workspace,
    reply_id: int,
    *,
    user: str,
    account: str | None = None,
    force: bool = False,
    can_approve: bool = False,
) -> ReplyOutcome:
    """Send failed reply ``reply_id`` again (or one stuck "sending", see
    :func:`can_retry`), as it is: the same reply, so the same key, which the
    platform uses to drop repeats. A try whose answer was lost on the way
    back (a timeout, a cut connection) may have been published: sent again,
    it is found, not published twice. The same checks as :func:`reply`
    (collisions, the guide, approval) apply."""
    from veille.errors import NotFound

    state = ws.state
    stored: Reply | None = state.inbox_reply(reply_id)
    if stored is None:
        raise NotFound(tr("no reply %(id)s", id=reply_id))
    see = tr("See item %(id)s (veille inbox show %(id)s).", id=stored.item_id)
    now = int(time.time())
    if stored.status == "failed" and (stored.error or "").startswith(_REJECTED):
        raise UsageError(
            tr("reply %(id)s was rejected by a manager", id=reply_id),
            hint=tr("Write a new reply to item %(id)s.", id=stored.item_id),
        )
    item = get_item(state, stored.item_id)
    if not can_retry(stored, stuck_before=stuck_before(ws, now), held=held(item, now)):
        raise UsageError(
            # The status in the inbox's own words (translated on a page).
            tr("reply %(id)s did not fail: it is %(status)s", id=reply_id, status=_said(stored)),
            hint=see,
        )
    verdict = _checked(state, item, stored.text)
    found = _claim(ws, item, user, now, force=force, besides=reply_id)
    needs_approval = ws.settings.inbox.require_approval and not can_approve
    status = "pending_approval" if needs_approval else "sending"
    if not state.reopen_inbox_reply(reply_id, status, was=stored.status):
        state.release_inbox_reply(item.id, user)
        raise UsageError(tr("reply %(id)s is already being sent again", id=reply_id), hint=see)
    state.change_inbox_item(
        item.id, _event(user, "reply sent again", str(reply_id)), version=None, at=now
    )
    _audit(state, user, "reply_again", item.id, str(reply_id))
    if needs_approval:
        state.release_inbox_reply(item.id, user)
        pending: Reply | None = state.inbox_reply(reply_id)
        assert pending is not None
        return ReplyOutcome(pending, verdict, found)
    return ReplyOutcome(send_reply(ws, reply_id, account=account), verdict, found)


def _event(actor: str, action: str, detail: str) -> Any:
    from veille.inbox.model import ItemChange

    return ItemChange(events=((actor, action, detail),))


def _account(ws: Workspace, platform: str, name: str | None) -> Any:
    from veille.publish.service import get_account, list_accounts

    if name:
        return get_account(ws.state, name)
    for acc in list_accounts(ws.state):
        if acc.platform == platform:
            return acc
    raise UsageError(
        tr("no %(platform)s account to reply with", platform=platform),
        hint=tr("Add a publishing account for %(platform)s first.", platform=platform),
    )


def send_reply(
    ws: Workspace, reply_id: int, *, account: str | None = None, approved_by: str | None = None
) -> Reply:
    """Send a stored reply through the platform's publisher; record the outcome."""
    state = ws.state
    stored: Reply | None = state.inbox_reply(reply_id)
    if stored is None:
        from veille.errors import NotFound

        raise NotFound(tr("no reply %(id)s", id=reply_id))
    item = get_item(state, stored.item_id)
    now = int(time.time())
    try:
        acc = _account(ws, item.platform, account)
        from veille.publish.base import PublishError
        from veille.publish.service import Publishing
    except (VeilleError, ImportError) as exc:
        message = exc.message if isinstance(exc, VeilleError) else "publishing is not installed"
        state.finish_inbox_reply(reply_id, status="failed", at=now, error=message)
        state.release_inbox_reply(item.id, stored.author)
        raise ReplyFailed(
            tr("reply %(id)s was not sent: %(error)s", id=reply_id, error=message),
            hint=getattr(exc, "hint", None),
        ) from exc
    post = ws.posts.get_post(item.post_id)
    try:
        with Publishing(ws.settings) as pub:
            done = pub.publish(
                acc, stored.text, reply_to=post or item.post_id.split(":", 1)[-1],
                language=item.lang if item.lang and item.lang != "und" else None,
                key=_reply_key(item, stored, state.privacy_key()),
            )  # fmt: skip
    except PublishError as exc:
        error = exc.platform_message or exc.message
        state.finish_inbox_reply(reply_id, status="failed", at=int(time.time()), error=error)
        state.release_inbox_reply(item.id, stored.author)
        state.change_inbox_item(
            item.id, _event(stored.author, "reply failed", error), version=None, at=now
        )
        missing = exc.status in (404, 410) or "no post" in exc.message
        hint: str = tr(
            "The text is kept: send it again as it is (%(where)s), or write a new reply.",
            where=Place(f"veille inbox retry {reply_id}", page=_SEND_AGAIN),
        )
        if missing and _said_by_its_own_home(item, post, acc):
            mark_deleted_upstream(state, item.id, actor=stored.author, detail=error)
        elif missing:
            # Another instance not finding the post proves nothing (it may not
            # federate with the post's own): the item is left as it was.
            hint = _elsewhere_hint(ws, item, post)
        if exc.status is None and exc.platform_message is None and not missing:
            # Nothing the platform answered (a token the process lacks, an
            # address it could not reach): it refused nothing; its hint says
            # what to change.
            raise ReplyFailed(
                tr("reply %(id)s was not sent: %(error)s", id=reply_id, error=error),
                hint=exc.hint or hint,
            ) from exc
        raise ReplyFailed(
            tr(
                "%(platform)s refused reply %(id)s: %(error)s",
                platform=item.platform,
                id=reply_id,
                error=error,
            ),
            hint=hint,
        ) from exc
    state.finish_inbox_reply(
        reply_id, status="sent", at=int(time.time()), remote_id=done.id, remote_url=done.url,
        approved_by=approved_by,
    )  # fmt: skip
    found = state.inbox_reply(reply_id)
    assert found is not None
    return found


def home_host(item: Item, post: Any = None) -> str:
    """The instance where the item's post lives: its link's host (a post seen
    through another instance links to its own), else the one it was collected
    from (``mastodon:host/id``)."""
    from veille.publish.base import host_of

    url = (getattr(post, "url", None) or item.url or "").strip()
    if url.lower().startswith(("https://", "http://")):
        return host_of(url)
    native = item.post_id.split(":", 1)[-1]
    return native.rsplit("/", 1)[0].lower() if "/" in native else ""


def _said_by_its_own_home(item: Item, post: Any, account: Any) -> bool:
    """Whether a "not found" came from the post's own platform: Bluesky is one
    network (its answer holds everywhere); on Mastodon, only the post's own
    instance knows that a post is gone: another one may simply not federate."""
    if item.platform != "mastodon":
        return True
    from veille.publish.base import host_of

    home = home_host(item, post)
    return bool(home) and host_of(account.url) == home


def _elsewhere_hint(ws: Workspace, item: Item, post: Any) -> str:
    from veille.publish.base import host_of
    from veille.publish.service import list_accounts

    home = home_host(item, post) or tr("the post's own instance")
    there = [
        a.name
        for a in list_accounts(ws.state)
        if a.platform == item.platform and host_of(a.url) == home
    ]
    if there:
        return tr(
            "The item is left as it was: that instance may not federate with %(home)s, "
            "where the post lives. Send again with an account there (--account %(name)s).",
            home=home,
            name=there[0],
        )
    return tr(
        "The item is left as it was: that instance may not federate with %(home)s, where "
        "the post lives. Reply with an account on %(home)s (veille publish account add), "
        "or answer on the platform and mark the item answered.",
        home=home,
    )


def _reply_key(item: Item, stored: Reply, secret: bytes) -> str:
    """The same on every try of one reply (the platform drops repeats), and
    different for another reply, even one of another workspace: ``secret`` is
    the workspace's own random key (two workspaces answering with one account
    once drew the same key for their reply 1, to the same post, in the same
    second, and the second reply was taken for a repeat of the first)."""
    import hashlib
    import hmac

    seed = f"{item.post_id}|{stored.id}|{stored.created_at.isoformat()}|{stored.text}"
    digest = hmac.new(secret, seed.encode(), hashlib.sha256).hexdigest()
    return "veille-inbox-" + digest[:32]


def approve(ws: Workspace, reply_id: int, *, approver: str, account: str | None = None) -> Reply:
    """A manager approves a reply waiting for it: it is sent now. Of two
    managers deciding on it at once, the first does; the other is told what
    that one did (:func:`_decided`), and nothing is sent twice."""
    state = ws.state
    _waiting(state, reply_id)
    now = int(time.time())
    if not state.finish_inbox_reply(
        reply_id, status="sending", at=now, approved_by=approver, was="pending_approval"
    ):
        raise _decided(state, reply_id)
    stored = state.inbox_reply(reply_id)
    assert stored is not None
    state.change_inbox_item(
        stored.item_id, _event(approver, "approve reply", str(reply_id)), version=None, at=now
    )
    _audit(state, approver, "approve", stored.item_id, str(reply_id))
    return send_reply(ws, reply_id, account=account, approved_by=approver)


def reject(ws: Workspace, reply_id: int, *, approver: str, reason: str = "") -> Reply:
    """A manager rejects a reply waiting for approval: it is kept, failed,
    and never sent again (see :func:`approve` for two managers at once)."""
    state = ws.state
    stored = _waiting(state, reply_id)
    now = int(time.time())
    if not state.finish_inbox_reply(
        reply_id, status="failed", at=now,
        error=f"{_REJECTED}{approver}: {reason}".rstrip(": "), was="pending_approval",
    ):  # fmt: skip
        raise _decided(state, reply_id)
    state.change_inbox_item(
        stored.item_id, _event(approver, "reject reply", reason), version=None, at=now
    )
    found = state.inbox_reply(reply_id)
    assert found is not None
    return found


def _waiting(state: Any, reply_id: int) -> Reply:
    stored: Reply | None = state.inbox_reply(reply_id)
    if stored is None:
        from veille.errors import NotFound

        raise NotFound(tr("no reply %(id)s", id=reply_id))
    if stored.status != "pending_approval":
        raise _decided(state, reply_id)
    return stored


def _decided(state: Any, reply_id: int) -> UsageError:
    """What the manager who came second is told: who approved or rejected
    the reply first, and where it stands now."""
    stored: Reply | None = state.inbox_reply(reply_id)
    hint = tr("See the replies waiting for approval (veille inbox approvals).")
    if stored is None:
        return UsageError(tr("no reply %(id)s", id=reply_id), hint=hint)
    error = stored.error or ""
    if stored.status == "failed" and error.startswith(_REJECTED):
        who = error[len(_REJECTED) :].split(":", 1)[0]
        return UsageError(
            tr("reply %(id)s was already rejected by %(who)s", id=reply_id, who=who), hint=hint
        )
    status = _said(stored)
    if stored.approved_by:
        return UsageError(
            tr(
                "reply %(id)s was already approved by %(who)s: it is %(status)s",
                id=reply_id, who=stored.approved_by, status=status,
            ),
            hint=hint,
        )  # fmt: skip
    return UsageError(
        tr(
            "reply %(id)s is not waiting for approval: it is %(status)s", id=reply_id, status=status
        ),
        hint=hint,
    )


def _said(stored: Reply) -> str:
    """A reply's status as the inbox shows it (translated on a page)."""
    return tr(stored.status)


def answered_outside(
    ws: Workspace, item_id: int, *, user: str, link: str = "", text: str = ""
) -> Reply:
    """Record that the item was answered on the platform itself (no reply API,
    or answered from the app): its first response, and a link if given."""
    state = ws.state
    get_item(state, item_id)
    if link and not link.lower().startswith(("https://", "http://")):
        raise UsageError(tr("link %(link)r is not a web address", link=link))
    now = int(time.time())
    reply_id = state.add_inbox_reply(item_id, user, text or OUTSIDE_TEXT, "outside", now)
    state.finish_inbox_reply(reply_id, status="outside", at=now, remote_url=link or None)
    state.change_inbox_item(item_id, _event(user, "answered outside", link), version=None, at=now)
    _audit(state, user, "answered_outside", item_id, link)
    found = state.inbox_reply(reply_id)
    assert found is not None
    return found
