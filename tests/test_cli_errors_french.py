"""The refusals a French reader meets most are said in French, and still
name what was given and what to do: a bad value in veille.toml, an unknown
source kind, a [store] URL veille cannot read, a file ``veille import``
cannot read or a row of it. ``veille --language fr`` runs (the app, in
this process, as typer's CliRunner runs it); ``--language en`` says the
same in English, word for word as before."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli_language import here

NBSP = "\u202f"


def veille(*args: str, cwd: Path, given: str = "") -> subprocess.CompletedProcess[str]:
    """``veille ARGS`` in ``cwd``, ``given`` on its standard input: the app
    run in this process (see :func:`tests.test_cli_language.here`)."""
    return here(*args, cwd=cwd, given=given)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("made") / "ws"
    assert veille("init", str(root), cwd=root.parent).returncode == 0
    return root


@pytest.fixture
def ws(made: Path, tmp_path: Path) -> Path:
    """A workspace of its own for each test (its veille.toml may be changed)."""
    root = tmp_path / "ws"
    shutil.copytree(made, root)
    return root


def both(ws: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The French run of ``args`` and the English stderr of the same."""
    french = veille("--language", "fr", *args, cwd=ws)
    english = veille("--language", "en", *args, cwd=ws)
    for done in (french, english):
        assert "Traceback" not in done.stderr, done.stderr
    assert french.returncode == english.returncode
    return french, english.stderr


def set_store(ws: Path, key: str, url: str) -> None:
    config = ws / "veille.toml"
    text = config.read_text("utf-8")
    assert f'# {key} = ""' in text
    config.write_text(text.replace(f'# {key} = ""', f'{key} = "{url}"'), "utf-8")


def test_a_bad_value_in_veille_toml(ws: Path) -> None:
    config = ws / "veille.toml"
    config.write_text(
        config.read_text().replace("# timeout_seconds = 20.0", "timeout_seconds = -3")
    )
    fr, en = both(ws, "topic", "list")
    assert fr.returncode == 2
    assert f"erreur{NBSP}: [http] timeout_seconds = -3.0 dans " in fr.stderr, fr.stderr
    assert "est hors limites" in fr.stderr
    assert "Utilisez une valeur de " in fr.stderr, fr.stderr
    assert "[http] timeout_seconds = -3.0 in " in en


def test_an_unknown_sentiment_backend(ws: Path) -> None:
    config = ws / "veille.toml"
    config.write_text(
        config.read_text().replace('# sentiment_backend = "lexicon"', 'sentiment_backend = "nope"')
    )
    fr, en = both(ws, "enrich")
    assert fr.returncode == 2
    assert f"erreur{NBSP}: [enrich] sentiment_backend «{NBSP}nope{NBSP}» est inconnu" in (
        fr.stderr
    ), fr.stderr
    assert 'Utilisez "lexicon" ou "transformers".' in fr.stderr
    assert "[enrich] sentiment_backend 'nope' is unknown" in en


def test_an_unknown_source_kind(ws: Path) -> None:
    fr, en = both(ws, "source", "add", "fedds", "https://example.org/feed/")
    assert fr.returncode == 2
    assert f"erreur{NBSP}: type de source inconnu «{NBSP}fedds{NBSP}»" in fr.stderr, fr.stderr
    assert "feeds" in fr.stderr  # the kinds it knows
    assert "unknown source kind 'fedds'" in en


def test_a_source_interval_too_often_names_its_option(ws: Path) -> None:
    """The CLI said "every '5s' is too often", the option it was given by
    unnamed: it names --every, in words, in either language."""
    fr, en = both(ws, "source", "add", "feeds", "https://example.org/feed/", "--every", "5s")
    assert fr.returncode == 2
    assert (
        f"erreur{NBSP}: la fréquence (--every) «{NBSP}5s{NBSP}» est trop rapprochée" in fr.stderr
    ), fr.stderr
    assert "frequency (--every) '5s' is too often" in en, en


@pytest.mark.parametrize(
    "key, url, french, hint, english",
    [
        ("state", "veille.db", f"[store] «{NBSP}veille.db{NBSP}» n’est pas une URL de stockage",
         'Écrivez-la SCHÉMA://…, par exemple "sqlite:///veille.db".',
         "[store] 'veille.db' is not a store URL"),
        ("state", "sqlite:///", f"[store] «{NBSP}sqlite:///{NBSP}» ne nomme aucun fichier",
         'Écrivez "sqlite:///veille.db".', "[store] 'sqlite:///' names no file"),
        ("state", "chdb:///posts.chdb",
         f"[store] state = «{NBSP}chdb:///posts.chdb{NBSP}»{NBSP}: le moteur chdb ne tient pas "
         "state", f"Il tient posts{NBSP}; choisissez une autre URL pour state.",
         "the chdb backend does not keep state"),
        ("state", "postgresql://nobody@127.0.0.1:1/veille",
         "impossible d’ouvrir la base d’état PostgreSQL postgresql://nobody@127.0.0.1:1/veille"
         f"{NBSP}: ", "Vérifiez que le serveur tourne, que la base existe",
         "cannot open the PostgreSQL state store postgresql://nobody@127.0.0.1:1/veille: "),
        ("state", "mysql://db.example/veille",
         f"[store] aucun moteur de stockage pour mysql:// (dans «{NBSP}mysql://db.example/veille"
         f"{NBSP}»)", "sqlite", "[store] no storage backend for mysql://"),
    ],
)  # fmt: skip
def test_a_store_url_veille_cannot_read(
    ws: Path, key: str, url: str, french: str, hint: str, english: str
) -> None:
    set_store(ws, key, url)
    fr, en = both(ws, "topic", "list")
    # A URL veille cannot read is a usage error (2); a server that refuses, a failure (1).
    assert fr.returncode == (1 if url.startswith("postgresql:") else 2)
    assert f"erreur{NBSP}: {french}" in fr.stderr, fr.stderr
    assert hint in fr.stderr, fr.stderr
    assert english in en, en


def test_a_file_import_cannot_read(ws: Path) -> None:
    fr, en = both(ws, "import", "missing.jsonl")
    assert fr.returncode == 2
    assert f"erreur{NBSP}: missing.jsonl n’est pas un fichier" in fr.stderr, fr.stderr
    assert "Vérifiez le chemin et réessayez." in fr.stderr
    assert "missing.jsonl is not a file" in en

    (ws / "posts.txt").write_text("platform,text\n")
    fr, en = both(ws, "import", "posts.txt")
    assert fr.returncode == 2
    assert "impossible de déduire le format de posts.txt de son nom" in fr.stderr, fr.stderr
    assert "veille import --input-format csv|jsonl" in fr.stderr
    assert "cannot tell the format of posts.txt from its name" in en


def test_the_rows_import_cannot_read(ws: Path) -> None:
    (ws / "posts.jsonl").write_text(
        '{"text": "no platform", "published_at": "2026-03-01T14:00:00Z"}\n'
        '{"platform": "rss", "text": "hi", "published_at": "2026-13-01"}\n'
        '{"platform": "rss", "text": "hi", "published_at": 1, "likes": -2}\n'
        "not json\n"
    )
    fr, en = both(ws, "import", "posts.jsonl")
    assert fr.returncode == 1
    assert (
        f"posts.jsonl:1: aucune plateforme{NBSP}: ajoutez une colonne platform, ou indiquez-en "
        "une (veille import --platform" in fr.stderr
    ), fr.stderr
    assert (
        f"posts.jsonl:2: published_at «{NBSP}2026-13-01{NBSP}» n’est pas une date{NBSP}; "
        "utilisez ISO 8601" in fr.stderr
    ), fr.stderr
    assert "posts.jsonl:3: likes ne peut pas être négatif (-2)" in fr.stderr, fr.stderr
    assert "posts.jsonl:4: JSON invalide (" in fr.stderr, fr.stderr
    assert "posts.jsonl:1: no platform: add a platform column" in en
    assert "posts.jsonl:2: published_at '2026-13-01' is not a date" in en
    assert "posts.jsonl:3: likes cannot be negative (-2)" in en
    assert "posts.jsonl:4: not valid JSON (" in en

    fr, en = both(ws, "import", "--strict", "posts.jsonl")
    assert fr.returncode == 2
    assert f"erreur{NBSP}: posts.jsonl, ligne 1{NBSP}: aucune plateforme" in fr.stderr, fr.stderr
    assert "Rien de ce fichier n’a été enregistré (--strict)." in fr.stderr
    assert "posts.jsonl, line 1: no platform" in en


def test_an_output_file_that_cannot_be_written(ws: Path) -> None:
    fr, en = both(ws, "export", "-o", "nowhere/posts.jsonl")
    assert fr.returncode == 2
    assert f"--output nowhere/posts.jsonl{NBSP}: le dossier nowhere n’existe pas" in fr.stderr, (
        fr.stderr
    )
    assert "Créez-le d’abord (mkdir -p nowhere)" in fr.stderr
    assert "--output nowhere/posts.jsonl: the folder nowhere does not exist" in en


@pytest.mark.parametrize(
    "args, french, english",
    [
        (("search", "lumio", "--since", "2026-03-02", "--until", "2026-03-01"),
         f"--until 2026-03-01 n’est pas après --since 2026-03-02{NBSP}: aucune publication",
         "--until 2026-03-01 is not after --since 2026-03-02: no post can be in between"),
        (("plan", "import", "missing-plan.toml"), "impossible de lire missing-plan.toml",
         "cannot read missing-plan.toml"),
        (("user", "add", "claire", "--role", "boss", "--password-stdin"),
         f"rôle inconnu «{NBSP}boss{NBSP}»", "unknown role 'boss'"),
        (("run", "--role", "cook"), f"--role «{NBSP}cook{NBSP}» n’est pas un rôle",
         "--role 'cook' is not a role"),
        (("store", "serve-posts", "--port", "70000"),
         "--port 70000 n’est pas un numéro de port", "--port 70000 is not a port number"),
        (("top", "posts", "--by", "likes"),
         f"impossible de classer les publications par «{NBSP}likes{NBSP}»",
         "cannot rank posts by 'likes'"),
        (("publish", "account", "add", "x", "--platform", "myspace", "--url", "https://x.example"),
         f"veille ne sait pas publier sur «{NBSP}myspace{NBSP}»",
         "veille cannot publish to 'myspace'"),
    ],
)  # fmt: skip
def test_the_commands_own_refusals(
    ws: Path, args: tuple[str, ...], french: str, english: str
) -> None:
    fr, en = both(ws, *args)
    assert fr.returncode == 2
    assert f"erreur{NBSP}: {french}" in fr.stderr, fr.stderr
    assert english in en, en


def test_an_alert_channel_on_a_private_address(ws: Path) -> None:
    fr, en = both(
        ws, "alert", "add", "--query", "lumio", "--name", "a1", "--to", "webhook+http://127.0.0.1/x"
    )
    assert fr.returncode == 2
    assert (
        f"webhook+http://127.0.0.1/x{NBSP}: refusée, 127.0.0.1 est une adresse de bouclage "
        "(127.0.0.1)" in fr.stderr
    ), fr.stderr
    assert "allow_private_networks = true" in fr.stderr  # what to do
    assert "refused, 127.0.0.1 is a loopback address (127.0.0.1)" in en


def test_warnings_are_said_in_the_readers_language(ws: Path) -> None:
    fr = veille("--language", "fr", "search", "lumio NEAR5 x", cwd=ws)
    assert fr.returncode == 0, fr.stderr
    assert (
        f"avertissement{NBSP}: «{NBSP}NEAR5{NBSP}» est cherché comme un mot{NBSP}; "
        f"vouliez-vous dire NEAR/5{NBSP}?" in fr.stderr
    ), fr.stderr
    en = veille("--language", "en", "search", "lumio NEAR5 x", cwd=ws)
    assert "warning: 'NEAR5' is searched as a word; did you mean NEAR/5?" in en.stderr

    (ws / "one.jsonl").write_text('{"text": "hi", "published_at": "2026-03-01T14:00:00Z"}\n')
    fr = veille("--language", "fr", "import", "one.jsonl", "--platform", "twiter", cwd=ws)
    assert (
        f"avertissement{NBSP}: --platform twiter{NBSP}: aucune source ne donne de publications "
        f"de la plateforme «{NBSP}twiter{NBSP}»" in fr.stderr
    ), fr.stderr


def test_query_match_says_why_it_skips_a_line(ws: Path) -> None:
    (ws / "q.jsonl").write_text('{"id": "l", "query": "lumio"}\n')
    lines = '{"text": "x", "published_at": "2026-01-01"}\n[1]\n'
    fr = veille("--language", "fr", "query", "match", "-q", "q.jsonl", cwd=ws, given=lines)
    assert f"stdin:1{NBSP}: ignorée{NBSP}: aucune plateforme{NBSP}: " in fr.stderr, fr.stderr
    assert f"stdin:2{NBSP}: ignorée{NBSP}: une publication doit être un objet JSON" in fr.stderr
    en = veille("--language", "en", "query", "match", "-q", "q.jsonl", cwd=ws, given=lines)
    assert "stdin:1: skipped: no platform: " in en.stderr, en.stderr
    assert "stdin:2: skipped: a post must be a JSON object" in en.stderr
