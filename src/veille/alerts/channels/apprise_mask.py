"""Channel URLs as people may see them (CLI, logs, error messages): no
password, token or key (issue 22: secrets are never echoed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from veille.urlmask import MASK, mask_url

__all__ = ["MASK", "mask_channel_url", "mask_url", "redact"]


def mask_channel_url(url: str) -> str:
    """A channel URL as people may see it (CLI, logs, errors): no password,
    token or key. apprise knows which parts of its URLs are secret, so its
    privacy form is used where it understands the URL (without the default
    options it appends)."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("atom", "") or (scheme == "mailto" and not url[7:].startswith("//")):
        return url
    if scheme.startswith("webhook+"):
        return "webhook+" + mask_url(url.split("+", 1)[1])
    if scheme in ("http", "https"):  # a webhook's own address: no apprise URL (it would log so)
        return mask_url(url)
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin:
            private = str(plugin.url(privacy=True)).split("?", 1)[0]
            # Belt and braces: apprise masks what it knows; we mask what looks secret.
            return mask_url(private)
    except Exception:  # masking must never fail a command; the generic mask follows
        pass
    return mask_url(url)


def redact(text: str, url: str) -> str:
    """``text`` (an error message) with ``url`` and its parts masked."""
    masked = mask_channel_url(url)
    out = text.replace(url, masked)
    try:
        parts = urlsplit(url)
        if parts.password:
            out = out.replace(parts.password, MASK)
    except ValueError:
        pass
    return out
