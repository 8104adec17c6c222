"""Keywords per post for trending terms: lemmatized, stop-words removed."""

from __future__ import annotations

import re
from typing import Any

from veille.enrich.lexicons import STOPWORDS
from veille.enrich.textparts import MENTION_RE, URL_RE
from veille.textnorm import fold, looks_like_name, names_in

_WORD = re.compile(r"[^\W\d_][^\W_]*")
MAX_KEYWORDS = 12


class KeywordExtractor:
    """Lemmas (simplemma, per language) of the content words of a post, folded."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self._cache: dict[tuple[str, str], str] = {}
        self._lemmatize: Any = None

    def _lemma(self, word: str, lang: str) -> str:
        key = (word, lang)
        lemma = self._cache.get(key)
        if lemma is None:
            if self._lemmatize is None:
                from simplemma import lemmatize

                self._lemmatize = lemmatize
            try:
                lemma = fold(self._lemmatize(word, lang=lang))
            except (ValueError, KeyError):
                lemma = fold(word)
            if len(self._cache) < 200_000:
                self._cache[key] = lemma
        return lemma

    def extract(self, text: str, lang: str | None) -> tuple[str, ...]:
        text = MENTION_RE.sub(" ", URL_RE.sub(" ", text[:20_000]))
        code = lang if lang in self.languages else None
        counts: dict[str, int] = {}
        names = names_in(text)
        for m in _WORD.finditer(text):
            word = m.group().lower()
            folded = fold(word)
            if len(word) < 3 or folded in STOPWORDS:
                continue
            if code and folded not in names and not looks_like_name(text, m.start()):
                lemma = self._lemma(word, code)
            else:
                lemma = fold(word)
            if len(lemma) < 3 or lemma in STOPWORDS:
                continue
            counts[lemma] = counts.get(lemma, 0) + 1
        ranked = sorted(counts, key=lambda w: -counts[w])  # stable: first seen first
        return tuple(ranked[:MAX_KEYWORDS])
