"""The web app's words in English and French: gettext catalogs read at startup.

Each area keeps its French strings in ``web/locale/fr/LC_MESSAGES/<area>.po``
(one file per area, so that teams do not edit the same file). All ``.po``
files of a language are read with Babel's reader and merged into one
catalog, compiled to gettext's ``.mo`` form: no ``.mo`` file is committed.
Reading and compiling them costs ~0.15 s of CPU, paid at every web worker's
start and every French command, so the compiled catalog is kept in the
user's cache folder (:func:`catalogs_folder`), named by a digest of all it is
made from: a changed ``.po`` (an upgrade, a translator's edit) is a new
name, never a stale catalog. Where that folder cannot be written, the
catalog is compiled in memory as before. English is the source language (the
msgids), so it needs no catalog.

Which language a request gets: the signed-in user's saved choice, else the
``veille_lang`` cookie (set by the language switcher), else the best match of
the browser's ``Accept-Language``, else the workspace's ``ui_language``.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Mapping
from gettext import GNUTranslations, NullTranslations
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

# Babel's version names a compiled catalog; its core is light. Its catalog,
# .po and .mo modules (and the dates and numbers they pull in, ~85 ms) are
# imported where a catalog is compiled: a catalog kept in the user's cache
# is read by gettext alone, at each web worker's start and French command.
import babel

from veille.i18n import LANGUAGES
from veille.user_cache import digest, keep, keep_newest, read_kept, user_cache

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

LANG_COOKIE = "veille_lang"
# gettext's rule for French (0 and 1 singular), rather than CLDR's three forms
# (which add "many" for millions): one rule for every area's catalog.
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);"}
#: Changed whenever what a compiled catalog holds changes for the same
#: ``.po`` files (the merge rules of :func:`merged_catalog`), so that a
#: catalog compiled by an earlier veille is never read as this one's.
CATALOG_FORMAT = 1


def locale_dir() -> Path:
    return Path(str(resources.files("veille.web").joinpath("locale")))


def _area_files(
    lang: str, folder: Path | None, areas: Collection[str] | None, skip: Collection[str]
) -> list[Path]:
    """The ``.po`` files of ``lang`` for ``areas`` less ``skip``, by name."""
    base = (folder or locale_dir()) / lang / "LC_MESSAGES"
    return [
        path
        for path in sorted(base.glob("*.po"))
        if (areas is None or path.stem in areas) and path.stem not in skip
    ]


def merged_catalog(
    lang: str,
    folder: Path | None = None,
    areas: Collection[str] | None = None,
    skip: Collection[str] = (),
) -> Catalog:
    """Every ``.po`` of ``lang`` merged into one catalog (a msgid translated in
    two files keeps the first file's translation, by file name order); only
    the files of ``areas`` (``cli_help`` for cli_help.po) where given, never
    those of ``skip``."""
    return _merge(lang, ((p.name, p.read_bytes()) for p in _area_files(lang, folder, areas, skip)))


def _merge(lang: str, sources: Iterable[tuple[str, bytes]]) -> Catalog:
    """The catalog of ``sources`` (a ``.po`` file's name and bytes each)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang, domain="veille", fuzzy=False)
    rule = PLURAL_FORMS.get(lang)
    if rule:
        merged.mime_headers = [("Plural-Forms", rule)]
    forms = merged.num_plurals
    for _name, data in sources:
        catalog = read_po(io.BytesIO(data), locale=lang)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if merged.get(message.id, message.context) is not None:
                continue
            if isinstance(message.string, tuple | list):
                # A file written with CLDR's three French forms (one, many,
                # other) keeps the two of gettext's rule.
                strings = list(message.string)[:forms]
                strings += [strings[-1] if strings else ""] * (forms - len(strings))
                message.string = tuple(strings)
            merged[message.id] = message
    return merged


def load_translations(
    folder: Path | None = None,
    areas: Collection[str] | None = None,
    skip: Collection[str] = (),
) -> dict[str, NullTranslations]:
    """One translations object per language: from every area's catalog, or
    only from those of ``areas``, less those of ``skip`` (a help page reads
    only ``cli_help``, a fifth of the words; a command's output reads all but
    it), compiled once and kept in :func:`catalogs_folder`."""
    found: dict[str, NullTranslations] = {"en": NullTranslations()}
    for lang in LANGUAGES:
        if lang != "en":
            found[lang] = _translations(lang, folder, areas, skip)
    return found


def catalogs_folder() -> Path | None:
    """Where compiled catalogs are kept: ``catalogs`` in the user's cache
    folder (:func:`veille.user_cache.user_cache`)."""
    base = user_cache()
    return None if base is None else base / "catalogs"


def _translations(
    lang: str, folder: Path | None, areas: Collection[str] | None, skip: Collection[str]
) -> GNUTranslations:
    """``lang``'s catalog for ``areas`` less ``skip``: read from the cache
    folder where it was compiled before from the same files, else compiled
    (and kept there when the folder can be written)."""
    sources = [(p.name, p.read_bytes()) for p in _area_files(lang, folder, areas, skip)]
    asked = repr((sorted(areas) if areas is not None else None, sorted(skip)))
    # Named by what the catalog is for (language, areas) and then by all it is
    # made from: the same bytes read here are the ones compiled below, so a
    # .po edited meanwhile can never be kept under the old files' name.
    kind = f"{lang}-{digest([asked.encode()])[:12]}"
    made_of = [
        str(CATALOG_FORMAT).encode(),
        babel.__version__.encode(),
        lang.encode(),
        PLURAL_FORMS.get(lang, "").encode(),
        asked.encode(),
    ]
    for name, data in sources:
        made_of += [name.encode(), data]
    cache = catalogs_folder()
    path = None if cache is None else cache / f"{kind}-{digest(made_of)}.mo"
    if path is not None:
        found = read_kept(path, _read_mo)
        if found is not None:
            return found
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, _merge(lang, sources))
    if path is not None and keep(path, buffer.getvalue()):
        # The newest few of this language and areas: a translator's edits
        # and two installed versions of veille each leave a file.
        keep_newest(path.parent, f"{kind}-*.mo", used=path)
    buffer.seek(0)
    return GNUTranslations(buffer)


def _read_mo(data: bytes) -> GNUTranslations:
    return GNUTranslations(io.BytesIO(data))


def _weighted_tags(accept_language: str) -> list[tuple[float, int, str]]:
    """The language tags of an ``Accept-Language`` header (the first 20),
    each as ``(-quality, position, tag)``: sorted, the browser's preference
    first, ties in the order it gave them. A tag of quality 0 (refused) or
    one whose quality does not parse (read as 0) is left out."""
    tags: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            tags.append((-quality, index, pieces[0].strip()))
    return tags


def negotiate(accept_language: str, default: str = "en") -> str:
    """The best of our languages for an ``Accept-Language`` header."""
    for _q, _i, tag in sorted(_weighted_tags(accept_language)):
        language = tag.lower().split("-")[0]
        if language in LANGUAGES:
            return language
    return default


def formatting_locale(language: str, accept_language: str) -> str:
    """The locale a page writes its dates, times and numbers in: ``language``
    with the region the browser asks for it (``en-GB`` gives ``en_GB``: 6 Dec
    2026, 14:05, where plain ``en`` reads Dec 6, 2026, 2:05 PM), the first
    such tag by quality; ``language`` itself when none names a region Babel
    knows. The words stay ``language``'s: only the formats follow the region."""
    from babel import Locale, UnknownLocaleError

    tags = [
        (q, i, tag.replace("_", "-"))
        for q, i, tag in _weighted_tags(accept_language)
        if tag.replace("_", "-").lower().startswith(language + "-")
    ]
    for _q, _i, tag in sorted(tags):
        try:
            found = Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
        if found.language == language and found.territory:
            return f"{language}_{found.territory}"
    return language


def choose_language(
    saved: str | None, cookies: Mapping[str, str], accept_language: str, default: str
) -> str:
    if saved in LANGUAGES:
        return str(saved)
    cookie = cookies.get(LANG_COOKIE, "")
    if cookie in LANGUAGES:
        return cookie
    return negotiate(accept_language, default if default in LANGUAGES else "en")
