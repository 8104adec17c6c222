"""People who use the web app and the API: accounts, roles (and the
scopes of API tokens each allows), passwords, sessions and login rate
limiting. The API tokens themselves live in :mod:`veille.services.tokens`.

Roles are ordered: each one may do what the ones before it may
(``viewer < analyst < manager < admin``). Passwords are hashed with argon2;
session ids and API tokens are random and stored as SHA-256 hashes only (they
carry 256 bits of entropy, so a slow hash adds nothing). Every change is
written to the audit log in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from veille.errors import (
    Conflict,
    Count,
    NotFound,
    Place,
    Text,
    UsageError,
    VeilleError,
    tr,
    trn,
)
from veille.models import now_utc
from veille.services.audit import CLI_ACTOR, record
from veille.store.base import StateStore
from veille.store.protocols.accounts import SessionRecord, UserRecord

__all__ = [
    "ROLES",
    "SCOPES",
    "LoginFailed",
    "LoginThrottled",
    "RoleChange",
    "User",
    "add_first_admin",
    "add_user",
    "authenticate",
    "device_cookie",
    "end_session",
    "get_user",
    "has_role",
    "list_users",
    "remove_user",
    "role_name",
    "scope_allows",
    "scope_ceiling",
    "set_language",
    "set_password",
    "set_role",
    "set_timezone",
    "shown_zone",
    "start_session",
    "user_for_session",
]

ROLES: tuple[str, ...] = ("viewer", "analyst", "manager", "admin")
#: Each role as a person reads it (« responsable » for manager); the code is
#: what the CLI, the API and a form's value take, and what the audit log keeps.
ROLE_NAMES: dict[str, Text] = {
    "viewer": tr("viewer"),
    "analyst": tr("analyst"),
    "manager": tr("manager"),
    "admin": tr("admin"),
}
#: What an API token may do, least to most: ``read`` (GET and HEAD only),
#: ``write`` (also change what its user's role may change), ``admin`` (also
#: what only an admin may do: users, erasure, settings). The token's user's
#: role stays a ceiling: a token never does what its user may not.
SCOPES: tuple[str, ...] = ("read", "write", "admin")
SCOPE_NAMES: dict[str, Text] = {
    "read": tr("read"),
    "write": tr("write"),
    "admin": tr("admin"),
}
LANGUAGES = ("en", "fr")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack
SESSION_DAYS = 7
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
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class InvalidUsername(UsageError):
    """A username with characters or a length we do not accept."""


class BadPassword(UsageError):
    """A password too short or too long."""


class UserExists(UsageError):
    """The username is taken."""


class LastAdmin(UsageError):
    """The change would leave no admin."""


class SetupDone(UsageError):
    """The first admin exists already."""


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


@dataclass(frozen=True)
class User:
    """Someone who may log in (never carries the password hash)."""

    username: str
    role: str
    language: str  # "" until chosen
    created_at: datetime
    timezone: str = ""  # "": the workspace's

    def can(self, role: str) -> bool:
        """Whether this user's role is ``role`` or above it."""
        return has_role(self.role, role)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def role_name(role: str) -> Text | str:
    """``role`` in words, for :func:`veille.errors.translated` (or a page's
    ``_``): « analyste » for ``analyst``; a code we do not know as it is."""
    return ROLE_NAMES.get(role, role)


def has_role(role: str, needed: str) -> bool:
    """Whether ``role`` ranks at or above ``needed``."""
    return ROLES.index(check_role(role)) >= ROLES.index(check_role(needed))


def scope_ceiling(role: str) -> str:
    """The widest scope a token of a user with ``role`` may have: ``read``
    for a viewer (who may only read), ``admin`` for an admin, ``write``
    for the others."""
    if role == "admin":
        return "admin"
    return "read" if role == "viewer" else "write"


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise UsageError(
            tr("unknown token scope %(scope)r", scope=scope),
            hint=tr("Use one of: %(scopes)s (least to most rights).", scopes=", ".join(SCOPES)),
        )
    return scope


def scope_allows(scope: str, needed: str) -> bool:
    """Whether a token of ``scope`` may do what needs ``needed``."""
    return SCOPES.index(check_scope(scope)) >= SCOPES.index(check_scope(needed))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(
            tr("unknown role %(role)r", role=role),
            hint=tr("Use one of: %(names)s (least to most rights).", names=", ".join(ROLES)),
        )
    return role


def check_username(username: str) -> str:
    """The username as stored (lower-case), or a :class:`UsageError`."""
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidUsername(
            tr("invalid username %(username)r", username=username),
            hint=tr(
                "Use 1 to 64 letters, digits, '.', '_', '-' or '@', starting "
                "with a letter or digit."
            ),
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadPassword(
            trn(
                "the password is too short (%(n)s character)",
                "the password is too short (%(n)s characters)",
                len(password),
                n=len(password),
            ),
            hint=tr(
                "Use at least %(least)s characters; a passphrase of a few words is best.",
                least=MIN_PASSWORD,
            ),
        )
    if len(password) > MAX_PASSWORD:
        raise BadPassword(
            tr("the password is too long"),
            hint=tr("Use at most %(most)s characters.", most=Count(MAX_PASSWORD)),
        )
    return password


#: The longest IANA zone name taken (the longest real one has 30 characters).
MAX_ZONE = 64


def check_timezone(zone: str) -> str:
    """``zone`` as stored: an IANA name that :mod:`zoneinfo` knows, or ""
    (the workspace's); a :class:`UsageError` naming it otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = zone.strip()
    if not name:
        return ""
    try:
        # ZoneInfo reads a file named by the key (it refuses paths itself):
        # a 10 kB "zone" is refused before it looks.
        if len(name) > MAX_ZONE:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UsageError(
            tr("unknown time zone %(zone)r", zone=zone[:MAX_ZONE]),
            hint=tr(
                'Use an IANA name such as "America/Toronto" or "Europe/Paris" (upper and '
                "lower case as written there), or nothing for the workspace's time zone."
            ),
        ) from exc
    return name


def shown_zone(user: User | None, workspace_zone: str) -> str:
    """The zone the times shown to ``user`` are in: their own, else the
    workspace's (nobody signed in, or no zone chosen)."""
    return user.timezone if user is not None and user.timezone else workspace_zone


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UsageError(tr("unknown language %(lang)r", lang=lang), hint=tr("Use en or fr."))
    return lang


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def hash_secret(secret: str) -> str:
    """What is stored of a session id or an API token's secret: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def user_of(rec: UserRecord) -> User:
    """The user a stored account is, without its password hash."""
    return User(rec.username, rec.role, rec.language, rec.created_at, rec.timezone)


#: Where the users are listed.
USER_LIST = Place("veille user list", page="/users")


def missing_user(username: str) -> NotFound:
    """The error for ``username`` when no account has that name."""
    return NotFound(
        tr("no user named %(name)r", name=username), hint=tr("See %(where)s.", where=USER_LIST)
    )


# -- accounts -------------------------------------------------------------------


def add_user(
    state: StateStore,
    username: str,
    password: str,
    role: str = "viewer",
    *,
    language: str = "",
    actor: str | None = None,
) -> User:
    """Create an account; a :class:`UsageError` if the name is taken or invalid."""
    name = check_username(username)
    check_role(role)
    check_password(password)
    if language:
        check_language(language)
    rec = UserRecord(
        name, role, hash_password(password), language, now_utc().replace(microsecond=0)
    )
    with state.transaction() as tx:
        if not tx.insert_user(rec):
            raise UserExists(
                tr("a user named %(name)r already exists", name=name),
                hint=tr("Choose another name, or change this one's password or role."),
            )
        record(tx, actor, "user.add", name, f"role={role}")
    return user_of(rec)


def add_first_admin(state: StateStore, username: str, password: str, *, language: str = "") -> User:
    """The first account, an admin, made from the first-run page: refused
    (:class:`SetupDone`) once any account exists, even when two browsers
    submit the page at once."""
    name = check_username(username)
    check_password(password)
    rec = UserRecord(
        name, "admin", hash_password(password), language, now_utc().replace(microsecond=0)
    )
    with state.transaction() as tx:
        if tx.count_users() > 0:
            raise SetupDone(tr("the first admin exists already"), hint=tr("Sign in at /login."))
        tx.insert_user(rec)
        record(tx, name, "user.add", name, "role=admin (first run)")
    return user_of(rec)


def get_user(state: StateStore, username: str) -> User | None:
    rec = state.get_user(username.strip().lower())
    return user_of(rec) if rec else None


def list_users(state: StateStore) -> list[User]:
    return [user_of(r) for r in state.list_users()]


def count_users(state: StateStore) -> int:
    """How many accounts exist (none: the web app asks for a first admin)."""
    return state.count_users()


# Where what names a user in the inbox is changed (the CLI's or the page's way).
_INBOX_CHANGED = Place(
    "veille rule edit NAME --assign …, veille inbox team NAME MEMBER…",
    page="/inbox/rules, /inbox/teams",
)


def user_users(state: Any, username: str) -> list[Text]:
    """What hands inbox items to ``username``: the inbox rules that assign
    to them, the teams whose round-robin includes them."""
    used = [tr("inbox rule %(name)s", name=r.name) for r in state.inbox_rules()
            if any(kind == "assign" and value.strip().lower() == username
                   for kind, value in r.actions)]  # fmt: skip
    used += [tr("team %(name)s", name=team) for team, members in state.inbox_teams().items()
             if username in (m.strip().lower() for m in members)]  # fmt: skip
    return used


def remove_user(state: StateStore, username: str, *, actor: str | None = None) -> int:
    """Delete an account, its sessions and tokens; never the last admin,
    nor one an inbox rule assigns to or a team counts (:class:`Conflict`
    names them: removed, they went on handing items to nobody). The open
    inbox items assigned to it go back to the queue, unassigned: how many is
    returned."""
    name = username.strip().lower()
    if state.get_user(name) is not None and (used := user_users(state, name)):
        listed = used[0]
        for more in used[1:]:
            listed = tr("%(first)s, %(next)s", first=listed, next=more)
        raise Conflict(
            tr("user %(name)s is still named by %(users)s; nothing was deleted",
               name=name, users=listed),
            hint=tr("Give those rules and teams to someone else first (%(where)s), then "
                    "remove the user.", where=_INBOX_CHANGED),
        )  # fmt: skip
    with state.transaction() as tx:
        rec = tx.get_user(name)
        if rec is None:
            raise missing_user(username)
        if rec.role == "admin" and tx.count_users("admin") <= 1:
            raise LastAdmin(
                tr("%(name)r is the last admin and cannot be removed", name=name),
                hint=tr("Make another user admin first."),
            )
        tx.delete_user(name)
        record(tx, actor, "user.remove", name)
    from veille.inbox.items import release_items_of

    return release_items_of(state, name, actor=actor or CLI_ACTOR)


@dataclass(frozen=True)
class RoleChange:
    """A role changed: the user as now, and the ids of their tokens that the
    lowered role narrowed to ``scope`` (none when it was raised)."""

    user: User
    narrowed: tuple[int, ...]
    scope: str


def set_role(
    state: StateStore, username: str, role: str, *, actor: str | None = None
) -> RoleChange:
    """Change a user's role; never demote the last admin. A lowered role
    narrows the user's wider tokens to the widest scope it allows."""
    name = username.strip().lower()
    check_role(role)
    with state.transaction() as tx:
        rec = tx.get_user(name)
        if rec is None:
            raise missing_user(username)
        if rec.role == "admin" and role != "admin" and tx.count_users("admin") <= 1:
            raise LastAdmin(
                tr("%(name)r is the last admin and must stay admin", name=name),
                hint=tr("Make another user admin first."),
            )
        tx.update_user(name, role=role)
        record(tx, actor, "user.role", name, f"{rec.role} -> {role}")
        # A token never does more than its user's role allows, and says so:
        # lowered, the role takes the user's wider tokens down with it (a
        # raised role widens none: a token keeps the scope it was given).
        ceiling = scope_ceiling(role)
        wider = SCOPES[SCOPES.index(ceiling) + 1 :]
        narrowed = tx.narrow_tokens(name, wider, ceiling)
        for token in narrowed:
            record(tx, actor, "token.narrow", name, f"id={token.id} {token.scope} -> {ceiling}")
    user = User(rec.username, role, rec.language, rec.created_at, rec.timezone)
    return RoleChange(user, tuple(t.id for t in narrowed), ceiling)


def set_password(
    state: StateStore,
    username: str,
    password: str,
    *,
    actor: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Change a password and end the user's sessions (but the raw session id
    ``keep_session``: the one the change was made from)."""
    name = username.strip().lower()
    check_password(password)
    digest = hash_password(password)
    with state.transaction() as tx:
        if not tx.update_user(name, password_hash=digest):
            raise missing_user(username)
        tx.delete_sessions_of(name, keep=hash_secret(keep_session) if keep_session else None)
        record(tx, actor, "user.password", name)


def set_language(state: StateStore, username: str, lang: str) -> None:
    """The language the user reads the web app in (not audited: a preference)."""
    name = username.strip().lower()
    check_language(lang)
    with state.transaction() as tx:
        if not tx.update_user(name, language=lang):
            raise missing_user(username)


def set_timezone(state: StateStore, username: str, zone: str) -> str:
    """The time zone the web app shows ``username``'s times in (an IANA name;
    "" for the workspace's), as stored. Not audited: a preference, as the
    language is."""
    name = username.strip().lower()
    chosen = check_timezone(zone)
    with state.transaction() as tx:
        if not tx.update_user(name, timezone=chosen):
            raise missing_user(username)
    return chosen


# -- logging in -----------------------------------------------------------------


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
    hasher = _hasher()
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


def start_session(state: StateStore, username: str) -> str:
    """A new session for ``username``: the raw id for the cookie (stored hashed)."""
    raw = secrets.token_urlsafe(32)
    now = now_utc()
    state.delete_expired_sessions(now)
    state.add_session(
        SessionRecord(hash_secret(raw), username, now, now + timedelta(days=SESSION_DAYS))
    )
    return raw


def user_for_session(state: StateStore, raw: str) -> User | None:
    """The user of a live session, if any."""
    if not raw or len(raw) > 200:
        return None
    sess = state.find_session(hash_secret(raw), now_utc())
    if sess is None:
        return None
    rec = state.get_user(sess.username)
    return user_of(rec) if rec else None


def end_session(state: StateStore, raw: str) -> None:
    if raw:
        state.delete_session(hash_secret(raw))
