"""The accounts part of the StateStore contract (users, sessions, tokens,
login attempts, audit log), run over every backend that keeps the state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from veille.store import StateStore
from veille.store.protocols.accounts import SessionRecord, UserRecord

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _user(name: str, role: str = "viewer") -> UserRecord:
    return UserRecord(name, role, "$argon2id$hash-of-" + name, "", T0)


def test_users_insert_update_count_delete(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        assert tx.insert_user(_user("bob"))
        assert tx.insert_user(_user("ana", "admin"))
        assert not tx.insert_user(_user("ana"))  # taken
        assert tx.count_users() == 2 and tx.count_users("admin") == 1
    assert [u.username for u in state_store.list_users()] == ["ana", "bob"]
    assert state_store.get_user("ana") == _user("ana", "admin")
    with state_store.transaction() as tx:
        assert tx.update_user("bob", role="analyst", language="fr")
        assert not tx.update_user("nobody", role="admin")
    bob = state_store.get_user("bob")
    assert bob is not None and (bob.role, bob.language) == ("analyst", "fr")
    assert bob.password_hash == _user("bob").password_hash


def test_a_users_time_zone_is_kept_changed_and_cleared(state_store: StateStore) -> None:
    """Each user's own zone (SQLite 0720, PostgreSQL 0150): "" until set,
    set and cleared alone, the other fields untouched."""
    with state_store.transaction() as tx:
        assert tx.insert_user(_user("bob"))
        assert tx.insert_user(UserRecord("ana", "admin", "h", "fr", T0, "Europe/Paris"))
    assert state_store.get_user("bob") == _user("bob")
    assert [u.timezone for u in state_store.list_users()] == ["Europe/Paris", ""]
    with state_store.transaction() as tx:
        assert tx.update_user("bob", timezone="America/Toronto")
        assert not tx.update_user("nobody", timezone="UTC")
    bob = state_store.get_user("bob")
    assert bob is not None and (bob.timezone, bob.language, bob.role) == (
        "America/Toronto",
        "",
        "viewer",
    )
    with state_store.transaction() as tx:
        assert tx.update_user("ana", timezone="")
        assert tx.update_user("bob", language="fr")
    assert state_store.get_user("ana") == UserRecord("ana", "admin", "h", "fr", T0, "")
    assert state_store.get_user("bob").timezone == "America/Toronto"  # type: ignore[union-attr]


def test_sessions_expire_and_go_with_their_user(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.insert_user(_user("bob"))
    live = SessionRecord("h1", "bob", T0, T0 + timedelta(days=1))
    state_store.add_session(live)
    state_store.add_session(SessionRecord("h2", "bob", T0, T0 + timedelta(hours=1)))
    assert state_store.find_session("h1", T0) == live
    assert state_store.find_session("h2", T0 + timedelta(hours=2)) is None
    assert state_store.delete_expired_sessions(T0 + timedelta(hours=2)) == 1
    with state_store.transaction() as tx:
        assert tx.delete_sessions_of("bob", keep="h1") == 0
        assert tx.delete_user("bob")
    assert state_store.find_session("h1", T0) is None


def test_tokens_are_found_by_hash_touched_and_revoked(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.insert_user(_user("bob"))
    tid = state_store.add_token("bob", "ci", "sha-1", T0)
    found = state_store.find_token("sha-1")
    assert found is not None and (found.id, found.username, found.name) == (tid, "bob", "ci")
    assert found.last_used_at is None and found.revoked_at is None
    state_store.touch_token(tid, T0 + timedelta(minutes=5))
    assert state_store.revoke_token(tid, T0 + timedelta(hours=1))
    assert not state_store.revoke_token(tid, T0 + timedelta(hours=2))
    again = state_store.find_token("sha-1")
    assert again is not None and again.revoked_at == T0 + timedelta(hours=1)
    assert again.last_used_at == T0 + timedelta(minutes=5)
    assert [t.id for t in state_store.list_tokens("bob")] == [tid]
    assert state_store.list_tokens("ana") == []


def test_failed_logins_count_from_the_last_success(state_store: StateStore) -> None:
    key = "bob|127.0.0.1"
    state_store.add_login_attempt(key, T0, success=False)
    state_store.add_login_attempt(key, T0 + timedelta(minutes=1), success=True)
    for m in (2, 3):
        state_store.add_login_attempt(key, T0 + timedelta(minutes=m), success=False)
    state_store.add_login_attempt("other|x", T0 + timedelta(minutes=3), success=False)
    failures = state_store.failed_logins_since(key, T0)
    assert failures == [T0 + timedelta(minutes=2), T0 + timedelta(minutes=3)]
    assert state_store.failed_logins_since(key, T0 + timedelta(minutes=3)) == failures[1:]
    assert state_store.forget_login_attempts_before(T0 + timedelta(minutes=2)) == 2


def test_failed_logins_of_an_account_from_every_address(state_store: StateStore) -> None:
    """All of one username's failures, whatever the address and past a
    success; "_" in a username is a character, not a wildcard."""
    state_store.add_login_attempt("a_b|10.0.0.1", T0, success=False)
    state_store.add_login_attempt("a_b|10.0.0.2", T0 + timedelta(minutes=1), success=True)
    state_store.add_login_attempt("a_b|10.0.0.2", T0 + timedelta(minutes=2), success=False)
    state_store.add_login_attempt("axb|10.0.0.3", T0 + timedelta(minutes=2), success=False)
    state_store.add_login_attempt("a_bc|10.0.0.4", T0 + timedelta(minutes=2), success=False)
    assert state_store.failed_logins_of("a_b", T0) == [
        (T0, "10.0.0.1"),
        (T0 + timedelta(minutes=2), "10.0.0.2"),
    ]
    assert state_store.failed_logins_of("a_b", T0 + timedelta(minutes=1)) == [
        (T0 + timedelta(minutes=2), "10.0.0.2")
    ]


def test_an_attempt_counts_the_ones_recorded_before_it(state_store: StateStore) -> None:
    """Recorded as failed while its password is checked, then marked a
    success or forgotten; ``before`` counts only the attempts before it."""
    first = state_store.add_login_attempt("bob|a", T0, success=False)
    second = state_store.add_login_attempt("bob|a", T0, success=False)
    third = state_store.add_login_attempt("bob|b", T0, success=False)
    assert first < second < third
    assert state_store.failed_logins_since("bob|a", T0, before=second) == [T0]
    assert state_store.failed_logins_of("bob", T0, before=third) == [(T0, "a"), (T0, "a")]
    state_store.mark_login_success(second)
    assert state_store.failed_logins_since("bob|a", T0) == []
    assert state_store.failed_logins_since("bob|a", T0, before=second) == [T0]
    state_store.forget_login_attempt(third)
    assert state_store.failed_logins_of("bob", T0) == [(T0, "a")]


def test_audit_log_newest_first_and_filtered(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.add_audit_entry(T0, "ana", "user.add", "bob", "role=viewer")
        tx.add_audit_entry(T0 + timedelta(seconds=1), "ana", "user.role", "bob", "")
        tx.add_audit_entry(T0 + timedelta(seconds=2), "cli", "token.create", "bob", "id=1")
    entries = state_store.audit_entries()
    assert [e.action for e in entries] == ["token.create", "user.role", "user.add"]
    assert entries[-1].at == T0 and entries[-1].detail == "role=viewer"
    assert [e.action for e in state_store.audit_entries(actor="ana", limit=1)] == ["user.role"]
    assert [e.action for e in state_store.audit_entries(action="user.add")] == ["user.add"]
    assert [e.action for e in state_store.audit_entries(limit=1, offset=2)] == ["user.add"]


def test_a_token_keeps_its_scope_and_expiry(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.insert_user(_user("bob", "analyst"))
    until = T0 + timedelta(days=30)
    tid = state_store.add_token("bob", "bi", "sha-2", T0, scope="read", expires_at=until)
    found = state_store.find_token("sha-2")
    assert found is not None and (found.id, found.scope, found.expires_at) == (tid, "read", until)
    state_store.add_token("bob", "", "sha-3", T0)
    old = state_store.find_token("sha-3")
    assert old is not None and (old.scope, old.expires_at) == ("write", None)
    assert [t.scope for t in state_store.list_tokens("bob")] == ["read", "write"]


def test_a_users_wider_tokens_are_narrowed_and_returned_as_they_were(
    state_store: StateStore,
) -> None:
    with state_store.transaction() as tx:
        tx.insert_user(_user("bob", "analyst"))
        tx.insert_user(_user("eve", "admin"))
    wide = state_store.add_token("bob", "a", "sha-a", T0, scope="admin")
    state_store.add_token("bob", "b", "sha-b", T0, scope="read")
    state_store.add_token("eve", "c", "sha-c", T0, scope="admin")
    with state_store.transaction() as tx:
        were = tx.narrow_tokens("bob", ("admin",), "write")
        assert tx.narrow_tokens("bob", (), "write") == []
    assert [(t.id, t.scope) for t in were] == [(wide, "admin")]
    assert [t.scope for t in state_store.list_tokens("bob")] == ["write", "read"]
    assert [t.scope for t in state_store.list_tokens("eve")] == ["admin"]  # others keep theirs


def test_requests_are_counted_per_token_and_minute(state_store: StateStore) -> None:
    with state_store.transaction() as tx:
        tx.insert_user(_user("bob", "analyst"))
    one = state_store.add_token("bob", "a", "sha-a", T0)
    two = state_store.add_token("bob", "b", "sha-b", T0)
    assert [state_store.count_token_request(one, 100) for _ in range(3)] == [1, 2, 3]
    assert state_store.count_token_request(two, 100) == 1  # each token its own count
    assert state_store.count_token_request(one, 101) == 1  # a new minute starts again
    assert state_store.count_token_request(one, 101) == 2
    # The token's rows go with it (its user removed: the cascade).
    with state_store.transaction() as tx:
        assert tx.delete_user("bob")
    assert state_store.list_tokens() == []
