"""The Enricher: language, sentiment, entities and keywords for each post.

Build it once (:meth:`Enricher.from_settings`) and reuse it: the language
detector, lexicons and lemma caches are loaded on first use and kept.
:meth:`Enricher.enrich` never raises for a post's content and never drops a
post: whatever cannot be determined is ``und`` (language) or ``unscored``
(sentiment).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from veille.config import EnrichSettings
from veille.enrich.entities import DomainResolver, Entities, extract_entities
from veille.enrich.keywords import KeywordExtractor
from veille.enrich.language import UNDETERMINED, LanguageDetector
from veille.enrich.sentiment import UNSCORED, LexiconSentiment
from veille.errors import ConfigError, tr
from veille.models import Post, Sentiment

log = logging.getLogger(__name__)


class SentimentBackend(Protocol):
    def score_many(self, items: list[tuple[str, str | None]]) -> list[Sentiment]: ...


@dataclass(frozen=True)
class Analysis:
    """What enrichment found in one text."""

    lang: str
    lang_confidence: float
    sentiment: Sentiment
    entities: Entities
    keywords: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        s = self.sentiment
        return {
            "lang": self.lang,
            "lang_confidence": round(self.lang_confidence, 3),
            "sentiment": {"label": s.label, "score": s.score, "confidence": s.confidence},
            "entities": self.entities.as_dict(),
            "keywords": list(self.keywords),
        }


def _backend(settings: EnrichSettings) -> SentimentBackend:
    if settings.sentiment_backend == "lexicon":
        return LexiconSentiment()
    if settings.sentiment_backend == "transformers":
        from veille.enrich.transformer import TransformerSentiment

        return TransformerSentiment(
            settings.model_dir,
            languages=settings.model_languages,
            batch_size=settings.model_batch_size,
        )
    raise ConfigError(
        tr(
            "[enrich] sentiment_backend %(sentiment_backend)r is unknown",
            sentiment_backend=settings.sentiment_backend,
        ),
        hint=tr('Use "lexicon" or "transformers".'),
    )


class Enricher:
    """Enrich posts; one instance per process, reused for every batch."""

    def __init__(
        self,
        settings: EnrichSettings | None = None,
        *,
        sentiment: SentimentBackend | None = None,
    ) -> None:
        self.settings = settings or EnrichSettings()
        self.language = LanguageDetector(
            self.settings.languages,
            min_confidence=self.settings.min_language_confidence,
            high_accuracy=self.settings.language_high_accuracy,
        )
        self.sentiment = sentiment if sentiment is not None else _backend(self.settings)
        self.domains = DomainResolver()
        self.keywords = KeywordExtractor(self.language.languages)

    @classmethod
    def from_settings(cls, settings: EnrichSettings, root: Path | None = None) -> Enricher:
        """``root``: the workspace folder, against which a relative ``model_dir``
        is read."""
        if root is not None and settings.model_dir.strip():
            model_dir = Path(settings.model_dir).expanduser()
            if not model_dir.is_absolute():
                settings = replace(settings, model_dir=str(Path(root) / model_dir))
        return cls(settings)

    # -- one text ---------------------------------------------------------------

    def _language(self, text: str, hint: str | None) -> tuple[str, float]:
        try:
            return self.language.detect(text, hint)
        except ConfigError:
            raise
        except Exception:  # a detector failure must not lose the post
            log.warning("language detection failed", exc_info=True)
            return UNDETERMINED, 0.0

    def analyze_many(
        self, texts: Sequence[str], hints: Sequence[str | None] | None = None
    ) -> list[Analysis]:
        """Analyse plain texts (``veille analyze``)."""
        hints = hints or [None] * len(texts)
        langs = [self._language(t, h) for t, h in zip(texts, hints, strict=True)]
        sentiments = self._sentiments(
            [(t, lang) for t, (lang, _) in zip(texts, langs, strict=True)]
        )
        out = []
        for text, (lang, conf), sent in zip(texts, langs, sentiments, strict=True):
            out.append(
                Analysis(
                    lang=lang,
                    lang_confidence=conf,
                    sentiment=sent,
                    entities=self._entities(text, None),
                    keywords=self._keywords(text, lang),
                )
            )
        return out

    def _sentiments(self, items: list[tuple[str, str]]) -> list[Sentiment]:
        scored = [(t, None if lang == UNDETERMINED else lang) for t, lang in items]
        try:
            return self.sentiment.score_many(scored)
        except Exception:
            log.warning("sentiment batch failed; scoring posts one by one", exc_info=True)
        out = []
        for item in scored:
            try:
                out.append(self.sentiment.score_many([item])[0])
            except Exception:
                out.append(UNSCORED)
        return out

    def _entities(self, text: str, post: Post | None) -> Entities:
        try:
            return extract_entities(text, self.domains, post)
        except Exception:
            log.warning("entity extraction failed", exc_info=True)
            return Entities()

    def _keywords(self, text: str, lang: str) -> tuple[str, ...]:
        try:
            return self.keywords.extract(text, lang)
        except Exception:
            log.warning("keyword extraction failed", exc_info=True)
            return ()

    # -- posts ------------------------------------------------------------------

    def enrich(self, posts: list[Post]) -> list[Post]:
        """Copies of ``posts`` with language, sentiment, entities and keywords.

        A sentiment a user set (``source == "user"``) is kept as it is.
        """
        texts = [f"{p.title}\n{p.text}" if p.title else p.text for p in posts]
        langs = [self._language(t, p.lang) for t, p in zip(texts, posts, strict=True)]
        todo = [
            i
            for i, p in enumerate(posts)
            if not (p.sentiment is not None and p.sentiment.source == "user")
        ]
        scores = self._sentiments([(texts[i], langs[i][0]) for i in todo])
        sentiments: dict[int, Sentiment] = dict(zip(todo, scores, strict=True))
        out = []
        for i, (post, text, (lang, _conf)) in enumerate(zip(posts, texts, langs, strict=True)):
            ent = self._entities(text, post)
            out.append(
                replace(
                    post,
                    lang=lang,
                    sentiment=sentiments.get(i, post.sentiment),
                    hashtags=ent.hashtags,
                    mentions=ent.mentions,
                    links=ent.links,
                    media=ent.media,
                    keywords=self._keywords(text, lang),
                )
            )
        return out
