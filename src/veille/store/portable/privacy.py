"""The state's part of veille.store.protocols.privacy (:class:`PrivacyState`),
in the SQL SQLite and PostgreSQL share: the pseudonymization key, the
erasure log and the copies of posts and people the state keeps (see
:mod:`veille.store.portable`). Erasing posts is the work of the store that
keeps them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.portable import Sql, marks
from veille.store.portable.plan_privacy import PortablePlanPrivacy
from veille.store.protocols.privacy import Erasure, UnfinishedErasure, story_key
from veille.store.unlinked import erased_ref

_CHUNK = 400  # ids per IN (...) list
#: Seconds a post may be dated after its collection (the ingest path's
#: AHEAD_TOLERANCE, 15 minutes): a mark made that long before a cutoff
#: names a post published before it.
_AHEAD = 15 * 60

# Tables of the state holding a post by its id (a store adds its filings
# where they are keyed by post id: PostgreSQL's, not SQLite's).
POST_COPIES = ("deliveries", "alert_marks", "sentiment_corrections", "minhash_bands", "minhash")


def _quarantined(sql: Sql, handle: str) -> list[int]:
    """Quarantined items that name ``handle`` (their raw payloads are copies too)."""
    who = re.compile(rf"(?<![\w.-]){re.escape(handle)}(?![\w-])", re.I)
    return [
        qid
        for qid, raw in sql.rows(
            f"SELECT id, raw FROM quarantine WHERE {sql.find}(lower(raw), lower(?)) > 0",
            (handle,),
        )
        if who.search(raw)
    ]


def unlink_inbox(sql: Sql, post_ids: Sequence[str]) -> int:
    """Inbox items answering one of the erased posts ``post_ids``, or in a
    thread one of them began, name it by
    :func:`~veille.store.unlinked.erased_ref` instead (still a reply, still
    one thread); the items changed."""
    changed = 0
    ids = list(dict.fromkeys(post_ids))
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        m = marks(len(part))
        for column in ("parent_id", "thread_id"):
            named = sql.rows(
                f"SELECT DISTINCT {column} FROM inbox_items WHERE {column} IN ({m})", part
            )
            for (old,) in named:
                changed += sql.run(
                    f"UPDATE inbox_items SET {column} = ? WHERE {column} = ?",
                    (erased_ref(old), old),
                )
    return changed


def forget_item_details(sql: Sql, where: str, params: Sequence[object]) -> int:
    """Empty the details of the audit entries about the inbox items ``where``
    names (before they are deleted): a note's text, a tag, a reply's link are
    about the person. Who did what to which item, and when, stays."""
    return sql.run(
        "UPDATE audit_log SET detail = '' WHERE detail != '' AND target IN "
        f"(SELECT 'inbox:' || id FROM inbox_items WHERE {where})",
        params,
    )


#: What an erased person's handle becomes in an event's payload.
ERASED = "[erased]"


def handle_pattern(handle: str) -> re.Pattern[str]:
    """``handle`` as a whole word in any case (``@claire`` and ``claire.`` hold
    it; ``claire_tech`` and ``claire@other.example``, another account, do not),
    and a web address that holds it, whole: put :data:`ERASED` for it, the
    address of a post of theirs (``https://social.example/@claire/1234``)
    goes, not only the handle in it (the post's number still found it)."""
    word = rf"(?<![\w.-]){re.escape(handle)}(?![\w@-])"
    # The address ends before a punctuation mark that ends the sentence.
    url = rf"https?://[^\s\"'<>]*?{word}(?:[^\s\"'<>]*[^\s\"'<>.,;:!?)])?"
    return re.compile(rf"{url}|{word}", re.I)


def _naming_events(sql: Sql, handle: str) -> list[int]:
    """Ids of the outbox events (a spike's, a report's: keyed by a window,
    not a post) whose payload names ``handle`` as :func:`redact_event_payloads`
    finds it."""
    who = handle_pattern(handle)
    return [
        int(row_id)
        for row_id, payload in sql.rows(
            f"SELECT id, payload FROM deliveries WHERE payload IS NOT NULL "
            f"AND {sql.find}(lower(payload), lower(?)) > 0 ORDER BY id",
            (handle,),
        )
        if who.search(payload)
    ]


def _pages_before(sql: Sql, cutoff: datetime) -> list[int]:
    """The outbox rows of e-mailed reports whose kept page (``document``,
    veille.alerts.reports) covers a period starting before ``cutoff``: it
    shows posts a retention purge deletes. The row is keyed
    ``report:<since>..<until>``."""
    found = []
    for row_id, key in sql.rows(
        "SELECT id, post_id FROM deliveries WHERE payload IS NOT NULL "
        f"AND post_id LIKE 'report:%' AND {sql.find}(payload, '\"document\"') > 0"
    ):
        try:
            since = datetime.fromisoformat(key[len("report:") :].split("..", 1)[0])
        except ValueError:
            continue
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if since < cutoff:
            found.append(row_id)
    return found


def _drop_pages(sql: Sql, row_ids: list[int]) -> None:
    """Drop the kept page of each of ``row_ids``: a report not yet sent is
    drawn again at send time from the posts that remain; a sent one keeps
    its figures and findings (the scheduler's memory of what it sent)."""
    for row_id in row_ids:
        row = sql.one("SELECT payload FROM deliveries WHERE id = ?", (row_id,))
        if row is None or row[0] is None:
            continue
        event = json.loads(row[0])
        if isinstance(event, dict) and event.pop("document", None) is not None:
            payload = json.dumps(event, ensure_ascii=False)
            sql.run("UPDATE deliveries SET payload = ? WHERE id = ?", (payload, row_id))


def redact_event_payloads(sql: Sql, handle: str) -> int:
    """Replace ``handle`` by :data:`ERASED` in the outbox payloads that name
    it (a spike's top authors, a report's findings: events keyed by a window,
    not a post, that no post's erasure removes), and drop the page kept with
    an e-mailed report that names it; the rows changed. The
    handle is matched whole, in any case, on any platform (an event does not
    say which platform an author is on)."""
    who = handle_pattern(handle)
    changed = 0
    for row_id, payload in sql.rows(
        f"SELECT id, payload FROM deliveries WHERE payload IS NOT NULL "
        f"AND {sql.find}(lower(payload), lower(?)) > 0",
        (handle,),
    ):
        redacted = who.sub(ERASED, payload)
        if redacted != payload:
            event = json.loads(payload)
            if isinstance(event, dict) and "document" in event:
                # An e-mailed report's page (veille.alerts.reports) shows the
                # person's posts, not only their handle: dropped, so that a
                # report not yet sent is drawn again without them.
                del event["document"]
                redacted = who.sub(ERASED, json.dumps(event, ensure_ascii=False))
            sql.run("UPDATE deliveries SET payload = ? WHERE id = ?", (redacted, row_id))
            changed += 1
    return changed


#: Kinds of entry of the erasure log that add up by day (``subject``: the day).
DAILY_KINDS = ("retention", "inbox", "suppressed")


def add_to_log(
    sql: Sql,
    kind: str,
    platform: str | None,
    subject: str,
    posts: int,
    details: dict[str, int],
    *,
    hold: Callable[[Sql], None],
) -> None:
    """Add an entry to the erasure log; one of :data:`DAILY_KINDS` adds up
    with the day's entry of its kind, the log held (``hold``) meanwhile."""
    at = int(datetime.now(UTC).timestamp())
    if kind in DAILY_KINDS:
        # Two schedulers purging at once each read the same entry and wrote
        # their own sum (PostgreSQL): a count lost or counted twice, and two
        # entries for the day.
        hold(sql)
        # veille run purges hourly, and collects more often: the purges (or
        # refused posts) of one day add up in one entry (made anew, so the
        # log stays in time order), or they would push every person's
        # erasure out of the log's last entries within days.
        last = sql.one(
            "SELECT id, posts, details FROM erasures WHERE kind = ? AND subject = ? "
            "ORDER BY id DESC LIMIT 1",
            (kind, subject),
        )
        if last is not None:
            sql.run("DELETE FROM erasures WHERE id = ?", (last[0],))
            posts += int(last[1])
            summed = json.loads(last[2])
            for key, n in details.items():
                summed[key] = summed.get(key, 0) + n
            details = summed
    sql.run(
        "INSERT INTO erasures (at, kind, platform, subject, posts, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (at, kind, platform, subject, posts, json.dumps(details, sort_keys=True)),
    )


def end_unfinished(sql: Sql, handle: str, platform: str | None) -> None:
    """Forget that the erasure of ``handle`` (on ``platform``) is unfinished:
    in the transaction that logs it done."""
    sql.run(
        "DELETE FROM erasures_unfinished WHERE handle = ? AND platform = ?",
        (handle.lower(), platform or ""),
    )


class PortablePrivacyTx:
    """The privacy writes that join an ingest batch's state transaction."""

    if TYPE_CHECKING:  # given by the transaction class

        def _sql_tx(self) -> Sql: ...

    def log_suppressed(self, source: str, posts: int) -> None:
        """Log ``posts`` of people who object (erased, objection not lifted)
        that ``source`` gave and that were not stored: today's ``suppressed``
        entry of the erasure log, by source. No person is named: the entry
        says how many, and from where."""
        if posts:
            day = datetime.now(UTC).date().isoformat()
            sql = self._sql_tx()
            add_to_log(
                sql, "suppressed", None, day, posts, {source: posts}, hold=self._hold_erasure_log
            )

    def _hold_erasure_log(self, sql: Sql) -> None:
        """See :meth:`PortablePrivacy._hold_erasure_log`."""


class PortablePrivacy(PortablePlanPrivacy):
    #: The tables :meth:`forget_posts` empties of a post.
    post_copies: tuple[str, ...] = POST_COPIES

    if TYPE_CHECKING:  # given by the store class

        def _sql_read(self) -> Sql: ...

        def _sql_write(self) -> AbstractContextManager[Sql]: ...

    def _hold_erasure_log(self, sql: Sql) -> None:
        """Hold the erasure log until ``sql``'s transaction ends, so that a
        merge of the day's entry (read, delete, insert) runs alone. SQLite's
        write transaction (``BEGIN IMMEDIATE``) already does: one writer at a
        time; PostgreSQL's override takes a lock."""

    def privacy_key(self) -> bytes:
        row = self._sql_read().one("SELECT key FROM privacy_key WHERE id = 1")
        if row:
            return bytes(row[0])
        with self._sql_write() as sql:
            sql.run(
                "INSERT INTO privacy_key (id, key) VALUES (1, ?) ON CONFLICT DO NOTHING",
                (os.urandom(32),),
            )
            made = sql.one("SELECT key FROM privacy_key WHERE id = 1")
        assert made is not None
        return bytes(made[0])

    def erasures(self, limit: int = 100, kind: str | None = None) -> list[Erasure]:
        where, params = ("WHERE kind = ? ", (kind, limit)) if kind else ("", (limit,))
        rows = self._sql_read().rows(
            "SELECT at, kind, platform, subject, posts, details FROM erasures "
            f"{where}ORDER BY id DESC LIMIT ?",
            params,
        )
        return [
            Erasure(datetime.fromtimestamp(at, UTC), kind, plat, subj, int(n), json.loads(det))
            for at, kind, plat, subj, n, det in rows
        ]

    def forget_posts(self, post_ids: Sequence[str], *, rekey: bool) -> dict[str, int]:
        removed: dict[str, int] = {}
        ids = list(dict.fromkeys(post_ids))
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            m = marks(len(part))
            with self._sql_write() as sql:
                keys: list[str] = []
                if rekey:
                    # A story keyed by the id of one of these posts keeps its
                    # other posts under a key that no longer names it.
                    keys = [
                        k
                        for (k,) in sql.rows(
                            f"SELECT DISTINCT cluster_id FROM minhash WHERE cluster_id IN ({m}) "
                            f"UNION SELECT DISTINCT cluster_id FROM deliveries "
                            f"WHERE cluster_id IN ({m})",
                            [*part, *part],
                        )
                    ]
                for table in self.post_copies:
                    n = sql.run(f"DELETE FROM {table} WHERE post_id IN ({m})", part)
                    removed[table] = removed.get(table, 0) + n
                n = unlink_inbox(sql, part)
                removed["inbox_references"] = removed.get("inbox_references", 0) + n
                for key in keys:
                    for table in ("minhash", "deliveries"):
                        sql.run(
                            f"UPDATE {table} SET cluster_id = ? WHERE cluster_id = ?",
                            (story_key(key), key),
                        )
        return removed

    def inbox_references(self) -> list[str]:
        rows = self._sql_read().rows(
            "SELECT parent_id FROM inbox_items WHERE parent_id IS NOT NULL "
            "UNION SELECT thread_id FROM inbox_items WHERE thread_id IS NOT NULL"
        )
        return sorted({str(r[0]) for r in rows})

    def forget_author(self, handle: str, platform: str | None) -> dict[str, int]:
        where = "lower(author) = lower(?)" + (" AND platform = ?" if platform else "")
        args = [handle] + ([platform] if platform else [])
        with self._sql_write() as sql:
            audit = forget_item_details(sql, where, args)
            items = sql.run(f"DELETE FROM inbox_items WHERE {where}", args)
            payloads = redact_event_payloads(sql, handle)
            doomed = _quarantined(sql, handle)
            for i in range(0, len(doomed), _CHUNK):
                part = doomed[i : i + _CHUNK]
                sql.run(f"DELETE FROM quarantine WHERE id IN ({marks(len(part))})", part)
        return {
            "inbox_items": items,
            "audit_details": audit,
            "alert_payloads": payloads,
            "quarantine": len(doomed),
        }

    def author_inbox_item_ids(self, handle: str, platform: str | None) -> list[int]:
        where = "lower(author) = lower(?)" + (" AND platform = ?" if platform else "")
        args = [handle] + ([platform] if platform else [])
        rows = self._sql_read().rows(f"SELECT id FROM inbox_items WHERE {where} ORDER BY id", args)
        return [int(r[0]) for r in rows]

    def person_records(
        self, handle: str, post_ids: Sequence[str], item_ids: Sequence[int]
    ) -> dict[str, list[dict[str, Any]]]:
        sql = self._sql_read()
        out: dict[str, list[dict[str, Any]]] = {
            "alert_deliveries": [],
            "alert_marks": [],
            "sentiment_corrections": [],
            "alert_events": [],
            "quarantine": [],
            "audit_entries": [],
        }

        def add(name: str, keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
            for row in rows:
                rec = dict(zip(keys, row, strict=True))
                for key in ("at", "created_at", "sent_at", "corrected_at"):
                    if isinstance(rec.get(key), int | float):
                        rec[key] = datetime.fromtimestamp(rec[key], UTC)
                out[name].append(rec)

        def add_listed(
            name: str, keys: Sequence[str], table: str, column: str, values: Sequence[Any]
        ) -> None:
            """``name``'s records: the columns ``keys`` of the rows of
            ``table`` whose ``column`` is one of ``values``, by id."""
            for i in range(0, len(values), _CHUNK):
                part = values[i : i + _CHUNK]
                add(
                    name,
                    keys,
                    sql.rows(
                        f"SELECT {', '.join(keys)} FROM {table} "
                        f"WHERE {column} IN ({marks(len(part))}) ORDER BY id",
                        part,
                    ),
                )

        ids = list(dict.fromkeys(post_ids))
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            m = marks(len(part))
            # No channel URL, no error text: they may hold a webhook's secret.
            add(
                "alert_deliveries",
                ("alert", "post_id", "status", "created_at", "sent_at"),
                sql.rows(
                    "SELECT a.name, d.post_id, d.status, d.created_at, d.sent_at "
                    f"FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                    f"WHERE d.post_id IN ({m}) ORDER BY d.id",
                    part,
                ),
            )
            add(
                "alert_marks",
                ("alert", "post_id", "created_at"),
                sql.rows(
                    "SELECT a.name, k.post_id, k.created_at FROM alert_marks k "
                    f"JOIN alerts a ON a.id = k.alert_id WHERE k.post_id IN ({m}) "
                    "ORDER BY k.created_at, k.post_id",
                    part,
                ),
            )
            add(
                "sentiment_corrections",
                ("post_id", "old_label", "new_label", "corrected_by", "corrected_at"),
                sql.rows(
                    "SELECT post_id, old_label, new_label, corrected_by, corrected_at "
                    f"FROM sentiment_corrections WHERE post_id IN ({m}) ORDER BY id",
                    part,
                ),
            )
        # Events naming them (a spike's top authors, a report's findings): the
        # event, not its payload, which names other people too.
        events = _naming_events(sql, handle)
        for i in range(0, len(events), _CHUNK):
            chosen = events[i : i + _CHUNK]
            add(
                "alert_events",
                ("alert", "event", "status", "created_at", "sent_at"),
                sql.rows(
                    "SELECT a.name, d.post_id, d.status, d.created_at, d.sent_at "
                    "FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                    f"WHERE d.id IN ({marks(len(chosen))}) ORDER BY d.id",
                    chosen,
                ),
            )
        add_listed(
            "quarantine",
            ("id", "source", "error", "raw", "created_at"),
            "quarantine",
            "id",
            _quarantined(sql, handle),
        )
        add_listed(
            "audit_entries",
            ("at", "actor", "action", "target", "detail"),
            "audit_log",
            "target",
            [f"inbox:{i}" for i in item_ids],
        )
        # The plan's: calendar entries answering or naming them, their account's snapshots.
        out.update(self.plan_records(handle, ids))
        return out

    def forget_before(self, cutoff: datetime) -> dict[str, int]:
        at = (int(cutoff.timestamp()),)
        quarantined = "FROM quarantine WHERE created_at < ?"
        # Monitor events and reports (keyed by an hour or a period, not a
        # post: no post's purge takes them) name people (a spike's top
        # authors): delivered ones older than the period go too, but for
        # each alert's newest: it is how the scheduler knows its window (a
        # week's report, a silence of days) was sent, and without it a
        # weekly report went out again under a retention of under a week.
        events = (
            "FROM deliveries WHERE payload IS NOT NULL AND created_at < ? "
            "AND status NOT IN ('pending', 'sending') AND id NOT IN "
            "(SELECT max(id) FROM deliveries WHERE payload IS NOT NULL GROUP BY alert_id)"
        )
        # The rows of posts published before the cutoff, which the purge
        # deleted: it takes the rows of the posts it finds, but one queued
        # in the same moment (a collector's state transaction after its
        # write of the posts, where posts and state are two stores) stayed
        # for ever, sent or "skipped", naming the post. Done ones go; one
        # not sent yet is skipped by the sender first, and goes at the next
        # purge. (Each alert's rows by date: index deliveries_alert_published.)
        posts_rows = (
            "FROM deliveries WHERE alert_id IN (SELECT id FROM alerts) AND published_at < ? "
            "AND payload IS NULL AND status NOT IN ('pending', 'sending')"
        )
        # A "not relevant" mark has no date of its post: one made before
        # the cutoff by more than a post may be dated after its collection
        # (veille.pipeline.ingest.AHEAD_TOLERANCE) names a post before it.
        before = (int(cutoff.timestamp()) - _AHEAD,)
        marks_rows = "FROM alert_marks WHERE created_at < ?"
        read = self._sql_read()
        pages = _pages_before(read, cutoff)
        olds = ((quarantined, at), (events, at), (posts_rows, at), (marks_rows, before))
        # Read first: an hourly upkeep with nothing to forget writes nothing.
        if not pages and not any(read.one(f"SELECT 1 {w} LIMIT 1", p) for w, p in olds):
            return {"quarantine": 0, "alert_events": 0, "deliveries": 0, "alert_marks": 0}
        with self._sql_write() as sql:
            n = sql.run(f"DELETE {quarantined}", at)
            gone = sql.run(f"DELETE {events}", at)
            rows = sql.run(f"DELETE {posts_rows}", at)
            marks = sql.run(f"DELETE {marks_rows}", before)
            _drop_pages(sql, pages)
        return {"quarantine": n, "alert_events": gone, "deliveries": rows, "alert_marks": marks}

    def forget_inbox_before(self, cutoff: datetime) -> int:
        # Their labels, notes, history and replies go with them (ON DELETE CASCADE).
        at = (int(cutoff.timestamp()),)
        if not self._sql_read().one("SELECT 1 FROM inbox_items WHERE updated_at < ? LIMIT 1", at):
            return 0  # read first: most upkeeps find none, and take no write lock
        with self._sql_write() as sql:
            forget_item_details(sql, "updated_at < ?", at)
            return sql.run("DELETE FROM inbox_items WHERE updated_at < ?", at)

    def log_erasure(
        self, kind: str, platform: str | None, subject: str, posts: int, details: dict[str, int]
    ) -> None:
        with self._sql_write() as sql:
            add_to_log(sql, kind, platform, subject, posts, details, hold=self._hold_erasure_log)

    def begin_erasure(self, handle: str, platform: str | None) -> None:
        with self._sql_write() as sql:
            sql.run(
                "INSERT INTO erasures_unfinished (handle, platform, started_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (handle.lower(), platform or "", int(datetime.now(UTC).timestamp())),
            )

    def end_erasure(
        self,
        handle: str,
        platform: str | None,
        *,
        subject: str,
        posts: int,
        details: dict[str, int],
    ) -> None:
        with self._sql_write() as sql:
            add_to_log(
                sql, "author", platform, subject, posts, details, hold=self._hold_erasure_log
            )
            end_unfinished(sql, handle, platform)

    def unfinished_erasures(self) -> list[UnfinishedErasure]:
        rows = self._sql_read().rows(
            "SELECT handle, platform, started_at FROM erasures_unfinished "
            "ORDER BY started_at, handle, platform"
        )
        return [
            UnfinishedErasure(str(h), str(p) or None, datetime.fromtimestamp(int(at), UTC))
            for h, p, at in rows
        ]

    def atom_files(self) -> list[str]:
        return [
            url[len("atom:") :]
            for (url,) in self._sql_read().rows(
                # Schemes are read without case (ATOM:f.xml is a feed too);
                # PostgreSQL's LIKE minds the case, SQLite's does not.
                "SELECT DISTINCT channel_url FROM alerts WHERE lower(channel_url) LIKE 'atom:%'"
            )
        ]
