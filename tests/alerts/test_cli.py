"""The ``veille alert`` commands, run through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.alerts.conftest import make_post, make_workspace
from veille.cli import build_app
from veille.pipeline import build_pipeline


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_add_list_pause_test_and_remove(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    code, out = run("alert", "add", "--query", "lumio", "--name", "lumio", "--to",
                    f"webhook+{receiver.url}", "--every", "daily", "--at", "09:15",
                    "-w", w)  # fmt: skip
    assert code == 0, out
    code, out = run("alert", "list", "-w", w, "--format", "json")
    rows = json.loads(out)
    assert rows[0]["name"] == "lumio" and rows[0]["every"] == "daily at 09:15"
    code, out = run("alert", "add", "--query", 'title:"vexa x"', "--to", "atom:f.xml", "-w", w)
    assert code == 0 and "title-vexa-x" in out
    assert run("alert", "remove", "title-vexa-x", "-w", w)[0] == 0
    code, out = run("alert", "add", "--query", "(vexa", "--to", "atom:f.xml", "-w", w)
    assert code == 2 and "vexa" in out
    code, out = run("alert", "add", "nosuchtopic", "--to", "atom:f.xml", "-w", w)
    assert code == 2 and "no topic named 'nosuchtopic'" in out
    code, out = run("alert", "add", "--query", "x", "--name", "bad", "--to", "nope", "-w", w)
    assert code == 2 and "not a URL" in out
    code, out = run("alert", "add", "--query", "x", "--name", "bad2", "--to", "mailto:me@x.org",
                    "--every", "monthly", "-w", w)  # fmt: skip
    assert code == 2 and "monthly" in out
    build_pipeline(ws).ingest([make_post(1, "Lumio is everywhere")])
    code, out = run("alert", "test", "lumio", "-w", w)
    assert code == 0, out
    assert receiver.requests[-1]["json"]["kind"] == "test"
    assert receiver.requests[-1]["json"]["posts"][0]["id"] == "mastodon:1"
    code, out = run("alert", "deliveries", "-w", w, "--format", "json")
    assert [r["status"] for r in json.loads(out)] == ["pending"]
    code, out = run("alert", "show", "lumio", "-w", w)
    assert json.loads(out)["outbox"] == {"pending": 1} and "secret" not in json.loads(out)
    code, out = run("alert", "show", "lumio", "--secret", "-w", w)
    assert len(json.loads(out)["secret"]) == 48
    assert run("alert", "pause", "lumio", "-w", w)[0] == 0
    code, out = run("alert", "list", "-w", w, "--format", "json")
    assert json.loads(out)[0]["paused"] is True
    assert run("alert", "remove", "lumio", "-w", w)[0] == 0
    code, out = run("alert", "test", "lumio", "-w", w)
    assert code == 2 and "no alert named" in out
    ws.close()


def test_not_relevant_marks_suggest_not_terms(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    feed = tmp_path / "feed.xml"
    run("alert", "add", "--query", "lumio", "--name", "lumio", "--to", f"atom:{feed}", "-w", w)
    posts = [make_post(i, f"Lumio lamp review number {i}") for i in range(6)]
    posts += [make_post(10 + i, f"Lumio casino bonus spin {i}") for i in range(3)]
    build_pipeline(ws).ingest(posts)
    assert feed.read_text().count("<entry>") == 9
    for i in range(3):
        code, out = run("alert", "notrelevant", f"mastodon:{10 + i}", "--alert", "lumio", "-w", w)
        assert code == 0, out
    code, out = run("alert", "suggest", "lumio", "-w", w, "--format", "json")
    terms = [r["add"] for r in json.loads(out)]
    assert terms[:3] == ["-bonus", "-casino", "-spin"]
    assert "-lumio" not in terms and "-lamp" not in terms
    code, out = run("alert", "notrelevant", "mastodon:999", "--alert", "lumio", "-w", w)
    assert code == 2 and "never matched" in out
    ws.close()


def test_google_alerts_import(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    export = tmp_path / "alerts.json"
    export.write_text(json.dumps([
        {"query": "intitle:lumio -promo", "language": "fr", "country": "FR",
         "source": ["NEWS"], "quality": ["HIGH"], "delivery_method": "EMAIL",
         "delivery_frequency": "WEEKLY", "delivery_time": {"hour": 7, "day_of_week": "TUESDAY"},
         "email_address": "me@example.org"},
        {"query": "vexa | orbita", "language": "en", "delivery_method": "RSS"},
        {"query": "(unbalanced", "delivery_method": "RSS"},
    ]))  # fmt: skip
    code, out = run("alert", "import", str(export), "-w", str(ws.root))
    assert code == 0, out
    assert "intitle: → title:" in out and "region FR not translated" in out
    assert "skipped “(unbalanced”" in out and "2 alerts imported" in out
    code, out = run("alert", "list", "-w", str(ws.root), "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    first = rows["intitle-lumio-promo"]
    assert first["every"] == "weekly tue 07:00" and first["mode"] == "best"
    assert first["to"] == "mailto:me@example.org" and first["watches"] == "intitle-lumio-promo"
    assert rows["vexa-orbita"]["to"] == "atom:feeds/vexa-orbita.xml"
    # The topic carries the translated query, and the alert follows it.
    from veille.query.topics import get_topic

    assert get_topic(ws.store, "intitle-lumio-promo").query == "title:lumio -promo"
    build_pipeline(ws).ingest([make_post(1, "orbita news")])
    assert "orbita news" in (ws.root / "feeds" / "vexa-orbita.xml").read_text()
    bad = tmp_path / "bad.json"
    bad.write_text('{"nothing": 1}')
    code, out = run("alert", "import", str(bad), "-w", str(ws.root))
    assert code == 2 and "no alert with a query" in out
    ws.close()


def test_silence_watches_a_configured_source_by_its_name(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from veille.alerts.monitors import check_monitors
    from veille.alerts.outbox import AlertEngine

    ws = make_workspace(tmp_path / "ws")
    w, to = str(ws.root), f"webhook+{receiver.url}"
    code, out = run("source", "add", "feeds", "https://lumio.example/blog/feed/",
                    "--name", "lumio-blog", "-w", w)  # fmt: skip
    assert code == 0, out
    silence = ("alert", "add", "--kind", "silence", "--silent-hours", "6", "--name", "blog-down",
               "--to", to, "-w", w)  # fmt: skip
    # Posts carry their source's name: a kind:name (what the docs showed) or an
    # unknown name would make an alert that never fires.
    code, out = run(*silence, "--source", "rss:lumio-blog")
    assert code == 2 and "no source named 'rss:lumio-blog'" in out, out
    assert "Did you mean 'lumio-blog'?" in out
    code, out = run(*silence, "--source", "nosuch")
    assert code == 2 and "no source named 'nosuch'" in out and "veille source list" in out
    code, out = run("alert", "add", "--query", "lumio", "--source", "lumio-blog", "--to", to,
                    "-w", w)  # fmt: skip
    assert code == 2 and "silence alerts only" in out
    code, out = run(*silence, "--source", "lumio-blog")
    assert code == 0, out
    code, out = run("alert", "list", "-w", w, "--format", "json")
    assert json.loads(out)[0]["watches"] == "lumio-blog"  # not its own name, blog-down
    # Posts collected from it keep the source's name (veille.pipeline.collect):
    # usual on past weeks, silent for the last 6 hours, so the alert fires.
    now = datetime(2026, 11, 2, 15, 5, tzinfo=UTC)
    posts = [make_post(i, f"blog post {i}", source="lumio-blog",
                       published_at=now - timedelta(weeks=1 + i % 4, hours=i % 5))
             for i in range(12)]  # fmt: skip
    build_pipeline(ws, skip=("alerts", "enrich")).ingest(posts)
    engine = AlertEngine(ws.store, ws.settings, ws.root)
    assert check_monitors(engine, now=now.timestamp()) == 1
    engine.dispatch(now=now.timestamp())
    engine.close()
    assert "source lumio-blog" in receiver.requests[0]["json"]["event"]["summary"]["en"]
    ws.close()


def test_languages_and_platforms_that_no_post_can_have_are_refused(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    add = ("alert", "add", "--query", "lumio", "--name", "x", "--to", "mailto:a@b.org", "-w", w)
    code, out = run(*add, "--lang", "xx")
    assert code == 2 and "language (lang) 'xx' is not a language code" in out
    assert "ISO 639-1" in out
    for bad in ("french", "f", "fr-"):
        assert run(*add, "--lang", bad)[0] == 2, bad
    code, out = run(*add, "--platform", "myspace")
    assert code == 2 and "platform 'myspace' is not a platform veille knows" in out
    assert "mastodon" in out  # the known ones, none being near
    code, out = run(*add, "--platform", "mastadon")
    assert code == 2 and "Did you mean 'mastodon'?" in out
    code, out = run(*add, "--platform", "twitter")
    assert code == 2 and "Did you mean 'x'?" in out
    assert run("alert", "list", "-w", w, "--format", "json")[1].strip() == "[]"
    # Codes as people type them are kept as posts carry them; und: not determined.
    code, out = run(*add, "--lang", "FR", "--lang", "und", "--platform", "Mastodon")
    assert code == 0, out
    shown = json.loads(run("alert", "show", "x", "-w", w)[1])
    assert shown["languages"] == ["fr", "und"] and shown["platforms"] == ["mastodon"]
    ws.close()


def test_add_help_lists_every_report_period_the_docs_list() -> None:
    import re

    from veille.alerts.reports import check_period

    result = CliRunner().invoke(build_app(), ["alert", "add", "--help"], env={"COLUMNS": "300"})
    shown = " ".join(result.output.split())
    root = Path(__file__).resolve().parents[2] / "docs"
    for doc in (root / "alerts.md", root / "fr" / "alerts.md"):
        row = next(li for li in doc.read_text().splitlines() if li.startswith("| `--period`"))
        periods = re.findall(r"`(last-[\w-]+)`", row)
        assert "last-30d" in periods
        for period in periods:
            check_period(period, "weekly")  # the CLI accepts it
            assert period in shown, f"{period} (in {doc.name}) missing from --period's help"


def test_deliveries_count_every_attempt_the_first_included(tmp_path: Path, receiver) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    code, out = run("alert", "add", "--query", "lumio", "--name", "lumio-feed", "--to",
                    f"webhook+{receiver.url}", "-w", w)  # fmt: skip
    assert code == 0, out
    build_pipeline(ws).ingest([make_post(1, "Lumio one")])  # sent on the first try
    receiver.script = [500]
    build_pipeline(ws).ingest([make_post(2, "Lumio two")])  # refused once …
    code, out = run("alert", "dispatch", "-w", w)  # … then sent on the retry
    assert code == 0, out
    code, out = run("alert", "deliveries", "--alert", "lumio-feed", "-w", w, "--format", "json")
    rows = {r["post_id"]: r for r in json.loads(out)}
    assert rows["mastodon:1"]["status"] == "sent" and rows["mastodon:1"]["attempts"] == 1
    assert rows["mastodon:2"]["status"] == "sent" and rows["mastodon:2"]["attempts"] == 2
    ws.close()


def test_channel_urls_are_written_one_way_in_help_errors_and_docs(tmp_path: Path) -> None:
    """`--to`'s help wrote « mailto:, webhook+https:// », a refusal
    « mailto:you@example.org, webhook+https://…, (slack://…, ntfy://…) »,
    another « atom:PATH » and the web form « atom:FILE »: every one now
    writes the same forms, a placeholder in capitals after each scheme, in
    English and in French, and the docs use them."""
    import re

    ws = make_workspace(tmp_path / "ws")
    forms = {
        "en": "mailto:ADDRESS, webhook+https://HOST/PATH, atom:PATH or an apprise URL "
        "(slack://TOKEN_A/TOKEN_B/TOKEN_C, ntfy://TOPIC",
        "fr": "mailto:ADRESSE, webhook+https://HÔTE/CHEMIN, atom:CHEMIN ou une URL apprise "
        "(slack://JETON_A/JETON_B/JETON_C, ntfy://SUJET",
    }
    for lang, said in forms.items():
        w = str(ws.root)
        add = ["alert", "add", "--query", "lumio", "-w", w, "--to"]
        for args in (["alert", "add", "--help"], [*add, "nourl"], [*add, "nope://x"]):
            done = CliRunner().invoke(build_app(), ["--language", lang, *args],
                                      env={"COLUMNS": "2000"})  # fmt: skip
            flat = re.sub(r"[ \n│]+", " ", done.output)
            assert said in flat, (args, flat)
            assert "://…" not in flat and "mailto:," not in flat, flat
    docs = Path(__file__).parents[2] / "docs"
    examples = {"alerts.md": ("TOKEN_A/TOKEN_B/TOKEN_C", "TOPIC"),
                "fr/alerts.md": ("JETON_A/JETON_B/JETON_C", "SUJET")}  # fmt: skip
    for page, (slack, ntfy) in examples.items():
        text = (docs / page).read_text(encoding="utf-8")
        assert f"--to slack://{slack}" in text and f"--to ntfy://{ntfy}" in text
        assert "slack://…" not in text and "ntfy://…" not in text


def test_an_alert_error_names_the_option_on_the_command_line(tmp_path: Path) -> None:
    """The command line names the option it was given ("--at"); the alert
    form names the field in words, the API its field (tests/web)."""
    w = str(make_workspace(tmp_path / "ws").root)
    add = ("alert", "add", "--query", "x", "-w", w)
    code, out = run(*add, "--name", "a", "--to", "nope")
    assert code == 2 and "where to send the alert (--to) 'nope' is not a URL" in out, out
    code, out = run(*add, "--name", "b", "--to", "mailto:me@x.org", "--every", "daily",
                    "--at", "8h30")  # fmt: skip
    assert code == 2 and "time (--at) '8h30' is not a time" in out, out


def test_an_apprise_url_with_wrong_parts_is_not_called_unknown(tmp_path: Path) -> None:
    """docs/alerts.md's `--to slack://TOKEN_A/TOKEN_B/TOKEN_C`, typed as
    written (or a real Slack URL with a part mistyped), was refused as
    "slack:… is not a channel veille or apprise knows", under a hint that
    gave that same URL as an example: apprise knows Slack, it could not read
    the parts. The refusal says so, and where the service's parts are
    described; a scheme apprise has not is still called unknown."""
    import re

    w = str(make_workspace(tmp_path / "ws").root)
    add = ("alert", "add", "--query", "lumio", "-w", w, "--name")
    said = {
        "en": ("slack:… is a Slack URL that apprise cannot read",
               "Write each part as https://"),
        "fr": ("slack:… est une URL Slack qu’apprise ne sait pas lire",
               "Écrivez chaque partie comme le montre https://"),
    }  # fmt: skip
    for lang, (refusal, hint) in said.items():
        done = CliRunner().invoke(build_app(), ["--language", lang, *add, "a", "--to",
                                                "slack://TOKEN_A/TOKEN_B/TOKEN_C"],
                                  env={"COLUMNS": "2000"})  # fmt: skip
        flat = re.sub(r"[ \n│]+", " ", done.output)
        assert done.exit_code == 2, flat
        assert refusal in flat and hint in flat, flat
        assert "apprise knows" not in flat and "apprise connaît" not in flat, flat
    code, out = run(*add, "b", "--to", "nope://x")
    assert code == 2 and "nope:… is not a channel veille or apprise knows" in out, out


def test_dispatch_says_what_it_did_in_the_readers_words(tmp_path: Path) -> None:
    """`veille alert dispatch` said "0 monitor event(s) or report(s); sent 0,
    will retry 0, dead 0." to every reader, a French one too."""
    ws = make_workspace(tmp_path / "ws")
    w = str(ws.root)
    code, out = run("alert", "dispatch", "-w", w)
    assert code == 0 and out.strip() == (
        "0 monitor events or reports; sent 0, will retry 0, dead 0."
    ), out
    code, out = run("--language", "fr", "alert", "dispatch", "-w", w)
    assert code == 0 and out.strip() == (
        "0 événement de surveillance ou rapport\u202f; envoyés\u202f: 0, à réessayer\u202f: 0, "
        "abandonnés\u202f: 0."
    ), out
