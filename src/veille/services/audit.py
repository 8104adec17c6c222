"""The audit log: every change made through the web app or the account
commands, who made it and when, for admins to read.

``record`` takes the StateStore or a transaction of it (anything with
``add_audit_entry``), so a change and its entry can commit together.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from veille.errors import Figure, tr
from veille.models import now_utc
from veille.store.base import StateStore
from veille.store.protocols.accounts import AuditEntry

__all__ = ["AuditEntry", "list_entries", "record", "shown_detail"]

# What the command line records as the actor (no one is logged in there).
CLI_ACTOR = "cli"


class _AuditWriter(Protocol):
    def add_audit_entry(
        self, at: datetime, actor: str, action: str, target: str, detail: str
    ) -> None: ...


def record(
    state: _AuditWriter,
    actor: str | None,
    action: str,
    target: str = "",
    detail: str = "",
) -> None:
    """Log that ``actor`` (a username; ``None``: the command line) did
    ``action`` (a dotted name such as ``user.add``) to ``target``.

    ``detail`` must never hold a secret (a password, a token)."""
    state.add_audit_entry(now_utc(), actor or CLI_ACTOR, action, target, detail)


def list_entries(
    state: StateStore,
    *,
    limit: int = 100,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The audit log, newest first, filtered by actor and action when given."""
    limit = max(1, min(limit, 1000))
    return state.audit_entries(
        limit=limit, offset=max(0, offset), actor=actor or None, action=action or None
    )


# The details that entries keep in English words (the rest are codes and
# values: role=analyst, #12, v3), read for a reader in their language.
_FIRST_RUN = re.compile(r"(?P<params>.*) \(first run\)")
_STORED = re.compile(r"(?P<count>\d+) stored")
_HOURS = re.compile(r"(?P<hours>[\d.]+) h/week")
_FAILED_LOGINS = re.compile(r"(?P<count>\d+) failed logins from (?P<addresses>\d+) addresses")
_TARGET = re.compile(r"(?P<kind>[a-z_]+) target (?P<target>\S+)")
_NEW_TARGET = re.compile(r"target (?P<target>\S+)")
_PERIOD = re.compile(r"period (?P<before>\d+) -> (?P<after>\d+) days")


def _number(text: str) -> Figure | str:
    """A number kept as Python wrote it ("400.0"), the reader's way (400,
    74,7 in French); anything else as it is."""
    try:
        return Figure(float(text))
    except ValueError:
        return text


def shown_detail(detail: str) -> str:
    """An entry's ``detail`` as a reader reads it: where it was kept in
    English words ("role=admin (first run)", "3 stored"), a text made by
    :func:`veille.errors.tr` that the web app says in the reader's language
    (English where a string is used); any other detail as it is."""
    if found := _FIRST_RUN.fullmatch(detail):
        return tr("%(params)s (first run)", params=found["params"])
    if found := _STORED.fullmatch(detail):
        return tr("%(count)s stored", count=found["count"])
    if found := _HOURS.fullmatch(detail):
        return tr("%(hours)s h/week", hours=found["hours"])
    if found := _FAILED_LOGINS.fullmatch(detail):  # user.login.throttle
        return tr(
            "%(count)s failed logins from %(addresses)s addresses",
            count=found["count"],
            addresses=found["addresses"],
        )
    if found := _TARGET.fullmatch(detail):
        return tr("%(kind)s target %(target)s", kind=found["kind"], target=_number(found["target"]))
    if found := _NEW_TARGET.fullmatch(detail):  # a KPI's target changed
        return tr("target %(target)s", target=_number(found["target"]))
    if found := _PERIOD.fullmatch(detail):  # a KPI's period changed
        return tr(
            "period %(before)s -> %(after)s days", before=found["before"], after=found["after"]
        )
    return detail
