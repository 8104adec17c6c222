"""``veille user add|list|remove|passwd|role|zone`` and ``veille token create|list|revoke``:
the web app's accounts and the REST API's tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from veille.cli.asking import prompt
from veille.cli.common import (
    LIST_HEADS,
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
    time_cell,
)
from veille.errors import Count, UsageError, tr, trn

NameArg = Annotated[str, typer.Argument(help="Username (letters, digits, . _ - @).")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (for scripts).",
    ),
]


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or typed twice at a prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError(
                tr("no password on standard input"),
                hint=tr(
                    "Pipe it in: printf '%s\\n' \"$PASSWORD\" | veille user add "
                    "NAME --password-stdin"
                ),
            )
        return password
    if not sys.stdin.isatty():
        raise UsageError(
            tr("no terminal to ask for the password"),
            hint=tr("Pass --password-stdin and pipe the password in."),
        )
    try:
        reader = cli_language()
    except Exception:  # the password is still asked, in English
        reader = "en"
    say = speaker(reader)
    typed: str = prompt(
        say(tr("Password")),
        reader,
        hide_input=True,
        confirmation=say(tr("Repeat it to confirm")),
    )
    return typed


#: ``veille token list``'s columns, each with its header (said in the
#: reader's language), and its states in words.
_TOKEN_HEADS = {
    "id": tr("id"), "user": tr("user"), "name": tr("name"), "scope": tr("scope"),
    "created_at": tr("created_at"), "expires_at": tr("expires_at"),
    "last_used_at": tr("last_used_at"), "state": tr("state"),
}  # fmt: skip
_TOKEN_STATES = {"active": tr("active"), "expired": tr("expired"), "revoked": tr("revoked")}


def register(app: typer.Typer) -> None:
    uapp = typer.Typer(
        help="Accounts of the web app, with roles viewer < analyst < manager < admin.",
        no_args_is_help=True,
    )
    app.add_typer(uapp, name="user")
    tapp = typer.Typer(help="API tokens for the REST API (revocable).", no_args_is_help=True)
    app.add_typer(tapp, name="token")

    def shown_role(role: str, lang: str) -> str:
        """``role`` as a reader reads it: the code in English (what --role
        takes), « analyste (analyst) » in French: the word, then the code
        to type, as the web app's users page names them."""
        from veille.services.users import role_name

        said = speaker(lang)(role_name(role))
        return said if lang == "en" or said == role else f"{said} ({role})"

    def shown_scope(scope: str, lang: str) -> str:
        """A token's ``scope`` as :func:`shown_role` shows a role: « lecture
        (read) » in French, the code (what --scope takes) in English."""
        from veille.services.users import SCOPE_NAMES

        said = speaker(lang)(SCOPE_NAMES.get(scope, scope))
        return said if lang == "en" or said == scope else f"{said} ({scope})"

    @uapp.command()
    @handle_errors
    def add(
        name: NameArg,
        role: Annotated[
            str, typer.Option("--role", "-r", help="viewer, analyst, manager or admin.")
        ] = "viewer",
        password_stdin: PasswordStdin = False,
        language: Annotated[str, typer.Option(help="en or fr (default: the browser's).")] = "",
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Create an account (the password is asked for, or read with --password-stdin)."""
        from veille.services.users import add_user, check_role, check_username

        check_username(name)
        check_role(role)
        password = read_password(password_stdin)
        with open_workspace(workspace) as ws:
            user = add_user(ws.state, name, password, role, language=language)
            reader = cli_language(ws.root)
        say = speaker(reader)
        said = tr("user %(name)s added with role %(role)s.", name=user.username,
                  role=shown_role(user.role, reader))  # fmt: skip
        console().print(say(said), markup=False)

    @uapp.command("list")
    @handle_errors
    def list_(workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table) -> None:
        """Every account with its role."""
        from veille.services.users import list_users

        with open_workspace(workspace) as ws:
            users = list_users(ws.state)
            rows = [
                {"username": u.username, "role": u.role, "language": u.language,
                 "timezone": u.timezone, "created_at": u.created_at}
                for u in users
            ]  # fmt: skip
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        if output is DataFormat.json:
            print_json(rows)
        else:
            # On the workspace's clock, the title saying which (UTC, unsaid, before).
            say = speaker(reader)
            table = [{**r, "created_at": time_cell(u.created_at, reader, tz),
                      "role": shown_role(u.role, reader)}
                     for r, u in zip(rows, users, strict=True)]  # fmt: skip
            print_rows(table, ["username", "role", "language", "timezone", "created_at"],
                       RowFormat.table, title=say(tr("Users (times in %(zone)s)", zone=tz)),
                       heads=said_heads(say, LIST_HEADS))  # fmt: skip

    @uapp.command()
    @handle_errors
    def remove(name: NameArg, workspace: WorkspaceOpt = None) -> None:
        """Delete an account with its sessions and tokens (never the last admin)."""
        from veille.services.users import remove_user

        with open_workspace(workspace) as ws:
            released = remove_user(ws.state, name)
            say = speaker(cli_language(ws.root))
        console().print(say(tr("user %(name)s removed.", name=name.lower())), markup=False)
        if released:
            n = Count(released)
            said = trn("%(n)s open inbox item assigned to them is back in the queue, unassigned.",
                       "%(n)s open inbox items assigned to them are back in the queue, unassigned.",
                       n, n=n)  # fmt: skip
            console().print(say(said), markup=False)

    @uapp.command()
    @handle_errors
    def passwd(
        name: NameArg, password_stdin: PasswordStdin = False, workspace: WorkspaceOpt = None
    ) -> None:
        """Set a new password (signs the user out everywhere)."""
        from veille.services.users import get_user, set_password

        with open_workspace(workspace) as ws:
            if get_user(ws.state, name) is None:
                from veille.errors import NotFound

                raise NotFound(
                    tr("no user named %(name)r", name=name), hint=tr("See `veille user list`.")
                )
            password = read_password(password_stdin)
            set_password(ws.state, name, password)
            say = speaker(cli_language(ws.root))
        console().print(say(tr("password of %(name)s changed.", name=name.lower())), markup=False)

    @uapp.command()
    @handle_errors
    def role(
        name: NameArg,
        new_role: Annotated[str, typer.Argument(help="viewer, analyst, manager or admin.")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Change an account's role (the last admin stays admin)."""
        from veille.services.users import set_role

        with open_workspace(workspace) as ws:
            changed = set_role(ws.state, name, new_role)
            reader = cli_language(ws.root)
        say = speaker(reader)
        user = changed.user
        said = tr("user %(name)s now has role %(role)s.", name=user.username,
                  role=shown_role(user.role, reader))  # fmt: skip
        console().print(say(said), markup=False)
        if changed.narrowed:
            ids = ", ".join(str(i) for i in changed.narrowed)
            said = tr("their tokens wider than it now have the %(scope)s scope: %(ids)s "
                      "(recorded in the audit log).", scope=shown_scope(changed.scope, reader),
                      ids=ids)  # fmt: skip
            console().print(say(said), markup=False)

    @uapp.command()
    @handle_errors
    def zone(
        name: NameArg,
        zone: Annotated[
            str,
            typer.Argument(
                help='An IANA time zone (America/Toronto, Europe/Paris); "" for the workspace\'s.'
            ),
        ],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Set an account's time zone: the web app shows them times on that clock."""
        from veille.services.users import set_timezone

        with open_workspace(workspace) as ws:
            chosen = set_timezone(ws.state, name, zone)
            reader = cli_language(ws.root)
            workspace_zone = ws.settings.workspace.timezone
        said = (
            tr("user %(name)s now reads times in %(zone)s.", name=name.strip().lower(),
               zone=chosen)
            if chosen
            else tr("user %(name)s now reads times in the workspace's time zone (%(zone)s).",
                    name=name.strip().lower(), zone=workspace_zone)
        )  # fmt: skip
        console().print(speaker(reader)(said), markup=False)

    @tapp.command()
    @handle_errors
    def create(
        name: NameArg,
        label: Annotated[str, typer.Option("--name", "-n", help="What the token is for.")] = "",
        scope: Annotated[
            str,
            typer.Option(
                "--scope",
                "-s",
                help="read (only reads), write (also changes) or admin (also users, erasure, "
                "settings); default: the widest the user's role allows.",
            ),
        ] = "",
        expires: Annotated[
            str,
            typer.Option(
                "--expires",
                "-e",
                help="When it stops working: a date (2027-01-31, from its start in the "
                "workspace's time zone), a date-time, or days from now (90d); default: never.",
            ),
        ] = "",
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Create an API token for a user and print it (only this once)."""
        from veille.services.tokens import create_token, parse_expiry

        with open_workspace(workspace) as ws:
            when = parse_expiry(expires, ws.settings.workspace.timezone)
            token, secret = create_token(
                ws.state, name, label, scope=scope or None, expires_at=when
            )
            reader = cli_language(ws.root)
        say = speaker(reader)
        scope_said = shown_scope(token.scope, reader)
        # The secret alone on stdout, so that a script can capture it.
        sys.stdout.write(secret + "\n")
        said = (
            tr("token %(id)s for %(user)s created with the %(scope)s scope, until %(until)s; it "
               "will not be shown again.", id=token.id, user=token.username, scope=scope_said,
               until=token.expires_at.isoformat())
            if token.expires_at
            else tr("token %(id)s for %(user)s created with the %(scope)s scope; it will not be "
                    "shown again.", id=token.id, user=token.username, scope=scope_said)
        )  # fmt: skip
        typer.echo(say(said), err=True)

    @tapp.command("list")
    @handle_errors
    def tokens(
        user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's.")] = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Every API token (never the secret): id, user, name, scope, expiry, use, state."""
        from veille.services.tokens import list_tokens, token_state

        with open_workspace(workspace) as ws:
            found = list_tokens(ws.state, user)
            reader = cli_language(ws.root)
            tz = ws.settings.workspace.timezone
        rows = [
            {"id": t.id, "user": t.username, "name": t.name, "scope": t.scope,
             "created_at": t.created_at, "expires_at": t.expires_at,
             "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
             "state": token_state(t)}
            for t in found
        ]  # fmt: skip
        if output is DataFormat.json:
            print_json(rows)
        else:
            say = speaker(reader)
            table = [
                {**r, "scope": shown_scope(t.scope, reader),
                 "created_at": time_cell(t.created_at, reader, tz),
                 "expires_at": time_cell(t.expires_at, reader, tz),
                 "last_used_at": time_cell(t.last_used_at, reader, tz),
                 "state": say(_TOKEN_STATES.get(token_state(t), token_state(t)))}
                for r, t in zip(rows, found, strict=True)
            ]  # fmt: skip
            print_rows(table, list(_TOKEN_HEADS), RowFormat.table,
                       title=say(tr("API tokens (times in %(zone)s)", zone=tz)),
                       heads=said_heads(say, _TOKEN_HEADS), say=say)  # fmt: skip

    @tapp.command()
    @handle_errors
    def revoke(
        token_id: Annotated[int, typer.Argument(help="The token's id (see `veille token list`).")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Revoke an API token: calls with it are refused from now on."""
        from veille.services.tokens import revoke_token

        with open_workspace(workspace) as ws:
            revoke_token(ws.state, token_id)
            say = speaker(cli_language(ws.root))
        console().print(say(tr("token %(id)s revoked.", id=token_id)), markup=False)
