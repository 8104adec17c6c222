"""The draft checker against each platform's documented counting rules."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from veille.cli import build_app
from veille.errors import UsageError
from veille.plan import lengths
from veille.plan.guide import Guidelines, check_draft, load_guides

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, seven code points, 25 bytes
FLAG = "🇫🇷"  # one grapheme, two regional indicators
E_ACUTE = "e\u0301"  # e + combining acute: one grapheme


def test_every_guide_names_its_sources_and_date() -> None:
    guides = load_guides()
    assert {"x", "mastodon", "bluesky", "linkedin", "youtube", "wordpress"} <= set(guides)
    for g in guides.values():
        assert g.checked.count("-") == 2, g.platform
        assert g.sources() and all(u.startswith("https://") for u in g.sources()), g.platform
        assert g.text("length", "how", "en") and g.text("length", "how", "fr"), g.platform


def test_graphemes_join_emoji_sequences_flags_and_combining_marks() -> None:
    assert lengths.graphemes(FAMILY) == 1
    assert lengths.graphemes(FLAG * 3) == 3
    assert lengths.graphemes(E_ACUTE) == 1
    assert lengths.graphemes("👍🏽") == 1  # skin tone modifier
    assert lengths.graphemes("1️⃣") == 1  # keycap


def test_x_weights_latin_as_one_cjk_and_emoji_as_two_and_links_as_23() -> None:
    assert lengths.x_length("a" * 280) == 280
    assert lengths.x_length("日" * 140) == 280  # CJK weighs 2
    assert lengths.x_length("é") == 1
    assert lengths.x_length(FAMILY) == 2  # a whole emoji sequence weighs 2
    assert lengths.x_length(FLAG) == 2
    assert lengths.x_length("see https://example.com/" + "x" * 200) == 4 + 23
    assert lengths.x_length("lumio.fr") == 23  # a bare domain is a link on X
    assert check_draft("x", "a" * 280).ok
    report = check_draft("x", "日" * 141)
    assert not report.ok and report.length == 282 and report.limit == 280
    assert report.problems[0].code == "too_long"


def test_mastodon_counts_links_as_23_and_remote_mentions_by_their_local_part() -> None:
    url = "https://lumio.example/" + "x" * 300
    assert lengths.mastodon_length(url) == 23
    assert lengths.mastodon_length("@alice@mastodon.social") == len("@alice")
    text = "a" * 470 + " " + url + " " + "@bob@example.org"  # 470 + 1 + 23 + 1 + 4
    assert lengths.mastodon_length(text) == 499
    assert check_draft("mastodon", text).ok
    # A local mention counts whole; graphemes, not code points.
    assert lengths.mastodon_length("@bob " + FAMILY) == 6
    # The instance's own limit replaces the default.
    long = "a" * 600
    assert not check_draft("mastodon", long).ok
    assert check_draft("mastodon", long, instance_limit=1000).ok


def test_bluesky_counts_graphemes_and_bytes() -> None:
    assert check_draft("bluesky", FAMILY + FLAG * 299).ok  # 300 graphemes, 623 bytes
    report = check_draft("bluesky", FLAG * 301)
    assert [p.code for p in report.problems] == ["too_long"] and report.length == 301
    # 300 graphemes but 7,500 bytes: over the 3,000-byte cap.
    report = check_draft("bluesky", FAMILY * 300)
    assert report.length == 300 and [p.code for p in report.problems] == ["too_many_bytes"]
    # Links count their whole length on Bluesky.
    assert check_draft("bluesky", "https://x.example/" + "a" * 290).length == 308


def test_titles_hashtags_and_other_platform_rules() -> None:
    assert [p.code for p in check_draft("youtube", "desc").problems] == ["title_missing"]
    report = check_draft("youtube", "desc <b>", title="t" * 101)
    assert {p.code for p in report.problems} == {"title_too_long", "forbidden_character"}
    assert check_draft("linkedin", "a" * 3000).ok and not check_draft("linkedin", "a" * 3001).ok
    assert check_draft("x", "#a #b").ok
    assert [p.code for p in check_draft("x", "#a #b #c").problems] == ["too_many_hashtags"]
    assert check_draft("reddit", "#tag", title="t").problems[0].code == "hashtags_unsupported"
    assert check_draft("wordpress", "body", title="Title").ok
    assert [p.code for p in check_draft("bluesky", "  ").problems] == ["empty"]


def test_guidelines_are_checked_with_messages_in_both_languages() -> None:
    rules = Guidelines.from_mapping(
        {"forbidden_words": ["gratuit"], "required_hashtags": ["#Lumio"], "max_hashtags": 1}
    )
    report = check_draft("mastodon", "Internet GRATUIT #fibre #promo", guidelines=rules)
    codes = [p.code for p in report.problems]
    assert codes == [
        "guideline_forbidden_word",
        "guideline_missing_hashtag",
        "guideline_too_many_hashtags",
    ]
    assert "gratuit" in report.problems[0].message and "La charte" in report.problems[0].message_fr
    assert check_draft("mastodon", "Bienvenue #Lumio", guidelines=rules).ok


def test_unknown_platform_suggests_the_nearest() -> None:
    with pytest.raises(UsageError, match="mastodn") as caught:
        check_draft("mastodn", "x")
    assert "mastodon" in (caught.value.hint or "")
    assert check_draft("twitter", "hello").platform == "x"  # an alias


def test_cli_exit_codes_and_json(tmp_path) -> None:
    runner = CliRunner()
    app = build_app()
    ok = runner.invoke(app, ["draft", "check", "--platform", "bluesky", "Bonjour " + FLAG,
                             "--format", "json"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["length"] == 9 and data["limit"] == 300 and data["ok"] is True
    bad = runner.invoke(app, ["draft", "check", "-p", "x", "日" * 141])
    assert bad.exit_code == 1 and "too_long" in bad.output
    assert runner.invoke(app, ["draft", "check", "-p", "myspace", "x"]).exit_code == 2
    piped = runner.invoke(app, ["draft", "check", "-p", "mastodon", "-"], input="a" * 501)
    assert piped.exit_code == 1
    rules = tmp_path / "rules.toml"
    rules.write_text('[guidelines]\nforbidden_words = ["cheap"]\n', encoding="utf-8")
    broke = runner.invoke(app, ["draft", "check", "-p", "x", "cheap fibre",
                                "--guidelines", str(rules)])  # fmt: skip
    assert broke.exit_code == 1 and "guideline_forbidden_word" in broke.output
    shown = runner.invoke(app, ["draft", "guide", "bluesky", "--lang", "fr"])
    assert shown.exit_code == 0 and "graphèmes" in shown.output and "https://" in shown.output


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_draft_guide_the_docs_table_and_json_name_the_same_count(lang: str) -> None:
    """What each platform's limit counts, said alike by `veille draft guide`,
    the docs' table and `veille draft check --format json`, and true of the
    counter the checker runs (LinkedIn counts a family emoji as 1: graphemes)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / ("fr/publish.md" if lang == "fr" else "publish.md")).read_text("utf-8")
    table = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3:
            table[cells[0].lower()] = cells[2]
    runner = CliRunner()
    listed = runner.invoke(build_app(), ["draft", "guide", "--lang", lang]).output
    for g in load_guides().values():
        unit = g.text("length", "unit", lang)
        word = unit.split()[0]
        line = next(x for x in listed.splitlines() if x.startswith(g.platform + " "))
        assert unit in line, (line, unit)
        checked = runner.invoke(build_app(), ["draft", "check", "-p", g.platform, "--title", "T",
                                              FAMILY, "--format", "json"])  # fmt: skip
        assert json.loads(checked.output)["unit"] == g.text("length", "unit", "en")
        if g.name.lower() in table:
            said = table[g.name.lower()].split()[0].rstrip(":;")
            assert said in (word, "pondéré", "weighted"), (g.platform, said, word)
        if g.counting in ("graphemes", "mastodon"):
            assert word in ("graphemes", "graphèmes"), g.platform
            assert g.count(FAMILY) == 1


def test_draft_guide_in_french_is_written_the_french_way() -> None:
    """``veille draft guide PLATFORM --language fr`` wrote its French with a
    plain space before ; : ! ? (a narrow terminal could start a line with
    one), « tag » with plain spaces, straight apostrophes, and its own words
    in English ("checked", "Sources:"). Every platform's guide is now written
    the French way."""
    import re

    runner = CliRunner()
    for g in load_guides().values():
        shown = runner.invoke(build_app(), ["draft", "guide", g.platform, "--language", "fr"])
        assert shown.exit_code == 0, shown.output
        said = shown.output
        assert not re.search(r"[ \u00a0][;:!?»]|«[ \u00a0]", said), (g.platform, said)
        assert "'" not in said, (g.platform, said)
        # Its day the French way: « (vérifié le 2026-12-02) » until 2026-12-07.
        assert re.search(r"\(vérifié le \d{1,2}(er)? \w+ 20\d\d\)", said), said
        assert g.checked not in said and "Sources\u202f:" in said, said
        assert "checked" not in said and "Sources:" not in said, said
    listed = runner.invoke(build_app(), ["draft", "guide", "--language", "fr"]).output
    assert re.search(r"vérifié le \d{1,2}(er)? \w+ 20\d\d", listed), listed
    assert " checked " not in listed and "-12-" not in listed, listed
    assert "63\u202f206 graphèmes" in listed, listed  # Facebook's limit: « 63206 » until then
