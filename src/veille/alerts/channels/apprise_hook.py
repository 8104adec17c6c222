"""The process-wide audit hook behind :func:`veille.alerts.channels.apprise_guard.guarded`.

Importing this module installs it (the import system runs it once per
process); it checks ``socket.connect`` / ``sendto`` / ``sendmsg`` only while
:data:`ACTIVE` holds a guard in the running context, and costs one string test
per audit event otherwise.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.alerts.channels.apprise_guard import Guard

_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})

ACTIVE: ContextVar[Guard | None] = ContextVar("veille_apprise_guard", default=None)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:
        return
    guard = ACTIVE.get()
    if guard is not None and len(args) >= 2:
        guard.check(args[1])


sys.addaudithook(_audit)
