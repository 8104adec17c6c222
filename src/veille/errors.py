"""One exception family for every failure a user can act on.

Each message says what went wrong, naming the input, and what to do about it.
The CLI turns any :class:`VeilleError` into a one-line message and exit status
``exit_code`` (2 for usage errors, 1 otherwise); anything else is a bug.
"""

from __future__ import annotations


class VeilleError(Exception):
    """Base class: a failure with a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n{self.hint}"
        return self.message


class UsageError(VeilleError):
    """The user asked for something malformed (bad option, bad value)."""

    exit_code = 2


class WorkspaceNotFound(UsageError):
    """No ``veille.toml`` where one was expected."""


class ConfigError(UsageError):
    """``veille.toml`` or a ``VEILLE_*`` variable holds an invalid value."""


class InputError(UsageError):
    """A file or record given by the user cannot be read."""


class StoreError(VeilleError):
    """The database cannot be opened, read or written."""


class SchemaTooNew(StoreError):
    """The database was written by a newer veille than this one."""


class StoreLocked(StoreError):
    """Another process holds the database lock for too long."""


class DiskFull(StoreError):
    """The disk holding the workspace is full."""


class NotFound(UsageError):
    """A named thing (topic, source, alert, post) does not exist."""
