"""The compiled French catalogs kept in the user's cache folder: the same
words from a cold and a warm cache, new words as soon as a ``.po`` changes,
French still where the folder cannot be written."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from tests.conftest import kept
from veille.web.i18n import catalogs_folder, load_translations, locale_dir

#: The compiled catalogs in the :func:`cache` fixture's folder.
CATALOGS = "catalogs/*.mo"


def test_french_words_come_from_a_cold_then_a_warm_cache(cache: Path) -> None:
    cold = load_translations()["fr"]
    assert cold.gettext("Sign in") == "Se connecter"
    assert cold.ngettext("%(n)s item", "%(n)s items", 2) == "%(n)s éléments"
    (path,) = kept(cache, CATALOGS)
    warm = load_translations()["fr"]
    assert warm.gettext("Sign in") == "Se connecter"
    assert warm.ngettext("%(n)s item", "%(n)s items", 1) == "%(n)s élément"
    assert kept(cache, CATALOGS) == [path]
    # The kept file is what a warm start reads: one of other words, put in
    # its place, is what the next start says.
    other = Catalog(locale="fr", domain="veille")
    other.add("Sign in", "Entrer")
    buffer = io.BytesIO()
    write_mo(buffer, other)
    path.write_bytes(buffer.getvalue())
    assert load_translations()["fr"].gettext("Sign in") == "Entrer"


def test_a_po_file_changed_after_the_cache_was_written_gives_its_new_words(
    cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "locale"
    shutil.copytree(locale_dir(), folder)
    assert load_translations(folder)["fr"].gettext("Sign in") == "Se connecter"
    po = folder / "fr" / "LC_MESSAGES" / "core.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Se connecter"', 'msgstr "Ouvrir une session"'), "utf-8")
    assert load_translations(folder)["fr"].gettext("Sign in") == "Ouvrir une session"
    po.write_text(text, encoding="utf-8")  # back as it was: the earlier catalog again
    assert load_translations(folder)["fr"].gettext("Sign in") == "Se connecter"
    assert len(kept(cache, CATALOGS)) == 2


def test_only_the_newest_catalogs_of_a_kind_are_kept(cache: Path, tmp_path: Path) -> None:
    """A translator editing a ``.po`` all day does not fill the disk."""
    folder = tmp_path / "locale"
    shutil.copytree(locale_dir(), folder)
    po = folder / "fr" / "LC_MESSAGES" / "core.po"
    text = po.read_text(encoding="utf-8")
    for n in range(7):
        said = f"Se connecter {n}"
        po.write_text(text.replace('msgstr "Se connecter"', f'msgstr "{said}"'), "utf-8")
        assert load_translations(folder)["fr"].gettext("Sign in") == said
    assert len(kept(cache, CATALOGS)) == 4
    assert load_translations(folder)["fr"].gettext("Sign in") == "Se connecter 6"


def test_two_sets_of_areas_are_two_catalogs(cache: Path) -> None:
    help_only = load_translations(areas=("cli_help",))["fr"]
    all_but_help = load_translations(skip=("cli_help",))["fr"]
    assert help_only.pgettext("help", "Usage:") == "Utilisation\u202f:"
    assert help_only.gettext("Sign in") == "Sign in"
    assert all_but_help.pgettext("help", "Usage:") == "Usage:"
    assert all_but_help.gettext("Sign in") == "Se connecter"
    assert len(kept(cache, CATALOGS)) == 2
    # Read again, warm: each set its own words still.
    assert load_translations(areas=("cli_help",))["fr"].gettext("Sign in") == "Sign in"
    assert load_translations(skip=("cli_help",))["fr"].pgettext("help", "Usage:") == "Usage:"


def test_a_cache_folder_that_cannot_be_written_still_gives_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file where the folder would be: nothing can be made under it (even
    # by root, who writes into read-only folders).
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    for _ in range(2):
        assert load_translations()["fr"].gettext("Sign in") == "Se connecter"
    assert blocked.read_text(encoding="utf-8") == ""


def test_a_damaged_cached_catalog_is_compiled_again(cache: Path) -> None:
    load_translations()
    (path,) = kept(cache, CATALOGS)
    path.write_bytes(path.read_bytes()[:100])  # cut short (a full disk, a crash)
    assert load_translations()["fr"].gettext("Sign in") == "Se connecter"
    assert load_translations()["fr"].gettext("Password") == "Mot de passe"
    assert len(path.read_bytes()) > 100


def test_the_cache_folder_follows_xdg_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert catalogs_folder() == tmp_path / "xdg" / "veille" / "catalogs"
    # A relative $XDG_CACHE_HOME is ignored, as the XDG rules ask.
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert catalogs_folder() == tmp_path / "home" / ".cache" / "veille" / "catalogs"
    assert load_translations()["fr"].gettext("Sign in") == "Se connecter"
    assert len(list(catalogs_folder().glob("*.mo"))) == 1  # type: ignore[union-attr]
