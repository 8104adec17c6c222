"""The guidelines every team member acknowledges: read (everyone signed
in), acknowledged, and edited by managers with a colleague's version saved
meanwhile refused rather than overwritten."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import Conflict, VeilleError
from veille.services.users import User
from veille.web.deps import (
    Manager,
    Viewer,
    error_text,
    lang,
    redirect,
    render,
    translator,
    workspace,
)
from veille.web.forms import (
    attempt,
    store_errors_through,
    whole,
)
from veille.web.routes.plan.common import LongText, Text

router = APIRouter()


def _markdown(text: str) -> str:
    """The guidelines' Markdown as HTML: raw HTML in it is escaped, and the
    result goes through the allowlist too."""
    import nh3
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return str(nh3.clean(html))


@router.get("/plan/guidelines", response_class=HTMLResponse)
def guidelines_page(request: Request, user: Viewer) -> Response:
    return _guidelines_page(request, user)


def _guidelines_page(
    request: Request,
    user: User,
    *,
    error: str | None = None,
    typed: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The guidelines and their editor; after a refused save, the error and
    the texts as typed (an hour's writing is not lost to a missing text or
    to a colleague's version saved meanwhile)."""
    from veille.plan.guide import split_rules
    from veille.plan.people import (
        acknowledgements,
        current_guidelines,
        current_rules,
        has_acknowledged,
    )

    state = workspace(request).state
    g = current_guidelines(state)
    text = (g.text_fr if lang(request) == "fr" else g.text_en) if g else ""
    # The rules at the top are shown as a list, not as their TOML.
    _rules, body = split_rules(text)
    return render(
        request,
        "plan/guidelines.html",
        {
            "guidelines": g,
            "html": _markdown(body) if g else "",
            "rules": current_rules(state),
            "acknowledged": has_acknowledged(state, user.username),
            "acknowledgements": acknowledgements(state, g.version) if g else [],
            "can_edit": user.can("manager"),
            "error": error,
            "typed": typed or ((g.text_en, g.text_fr) if g else ("", "")),
            # The version the editor starts from: a save over a later one is refused.
            "based_on": g.version if g else 0,
        },
        status_code=status_code,
    )


@router.post("/plan/guidelines/acknowledge", response_class=HTMLResponse)
def guidelines_acknowledge(request: Request, user: Viewer, version: Text = "") -> Response:
    from veille.plan.people import acknowledge

    _ = translator(request)
    try:
        acknowledge(workspace(request).state, user.username, version=whole(version, "version"))
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect("/plan/guidelines", message=error_text(request, exc))
    return redirect("/plan/guidelines", message=_("Thank you: your acknowledgement is recorded."))


@router.post("/plan/guidelines", response_class=HTMLResponse)
def guidelines_set(
    request: Request,
    user: Manager,
    text_en: LongText = "",
    text_fr: LongText = "",
    version: Text = "",
) -> Response:
    from veille.plan.people import set_guidelines

    _ = translator(request)
    based_on = int(version) if version.isdigit() and len(version) <= 18 else None

    def write_again(exc: VeilleError) -> Response:
        status = 409 if isinstance(exc, Conflict) else 400
        said = error_text(request, exc)
        return _guidelines_page(request, user, error=said, typed=(text_en, text_fr),
                                status_code=status)  # fmt: skip

    state = workspace(request).state
    return attempt(
        lambda: set_guidelines(state, text_en, text_fr, actor=user.username, based_on=based_on),
        done=_("The guidelines are saved."),
        where="/plan/guidelines",
        on_error=write_again,
    )
