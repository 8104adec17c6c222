"""User corrections of sentiment: kept, listed and counted in accuracy reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veille.errors import NotFound, UsageError
from veille.models import Sentiment
from veille.store.sqlite import SQLiteStore

LABELS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class Correction:
    post_id: str
    old_label: str | None
    new_label: str
    corrected_by: str
    corrected_at: datetime


def correct_sentiment(
    store: SQLiteStore, post_id: str, label: str, *, who: str = "user"
) -> Correction:
    """Set ``post_id``'s sentiment to ``label`` (source ``user``) and record it.

    Re-enrichment and later sightings keep a user's label.
    """
    label = label.strip().lower()
    if label not in LABELS:
        raise UsageError(
            f"{label!r} is not a sentiment label", hint=f"Use one of: {', '.join(LABELS)}."
        )
    now = datetime.now(UTC).replace(microsecond=0)
    score = {"positive": 1.0, "negative": -1.0, "neutral": 0.0}[label]
    with store.transaction() as tx:
        row = tx.execute("SELECT sentiment FROM posts WHERE id = ?", (post_id,)).fetchone()
        if row is None:
            raise NotFound(
                f"no post with id {post_id!r}", hint="Post ids look like platform:native_id."
            )
        tx.execute(
            "INSERT INTO sentiment_corrections"
            " (post_id, old_label, new_label, corrected_by, corrected_at) VALUES (?, ?, ?, ?, ?)",
            (post_id, row[0], label, who, int(now.timestamp())),
        )
        s = Sentiment(label, score, 1.0, "user")  # type: ignore[arg-type]
        tx.execute(
            "UPDATE posts SET sentiment = ?, sentiment_score = ?, sentiment_confidence = ?,"
            " sentiment_source = ? WHERE id = ?",
            (s.label, s.score, s.confidence, s.source, post_id),
        )
    return Correction(post_id, row[0], label, who, now)


def list_corrections(store: SQLiteStore, *, limit: int = 100) -> list[Correction]:
    rows = store.conn.execute(
        "SELECT post_id, old_label, new_label, corrected_by, corrected_at"
        " FROM sentiment_corrections ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [Correction(r[0], r[1], r[2], r[3], datetime.fromtimestamp(r[4], UTC)) for r in rows]


def correction_report(store: SQLiteStore) -> dict[str, Any]:
    """How the model fared on the posts users reviewed (their first correction
    of each post: what the model had said against what the user says now)."""
    rows = store.conn.execute(
        "SELECT c.post_id, c.old_label, p.sentiment FROM sentiment_corrections c"
        " JOIN posts p ON p.id = c.post_id"
        " WHERE c.id IN (SELECT min(id) FROM sentiment_corrections GROUP BY post_id)"
    ).fetchall()
    pairs = Counter((old or "none", new) for _pid, old, new in rows)
    agreed = sum(n for (old, new), n in pairs.items() if old == new)
    total = sum(pairs.values())
    return {
        "reviewed": total,
        "model_agreed": agreed,
        "model_accuracy": round(agreed / total, 3) if total else None,
        "confusion": [
            {"model": old, "user": new, "count": n} for (old, new), n in sorted(pairs.items())
        ],
    }
