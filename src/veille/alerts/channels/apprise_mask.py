"""Channel URLs as people may see them (CLI, logs, error messages): no
password, token or key (issue 22: secrets are never echoed)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_PARAM = re.compile(
    r"(pass|pwd|secret|token|key|auth|sig|signature|apikey|api_key|access|code)", re.I
)
_TOKENISH = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-:.]{12,}$")
MASK = "****"


def _short(token: str) -> str:
    return f"{token[0]}…{token[-1]}" if len(token) > 2 else MASK


def mask_url(url: str) -> str:
    """``url`` with its secrets masked: a userinfo password, query values whose
    name says secret, and path segments that look like tokens."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split(":", 1)[0] + ":" + MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _pw = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if colon else f"{userinfo}@{hostport}"
        if _TOKENISH.match(user):
            netloc = f"{_short(user)}{':' + MASK if colon else ''}@{hostport}"
    elif netloc and _TOKENISH.match(netloc) and ":" in netloc and not netloc.startswith("["):
        netloc = _short(netloc)  # tgram://123456789:AAH…/ : the host is the token
    path = "/".join(_short(seg) if _TOKENISH.match(seg) else seg for seg in parts.path.split("/"))
    query = urlencode(
        [(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


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
