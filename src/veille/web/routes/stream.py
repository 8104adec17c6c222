"""The mention stream (``/stream``): the query language with its errors shown
inline, filters, highlights, story clusters, pages, bulk actions, exports and
live updates (server-sent events at ``/stream/events``); one post
(``/posts/{id}``, the link our e-mails give for a post without an address)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from veille.errors import StoreError, UsageError, VeilleError, tr
from veille.query import QueryError
from veille.services import enrich as enrich_service
from veille.services import export as export_service
from veille.services import stream as stream_service
from veille.services.paging import MAX_COUNT
from veille.services.stream import MAX_PAGES, SENTIMENTS, StreamRequest
from veille.web.deps import (
    Viewer,
    context_helpers,
    redirect,
    refuse_role,
    render,
    translator,
    workspace,
)
from veille.web.forms import store_errors_through
from veille.web.listening import (
    audited,
    day,
    many,
    plain_hit,
    post_view,
    recent,
    refusal_status,
    said_to,
)

router = APIRouter()

#: Seconds between two looks for new posts, and the most an event stream stays
#: open: the browser reconnects by itself (``retry``), and a server shutting
#: down never waits longer than this for a stream to end.
POLL_SECONDS = 3.0
STREAM_SECONDS = 25.0
NAP_SECONDS = 0.25
#: The platforms offered as filters. No post is ever "files": a file
#: source's posts carry the platform its rows or its ``-o platform=`` name;
#: the box offered for it matched nothing.
PLATFORMS = (
    "mastodon", "bluesky", "reddit", "hackernews", "youtube", "wordpress", "rss", "web",
    "x", "facebook", "linkedin",
)  # fmt: skip
LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")


def stream_request(request: Request) -> StreamRequest:
    """The stream the query string asks for."""
    q = request.query_params
    return StreamRequest(
        query=q.get("q", ""),
        # Stored in lower case: "Mastodon" in a link found nothing.
        platforms=tuple(p.lower() for p in many(request, "platform")),
        languages=tuple(v.lower() for v in many(request, "lang")),
        sentiments=many(request, "sentiment"),
        topic=q.get("topic", "").strip(),
        since=day(q.get("since"), tr("From")),
        until=day(q.get("until"), tr("To")),
        sort=q.get("sort", "newest") or "newest",
        cursor=q.get("page", ""),
        per_page=_per_page(q.get("per", "")),
    )


def _per_page(text: str) -> int:
    try:
        return max(1, min(int(text), 200)) if text else stream_service.PER_PAGE
    except ValueError:
        return stream_service.PER_PAGE


def _args(req: StreamRequest, **extra: str) -> str:
    pairs: list[tuple[str, str]] = []
    if req.query:
        pairs.append(("q", req.query))
    pairs += [("platform", p) for p in req.platforms]
    pairs += [("lang", v) for v in req.languages]
    pairs += [("sentiment", s) for s in req.sentiments]
    if req.topic:
        pairs.append(("topic", req.topic))
    if req.since:
        pairs.append(("since", req.since.isoformat()))
    if req.until:
        pairs.append(("until", req.until.isoformat()))
    if req.sort != "newest":
        pairs.append(("sort", req.sort))
    if req.per_page != stream_service.PER_PAGE:
        pairs.append(("per", str(req.per_page)))
    pairs += [(k, v) for k, v in extra.items() if v]
    return urlencode(pairs)


def _form_context(request: Request, req: StreamRequest) -> dict[str, Any]:
    from veille.query.topics import list_topics

    return {
        "req": req,
        # One asked that is not offered (an imported platform, in a link)
        # is shown too, ticked, rather than filtering out of sight.
        "platforms": PLATFORMS + tuple(p for p in req.platforms if p not in PLATFORMS),
        "languages": LANGUAGES + tuple(v for v in req.languages if v not in LANGUAGES),
        "sentiments": SENTIMENTS,
        "sorts": stream_service.SORTS,
        "topics": [t.name for t in list_topics(workspace(request).state)],
    }


@router.get("/stream", response_class=HTMLResponse)
def stream_page(request: Request, user: Viewer) -> HTMLResponse:
    ws = workspace(request)
    error: QueryError | None = None
    problem: VeilleError | None = None
    page = None
    try:
        req = stream_request(request)
    except VeilleError as exc:  # a date that is not one: the form again, with the message
        store_errors_through(exc)
        req, problem = StreamRequest(query=request.query_params.get("q", "")), exc
    context = _form_context(request, req)
    # A page past the relevance order's last (it stops at MAX_PAGES pages), or
    # not a page at all: said so, rather than page 40's posts shown again.
    past = "" if problem else _past_the_pages(req)
    try:
        if past:
            stream_service.stream_query(ws, req)  # a bad query is still said first
        elif not problem:
            page = stream_service.stream_page(ws, req)
    except QueryError as exc:
        error, past = exc, ""
    except VeilleError as exc:
        store_errors_through(exc)
        problem, past = exc, ""
    context |= {
        "page": page,
        "stories": [(post_view(s.lead), [post_view(c) for c in s.copies]) for s in page.stories]
        if page
        else [],
        "error": error,
        "problem": said_to(user, problem),
        "args": _args(req),
        "count_url": f"/stream/count?{_args(req)}" if page and page.total is None else "",
        "next_url": f"/stream?{_args(req, page=page.next)}" if page and page.next else "",
        "events_url": f"/stream/events?{_args(req, after=str(int(page.newest)))}"
        if page and page.newest is not None and req.sort == "newest"
        else "",
        "can_edit": user.can("analyst"),
        "past": past,
        "shown_at_most": MAX_PAGES * req.per_page,
        "max_pages": MAX_PAGES,
        "first_url": f"/stream?{_args(req)}",
        "last_url": f"/stream?{_args(req, page=str(MAX_PAGES - 1))}",
        "newest_url": f"/stream?{_args(replace(req, sort='newest'))}",
        "counted": None,
        "count_page_url": f"/stream?{_args(req, count='1')}",
    }
    # "Count the matches" followed without JavaScript: the page with its count.
    if page and page.total is None and request.query_params.get("count") == "1":
        context["counted"] = _count(request, req)
        context["count_url"] = ""
    # A query it cannot read, a date or a topic that is none: the form again
    # with the error, answered 400 (404: the topic) as the reports page answers.
    return render(request, "stream/index.html", context, status_code=refusal_status(error, problem))


def _past_the_pages(req: StreamRequest) -> str:
    """``"capped"`` for a page of an order other than newest-first past its
    :data:`MAX_PAGES` pages, ``"none"`` for a page number that is none (the
    service would show the first or the last page instead), else ``""``."""
    if req.sort == "newest" or not req.cursor:
        return ""
    try:
        number = int(req.cursor)
    except ValueError:
        return "none"
    return "capped" if number >= MAX_PAGES else "none" if number < 0 else ""


def _count(request: Request, req: StreamRequest) -> tuple[int, bool]:
    """``(matches, more)``: the stream's count, kept a minute (the same stream
    asked again is not counted again); past
    :data:`~veille.services.paging.MAX_COUNT` posts read one by one (a filter
    on metadata), ``more`` and MAX_COUNT."""
    ws = workspace(request)
    total: int = recent(request, "stream-count").get(
        _args(req), lambda: stream_service.count_matches(ws, req, at_most=MAX_COUNT)
    )
    more = total == MAX_COUNT + 1
    return (MAX_COUNT if more else total), more


def _fragment(request: Request, hits: list[Any]) -> str:
    """New posts as the stream's list items (for the live updates)."""
    values = context_helpers(request)
    values["stories"] = [(post_view(h), []) for h in hits]
    values["can_edit"] = False
    template = request.app.state.templates.get_template("stream/_items.html")
    return str(template.render(values))


def stop_event(app: Any) -> threading.Event:
    """``app.state.stopping``: set it (a server shutting down does) and every
    open event stream ends at once instead of at the end of its lifetime."""
    found = getattr(app.state, "stopping", None)
    if found is None:
        found = app.state.stopping = threading.Event()
    return found


@router.get("/stream/events")
async def stream_events(request: Request, user: Viewer) -> StreamingResponse:
    """Server-sent events: ``posts`` events carrying the new posts' list items,
    newest first, as they arrive. The stream ends by itself after
    :data:`STREAM_SECONDS` (the browser reconnects from the newest post it
    has), when the client leaves, or when the app stops."""
    ws = workspace(request)
    req = stream_request(request)
    try:
        after = float(request.query_params["after"])
    except (KeyError, ValueError):
        # The page gives the newest post it shows; without it, nothing to follow from.
        raise UsageError(
            tr("live updates need after=SECONDS (the newest post shown)"),
            hint=tr("Open the stream page: it connects by itself."),
        ) from None
    stopping = stop_event(request.app)
    lifetime = float(getattr(request.app.state, "stream_seconds", STREAM_SECONDS))

    async def events() -> AsyncIterator[str]:
        nonlocal after
        yield f"retry: {int(POLL_SECONDS * 1000)}\n\n"
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            # A client that leaves cancels this generator (Starlette listens for it).
            if stopping.is_set():
                return
            try:
                hits = await run_in_threadpool(stream_service.newer_hits, ws, req, after)
            except QueryError:
                return
            except StoreError as exc:
                # Headers are sent: a store away (a topic's query is read from
                # the state) ends the stream like its lifetime does, and the
                # browser connects again; one line in the log.
                from veille.web.api.errors import server_failed

                server_failed(request, exc, 503)
                return
            if hits:
                after = max(h.post.published_at.timestamp() for h in hits)
                html = await run_in_threadpool(_fragment, request, hits)
                data = json.dumps({"after": int(after), "count": len(hits), "html": html})
                yield f"event: posts\ndata: {data}\n\n"
            else:
                yield ": still here\n\n"
            # Short naps (no thread held): a stopping app ends the stream at once.
            for _ in range(int(POLL_SECONDS / NAP_SECONDS)):
                if stopping.is_set():
                    return
                await asyncio.sleep(NAP_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.get("/stream/count", response_class=HTMLResponse)
def stream_count(request: Request, user: Viewer) -> HTMLResponse:
    """How many posts the stream holds (the page's script asks after showing
    its posts): the count alone for htmx (``HX-Request``), else a page."""
    req = stream_request(request)
    total, more = _count(request, req)
    values = {"total": total, "more": more, "back_url": f"/stream?{_args(req)}"}
    if request.headers.get("hx-request") == "true":
        return render(request, "stream/_count.html", values)
    # A browser that followed the link (no JavaScript): a whole page, whose
    # .count the page's script also reads when it fetches this address.
    return render(request, "stream/count.html", values)


@router.get("/stream/export")
def stream_export(request: Request, user: Viewer) -> StreamingResponse:
    """Every post of the stream (up to the export limit) as CSV or JSON lines."""
    ws = workspace(request)
    req = stream_request(request)
    fmt = request.query_params.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise UsageError(
            tr("export format %(fmt)r is not offered here", fmt=fmt), hint=tr("Use csv or jsonl.")
        )
    stream_service.stream_query(ws, req)  # a bad query fails before the download starts
    # Posts name people: who took a copy of which, in the audit log.
    asked = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "format")
    audited(request, user.username, "posts.export", f"/stream?{asked}"[:500], fmt)
    return _download(stream_service.iter_matches(ws, req), fmt)


def _download(posts: Iterator[Any], fmt: str) -> StreamingResponse:
    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return StreamingResponse(
        export_service.export_chunks(posts, fmt),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="veille-stream.{fmt}"'},
    )


@router.post("/stream/selection")
def stream_selection(
    request: Request,
    user: Viewer,
    action: Annotated[str, Form()],
    post: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = "/stream",
) -> Response:
    """Bulk actions on the posts ticked in the stream: correct their
    sentiment (analysts), or export them."""
    ws = workspace(request)
    _ = translator(request)
    ids = [p for p in (post or []) if p]
    target = back if back.startswith("/stream") else "/stream"
    if not ids:
        return redirect(target, message=_("Tick at least one post first."))
    if action in ("export-csv", "export-jsonl"):
        fmt = action.removeprefix("export-")
        audited(request, user.username, "posts.export", "selection", f"{len(ids)} posts, {fmt}")
        return _download(iter(ws.posts.get_posts(ids)), fmt)
    label = action.removeprefix("sentiment-")
    if action.startswith("sentiment-") and label in SENTIMENTS:
        if not user.can("analyst"):
            refuse_role(request, user, "analyst")
        done = enrich_service.correct_sentiments(ws.store, ids, label, who=user.username)
        audited(request, user.username, "sentiment.correct", label, f"{done} posts")
        names = {"positive": _("positive"), "negative": _("negative"), "neutral": _("neutral")}
        message = _("Sentiment set to %(label)s on %(n)s posts.", label=names[label], n=done)
        return redirect(target, message=message)
    raise UsageError(
        tr("unknown action %(action)r", action=action), hint=tr("Choose an action from the list.")
    )


@router.get("/posts/{post_id:path}", response_class=HTMLResponse)
def post_page(request: Request, post_id: str, user: Viewer) -> HTMLResponse:
    """One post and the other posts telling the same story."""
    from veille.errors import NotFound

    ws = workspace(request)
    found = ws.posts.get_post(post_id)
    if found is None:
        raise NotFound(
            tr("no post with id %(id)r", id=post_id), hint=tr("It may have been deleted.")
        )
    cluster, copies = enrich_service.copies(ws.posts, post_id)
    others = [c for c in copies if c.post_id != post_id]
    shown = {p.id: p for p in ws.posts.get_posts([c.post_id for c in others[:50]])}
    return render(
        request,
        "stream/post.html",
        {
            "post": post_view(plain_hit(found), limit=None),
            "copies": [
                post_view(plain_hit(shown[c.post_id])) for c in others if c.post_id in shown
            ],
            "copy_count": len(others),
            "cluster": cluster,
        },
    )
