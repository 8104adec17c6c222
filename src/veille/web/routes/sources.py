"""Sources (``/sources``): add with validation, test now (a fetch that stores
nothing), collect now, health and errors, enable and disable, remove, and
the quarantine with its retry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Count, Text, VeilleError, tr, trn
from veille.services import sources as source_service
from veille.web.deps import (
    Analyst,
    Viewer,
    plural_translator,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import store_errors_through
from veille.web.listening import plain_hit, post_view

router = APIRouter()

QUARANTINE_SHOWN = 100
TEST_SHOWN = 10


def _page(request: Request, user: Any, q: str = "", page: int = 1, **extra: Any) -> dict[str, Any]:
    from veille.sources.base import registry
    from veille.textnorm import fold

    st = workspace(request).state
    records = {r.name: r for r in source_service.list_sources(st)}
    said = translator(request)
    listing = source_service.health_page(st, q=q, page=page, said=said)
    return {
        "health": listing.rows,
        "listing": listing,
        "records": records,
        # As `veille source list` and veille.toml write them (``adaptive = true``,
        # ``url = "https://…"``), not as Python does (``adaptive=True``, ``platform=``).
        "configs": {n: source_service.config_lines(r) for n, r in records.items()},
        # The add form's kinds by the words it shows, in its reader's language,
        # case and accents aside (as a dictionary orders them): « fichier »,
        # « flux » … « pages web », « Reddit » (by code: « flux », « fichier »
        # … « Reddit », « pages web »).
        "kinds": sorted(registry(), key=lambda k: (fold(_shown(said, k)), k)),
        # A kind and an interval in words ("Hacker News", "every 30 minutes"),
        # said in the reader's language by the template's ``said``.
        "kind_words": source_service.kind_words,
        "every_said": source_service.every_said,
        "quarantine": source_service.quarantined(st, limit=QUARANTINE_SHOWN),
        "can_edit": user.can("analyst"),
        "error": None,
        "form": {},
        "tested": None,
    } | extra


def _shown(said: Any, kind: str) -> str:
    """A kind as the page shows it (the template's ``said(kind_words(k))``)."""
    words = source_service.kind_words(kind)
    return str(said(words)) if isinstance(words, Text) else words


@router.get("/sources", response_class=HTMLResponse)
def source_list(
    request: Request,
    user: Viewer,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    return render(request, "sources/index.html", _page(request, user, q, page))


@router.post("/sources", response_model=None)
def source_add(
    request: Request,
    user: Analyst,
    kind: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    every: Annotated[str, Form()] = "",
    options: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    form = {"kind": kind, "target": target, "name": name, "every": every, "options": options}
    try:
        record = source_service.add_source(
            workspace(request).state, kind.strip(), target.strip(), name=name.strip() or None,
            every=every.strip() or None,
            options=source_service.parse_options(options.splitlines()), actor=user.username,
            files_in=workspace(request).root,
        )  # fmt: skip
    except VeilleError as exc:
        store_errors_through(exc)
        return render(
            request, "sources/index.html", _page(request, user, error=exc, form=form),
            status_code=400,
        )  # fmt: skip
    return redirect("/sources", message=_("Source %(name)s added.", name=record.name))


@router.post("/sources/{name}/test", response_class=HTMLResponse)
def source_test(request: Request, name: str, user: Analyst) -> HTMLResponse:
    """Fetch once and show what would be stored; nothing is stored."""
    try:
        result = source_service.test_source(workspace(request), name)
    except VeilleError as exc:
        store_errors_through(exc)
        tested = {"name": name, "error": exc, "posts": [], "count": 0, "failed": []}
    else:
        tested = {
            "name": name, "error": None, "count": len(result.posts),
            "posts": [post_view(plain_hit(p)) for p in result.posts[:TEST_SHOWN]],
            "failed": [e for e, _raw in result.failed[:TEST_SHOWN]],
            "failed_count": len(result.failed),
        }  # fmt: skip
    return render(request, "sources/index.html", _page(request, user, tested=tested))


@router.post("/sources/{name}/collect", response_model=None)
def source_collect(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    result = source_service.collect_now(workspace(request), name)
    if result is None or not result.ok:
        error = _(result.error or "") if result is not None else _("the source is disabled")
        return redirect("/sources", message=_("Collecting %(name)s failed: %(error)s",
                                              name=name, error=error))  # fmt: skip
    # The count of new posts takes its word's number ("1 new post"; French:
    # 0 and 1 singular), as `veille collect` says it.
    new = Count(result.new_posts)
    posts = trn("%(n)s new post", "%(n)s new posts", new, n=new)
    said = _(tr("%(name)s: %(posts)s, %(q)s quarantined.",
                name=name, posts=posts, q=Count(result.quarantined)))  # fmt: skip
    if result.expired:  # left out at ingest: a purge deleted them, or would
        said += " " + plural_translator(request)(
            "%(num)s post older than the retention period, not stored "
            "([privacy] retention_days).",
            "%(num)s posts older than the retention period, not stored "
            "([privacy] retention_days).",
            result.expired,
        )  # fmt: skip
    return redirect("/sources", message=said)


@router.post("/sources/{name}/enable", response_model=None)
def source_enable(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    source_service.set_enabled(workspace(request).state, name, True, actor=user.username)
    return redirect("/sources", message=_("Source %(name)s enabled.", name=name))


@router.post("/sources/{name}/disable", response_model=None)
def source_disable(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    source_service.set_enabled(workspace(request).state, name, False, actor=user.username)
    return redirect("/sources", message=_("Source %(name)s disabled.", name=name))


@router.post("/sources/{name}/remove", response_model=None)
def source_remove(request: Request, name: str, user: Analyst) -> Response:
    _ = translator(request)
    source_service.remove_source(workspace(request).state, name, actor=user.username)
    return redirect(
        "/sources", message=_("Source %(name)s removed; its posts are kept.", name=name)
    )


@router.post("/sources/quarantine/retry", response_model=None)
def quarantine_retry(
    request: Request, user: Analyst, source: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request)
    stored, failing = source_service.retry_quarantined(
        workspace(request), source or None, actor=user.username
    )
    said = tr("Quarantine: %(retried)s", retried=source_service.retried_said(stored, failing))
    return redirect("/sources", message=_(said))
