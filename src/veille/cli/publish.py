"""``veille publish …``: the organization's accounts, and posting now."""

from __future__ import annotations

from typing import Annotated

import typer

from veille.analytics.findings import platform_name
from veille.cli.common import (
    LIST_HEADS,
    DataFormat,
    FormatOpt,
    RowFormat,
    RowFormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    handle_errors,
    open_workspace,
    print_json,
    print_rows,
    said_heads,
    speaker,
    tell,
)
from veille.errors import Count, tr, trn


def register(app: typer.Typer) -> None:
    publish = typer.Typer(
        help="Post as the organization on Mastodon, Bluesky and WordPress.", no_args_is_help=True
    )
    accounts = typer.Typer(help="The accounts veille posts as.", no_args_is_help=True)
    publish.add_typer(accounts, name="account")
    app.add_typer(publish, name="publish")

    @accounts.command("add")
    @handle_errors
    def account_add(
        name: Annotated[str, typer.Argument(help="A name for the account (lumio-mastodon).")],
        platform: Annotated[str, typer.Option(help="mastodon, bluesky or wordpress.")],
        url: Annotated[str, typer.Option(help="Instance, PDS or site (https://…).")] = "",
        handle: Annotated[str, typer.Option(help="Login: Bluesky handle, WordPress user.")] = "",
        secret: Annotated[
            str, typer.Option(help="Token or app password, or env:NAME (recommended).")
        ] = "",
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Add an account (its secret is never shown back)."""
        from veille.publish import add_account
        from veille.publish.service import learn_limit

        with open_workspace(workspace) as ws:
            acct = add_account(ws.state, name, platform, url, handle=handle, secret=secret)
            limit = (
                learn_limit(ws.state, ws.settings, name) if acct.platform == "mastodon" else None
            )
            said = (
                tr("account %(name)s (%(platform)s, %(url)s) added; its server allows "
                   "%(limit)s characters.", name=acct.name, platform=platform_name(acct.platform),
                   url=acct.url, limit=Count(limit))
                if limit
                else tr("account %(name)s (%(platform)s, %(url)s) added.", name=acct.name,
                        platform=platform_name(acct.platform), url=acct.url)
            )  # fmt: skip
            tell(ws, said)

    @accounts.command("list")
    @handle_errors
    def account_list(
        workspace: WorkspaceOpt = None,
        output: RowFormatOpt = RowFormat.table,
    ) -> None:
        """The accounts, secrets masked."""
        from veille.publish import list_accounts

        with open_workspace(workspace) as ws:
            rows = [a.shown() for a in list_accounts(ws.state)]
            heads = said_heads(speaker(cli_language(ws.root)), LIST_HEADS)
        print_rows(rows, ["name", "platform", "url", "handle", "secret", "limit"], output,
                   heads=heads)  # fmt: skip

    @accounts.command("test")
    @handle_errors
    def account_test(name: str, workspace: WorkspaceOpt = None) -> None:
        """Check that an account works: its server says who its secret is; nothing is posted."""
        from veille.publish.service import verify_account

        with open_workspace(workspace) as ws:
            who = verify_account(ws.state, ws.settings, name)
            tell(ws, tr("account %(name)s works: its server knows it as %(who)s; nothing was "
                        "posted.", name=name, who=who))  # fmt: skip

    @accounts.command("remove")
    @handle_errors
    def account_remove(name: str, workspace: WorkspaceOpt = None) -> None:
        """Remove an account (refused while calendar posts waiting to go out name it)."""
        from veille.publish import remove_account

        with open_workspace(workspace) as ws:
            remove_account(ws.state, name)
            tell(ws, tr("account %(name)s removed.", name=name))

    @publish.command("now")
    @handle_errors
    def now(
        account: Annotated[str, typer.Option("--account", "-a", help="The account's name.")],
        text: Annotated[str | None, typer.Argument(help="The text, or - for stdin.")] = None,
        title: Annotated[str | None, typer.Option(help="Title (WordPress).")] = None,
        reply_to: Annotated[
            str | None, typer.Option(help="The platform's id of the post to answer.")
        ] = None,
        language: Annotated[str | None, typer.Option(help="Language code (fr, en).")] = None,
        dry_run: Annotated[
            bool, typer.Option(help="Show what would be sent; send nothing.")
        ] = False,
        force: Annotated[
            bool,
            typer.Option(help="Publish even if the draft checker or guidelines find problems."),
        ] = False,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Publish one post now (checked first: the platform's rules, the staff guidelines)."""
        from veille.cli.draft import read_text
        from veille.errors import UsageError
        from veille.publish import Publishing, get_account
        from veille.publish.service import check_post

        body = read_text(text)
        with open_workspace(workspace) as ws:
            acct = get_account(ws.state, account)
            # The platform's rules and the staff guidelines, as the calendar applies them.
            report = check_post(ws.state, acct, body, title=title)
            if not report.ok and not force:
                broken = Count(len(report.problems))  # grouped, as every CLI count
                raise UsageError(
                    trn(
                        "the draft breaks %(n)s rule of %(platform)s or of the staff "
                        "guidelines: %(problems)s",
                        "the draft breaks %(n)s rules of %(platform)s or of the staff "
                        "guidelines: %(problems)s",
                        broken,
                        n=broken,
                        platform=platform_name(acct.platform),
                        problems=" ".join(p.message for p in report.problems),
                    ),
                    hint=tr(
                        "Fix it (see `veille draft check`), or pass --force to publish anyway."
                    ),
                )
            with Publishing(ws.settings) as pub:
                done = pub.publish(acct, body, title=title, reply_to=reply_to,
                                   language=language, dry_run=dry_run)  # fmt: skip
            say = speaker(cli_language(ws.root))
        if output is DataFormat.json:
            print_json({"id": done.id, "url": done.url, "platform": done.platform,
                        "post_id": done.post_id, "dry_run": done.dry_run,
                        "request": dict(done.request or {})})  # fmt: skip
        elif done.dry_run:
            console().print(say(tr("dry run, nothing sent:")), markup=False)
            print_json(dict(done.request or {}))
        else:
            said = tr("published on %(platform)s: %(where)s", platform=platform_name(done.platform),
                      where=done.url or done.id)  # fmt: skip
            console().print(say(said), markup=False, soft_wrap=True)
