"""Why a request or a body failed, in words a catalog translates.

Python, httpx and the ssl module say why in English (``Expecting value:
line 1 column 1 (char 0)``, ``[Errno 111] Connection refused``,
``[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: …``). Inside
a source's last error, which a French reader reads in French, those words
stayed English. These helpers turn the common ones into sentences made with
:func:`veille.errors.tr` (said in each reader's language), keeping the
details a person may search for (the certificate's complaint, the line and
column) as values; what they do not know is kept as it was said.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl

from veille.errors import tr


def json_reason(why: str) -> str:
    """What Python's JSON reader found wrong (``Expecting value``, the
    message of a :class:`json.JSONDecodeError`) in a few translatable
    words; a message it does not know, as it is."""
    reasons = {
        "Expecting value": tr("a value expected"),
        "Expecting property name enclosed in double quotes": tr("a name in double quotes expected"),
        "Expecting ':' delimiter": tr("':' expected"),
        "Expecting ',' delimiter": tr("',' expected"),
        "Invalid control character at": tr("a control character"),
        "Invalid \\escape": tr("an invalid escape"),
        "Invalid \\uXXXX escape": tr("an invalid escape"),
        "Extra data": tr("more after the JSON value"),
        "Unterminated string starting at": tr("a string not closed"),
    }
    return reasons.get(why, why)


def not_json(exc: ValueError) -> str:
    """Why a body is not JSON (``exc`` as :func:`json.loads` raised it): its
    reason, line and column where the reader says them; any other error
    (bytes that are not UTF-8) as it is said."""
    if not isinstance(exc, json.JSONDecodeError):
        return str(exc)
    return tr(
        "%(why)s at line %(line)s, column %(column)s",
        why=json_reason(exc.msg),
        line=exc.lineno,
        column=exc.colno,
    )


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in seen:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    return seen


def connection_reason(exc: BaseException) -> str:
    """Why a connection failed (``exc``: httpx's error, whose causes hold
    the socket's or the TLS layer's) in translatable words: a certificate
    that could not be verified (the TLS layer's complaint kept as it is
    said), a TLS handshake that failed, a connection refused or reset, a
    network or host unreachable, a server that closed the connection
    without answering; anything else as httpx says it."""
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or str(cause)
            return tr("its TLS certificate could not be verified (%(detail)s)", detail=detail)
        if isinstance(cause, ssl.SSLError):
            detail = cause.reason or str(cause)
            return tr("the TLS handshake failed (%(detail)s)", detail=detail)
        if isinstance(cause, ConnectionRefusedError):
            return tr("the connection was refused")
        if isinstance(cause, ConnectionResetError):
            return tr("the connection was reset")
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return tr("the network or the host is unreachable")
    said = str(exc)
    if said.startswith("Server disconnected without sending a response"):
        return tr("the server closed the connection without answering")
    return said


def resolution_reason(exc: BaseException) -> str:
    """Why a host name could not be resolved (``exc``: the resolver's
    :class:`socket.gaierror`), in translatable words where it says the
    name is unknown or the resolver did not answer; else as it is said."""
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            return tr("no such host name is known")
        if exc.errno == socket.EAI_AGAIN:
            return tr("the name server did not answer; it may be a passing failure")
    return str(exc)
