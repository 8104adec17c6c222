"""Accounts (admins): list, add, change role, reset password, remove; and
the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, Count, NotFound, UsageError, tr
from veille.services import audit, users
from veille.web.deps import Admin, error_text, redirect, render, state, translator

router = APIRouter()

AUDIT_PAGE = 50


def account_error(_: Callable[..., str], exc: UsageError) -> str:
    """The user's language for an account rule the service enforced, said by
    the page's translator ``_``: the rule's numbers are :class:`Count` values,
    written the reader's way (« de 8 à 1 024 caractères »)."""
    if isinstance(exc, users.InvalidUsername):
        return _(
            "Invalid username: use 1 to 64 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit."
        )
    if isinstance(exc, users.BadPassword):
        return _(tr("The password must have %(min)s to %(max)s characters.",
                    min=Count(users.MIN_PASSWORD), max=Count(users.MAX_PASSWORD)))  # fmt: skip
    if isinstance(exc, users.UserExists):
        return _("This username is taken.")
    if isinstance(exc, users.LastAdmin):
        return _("This is the last admin: make another user admin first.")
    if isinstance(exc, NotFound):
        return _("There is no such user.")
    return _(exc.message)


def _page(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    resetting: str = "",
) -> HTMLResponse:
    """The users page; ``form``: the new user's fields as typed (never the
    password), shown again with the error that refused them; ``resetting``:
    the user whose new password was refused, their reset form left open."""
    return render(
        request,
        "users/list.html",
        {
            "users": users.list_users(state(request)),
            "roles": users.ROLES,
            "error": error,
            "form": form or {},
            "resetting": resetting,
        },
        status_code=status_code,
    )


@router.get("/users", response_class=HTMLResponse)
def list_page(request: Request, user: Admin) -> Response:
    return _page(request)


@router.post("/users", response_class=HTMLResponse)
def add(
    request: Request,
    user: Admin,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    role: Annotated[str, Form()] = "viewer",
) -> Response:
    _ = translator(request)
    try:
        added = users.add_user(state(request), username, password, role, actor=user.username)
    except UsageError as exc:
        # The name and the role as typed: a role quietly back to "viewer" was
        # how a retyped user got less than the admin asked for.
        typed = {"username": username, "role": role}
        return _page(request, error=account_error(_, exc), status_code=400, form=typed)
    return redirect("/users", message=_("User %(name)s added.", name=added.username))


@router.post("/users/{username}/role", response_class=HTMLResponse)
def change_role(
    request: Request, username: str, user: Admin, role: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request)
    try:
        changed = users.set_role(state(request), username, role, actor=user.username)
    except UsageError as exc:
        return _page(request, error=account_error(_, exc), status_code=400)
    if changed.narrowed:
        return redirect(
            "/users",
            message=_("Role of %(name)s changed; their tokens wider than it now have the "
                      "%(scope)s scope (see the audit log).",
                      name=changed.user.username, scope=_(users.SCOPE_NAMES[changed.scope])),
        )  # fmt: skip
    return redirect("/users", message=_("Role of %(name)s changed.", name=username))


@router.post("/users/{username}/password", response_class=HTMLResponse)
def reset_password(
    request: Request,
    username: str,
    user: Admin,
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _ = translator(request)
    try:
        keep = request.cookies.get("veille_session") if username == user.username else None
        users.set_password(
            state(request), username, password, actor=user.username, keep_session=keep
        )
    except UsageError as exc:
        return _page(request, error=account_error(_, exc), status_code=400, resetting=username)
    return redirect("/users", message=_("Password of %(name)s changed.", name=username))


@router.post("/users/{username}/remove", response_class=HTMLResponse)
def remove(request: Request, username: str, user: Admin) -> Response:
    _ = translator(request)
    try:
        released = users.remove_user(state(request), username, actor=user.username)
    except UsageError as exc:
        return _page(request, error=account_error(_, exc), status_code=400)
    except Conflict as exc:  # inbox rules or teams still hand items to them
        return _page(request, error=error_text(request, exc), status_code=409)
    said = _("User %(name)s removed.", name=username)
    if released:
        said += " " + _("%(n)s open inbox items assigned to them are back in the queue, "
                        "unassigned.", n=released)  # fmt: skip
    return redirect("/users", message=said)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, user: Admin, actor: str = "", action: str = "", page: int = 1
) -> Response:
    page = max(1, page)
    entries = audit.list_entries(
        state(request),
        limit=AUDIT_PAGE + 1,
        offset=(page - 1) * AUDIT_PAGE,
        actor=actor.strip() or None,
        action=action.strip() or None,
    )
    return render(
        request,
        "users/audit.html",
        {
            "entries": entries[:AUDIT_PAGE],
            "detail": audit.shown_detail,
            "actor": actor,
            "action": action,
            "page": page,
            "has_next": len(entries) > AUDIT_PAGE,
        },
    )
