"""Signing in: the password check of the sign-in form (and of a password
change), and the limits that slow down guessing: per username and address,
per account from every address, and per browser that signed in before (its
device cookie). Accounts themselves live in :mod:`veille.services.users`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from veille.errors import VeilleError, tr, trn
from veille.models import now_utc
from veille.services.audit import record
from veille.services.users import MAX_PASSWORD, User, password_hasher, user_of
from veille.store.base import StateStore

__all__ = ["LoginFailed", "LoginThrottled", "authenticate", "device_cookie"]

# Login rate limiting: this many failures for one username from one address
# within the window, and that pair must wait until the oldest one ages out.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
# And per account, from all addresses together (guesses spread over many
# addresses): past this many failures for one username within the window, each
# further try waits a delay since the last failure, doubling from one second
# up to ACCOUNT_DELAY_MAX. Short, so no one can lock the real user out for
# long: a right password once the delay is over still signs in.
ACCOUNT_FAILURES = 10
ACCOUNT_DELAY_MAX = timedelta(minutes=1)
# A browser that signed in to an account keeps a signed cookie naming it
# (OWASP's "device cookie", :func:`device_cookie`), for DEVICE_DAYS: its
# sign-ins to that account are counted on their own, never by the
# account's counter above, so guesses from elsewhere do not keep the user
# waiting. Past DEVICE_FAILURES failures of one such cookie since its last
# success, within the window, it is no longer trusted: its tries are counted
# as any browser's (per address, and per account).
DEVICE_DAYS = 180
DEVICE_FAILURES = 10
#: Who the audit log names for what the sign-in form saw (no one is signed in).
LOGIN_ACTOR = "login-form"


class LoginFailed(VeilleError):
    """Wrong username or password (never says which)."""


class LoginThrottled(VeilleError):
    """Too many failed logins for this username from this address or, with
    ``account``, from all addresses together."""

    def __init__(
        self, message: str, *, retry_after: int, hint: str | None = None, account: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after  # seconds
        self.account = account


def _attempt_key(username: str, address: str) -> str:
    return f"{username}|{address}"


def _account_wait(failures: list[datetime], now: datetime) -> timedelta:
    """How long a try for an account with these failures (all addresses,
    oldest first) must still wait: none below ``ACCOUNT_FAILURES``, then one
    second after the last failure, doubling with each further failure, up to
    ``ACCOUNT_DELAY_MAX``."""
    over = len(failures) - ACCOUNT_FAILURES
    if over < 0:
        return timedelta(0)
    delay = min(ACCOUNT_DELAY_MAX, timedelta(seconds=2 ** min(over, 20)))
    # Times are kept in whole seconds: from the end of the last failure's second.
    return failures[-1] + timedelta(seconds=1) + delay - now


def _refuse_if_throttled(
    name: str, failures: list[datetime], account: list[tuple[datetime, str]], now: datetime
) -> None:
    """:class:`LoginThrottled` where this username from this address has
    ``failures`` enough, or the account's delay (``account``: its failures
    from every address) still runs."""
    if len(failures) >= MAX_FAILURES:
        wait = failures[-MAX_FAILURES] + FAILURE_WINDOW - now
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        raise LoginThrottled(
            trn(
                "too many failed logins for %(name)r; try again in %(minutes)s minute",
                "too many failed logins for %(name)r; try again in %(minutes)s minutes",
                minutes,
                name=name,
                minutes=minutes,
            ),
            retry_after=max(1, int(wait.total_seconds())),
            hint=tr("An admin can reset the password with `veille user passwd`."),
        )
    if (wait := _account_wait([at for at, _where in account], now)) > timedelta(0):
        seconds = max(1, -(-int(wait.total_seconds() * 1000) // 1000))
        raise LoginThrottled(
            trn(
                "too many failed logins for %(name)r from several addresses; "
                "try again in %(seconds)s second",
                "too many failed logins for %(name)r from several addresses; "
                "try again in %(seconds)s seconds",
                seconds,
                name=name,
                seconds=seconds,
            ),
            retry_after=seconds,
            account=True,
        )


def _device_mac(state: StateStore, body: str) -> str:
    # A key of its own, made from the workspace's secret (never the secret itself).
    key = hmac.new(state.privacy_key(), b"veille device cookie", hashlib.sha256).digest()
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def device_cookie(state: StateStore, username: str, *, at: datetime | None = None) -> str:
    """The device cookie's value for a browser that signed in to
    ``username`` now (or ``at``): the account, when, and a random id, signed
    with a key made from the workspace's secret (so it cannot be made up,
    nor moved to another account)."""
    made = now_utc() if at is None else at
    body = f"{username}|{int(made.timestamp())}|{secrets.token_urlsafe(16)}"
    return f"{body}|{_device_mac(state, body)}"


def _device_of(state: StateStore, raw: str, username: str, now: datetime) -> str | None:
    """The id of the device cookie ``raw`` when it is ours, for ``username``,
    and not older than ``DEVICE_DAYS``; ``None`` otherwise (forged, altered,
    for another account, expired: the browser is then one like any other)."""
    parts = raw.split("|") if raw and len(raw) <= 300 else []
    if len(parts) != 4 or parts[0] != username or not parts[1].isdigit():
        return None
    body = "|".join(parts[:3])
    if not hmac.compare_digest(parts[3], _device_mac(state, body)):
        return None
    age = now.timestamp() - int(parts[1])
    if not -60 <= age <= DEVICE_DAYS * 86400:
        return None
    return parts[2]


def _device_attempt(state: StateStore, name: str, device: str, now: datetime) -> int | None:
    """A try from a browser carrying the device cookie ``device`` (raw) for
    ``name``: recorded under that cookie alone and its id given, while the
    cookie is trusted; ``None`` when it is not (no valid cookie, or one with
    ``DEVICE_FAILURES`` failures since its last success)."""
    if (known := _device_of(state, device, name, now)) is None:
        return None
    # "#": no username has one, so no account's counter ("name|…") reads these.
    key = f"{name}#{known}"
    attempt = state.add_login_attempt(key, now, success=False)
    if len(state.failed_logins_since(key, now - FAILURE_WINDOW, before=attempt)) >= (
        DEVICE_FAILURES
    ):
        state.forget_login_attempt(attempt)
        return None
    return attempt


def authenticate(
    state: StateStore, username: str, password: str, *, address: str = "", device: str = ""
) -> User:
    """The user if the password is right. From a browser carrying a device
    cookie for this account (``device``, see :func:`device_cookie`), only
    that cookie's own failures count. From any other, :class:`LoginThrottled`
    after ``MAX_FAILURES`` failures for this username from ``address`` within
    ``FAILURE_WINDOW``, or while the account's delay after
    ``ACCOUNT_FAILURES`` failures from all addresses runs (the password is
    then not even checked); :class:`LoginFailed` otherwise."""
    from argon2.exceptions import InvalidHashError, VerificationError

    name = username.strip().lower()
    now = now_utc()
    # Attempts older than the window never count again: the table stays small.
    state.forget_login_attempts_before(now - FAILURE_WINDOW)
    account: list[tuple[datetime, str]] | None = None
    if (attempt := _device_attempt(state, name, device, now)) is None:
        key = _attempt_key(name, address)
        # Recorded as failed first, then counted against the attempts recorded
        # before it: requests sent at once each see those before them (counted
        # first and recorded after the password check, thirty sent at once were
        # all checked). A refused try is then forgotten: it lengthens nothing.
        attempt = state.add_login_attempt(key, now, success=False)
        try:
            failures = state.failed_logins_since(key, now - FAILURE_WINDOW, before=attempt)
            account = state.failed_logins_of(name, now - FAILURE_WINDOW, before=attempt)
            _refuse_if_throttled(name, failures, account, now)
        except LoginThrottled:
            state.forget_login_attempt(attempt)
            raise
    rec = state.get_user(name) if len(password) <= MAX_PASSWORD else None
    hasher = password_hasher()
    ok = False
    if rec is None:
        # As slow as a real check, so the time taken does not tell whether
        # the username exists.
        hasher.hash(password[:MAX_PASSWORD])
    else:
        try:
            ok = bool(hasher.verify(rec.password_hash, password))
        except (VerificationError, InvalidHashError):
            ok = False
    if ok:
        state.mark_login_success(attempt)
    elif account is not None and len(account) + 1 == ACCOUNT_FAILURES:
        # Once, as the account starts to be held: admins see the guessing.
        addresses = len({where for _at, where in account} | {address})
        record(
            state,
            LOGIN_ACTOR,
            "user.login.throttle",
            name,
            f"{ACCOUNT_FAILURES} failed logins from {addresses} addresses",
        )
    if rec is None or not ok:
        raise LoginFailed(tr("wrong username or password"), hint=tr("Check both and try again."))
    if hasher.check_needs_rehash(rec.password_hash):
        with state.transaction() as tx:
            tx.update_user(name, password_hash=hasher.hash(password))
    return user_of(rec)
