"""The accounts veille publishes with (``/plan/accounts``, admins): list them
(the token never shown back), add one, remove one. The same service as
``veille publish account add|list|remove``: one path, one set of rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, Count, VeilleError, tr
from veille.publish import add_account, list_accounts, publisher_registry, remove_account
from veille.web.deps import Admin, error_text, redirect, render, state, translator, workspace
from veille.web.forms import store_errors_through

router = APIRouter()

PAGE = "/plan/accounts"


def _page(
    request: Request,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    tested: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page; ``form``: the new account's fields as typed, never its token."""
    # As `veille publish account list` shows them: the secret masked.
    accounts = [a.shown() for a in list_accounts(state(request))]
    return render(
        request,
        "calendar/accounts.html",
        {"accounts": accounts, "platforms": sorted(publisher_registry()),
         "form": form or {}, "error": error, "tested": tested},
        status_code=status_code,
    )  # fmt: skip


@router.get(PAGE, response_class=HTMLResponse)
def accounts_page(request: Request, user: Admin) -> Response:
    return _page(request)


@router.post(PAGE, response_class=HTMLResponse)
def add(
    request: Request,
    user: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    platform: Annotated[str, Form(max_length=40)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    handle: Annotated[str, Form(max_length=400)] = "",
    secret: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    from veille.publish.service import learn_limit

    _ = translator(request)
    typed = {"name": name, "platform": platform, "url": url, "handle": handle}
    ws = workspace(request)
    try:
        account = add_account(
            ws.state, name.strip(), platform.strip(), url.strip(),
            handle=handle.strip(), secret=secret.strip(), by=user.username,
        )  # fmt: skip
    except VeilleError as exc:
        store_errors_through(exc)
        return _page(request, form=typed, error=error_text(request, exc), status_code=400)
    # As the CLI does: a Mastodon server says how long a status may be, and
    # drafts for the account are checked against it (through the SSRF guard).
    mastodon = account.platform == "mastodon"
    limit = learn_limit(ws.state, ws.settings, account.name) if mastodon else None
    if limit:
        said = _(tr("Account %(name)s added; its server allows %(limit)s characters.",
                    name=account.name, limit=Count(limit)))  # fmt: skip
    else:
        said = _("Account %(name)s added.", name=account.name)
    return redirect(PAGE, message=said)


@router.post(PAGE + "/{name}/remove", response_class=HTMLResponse)
def remove(request: Request, name: str, user: Admin) -> Response:
    _ = translator(request)
    try:
        remove_account(state(request), name, by=user.username)
    except VeilleError as exc:
        # Calendar posts waiting to go out still name it, or it is gone.
        store_errors_through(exc)
        code = 409 if isinstance(exc, Conflict) else 404
        return _page(request, error=error_text(request, exc), status_code=code)
    return redirect(PAGE, message=_("Account %(name)s removed.", name=name))


@router.post(PAGE + "/{name}/test", response_class=HTMLResponse)
def test(request: Request, name: str, user: Admin) -> Response:
    """Whether the account works, posting nothing (its server says who the
    token is); said on the page, the token never."""
    from veille.publish.service import verify_account

    ws = workspace(request)
    try:
        who = verify_account(ws.state, ws.settings, name)
    except VeilleError as exc:
        store_errors_through(exc)
        return _page(request, tested={"name": name, "error": error_text(request, exc)})
    return _page(request, tested={"name": name, "who": who})
