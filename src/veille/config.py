"""Workspace settings: ``veille.toml`` plus ``VEILLE_*`` environment variables.

Nothing is read at import time: :func:`load_settings` reads a file when asked.
Every setting has a default, shown (commented) in the file ``veille init``
writes; an unknown key or a value of the wrong type is a :class:`ConfigError`
naming the key and the file.

No ``from __future__ import annotations`` here: a field's type stays the
type itself (``fields(cls)[i].type``), read as such at each load, where
string annotations made every load evaluate them again with
``typing.get_type_hints`` (~3-10 ms at each opening of a workspace: every
command, every test's). Each settings class has a docstring: without one,
``dataclass`` writes one from the class's signature as it is made (~2 ms of
each import for the fourteen).
"""

import ipaddress
import os
import re
import tomllib
import types
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from veille.errors import ConfigError, Figure, tr
from veille.workspace_folder import CONFIG_NAME as CONFIG_NAME

_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$"
)


@dataclass(frozen=True)
class WorkspaceSettings:
    """The ``[workspace]`` section of veille.toml."""

    name: str = "veille"
    timezone: str = "UTC"
    # Languages of the user interface, reports and e-mails by default.
    ui_language: str = "en"
    # The plan's money (costs, budget) is in this currency (ISO 4217).
    currency: str = "EUR"


@dataclass(frozen=True)
class StoreSettings:
    """The ``[store]`` section of veille.toml."""

    # Where posts and the state are kept, by URL (see veille.store.registry);
    # empty: the older ``backend``/``path`` pair, one SQLite file by default.
    posts: str = ""
    state: str = ""
    backend: str = "sqlite"
    path: str = "veille.db"

    def urls(self) -> tuple[str, str]:
        """``(posts URL, state URL)``."""
        if self.posts and self.state:
            return self.posts, self.state
        if self.backend != "sqlite":
            raise ConfigError(
                tr(
                    "[store] backend %(backend)r is not available in this version",
                    backend=self.backend,
                ),
                hint=tr(
                    'Use backend = "sqlite", or set posts = "…" and state = "…" to store URLs.'
                ),
            )
        default = "sqlite:///" + self.path
        return self.posts or default, self.state or default


@dataclass(frozen=True)
class HttpSettings:
    """The ``[http]`` section of veille.toml."""

    allow_private_networks: bool = False
    timeout_seconds: float = 20.0
    max_body_bytes: int = 20_000_000
    max_retries: int = 4
    per_host_concurrency: int = 4
    user_agent: str = "veille/0.1 (+https://veille.invalid/bot; self-hosted social listening)"


@dataclass(frozen=True)
class EnrichSettings:
    """The ``[enrich]`` section of veille.toml."""

    languages: tuple[str, ...] = ("fr", "en")
    min_language_confidence: float = 0.5
    sentiment_backend: str = "lexicon"
    model_dir: str = ""
    model_languages: tuple[str, ...] = ()
    model_batch_size: int = 32
    language_high_accuracy: bool = False
    duplicate_threshold: float = 0.6


@dataclass(frozen=True)
class SmtpSettings:
    """The ``[smtp]`` section of veille.toml."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    user: str = ""
    password_env: str = "VEILLE_SMTP_PASSWORD"
    sender: str = "veille@localhost"


@dataclass(frozen=True)
class WebSettings:
    """The ``[web]`` section of veille.toml."""

    host: str = "127.0.0.1"
    port: int = 8000
    # Where links in e-mails and feeds point; empty: where the web app serves
    # this workspace now, else host and port (veille.served_at).
    base_url: str = ""
    # Addresses of the proxies whose X-Forwarded-For (the visitor's address)
    # veille serve believes; anyone else's is ignored.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    # How long /healthz waits for each store before answering 503 naming it.
    health_timeout_seconds: float = 3.0
    # How long a page waits for an upgrade of the workspace's database
    # (counted from the upgrade's start) before answering 503 "upgrading".
    upgrade_wait_seconds: float = 5.0


@dataclass(frozen=True)
class ApiSettings:
    """The ``[api]`` section of veille.toml."""

    # Requests a minute one API token may make (every web worker on the state
    # store counts for all); past it: 429 with Retry-After. 0: no limit.
    rate_limit_per_minute: int = 600
    # Origins (scheme://host[:port]) whose pages may call /api/ from a
    # browser (CORS); empty: none may (no Access-Control-Allow-Origin).
    cors_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganizationSettings:
    """The ``[organization]`` section of veille.toml."""

    # The organization's own accounts ("platform:handle" or "handle").
    handles: tuple[str, ...] = ()
    # Topic names used by analytics and reports.
    brand_topic: str = ""
    competitor_topics: tuple[str, ...] = ()
    sector_topic: str = ""


@dataclass(frozen=True)
class AlertSettings:
    """The ``[alerts]`` section of veille.toml."""

    # Attempts before a delivery moves to the dead letters.
    max_attempts: int = 6
    # First retry after this many seconds, doubling each time.
    retry_base_seconds: float = 30.0
    send_timeout_seconds: float = 15.0
    # How often the dispatcher (daemon) looks for due digests and monitors.
    dispatch_interval_seconds: float = 30.0


@dataclass(frozen=True)
class PrivacySettings:
    """The ``[privacy]`` section of veille.toml."""

    # Posts published before the start (UTC) of the day this many days ago are
    # deleted (0: kept forever); the aggregates (volumes, topics, hashtags) are kept.
    retention_days: int = 0
    # Raw platform payloads are emptied after this many days (0: kept whole).
    raw_days: int = 0
    # Inbox items (their copy of the post, notes, replies, labels, history)
    # untouched for this many days are deleted (0: kept forever). The inbox
    # keeps its own copy of each post: retention_days does not reach it.
    inbox_days: int = 0
    # `veille run` finishes an erasure left unfinished once no process has
    # worked on it for this many minutes (its lease's last heartbeat, every
    # 20 s while it runs); one whose process still runs is never taken over.
    erasure_resume_minutes: int = 60


@dataclass(frozen=True)
class InboxSettings:
    """The ``[inbox]`` section of veille.toml."""

    # Working time, for response targets (empty time zone: [workspace] timezone).
    timezone: str = ""
    working_hours: str = "09:00-18:00"
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    holidays: tuple[str, ...] = ()
    # "priority=duration" in working time; a day ("d") is one working day.
    first_response_targets: tuple[str, ...] = ("urgent=1h", "high=4h", "normal=1d", "low=3d")
    resolution_targets: tuple[str, ...] = ("urgent=1d", "high=2d", "normal=5d", "low=10d")
    due_soon_minutes: int = 30
    require_approval: bool = False
    reply_claim_minutes: int = 15


@dataclass(frozen=True)
class PlanSettings:
    """The ``[plan]`` section of veille.toml."""

    # Calendar posts wait for a manager's approval before they are published.
    require_approval: bool = False
    # How often `veille run` looks for calendar posts that are due.
    publish_interval_seconds: float = 30.0


@dataclass(frozen=True)
class BackupSettings:
    """The ``[backup]`` section of veille.toml."""

    # Where `veille run` (the process that schedules: plain, --serve or
    # --role scheduler) writes a backup of the workspace on its own; empty:
    # none. A folder outside the workspace (another disk, ideally).
    folder: str = ""
    # Hours between two backups, and how many backups are kept.
    every_hours: float = 24.0
    keep: int = 7


@dataclass(frozen=True)
class Settings:
    """A workspace's settings: one field per section of veille.toml."""

    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    enrich: EnrichSettings = field(default_factory=EnrichSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    organization: OrganizationSettings = field(default_factory=OrganizationSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    plan: PlanSettings = field(default_factory=PlanSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)


TEMPLATE = """\
# veille workspace settings. Every setting is shown with its default;
# uncomment a line to change it. Environment variables VEILLE_* override
# some of them (named beside each). A number outside the values it may take
# is refused, with its allowed range.

[workspace]
# name = "veille"
# Time zone for days, weeks, digests and reports (an IANA name).
# timezone = "UTC"
# Language of reports and e-mails unless an alert or report says otherwise, and
# of what the command line says (its errors, the notices of an upgrade) unless
# veille --language says otherwise: "en" or "fr". Unset, the command line
# follows the locale (LANG=fr_FR.UTF-8: French).
# ui_language = "en"
# Currency of the plan's costs and budget (an ISO 4217 code: "EUR", "USD",
# "GBP"…), shown with each amount the way the reader's language writes it.
# currency = "EUR"

[store]
# Where posts and the state (sources, topics, alerts, outbox…) are kept, by URL:
# "sqlite:///FILE" is relative to this folder, "sqlite:////abs/FILE" absolute.
# Empty: the file named by backend/path below (one SQLite file for both).
# posts = ""
# state = ""
# backend = "sqlite"
# Database file, relative to this folder.
# path = "veille.db"

[http]
# Refuse private, loopback and link-local addresses unless true
# (env VEILLE_ALLOW_PRIVATE_NETWORKS=1). The simulator and the demo need it.
# allow_private_networks = false
# timeout_seconds = 20.0
# max_body_bytes = 20000000
# max_retries = 4
# per_host_concurrency = 4
# user_agent = "veille/0.1 (+https://veille.invalid/bot; self-hosted social listening)"

[enrich]
# Languages to detect; any language lingua knows, as ISO 639-1 codes.
# languages = ["fr", "en"]
# Below this confidence a post's language is "und".
# min_language_confidence = 0.5
# "lexicon" (built in) or "transformers" (pip install veille[transformers]).
# sentiment_backend = "lexicon"
# Directory of a local transformer model, for sentiment_backend = "transformers".
# model_dir = ""
# Languages the model scores; empty: every post, "und" included (a multilingual
# model). Posts in other languages are "unscored".
# model_languages = []
# Posts per batch given to the model (larger is faster on a GPU, uses more memory).
# model_batch_size = 32
# lingua's high-accuracy mode: better on very short posts, about 5 times slower.
# language_high_accuracy = false
# Posts whose word shingles overlap at least this much (Jaccard, 0..1) are
# copies of one story (syndicated or near-duplicate).
# duplicate_threshold = 0.6

[smtp]
# host = "127.0.0.1"
# port = 25
# "none", "starttls" or "tls".
# security = "none"
# user = ""
# The password is never written here: name the environment variable holding it.
# password_env = "VEILLE_SMTP_PASSWORD"
# sender = "veille@localhost"

[web]
# host = "127.0.0.1"
# port = 8000
# Links in e-mails and feeds point here (e.g. "https://veille.example.org").
# Empty, they point where veille serve (or run --serve, demo --serve) serves
# this workspace on this machine now, else to host and port above. Set it
# behind a proxy, or when veille run sends from another machine.
# base_url = ""
# The proxies in front of veille serve, by address: their X-Forwarded-For
# header gives each visitor's address (for the sign-in limits and the log).
# A proxy on another machine goes here; no one else's header is believed.
# trusted_proxies = ["127.0.0.1"]
# How long /healthz waits for each store (seconds) before answering 503
# naming it: give the load balancer's check a longer timeout than this.
# health_timeout_seconds = 3.0
# While the workspace's database is upgraded (once, after an upgrade of
# veille: minutes over a million posts), a page waits this long (seconds,
# counted from the upgrade's start) before answering 503 "veille is
# upgrading" with Retry-After: keep it below the proxy's timeout (some
# balancers answer 504 after 1-5 s), or 0 to answer at once.
# upgrade_wait_seconds = 5.0

[api]
# Requests a minute one API token may make, counted in the state store (so
# every web worker shares the count); past it the API answers 429 with
# Retry-After. 0: no limit.
# rate_limit_per_minute = 600
# The origins (scheme://host[:port]) whose pages may call /api/ from a
# browser with a token (CORS). Empty: no page of another origin may read
# an answer (no Access-Control-Allow-Origin is sent). For example:
# ["https://dashboard.example.org"].
# cors_origins = []

[alerts]
# Attempts before a delivery moves to the dead letters (`veille alert dead`).
# max_attempts = 6
# First retry after this many seconds, doubling each time.
# retry_base_seconds = 30.0
# send_timeout_seconds = 15.0
# How often `veille alert dispatch --loop` looks for due digests and monitors.
# dispatch_interval_seconds = 30.0

[organization]
# The organization's own accounts, as "platform:handle" or "handle". Influencers
# they replied to or mentioned are shown as already engaged; they are never
# listed as influencers themselves.
# handles = []
# Topics (by name) for "talk about us", share of voice and "shape our sector".
# brand_topic = ""
# competitor_topics = []
# sector_topic = ""

[privacy]
# Posts are people's personal data. Delete posts published more than this many
# days ago, by whole days (UTC), once a day (0: keep them); volumes, topics and
# hashtag counts are kept.
# retention_days = 0
# Empty the raw platform payloads of posts older than this many days (0: keep).
# raw_days = 0
# Delete inbox items (their copy of the post, notes, replies) untouched for
# this many days (0: keep them). retention_days does not reach the inbox.
# inbox_days = 0
# veille run finishes an erasure (veille privacy erase) left unfinished, by a
# crash or a kill, once no process has worked on it for this many minutes
# (a running erasure beats every 20 s); one still running is never taken over.
# erasure_resume_minutes = 60

[inbox]
# Working time for response targets (see docs/inbox.md). Empty time zone: the
# workspace's. Hours "HH:MM-HH:MM" ("00:00-24:00": all day); days mon … sun;
# holidays as "YYYY-MM-DD".
# timezone = ""
# working_hours = "09:00-18:00"
# working_days = ["mon", "tue", "wed", "thu", "fri"]
# holidays = []
# Targets per priority, in working time: "30m", "4h", "1d" (one working day).
# first_response_targets = ["urgent=1h", "high=4h", "normal=1d", "low=3d"]
# resolution_targets = ["urgent=1d", "high=2d", "normal=5d", "low=10d"]
# An item is "due soon" this many minutes before its target.
# due_soon_minutes = 30
# Replies wait for a manager's approval before they are sent.
# require_approval = false
# How long "someone is replying" is shown to the others.
# reply_claim_minutes = 15

[plan]
# Calendar posts wait for a manager's approval (`veille calendar approve`).
# require_approval = false
# How often `veille run` publishes the calendar posts that are due.
# publish_interval_seconds = 30.0

[backup]
# `veille run` backs up the workspace into this folder on its own (each backup
# a folder veille-YYYYMMDD-HHMMSS that opens as a workspace); empty: never.
# With posts in a chDB folder, the only way to back up while veille runs.
# Absolute, or relative to this folder; outside the workspace (another disk).
# folder = ""
# every_hours = 24.0
# Backups kept: the oldest beyond this many are deleted.
# keep = 7
"""

_TRUE = {"1", "true", "yes", "on"}

# The values each number may take: (section, key) -> (lowest, highest), both
# allowed. Outside them a setting would break veille quietly (a negative body
# limit refuses every response, 0 connections per host waits forever, an
# infinite timeout never gives up) or make no sense (a similarity above 1).
# [store] holds no number today; its owner adds its own here.
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("http", "timeout_seconds"): (0.1, 3600),
    ("http", "max_body_bytes"): (1024, 10_000_000_000),
    ("http", "max_retries"): (0, 100),
    ("http", "per_host_concurrency"): (1, 256),
    ("enrich", "min_language_confidence"): (0, 1),
    ("enrich", "model_batch_size"): (1, 100_000),
    ("enrich", "duplicate_threshold"): (0.05, 1),
    ("smtp", "port"): (1, 65535),
    ("web", "port"): (1, 65535),
    ("web", "health_timeout_seconds"): (0.1, 300),
    ("web", "upgrade_wait_seconds"): (0, 300),
    ("api", "rate_limit_per_minute"): (0, 1_000_000),
    ("alerts", "max_attempts"): (1, 1000),
    ("alerts", "retry_base_seconds"): (0, 86400),
    ("alerts", "send_timeout_seconds"): (0.1, 3600),
    ("alerts", "dispatch_interval_seconds"): (0.1, 86400),
    ("inbox", "due_soon_minutes"): (0, 10_080),
    ("inbox", "reply_claim_minutes"): (1, 1440),
    ("plan", "publish_interval_seconds"): (0.1, 86400),
    ("backup", "every_hours"): (0.01, 8760),
    ("backup", "keep"): (1, 10_000),
}


def _check_range(section: str, key: str, value: Any, source: str) -> None:
    bounds = RANGES.get((section, key))
    if bounds is None or value is None:
        return
    low, high = bounds
    # `not low <= value <= high` also refuses NaN, for which every comparison is false.
    if not low <= value <= high:
        shown = "inf" if value == float("inf") else repr(value)
        raise ConfigError(
            tr(
                "[%(section)s] %(key)s = %(value)s in %(source)s is out of range",
                section=section,
                key=key,
                value=shown,
                source=source,
            ),
            hint=tr("Use a value from %(low)s to %(high)s.", low=Figure(low), high=Figure(high)),
        )


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, options[0], where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(
                tr("%(where)s must be a list, not %(value)r", where=where, value=value)
            )
        (item,) = get_args(hint)[:1]
        return tuple(_coerce(v, item, where) for v in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(
                tr("%(where)s must be true or false, not %(value)r", where=where, value=value)
            )
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                tr("%(where)s must be a whole number, not %(value)r", where=where, value=value)
            )
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                tr("%(where)s must be a number, not %(value)r", where=where, value=value)
            )
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(
                tr("%(where)s must be a string, not %(value)r", where=where, value=value)
            )
        return value
    return value


def _field_types(cls: type) -> dict[str, Any]:
    """Each field of the dataclass ``cls`` and its type, in their order."""
    return {f.name: f.type for f in fields(cls)}


def _section(cls: type, data: Any, where: str, source: str = CONFIG_NAME) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(
            tr("[%(section)s] in %(source)s must be a table of settings",
               section=where, source=source)
        )  # fmt: skip
    hints = _field_types(cls)
    known = set(hints)
    for key in data:
        if key not in known:
            raise ConfigError(
                tr(
                    "unknown setting %(key)r in [%(section)s] of %(source)s",
                    key=key,
                    section=where,
                    source=source,
                ),
                hint=tr("Known settings there: %(known)s.", known=", ".join(sorted(known))),
            )
    try:
        values = {k: _coerce(v, hints[k], f"[{where}] {k}") for k, v in data.items()}
    except ConfigError as exc:
        raise ConfigError(
            tr("%(message)s (in %(source)s)", message=exc.message, source=source), hint=exc.hint
        ) from None
    for k, v in values.items():
        _check_range(where, k, v, source)
    return cls(**values)


def parse_settings(data: dict[str, Any], *, source: str = CONFIG_NAME) -> Settings:
    """Settings from a parsed TOML mapping, validated."""
    hints = _field_types(Settings)
    sections = {}
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(
                tr("unknown section [%(section)s] in %(source)s", section=key, source=source),
                hint=tr("Known sections: %(known)s.", known=", ".join(hints)),
            )
        sections[key] = _section(hints[key], value, key, source)
    settings = Settings(**sections)
    _check(settings, source)
    return settings


def _check(settings: Settings, source: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(settings.workspace.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            tr(
                "[workspace] timezone %(zone)r in %(source)s is not a time zone",
                zone=settings.workspace.timezone,
                source=source,
            ),
            hint=tr('Use an IANA name such as "Europe/Paris" or "America/Toronto".'),
        ) from exc
    if settings.smtp.security not in ("none", "starttls", "tls"):
        raise ConfigError(
            tr('[smtp] security in %(source)s must be "none", "starttls" or "tls"', source=source)
        )
    for address in settings.web.trusted_proxies:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(
                tr(
                    "[web] trusted_proxies in %(source)s: %(address)r is not an IP address",
                    source=source,
                    address=address,
                ),
                hint=tr('List the proxies by address, e.g. ["127.0.0.1", "10.0.0.2"].'),
            ) from None
    for origin in settings.api.cors_origins:
        if not _ORIGIN.match(origin):
            raise ConfigError(
                tr(
                    "[api] cors_origins in %(source)s: %(origin)r is not an origin",
                    source=source,
                    origin=origin,
                ),
                hint=tr(
                    "Give each origin as scheme://host[:port], without a path or a trailing "
                    'slash, e.g. ["https://dashboard.example.org"]; "*" is not taken: '
                    "list them."
                ),
            )
    if settings.workspace.ui_language not in ("en", "fr"):
        raise ConfigError(
            tr('[workspace] ui_language in %(source)s must be "en" or "fr"', source=source)
        )
    from babel.numbers import list_currencies

    if settings.workspace.currency not in list_currencies():
        raise ConfigError(
            tr(
                "[workspace] currency %(value)r in %(source)s is not a currency code",
                value=settings.workspace.currency, source=source,
            ),
            hint=tr('Give an ISO 4217 code in capitals, such as "EUR", "USD" or "GBP".'),
        )  # fmt: skip
    from veille.inbox.hours import check_settings

    check_settings(settings, source)
    for key in ("retention_days", "raw_days", "inbox_days"):
        days = getattr(settings.privacy, key)
        if not 0 <= days <= 36_500:
            raise ConfigError(
                tr(
                    "[privacy] %(key)s = %(value)s in %(source)s is out of range",
                    key=key,
                    value=days,
                    source=source,
                ),
                hint=tr("Use a number of days from 0 (keep forever) to 36500."),
            )
    minutes = settings.privacy.erasure_resume_minutes
    if not 0 <= minutes <= 10_080:
        raise ConfigError(
            tr(
                "[privacy] erasure_resume_minutes = %(value)s in %(source)s is out of range",
                value=minutes,
                source=source,
            ),
            hint=tr(
                "Use a number of minutes from 0 to 10080 (a week): how long an unfinished "
                "erasure shows no sign of life before veille run finishes it "
                "(60 by default)."
            ),
        )


def apply_environment(settings: Settings, environ: dict[str, str] | None = None) -> Settings:
    """Overrides from ``VEILLE_*`` variables."""
    env = os.environ if environ is None else environ
    if "VEILLE_ALLOW_PRIVATE_NETWORKS" in env:
        allow = env["VEILLE_ALLOW_PRIVATE_NETWORKS"].strip().lower() in _TRUE
        settings = replace(settings, http=replace(settings.http, allow_private_networks=allow))
    return settings


def load_settings(path: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read and validate ``path`` (a ``veille.toml``), then apply the environment."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(tr("%(path)s does not exist", path=str(path))) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            tr("%(path)s is not valid TOML: %(why)s", path=str(path), why=str(exc)),
            hint=tr("Fix the line named above."),
        ) from exc
    return apply_environment(parse_settings(data, source=str(path)), environ)


def as_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain data (for ``--format json`` and exports)."""

    def conv(obj: Any) -> Any:
        if is_dataclass(obj) and not isinstance(obj, type):
            return {f.name: conv(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, tuple):
            return list(obj)
        return obj

    result = conv(settings)
    assert isinstance(result, dict)
    return result
