"""Google Alerts import (issue 17): the export's codes and the labels people copy
from the settings page, in English and French, are understood; anything else is
refused by name, never imported as a default."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.alerts.conftest import make_workspace
from veille.alerts.google import import_google_alerts
from veille.alerts.google_values import delivery_time
from veille.alerts.model import AlertBook
from veille.cli import build_app
from veille.errors import InputError, UsageError


def _export(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_labels_in_english_and_french_are_understood(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = _export(tmp_path, [
        {"query": "lumio", "language": "Français", "country": "Canada",
         "source": ["Actualités", "Blogs"], "quality": "Uniquement les meilleurs résultats",
         "delivery_method": "E-mail", "delivery_frequency": "Au fur et à mesure",
         "email_address": "me@example.org"},
        {"query": "vexa", "language": "French", "country": "Any region",
         "source": "Automatic", "quality": "All results",
         "delivery_method": "EMAIL", "delivery_frequency": "At most once a week",
         "delivery_time": "Tuesday 8:00 PM", "email_address": "me@example.org"},
        {"query": "orbita", "language": "English", "region": "Allemagne",
         "quality": ["HIGH"], "delivery_frequency": "Au maximum une fois par semaine",
         "delivery_time": "mardi 07 h 30", "email_address": "me@example.org"},
        {"query": "acei", "language": "Toutes les langues", "source": ["NEWS", "Web"],
         "delivery_frequency": "At most once a day", "delivery_time": "06:15",
         "email_address": "me@example.org"},
        {"query": "lumio promo", "language": "fr", "delivery_method": "Flux RSS"},
    ])  # fmt: skip
    lines = import_google_alerts(ws, path)
    assert lines[-1].startswith("5 alerts imported")  # "alert(s)" until 2026-12-06
    alerts = {a.name: a for a in AlertBook(ws.store).all()}
    lumio = alerts["lumio"]
    assert lumio.languages == ("fr",) and lumio.language == "fr"
    assert (lumio.frequency, lumio.mode) == ("instant", "best")
    vexa = alerts["vexa"]
    # "French" used to become a filter on a language named "french", matching nothing.
    assert vexa.languages == ("fr",)
    assert (vexa.frequency, vexa.at_time, vexa.weekday, vexa.mode) == ("weekly", "20:00", 1, "all")
    orbita = alerts["orbita"]
    assert orbita.languages == ("en",) and orbita.mode == "best"
    assert (orbita.frequency, orbita.at_time, orbita.weekday) == ("weekly", "07:30", 1)
    acei = alerts["acei"]
    assert acei.languages == () and (acei.frequency, acei.at_time) == ("daily", "06:15")
    assert alerts["lumio-promo"].channel_url == "atom:feeds/lumio-promo.xml"
    report = "\n".join(lines)
    assert "region Canada not translated" in report and "region Allemagne" in report
    assert "sources news, blogs not translated" in report
    ws.close()


BAD = [
    ({"language": "Klingon"}, "language", "Klingon"),
    ({"language": "Frenchh"}, "language", "Frenchh"),
    ({"delivery_frequency": "Sometimes"}, "delivery_frequency", "Sometimes"),
    ({"delivery_frequency": "MONTHLY"}, "delivery_frequency", "MONTHLY"),
    ({"quality": "Mediocre"}, "quality", "Mediocre"),
    ({"source": ["News", "Podcasts"]}, "source", "Podcasts"),
    ({"country": "Atlantis"}, "country", "Atlantis"),
    ({"delivery_method": "Pigeon"}, "delivery_method", "Pigeon"),
    ({"delivery_time": "noonish"}, "delivery_time", "noonish"),
    ({"delivery_time": "March 8:00"}, "delivery_time", "March 8:00"),
    ({"delivery_time": {"hour": 25}}, "delivery_time", "{'hour': 25}"),
    ({"delivery_time": {"hour": 7, "day_of_week": "someday"}}, "delivery_time", "someday"),
]


@pytest.mark.parametrize(("fields", "name", "value"), BAD, ids=[b[2] for b in BAD])
def test_an_unknown_value_is_refused_by_name(
    tmp_path: Path, fields: dict[str, Any], name: str, value: str
) -> None:
    ws = make_workspace(tmp_path / "ws")
    good = {"query": "lumio", "language": "fr", "email_address": "me@example.org"}
    bad = {"query": "vexa orbita", "email_address": "me@example.org", **fields}
    with pytest.raises(InputError) as err:
        import_google_alerts(ws, _export(tmp_path, [good, bad]))
    assert "“vexa orbita”" in err.value.message and name in err.value.message
    assert value in err.value.message
    assert "nothing was imported" in err.value.message
    assert name in (err.value.hint or "") and "Accepted values" in (err.value.hint or "")
    assert AlertBook(ws.store).all() == []  # not even the good one
    ws.close()


def test_cli_refuses_with_exit_2_and_lists_accepted_values(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    path = _export(tmp_path, [
        {"query": "lumio", "language": "Klingon", "delivery_frequency": "Sometimes",
         "email_address": "me@example.org"},
    ])  # fmt: skip
    res = CliRunner().invoke(
        build_app(), ["alert", "import", str(path), "-w", str(ws.root)], env={"COLUMNS": "300"}
    )
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "'Klingon'" in out and "'Sometimes'" in out
    assert "Au fur et à mesure" in out and "At most once a week" in out
    # Every code the import accepts is listed (HOURLY was missing).
    assert "(or AS_IT_HAPPENS, HOURLY, DAILY, WEEKLY)" in out
    ws.close()


def test_cli_prints_the_notes_as_written_not_as_markup(tmp_path: Path) -> None:
    """A German alert is imported with a note naming the [enrich] section of
    veille.toml: the terminal shows it whole (rich markup would eat it)."""
    ws = make_workspace(tmp_path / "ws", '[enrich]\nlanguages = ["en", "fr"]\n')
    path = _export(tmp_path, [
        {"query": "lumio [bold]x[/bold]", "language": "de", "email_address": "me@example.org"},
    ])  # fmt: skip
    res = CliRunner().invoke(
        build_app(), ["alert", "import", str(path), "-w", str(ws.root)], env={"COLUMNS": "300"}
    )
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "language de is not in [enrich] languages (en, fr): add it" in out
    assert "“lumio [bold]x[/bold]”" in out
    ws.close()


def test_cli_reports_the_import_in_the_readers_language(tmp_path: Path) -> None:
    """`veille --language fr alert import` said its report (each alert, what
    was not translated, the count) and its refusal in English only: both are
    now said in French, the queries, codes and channels as written."""
    ws = make_workspace(tmp_path / "ws", '[enrich]\nlanguages = ["en", "fr"]\n')
    path = _export(tmp_path, [
        {"query": "lumio AROUND(3) +fibre", "language": "de", "country": "Canada",
         "quality": "HIGH", "email_address": "me@example.org"},
    ])  # fmt: skip
    app, env = build_app(), {"COLUMNS": "300"}
    said = CliRunner().invoke(app, ["--language", "fr", "alert", "import", str(path),
                                    "-w", str(ws.root)], env=env)  # fmt: skip
    assert said.exit_code == 0, said.output
    out = " ".join(said.output.split())
    assert "«\u202flumio fibre\u202f»" in said.output  # French spacing
    assert "sujet et alerte lumio-around-3-fibre : « lumio fibre »" in out, out
    assert "(daily, les meilleurs seulement)" in out
    assert "AROUND(n) n’a pas d’équivalent et a été retiré" in out
    assert "+mot → mot (chaque mot est exigé)" in out
    assert "la langue de n’est pas dans [enrich] languages (en, fr)" in out
    assert "région Canada non reprise" in out
    assert "1 alerte importée de alerts.json, 0 ignorée(s)." in out
    assert "topic and alert" not in out and "not translated" not in out
    bad = _export(tmp_path, [{"query": "vexa", "delivery_frequency": "Sometimes"}])
    refused = CliRunner().invoke(app, ["--language", "fr", "alert", "import", str(bad),
                                       "-w", str(ws.root)], env=env)  # fmt: skip
    assert refused.exit_code == 2, refused.output
    out = " ".join(refused.output.split())
    assert "alerte « vexa »" in out and "rien n’a été importé" in out, out
    assert "Valeurs acceptées — delivery_frequency" in out
    english = CliRunner().invoke(app, ["--language", "en", "alert", "import", str(bad),
                                       "-w", str(ws.root)], env=env)  # fmt: skip
    assert "alert “vexa”: delivery_frequency 'Sometimes'" in " ".join(english.output.split())
    ws.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8:00 AM", ("08:00", 0)),
        ("12:00 AM", ("00:00", 0)),
        ("12:30 PM", ("12:30", 0)),
        ("9pm", ("21:00", 0)),
        ("Sunday 18:45", ("18:45", 6)),
        ("le vendredi à 9 h", ("09:00", 4)),
        ({"hour": 7, "minute": 5, "day_of_week": 2}, ("07:05", 1)),
        ({"time_of_day": "17:00", "day_of_week": "WEDNESDAY"}, ("17:00", 2)),
    ],
)
def test_delivery_times(value: Any, expected: tuple[str, int]) -> None:
    assert delivery_time(value) == expected


@pytest.mark.parametrize("value", ["13:00 PM", "24:00", "8:75", "soon", {"hour": "eight"}, 8])
def test_bad_delivery_times(value: Any) -> None:
    with pytest.raises(UsageError):
        delivery_time(value)


def test_an_export_imported_twice_makes_no_copies(tmp_path: Path) -> None:
    """`veille alert import FILE` run again made copies (lumio-2, vexa-2…):
    the alerts already there are said so and left as they are; with
    --update they take the file's settings (here, a new frequency). Two
    Google alerts of one query in one file are still two alerts."""
    ws = make_workspace(tmp_path / "ws")
    mail = {"email_address": "me@example.org"}
    records = [
        {"query": "lumio", "delivery_frequency": "At most once a day", **mail},
        {"query": "lumio", "delivery_method": "RSS"},
        {"query": "vexa", **mail},
    ]
    path = _export(tmp_path, records)
    app, env = build_app(), {"COLUMNS": "300"}

    def run(*args: str) -> str:
        done = CliRunner().invoke(app, [*args, "alert", "import", str(path), "-w", str(ws.root)],
                                  env=env)  # fmt: skip
        assert done.exit_code == 0, done.output
        return re.sub(r"[ \n]+", " ", done.output)  # (U+202F kept: str.split() drops it)

    first = run()
    assert "3 alerts imported from alerts.json, 0 skipped." in first, first
    names = sorted(a.name for a in AlertBook(ws.store).all())
    assert names == ["lumio", "lumio-2", "vexa"]
    again = run()
    assert sorted(a.name for a in AlertBook(ws.store).all()) == names
    assert "alert lumio-2 already exists for “lumio”: left as it is" in again, again
    assert ("0 alerts imported from alerts.json, 3 already there and left as they were, "
            "0 skipped.") in again, again  # fmt: skip
    french = run("--language", "fr")
    assert "l’alerte vexa existe déjà pour «\u202fvexa\u202f»\u202f: laissée telle quelle" in french
    assert "0 alerte importée de alerts.json, 3 déjà là et laissée(s) telle(s) quelle(s)" in french
    assert AlertBook(ws.store).get("lumio").frequency == "daily"
    records[0]["delivery_frequency"] = "At most once a week"
    path.write_text(json.dumps(records), encoding="utf-8")
    done = CliRunner().invoke(app, ["alert", "import", str(path), "--update", "-w", str(ws.root)],
                              env=env)  # fmt: skip
    assert done.exit_code == 0, done.output
    updated = re.sub(r"[ \n]+", " ", done.output)
    assert "alert lumio already existed for “lumio”: given the file's settings" in updated
    assert "3 already there and updated" in updated, updated
    assert AlertBook(ws.store).get("lumio").frequency == "weekly"
    assert sorted(a.name for a in AlertBook(ws.store).all()) == names
