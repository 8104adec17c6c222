"""A small learned layer over the lexicon engines: words plus lexicon scores.

The rules of :mod:`veille.enrich.sentiment` know what words mean; they do not
know how much each counts on real posts, nor the words of a domain they lack.
A multinomial logistic regression per language, trained by
``bench/train_sentiment.py`` on the UMSAB *train* split only, weighs the
lexicon's scores and the post's words (a word after a negation is a different
feature: ``¬good``). Its weights ship in ``data/sentiment_linear.tsv`` (the
origin of the training data is in that file's header); evaluating it is a few
dictionary look-ups per post, in plain Python.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources

from veille.enrich import lexicons as lx
from veille.enrich.textparts import EMOJI_RE
from veille.models import Sentiment, SentimentLabel
from veille.textnorm import fold_accents

WEIGHTS_FILE = "sentiment_linear.tsv"
LABELS: tuple[SentimentLabel, SentimentLabel, SentimentLabel] = ("negative", "neutral", "positive")
BIAS = "=bias"
LEX = "=lex"  # =lex0, =lex1, ...: the lexicon features, in order
_TOKEN = re.compile(r"[^\W_]+|[!?,.;:]|" + EMOJI_RE.pattern)
# Words after these, up to NEGATION_REACH of them, are read as negated.
_NEGATORS = (
    lx.NEGATORS_EN
    | lx.NEGATORS_FR
    | lx.WEAK_NEGATORS_FR
    | lx.NE_FR
    | frozenset({"doesnt", "didnt", "isnt", "wasnt", "arent"})
)
NEGATION_REACH = 3
_CLAUSE_END = frozenset(",.;:")
# Function words are left out: on a few thousand tweets they learn the
# habits of one corpus ("est", "la" leaning positive), not sentiment.
# (Those with a clear valence in the lexicons stay.)
_SKIP = lx.STOPWORDS - _NEGATORS - {"bon", "like", "won"}
# Phrases by first word, longest first (built once; never changed).
_PHRASES: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {}
_ALL_PHRASES = {**lx.PHRASES_FR, **lx.PHRASES_EN}
for _phrase, _value in sorted(_ALL_PHRASES.items(), key=lambda kv: -len(kv[0])):
    _PHRASES[_phrase[0]] = (*_PHRASES.get(_phrase[0], ()), (_phrase, _value))


def phrase_at(words: list[str], i: int) -> tuple[int, float] | None:
    """(length, valence) of the phrase of :data:`lexicons.PHRASES_FR` (or ``_EN``)
    at ``words[i]``."""
    for phrase, value in _PHRASES.get(words[i], ()):
        n = len(phrase)
        if tuple(words[i : i + n]) == phrase:
            if phrase == ("pas", "mal") and i + 2 < len(words) and words[i + 2] in ("de", "d"):
                return None  # "pas mal de monde": a lot of
            return n, value
    return None


def words_of(clean: str) -> set[str]:
    """The features of social-cleaned ``clean`` text: folded words, emoji and
    ``!``/``?``; a word in a negation's reach is prefixed with ``¬``."""
    # Folded as the weights were learnt (``cœur`` and ``coeur`` are two
    # features there), not as searches fold.
    text = fold_accents(clean).replace("n't", " not").replace("n’t", " not").replace("’", "'")
    tokens = _TOKEN.findall(text)
    out: set[str] = set()
    reach = 0
    skip_to = 0
    for i, tok in enumerate(tokens):
        if i < skip_to:
            continue
        if tok in _PHRASES and (phrase := phrase_at(tokens, i)):
            # One feature for a phrase whose words mislead one by one ("pas pire").
            skip_to = i + phrase[0]
            out.add("_".join(tokens[i:skip_to]))
        elif tok in _NEGATORS:
            reach = NEGATION_REACH
            out.add(tok)
        elif tok in _SKIP:
            continue
        elif reach and tok.isalpha():
            out.add("¬" + tok)
            reach -= 1
        elif tok in _CLAUSE_END:
            reach = 0  # a negation does not cross a comma or a full stop
        else:
            if tok in ("!", "?"):
                reach = 0
            out.add(tok)
    return out


@dataclass(frozen=True)
class LinearModel:
    """Weights of one language: per feature, one weight per label."""

    lang: str
    bias: tuple[float, float, float]
    lexicon: tuple[tuple[float, float, float], ...]
    words: dict[str, tuple[float, float, float]]

    def scores(self, lex: tuple[float, ...], words: set[str]) -> list[float]:
        """Unnormalized log-probabilities of :data:`LABELS`."""
        s = list(self.bias)
        for value, w in zip(lex, self.lexicon, strict=True):
            if value:
                s[0] += w[0] * value
                s[1] += w[1] * value
                s[2] += w[2] * value
        known = [self.words[f] for f in words if f in self.words]
        if known:
            # Each known word weighs 1/sqrt(n): long posts do not shout louder.
            scale = 1.0 / math.sqrt(len(known))
            s[0] += scale * sum(w[0] for w in known)
            s[1] += scale * sum(w[1] for w in known)
            s[2] += scale * sum(w[2] for w in known)
        return s

    def sentiment(self, lex: tuple[float, ...], words: set[str]) -> Sentiment:
        s = self.scores(lex, words)
        top = max(s)
        exp = [math.exp(v - top) for v in s]
        total = sum(exp)
        p = [e / total for e in exp]
        best = max(range(3), key=p.__getitem__)
        # Score: how much more likely positive than negative, in [-1, 1].
        return Sentiment(LABELS[best], round(p[2] - p[0], 4), round(p[best], 3))


def parse_weights(text: str) -> dict[str, LinearModel]:
    """Models by language from the weights file's text (``#`` lines are comments)."""
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        lang, feature, neg, neu, pos = line.split("\t")
        rows.setdefault(lang, {})[feature] = (float(neg), float(neu), float(pos))
    models = {}
    for lang, feats in rows.items():
        bias = feats.pop(BIAS)
        n_lex = sum(1 for f in feats if f.startswith(LEX))
        lexicon = tuple(feats.pop(f"{LEX}{j}") for j in range(n_lex))
        models[lang] = LinearModel(lang, bias, lexicon, feats)
    return models


def load_models() -> dict[str, LinearModel]:
    """The models shipped in the package; none when the file is absent."""
    path = resources.files("veille.enrich").joinpath("data", WEIGHTS_FILE)
    if not path.is_file():
        return {}
    return parse_weights(path.read_text("utf-8"))


def format_weights(models: dict[str, LinearModel], header: list[str]) -> str:
    """The weights file's text: ``header`` as comments, then one row per feature."""
    lines = [f"# {h}" if h else "#" for h in header]
    lines.append("# lang\tfeature\tnegative\tneutral\tpositive")

    def row(lang: str, feature: str, w: tuple[float, float, float]) -> str:
        return f"{lang}\t{feature}\t{w[0]:.4g}\t{w[1]:.4g}\t{w[2]:.4g}"

    for lang, m in models.items():
        lines.append(row(lang, BIAS, m.bias))
        lines.extend(row(lang, f"{LEX}{j}", w) for j, w in enumerate(m.lexicon))
        lines.extend(row(lang, f, m.words[f]) for f in sorted(m.words))
    return "\n".join(lines) + "\n"
