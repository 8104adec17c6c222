"""One exception family for every failure a user can act on.

Each message says what went wrong, naming the input, and what to do about it.
The CLI turns any :class:`VeilleError` into a one-line message and exit status
``exit_code`` (2 for usage errors, 1 otherwise); anything else is a bug.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any


class Text(str):
    """A sentence for the user, in English, that remembers how it was made: a
    ``template`` with ``%(name)s`` placeholders (a catalog's msgid) and the
    ``values`` filled in. It is the English text wherever a string is used
    (the CLI, logs, the API); the web app translates it for a French reader
    (:func:`translated`). Made by :func:`tr`."""

    template: str
    values: dict[str, Any]
    #: The plural template and the number that chooses (:func:`trn`), or ``None``.
    plural: str | None
    n: int | None
    #: The catalogs' ``msgctxt`` of a word said two ways (:func:`trc`), or ``None``.
    context: str | None

    def __new__(
        cls,
        template: str,
        values: dict[str, Any],
        plural: str | None = None,
        n: int | None = None,
        context: str | None = None,
    ) -> Text:
        chosen = template if plural is None or n == 1 else plural  # English: one is 1 only
        made = super().__new__(cls, chosen % values if values else chosen)
        made.template = template
        made.values = values
        made.plural = plural
        made.n = n
        made.context = context
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.template, self.values, self.plural, self.n, self.context))


def tr(template: str, /, **values: Any) -> Text:
    """Mark an error's message or hint for translation: ``tr("unknown field
    %(name)s:", name=raw)``. The template is extracted into the web app's
    catalogs (``web/locale/fr/LC_MESSAGES/errors.po``, a test checks each
    has its French); ``values`` are not translated, except those that are
    :class:`Text` themselves."""
    return Text(template, values)


def trc(context: str, template: str, /, **values: Any) -> Text:
    """:func:`tr` for a word the catalogs say two ways, told apart by their
    ``msgctxt`` as the templates' ``pgettext`` does: ``trc("alert", "sent")``
    is an alert's delivery « envoyé », where ``tr("sent")`` is a reply « envoyée »."""
    return Text(template, values, context=context)


def trn(singular: str, plural: str, n: int, /, **values: Any) -> Text:
    """:func:`tr` for a sentence that agrees with a number ``n``:
    ``trn("%(n)s row read", "%(n)s rows read", rows, n=Count(rows))``. The
    catalogs give its forms (``msgid_plural``; French counts 0 and 1 as
    one) and :func:`translated` picks the reader's by ``n``, as ngettext does."""
    return Text(singular, values, plural, int(n))


class Place(str):
    """Where the reader sees or does something, said for where they are: the
    CLI's command (the string itself, as the CLI and the logs show it), the
    web app's ``page`` or the API's endpoint (``api``). A value of a message
    made by :func:`tr`: the service says it once, :func:`translated` told
    ``where="page"`` or ``where="api"`` says it the page's or the API's way
    (the command where there is no such page or endpoint). ``page`` or
    ``api`` may be a :class:`Text` (translated too): what a reader there is
    told where nothing there does it (ask whoever runs veille). ``cli`` may
    be a :class:`Text` too: words for the CLI (and the API without words of
    its own) rather than a command, translated as well."""

    page: str | None
    api: str | None
    cli: str

    def __new__(cls, cli: str, *, page: str | None = None, api: str | None = None) -> Place:
        made = super().__new__(cls, cli)
        made.page, made.api, made.cli = page, api, cli
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_place, (self.cli, self.page, self.api))

    def said(self, where: str | None) -> str:
        """The words for ``where`` (``"page"``, ``"api"``; ``None``: the CLI)."""
        return {"page": self.page, "api": self.api}.get(where or "") or self.cli


def _place(cli: str, page: str | None, api: str | None) -> Place:
    return Place(cli, page=page, api=api)


#: Fields several commands share (an alert's, a source's, a calendar post's
#: ``--at`` and ``--every``), named where the reader gave them.
FIELD_AT = Place(tr("time (--at)"), page=tr("time"), api=tr("time (at)"))
FIELD_EVERY = Place(tr("frequency (--every)"), page=tr("frequency"), api=tr("frequency (every)"))


class Count(int):
    """A number in a message made by :func:`tr`, written with thousands
    separators: ``3,000`` in English, the reader's way (``3 000``) where
    :func:`translated` is told the language."""

    def __str__(self) -> str:
        return format(int(self), ",")


class Figure(float):
    """A decimal number in a message made by :func:`tr` (seconds waited, a
    time taken): ``0.3`` in English, the reader's way (``0,3``) where
    :func:`translated` is told the language. ``digits`` after the point;
    ``None``: as few as it takes (``20``, ``0.3``)."""

    digits: int | None

    def __new__(cls, value: float, digits: int | None = None) -> Figure:
        made = super().__new__(cls, value)
        made.digits = digits
        return made

    def __str__(self) -> str:
        if self.digits is None:
            return format(float(self), "g")
        return format(float(self), f".{self.digits}f")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Figure, (float(self), self.digits))


class Money(float):
    """An amount of money in a message made by :func:`tr`, in ``currency``
    (ISO 4217, the workspace's ``[workspace] currency``): ``€1,234.50`` in
    English, ``1 234,50 €`` where :func:`translated` is told French."""

    currency: str

    def __new__(cls, value: float, currency: str) -> Money:
        made = super().__new__(cls, value)
        made.currency = currency
        return made

    def __str__(self) -> str:
        from veille.i18n import format_money

        return format_money(float(self), "en", self.currency)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (float(self), self.currency))


class Bilingual(str):
    """A value of a message made by :func:`tr` already written in each
    language (a draft's problems, which the checker writes in English and in
    French, numbers and all): its English wherever a string is used, its
    ``fr`` for a French reader (:func:`translated`)."""

    fr: str

    def __new__(cls, en: str, fr: str) -> Bilingual:
        made = super().__new__(cls, en)
        made.fr = fr
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Bilingual, (str.__str__(self), self.fr))

    def said(self, lang: str | None) -> str:
        return self.fr if lang == "fr" else str.__str__(self)


class Coded(str):
    """A code the reader types (a token's scope, ``--scope write``) in a
    message made by :func:`tr`, with the word that names it (a :class:`Text`):
    the code alone in English, where the word is the code, and the reader's
    word with the code beside it elsewhere, « écriture (write) », as
    ``veille token list`` shows a scope."""

    name: str

    def __new__(cls, code: str, name: str) -> Coded:
        made = super().__new__(cls, code)
        made.name = name
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Coded, (str.__str__(self), self.name))


def translated(
    text: str,
    gettext: Callable[[str], str],
    lang: str | None = None,
    where: str | None = None,
    ngettext: Callable[[str, str, int], str] | None = None,
) -> str:
    """``text`` in the language of ``gettext`` when it is a :class:`Text`
    (its template translated, then filled in, a :class:`Count` written the
    ``lang`` way, a :class:`Place` said for ``where`` the reader is:
    ``"page"``, ``"api"``); any other string unchanged. A sentence made by
    :func:`trn` takes its form from ``ngettext`` (the catalogs' plural
    forms), English's where none is given."""
    if not isinstance(text, Text):
        return text

    def value(v: Any) -> Any:
        if isinstance(v, Text):
            return translated(v, gettext, lang, where, ngettext)
        if isinstance(v, Place):
            said = v.said(where)  # words of its own where a page cannot do it
            if isinstance(said, Text):
                return translated(said, gettext, lang, where, ngettext)
            return said
        if isinstance(v, Bilingual):
            return v.said(lang)
        if isinstance(v, Coded):
            code = str.__str__(v)
            said = translated(v.name, gettext, lang, where, ngettext)
            return code if said == code or lang in (None, "en") else f"{said} ({code})"
        if isinstance(v, Count) and lang:
            from veille.i18n import format_number

            return format_number(v, lang)
        if isinstance(v, Money) and lang:
            from veille.i18n import format_money

            return format_money(v, lang, v.currency)
        if isinstance(v, Figure) and lang:
            from veille.i18n import format_decimal

            if v.digits is None:  # as few digits as it takes, up to six
                return format_decimal(float(str(v)), lang, 6)
            return format_decimal(v, lang, v.digits, trim=False)
        return v

    values = {k: value(v) for k, v in text.values.items()}
    if text.context is not None and text.plural is None:
        # A compiled catalog keys a msgctxt's message "context\x04msgid" (what
        # pgettext looks up); one it lacks is said as its English.
        key = f"{text.context}\x04{text.template}"
        found = gettext(key)
        found = text.template if found == key else found
    elif text.plural is None:
        found = gettext(text.template)
    elif ngettext is not None:
        found = ngettext(text.template, text.plural, text.n or 0)
    else:
        found = text.template if text.n == 1 else text.plural
    if lang == "fr" and values:
        found = _french_quotes(found, values)
    try:
        return found % values if values else found
    except (KeyError, ValueError, TypeError):  # a translation that does not fit its values
        return str.__str__(text)


_REPR = re.compile(r"%\((\w+)\)r")


def _french_quotes(found: str, values: dict[str, Any]) -> str:
    """A text value shown ``%(name)r`` (``'bad'``, quoted the way Python
    writes it) put in French quotes, ``«\u202fbad\u202f»``, its escapes kept
    (a newline still reads ``\\n``); ``values`` is changed in place."""

    given = dict(values)

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        v = given.get(name)
        if not isinstance(v, str):
            return match.group(0)
        values[name] = f"«\u202f{repr(v)[1:-1]}\u202f»"
        return f"%({name})s"

    return _REPR.sub(swap, found)


# How a stored :class:`Text` begins (see :func:`storable`).
_STORED = "tr:"


def storable(text: str) -> str:
    """``text`` as it is kept in the store: a :class:`Text` as its template
    and values (``tr:{"tr": …, "v": …}``), so that :func:`restored` gives it
    back to be said in each reader's language, not in English once for all;
    any other string (a platform's own words, a person's note) as it is."""
    if not isinstance(text, Text):
        return text
    return _STORED + json.dumps(_encoded(text), ensure_ascii=False)


def restored(kept: str) -> str:
    """A string read from the store: a :class:`Text` again where
    :func:`storable` kept one (its ``str`` is the English sentence, as before),
    else ``kept`` itself."""
    if not kept.startswith(_STORED):
        return kept
    try:
        found = _decoded(json.loads(kept[len(_STORED) :]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return kept
    return found if isinstance(found, Text) else kept


def _encoded(v: Any) -> Any:
    if isinstance(v, Text):
        coded: dict[str, Any] = {
            "tr": v.template,
            "v": {k: _encoded(x) for k, x in v.values.items()},
        }
        if v.plural is not None:
            coded.update(p=v.plural, n=v.n)
        return coded
    if isinstance(v, Place):
        return {"place": [str.__str__(v), _encoded(v.page), _encoded(v.api)]}
    if isinstance(v, Bilingual):
        return {"both": [str.__str__(v), v.fr]}
    if isinstance(v, Coded):
        return {"coded": [str.__str__(v), _encoded(v.name)]}
    if isinstance(v, Count):
        return {"count": int(v)}
    if isinstance(v, Figure):
        return {"figure": [float(v), v.digits]}
    if v is None or isinstance(v, (bool, int, float)):
        return v
    return str(v)


def _decoded(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    if "tr" in v:
        values = {k: _decoded(x) for k, x in dict(v.get("v") or {}).items()}
        if v.get("p") is not None:
            return Text(str(v["tr"]), values, str(v["p"]), int(v.get("n") or 0))
        return Text(str(v["tr"]), values)
    if "place" in v:
        cli, page, api = v["place"]
        return Place(cli, page=_decoded(page), api=_decoded(api))
    if "both" in v:
        en, fr = v["both"]
        return Bilingual(str(en), str(fr))
    if "coded" in v:
        code, name = v["coded"]
        return Coded(str(code), _decoded(name))
    if "figure" in v:
        value, digits = v["figure"]
        return Figure(float(value), None if digits is None else int(digits))
    return Count(int(v["count"]))


def _sentence_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)([sr])", template)
    pattern = re.escape(parts[0])
    for i in range(1, len(parts), 3):
        name, kind = parts[i], parts[i + 1]
        pattern += f"'(?P<{name}>.*)'" if kind == "r" else f"(?P<{name}>.+)"
        pattern += re.escape(parts[i + 2])
    return re.compile(pattern + r"\Z", re.S)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def read_back(said: str, templates: Sequence[str]) -> Text | None:
    """The :class:`Text` an English sentence ``said`` was made from, when it
    is one of ``templates`` filled in (the first that fits: put the narrower
    before the wider), its values read back; ``None`` when none fits. For the
    rows an older veille stored in English, before it kept their template."""
    for template in templates:
        pattern = _PATTERNS.get(template)
        if pattern is None:
            pattern = _PATTERNS[template] = _sentence_pattern(template)
        match = pattern.match(said)
        if match:
            return Text(template, match.groupdict())
    return None


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


class UnclearTime(UsageError):
    """A time typed without an offset that the clock shows twice (the night
    it goes back) or never (the night it goes forward): read as one of them
    without a word, a calendar post went out an hour before or after its
    writer meant. ``offsets``: the two readings that make it clear
    (``+02:00``, ``+01:00``), empty for a time that never happens."""

    def __init__(self, message: str, *, hint: str | None = None,
                 offsets: tuple[str, ...] = ()) -> None:  # fmt: skip
        super().__init__(message, hint=hint)
        self.offsets = offsets


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
    succeed a moment later. ``part`` says which store: ``state`` or
    ``posts`` (what ``/healthz`` and the web app's 503 name)."""

    part = "state"


class PostsUnavailable(StoreUnavailable):
    """The posts store's server (ClickHouse, or the ``veille+http`` posts
    endpoint) did not answer."""

    part = "posts"


class StoreLocked(StoreError):
    """Another process holds the database lock for too long."""


class StoreUpgrading(StoreLocked):
    """The store is being upgraded (a migration, every post's terms made
    again after an upgrade of veille): minutes on a large workspace, which
    a page does not wait for (the web app, :attr:`Workspace.answer_while_upgrading`)."""

    def __init__(self) -> None:
        super().__init__(
            tr(
                "veille is upgrading this workspace's database, once, after an upgrade of "
                "veille (over a million posts it takes a few minutes)"
            ),
            hint=tr("This page comes back when it is done: try again in a minute."),
        )


class DiskFull(StoreError):
    """The disk holding the workspace is full."""


class NotServed(StoreError, AttributeError):
    """The posts endpoint (``veille+http``, ``veille store serve-posts``)
    does not serve this call: run it where the posts store is named itself.
    An AttributeError too: code that asks whether a store offers a call
    (``getattr(store, name, None)``) finds it absent."""


class NotFound(UsageError):
    """A named thing (topic, source, alert, post) does not exist."""


class Conflict(VeilleError):
    """The change clashes with the state as it is now: someone else changed
    the thing since the caller read it, or other things still use what is
    to be deleted. Nothing was changed; the API answers 409."""


class AlreadyExists(UsageError):
    """The name given to a new thing (topic, source, alert…) is taken: the
    API answers 409, so a client that creates what may exist tells it from
    a value refused."""


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


class RepeatedFailures:
    """:func:`log_failure` for a step a worker repeats (a daemon's
    collection pass, the outbox and calendar workers' rounds): the first
    failure is one line; while failures of the same kind go on (a store away
    for ten minutes, a full disk), one more line at most every ``every``
    seconds, saying how many passes failed since; the first success after
    them is one line too. An outage is a few lines to alert on, not one per
    pass. ``clock`` is :func:`time.monotonic`."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        then: str = "",
        *,
        every: float = 300.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.log, self.what, self.then, self.every = log, what, then, every
        self.clock = clock or time.monotonic
        self.kind: type[BaseException] | None = None
        self.failures = 0
        self.said_at = 0.0

    def failed(self, exc: BaseException) -> None:
        now = self.clock()
        self.failures += 1
        if type(exc) is self.kind and now - self.said_at < self.every:
            return
        again = "" if type(exc) is not self.kind else f" ({self.failures} failures in a row.)"
        log_failure(self.log, self.what, exc, f"{self.then}{again}".strip())
        self.kind, self.said_at = type(exc), now

    def succeeded(self) -> None:
        if self.failures:
            step = self.what.removesuffix(" failed")
            times = "1 failure" if self.failures == 1 else f"{self.failures} failures in a row"
            self.log.info("%s works again after %s", step, times)
        self.kind, self.failures = None, 0
