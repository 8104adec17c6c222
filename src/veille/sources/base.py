"""The Source extension point: how veille learns to read a platform.

A source is a class with:

- ``name``: the KIND users type in ``veille source add KIND TARGET``;
- ``platform``: the default ``Post.platform`` of what it collects;
- ``Config``: a frozen dataclass of its settings (JSON-able fields only:
  str, int, float, bool, lists of str), stored in the ``sources`` table;
- ``config_from_target(target, options) -> Config``: the config for
  ``source add KIND TARGET --option k=v …`` (raise :class:`SourceConfigError`
  naming the bad input);
- ``collect(config, cursor, http) -> Iterator[Batch]``: fetch, page by page,
  through the shared :class:`~veille.http.HttpClient`, starting after
  ``cursor`` (the last committed ``Batch.cursor``, or ``None`` the first time).
  Each :class:`Batch` holds raw items (JSON-able mappings, as the platform sent
  them), the cursor to commit *with* them, and the remaining quota if known.
  A source never touches the database: the pipeline maps, stores and commits
  each batch with its cursor in one transaction, so a crash between batches
  loses nothing and stores nothing twice;
- ``to_post(raw, config) -> Post``: pure mapping of one raw item. If it raises,
  the item goes to the quarantine table with its error and payload;
- optionally ``item_key(raw)``: what names an item across runs, so a failing
  item is quarantined once and leaves the quarantine when it maps again, or
  when the run's last batch says (``Batch.exists``) that it is gone; and
  ``refetch(raw, config, http)``: the item to map again when a quarantined one
  is retried (default: the stored payload).

Built-ins are listed in :data:`BUILTIN_SOURCES`; third-party packages add
theirs through the ``veille.sources`` entry-point group
(``myplugin = "mypkg.module:MySource"``). Both go through :func:`registry`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, get_type_hints
from urllib.parse import SplitResult, urlsplit

from veille.errors import Text, UsageError, VeilleError, read_back, tr
from veille.models import Post

if TYPE_CHECKING:
    from veille.http import HttpClient

ConfigT = TypeVar("ConfigT")


class SourceConfigError(UsageError):
    """``source add`` got a target or an option the source cannot use."""


def split_http_url(text: str) -> SplitResult | None:
    """``text`` split as an http(s) URL with a host, or ``None`` when it is not
    one. ``urlsplit`` raises ``ValueError`` on a bracketed host that is no
    IPv6 address (``http://[/x]/feed``) and ``.port`` on a port out of range:
    both are "not a URL" here, so a source says so in a SourceConfigError."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


class SourceError(Exception):
    """Raised by ``to_post`` for an item that cannot be mapped (it is quarantined).
    Its message made by :func:`veille.errors.tr` is kept with the item as its
    template and values, and said in each reader's language (:func:`item_error`)."""


#: Why an item was quarantined when its source gave no sentence of its own
#: (Python's words, a KeyError, say, which no catalog translates).
ITEM_UNREADABLE = "the item could not be read (%(error)s)"


def item_error(exc: BaseException) -> Text:
    """What the quarantine keeps of the error ``exc`` that mapping an item
    raised: a :class:`SourceError`'s sentence made by ``tr()`` as it is, any
    other error inside :data:`ITEM_UNREADABLE` (``KeyError: 'id'`` reads
    "the item could not be read (KeyError: 'id')", its frame translated)."""
    said = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(exc, SourceError) and isinstance(said, Text):
        return said
    return tr(ITEM_UNREADABLE, error=f"{type(exc).__name__}: {exc}")


def restored_item_error(kept: str) -> str:
    """A quarantined item's error read back (see :func:`veille.errors.restored`):
    a :class:`Text` said in the reader's language. What an older veille
    stored as English (``SourceError: entry 'x' has no date``) is read back
    into the sentence it was made from; what no sentence matches, inside
    :data:`ITEM_UNREADABLE`."""
    if isinstance(kept, Text):
        return kept
    said = kept.removeprefix("SourceError: ")
    if said != kept:
        found = read_back(said, ITEM_ERRORS)
        if found is not None:
            return found
    return tr(ITEM_UNREADABLE, error=kept)


#: The sentences the built-in sources quarantine an item with (each also
#: made with ``tr()`` where it is raised; a test checks the two agree).
ITEM_ERRORS = (
    "%(path)s, line %(line)s: no record",  # before the sentence that reads it too
    "%(path)s, line %(line)s: %(error)s",
    "this %(platform)s item has no %(field)r field",
    "this %(platform)s item is not in the expected shape: %(error)s",
    "the item holds no feed entry",
    "entry %(key)r has neither a title nor any text",
    "entry %(key)r has no date",
    "page %(url)s could not be read: %(error)s",
    "the item holds no page",
    "page %(url)s has neither a title nor any text",
    "page %(url)s has no date",
)


#: The sentences a source's run fails with (the HTTP client's, the feeds'
#: and the web pages'), each made with ``tr()`` where it is raised, kept as
#: a source's last error and said in each reader's language. The narrower
#: before the wider: an older veille's English is read back with the first
#: that fits (:func:`restored_source_error`).
SOURCE_ERRORS = (
    "%(url)s answered HTTP %(status)s and asks to wait %(seconds)s s",
    "%(url)s still answers HTTP 429 after %(count)s tries",
    "%(url)s answered HTTP %(status)s",
    "%(url)s did not answer within %(seconds)s s",
    "%(url)s took longer than %(seconds)s s to send its body",
    "%(url)s took longer than %(seconds)s s to read (%(size)s bytes); reading it was stopped",
    "%(url)s stalled while sending its body",
    "refused %(url)s: %(host)s is a %(reason)s address (%(ip)s)",
    "cannot resolve %(host)s (from %(url)s): %(error)s",
    "%(host)s (from %(url)s) has no address",
    "cannot reach %(url)s: %(error)s",
    "%(url)s broke off its answer: %(error)s",
    "%(url)s announces %(size)s bytes, over the %(cap)s-byte limit",
    "%(url)s sent more than the %(cap)s-byte limit; reading stopped",
    "%(url)s sent its body in an encoding veille did not ask for (%(error)s)",
    "%(url)s sent a body its Content-Encoding (%(encoding)s) does not decode: %(error)s",
    "%(url)s redirected more than %(count)s times",
    "%(url)r is not a valid URL (%(error)s)",
    "%(url)s is not an http(s) URL",
    "%(url)s has no host",
    "%(host)s quota is used up until %(time)s UTC (asked for %(url)s)",
    "%(url)s did not return valid JSON (%(error)s)",
    "%(url)s returned JSON nested too deeply to read",
    "%(url)s answered a page that is not well-formed (%(error)s); the walk resumes there next time",
    "%(url)s is not a readable feed (%(error)s)",
    "%(url)s is not a readable sitemap",
    "sitemap %(url)s is larger than %(limit)s bytes unpacked",
    "%(url)s is XML but not a sitemap (<%(tag)s>)",
    "%(url)s is %(type)s, not a web page",
    "no readable text in %(url)s",
    "%(url)s could not be read: %(error)s",
    "the source failed on an unexpected error (%(type)s: %(error)s); it is retried at the next pass; if it persists, report it with the log",  # noqa: E501
    "%(url)s: %(error)s",
)


class SourceFailed(VeilleError):
    """A source raised what no source means to raise (a bug: a plugin's, a
    parser's) where a caller waits for its answer (``veille source test``,
    **Test now**): its message is :func:`unexpected_error`'s sentence."""


def unexpected_error(exc: BaseException) -> Text:
    """A source's last error where its run raised what no source means to
    raise (a plugin's bug, a ``KeyError`` in a parser): the exception's
    type and text inside a sentence that says what happens next and what
    to do, said in each reader's language (Python's own words stay as they
    are). The traceback goes to the log (see the collector)."""
    return tr(
        "the source failed on an unexpected error (%(type)s: %(error)s); it is retried at the next pass; if it persists, report it with the log",  # noqa: E501
        type=type(exc).__name__,
        error=str(exc),
    )


def restored_source_error(kept: str | None) -> str | None:
    """A source's last error read back (see :func:`veille.errors.restored`):
    a :class:`Text` said in the reader's language. What an older veille
    stored as English (``https://e.example/feed answered HTTP 503``) is read
    back into the sentence it was made from; anything else (a service's own
    words, Python's) is shown as it is."""
    if not kept or isinstance(kept, Text):
        return kept
    return read_back(kept, SOURCE_ERRORS) or kept


@dataclass
class Batch:
    """One page of raw items and the cursor that covers them.

    ``next_poll_seconds`` lets a source suggest when it should run again (a
    feed's TTL, its rhythm, a Retry-After); the scheduler clamps it.

    ``exists``, on a run's last batch of a source whose items have names
    (``Source.item_key``) and which knows which of them still exist (a file's
    lines), tells a name that still names an item from one that is gone: a
    quarantined item whose name it says is gone leaves the quarantine.
    """

    items: Sequence[Mapping[str, Any]]
    cursor: dict[str, Any]
    quota: int | None = None
    next_poll_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    exists: Callable[[str], bool] | None = None


class Source(ABC, Generic[ConfigT]):
    """Base class of every connector (see the module docstring)."""

    name: ClassVar[str] = ""
    platform: ClassVar[str] = ""
    Config: ClassVar[type]
    #: One line for ``source add --help`` and the docs: what TARGET is.
    target_help: ClassVar[str] = ""
    #: Default polling interval in seconds.
    default_every: ClassVar[int] = 900
    #: The platform's terms of use for what a source reads (shown when one is
    #: added): a link where there is one, and a sentence saying what applies.
    terms_url: ClassVar[str] = ""
    terms_note: ClassVar[str] = ""
    # Config fields holding tokens or passwords: never shown back.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    #: TARGET names a file on the server that the source reads: added from
    #: the web app or the API, it must lie inside the workspace
    #: (:func:`veille.services.sources.add_source`'s ``files_in``).
    target_is_file: ClassVar[bool] = False

    @abstractmethod
    def config_from_target(self, target: str, options: Mapping[str, str]) -> ConfigT:
        """The config for ``source add KIND TARGET --option k=v …``."""

    @abstractmethod
    def collect(
        self, config: ConfigT, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        """Raw items after ``cursor``, batch by batch."""

    @abstractmethod
    def to_post(self, raw: Mapping[str, Any], config: ConfigT) -> Post:
        """One raw item as a Post (pure; raise to quarantine the item)."""

    def item_key(self, raw: Mapping[str, Any]) -> str | None:
        """What names ``raw`` from one run to the next (a page's URL, a file's
        line), or ``None`` where nothing does (the default). An item with a
        name is quarantined once: failing again updates it in place, and it
        leaves the quarantine when an item of the same name maps again."""
        return None

    def refetch(
        self, raw: Mapping[str, Any], config: ConfigT, http: HttpClient
    ) -> Mapping[str, Any]:
        """The item to map when the quarantined ``raw`` is retried
        (``veille quarantine retry``): ``raw`` itself (the default: a newer
        mapping reads it again); a source whose failed items hold nothing to
        map (a page that could not be fetched) fetches the item again."""
        return raw

    # -- config (de)serialization shared by every source ---------------------

    def config_to_dict(self, config: ConfigT) -> dict[str, Any]:
        assert dataclasses.is_dataclass(config) and not isinstance(config, type)
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()
        }

    def config_from_dict(self, data: Mapping[str, Any]) -> ConfigT:
        cls = self.Config
        hints = get_type_hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue  # a setting dropped by a newer version: ignore it
            if isinstance(value, list) and "tuple" in str(hints.get(key, "")):
                value = tuple(value)
            values[key] = value
        return cls(**values)


def parse_options(
    options: Mapping[str, str], spec: Mapping[str, type], *, kind: str
) -> dict[str, Any]:
    """Typed values of ``--option k=v`` pairs; unknown keys and bad values are
    :class:`SourceConfigError` naming them and listing what is allowed."""
    out: dict[str, Any] = {}
    for key, raw in options.items():
        if key not in spec:
            raise SourceConfigError(
                tr("%(kind)s sources have no option %(key)r", kind=kind, key=key),
                hint=tr(
                    "Options of %(kind)s: %(known)s.",
                    kind=kind,
                    known=", ".join(sorted(spec)) or tr("none"),
                ),
            )
        typ = spec[key]
        try:
            if typ is bool:
                low = raw.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(raw)
                out[key] = low in ("1", "true", "yes", "on")
            elif typ is tuple:
                out[key] = tuple(p.strip() for p in raw.split(",") if p.strip())
            else:
                out[key] = typ(raw)
        except ValueError:
            raise SourceConfigError(
                tr(
                    "option %(key)s=%(raw)r of %(kind)s must be a %(type)s",
                    key=key, raw=raw, kind=kind, type=typ.__name__,
                )
            ) from None  # fmt: skip
    return out


# Built-in sources, "module:Class". The platforms' connectors are listed too;
# a module not shipped in this build is skipped (see registry()).
BUILTIN_SOURCES: tuple[str, ...] = (
    "veille.sources.feeds:FeedsSource",
    "veille.sources.web:WebSource",
    "veille.sources.file:FileSource",
    "veille.sources.mastodon:MastodonSource",
    "veille.sources.bluesky:BlueskySource",
    "veille.sources.jetstream:JetstreamSource",
    "veille.sources.reddit:RedditSource",
    "veille.sources.hackernews:HackerNewsSource",
    "veille.sources.youtube:YouTubeSource",
    "veille.sources.wordpress:WordPressSource",
    "veille.sources.x:XSource",
    "veille.sources.facebook:FacebookSource",
    "veille.sources.linkedin:LinkedInSource",
)

ENTRY_POINT_GROUP = "veille.sources"


def _load(spec: str) -> type[Source[Any]] | None:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None  # not in this build
        raise
    cls = getattr(module, attr)
    return cls


def registry() -> dict[str, Source[Any]]:
    """Every available source by KIND: built-ins first, then plugins.

    A plugin may not replace a built-in of the same name. Read once per process
    (scanning the installed packages' entry points costs tens of milliseconds,
    and collection looks sources up for every batch); ``registry.cache_clear()``
    reads them again.
    """
    return dict(_registry())


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, Source[Any]]:
    found: dict[str, Source[Any]] = {}
    for spec in BUILTIN_SOURCES:
        cls = _load(spec)
        if cls is not None:
            found[cls.name] = cls()
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if cls.name not in found:
            found[cls.name] = cls()
    return found


registry.cache_clear = _registry.cache_clear  # type: ignore[attr-defined]


def get_source(kind: str) -> Source[Any]:
    """The source of KIND, or a :class:`SourceConfigError` listing the kinds."""
    sources = registry()
    try:
        return sources[kind]
    except KeyError:
        raise SourceConfigError(
            tr("unknown source kind %(kind)r", kind=kind),
            hint=tr("Available kinds: %(known)s.", known=", ".join(sorted(sources))),
        ) from None
