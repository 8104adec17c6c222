"""A SIGTERM that comes while ``veille`` starts (its imports, its stores
opening), before a long-running command (``veille run``, ``veille serve``)
takes the signal over: kept for that command, which then stops at once and
cleanly (status 0), as it stops when the signal comes later. It killed the
process (status 143), which a supervisor (systemd, Docker) reads as a
failure.

Only the standard library here: :func:`catch_early` is the first thing
``veille`` does, before the imports that make the first second.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any, NoReturn

#: What any command says when Ctrl-C stops it (status 130), unless it says
#: more itself (``veille import``: what it stored, how to go on).
INTERRUPTED = "interrupted; what was committed is kept."


class EarlyStop:
    """SIGTERM's handler until the command takes the signal over: it notes
    the signal (``asked``) and nothing more."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: Any) -> None:
        self.asked = True


def catch_early() -> None:
    """From now on a SIGTERM is noted, not fatal, until :func:`hand_over`
    or a long-running command's own handler (the process's main thread
    only; a handler someone else set is left alone)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, EarlyStop())


def stopped_early(before: Any) -> bool:
    """Whether ``before``, SIGTERM's handler a command just replaced with
    its own, noted a SIGTERM: the command stops at once."""
    return isinstance(before, EarlyStop) and before.asked


def hand_over() -> None:
    """For a command that does not stop cleanly on SIGTERM (any but the
    long-running ones): SIGTERM's default again, and one noted while it
    started ends the process now, as it would have then (status 143)."""
    if threading.current_thread() is not threading.main_thread():
        return
    early = signal.getsignal(signal.SIGTERM)
    if not isinstance(early, EarlyStop):
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if early.asked:
        os.kill(os.getpid(), signal.SIGTERM)


def interrupted() -> NoReturn:
    """Ctrl-C: the one line on stderr, and status 130 (128 + SIGINT), as a
    shell reports a program stopped so; never a traceback. Used where no
    command's own handling caught it (while ``veille`` loads its code)."""
    print(INTERRUPTED, file=sys.stderr, flush=True)
    raise SystemExit(130)
