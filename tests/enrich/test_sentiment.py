"""The default sentiment engine on what people write when they complain or mock.

Hand-written sentences, one per pattern the lexicon engines missed (each was
labelled wrongly before this engine): complaints stated as facts, negation,
sarcasm markers and Quebec French, in English and in French.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.enrich import sentiment_model
from veille.enrich.sentiment import LexiconSentiment


@pytest.fixture(scope="module")
def engine() -> LexiconSentiment:
    return LexiconSentiment()


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        # Complaints stated as facts: a service missing, down or not working.
        ("The wifi is down again in the whole building", "en", "negative"),
        ("My order never arrived", "en", "negative"),
        ("La fibre ne vaut pas le prix", "fr", "negative"),
        ("Pas d'internet dans toute la ville depuis ce matin", "fr", "negative"),
        ("Toujours aucun réseau à la maison", "fr", "negative"),
        # Negation of what a service should do.
        ("The new update doesn't work", "en", "negative"),
        ("Nothing works since the update", "en", "negative"),
        ("Not bad at all, the new plan is actually cheaper", "en", "positive"),
        ("Le service ne fonctionne plus depuis trois jours", "fr", "negative"),
        ("Ça marche pas", "fr", "negative"),
        # Sarcasm: praise beside an eye roll or a repeated failure.
        ("Great, another outage 🙄", "en", "negative"),
        ("Thanks a lot for yet another outage", "en", "negative"),
        ("Bravo… encore une panne 🙄", "fr", "negative"),
        ("Super, encore une coupure de réseau", "fr", "negative"),
        # Quebec and spoken French.
        ("C'est pas terrible", "fr", "negative"),
        ("Ça a pas d'allure", "fr", "negative"),
        ("Pas mal du tout, ce nouveau forfait", "fr", "positive"),
    ],
)
def test_patterns_the_lexicons_missed(
    engine: LexiconSentiment, text: str, lang: str, label: str
) -> None:
    assert engine.score(text, lang).label == label


@pytest.mark.parametrize(
    ("text", "lang", "label"),
    [
        ("I love my new phone, it is fantastic", "en", "positive"),
        ("This is not good at all", "en", "negative"),
        ("The meeting is at 3pm in room 4", "en", "neutral"),
        ("Ce produit est excellent", "fr", "positive"),
        ("Ce produit n'est pas excellent", "fr", "negative"),
        ("La réunion est à 15h", "fr", "neutral"),
    ],
)
def test_plain_sentences_keep_their_label(
    engine: LexiconSentiment, text: str, lang: str, label: str
) -> None:
    s = engine.score(text, lang)
    assert s.label == label
    assert -1.0 <= s.score <= 1.0 and 0.0 <= s.confidence <= 1.0
    # The score's sign agrees with the label.
    assert (s.score > 0) if label == "positive" else (s.score < 0) if label == "negative" else True


def test_weights_ship_with_the_package_and_cite_their_data() -> None:
    models = sentiment_model.load_models()
    assert set(models) == {"en", "fr"}
    assert all(len(m.words) > 500 for m in models.values())
    from importlib import resources

    path = resources.files("veille.enrich").joinpath("data", sentiment_model.WEIGHTS_FILE)
    text = path.read_text("utf-8")
    assert len(text.encode()) < 2_000_000
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "cardiffnlp/xlm-t" in header and "train split only" in header


def test_weights_file_round_trips() -> None:
    model = sentiment_model.LinearModel(
        "xx",
        (0.1, 0.2, -0.3),
        ((1.0, 0.0, -1.0),),
        {"good": (-1.0, 0.0, 1.5), "¬good": (1.0, 0, -1)},
    )
    text = sentiment_model.format_weights({"xx": model}, ["a header"])
    assert text.startswith("# a header\n")
    assert sentiment_model.parse_weights(text) == {"xx": model}


def test_negated_words_are_their_own_features() -> None:
    assert "¬good" in sentiment_model.words_of("This is not good")
    assert "¬bon" in sentiment_model.words_of("C'est pas bon")
    assert "good" in sentiment_model.words_of("Not here! good")  # "!" ends the reach
    assert "pas_pire" in sentiment_model.words_of("C'est pas pire")


def test_without_the_learned_layer_the_rules_label(engine: LexiconSentiment) -> None:
    rules = LexiconSentiment(learned=False)
    assert rules.models == {}
    assert rules.score("Bravo… encore une panne 🙄", "fr").label == "negative"
    assert rules.score("I love it", "en").label == "positive"
    assert rules.score("Hola amigos", "es").label == "unscored"


def _macro_f1(gold: list[int], pred: list[str]) -> float:
    labels = ("negative", "neutral", "positive")
    f1s = []
    for c, name in enumerate(labels):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == name)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == name)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != name)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / 3


@pytest.mark.parametrize(("folder", "lang"), [("english", "en"), ("french", "fr")])
def test_validation_tweets_never_used_for_tuning(
    shared_data: Path, engine: LexiconSentiment, folder: str, lang: str
) -> None:
    """UMSAB validation (cardiffnlp/xlm-t): read here and by the bench, never to tune."""
    umsab = shared_data / "sentiment" / "umsab" / folder
    if not umsab.is_dir():
        pytest.skip(f"{umsab} is absent")
    texts = (umsab / "val_text.txt").read_text("utf-8").split("\n")
    labels = [int(x) for x in (umsab / "val_labels.txt").read_text("utf-8").split("\n") if x]
    pred = [engine.score(t, lang).label for t in texts[: len(labels)]]
    assert _macro_f1(labels, pred) >= 0.62
