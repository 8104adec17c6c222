"""Every string the web app shows has a French translation.

The msgids are extracted the way Babel's ``pybabel extract`` does: Jinja2's
extractor over ``web/templates/**/*.html``, Python's over ``web/**/*.py``,
and Python's for ``tr(...)`` (the errors the services raise, see
:func:`veille.errors.tr`) over the whole package; the French catalogs are every ``.po`` under
``web/locale/fr/LC_MESSAGES`` merged as the app merges them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from veille.web.i18n import load_translations, locale_dir, merged_catalog

WEB = Path(__file__).resolve().parents[2] / "src" / "veille" / "web"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
ERROR_KEYWORDS = {"tr": None, "trn": (1, 2), "trc": ((1, "c"), 2)}


def extract_msgids(web: Path = WEB) -> dict[str | tuple[str, str], str]:
    """msgid (or (singular, plural)) -> where it was found first."""
    found: dict[str | tuple[str, str], str] = {}
    sources = [("jinja2.ext:babel_extract", p) for p in sorted(web.glob("templates/**/*.html"))]
    sources += [("python", p) for p in sorted(web.glob("**/*.py"))]
    # The errors the services raise, marked with veille.errors.tr, anywhere in the package.
    sources += [("errors", p) for p in sorted(web.parent.glob("**/*.py"))]
    for method, path in sources:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2.ext:babel_extract" else {}
        keywords = ERROR_KEYWORDS if method == "errors" else KEYWORDS
        for lineno, message, _comments, _context in extract_from_file(
            "python" if method == "errors" else method,
            str(path),
            keywords=keywords,
            options=options,
        ):
            key: str | tuple[str, str]
            if isinstance(message, tuple):
                if not message[0]:
                    continue
                key = (message[0], message[1]) if len(message) > 1 and message[1] else message[0]
            else:
                key = message
            if key:
                found.setdefault(key, f"{path.relative_to(web.parent)}:{lineno}")
    return found


@pytest.fixture(scope="module")
def french() -> Catalog:
    """Every French catalog merged, as the app reads them, read once for
    the tests that only look through it."""
    return merged_catalog("fr")


@pytest.fixture(scope="module")
def msgids() -> dict[str | tuple[str, str], str]:
    """The extraction, made once for the tests that read it (a second or
    two: every template and module of the web app is parsed)."""
    return extract_msgids()


def test_the_extraction_finds_the_core_strings(msgids: dict[str | tuple[str, str], str]) -> None:
    found = msgids
    assert "Sign in" in found
    assert "unclosed parenthesis" in found  # a query syntax error (veille.errors.tr)
    assert ("%(num)s account", "%(num)s accounts") in found


def test_every_string_has_a_french_translation(
    msgids: dict[str | tuple[str, str], str], french: Catalog
) -> None:
    catalog = french
    missing = []
    for msgid, where in msgids.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        strings = message.string if message is not None else None
        if isinstance(strings, tuple | list):
            ok = all(s.strip() for s in strings)
        else:
            ok = bool(strings and strings.strip())
        if not ok:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated in web/locale/fr/LC_MESSAGES/*.po:\n" + "\n".join(missing)


def test_every_catalog_reads_and_keeps_the_placeholders() -> None:
    """A translation that drops or renames a %(name)s would crash the page."""
    import re

    holder = re.compile(r"%\((\w+)\)[sr]")
    for path in sorted((locale_dir() / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="fr")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            strings = (
                message.string if isinstance(message.string, tuple | list) else (message.string,)
            )
            wanted = set(holder.findall(ids[-1]))
            for text in strings:
                assert set(holder.findall(text)) <= wanted | set(holder.findall(ids[0])), (
                    f"{path.name}: {message.id!r} -> {text!r}"
                )


def test_no_msgid_is_translated_two_ways() -> None:
    """The catalogs are merged in file-name order and the first translation
    of a msgid wins: "Remove" read « Supprimer » on the calendar, whose
    publish.po said « Retirer », and an alert's delivery was « envoyée »
    (inbox.po's reply) where listening.po said « envoyé ». Two meanings
    take two contexts (pgettext); one meaning, one translation."""
    seen: dict[tuple[str, str | None], dict[str, str]] = {}
    for path in sorted((locale_dir() / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="fr")
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
            said = str(message.string)
            seen.setdefault((msgid, message.context), {}).setdefault(said, path.name)
    twice = {key: ways for key, ways in seen.items() if len(ways) > 1}
    assert not twice, "\n".join(f"{key!r}: {ways}" for key, ways in twice.items())


def test_catalogs_load_and_translate() -> None:
    fr = load_translations()["fr"]
    assert fr.gettext("Sign in") == "Se connecter"
    assert fr.ngettext("%(num)s account", "%(num)s accounts", 2) == "%(num)s comptes"


def test_language_choice_order() -> None:
    from veille.web.i18n import choose_language, negotiate

    assert negotiate("fr-CA,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate("de-DE, en;q=0.5, fr;q=0.7") == "fr"
    assert negotiate("de, es;q=0.5", default="fr") == "fr"
    assert negotiate("fr;q=0, en") == "en"
    assert negotiate("") == "en"
    # The account's choice, then the switcher's cookie, then the browser.
    assert choose_language("en", {"veille_lang": "fr"}, "fr", "fr") == "en"
    assert choose_language("", {"veille_lang": "fr"}, "en", "en") == "fr"
    assert choose_language(None, {}, "fr-BE", "en") == "fr"


def test_french_plurals_treat_zero_and_one_as_singular() -> None:
    fr = load_translations()["fr"]
    assert fr.ngettext("%(num)s account", "%(num)s accounts", 0) == "%(num)s compte"
    assert fr.ngettext("%(num)s account", "%(num)s accounts", 1) == "%(num)s compte"
    assert fr.ngettext("%(num)s account", "%(num)s accounts", 2_000_000) == "%(num)s comptes"


def test_french_punctuation_keeps_to_its_word(french: Catalog) -> None:
    """French puts a space before : ; ? ! » and after «, one that never
    breaks (U+202F, as the formatted numbers and dates use): with a plain
    space a narrow column can start a line with the colon (« Alerte en pause
    / : les publications… »)."""
    import re

    loose = re.compile(r"[ \u00a0][:;?!»]|«[ \u00a0]")
    found = []
    for message in french:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found += [text for text in strings if loose.search(text)]
    assert found == []


def test_french_percentages_keep_to_their_figure(french: Catalog) -> None:
    """French writes « 12 % » with U+202F between the figure and its sign (as
    veille.i18n.format_percent does): a plain space lets « % » start the next
    line, none reads English. No French string writes a percentage itself
    (a figure, or a placeholder, then %) other than that way; nor does a
    template put a sign after a figure it shows."""
    import re

    loose = re.compile(r"(?:\d|%\(\w+\)[sd]|\}\})[ \u00a0]?%%?(?![(\w}])")
    found = []
    for message in french:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found += [text for text in strings if loose.search(text)]
    for path in sorted(WEB.glob("templates/**/*.html")):
        # A style's widths (width: 40%) are CSS, not words.
        shown = re.sub(r'style="[^"]*"', "", path.read_text(encoding="utf-8"))
        found += [f"{path.name}: {m.group(0)}" for m in loose.finditer(shown)]
    assert found == []
    assert loose.search("12 %") and loose.search("%(share)s%%") and loose.search("{{ n }} %")
    assert not loose.search("12\u202f%") and not loose.search("%(share)s\u202f%%")


#: An elided French word written with the typewriter apostrophe (« l'équipe »):
#: French text takes the typographic one (« l’équipe »), as most strings did.
_TYPEWRITER_ELISION = (
    r"(?<![\w’')])"
    r"(?:[dlnsjmctDLNSJMCT]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[Aa]ujourd|[Pp]resqu)"
    r"'(?=[A-Za-zÀ-ÿ])"
)


def _outside_code(text: str) -> str:
    """``text`` without its `code` spans: what a user types keeps its quotes."""
    import re

    return re.sub(r"`[^`]*`", "", text)


def test_french_text_uses_the_typographic_apostrophe(french: Catalog) -> None:
    """French strings mixed ' and ’, sometimes on one page (« Nom d'utilisateur »
    above « l’adresse »): every French string takes ’, except where it is code or
    something a user types (a `command`, '.' in a list of characters)."""
    import re

    elision = re.compile(r"(?<=[A-Za-zÀ-ÿ])'(?=[A-Za-zÀ-ÿ])")
    found = []
    for message in french:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found += [text for text in strings if elision.search(_outside_code(text))]
    assert found == []


def test_french_text_written_in_python_and_templates_uses_the_typographic_apostrophe() -> None:
    """The French words that do not go through the catalogs: the report's and
    the e-mails' words, the plan's sentences, the built-in canned responses,
    the French e-mail templates."""
    import io
    import re
    import tokenize

    elision = re.compile(_TYPEWRITER_ELISION)
    package = WEB.parent
    found = []
    for path in sorted(package.glob("alerts/templates/*_fr*")):
        found += [
            f"{path.name}: {line}" for line in path.read_text().splitlines() if elision.search(line)
        ]
    modules = [*package.glob("plan/*.py"), *package.glob("analytics/*.py"),
               *package.glob("alerts/*.py"), package / "inbox" / "replies.py",
               package / "cli" / "plan_start.py"]  # fmt: skip
    for path in sorted(modules):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        for token in tokens:
            text = token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1))
            if text and elision.search(_outside_code(token.string)):
                found.append(f"{path.relative_to(package)}:{token.start[0]}: {token.string[:60]}")
    assert found == []


def test_french_says_courriel_for_an_e_mail(french: Catalog) -> None:
    """One French word for an e-mail: the match alerts said « courriel », the
    report e-mails and some errors « e-mail » (« courriel » is Québec's
    standard and accepted in France)."""
    import re

    word = re.compile(r"\be-?mails?\b", re.IGNORECASE)
    found = []
    for message in french:
        if not message.id or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        found += [text for text in strings if word.search(_outside_code(text))]
    from veille.alerts.reports import _WORDS

    found += [text for text in _WORDS["fr"].values() if word.search(text)]
    for path in sorted(WEB.parent.glob("alerts/templates/*_fr*")):
        found += [
            f"{path.name}: {line}" for line in path.read_text().splitlines() if word.search(line)
        ]
    assert found == []
