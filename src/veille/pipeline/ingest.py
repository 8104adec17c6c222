"""The ingest pipeline: enrich, store, match, notify.

Every way posts come in (file import, connectors, the simulator) goes through
:meth:`Pipeline.ingest`, so that every post is enriched the same way and every
alert sees every new post. Features plug in as :class:`Stage` objects built by
the factories in ``STAGE_FACTORIES``; the core special-cases none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from veille.models import Cursor, Post
from veille.store.base import Store, StoreTransaction, UpsertResult

if TYPE_CHECKING:
    from veille.workspace import Workspace


@dataclass
class Stage:
    """One feature's part in ingest; every hook is optional.

    - ``prepare(posts) -> posts``: before storing (enrichment); pure.
    - ``in_transaction(tx, result)``: after the posts are written, inside the
      same transaction (e.g. a match becomes an outbox row atomically).
    - ``after_commit(result)``: once committed (e.g. send the deliveries).
    """

    name: str
    prepare: Callable[[list[Post]], list[Post]] | None = None
    in_transaction: Callable[[StoreTransaction, UpsertResult], None] | None = None
    after_commit: Callable[[UpsertResult], None] | None = None


StageFactory = Callable[["Workspace"], "Stage | None"]


def _builtin_factories() -> list[StageFactory]:
    """The built-in stages, in order. Each feature adds its factory here."""
    from veille.alerts.stage import alerts_stage
    from veille.enrich.stage import enrich_stage
    from veille.query.topics import match_stage

    return [enrich_stage, match_stage, alerts_stage]


@dataclass
class Pipeline:
    store: Store
    stages: list[Stage] = field(default_factory=list)

    def prepare(self, posts: list[Post]) -> list[Post]:
        for stage in self.stages:
            if stage.prepare is not None:
                posts = stage.prepare(posts)
        return posts

    def write(
        self, tx: StoreTransaction, posts: Sequence[Post], cursor: Cursor | None
    ) -> UpsertResult:
        """Store prepared posts and run the in-transaction hooks inside ``tx``."""
        result = tx.upsert_posts(posts)
        if cursor is not None:
            tx.set_cursor(cursor)
        for stage in self.stages:
            if stage.in_transaction is not None:
                stage.in_transaction(tx, result)
        return result

    def committed(self, result: UpsertResult) -> None:
        for stage in self.stages:
            if stage.after_commit is not None:
                stage.after_commit(result)

    def ingest(self, posts: Sequence[Post], *, cursor: Cursor | None = None) -> UpsertResult:
        """Prepare, store (with ``cursor``) in one transaction, then notify."""
        prepared = self.prepare(list(posts))
        with self.store.transaction() as tx:
            result = self.write(tx, prepared, cursor)
        self.committed(result)
        return result


def build_pipeline(
    workspace: Workspace, *, skip: Sequence[str] = (), extra: Sequence[Stage] = ()
) -> Pipeline:
    """The workspace's pipeline with every built-in stage not named in ``skip``."""
    stages = []
    for factory in _builtin_factories():
        stage = factory(workspace)
        if stage is not None and stage.name not in skip:
            stages.append(stage)
    stages.extend(extra)
    return Pipeline(workspace.store, stages)
