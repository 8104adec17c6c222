"""The inbox list's bulk actions (``/inbox/bulk``): those of
:data:`veille.inbox.items.BULK_ACTIONS` on the items ticked, each at the
version the list showed.

Analysts act; every change goes through :func:`veille.inbox.items.bulk` (the
CLI's service), and the reader is sent back to the list as it was read.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import VeilleError
from veille.inbox import items as svc
from veille.web.deps import (
    Analyst,
    error_text,
    plural_translator,
    redirect,
    translator,
    workspace,
)
from veille.web.forms import store_errors_through
from veille.web.routes.inbox import snooze_until

router = APIRouter()

# Digits of a number that always fits a row's 64-bit integer.
_DIGITS = 18


@router.post("/inbox/bulk", response_class=HTMLResponse)
def bulk(
    request: Request,
    user: Analyst,
    ids: Annotated[list[int], Form()] = [],  # noqa: B006
    action: Annotated[str, Form()] = "",
    value: Annotated[str, Form(max_length=200)] = "",
    # "ID:VERSION" of each item as the list showed it: one changed since is not overwritten.
    read: Annotated[list[str], Form()] = [],  # noqa: B006
    # The list's filters and page, as its address said them (a query string).
    back: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    _ = translator(request)
    # Back to the list as it was read: a team working through "unassigned",
    # page 3, was sent to the first page of every open item after each action.
    # Re-encoded from its pairs, so the form can only name the inbox's own list.
    pairs = parse_qsl(back)
    listed = f"/inbox?{urlencode(pairs)}" if pairs else "/inbox"
    if not ids:  # "0 items changed." told nothing about what to do
        return redirect(
            listed, message=_("No item selected: tick the items to change, then apply.")
        )
    # A status or a priority is chosen from the list, in the reader's words
    # ("status:closed"): typed, a French reader's « haute » was refused.
    kind, sep, chosen = action.partition(":")
    if sep and kind in ("status", "priority", "snooze"):
        action, value = kind, chosen or value
    versions = {}
    for pair in read:
        item_id, _sep, version = pair.partition(":")
        # At most 18 digits fit a row's 64 bits: a longer version (a forged
        # form) is none an item has, so the item reads as changed since.
        if item_id.isdigit() and len(item_id) <= _DIGITS and version.isdigit():
            versions[int(item_id)] = int(version) if len(version) <= _DIGITS else -1
    try:
        if action == "snooze":  # a preset, or the date and time typed (the reader's zone)
            value = snooze_until(request, value, value).isoformat()
        result = svc.bulk(
            workspace(request).state, ids, action, value, actor=user.username, versions=versions
        )
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect(listed, message=error_text(request, exc))
    message = plural_translator(request)(
        "%(num)s item changed.", "%(num)s items changed.", len(result.done)
    )
    if result.failed:
        message += " " + "; ".join(
            _("#%(id)s: %(error)s", id=i, error=_(e)) for i, e in result.failed.items()
        )
    return redirect(listed, message=message)
