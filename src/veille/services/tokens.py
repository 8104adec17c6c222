"""API tokens: what scripts and other services call the REST API with.

A token belongs to a user and acts as them, within a scope
(:data:`~veille.services.users.SCOPES`) that the user's role caps: a role
lowered since narrows the user's wider tokens
(:func:`veille.services.users.set_role`). A token may expire, is revoked by
id, and its requests are counted against a limit per minute. The secret is
shown once and stored as a SHA-256 hash only; every change is written to the
audit log.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from veille.errors import NotFound, Place, StoreLocked, Text, UsageError, tr
from veille.models import now_utc
from veille.services.audit import record
from veille.services.users import (
    ROLES,
    User,
    check_scope,
    hash_secret,
    missing_user,
    role_name,
    scope_allows,
    scope_ceiling,
    user_of,
)
from veille.store.base import StateStore
from veille.store.protocols.accounts import TokenRecord

__all__ = [
    "TOKEN_PREFIX",
    "TokenAccess",
    "TokenRecord",
    "count_token_request",
    "create_token",
    "list_tokens",
    "parse_expiry",
    "revoke_token",
    "token_access",
    "token_state",
    "user_for_token",
]

TOKEN_PREFIX = "vt_"
#: Where the active tokens are listed, with their ids.
TOKEN_LIST = Place("veille token list", page="/settings")


def create_token(
    state: StateStore,
    username: str,
    name: str = "",
    *,
    scope: str | None = None,
    expires_at: datetime | None = None,
    actor: str | None = None,
) -> tuple[TokenRecord, str]:
    """A new API token for ``username``: its record and the secret, which is
    shown once and never stored. ``scope`` (default: the widest the user's
    role allows) may not pass that ceiling; ``expires_at``, when given, must
    be to come."""
    rec = state.get_user(username.strip().lower())
    if rec is None:
        raise missing_user(username)
    ceiling = scope_ceiling(rec.role)
    scope = check_scope(scope.strip().lower()) if scope else ceiling
    if not scope_allows(ceiling, scope):
        raise UsageError(
            tr("a token of %(user)s may not have the %(scope)s scope (their role is %(role)s)",
               user=rec.username, scope=scope, role=role_name(rec.role)),
            hint=tr("Give it the %(ceiling)s scope or less, or give the user a higher role "
                    "first.", ceiling=ceiling),
        )  # fmt: skip
    now = now_utc()
    if expires_at is not None:
        # Said as it was given: a date typed in Europe/Paris read back in UTC
        # was the day before ("2019-12-31T23:00:00+00:00" for 2020-01-01).
        given = expires_at.replace(microsecond=0)
        midnight = (given.hour, given.minute, given.second) == (0, 0, 0)
        shown = given.date().isoformat() if midnight else given.isoformat()
        expires_at = expires_at.astimezone(UTC).replace(microsecond=0)
        if expires_at <= now:
            raise UsageError(
                tr("the token's expiry %(when)s is already past", when=shown),
                hint=_expiry_hint(now, to_come=True),
            )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # Stored only while the role still allows the scope: one lowered since
    # it was read above has narrowed the user's tokens, and this one must
    # not come in wider after them.
    allowing = [r for r in ROLES if scope_allows(scope_ceiling(r), scope)]
    token_id = state.add_token(
        rec.username, name.strip(), hash_secret(secret), now, scope=scope, expires_at=expires_at,
        roles=allowing,
    )  # fmt: skip
    if not token_id:
        now_rec = state.get_user(rec.username)
        if now_rec is None:
            raise missing_user(username)
        raise UsageError(
            tr("a token of %(user)s may not have the %(scope)s scope (their role is %(role)s)",
               user=rec.username, scope=scope, role=role_name(now_rec.role)),
            hint=tr("Give it the %(ceiling)s scope or less, or give the user a higher role "
                    "first.", ceiling=scope_ceiling(now_rec.role)),
        )  # fmt: skip
    with state.transaction() as tx:
        detail = f"id={token_id} name={name.strip()} scope={scope}"
        if expires_at is not None:
            detail += f" expires={expires_at.isoformat()}"
        record(tx, actor, "token.create", rec.username, detail)
    made = TokenRecord(token_id, rec.username, name.strip(), now, None, None, scope, expires_at)
    return made, secret


_DAYS = re.compile(r"^(\d{1,5})\s*d$")


def _expiry_hint(now: datetime, *, to_come: bool) -> Text:
    """How to give a token's expiry, with an example 90 days from ``now``
    (a written-in date became a past one): the CLI (and the API) take a
    date, a date-time or a number of days (``90d``); the settings page's
    field is a date picker, told of a date only."""
    day = (now + timedelta(days=90)).date().isoformat()
    if to_come:
        cli = tr("a date to come (%(day)s) or a number of days (90d)", day=day)
        page = tr("a date to come, such as %(day)s", day=day)
    else:
        cli = tr("a date (%(day)s), a date-time (%(day)sT18:00:00+01:00) or a number of days "
                 "(90d)", day=day)  # fmt: skip
        page = tr("a date, such as %(day)s", day=day)
    return tr("Give %(how)s.", how=Place(cli, page=page))


def parse_expiry(
    text: str, timezone: str = "UTC", *, now: datetime | None = None
) -> datetime | None:
    """When a token given ``text`` expires: ``""`` never; ``90d`` that many
    days from now; a date (``2027-01-31``) its first moment in the
    workspace's ``timezone`` (the token works until that day); an ISO
    date-time (UTC when it gives no offset) that moment."""
    from zoneinfo import ZoneInfo

    given = text.strip()
    if not given:
        return None
    now = now or now_utc()
    days = _DAYS.match(given.lower())
    if days:
        return now + timedelta(days=int(days.group(1)))
    try:
        if len(given) == 10:
            day = date.fromisoformat(given)
            return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone or "UTC"))
        when = datetime.fromisoformat(given)
    except ValueError:
        raise UsageError(
            tr("cannot read the token's expiry %(value)r", value=given),
            hint=_expiry_hint(now, to_come=False),
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def token_state(token: TokenRecord, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``, as the token lists say."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or now_utc()):
        return "expired"
    return "active"


def list_tokens(state: StateStore, username: str | None = None) -> list[TokenRecord]:
    return state.list_tokens(username.strip().lower() if username else None)


def revoke_token(state: StateStore, token_id: int, *, actor: str | None = None) -> None:
    """Revoke a token by id; a :class:`NotFound` if unknown or already revoked."""
    if not state.revoke_token(token_id, now_utc()):
        raise NotFound(
            tr("no active token with id %(id)s", id=token_id),
            hint=tr("See %(where)s for the ids.", where=TOKEN_LIST),
        )
    with state.transaction() as tx:
        record(tx, actor, "token.revoke", str(token_id))


@dataclass(frozen=True)
class TokenAccess:
    """What a request's token gives: its user and record, or (``user`` is
    ``None``) why it is refused: ``unknown``, ``revoked`` or ``expired``."""

    user: User | None
    token: TokenRecord | None = None
    refused: str = "unknown"

    def hint(self) -> Text | None:
        """What to do about a token refused as expired or revoked: it was sent
        as it should be, so the API's 401 hint (send the header) does not
        help; a new token does. ``None`` for any other refusal."""
        if self.refused not in ("expired", "revoked"):
            return None
        made = "veille token create USER"
        return tr(
            "This token no longer works: call with a new one (made on %(where)s).",
            where=Place(made, page="/settings", api=tr("/settings, or %(command)s", command=made)),
        )


def token_access(state: StateStore, secret: str) -> TokenAccess:
    """Who a token acts as and with what scope; records its use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return TokenAccess(None)
    tok = state.find_token(hash_secret(secret))
    if tok is None:
        return TokenAccess(None)
    now = now_utc()
    said = token_state(tok, now)
    if said != "active":
        return TokenAccess(None, tok, said)
    rec = state.get_user(tok.username)
    if rec is None:
        return TokenAccess(None)
    # A write per request would make every API call queue on the database
    # writer: the last use is kept to the minute.
    if tok.last_used_at is None or now - tok.last_used_at > timedelta(minutes=1):
        # The file held by a long write: the last use is noted next time.
        with contextlib.suppress(StoreLocked):
            state.touch_token(tok.id, now)
    return TokenAccess(user_of(rec), tok, "")


def user_for_token(state: StateStore, secret: str) -> User | None:
    """The user a live (unrevoked, unexpired) token belongs to; records its use."""
    return token_access(state, secret).user


def count_token_request(
    state: StateStore, token: TokenRecord, per_minute: int, *, now: datetime | None = None
) -> int | None:
    """Count a request of ``token`` against ``per_minute`` (0: no limit):
    ``None`` while within it, else the seconds until the next minute, when
    the token may call again. Counted in the state store, so that every web
    worker on it counts for all."""
    if per_minute <= 0:
        return None
    seconds = int((now or now_utc()).timestamp())
    made = state.count_token_request(token.id, seconds // 60)
    return None if made <= per_minute else 60 - seconds % 60
