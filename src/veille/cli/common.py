"""What every command shares: the workspace option, output formats, errors."""

from __future__ import annotations

import csv
import errno
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

# (The reader's language is found in veille.cli.reader: before any command
# runs, for the usage errors and help pages too, with none of the above.)
from veille.cli.layout import Unbroken, terminal
from veille.cli.reader import cli_language
from veille.errors import InputError, UsageError, VeilleError, tr, trc
from veille.i18n import author_label
from veille.workspace import Workspace

P = ParamSpec("P")
R = TypeVar("R")

WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="VEILLE_WORKSPACE",
        help="Workspace folder (default: the current directory when it holds veille.toml).",
        show_envvar=True,
    ),
]


def old_option_name(
    old: str, *, param: str, new: str
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep ``old``, the former name of the option ``new`` (the command's
    ``param``), working and hidden from --help, so that scripts written with
    it keep running. Both given with different values is a usage error.

    veille says ``--language`` for the language it writes in (a report, the
    plan, e-mails, a canned response) and ``--lang`` for the posts' language
    it filters on, as the API's ``language`` and ``lang`` do."""
    import inspect
    from typing import get_args, get_origin

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func, eval_str=True)
        target = signature.parameters[param]
        kind = target.annotation
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        alias = f"{param}_under_its_old_name"
        hidden = inspect.Parameter(
            alias,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                kind | None, typer.Option(old, hidden=True, help=f"Old name of {new}.")
            ],
        )

        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            given = kwargs.pop(alias, None)
            if given is not None:
                current = kwargs.get(param, target.default)
                if current not in (target.default, None, given):
                    raise UsageError(
                        tr("%(new)s %(current)s and %(old)s %(given)s: %(old)s is the old name "
                           "of %(new)s", new=new, current=current, old=old, given=given),
                        hint=tr("Give %(new)s once.", new=new),
                    )  # fmt: skip
                kwargs[param] = given
            return func(*args, **kwargs)

        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), hidden]
        )
        return wrapper

    return decorate


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class _Stderr(logging.StreamHandler):
    """Writes to the ``sys.stderr`` of the moment (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging() -> None:
    """What a long-running command (``run``, ``serve``, ``store serve-posts``)
    logs on stderr, a line each: the UTC time, level, logger and message.
    veille's own records from ``VEILLE_LOG_LEVEL`` up (default INFO: a
    source that failed, a lease lost, a retention purge, an outbox delivery
    given up), other libraries' from WARNING (httpx would log every request),
    psycopg's, clickhouse-connect's and urllib3's from ERROR.
    Without this, Python shows only warnings, without a time, and drops the
    rest. Calling it again changes nothing but the level."""
    name = os.environ.get("VEILLE_LOG_LEVEL", "INFO").strip().upper()
    if name not in LOG_LEVELS:
        raise UsageError(
            tr("VEILLE_LOG_LEVEL=%(level)r is not a level", level=name),
            hint=tr("Use one of %(levels)s.", levels=", ".join(LOG_LEVELS)),
        )
    root = logging.getLogger()
    if not any(isinstance(h, _Stderr) for h in root.handlers):
        handler = _Stderr()
        form = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                 "%Y-%m-%dT%H:%M:%SZ")  # fmt: skip
        form.converter = time.gmtime
        handler.setFormatter(form)
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("veille").setLevel(name)
    # psycopg's pool warns, over two lines, at each try to reach a server
    # that is gone; veille says it once per failed step (naming the store and
    # what to do). Its records are kept for VEILLE_LOG_LEVEL=DEBUG.
    # So do clickhouse-connect and urllib3 (under it) at each request to a
    # ClickHouse server that is gone: two warnings before veille's one line.
    # (clickhouse-connect sets the level of "urllib3" itself on import.)
    for lib in ("psycopg", "clickhouse_connect", "urllib3.connectionpool"):
        logging.getLogger(lib).setLevel(logging.WARNING if name == "DEBUG" else logging.ERROR)


class DataFormat(StrEnum):
    table = "table"
    json = "json"


class RowFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[DataFormat, typer.Option("--format", "-f", help="Output format.")]
RowFormatOpt = Annotated[
    RowFormat,
    typer.Option(
        "--format", "-f", help="Output format: a table, JSON lines, CSV or one JSON array."
    ),
]


def console() -> Console:
    """What veille prints with on stdout: rich's, never breaking a line at a
    no-break space (:mod:`veille.cli.layout`)."""
    return terminal()


def err_console() -> Console:
    return terminal(stderr=True)


def warn(
    message: str,
    workspace: str | Path | None = None,
    *,
    say: Callable[[str], str] | None = None,
) -> None:
    """``warning: message`` on stderr, in the reader's language: ``say``
    (:func:`speaker`) when given, else :func:`error_speaker` for
    ``workspace`` (a sentence made by :func:`veille.errors.tr` is
    translated, any other string printed as it is); never read as markup:
    it may quote what the user typed."""
    if say is None:
        say = error_speaker(workspace)
    err = err_console()
    err.print(say(tr("warning:")), style="yellow", markup=False, end=" ")
    err.print(say(message), markup=False, soft_wrap=True)


def warn_unknown_platforms(option: str, names: Iterable[str] | None) -> None:
    """Warn about each name no source gives as a platform, with the nearest
    known one (``--platform twitter``: did you mean 'x'?). A warning: imported
    posts may carry any platform."""
    from veille.suggest import unknown_platform

    for name in names or ():
        unknown = unknown_platform(name)
        if unknown:
            warn(tr("%(option)s %(name)s: %(problem)s", option=option, name=name, problem=unknown))


def open_workspace(path: str | None) -> Workspace:
    """The workspace at ``path``; the notices its stores log as they open
    (a migration over stored posts, a wait for another process's) are
    said in the reader's language (:func:`cli_language`) from then on."""
    ws = Workspace.open(path)
    say_notices_in(cli_language(ws.root))
    return ws


class _SaidIn(logging.Filter):
    """Says a record whose message is a sentence made by
    :func:`veille.errors.tr` (the upgrade's notices: logged as such, they
    read in English wherever nothing translates them) in ``lang``; the
    catalogs are read at the first such record."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.say: Callable[[str], str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        from veille.errors import Text as Said

        if isinstance(record.msg, Said) and not record.args:
            if self.say is None:
                self.say = speaker(self.lang)
            record.msg = self.say(record.msg)
        return True


def say_notices_in(lang: str) -> None:
    """What stderr shows of the notices logged as sentences (see
    :class:`_SaidIn`), in ``lang``: through the handlers of the root logger
    (:func:`configure_logging`'s) or, where there are none, Python's last
    resort, which a short command's warnings go through."""
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is None:
            continue
        for old in [f for f in handler.filters if isinstance(f, _SaidIn)]:
            handler.removeFilter(old)
        if lang != "en":
            handler.addFilter(_SaidIn(lang))


LanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--language",
        help="en or fr: the language veille's sentences are said in "
        "(default: veille --language, else the workspace's ui_language, else the locale: LANG).",
    ),
]


def reader_language(ws: Workspace, lang: str | None) -> str:
    """The language the reader of a command asked for with its own
    ``--language``, else the CLI's (:func:`cli_language`)."""
    from veille.i18n import LANGUAGES

    chosen = lang or cli_language(ws.root)
    if chosen not in LANGUAGES:
        raise UsageError(
            tr("--language %(lang)r is not a language of veille", lang=chosen),
            hint=tr("Use en or fr."),
        )
    return chosen


def speaker(lang: str) -> Callable[[str], str]:
    """What says a sentence made by :func:`veille.errors.tr` (a source's
    last error, a notice) in ``lang``, from the web app's catalogs; any
    other string as it is."""
    from veille.errors import translated

    if lang == "en":
        return lambda text: str.__str__(text) if isinstance(text, str) else text
    from veille.cli.helptext import HELP_AREA
    from veille.web.i18n import load_translations

    # The help pages' words (all under msgctxt "help") are never a sentence said here.
    catalog = load_translations(skip=(HELP_AREA,))[lang]
    return lambda text: translated(text, catalog.gettext, lang, ngettext=catalog.ngettext)


def tell(ws: Workspace, said: str) -> None:
    """``said`` (a sentence made by :func:`veille.errors.tr`: what a command
    did) on stdout, in the language of the reader of the command
    (:func:`cli_language` for ``ws``)."""
    console().print(speaker(cli_language(ws.root))(said), markup=False, soft_wrap=True)


def output_file(path: Path | None, option: str) -> Path | None:
    """``path``, given to ``option`` (``--output``, ``--chart``), checked
    before any work: a file that can be made there (its folder exists, it is
    not a folder itself), so that a long export or report does not end in a
    traceback, or leave a table printed and nothing written."""
    if path is None:
        return None
    if path.is_dir():
        raise InputError(
            tr("%(option)s %(path)s is a folder", option=option, path=str(path)),
            hint=tr("Name a file inside it: %(option)s %(file)s.", option=option,
                    file=str(path / "FILE")),
        )  # fmt: skip
    folder = path.parent
    if not folder.is_dir():
        raise InputError(
            tr("%(option)s %(path)s: the folder %(folder)s does not exist", option=option,
               path=str(path), folder=str(folder)),
            hint=tr("Create it first (mkdir -p %(folder)s), or name a file in another folder.",
                    folder=str(folder)),
        )  # fmt: skip
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(
            tr("%(option)s %(path)s cannot be written (permission denied)", option=option,
               path=str(path)),
            hint=tr("Name a file in a folder you may write to."),
        )  # fmt: skip
    return path


# Writing failed for want of room or of a working disk (no file named).
_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO)


def error_speaker(workspace: str | Path | None = None) -> Callable[[str], str]:
    """What says an error's sentences (made by :func:`veille.errors.tr`) in
    the reader's language (:func:`cli_language`); English, as they are,
    where the language or its catalogs cannot be had: the error itself
    must be shown whatever goes wrong in saying it."""
    try:
        return speaker(cli_language(workspace))
    except Exception:  # a broken catalog must not hide the error
        return speaker("en")


def say_stopped(workspace: str | Path | None = None) -> None:
    """A foreground command stopped by Ctrl-C or SIGTERM (``veille sim``,
    ``veille store serve-posts``, ``veille demo --serve``): "Stopped." on
    stderr, in the reader's language."""
    err_console().print(error_speaker(workspace)(tr("Stopped.")), markup=False)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`VeilleError` into its message on stderr and its exit
    code, said in the reader's language (:func:`cli_language`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VeilleError as exc:
            # The message and hint quote what the user typed ('[/x]', a URL,
            # a [section] of veille.toml): printed as they are, never as markup.
            where = kwargs.get("workspace")
            say = error_speaker(where if isinstance(where, str | Path) else None)
            err = err_console()
            err.print(say(tr("error:")), style="bold red", markup=False, end=" ")
            render = getattr(exc, "render", None)  # a query's error: the query, a caret
            if callable(render):
                err.print(render(say), markup=False, soft_wrap=True, highlight=False)
                raise typer.Exit(exc.exit_code) from None
            err.print(say(exc.message), markup=False, soft_wrap=True)
            if exc.hint:
                err.print(say(exc.hint), markup=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            from veille.stopping import INTERRUPTED

            where = kwargs.get("workspace")
            say = error_speaker(where if isinstance(where, str | Path) else None)
            err_console().print(say(tr(INTERRUPTED)), markup=False)
            raise typer.Exit(130) from None
        except OSError as exc:
            # A file the command reads or writes, a full disk: what and why,
            # not a traceback. A closed pipe (| head) is click's to end quietly.
            if exc.errno == errno.EPIPE or (exc.filename is None and exc.errno not in _DISK):
                raise
            where = kwargs.get("workspace")
            say = error_speaker(where if isinstance(where, str | Path) else None)
            err = err_console()
            err.print(say(tr("error:")), style="bold red", markup=False, end=" ")
            # The system's own words (strerror) are English: veille runs in C.
            path = f"{exc.filename}: " if exc.filename is not None else ""
            err.print(f"{path}{exc.strerror or exc}", markup=False, soft_wrap=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                hint = tr("Free some space or write elsewhere; what was being written is "
                          "incomplete.")  # fmt: skip
            else:
                hint = tr("Check the path, and that you may read or write it.")
            err.print(say(hint), markup=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def _csv_value(value: Any) -> Any:
    """A CSV cell of a command's rows: text a spreadsheet would read as a
    formula (a post's text, an author's name: strangers' words) led by an
    apostrophe, as ``veille export`` writes it (:func:`veille.records.csv_cell`)."""
    from veille.records import csv_cell

    return csv_cell(value) if isinstance(value, str) else value


def jsonable(obj: Any) -> Any:
    """Plain JSON data from dataclasses, datetimes, tuples and mappings."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {k: jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    return obj


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


def print_rows(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: RowFormat | DataFormat,
    *,
    title: str | None = None,
    heads: Mapping[str, str] | None = None,
    say: Callable[[str], str] | None = None,
    fold: Sequence[str] = (),
) -> None:
    """Rows as a rich table, JSON lines, CSV or one JSON array. The columns
    in ``fold`` are folded onto more lines in a narrow terminal rather than
    cut with "…" (a URL a reader needs whole). ``heads``
    names a table's columns for its reader (said in their language: see
    :func:`said_heads`); CSV and JSON keep the keys a script reads. A
    table says a yes-or-no as "yes" or "no" (« oui », « non ») by ``say``
    (:func:`speaker`), else in the reader's language (:func:`error_speaker`);
    CSV and JSON keep ``true``/``false``."""
    value = fmt.value
    if value == "jsonl":
        for row in rows:
            sys.stdout.write(json.dumps(jsonable(row), ensure_ascii=False) + "\n")
    elif value == "json":
        print_json(list(rows))
    elif value == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(jsonable(row.get(k))) for k in columns})
    else:
        table = Table(title=title)
        for col in columns:
            table.add_column(
                (heads or {}).get(col, col), overflow="fold" if col in fold else "ellipsis"
            )
        said: list[Callable[[str], str]] = [say] if say is not None else []

        def yes_no(value: bool) -> str:
            if not said:  # the catalogs read only for a table that needs them
                said.append(error_speaker())
            return said[0](tr("yes") if value else tr("no"))

        for row in rows:
            table.add_row(*(_cell(row.get(c), yes_no) for c in columns))
        console().print(table)


#: The column headers of the list commands (topic, source, quarantine,
#: alert), said in the reader's language by :func:`said_heads`.
LIST_HEADS = {
    "name": tr("name"), "version": tr("version"), "query": tr("query"), "inbox": tr("inbox"),
    "updated_at": tr("updated_at"), "created_at": tr("created_at"), "kind": tr("kind"),
    "every": tr("every"), "enabled": tr("enabled"), "config": tr("config"), "source": tr("source"),
    "at": tr("at"), "error": tr("error"), "raw": tr("raw"), "watches": tr("watches"),
    "mode": tr("mode"), "to": tr("to"), "paused": tr("paused"), "alert": tr("alert"),
    "post_id": tr("post_id"), "status": tr("status"), "attempts": tr("attempts"),
    "due": tr("due"), "sent": trc("alert", "sent"), "priority": tr("priority"),
    "assignee": tr("assignee"), "platform": tr("platform"), "author": tr("author"),
    "text": tr("text"), "username": tr("username"), "role": tr("role"),
    "language": tr("language"), "when": tr("when"), "account": tr("account"),
    "problems": tr("problems"), "url": tr("url"), "handle": tr("handle"), "secret": tr("secret"),
    "limit": tr("limit"), "published_at": tr("published_at"), "timezone": tr("timezone"),
    "snoozed_until": tr("snoozed until"),
}  # fmt: skip


def said_heads(say: Callable[[str], str], heads: Mapping[str, str]) -> dict[str, str]:
    """A table's column headers (``key: tr("header")``) said by ``say``
    (:func:`speaker`): the words a reader sees above the keys CSV and JSON keep."""
    return {key: say(head) for key, head in heads.items()}


def count_cell(value: int | None, lang: str) -> int | str:
    """A count in a table: "–" where it is unknown (``null`` in JSON), its
    thousands grouped the French way (``1 234``, U+202F) for a French
    reader; as it was (``1234``) for an English one."""
    from veille.i18n import format_number

    if value is None:
        return "–"
    return value if lang == "en" else format_number(value, lang)


def time_cell(value: datetime | None, lang: str, tz: str | None = None) -> datetime | str | None:
    """A time in a table: as it was in English (the table writes
    ``2026-11-10 10:00``), the French way in French (``10 nov. 2026 à 10:00``),
    on the clock of ``tz`` (a zone's name: the table's title says which),
    else on the clock it was given on."""
    from veille.i18n import format_datetime

    if value is not None and tz is not None:
        from veille.timefmt import zone

        value = value.astimezone(zone(tz))
    if value is None or lang == "en":
        return value
    return format_datetime(value, lang, value.tzinfo)


def author_cell(handle: str, lang: str = "en") -> str:
    """A post's author in a terminal table or line: the handle, or "author
    unknown" ("auteur inconnu") for a post without one (JSON, CSV and
    exports keep ``""``)."""
    return author_label(handle, lang, at="")


def _cell(value: Any, yes_no: Callable[[bool], str]) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):  # not True/False, Python's words
        return yes_no(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "__rich__"):
        return value
    # Data as it is: a post's or an error's "[word]" is no markup to drop.
    return Unbroken(str(value))
