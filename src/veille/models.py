"""The records that cross every boundary: Post and its parts.

A :class:`Post` is one thing somebody published on one platform: a status, a
skeet, a blog article, a comment, a video. Connectors build it with
:meth:`Post.create`, which derives the stable id, the canonical URL and the
content hash; enrichment returns a copy with language, sentiment and entities
filled (:func:`dataclasses.replace`). The platform's payload is kept whole in
``raw`` so that no field is ever lost.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from veille.textnorm import hash_text

SentimentLabel = Literal["positive", "negative", "neutral", "unscored"]
SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral", "unscored")

# Query parameters that only say where a click came from.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "_hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "ref_src", "ref_url", "s_cid", "cmpid", "ncid",
        "_ga", "_gl", "oly_anon_id", "oly_enc_id", "vero_id", "wt_mc", "spm",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PLAIN_URL = re.compile(r"^https?://[a-z0-9.-]+[a-z0-9](/[^?#\s]*)?$")


def canonical_url(url: str | None) -> str | None:
    """The URL with a lower-cased scheme and host, no default port, no fragment
    and no tracking parameters (``utm_*``, ``fbclid`` …); ``None`` stays ``None``.

    >>> canonical_url("HTTPS://Example.COM:443/a?utm_source=x&id=3#top")
    'https://example.com/a?id=3'
    """
    if not url:
        return None
    url = url.strip()
    fast = _PLAIN_URL.match(url)
    if fast:  # already canonical: lower-case host, no port, query or fragment
        return url if fast.group(1) else url + "/"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_NAMES and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


_SPACE = re.compile(r"\s")  # what str.split() splits on


def spaces_encoded(urls: tuple[str, ...]) -> tuple[str, ...]:
    """``urls`` (a post's links or media) with the white space inside each
    percent-encoded (``%20``; ``%C2%A0`` for a no-break space) and the white
    space around it dropped. A store keeps a post's links joined by spaces
    (SQLite), so a link holding one came back as two, and ``links:`` and
    ``site:`` read it in two pieces where the evaluator and ClickHouse read
    it whole; encoded, it is one link everywhere, the address a browser
    sends."""
    if not any(_SPACE.search(u) for u in urls):
        return urls
    kept = (u.strip() for u in urls)
    return tuple(_SPACE.sub(lambda m: quote(m.group(), safe=""), u) for u in kept if u)


def http_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else ``None``: a post's links are
    clicked in the web app and e-mails, so ``javascript:``, ``data:`` or
    ``file:`` addresses are never kept as one (the raw payload keeps them)."""
    if type(url) is str and url.lstrip()[:8].lower().startswith(("http://", "https://")):
        return url
    return None


def content_hash(title: str | None, text: str) -> str:
    """A short hash of the folded words: equal for copies that differ only in
    case, accents, punctuation or spacing. Its words are those of
    :func:`~veille.textnorm.hash_text`, folded as they always were, so the
    hash of a post already stored never moves."""
    data = f"{hash_text(title) if title else ''}\n{hash_text(text)}".encode()
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def post_id(platform: str, native_id: str) -> str:
    """The stable id ``platform:native_id``."""
    return f"{platform}:{native_id}"


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


_T = TypeVar("_T")


def _fast_init(cls: type[_T]) -> type[_T]:
    """Replace a frozen slots dataclass's ``__init__`` by a faster one with the
    same signature and defaults.

    A frozen dataclass stores each field through ``object.__setattr__``, a
    call per field. This ``__init__`` lends the new instance, while it fills
    it, to a twin class with the same slots and no ``__setattr__`` (plain
    attribute stores, which CPython specializes), then gives it back its class:
    ``__class__`` may change between classes of the same slots. A post is
    built 1.6 times faster (posts are built by the million on import, and one
    per post matched from text); assignment on an instance still raises
    :class:`dataclasses.FrozenInstanceError`. An instance of a subclass (whose
    layout may differ) is filled through the slots' descriptors instead."""
    twin = type(f"_{cls.__name__}Filling", (), {"__slots__": cls.__slots__})  # type: ignore[attr-defined]
    ns: dict[str, Any] = {
        "_MISSING": MISSING,
        "_cls": cls,
        "_twin": twin,
        "_setattr": object.__setattr__,
    }
    params: list[str] = []
    fast: list[str] = []
    slow: list[str] = []
    for f in fields(cls):  # type: ignore[arg-type]
        name = f.name
        ns[f"_set_{name}"] = cls.__dict__[name].__set__
        value = name
        if f.default is not MISSING:
            ns[f"_dflt_{name}"] = f.default
            params.append(f"{name}=_dflt_{name}")
        elif f.default_factory is not MISSING:
            ns[f"_fac_{name}"] = f.default_factory
            params.append(f"{name}=_MISSING")
            value = f"_fac_{name}() if {name} is _MISSING else {name}"
        else:
            params.append(name)
        fast.append(f"        self.{name} = {value}\n")
        slow.append(f"        _set_{name}(self, {value})\n")
    exec(
        f"def __init__(self, {', '.join(params)}) -> None:\n"
        "    if type(self) is _cls:\n"
        "        _setattr(self, '__class__', _twin)\n"
        f"{''.join(fast)}"
        "        _setattr(self, '__class__', _cls)\n"
        "    else:\n"
        f"{''.join(slow)}",
        ns,
    )
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


@_fast_init
@dataclass(frozen=True, slots=True)
class Author:
    """Who published a post, as the platform names them.

    An empty ``handle`` means the post has no known author (a feed entry with
    no author, a deleted account): never a placeholder such as ``unknown``,
    which could be a real account's name. Such a post counts in every figure
    but the per-author ones (authors, top authors, influencers)."""

    handle: str
    name: str | None = None
    url: str | None = None
    followers: int | None = None
    id: str | None = None


@_fast_init
@dataclass(frozen=True, slots=True)
class Engagement:
    """Counts as last seen; a later sighting of the same post updates them.

    ``given`` says whether the platform gave the like, share and reply counts
    at all: a feed entry, a web page or an imported row without them gives
    none, and its zeros are unknown, not zero (shown "–", ``null``). A post
    built without an ``engagement`` has none given; ``Engagement(likes=0)``
    is a count of 0 the platform gave."""

    likes: int = 0
    shares: int = 0
    replies: int = 0
    views: int | None = None
    given: bool = True

    @property
    def total(self) -> int:
        """Interactions earned: likes + shares + replies (views excluded)."""
        return self.likes + self.shares + self.replies

    @property
    def known(self) -> int | None:
        """:attr:`total` as veille can state it: ``None`` (unknown, shown
        "–") where the platform gave no counts, a 0 where it gave 0."""
        return self.likes + self.shares + self.replies if self.given else None


# No count given (stored 0, read unknown).
_NO_ENGAGEMENT = Engagement(given=False)


@_fast_init
@dataclass(frozen=True, slots=True)
class Sentiment:
    """How a post feels: a label, a score in [-1, 1] and a confidence in [0, 1].

    ``source`` is ``model`` for computed values and ``user`` for a correction.
    """

    label: SentimentLabel
    score: float = 0.0
    confidence: float = 0.0
    source: str = "model"


@dataclass(frozen=True, slots=True)
class PostTerms:
    """A post's trending terms made before it reaches a store: the keys and
    written forms of :func:`veille.analytics.trends.post_terms`, the
    extractor's version that made them and a digest of the title, text and
    language they were made from (:func:`veille.analytics.trends.terms_source`).
    A store keeps them only where both are still those of the post it
    writes, else it makes the terms itself: a post changed on its way, or
    terms made by another veille (a collector not upgraded yet), are never
    kept as they came."""

    version: str
    made_from: str
    keys: tuple[str, ...]
    forms: tuple[str, ...]


@_fast_init
@dataclass(frozen=True, slots=True)
class Post:
    """One publication on one platform. Build with :meth:`Post.create`."""

    id: str
    platform: str
    native_id: str
    text: str
    published_at: datetime
    author: Author
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    lang: str | None = None
    source: str | None = None
    collected_at: datetime | None = None
    # One shared instance (it is frozen): a post built without counts costs
    # no Engagement of its own.
    engagement: Engagement = _NO_ENGAGEMENT
    parent_id: str | None = None
    thread_id: str | None = None
    repost_of: str | None = None
    country: str | None = None
    # Entities: connectors fill what the platform gives, enrichment the rest.
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sentiment: Sentiment | None = None
    cluster_id: str | None = None
    content_hash: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Its trending terms, made by the ingest pipeline before the post reaches
    # a store (``None``: not made; the store makes them).
    terms: PostTerms | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def create(
        cls,
        *,
        platform: str,
        native_id: str,
        text: str,
        published_at: datetime,
        author: Author,
        url: str | None = None,
        title: str | None = None,
        **fields: Any,
    ) -> Post:
        """Build a post, deriving its id, canonical URL and content hash.

        Text is normalized to NFC so that a decomposed ``é`` and a composed one
        are the same letter everywhere downstream.
        """
        if not platform:
            raise ValueError("a post needs a platform")
        if not native_id:
            raise ValueError("a post needs its platform's id")
        if type(native_id) is not str and (
            isinstance(native_id, bool) or not isinstance(native_id, int)
        ):
            # str() of an object would make the id rss:{'x': 1}.
            raise ValueError(f"a post's id is text or a whole number, not {native_id!r}")
        url = http_url(url)
        _check_parts(author, fields)
        for name in ("links", "media"):
            if fields.get(name):
                fields[name] = spaces_encoded(fields[name])
        try:
            published_at = to_utc(published_at)
            in_range = EARLIEST <= published_at <= LATEST
        except OverflowError:  # 9999-12-31T23:00-05:00 is no date in UTC
            in_range = False
        if not in_range:
            # A platform's "9999-12-31T23:59:59Z" was stored, and every view
            # that puts it in the workspace's time zone failed on it.
            raise ValueError(
                f"published_at {published_at.isoformat()} is out of range: "
                f"a post is dated between {EARLIEST.date()} and {LATEST.date()}"
            )
        text = unicodedata.normalize("NFC", text or "")
        if title:
            title = unicodedata.normalize("NFC", title)
        return cls(
            id=post_id(platform, str(native_id)),
            platform=platform,
            native_id=str(native_id),
            text=text,
            title=title or None,
            published_at=published_at,
            author=author,
            url=url,
            canonical_url=canonical_url(url),
            content_hash=content_hash(title, text),
            **fields,
        )

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None

    @property
    def has_link(self) -> bool:
        return bool(self.links)

    @property
    def has_media(self) -> bool:
        return bool(self.media)


# Counts are stored as signed 64-bit integers.
MAX_COUNT = 2**63 - 1
# Dates a post can have: Python's range (years 1 to 9999) less a day at each
# end, so that a date stays one in every time zone.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
_TEXT_FIELDS = ("lang", "source", "parent_id", "thread_id", "repost_of", "country", "cluster_id")
_LIST_FIELDS = ("hashtags", "mentions", "links", "media", "keywords")


def _count(value: Any, name: str, *, optional: bool = False) -> None:
    if type(value) is int and 0 <= value <= MAX_COUNT:
        return
    if optional and value is None:
        return
    raise ValueError(f"{name} must be a whole number from 0 to {MAX_COUNT}, not {value!r:.60}")


def _check_parts(author: Author, fields: Mapping[str, Any]) -> None:
    """Refuse a post whose parts have the wrong type or range (a list as a
    URL, a number as a language, 2**64 likes): the connector that built it
    gets a ValueError, so collection quarantines that item instead of the
    whole batch failing where it is stored or matched. Plain type tests: a
    post is built for every item collected or imported."""
    if type(author) is not Author:
        raise ValueError(f"a post's author must be an Author, not {author!r:.60}")
    if type(author.handle) is not str:
        raise ValueError(f"author handle must be text, not {author.handle!r:.60}")
    for name in ("name", "url", "id"):
        value = getattr(author, name)
        if value is not None and type(value) is not str:
            raise ValueError(f"author {name} must be text, not {value!r:.60}")
    _count(author.followers, "followers", optional=True)
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and type(value) is not str:
            raise ValueError(f"{name} must be text, not {value!r:.60}")
    for name in _LIST_FIELDS:
        value = fields.get(name)
        if value is not None and (
            type(value) is not tuple or not all(type(v) is str for v in value)
        ):
            raise ValueError(f"{name} must be a tuple of texts, not {value!r:.60}")
    eng = fields.get("engagement")
    if eng is not None and eng is not _NO_ENGAGEMENT:
        if type(eng) is not Engagement:
            raise ValueError(f"engagement must be an Engagement, not {eng!r:.60}")
        _count(eng.likes, "likes")
        _count(eng.shares, "shares")
        _count(eng.replies, "replies")
        _count(eng.views, "views", optional=True)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a source stopped, committed with the posts it covers.

    ``value`` is whatever the source needs to resume (a ``since_id``, a
    ``time_us``, an ETag and a ``Last-Modified``…), as a JSON-able mapping.
    """

    source: str
    value: Mapping[str, Any]
    updated_at: datetime | None = None


def now_utc() -> datetime:
    return datetime.now(UTC)
