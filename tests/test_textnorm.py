import re

from hypothesis import given
from hypothesis import strategies as st

from veille.textnorm import fold, index_text, looks_like_name, names_in, token_spans, tokens

# The definition the fast paths must keep: runs of Unicode letters and digits.
WORDS = re.compile(r"[^\W_]+")


def test_words_are_folded_and_split_on_everything_else() -> None:
    assert tokens("Les Médias, l'ACEI! #cybersécurité @Bob_2 x_y") == [
        "les", "medias", "l", "acei", "cybersecurite", "bob", "2", "x", "y",
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
