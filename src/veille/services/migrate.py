"""``veille store migrate``: copy a workspace's posts and state to other stores.

Posts go through the PostStore protocol (a filtered walk, oldest first, and
the idempotent upsert, in batches); a checkpoint file in the workspace lets a
rerun continue from the last batch written. State goes table by table
(:mod:`veille.store.transfer`): every table both stores have, the columns
both have, rows upserted by their key with their identifiers kept. Each
table, and the posts, are then checked by row count and by a checksum of
their values computed the same way on both sides; a rerun skips what is
already equal. Run it with the daemon stopped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from veille.errors import Count, StoreError, UsageError, tr
from veille.store.base import PostFilter
from veille.store.purged import dims_of
from veille.store.registry import get_backend, open_store, recorded_file_url
from veille.store.transfer import TableShape, combine, row_digest
from veille.urlmask import mask_url

CHECKPOINT = ".veille-migrate.json"
#: Tables a store keeps for itself (its applied migrations; SQLite's guard
#: while a retention purge runs; which extractor made its posts' trend
#: terms, which the target records for the terms it makes), which another
#: store does not need.
BOOKKEEPING = frozenset({"schema_migrations", "privacy_purge", "kept_terms"})
POST_BATCH = 2000
PAGE = 5000
# Tables that others point at first (foreign keys); the rest alphabetically,
# retried after the others when a key they point at is not there yet.
FIRST = (
    "sources", "topics", "alerts", "source_health", "topic_versions", "deliveries",
    "inbox_items", "plan_guidelines",
)  # fmt: skip

Progress = Callable[[str, int], None]


@dataclass
class TableCheck:
    """One table (or ``posts``) after the copy: rows and checksum on each side."""

    table: str
    rows_from: int
    rows_to: int
    sum_from: str
    sum_to: str
    copied: int = 0

    @property
    def ok(self) -> bool:
        return self.rows_from == self.rows_to and self.sum_from == self.sum_to


@dataclass
class MigrationReport:
    # Where the copy went, as veille.toml should name it (a file or folder
    # in the workspace by its path in it: registry.recorded_file_url), its
    # password and tokens masked (veille.urlmask).
    posts_url: str | None
    state_url: str | None
    checks: list[TableCheck] = field(default_factory=list)
    # Source tables the target has no table for (not copied).
    left: list[str] = field(default_factory=list)
    # Whether a password or token was masked in the URLs above.
    masked: bool = False

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def targets(to: str | None, posts: str | None, state: str | None) -> tuple[str | None, str | None]:
    """The posts and state URLs to copy to: ``--to`` gives each role its
    backend keeps; ``--posts``/``--state`` name them explicitly."""
    if to:
        roles = get_backend(to).roles
        posts = posts or (to if "posts" in roles else None)
        state = state or (to if "state" in roles else None)
    if posts is None and state is None:
        raise UsageError(
            tr("store migrate needs somewhere to copy to"),
            hint=tr("Give --to URL, or --posts URL and/or --state URL."),
        )
    for role, url in (("posts", posts), ("state", state)):
        if url is not None and role not in get_backend(url).roles:
            raise UsageError(
                tr("--posts %(url)r: that backend does not keep posts", url=mask_url(url))
                if role == "posts"
                else tr("--state %(url)r: that backend does not keep state", url=mask_url(url)),
                hint=tr(
                    "postgresql:// keeps state; chdb:// and clickhouse:// keep posts; "
                    "sqlite:// keeps both."
                ),
            )
    return posts, state


def _target(url: str, current: str, root: Path) -> tuple[str, str, bool]:
    """The store to copy to: ``current`` where ``url`` names the same store
    (another spelling of the workspace's own file or folder), else ``url``;
    then ``url`` as veille.toml should name it, as people may see it, and
    whether a secret was masked in it. A store kept in a file or folder is
    named by its path, relative to the workspace ``root`` when inside it
    (:func:`~veille.store.registry.recorded_file_url`: a chDB folder named
    so still finds the posts once the workspace is moved), and its path
    holds no secret: masked, a long folder name with digits in it
    (``veille-20261206-030000``) read as a token and was cut short in the
    line to paste."""
    named = recorded_file_url(url, root=root)
    if named is None:
        shown = mask_url(url)
        return url, shown, shown != url
    same = named == recorded_file_url(current, root=root)
    return (current if same else url), named, False


def migrate_workspace(
    ws: Any,
    *,
    posts_url: str | None,
    state_url: str | None,
    on_progress: Progress | None = None,
) -> MigrationReport:
    """Copy ``ws``'s posts to ``posts_url`` and its state to ``state_url``
    (either may be ``None``); the checks of every table."""
    current_posts, current_state = ws.settings.store.urls()
    # Compared as veille.toml records them: the workspace's own file or
    # folder spelled by its absolute path is the same store, not another.
    # The report is printed (--format json) and logged: its URLs as people
    # may see them, and as veille.toml should record them (the command
    # prints the lines to paste).
    report = MigrationReport(posts_url=None, state_url=None)
    if posts_url is not None:
        posts_url, report.posts_url, masked = _target(posts_url, current_posts, ws.root)
        report.masked |= masked
    if state_url is not None:
        state_url, report.state_url, masked = _target(state_url, current_state, ws.root)
        report.masked |= masked
    if posts_url == current_posts and state_url in (None, current_state):
        raise UsageError(
            tr("the posts are already in %(url)s", url=mask_url(posts_url or "")),
            hint=tr("Name another store to copy to."),
        )
    if state_url == current_state and posts_url is None:
        raise UsageError(
            tr("the state is already in %(url)s", url=mask_url(state_url or "")),
            hint=tr("Name another store to copy to."),
        )
    _refuse_unfinished_erasures(ws)
    opened: dict[str, Any] = {}

    def target(url: str, role: str) -> Any:
        if url not in opened:
            opened[url] = open_store(url, role=role, root=ws.root)
        return opened[url]

    try:
        if posts_url is not None and posts_url != current_posts:
            dst = target(posts_url, "posts")
            report.checks.append(copy_forgotten(ws.posts, dst))
            report.checks.append(copy_purged_topic_totals(ws.posts, dst))
            report.checks.append(copy_purged_rollup(ws.posts, dst))
            report.checks.append(copy_purged_entities(ws.posts, dst))
            report.checks.append(copy_purged_entity_quarters(ws.posts, dst))
            report.checks.append(copy_purged_authors(ws.posts, dst))
            report.checks.append(
                # The checkpoint, a file in the workspace (and its backups),
                # names the target by its masked URL: no password at rest.
                copy_posts(ws.posts, dst, ws.root / CHECKPOINT, mask_url(posts_url), on_progress)
            )
        if state_url is not None and state_url != current_state:
            dst = target(state_url, "state")
            copy_state(ws.state, dst, report, on_progress)
    finally:
        for store in opened.values():
            store.close()
    return report


def _refuse_unfinished_erasures(ws: Any) -> None:
    """An erasure killed midway leaves some of the person's posts (and, on
    ClickHouse, its staged take-out): moved now, they would be carried to
    the new stores, where nothing records that they are to go. One killed
    before it was recorded unfinished (an earlier release) left only its
    staged take-out (``erasing_*`` tables), or only the posts store's record
    of whom it forgot beside their posts: settled and recorded first, as
    veille run does, it is refused like the others."""
    from veille.services.privacy import (
        record_cut_erasures,
        unfinished_erasures,
        unfinished_hint,
        unfinished_message,
    )

    record_cut_erasures(ws, strict=True, scan=True)
    pending = unfinished_erasures(ws)
    if pending:
        first = pending[0]
        more = tr(" (and %(n)s more)", n=len(pending) - 1) if len(pending) > 1 else ""
        raise UsageError(
            tr("%(what)s%(more)s; nothing was moved", what=unfinished_message(first), more=more),
            hint=tr("Finish it first: %(how)s", how=unfinished_hint(first)),
        )


# -- posts ---------------------------------------------------------------------


def _digest(rows: Iterable[Iterable[Any]]) -> tuple[int, int]:
    """How many ``rows`` and their order-free checksum."""
    n, total = 0, 0
    for row in rows:
        n += 1
        total = combine(total, row_digest(row))
    return n, total


def _sorted_digest(rows: list[Any]) -> tuple[int, int]:
    """How many ``rows`` and a checksum of them all, for rows given in one
    order on both sides (:func:`~veille.store.purged.dims_of`'s): one hash
    of the whole, where a hash per row took 2 s per 200,000 rows."""
    data = json.dumps([list(r) for r in rows], ensure_ascii=False).encode()
    return len(rows), int.from_bytes(hashlib.sha256(data).digest()[:16], "big")


def _posts_digest(store: Any) -> tuple[int, int]:
    return _digest(store.post_digests(batch_size=PAGE))


def _checkpoint(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data


def _carry(
    table: str,
    what: str,
    rows: list[Any],
    dst: Any,
    read: str,
    add: str,
    missing: list[Any],
    *,
    digest: Callable[[list[Any]], tuple[int, int]] = _digest,
    held: Callable[[], list[Any]] | None = None,
) -> TableCheck:
    """Add ``missing`` to ``dst`` by its method ``add`` (a store without it
    is refused when there are some), then check ``rows`` against what its
    method ``read`` gives (or ``held``), by ``digest``."""
    read_back: Callable[[], list[Any]] = held if held is not None else getattr(dst, read, list)
    if missing:
        write = getattr(dst, add, None)
        if write is None:
            raise UsageError(
                tr(
                    "%(store)s cannot keep %(what)s (%(rows)s rows)",
                    store=type(dst).__name__,
                    what=what,
                    rows=Count(len(missing)),
                ),
                hint=tr("Move the posts to sqlite://, chdb:// or clickhouse://."),
            )
        write(missing)
    (n_from, sum_from), (n_to, sum_to) = digest(rows), digest(read_back())
    return TableCheck(table, n_from, n_to, f"{sum_from:032x}", f"{sum_to:032x}", len(missing))


def copy_forgotten(src: Any, dst: Any) -> TableCheck:
    """What erasures forgot (hashes, see :mod:`veille.store.protocols.privacy`),
    before the posts: the new store stores nothing of those people again
    either. A posts store that keeps no such record gives none."""
    records: list[Any] = getattr(src, "forgotten_records", list)()
    held: list[Any] = getattr(dst, "forgotten_records", list)()
    # Only what the target lacks: a rerun adds nothing (ClickHouse's table
    # would keep every copy).
    missing = sorted(set(map(tuple, records)) - set(map(tuple, held)))
    what = "the record of what erasures forgot"
    return _carry("forgotten", what, records, dst, "forgotten_records", "record_forgotten", missing)


def copy_purged_topic_totals(src: Any, dst: Any) -> TableCheck:
    """What saved topics count of posts a retention purge deleted (per topic
    and quarter-hour): the new store, which files only the posts it holds,
    shows the same topic volume, share of voice and sentiment. Only the difference is
    added: a rerun adds nothing."""
    from veille.store.purged import topic_totals

    read, add = "purged_topic_totals", "add_purged_topic_totals"
    # As wide on both sides (a served store of an older veille gives fewer
    # counts: its sentiment none).
    rows: list[tuple[Any, ...]] = [topic_totals(r) for r in getattr(src, read, list)()]
    held = [topic_totals(r) for r in getattr(dst, read, list)()]
    missing = _lacking(rows, held, 2)
    what = "what saved topics count of purged posts"

    def read_back() -> list[tuple[Any, ...]]:
        return [topic_totals(r) for r in getattr(dst, read, list)()]

    return _carry("topic_purged", what, rows, dst, read, add, missing, held=read_back)


def copy_purged_rollup(src: Any, dst: Any) -> TableCheck:
    """What the workspace's figures count of posts a retention purge deleted
    (per quarter-hour, platform, language, country and sentiment: see
    :mod:`veille.store.purged`): the new store, which rebuilds its rollups
    from the posts it holds, shows the same volume by day, platform,
    language, country and sentiment, headline and reports over the purged
    months. Compared as SQLite keeps them (every dimension and pair, the
    questions the pages ask): only the difference is added, so a rerun (or
    a resumed copy) adds nothing."""
    read, add = "purged_rollup", "add_purged_rollup"
    want, have = _purged_dims(src), _purged_dims(dst)
    missing = []
    if want != have:
        held: list[tuple[Any, ...]] = getattr(dst, read, list)()
        missing = _lacking(getattr(src, read, list)(), held, 5)
    what = "what the figures count of purged posts"
    return _carry("post_rollup", what, want, dst, read, add, missing,
                  digest=_sorted_digest, held=lambda: _purged_dims(dst))  # fmt: skip


def _purged_dims(store: Any) -> list[tuple[Any, ...]]:
    """What ``store``'s rollup counts of purged posts, per dimension and pair
    (:func:`~veille.store.purged.dims_of`): a SQLite store gives them as it
    keeps them, without rebuilding their combinations."""
    given = getattr(store, "purged_rollup_dims", None)
    if given is not None:
        return list(given())
    return dims_of(getattr(store, "purged_rollup", list)())


def copy_purged_entities(src: Any, dst: Any) -> TableCheck:
    """The hashtags and link domains of posts a retention purge deleted (per
    UTC day and value): top hashtags and domains over the purged months read
    as before the move. Only the difference is added."""
    read, add = "purged_entities", "add_purged_entities"
    rows: list[tuple[Any, ...]] = getattr(src, read, list)()
    missing = _lacking(rows, getattr(dst, read, list)(), 3)
    what = "the hashtags and domains of purged posts"
    return _carry("entity_rollup", what, rows, dst, read, add, missing)


def copy_purged_entity_quarters(src: Any, dst: Any) -> TableCheck:
    """The same per quarter-hour (SQLite's quarter-hour rows, ClickHouse's
    ``entity_purged``): top hashtags and domains over a period whose edge
    falls inside a purged day (a day in another time zone) read as before
    the move. Only the difference is added."""
    read, add = "purged_entity_quarters", "add_purged_entity_quarters"
    rows: list[tuple[Any, ...]] = getattr(src, read, list)()
    missing = _lacking(rows, getattr(dst, read, list)(), 3)
    what = "the hashtags and domains of purged posts per quarter-hour"
    return _carry("entity_purged", what, rows, dst, read, add, missing)


def copy_purged_authors(src: Any, dst: Any) -> TableCheck:
    """What the authors' rollup counts of purged posts on the days a purge
    keeps it (its cutoff's day and after: earlier days name people and go):
    top authors and author counts over those days read as before the move.
    Posts and engagement are added where the target lacks them, with the
    largest follower count and name (a maximum: adding it again changes
    nothing)."""
    read, add = "purged_authors", "add_purged_authors"
    rows: list[tuple[Any, ...]] = getattr(src, read, list)()
    held = {tuple(r[:3]): r for r in getattr(dst, read, list)()}
    missing = []
    for row in rows:
        there = held.get(tuple(row[:3]))
        n, e = (row[3], row[4]) if there is None else (row[3] - there[3], row[4] - there[4])
        if n or e:
            missing.append((*row[:3], n, e, *row[5:]))
    what = "the authors' figures of purged posts"
    return _carry("author_rollup", what, rows, dst, read, add, missing)


def _lacking(want: list[tuple[Any, ...]], held: list[tuple[Any, ...]], keys: int) -> list[Any]:
    """Rows ``(*key, *counts)`` to add to ``held`` (keyed by their first
    ``keys`` values) so that it counts what ``want`` counts."""
    a = {tuple(r[:keys]): tuple(r[keys:]) for r in want}
    b = {tuple(r[:keys]): tuple(r[keys:]) for r in held}
    width = len(next(iter(a.values() or b.values()), ()))
    missing = []
    for key in sorted(a.keys() | b.keys()):
        x, y = a.get(key, (0,) * width), b.get(key, (0,) * width)
        delta = tuple(i - j for i, j in zip(x, y, strict=True))
        if any(delta):
            missing.append((*key, *delta))
    return missing


def copy_posts(
    src: Any, dst: Any, checkpoint: Path, url: str, on_progress: Progress | None = None
) -> TableCheck:
    """Posts from ``src`` to ``dst``, continuing after the checkpoint of
    ``url``; when the copy resumed that way does not match (a post older than
    the checkpoint stored since, or a target emptied meanwhile), every post is
    copied again once (upserts: what is there already is left as it is)."""
    marks = _checkpoint(checkpoint)
    since_text = marks.get(url, {}).get("since")
    since = datetime.fromisoformat(since_text) if since_text else None
    check = _copy_posts_since(src, dst, since, checkpoint, marks, url, on_progress)
    if not check.ok and since is not None:
        again = _copy_posts_since(src, dst, None, checkpoint, marks, url, on_progress)
        check = TableCheck("posts", again.rows_from, again.rows_to, again.sum_from,
                           again.sum_to, check.copied + again.copied)  # fmt: skip
    return check


def _copy_posts_since(
    src: Any,
    dst: Any,
    since: datetime | None,
    checkpoint: Path,
    marks: dict[str, Any],
    url: str,
    on_progress: Progress | None,
) -> TableCheck:
    copied = 0
    batch: list[Any] = []

    def flush() -> None:
        nonlocal copied, batch
        dst.upsert_posts(batch)
        copied += len(batch)
        # Inclusive on the next run: posts of this last second are upserted again.
        marks[url] = {"since": batch[-1].published_at.isoformat()}
        checkpoint.write_text(json.dumps(marks), encoding="utf-8")
        if on_progress:
            on_progress("posts", len(batch))
        batch = []

    for post in src.iter_posts(PostFilter(since=since), batch_size=PAGE):
        batch.append(post)
        if len(batch) >= POST_BATCH:
            flush()
    if batch:
        flush()
    n_from, sum_from = _posts_digest(src)
    n_to, sum_to = _posts_digest(dst)
    return TableCheck("posts", n_from, n_to, f"{sum_from:032x}", f"{sum_to:032x}", copied)


# -- state ---------------------------------------------------------------------


def _table_digest(store: Any, shape: TableShape, columns: list[str]) -> tuple[int, int]:
    def pages() -> Iterator[Any]:
        after = None
        while True:
            rows, after = store.export_rows(shape, columns, after=after, limit=PAGE)
            yield from rows
            if len(rows) < PAGE:
                return

    return _digest(pages())


def _copy_table(src: Any, dst: Any, s: TableShape, d: TableShape, columns: list[str]) -> int:
    if not (d.key and set(d.key) <= set(columns)):
        dst.clear_rows(d)  # no key to upsert by: copied whole again
    copied, after = 0, None
    while True:
        rows, after = src.export_rows(s, columns, after=after, limit=PAGE)
        dst.import_rows(d, columns, rows)
        copied += len(rows)
        if len(rows) < PAGE:
            break
    dst.finish_import(d)
    return copied


def copy_state(src: Any, dst: Any, report: MigrationReport, on_progress: Progress | None) -> None:
    mine, theirs = src.transfer_tables(), dst.transfer_tables()
    report.left = sorted(set(mine) - set(theirs))
    common = sorted(
        set(mine) & set(theirs),
        key=lambda t: (t not in FIRST, FIRST.index(t) if t in FIRST else 0, t),
    )
    todo = list(common)
    last_error: Exception | None = None
    while todo:
        postponed = []
        for name in todo:
            s, d = mine[name], theirs[name]
            columns = sorted(set(s.columns) & set(d.columns))
            n_from, sum_from = _table_digest(src, s, columns)
            n_to, sum_to = _table_digest(dst, d, columns)
            copied = 0
            if (n_from, sum_from) != (n_to, sum_to):
                try:
                    copied = _copy_table(src, dst, s, d, columns)
                except Exception as exc:  # a key it points at is not copied yet
                    last_error = exc
                    postponed.append(name)
                    continue
                n_to, sum_to = _table_digest(dst, d, columns)
            if on_progress:
                on_progress(name, copied)
            report.checks.append(
                TableCheck(name, n_from, n_to, f"{sum_from:032x}", f"{sum_to:032x}", copied)
            )
        if len(postponed) == len(todo):
            raise StoreError(
                tr(
                    "could not copy the tables %(tables)s: %(why)s",
                    tables=", ".join(postponed),
                    why=str(last_error),
                ),
                hint=tr(
                    "Check that the target store is empty or holds an earlier copy of "
                    "this workspace; nothing already copied is lost, run the command again."
                ),
            ) from last_error
        todo = postponed
    # The numbers each table gave (an erased inbox item's included) stay
    # unused in the copy: a store going on from the largest row it was
    # handed gave the next item an erased one's number, its audit entries
    # and its e-mailed links with it.
    given = src.numbers_given()
    for name in common:
        if name in given:
            dst.continue_numbers(theirs[name], given[name])
