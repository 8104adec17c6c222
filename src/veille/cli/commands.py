"""The commands of ``veille``, known without importing them.

A command's module (and what it imports: services, stores, rich, the
models) is imported when that command runs or its help is asked, never to
list it: ``veille --help`` and ``veille source list`` start in a fraction
of the time it took to import all seventeen. :data:`COMMANDS` names each
command, the module whose ``register(app)`` adds it, and its line in
``veille --help`` (the first paragraph of its help, which a test holds
equal to the module's own).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer
    from typer._click import Command
    from typer.models import CommandInfo, TyperInfo

#: ``(name, module, summary)`` of every command, in the order of ``veille
#: --help`` (typer lists commands before groups, each in its module's order).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("init", "core", "Create a workspace: a commented veille.toml and an empty database."),
    ("import", "core", "Import posts from CSV or JSON lines (column mapping: docs/import.md)."),
    ("export", "core", "Export stored posts, streamed, as JSON lines, CSV or Parquet."),
    ("stats", "core", "Counts of stored posts by platform, language and day."),
    ("demo", "demo",
     "Create a demo workspace from the built-in simulator and show what is in it."),
    ("analyze", "enrich",
     "Language, sentiment and entities of each JSON line, without storing anything."),
    ("enrich", "enrich", "Enrich stored posts (after a model or setting change: --rerun)."),
    ("copies", "enrich",
     "The copies of a story: its representative post and who else published it."),
    ("search", "query", "Search stored posts with the query language; matched terms highlighted."),
    ("collect", "sources", "Collect the sources that are due (all with --once, or those named)."),
    ("run", "sources",
     "Collect and send until Ctrl-C or SIGTERM; one failing source never stops it."),
    ("sim", "sources", "Run the platform simulator in the foreground and print its URLs."),
    ("volume", "analytics",
     "Posts over time (with the previous period beside) or broken down by platform, language, "
     "country or sentiment, in the workspace time zone."),
    ("sov", "analytics",
     "Share of voice: the brand against its competitors (default: the brand_topic and "
     "competitor_topics of the organization section of veille.toml)."),
    ("influencers", "influencers",
     "Who matters and why: posts on topic, network position (PageRank), relevance, and "
     "followers and engagement where the platform gives them (\"unknown\" where it does not); "
     "whether the organization already engaged with them; how to reach them. The "
     "organization's own accounts are never listed."),
    ("link-authors", "influencers",
     "Confirm that two accounts on different platforms are one person (merged in influencer "
     "rankings from then on), or with --different that they are not."),
    ("trends", "analytics",
     "Terms and phrases rising against their own baseline (log-likelihood)."),
    ("top", "analytics", "Top posts, authors, hashtags, domains, links, mentions or stories."),
    ("report", "analytics",
     "A report for a topic and period: headline figures with their change, charts, top posts "
     "and stories, influencers, platforms, sentiment, trending terms and plain-language "
     "findings, as HTML or PDF, in English or French."),
    ("serve", "serve", "Serve the web app and the REST API (stop with Ctrl-C)."),
    ("sentiment", "enrich", "Sentiment corrections."),
    ("query", "query", "Check, explain and test queries."),
    ("topic", "topic", "Topics: named saved queries, every version kept."),
    ("source", "sources", "Configure where veille collects posts."),
    ("quarantine", "sources", "Items a source fetched but could not read."),
    ("alert", "alerts", "Alerts: topic or query matches, digests, spikes, silence."),
    ("privacy", "privacy", "Forget people's data: on request, and by age."),
    ("plan", "plan", "The presence plan: objectives, KPIs, people, channels, cost."),
    ("draft", "draft", "Check drafts against each platform's rules and the guidelines."),
    ("publish", "publish", "Post as the organization on Mastodon, Bluesky and WordPress."),
    ("calendar", "calendar", "The content calendar: posts to publish, when."),
    ("inbox", "inbox", "The engagement inbox: triage, assign, answer."),
    ("rule", "inbox", "Inbox rules: conditions → actions, run in order on every new item "
     "(or, --on, on an item due soon or past its target)."),
    ("user", "users", "Accounts of the web app, with roles viewer < analyst < manager < admin."),
    ("token", "users", "API tokens for the REST API (revocable)."),
    ("store", "store", "Where posts and state are kept: move them, serve the posts."),
)  # fmt: skip


def command_modules() -> tuple[str, ...]:
    """The modules that add commands, each once, in :data:`COMMANDS`' order."""
    return tuple(dict.fromkeys(module for _, module, _ in COMMANDS))


def module_commands(module: str) -> MadeOnLookup:
    """The click commands that ``veille.cli.<module>`` adds, by name, made
    as the ``veille`` app makes them: one line each in a group's list, help
    in the reader's language (:mod:`veille.cli.helptext`). Each is made
    when it is first looked up (:class:`MadeOnLookup`)."""
    import typer

    from veille.cli.helptext import said_help_everywhere
    from veille.cli.root import one_line_summaries

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      rich_markup_mode="rich")  # fmt: skip
    importlib.import_module(f"veille.cli.{module}").register(app)
    one_line_summaries(app)
    said_help_everywhere(app)
    return MadeOnLookup(app)


class MadeOnLookup(Mapping[str, "Command"]):
    """The commands and groups of a typer ``app`` as click commands, each
    made (its parameters read from its function's signature, typer's
    costliest step) when it is first looked up, a group's own commands in
    turn. ``veille plan kpis`` makes ``plan`` and ``kpis``, not the 35 other
    commands and groups of the plan (a fifth of its start's CPU, before).

    typer offers no public way to make one command of an app; its own
    functions are called here as its ``get_group`` calls them, and
    ``tests/test_cli_made_on_lookup.py`` holds every command so made equal
    to typer's build of the whole app (its parameters, help pages in English
    and French, usage errors), so that a typer upgrade that changes them
    fails there rather than quietly here.
    """

    def __init__(self, app: typer.Typer) -> None:
        from typer.main import get_command_name, solve_typer_info_defaults

        self._app = app
        self._infos: dict[str, CommandInfo | TyperInfo] = {}
        # typer's order: the commands, then the groups (their help lists them so)
        for command in app.registered_commands:
            if command.callback is not None:
                self._infos[command.name or get_command_name(command.callback.__name__)] = command
        for group in app.registered_groups:
            name = solve_typer_info_defaults(group).name
            if not isinstance(name, str) or not name:
                raise ValueError(f"a group of {app.info.name!r} has no name")  # as typer's
            self._infos[name] = group
        self._made: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._make(self._infos[name])
        return made

    def _make(self, info: CommandInfo | TyperInfo) -> Command:
        import copy

        import typer
        from typer.main import get_command_from_info, get_group_from_info

        app = self._app
        short = app.pretty_exceptions_short
        markup = app.rich_markup_mode
        if isinstance(info, typer.models.CommandInfo):
            return get_command_from_info(info, pretty_exceptions_short=short,
                                         rich_markup_mode=markup)  # fmt: skip
        sub = info.typer_instance
        assert sub is not None  # a named group is made from a Typer
        # The group itself (its options, callback and help) from a copy that
        # has no commands; its commands made on lookup like these.
        bare = copy.copy(sub)
        bare.registered_commands, bare.registered_groups = [], []
        alone = copy.copy(info)
        alone.typer_instance = bare
        group = get_group_from_info(alone, pretty_exceptions_short=short,
                                    suggest_commands=app.suggest_commands,
                                    rich_markup_mode=markup)  # fmt: skip
        group.commands = MadeOnLookup(sub)  # type: ignore[assignment]
        return group

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos


class LazyCommands(MutableMapping[str, "Command"]):
    """The ``commands`` of the ``veille`` group: every name of
    :data:`COMMANDS` is there, its command made when it is first looked up
    (with the others of its module). click and typer read a group's
    commands through this mapping: resolving the command line looks up one
    name, a mistyped one is matched against the names alone."""

    def __init__(self) -> None:
        self._module = {name: module for name, module, _ in COMMANDS}
        self._made: dict[str, Command] = {}
        self._modules: dict[str, MadeOnLookup] = {}  # a module's, made once

    def __getitem__(self, name: str) -> Command:
        if name not in self._made:
            module = self._module.get(name)
            if module is None:
                raise KeyError(name)
            made = self._modules.get(module)
            if made is None:
                made = self._modules[module] = module_commands(module)
            if name not in made:
                raise KeyError(name)  # COMMANDS names one its module no longer adds
            self._made[name] = made[name]
        return self._made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._made[name] = command  # click's add_command (a plugin's own)

    def __delitem__(self, name: str) -> None:
        self._made.pop(name, None)
        self._module.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._module
        yield from (name for name in self._made if name not in self._module)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        return name in self._module or name in self._made


def listed_commands() -> dict[str, Command]:
    """Each command as ``veille --help`` lists it, its module not imported:
    a command that has only its name and its line."""
    from typer.core import TyperCommand

    return {
        name: TyperCommand(name, help=summary, short_help=summary) for name, _, summary in COMMANDS
    }
