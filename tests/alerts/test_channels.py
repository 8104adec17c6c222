"""Atom feeds and apprise channels, with real files and a loopback receiver."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from tests.alerts.conftest import make_post
from veille.alerts.channels import ChannelContext, Delivery, DeliveryItem, channel_for
from veille.alerts.model import Alert, AlertBook
from veille.errors import UsageError
from veille.pipeline import build_pipeline


def test_atom_feed_accumulates_newest_first(workspace) -> None:  # type: ignore[no-untyped-def]
    AlertBook(workspace.store).add(
        Alert(name="feed", query="lumio", channel_url="atom:feeds/lumio.xml")
    )
    build_pipeline(workspace).ingest([make_post(1, "Lumio <b>bold</b> first")])
    build_pipeline(workspace).ingest([make_post(2, "Lumio second")])
    feed = feedparser.parse(str(workspace.root / "feeds" / "lumio.xml"))
    assert not feed.bozo
    assert [e.link for e in feed.entries] == ["https://example.org/p/2", "https://example.org/p/1"]
    assert feed.entries[1].summary == "Lumio <b>bold</b> first"  # text, never rendered markup


def test_an_atom_entry_without_a_title_reads_the_post_cut_at_a_word(workspace) -> None:  # type: ignore[no-untyped-def]
    """A feed reader lists entries by title: a post without one was titled by
    its first 120 characters, newlines kept and the last word cut in two."""
    AlertBook(workspace.store).add(Alert(name="feed", query="lumio", channel_url="atom:f.xml"))
    text = "Lumio lamp review:\nthe battery" + " lasts a whole weekend of camping" * 5
    build_pipeline(workspace).ingest([make_post(1, text)])
    feed = feedparser.parse(str(workspace.root / "f.xml"))
    title = feed.entries[0].title
    assert title.startswith("Lumio lamp review: the battery lasts") and "\n" not in title
    assert title.endswith("…") and len(title) <= 121
    assert title[:-1] == text.replace("\n", " ")[: len(title) - 1]  # whole words
    assert text.replace("\n", " ")[len(title) - 1] == " "
    assert feed.entries[0].summary == text  # the content keeps the whole text


def test_apprise_json_url_reaches_a_loopback_service(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    url = receiver.url.replace("http://", "json://")
    AlertBook(workspace.store).add(Alert(name="chat", query="vexa", channel_url=url, language="fr"))
    build_pipeline(workspace).ingest([make_post(1, "Vexa est en panne")])
    body = receiver.requests[0]["json"]
    # It read "1 nouveau(x) résultat(s)"; the e-mail's words now.
    assert body["title"] == "1 nouveau résultat pour «\u202fvexa\u202f»"
    assert "**Vexa**" not in body["message"] and "*Vexa*" in body["message"]
    assert "https://example.org/p/1" in body["message"]


def test_a_chat_message_cuts_a_long_post_at_a_word(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """A chat line cut the post at 280 characters, mid-word and without a
    mark: now at a whole word with an ellipsis, as the Atom titles are."""
    url = receiver.url.replace("http://", "json://")
    AlertBook(workspace.store).add(Alert(name="chat", query="vexa", channel_url=url))
    text = "Vexa outage report: the dashboards" + " keeps timing out for everyone here" * 10
    build_pipeline(workspace).ingest([make_post(1, text)])
    message = receiver.requests[0]["json"]["message"]
    line = next(ln for ln in message.splitlines() if "example.org/p/1" in ln)
    said = line.split("): ", 1)[1].rsplit(" [↗]", 1)[0]
    assert said.endswith("…") and said.startswith("*Vexa* outage")  # the match still marked
    kept = said[:-1].replace("*Vexa*", "Vexa")
    assert 250 < len(kept) <= 280 and text.startswith(kept)
    assert text[len(kept)] == " "  # whole words


def test_a_chat_message_shows_a_posts_markdown_and_mentions_as_words(workspace, receiver) -> None:  # type: ignore[no-untyped-def]
    """A post is a stranger's words, sent into the team's chat as Markdown:
    "@everyone" in it pinged the whole Discord server (apprise even adds it
    to the message's allowed mentions), "@room" a Matrix room, a link
    "[claim here](https://phish…)" showed only its words, and a line "# …"
    broke out of the list as a heading. Each is shown as the words it is."""
    from veille.models import Author

    url = receiver.url.replace("http://", "json://")
    AlertBook(workspace.store).add(Alert(name="chat", query="vexa", channel_url=url))
    text = (
        "Vexa refunds for all @everyone @here @room <!channel> <@123456>\n"
        "[claim here](https://phish.example/x) ![](https://track.example/p.png) **now**\n"
        "# Admins only | ~~ok~~ `code` _x_ \\[no\\] mail bob@example.org"
    )
    author = Author(handle="evil**](https://phish.example)", followers=10)
    build_pipeline(workspace).ingest([make_post(1, text, author=author)])
    message = receiver.requests[0]["json"]["message"]
    line = next(ln for ln in message.splitlines() if "example.org/p/1" in ln)
    assert "\n# " not in message and len(message.splitlines()) == 2, message  # one line a post
    for mention in ("@everyone", "@here", "@room"):
        assert mention not in message, message
        assert mention.replace("@", "@\u200b") in line  # still read as the words they are
    assert "bob@example.org" in line  # an address is not a mention
    # No Markdown of the post's: every mark is escaped, the words are kept.
    said = line.split("): ", 1)[1].rsplit(" [↗]", 1)[0]
    for plain in ("[claim here](https://phish.example/x)", "![](", "**now**", "<!channel>",
                  "<@123456>", "~~ok~~", "`code`", "_x_", " | "):  # fmt: skip
        assert plain not in said, (plain, said)
    assert "\\[claim here\\](https://phish.example/x)" in said
    assert "\\<!channel\\>" in said and "\\*\\*now\\*\\*" in said
    assert "\\\\\\[no\\\\\\]" in said  # a backslash of the post's is a backslash
    assert said.startswith("*Vexa* refunds")  # the match still marked, the marks real
    assert "evil\\*\\*\\](https://phish.example)" in line


def test_a_spikes_chat_message_names_its_authors_as_words(workspace) -> None:  # type: ignore[no-untyped-def]
    """A spike's or a report's lines name the posts' authors and words: an
    author "@everyone" or "[x](https://…)" is shown as such, not sent as a
    mention or a link."""
    from veille.alerts.channels.chat import markdown

    alert = Alert(name="spikes", query="vexa", channel_url="json://example.org")
    event = {
        "summary": {"en": "Spike on vexa"},
        "details": {"en": ["Authors: @everyone (4), [x](https://phish.example) (2)"]},
    }
    delivery = Delivery("d1", alert, [], datetime.now(UTC), kind="spike", event=event)
    _title, body = markdown(delivery, ChannelContext(workspace.settings, workspace.root))
    assert body == "- Authors: @\u200beveryone (4), \\[x\\](https://phish.example) (2)", body


def test_unknown_channel_urls_are_refused_with_a_hint(workspace) -> None:  # type: ignore[no-untyped-def]
    ctx = ChannelContext(workspace.settings, workspace.root)
    for bad in ("nonsense", "mailto:", "zzz://nowhere"):
        try:
            channel_for(bad, ctx)
        except UsageError as exc:
            assert exc.hint or "mailto" in exc.message
        else:
            raise AssertionError(f"{bad} was accepted")


def test_webhook_refuses_private_addresses_unless_allowed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from veille.alerts.channels.base import ChannelError
    from veille.workspace import Workspace, init_workspace

    init_workspace(tmp_path / "w")
    ws = Workspace.open(tmp_path / "w")  # default settings: private networks refused
    alert = Alert(name="x", query="x", channel_url="webhook+http://127.0.0.1:9/h", secret="s")
    delivery = Delivery("d1", alert, [DeliveryItem(make_post(1, "x"))], datetime.now(UTC))
    try:
        channel_for(alert.channel_url, ChannelContext(ws.settings, ws.root)).send(delivery)
    except ChannelError as exc:
        assert "loopback" in exc.message
    else:
        raise AssertionError("a loopback webhook was sent with private networks refused")
    ws.close()


def test_apprise_says_could_not_reach_apart_from_refused(tmp_path, receiver) -> None:  # type: ignore[no-untyped-def]
    """``veille alert test`` through ntfy: a host that does not resolve and a
    closed port are "could not reach", a service answering 403 "refused"."""
    import socket

    from typer.testing import CliRunner

    from tests.alerts.conftest import make_workspace
    from veille.cli import build_app

    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens there once closed
    port = receiver.url.split(":")[2].split("/")[0]
    receiver.script = [403]
    cases = {
        "nodns": ("ntfy://ntfy.invalid/x",
                  "could not reach the service, cannot resolve ntfy.invalid"),
        "closed": (f"ntfy://127.0.0.1:{closed}/x", "could not reach the service at 127.0.0.1"),
        "refused": (f"ntfy://127.0.0.1:{port}/x",
                    "the service refused the notification (error 403)"),
    }  # fmt: skip
    for name, (url, expected) in cases.items():
        cli = CliRunner()
        added = cli.invoke(build_app(), ["alert", "add", "--query", "lumio", "--name", name,
                                         "--to", url, "-w", w])  # fmt: skip
        assert added.exit_code == 0, added.output
        res = cli.invoke(build_app(), ["alert", "test", name, "-w", w], env={"COLUMNS": "300"})
        out = " ".join(res.output.split())
        assert res.exit_code != 0 and expected in out, (name, out)
        if name != "refused":
            assert "refused" not in out, out
    assert len(receiver.requests) == 1  # the service that answered 403
    ws.close()


def test_a_post_with_control_characters_keeps_the_feed_valid_and_its_history(workspace) -> None:  # type: ignore[no-untyped-def]
    """A post holding characters XML 1.0 has no place for (\\x01, \\x08, a
    vertical tab: a hostile post, a pasted terminal line) made the alert's
    feed a file no reader parses, and the next message, not reading it back,
    wrote a feed of its own posts alone: the entries before were gone."""
    AlertBook(workspace.store).add(Alert(name="feed", query="lumio", channel_url="atom:f.xml"))
    build_pipeline(workspace).ingest([make_post(1, "Lumio first")])
    evil = make_post(2, "Lumio \x0b\x01 evil\ufffe", title="Lumio \x08 title")
    build_pipeline(workspace).ingest([evil])
    feed = feedparser.parse(str(workspace.root / "f.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.entries[0].summary == "Lumio  evil" and feed.entries[0].title == "Lumio  title"
    build_pipeline(workspace).ingest([make_post(3, "Lumio third")])
    feed = feedparser.parse(str(workspace.root / "f.xml"))
    assert not feed.bozo
    assert [e.link for e in feed.entries] == [f"https://example.org/p/{i}" for i in (3, 2, 1)]
