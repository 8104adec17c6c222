"""Helpers shared by the security tests (and the Google import tests)."""

from __future__ import annotations

from typing import Any


def alert_book(ws: Any) -> Any:
    """The workspace's :class:`AlertBook`, whether it takes the store or, as it
    used to, its SQLite connection (the alerts module is being refactored)."""
    from veille.alerts import model

    connection = getattr(model, "connection", None)
    return model.AlertBook(connection(ws.store) if connection else ws.store)
