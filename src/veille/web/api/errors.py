"""The API's errors as JSON: what went wrong and what to do, with the caret
under a query-language fault.

Every API route is an :class:`ApiRoute`, so an error raised anywhere in it (a
service's :class:`~veille.errors.VeilleError`, the 401/403 of the role check,
a malformed parameter) leaves as the same JSON shape, never as an HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from veille.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    StoreError,
    StoreLocked,
    StoreUnavailable,
    StoreUpgrading,
    Text,
    UsageError,
    VeilleError,
    log_failure,
    tr,
    translated,
)
from veille.query import QueryError
from veille.reasons import json_reason

# The web app's failures, pages and API alike, under one name.
log = logging.getLogger("veille.web")

#: What a client is told while the state store does not answer (the store's
#: own message names its server: that goes to the log, not to whoever asked).
UNREACHABLE = tr("the state store is unreachable")
UNREACHABLE_POSTS = tr("the posts store is unreachable")
UNREACHABLE_HINT = tr(
    "veille cannot reach its database right now; what failed was not saved. Try again in a "
    "moment; if it lasts, tell whoever runs veille (its log says which database)."
)
#: What a client is told while another process holds the database's write
#: lock past the busy timeout (``veille import --strict`` writes a whole file
#: in one transaction): the store's own message names the database's path
#: and a command to run again, which go to the log.
BUSY = tr("the database is busy with a long write by another veille process (an import)")
BUSY_HINT = tr(
    "What you sent was not saved. Try again in a moment; if it lasts, tell whoever runs veille."
)
#: Seconds a client is asked to wait before trying again (``Retry-After``).
RETRY_SECONDS = 30


def unreachable(exc: StoreUnavailable) -> Text:
    """What a visitor is told of the store that did not answer (its
    address stays in the log)."""
    return UNREACHABLE_POSTS if exc.part == "posts" else UNREACHABLE


# What each status means for a client, when the raiser gave no message.
_DEFAULT_MESSAGES = {
    401: (
        "unauthorized",
        tr("this API needs a token"),
        tr(
            "Send the header 'Authorization: Bearer TOKEN'; create a token with "
            "`veille token create USER`."
        ),
    ),
    403: (
        "forbidden",
        tr("your role may not do this"),
        tr("Ask an admin for a higher role (viewers read, analysts change topics and alerts)."),
    ),
    404: ("not_found", tr("no such API endpoint"), tr("See /api/docs for the endpoints.")),
    429: (
        "rate_limited",
        tr("this token made too many requests this minute"),
        tr("Wait the seconds Retry-After gives, then call again."),
    ),
    405: (
        "method_not_allowed",
        tr("this endpoint does not take that method"),
        tr("See /api/docs."),
    ),
}

# Turns a message or a hint made by veille.errors.tr into the client's language.
Say = Callable[[str], str]


def _as_is(text: str) -> str:
    return text


#: The most of one value the caller sent (a name, an Origin header) that a
#: refusal's message says back: a 3000-character topic name was echoed whole.
ECHOED = 200


def _bounded(said: str) -> str:
    """``said`` with each plain value longer than :data:`ECHOED` cut to its
    start and "…" (a value that is a message itself is bounded the same way)."""
    if not isinstance(said, Text) or not said.values:
        return said
    values: dict[str, Any] = {}
    for key, value in said.values.items():
        if isinstance(value, Text):
            value = _bounded(value)
        elif type(value) is str and len(value) > ECHOED:
            value = value[:ECHOED] + "…"
        values[key] = value
    return Text(said.template, values)


def error_response(
    status: int,
    code: str,
    message: str,
    hint: str | None = None,
    say: Say = _as_is,
    lang: str = "en",
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    message = _bounded(message)  # the hint is veille's (known names may run long)
    body = {"status": status, "code": code, "message": say(message),
            "hint": say(hint) if hint else hint, **extra}  # fmt: skip
    headers = {**(headers or {}), "Content-Language": lang}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(RETRY_SECONDS)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def query_error(exc: QueryError, say: Say = _as_is, lang: str = "en") -> JSONResponse:
    line = exc.query.replace("\n", " ").replace("\t", " ")
    return error_response(
        400,
        "invalid_query",
        tr(
            "invalid query: %(message)s (column %(column)s)", message=exc.message, column=exc.column
        ),
        exc.hint,
        say,
        lang,
        query=exc.query,
        column=exc.column,
        caret=f"{line}\n{' ' * (exc.column - 1)}^",
    )


# What each kind of pydantic error says, in veille's words (and so in the
# client's language): the field is named before it. The bounds are the
# error's own (its ``ctx``); a kind not listed keeps pydantic's English.
_PROBLEMS = {
    "missing": tr("required, give it"),
    "extra_forbidden": tr("is not a field of this endpoint (see /api/docs)"),
    "string_type": tr("should be a string"),
    "int_type": tr("should be a whole number"),
    "int_parsing": tr("should be a whole number"),
    "int_from_float": tr("should be a whole number"),
    "float_type": tr("should be a number"),
    "float_parsing": tr("should be a number"),
    "bool_type": tr("should be true or false"),
    "bool_parsing": tr("should be true or false"),
    "list_type": tr("should be a list"),
    "dict_type": tr("should be a JSON object"),
    "model_type": tr("should be a JSON object"),
    "model_attributes_type": tr("should be a JSON object"),
    "datetime_type": tr("should be a date and time, as 2026-03-01T12:00:00Z"),
    "datetime_parsing": tr("should be a date and time, as 2026-03-01T12:00:00Z"),
    "datetime_from_date_parsing": tr("should be a date and time, as 2026-03-01T12:00:00Z"),
    "date_parsing": tr("should be a date, as 2026-03-01"),
    "date_from_datetime_parsing": tr("should be a date, as 2026-03-01"),
}
_BOUNDS = {
    "greater_than_equal": ("ge", tr("should be %(limit)s or more")),
    "greater_than": ("gt", tr("should be more than %(limit)s")),
    "less_than_equal": ("le", tr("should be %(limit)s or less")),
    "less_than": ("lt", tr("should be less than %(limit)s")),
    "string_too_short": ("min_length", tr("should have at least %(limit)s characters")),
    "string_too_long": ("max_length", tr("should have at most %(limit)s characters")),
    "too_short": ("min_length", tr("should have at least %(limit)s items")),
    "too_long": ("max_length", tr("should have at most %(limit)s items")),
}


def _problem(err: Any) -> str:
    """What is wrong with one field's value, as veille says it."""
    kind, ctx = err.get("type"), err.get("ctx") or {}
    if kind == "union":
        return err["msg"]  # a Text: said in the client's words
    if kind in _PROBLEMS:
        return _PROBLEMS[kind]
    if kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        key, template = _BOUNDS[kind]
        return tr(template.template, limit=ctx[key])
    if kind in ("literal_error", "enum") and "expected" in ctx:
        # pydantic gives "'hour', 'day' or 'week'": the "or" is said in the client's words.
        first, _, last = str(ctx["expected"]).rpartition(" or ")
        if not first:
            return tr("should be %(value)s", value=last)
        return tr("should be %(first)s or %(last)s", first=first, last=last)
    said = ctx.get("error")
    if kind == "value_error" and isinstance(said, Exception) and said.args:
        reason = said.args[0]  # a validator's own words, made by tr where it can
        return reason if isinstance(reason, str) else str(reason)
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


# pydantic names each member a value of a union failed to be (a source's
# options: str | bool | int | float | list[str]) as a last part of the field's
# place: "options.max_pages.list[str]". Said once, for the field.
_SCALARS = frozenset({"str", "bool", "int", "float", "list[str]"})
_A_SCALAR = tr("should be a string, a number, true or false, or a list of strings")


def _one_per_union(errors: list[Any]) -> list[Any]:
    """``errors`` with those of one union's members made one, for the field."""
    members: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc and loc[-1] in _SCALARS:
            members.setdefault(loc[:-1], []).append(err)
    out, said = [], set()
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if loc and loc[-1] in _SCALARS and len(members.get(loc[:-1], ())) > 1:
            if loc[:-1] not in said:
                said.add(loc[:-1])
                out.append({"loc": loc[:-1], "type": "union", "msg": _A_SCALAR})
            continue
        out.append(err)
    return out


def _not_json(why: str, at: Any) -> Text:
    """A body Python's JSON reader refused, and why, in words the client's
    language has (the reader's own are English, and its "Unterminated string
    starting at" read "… starting at at character 9")."""
    if why == "Unterminated string starting at":
        return tr("body: not valid JSON (a string not closed, from character %(at)s)", at=at)
    return tr("body: not valid JSON (%(why)s at character %(at)s)", why=json_reason(why), at=at)


def _validation(exc: RequestValidationError, say: Say = _as_is, lang: str = "en") -> JSONResponse:
    problems: list[str] = []
    for err in _one_per_union(list(exc.errors())):
        loc = list(err.get("loc", ()))
        if err.get("type") == "json_invalid":  # its loc is a character offset, not a field
            problems.append(_not_json(str((err.get("ctx") or {}).get("error", "")), loc[-1]))
            continue
        whole = ("missing", "model_attributes_type", "dict_type", "model_type")
        if loc == ["body"] and err.get("type") in whole:  # absent, or not a JSON object
            problems.append(
                tr("body: is missing (send a JSON object with Content-Type: application/json)")
                if err.get("type") == "missing"
                else tr(
                    "body: is not a JSON object (send a JSON object with Content-Type: "
                    "application/json)"
                )
            )
            continue
        # The first element says where (the body, the query string, the path);
        # the rest names the field, which may itself be called "query".
        place = "request"
        if loc and loc[0] in ("body", "query", "path", "header"):
            place, loc = str(loc[0]), loc[1:]
        where = ".".join(str(x) for x in loc)
        problems.append(tr("%(field)s: %(problem)s", field=where or place, problem=_problem(err)))
    # Each problem said in the client's words, then joined as that language joins them.
    joined = ("\u202f; " if lang == "fr" else "; ").join(say(_bounded(p)) for p in problems)
    return error_response(
        422,
        "invalid_input",
        joined or tr("the request is malformed"),
        tr("See /api/docs for the parameters and body this endpoint takes."),
        say,
        lang,
    )


# FastAPI's detail when reading the body raised something else than a JSON
# error (a body nested deeper than the reader recurses: [[[[…).
_UNREADABLE_BODY = "There was an error parsing the body"


def http_error(exc: HTTPException, say: Say = _as_is, lang: str = "en") -> JSONResponse:
    if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
        # Said as any other body that is not JSON, in the client's language.
        return error_response(
            422,
            "invalid_input",
            tr("body: not valid JSON (nested deeper than this server reads)"),
            tr("See /api/docs for the parameters and body this endpoint takes."),
            say,
            lang,
        )
    code, message, hint = _DEFAULT_MESSAGES.get(
        exc.status_code, ("http_error", f"HTTP {exc.status_code}", None)
    )
    detail = exc.detail
    if isinstance(detail, dict):
        message = str(detail.get("message", message))
        hint = detail.get("hint", hint)
    elif isinstance(detail, str) and detail and detail != _phrase(exc.status_code):
        message = detail  # a message of the raiser's, not Starlette's "Not Found"
    # A refused CSRF token (web.deps.FormExpired) is no role problem: its own hint.
    hint = getattr(exc, "hint", None) or hint
    # Retry-After of a rate limit (token_refusals.RateLimited), WWW-Authenticate of a 401.
    return error_response(exc.status_code, code, message, hint, say, lang, headers=exc.headers)


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def api_error(request: Request, exc: Exception) -> JSONResponse:
    """The API's JSON for an error raised outside an API route's own
    handling: a path or method no route serves, as the app's handlers see it."""
    exc = _unrouted(request, exc)
    answer = to_response(exc, *client_language(request))
    if answer is None:
        raise exc
    server_failed(request, exc, answer.status_code)
    return answer


def _unrouted(request: Request, exc: Exception) -> Exception:
    """A path or a method no route serves, said with the path and method
    sent (Starlette raises them with its bare "Not Found", "Method Not
    Allowed")."""
    if not isinstance(exc, HTTPException) or exc.detail != _phrase(exc.status_code):
        return exc
    path = request.url.path if len(request.url.path) <= 200 else request.url.path[:200] + "…"
    if exc.status_code == 404:
        return _Said(404, tr("no API endpoint %(path)s", path=path), exc.headers)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        said = _Said(
            405,
            tr("%(path)s does not take %(method)s", path=path, method=request.method),
            exc.headers,
        )
        said.hint = tr("Call it with %(methods)s (the Allow header); see /api/docs.",
                       methods=allowed or "?")  # fmt: skip
        return said
    return exc


class _Said(HTTPException):
    """An HTTP refusal with veille's message (and hint, when set)."""

    def __init__(self, status: int, message: Text, headers: Mapping[str, str] | None) -> None:
        super().__init__(status, message, headers=dict(headers) if headers else None)
        self.hint: Text | None = None


def server_failed(request: Request, exc: Exception, status: int) -> None:
    """Log, as one line, an answer of ``status`` 500 or more that ``exc``
    made (a store that did not answer, a service veille relies on): what was
    asked, what failed and what to do (the store's message names its server);
    the traceback at DEBUG. The client's own mistakes are not logged."""
    if status >= 500:
        then = f"Answered {status}; the next request tries again."
        log_failure(log, f"{request.method} {request.url.path} failed", exc, then)


def client_language(request: Request) -> tuple[Say, str]:
    """The messages' language: the one ``Accept-Language`` asks for, else
    English (never the user's or the workspace's choice, which a script
    does not see), and what puts an error's message into it."""
    from veille.web.i18n import negotiate

    lang = negotiate(request.headers.get("accept-language", ""), "en")
    catalog = request.app.state.translations[lang]

    def say(text: str) -> str:
        return translated(text, catalog.gettext, lang, where="api", ngettext=catalog.ngettext)

    return say, lang


def to_response(exc: Exception, say: Say = _as_is, lang: str = "en") -> JSONResponse | None:
    """The JSON answer for ``exc``, or ``None`` for a bug (left to the server)."""
    if isinstance(exc, QueryError):
        return query_error(exc, say, lang)
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", exc.message, exc.hint, say, lang)
    if isinstance(exc, AlreadyExists):
        return error_response(409, "already_exists", exc.message, exc.hint, say, lang)
    if isinstance(exc, Conflict):
        return error_response(409, "conflict", exc.message, exc.hint, say, lang)
    if isinstance(exc, UsageError):
        return error_response(400, "invalid_input", exc.message, exc.hint, say, lang)
    if isinstance(exc, StoreUnavailable):
        return error_response(503, "unavailable", unreachable(exc), UNREACHABLE_HINT, say, lang)
    if isinstance(exc, StoreUpgrading):  # (its own words: an upgrade, not an import)
        return error_response(503, "busy", exc.message, exc.hint, say, lang)
    if isinstance(exc, StoreLocked):
        return error_response(503, "busy", BUSY, BUSY_HINT, say, lang)
    if isinstance(exc, StoreError):
        return error_response(500, "store_error", exc.message, exc.hint, say, lang)
    if isinstance(exc, VeilleError):
        # Something outside veille failed (a channel, a platform): the hint
        # says what to check when the error brought none.
        hint = exc.hint or tr("The service named in the message failed; check it and try again.")
        return error_response(502, "failed", exc.message, hint, say, lang)
    if isinstance(exc, RequestValidationError):
        return _validation(exc, say, lang)
    if isinstance(exc, HTTPException):
        return http_error(exc, say, lang)
    return None


def _as_caller_may(request: Request, exc: Exception) -> Exception:
    """``exc`` as the caller may act on it: a topic not found offers
    ``POST /api/v1/topics``, and a source not found in a workspace without
    sources ``POST /api/v1/sources``, only to a caller that call accepts (the
    writer's role and, with a token, the write scope); any other caller is
    told the known topics, or that there is no source yet, only."""
    from veille.query.topics import told_who_may_not_create
    from veille.services.sources import told_who_may_not_add
    from veille.services.users import User, scope_allows
    from veille.web.api.auth import WRITE_ROLE

    user = getattr(request.state, "user", None)
    token = getattr(request.state, "token", None)
    may = isinstance(user, User) and user.can(WRITE_ROLE)
    if may and token is not None:
        may = scope_allows(token.scope, "write")
    return exc if may else told_who_may_not_add(told_who_may_not_create(exc))


def _anonymous(request: Request) -> bool:
    from veille.web.deps import SESSION_COOKIE, bearer_token

    return bearer_token(request) is None and not request.cookies.get(SESSION_COOKIE)


class ApiRoute(APIRoute):
    """A route whose every failure a client can act on is answered in JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                if _anonymous(request) and isinstance(exc, HTTPException):
                    # The CSRF check runs first and refuses an unsafe call with
                    # no credentials at all; what such a caller lacks is a token.
                    from veille.web.token_refusals import token_refusal

                    exc = HTTPException(401, token_refusal(request))
                answer = to_response(_as_caller_may(request, exc), *client_language(request))
                if answer is None:
                    raise
                server_failed(request, exc, answer.status_code)
                return answer

        return guarded
