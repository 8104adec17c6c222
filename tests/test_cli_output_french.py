"""What the command line prints, in French for a French reader: typer's own
usage errors, the yes/no of its tables, and the output of the commands that
were said in English alone until 2026-12-06 (see test_cli_language.py for
how the reader's language is found)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_language import NBSP, _header, here, run, veille

__all__ = ["run"]  # the fixture, shared


@pytest.mark.parametrize(
    "args, french, english",
    [
        # An argument named as its help names it (« name » until 2026-12-07).
        (("topic", "history"), f"Argument manquant{NBSP}: «{NBSP}NOM{NBSP}».",
         "Missing argument 'NAME'."),
        (("topic", "list", "--nope"), f"Option inconnue{NBSP}: --nope", "No such option: --nope"),
        (("topic", "lst"),
         f"Commande inconnue{NBSP}: «{NBSP}lst{NBSP}». Vouliez-vous dire «{NBSP}list{NBSP}»{NBSP}?",
         "No such command 'lst'. Did you mean 'list'?"),
        (("topic", "list", "-f", "nope"),
         f"Valeur invalide pour «{NBSP}--format{NBSP}» / «{NBSP}-f{NBSP}»{NBSP}: «{NBSP}nope"
         f"{NBSP}» n’est pas l’une des valeurs «{NBSP}table{NBSP}», «{NBSP}json{NBSP}».",
         "Invalid value for '--format' / '-f'"),
        (("topic", "test", "x", "--sample", "abc"),
         f"Valeur invalide pour «{NBSP}--sample{NBSP}»{NBSP}: Il faut ici un nombre entier",
         "Input should be a valid integer"),
        # An option's range was said in pydantic's English until 2026-12-07.
        (("topic", "test", "x", "--sample", "500"),
         f"Valeur invalide pour «{NBSP}--sample{NBSP}»{NBSP}: La valeur doit être d’au plus 100.",
         "Input should be less than or equal to 100"),
        (("run", "--tick", "0"),
         f"Valeur invalide pour «{NBSP}--tick{NBSP}»{NBSP}: La valeur doit être d’au moins 0,1.",
         "Input should be greater than or equal to 0.1"),
        (("topic", "list", "--format"), f"L’option «{NBSP}--format{NBSP}» attend une valeur.",
         "Option '--format' requires an argument."),
        (("topic", "add", "a", "b", "c"), f"Argument(s) en trop{NBSP}: c",
         "Got unexpected extra argument(s) (c)"),
    ],
)  # fmt: skip
def test_typers_usage_errors_are_said_in_the_readers_language(
    run, args: tuple[str, ...], french: str, english: str
) -> None:
    """`LANG=fr_FR.UTF-8 veille topic history` said « Missing argument
    'name'. », under « Usage: » and « Try … for help. », in English."""
    wide = {"COLUMNS": "3000"}
    done = run(*args, env=wide)
    assert done.exit_code == 2, done.output
    assert french in done.output, done.output
    assert english not in done.output
    command = " ".join(("veille", *args[: 2 if args[0] == "topic" and args[1] != "lst" else 1]))
    if args[-1] != "--format":  # (a missing value is said without the usage line)
        assert f"Utilisation{NBSP}: {command}" in done.output, done.output
        assert f"Essayez «{NBSP}{command} --help{NBSP}» pour obtenir de l’aide." in done.output
        assert "Erreur" in done.output and "Usage:" not in done.output
    done = run("--language", "en", *args, env=wide)
    assert done.exit_code == 2
    assert english in done.output, done.output


def test_a_usage_error_names_the_arguments_as_the_help_page_does(run) -> None:
    """`veille topic add` with no argument said « Missing argument 'name' »
    under « veille topic add [OPTIONS] {name} {query} », where its help
    page names them NAME and QUERY (« NOM », « REQUÊTE »)."""
    wide = {"COLUMNS": "3000"}
    done = run("topic", "add", env=wide)
    assert done.exit_code == 2, done.output
    assert f"Utilisation{NBSP}: veille topic add [OPTIONS] {{NOM}} {{REQUÊTE}}" in done.output
    assert f"Argument manquant{NBSP}: «{NBSP}NOM{NBSP}»." in done.output, done.output
    done = run("--language", "en", "topic", "add", env=wide)
    assert "Usage: veille topic add [OPTIONS] {NAME} {QUERY}" in done.output, done.output
    assert "Missing argument 'NAME'." in done.output, done.output
    done = run("--language", "en", "inbox", "show", "abc", env=wide)
    assert "Invalid value for 'NUMBER'" in done.output, done.output


def test_a_usage_error_before_any_command_is_french_too(tmp_path: Path) -> None:
    """`veille --nope` and `veille nope` from a shell, French locale: typer's
    own words said by veille (status 2, as before); --help is French too
    (English only until 2026-12-06, see test_cli_help_french.py)."""
    done = veille("--nope", cwd=tmp_path, LANG="fr_FR.UTF-8", COLUMNS="3000")
    assert done.returncode == 2
    assert f"Utilisation{NBSP}: veille [OPTIONS] COMMAND [ARGS]..." in done.stderr, done.stderr
    assert f"Option inconnue{NBSP}: --nope" in done.stderr
    done = veille("nope", cwd=tmp_path, LANG="fr_FR.UTF-8", COLUMNS="3000")
    assert done.returncode == 2
    assert f"Commande inconnue{NBSP}: «{NBSP}nope{NBSP}»." in done.stderr, done.stderr
    done = veille("--nope", cwd=tmp_path, LANG="C.UTF-8", COLUMNS="3000")
    assert done.returncode == 2
    assert "No such option: --nope" in done.stderr and "Usage: veille" in done.stderr
    helped = veille("topic", "add", "--help", cwd=tmp_path, LANG="fr_FR.UTF-8")
    assert helped.returncode == 0, helped.stderr
    assert "Crée un sujet" in helped.stdout and "Create a topic" not in helped.stdout


def test_a_source_added_and_listed_is_said_in_french(run, tmp_path: Path) -> None:
    """`veille source add` said « Added source … every 300 s » and the
    platform's terms in English, and `source list` « True » under
    « active »: French words, and « oui »/« non » (English: yes/no)."""
    posts = tmp_path / "posts.jsonl"
    posts.write_text("", encoding="utf-8")
    done = run("source", "add", "file", str(posts), "--name", "fichier")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    # The kind and the interval in words: until 2026-12-06 « toutes les 300 s »,
    # until 2026-12-07 « (file, intervalle 5m) ».
    assert "Source fichier ajoutée (fichier, intervalle 5 minutes)." in out, out
    assert (
        f"Conditions d’utilisation{NBSP}: Vous êtes responsable de l’origine licite des "
        "publications importées."
    ) in out
    assert "Added source" not in out and "Terms of use" not in out
    run("source", "add", "file", str(posts), "--name", "off", "--every", "1d")
    run("source", "disable", "off")
    wide = {"COLUMNS": "3000"}
    listed = run("source", "list", env=wide).output
    rows = {line.split("│")[1].strip(): line for line in listed.splitlines() if "│" in line}
    assert "│ oui " in rows["fichier"] and "│ non " in rows["off"], listed
    assert "True" not in listed and "False" not in listed
    english = run("--language", "en", "source", "list", env=wide).output
    assert "│ yes " in english and "│ no " in english, english
    # The table says the kind and the interval in words in French, the kind's
    # code beside (« file » and « 5m » until 2026-12-07), as --every and
    # `source add` take them in English; JSON keeps the code and the seconds.
    assert "│ fichier (file) │ 5 minutes " in rows["fichier"], listed
    assert "│ fichier (file) │ 1 jour " in rows["off"], listed
    assert "5m" not in listed and "│ 300 " not in listed, listed
    assert "│ file " in english and "│ 5m " in english, english
    as_json = run("source", "list", "--format", "json").output
    assert '"every": 300' in as_json and '"kind": "file"' in as_json, as_json
    assert '"enabled": true' in run("source", "list", "-f", "json").output


def test_query_check_and_explain_are_said_in_french(run) -> None:
    """`veille query check` said « valid: … » and `query explain` labelled
    its lines « normalized », « matcher » and explained them in English."""
    done = run("query", "check", "lumio café")
    assert done.exit_code == 0, done.output
    assert f"valide{NBSP}: lumio cafe" in done.output, done.output
    done = run("query", "explain", '"lumio cafe" -spam', env={"COLUMNS": "3000"})
    assert done.exit_code == 0, done.output
    assert 'normalisée  "lumio cafe" -spam' in done.output, done.output
    assert "arbre syntaxique\n" in done.output and "paramètres  [" in done.output
    assert (
        "filtre  une publication contenant cafe lumio -spam correspond si la position des "
        f'mots le confirme{NBSP}: "lumio cafe"'
    ) in done.output
    costly = run("query", "explain", "--", "-spam", env={"COLUMNS": "3000"}).output
    assert f"filtre  coûteuse{NBSP}: aucun mot requis" in costly, costly
    english = run("--language", "en", "query", "explain", "--", "-spam", env={"COLUMNS": "3000"})
    assert "matcher  costly: no required word" in english.output, english.output
    assert "valid: lumio" in run("--language", "en", "query", "check", "lumio").output


def test_users_and_tokens_are_said_in_french(run) -> None:
    """`veille user add`, `token create|list|revoke`, `user remove` said
    what they did in English (« user alice added with role analyst. »),
    and `token list` headed its columns and said its states in English.
    A role is named in French, its code beside it for --role (« rôle
    analyst » until 2026-12-06)."""
    done = run("user", "add", "alice", "--role", "analyst", "--password-stdin",
               input="correct horse battery\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Compte alice ajouté avec le rôle analyste (analyst)." in done.output, done.output
    listed = run("user", "list", env={"COLUMNS": "3000"}).output
    assert "│ analyste (analyst) " in listed, listed
    english = run("--language", "en", "user", "list", env={"COLUMNS": "3000"}).output
    assert "│ analyst " in english and "analyste" not in english, english
    done = run("token", "create", "alice", "-n", "ci")
    assert done.exit_code == 0, done.output
    # The scope named as the role is (« portée write » until 2026-12-06).
    said = f"jeton 1 de alice créé avec la portée écriture (write){NBSP}; il ne sera plus affiché."
    assert said in done.output, done.output
    assert "Jeton 1 révoqué." in run("token", "revoke", "1").output
    listed = run("token", "list", env={"COLUMNS": "3000"}).output
    head = next(line for line in listed.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in head.strip("┃").split("┃")] == [
        "id", "compte", "nom", "portée", "création", "expiration", "dernier usage", "état"
    ], listed  # fmt: skip
    assert "│ révoqué " in listed and "revoked" not in listed
    assert "│ écriture (write) " in listed, listed
    english = run("--language", "en", "token", "list", env={"COLUMNS": "3000"}).output
    assert "last_used_at" in english and "│ revoked " in english, english
    assert "│ write " in english and "écriture" not in english, english
    done = run("user", "passwd", "alice", "--password-stdin", input="another horse battery\n")
    assert "Mot de passe de alice changé." in done.output, done.output
    assert (
        "Le compte alice a maintenant le rôle lecteur (viewer)."
        in run("user", "role", "alice", "viewer").output
    )
    assert "Compte alice supprimé." in run("user", "remove", "alice").output


def test_inbox_rules_are_said_in_french(run) -> None:
    """`veille rule add|list|remove` said « rule all added: when every item
    → tag seen. » and headed `rule list` « position, name, when, then, runs »;
    until 2026-12-07 a rule's conditions and actions read as Python and
    English there (« quand sentiments=['negative'], when=outside → priority
    high »), where its page said them in words: both say them alike now."""
    done = run("rule", "add", "all", "--tag", "seen")
    assert done.exit_code == 0, done.output
    assert f"Règle all ajoutée{NBSP}: quand tous les éléments → étiquette seen." in done.output
    listed = run("rule", "list", env={"COLUMNS": "3000"}).output
    head = next(line for line in listed.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in head.strip("┃").split("┃")] == [
        "rang", "nom", "quand", "alors", "exécutions", "erreur"
    ], listed  # fmt: skip
    assert "│ tous les éléments " in listed
    edited = run("rule", "edit", "all", "--tag", "vu").output
    assert f"Règle all modifiée{NBSP}: quand tous les éléments → étiquette vu." in edited, edited
    assert "Règle all supprimée." in run("rule", "remove", "all").output
    night = ("rule", "add", "nuit", "--sentiment", "negative", "--when", "outside",
             "--priority", "high", "--set-status", "in_progress")  # fmt: skip
    done = run(*night)
    assert done.exit_code == 0, done.output
    said = (f"quand Heure{NBSP}: hors du temps de travail{NBSP}; Sentiment{NBSP}: négatif"
            " → priorité haute, état en cours.")  # fmt: skip
    assert said in done.output.replace("\n", " "), done.output
    listed = run("rule", "list", env={"COLUMNS": "3000"}).output
    assert "priorité haute, état en cours" in listed and "['" not in listed, listed
    assert "Règle nuit supprimée." in run("rule", "remove", "nuit").output
    english = run("--language", "en", "rule", "add", "all", "--tag", "seen").output
    assert "rule all added: when every item → tag seen." in english, english
    english = run("--language", "en", *night, env={"COLUMNS": "3000"}).output
    said = (
        "when Time: outside working time; Sentiment: negative → priority high, status in progress."
    )
    assert said in english, english


def test_the_plan_commands_are_said_in_french(run) -> None:
    """`veille plan …` said what it did in English (« Objective 'care'
    (awareness) added. », « KPI 'vol': target 120.5. », « Channel mastodon:
    3.5 posts a week. ») and headed its tables in English, and `plan kpis`
    was English for a French reader whose plan has no language of its own."""
    assert run("topic", "add", "lumio", "lumio").exit_code == 0
    done = run("plan", "objective", "add", "care", "--type", "awareness")
    assert done.exit_code == 0, done.output
    assert f"Objectif «{NBSP}care{NBSP}» (awareness) ajouté." in done.output, done.output
    done = run("plan", "kpi", "add", "vol", "--kind", "mentions", "--target", "100",
               "--topic", "lumio", "--objective", "care")  # fmt: skip
    assert f"Indicateur «{NBSP}vol{NBSP}» ajouté{NBSP}: référence —, cible 100." in done.output
    done = run("plan", "kpi", "target", "vol", "120.5")
    assert f"Indicateur «{NBSP}vol{NBSP}»{NBSP}: cible 120,5." in done.output, done.output
    done = run("plan", "kpi", "edit", "vol", "--no-objective", "--period", "1")
    assert f"L’indicateur «{NBSP}vol{NBSP}» ne relève plus d’aucun objectif." in done.output
    assert f"chaque valeur couvre 1{NBSP}jour." in done.output, done.output
    assert (
        f"Canal Mastodon{NBSP}: 3,5{NBSP}publications par semaine."
        in run("plan", "channel", "set", "mastodon", "--per-week", "3.5").output
    )
    wide = {"COLUMNS": "3000"}
    kpis = run("plan", "kpis", env=wide).output
    head = next(line for line in kpis.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in head.strip("┃").split("┃")] == [
        "nom", "type", "valeur", "référence", "cible", "état", "raison"
    ], kpis  # fmt: skip
    assert "not measurable" not in kpis
    channels = run("plan", "channel", "list", env=wide).output
    assert "par semaine" in channels and "per_week" not in channels, channels
    assert "│ 3,5 " in channels and "3.5" not in channels, channels  # « 3.5 » until 2026-12-07
    scripted = run("plan", "channel", "list", "-f", "json").output
    assert '"per_week": 3.5' in scripted, scripted
    # An objective's type and a person's role named, with the code to type, and
    # a deadline the French way: « awareness », « spokesperson », « 2027-06-30 »
    # until 2026-12-07.
    run("plan", "objective", "edit", "care", "--deadline", "2027-06-30")
    objectives = run("plan", "objective", "list", env=wide).output
    assert "│ Notoriété (awareness) │" in objectives, objectives
    assert "│ 30 juin 2027 │" in objectives, objectives
    assert run("plan", "person", "add", "alice", "--role", "spokesperson").exit_code == 0
    people = run("plan", "people", env=wide).output
    assert "│ Porte-parole (spokesperson) │" in people, people
    scripted = run("plan", "objective", "list", "-f", "json").output
    assert '"type": "awareness"' in scripted and '"deadline": "2027-06-30"' in scripted
    english = run("--language", "en", "plan", "people", env=wide).output
    assert "│ spokesperson │" in english, english
    money = run("plan", "money", "set", "hosting", "12.5").output
    assert f"hosting{NBSP}: 12,50{NBSP}€ par mois." in money, money
    english = run("--language", "en", "plan", "kpi", "target", "vol", "99").output
    assert "KPI 'vol': target 99." in english, english


def test_draft_check_and_guide_follow_the_readers_language(run) -> None:
    """`LANG=fr_FR.UTF-8 veille draft check` said « weighted characters — 1
    problem(s) » and its problem in English unless given --language fr, and
    `draft guide` « (checked …) » and « Sources: »."""
    done = run("draft", "check", "-p", "x", "a" * 300)
    assert done.exit_code == 1
    # Its colons and figures the French way: « x: 1300/63206 » until 2026-12-07.
    assert f"x{NBSP}: 300/280 caractères pondérés — 1 problème\n" in done.output, done.output
    assert f"  too_long{NBSP}: " in done.output, done.output
    long = run("draft", "check", "-p", "facebook", "a" * 63_300)
    assert f"facebook{NBSP}: 63{NBSP}300/63{NBSP}206 " in long.output, long.output
    assert "au-delà de la limite de 280" in done.output
    guide = run("draft", "guide", "mastodon", env={"COLUMNS": "3000"}).output
    assert "Mastodon (vérifié le " in guide and f"\nSources{NBSP}:\n" in guide, guide
    english = run("--language", "en", "draft", "check", "-p", "x", "a" * 300).output
    assert "x: 300/280 weighted characters — 1 problem\n" in english, english


def test_alert_commands_are_said_in_french(run) -> None:
    """`veille alert add|pause|resume|remove` said « alert w added (match,
    instant). » … in English, and `alert list` « True » under « en pause »."""
    done = run("alert", "add", "--name", "w", "--query", "lumio", "--to", "atom:w.xml")
    assert done.exit_code == 0, done.output
    assert f"Alerte w ajoutée{NBSP}: publications trouvées, au fil de l’eau." in done.output
    assert f"Alerte w en pause{NBSP}; ses correspondances" in run("alert", "pause", "w").output
    listed = run("alert", "list", env={"COLUMNS": "3000"}).output
    assert "│ oui " in listed and "True" not in listed, listed
    # Its kind, schedule and mode in words: « match », « instant », « all » until 2026-12-07.
    assert "│ publications trouvées │ " in listed, listed
    assert "│ au fil de l’eau │ toutes les publications │ " in listed, listed
    scripted = run("alert", "list", "-f", "json").output
    assert '"kind": "match"' in scripted and '"every": "instant"' in scripted, scripted
    resumed = run("alert", "resume", "w").output
    assert f"Alerte w reprise{NBSP}; 0 publication ou événement en attente envoyé." in resumed
    assert "Alerte w supprimée." in run("alert", "remove", "w").output
    assert "0 envoi abandonné remis en file." in run("alert", "dead", "--retry").output
    english = run("--language", "en", "alert", "add", "--name", "v", "--query", "x",
                  "--to", "atom:v.xml").output  # fmt: skip
    assert "alert v added: matching posts, as it happens." in english, english
    daily = run("alert", "add", "--name", "d", "--query", "x", "--to", "atom:d.xml", "--every",
                "weekly", "--day", "tue", "--at", "07:00", "--mode", "best").output  # fmt: skip
    # Its schedule's clock in parentheses, not nested in the sentence's (until 2026-12-07).
    assert f"Alerte d ajoutée{NBSP}: publications trouvées, chaque mardi à 07:00 (UTC)." in daily
    daily_en = run("--language", "en", "alert", "add", "--name", "e", "--query", "x", "--to",
                   "atom:e.xml", "--every", "daily", "--at", "08:00").output  # fmt: skip
    assert "alert e added: matching posts, every day at 08:00 (UTC).\n" in daily_en, daily_en
    listed = run("alert", "list", env={"COLUMNS": "3000"}).output
    assert "│ chaque mardi à 07:00 (UTC) │ une publication par histoire │ " in listed, listed


def test_alert_deliveries_say_their_status_in_words(run, tmp_path: Path) -> None:
    """`veille alert deliveries` said a delivery's status by its code (« sent »)
    under a column « envoyée »; JSON and CSV keep the code."""
    import json

    posts = tmp_path / "in.jsonl"
    posts.write_text(json.dumps({"platform": "mastodon", "id": "1", "author": "u",
                                 "text": "lumio is down", "published_at": "2026-12-01T10:00:00Z"}),
                     encoding="utf-8")  # fmt: skip
    added = run("alert", "add", "--name", "w", "--query", "lumio", "--to", "atom:w.xml")
    assert added.exit_code == 0, added.output
    assert run("import", str(posts)).exit_code == 0
    listed = run("alert", "deliveries", env={"COLUMNS": "3000"}).output
    assert _header(listed)[3:7] == ["état", "essais", "échéance", "envoyé"], listed
    assert "│ envoyé │ 1 " in listed and "│ sent │" not in listed, listed
    english = run("--language", "en", "alert", "deliveries", env={"COLUMNS": "3000"}).output
    assert "│ sent   │ 1 " in english, english
    scripted = run("alert", "deliveries", "-f", "csv").output
    assert ",sent,1," in scripted, scripted


def test_an_alerts_test_send_is_said_in_french(run, tmp_path: Path) -> None:
    """`veille alert test` said « sent a sample of 1 post(s) to … » and
    « sent an example spike message to … » to a French reader (until 2026-12-07)."""
    import json

    posts = tmp_path / "in.jsonl"
    posts.write_text(json.dumps({"platform": "mastodon", "id": "1", "author": "u",
                                 "text": "lumio is down", "published_at": "2026-12-01T10:00:00Z"}),
                     encoding="utf-8")  # fmt: skip
    assert run("import", str(posts)).exit_code == 0
    run("alert", "add", "--name", "w", "--query", "lumio", "--to", "atom:w.xml")
    run("alert", "add", "--name", "s", "--query", "lumio", "--kind", "spike", "--to", "atom:s.xml")
    done = run("alert", "test", "w")
    assert done.exit_code == 0, done.output
    assert "Échantillon de 1 publication envoyé à atom:" in done.output, done.output
    done = run("alert", "test", "s")
    assert "Message d’exemple (pic) envoyé à atom:" in done.output, done.output
    english = run("--language", "en", "alert", "test", "w").output
    assert "sent a sample of 1 post to atom:" in english, english


def test_inbox_commands_are_said_in_french(run, tmp_path: Path) -> None:
    """`veille inbox status|priority|note|bulk` said « #1 is now closed. »,
    « 2 items done. » in English, the status its code."""
    import json

    posts = tmp_path / "in.jsonl"
    posts.write_text(
        "\n".join(
            json.dumps({"platform": "mastodon", "id": str(i), "author": f"u{i}", "text": t,
                        "published_at": "2026-12-01T10:00:00Z"})
            for i, t in enumerate(["lumio is broken", "lumio rocks"])
        ),
        encoding="utf-8",
    )  # fmt: skip
    run("topic", "add", "lumio", "lumio", "--inbox")
    assert run("import", str(posts)).exit_code == 0
    done = run("inbox", "status", "1", "in_progress")
    assert done.exit_code == 0, done.output
    assert f"L’élément n°{NBSP}1 est maintenant en cours." in done.output, done.output
    assert (
        f"La priorité de l’élément n°{NBSP}1 est maintenant haute."
        in run("inbox", "priority", "1", "high").output
    )
    # A priority is « la priorité »: « urgente » as « haute, normale » (« urgent »
    # until 2026-12-07).
    assert (
        f"La priorité de l’élément n°{NBSP}1 est maintenant urgente."
        in run("inbox", "priority", "1", "urgent").output
    )
    assert f"Note ajoutée à l’élément n°{NBSP}1." in run("inbox", "note", "1", "vu").output
    assert (
        f"Le sentiment de l’élément n°{NBSP}1 est maintenant négatif."
        in run("inbox", "sentiment", "1", "negative").output
    )
    assert (
        f"L’élément n°{NBSP}1 est marqué comme supprimé sur sa plateforme."
        in run("inbox", "deleted", "1").output
    )
    assert (
        f"L’élément n°{NBSP}1 n’est plus marqué comme supprimé sur sa plateforme."
        in run("inbox", "deleted", "1", "--undo").output
    )
    # « #1 is assigned to ana (assigned). », « #1: tags vip; categories -. » and
    # « #1 est en attente … » until 2026-12-07; then « L’élément n°2 est
    # attribué à ana (attribué). », its status said where it says nothing more.
    done = run("inbox", "assign", "1", "--to", "ana")
    assert f"L’élément n°{NBSP}1 est attribué à ana (état{NBSP}: en cours)." in done.output
    done = run("inbox", "assign", "1", "--nobody")
    assert f"L’élément n°{NBSP}1 n’est attribué à personne (état{NBSP}: en cours)." in done.output
    done = run("inbox", "assign", "2", "--to", "ana")
    assert done.output.strip() == f"L’élément n°{NBSP}2 est attribué à ana.", done.output
    done = run("inbox", "tag", "1", "vip")
    assert f"Élément n°{NBSP}1{NBSP}: étiquettes vip{NBSP}; catégories -." in done.output
    done = run("inbox", "snooze", "1", "--until", "3h")
    assert f"L’élément n°{NBSP}1 est en attente jusqu’au " in done.output, done.output
    run("inbox", "unsnooze", "1")
    bulk = run("inbox", "bulk", "status", "1", "2", "--value", "closed").output
    assert "2 éléments traités." in bulk, bulk
    english = run("--language", "en", "inbox", "status", "2", "in_progress").output
    assert "#2 is now in progress." in english, english
    english = run("--language", "en", "inbox", "assign", "2", "--to", "ana").output
    assert "#2 is assigned to ana (status: in progress)." in english, english


def test_init_and_an_empty_calendar_are_said_in_french(run, tmp_path: Path) -> None:
    """`veille init` said « Workspace ready in … » and `calendar publish`
    « nothing due. » in English to a French reader."""
    done = here("init", str(tmp_path / "fresh"), cwd=tmp_path, LANG="fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert f"Espace de travail prêt dans {tmp_path / 'fresh'}. Modifiez veille.toml" in (
        done.stdout.replace("\n", " ")
    ), done.stdout
    assert "rien à publier pour l’instant." in run("calendar", "publish").output
    english = here("init", str(tmp_path / "other"), cwd=tmp_path, LANG="C.UTF-8").stdout
    assert "Workspace ready in" in english, english


def test_more_plan_commands_are_said_in_french(run, tmp_path: Path) -> None:
    """The rest of `veille plan …`: people, guidelines, channels, money,
    export and import said what they did in English."""
    assert (
        "alice est porte-parole."
        in run("plan", "person", "add", "alice", "--role", "spokesperson").output
    )
    assert (
        "alice retiré de ce rôle."
        in run("plan", "person", "remove", "alice", "--role", "spokesperson").output
    )
    shown = run("plan", "guidelines", "show").output
    assert f"Pas encore de consignes{NBSP}: `veille plan guidelines set`." in shown, shown
    run("plan", "channel", "set", "mastodon", "--per-week", "2")
    assert (
        "Mastodon retiré du plan des canaux." in run("plan", "channel", "remove", "mastodon").output
    )
    assert f"Coût horaire{NBSP}: 40,00{NBSP}€." in run("plan", "money", "rate", "40").output
    assert "Coût horaire non défini." in run("plan", "money", "rate").output
    run("plan", "objective", "add", "care", "--type", "awareness")
    assert (
        f"Objectif «{NBSP}care{NBSP}» modifié."
        in run("plan", "objective", "edit", "care", "--description", "x").output
    )
    toml = tmp_path / "plan.toml"
    assert f"Plan écrit dans {toml}." in run(
        "plan", "export", "--format", "toml", "-o", str(toml)
    ).output.replace("\n", "")
    assert (
        f"Objectif «{NBSP}care{NBSP}» supprimé."
        in run("plan", "objective", "remove", "care").output
    )
    done = run("plan", "import", str(toml))
    assert f"Plan importé{NBSP}: 1 objectif, 0 indicateur, 0 canal." in done.output, done.output


def test_a_yes_no_question_is_asked_and_answered_in_french(run) -> None:
    """`LANG=fr_FR.UTF-8 veille privacy erase` asked its French question
    with typer's « [y/N]: », took « oui » for no answer (« Error: invalid
    input ») and said « Aborted. » where the input ended."""
    asked = f"Effacer chaque publication de claire sur toutes les plateformes{NBSP}? [o/N]{NBSP}: "
    done = run("privacy", "erase", "--author", "claire", input="peut-être\nnon\n")
    assert done.exit_code == 1, done.output
    assert asked in done.output and "[y/N]" not in done.output, done.output
    assert f"Erreur{NBSP}: réponse invalide (répondez o ou n)." in done.output
    assert "Rien n’a été effacé." in done.output and "invalid input" not in done.output
    done = run("privacy", "erase", "--author", "claire", input="")
    assert done.exit_code == 1 and "Abandon." in done.output, done.output
    assert "Aborted" not in done.output
    done = run("privacy", "erase", "--author", "claire", input="oui\n")
    assert done.exit_code == 0, done.output
    assert "rien n’a été effacé, mais l’identifiant est oublié" in done.output, done.output
    done = run("privacy", "lift", "--author", "claire", input="o\n")
    assert done.exit_code == 0 and "Objection" not in done.output, done.output
    english = run("--language", "en", "privacy", "lift", "--author", "claire", input="oui\n")
    assert english.exit_code == 1, english.output
    assert "again? [y/N]: " in english.output and "Error: invalid input" in english.output


def test_plan_adopt_asks_in_french_and_takes_oui(run) -> None:
    """`veille plan adopt --lang fr` asked « Adopter ce plan ? [y/N]: »,
    and « oui » was no answer."""
    run("plan", "objective", "add", "care", "--type", "awareness")
    run("plan", "channel", "set", "mastodon", "--per-week", "2", "--handle", "lumio_hq",
        "--objectives", "care")  # fmt: skip
    done = run("plan", "adopt", "--lang", "fr", input="oui\n")
    assert done.exit_code == 0, done.output
    assert f"Adopter ce plan{NBSP}? [o/N]{NBSP}: oui" in done.output, done.output
    assert f"Plan adopté{NBSP}:" in done.output


def test_the_demo_tour_is_said_in_french(run, tmp_path: Path) -> None:
    """`LANG=fr_FR.UTF-8 veille demo` toured its workspace in English
    (« new posts stored », « Busiest day », « Followers of our own pages
    … 48,210 », a French reader's 48 point 210). Its counts by platform
    and language were ungrouped (« en 1379 »): grouped the French way, the
    pairs parted by « ; »."""
    out = run("demo", str(tmp_path / "demo"), "--days", "14", env={"COLUMNS": "3000"}).output
    assert f"Espace de travail de démonstration{NBSP}: {tmp_path / 'demo'}" in out, out
    assert "nouvelles publications enregistrées" in out and "Par plateforme" in out
    assert f"Jour le plus chargé{NBSP}: " in out and "une panne chez Lumio" in out
    import re

    # Its day the French way: « Jour le plus chargé : 2026-11-24 » until 2026-12-07.
    assert re.search(rf"Jour le plus chargé{NBSP}: \d{{1,2}}(er)? \w+ 20\d\d \(", out), out

    figure = rf"\d{{1,3}}(?:{NBSP}\d{{3}})*"
    pairs = rf"\w+ {figure}(?:{NBSP}; \w+ {figure})*"
    lines = {line.split(NBSP + ":")[0]: line for line in out.splitlines()}
    for label in ("Par plateforme", "Par langue"):
        assert re.fullmatch(rf"{label}{NBSP}: {pairs}", lines[label].strip()), lines[label]
    assert re.search(rf"\d{NBSP}\d{{3}}", lines["Par langue"]), lines["Par langue"]
    assert (
        f"Abonnés de nos propres pages (relevé du jour){NBSP}: facebook lumio 48{NBSP}210, "
    ) in out, out
    assert f"Dernières publications contenant «{NBSP}panne{NBSP}»{NBSP}:" in out
    assert f"À essayer{NBSP}:" in out and "Busiest day" not in out and "Try:" not in out


def test_plan_init_says_a_wrong_answer_in_french(run) -> None:
    """`veille plan init --language fr` answered « beaucoup » (posts a week)
    with typer's « Error: Input should be a valid integer, unable to parse
    string as an integer » (2.5 too) and
    asked its French questions with « [5]: »: the error is French now, the
    question asked again, 2.5 taken, and the colon French."""
    answers = "Lumio\nmarketing\n\n\n\nlumio\nlumio\n\nmastodon\n\nbeaucoup\n2.5\nvite\n60\n"
    done = run("plan", "init", "--language", "fr", input=answers)
    assert done.exit_code == 0, done.output
    assert f"Erreur{NBSP}: «{NBSP}beaucoup{NBSP}» n’est pas un nombre." in done.output
    assert f"Erreur{NBSP}: «{NBSP}vite{NBSP}» n’est pas un nombre entier." in done.output
    assert "Error" not in done.output and "not a valid" not in done.output, done.output
    assert done.output.count("Publications par semaine et par canal") == 2, done.output
    assert f"1. Objectifs{NBSP}: le nom de l’organisation{NBSP}: " in done.output
    assert "]: " not in done.output, done.output
    assert f"Plan commencé{NBSP}: objectif" in done.output
    english = run("plan", "init", "--language", "en", input=answers)  # typer's own
    assert "Error: Input should be a valid number" in english.output, english.output


def _typed_at_a_terminal(args: list[str], cwd: Path, lines: list[str]) -> str:
    """``veille ARGS`` run at a terminal (a pseudo-terminal: the password is
    asked only there), ``lines`` typed one at each prompt; all it wrote."""
    import os
    import pty
    import selectors
    import sys

    from tests.test_cli_language import _env

    pid, fd = pty.fork()
    if pid == 0:  # the child: veille, the pseudo-terminal its terminal
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "veille", *args],
                  _env(LANG="fr_FR.UTF-8"))  # fmt: skip
    said, pending = b"", list(lines)
    # A selector, not select(): the worker may hold over 1,024 descriptors.
    waiting = selectors.DefaultSelector()
    waiting.register(fd, selectors.EVENT_READ)
    while True:
        if not waiting.select(120):
            os.kill(pid, 9)
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child ended
            break
        if not chunk:
            break
        said += chunk
        # ": " whole: click writes the question, then its last space as the
        # terminal's prompt once it reads (echo off, for a password).
        if pending and said.endswith(b": "):
            os.write(fd, pending.pop(0).encode() + b"\n")
    waiting.close()
    os.waitpid(pid, 0)
    os.close(fd)
    return said.decode("utf-8", "replace")


def test_a_password_typed_twice_differently_is_said_in_french(tmp_path: Path) -> None:
    """`veille user add` at a French terminal answered two different
    passwords with typer's « Error: The two entered values do not match. »:
    it says so in French, asks again, and adds the account."""
    root = tmp_path / "ws"
    assert veille("init", str(root), cwd=tmp_path).returncode == 0
    typed = ["secret-un-1", "secret-deux-2", "secret-un-1", "secret-un-1"]
    said = _typed_at_a_terminal(["user", "add", "zoe"], root, typed)
    assert f"Erreur{NBSP}: les deux valeurs saisies ne correspondent pas." in said, said
    assert f"Mot de passe{NBSP}: " in said and "Error" not in said, said
    assert "secret" not in said and "Compte zoe ajouté" in said, said


def test_calendar_add_asks_about_a_time_past_in_french(tmp_path: Path) -> None:
    """`veille calendar add --at` a time already past, at a French
    terminal, asked « … L’enregistrer quand même ? » with typer's « [y/N]: »
    and answered « oui » with « Error: invalid input »: it asks « [o/N] »
    and takes « oui », as the other questions do."""
    from veille.publish.service import add_account
    from veille.workspace import Workspace

    root = tmp_path / "ws"
    assert veille("init", str(root), cwd=tmp_path).returncode == 0
    with Workspace.open(root) as ws:
        add_account(ws.state, "masto", "mastodon", "https://mastodon.example",
                    secret="env:FR_MASTO_TOKEN")  # fmt: skip
    args = ["calendar", "add", "-a", "masto", "--at", "2020-01-06 09:30", "Bonjour"]
    said = _typed_at_a_terminal(args, root, ["oui"])
    assert f"L’enregistrer quand même{NBSP}? [o/N]{NBSP}: " in said, said
    assert "[y/N]" not in said and "Error" not in said, said
    with Workspace.open(root) as ws:
        assert [e.text for e in ws.state.calendar_entries()] == ["Bonjour"]


def test_plan_init_asks_again_for_an_unknown_type_or_a_mistyped_deadline(run) -> None:
    """`veille plan init` ended at an objective type it does not know
    (« publicite ») or a deadline not written YYYY-MM-DD (« 30/06/2027 »)
    with an error, the answers typed so far lost, where a wrong number is
    asked again: both are now said, with what to do, in the reader's
    language, and asked again."""
    answers = "Lumio\npublicite\nmarketing\n\n30/06/2027\n2027-06-30\n"
    answers += "\nlumio\nlumio\n\nmastodon\n\n2\n60\n"
    done = run("plan", "init", "--language", "fr", input=answers)
    assert done.exit_code == 0, done.output
    said = f"Erreur{NBSP}: «{NBSP}publicite{NBSP}» n’est pas un type d’objectif"
    assert said in done.output and "Noms connus" in done.output, done.output
    said = f"Erreur{NBSP}: échéance{NBSP}: «{NBSP}30/06/2027{NBSP}» n’est pas une date"
    assert said in done.output and "sous la forme AAAA-MM-JJ" in done.output, done.output
    assert done.output.count("Qu’attendez-vous des réseaux sociaux") == 2, done.output
    assert done.output.count("Pour quand") == 2, done.output
    assert "Error" not in done.output and f"Plan commencé{NBSP}: objectif" in done.output
    again = answers.replace("marketing", "awareness")  # a second objective
    english = run("plan", "init", "--language", "en", input=again)
    assert english.exit_code == 0, english.output
    assert "Error: 'publicite' is not an objective type" in english.output, english.output
    assert "Error: deadline '30/06/2027' is not a date" in english.output, english.output
    assert "Write it as YYYY-MM-DD" in english.output
    assert english.output.count("By when?") == 2, english.output


def test_source_list_shows_a_config_as_people_write_it(run, tmp_path: Path) -> None:
    """`veille source list` showed a source's config as a Python dict
    (« {'url': 'https://…', 'platform': '', 'adaptive': True} »), its URL cut
    with « … » at 80 columns: one ``key = value`` line each, as TOML writes
    them, the URL whole, a token in it still masked, in both languages; JSON
    keeps the object."""
    done = run("source", "add", "feeds", "https://example.org/feed?token=abc123", "--name",
               "blog-with-a-long-name", "-o", "max_pages=3")  # fmt: skip
    assert done.exit_code == 0, done.output
    for lang, head in (("fr", "réglages"), ("en", "config")):
        listed = run("--language", lang, "source", "list", env={"COLUMNS": "80"}).output
        assert head in listed and all(len(line) <= 80 for line in listed.splitlines()), listed
        cells = [line.split("│")[5].strip() for line in listed.splitlines() if "│" in line]
        assert "max_pages = 3" in cells and "adaptive = true" in cells, listed
        assert '"https://example.org/feed?token=****"' in "".join(cells), listed
        assert "{" not in listed and "True" not in listed and "…" not in listed, listed
        assert "abc123" not in listed and "platform =" not in listed, listed
    as_json = run("source", "list", "--format", "json").output
    assert '"max_pages": 3' in as_json and '"adaptive": true' in as_json, as_json
