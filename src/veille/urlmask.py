"""URLs as people may see them (pages, the CLI, logs, error messages): no
password, token or key. Alert channels (:mod:`veille.alerts.channels.apprise_mask`),
sources' settings and the HTTP client's errors all mask with this.
"""

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
    if not netloc and url.startswith(f"{parts.scheme}://"):
        # chdb:///posts, sqlite:////abs/file.db: urlunsplit drops the empty
        # host's "//" for schemes it does not know (chdb:/posts).
        rest = (
            path + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        )
        return f"{parts.scheme}://{rest}"
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def mask_urls_in(text: str, url: str) -> str:
    """``text`` with every occurrence of ``url`` masked (an error message
    naming the address it failed on)."""
    return text.replace(url, mask_url(url)) if url and url in text else text
