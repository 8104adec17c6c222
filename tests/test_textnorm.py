from veille.textnorm import fold, index_text, looks_like_name, names_in, tokens


def test_folding_and_words() -> None:
    assert fold("Élysée MÉDIAS ß") == "elysee medias ss"
    assert tokens("l'ACEI parle de #cybersécurité, d'internet!") == [
        "l", "acei", "parle", "de", "cybersecurite", "d", "internet",
    ]  # fmt: skip
    assert index_text("  Les  Médias…  ") == "les medias"


def test_names_are_told_from_sentence_starts() -> None:
    text = "Vexa compare ses prix. Je préfère Lumio, et la CIRA aussi."
    assert not looks_like_name(text, 0)  # opens the text
    assert not looks_like_name(text, text.index("Je"))  # opens a sentence
    assert looks_like_name(text, text.index("Lumio"))
    assert looks_like_name(text, text.index("CIRA"))
    assert names_in(text) == {"lumio", "cira"}
    assert "vexa" in names_in("Vexa ou Lumio ? Chez Vexa, rien.")
