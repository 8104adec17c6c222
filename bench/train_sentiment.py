"""Train the sentiment engine's linear layer on UMSAB *train* only, with cross-validation.

    python bench/train_sentiment.py [--data DIR] [--folds 4] [--grid 0.3,1,3] [--out FILE]

For English and French: the lexicon engines' scores (rules only, no learned
layer) and the words of each tweet (``sentiment_model.words_of``) feed a
multinomial logistic regression with an L2 penalty. The penalty is picked by
``--folds``-fold cross-validation on the train split (macro-F1, folds fixed by a
seeded shuffle), beside the rules alone on the same folds; the model is then fit
on the whole train split and written to
``src/veille/enrich/data/sentiment_linear.tsv``. The validation split is never
read here: ``bench/eval_sentiment.py`` reports it, once.

Data: UMSAB tweets (cardiffnlp/xlm-t @ 874214d6, data/sentiment; English from
SemEval-17, French from DEFT 2017), read from ``../shared/data/sentiment``;
skipped with one line when absent. Needs scipy (the ``bench`` extra), at
training time only: the package reads the weights in plain Python.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from eval_sentiment import LABELS, default_data, load_umsab, macro_f1  # noqa: E402
from veille.enrich.sentiment import LexiconSentiment, social_clean  # noqa: E402
from veille.enrich.sentiment_model import (  # noqa: E402
    LinearModel,
    format_weights,
    words_of,
)

OUT = ROOT / "src" / "veille" / "enrich" / "data" / "sentiment_linear.tsv"
LANGS = (("english", "en"), ("french", "fr"))
MIN_DF = 2  # a word seen in one tweet only teaches nothing that carries over
LEX_PRIOR = 10.0  # the lexicon features are few and strong: a weaker penalty
SEED = 0


def vocabulary(docs: list[set[str]]) -> list[str]:
    df: dict[str, int] = {}
    for d in docs:
        for w in d:
            df[w] = df.get(w, 0) + 1
    return sorted(w for w, n in df.items() if n >= MIN_DF)


def sparse(docs: list[set[str]], vocab: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values (1/sqrt(known words), as at run time)."""
    index = {w: i for i, w in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, d in enumerate(docs):
        ids = sorted(index[w] for w in d if w in index)
        rows += [r] * len(ids)
        cols += ids
        if ids:
            vals += [1 / np.sqrt(len(ids))] * len(ids)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals)


def fit(docs: list[set[str]], lex: np.ndarray, y: np.ndarray, c: float, lang: str) -> LinearModel:
    """L2-penalized multinomial logistic regression (L-BFGS), as a LinearModel."""
    from scipy.optimize import minimize

    vocab = vocabulary(docs)
    rows, cols, vals = sparse(docs, vocab)
    n_words, n_lex, k = len(vocab), lex.shape[1], len(LABELS)
    onehot = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: n_words * k].reshape(n_words, k)
        u = theta[n_words * k : (n_words + n_lex) * k].reshape(n_lex, k)
        b = theta[-k:]
        s = lex @ u + b
        np.add.at(s, rows, vals[:, None] * w[cols])
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.sum(onehot * np.log(p + 1e-12))
        value += 0.5 / c * np.sum(w * w) + 0.5 / LEX_PRIOR * np.sum(u * u)
        g = p - onehot
        gw = np.zeros_like(w)
        np.add.at(gw, cols, vals[:, None] * g[rows])
        gw += w / c
        gu = lex.T @ g + u / LEX_PRIOR
        return float(value), np.concatenate([gw.ravel(), gu.ravel(), g.sum(axis=0)])

    theta0 = np.zeros((n_words + n_lex + 1) * k)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    theta = res.x
    w = theta[: n_words * k].reshape(n_words, k)
    u = theta[n_words * k : (n_words + n_lex) * k].reshape(n_lex, k)
    b = theta[-k:]

    def t3(a: np.ndarray) -> tuple[float, float, float]:
        # Rounded as the file stores them, so CV scores what ships.
        return (float(f"{a[0]:.4g}"), float(f"{a[1]:.4g}"), float(f"{a[2]:.4g}"))

    return LinearModel(
        lang,
        t3(b),
        tuple(t3(row) for row in u),
        {word: t3(w[i]) for i, word in enumerate(vocab)},
    )


def predict(model: LinearModel, docs: list[set[str]], lex: np.ndarray) -> list[str]:
    return [
        model.sentiment(tuple(float(v) for v in row), d).label
        for row, d in zip(lex, docs, strict=True)
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data())
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--grid", default="0.3,1,3", help="L2 strengths (C) to try")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--langs", default="en,fr", help="languages to train (en, fr)")
    args = ap.parse_args()
    if not (args.data / "umsab").is_dir():
        print(f"skipped: no sentiment data at {args.data} (a clone has none; see its README)")
        return 0
    grid = [float(x) for x in args.grid.split(",")]
    rules = LexiconSentiment(learned=False)
    models: dict[str, LinearModel] = {}
    summary = []
    for lang, code in LANGS:
        if code not in args.langs.split(","):
            continue
        t0 = time.perf_counter()
        train = load_umsab(args.data / "umsab" / lang, "train")
        engine = rules.engines[code]
        texts = [t for t, _ in train]
        gold = [g for _, g in train]
        y = np.array([LABELS.index(g) for g in gold])
        lex = np.array([engine.features(t) for t in texts])
        docs = [words_of(social_clean(t)[:20_000]) for t in texts]
        rule_pred = [engine.score(t).label for t in texts]
        order = np.random.default_rng(SEED).permutation(len(texts))
        folds = [np.sort(order[k :: args.folds]) for k in range(args.folds)]
        cv: dict[float, float] = {}
        base = []
        for c in grid:
            scores = []
            for held in folds:
                keep = np.setdiff1d(order, held)
                m = fit([docs[i] for i in keep], lex[keep], y[keep], c, code)
                pred = predict(m, [docs[i] for i in held], lex[held])
                scores.append(macro_f1([gold[i] for i in held], pred))
                if c == grid[0]:
                    base.append(macro_f1([gold[i] for i in held], [rule_pred[i] for i in held]))
            cv[c] = float(np.mean(scores))
            print(f"{lang}: C={c:g}  {args.folds}-fold CV macro-F1 {cv[c]:.3f}", flush=True)
        best = max(grid, key=lambda c: (cv[c], -abs(np.log(c))))
        models[code] = fit(docs, lex, y, best, code)
        line = (
            f"{lang}: picked C={best:g}: CV macro-F1 {cv[best]:.3f}, rules alone on the same "
            f"folds {np.mean(base):.3f} (their thresholds were tuned on all of train); "
            f"{len(models[code].words)} words"
        )
        # The file's header leaves the time out, so a rerun writes the same bytes.
        print(f"{line}; {time.perf_counter() - t0:.0f}s", flush=True)
        summary.append(line)
    header = [
        "veille sentiment: linear layer over the lexicon engines",
        "(see veille/enrich/sentiment_model.py).",
        "Written by bench/train_sentiment.py; do not edit by hand.",
        "Trained on the UMSAB train split only (1,839 tweets per language): cardiffnlp/xlm-t",
        "@ 874214d6, data/sentiment (Apache-2.0 repository; the original datasets' terms apply:",
        "English from SemEval-2017 Task 4, French from DEFT 2017). No text is stored here,",
        "only per-word weights.",
        *summary,
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(format_weights(models, header), "utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
