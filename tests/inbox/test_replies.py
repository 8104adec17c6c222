"""Replies through the Mastodon publisher to the simulator: sent, refused
(text and platform error kept), collisions, approval, canned responses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import init_state_workspace
from veille.config import InboxSettings
from veille.errors import UsageError
from veille.inbox import canned, replies
from veille.inbox import items as svc
from veille.inbox.model import ItemFilter
from veille.models import Author, Post
from veille.publish.service import add_account
from veille.query.topics import add_topic
from veille.sim.generate import SimConfig
from veille.sim.server import SimClock, Simulator, SimWorld
from veille.sim.social import snowflake
from veille.workspace import Workspace

from .conftest import ingest

SIM_NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    cfg = SimConfig(seed=7, days=2, end=SIM_NOW, spike_day=1, posts_per_day=20, spike_posts=0)
    with Simulator(SimWorld.generate(cfg, SimClock(SIM_NOW))) as s:
        yield s


@pytest.fixture
def ws(tmp_path: Path, sim: Simulator, state_kind: str) -> Iterator[Workspace]:
    root = init_state_workspace(tmp_path / "ws", state_kind)
    toml = root / "veille.toml"
    toml.write_text(
        toml.read_text().replace(
            "# allow_private_networks = false", "allow_private_networks = true"
        )
    )
    with Workspace.open(root) as w:
        add_topic(w.state, "lumio", "lumio", inbox=True)
        url = sim.url("mastodon", "").rstrip("/")
        add_account(w.state, "lumio-masto", "mastodon", url, secret="sim-mastodon-token")
        yield w


def _item(
    ws: Workspace, sim: Simulator, *, exists: bool = True, n: int = 0, author: str = "asker"
) -> int:
    """An item for a post the simulator holds (or, ``exists=False``, one it lost)."""
    world_post = sim.world.by_platform["mastodon"][n]
    host = sim.host("mastodon").address
    native = snowflake(world_post) if exists else "1"
    post = Post.create(
        platform="mastodon", native_id=f"{host}/{native}", text=f"lumio question {n} {exists}",
        published_at=world_post.published_at, author=Author(author), lang="en",
    )  # fmt: skip
    ingest(ws, [post])
    return svc.list_items(ws.state, ItemFilter(text=f"lumio question {n} {exists}"))[0].id


def _writes(sim: Simulator) -> list:
    return [w for w in sim.host("mastodon").writes if w.method == "POST"]


def test_a_reply_is_sent_and_counts_as_the_first_response(ws: Workspace, sim: Simulator) -> None:
    item_id = _item(ws, sim)
    outcome = replies.reply(ws, item_id, "Merci, nous regardons !", user="alice")
    assert outcome.reply.status == "sent" and outcome.reply.remote_url
    sent = _writes(sim)[-1]
    assert sent.body["in_reply_to_id"] == snowflake(sim.world.by_platform["mastodon"][0])
    assert sent.body["status"] == "Merci, nous regardons !"
    item = svc.get_item(ws.state, item_id)
    assert item.status == "responded" and item.first_response_at is not None
    assert item.replying is None


def test_a_post_without_an_author_is_answered_like_any_other(ws: Workspace, sim: Simulator) -> None:
    """A reply goes to the post (in_reply_to_id), not to a handle: a post
    without an author (an empty handle) is answered as well, with no "@"."""
    item_id = _item(ws, sim, n=1, author="")
    outcome = replies.reply(ws, item_id, "Merci !", user="alice")
    assert outcome.reply.status == "sent"
    sent = _writes(sim)[-1]
    assert sent.body["in_reply_to_id"] == snowflake(sim.world.by_platform["mastodon"][1])
    assert sent.body["status"] == "Merci !"


def test_a_refused_reply_keeps_its_text_and_the_platform_error(
    ws: Workspace, sim: Simulator
) -> None:
    item_id = _item(ws, sim, exists=False)
    with pytest.raises(replies.ReplyFailed, match="Record not found"):
        replies.reply(ws, item_id, "Bonjour", user="alice")
    (stored,) = ws.state.inbox_replies(item_id)
    assert (stored.status, stored.text, stored.error) == ("failed", "Bonjour", "Record not found")
    item = svc.get_item(ws.state, item_id)
    # The post is gone upstream: the item is marked, kept, and still open.
    assert item.deleted_upstream_at is not None and item.is_open
    assert item.first_response_at is None


def test_the_guide_blocks_a_reply_the_platform_would_refuse(ws: Workspace, sim: Simulator) -> None:
    item_id = _item(ws, sim)
    before = len(_writes(sim))
    with pytest.raises(UsageError, match="cannot be sent"):
        replies.reply(ws, item_id, "trop long " * 60, user="alice")
    assert len(_writes(sim)) == before
    assert replies.check_reply("mastodon", "trop long " * 60, lang="fr").problems


def test_collision_is_shown_before_sending(ws: Workspace, sim: Simulator) -> None:
    item_id = _item(ws, sim)
    svc.assign(ws.state, item_id, "bob", actor="bob")
    assert replies.start_reply(ws, item_id, "bob") == []
    warnings = replies.start_reply(ws, item_id, "alice")
    assert "assigned to bob" in warnings
    before = len(_writes(sim))
    with pytest.raises(replies.Collision, match="assigned to bob; bob is writing a reply") as hit:
        replies.reply(ws, item_id, "Hello", user="alice")
    assert hit.value.hint and "--force" in hit.value.hint
    assert len(_writes(sim)) == before and ws.state.inbox_replies(item_id) == []
    done = replies.reply(ws, item_id, "Hello", user="alice", force=True)
    assert done.reply.status == "sent"


def test_a_reply_waits_for_a_managers_approval_where_required(
    ws: Workspace, sim: Simulator
) -> None:
    ws.settings = replace(ws.settings, inbox=InboxSettings(require_approval=True))
    item_id = _item(ws, sim)
    before = len(_writes(sim))
    outcome = replies.reply(ws, item_id, "Thanks!", user="intern")
    assert outcome.reply.status == "pending_approval" and len(_writes(sim)) == before
    assert [r.id for r in ws.state.inbox_replies(status="pending_approval")] == [outcome.reply.id]
    sent = replies.approve(ws, outcome.reply.id, approver="boss")
    assert sent.status == "sent" and sent.approved_by == "boss"
    assert svc.get_item(ws.state, item_id).status == "responded"


def test_canned_responses_in_english_and_french(ws: Workspace) -> None:
    assert canned.canned_text(ws.state, "thanks", "fr").startswith("Merci")
    assert canned.canned_text(ws.state, "thanks", "en").startswith("Thank you")
    ws.state.save_canned("thanks", "fr", "Merci beaucoup !")
    assert canned.canned_text(ws.state, "thanks", "fr") == "Merci beaucoup !"


def test_no_reply_api_means_answered_outside(ws: Workspace) -> None:
    post = Post.create(
        platform="reddit", native_id="abc", text="lumio on reddit", author=Author("r"),
        published_at=SIM_NOW, url="https://www.reddit.com/r/x/comments/abc",
    )  # fmt: skip
    ingest(ws, [post])
    (item,) = svc.list_items(ws.state, ItemFilter(platforms=("reddit",)))
    with pytest.raises(UsageError, match="cannot reply on Reddit"):
        replies.reply(ws, item.id, "hi", user="alice")
    replies.answered_outside(ws, item.id, user="alice", link="https://www.reddit.com/r/x/c/1")
    assert svc.get_item(ws.state, item.id).first_response_at is not None


def test_a_reply_on_bluesky_carries_the_posts_refs(ws: Workspace, sim: Simulator) -> None:
    """Through the Bluesky publisher to the simulator's PDS: a session with
    the app password, then a record whose parent is the post and whose root
    is its thread's first post (the simulator refuses refs it does not hold)."""
    from veille.sim import bluesky

    add_account(ws.state, "lumio-bsky", "bluesky", sim.url("bluesky", "").rstrip("/"),
                handle="lumio.bsky.social", secret=bluesky.APP_PASSWORD)  # fmt: skip
    world = sim.world.by_platform["bluesky"]
    target = next(p for p in world if p.repost_of is None and p.parent_id in sim.world.by_id)
    root = sim.world.by_id.get(target.thread_id or "") or sim.world.by_id[target.parent_id or ""]
    post = Post.create(
        platform="bluesky", native_id=bluesky.uri(target).removeprefix("at://"),
        text="lumio bluesky question", published_at=target.published_at,
        author=Author(bluesky.handle_of(target)), lang="fr",
    )  # fmt: skip
    ingest(ws, [post])
    item_id = svc.list_items(ws.state, ItemFilter(text="lumio bluesky question"))[0].id
    before = len(sim.host("bluesky").writes)

    outcome = replies.reply(ws, item_id, "Merci, on s'en occupe !", user="alice")

    assert outcome.reply.status == "sent"
    assert (outcome.reply.remote_id or "").startswith("at://did:plc:")
    assert (outcome.reply.remote_url or "").startswith("https://bsky.app/profile/")
    created = [w for w in sim.host("bluesky").writes[before:]
               if w.method == "POST" and w.path.endswith("createRecord")]  # fmt: skip
    assert len(created) == 1 and created[0].status == 200
    record = created[0].body["record"]
    assert record["text"] == "Merci, on s'en occupe !" and record["langs"] == ["fr"]
    assert record["reply"]["parent"]["uri"] == bluesky.uri(target)
    assert record["reply"]["root"]["uri"] == bluesky.uri(root)
    item = svc.get_item(ws.state, item_id)
    assert item.status == "responded" and item.first_response_at is not None


def _far_item(ws: Workspace, sim: Simulator, n: int) -> int:
    """An item for a post of the simulator's Mastodon instance, with its link."""
    world_post = sim.world.by_platform["mastodon"][n]
    post = Post.create(
        platform="mastodon", native_id=f"{sim.host('mastodon').address}/{snowflake(world_post)}",
        url=sim.url("mastodon", f"/@{world_post.author.handle}/{snowflake(world_post)}"),
        text=f"lumio far question {n}", published_at=world_post.published_at,
        author=Author("asker"), lang="en",
    )  # fmt: skip
    ingest(ws, [post])
    return svc.list_items(ws.state, ItemFilter(text=f"lumio far question {n}"))[0].id


def test_a_post_another_instance_cannot_find_is_not_marked_deleted(
    ws: Workspace, sim: Simulator
) -> None:
    """Replying from an account on an instance that does not federate with the
    post's own: the reply fails with a hint naming an account on the post's
    instance, the item is left as it was, and that account's reply goes out."""
    from tests.cli_runner import CliRunner, veille_command
    from veille.sim import mastodon as sim_mastodon

    elsewhere = sim.add_host("mastodon-elsewhere", sim_mastodon.routes())
    sim.start()
    add_account(ws.state, "elsewhere", "mastodon", elsewhere.url("").rstrip("/"),
                secret="sim-mastodon-token")  # fmt: skip
    home = sim.host("mastodon").address
    item_id = _far_item(ws, sim, 4)
    with pytest.raises(replies.ReplyFailed, match="cannot find the post") as failed:
        replies.reply(ws, item_id, "Bonjour", user="alice", account="elsewhere")
    assert failed.value.hint and "--account lumio-masto" in failed.value.hint
    assert home in failed.value.hint
    item = svc.get_item(ws.state, item_id)
    assert item.deleted_upstream_at is None and item.is_open
    # From the post's own instance, the reply goes out.
    done = replies.reply(ws, item_id, "Bonjour", user="alice", account="lumio-masto")
    assert done.reply.status == "sent"
    # The command line says the same, and leaves the item as it was too.
    other = _far_item(ws, sim, 5)
    args = ["inbox", "reply", str(other), "Salut", "--account", "elsewhere", "--as", "alice"]
    r = CliRunner().invoke(veille_command(), [*args, "--workspace", str(ws.root)])
    assert r.exit_code != 0 and "--account lumio-masto" in r.output, r.output
    assert svc.get_item(ws.state, other).deleted_upstream_at is None


def test_a_wrong_deleted_mark_is_cleared_and_replies_work_again(
    ws: Workspace, sim: Simulator
) -> None:
    from tests.cli_runner import CliRunner, veille_command

    item_id = _item(ws, sim, n=3)  # a post of the fixture world whatever ran before
    svc.mark_deleted_upstream(ws.state, item_id, actor="bob")
    with pytest.raises(UsageError, match="was deleted") as refused:
        replies.reply(ws, item_id, "Bonjour", user="alice")
    assert refused.value.hint and f"veille inbox deleted {item_id} --undo" in refused.value.hint
    w = ["--workspace", str(ws.root)]
    r = CliRunner().invoke(veille_command(), ["inbox", "deleted", str(item_id), "--undo", *w])
    assert r.exit_code == 0 and "no longer marked deleted" in r.output, r.output
    assert svc.get_item(ws.state, item_id).deleted_upstream_at is None
    actions = [e.action for e in svc.events(ws.state, item_id)]
    assert actions[-2:] == ["deleted upstream", "not deleted upstream"]
    again = CliRunner().invoke(veille_command(), ["inbox", "deleted", str(item_id), "--undo", *w])
    assert again.exit_code == 2 and "not marked deleted" in again.output
    assert replies.reply(ws, item_id, "Bonjour", user="alice").reply.status == "sent"


def test_the_staff_guidelines_block_a_reply(ws: Workspace, sim: Simulator) -> None:
    """Replies are published as the organization: the guidelines apply, as
    they do to `veille publish now` and the calendar."""
    from veille.plan.people import set_guidelines

    set_guidelines(ws.state, '+++\nforbidden_words = ["free"]\n+++\nBe kind.', "Soyez aimables.")
    item_id = _item(ws, sim, n=3)  # a post of the fixture world whatever ran before
    before = len(_writes(sim))
    with pytest.raises(UsageError, match="rule out 'free'") as refused:
        replies.reply(ws, item_id, "Get it free today", user="alice")
    # Each problem is a sentence of its own ("rephrase.; The…" read badly).
    said = refused.value.message
    assert ".;" not in said and not said.endswith("..")
    with pytest.raises(UsageError) as two:
        replies.reply(ws, item_id, "free " + "x" * 600, user="alice")
    assert ".;" not in two.value.message and ". " in two.value.message
    assert len(_writes(sim)) == before and ws.state.inbox_replies(item_id) == []
    assert replies.check_reply("mastodon", "free", state=ws.state).problems
    assert replies.reply(ws, item_id, "Merci !", user="alice").reply.status == "sent"


def test_a_reply_with_an_unset_token_says_so_not_that_the_platform_refused(
    ws: Workspace, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An account whose secret names an environment variable that the
    process (``veille serve``, ``veille run``) lacks: nothing reached the
    platform, so it did not refuse; the error says what to set, and where."""
    monkeypatch.delenv("VEILLE_TEST_UNSET_TOKEN", raising=False)
    url = sim.url("mastodon", "").rstrip("/")
    add_account(ws.state, "lumio-env", "mastodon", url, secret="env:VEILLE_TEST_UNSET_TOKEN")
    item_id = _item(ws, sim, n=2)
    before = len(_writes(sim))
    with pytest.raises(replies.ReplyFailed) as failed:
        replies.reply(ws, item_id, "Merci !", user="alice", account="lumio-env")
    assert "refused" not in failed.value.message  # nothing reached Mastodon
    said = failed.value.message
    assert "was not sent" in said and "VEILLE_TEST_UNSET_TOKEN" in said
    assert failed.value.hint and "VEILLE_TEST_UNSET_TOKEN" in failed.value.hint
    assert "veille serve" in failed.value.hint  # the web app sends with its own environment
    assert len(_writes(sim)) == before
    (stored,) = ws.state.inbox_replies(item_id)
    assert (stored.status, stored.text) == ("failed", "Merci !")


def test_veille_inbox_retry_sends_a_failed_reply_again(
    ws: Workspace, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line's way to send a failed reply again: the same reply,
    through an account that works this time; a second retry is refused."""
    from tests.cli_runner import CliRunner, veille_command

    monkeypatch.delenv("VEILLE_TEST_UNSET_TOKEN", raising=False)
    url = sim.url("mastodon", "").rstrip("/")
    add_account(ws.state, "lumio-unset", "mastodon", url, secret="env:VEILLE_TEST_UNSET_TOKEN")
    item_id = _item(ws, sim, n=5)
    with pytest.raises(replies.ReplyFailed):
        replies.reply(ws, item_id, "On s’en occupe.", user="alice", account="lumio-unset")
    (failed,) = ws.state.inbox_replies(item_id)
    args = ["inbox", "retry", str(failed.id), "--account", "lumio-masto", "--as", "alice"]
    r = CliRunner().invoke(veille_command(), [*args, "--workspace", str(ws.root)])
    assert r.exit_code == 0, r.output
    (sent,) = ws.state.inbox_replies(item_id)
    assert sent.id == failed.id and sent.status == "sent"
    assert f"reply #{sent.id} sent: {sent.remote_url}" in r.output
    again = CliRunner().invoke(veille_command(), [*args, "--workspace", str(ws.root)])
    assert again.exit_code != 0 and "did not fail: it is sent" in again.output, again.output


def _published(sim: Simulator, text: str) -> list[Post]:
    return [p for p in sim.world.by_platform["mastodon"] if p.text == text]


def test_a_reply_whose_answer_was_lost_is_sent_again_once(ws: Workspace, sim: Simulator) -> None:
    """Mastodon took the reply but its answer was cut on the way back: veille
    says it failed. Sent again (the same reply, the same key), Mastodon
    gives the first status back: the customer sees one reply, not two."""
    item_id = _item(ws, sim, n=4)
    text = f"On regarde ça tout de suite ({ws.root.name}, {ws.state.privacy_key().hex()[:8]})."
    faults = sim.host("mastodon").faults
    faults.truncate = True
    try:
        with pytest.raises(replies.ReplyFailed) as failed:
            replies.reply(ws, item_id, text, user="alice")
    finally:
        faults.truncate = False
    (stored,) = ws.state.inbox_replies(item_id)
    assert stored.status == "failed" and f"veille inbox retry {stored.id}" in str(failed.value.hint)
    assert len(_published(sim, text)) == 1  # it did go out
    again = replies.retry(ws, stored.id, user="alice")
    [published] = _published(sim, text)
    assert again.reply.status == "sent" and again.reply.remote_url == published.url
    assert [r.status for r in ws.state.inbox_replies(item_id)] == ["sent"]  # one reply, sent
    item = svc.get_item(ws.state, item_id)
    assert item.status == "responded" and item.first_response_at is not None
    with pytest.raises(UsageError, match="did not fail: it is sent"):
        replies.retry(ws, stored.id, user="alice")


def test_a_rejected_reply_is_not_sent_again_and_an_agents_retry_waits_for_approval(
    ws: Workspace, sim: Simulator
) -> None:
    ws.settings = replace(ws.settings, inbox=InboxSettings(require_approval=True))
    item_id = _item(ws, sim, n=5)
    pending = replies.reply(ws, item_id, "Bonjour !", user="alice").reply
    replies.reject(ws, pending.id, approver="lead", reason="tone")
    before = len(_writes(sim))
    with pytest.raises(UsageError, match="rejected by a manager"):
        replies.retry(ws, pending.id, user="alice")
    # A reply that failed at the platform, sent again by an agent: back to the manager.
    failing = replies.reply(ws, item_id, "Bonjour à nouveau", user="alice").reply
    ws.state.reopen_inbox_reply(failing.id, "sending")
    ws.state.finish_inbox_reply(failing.id, status="failed", at=0, error="Service unavailable")
    again = replies.retry(ws, failing.id, user="alice")
    assert again.reply.status == "pending_approval" and len(_writes(sim)) == before


def test_of_two_managers_deciding_one_pending_reply_at_once_one_does(
    ws: Workspace, sim: Simulator
) -> None:
    """Both saw the reply waiting and act on that: the store changes it for
    the first only (a compare-and-set), so a rejected reply is never sent."""
    ws.settings = replace(ws.settings, inbox=InboxSettings(require_approval=True))
    item_id = _item(ws, sim, n=2)
    pending = replies.reply(ws, item_id, "Thanks for asking!", user="intern").reply
    approving = ws.state.finish_inbox_reply(
        pending.id, status="sending", at=1, approved_by="ann", was="pending_approval"
    )
    rejecting = ws.state.finish_inbox_reply(
        pending.id, status="failed", at=2, error="rejected by bob", was="pending_approval"
    )
    assert (approving, rejecting) == (True, False)
    stored = ws.state.inbox_reply(pending.id)
    assert stored is not None and stored.status == "sending" and stored.approved_by == "ann"
    assert stored.error is None


def test_the_second_manager_is_told_who_decided_first(ws: Workspace, sim: Simulator) -> None:
    from veille.errors import translated
    from veille.web.i18n import load_translations

    fr = load_translations()["fr"].gettext
    ws.settings = replace(ws.settings, inbox=InboxSettings(require_approval=True))
    item_id = _item(ws, sim, n=3)
    first = replies.reply(ws, item_id, "Thanks, we are on it.", user="intern").reply
    replies.approve(ws, first.id, approver="ann")
    before = len(_writes(sim))
    with pytest.raises(UsageError) as late:
        replies.reject(ws, first.id, approver="bob", reason="tone")
    assert late.value.message == f"reply {first.id} was already approved by ann: it is sent"
    said = f"la réponse n°\u202f{first.id} a déjà été approuvée par ann\u202f: "
    said += "elle est «\u202fenvoyée\u202f»"
    assert translated(late.value.message, fr, "fr") == said
    stored = ws.state.inbox_reply(first.id)
    assert stored is not None and stored.status == "sent" and len(_writes(sim)) == before
    # Rejected first: the late approval sends nothing and says so.
    second = replies.reply(ws, item_id, "Thanks again.", user="intern", force=True).reply
    replies.reject(ws, second.id, approver="bob", reason="tone")
    with pytest.raises(UsageError) as late:
        replies.approve(ws, second.id, approver="ann")
    assert late.value.message == f"reply {second.id} was already rejected by bob"
    assert translated(late.value.message, fr, "fr") == (
        f"la réponse n°\u202f{second.id} a déjà été rejetée par bob"
    )
    assert len(_writes(sim)) == before


def test_a_reply_that_did_not_fail_says_its_status_in_french(ws: Workspace, sim: Simulator) -> None:
    from veille.errors import translated
    from veille.web.i18n import load_translations

    item_id = _item(ws, sim, n=4)
    sent = replies.reply(ws, item_id, "Merci !", user="alice").reply
    with pytest.raises(UsageError) as refused:
        replies.retry(ws, sent.id, user="alice")
    french = translated(refused.value.message, load_translations()["fr"].gettext, "fr")
    assert "sent" not in french and "«\u202fenvoyée\u202f»" in french
