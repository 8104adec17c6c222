"""Topics (``/topics``): list, create, edit with a live test against the
stored posts, version history, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, VeilleError
from veille.query import QueryError
from veille.query import topics as topic_service
from veille.services.paging import MAX_COUNT
from veille.services.search import Hit
from veille.web.deps import Analyst, Viewer, redirect, render, translator, workspace
from veille.web.forms import store_errors_through
from veille.web.listening import post_view

router = APIRouter()

SAMPLE = 5


def _preview(request: Request, query: str) -> dict[str, Any]:
    """The preview's context: matches and a sample, or the query's error."""
    if not query.strip():
        return {"preview": None, "preview_error": None}
    try:
        found = topic_service.preview_query(
            workspace(request).posts, query, sample=SAMPLE, at_most=MAX_COUNT
        )
    except QueryError as exc:
        return {"preview": None, "preview_error": exc}
    sample = [post_view(Hit(p, tuple(found.query.spans(p)))) for p in found.sample]
    preview = {"count": found.count, "more": found.more, "sample": sample}
    return {"preview": preview, "preview_error": None}


@router.get("/topics", response_class=HTMLResponse)
def topic_list(
    request: Request,
    user: Viewer,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    from veille.services.unreadable import of_topic

    listing = topic_service.topic_page(workspace(request).state, q=q, page=page)
    unreadable = {t.name: u for t in listing.rows if (u := of_topic(t))}
    return render(
        request,
        "topics/list.html",
        {"topics": listing.rows, "listing": listing, "can_edit": user.can("analyst"),
         "unreadable": unreadable},
    )  # fmt: skip


@router.get("/topics/preview", response_class=HTMLResponse)
def topic_preview(request: Request, user: Viewer) -> HTMLResponse:
    """The live test (an HTML fragment the editor's script shows as one types)."""
    return render(
        request, "topics/_preview.html", _preview(request, request.query_params.get("query", ""))
    )


@router.get("/topics/new", response_class=HTMLResponse)
def topic_new(request: Request, user: Analyst, name: str = "") -> HTMLResponse:
    # ``name``: the form filled in, from a page naming a topic that no longer
    # exists ("Add it again" on an alert watching it).
    return render(
        request,
        "topics/edit.html",
        {
            "topic": None,
            "name": name[:200],
            "query": "",
            "error": None,
            "history": [],
            "inbox": False,
        }
        | _preview(request, ""),
    )


@router.post("/topics/new", response_model=None)
def topic_create(
    request: Request,
    user: Analyst,
    name: Annotated[str, Form()] = "",
    query: Annotated[str, Form()] = "",
    test: Annotated[str, Form()] = "",
    inbox: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    _ = translator(request)
    values: dict[str, Any] = {"topic": None, "name": name, "query": query, "history": [],
                              "inbox": bool(inbox)}  # fmt: skip
    if not test:
        try:
            topic = topic_service.add_topic(
                workspace(request).state, name.strip(), query, inbox=bool(inbox),
                actor=user.username,
            )  # fmt: skip
        except VeilleError as exc:
            store_errors_through(exc)
            return render(
                request, "topics/edit.html", values | {"error": exc} | _preview(request, query),
                status_code=400,
            )  # fmt: skip
        said = (
            _("Topic %(name)s created; the posts it matches enter the inbox.", name=topic.name)
            if inbox
            else _("Topic %(name)s created.", name=topic.name)
        )
        return redirect(f"/topics/{topic.name}", message=said)
    return render(request, "topics/edit.html", values | {"error": None} | _preview(request, query))


def _edit_page(request: Request, name: str, **values: Any) -> dict[str, Any]:
    st = workspace(request).state
    topic = topic_service.get_topic(st, name)
    history = list(reversed(topic_service.versions(st, name)))
    query = values.pop("query", None) or topic.query
    from veille.services.unreadable import of_topic

    based_on = values.pop("based_on", None) or topic.version
    inbox = topic.id in st.inbox_topic_ids()
    return {"topic": topic, "name": topic.name, "query": query, "history": history,
            "error": None, "unreadable": of_topic(topic), "based_on": based_on,
            "inbox": inbox} | values | _preview(request, query)  # fmt: skip


@router.get("/topics/{name}", response_class=HTMLResponse)
def topic_show(request: Request, name: str, user: Viewer) -> HTMLResponse:
    context = _edit_page(request, name)
    context["can_edit"] = user.can("analyst")
    return render(request, "topics/edit.html", context)


@router.post("/topics/{name}", response_model=None)
def topic_edit(
    request: Request,
    name: str,
    user: Analyst,
    query: Annotated[str, Form()] = "",
    test: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
    inbox: Annotated[str, Form(max_length=10)] = "",
    inbox_shown: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    _ = translator(request)
    # The version the form was opened at (kept through "Test"): a save over
    # one someone else made since is refused, not a silent overwrite.
    based_on = int(version) if version.isdigit() and len(version) <= 18 else None
    # A box left unticked sends nothing: ``inbox_shown`` says the form had
    # the box (a form without it, or an API-like post, leaves the flag alone).
    flag = bool(inbox) if inbox_shown else None
    if test:
        return render(
            request, "topics/edit.html",
            _edit_page(request, name, query=query, based_on=based_on)
            | ({} if flag is None else {"inbox": flag}),
        )  # fmt: skip
    try:
        change = topic_service.change_topic(
            workspace(request).state, name, query, inbox=flag, actor=user.username,
            based_on=based_on,
        )  # fmt: skip
    except VeilleError as exc:
        store_errors_through(exc)
        # After a clash the form carries the version now saved: saving
        # again (having compared) replaces it knowingly.
        return render(
            request, "topics/edit.html",
            _edit_page(request, name, query=query, error=exc,
                       based_on=None if isinstance(exc, Conflict) else based_on)
            | ({} if flag is None else {"inbox": flag}),
            status_code=409 if isinstance(exc, Conflict) else 400,
        )  # fmt: skip
    topic = change.topic
    said = [_("Topic %(name)s is now version %(v)s.", name=topic.name, v=topic.version)]
    if change.inbox_changed:
        said.append(
            _("The posts topic %(name)s matches now enter the inbox.", name=topic.name)
            if change.inbox
            else _("The posts topic %(name)s matches no longer enter the inbox.", name=topic.name)
        )
        if not change.new_version:
            said.pop(0)  # only the flag changed: the version is as it was
    return redirect(f"/topics/{topic.name}", message=" ".join(said))


@router.post("/topics/{name}/delete", response_model=None)
def topic_delete(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    try:
        ws = workspace(request)
        topic_service.remove_topic(ws.state, name, actor=user.username, posts=ws.posts)
    except Conflict as exc:  # alerts or the plan still use it: said on its page
        return render(
            request, "topics/edit.html", _edit_page(request, name, error=exc), status_code=409
        )
    return redirect("/topics", message=_("Topic %(name)s deleted.", name=name))
