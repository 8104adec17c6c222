"""Bluesky's Jetstream: every new post as it happens, filtered by keywords.

Target: comma-separated keywords (``veille source add jetstream "lumio,vexa"``);
``*`` keeps every post. A run connects to
``wss://…/subscribe?wantedCollections=app.bsky.feed.post&cursor=TIME_US``,
reads commit events until ``duration`` seconds have passed or the stream has
been quiet for ``idle`` seconds, and keeps the posts whose text (or tags and
links) holds a keyword as whole words, accents and case folded.

Options: ``endpoint`` (default ``wss://jetstream2.us-east.bsky.network/subscribe``),
``duration`` (default 30), ``idle`` (default 10), ``batch_size`` (default 200).
Cursor: ``time_us``, the microsecond time of the last event read; Jetstream
replays from it on the next run (an event seen twice is stored once).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from veille.errors import tr
from veille.models import Post
from veille.sources._social import readable_errors
from veille.sources.base import Batch, Source, SourceConfigError, parse_options
from veille.sources.bluesky import POST_COLLECTION, to_post

if TYPE_CHECKING:
    from veille.http import HttpClient

PLATFORM = "bluesky"
ENDPOINT = "wss://jetstream2.us-east.bsky.network/subscribe"
OPTIONS: dict[str, type] = {"endpoint": str, "duration": float, "idle": float, "batch_size": int}


@dataclass(frozen=True)
class JetstreamConfig:
    keywords: str  # comma-separated; "*" for every post
    endpoint: str = ENDPOINT
    duration: float = 30.0
    idle: float = 10.0
    batch_size: int = 200

    @property
    def words(self) -> tuple[str, ...]:
        from veille.textnorm import index_text

        if self.keywords.strip() == "*":
            return ()
        found = (index_text(k) for k in self.keywords.split(","))
        return tuple(w for w in found if w)


def parse_target(target: str, options: Mapping[str, str] | None = None) -> JetstreamConfig:
    opts = parse_options(options or {}, OPTIONS, kind="jetstream")
    keywords = target.strip()
    config = JetstreamConfig(keywords, **opts)
    if not config.words and keywords != "*":
        raise SourceConfigError(
            tr("Jetstream target %(target)r has no keyword", target=target),
            hint=tr('give comma-separated keywords, e.g. "lumio,vexa", or * for every post'),
        )
    if urlsplit(config.endpoint).scheme not in ("ws", "wss"):
        raise SourceConfigError(
            tr("endpoint %(url)r is not a ws:// or wss:// URL", url=config.endpoint)
        )
    if config.duration <= 0 or config.idle <= 0 or config.batch_size <= 0:
        raise SourceConfigError(tr("duration, idle and batch_size must be positive"))
    return config


def matches_keywords(event: Mapping[str, Any], keywords: tuple[str, ...]) -> bool:
    """Whether a post event's text, tags or links hold a keyword (whole folded
    words; a cheap pre-filter, saved queries do the real matching)."""
    if not keywords:
        return True
    from veille.textnorm import index_text

    record = (event.get("commit") or {}).get("record") or {}
    extras = " ".join(
        str(f.get("tag") or f.get("uri") or "")
        for facet in record.get("facets") or []
        for f in facet.get("features") or []
    )
    haystack = f" {index_text(str(record.get('text') or '') + ' ' + extras)} "
    return any(f" {k} " in haystack for k in keywords)


def is_new_post(event: Mapping[str, Any]) -> bool:
    commit = event.get("commit") or {}
    return (
        event.get("kind") == "commit"
        and commit.get("collection") == POST_COLLECTION
        and commit.get("operation") == "create"
    )


def subscribe_url(config: JetstreamConfig, time_us: int | None) -> str:
    parts = urlsplit(config.endpoint)
    query = [("wantedCollections", POST_COLLECTION)]
    if time_us:
        query.append(("cursor", str(time_us)))
    extra = parts.query + "&" if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, extra + urlencode(query), ""))


def _connect(url: str, http: HttpClient, timeout: float) -> Any:
    """A websocket to ``url`` over a socket opened to the address the HTTP
    client's SSRF guard checked (no second lookup)."""
    from websockets.sync.client import connect

    parts = urlsplit(url)
    as_http = urlunsplit(("https" if parts.scheme == "wss" else "http", *parts[1:]))
    checked, address = http.check_url(as_http)
    port = checked.port or (443 if parts.scheme == "wss" else 80)
    sock = socket.create_connection((address, port), timeout=timeout)
    return connect(
        url,
        sock=sock,
        open_timeout=timeout,
        max_size=2**20,
        user_agent_header=http.settings.user_agent,
    )


def collect(
    config: JetstreamConfig,
    cursor: Mapping[str, Any] | None,
    http: HttpClient,
    *,
    clock: Any = time.monotonic,
) -> Iterator[Batch]:
    """Matching post events from the cursor on, in batches; every batch commits
    the ``time_us`` of the last event read (matching or not)."""
    from websockets.exceptions import ConnectionClosed

    last = (cursor or {}).get("time_us")
    resumed_at = int(last) if last else None
    words = config.words
    url = subscribe_url(config, int(last) if last else None)
    deadline = clock() + config.duration
    pending: list[Mapping[str, Any]] = []
    read = 0
    with _connect(url, http, timeout=min(config.idle, 30.0)) as ws:
        while True:
            left = deadline - clock()
            if left <= 0:
                break
            try:
                message = ws.recv(timeout=min(left, config.idle))
            except TimeoutError:
                break  # quiet stream: come back on the next run
            except ConnectionClosed:
                break
            try:
                event = json.loads(message)
            except ValueError:
                continue  # a broken frame is skipped, the stream goes on
            if not isinstance(event, dict) or not isinstance(event.get("time_us"), int):
                continue
            if resumed_at is not None and event["time_us"] <= resumed_at:
                continue  # replay starts at the cursor, inclusive: read already
            read += 1
            last = max(int(last or 0), event["time_us"])
            if is_new_post(event) and matches_keywords(event, words):
                pending.append(event)
            if len(pending) >= config.batch_size:
                yield Batch(pending, {"time_us": last})
                pending = []
    if pending or last:
        yield Batch(pending, {"time_us": last} if last else {}, notes=[f"{read} events read"])


class JetstreamSource(Source[JetstreamConfig]):
    name = "jetstream"
    terms_url = "https://bsky.social/about/support/tos"
    terms_note = tr("Bluesky's terms of service apply to the firehose; deletions must be honoured.")
    platform = PLATFORM
    Config = JetstreamConfig
    target_help: ClassVar[str] = "comma-separated keywords (or *), matched in new Bluesky posts"
    default_every = 300

    def config_from_target(self, target: str, options: Mapping[str, str]) -> JetstreamConfig:
        return parse_target(target, options)

    def collect(
        self, config: JetstreamConfig, cursor: Mapping[str, Any] | None, http: HttpClient
    ) -> Iterator[Batch]:
        return collect(config, cursor, http)

    def to_post(self, raw: Mapping[str, Any], config: JetstreamConfig) -> Post:
        with readable_errors(self.platform):
            return to_post(raw)
