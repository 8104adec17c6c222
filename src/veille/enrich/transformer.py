"""The optional transformer sentiment backend (``pip install 'veille[transformers]'``).

A sequence-classification model the user downloaded into a local directory
(for example ``cardiffnlp/twitter-xlm-roberta-base-sentiment``) scores posts
in batches, on the GPU when torch sees one, on the CPU otherwise. Nothing is
ever downloaded: the model and tokenizer load with ``local_files_only=True``.

Labels come from the model's ``id2label``, read case-insensitively
(``negative``/``neutral``/``positive``, ``neg``/``neu``/``pos``), or, for
models that only say ``LABEL_0``…, by position: three labels mean
negative, neutral, positive; two mean negative, positive. The score is
P(positive) − P(negative), the confidence the probability of the label chosen.

Languages: a multilingual model can read any language, so by default every
post with text is scored, ``und`` included. ``[enrich] model_languages``
restricts scoring to the listed languages (for an English-only model); posts
in others are ``unscored``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from veille.enrich.sentiment import UNSCORED, social_clean
from veille.errors import ConfigError, tr
from veille.models import Sentiment, SentimentLabel

log = logging.getLogger(__name__)

_NAMES = {
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
}
_BY_POSITION = {
    2: ("negative", "positive"),
    3: ("negative", "neutral", "positive"),
}
INSTALL_HINT = (
    "Install the extra (pip install 'veille[transformers]', with a CPU or CUDA torch "
    'as you need), or set [enrich] sentiment_backend = "lexicon".'
)


def map_labels(id2label: dict[Any, Any], where: str) -> dict[int, str]:
    """Model output index → ``negative``/``neutral``/``positive``.

    Raises :class:`ConfigError` naming ``where`` when the labels cannot be read.
    """
    try:
        raw = {int(k): str(v).strip().lower() for k, v in id2label.items()}
    except (TypeError, ValueError):
        raw = {}
    out: dict[int, str] = {}
    if raw and all(v in _NAMES for v in raw.values()):
        out = {k: _NAMES[v] for k, v in raw.items()}
    elif sorted(raw) == list(range(len(raw))) and all(v == f"label_{k}" for k, v in raw.items()):
        names = _BY_POSITION.get(len(raw))
        if names:
            out = dict(enumerate(names))
    values = sorted(out.values())
    if not out or len(set(values)) != len(values) or not {"negative", "positive"} <= set(values):
        raise ConfigError(
            tr(
                "[enrich] model_dir %(where)s: cannot read sentiment labels from id2label %(dict)s",
                where=where,
                dict=dict(sorted(raw.items())),
            ),
            hint=tr(
                "Use a sentiment model whose labels are "
                "negative/neutral/positive (or LABEL_0/1/2 in that order)."
            ),
        )
    return out


class TransformerSentiment:
    """A local sequence-classification model, batched; GPU when present."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        languages: Sequence[str] = (),
        batch_size: int = 32,
        max_length: int = 256,
        device: str | None = None,
    ) -> None:
        if not str(model_dir).strip():
            raise ConfigError(
                tr('[enrich] sentiment_backend = "transformers" needs model_dir'),
                hint=tr(
                    "Set [enrich] model_dir to the directory of a downloaded "
                    "sentiment model (config.json, weights and tokenizer files)."
                ),
            )
        self.path = Path(model_dir).expanduser()
        if not self.path.is_dir():
            raise ConfigError(
                tr("[enrich] model_dir %(path)s is not a directory", path=self.path),
                hint=tr(
                    "Download the model there first (nothing is downloaded by "
                    "veille), or fix the path in veille.toml."
                ),
            )
        config_file = self.path / "config.json"
        try:
            config = json.loads(config_file.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                tr("[enrich] model_dir %(path)s has no config.json", path=self.path),
                hint=tr(
                    "Point model_dir at the folder holding the model's "
                    "config.json, weights and tokenizer files."
                ),
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigError(
                tr(
                    "[enrich] model_dir %(path)s: config.json cannot be read (%(exc)s)",
                    path=self.path,
                    exc=exc,
                ),
                hint=tr("Download the model again."),
            ) from None
        if not isinstance(config, dict):
            raise ConfigError(
                tr("[enrich] model_dir %(path)s: config.json is not an object", path=self.path)
            )
        self.labels = map_labels(config.get("id2label") or {}, str(self.path))
        self.languages = frozenset(languages)
        self.batch_size = max(1, int(batch_size))
        self.max_length = max(8, int(max_length))
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ConfigError(
                tr(
                    '[enrich] sentiment_backend = "transformers" needs torch and '
                    "transformers (%(value)s is not installed)",
                    value=exc.name or exc,
                ),
                hint=INSTALL_HINT,
            ) from None
        from transformers.utils import logging as hf_logging

        # Loading a local model needs no progress bar on the user's terminal.
        hf_logging.disable_progress_bar()
        self._torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                str(self.path), local_files_only=True
            )
        except Exception as exc:  # transformers raises OSError, ValueError, KeyError...
            raise ConfigError(
                tr(
                    "[enrich] model_dir %(path)s: the model cannot be loaded (%(name)s: %(value)s)",
                    path=self.path,
                    name=type(exc).__name__,
                    value=str(exc).splitlines()[0] if str(exc) else "",
                ),
                hint=tr(
                    "It needs config.json, weights (model.safetensors or "
                    "pytorch_model.bin) and tokenizer files; download the model "
                    "again."
                ),
            ) from None
        n_out = int(getattr(model.config, "num_labels", len(self.labels)))
        if sorted(self.labels) != list(range(n_out)):
            raise ConfigError(
                tr(
                    "[enrich] model_dir %(path)s: the model has %(n_out)s "
                    "outputs but id2label names %(n)s",
                    path=self.path,
                    n_out=n_out,
                    n=len(self.labels),
                ),
                hint=tr("Use a sentiment model whose config matches its weights."),
            )
        self.model = model.to(self.device).eval()
        self._pos = next(k for k, v in self.labels.items() if v == "positive")
        self._neg = next(k for k, v in self.labels.items() if v == "negative")

    def scores(self, lang: str | None) -> bool:
        """Whether a post in ``lang`` is scored (``None`` is ``und``)."""
        if not self.languages:
            return True
        return lang is not None and lang in self.languages

    def _probabilities(self, texts: list[str]) -> list[list[float]]:
        torch = self._torch
        enc = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with torch.inference_mode():
            logits = self.model(**enc).logits
        probs: list[list[float]] = torch.softmax(logits.float(), dim=-1).cpu().tolist()
        return probs

    def _sentiment(self, probs: list[float]) -> Sentiment:
        best = max(range(len(probs)), key=probs.__getitem__)
        score = max(-1.0, min(1.0, probs[self._pos] - probs[self._neg]))
        return Sentiment(
            cast(SentimentLabel, self.labels[best]), round(score, 4), round(probs[best], 3)
        )

    def score_many(self, items: list[tuple[str, str | None]]) -> list[Sentiment]:
        out: list[Sentiment] = [UNSCORED] * len(items)
        todo: list[tuple[int, str]] = []
        for i, (text, lang) in enumerate(items):
            if not self.scores(lang):
                continue
            clean = " ".join(social_clean(text[:20_000]).split())
            if not clean:
                # Only links or mentions: neutral when the language is known, as
                # with the lexicon; nothing to read otherwise.
                out[i] = Sentiment("neutral", 0.0, 0.5) if lang else UNSCORED
                continue
            todo.append((i, clean))
        # Similar lengths together: less padding, same results.
        todo.sort(key=lambda item: len(item[1]))
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start : start + self.batch_size]
            for (i, _), probs in zip(
                chunk, self._probabilities([t for _, t in chunk]), strict=True
            ):
                out[i] = self._sentiment(probs)
        return out
