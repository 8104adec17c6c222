"""The inbox's rules: ``/inbox/rules`` (the list, each rule's "when" and
"then" in the reader's words, a new rule), ``/inbox/rules/{name}/edit`` and
``/inbox/rules/{name}/remove``.

Viewers read the list; managers add, edit and remove rules, through
:mod:`veille.inbox.rules` (the CLI's service). Declared before
:mod:`veille.web.routes.inbox`, whose ``/inbox/{item_id}`` would otherwise
take ``/inbox/rules``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from veille.errors import VeilleError
from veille.inbox.model import PRIORITIES, SENTIMENTS, STATUSES
from veille.web.deps import Manager, Viewer, error_text, redirect, render, translator, workspace
from veille.web.forms import attempt, comma_list, store_errors_through, whole

router = APIRouter()


def rules_page(
    request: Request, user: Any, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.inbox.rules import ACTIONS, TRIGGER_LABELS, list_rules
    from veille.services.dangling import inbox_references

    ws = workspace(request)
    rules = list_rules(ws.state)
    return render(
        request,
        "inbox/rules.html",
        {
            "rules": rules, "actions": ACTIONS, "priorities": PRIORITIES,
            "triggers": TRIGGER_LABELS, "sentiments": SENTIMENTS, "statuses": STATUSES,
            "teams": ws.state.inbox_teams(),
            "can_edit": user.can("manager"), "error": error,
            "dangling": [d for d in inbox_references(ws.state) if d.kind == "inbox_rule"],
            "described": {r.name: _described(request, r) for r in rules},
        },
        status_code=status_code,
    )  # fmt: skip


def _described(request: Request, rule: Any) -> tuple[str, str]:
    """A rule's "when" and "then" in the reader's words (veille.inbox.rules.described)."""
    from veille.inbox.rules import described

    return described(rule, translator(request))


@router.get("/inbox/rules", response_class=HTMLResponse)
def rules_view(request: Request, user: Viewer) -> Response:
    return rules_page(request, user)


class RuleForm:
    """The rule form's fields (the same for adding and editing a rule)."""

    def __init__(
        self,
        # Not "name": the editing route's path has a {name} of its own.
        rule_name: Annotated[str, Form(max_length=80, alias="name")] = "",
        query: Annotated[str, Form(max_length=2000)] = "",
        sentiment: Annotated[list[str], Form()] = [],  # noqa: B006
        min_followers: Annotated[str, Form(max_length=12)] = "",
        max_rank: Annotated[str, Form(max_length=12)] = "",
        platform: Annotated[str, Form(max_length=200)] = "",
        language: Annotated[str, Form(max_length=200)] = "",
        when: Annotated[str, Form(max_length=20)] = "",
        on: Annotated[str, Form(max_length=20)] = "new",
        action: Annotated[list[str], Form()] = [],  # noqa: B006
        value: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> None:
        self.name, self.query, self.sentiment = rule_name.strip(), query.strip(), sentiment
        self.min_followers, self.max_rank = min_followers, max_rank
        self.platform, self.language, self.when = platform, language, when.strip()
        self.on = on
        self.action, self.value = action, value

    def rule(self) -> Any:
        from veille.inbox.rules import make_rule

        return make_rule(
            self.name, query=self.query or None, sentiments=self.sentiment,
            min_followers=whole(self.min_followers, "min_followers"),
            max_rank=whole(self.max_rank, "max_rank"),
            platforms=comma_list(self.platform), languages=comma_list(self.language),
            when=self.when or None, on=self.on or "new",
            actions=[(a, v) for a, v in zip(self.action, self.value, strict=False)
                     if a and v.strip()],
        )  # fmt: skip


@router.post("/inbox/rules", response_class=HTMLResponse)
def add_rule(request: Request, user: Manager, form: Annotated[RuleForm, Depends()]) -> Response:
    from veille.inbox.rules import add_rule as add

    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: add(st, form.rule()),
        done=_("Rule %(name)s added.", name=form.name), where="/inbox/rules",
        on_error=lambda exc: rules_page(
            request, user, error=error_text(request, exc), status_code=400
        ),
    )  # fmt: skip


def rule_edit_page(
    request: Request, user: Any, name: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    from veille.inbox.rules import ACTIONS, TRIGGER_LABELS, get_rule

    rule = get_rule(workspace(request).state, name)  # NotFound: the 404 page
    return render(
        request,
        "inbox/rule_edit.html",
        {
            "rule": rule, "actions": ACTIONS, "sentiments": SENTIMENTS, "error": error,
            "triggers": TRIGGER_LABELS,
            "teams": workspace(request).state.inbox_teams(),
        },
        status_code=status_code,
    )  # fmt: skip


@router.get("/inbox/rules/{name}/edit", response_class=HTMLResponse)
def rule_edit_view(request: Request, name: str, user: Manager) -> Response:
    return rule_edit_page(request, user, name)


@router.post("/inbox/rules/{name}/edit", response_class=HTMLResponse)
def edit_rule(
    request: Request, name: str, user: Manager, form: Annotated[RuleForm, Depends()]
) -> Response:
    from veille.inbox.rules import edit_rule as edit

    _ = translator(request)
    st = workspace(request).state
    return attempt(
        lambda: edit(st, name, form.rule()),
        done=_("Rule %(name)s saved.", name=form.name), where="/inbox/rules",
        on_error=lambda exc: rule_edit_page(
            request, user, name, error=error_text(request, exc), status_code=400
        ),
    )  # fmt: skip


@router.post("/inbox/rules/{name}/remove", response_class=HTMLResponse)
def remove_rule(request: Request, name: str, user: Manager) -> Response:
    from veille.inbox.rules import remove_rule as remove

    _ = translator(request)
    try:
        remove(workspace(request).state, name)
    except VeilleError as exc:
        store_errors_through(exc)
        return redirect("/inbox/rules", message=error_text(request, exc))
    return redirect("/inbox/rules", message=_("Rule %(name)s removed.", name=name))
