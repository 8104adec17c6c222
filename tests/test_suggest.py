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
