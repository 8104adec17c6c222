"""Sentiment accuracy on real labelled data, and enrichment throughput.

    python bench/eval_sentiment.py [--data DIR] [--posts N] [--tune] [--model-dir DIR]

Reads ``<repo>/../shared/data/sentiment/`` (UMSAB tweets from cardiffnlp/xlm-t,
VADER review snippets from Hutto & Gilbert, ICWSM 2014); skips with one line
when it is absent. Prints macro-F1 per language on UMSAB *validation* (never
used for tuning: ``bench/train_sentiment.py`` reads train only) for the default
engine, its rules without the learned layer, plain vaderSentiment and plain
vader-fr, run in the same process on the same texts; macro-F1 on the VADER
snippets (rating >= 0.5 positive, <= -0.5 negative, else neutral); and posts/s
on one core of the sentiment engine alone and of the whole enrichment of short
posts, beside plain VADER's posts/s (CPU time of the process, so a busy
machine does not lower the figures).
``--tune`` searches the rules' label thresholds on the UMSAB *train* split only.
``--model-dir`` also scores UMSAB validation with the transformer backend on a
local model (e.g. cardiffnlp/twitter-xlm-roberta-base-sentiment, downloaded by
you), beside the lexicon backend, with its posts/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LABELS = ("negative", "neutral", "positive")  # UMSAB: 0, 1, 2


def default_data() -> Path:
    """``../shared/data/sentiment`` beside the clone (or beside its worktrees' folder)."""
    for up in (ROOT.parent, ROOT.parent.parent):
        if (up / "shared" / "data" / "sentiment").is_dir():
            return up / "shared" / "data" / "sentiment"
    return ROOT.parent / "shared" / "data" / "sentiment"


def macro_f1(gold: list[str], pred: list[str]) -> float:
    scores = []
    for c in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(scores) / len(scores)


def load_umsab(folder: Path, split: str) -> list[tuple[str, str]]:
    texts = (folder / f"{split}_text.txt").read_text("utf-8").split("\n")
    labels = (folder / f"{split}_labels.txt").read_text("utf-8").split("\n")
    return [(t, LABELS[int(lab)]) for t, lab in zip(texts, labels, strict=False) if lab.strip()]


def load_vader(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text("utf-8", errors="replace").splitlines():
        parts = line.rstrip("\r").split("\t")
        if len(parts) < 3:
            continue
        rating = float(parts[1])
        label = "positive" if rating >= 0.5 else "negative" if rating <= -0.5 else "neutral"
        out.append(("\t".join(parts[2:]), label))
    return out


def vader_label(compound: float) -> str:
    # The thresholds VADER's authors recommend.
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def tune(data: Path) -> None:
    from veille.enrich.sentiment import LexiconSentiment, Thresholds

    lex = LexiconSentiment(learned=False)
    for lang, engine in (("english", lex.english), ("french", lex.french)):
        train = load_umsab(data / "umsab" / lang, "train")
        gold = [g for _, g in train]
        scores = [engine.compound(t) for t, _ in train]
        grid = [x / 100 for x in range(0, 80, 5)]
        best = max(
            (macro_f1(gold, [Thresholds(p, -n).label(s).label for s in scores]), p, -n)
            for p in grid
            for n in grid
        )
        print(
            f"tune {lang}: train macro-F1 {best[0]:.3f} at positive>={best[1]}, negative<={best[2]}"
        )


def eval_transformer(data: Path, model_dir: Path) -> None:
    from veille.enrich.sentiment import LexiconSentiment
    from veille.enrich.transformer import TransformerSentiment

    model = TransformerSentiment(model_dir)
    lex = LexiconSentiment()
    print(f"UMSAB validation, macro-F1: transformer ({model_dir.name}, {model.device}) vs lexicon")
    for lang, code in (("english", "en"), ("french", "fr"), ("spanish", "es"), ("german", "de")):
        rows = load_umsab(data / "umsab" / lang, "val")
        gold = [g for _, g in rows]
        items: list[tuple[str, str | None]] = [(t, code) for t, _ in rows]
        t0 = time.perf_counter()
        pred = [s.label for s in model.score_many(items)]
        rate = len(items) / (time.perf_counter() - t0)
        f_model = macro_f1(gold, pred)
        f_lex = macro_f1(gold, [s.label for s in lex.score_many(items)])
        ratio = f"ratio {f_model / f_lex:.2f}" if f_lex else "lexicon unscored"
        print(
            f"  {lang:8s} n={len(rows)}: transformer {f_model:.3f}  lexicon {f_lex:.3f}  "
            f"{ratio}  ({rate:,.0f} posts/s)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data())
    ap.add_argument("--posts", type=int, default=20_000, help="posts for the throughput run")
    ap.add_argument("--tune", action="store_true", help="search thresholds on UMSAB train")
    ap.add_argument("--model-dir", type=Path, help="also evaluate a local transformer model")
    args = ap.parse_args()
    if not (args.data / "umsab").is_dir():
        print(f"skipped: no sentiment data at {args.data} (a clone has none; see its README)")
        return 0
    if args.tune:
        tune(args.data)
        return 0
    if args.model_dir is not None:
        eval_transformer(args.data, args.model_dir)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from veille.config import EnrichSettings
    from veille.enrich import Enricher
    from veille.enrich.sentiment import LexiconSentiment

    vader = SentimentIntensityAnalyzer()
    enricher = Enricher(EnrichSettings(languages=("fr", "en", "es", "de")))
    rules = LexiconSentiment(learned=False)
    print(
        "UMSAB validation (cardiffnlp/xlm-t), macro-F1: veille (rules + learned layer) vs "
        "its rules alone vs plain VADER"
    )
    for lang, code in (("english", "en"), ("french", "fr"), ("spanish", "es"), ("german", "de")):
        rows = load_umsab(args.data / "umsab" / lang, "val")
        gold = [g for _, g in rows]
        texts = [t for t, _ in rows]
        # The language is known here: score with it, as a post tagged by lingua would be.
        items: list[tuple[str, str | None]] = [(t, code) for t in texts]
        pred = [s.label for s in enricher.sentiment.score_many(items)]
        base = [vader_label(vader.polarity_scores(t)["compound"]) for t in texts]
        scored = sum(1 for p in pred if p != "unscored")
        f_ours, f_base = macro_f1(gold, pred), macro_f1(gold, base)
        if scored == 0:
            print(
                f"  {lang:8s} n={len(rows)}: unscored (no engine), coverage 0%; "
                f"plain VADER {f_base:.3f}"
            )
            continue
        f_rules = macro_f1(gold, [s.label for s in rules.score_many(items)])
        detected = enricher.analyze_many(texts)
        lang_ok = sum(1 for a in detected if a.lang == code) / len(texts)
        print(
            f"  {lang:8s} n={len(rows)}: veille {f_ours:.3f}  rules alone {f_rules:.3f}  "
            f"plain VADER {f_base:.3f}  ratio {f_ours / f_base:.2f}  "
            f"(lingua says {code}: {lang_ok:.0%})"
        )
        if code == "fr":
            from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as FrVader

            fr_base = [vader_label(FrVader().polarity_scores(t)["compound"]) for t in texts]
            f_fr = macro_f1(gold, fr_base)
            print(f"  {'':8s} plain vader-fr {f_fr:.3f}  ratio {f_ours / f_fr:.2f}")
    print("VADER review snippets (Hutto & Gilbert 2014), macro-F1, English engine:")
    for name in ("movieReviewSnippets_GroundTruth.txt", "amazonReviewSnippets_GroundTruth.txt"):
        rows = load_vader(args.data / "vader" / name)
        gold = [g for _, g in rows]
        pred = [enricher.sentiment.score_many([(t, "en")])[0].label for t, _ in rows]
        base = [vader_label(vader.polarity_scores(t)["compound"]) for t, _ in rows]
        f_ours, f_base = macro_f1(gold, pred), macro_f1(gold, base)
        print(
            f"  {name.split('Snippets')[0]:6s} n={len(rows)}: veille {f_ours:.3f}  "
            f"plain VADER {f_base:.3f}  ratio {f_ours / f_base:.2f}"
        )

    from veille.models import Author, Post

    texts = [
        t
        for lang in ("english", "french")
        for t, _ in load_umsab(args.data / "umsab" / lang, "train")
    ]
    n_en = len(load_umsab(args.data / "umsab" / "english", "train"))
    when = datetime(2026, 1, 1, tzinfo=UTC)
    posts = [
        Post.create(
            platform="bench",
            native_id=str(i),
            text=texts[i % len(texts)],
            published_at=when,
            author=Author("a"),
        )
        for i in range(args.posts)
    ]
    # The sentiment engine alone, on the same texts with their language known.
    items: list[tuple[str, str | None]] = [
        (texts[i % len(texts)], "en" if i % len(texts) < n_en else "fr") for i in range(args.posts)
    ]
    engine = LexiconSentiment()
    engine.score_many(items[:50])  # lexicons and weights load on first use
    # CPU seconds of this process, not wall time: posts per second of one core,
    # even on a machine others keep busy.
    t0 = time.process_time()
    engine.score_many(items)
    engine_rate = len(items) / (time.process_time() - t0)
    fresh = Enricher(EnrichSettings())
    fresh.enrich(posts[:50])  # lingua loads its models on first use
    t0 = time.process_time()
    for i in range(0, len(posts), 500):
        fresh.enrich(posts[i : i + 500])
    ours_rate = len(posts) / (time.process_time() - t0)
    t0 = time.process_time()
    for p in posts:
        vader.polarity_scores(p.text)
    base_rate = len(posts) / (time.process_time() - t0)
    print(
        f"throughput, {len(posts)} short posts (UMSAB train, en and fr), per CPU-second: "
        f"plain VADER alone {base_rate:,.0f} posts/s"
    )
    print(
        f"  sentiment engine alone {engine_rate:,.0f} posts/s  ratio {engine_rate / base_rate:.2f}"
        f"  (target >= 3,000 posts/s: {'met' if engine_rate >= 3000 else 'missed'})"
    )
    print(
        f"  whole enrichment (language, sentiment, entities, keywords) {ours_rate:,.0f} posts/s"
        f"  ratio {ours_rate / base_rate:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
