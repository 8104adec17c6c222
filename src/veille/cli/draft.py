"""``veille draft check|guide``: a draft against a platform's rules and the
organization's guidelines, and the platform guide itself."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    cli_language,
    console,
    err_console,
    handle_errors,
    old_option_name,
    open_workspace,
    print_json,
    speaker,
    warn,
)
from veille.errors import Count, tr, trn
from veille.i18n import format_number


def read_text(text: str | None) -> str:
    """The draft given as an argument, or read from standard input for ``-``
    (or when no argument is given and input is piped)."""
    from veille.errors import UsageError

    if text == "-" or (text is None and not sys.stdin.isatty()):
        return sys.stdin.read().rstrip("\n")
    if text is None:
        raise UsageError(
            tr("no draft given"), hint=tr("Pass the text, or - to read it from stdin.")
        )
    return text


def load_guidelines(path: Path | None) -> object:
    """Guidelines from a TOML file (its ``[guidelines]`` table, or the whole file)."""
    if path is None:
        return None
    import tomllib

    from veille.errors import InputError
    from veille.plan.guide import Guidelines

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            tr("--guidelines %(path)s: cannot be read (%(exc)s)", path=path, exc=exc),
            hint=tr("Give a TOML file."),
        ) from exc
    return Guidelines.from_mapping(data.get("guidelines", data))


def stored_rules(workspace: str | None) -> object:
    """The rules of the workspace's staff guidelines (``None`` without any).
    A workspace named with --workspace (or VEILLE_WORKSPACE) must exist; the
    current directory is only looked at, so that drafts are checked anywhere."""
    import os

    from veille.errors import WorkspaceNotFound
    from veille.plan.people import current_rules

    try:
        ws = open_workspace(workspace)
    except WorkspaceNotFound:
        if workspace or os.environ.get("VEILLE_WORKSPACE"):
            raise
        return None
    with ws:
        return current_rules(ws.state)


def register(app: typer.Typer) -> None:
    draft = typer.Typer(
        help="Check drafts against each platform's rules and the guidelines.",
        no_args_is_help=True,
    )
    app.add_typer(draft, name="draft")

    @draft.command("check")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def check(
        platform: Annotated[str, typer.Option("--platform", "-p", help="x, mastodon, bluesky…")],
        text: Annotated[str | None, typer.Argument(help="The draft, or - for stdin.")] = None,
        title: Annotated[str | None, typer.Option(help="Title (YouTube, Reddit, blog).")] = None,
        guidelines: Annotated[
            Path | None,
            typer.Option(
                help="TOML with forbidden_words, required_hashtags, max_hashtags… "
                "(default: the rules of the workspace's staff guidelines)."
            ),
        ] = None,
        sponsored: Annotated[
            bool,
            typer.Option(help="The post is sponsored: the guidelines' disclosure must be in it."),
        ] = False,
        instance_limit: Annotated[
            int | None,
            typer.Option(min=1, help="The server's own limit (a Mastodon instance's)."),
        ] = None,
        account: Annotated[
            str | None,
            typer.Option(help="Read the limit from this account's server (Mastodon)."),
        ] = None,
        lang: Annotated[
            str | None,
            typer.Option(
                "--language",
                help="Language of the messages: en or fr (default: the reader's: veille "
                "--language, the workspace's ui_language, the locale).",
            ),
        ] = None,
        workspace: WorkspaceOpt = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """Exit 0 when the draft respects the platform's rules and the guidelines,
        1 naming each problem; JSON gives the counted length and the limit."""
        from veille.plan.guide import Guidelines, check_draft, guide_for, load_guides

        lang = lang or cli_language(workspace)
        rules = load_guidelines(guidelines)
        assert rules is None or isinstance(rules, Guidelines)
        if rules is None:
            rules = stored_rules(workspace)
        unread = None  # the account whose server was asked its limit and did not give it
        if account is not None and instance_limit is None:
            from veille.publish import Publishing, get_account

            with open_workspace(workspace) as ws:
                acct = get_account(ws.state, account)
                instance_limit = acct.limit
                if instance_limit is None:
                    with Publishing(ws.settings) as pub:
                        instance_limit = pub.instance_limit(acct)
                    if instance_limit is None and acct.platform == "mastodon":
                        unread = acct
        assert rules is None or isinstance(rules, Guidelines)
        report = check_draft(
            platform, read_text(text), title=title, guidelines=rules,
            instance_limit=instance_limit, sponsored=sponsored,
        )  # fmt: skip
        if unread is not None and report.platform == "mastodon":
            # It was checked against the platform's usual limit without a word.
            warn(
                tr("%(url)s (account %(name)s) did not give its length limit (/api/v2/instance): "
                   "the draft is checked against %(limit)s, Mastodon's usual one",
                   url=unread.url, name=unread.name, limit=Count(report.limit or 0)),
                say=speaker(lang),
            )  # fmt: skip
        if output is DataFormat.json:
            print_json(report.as_dict())
        else:
            from veille.cli.common import count_cell
            from veille.i18n import colon

            say = speaker(lang)
            # A French line as French writes it: « x : 1 300/63 206 … » (it
            # was « x: 1300/63206 », the colon and figures the English way).
            length, most = count_cell(report.length, lang), count_cell(report.limit, lang)
            limit = f"/{most}" if report.limit else ""
            n = Count(len(report.problems))
            verdict = "ok" if report.ok else say(trn("%(n)s problem", "%(n)s problems", n, n=n))
            unit = guide_for(report.platform, load_guides()).text("length", "unit", lang)
            console().print(
                f"{report.platform}{colon(lang)} {length}{limit} {unit or report.unit} — {verdict}",
                markup=False,
            )
            for p in report.problems:
                err_console().print(f"  {p.code}{colon(lang)} {p.text(lang)}", markup=False,
                                    soft_wrap=True)  # fmt: skip
        if not report.ok:
            raise typer.Exit(1)

    @draft.command("guide")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def guide(
        platform: Annotated[
            str | None, typer.Argument(help="One platform (default: the list).")
        ] = None,
        lang: Annotated[
            str | None,
            typer.Option(
                "--language",
                help="en or fr (default: the reader's: veille --language, the workspace's "
                "ui_language, the locale).",
            ),
        ] = None,
        output: FormatOpt = DataFormat.table,
    ) -> None:
        """The platform guide: limits, how each counts, conventions, sources and dates."""
        from veille.plan.guide import guide_for, load_guides

        lang = lang or cli_language()
        say = speaker(lang)

        guides = load_guides()
        if platform is None:
            # "unit": what the limit counts, as `veille draft check` names it
            # ("graphemes", "weighted characters"); "counting": the counter's name.
            rows = [
                {"platform": g.platform, "limit": g.limit or None, "counting": g.counting,
                 "unit": g.text("length", "unit", "en"), "checked": g.checked}
                for g in guides.values()
            ]  # fmt: skip
            if output is DataFormat.json:
                print_json(rows)
                return
            for r, g in zip(rows, guides.values(), strict=True):
                checked = say(tr("checked %(day)s", day=_day(g.checked, lang)))
                limit = format_number(g.limit, lang) if g.limit else "—"
                console().print(
                    f"{r['platform']:10} {limit:>6} {g.text('length', 'unit', lang):24} {checked}",
                    markup=False,
                )
            return
        g = guide_for(platform, guides)
        if output is DataFormat.json:
            print_json({"platform": g.platform, "checked": g.checked, **dict(g.data)})
            return
        out = console()
        checked = say(tr("checked %(day)s", day=_day(g.checked, lang)))
        out.print(f"{g.name} ({checked})", markup=False)
        out.print(g.text("length", "how", lang), markup=False, soft_wrap=True)
        for key in ("mentions", "links", "alt_text", "etiquette"):
            said = g.text("conventions", key, lang)
            if said:
                out.print(f"- {said}", markup=False, soft_wrap=True)
        advice = g.text("hashtags", "advice", lang)
        if advice:
            out.print(f"- {advice}", markup=False, soft_wrap=True)
        out.print(say(tr("Sources:")), markup=False)
        for url in g.sources():
            out.print(f"  {url}", markup=False, soft_wrap=True)


def _day(day: str, lang: str) -> str:
    """The day a guide was checked (``2026-12-02``): as it is in English, the
    reader's way elsewhere (« 2 décembre 2026 »: « 2026-12-02 » until 2026-12-07)."""
    from datetime import date

    from veille.i18n import format_date

    try:
        return day if lang == "en" else format_date(date.fromisoformat(day), lang)
    except ValueError:  # not a day: as it was written
        return day
