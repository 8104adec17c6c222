"""What alerts keep: alerts, their outbox of deliveries, dead letters, reports."""

from __future__ import annotations

from typing import Protocol


class AlertState(Protocol):
    """What alerts keep: alerts, their outbox of deliveries, dead letters, reports."""


class AlertStateTx(Protocol):
    """Writes of this domain that must commit atomically with others (inside a transaction)."""
