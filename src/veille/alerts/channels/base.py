"""The channel extension point: one URL configures a channel; ``send(delivery)``."""

from __future__ import annotations

import functools
import importlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from veille.alerts.matching import Span
from veille.alerts.model import SEND_TO, Alert
from veille.config import Settings
from veille.errors import Text, UsageError, VeilleError, tr
from veille.models import Post

log = logging.getLogger(__name__)


class ChannelError(VeilleError):
    """A send failed; the outbox retries it, then moves it to dead letters."""


@dataclass(frozen=True)
class DeliveryItem:
    post: Post
    spans: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class ReportDocument:
    """A rendered report carried by a report delivery (e-mail body and attachment)."""

    html: str
    pdf: bytes | None
    filename: str
    pdf_error: str | None = None


@dataclass(frozen=True)
class Delivery:
    """What one ``send`` carries: an alert's posts (or a monitor's event).

    ``id`` is stable across retries of the same batch: receivers drop repeats by it.
    """

    id: str
    alert: Alert
    items: list[DeliveryItem]
    created_at: datetime
    kind: str = "posts"  # posts | spike | sentiment | silence | report | test
    event: dict[str, Any] | None = None
    # Report deliveries to e-mail: the report itself (rendered before sending).
    document: ReportDocument | None = None
    # Matches of a capped alert held back by its daily cap since its last
    # message (``skipped`` rows, listed on the alert's page): said, not lost unseen.
    over_cap: int = 0
    # An as-it-happens or hourly alert whose daily cap is reached today: what
    # it finds until midnight is held back (the next message says how many).
    cap_reached: bool = False


def sample_id(alert_id: int | None, at: datetime) -> str:
    """The delivery id of a sample that ``veille alert test`` sends at ``at``:
    ``test.``, the alert's id, the second and 16 random hexadecimal digits.
    Each test is a message of its own: two sent in the same second came under
    one id (``test.12.1765015200``), and a receiver dropped the second as a
    repeat."""
    return f"test.{alert_id}.{int(at.timestamp())}.{secrets.token_hex(8)}"


class HttpPool:
    """One keep-alive :class:`veille.http.HttpClient` per engine, opened on first
    use with the send timeout; the outbox owns retries, so the client makes none."""

    def __init__(self) -> None:
        self._client: Any = None

    def client(self, settings: Settings) -> Any:
        if self._client is None:
            from dataclasses import replace

            from veille.http import HttpClient

            http = replace(settings.http, timeout_seconds=settings.alerts.send_timeout_seconds)
            self._client = HttpClient(http)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@dataclass(frozen=True)
class ChannelContext:
    settings: Settings
    root: Path
    environ: dict[str, str] | None = None
    http: HttpPool = field(default_factory=HttpPool, compare=False)
    #: The workspace's state store, where the web app records where it is
    #: served (None: links lead to ``[web]`` base_url, else host and port).
    state: Any = field(default=None, compare=False)

    @functools.cached_property
    def base_url(self) -> str:
        """``[web] base_url``, else where the web app serves the workspace
        now, asked once per context (:meth:`fresh`: once per send, so a
        ``veille run`` started first follows a ``veille serve`` started
        after, or restarted on another port, never a read per link)."""
        from veille.served_at import links_base

        return links_base(self.settings, self.state)[0]

    def fresh(self) -> ChannelContext:
        """This context, whose links are asked again (its HTTP pool shared)."""
        from dataclasses import replace

        return replace(self)

    def alert_url(self, alert: Alert) -> str:
        from urllib.parse import quote

        return f"{self.base_url}/alerts/{quote(alert.name)}"

    def stream_url(self, alert: Alert) -> str:
        """The mention stream of what the alert watches (its topic, or its query)."""
        from urllib.parse import urlencode

        if alert.topic:
            return f"{self.base_url}/stream?{urlencode({'topic': alert.topic})}"
        return f"{self.base_url}/stream?{urlencode({'q': alert.query or ''})}"

    def post_url(self, post: Post) -> str:
        from urllib.parse import quote

        # Post URLs are untrusted: only web links leave veille, never javascript: & co.
        if post.url and post.url.lower().startswith(("https://", "http://")):
            return post.url
        return f"{self.base_url}/posts/{quote(post.id, safe='')}"


class Channel(Protocol):
    def send(self, delivery: Delivery) -> None: ...


ChannelFactory = Callable[[str, ChannelContext], Channel]


# Built-in channels by URL scheme, "module:Class"; "*" takes every scheme no
# other channel takes (apprise: slack://, ntfy://, json:// …).
BUILTIN_CHANNELS: dict[str, str] = {
    "mailto": "veille.alerts.channels.email:EmailChannel",
    "webhook+https": "veille.alerts.channels.webhook:WebhookChannel",
    "webhook+http": "veille.alerts.channels.webhook:WebhookChannel",
    "atom": "veille.alerts.channels.atom:AtomChannel",
    "*": "veille.alerts.channels.chat:AppriseChannel",
}
ENTRY_POINT_GROUP = "veille.channels"
FALLBACK = "*"


def _load(spec: str) -> ChannelFactory:
    module, _, attr = spec.partition(":")
    factory: ChannelFactory = getattr(importlib.import_module(module), attr)
    return factory


def builtin_channels() -> dict[str, ChannelFactory]:
    """URL scheme -> factory of the channels veille ships ("*": the fallback)."""
    return {scheme: _load(spec) for scheme, spec in BUILTIN_CHANNELS.items()}


def channel_registry() -> dict[str, ChannelFactory]:
    """Every channel by URL scheme: the built-ins, then third parties'.

    A package adds a channel through the ``veille.channels`` entry-point
    group, named by its URL scheme (``sms = "mypkg.sms:SmsChannel"``): a class
    (or function) taking ``(url, ctx)`` whose result has ``send(delivery)``.
    A plugin may not replace a built-in scheme, and one that fails to load is
    logged and left out: a broken plugin never stops the other channels.
    Read on each call; an :class:`~veille.alerts.outbox.AlertEngine` reads it once.
    """
    found = builtin_channels()
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        scheme = ep.name.lower()
        if scheme in found:
            log.warning("channel plugin %s may not replace the built-in %s:", ep.value, scheme)
            continue
        try:
            found[scheme] = ep.load()
        except Exception:
            log.exception("channel plugin %s (%s:) failed to load; left out", ep.value, scheme)
    return found


def channel_hint() -> Text:
    """What a channel URL may be, as the help of --to, the web form's hint
    and every refusal write it: one style, a placeholder in capitals after
    each scheme (``ntfy://TOPIC``), so a reader sees one way to write them."""
    return tr(
        "Use mailto:ADDRESS, webhook+https://HOST/PATH, atom:PATH or an apprise URL "
        "(slack://TOKEN_A/TOKEN_B/TOKEN_C, ntfy://TOPIC; every apprise URL: "
        "https://github.com/caronc/apprise/wiki)."
    )


def channel_for(
    url: str, ctx: ChannelContext, registry: dict[str, ChannelFactory] | None = None
) -> Channel:
    """The channel configured by ``url`` (a :class:`UsageError` if none can take it)."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    factories = channel_registry() if registry is None else registry
    if scheme and scheme != FALLBACK and scheme in factories:
        return factories[scheme](url, ctx)
    if not scheme:
        raise UsageError(
            tr("%(field)s %(url)r is not a URL", field=SEND_TO, url=url),
            hint=channel_hint(),
        )
    fallback = factories.get(FALLBACK) or _load(BUILTIN_CHANNELS[FALLBACK])
    return fallback(url, ctx)
