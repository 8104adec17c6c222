"""Configured sources: add, list, get, enable, remove; their health and quarantine.

The library API under ``veille source …`` and ``veille quarantine …`` (and the
web app): the rules live here, the rows in the StateStore
(:mod:`veille.store.protocols.sources`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from veille.errors import (
    FIELD_EVERY,
    AlreadyExists,
    Count,
    NotFound,
    Place,
    Text,
    UsageError,
    tr,
    trn,
)
from veille.i18n import PLATFORM_NAMES, platform_name
from veille.services.audit import record as record_change
from veille.services.paging import ListPage, list_page
from veille.sources.base import SourceConfigError, registry
from veille.store.base import StateStore
from veille.store.protocols.sources import Health, QuarantinedItem, SourceRecord
from veille.suggest import did_you_mean, nearest
from veille.urlmask import mask_url

__all__ = [
    "Health",
    "QuarantinedItem",
    "SourceRecord",
    "add_source",
    "config_lines",
    "cursor_name",
    "every_said",
    "every_text",
    "get_source_record",
    "health",
    "list_sources",
    "parse_every",
    "quarantined",
    "remove_source",
    "set_enabled",
    "shown_config",
]

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")


def parse_every(value: str | int | None, default: int) -> int:
    """Seconds from ``90``, ``30s``, ``15m``, ``2h`` or ``1d`` (at least 10 s)."""
    if value is None or value == "":
        return default
    if isinstance(value, int):
        seconds = value
    else:
        m = _EVERY.match(value)
        if not m:
            raise UsageError(
                tr("%(field)s %(value)r is not a duration", field=FIELD_EVERY, value=value),
                hint=tr("Use e.g. 30s, 15m, 2h or 1d."),
            )
        unit = m.group(2).lower() if m.group(2) else None
        seconds = int(float(m.group(1)) * _UNITS[unit])
    if seconds < 10:
        raise UsageError(
            tr("%(field)s %(value)r is too often", field=FIELD_EVERY, value=value),
            hint=tr("Poll at most every 10 seconds."),
        )
    return seconds


#: The units an interval is said in, largest first, each with its seconds.
_SIZES = (("d", 86400), ("h", 3600), ("m", 60))


def _in_unit(seconds: int) -> tuple[int, str]:
    """``seconds`` as a count of the largest unit that says them exactly
    (``(15, "m")`` for 900, ``(90, "s")`` for 90)."""
    for unit, size in _SIZES:
        if seconds >= size and seconds % size == 0:
            return seconds // size, unit
    return seconds, "s"


def every_text(seconds: int) -> str:
    """``seconds`` as :func:`parse_every` takes them, in the largest unit that
    says them exactly: ``15m`` for 900, ``90s`` for 90, ``1d`` for 86400."""
    n, unit = _in_unit(seconds)
    return f"{n}{unit}"


# The unit's words, counted (« 5 minutes »), and an interval said as a page
# says it beside a source's kind (« toutes les 30 minutes »).
_UNIT_WORDS = {
    "d": ("%(n)s day", "%(n)s days"),
    "h": ("%(n)s hour", "%(n)s hours"),
    "m": ("%(n)s minute", "%(n)s minutes"),
    "s": ("%(n)s second", "%(n)s seconds"),
}
_EVERY_WORDS = {
    "d": ("every day", "every %(n)s days"),
    "h": ("every hour", "every %(n)s hours"),
    "m": ("every minute", "every %(n)s minutes"),
    "s": ("every second", "every %(n)s seconds"),
}


def every_words(seconds: int) -> Text:
    """``seconds`` in words, in the unit :func:`every_text` picks (« 5
    minutes », « 1 jour », « 90 secondes »), for a reader who reads no
    ``--every`` code (said in their language by the CLI's speaker)."""
    n, unit = _in_unit(seconds)
    one, many = _UNIT_WORDS[unit]
    return trn(one, many, n, n=Count(n))


def every_said(seconds: int) -> Text:
    """How often a source is collected, as a page says it beside its kind
    ("every 30 minutes", « toutes les 30 minutes », "every hour"), in the
    unit :func:`every_text` picks."""
    n, unit = _in_unit(seconds)
    one, many = _EVERY_WORDS[unit]
    return trn(one, many, n, n=Count(n))


def kind_words(kind: str) -> Text | str:
    """A source kind in words: what the generic kinds read (« flux »,
    « pages web », « fichier »), a platform's kind by its name (Hacker
    News); a plugin's kind as it is."""
    words = {"feeds": tr("feeds"), "web": tr("web pages"), "file": tr("file")}
    if kind in words:
        return words[kind]
    return platform_name(kind) if kind in PLATFORM_NAMES else kind


# Source kinds people name by their platform or format (``rss``: the
# ``feeds`` source reads RSS, Atom and JSON Feed alike).
KIND_ALIASES = {"twitter": "x", "rss": "feeds", "atom": "feeds", "feed": "feeds"}


def source_kind(kind: str) -> Any:
    """The registered source of ``kind``, or an error naming the nearest kind."""
    sources = registry()
    if kind in sources:
        return sources[kind]
    alias = KIND_ALIASES.get(kind.casefold())
    best = alias if alias in sources else nearest(kind, sorted(sources))
    known = ", ".join(sorted(sources))
    raise SourceConfigError(
        tr("unknown source kind %(kind)r", kind=kind),
        hint=tr("Did you mean %(name)r? Known kinds: %(known)s.", name=best, known=known)
        if best
        else tr("Known kinds: %(known)s.", known=known),
    )


def _default_name(kind: str, target: str, taken: set[str]) -> str:
    parts = urlsplit(target)
    if parts.scheme:
        base = (parts.hostname or "") + parts.path
    elif os.path.exists(target):  # a file: its name, not its whole path
        base = os.path.basename(target.rstrip("/"))
    else:
        base = target
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-").lower()[:40] or "source"
    name = f"{kind}-{slug}"
    n = 2
    candidate = name
    while candidate in taken:
        candidate = f"{name}-{n}"
        n += 1
    return candidate


def _file_inside(kind: str, target: str, folder: Path) -> str:
    """``target`` read from ``folder`` (links followed), refused unless it
    stays inside: an analyst's ``file`` source at /etc/passwd, or at a JSON
    file of secrets, made the server read it into posts every reader saw."""
    root = folder.resolve()
    place = (root / target.strip()).resolve()  # an absolute path stays itself
    if place != root and place.is_relative_to(root):
        return str(place)
    raise UsageError(
        tr("%(kind)s source %(target)s: a file read from the web app or the API must be inside "
           "the workspace", kind=kind, target=target.strip()),
        hint=tr("Put the file in the workspace's folder and name it from there "
                "(imports/posts.csv), or add the source on the server: veille source add "
                "%(kind)s PATH.", kind=kind),
    )  # fmt: skip


def add_source(
    state: StateStore,
    kind: str,
    target: str,
    *,
    name: str | None = None,
    every: str | int | None = None,
    options: Mapping[str, str] | None = None,
    enabled: bool = True,
    actor: str | None = None,
    files_in: Path | None = None,
) -> SourceRecord:
    """Validate and store a new source; raise a :class:`UsageError` naming the
    problem. Recorded in the audit log as done by ``actor`` (a username;
    ``None``: the command line). ``files_in``: the folder a source that reads
    a file on the server must read from (the workspace, for a source added
    from the web app or the API; a relative path is read from it)."""
    source = source_kind(kind)
    if not target.strip():  # each kind said it its way ("Mastodon target '' names no instance")
        raise UsageError(
            tr("a source needs something to follow"),
            hint=tr("Write what to follow: a URL, an account, a query or a file."),
        )
    if files_in is not None and source.target_is_file:
        target = _file_inside(kind, target, files_in)
    config = source.config_from_target(target, dict(options or {}))
    seconds = parse_every(every, source.default_every)
    taken = {r.name for r in state.list_sources()}
    if name is None:
        name = _default_name(kind, target, taken)
    elif not _NAME.match(name):
        raise UsageError(
            tr("source name %(name)r is not allowed", name=name),
            hint=tr(
                "Use up to 80 letters, digits, '.', '_', ':' or '-' "
                "(starting with a letter or digit)."
            ),
        )
    if name in taken:
        raise AlreadyExists(
            tr("a source named %(name)r already exists", name=name),
            hint=tr("Choose another name, or remove that source first."),
        )
    now = datetime.now(UTC).replace(microsecond=0)
    record = SourceRecord(name, kind, source.config_to_dict(config), seconds, enabled, now)
    with state.transaction() as tx:
        tx.add_source(record)
        record_change(tx, actor, "source.add", record.name, record.kind)
    return record


# Where a source is added, for the CLI, the web app and the API.
SOURCE_ADD = Place("veille source add", page="/sources", api="POST /api/v1/sources")


def shown_config(record: SourceRecord, *, set_only: bool = False) -> dict[str, Any]:
    """The record's config with its connector's secret fields masked
    (``env:NAME`` references stay visible: they are not secrets), and the
    addresses in it without a password, a token or a key. ``set_only``
    leaves out the options that are not set (``None``), for people to read."""
    source = registry().get(record.kind)
    secrets = source.secret_fields if source is not None else ()

    def shown(key: str, value: Any) -> Any:
        if key in secrets and value and not str(value).startswith("env:"):
            return "***"
        if isinstance(value, str) and "://" in value:
            return mask_url(value)
        if isinstance(value, list):
            return [mask_url(v) if isinstance(v, str) and "://" in v else v for v in value]
        return value

    return {
        key: shown(key, value)
        for key, value in record.config.items()
        if not (set_only and value is None)
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    # JSON's string escapes are TOML's basic string escapes.
    return json.dumps(str(value), ensure_ascii=False)


def config_lines(record: SourceRecord) -> list[str]:
    """The record's config as people write it, one ``key = value`` line
    each, values in TOML (``url = "https://…"``, ``adaptive = true``), not
    as Python writes a dict (``{'url': …, 'adaptive': True}``); masked as
    :func:`shown_config` masks it, the options not set left out."""
    shown = shown_config(record, set_only=True)
    return [f"{key} = {_toml_value(value)}" for key, value in shown.items() if value != ""]


def list_sources(state: StateStore) -> list[SourceRecord]:
    return state.list_sources()


def get_source_record(state: StateStore, name: str) -> SourceRecord:
    """The source called ``name``, or NotFound naming the nearest known one."""
    found = state.find_source(name)
    if found is None:
        known = [r.name for r in state.list_sources()]
        raise NotFound(
            tr("no source named %(name)r", name=name),
            hint=did_you_mean(name, known)
            if known
            else tr("Add a source first (%(where)s).", where=SOURCE_ADD),
        )
    return found


#: The hint of :func:`get_source_record` when there is no source at all (its
#: template, as :func:`tr` keeps it).
_ADD_FIRST = "Add a source first (%(where)s)."


def told_who_may_not_add(exc: Exception) -> Exception:
    """``exc`` as told to a reader who may not add sources (a viewer, a
    read-only token): a source not found in a workspace without any no
    longer says to add one, which that reader would be refused; any other
    error as it is."""
    hint = getattr(exc, "hint", None)
    if not (isinstance(exc, NotFound) and isinstance(hint, Text)) or hint.template != _ADD_FIRST:
        return exc
    return NotFound(exc.message, hint=tr("No source yet."))


def remove_source(state: StateStore, name: str, *, actor: str | None = None) -> None:
    """Remove a source, its cursor and health; its posts stay."""
    get_source_record(state, name)
    with state.transaction() as tx:
        tx.remove_source(name, cursor=cursor_name(name))
        record_change(tx, actor, "source.remove", name)


def set_enabled(state: StateStore, name: str, enabled: bool, *, actor: str | None = None) -> None:
    get_source_record(state, name)
    with state.transaction() as tx:
        tx.set_source_enabled(name, enabled)
        record_change(tx, actor, "source.enable" if enabled else "source.disable", name)


def cursor_name(source: str) -> str:
    """The name under which a source's cursor is stored."""
    return f"source:{source}"


def health(state: StateStore, name: str | None = None) -> list[Health]:
    """Each source's health, its last error a sentence said in the reader's
    language (English where a string is used), one an older veille kept in
    English too (:func:`~veille.sources.base.restored_source_error`)."""
    from dataclasses import replace

    from veille.sources.base import restored_source_error

    if name is not None:
        get_source_record(state, name)
    return [
        replace(h, last_error=restored_source_error(h.last_error))
        for h in state.source_health(name)
    ]


def health_page(
    state: StateStore, *, q: str = "", page: int = 1, said: Callable[[str], str] | None = None
) -> ListPage[Health]:
    """One page of :func:`health` (the web page's list), failing sources
    first, those whose name, kind or last error hold every word of ``q``:
    the kind's code or its words, the error's English words, or those
    ``said`` gives them in (the reader's language, as the page shows them:
    « fichier », « Hacker News »)."""
    rows = sorted(health(state), key=lambda h: h.consecutive_failures == 0)  # stable: by name

    def words(h: Health) -> str:
        error = h.last_error or ""
        kind = kind_words(h.kind)
        shown = said(kind) if said else kind
        return f"{h.source} {h.kind} {shown} {error} {said(error) if said and error else ''}"

    return list_page(rows, words, q=q, page=page)


def quarantined(
    state: StateStore, source: str | None = None, limit: int = 1000
) -> list[QuarantinedItem]:
    """Quarantined items (of ``source``), oldest first, each error a sentence
    said in the reader's language (English where a string is used), those an
    older veille kept in English too (:func:`restored_item_error`)."""
    from dataclasses import replace

    from veille.sources.base import restored_item_error

    return [
        replace(q, error=restored_item_error(q.error)) for q in state.quarantined(source, limit)
    ]


def test_source(ws: Any, name: str) -> Any:
    """Fetch the source ``name`` once and map what it gives; nothing is stored.
    A :class:`veille.pipeline.collect.DryRun` (the posts that would be stored,
    the items that would be quarantined)."""
    from veille.http import HttpClient
    from veille.pipeline.collect import dry_run

    record = get_source_record(ws.state, name)
    with HttpClient(ws.settings.http) as http:
        return dry_run(record, http)


test_source.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def collect_now(ws: Any, name: str) -> Any:
    """Collect the source ``name`` now, due or not; its run's result."""
    from veille.pipeline.collect import collect

    get_source_record(ws.state, name)
    results = collect(ws, names=[name], force=True)
    return results[0] if results else None


def retry_quarantined(
    ws: Any, source: str | None = None, *, actor: str | None = None
) -> tuple[int, int]:
    """Read the quarantined items (of ``source``) again and store those that now
    map; ``(stored, still failing)``."""
    from veille.pipeline.collect import retry_quarantine

    if source:
        get_source_record(ws.state, source)
    stored, failing = retry_quarantine(ws, source=source)
    record_change(ws.state, actor, "quarantine.retry", source or "", f"{stored} stored")
    return stored, failing


def retried_said(stored: int, failing: int) -> Text:
    """What a retry of the quarantine did, as ``veille quarantine retry`` and
    the sources page say it: "1 item stored, 0 still failing.", each count
    agreeing with its word in the reader's language (French: 0 and 1 are
    singular)."""
    kept, left = Count(stored), Count(failing)
    return tr(
        "%(stored)s, %(failing)s.",
        stored=trn("%(n)s item stored", "%(n)s items stored", kept, n=kept),
        failing=trn("%(n)s still failing", "%(n)s still failing", left, n=left),
    )


def parse_options(values: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` items (a source's options) as a dict; blank items are skipped."""
    out: dict[str, str] = {}
    for item in values:
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                tr("option %(item)r is not KEY=VALUE", item=item), hint=tr("E.g. max_pages=5")
            )
        out[key.strip()] = value.strip()
    return out
