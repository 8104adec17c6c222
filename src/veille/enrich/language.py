"""Language detection with lingua, restricted to the workspace's languages.

The detector is built once per :class:`LanguageDetector` (lingua loads its
models lazily, on first use, and that load is the slow part), then reused for
every post. Links, mentions, hashtag signs and emoji are removed before
detection: they say nothing about the language and drag short posts toward
whichever model likes ``http`` best.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from veille.errors import ConfigError, tr

UNDETERMINED = "und"

_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@[\w.@-]+|[#_]|&\w+;")
_LETTER = re.compile(r"[^\W\d_]")
# How much the platform's own tag weighs: it is added to that language's
# confidence before the best is picked, so it breaks near-ties but never
# overrides clear text evidence.
HINT_BONUS = 0.15


def clean_for_detection(text: str) -> str:
    """``text`` without links, mentions and markup signs."""
    return " ".join(_NOISE.sub(" ", text).split())


class LanguageDetector:
    """Detect one of ``languages`` (ISO 639-1 codes) or ``und``."""

    def __init__(
        self,
        languages: Sequence[str],
        *,
        min_confidence: float = 0.5,
        high_accuracy: bool = False,
    ) -> None:
        self.languages = tuple(dict.fromkeys(code.strip().lower() for code in languages))
        if not self.languages:
            raise ConfigError(
                tr("[enrich] languages is empty"), hint=tr('List at least one, e.g. ["fr", "en"].')
            )
        self.min_confidence = min_confidence
        self.high_accuracy = high_accuracy
        self._detector: Any = None
        self._codes: dict[Any, str] = {}

    def _build(self) -> Any:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        langs = []
        for code in self.languages:
            try:
                iso = IsoCode639_1.from_str(code)
                lang = Language.from_iso_code_639_1(iso)
            except (ValueError, AttributeError) as exc:
                raise ConfigError(
                    tr("[enrich] languages: %(code)r is not a language lingua knows", code=code),
                    hint=tr("Use ISO 639-1 codes such as fr, en, es, de."),
                ) from exc
            langs.append(lang)
            self._codes[lang] = code
        if len(langs) == 1:
            # lingua needs two languages; a single one is compared with English
            # (or French) so that a wrong-language post still comes out "und".
            other = Language.FRENCH if langs[0] != Language.FRENCH else Language.ENGLISH
            langs.append(other)
        builder = LanguageDetectorBuilder.from_languages(*langs)
        if not self.high_accuracy:
            builder = builder.with_low_accuracy_mode()
        return builder.build()

    @property
    def detector(self) -> Any:
        if self._detector is None:
            self._detector = self._build()
        return self._detector

    def confidences(self, text: str) -> dict[str, float]:
        """Each configured language's confidence for ``text`` (empty when no letters)."""
        clean = clean_for_detection(text)
        if not _LETTER.search(clean):
            return {}
        # Long posts: the first few thousand characters are plenty and keep
        # the cost bounded.
        values = self.detector.compute_language_confidence_values(clean[:4000])
        return {self._codes[v.language]: v.value for v in values if v.language in self._codes}

    def detect(self, text: str, hint: str | None = None) -> tuple[str, float]:
        """``(code, confidence)``; ``("und", c)`` when no language reaches the threshold."""
        conf = self.confidences(text)
        if not conf:
            return UNDETERMINED, 0.0
        hint = (hint or "").split("-")[0].split("_")[0].lower()
        if hint in conf:
            conf[hint] = min(1.0, conf[hint] + HINT_BONUS)
        code, value = max(conf.items(), key=lambda kv: kv[1])
        if value < self.min_confidence:
            return UNDETERMINED, value
        return code, value
