import re

from hypothesis import given
from hypothesis import strategies as st

from veille.textnorm import (
    REFOLDED,
    fold,
    fold_accents,
    hash_text,
    index_text,
    looks_like_name,
    names_in,
    token_spans,
    tokens,
)

# The definition the fast paths must keep: runs of Unicode letters and digits,
# once the French elisions are gone (a whole word from the list, an
# apostrophe, then a letter or digit).
_WORDS = re.compile(r"[^\W_]+")
_ELIDED = re.compile(r"(?<![^\W_])(?:l|d|qu|j|n|s|c|m|t|jusqu|lorsqu|puisqu)['’](?=[^\W_])")


class WORDS:
    @staticmethod
    def findall(folded: str) -> list[str]:
        return _WORDS.findall(_ELIDED.sub("", folded))


def test_words_are_folded_and_split_on_everything_else() -> None:
    assert tokens("Les Médias, l'ACEI! #cybersécurité @Bob_2 x_y") == [
        "les", "medias", "acei", "cybersecurite", "bob", "2", "x", "y",
    ]  # fmt: skip
    assert tokens("Straße 東京 Ελλάδα") == ["strasse", "東京", "ελλαδα"]
    assert index_text("  Vite!!  vite\t\nVITE ") == "vite vite vite"
    assert index_text("...") == ""


@given(st.text())
def test_tokens_match_the_regular_expression(text: str) -> None:
    assert tokens(text) == WORDS.findall(fold(text))
    assert index_text(text) == " ".join(WORDS.findall(fold(text)))


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_matches_the_regular_expression(text: str) -> None:
    assert tokens(text) == WORDS.findall(text.lower())
    assert [w for w, _, _ in token_spans(text)] == tokens(text)


def test_names_are_told_from_sentence_starts() -> None:
    text = "Vexa compare ses prix. Je préfère Lumio, et la CIRA aussi."
    assert not looks_like_name(text, 0)  # opens the text
    assert not looks_like_name(text, text.index("Je"))  # opens a sentence
    assert looks_like_name(text, text.index("Lumio"))
    assert looks_like_name(text, text.index("CIRA"))
    assert names_in(text) == {"lumio", "cira"}
    assert "vexa" in names_in("Vexa ou Lumio ? Chez Vexa, rien.")


def test_french_elisions_are_dropped_like_french_analyzers_drop_them() -> None:
    assert tokens("L'ACEI, d’internet, qu'il, jusqu’à, lorsqu'on, puisqu’elle") == [
        "acei", "internet", "il", "a", "on", "elle",
    ]  # fmt: skip
    assert tokens("j'aime, n'est, s'il, c'est, m'a, t'as") == [
        "aime", "est", "il", "est", "a", "as",
    ]  # fmt: skip
    # Not an elision: part of a word, nothing after the apostrophe, English.
    assert tokens("aujourd'hui rock n' roll l' don't") == [
        "aujourd", "hui", "rock", "n", "roll", "l", "don", "t",
    ]  # fmt: skip
    assert index_text("Critiques contre l'ACEI") == index_text("Critiques contre ACEI")
    text = "Contre l’ACEI"
    assert [(w, text[s:e]) for w, s, e in token_spans(text)] == [
        ("contre", "Contre"), ("acei", "ACEI"),
    ]  # fmt: skip


def test_ligatures_are_spelt_out_and_invisible_characters_left_out() -> None:
    assert tokens("Œuvre, chef-d’œuvre, cœur, SŒUR, Œil, ex æquo, Æsop") == [
        "oeuvre", "chef", "oeuvre", "coeur", "soeur", "oeil", "ex", "aequo", "aesop",
    ]  # fmt: skip
    assert tokens("Straße, STRASSE, ẞ") == ["strasse", "strasse", "ss"]
    assert tokens("lʼœuvre, aujourdʼhui") == ["oeuvre", "aujourd", "hui"]
    for invisible in "\u00ad\u200b\u200c\u200d\u2060\ufeff":
        assert tokens(f"#cyber{invisible}sécurité") == ["cybersecurite"], ascii(invisible)
    assert fold("Cyber\u00adSécurité") == "cybersecurite"
    assert index_text("l’Œuvre") == "oeuvre"
    # The content hash's words are folded as before: case and accents only.
    assert hash_text("l’Œuvre de cyber\u00adsécurité") == "œuvre de cyber securite"
    assert hash_text("Médias d'Été") == index_text("Médias d'Été") == "medias ete"


def test_refolded_names_every_character_whose_words_changed() -> None:
    changed = {
        chr(c)
        for c in range(0x80, 0x110000)
        if (c < 0xD800 or c > 0xDFFF) and fold(chr(c)) != fold_accents(chr(c))
    }
    assert changed == set(REFOLDED)


@given(st.text(alphabet="lLdjqu'’ʼ aœé-\u00ad\u200b\u2060\ufeff"))
def test_highlighted_words_are_the_searched_words_around_invisible_characters(
    text: str,
) -> None:
    # A soft hyphen or a zero-width character beside an elision's apostrophe
    # (l\u00ad’œuvre) leaves it an elision, for highlighting as for search.
    assert [w for w, _, _ in token_spans(text)] == tokens(text)
    for text in ("l\u00ad’\u200bœuvre", "lors\u00adqu’\u00adœuvre"):
        assert [w for w, _, _ in token_spans(text)] == tokens(text) == ["oeuvre"]
