"""Keywords per post for trending terms: lemmatized, stop-words removed."""

from __future__ import annotations

import re
from typing import Any

from veille.enrich.lexicons import STOPWORDS
from veille.enrich.textparts import MENTION_RE, URL_RE
from veille.textmarks import MARKS
from veille.textnorm import fold, looks_like_name, names_in

# A word starts with a letter; its combining marks are part of it (the vowel
# signs of हिन्दी or สวัสดี), as in :data:`veille.textnorm.WORD_RE`.
_WORD = re.compile(rf"[^\W\d_](?:[^\W_]|[{MARKS}])*")
MAX_KEYWORDS = 12


class KeywordExtractor:
    """Lemmas (simplemma, per language) of the content words of a post, folded."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self._cache: dict[tuple[str, str], str] = {}
        # Each written form seen: (lower-cased, folded, left out?).
        self._forms: dict[str, tuple[str, str, bool]] = {}
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
        text = text[:20_000]
        # The patterns run only where they can match (most posts hold neither).
        if "://" in text or "www." in text.lower():
            text = URL_RE.sub(" ", text)
        if "@" in text:
            text = MENTION_RE.sub(" ", text)
        code = lang if lang in self.languages else None
        counts: dict[str, int] = {}
        # Names matter only where words are lemmatized.
        names = names_in(text) if code else frozenset()
        forms = self._forms
        for m in _WORD.finditer(text):
            written = m.group()
            form = forms.get(written)
            if form is None:
                low = written.lower()
                folded = fold(low)
                form = (low, folded, len(low) < 3 or folded in STOPWORDS)
                if len(forms) < 200_000:
                    forms[written] = form
            word, folded, left_out = form
            if left_out:
                continue
            if (
                code
                and folded not in names
                and not (written[0].isupper() and looks_like_name(text, m.start()))
            ):
                lemma = self._lemma(word, code)
            else:
                lemma = folded
            if len(lemma) < 3 or lemma in STOPWORDS:
                continue
            counts[lemma] = counts.get(lemma, 0) + 1
        ranked = sorted(counts, key=lambda w: -counts[w])  # stable: first seen first
        return tuple(ranked[:MAX_KEYWORDS])
