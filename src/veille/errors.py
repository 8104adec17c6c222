"""One exception family for every failure a user can act on.

Each message says what went wrong, naming the input, and what to do about it.
The CLI turns any :class:`VeilleError` into a one-line message and exit status
``exit_code`` (2 for usage errors, 1 otherwise); anything else is a bug.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any


class Text(str):
    """A sentence for the user, in English, that remembers how it was made: a
    ``template`` with ``%(name)s`` placeholders (a catalog's msgid) and the
    ``values`` filled in. It is the English text wherever a string is used
    (the CLI, logs, the API); the web app translates it for a French reader
    (:func:`translated`). Made by :func:`tr`."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Text:
        made = super().__new__(cls, template % values if values else template)
        made.template = template
        made.values = values
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.template, self.values))


def tr(template: str, /, **values: Any) -> Text:
    """Mark an error's message or hint for translation: ``tr("unknown field
    %(name)s:", name=raw)``. The template is extracted into the web app's
    catalogs (``web/locale/fr/LC_MESSAGES/errors.po``, a test checks each
    has its French); ``values`` are not translated, except those that are
    :class:`Text` themselves."""
    return Text(template, values)


class Count(int):
    """A number in a message made by :func:`tr`, written with thousands
    separators: ``3,000`` in English, the reader's way (``3 000``) where
    :func:`translated` is told the language."""

    def __str__(self) -> str:
        return format(int(self), ",")


def translated(text: str, gettext: Callable[[str], str], lang: str | None = None) -> str:
    """``text`` in the language of ``gettext`` when it is a :class:`Text`
    (its template translated, then filled in, a :class:`Count` written the
    ``lang`` way); any other string unchanged."""
    if not isinstance(text, Text):
        return text

    def value(v: Any) -> Any:
        if isinstance(v, Text):
            return translated(v, gettext, lang)
        if isinstance(v, Count) and lang:
            from veille.i18n import format_number

            return format_number(v, lang)
        return v

    values = {k: value(v) for k, v in text.values.items()}
    found = gettext(text.template)
    try:
        return found % values if values else found
    except (KeyError, ValueError, TypeError):  # a translation that does not fit its values
        return str.__str__(text)


class VeilleError(Exception):
    """Base class: a failure with a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        # message and hint: plain text, or Text made by tr() to be translated
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


class StoreUnavailable(StoreError):
    """The store's server did not answer (gone, restarting, no connection
    free in time): what failed was rolled back, and the same call may
    succeed a moment later."""


class StoreLocked(StoreError):
    """Another process holds the database lock for too long."""


class DiskFull(StoreError):
    """The disk holding the workspace is full."""


class NotServed(StoreError, AttributeError):
    """The posts endpoint (``veille+http``, ``veille store serve-posts``)
    does not serve this call: run it where the posts store is named itself.
    An AttributeError too: code that asks whether a store offers a call
    (``getattr(store, name, None)``) finds it absent."""


class NotFound(UsageError):
    """A named thing (topic, source, alert, post) does not exist."""


def one_line(text: str) -> str:
    """``text`` on one line (a server's error may run over several)."""
    return " ".join(str(text).split())


def log_failure(log: logging.Logger, what: str, exc: BaseException, then: str = "") -> None:
    """Log a failure that a long-running worker outlives (``veille run``'s
    passes, its outbox and calendar workers) as ONE line an operator can act
    on: ``what`` failed, why and what to do (a :class:`VeilleError`'s message
    and hint: the PostgreSQL state store that did not answer, and to check
    that it runs), then ``then``, what veille does next. Its traceback goes to
    DEBUG (``VEILLE_LOG_LEVEL=DEBUG``). Any other exception is a bug: it is
    logged with its traceback."""
    after = f" {then}" if then else ""
    if not isinstance(exc, VeilleError):
        log.error("%s.%s", what, after, exc_info=exc)
        return
    why = one_line(exc.message)
    stop = "" if why.endswith((".", "?", "!")) else "."
    hint = f" {one_line(exc.hint)}" if exc.hint else ""
    log.error("%s: %s%s%s%s", what, why, stop, hint, after)
    log.debug("%s: the traceback", what, exc_info=exc)
