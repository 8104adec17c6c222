"""People who use the web app and the API: accounts, roles (and the
scopes of API tokens each allows), passwords and sessions. Signing in (the
password check and its rate limits) lives in :mod:`veille.services.signin`,
the API tokens in :mod:`veille.services.tokens`.

Roles are ordered: each one may do what the ones before it may
(``viewer < analyst < manager < admin``). Passwords are hashed with argon2;
session ids and API tokens are random and stored as SHA-256 hashes only (they
carry 256 bits of entropy, so a slow hash adds nothing). Every change is
written to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
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
    "RoleChange",
    "User",
    "add_first_admin",
    "add_user",
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


def password_hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return str(password_hasher().hash(password))


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


# -- sessions ------------------------------------------------------------------


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
