"""Lexicon sentiment for English and French: label, score in [-1, 1], confidence.

English uses vaderSentiment (a well-kept lexicon and rule set built for social
text). French uses the vader-fr lexicon under a rule set written here for the
way French is written on social media: negation with or without ``ne``
(``c'est pas top``, ``n'est plus``, ``jamais``, ``sans``), intensifiers and
dampeners, contrast (``mais``), elisions (``j'adore`` → ``j`` ``adore``),
hashtags split into words, emoji and emoticons, stances (``non aux …``,
``résoudre les problèmes``). The strongest word leads and the others add a
share of their weight (``OTHERS_SHARE``). Scores are VADER's
"compound"; labels come from thresholds tuned on the UMSAB *train* split (see
``bench/eval_sentiment.py``). A language without an engine is ``unscored``:
never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from veille.enrich import lexicons as lx
from veille.enrich.sentiment_model import LinearModel, load_models, phrase_at, words_of
from veille.enrich.textparts import EMOJI_RE, URL_RE, words_of_hashtags
from veille.models import Sentiment
from veille.textnorm import fold

UNSCORED = Sentiment("unscored", 0.0, 0.0)
_MENTION = re.compile(r"(?<![\w@])@[\w.@-]+")
_EMOTICON_RE = re.compile(
    r"(?:(?<=\s)|^)("
    + "|".join(re.escape(e) for e in sorted(lx.EMOTICONS, key=len, reverse=True))
    + r")(?=\s|$|[.,!?])",
    re.IGNORECASE,
)
_FR_WORD = re.compile(r"[^\W_]+|[!,.;:?]")
_EN_WORD = re.compile(r"[^\W_]+|[!,.;:?]")
_EN_LINKS = frozenset({"is", "was", "s", "are", "were", "been", "still", "again", "completely"})
_CLAUSE_END = frozenset(",.;:?")
STANCE_NON = -1.5
REMEDY_REACH = 3
OTHERS_SHARE = 0.3


@dataclass(frozen=True)
class Thresholds:
    """A compound score at or above ``positive`` is positive; at or below
    ``negative``, negative; neutral between."""

    positive: float = 0.05
    negative: float = -0.05

    def label(self, score: float) -> Sentiment:
        if score >= self.positive:
            conf = 0.5 + 0.5 * min(1.0, (score - self.positive) / max(1e-9, 1 - self.positive))
            return Sentiment("positive", round(score, 4), round(conf, 3))
        if score <= self.negative:
            conf = 0.5 + 0.5 * min(1.0, (self.negative - score) / max(1e-9, 1 + self.negative))
            return Sentiment("negative", round(score, 4), round(conf, 3))
        half = (self.positive - self.negative) / 2 or 1.0
        mid = (self.positive + self.negative) / 2
        conf = 0.5 + 0.5 * max(0.0, 1 - abs(score - mid) / half)
        return Sentiment("neutral", round(score, 4), round(conf, 3))


# Tuned on UMSAB train only (bench/eval_sentiment.py --tune).
EN_THRESHOLDS = Thresholds(0.4, -0.05)
FR_THRESHOLDS = Thresholds(0.25, -0.1)


def social_clean(text: str) -> str:
    """Links and mentions out, hashtags as words: what lexicons can read."""
    text = URL_RE.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return words_of_hashtags(text)


def compound(total: float, alpha: float = 15.0) -> float:
    """VADER's squashing of a valence sum into [-1, 1]."""
    return total / math.sqrt(total * total + alpha)


class EnglishSentiment:
    """vaderSentiment on social-cleaned text (it reads emoji and emoticons itself),
    with the complaints VADER cannot see (a service missing, down or not working)
    and sarcasm (praise beside an eye roll or a repeated failure) added."""

    def __init__(self, thresholds: Thresholds = EN_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._vader: Any = None

    @property
    def vader(self) -> Any:
        if self._vader is None:
            vader = _vader_analyzer()
            # This instance's own lexicon: outage words of social posts.
            vader.lexicon.update(lx.SOCIAL_EN)
            self._vader = vader
        return self._vader

    def polarity(self, text: str) -> tuple[float, float, float]:
        """Compound (VADER's, with veille's rules), VADER's positive and negative shares."""
        return self.polarity_clean(social_clean(text)[:20_000])

    def polarity_clean(self, clean: str) -> tuple[float, float, float]:
        """:meth:`polarity` of text already through :func:`social_clean`."""
        scores = self.vader.polarity_scores(clean)
        c, pos, neg = float(scores["compound"]), float(scores["pos"]), float(scores["neg"])
        extra, sarcastic = _english_rules(clean, self.vader.lexicon)
        if sarcastic:
            neg, pos = neg + pos, 0.0  # the praise is mockery
        if extra or (sarcastic and c > 0):
            total = _uncompound(c)
            if sarcastic and total > 0:
                total *= -0.5
            c = compound(total + extra)
            # The shares VADER would have given, had it known these words.
            neg += -extra / (abs(extra) + 4) if extra < 0 else 0.0
        return c, pos, neg

    def compound(self, text: str) -> float:
        return self.polarity(text)[0]

    def features(self, text: str) -> tuple[float, ...]:
        """What the learned layer reads from the lexicon (see ``sentiment_model``)."""
        return self.features_clean(social_clean(text)[:20_000])

    def features_clean(self, clean: str) -> tuple[float, ...]:
        """:meth:`features` of text already through :func:`social_clean`."""
        c, pos, neg = self.polarity_clean(clean)
        t = self.thresholds
        return (c, pos, neg, float(c >= t.positive), float(c <= t.negative))

    def score(self, text: str) -> Sentiment:
        return self.thresholds.label(self.compound(text))


def _vader_analyzer() -> Any:
    """vaderSentiment's analyzer, its two look-behind checks given only the
    words they read.

    VADER's ``_negation_check`` and ``_special_idioms_check`` lower-case the
    whole post for each sentiment word they look at (up to three times a
    word), which makes a post's cost grow with the square of its length;
    they only read the three words before the word and the two after. The
    subclass hands VADER's own checks that window, re-indexed, so the rules
    and the scores are VADER's own.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    negation_check = SentimentIntensityAnalyzer._negation_check
    idioms_check = SentimentIntensityAnalyzer._special_idioms_check

    class WindowedAnalyzer(SentimentIntensityAnalyzer):
        @staticmethod
        def _negation_check(valence: float, words: list[str], start_i: int, i: int) -> Any:
            # Reads words[i - start_i - 1] to words[i - 1] (never before 0).
            lo = max(0, i - 3)
            return negation_check(valence, words[lo : i + 1], start_i, i - lo)

        @staticmethod
        def _special_idioms_check(valence: float, words: list[str], i: int) -> Any:
            # Reads words[i - 3] to words[i + 2]; VADER calls it for i > 2 only
            # (a smaller i would read from the end of the list: left to VADER).
            if i < 3:
                return idioms_check(valence, words, i)
            return idioms_check(valence, words[i - 3 : i + 3], 3)

    return WindowedAnalyzer()


def _uncompound(c: float, alpha: float = 15.0) -> float:
    """The valence sum VADER squashed into ``c`` (the inverse of :func:`compound`)."""
    c = max(-0.9999, min(0.9999, c))
    return c * math.sqrt(alpha / (1 - c * c))


def _english_rules(clean: str, lexicon: Mapping[str, float]) -> tuple[float, bool]:
    """Valence VADER misses in ``clean`` text, and whether its praise is sarcastic."""
    words = _EN_WORD.findall(fold(clean).replace("n't", " not").replace("n’t", " not"))
    extra = 0.0
    again = False
    sarcastic = False
    if not clean.isascii():
        rolls = sum(clean.count(e) for e in lx.SARCASM_EMOJI)
        sarcastic = rolls > 0
        extra += lx.SARCASM_EMOJI_VALENCE * rolls
    for i, word in enumerate(words):
        if word in lx.FUNCTION_EN:
            if any(w in lx.NEGATORS_EN for w in _clause_before(words, i, 3)):
                extra += lx.COMPLAINT  # "it doesn't work", "my order never arrived"
        elif word in lx.SERVICES:
            before = _clause_before(words, i, 1)
            after = [w for w in words[i + 1 : i + 4] if w not in _EN_LINKS][:1]
            if (before and before[-1] in lx.ABSENCE_EN) or (after and after[0] in lx.DOWN_EN):
                extra += lx.COMPLAINT  # "no internet", "wifi is down again"
        elif (
            word in lx.AGAIN
            and not again
            and any(lexicon.get(w, 0.0) < 0 for w in words[i + 1 : i + 4])
        ):
            again = sarcastic = True  # "great, another outage"
            extra += lx.SARCASM_EMOJI_VALENCE
    return extra, sarcastic


def _clause_before(words: list[str], i: int, reach: int) -> list[str]:
    """Up to ``reach`` words before ``words[i]``, not across a clause's end."""
    out: list[str] = []
    for w in reversed(words[max(0, i - reach) : i]):
        if w in _CLAUSE_END:
            break
        out.append(w)
    out.reverse()
    return out


class EmojiValence:
    """Valence of an emoji from the words VADER's emoji lexicon describes it with."""

    def __init__(self, english: EnglishSentiment) -> None:
        self.english = english
        self._cache: dict[str, float] = {}

    def __call__(self, emoji: str) -> float:
        if emoji not in self._cache:
            vader = self.english.vader
            desc = vader.emojis.get(emoji) or vader.emojis.get(emoji.replace("\ufe0f", ""), "")
            vals = [vader.lexicon[w] for w in desc.lower().split() if w in vader.lexicon]
            self._cache[emoji] = sum(vals) / len(vals) if vals else 0.0
        return self._cache[emoji]


def _load_fr_lexicon() -> dict[str, float]:
    from importlib import resources

    lex: dict[str, float] = {}
    text = resources.files("vaderSentiment_fr").joinpath("fr_lexicon.txt").read_text("utf-8")
    for line in text.splitlines():
        word, sep, rest = line.partition("->")
        if not sep:
            continue
        try:
            value = float(rest.split("->")[0])
        except ValueError:
            continue
        key = fold(word.strip())
        if key and " " not in key:
            lex[key] = value
    lex.update(lx.EXTRA_FR)
    lex.update(lx.SOCIAL_FR)
    lex.update(lx.OUTAGE_FR)
    lex.update(lx.QUEBEC_FR)
    lex.update(dict.fromkeys(lx.NEUTRAL_FR, 0.0))
    return lex


_ABSENCE_DE_FR = frozenset({"pas", "plus", "jamais", "toujours"})


def _absent_fr(words: list[str], i: int) -> bool:
    """``words[i]`` is said to be missing: ``pas de réseau``, ``aucun signal``, ``sans eau``."""
    prev = words[i - 1] if i else ""
    if prev in lx.ABSENCE_FR:
        return True
    return prev in ("de", "d") and i >= 2 and words[i - 2] in _ABSENCE_DE_FR


class FrenchSentiment:
    """A VADER-style rule set over the vader-fr lexicon, written for French posts."""

    def __init__(self, english: EnglishSentiment, thresholds: Thresholds = FR_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.emoji = EmojiValence(english)
        self._lexicon: dict[str, float] | None = None

    @property
    def lexicon(self) -> Mapping[str, float]:
        if self._lexicon is None:
            self._lexicon = _load_fr_lexicon()
        return self._lexicon

    def _valence(self, word: str) -> float:
        lex = self.lexicon
        value = lex.get(word)
        if value is None and len(word) > 4:
            # Plural and feminine forms the lexicon lacks.
            for cut in ("es", "s", "x", "e"):
                if word.endswith(cut) and (value := lex.get(word[: -len(cut)])) is not None:
                    break
        return value or 0.0

    def _negated(self, words: list[str], i: int) -> bool:
        """Whether ``words[i]`` is negated: ``pas bon``, ``n'est plus``, ``aime pas``."""
        if i + 1 < len(words) and words[i + 1] in lx.AFTER_NEGATORS_FR:
            return True
        for back in (1, 2, 3):
            if i - back < 0:
                return False
            prev = words[i - back]
            if prev in _CLAUSE_END:
                return False  # negation does not cross a comma or a full stop
            if (
                prev in lx.NEGATORS_FR
                or (prev in lx.NE_FR and back <= 2)
                or (
                    prev in lx.WEAK_NEGATORS_FR
                    and any(w in lx.NE_FR for w in words[max(0, i - back - 2) : i - back])
                )
            ):
                return True
        return False

    def compound(self, text: str) -> float:
        return self.compound_clean(social_clean(text)[:20_000])

    def compound_clean(self, text: str) -> float:
        """:meth:`compound` of text already through :func:`social_clean`."""
        extra = 0.0
        sarcastic = False
        for m in EMOJI_RE.finditer(text):
            if m.group()[0] in lx.SARCASM_EMOJI:
                extra += lx.SARCASM_EMOJI_VALENCE
                sarcastic = True
            else:
                extra += self.emoji(m.group())
        for m in _EMOTICON_RE.finditer(text):
            extra += lx.EMOTICONS[m.group(1).lower()]
        words = _FR_WORD.findall(fold(text))
        bangs = min(words.count("!"), 4)
        words = [w for w in words if w != "!"]
        sentiments: list[float] = []
        but_at = -1
        again_at = -99
        skip_to = 0
        for i, word in enumerate(words):
            if i < skip_to or word in _CLAUSE_END:
                continue
            if word in lx.BUT_FR:
                but_at = len(sentiments)
            phrase = phrase_at(words, i)
            if phrase:
                skip_to = i + phrase[0]
                sentiments.append(phrase[1])
                continue
            if word in lx.AGAIN:
                again_at = i
            valence = 0.0 if word in lx.BOOSTERS_FR else self._valence(word)
            if word in lx.FIGHT_FR and i + 1 < len(words) and words[i + 1] in lx.AGAINST_FR:
                valence = 0.0
            if word == "non" and i + 1 < len(words) and words[i + 1] in lx.NON_TO_FR:
                valence = STANCE_NON  # "non au nucléaire", "non à la fermeture"
            if valence < 0 and any(w in lx.AGAINST_FR for w in words[max(0, i - REMEDY_REACH) : i]):
                valence *= -0.5
            elif valence:
                for back in (1, 2, 3):
                    if i - back < 0 or words[i - back] in _CLAUSE_END:
                        break
                    prev = words[i - back]
                    if prev in lx.BOOSTERS_FR:
                        boost = lx.BOOSTERS_FR[prev] * (1.0, 0.95, 0.9)[back - 1]
                        valence += boost if valence > 0 else -boost
                    if prev in lx.NEGATORS_FR or prev in lx.NE_FR or prev in lx.WEAK_NEGATORS_FR:
                        break
                if self._negated(words, i):
                    valence *= -0.74
            elif word in lx.FUNCTION_FR and self._negated(words, i):
                valence = lx.COMPLAINT  # "ne vaut pas le prix", "ça marche plus"
            elif word in lx.SERVICES and _absent_fr(words, i):
                valence = lx.COMPLAINT  # "pas d'internet", "aucun réseau"
            if valence < 0 and i - again_at <= 3:
                sarcastic = True  # "encore une panne"
            sentiments.append(valence)
        if sarcastic:
            sentiments = [v * -0.5 if v > 0 else v for v in sentiments]
        if 0 <= but_at < len(sentiments):
            sentiments = [v * 0.5 for v in sentiments[:but_at]] + [
                v * 1.5 for v in sentiments[but_at:]
            ]
        # The strongest word leads; the others add a share: a long post of many
        # mild words does not outweigh one strong word.
        total = extra
        if sentiments:
            hi, lo = max(sentiments), min(sentiments)
            lead = hi if hi > -lo else lo
            total += lead + OTHERS_SHARE * (sum(sentiments) - lead)
        if total:
            total += (0.292 * bangs) if total > 0 else -(0.292 * bangs)
        return compound(total)

    def score(self, text: str) -> Sentiment:
        return self.thresholds.label(self.compound(text))

    def features(self, text: str) -> tuple[float, ...]:
        """What the learned layer reads from the lexicon (see ``sentiment_model``)."""
        return self.features_clean(social_clean(text)[:20_000])

    def features_clean(self, clean: str) -> tuple[float, ...]:
        """:meth:`features` of text already through :func:`social_clean`."""
        c = self.compound_clean(clean)
        t = self.thresholds
        return (c, max(c, 0.0), min(c, 0.0), float(c >= t.positive), float(c <= t.negative))


class LexiconSentiment:
    """The built-in backend: English and French engines; others unscored.

    With ``learned`` (the default), a small linear layer trained on labelled
    tweets (:mod:`veille.enrich.sentiment_model`) turns each engine's scores and
    the post's words into the label; without it, or for a language the weights
    file lacks, the engine's compound score and thresholds do.
    """

    def __init__(
        self,
        en: Thresholds = EN_THRESHOLDS,
        fr: Thresholds = FR_THRESHOLDS,
        *,
        learned: bool = True,
    ) -> None:
        self.english = EnglishSentiment(en)
        self.french = FrenchSentiment(self.english, fr)
        self.engines: dict[str, EnglishSentiment | FrenchSentiment] = {
            "en": self.english,
            "fr": self.french,
        }
        self.learned = learned
        self._models: dict[str, LinearModel] | None = None

    @property
    def models(self) -> dict[str, LinearModel]:
        if self._models is None:
            self._models = load_models() if self.learned else {}
        return self._models

    def languages(self) -> tuple[str, ...]:
        return tuple(self.engines)

    def score(self, text: str, lang: str | None) -> Sentiment:
        engine = self.engines.get(lang or "")
        if engine is None:
            return UNSCORED
        if not text.strip():
            return Sentiment("neutral", 0.0, 0.5)
        model = self.models.get(lang or "")
        if model is None:
            return engine.score(text)
        # Cleaned once: the engine and the learned layer read the same text.
        clean = social_clean(text)[:20_000]
        return model.sentiment(engine.features_clean(clean), words_of(clean))

    def score_many(self, items: list[tuple[str, str | None]]) -> list[Sentiment]:
        return [self.score(text, lang) for text, lang in items]
