"""The publisher extension point: one :class:`Publisher` per platform.

A publisher sends one post (or a reply) to one platform for one of the
organization's :class:`Account` and returns what the platform made of it
(:class:`Published`); a failure is a :class:`PublishError` carrying the
platform's own message and the text that was not published. Publishers are
registered by platform like the alert channels are by URL scheme: the
built-ins in :data:`BUILTIN_PUBLISHERS`, third parties through the
``veille.publishers`` entry-point group (``name = "pkg.mod:Class"``, a class
taking the :class:`~veille.http.HttpClient`).

Every request goes through :mod:`veille.http` (its SSRF guard, time and size
caps); a publisher never retries a POST itself (``retries=0``): the caller
retries later with the same ``key``, which each publisher turns into the
platform's own guard against doubles (Mastodon's ``Idempotency-Key``, a record
key derived from it on Bluesky, a slug on WordPress).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from veille.analytics.findings import platform_name
from veille.errors import UsageError, VeilleError, tr
from veille.models import Post

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "veille.publishers"
BUILTIN_PUBLISHERS: dict[str, str] = {
    "mastodon": "veille.publish.mastodon:MastodonPublisher",
    "bluesky": "veille.publish.bluesky:BlueskyPublisher",
    "wordpress": "veille.publish.wordpress:WordPressPublisher",
}


@dataclass(frozen=True)
class Account:
    """One of the organization's accounts that veille may post as.

    ``url`` is the instance (Mastodon), the PDS (Bluesky, default
    ``https://bsky.social``) or the site (WordPress); ``handle`` the login
    (Bluesky identifier, WordPress user; unused on Mastodon); ``secret`` the
    access token or application password, or ``env:NAME`` to read it from the
    environment when publishing. Never print ``secret``: use :meth:`shown`.
    """

    name: str
    platform: str
    url: str
    handle: str = ""
    secret: str = field(default="", repr=False)
    # The length limit its server announces (Mastodon), when known.
    limit: int | None = None

    def shown(self) -> dict[str, Any]:
        """The account as people may see it: the secret masked (an ``env:``
        reference stays, it is not a secret)."""
        return {
            "name": self.name,
            "platform": self.platform,
            "url": self.url,
            "handle": self.handle,
            "secret": mask_secret(self.secret),
            "limit": self.limit,
        }

    def resolved_secret(self) -> str:
        """The secret itself, read from the environment for ``env:NAME``."""
        if not self.secret.startswith("env:"):
            return self.secret
        import os

        name = self.secret[4:]
        value = os.environ.get(name)
        if not value:
            raise PublishError(
                tr(
                    "account %(account)r: the environment variable %(variable)s is not set",
                    account=self.name,
                    variable=name,
                ),
                platform=self.platform,
                hint=tr(
                    "Set %(variable)s (the token or app password) in the environment of the "
                    "veille that sends: veille serve for the web app, veille run for the "
                    "calendar, the command itself otherwise; then start it again.",
                    variable=name,
                ),
                retryable=False,
            )
        return value


def mask_secret(secret: str) -> str:
    if not secret:
        return ""
    return secret if secret.startswith("env:") else "***"


@dataclass(frozen=True)
class Published:
    """What the platform made of a post: its ``id`` there (Mastodon status id,
    Bluesky ``at://`` URI, WordPress post id), its ``url``, and ``post_id``, the
    id veille gives the same post when a source collects it back."""

    id: str
    url: str
    platform: str
    post_id: str = ""
    dry_run: bool = False
    # Dry run: the request that would have been sent (secrets left out).
    request: Mapping[str, Any] | None = None


class PublishError(VeilleError):
    """A post was not published. ``platform_message`` is the platform's own
    words; ``text`` the post, kept; ``retryable`` whether trying again later
    may work (a server error or a rate limit), as opposed to a refusal."""

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        status: int | None = None,
        platform_message: str | None = None,
        text: str = "",
        retryable: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.platform = platform
        self.status = status
        self.platform_message = platform_message
        self.text = text
        self.retryable = retryable


class Publisher(Protocol):
    platform: str

    def publish(
        self,
        account: Account,
        text: str,
        *,
        reply_to: Post | str | None = None,
        title: str | None = None,
        language: str | None = None,
        dry_run: bool = False,
        key: str | None = None,
    ) -> Published: ...


PublisherFactory = Callable[[Any], Publisher]


def _load(spec: str) -> PublisherFactory:
    module, _, attr = spec.partition(":")
    factory: PublisherFactory = getattr(importlib.import_module(module), attr)
    return factory


def publisher_registry() -> dict[str, PublisherFactory]:
    """Every publisher by platform: the built-ins, then third parties'.
    A plugin may not replace a built-in; one that fails to load is logged and
    left out (a broken plugin never stops the others)."""
    found = {name: _load(spec) for name, spec in BUILTIN_PUBLISHERS.items()}
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        name = ep.name.lower()
        if name in found:
            log.warning("publisher plugin %s may not replace the built-in %s", ep.value, name)
            continue
        try:
            found[name] = ep.load()
        except Exception:
            log.exception("publisher plugin %s (%s) failed to load; left out", ep.value, name)
    return found


def publisher_for(
    platform: str, http: Any, registry: dict[str, PublisherFactory] | None = None
) -> Publisher:
    """The publisher of ``platform`` over ``http`` (a :class:`UsageError` naming
    the known platforms otherwise)."""
    factories = publisher_registry() if registry is None else registry
    factory = factories.get(platform.lower())
    if factory is None:
        from veille.suggest import did_you_mean

        raise UsageError(
            tr("veille cannot publish to %(platform)r", platform=platform),
            hint=did_you_mean(platform, factories),
        )
    return factory(http)


def error_from_response(resp: Any, *, platform: str, text: str, what: str) -> PublishError:
    """A :class:`PublishError` from an HTTP answer of 400 or more, with the
    platform's own message (Mastodon ``error``, AT Protocol ``message``,
    WordPress ``message``)."""
    said: str | None = None
    try:
        body = resp.json()
    except VeilleError:
        body = None
    if isinstance(body, dict):
        for key in ("error_description", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                said = value
                break
    if said is None:
        said = resp.text.strip()[:300] or f"HTTP {resp.status}"
    status = int(resp.status)
    retryable = status == 429 or status >= 500
    hint: str | None = None
    if status in (401, 403):
        from veille.publish.service import ACCOUNT_LIST

        hint = tr("Check the account's token or app password (%(where)s).", where=ACCOUNT_LIST)
    elif retryable:
        hint = tr("The platform is busy or failing; veille tries again later.")
    return PublishError(
        tr(
            "%(platform)s refused %(what)s (HTTP %(status)s): %(said)s",
            platform=platform_name(platform),
            what=what,
            status=status,
            said=said,
        ),
        platform=platform,
        status=status,
        platform_message=said,
        text=text,
        retryable=retryable,
        hint=hint,
    )


def transport_error(exc: VeilleError, *, platform: str, text: str) -> PublishError:
    """A network failure (timeout, refused address, reset) as a PublishError;
    retryable unless the address is refused by the SSRF guard."""
    from veille.httperrors import BlockedAddress

    return PublishError(
        tr("%(platform)s: %(message)s", platform=platform_name(platform), message=exc.message),
        platform=platform,
        text=text,
        retryable=not isinstance(exc, BlockedAddress),
        hint=exc.hint,
    )


def send(
    http: Any, method: str, url: str, *, platform: str, text: str, what: str, **kwargs: Any
) -> Any:
    """One request through :mod:`veille.http`, never retried here (the caller
    retries with the same key); an error answer or a network failure is a
    :class:`PublishError`."""
    from veille.httperrors import HttpError

    try:
        resp = http.request(method, url, raise_for_status=False, retries=0, **kwargs)
    except PublishError:
        raise
    except HttpError as exc:
        raise transport_error(exc, platform=platform, text=text) from exc
    if resp.status >= 400:
        raise error_from_response(resp, platform=platform, text=text, what=what)
    return resp


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or url).lower()
