"""The errors :class:`veille.http.HttpClient` raises: every one an
:class:`HttpError` (a :class:`~veille.errors.VeilleError`) naming the URL.
"""

from __future__ import annotations

from veille.errors import Figure, Text, VeilleError, tr
from veille.urlmask import mask_urls_in


class HttpError(VeilleError):
    """A request failed; ``url`` names it."""

    def __init__(self, message: str, *, url: str, hint: str | None = None) -> None:
        # The message is shown and stored (a source's health, logs): the URL
        # in it without its password or token. ``url`` itself stays whole.
        # A sentence made by tr() stays one (said in each reader's language
        # where it is shown), its values masked.
        if isinstance(message, Text):
            message = Text(message.template, {
                k: mask_urls_in(v, url) if isinstance(v, str) and not isinstance(v, Text) else v
                for k, v in message.values.items()
            })  # fmt: skip
        else:
            message = mask_urls_in(message, url)
        super().__init__(message, hint=hint)
        self.url = url


class BlockedAddress(HttpError):
    """The URL leads to an address the SSRF guard refuses."""


class ResponseTooLarge(HttpError):
    """The body is larger than ``[http] max_body_bytes``."""


class FetchTimeout(HttpError):
    """The request took longer than ``[http] timeout_seconds``."""


class ConnectFailed(HttpError):
    """The host could not be resolved or reached."""


class HttpStatusError(HttpError):
    """The server answered with an error status (after retries, where they apply)."""

    def __init__(self, message: str, *, url: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, url=url, hint=hint)
        self.status = status


class RateLimited(HttpStatusError):
    """The server asks us to wait longer than we are willing to block."""

    def __init__(self, message: str, *, url: str, retry_after: float, status: int = 429) -> None:
        super().__init__(
            message,
            url=url,
            status=status,
            hint=tr(
                "veille will try again later (the server asked for %(seconds)s s).",
                seconds=Figure(retry_after, 0),
            ),
        )
        self.retry_after = retry_after
