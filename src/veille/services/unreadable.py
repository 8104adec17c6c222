"""Saved queries this version of the parser no longer reads.

The parser grew stricter over time (``from:``, ``min_faves:``, a pasted
address, ``lang:fr,en``, ``NEAR/x``, ``word~2`` … are refused now, with the
way to write them). A topic or an alert saved before with one of these is
left out by the matcher (:mod:`veille.pipeline.matching`): it silently stops
matching. Its stored text is kept as it was; these helpers say, wherever the
topic or alert is shown (its pages, ``veille topic list``, ``veille alert
list``, the API, ``/healthz``), that it no longer reads, with the parser's
error and where to edit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from veille.errors import Text
    from veille.query import QueryError


@lru_cache(maxsize=16384)
def reading_error(text: str | None) -> QueryError | None:
    """The parser's error for a stored query, or ``None`` when it reads (or
    there is no query). Kept by text: ``/healthz`` and the list pages ask
    for every topic and alert at each call, and an agency's 1,300 queries
    took 136 ms to read again each time (0.08 ms from here)."""
    from veille.query import QueryError, compile_query

    if not text:
        return None
    try:
        compile_query(text)
    except QueryError as exc:
        return exc
    return None


def topic_edit(name: str) -> str:
    """Where a topic's query is edited in the web app."""
    return f"/topics/{quote(name, safe='')}#query"


def alert_edit(name: str) -> str:
    """Where an alert's own query is edited in the web app."""
    return f"/alerts/{quote(name, safe='')}#s-query"


@dataclass(frozen=True)
class Unreadable:
    """A topic or an alert whose stored query no longer reads."""

    kind: str  # "topic" or "alert"
    name: str
    error: QueryError
    edit: str  # the web page where it is edited
    via_topic: str | None = None  # an alert that watches this unreadable topic

    def as_json(self) -> dict[str, Any]:
        """The error as the CLI's JSON and the API give it."""
        return {
            "message": self.error.message,
            "hint": self.error.hint,
            "column": self.error.column,
            "query": self.error.query,
            "topic": self.via_topic,
            "edit": self.edit,
        }


def of_topic(topic: Any) -> Unreadable | None:
    """``topic``'s reading error, if its stored query no longer reads."""
    error = reading_error(topic.query)
    return Unreadable("topic", topic.name, error, topic_edit(topic.name)) if error else None


def of_alert(alert: Any, topics: dict[str, str]) -> Unreadable | None:
    """``alert``'s reading error: its own query's, or that of the topic it
    watches (``topics``: every topic's query by name)."""
    if alert.topic:
        error = reading_error(topics.get(alert.topic))
        if error is None:
            return None
        return Unreadable("alert", alert.name, error, topic_edit(alert.topic), alert.topic)
    error = reading_error(alert.query)
    return Unreadable("alert", alert.name, error, alert_edit(alert.name)) if error else None


def topic_queries(state: Any) -> dict[str, str]:
    """Every topic's current query, by name."""
    from veille.query.topics import list_topics

    return {t.name: t.query for t in list_topics(state)}


def unreadable_queries(state: Any) -> list[Unreadable]:
    """Every topic and alert whose stored query no longer reads."""
    from veille.alerts.model import AlertBook
    from veille.query.topics import list_topics

    topics = list_topics(state)
    found = [u for u in map(of_topic, topics) if u]
    by_name = {t.name: t.query for t in topics}
    found += [u for a in AlertBook(state).all() if (u := of_alert(a, by_name))]
    return found


def said(u: Unreadable) -> Text:
    """One line for the CLI, in the reader's language (a sentence made by
    :func:`veille.errors.tr`): what no longer reads, the parser's error, how
    to write it and where to edit it."""
    from veille.errors import tr

    fault = tr("%(message)s (column %(column)s).", message=u.error.message, column=u.error.column)
    if u.error.hint:
        fault = tr("%(fault)s Hint: %(hint)s", fault=fault, hint=u.error.hint)
    if u.kind == "topic":
        return tr(
            "topic %(name)r: its stored query no longer reads, so it matches no new post: "
            "%(fault)s Edit it: veille topic edit %(topic)s QUERY (or %(page)s).",
            name=u.name, fault=fault, topic=u.name, page=u.edit,
        )  # fmt: skip
    if u.via_topic:
        return tr(
            "alert %(name)r: the query of its topic %(via)r no longer reads, so it sends "
            "nothing new: %(fault)s Edit it: veille topic edit %(topic)s QUERY (or %(page)s).",
            name=u.name, via=u.via_topic, fault=fault, topic=u.via_topic, page=u.edit,
        )  # fmt: skip
    return tr(
        "alert %(name)r: its stored query no longer reads, so it sends nothing new: "
        "%(fault)s Edit it on %(page)s (or PATCH /api/v1/alerts/%(alert)s with a query).",
        name=u.name, fault=fault, page=u.edit, alert=u.name,
    )  # fmt: skip
