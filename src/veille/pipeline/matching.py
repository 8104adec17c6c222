"""One matcher for every saved query ingest matches: topics and alerts.

Stages that match saved queries register a *provider* with the pipeline's
:class:`RuleIndex` (the topics stage its topics, the alerts stage its alert
rules); the index files every distinct query once in one
:class:`~veille.query.matcher.Matcher`, matches each new post once, and hands
each stage the hits of its own rules.

The index asks the state store for its rules' change counter
(:meth:`~veille.store.protocols.ingest.IngestPosts.rules_version`) before each
batch and rebuilds when a topic or an alert changed, by any process: a
running ``veille run`` files posts under a topic added while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from veille.errors import StoreError, VeilleError
from veille.models import Post
from veille.query import Doc, Query, compile_query

if TYPE_CHECKING:
    from veille.pipeline.ingest import Stage, StageContext
    from veille.query.matcher import Matcher
    from veille.store.base import StoreTransaction, UpsertResult

log = logging.getLogger(__name__)

# A provider lists its rules: (key, query text or compiled query).
Provider = Callable[[], Iterable[tuple[Hashable, "Query | str"]]]
# (provider kind, rule key) of each rule a post matched.
Hit = tuple[str, Hashable]


class RuleIndex:
    """Every rule of every provider, filed once; see the module docstring."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._providers: dict[str, Provider] = {}
        self._version: int | None = None
        self._matcher: Matcher | None = None
        # Matcher query id (one per distinct query text) -> the rules using it.
        self._owners: dict[str, list[Hit]] = {}
        self._query_of: dict[Hit, str] = {}
        # The last batch matched, so every stage of one batch shares one pass.
        self._last: tuple[Sequence[Post], dict[str, list[Hit]]] | None = None

    def provide(self, kind: str, provider: Provider) -> None:
        """Register ``kind``'s rules (read again whenever rules change)."""
        self._providers[kind] = provider
        self._version = None

    def refresh(self) -> None:
        """Rebuild the matcher if a topic or an alert changed since the last build.

        The version is read before the rules: a change made in between is
        read again at the next batch. When reading the rules fails (the state
        store gone for a moment, a lock given up), the error goes up and the
        version is not recorded: the batch fails whole, rolled back, and is
        tried again like any batch whose state did not commit (its source's
        cursor did not move; a batch held between two backends is finished
        by the next ingest), and the next batch reads the rules again. Had
        the rules been skipped instead, the version recorded with them would
        have left topics unfiled and alerts unsent until the next rule change.
        A provider that fails otherwise (a plugin's bug) must not stop every
        ingest: its rules are left out of this batch, logged, and read again
        at the next one."""
        version = self.store.rules_version()
        if version == self._version and self._matcher is not None:
            return
        from veille.query.matcher import Matcher

        matcher = Matcher()
        owners: dict[str, list[Hit]] = {}
        whole = True
        for kind, provider in self._providers.items():
            try:
                rules = list(provider())
            except StoreError:  # the state store failed: the batch fails (see above)
                raise
            except Exception:  # a provider's bug must not stop every ingest
                log.exception("reading the %s rules failed; skipped for this batch", kind)
                whole = False
                continue
            for key, query in rules:
                try:
                    compiled = query if isinstance(query, Query) else compile_query(query)
                except VeilleError as exc:  # a query this version cannot read: skip it
                    log.warning("%s %s skipped: %s", kind, key, exc.message)
                    continue
                qid = compiled.text
                if qid not in owners:
                    owners[qid] = []
                    matcher.add(qid, compiled)
                owners[qid].append((kind, key))
        matcher.build()
        # Rules a provider failed to give are read again at the next batch.
        self._matcher, self._owners = matcher, owners
        self._version = version if whole else None
        self._query_of = {hit: qid for qid, hits in owners.items() for hit in hits}
        self._last = None

    def matches(self, posts: Sequence[Post]) -> dict[str, list[Hit]]:
        """``{post id: rules it matches}`` for ``posts`` (matched once per batch:
        a second call with the same list returns the same answer)."""
        if self._last is not None and self._last[0] is posts:
            return self._last[1]
        self.refresh()
        assert self._matcher is not None
        out: dict[str, list[Hit]] = {}
        if len(self._matcher):
            owners = self._owners
            for post in posts:
                try:
                    qids = self._matcher.match_ids(post)
                except Exception:  # a post that trips the matcher must not lose the batch
                    log.exception("matching post %s failed; it is filed nowhere", post.id)
                    continue
                if qids:
                    out[post.id] = [hit for qid in qids for hit in owners[qid]]
        self._last = (posts, out)
        return out

    def spans(self, post: Post | Doc, key: Hashable, kind: str) -> Any:
        """The matched spans of ``kind``'s rule ``key`` in ``post``."""
        qid = self._query_of.get((kind, key))
        if qid is None or self._matcher is None:
            return []
        return self._matcher.query(qid).spans(post)


def topics_stage(context: StageContext) -> Stage:
    """Files each new post under the topics it matches (``post_topics``)."""
    from veille.pipeline.ingest import Stage
    from veille.query.topics import list_topics

    store = context.store
    rules = context.rules
    rules.provide("topic", lambda: [(t.id, t.query) for t in list_topics(store)])

    def in_transaction(tx: StoreTransaction, result: UpsertResult) -> None:
        if not result.new:
            return
        found = rules.matches(result.new)
        tx.file_posts(
            [
                (pid, int(key))  # type: ignore[call-overload]  # topic keys are ids
                for pid, hits in found.items()
                for kind, key in hits
                if kind == "topic"
            ]
        )

    return Stage("match", in_transaction=in_transaction)
