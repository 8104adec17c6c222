"""What the organisation's own records keep of a person an erasure
forgets (the presence plan, the team's inbox notes), in the SQL
SQLite and PostgreSQL share (see :mod:`veille.store.portable`).

The plan is the organisation's own: its calendar holds the posts it writes,
its snapshots the figures of the accounts it follows up. Where these name
someone who asked to be forgotten:

- a calendar entry answering one of their posts, or naming their handle in
  its text or title, is kept (the organisation's own post), with the post it
  answers forgotten and the handle replaced by ``[erased]``
  (:data:`veille.store.portable.privacy.ERASED`); one not yet
  published goes back to draft, saying why, so that nobody's words go out
  changed without a person reading them first;
- the snapshots of their account (followers, following, posts by day) are
  deleted, with the other names its lookup gave (``account_aliases``);
- what the team wrote naming them on other people's inbox items (notes,
  replies, and the audit log's copies of notes) keeps its words, the handle
  replaced by ``[erased]`` (their own items go whole with the erasure).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.store.portable import Sql

#: Calendar statuses that are still to go out: one changed by an erasure
#: goes back to draft (a draft stays one).
_TO_GO = ("approved", "scheduled")
#: The plan setting holding the other names of each account looked up
#: (veille.plan.accounts.ALIASES), keyed ``platform:handle``.
_ALIASES = "account_aliases"


def _naming(sql: Sql, handle: str, post_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """``(id, platform, text, title, reply_to, status)`` of the calendar
    entries answering one of ``post_ids`` or naming ``handle`` (whole)."""
    from veille.store.portable.privacy import handle_pattern  # it mixes this module in

    who = handle_pattern(handle)
    found = sql.rows(
        "SELECT id, platform, text, title, reply_to, status FROM calendar_entries "
        f"WHERE {sql.find}(lower(text), lower(?)) > 0 "
        f"OR {sql.find}(lower(coalesce(title, '')), lower(?)) > 0 "
        "OR reply_to IS NOT NULL ORDER BY id",
        (handle, handle),
    )
    answered = set(post_ids)
    return [
        row
        for row in found
        if who.search(row[2])
        or who.search(row[3] or "")
        or reply_target(row[1], row[4]) in answered
    ]


def reply_target(platform: str, reply_to: str | None) -> str | None:
    """The post id (``platform:native``) a calendar entry answers: its
    ``reply_to`` as given (a post id, or the platform's own id)."""
    if not reply_to:
        return None
    return reply_to if reply_to.startswith(f"{platform}:") else f"{platform}:{reply_to}"


class PortablePlanPrivacy:
    """Mixed into :class:`~veille.store.portable.privacy.PortablePrivacy`."""

    if TYPE_CHECKING:  # given by the store class

        def _sql_read(self) -> Sql: ...

        def _sql_write(self) -> AbstractContextManager[Sql]: ...

    def calendar_replies(self) -> list[str]:
        """The post id each calendar entry answers (:func:`reply_target`)."""
        rows = self._sql_read().rows(
            "SELECT DISTINCT platform, reply_to FROM calendar_entries WHERE reply_to IS NOT NULL"
        )
        return sorted({t for p, r in rows if (t := reply_target(p, r))})

    def forget_own_copies(
        self, handle: str, platform: str | None, post_ids: Sequence[str], note: str
    ) -> dict[str, int]:
        """Take ``handle`` (on ``platform``, or everywhere) and the posts
        ``post_ids`` out of the plan (see the module doc); an entry not yet
        published that changed goes back to draft with ``note`` as its
        error. Rows changed or deleted, by table. Run again, it changes
        nothing more."""
        from veille.store.portable.privacy import ERASED, handle_pattern

        who = handle_pattern(handle)
        answered = set(post_ids)
        now = int(datetime.now(UTC).timestamp())
        where = "lower(handle) = lower(?)" + (" AND platform = ?" if platform else "")
        args = [handle] + ([platform] if platform else [])
        with self._sql_write() as sql:
            entries = _naming(sql, handle, post_ids)
            for entry_id, pf, text, title, reply_to, status in entries:
                keep = None if reply_target(pf, reply_to) in answered else reply_to
                back = status in _TO_GO
                sql.run(
                    "UPDATE calendar_entries SET text = ?, title = ?, reply_to = ?, "
                    "status = ?, error = coalesce(?, error), updated_at = ? "
                    "WHERE id = ?",
                    (
                        who.sub(ERASED, text),
                        who.sub(ERASED, title) if title else title,
                        keep,
                        "draft" if back else status,
                        note if back or status == "draft" else None,
                        now,
                        entry_id,
                    ),
                )
            snapshots = sql.run(f"DELETE FROM account_snapshots WHERE {where}", args)
            aliases = _forget_aliases(sql, handle, platform)
            written = sum(
                _redact(sql, table, column, handle, extra) for table, column, extra in _TEAM_TEXT
            )
        return {
            "calendar_entries": len(entries),
            "account_snapshots": snapshots,
            "account_aliases": aliases,
            "inbox_notes": written,
        }

    def plan_records(self, handle: str, post_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """For a person's access report: the calendar entries answering
        ``post_ids`` or naming ``handle``, and the snapshots of an account
        of that handle (on any platform)."""
        sql = self._sql_read()
        entries = [
            {"id": i, "platform": pf, "text": text, "title": title, "reply_to": reply_to,
             "status": status}
            for i, pf, text, title, reply_to, status in _naming(sql, handle, post_ids)
        ]  # fmt: skip
        snapshots = [
            {"platform": pf, "handle": h, "day": day, "followers": f, "following": fo, "posts": n}
            for pf, h, day, f, fo, n in sql.rows(
                "SELECT platform, handle, day, followers, following, posts FROM account_snapshots "
                "WHERE lower(handle) = lower(?) ORDER BY platform, day",
                (handle,),
            )
        ]
        from veille.store.portable.privacy import handle_pattern

        who = handle_pattern(handle)
        # What the team wrote about them on other people's items (their own
        # items, with every note and reply, are the report's inbox_items).
        notes = [
            {"item_id": item, "kind": kind, "at": at, "by": by, "text": text}
            for kind, item, at, by, text in sql.rows(
                "SELECT 'note', e.item_id, e.at, e.actor, e.detail FROM inbox_events e "
                "JOIN inbox_items i ON i.id = e.item_id "
                f"WHERE lower(i.author) != lower(?) AND {sql.find}(lower(e.detail), lower(?)) > 0 "
                "UNION ALL SELECT 'reply', r.item_id, r.created_at, r.author, r.text "
                "FROM inbox_replies r JOIN inbox_items i ON i.id = r.item_id "
                f"WHERE lower(i.author) != lower(?) AND {sql.find}(lower(r.text), lower(?)) > 0 "
                "ORDER BY 2, 3",
                (handle, handle, handle, handle),
            )
            if who.search(text)
        ]
        return {"calendar_entries": entries, "account_snapshots": snapshots, "inbox_notes": notes}


#: What the team writes that may name someone: ``(table, column, rows)``
#: (the audit log copies an inbox note's text: veille.inbox.items).
_TEAM_TEXT = (
    ("inbox_events", "detail", ""),
    ("inbox_replies", "text", ""),
    ("audit_log", "detail", "target LIKE 'inbox:%' AND "),
)


def _redact(sql: Sql, table: str, column: str, handle: str, where: str) -> int:
    """Put ``[erased]`` for ``handle`` (whole) in ``table``'s ``column``
    (of the rows ``where`` names); the rows changed."""
    from veille.store.portable.privacy import ERASED, handle_pattern

    who = handle_pattern(handle)
    changed = 0
    for row_id, text in sql.rows(
        f"SELECT id, {column} FROM {table} WHERE {where}{sql.find}(lower({column}), lower(?)) > 0",
        (handle,),
    ):
        if who.search(text):
            redacted = who.sub(ERASED, text)
            sql.run(f"UPDATE {table} SET {column} = ? WHERE id = ?", (redacted, row_id))
            changed += 1
    return changed


def _forget_aliases(sql: Sql, handle: str, platform: str | None) -> int:
    """Drop the other names the lookups of ``handle``'s account gave; how many accounts."""
    row = sql.one("SELECT value FROM plan_settings WHERE key = ?", (_ALIASES,))
    try:
        found = json.loads(row[0]) if row else {}
    except ValueError:
        return 0
    if not isinstance(found, dict):
        return 0
    doomed = [
        k
        for k in found
        if (parts := k.split(":", 1))[-1].lower() == handle.lower() and platform in (None, parts[0])
    ]
    if doomed:
        for k in doomed:
            del found[k]
        value = json.dumps(found, ensure_ascii=False, sort_keys=True)
        sql.run("UPDATE plan_settings SET value = ? WHERE key = ?", (value, _ALIASES))
    return len(doomed)
