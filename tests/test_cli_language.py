"""The CLI speaks its reader's language: ``veille --language``, else the
workspace's ``ui_language`` (where its veille.toml sets one), else the
locale (LC_ALL, LC_MESSAGES, LANG), else English. Real ``veille`` runs in
a subprocess, as a reader starts it from a shell."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
NBSP = "\u202f"


def veille(*args: str, cwd: Path, **locale: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VEILLE_WORKSPACE", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
    }
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(locale)
    return subprocess.run([sys.executable, "-m", "veille", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose database a newer veille wrote (its schema ahead)."""
    root = tmp_path_factory.mktemp("newer") / "ws"
    assert veille("init", str(root), cwd=root.parent).returncode == 0
    assert veille("topic", "list", cwd=root).returncode == 0  # the database, made
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
    assert veille("init", str(root), cwd=tmp_path).returncode == 0
    config = root / "veille.toml"
    config.write_text(
        config.read_text().replace('# ui_language = "en"', 'ui_language = "fr"'), "utf-8"
    )
    done = veille("topic", "history", "nothing-here", cwd=root, LANG="en_US.UTF-8")
    assert done.returncode == 2
    assert f"erreur{NBSP}: aucun sujet ne s’appelle «{NBSP}nothing-here{NBSP}»" in done.stderr
    done = veille("--language", "en", "topic", "history", "nothing-here", cwd=root)
    assert "error: no topic named 'nothing-here'" in done.stderr
