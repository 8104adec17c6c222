"""Accounts: people who log in, their sessions and API tokens, login attempts
(for rate limiting) and the audit log of every change made through the app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class UserRecord:
    """A person who may log in. ``username`` is kept lower-case."""

    username: str
    role: str
    password_hash: str
    language: str  # "" until the person picks one
    created_at: datetime
    #: The IANA zone the web app shows this person's times in; "": the
    #: workspace's ``[workspace] timezone``.
    timezone: str = ""


@dataclass(frozen=True)
class SessionRecord:
    """A server-side session; only a hash of the cookie's value is stored."""

    id_hash: str
    username: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    """An API token; only a hash of the secret is stored."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    #: ``read``, ``write`` or ``admin`` (see :mod:`veille.services.users`).
    scope: str = "write"
    #: When it stops working; ``None``: until revoked.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One change: who did what, to what, when."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


class AccountStateTx(Protocol):
    """Account writes that must see and change the state atomically (never
    removing or demoting the last admin), and the audit log, so that a change
    and its audit entry commit together."""

    def get_user(self, username: str) -> UserRecord | None: ...

    def count_users(self, role: str | None = None) -> int:
        """Users with ``role`` (every user when ``None``)."""
        ...

    def insert_user(self, user: UserRecord) -> bool:
        """Add ``user``; False if the username is taken."""
        ...

    def update_user(
        self,
        username: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        language: str | None = None,
        timezone: str | None = None,
    ) -> bool:
        """Change the fields given (``timezone=""`` clears it); False if there is no such user."""
        ...

    def delete_user(self, username: str) -> bool:
        """Remove the user with their sessions and tokens; False if unknown."""
        ...

    def delete_sessions_of(self, username: str, *, keep: str | None = None) -> int:
        """End every session of ``username`` except the one hashed ``keep``."""
        ...

    def narrow_tokens(self, username: str, wider: Sequence[str], scope: str) -> list[TokenRecord]:
        """Give ``scope`` to every token of ``username`` whose scope is one of
        ``wider``; those tokens as they were, by id."""
        ...

    def add_audit_entry(
        self, at: datetime, actor: str, action: str, target: str, detail: str
    ) -> None: ...


class AccountState(AccountStateTx, Protocol):
    """Reads, and the writes that stand alone (each its own transaction)."""

    def list_users(self) -> list[UserRecord]:
        """Every user, by username."""
        ...

    def add_session(self, session: SessionRecord) -> None: ...

    def find_session(self, id_hash: str, now: datetime) -> SessionRecord | None:
        """The session hashed ``id_hash`` if it has not expired at ``now``."""
        ...

    def delete_session(self, id_hash: str) -> None: ...

    def delete_expired_sessions(self, now: datetime) -> int: ...

    def add_token(
        self,
        username: str,
        name: str,
        secret_hash: str,
        at: datetime,
        *,
        scope: str = "write",
        expires_at: datetime | None = None,
        roles: Sequence[str] | None = None,
    ) -> int:
        """Store a token; its id. With ``roles``, only while the user's role
        is one of them, checked in the insert itself (0 when it is not): a
        role lowered since the caller read it, and the user's tokens
        narrowed, must not let a wider token in after the narrowing."""
        ...

    def count_token_request(self, token_id: int, minute: int) -> int:
        """Count one request of the token in ``minute`` (seconds since the
        epoch // 60) and answer how many it made in that minute, this one
        included; the token's earlier minutes are forgotten. Every web worker
        on this state counts in the same rows."""
        ...

    def find_token(self, secret_hash: str) -> TokenRecord | None:
        """The token whose secret hashes to ``secret_hash``, revoked or not."""
        ...

    def touch_token(self, token_id: int, at: datetime) -> None:
        """Record a use of the token."""
        ...

    def list_tokens(self, username: str | None = None) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: int, at: datetime) -> bool:
        """Revoke a token; False if unknown or already revoked."""
        ...

    def add_login_attempt(self, key: str, at: datetime, *, success: bool) -> int:
        """Record an attempt; its id (ids grow: they order the attempts)."""
        ...

    def mark_login_success(self, attempt_id: int) -> None:
        """The attempt, recorded as failed while its password was checked, succeeded."""
        ...

    def forget_login_attempt(self, attempt_id: int) -> None:
        """Remove one attempt (a try refused unchecked: it counts for nothing)."""
        ...

    def failed_logins_since(
        self, key: str, since: datetime, *, before: int | None = None
    ) -> list[datetime]:
        """When each failed attempt under ``key`` since ``since`` (and after the
        last success) happened, oldest first; with ``before``, only the
        attempts recorded before that one."""
        ...

    def failed_logins_of(
        self, username: str, since: datetime, *, before: int | None = None
    ) -> list[tuple[datetime, str]]:
        """When and from which address each failed attempt for ``username``
        since ``since`` happened, from every address (keys ``username|…``),
        oldest first; a success does not reset this count. With ``before``,
        only the attempts recorded before that one."""
        ...

    def forget_login_attempts_before(self, before: datetime) -> int: ...

    def audit_entries(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        actor: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """The audit log, newest first."""
        ...
