"""The nearest known name, and which platforms are known."""

from __future__ import annotations

from veille.sources.base import registry
from veille.sources.feeds import guess_platform as feed_platform
from veille.sources.web import guess_platform as web_platform
from veille.suggest import BUILTIN_PLATFORMS, known_platforms, unknown_platform


def test_the_builtin_platform_list_is_what_the_sources_give() -> None:
    from_sources = {s.platform for s in registry().values() if s.platform}
    from_urls = {
        feed_platform(u)
        for u in (
            "https://www.youtube.com/feeds/videos.xml?channel_id=x",
            "https://www.reddit.com/r/x/.rss",
            "https://bsky.app/profile/x/rss",
            "https://mastodon.social/@x.rss",
            "https://blog.example.com/feed/",
            "https://example.com/atom.xml",
        )
    } | {web_platform(u) for u in ("https://www.slideshare.net/x", "https://scribd.com/x")}
    assert set(BUILTIN_PLATFORMS) == from_sources | from_urls
    assert set(BUILTIN_PLATFORMS) <= known_platforms()


def test_an_unknown_platform_names_the_nearest_known_one() -> None:
    assert unknown_platform("x") is None
    assert unknown_platform("Mastodon") is None
    assert "Did you mean 'x'?" in (unknown_platform("twitter") or "")
    assert "Did you mean 'mastodon'?" in (unknown_platform("mastdon") or "")
    tiktok = unknown_platform("tiktok") or ""
    assert "'tiktok'" in tiktok and "youtube" in tiktok  # no near name: the known ones


def test_a_hint_names_a_few_known_names_not_an_agencys_hundreds() -> None:
    """ "no topic named …" listed every topic: 300 names in one hint, on the
    page, in the API's error and at the command line."""
    from veille.errors import translated
    from veille.suggest import KNOWN_SHOWN, did_you_mean, name_list
    from veille.web.i18n import load_translations

    names = [f"client-{i:03d}" for i in range(300)]
    hint = str(did_you_mean("nothing-like", names))
    assert hint.startswith("Known: ") and hint.endswith(f" and {300 - KNOWN_SHOWN} more.")
    assert hint.count("client-") == KNOWN_SHOWN
    # The names shown are those spelt most like the one asked.
    assert "client-123" in str(name_list("client-12", names))
    assert str(name_list("x", names[: KNOWN_SHOWN + 1])).count("client-") == KNOWN_SHOWN + 1
    fr = translated(name_list("x", names), load_translations()["fr"].gettext, "fr")
    assert fr.endswith(" et 290 autres")


def test_an_unknown_topic_hints_a_few_of_the_300(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from veille.errors import NotFound
    from veille.query.topics import add_topic, get_topic
    from veille.workspace import Workspace, init_workspace

    with Workspace.open(init_workspace(tmp_path / "ws")) as ws:
        for i in range(300):
            add_topic(ws.state, f"client-{i:03d}", f"brand{i}")
        with pytest.raises(NotFound) as raised:
            get_topic(ws.state, "client-2OO")
    assert str(raised.value.hint).count("client-") == 10
    assert "and 290 more" in str(raised.value.hint)
