"""Outgoing HTTP for channels, through the one client (:mod:`veille.http`).

Its address guard is checked after DNS resolution and the connection goes to
the checked address; the signed body goes out byte for byte; the outbox, not
the client, owns retries (``retries=0``), and redirects are not followed.
"""

from __future__ import annotations

from typing import Any

from veille.alerts.channels.base import ChannelError
from veille.errors import Text, tr


def post(url: str, body: bytes, headers: dict[str, str], client: Any) -> int:
    """POST ``body`` through ``client`` (a :class:`veille.http.HttpClient`); the
    status code, or a :class:`ChannelError` saying why it failed."""
    from veille.alerts.channels.apprise_mask import mask_channel_url, redact
    from veille.httperrors import BlockedAddress, HttpError

    try:
        resp = client.request(
            "POST",
            url,
            content=body,
            headers=headers,
            raise_for_status=False,
            retries=0,
            follow_redirects=False,
        )
    except BlockedAddress as exc:
        raise ChannelError(
            redact(exc.message, url),
            hint=tr("Set [http] allow_private_networks = true to allow it."),
        ) from exc
    except HttpError as exc:
        # Webhook URLs often carry a token: messages end up in logs and `alert deliveries`.
        raise ChannelError(_masked(exc.message, url)) from exc
    if resp.status >= 300:
        # Made with tr(): a test sent from the alert's page says it in the reader's language.
        raise ChannelError(
            tr("%(url)s answered HTTP %(status)s", url=mask_channel_url(url), status=resp.status),
            hint=tr("Check the webhook's address, and that the service behind it is up."),
        )
    return int(resp.status)


def _masked(text: str, url: str) -> str:
    """``text`` with ``url``'s secrets masked; a sentence made by ``tr()``
    stays one (its values masked), so that a page can still translate it."""
    from veille.alerts.channels.apprise_mask import redact

    if isinstance(text, Text):
        values = {k: redact(v, url) if type(v) is str else v for k, v in text.values.items()}
        return Text(text.template, values, text.plural, text.n)
    return redact(text, url)
