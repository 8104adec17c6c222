"""Why a delivery was skipped or failed, in words for people.

The outbox (:mod:`veille.alerts.outbox`) stores a skipped row's reason and a
failed send's error in English, as the channels and the HTTP client said
them; the CLI and the API show them as stored. A page reads them back here
as :func:`veille.errors.tr` texts, which it says in its reader's language.
"""

from __future__ import annotations

import re

from veille.errors import tr

# Why a match was skipped, as stored (English) and read back for translation
# by skip_reason; the longer of two templates that share a start comes first.
_SKIPPED = (
    tr("daily cap of %(cap)s reached", cap="").template,
    tr("same story as %(post)s, which reaches more people", post="").template,
    tr("same story as %(post)s", post="").template,
    tr("below the reach floors (%(followers)s followers, %(interactions)s interactions)",
       followers="", interactions="").template,
    tr("alert or posts removed").template,
)  # fmt: skip
_SKIPPED_READ = [
    (t, re.compile(re.sub(r"%\\\(([a-z]+)\\\)s", r"(?P<\1>.+?)", re.escape(t)) + r"\Z"))
    for t in _SKIPPED
]


def skip_reason(reason: str | None) -> str | None:
    """A skipped row's stored reason as a :func:`veille.errors.tr` text, which a
    page translates for its reader (the CLI and the API show it as stored)."""
    if not reason:
        return reason
    for template, pattern in _SKIPPED_READ:
        found = pattern.match(reason)
        if found:
            return tr(template, **found.groupdict())
    return reason


#: The sentences a send fails with (the channels' own, then the HTTP
#: client's), kept as a delivery's error in English and read back by
#: :func:`failure_reason`; the narrower before the wider.
_CHANNEL_ERRORS = (
    "%(url)s: refused, %(reason)s; not delivered",
    "%(url)s: the service refused the notification (error %(code)s)",
    "%(url)s: not delivered (apprise gave no reason)",
    "%(url)s: could not reach the service, cannot resolve %(host)s",
    "%(url)s: could not reach the service at %(host)s (no connection or no answer)",
    "%(url)s: could not reach the service (no connection or no answer)",
    "SMTP %(host)s:%(port)s: %(kind)s: %(error)s",
    "cannot read the feed %(path)s: %(error)s",
    "cannot write the feed %(path)s: %(error)s",
)
#: What those errors say to do (their hint, stored on the line after).
_CHANNEL_HINTS = (
    "Check the [smtp] settings in veille.toml.",
    "Check the webhook's address, and that the service behind it is up.",
    "Check the channel URL (its token, topic or room) and the service's limits.",
    "Check this machine's network, and that the service is up.",
    "Check the host name, and this machine's network and DNS.",
)


def failure_reason(error: str | None) -> str | None:
    """A failed row's stored error (its message, and its hint on the next
    line) as :func:`veille.errors.tr` texts a page says in its reader's
    language; a sentence veille does not know is shown as stored."""
    from veille.errors import read_back
    from veille.sources.base import SOURCE_ERRORS

    if not error:
        return error
    message, _sep, hint = error.partition("\n")
    said: str = read_back(message, _CHANNEL_ERRORS + SOURCE_ERRORS) or message
    if not hint:
        return said
    told: str = read_back(hint, _CHANNEL_HINTS) or hint
    return tr("%(first)s %(then)s", first=said, then=told)
