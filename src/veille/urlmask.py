"""URLs as people may see them (pages, the CLI, logs, error messages): no
password, token or key. Alert channels (:mod:`veille.alerts.channels.apprise_mask`),
sources' settings and the HTTP client's errors all mask with this.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

#: A parameter or keyword whose name says its value is a secret.
SECRET_PARAM = re.compile(
    r"(pass|pwd|secret|token|key|auth|sig|signature|apikey|api_key|access|code)", re.I
)
_TOKENISH = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-:.]{12,}$")
MASK = "****"


# The userinfo as libpq reads it: what comes before the first "@" that comes
# before the first "/" after "scheme://".
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/@]*)@")


def _split(url: str) -> SplitResult:
    """``urlsplit(url)``, a password's ``#`` and ``?`` read as libpq reads
    them: ``postgresql://u:p#ss@host/db`` connects with the password
    ``p#ss``, where urlsplit reads a fragment or a query from the ``#`` on
    (and would show the password). They are percent-encoded first, where
    the part before them holds a ``:`` (a password follows)."""
    found = _USERINFO.match(url)
    if found:
        userinfo = found.group(2)
        cut = min((i for i in (userinfo.find("#"), userinfo.find("?")) if i >= 0), default=-1)
        if cut >= 0 and ":" in userinfo[:cut]:
            userinfo = userinfo.replace("#", "%23").replace("?", "%3F")
            url = found.group(1) + userinfo + url[found.end(2) :]
    return urlsplit(url)


# libpq's keyword/value form (``host=db password=secret``, a value quoted
# '…' where it holds a space): ``name = value`` pairs.
_KEYWORD_VALUE = re.compile(r"([A-Za-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']\S*)")


def _keyword_secrets(text: str) -> list[str]:
    """The values of ``text``'s secret keywords, where it is written in
    libpq's keyword/value form rather than as a URL (none otherwise)."""
    if "://" in text:
        return []
    found = []
    for name, _eq, value in _KEYWORD_VALUE.findall(text):
        if SECRET_PARAM.search(name):
            found.append(value)
            if value.startswith("'"):
                found.append(value[1:-1])
    return found


def _short(token: str) -> str:
    return f"{token[0]}…{token[-1]}" if len(token) > 2 else MASK


def mask_url(url: str) -> str:
    """``url`` with its secrets masked: a userinfo password, query values whose
    name says secret, and path segments that look like tokens; written in
    libpq's keyword/value form (``host=db password=…``, not a URL), the
    values of the keywords that say secret."""
    if "://" not in url and _keyword_secrets(url):
        return _KEYWORD_VALUE.sub(
            lambda m: (
                m.group(0)
                if not SECRET_PARAM.search(m.group(1))
                else f"{m.group(1)}{m.group(2)}{MASK}"
            ),
            url,
        )
    try:
        parts = _split(url)
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
        [(k, MASK if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query)],
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


def _secrets_of(url: str) -> list[str]:
    """The secrets :func:`mask_url` hides in ``url``, as written and decoded:
    its password, the values of query parameters whose name says secret,
    path segments that look like tokens."""
    try:
        parts = _split(url)
    except ValueError:
        return []
    found: list[str] = _keyword_secrets(url)
    userinfo = parts.netloc.rpartition("@")[0]
    user, colon, password = userinfo.partition(":")
    if colon:
        found.append(password)
    if _TOKENISH.match(user):
        found.append(user)
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if SECRET_PARAM.search(unquote(name)):
            found.append(value)
    found += [seg for seg in parts.path.split("/") if _TOKENISH.match(seg)]
    return found + [unquote(s) for s in found]


def hide_secrets(text: str, secrets: list[str]) -> str:
    """``text`` with each of ``secrets`` masked wherever it appears. A
    secret of one or two characters is left: masking it would garble every
    word of the message that holds those letters."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_urls_in(text: str, url: str) -> str:
    """``text`` with every occurrence of ``url`` masked (an error message
    naming the address it failed on), and its secrets wherever the text
    quotes them alone: libpq's "invalid percent-encoded token" and other
    libraries' messages echo a password without the URL around it."""
    if not url or not text:
        return text
    if url in text:
        text = text.replace(url, mask_url(url))
    return hide_secrets(text, _secrets_of(url))
