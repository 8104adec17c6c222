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
    """vaderSentiment on social-cleaned text (it reads emoji and emoticons itself)."""

    def __init__(self, thresholds: Thresholds = EN_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._vader: Any = None

    @property
    def vader(self) -> Any:
        if self._vader is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._vader = SentimentIntensityAnalyzer()
        return self._vader

    def compound(self, text: str) -> float:
        return float(self.vader.polarity_scores(social_clean(text)[:20_000])["compound"])

    def score(self, text: str) -> Sentiment:
        return self.thresholds.label(self.compound(text))


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
    lex.update(dict.fromkeys(lx.NEUTRAL_FR, 0.0))
    return lex


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

    def compound(self, text: str) -> float:
        text = social_clean(text)[:20_000]
        extra = 0.0
        for m in EMOJI_RE.finditer(text):
            extra += self.emoji(m.group())
        for m in _EMOTICON_RE.finditer(text):
            extra += lx.EMOTICONS[m.group(1).lower()]
        words = _FR_WORD.findall(fold(text))
        bangs = min(words.count("!"), 4)
        words = [w for w in words if w != "!"]
        sentiments: list[float] = []
        but_at = -1
        for i, word in enumerate(words):
            if word in _CLAUSE_END:
                continue
            if word in lx.BUT_FR:
                but_at = len(sentiments)
            valence = 0.0 if word in lx.BOOSTERS_FR else self._valence(word)
            if word in lx.FIGHT_FR and i + 1 < len(words) and words[i + 1] in lx.AGAINST_FR:
                valence = 0.0
            if word == "non" and i + 1 < len(words) and words[i + 1] in lx.NON_TO_FR:
                valence = STANCE_NON  # "non au nucléaire", "non à la fermeture"
            if valence < 0 and any(w in lx.AGAINST_FR for w in words[max(0, i - REMEDY_REACH) : i]):
                valence *= -0.5
            elif valence:
                negate = i + 1 < len(words) and words[i + 1] in lx.AFTER_NEGATORS_FR
                for back in (1, 2, 3):
                    if i - back < 0:
                        break
                    prev = words[i - back]
                    if prev in _CLAUSE_END:
                        break  # negation does not cross a comma or a full stop
                    if prev in lx.BOOSTERS_FR:
                        boost = lx.BOOSTERS_FR[prev] * (1.0, 0.95, 0.9)[back - 1]
                        valence += boost if valence > 0 else -boost
                    if (
                        prev in lx.NEGATORS_FR
                        or (prev in lx.NE_FR and back <= 2)
                        or (
                            prev in lx.WEAK_NEGATORS_FR
                            and any(w in lx.NE_FR for w in words[max(0, i - back - 2) : i - back])
                        )
                    ):
                        negate = True
                        break
                if negate:
                    valence *= -0.74
            sentiments.append(valence)
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


class LexiconSentiment:
    """The built-in backend: English and French engines; others unscored."""

    def __init__(self, en: Thresholds = EN_THRESHOLDS, fr: Thresholds = FR_THRESHOLDS) -> None:
        self.english = EnglishSentiment(en)
        self.french = FrenchSentiment(self.english, fr)
        self.engines: dict[str, EnglishSentiment | FrenchSentiment] = {
            "en": self.english,
            "fr": self.french,
        }

    def languages(self) -> tuple[str, ...]:
        return tuple(self.engines)

    def score(self, text: str, lang: str | None) -> Sentiment:
        engine = self.engines.get(lang or "")
        if engine is None:
            return UNSCORED
        if not text.strip():
            return Sentiment("neutral", 0.0, 0.5)
        return engine.score(text)

    def score_many(self, items: list[tuple[str, str | None]]) -> list[Sentiment]:
        return [self.score(text, lang) for text, lang in items]
