"""Topics: named saved queries, with every version of the query kept.

The library API that alerts and analytics call::

    topic = get_topic(store, "lumio")      # Topic(id, name, query, version, ...)
    topic.compiled.matches(post)

Topics are kept by the state store (:mod:`veille.store.protocols.topics`);
the ingest pipeline's ``match`` stage files each new post under the topics it
matches (see :mod:`veille.pipeline.matching`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.errors import AlreadyExists, Conflict, NotFound, Place, Text, UsageError, tr
from veille.models import Post, now_utc
from veille.query import Query, compile_query
from veille.services.audit import record

if TYPE_CHECKING:
    from veille.services.paging import ListPage

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")


@dataclass(frozen=True)
class TopicVersion:
    version: int
    query: str
    created_at: datetime


@dataclass(frozen=True)
class Topic:
    """A topic with its current query (``version`` counts from 1)."""

    id: int
    name: str
    query: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def compiled(self) -> Query:
        return compile_query(self.query)


# How a topic is made, for the CLI, the web app and the API.
TOPIC_ADD = Place("veille topic add NAME QUERY", page="/topics/new", api="POST /api/v1/topics")


def list_topics(store: Any) -> list[Topic]:
    """Every topic with its current query, by name."""
    topics: list[Topic] = store.topics()
    return topics


def topic_page(store: Any, *, q: str = "", page: int = 1) -> ListPage[Topic]:
    """One page of :func:`list_topics`, those whose name or query hold every
    word of ``q`` (the web page's list)."""
    from veille.services.paging import list_page

    return list_page(list_topics(store), lambda t: f"{t.name} {t.query}", q=q, page=page)


def get_topic(store: Any, name: str) -> Topic:
    """The topic ``name``; :class:`NotFound` (with the known names) when absent."""
    topic: Topic | None = store.topic(name)
    if topic is None:
        from veille.suggest import name_list

        names = name_list(name, (t.name for t in list_topics(store)))
        raise NotFound(
            tr("no topic named %(name)r", name=name),
            hint=tr(
                "known topics: %(known)s; create one with: %(how)s",
                known=names or tr("none yet"),
                how=TOPIC_ADD,
            ),
        )
    return topic


#: The hint of :func:`get_topic` (its template, as :func:`tr` keeps it).
_KNOWN_AND_HOW = "known topics: %(known)s; create one with: %(how)s"


def told_who_may_not_create(exc: Exception) -> Exception:
    """``exc`` as told to a reader who may not create topics (a viewer): a
    topic not found names the known ones and no longer says to create one,
    whose page refuses them; any other error as it is."""
    hint = getattr(exc, "hint", None)
    if not (isinstance(exc, NotFound) and isinstance(hint, Text)):
        return exc
    if hint.template != _KNOWN_AND_HOW:
        return exc
    return NotFound(exc.message, hint=tr("known topics: %(known)s", known=hint.values["known"]))


def versions(store: Any, name: str) -> list[TopicVersion]:
    """Every version of the topic's query, oldest first."""
    found: list[TopicVersion] = store.topic_versions(get_topic(store, name).id)
    return found


def _check(name: str, query: str) -> None:
    if not name.strip():  # "'' is not a valid topic name" named nothing
        raise UsageError(
            tr("a topic needs a name"),
            hint=tr("use letters, digits, '-', '_' or '.', at most 64 characters"),
        )
    if not _NAME.match(name):
        raise UsageError(
            tr("%(name)r is not a valid topic name", name=name),
            hint=tr("use letters, digits, '-', '_' or '.', at most 64 characters"),
        )
    compile_query(query)  # raises QueryError with the column and a hint


def add_topic(
    store: Any, name: str, query: str, *, inbox: bool = False, actor: str | None = None
) -> Topic:
    """Create topic ``name`` with ``query`` (validated) as version 1;
    ``inbox``: the posts it matches enter the engagement inbox. Recorded in
    the audit log as done by ``actor``."""
    _check(name, query)
    if not store.create_topic(name, query, int(now_utc().timestamp())):
        raise AlreadyExists(
            tr("a topic named %(name)r already exists", name=name),
            hint=tr("choose another name, or change that topic's query instead"),
        )
    topic = get_topic(store, name)
    if inbox:
        store.set_topic_inbox(topic.id, True)
    record(store, actor, "topic.add", topic.name, query)
    return topic


@dataclass(frozen=True)
class TopicChange:
    """What :func:`change_topic` did: the topic after, whether its query got
    a new version, and whether its posts enter the inbox (and if that changed)."""

    topic: Topic
    new_version: bool
    inbox: bool
    inbox_changed: bool


def change_topic(
    store: Any,
    name: str,
    query: str | None,
    *,
    inbox: bool | None = None,
    actor: str | None = None,
    based_on: int | None = None,
) -> TopicChange:
    """Give topic ``name`` a new query version (a no-op when unchanged or
    ``None``); ``inbox`` flags or unflags it for the engagement inbox. A
    change is recorded in the audit log as done by ``actor``; what changed
    is said back. ``based_on``: the version the caller's query was written
    from (a form opened a while ago); if someone saved another since,
    :class:`Conflict` says what it is and nothing changes."""
    topic = get_topic(store, name)
    if based_on is not None and query is not None:
        _check_not_changed(topic, query, based_on)
    if query is not None and topic.query != query:
        _check(name, query)  # before the flag: a refused query changes nothing
    flagged = topic.id in store.inbox_topic_ids()
    inbox_changed = inbox is not None and inbox != flagged
    if inbox is not None and inbox_changed:
        store.set_topic_inbox(topic.id, inbox)
        record(store, actor, "topic.inbox", topic.name, "on" if inbox else "off")
        flagged = inbox
    if query is None or topic.query == query:
        return TopicChange(topic, False, flagged, inbox_changed)
    # Another writer may add the next version between the read and this
    # write (two web workers, two API clients): a version it took is never
    # overwritten. A change based on a version is then judged against what
    # was saved (a conflict, unless the same query); one based on none goes
    # on top, as the last to be saved.
    while not store.add_topic_version(
        topic.id, topic.version + 1, query, int(now_utc().timestamp())
    ):
        topic = get_topic(store, name)
        if based_on is not None:
            _check_not_changed(topic, query, based_on)
        if topic.query == query:
            return TopicChange(topic, False, flagged, inbox_changed)
    record(store, actor, "topic.edit", topic.name, query)
    return TopicChange(get_topic(store, name), True, flagged, inbox_changed)


def _check_not_changed(topic: Topic, query: str, based_on: int) -> None:
    """Refuse to save ``query`` over a version saved after ``based_on`` (the
    second of two people editing the topic at once would silently undo the
    first's change); the same query as the one saved is no clash. A version
    the topic never had is refused: it was not read from this topic."""
    if not 1 <= based_on <= topic.version:
        raise UsageError(
            tr("topic %(name)s has no version %(was)s: its versions are 1 to %(now)s",
               name=topic.name, was=based_on, now=topic.version),
            hint=tr("Start from the version the topic answers now (%(now)s).",
                    now=topic.version),
        )  # fmt: skip
    if topic.version == based_on or topic.query == query:
        return
    raise Conflict(
        tr(
            "topic %(name)s changed since you opened it: version %(now)s was saved "
            "after the version %(was)s you started from, with the query: %(query)s",
            name=topic.name, now=topic.version, was=based_on, query=topic.query,
        ),
        hint=tr(
            "Your query was not saved and is still in the form: compare it with "
            "version %(now)s, then save again to replace that version.",
            now=topic.version,
        ),
    )  # fmt: skip


def edit_topic(
    store: Any,
    name: str,
    query: str | None,
    *,
    inbox: bool | None = None,
    actor: str | None = None,
    based_on: int | None = None,
) -> Topic:
    """:func:`change_topic`'s topic after the change."""
    return change_topic(store, name, query, inbox=inbox, actor=actor, based_on=based_on).topic


def inbox_topics(store: Any) -> set[str]:
    """Names of the topics flagged for the engagement inbox."""
    flagged = store.inbox_topic_ids()
    return {t.name for t in list_topics(store) if t.id in flagged}


# Where what uses a topic is changed (said the CLI's, the page's or the API's way).
_ALERTS_CHANGED = Place(
    "veille alert remove NAME", page="/alerts", api="DELETE /api/v1/alerts/{name}"
)
_PLAN_CHANGED = Place(
    "veille plan objective edit NAME --topics …, veille plan kpi remove NAME", page="/plan/edit"
)


def topic_users(store: Any, name: str) -> list[Text]:
    """What watches or measures topic ``name``: the alerts on it, the plan's
    objectives that it serves and the KPIs that measure it (or compare it)."""
    used = [tr("alert %(name)s", name=a.name) for a in store.list_alerts() if a.topic == name]
    used += [tr("objective %(name)s", name=o.name) for o in store.plan_objectives()
             if name in o.topics]  # fmt: skip
    used += [tr("KPI %(name)s", name=k.name) for k in store.plan_kpis()
             if k.topic == name or name in k.compare]  # fmt: skip
    return used


def remove_topic(store: Any, name: str, *, actor: str | None = None, posts: Any = None) -> None:
    """Delete topic ``name``, its versions and its recorded matches (recorded
    in the audit log as done by ``actor``). A topic an alert, an objective
    or a KPI still names is kept (:class:`Conflict` names them): deleted,
    the alert sent nothing more and the KPI measured nothing, unsaid.

    ``posts``, the posts store where it is another backend than ``store``'s
    state, forgets first what it keeps under the topic's id (its filings,
    what its rollups count of purged days): a SQLite state gives the next
    topic saved the id again, which counted the removed topic's posts."""
    topic = get_topic(store, name)
    used = topic_users(store, topic.name)
    if used:
        listed = used[0]
        for more in used[1:]:
            listed = tr("%(first)s, %(next)s", first=listed, next=more)
        raise Conflict(
            tr("topic %(name)s is still used by %(users)s; nothing was deleted",
               name=topic.name, users=listed),
            hint=tr("Point them at another topic or delete them first (%(alerts)s; %(plan)s), "
                    "then delete the topic.", alerts=_ALERTS_CHANGED, plan=_PLAN_CHANGED),
        )  # fmt: skip
    forget = getattr(posts, "forget_topic", None)
    if forget is not None and posts is not getattr(store, "state", store):
        forget(topic.id)  # first: stopped after it, the topic is filed again at its next read
    store.delete_topic(topic.id)
    record(store, actor, "topic.remove", name)


@dataclass
class TopicTest:
    """What ``veille topic test`` reports."""

    topic: Topic
    count: int
    sample: list[Post] = field(default_factory=list)
    previous: TopicVersion | None = None
    previous_count: int | None = None
    gained: list[Post] = field(default_factory=list)
    lost: list[Post] = field(default_factory=list)
    gained_count: int = 0
    lost_count: int = 0


def _matching_pks(store: Any, query: str) -> set[int]:
    keys: set[int] = store.matching_post_keys(compile_query(query).ast)
    return keys


def _posts(store: Any, pks: list[int]) -> list[Post]:
    found: list[Post] = store.posts_by_key(pks) if pks else []
    return found


def test_topic(store: Any, name: str, *, sample: int = 5) -> TopicTest:
    """How many stored posts the topic matches now, a sample, and the change
    from the previous version of its query."""
    from veille.store.split import JoinedStores

    if isinstance(store, JoinedStores):
        return _test_topic_apart(store, name, sample=sample)
    topic = get_topic(store, name)
    now = _matching_pks(store, topic.query)
    result = TopicTest(topic, len(now), store.search(topic.query, limit=sample))
    history = versions(store, name)
    if len(history) > 1:
        prev = history[-2]
        before = _matching_pks(store, prev.query)
        gained, lost = sorted(now - before), sorted(before - now)
        result.previous = prev
        result.previous_count = len(before)
        result.gained_count, result.lost_count = len(gained), len(lost)
        # (gained[-0:] is the whole list: 0 shows none, as on ClickHouse.)
        result.gained = _posts(store, gained[-sample:]) if sample else []
        result.lost = _posts(store, lost[-sample:]) if sample else []
    return result


def match_count(store: Any, name: str) -> int:
    """How many stored posts the topic's query matches now: a count, as the
    stream counts (the full-text index alone when it answers the query),
    where :func:`test_topic` reads the key of every match, and of every
    match of the previous version, to tell what changed (2 s for a common
    word at 1M posts, the whole of ``GET /api/v1/topics/NAME``)."""
    topic = get_topic(store, name)
    return int(store.count_matches(compile_query(topic.query).ast))


def _test_topic_apart(store: Any, name: str, *, sample: int) -> TopicTest:
    """:func:`test_topic` where the posts are in another backend than the
    topics: the posts store has no keys to compare, so the posts gained and
    lost are those of "now AND NOT before" and "before AND NOT now" (the
    samples newest first)."""
    from veille.query.ast import And, Not

    topic = get_topic(store, name)
    now = compile_query(topic.query).ast
    result = TopicTest(
        topic, int(store.count_matches(now)), store.search(topic.query, limit=sample)
    )
    history = versions(store, name)
    if len(history) > 1:
        prev = history[-2]
        before = compile_query(prev.query).ast
        gained, lost = And((now, Not(before))), And((before, Not(now)))
        result.previous = prev
        result.previous_count = int(store.count_matches(before))
        result.gained_count = int(store.count_matches(gained))
        result.lost_count = int(store.count_matches(lost))
        result.gained = store.search(gained, limit=sample) if sample else []
        result.lost = store.search(lost, limit=sample) if sample else []
    return result


test_topic.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@dataclass
class Preview:
    """What a query would hold as a topic: stored posts it matches and the newest few."""

    query: Query
    count: int
    sample: list[Post] = field(default_factory=list)
    #: True when counting stopped at ``count``: more posts than that match.
    more: bool = False


def preview_query(store: Any, text: str, *, sample: int = 5, at_most: int | None = None) -> Preview:
    """Test ``text`` against the stored posts before saving it as a topic
    (a :class:`~veille.query.QueryError` when it does not parse). With
    ``at_most``, a count that reads the posts one by one stops past it
    (``more``: "more than ``at_most``")."""
    q = compile_query(text)
    found: list[Post] = store.search(q, limit=sample) if sample else []
    if len(found) < sample:
        return Preview(q, len(found), found)
    count = int(store.count_matches(q, at_most=at_most))
    if at_most is not None and count == at_most + 1:
        return Preview(q, at_most, found, more=True)
    return Preview(q, count, found)
