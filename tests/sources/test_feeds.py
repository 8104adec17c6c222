"""The feeds connector: to_post on hand-made bodies in each format, and collect."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from veille.sources._feedkeys import page_keys
from veille.sources.base import SourceConfigError, SourceError
from veille.sources.feeds import (
    FeedsSource,
    guess_platform,
    next_interval,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "feeds" / "rss_parser"


def raw_items(path: Path, url: str = "https://example.org/feed") -> list[dict[str, Any]]:
    from veille.sources.feeds import _jsonable, parse_feed

    parsed = parse_feed(path.read_bytes())
    feed = {
        "title": parsed.feed.get("title"),
        "link": parsed.feed.get("link"),
        "language": parsed.feed.get("language"),
        "url": url,
    }
    return [
        {
            "key": key,
            "entry": _jsonable(e),
            "feed": feed,
            "fetched_at": "2026-11-01T00:00:00+00:00",
        }
        for e, key in zip(parsed.entries, page_keys(parsed.entries), strict=True)
    ]


def test_wordpress_rss2_item() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://blog.lumio.example/feed/", {})
    items = raw_items(FIXTURES / "feeds" / "wordpress_rss2.xml", cfg.url)
    post = src.to_post(items[0], cfg)
    assert post.platform == "wordpress"
    assert post.native_id == "https://blog.lumio.example/?p=812"
    assert post.title == "La fibre arrive à Gatineau"
    assert "fibre à Gatineau dès novembre" in post.text and "<strong>" not in post.text
    assert post.author.name == "Marie Tremblay"
    assert post.published_at == datetime(2026, 10, 27, 14, 5, tzinfo=UTC)
    assert post.canonical_url == "https://blog.lumio.example/2026/10/fibre-gatineau/"
    assert post.lang == "fr" and post.hashtags == ("fibre",)
    assert "https://lumio.example/fibre" in post.links
    assert post.keywords == ("Réseau",)
    # An entry with neither title nor text cannot become a post: it is quarantined.
    with pytest.raises(SourceError, match="neither a title nor any text"):
        src.to_post(items[1], cfg)


def test_atom_entry() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://netpolicy.example/atom.xml", {})
    (item,) = raw_items(FIXTURES / "feeds" / "atom.xml", cfg.url)
    post = src.to_post(item, cfg)
    assert post.platform == "rss"
    assert post.author.handle == "ada" and post.author.name == "Ada Lovelace"
    assert post.text == "Vexa customers will pay 5% more. Pricing"
    assert post.links == ("https://vexa.example/pricing",)
    assert post.published_at == datetime(2026, 10, 30, 18, 30, 2, tzinfo=UTC)


def test_atom_entry_links_are_its_page_read_against_the_feed_address() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://carnet.example/feed.xml", {})
    items = raw_items(FIXTURES / "feeds" / "atom_links.xml", cfg.url)
    first, second, third = (src.to_post(i, cfg) for i in items)
    # The entry's page, not the image it also links to as rel="enclosure" (a media).
    assert first.url == "https://carnet.example/2026/10/30/panne-lumio"
    assert first.media == ("https://img.carnet.example/w:320/plain/s3://carnet/panne.jpg",)
    # The name alone, without the address feedparser writes beside it.
    assert first.author.name == "Léa Gagnon" and first.author.handle == "Léa Gagnon"
    # The sentence's full stop is not part of the address it ends on.
    assert first.links == ("https://status.lumio.example/incident/42",)
    # The feed's own link is "/", relative too: both are read against the
    # address the feed was fetched from.
    assert second.url == "https://carnet.example/2026/10/29/retour-fibre.html"
    assert second.links == ("https://status.lumio.example/incident/41",)
    # Two alternates (one by default): the text/html one, as feedparser picks.
    assert third.url == "https://carnet.example/2026/10/28/tarifs.html"


def test_rss_author_address_and_a_language_name_are_read() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://samachar.example/rss", {})
    (item,) = raw_items(FIXTURES / "feeds" / "rss_quirks.xml", cfg.url)
    post = src.to_post(item, cfg)
    # RSS writes "address (Name)"; feedparser cuts a long top-level domain short.
    assert post.author.name == "Priya Sharma"
    # WordPress draws emoji as images in feeds: the text keeps the emoji.
    assert post.text == "गैटिनो में लुमियो की फाइबर सेवा आज सुबह से बंद है। 😡"
    # The item says "Hindi", a name and no code: the channel's "hi" is the language.
    assert post.lang == "hi"
    assert post.published_at == datetime(2026, 10, 30, 3, 45, tzinfo=UTC)


def test_dates_in_forms_feedparser_does_not_read_are_read() -> None:
    # Dotted European, spelled-out US and Drupal's default dates: each was the
    # time the feed was fetched, so a first poll put years-old items on today.
    src = FeedsSource()
    cfg = src.config_from_target("https://dates.example/rss", {})
    posts = [src.to_post(i, cfg) for i in raw_items(FIXTURES / "feeds" / "rss_dates.xml", cfg.url)]
    # They give no zone: read as UTC, as feedparser reads a date without one.
    assert [p.published_at for p in posts[:3]] == [
        datetime(2022, 11, 22, 12, 16, tzinfo=UTC),
        datetime(2021, 1, 29, 16, 42, tzinfo=UTC),
        datetime(2019, 5, 3, 15, 21, tzinfo=UTC),  # a Friday: month first
    ]
    # A date no form reads is still the time the feed was fetched.
    assert posts[3].published_at == datetime(2026, 11, 1, tzinfo=UTC)


def test_rdf_item_with_dc_date() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://news.example/index.rdf", {})
    (item,) = raw_items(FIXTURES / "feeds" / "rdf.xml", cfg.url)
    post = src.to_post(item, cfg)
    assert post.title == "Orbita lance la 5G"
    assert post.hashtags == ("5G",)  # a tag holds a letter: #2026 is a year
    assert post.published_at == datetime(2026, 10, 29, 7, 15, tzinfo=UTC)
    assert post.author.name == "Jean Dupont"


def test_json_feed_item() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://reviews.example/feed.json", {})
    (item,) = raw_items(FIXTURES / "feeds" / "feed.json", cfg.url)
    post = src.to_post(item, cfg)
    assert post.text == "Le routeur de Lumio est rapide, mais bruyant."
    assert post.published_at == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert set(post.keywords) == {"routeur", "lumio"}


def test_youtube_channel_feed() -> None:
    src = FeedsSource()
    cfg = src.config_from_target("https://www.youtube.com/feeds/videos.xml?channel_id=UCabc123", {})
    (item,) = raw_items(FIXTURES / "feeds" / "youtube.xml", cfg.url)
    post = src.to_post(item, cfg)
    assert post.platform == "youtube" and post.native_id == "yt:video:dQw4w9WgXcQ"
    assert post.engagement.likes == 1520 and post.engagement.views == 48211
    assert post.media == ("https://i1.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",)
    assert post.hashtags == ("fibre", "review")
    assert post.raw["entry"]["yt_videoid"] == "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/feeds/videos.xml?playlist_id=PL1", "youtube"),
        ("https://www.reddit.com/r/telecom/.rss", "reddit"),
        ("https://bsky.app/profile/netpolicy.bsky.social/rss", "bluesky"),
        ("https://mastodon.social/@claire_tech.rss", "mastodon"),
        ("https://blog.example.org/feed/", "wordpress"),
        ("https://www.google.com/alerts/feeds/0123/4567", "rss"),
    ],
)
def test_platform_is_guessed_from_the_url(url: str, platform: str) -> None:
    assert guess_platform(url) == platform


def test_bad_targets_and_options_are_refused() -> None:
    src = FeedsSource()
    with pytest.raises(SourceConfigError, match="not an http"):
        src.config_from_target("feed.xml", {})
    with pytest.raises(SourceConfigError, match="max_pages"):
        src.config_from_target("https://x.example/", {"max_pages": "many"})


def test_interval_follows_rhythm_and_is_clamped() -> None:
    hourly = [i * 3600.0 for i in range(10)]
    assert next_interval(hourly) == 3600
    assert next_interval([i * 10.0 for i in range(10)]) == 300  # 5 min floor
    assert next_interval([i * 9 * 86400.0 for i in range(3)]) == 86400  # 24 h ceiling
    assert next_interval(hourly, ttl_minutes=120) == 7200
    assert next_interval(hourly, max_age=5400) == 5400


def test_real_world_feeds_map_without_error() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data/feeds/rss_parser is absent")
    src = FeedsSource()
    cfg = src.config_from_target("https://example.org/feed", {})
    mapped = 0
    for path in sorted(SHARED.glob("*.xml")):
        for item in raw_items(path):
            post = src.to_post(item, cfg)
            assert post.text or post.title
            if item["entry"].get("link"):
                assert post.url, f"{path.name}: the entry's link is lost"
            if path.name == "atom-test-example.xml":  # two alternates: the text/html one
                assert post.url == "http://example.org/2003/12/13/atom03.html"
            assert not re.search(r"\(\S+@\S+\)|@\S+ \(", post.author.name or ""), path.name
            assert post.lang is None or re.fullmatch(r"[a-z]{2,3}", post.lang), path.name
            if item["entry"].get("published"):  # a date is written: it is read
                assert item["entry"].get("published_parsed"), path.name
            mapped += 1
    assert mapped > 40


def test_a_crafted_author_does_not_hold_the_collector(tmp_path: Path) -> None:
    """An author of 200,000 characters shaped against the 'Name (address)'
    patterns (a@a@a@…, 'x (a@a@…'): each pattern backtracked over the whole
    name at every '@', hours for one entry of a hostile feed. Such a name is
    no 'Name (address)': it is kept as written, and the feed reads."""
    names = ["a@" * 100_000, "x (" + "a@" * 100_000, "Ana (" + "a@" * 100_000 + ")"]
    entries = "".join(
        f"<item><title>t{i}</title><link>https://e.example/{i}</link>"
        f"<author>{name}</author><pubDate>Fri, 30 Oct 2026 03:45:00 GMT</pubDate></item>"
        for i, name in enumerate(names)
    )
    feed = tmp_path / "crafted.xml"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>c</title>'
        f"<link>https://e.example/</link>{entries}</channel></rss>",
        encoding="utf-8",
    )
    src = FeedsSource()
    cfg = src.config_from_target("https://e.example/rss", {})
    posts = [src.to_post(item, cfg) for item in raw_items(feed, cfg.url)]
    assert [p.url for p in posts] == [f"https://e.example/{i}" for i in range(3)]
    assert all(p.author.name for p in posts)


def test_a_hashtag_keeps_its_combining_marks() -> None:
    # #हिन्दी was the tag "ह" (cut at its first vowel sign), #สวัสดี "สว".
    src = FeedsSource()
    cfg = src.config_from_target("https://news.example/feed.xml", {})
    entry = {
        "title": "समाचार #हिन्दी",
        "summary": "ข่าว #สวัสดี #مُحَمَّد",
        "link": "https://news.example/a",
        "published_parsed": "2026-10-29T07:15:00+00:00",
    }
    post = src.to_post({"entry": entry, "feed": {}}, cfg)
    assert post.hashtags == ("हिन्दी", "สวัสดี", "مُحَمَّد")


def test_one_stray_byte_does_not_garble_every_accent_of_the_feed(tmp_path: Path) -> None:
    """A UTF-8 feed with one byte that is not UTF-8 was read by feedparser as
    windows-1252: every accented letter of every entry was stored garbled
    ('Ã‰lection Ã  MontrÃ©al'), and a search for Montréal missed them. The
    stray byte becomes U+FFFD and the rest reads as written; a windows-1252
    feed labelled UTF-8 still reads as windows-1252."""
    src = FeedsSource()
    cfg = src.config_from_target("https://journal.example/rss", {})
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Journal</title>'
        "<item><title>Élection à Montréal</title><link>https://journal.example/1</link>"
        "<pubDate>Fri, 30 Oct 2026 03:45:00 GMT</pubDate></item>"
        "<item><title>Un octet STRAY perdu</title><link>https://journal.example/2</link>"
        "<pubDate>Fri, 30 Oct 2026 04:45:00 GMT</pubDate></item></channel></rss>"
    )
    path = tmp_path / "stray.xml"
    path.write_bytes(feed.encode("utf-8").replace(b"STRAY", b"\xff"))
    titles = [src.to_post(item, cfg).title for item in raw_items(path, cfg.url)]
    assert titles == ["Élection à Montréal", "Un octet \ufffd perdu"]
    path.write_bytes(feed.replace("STRAY", "ÿ").encode("cp1252"))
    titles = [src.to_post(item, cfg).title for item in raw_items(path, cfg.url)]
    assert titles == ["Élection à Montréal", "Un octet ÿ perdu"]


def test_an_entry_without_id_or_link_keeps_its_first_key() -> None:
    """An entry with neither id nor link is keyed by a hash of its title and
    summary: edited, it took a new key (a new post). It keeps the key it was
    first given, by its title and date; two such entries of one page alike
    in both keep their own keys; one with a link is keyed by it as before."""
    from veille.sources._feedkeys import named_keys
    from veille.sources.feeds import parse_feed

    def page(*items: tuple[str, str, str]) -> list[Any]:
        body = "".join(
            f"<item><title>{t}</title><pubDate>{d}</pubDate><description>{s}</description></item>"
            for t, d, s in items
        )
        parsed = parse_feed(f'<rss version="2.0"><channel>{body}</channel></rss>'.encode())
        return list(parsed.entries)

    day = "Fri, 30 Oct 2026 09:00:00 GMT"
    names: dict[str, str] = {}
    first = page(("Recall", day, "In France."))
    (key,) = named_keys(first, page_keys(first), names)
    assert key.startswith("h:") and set(names.values()) == {key}  # by title, by summary
    edited = page(("Recall", day, "In France and Belgium."))
    assert page_keys(edited) != [key]  # the hash alone moves
    assert named_keys(edited, page_keys(edited), names) == [key]
    # A cursor written before names were kept: the unchanged entry keeps its key.
    assert named_keys(first, page_keys(first), {}) == [key]
    twins = page(("Note", day, "One."), ("Note", day, "Two."))
    fresh: dict[str, str] = {}
    keys = named_keys(twins, page_keys(twins), fresh)
    assert len(set(keys)) == 2  # the title and date they share names neither:
    assert sorted(fresh.values()) == sorted(keys) and all(i.startswith("s:") for i in fresh)


def test_a_new_entry_alike_an_old_one_in_all_but_its_title_is_not_taken_for_an_edit() -> None:
    """Known by its summary and date too (its title edited alone keeps its
    key), an entry of a feed that dates by the day and says "Read more…"
    in every summary would have taken the key of the older entry of that
    day, and its post: the summary names an entry only with a time of day."""
    from veille.sources._feedkeys import named_keys
    from veille.sources.feeds import parse_feed

    def page(*items: tuple[str, str]) -> list[Any]:
        body = "".join(
            f"<item><title>{t}</title><pubDate>{d}</pubDate><description>Read more…"
            "</description></item>"
            for t, d in items
        )
        parsed = parse_feed(f'<rss version="2.0"><channel>{body}</channel></rss>'.encode())
        return list(parsed.entries)

    for day, edit in (
        ("Fri, 30 Oct 2026 00:00:00 GMT", False),
        ("Fri, 30 Oct 2026 09:41:07 GMT", True),
    ):
        names: dict[str, str] = {}
        old = page(("Lumio recall", day))
        (key,) = named_keys(old, page_keys(old), names)
        new = page(("Lumio opens in Gatineau", day))  # the old one left the page
        assert (named_keys(new, page_keys(new), names) == [key]) is edit
