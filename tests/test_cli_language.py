"""The CLI speaks its reader's language: ``veille --language``, else the
workspace's ``ui_language`` (where its veille.toml sets one), else the
locale (LC_ALL, LC_MESSAGES, LANG), else English. Real ``veille`` runs in
a subprocess, as a reader starts it from a shell, where the locale of its
environment, a signal or its log on stderr is what a test proves; the app
runs in this process (:func:`here`) where the words a reader sees are."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
NBSP = "\u202f"


def _env(**locale: str) -> dict[str, str]:
    """This process's environment for a ``python -m veille`` child: this
    checkout's code, no workspace and no language but ``locale``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
    }
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(locale)
    return env


def veille(*args: str, cwd: Path, **locale: str) -> subprocess.CompletedProcess[str]:
    env = _env(**locale)
    return subprocess.run([sys.executable, "-m", "veille", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def here(
    *args: str, cwd: Path, given: str | None = None, **locale: str
) -> subprocess.CompletedProcess[str]:
    """``veille ARGS`` run in this process by typer's ``CliRunner`` (the same
    app a shell starts, without a new interpreter's imports), in ``cwd``,
    with :func:`veille`'s environment: no workspace and no language but
    ``locale``; ``given``, its standard input. For what a reader sees in
    their language; the locale read from a real process's environment,
    signals, terminals and logs on stderr keep :func:`veille`. Its answer
    reads as :func:`veille`'s (returncode, stdout, stderr); a Python error
    fails the test (a process would have printed its traceback)."""
    from tests.cli_runner import CliRunner, veille_command

    unset = ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
    env: dict[str, str | None] = {name: None for name in unset}
    env.update(locale)
    before = Path.cwd()
    os.chdir(cwd)
    try:
        done = CliRunner().invoke(veille_command(), list(args), env=env, input=given)
    finally:
        os.chdir(before)
    assert done.exception is None or isinstance(done.exception, SystemExit), (
        done.exc_info and "".join(traceback.format_exception(*done.exc_info))
    )
    return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose database a newer veille wrote (its schema ahead)."""
    root = tmp_path_factory.mktemp("newer") / "ws"
    assert here("init", str(root), cwd=root.parent).returncode == 0
    assert here("topic", "list", cwd=root).returncode == 0  # the database, made
    db = sqlite3.connect(root / "veille.db")
    db.execute("PRAGMA user_version = 9999")
    db.commit()
    db.close()
    return root


def test_a_french_locale_reads_the_newer_schema_refusal_in_french(newer: Path) -> None:
    done = veille("topic", "list", cwd=newer, LANG="fr_FR.UTF-8")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"erreur{NBSP}:" in done.stderr
    assert "a été écrit par une version plus récente de veille (schéma 9999" in done.stderr
    assert f"Mettez veille à jour (pip install -U veille){NBSP}; rien n’a été modifié." in (
        done.stderr
    )
    assert "written by a newer veille" not in done.stderr


def test_language_en_overrides_the_locale(newer: Path) -> None:
    done = veille("--language", "en", "topic", "list", cwd=newer, LANG="fr_FR.UTF-8")
    assert done.returncode == 1
    assert "error: " in done.stderr
    assert "was written by a newer veille (schema 9999" in done.stderr
    assert "Upgrade veille" in done.stderr


@pytest.mark.parametrize(
    "locale, french",
    [
        ({"LANG": "C.UTF-8"}, False),
        ({}, False),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, True),
        ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, False),  # LC_ALL decides
        ({"LC_MESSAGES": "fr_FR.UTF-8", "LANG": "en_US.UTF-8"}, True),
    ],
)
def test_the_locale_decides_where_nothing_else_does(
    newer: Path, locale: dict[str, str], french: bool
) -> None:
    done = veille("topic", "list", cwd=newer, **locale)
    assert ("a été écrit par une version plus récente" in done.stderr) is french, done.stderr


def test_the_workspace_language_comes_before_the_locale(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace('# ui_language = "en"', 'ui_language = "fr"'), "utf-8"
    )
    done = here("topic", "history", "nothing-here", cwd=root, LANG="en_US.UTF-8")
    assert done.returncode == 2
    assert f"erreur{NBSP}: aucun sujet ne s’appelle «{NBSP}nothing-here{NBSP}»" in done.stderr
    done = here("--language", "en", "topic", "history", "nothing-here", cwd=root)
    assert "error: no topic named 'nothing-here'" in done.stderr


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``veille`` in this process, in ``tmp_path/ws`` (a workspace), its
    locale French unless ``env`` says otherwise."""
    from tests.cli_runner import CliRunner, veille_command

    for name in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "ws"
    app, runner = veille_command(), CliRunner()
    assert runner.invoke(app, ["init", str(root)]).exit_code == 0
    monkeypatch.chdir(root)

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        done = runner.invoke(
            app, list(args), env={"LANG": "fr_FR.UTF-8", **(env or {})}, input=input
        )
        assert "Traceback" not in done.output
        assert done.exception is None or isinstance(done.exception, SystemExit), done.output
        return done

    return invoke


@pytest.mark.parametrize(
    "args, french, english",
    [
        (("store", "migrate"), "store migrate a besoin d’une destination où copier",
         "store migrate needs somewhere to copy to"),
        (("store", "backup", "."), "est à l’intérieur de l’espace de travail",
         "is inside the workspace"),
        (("privacy", "erase", "--author", "", "--yes"),
         "--author est vide\nDonnez l’identifiant, par exemple --author claire_tech.",
         "--author is empty"),
        (("privacy", "log", "--kind", "nope"),
         f"--kind «{NBSP}nope{NBSP}» n’est pas un type d’entrée", "--kind 'nope' is not"),
        # The command line's own refusals, made with f-strings until 2026-12-06.
        (("run", "--role", "x"), f"--role «{NBSP}x{NBSP}» n’est pas un rôle", "is not a role"),
        (("run", "--port", "3"), "--port dit où écoute l’application web",
         "--port is where the web app listens"),
        (("export", "-o", "/nonexistent-s47/x.jsonl"),
         f"--output /nonexistent-s47/x.jsonl{NBSP}: le dossier /nonexistent-s47 n’existe pas",
         "the folder /nonexistent-s47 does not exist"),
        (("volume", "--chart", "x.txt"), f"--chart x.txt{NBSP}: format de graphique inconnu",
         "unknown chart format"),
        (("topic", "edit", "lumio"), "rien à changer\nDonnez une nouvelle requête",
         "nothing to change"),
        (("export", "--since", "2026-12-02", "--until", "2026-12-01"),
         "--until 2026-12-01 n’est pas après --since 2026-12-02", "is not after --since"),
    ],
)  # fmt: skip
def test_the_refusals_that_were_english_only_are_french(
    run, args: tuple[str, ...], french: str, english: str
) -> None:
    done = run(*args)
    assert done.exit_code != 0
    assert f"erreur{NBSP}: " in done.output
    assert french in done.output, done.output
    assert english not in done.output
    done = run("--language", "en", *args)
    assert english in done.output, done.output


def test_a_config_error_is_french_where_the_locale_is(run, tmp_path: Path) -> None:
    config = tmp_path / "ws" / "veille.toml"
    config.write_text(config.read_text().replace('# timezone = "UTC"', 'timezone = "Mars/Base"'))
    done = run("topic", "list")
    assert done.exit_code == 2
    assert f"[workspace] timezone «{NBSP}Mars/Base{NBSP}» dans" in done.output, done.output
    assert "n’est pas un fuseau horaire" in done.output
    assert 'Utilisez un nom IANA comme "Europe/Paris"' in done.output
    config.write_text(config.read_text().replace('timezone = "Mars/Base"', "timezone = 3"))
    done = run("topic", "list")
    assert "[workspace] timezone doit être une chaîne de caractères, pas 3 (dans " in (
        done.output
    ), done.output


def test_no_workspace_is_said_in_french(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    done = run("topic", "list")
    assert "aucun espace de travail veille dans le dossier courant" in done.output, done.output
    assert "Créez-en un avec `veille init DOSSIER`" in done.output
    done = run("topic", "list", env={"LANG": "C.UTF-8"})
    assert "no veille workspace in the current directory" in done.output


def test_a_backup_and_a_move_report_in_french(run, tmp_path: Path) -> None:
    done = run("store", "backup", str(tmp_path / "copy"))
    assert done.exit_code == 0, done.output
    assert f"veille.toml{NBSP}: " in done.output and " octets" in done.output, done.output
    assert f"Sauvegardé dans {tmp_path / 'copy'}. Pour restaurer{NBSP}: arrêtez veille" in (
        done.output
    )
    assert "Backed up" not in done.output
    run("topic", "add", "t", "café")  # a row to copy
    done = run("store", "migrate", "--to", f"sqlite:///{tmp_path / 'moved.db'}")
    assert done.exit_code == 0, done.output
    assert f"topics{NBSP}: 1 ligne copiée" in done.output, done.output
    assert "Chaque table est la même des deux côtés" in done.output
    done = run("--language", "en", "store", "backup", str(tmp_path / "again"))
    assert f"Backed up to {tmp_path / 'again'}. To restore: stop veille" in done.output


def test_collect_reports_in_french(run, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    monkeypatch.setenv("VEILLE_ALLOW_PRIVATE_NETWORKS", "1")
    # A refused connection fails at once, not after [http]'s four retries
    # with their backoff (seconds waited for nothing this test says).
    toml = tmp_path / "ws" / "veille.toml"
    toml.write_text(toml.read_text().replace("# max_retries = 4", "max_retries = 0"))
    posts = tmp_path / "posts.jsonl"
    row = {"platform": "rss", "id": "1", "text": "lumio", "published_at": "2026-11-20T10:00:00Z"}
    posts.write_text(json.dumps(row) + "\n")
    run("source", "add", "file", str(posts), "--name", "good")
    run("source", "add", "feeds", "http://127.0.0.1:1/feed", "--name", "gone")
    done = run("collect", "--once")
    assert done.exit_code == 1
    out = done.output.replace("\n", " ")  # (split() would split at U+202F too)
    assert f"good{NBSP}: 1 nouvelle publication (1 élément, 0 en quarantaine)" in out, out
    assert f"gone{NBSP}: échec après 0 nouvelle publication{NBSP}: " in out
    assert f"sources en échec{NBSP}: 1 sur 2 (gone){NBSP}; les publications des autres" in out
    assert "new post" not in out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_said_in_french(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"platform": "rss", "id": "1", "text": "lumio", "published_at": "2026-11-20T10:00:00Z"}\n'
    )
    assert here("import", str(posts), "--no-enrich", cwd=root).returncode == 0
    done = here("export", "-o", "/dev/full", cwd=root, LANG="fr_FR.UTF-8")
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"erreur{NBSP}: No space left on device\n"), done.stderr
    assert f"Libérez de la place ou écrivez ailleurs{NBSP}; ce qui" in done.stderr


def test_the_import_summary_is_said_in_the_readers_language(tmp_path: Path) -> None:
    """``veille import``'s summary agrees with each count (French: 0 and 1
    singular) and writes the numbers the reader's way."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    rows = tmp_path / "posts.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for i in range(1200):
            f.write(f'{{"platform": "rss", "id": "{i}", "text": "lumio {i}", '
                    f'"published_at": "2026-10-01T02:00:00Z"}}\n')  # fmt: skip
        f.write('{"platform": "rss", "id": "bad"}\n')  # no text: a bad row
    args = ("import", str(rows), "-w", str(root), "--no-enrich")
    done = here(*args, cwd=tmp_path, LANG="fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert (
        f"1{NBSP}201 lignes lues{NBSP}: 1{NBSP}200 nouvelles publications, 0 mise à jour, "
        "0 inchangée, 1 ligne erronée ignorée"
    ) in done.stdout, done.stdout
    again = here(*args, cwd=tmp_path, LANG="fr_FR.UTF-8")
    assert (
        f"1{NBSP}201 lignes lues{NBSP}: 0 nouvelle publication, 0 mise à jour, "
        f"1{NBSP}200 inchangées, 1 ligne erronée ignorée"
    ) in again.stdout, again.stdout
    english = here("--language", "en", *args, cwd=tmp_path, LANG="fr_FR.UTF-8")
    assert (
        "1,201 rows read: 0 new posts, 0 updated, 1,200 unchanged, 1 bad row skipped"
    ) in english.stdout, english.stdout


def test_the_terms_made_again_on_opening_are_said_in_the_readers_language(
    tmp_path: Path,
) -> None:
    """A French reader opening a workspace after the upgrade that raised
    TERMS_VERSION to 2 read the notices of the minutes-long remake of every
    post's terms, before and after, in English alone (the migrations' were
    in French): they are said in the reader's language, numbers too."""
    from tests.conftest import make_post
    from veille.store.sqlite import SQLiteStore

    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    store = SQLiteStore.open(root / "veille.db")
    store.upsert_posts([make_post(f"p-{i}", f"Post {i} about the fibre") for i in range(1200)])
    store.conn.execute("UPDATE kept_terms SET version = '1.old'")
    store.close()

    done = veille("topic", "list", cwd=root, LANG="fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert (
        f"les termes tendance de ses 1{NBSP}200 publications ont été faits par une autre "
        f"version de l’extraction des termes de veille (1.old{NBSP};" in done.stderr
    ), done.stderr
    assert f"les termes tendance de 1{NBSP}200 publications refaits en" in done.stderr
    assert "trending terms" not in done.stderr

    # Done once: the next opening says nothing of them.
    assert "termes tendance" not in veille("topic", "list", cwd=root, LANG="fr_FR.UTF-8").stderr


def _header(table: str) -> list[str]:
    """The column headers of the first table ``veille`` printed."""
    line = next(line for line in table.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


def test_source_health_heads_its_columns_in_the_readers_language(tmp_path: Path) -> None:
    """`veille source health --language fr` said its last errors in French
    under English column headers (« last success », « quota left »): the
    headers are said in the reader's language too; JSON keeps its keys."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "platform,id,text,author,published_at\nmastodon,1,bonjour,alice,2026-03-01T10:00:00Z\n",
        encoding="utf-8",
    )
    assert here("source", "add", "file", str(posts), "--name", "fichier", cwd=root).returncode == 0
    wide = {"COLUMNS": "3000"}  # the table whole, not cut to a terminal
    french = here("source", "health", "--language", "fr", cwd=root, **wide)
    assert french.returncode == 0, french.stderr
    assert _header(french.stdout) == [
        # « échecs consécutifs » as the sources page says it (« échecs d’affilée »
        # until 2026-12-07, "failures" in English).
        "source", "dernière réussite", "échecs consécutifs", "publications au dernier passage",
        "total", "quota restant", "en quarantaine", "datées dans le futur",
        "écartées (effacement)", "hors conservation", "prochaine collecte", "dernière erreur",
    ]  # fmt: skip
    from_locale = here("source", "health", cwd=root, LANG="fr_FR.UTF-8", **wide)
    assert _header(from_locale.stdout) == _header(french.stdout)
    english = here("source", "health", "--language", "en", cwd=root, **wide)
    assert _header(english.stdout) == [
        "source", "last success", "failures in a row", "last posts", "total", "quota left",
        "quarantined", "dated ahead", "suppressed", "past retention", "next due", "last error",
    ]  # fmt: skip
    json = here("source", "health", "--language", "fr", "-f", "json", cwd=root)
    assert '"last_success"' in json.stdout and "dernière" not in json.stdout
    # Its times the reader's way: « 2026-12-07 15:59 » under French headers until 2026-12-07.
    assert here("collect", cwd=root).returncode == 0
    french = here("source", "health", "--language", "fr", cwd=root, **wide)
    assert re.search(r"│ \d{1,2} \w+\.? 20\d\d à \d\d:\d\d │", french.stdout), french.stdout
    english = here("source", "health", "--language", "en", cwd=root, **wide)
    assert re.search(r"│ 20\d\d-\d\d-\d\d \d\d:\d\d │", english.stdout), english.stdout


def test_the_quarantine_retry_counts_in_the_readers_language(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`veille quarantine retry` said "1 items stored", and in English
    alone: its counts agree with their words, in the reader's language."""
    posts = tmp_path / "garbled.csv"
    posts.write_text(
        "platform,id,text,author,published_at\nmastodon,1,sans date,zoe,not-a-date\n",
        encoding="utf-8",
    )
    assert run("source", "add", "file", str(posts), "--name", "garbled").exit_code == 0
    assert run("collect", "--once").exit_code == 0
    listed = run("quarantine", "list", env={"COLUMNS": "3000"})
    assert (
        f"ligne 2{NBSP}: published_at «{NBSP}not-a-date{NBSP}» n’est pas une date{NBSP}; "
        "utilisez ISO 8601"
    ) in listed.output, listed.output
    done = run("quarantine", "retry")
    assert done.exit_code == 0, done.output
    assert "0 élément enregistré, 1 toujours illisible." in done.output, done.output
    done = run("--language", "en", "quarantine", "retry")
    assert "0 items stored, 1 still failing." in done.output, done.output


def test_a_retention_purge_reports_in_french(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``veille privacy purge`` said what it deleted in English only."""
    done = run("privacy", "purge")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    assert f"Aucune conservation n’est réglée{NBSP}: voyez [privacy] retention_days" in out, out
    toml = tmp_path / "ws" / "veille.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("# retention_days = 0", "retention_days = 30")
    toml.write_text(text.replace("# inbox_days = 0", "inbox_days = 90"), encoding="utf-8")
    done = run("privacy", "purge")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    assert (
        f"0 publication plus ancienne que la durée de conservation supprimée{NBSP}; "
        "0 contenu brut vidé. 0 élément de la boîte de réception inchangé depuis "
        f"90{NBSP}jours supprimé."
    ) in out, out
    done = run("--language", "en", "privacy", "purge")
    assert (
        "0 posts older than the retention period deleted; 0 raw payloads emptied. "
        "0 inbox items untouched for 90 days deleted."
    ) in done.output.replace("\n", " "), done.output


def test_an_imports_bad_rows_and_refusals_are_said_in_the_readers_language(
    tmp_path: Path,
) -> None:
    """`LANG=fr_FR.UTF-8 veille import` said its summary in French and, around
    it, why each row was bad (« no text: the record needs a text … »), a
    --strict refusal (« line 3 », « Nothing from this file was stored ») and a
    missing file (« is not a file ») in English: all in the reader's language."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    rows = tmp_path / "posts.csv"
    rows.write_text(
        "platform,id,text,author,published_at\n"
        "mastodon,1,bonjour,alice,2026-10-01T10:00:00Z\n"
        "mastodon,2,,bob,2026-10-01T11:00:00Z\n"
        "mastodon,3,salut,carl,hier\n",
        encoding="utf-8",
    )
    fr = {"LANG": "fr_FR.UTF-8"}
    done = here("import", str(rows), "--no-enrich", cwd=root, **fr)
    assert done.returncode == 0, done.stderr
    assert (
        f"{rows}:3: aucun texte{NBSP}: l’enregistrement a besoin d’un text (ou content, body) "
        f"ou d’un title\n{rows}:4: published_at «{NBSP}hier{NBSP}» n’est pas une date{NBSP}; "
        "utilisez ISO 8601"
    ) in done.stderr, done.stderr
    assert "2 lignes erronées ignorées" in done.stdout, done.stdout

    strict = here("import", str(rows), "--strict", "--no-enrich", cwd=root, **fr)
    assert strict.returncode == 2, strict.stderr
    assert strict.stderr.startswith(
        f"erreur{NBSP}: {rows}, ligne 3{NBSP}: aucun texte{NBSP}: l’enregistrement"
    ), strict.stderr
    assert "Rien de ce fichier n’a été enregistré (--strict). Corrigez la ligne" in strict.stderr

    missing = here("import", str(tmp_path / "gone.csv"), cwd=root, **fr)
    assert missing.returncode == 2
    assert missing.stderr == (
        f"erreur{NBSP}: {tmp_path / 'gone.csv'} n’est pas un fichier\n"
        "Vérifiez le chemin et réessayez.\n"
    ), missing.stderr

    english = here("--language", "en", "import", str(rows), "--strict", cwd=root, **fr)
    assert english.stderr.startswith(
        f"error: {rows}, line 3: no text: the record needs a text (or content, body) or a title\n"
        "Nothing from this file was stored (--strict). Fix the line"
    ), english.stderr


def test_serve_on_a_busy_port_says_so_in_the_readers_language(tmp_path: Path) -> None:
    """`LANG=fr_FR.UTF-8 veille serve --port N` on a port another program
    holds said « cannot listen on … Another program uses that port » in
    English: French now, the port named, status 2."""
    import socket

    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        done = here("serve", "--port", str(port), cwd=root, LANG="fr_FR.UTF-8")
        english = here("--language", "en", "serve", "--port", str(port), cwd=root)
    assert done.returncode == 2, done.stderr
    assert f"erreur{NBSP}: impossible d’écouter sur 127.0.0.1:{port}{NBSP}: " in done.stderr
    assert (
        f"Un autre programme utilise ce port{NBSP}: donnez --port avec un autre numéro"
    ) in done.stderr, done.stderr
    assert f"error: cannot listen on 127.0.0.1:{port}: " in english.stderr, english.stderr
    assert "application web de veille pour" in done.stdout, done.stdout


def _popen(*args: str, cwd: Path, **locale: str) -> subprocess.Popen[str]:
    import signal

    env = _env(**locale)
    return subprocess.Popen(
        [sys.executable, "-m", "veille", *args], cwd=cwd, env=env, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        # a child of a non-interactive shell may inherit SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def test_ctrl_c_is_said_in_the_readers_language(tmp_path: Path) -> None:
    """Ctrl-C in a command said « interrupted; what was committed is kept. »
    in English alone: said in the reader's language, status 130."""
    import signal

    fifo = tmp_path / "lines.jsonl"
    os.mkfifo(fifo)
    proc = _popen("analyze", str(fifo), cwd=tmp_path, LANG="fr_FR.UTF-8")
    try:
        # Opening the writing end waits for veille to open the reading end:
        # the command is then under way, waiting for its first line.
        with fifo.open("w"):
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err == f"interrompu{NBSP}; ce qui était validé est gardé.\n", err


def test_the_simulator_says_it_stopped_in_the_readers_language(tmp_path: Path) -> None:
    """`veille sim` stopped by SIGTERM said « Stopped. » to a French reader:
    « Arrêté. », status 0."""
    import signal
    import threading

    proc = _popen("sim", "--days", "7", cwd=tmp_path, LANG="fr_FR.UTF-8")
    # A line never said (its words changed) must fail the test, not hang it.
    stuck = threading.Timer(120, proc.kill)
    stuck.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # its URLs, then how to use them, in French: it runs
            if line.startswith("Faites pointer les sources"):
                break
        stuck.cancel()
        assert proc.poll() is None, "veille sim ended before saying how to use its URLs"
        proc.send_signal(signal.SIGTERM)
        try:
            _out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:  # (what it said, stacks included, to find why)
            proc.kill()
            _out, err = proc.communicate()
            raise AssertionError(f"veille sim still ran 120 s after SIGTERM: {err}") from None
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert err == "Arrêté.\n", err


def test_a_stop_that_never_comes_back_does_not_keep_the_simulator_running(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """`veille sim` waits for its servers' stop a bounded time: one that never
    came back would keep the process running after SIGTERM (the test above
    once saw it in CI); it goes on, every thread's stack on stderr."""
    import threading
    import time

    from veille.sim.runner import stop_within

    never = threading.Event()
    began = time.monotonic()
    stop_within(never.wait, seconds=0.2)
    assert time.monotonic() - began < 10
    err = capfd.readouterr().err
    assert "most recent call first" in err, err  # every thread's stack
    stopped: list[bool] = []
    stop_within(lambda: stopped.append(True), seconds=5)
    assert stopped == [True]


def _flat(text: str) -> str:
    """``text`` on one line (a narrow terminal's line breaks made spaces; the
    narrow no-break spaces kept, which ``str.split`` would take for spaces)."""
    import re

    return re.sub(r"[ \n]+", " ", text)


def test_the_command_lines_warnings_are_said_in_the_readers_language(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`veille sov` warned a French reader « warning: Source x-search brought 2
    posts on Lumio and none on Vexa or Orbita … » (the dashboard says it in
    French), and every other warning of the command line began « warning: »
    (an unknown --platform, an access request for no one, in English
    alone): the warnings are said in the reader's language."""
    from tests.analytics.conftest import TZ
    from tests.analytics.test_voice_coverage import WEEK, _posts
    from veille.workspace import Workspace

    root = tmp_path / "ws"
    (root / "veille.toml").write_text(f'[workspace]\ntimezone = "{TZ}"\n', encoding="utf-8")
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(_posts())
    args = ("sov", "--period", WEEK, "-q", "Lumio=lumio", "-q", "Vexa=vexa", "-q", "Orbita=orbita")
    done = run(*args)
    assert done.exit_code == 0, done.output
    said = _flat(done.output)
    assert (
        f"avertissement{NBSP}: La source x-search a apporté 2 publications sur Lumio et aucune "
        f"sur Vexa ni sur Orbita (100{NBSP}% de l’engagement comparé)"
    ) in said, said
    english = _flat(run("--language", "en", *args).output)
    assert "warning: Source x-search brought 2 posts on Lumio and none on Vexa" in english

    done = run("search", "--platform", "twiter", "lumio")
    assert (
        f"avertissement{NBSP}: --platform twiter{NBSP}: aucune source ne donne de publications "
        f"de la plateforme «{NBSP}twiter{NBSP}»"
    ) in _flat(done.output), done.output
    done = run("privacy", "access", "--author", "personne")
    assert (
        f"avertissement{NBSP}: aucune publication ni aucun élément de la boîte de réception "
        "enregistré n’est de personne."
    ) in _flat(done.output), done.output


def test_collect_with_no_source_to_collect_says_so_and_what_to_do(run) -> None:  # type: ignore[no-untyped-def]
    """``veille collect --once`` printed nothing and exited 0 where no
    source was enabled, as if it had collected: it now says there is
    nothing to collect and how to add or enable a source (status 0)."""
    done = run("collect", "--once")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    assert f"rien à collecter{NBSP}: aucune source pour l’instant{NBSP}; ajoutez-en une avec " in (
        out
    ), out
    assert "`veille source add TYPE CIBLE`" in out, out
    english = run("--language", "en", "collect", "--once")
    assert "nothing to collect: no source yet; add one with `veille source add KIND" in (
        english.output.replace("\n", " ")
    ), english.output

    run("source", "add", "feeds", "http://127.0.0.1:1/feed", "--name", "gone")
    done = run("source", "disable", "gone")
    assert done.output == "Source gone désactivée.\n", done.output  # said "Disabled source"
    done = run("collect", "--once")
    assert done.exit_code == 0, done.output
    out = done.output.replace("\n", " ")
    assert f"rien à collecter{NBSP}: la source gone est désactivée{NBSP}; activez-la avec " in (
        out
    ), out
    assert "`veille source enable NOM`" in out, out
    run("source", "add", "feeds", "http://127.0.0.1:2/feed", "--name", "old")
    run("source", "disable", "old")
    done = run("--language", "en", "collect")  # (not --once: none is due either)
    assert done.exit_code == 0, done.output
    assert "nothing to collect: all 2 sources are disabled (gone, old); enable one with " in (
        done.output.replace("\n", " ")
    ), done.output
    done = run("source", "enable", "old")  # the command the line names
    assert done.exit_code == 0, done.output
    assert done.output == "Source old réactivée.\n", done.output  # said "Enabled source"
    english = run("--language", "en", "source", "disable", "gone")
    assert english.output == "Disabled source gone.\n", english.output
    done = run("collect", "--once")  # (old's loopback address is refused: status 1)
    assert "rien à collecter" not in done.output, done.output
    assert f"old{NBSP}: échec après" in done.output.replace("\n", " "), done.output


def test_collect_once_says_which_sources_another_collector_holds(run) -> None:  # type: ignore[no-untyped-def]
    """``veille collect --once`` printed nothing and exited 0 where another
    collector (a ``veille run`` on another machine) held every enabled
    source's lease: it now names them and says what to do, in the reader's
    language; the source it could take is collected as before."""
    import time

    from veille.pipeline.leases import lease_name
    from veille.workspace import Workspace

    run("source", "add", "feeds", "http://127.0.0.1:1/feed", "--name", "busy")
    with Workspace.open(Path.cwd()) as ws:
        assert ws.state.acquire_lease(lease_name("busy"), "far:42:abc", ttl=600, now=time.time())
    done = run("collect", "--once")
    assert done.exit_code == 0, done.output
    out = _flat(done.output)
    assert (
        f"source busy non collectée{NBSP}: un autre collecteur la collecte en ce moment "
        f"(far:42:abc) et en enregistre les publications." in out
    ), out
    assert "relancez cette commande quand il aura fini" in out, out
    english = run("--language", "en", "collect", "--once", "--source", "busy")
    assert "source busy not collected: another collector is collecting it right now " in (
        _flat(english.output)
    ), english.output

    run("source", "add", "feeds", "http://127.0.0.1:2/feed", "--name", "free")
    done = run("--language", "en", "collect", "--once")  # free's address is refused: status 1
    out = _flat(done.output)
    assert "free: failed after" in out, out
    assert "source busy not collected: another collector" in out, out
    assert "free not collected" not in out, out


def test_privacy_access_of_no_one_says_its_report_is_empty(run) -> None:  # type: ignore[no-untyped-def]
    """``veille privacy access --author NAME -o FILE`` about someone veille
    holds nothing of said " written to FILE" (French: "Écrit dans FILE : "),
    its count missing: it now says the report is empty."""
    done = run("privacy", "access", "--author", "personne", "-o", "personne.json")
    assert done.exit_code == 0, done.output
    out = _flat(done.output)
    assert f"rien n’est détenu{NBSP}: un rapport vide est écrit dans personne.json" in out, out
    assert f"personne.json{NBSP}: " not in out, out
    english = run("--language", "en", "privacy", "access", "--author", "personne", "-o", "p.json")
    out = _flat(english.output)
    assert "nothing held: an empty report written to p.json" in out, out


def test_privacy_access_counts_agree_and_speak_the_readers_language(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``veille privacy access --author NAME -o FILE`` ended with "1 profiles,
    1 posts written to FILE", in English inside the French sentence too
    ("Écrit dans FILE : 1 profiles, 1 posts"): each count now agrees with
    its word, in the reader's language."""
    rows = tmp_path / "solo.jsonl"
    rows.write_text(
        '{"platform": "mastodon", "id": "1", "text": "bonjour", "author": "solo",'
        ' "published_at": "2026-11-01T10:00:00Z"}\n',
        encoding="utf-8",
    )
    assert run("import", str(rows), "--no-enrich").exit_code == 0
    done = run("privacy", "access", "--author", "solo", "-o", "solo.json")
    assert done.exit_code == 0, done.output
    assert f"Écrit dans solo.json{NBSP}: 1 profil, 1 publication" in _flat(done.output), done.output
    english = run("--language", "en", "privacy", "access", "--author", "solo", "-o", "s.json")
    assert "1 profile, 1 post written to s.json" in _flat(english.output), english.output


@pytest.fixture(scope="module")
def listened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding 1,300 French posts from 1 to 20 November 2026,
    on three platforms (imported, not enriched)."""
    import json

    root = tmp_path_factory.mktemp("listened") / "ws"
    assert here("init", str(root), cwd=root.parent).returncode == 0
    words = ("panne", "super", "fibre", "nul")
    rows = root.parent / "posts.jsonl"
    with rows.open("w", encoding="utf-8") as f:
        for i in range(1300):
            row = {"platform": ("mastodon", "rss", "bluesky")[i % 3], "id": str(i),
                   "text": f"lumio #fibre {words[i % 4]}" + (" vexa" if i % 5 == 0 else ""),
                   "author": f"user{i % 30}", "likes": i % 7, "lang": "fr",
                   "published_at": f"2026-11-{1 + i % 20:02d}T10:00:00Z"}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    assert here("import", str(rows), "--no-enrich", cwd=root).returncode == 0
    return root


def test_the_analytics_tables_are_said_in_the_readers_language(listened: Path) -> None:
    """`veille volume`, `sov` … in French headed their columns in English,
    wrote shares as "33.4%", counts as "1302" and days as 2026-11-01, and
    their totals as "650 posts in 2026-11-01 – 2026-11-10": words, numbers
    and dates are the reader's; English and JSON stay as they were."""
    wide = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    ten = ("--period", "2026-11-01..2026-11-10")
    done = here("volume", *ten, cwd=listened, **wide)
    assert done.returncode == 0, done.stderr
    assert _header(done.stdout) == ["début", "publications", "période précédente", "sentiment net"]
    assert "│ 1er novembre 2026 " in done.stdout, done.stdout
    # veille holds none of the ten days before (its posts begin on Nov. 1):
    # no count of them, no change (it said "0 … (n/a)").
    assert (
        f"650 publications sur 1er–10 nov. 2026{NBSP}; veille ne détient rien de la période "
        "précédente (aucune évolution)"
    ) in done.stdout, done.stdout
    english = here("--language", "en", "volume", *ten, cwd=listened, **wide)
    assert _header(english.stdout) == ["start", "posts", "previous", "net sentiment"]
    # Its days said as `veille influencers` and the pages say them (ISO until 2026-12-07).
    assert (
        "650 posts in Nov 1\u2009–\u200910, 2026; veille holds none of the period before "
        "(no change)" in english.stdout
    ), english.stdout

    month = ("--period", "2026-11-01..2026-11-30")
    done = here("volume", "--by", "platform", *month, cwd=listened, **wide)
    assert _header(done.stdout) == [
        "plateforme", "publications", "part", "période précédente", "part précédente",
        "interactions",
    ]  # fmt: skip
    assert f"│ 33,4{NBSP}% " in done.stdout and f"│ 1{NBSP}302 " in done.stdout, done.stdout
    english = here("--language", "en", "volume", "--by", "platform", *month, cwd=listened)
    assert "│ 33.4% " in english.stdout and "│ 1302 " in english.stdout, english.stdout

    done = here("sov", "-q", "lumio=lumio", "-q", "vexa=vexa", *month, cwd=listened, **wide)
    assert _header(done.stdout) == [
        "sujet", "publications", "part", "part précédente", "part des interactions",
    ]  # fmt: skip
    assert f"│ 83,3{NBSP}% " in done.stdout, done.stdout
    done = here("top", "authors", *month, "--limit", "1", cwd=listened, **wide)
    assert _header(done.stdout) == [
        "plateforme", "compte", "nom", "publications", "interactions", "abonnés",
    ]  # fmt: skip
    done = here("top", "posts", *month, "--limit", "1", cwd=listened, **wide)
    assert _header(done.stdout)[-1] == "URL", done.stdout  # « url » until 2026-12-07
    json = here("volume", "--by", "platform", *month, "-f", "json", cwd=listened, **wide)
    assert '"share": 0.33' in json.stdout and "%" not in json.stdout, json.stdout


def test_enrichment_reports_in_the_readers_language(listened: Path) -> None:
    """`veille enrich`, `sentiment correct|corrections` and `copies` said
    "65 posts enriched", "1 post reviewed" and "Story …: also published by"
    in English alone, under English headers."""
    fr = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    done = here("enrich", "--since", "2026-11-20", cwd=listened, **fr)
    assert done.returncode == 0, done.stderr
    assert f"65 publications enrichies{NBSP}; nouvellement regroupées{NBSP}: " in done.stdout, (
        done.stdout
    )
    english = here("--language", "en", "enrich", "--since", "2026-11-20", cwd=listened)
    assert "0 posts enriched, 0 newly clustered" in english.stdout, english.stdout
    done = here("sentiment", "correct", "rss:1", "negative", cwd=listened, **fr)
    assert f"rss:1{NBSP}: aucune → negative" in done.stdout, done.stdout
    done = here("sentiment", "corrections", cwd=listened, **fr)
    assert _header(done.stdout) == [
        "publication", "ancienne étiquette", "nouvelle étiquette", "corrigée par", "corrigée le",
    ]  # fmt: skip
    assert "Corrections du sentiment" in done.stdout
    assert f"1 publication revue{NBSP}; le modèle était d’accord sur 0 (0{NBSP}%)" in done.stdout
    csv = here("sentiment", "corrections", "-f", "csv", cwd=listened, **fr)
    assert csv.stdout.startswith("post_id,old_label,new_label,corrected_by,corrected_at\n")
    done = here("copies", "rss:1", cwd=listened, **fr)
    assert f"Histoire rss:1{NBSP}: personne d’autre ne l’a publiée" in done.stdout, done.stdout
    assert _header(done.stdout) == ["publication", "plateforme", "auteur", "URL", "représentante"]
    english = here("--language", "en", "copies", "rss:1", cwd=listened, **fr)
    assert "Story rss:1: no one else published it" in english.stdout, english.stdout


def test_privacy_erase_lift_access_and_log_are_said_in_the_readers_language(
    tmp_path: Path,
) -> None:
    """`veille privacy erase|lift|access|log` said what they did in English
    alone ("1 post by claire on every platform erased"), under English
    headers; `privacy purge` was already French."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        '{"platform": "mastodon", "id": "1", "text": "lumio", "author": "claire", '
        '"published_at": "2026-11-20T10:00:00Z"}\n',
        encoding="utf-8",
    )
    assert here("import", str(posts), "--no-enrich", cwd=root).returncode == 0
    fr = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    access = tmp_path / "claire.json"
    done = here("privacy", "access", "--author", "claire", "-o", str(access), cwd=root, **fr)
    assert done.returncode == 0, done.stderr
    assert f"Écrit dans {access}{NBSP}: " in done.stderr, done.stderr
    done = here("privacy", "erase", "--author", "claire", "--yes", cwd=root, **fr)
    assert done.returncode == 0, done.stderr
    assert (
        f"1 publication de claire effacée sur toutes les plateformes{NBSP}; aussi supprimé{NBSP}: "
    ) in done.stdout, done.stdout
    args = ("privacy", "erase", "--author", "nobody", "--platform", "mastodon", "--yes")
    done = here(*args, cwd=root, **fr)
    assert (
        f"avertissement{NBSP}: aucune publication enregistrée n’est de nobody sur Mastodon{NBSP}: "
        "rien n’a été effacé"
    ) in done.stderr, done.stderr
    english = here("--language", "en", *args, cwd=root, **fr)
    assert "warning: no stored post is by nobody on Mastodon: nothing was erased" in (
        english.stderr
    ), english.stderr
    assert "0 posts by nobody on Mastodon erased; also removed: nothing else" in english.stdout
    done = here("privacy", "lift", "--author", "claire", "--yes", cwd=root, **fr)
    assert f"Opposition de claire sur toutes les plateformes levée{NBSP}: ce que" in done.stdout
    done = here("privacy", "log", cwd=root, **fr)
    assert _header(done.stdout) == [
        "date", "type", "plateforme", "personne", "publications", "aussi supprimé",
    ]  # fmt: skip
    csv = here("privacy", "log", "-f", "csv", cwd=root, **fr)
    assert csv.stdout.startswith("at,kind,platform,subject,posts,removed\n"), csv.stdout


def test_stats_are_said_in_the_readers_language(listened: Path) -> None:
    """`veille stats` said "1300 posts from 2026-11-01 to 2026-11-20" under
    English headers whatever the language."""
    done = here("stats", cwd=listened, COLUMNS="3000", LANG="fr_FR.UTF-8")
    assert done.returncode == 0, done.stderr
    assert f"1{NBSP}300 publications du 1er novembre 2026 au 20 novembre 2026" in done.stdout, (
        done.stdout
    )
    assert _header(done.stdout) == ["plateforme", "publications"]
    assert re.search(r"│ 20 novembre 2026 +│ 65 ", done.stdout), done.stdout
    english = here("--language", "en", "stats", cwd=listened, COLUMNS="3000")
    # Thousands grouped as the web groups them ("1300" until 2026-12-07).
    assert "1,300 posts from 2026-11-01 to 2026-11-20" in english.stdout, english.stdout
    assert _header(english.stdout) == ["platform", "posts"]


def test_search_is_said_in_the_readers_language(listened: Path) -> None:
    """`veille search` said "1300 posts matched; 1 shown." under English
    headers whatever the language; CSV keeps its keys and ISO times."""
    done = here("search", "lumio", "--limit", "1", cwd=listened, COLUMNS="3000",
                  LANG="fr_FR.UTF-8")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"1{NBSP}300 publications trouvées{NBSP}; affichées{NBSP}: 1." in done.stdout, (
        done.stdout
    )
    assert _header(done.stdout) == ["id", "publiée le", "auteur", "interactions", "texte", "URL"]
    assert " 20 nov. 2026 à 10:00 " in done.stdout
    english = here("--language", "en", "search", "lumio", "--limit", "1", cwd=listened)
    # Thousands grouped as the web's "1,300 posts" ("1300" until 2026-12-07).
    assert "1,300 posts matched; 1 shown." in english.stdout, english.stdout
    csv = here("search", "lumio", "--limit", "1", "-f", "csv", cwd=listened, LANG="fr_FR.UTF-8")
    assert csv.stdout.startswith("id,published_at,author,engagement,title,text,highlights,url")
    assert "2026-11-20T10:00:00+00:00" in csv.stdout, csv.stdout


def _words(said: str) -> str:
    """What ``veille`` printed, its words joined by one space."""
    return " ".join(said.split())


def _montreal(tmp_path: Path) -> Path:
    """A workspace on Montreal's clock holding one post, "lumio panne", of
    2026-11-20 03:30 UTC: 22:30 on November 19 in Montreal."""
    import json

    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    config = root / "veille.toml"
    config.write_text(config.read_text().replace('# timezone = "UTC"',
                                                 'timezone = "America/Montreal"'))  # fmt: skip
    posts = tmp_path / "posts.jsonl"
    row = {"platform": "mastodon", "id": "1", "text": "lumio panne", "author": "ana",
           "published_at": "2026-11-20T03:30:00Z"}  # fmt: skip
    posts.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert here("import", str(posts), "--no-enrich", cwd=root).returncode == 0
    return root


def test_search_says_times_on_the_workspaces_clock(tmp_path: Path) -> None:
    """`veille search` in a Montreal workspace showed a post of 22:30 on
    November 19 in Montreal as "2026-11-20 03:30" (« 20 nov. 2026 à
    03:30 »), UTC unsaid, where the sources page and `calendar list` read
    the workspace's clock. The table now reads it and its title says which;
    CSV keeps the stored time, ISO with its offset."""
    root = _montreal(tmp_path)
    wide = {"COLUMNS": "3000"}
    english = here("--language", "en", "search", "lumio", cwd=root, **wide)
    assert english.returncode == 0, english.stderr
    assert "Posts found (times in America/Montreal)" in english.stdout, english.stdout
    assert " 2026-11-19 22:30 " in english.stdout, english.stdout
    french = here("--language", "fr", "search", "lumio", cwd=root, **wide)
    assert "Publications trouvées (heures en America/Montreal)" in french.stdout, french.stdout
    assert " 19 nov. 2026 à 22:30 " in french.stdout, french.stdout
    csv = here("search", "lumio", "-f", "csv", cwd=root)
    assert "2026-11-20T03:30:00+00:00" in csv.stdout, csv.stdout
    assert "times in" not in csv.stdout


def test_top_posts_say_times_on_the_workspaces_clock(tmp_path: Path) -> None:
    """`veille top posts` gave a post of 22:30 on November 19 in a Montreal
    workspace as "2026-11-20 03:30", UTC unsaid, where the report's top
    posts read 22:30 (Nov 19, 2026, 10:30 PM) for the same post."""
    root = _montreal(tmp_path)
    period = ("--period", "2026-11-19..2026-11-19")  # Montreal's day
    wide = {"COLUMNS": "3000"}
    english = here("--language", "en", "top", "posts", *period, cwd=root, **wide)
    assert english.returncode == 0, english.stderr
    assert "Top posts (times in America/Montreal)" in _words(english.stdout), english.stdout
    assert " 2026-11-19 22:30 " in english.stdout, english.stdout
    french = here("--language", "fr", "top", "posts", *period, cwd=root, **wide)
    assert "Publications phares (heures en America/Montreal)" in _words(french.stdout)
    assert " 19 nov. 2026 à 22:30 " in french.stdout, french.stdout
    data = here("top", "posts", *period, "-f", "json", cwd=root)
    assert "2026-11-20T03:30:00+00:00" in data.stdout, data.stdout


def test_topic_commands_say_times_on_the_workspaces_clock(tmp_path: Path) -> None:
    """`veille topic list`, `topic history` and `topic test` showed a topic
    saved at 22:30 on November 19 in a Montreal workspace as "2026-11-20
    03:30" (« 20 nov. 2026 à 03:30 »), and its sample's posts likewise, UTC
    unsaid. They read the workspace's clock now, each table's title saying
    which; JSON keeps ISO 8601 with its offset."""
    from datetime import UTC, datetime

    root = _montreal(tmp_path)
    assert here("topic", "add", "lumio", "lumio", cwd=root).returncode == 0
    saved = int(datetime(2026, 11, 20, 3, 30, tzinfo=UTC).timestamp())
    with sqlite3.connect(root / "veille.db") as db:  # saved then, as a clock would have
        db.execute("UPDATE topic_versions SET created_at = ?", (saved,))
        db.execute("UPDATE topics SET created_at = ?", (saved,))
    db.close()
    wide = {"COLUMNS": "3000"}
    for lang, title, when in (
        ("en", "{} (times in America/Montreal)", " 2026-11-19 22:30 "),
        ("fr", "{} (heures en America/Montreal)", " 19 nov. 2026 à 22:30 "),
    ):
        listed = here("--language", lang, "topic", "list", cwd=root, **wide)
        assert listed.returncode == 0, listed.stderr
        # A title wraps to its table's width: read as words.
        assert title.format({"en": "Topics", "fr": "Sujets"}[lang]) in _words(listed.stdout)
        assert when in listed.stdout, listed.stdout
        history = here("--language", lang, "topic", "history", "lumio", cwd=root, **wide)
        named = {"en": "Versions of lumio", "fr": "Versions de lumio"}[lang]
        assert title.format(named) in _words(history.stdout), history.stdout
        assert when in history.stdout, history.stdout
        tested = here("--language", lang, "topic", "test", "lumio", cwd=root, **wide)
        sample = {"en": "Sample", "fr": "Échantillon"}[lang]
        assert title.format(sample) in _words(tested.stdout), tested.stdout
        assert when in tested.stdout, tested.stdout
    json_list = here("topic", "list", "-f", "json", cwd=root)
    assert "2026-11-20T03:30:00+00:00" in json_list.stdout, json_list.stdout


def test_the_lists_are_headed_in_the_readers_language(tmp_path: Path) -> None:
    """`veille topic list|history`, `source list`, `quarantine list`,
    `alert list` and `alert dead` were headed 'name', 'query',
    'updated_at', 'Dead letters (times in UTC)' in every language."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    assert here("topic", "add", "lumio", "lumio OR vexa", cwd=root).returncode == 0
    fr = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    done = here("topic", "list", cwd=root, **fr)
    assert done.returncode == 0, done.stderr
    assert _header(done.stdout) == [
        "nom", "version", "requête", "boîte de réception", "modifié le",
    ]  # fmt: skip
    assert " à " in done.stdout  # the time, the French way
    done = here("topic", "history", "lumio", cwd=root, **fr)
    assert _header(done.stdout) == ["version", "requête", "création"], done.stdout
    csv = here("topic", "history", "lumio", "-f", "csv", cwd=root, **fr)
    assert csv.stdout.startswith("version,query,created_at\n1,lumio OR vexa,20"), csv.stdout
    done = here("source", "list", cwd=root, **fr)
    assert _header(done.stdout) == ["nom", "type", "intervalle", "active", "réglages"]
    done = here("quarantine", "list", cwd=root, **fr)
    assert _header(done.stdout) == ["id", "source", "date", "erreur", "brut"]
    done = here("alert", "list", cwd=root, **fr)
    assert "Alertes" in done.stdout, done.stdout
    assert _header(done.stdout)[:3] == ["nom", "type", "surveille"]
    done = here("alert", "dead", cwd=root, **fr)
    assert "Envois abandonnés (heures en UTC)" in done.stdout, done.stdout
    english = here("--language", "en", "topic", "list", cwd=root, **fr)
    assert _header(english.stdout) == ["name", "version", "query", "inbox", "updated_at"]
    english = here("--language", "en", "alert", "dead", cwd=root, **fr)
    assert "Dead letters (times in UTC)" in english.stdout, english.stdout
    for args, heads in (
        (("inbox", "list"), ["id", "état", "priorité", "responsable", "plateforme", "auteur",
                             "échéance", "texte"]),
        (("user", "list"), ["identifiant", "rôle", "langue", "fuseau horaire", "création"]),
        (("calendar", "list"), ["id", "quand", "compte", "état", "texte", "problèmes", "URL",
                                "erreur"]),
        (("publish", "account", "list"), ["nom", "plateforme", "URL", "compte", "secret",
                                          "limite"]),
        # 'reply', 'item', …, 'created_at' and 'view', 'filters' until 2026-12-07.
        (("inbox", "approvals"), ["réponse", "élément", "auteur", "texte", "création"]),
        (("inbox", "view"), ["vue", "filtres"]),
    ):  # fmt: skip
        done = here(*args, cwd=root, **fr)
        assert _header(done.stdout) == heads, done.stdout
    english = here("--language", "en", "user", "list", cwd=root, **fr)
    assert _header(english.stdout) == ["username", "role", "language", "timezone", "created_at"]


def test_a_topic_test_is_said_in_the_readers_language(listened: Path) -> None:
    """`veille topic test` said "topic … v2: 520 stored posts match" and
    "since v1 …: … gained, … lost" in English alone."""
    assert here("topic", "add", "vexa", "vexa", cwd=listened).returncode == 0
    assert here("topic", "edit", "vexa", "vexa OR panne", cwd=listened).returncode == 0
    done = here("topic", "test", "vexa", "--sample", "1", cwd=listened, COLUMNS="3000",
                  LANG="fr_FR.UTF-8")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # One space before the query (two until 2026-12-07), and the posts
    # « enregistrées » as the topics page says them (« gardées » until then).
    assert f"sujet vexa v2{NBSP}: 520 publications enregistrées correspondent (vexa OR panne)" in (
        out
    ), out
    assert f"depuis v1 (vexa){NBSP}: 260 → 520 publications, gagnées{NBSP}: +260" in out, out
    assert _header(out) == ["id", "publiée le", "auteur", "texte"]
    english = here("--language", "en", "topic", "test", "vexa", cwd=listened)
    assert "topic vexa v2: 520 stored posts match (vexa OR panne)" in english.stdout
    assert "since v1 (vexa): 260 → 520 posts, +260 gained, -0 lost" in english.stdout
    done = here("topic", "add", "fibre", "fibre", "--inbox", cwd=listened, LANG="fr_FR.UTF-8")
    assert "sujet fibre créé (version 1). Ses publications entrent dans la boîte de réception." in (
        done.stdout
    ), done.stdout
    done = here("topic", "edit", "fibre", "fibre", "--no-inbox", cwd=listened, LANG="fr_FR.UTF-8")
    assert f"le sujet fibre garde la version 1{NBSP}: la requête est la même." in done.stdout
    assert "le sujet fibre n’est plus marqué pour la boîte de réception." in done.stdout
    english = here("--language", "en", "topic", "edit", "fibre", "fibre OR lumio", cwd=listened)
    assert "topic fibre is now version 2." in english.stdout, english.stdout


def test_source_test_remove_and_export_report_in_the_readers_language(tmp_path: Path) -> None:
    """`veille source test` said "2 posts would be stored, 0 items would be
    quarantined. Nothing was stored.", `source remove` and `export` what they
    did, in English alone."""
    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "".join(
            f'{{"platform": "rss", "id": "{i}", "text": "lumio", "author": "zoe", '
            f'"published_at": "2026-11-20T10:00:00Z"}}\n'
            for i in range(2)
        ),
        encoding="utf-8",
    )
    assert here("source", "add", "file", str(posts), "--name", "f", cwd=root).returncode == 0
    fr = {"COLUMNS": "3000", "LANG": "fr_FR.UTF-8"}
    done = here("source", "test", "f", cwd=root, **fr)
    assert done.returncode == 0, done.stderr
    assert (
        "2 publications seraient enregistrées, 0 élément serait mis en quarantaine. "
        "Rien n’a été enregistré."
    ) in done.stdout, done.stdout
    assert _header(done.stdout) == ["id", "publiée le", "auteur", "texte"]
    english = here("--language", "en", "source", "test", "f", cwd=root, **fr)
    assert "2 posts would be stored, 0 items would be quarantined. Nothing was stored." in (
        english.stdout
    ), english.stdout
    assert here("import", str(posts), "--no-enrich", cwd=root).returncode == 0
    out = tmp_path / "out.csv"
    done = here("export", "--format", "csv", "-o", str(out), cwd=root, **fr)
    assert f"2 publications écrites dans {out}" in done.stderr, done.stderr
    done = here("source", "remove", "f", cwd=root, **fr)
    assert f"Source f supprimée{NBSP}; ses publications sont gardées." in done.stdout, done.stdout


def test_the_other_tables_say_times_on_the_workspaces_clock(tmp_path: Path) -> None:
    """`veille user list`, `token list`, `privacy log`, `sentiment
    corrections` and `inbox approvals` showed their times in UTC, unsaid
    (a user added at 17:56 in Montreal read 22:56), and `calendar list`
    read the workspace's clock without saying which. Each table reads the
    workspace's clock now, its title naming the zone; JSON keeps ISO 8601
    with its offset."""
    import json
    from datetime import datetime
    from zoneinfo import ZoneInfo

    root = tmp_path / "ws"
    assert here("init", str(root), cwd=tmp_path).returncode == 0
    config = root / "veille.toml"
    text = config.read_text().replace('# timezone = "UTC"', 'timezone = "America/Montreal"', 1)
    # (the first require_approval is [inbox]'s: replies wait for a manager)
    config.write_text(text.replace("# require_approval = false", "require_approval = true", 1))
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"platform": "mastodon", "id": str(i), "author": who,
                                         "text": "lumio panne", "published_at": "2026-11-20"})
                             + "\n" for i, who in enumerate(("ana", "bob"))))  # fmt: skip
    for args in (("topic", "add", "lumio", "lumio", "--inbox"),
                 ("import", str(posts), "--no-enrich"),
                 ("token", "create", "ana", "--name", "ci"),
                 ("sentiment", "correct", "mastodon:0", "negative"),
                 ("privacy", "erase", "--author", "bob", "--yes"),
                 ("inbox", "reply", "1", "Merci", "--as", "ana")):  # fmt: skip
        if args[0] == "token":
            added = here("user", "add", "ana", "--role", "analyst", "--password-stdin",
                         cwd=root, given="a long password\n")  # fmt: skip
            assert added.returncode == 0, added.stderr
        done = here(*args, cwd=root)
        assert done.returncode == 0, (args, done.stdout, done.stderr)

    def stored(*args: str) -> str:
        """The first row's time as JSON gives it, and as a table on
        Montreal's clock writes it."""
        data = json.loads(here(*args, "-f", "json", cwd=root).stdout)
        row = (data["corrections"] if isinstance(data, dict) else data)[0]
        at = next(v for k, v in row.items() if k.endswith("at"))
        assert at.endswith("+00:00"), row  # ISO 8601 with its offset, as stored
        local = datetime.fromisoformat(at).astimezone(ZoneInfo("America/Montreal"))
        return f" {local:%Y-%m-%d %H:%M} "

    wide = {"COLUMNS": "3000"}
    for args, english, french in (
        (("user", "list"), "Users", "Utilisateurs"),
        (("token", "list"), "API tokens", "Jetons d’API"),
        (("privacy", "log"), "Privacy log", "Journal de confidentialité"),
        (("sentiment", "corrections"), "Sentiment corrections", "Corrections du sentiment"),
        (("inbox", "approvals"), "Replies awaiting approval",
         "Réponses en attente d’approbation"),
        (("calendar", "list"), "Calendar", "Calendrier"),
    ):  # fmt: skip
        said = here("--language", "en", *args, cwd=root, **wide)
        assert said.returncode == 0, said.stderr
        # A title wraps to its table's width: read as words.
        assert f"{english} (times in America/Montreal)" in " ".join(said.stdout.split()), (
            said.stdout
        )
        if args[0] != "calendar":  # (its times were the workspace's, unsaid)
            assert stored(*args) in said.stdout, said.stdout
        said = here("--language", "fr", *args, cwd=root, **wide)
        assert f"{french} (heures en America/Montreal)" in " ".join(said.stdout.split())
    csv = here("privacy", "log", "-f", "csv", cwd=root)
    assert "times in" not in csv.stdout and "+00:00" in csv.stdout, csv.stdout
