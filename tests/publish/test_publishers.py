"""Publishing to the simulated Mastodon, Bluesky and WordPress over loopback HTTP."""

from __future__ import annotations

import pytest

from veille.publish import PublishError, Publishing
from veille.sim.server import Simulator

from .conftest import accounts


def created(sim: Simulator, host: str) -> list:
    return [w for w in sim.host(host).writes if w.status in (200, 201) and w.method == "POST"]


def test_mastodon_status_and_reply_are_published_and_seen_in_the_timeline(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["mastodon"]
    first = pub.publish(acct, "Nouveau forfait #Lumio https://lumio.example/offre", language="fr")
    assert first.platform == "mastodon" and first.id and first.url.endswith(first.id)
    host = sim.host("mastodon").address
    assert first.post_id == f"mastodon:{host}/{first.id}"
    reply = pub.publish(acct, "Et en anglais bientôt.", reply_to=first.id)
    sent = sim.host("mastodon").writes[-1]
    assert sent.body["in_reply_to_id"] == first.id
    assert sent.headers.get("Authorization") == "Bearer sim-mastodon-token"
    timeline = sim.world.visible(platform="mastodon", author="lumio")
    texts = [p.text for p in timeline]
    assert "Et en anglais bientôt." in texts and reply.id != first.id
    replied = next(p for p in timeline if p.text == "Et en anglais bientôt.")
    assert replied.parent_id is not None


def test_mastodon_unlisted_status_stays_off_the_public_timeline(sim: Simulator, settings) -> None:
    from veille.publish.mastodon import MastodonPublisher

    with Publishing(settings) as pub:
        quiet = MastodonPublisher(pub.http, visibility="unlisted")
        done = quiet.publish(accounts(sim)["mastodon"], "Discret")
    import httpx

    shown = httpx.get(sim.url("mastodon", "/api/v1/timelines/public"), params={"limit": 40})
    assert done.id not in [s["id"] for s in shown.json()]
    assert sim.host("mastodon").writes[-1].body["visibility"] == "unlisted"


def test_mastodon_idempotency_key_gives_the_first_status_back(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["mastodon"]
    one = pub.publish(acct, "Une seule fois", key="entry-1-attempt")
    two = pub.publish(acct, "Une seule fois", key="entry-1-attempt")
    assert one.id == two.id
    assert [p.text for p in sim.world.visible(platform="mastodon", author="lumio")].count(
        "Une seule fois"
    ) == 1
    assert sim.host("mastodon").writes[-1].headers["Idempotency-Key"] == "entry-1-attempt"


def test_mastodon_refusal_keeps_the_platform_message_and_the_text(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["mastodon"]
    text = "trop long " * 60
    with pytest.raises(PublishError) as caught:
        pub.publish(acct, text)
    err = caught.value
    assert err.status == 422 and not err.retryable
    assert err.platform_message == "Validation failed: Text character limit of 500 exceeded"
    assert err.text == text
    bad = acct.__class__(acct.name, "mastodon", acct.url, secret="wrong")
    with pytest.raises(PublishError, match="access token is invalid") as caught:
        pub.publish(bad, "hello")
    assert caught.value.status == 401


def test_mastodon_instance_limit_is_read_from_the_instance(sim: Simulator, pub: Publishing) -> None:
    acct = accounts(sim)["mastodon"]
    assert pub.instance_limit(acct) == 500
    sim.host("mastodon").state["max_characters"] = 1000
    try:
        assert pub.instance_limit(acct) == 1000
    finally:
        del sim.host("mastodon").state["max_characters"]


def test_bluesky_post_carries_facets_with_byte_offsets_and_a_reply_its_refs(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["bluesky"]
    other = next(p for p in sim.world.by_platform["bluesky"] if p.repost_of is None)
    handle = other.author.handle
    handle = handle if "." in handle else f"{handle}.bsky.social"
    text = f"Café ☕ avec @{handle} : https://lumio.example/café #Fibre"
    done = pub.publish(acct, text, language="fr")
    assert done.id.startswith("at://did:plc:") and done.url.startswith("https://bsky.app/profile/")
    record = created(sim, "bluesky")[-1].body["record"]
    assert record["langs"] == ["fr"]
    raw = text.encode()
    kinds = {}
    for facet in record["facets"]:
        span = raw[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode()
        kinds[facet["features"][0]["$type"].rsplit("#", 1)[1]] = (span, facet["features"][0])
    assert kinds["mention"][0] == f"@{handle}"
    assert kinds["mention"][1]["did"].startswith("did:plc:")
    assert kinds["link"] == ("https://lumio.example/café", kinds["link"][1])
    assert kinds["link"][1]["uri"] == "https://lumio.example/café"
    assert kinds["tag"][0] == "#Fibre" and kinds["tag"][1]["tag"] == "Fibre"
    # A reply to our post: parent and root are that post (it is the thread's root).
    reply = pub.publish(acct, "Suite du fil", reply_to=done.id)
    refs = created(sim, "bluesky")[-1].body["record"]["reply"]
    assert refs["parent"]["uri"] == done.id and refs["root"]["uri"] == done.id
    # A reply to the reply keeps the root (named by veille's id of the post).
    pub.publish(acct, "Et encore", reply_to=reply.post_id)
    refs = created(sim, "bluesky")[-1].body["record"]["reply"]
    assert refs["parent"]["uri"] == reply.id and refs["root"]["uri"] == done.id


def test_bluesky_unknown_mention_stays_text_and_too_long_is_refused(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["bluesky"]
    pub.publish(acct, "Bonjour @personne.invalid")
    assert "facets" not in created(sim, "bluesky")[-1].body["record"]
    # A ZWJ family and flags are one grapheme each (and under 3,000 bytes).
    text = "👨‍👩‍👧" + "🇫🇷" * 299
    pub.publish(acct, text)  # 300 graphemes: accepted
    with pytest.raises(PublishError, match="300 graphemes") as caught:
        pub.publish(acct, text + "é")
    assert caught.value.status == 400 and caught.value.text == text + "é"


def test_bluesky_same_key_publishes_once(sim: Simulator, pub: Publishing) -> None:
    acct = accounts(sim)["bluesky"]
    one = pub.publish(acct, "Une fois", key="k-42")
    two = pub.publish(acct, "Une fois", key="k-42")
    assert one.id == two.id
    assert [p.text for p in sim.world.by_platform["bluesky"]].count("Une fois") == 1


def test_wordpress_article_needs_an_app_password_and_publishes_once_per_key(
    sim: Simulator, pub: Publishing
) -> None:
    acct = accounts(sim)["wordpress"]
    before = len(created(sim, "wordpress"))
    done = pub.publish(acct, "Premier paragraphe.\n\nSecond <b>paragraphe</b>.",
                       title="La fibre arrive", key="blog-1")  # fmt: skip
    assert done.platform == "wordpress" and done.url.startswith(sim.url("wordpress", "/"))
    sent = created(sim, "wordpress")[-1].body
    assert sent["status"] == "publish" and sent["title"] == "La fibre arrive"
    assert "&lt;b&gt;" in sent["content"]
    again = pub.publish(acct, "Premier paragraphe.", title="La fibre arrive", key="blog-1")
    assert again.id == done.id and len(created(sim, "wordpress")) == before + 1
    nobody = acct.__class__(acct.name, "wordpress", acct.url, handle="lumio", secret="nope")
    with pytest.raises(PublishError, match="not allowed to create posts") as caught:
        nobody.platform and pub.publish(nobody, "x", title="y")
    assert caught.value.status == 401


def test_dry_run_sends_nothing(sim: Simulator, pub: Publishing) -> None:
    before = {name: h.requests for name, h in sim.hosts.items()}
    for acct in accounts(sim).values():
        result = pub.publish(acct, "Essai @lumio.bsky.social", title="Essai", dry_run=True)
        assert result.dry_run and result.request
    assert {name: h.requests for name, h in sim.hosts.items()} == before


def test_bluesky_reply_to_a_collected_post_uses_its_payload(
    sim: Simulator, pub: Publishing
) -> None:
    from veille.models import Author, Post
    from veille.sim.bluesky import post_view, uri

    world = sim.world
    child = next(
        p
        for p in world.by_platform["bluesky"]
        if p.parent_id
        and p.thread_id
        and p.repost_of is None
        and world.by_id[p.parent_id].repost_of is None
        and world.by_id[p.thread_id].repost_of is None
    )
    view = post_view(child, world)
    collected = Post.create(platform="bluesky", native_id=uri(child).removeprefix("at://"),
                            text=child.text, published_at=child.published_at,
                            author=Author(child.author.handle), raw=view)  # fmt: skip
    before = sim.host("bluesky").requests
    pub.publish(accounts(sim)["bluesky"], "Merci pour votre message", reply_to=collected)
    refs = created(sim, "bluesky")[-1].body["record"]["reply"]
    assert refs["parent"] == {"uri": view["uri"], "cid": view["cid"]}
    assert refs["root"] == view["record"]["reply"]["root"]
    # Session, handle resolution (none here) and the record: no lookup of the parent.
    assert sim.host("bluesky").requests - before == 2


def test_mastodon_reply_to_a_post_seen_on_another_instance_is_resolved_by_its_url(
    sim: Simulator, pub: Publishing
) -> None:
    from veille.models import Author, Post
    from veille.sim.social import snowflake

    original = next(p for p in sim.world.by_platform["mastodon"] if p.repost_of is None)
    link = sim.url("mastodon", f"/@{original.author.handle}/{snowflake(original)}")
    # Collected through another instance: its id there means nothing here.
    elsewhere = Post.create(platform="mastodon", native_id="other.example/999999",
                            text=original.text, url=link, published_at=original.published_at,
                            author=Author(original.author.handle))  # fmt: skip
    pub.publish(accounts(sim)["mastodon"], "Bonjour d'ailleurs", reply_to=elsewhere)
    sent = [w for w in sim.host("mastodon").writes if w.method == "POST"][-1]
    assert sent.body["in_reply_to_id"] == snowflake(original)


@pytest.mark.parametrize(
    ("platform", "who"), [("mastodon", "@lumio"), ("bluesky", "@lumio.bsky.social"),
                          ("wordpress", "Lumio")],
)  # fmt: skip
def test_each_publisher_verifies_its_account_posting_nothing(
    sim: Simulator, pub: Publishing, platform: str, who: str
) -> None:
    from dataclasses import replace

    acct = accounts(sim)[platform]
    posted = lambda: [w for w in created(sim, platform) if "createSession" not in w.path]  # noqa: E731
    before = len(posted())
    verify = pub.publisher(platform).verify  # type: ignore[attr-defined]
    assert verify(acct) == who
    with pytest.raises(PublishError) as refused:
        verify(replace(acct, secret="not-the-secret"))
    assert refused.value.status == 401 and not refused.value.retryable
    assert "not-the-secret" not in str(refused.value.message)
    # A Bluesky session is a POST, but it publishes nothing.
    assert len(posted()) == before
