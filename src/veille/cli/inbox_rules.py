"""``veille rule add|list|remove``: the inbox's rules (conditions → actions)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    RowFormat,
    WorkspaceOpt,
    cli_language,
    console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    warn,
)
from veille.errors import tr

_Many = Annotated[list[str], typer.Option()]


def _described(rule: Any, say: Any) -> tuple[str, str]:
    """The rule's "when" and "then" in the reader's words, as its page says
    them (veille.inbox.rules.described); ``say`` is :func:`speaker`'s."""
    from veille.inbox.rules import described

    return described(rule, lambda msgid, **values: say(tr(msgid, **values)))


# The conditions ``veille rule edit --clear`` drops (named as the options are).
_CONDITIONS = ("query", "sentiment", "min-followers", "max-rank", "platform", "lang", "when")


# The options ``rule add`` and ``rule edit`` share.
_Query = Annotated[str | None, typer.Option("--query", help="Posts matching this query.")]
_Sentiment = Annotated[
    list[str],
    typer.Option("--sentiment", help="positive, negative or neutral (repeat for more)."),
]
_MinFollowers = Annotated[
    int | None, typer.Option("--min-followers", min=0, help="Authors with at least N followers.")
]
_MaxRank = Annotated[
    int | None,
    typer.Option(
        "--max-rank", min=1, help="Authors among the top N influencers of the last 30 days."
    ),
]
_Platform = Annotated[list[str], typer.Option("--platform", help="Only this platform.")]
_Lang = Annotated[list[str], typer.Option("--lang", help="Only this language.")]
_When = Annotated[
    str | None,
    typer.Option("--when", help='"working" (working hours), "outside", or "HH:MM-HH:MM".'),
]
_On = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="When the rule runs: new (every new item, the default), due-soon or breached "
        "(once on each open item about to miss, or past, its first-response target), "
        "unresolved (once on each item not closed by its resolution target).",
    ),
]
_Tag = Annotated[list[str], typer.Option("--tag", help="Action: add this tag.")]
_Category = Annotated[list[str], typer.Option("--category", help="Action: add this category.")]
_Priority = Annotated[
    str | None,
    typer.Option("--priority", help="Action: set the priority (urgent, high, normal, low)."),
]
_Assign = Annotated[str | None, typer.Option("--assign", help="Action: assign to this person.")]
_Team = Annotated[
    str | None, typer.Option("--team", help="Action: assign round-robin within this team.")
]
_Notify = Annotated[
    list[str], typer.Option("--notify", help="Action: notify through this alert's channel.")
]
_SetStatus = Annotated[
    str | None, typer.Option("--set-status", help="Action: set the status (e.g. ignored).")
]


#: ``veille rule list``'s columns, each with its header (said in the
#: reader's language).
_RULE_HEADS = {
    "position": tr("position"), "name": tr("name"), "when": tr("when"), "then": tr("then"),
    "runs": tr("runs"), "error": tr("error"),
}  # fmt: skip


def _actions(
    tag: list[str],
    category: list[str],
    priority: str | None,
    assign: str | None,
    team: str | None,
    notify: list[str],
    set_status: str | None,
) -> list[tuple[str, str]]:
    """The action options, in the order a rule runs them."""
    actions: list[tuple[str, str]] = [("tag", t) for t in tag]
    actions += [("category", c) for c in category]
    if priority:
        actions.append(("priority", priority))
    if assign:
        actions.append(("assign", assign))
    if team:
        actions.append(("team", team))
    actions += [("notify", n) for n in notify]
    if set_status:
        actions.append(("status", set_status))
    return actions


def _check_alerts(ws: Any, notify: list[str]) -> None:
    """Each alert a rule notifies through exists (NotFound names the known ones)."""
    if notify:
        from veille.alerts.model import AlertBook

        book = AlertBook(ws.state)
        for alert in notify:
            book.get(alert)


def register_rules(app: typer.Typer) -> None:
    rule = typer.Typer(
        help="Inbox rules: conditions → actions, run in order on every new item "
        "(or, --on, on an item due soon or past its target).",
        no_args_is_help=True,
    )
    app.add_typer(rule, name="rule")

    @rule.command("add")
    @handle_errors
    def add(
        name: Annotated[str, typer.Argument(help="The rule's name.")],
        query: _Query = None,
        sentiment: _Sentiment = [],  # noqa: B006
        min_followers: _MinFollowers = None,
        max_rank: _MaxRank = None,
        platform: _Platform = [],  # noqa: B006
        lang: _Lang = [],  # noqa: B006
        when: _When = None,
        on: _On = None,
        tag: _Tag = [],  # noqa: B006
        category: _Category = [],  # noqa: B006
        priority: _Priority = None,
        assign: _Assign = None,
        team: _Team = None,
        notify: _Notify = [],  # noqa: B006
        set_status: _SetStatus = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add a rule, run after the existing ones on every new inbox item."""
        from veille.inbox.rules import add_rule, make_rule

        actions = _actions(tag, category, priority, assign, team, notify, set_status)
        new = make_rule(
            name, query=query, sentiments=sentiment, min_followers=min_followers,
            max_rank=max_rank, platforms=platform, languages=lang, when=when, actions=actions,
            on=on or "new",
        )  # fmt: skip
        with open_workspace(workspace) as ws:
            _check_alerts(ws, notify)
            saved = add_rule(ws.state, new)
            say = speaker(cli_language(ws.root))
        when, then = _described(saved, say)
        said = tr("rule %(name)s added: when %(when)s → %(then)s.", name=saved.name,
                  when=when, then=then)  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)

    @rule.command("edit")
    @handle_errors
    def edit(
        name: Annotated[str, typer.Argument(help="The rule to change.")],
        rename: Annotated[str | None, typer.Option(help="Its new name.")] = None,
        query: _Query = None,
        sentiment: _Sentiment = [],  # noqa: B006
        min_followers: _MinFollowers = None,
        max_rank: _MaxRank = None,
        platform: _Platform = [],  # noqa: B006
        lang: _Lang = [],  # noqa: B006
        when: _When = None,
        clear: Annotated[
            list[str],
            typer.Option(help=f"Drop this condition: {', '.join(_CONDITIONS)}."),
        ] = [],  # noqa: B006
        on: _On = None,
        tag: _Tag = [],  # noqa: B006
        category: _Category = [],  # noqa: B006
        priority: _Priority = None,
        assign: _Assign = None,
        team: _Team = None,
        notify: _Notify = [],  # noqa: B006
        set_status: _SetStatus = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change a rule in place (it keeps its turn in the order). A condition
        given replaces the rule's; --clear drops one; any action given
        replaces all of its actions."""
        from veille.errors import UsageError
        from veille.inbox.rules import edit_rule, get_rule, make_rule

        for key in clear:
            if key not in _CONDITIONS:
                raise UsageError(
                    tr("--clear %(key)r is not a condition", key=key),
                    hint=tr("Use %(names)s.", names=", ".join(_CONDITIONS)),
                )
        actions = _actions(tag, category, priority, assign, team, notify, set_status)
        with open_workspace(workspace) as ws:
            old = get_rule(ws.state, name)
            c = old.conditions

            def pick(key: str, given: Any, current: Any) -> Any:
                if key in clear:
                    return [] if isinstance(current, tuple) else None
                return given if given not in (None, []) else current

            new = make_rule(
                rename or name,
                query=pick("query", query, c.query),
                sentiments=pick("sentiment", sentiment, c.sentiments),
                min_followers=pick("min-followers", min_followers, c.min_followers),
                max_rank=pick("max-rank", max_rank, c.max_rank),
                platforms=pick("platform", platform, c.platforms),
                languages=pick("lang", lang, c.languages),
                when=pick("when", when, c.when),
                actions=actions or list(old.actions),
                on=on or old.on,
            )
            _check_alerts(ws, notify)
            saved = edit_rule(ws.state, name, new)
            say = speaker(cli_language(ws.root))
        when, then = _described(saved, say)
        said = tr("rule %(name)s changed: when %(when)s → %(then)s.", name=saved.name,
                  when=when, then=then)  # fmt: skip
        console().print(say(said), markup=False, soft_wrap=True)

    @rule.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """Every rule in the order they run, with how often it ran and its last error."""
        from veille.inbox.rules import list_rules
        from veille.services.dangling import inbox_references, said

        with open_workspace(workspace) as ws:
            rules = list_rules(ws.state)
            dangling = [d for d in inbox_references(ws.state) if d.kind == "inbox_rule"]
            say = speaker(cli_language(ws.root))
        for d in dangling:  # a rule that fails on every item, or assigns to nobody, says so
            warn(said(d), say=say)
        if output is DataFormat.json:
            print_json([r.as_json() for r in rules])
            return
        table = [
            {"position": r.position, "name": r.name,
             **dict(zip(("when", "then"), _described(r, say), strict=True)),
             "runs": r.runs, "error": say(r.last_error) if r.last_error else r.last_error}
            for r in rules
        ]  # fmt: skip
        print_rows(table, list(_RULE_HEADS), RowFormat.table, heads=said_heads(say, _RULE_HEADS),
                   say=say)  # fmt: skip

    @rule.command("remove")
    @handle_errors
    def remove(
        name: Annotated[str, typer.Argument(help="The rule's name.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Remove a rule (what it already did to items stays)."""
        from veille.inbox.rules import remove_rule

        with open_workspace(workspace) as ws:
            remove_rule(ws.state, name)
            say = speaker(cli_language(ws.root))
        console().print(say(tr("rule %(name)s removed.", name=name)), markup=False)
