"""The one ingest path: dedupe, enrich what is new, store, file, queue.

Everything that brings posts in (collect, ``veille import``, the file source,
quarantine retry) calls :meth:`Pipeline.ingest`. For each bounded batch:

0. **dates**: a post dated more than :data:`AHEAD_TOLERANCE` after its
   collection (a blog's clock or settings wrong: dated 2031) is dated when
   collected, the date it gave kept in its payload (``published_at_given``)
   and counted in the result (``ahead``, the source's health says so): it
   no longer stays at the top of every newest-first list for years;
   **retention**: a post published before the retention cutoff
   (``[privacy] retention_days``) is not stored, its id given in the
   result's ``expired``: the next purge would delete it at once. Nor is
   a post a purge deleted (a feed that still lists it, a backfill, an
   import of an old export), whatever the retention says now: the posts
   store names them (``PURGED``) and leaves them out with its write, as
   ``expired`` too; the purge keeps what they counted in the aggregates,
   which would count them a second time. A post older than the last
   purge's cutoff that no purge deleted (an archive imported after the
   retention was made longer) is stored;
   **links**: the white space inside a post's links and media is
   percent-encoded (``Post.create`` does it; this catches a plugin's
   ``Post(...)``): SQLite keeps them joined by spaces;
1. **dedupe**: the store says which posts it already holds with the same
   content; those are not enriched again (their counts are still updated);
2. **enrich** the others (the stages' ``prepare`` hooks);
3. **one transaction**: the idempotent upsert of the posts, the stages'
   ``in_transaction`` hooks (near-duplicate clusters, topic filings, outbox
   rows) and the caller's state (cursor, health, quarantine);
4. the stages' ``after_commit`` hooks.

A stage that raises on one post (a plugin's bug, text it does not expect)
does not stall the page: the batch is prepared at once, and only when a
stage raises is it prepared again post by post; the posts a stage raised on
are left out of the batch and given to the caller in the result's
``failed``, each with a sentence naming the stage (the collector quarantines
them with their raw item), their traceback logged once per stage and error.
A stage that raises on every post of a batch of several is judged broken,
not the posts: :class:`StageFailed` is raised and nothing of the batch is
stored (the collector fails that source, naming the stage, and retries it at
the next pass). So is a stage whose ``before_write`` or ``in_transaction``
hook raises (those see the batch as a whole); one whose ``after_commit``
raises is logged, the batch being stored by then.

When posts and state are two backends (ClickHouse posts, PostgreSQL state),
step 3 is two steps (:meth:`Pipeline.ingest_split`): the batch's new post ids
are held in the state, the posts are written idempotently (the PostStore's
upsert), then ONE state transaction runs the stages' hooks, writes the
caller's state and the cursor, and releases the hold. A crash between the
two loses nothing (the next ingest of the same owner finishes a held batch
from the stored posts) and doubles nothing (the upsert is idempotent, the
cursor moves only with the state, outbox rows and filings are unique).

A long input (a 70,000-item feed page, a large file) commits batch by batch,
so a crash loses at most one batch and other writers are never blocked for
long; the caller's cursor is written with the last batch only. A strict
caller (``veille import --strict``) checks every row before it writes
anything, and writes in batches too: a long import holding the write lock
would hold up every collector and the web app.

Features plug in as :class:`Stage` objects built by the factories the stage
registry lists (:mod:`veille.pipeline.stages`); this module names none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from veille.cycles import cycles_paused
from veille.errors import VeilleError, log_failure, tr
from veille.models import Cursor, Post, spaces_encoded
from veille.store.base import Store, StoreTransaction, UpsertResult
from veille.store.protocols.privacy import story_key
from veille.store.unlinked import unlink_erased

if TYPE_CHECKING:
    from veille.pipeline.matching import RuleIndex
    from veille.workspace import Workspace

# Posts per transaction: big enough to amortize a commit, small enough that a
# crash loses little and a writer beside this one waits well under a second.
BATCH_SIZE = 2000
# How far after its collection a post may be dated (the platforms' clocks and
# ours disagree by seconds, a scheduled post's date by a minute or two).
AHEAD_TOLERANCE = timedelta(minutes=15)

# The caller's writes that commit with a batch: ``state(tx, result, last)``;
# ``last`` is true for the batch that ends the call (write the cursor then).
StateWriter = Callable[[StoreTransaction, UpsertResult, bool], None]

log = logging.getLogger("veille.ingest")

#: Why a post is in quarantine when a stage raised on it (the stage's name and
#: Python's words for the error; the traceback is in the log).
STAGE_FAILED_POST = (
    "the %(stage)s stage failed on this post (%(type)s: %(error)s); "
    "retry it once the stage is fixed"
)


class StageFailed(VeilleError):
    """A stage raised on every post of a batch of several (a broken stage,
    not broken posts), or in a hook that sees the batch as a whole: nothing
    of the batch is stored. ``stage`` names it."""

    def __init__(self, stage: str, error: BaseException, *, every: bool = False) -> None:
        said = {"stage": stage, "type": type(error).__name__, "error": str(error)}
        if every:
            message = tr(
                "the %(stage)s stage failed on every post of this page (%(type)s: %(error)s); "
                "nothing of the page is stored and the source is retried at the next pass; "
                "fix or remove that stage (its traceback is in the log)",
                **said,
            )
        else:
            message = tr(
                "the %(stage)s stage failed (%(type)s: %(error)s); nothing of this page is "
                "stored and the source is retried at the next pass; if it persists, fix or "
                "remove that stage (its traceback is in the log)",
                **said,
            )
        super().__init__(message)
        self.stage = stage
        self.error = error


class PostsLeftOut(VeilleError):
    """``ingest(..., strict=True)``: a stage raised on some posts of a batch
    (``failed``: each post and the sentence naming the stage), where the
    caller wants all or nothing: nothing of that batch is written. The
    message is the first post's sentence."""

    def __init__(self, failed: list[tuple[Post, str]]) -> None:
        super().__init__(failed[0][1])
        self.failed = failed


@dataclass
class Stage:
    """One feature's part in ingest; every hook is optional.

    - ``prepare(posts) -> posts``: before storing (enrichment), only for the
      posts that are new or whose content changed; pure;
    - ``before_write(tx, posts) -> posts``: where posts and state are two
      backends, the posts not stored yet, just before they are written, with
      the state transaction that holds them (read only): what the stage
      would write to them in ``in_transaction`` goes in with them instead
      (a near-duplicate's story: ClickHouse rewrites a whole post to change
      one column). ``in_transaction`` still sees them, as they were written;
    - ``in_transaction(tx, result)``: after the posts are written, inside the
      same transaction (e.g. a match becomes an outbox row atomically);
    - ``after_commit(result)``: once committed.
    """

    name: str
    prepare: Callable[[list[Post]], list[Post]] | None = None
    in_transaction: Callable[[StoreTransaction, UpsertResult], None] | None = None
    after_commit: Callable[[UpsertResult], None] | None = None
    before_write: Callable[[Any, list[Post]], list[Post]] | None = None


@dataclass
class StageContext:
    """What a stage factory is given: the workspace, and the one matcher
    that every stage matching saved queries shares (topics and alerts are
    matched in one pass per post)."""

    workspace: Workspace
    rules: RuleIndex

    @property
    def store(self) -> Any:
        """The state store (posts and state when one backend keeps both)."""
        return self.workspace.state


StageFactory = Callable[[StageContext], "Stage | None"]


@dataclass
class Pipeline:
    """``store`` keeps the state (and the posts, when ``posts`` is ``None``);
    ``posts`` is the PostStore when it is another backend."""

    store: Store
    stages: list[Stage] = field(default_factory=list)
    batch_size: int = BATCH_SIZE
    posts: Any = None
    #: The retention cutoff, read once per call to :meth:`ingest`: posts
    #: published before it are not stored (``None``: no retention).
    retention: Callable[[], datetime | None] | None = None
    # (stage, error type) whose traceback was logged: once per pipeline.
    _logged: set[tuple[str, str]] = field(default_factory=set, repr=False)

    @property
    def split(self) -> bool:
        """Whether posts and state are two backends (no common transaction)."""
        return self.posts is not None and self.posts is not self.store

    @property
    def post_store(self) -> Any:
        return self.posts if self.split else self.store

    @staticmethod
    def settle_links(posts: list[Post]) -> list[Post]:
        """``posts``, a link or medium holding white space percent-encoded
        (:func:`~veille.models.spaces_encoded`) in each one built without
        :meth:`Post.create`, which does it (a plugin's ``Post(...)``)."""
        out = posts
        for i, post in enumerate(posts):
            links, media = spaces_encoded(post.links), spaces_encoded(post.media)
            if links is post.links and media is post.media:
                continue
            if out is posts:
                out = list(posts)
            out[i] = replace(post, links=links, media=media)
        return out

    @staticmethod
    def settle_dates(posts: list[Post]) -> tuple[list[Post], dict[str, datetime]]:
        """``posts``, those dated more than :data:`AHEAD_TOLERANCE` after their
        collection (or now, for a post not collected: an import) dated then,
        the date they gave kept in their payload; and the dates they gave, by
        post id."""
        now = datetime.now(UTC)
        ahead: dict[str, datetime] = {}
        out = posts
        for i, post in enumerate(posts):
            when = post.collected_at or now
            if post.published_at - when <= AHEAD_TOLERANCE:
                continue
            if out is posts:
                out = list(posts)
            ahead[post.id] = post.published_at
            raw = {**post.raw, "published_at_given": post.published_at.isoformat()}
            out[i] = replace(post, published_at=when, raw=raw)
        return out, ahead

    @staticmethod
    def _ahead(result: UpsertResult, ahead: dict[str, datetime]) -> UpsertResult:
        """``result`` with the new posts among ``ahead`` in its ``ahead``
        (one stored before, read again, is not counted again)."""
        if ahead:
            result.ahead.update((p.id, ahead[p.id]) for p in result.new if p.id in ahead)
        return result

    def cutoff(self) -> datetime | None:
        """The retention cutoff now (``None``: no retention)."""
        return self.retention() if self.retention is not None else None

    @staticmethod
    def expire(posts: list[Post], cutoff: datetime | None) -> tuple[list[Post], list[str]]:
        """``posts`` less those published before ``cutoff``, and their ids."""
        if cutoff is None or all(p.published_at >= cutoff for p in posts):
            return posts, []
        return (
            [p for p in posts if p.published_at >= cutoff],
            [p.id for p in posts if p.published_at < cutoff],
        )

    def prepare(self, posts: list[Post]) -> list[Post]:
        """Every stage's ``prepare`` over ``posts`` (no dedupe)."""
        for stage in self.stages:
            if stage.prepare is not None:
                posts = stage.prepare(posts)
        return posts

    def prepare_isolated(self, posts: list[Post]) -> tuple[list[Post], list[tuple[Post, str]]]:
        """:meth:`prepare` over ``posts``, a post a stage raises on left out:
        the posts prepared, and each post left out with the sentence that
        says which stage failed on it. The batch is prepared at once; only
        when a stage raises is it prepared again post by post (the normal
        path costs nothing more). Raises :class:`StageFailed` where one
        stage raised on every post of a batch of several."""
        try:
            return self.prepare(posts), []
        except VeilleError:
            raise
        except Exception:  # which post (or stage) raised: found post by post below
            pass
        kept: list[Post] = []
        raised: list[tuple[Post, str, Exception]] = []
        for post in posts:
            one, name = [post], ""
            try:
                for stage in self.stages:
                    if stage.prepare is not None:
                        name = stage.name
                        one = stage.prepare(one)
            except VeilleError:
                raise
            except Exception as exc:  # this post only
                raised.append((post, name, exc))
                continue
            kept.extend(one)
        if len(posts) > 1 and len(raised) == len(posts):
            stages = {name for _p, name, _e in raised}
            if len(stages) == 1:
                _post, name, error = raised[0]
                self._log_stage(name, error, every=True)
                raise StageFailed(name, error, every=True) from error
        failed: list[tuple[Post, str]] = []
        for post, name, error in raised:
            self._log_stage(name, error, post=post)
            failed.append(
                (
                    post,
                    tr(STAGE_FAILED_POST, stage=name, type=type(error).__name__, error=str(error)),
                )
            )
        return kept, failed

    def _log_stage(
        self, stage: str, exc: BaseException, *, post: Post | None = None, every: bool = False
    ) -> None:
        """Say that ``stage`` raised; its traceback the first time this
        pipeline sees that stage raise that kind of error, one line after."""
        key = (stage, type(exc).__name__)
        first = key not in self._logged
        self._logged.add(key)
        said = f"{type(exc).__name__}: {exc}"
        if post is not None:
            what = f"stage {stage} failed on post {post.id} ({said}); the post is left out"
        elif every:
            what = f"stage {stage} failed on every post of a batch ({said}); none is stored"
        else:
            what = f"stage {stage} failed ({said}); nothing of the batch is stored"
        if first:
            log.error("%s. Its traceback, logged once:", what, exc_info=exc)
        else:
            log.error("%s (its traceback was logged at the first failure).", what)

    def prepare_changed(
        self, posts: list[Post], stored: dict[str, str] | None = None
    ) -> tuple[list[Post], list[tuple[Post, str]]]:
        """``posts`` with those that are new or changed prepared; a post the
        store holds with the same content is passed through as it is (its
        stored enrichment is kept by the upsert). ``stored``: the store's
        ``stored_content(posts)``, where the caller has read it already.
        Also the posts a stage raised on (left out, see
        :meth:`prepare_isolated`)."""
        if not posts or not any(s.prepare for s in self.stages):
            return posts, []
        if stored is None:
            stored = self.post_store.stored_content(posts)
        changed = [i for i, p in enumerate(posts) if stored.get(p.id) != p.content_hash]
        if not changed:
            return posts, []
        if len(changed) == len(posts):
            return self.prepare_isolated(posts)
        prepared, failed = self.prepare_isolated([posts[i] for i in changed])
        if failed:  # left out: the others keep their places
            out_ids = {id(p) for p, _why in failed}
            keep = [i for i, p in enumerate(posts) if id(p) not in out_ids]
            place = {old: new for new, old in enumerate(keep)}
            changed = [place[i] for i in changed if i in place]
            posts = [posts[i] for i in keep]
        if len(prepared) != len(changed):  # a stage dropped some: keep its choice
            kept = set(changed)
            return [p for i, p in enumerate(posts) if i not in kept] + prepared, failed
        out = list(posts)
        for i, post in zip(changed, prepared, strict=True):
            out[i] = post
        return out, failed

    def batch_transaction(self) -> AbstractContextManager[StoreTransaction]:
        """The store's transaction for one batch: its ``batch_transaction``
        where it has one (tuned for many rows at once), else ``transaction``."""
        batch = getattr(self.store, "batch_transaction", None)
        return batch() if batch is not None else self.store.transaction()

    def write(
        self, tx: StoreTransaction, posts: Sequence[Post], cursor: Cursor | None
    ) -> UpsertResult:
        """Store prepared posts and run the in-transaction hooks inside ``tx``."""
        result = tx.upsert_posts(posts)
        if cursor is not None:
            tx.set_cursor(cursor)
        for stage in self.stages:
            if stage.in_transaction is not None:
                self._hook(stage.name, stage.in_transaction, tx, result)
        return result

    def _hook(self, stage: str, hook: Callable[..., Any], *args: Any) -> Any:
        """``hook(*args)``; a stage's error other than veille's own (a store
        away stays itself) raised as :class:`StageFailed`, naming it."""
        try:
            return hook(*args)
        except VeilleError:
            raise
        except Exception as exc:
            self._log_stage(stage, exc)
            raise StageFailed(stage, exc) from exc

    def committed(self, result: UpsertResult) -> None:
        """The stages' ``after_commit`` hooks. The batch is stored by then: a
        hook that raises is logged and the others run (what it would have
        done, sending, the outbox does again)."""
        for stage in self.stages:
            if stage.after_commit is not None:
                try:
                    stage.after_commit(result)
                except VeilleError as exc:
                    log_failure(log, f"stage {stage.name} failed after a commit", exc)
                except Exception as exc:
                    key = (stage.name, type(exc).__name__)
                    first = key not in self._logged
                    self._logged.add(key)
                    log.error(
                        "stage %s failed after a commit (%s: %s); the batch is stored%s",
                        stage.name, type(exc).__name__, exc,
                        ". Its traceback, logged once:" if first else "",
                        exc_info=exc if first else None,
                    )  # fmt: skip

    def ingest(
        self,
        posts: Sequence[Post],
        *,
        cursor: Cursor | None = None,
        state: StateWriter | None = None,
        strict: bool = False,
    ) -> UpsertResult:
        """Dedupe, prepare, store and file ``posts`` batch by batch (see the
        module docstring); ``cursor`` commits with the last batch. ``strict``:
        a post a stage raises on is not left out but raises
        :class:`PostsLeftOut`, nothing of its batch written."""
        posts = unlink_erased(self.post_store, self.settle_links(list(posts)))
        posts, ahead = self.settle_dates(posts)
        if self.split:
            return self.ingest_split(posts, cursor=cursor, state=state, ahead=ahead, strict=strict)
        total = UpsertResult()
        size = max(1, self.batch_size)
        starts = range(0, len(posts), size) if posts else range(1)
        cutoff = self.cutoff()
        for start in starts:
            with cycles_paused:  # (veille.cycles) a batch at a time
                last = start + size >= len(posts)
                chunk, expired = self.expire(posts[start : start + size], cutoff)
                batch, failed = self.prepare_changed(chunk)
                if strict and failed:
                    raise PostsLeftOut(failed)
                with self.batch_transaction() as tx:
                    # Read again in the write's transaction: a purge that began
                    # since logged its cutoff before its first delete.
                    batch, late = self.expire(batch, self.cutoff())
                    expired += late
                    result = self._ahead(self.write(tx, batch, cursor if last else None), ahead)
                    result.failed = failed
                    # (With the posts the store left out: a purge deleted them.)
                    result.expired = expired + result.expired
                    if state is not None:
                        state(tx, result, last)
                self.committed(result)
                total += result
        return total

    # -- posts and state in two backends -------------------------------------

    def ingest_split(
        self,
        posts: list[Post],
        *,
        cursor: Cursor | None = None,
        state: StateWriter | None = None,
        owner: str | None = None,
        ahead: dict[str, datetime] | None = None,
        strict: bool = False,
    ) -> UpsertResult:
        """:meth:`ingest` when posts and state are two backends (see the module
        docstring). ``owner`` names whose held batches this call finishes
        first (default: the cursor's source, which one collector holds at a
        time; imports share ``ingest``)."""
        owner = owner or (cursor.source if cursor is not None else "ingest")
        if ahead is None:
            posts, ahead = self.settle_dates(
                unlink_erased(self.post_store, self.settle_links(posts))
            )
        self.finish_held(owner)
        committed = self.store.get_cursor(cursor.source) if cursor is not None else None
        total = UpsertResult()
        size = max(1, self.batch_size)
        starts = range(0, len(posts), size) if posts else range(1)
        cutoff = self.cutoff()
        for start in starts:
            with cycles_paused:  # (veille.cycles) a batch at a time
                last = start + size >= len(posts)
                chunk, expired = self.expire(posts[start : start + size], cutoff)
                # Read once: what to enrich, and which posts are new.
                stored = self.post_store.stored_content(chunk) if chunk else {}
                batch, failed = self.prepare_changed(chunk, stored)
                if strict and failed:
                    raise PostsLeftOut(failed)
                fresh = [p.id for p in batch if p.id not in stored]
                unrecorded = self.unrecorded(chunk, stored, committed)
                hold: int | None = None
                if fresh:
                    with self.store.transaction() as tx:
                        hold = tx.hold_pending(owner, fresh, time.time())
                        batch = self.before_write(tx, batch, set(fresh))
                # The posts store leaves out, with its write, what a purge deleted
                # (one begun since ``cutoff`` was read too: see upsert_posts).
                result = self.post_store.upsert_posts(batch) if batch else UpsertResult()
                result = self._ahead(result, ahead)
                result.failed = failed
                result.expired = expired + result.expired
                with self.store.transaction() as tx:
                    if unrecorded.new:
                        self.run_stages(tx, unrecorded)
                    self.run_stages(tx, result)
                    if last and cursor is not None:
                        tx.set_cursor(cursor)
                    if state is not None:
                        state(tx, result, last)
                    if hold is not None:
                        tx.release_pending([hold])
                result = self.drop_forgotten(batch, result)
                if unrecorded.new:
                    self.committed(unrecorded)
                self.committed(result)
                total += result
        return total

    def unrecorded(
        self, chunk: list[Post], stored: Mapping[str, str], committed: Cursor | None
    ) -> UpsertResult:
        """The posts of ``chunk`` already stored whose state may never have
        been committed: collected after the source's cursor last moved.

        The state's commits can be lost while the posts stay stored: an
        asynchronous PostgreSQL replica promoted without the primary's last
        transactions has the cursor of an earlier pass and none of the
        filings, outbox rows or held batches of the later ones. The source
        then fetches those posts again from the older cursor; stored, they
        were neither filed nor queued again, and alerts on them never went
        out. Passed through the stages as new (filings and outbox rows are
        unique, so a post whose state did commit gets nothing twice).

        A cursor's time is whole seconds and set after its posts were
        collected, so a post collected a second or more after it came from a
        pass whose state is not there. A source with no cursor at all (its
        first pass lost), and a post with no collection time (an import), are
        left as they are."""
        if committed is None or committed.updated_at is None:
            return UpsertResult()
        ids = [p.id for p in chunk if p.id in stored]
        if not ids:
            return UpsertResult()
        since = committed.updated_at + timedelta(seconds=1)
        lost = [
            p
            for p in self.post_store.get_posts(ids)
            if p.collected_at is not None and p.collected_at >= since
        ]
        if lost:
            log.warning(
                "%d stored posts of %s were collected after its cursor last moved "
                "(the state store lost the commits that filed them, as after a failover to "
                "an asynchronous replica): filed and queued again",
                len(lost), committed.source,
            )  # fmt: skip
        return UpsertResult(new=lost)

    def before_write(self, tx: Any, batch: list[Post], fresh: set[str]) -> list[Post]:
        """``batch`` with its posts in ``fresh`` (not stored yet) passed
        through the stages' ``before_write`` hooks."""
        writing = [p for p in batch if p.id in fresh]
        if not writing or not any(s.before_write for s in self.stages):
            return batch
        for stage in self.stages:
            if stage.before_write is not None:
                writing = self._hook(stage.name, stage.before_write, tx, writing)
        done = {p.id: p for p in writing}
        return [done.get(p.id, p) if p.id in fresh else p for p in batch]

    def drop_forgotten(self, batch: list[Post], result: UpsertResult) -> UpsertResult:
        """``result`` less the posts of ``batch`` that an erasure forgot while
        this batch was being written, their copies taken out of the state
        (and a story keyed by an erased post given its new key there).

        An erasure records whom it forgets in the posts store, then takes
        their copies out of the state, then deletes their posts; this batch
        commits its state, then reads that record. So either the erasure's
        last pass over the state comes after this commit (and finds the
        copies), or this read finds the record (and the copies go here)."""
        posts = self.post_store
        check = getattr(posts, "forgotten_ids", None)
        if check is None:
            return result
        # Stories this batch joined that are keyed by a post erased meanwhile.
        named = getattr(posts, "forgotten_posts", None)
        keys: set[str] = set()
        if named is not None and result.clusters:
            keys = set(named(set(result.clusters.values())))
        if keys:
            self.store.forget_posts(sorted(keys), rekey=True)
            result = replace(
                result,
                clusters={k: story_key(v) if v in keys else v for k, v in result.clusters.items()},
            )
        written = {p.id for p in result.new} | set(result.updated)
        stored = [p for p in batch if p.id in written]
        gone = set(check(stored)) if stored else set()
        if not gone:
            return result
        self.store.forget_posts(sorted(gone), rekey=True)
        for handle, platform in sorted(
            {(p.author.handle, p.platform) for p in stored if p.id in gone}
        ):
            self.store.forget_author(handle, platform)
        return replace(
            result,
            new=[p for p in result.new if p.id not in gone],
            updated=[i for i in result.updated if i not in gone],
            clusters={k: v for k, v in result.clusters.items() if k not in gone},
            refused=sorted(set(result.refused) | gone),
        )

    def run_stages(self, tx: Any, result: UpsertResult) -> None:
        from veille.store.split import EchoTx

        tx = EchoTx(tx, self.post_store)
        for stage in self.stages:
            if stage.in_transaction is not None:
                self._hook(stage.name, stage.in_transaction, tx, result)

    def finish_held(self, owner: str) -> int:
        """Run the state half of ``owner``'s batches whose state transaction
        never committed (the posts stored by then are treated as new: outbox
        rows and filings are unique, so a repeat adds nothing); the number of
        posts finished."""
        done = 0
        for hold, _owner, ids in self.store.pending_ingests(owner):
            stored = self.post_store.get_posts(ids)
            result = UpsertResult(new=list(stored))
            with self.store.transaction() as tx:
                self.run_stages(tx, result)
                tx.release_pending([hold])
            self.committed(result)
            done += len(stored)
        return done


def build_pipeline(
    workspace: Workspace,
    *,
    skip: Sequence[str] = (),
    extra: Sequence[Stage] = (),
) -> Pipeline:
    """The workspace's pipeline: every registered stage not named in ``skip``."""
    from veille.pipeline.matching import RuleIndex
    from veille.pipeline.stages import stage_factories

    context = StageContext(workspace, RuleIndex(workspace.state))
    stages = []
    for name, factory in stage_factories().items():
        if name in skip:
            continue
        stage = factory(context)
        if stage is not None and stage.name not in skip:
            stages.append(stage)
    stages.extend(extra)
    from veille.services.retention import retention_cutoff

    posts = workspace.posts
    state = workspace.state
    return Pipeline(
        state,  # type: ignore[arg-type]
        stages,
        posts=None if posts is state else posts,
        retention=lambda: retention_cutoff(workspace),
    )
