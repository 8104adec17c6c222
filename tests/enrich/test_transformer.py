"""The optional transformer backend, on tiny models built on disk here (nothing
is downloaded). Skipped when torch or transformers are not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.config import EnrichSettings
from veille.enrich.transformer import map_labels
from veille.errors import ConfigError

VOCAB_TEXT = """
le la les un une de et est pas très bon mauvais nul génial j adore aime service produit
the a is not very good bad great love hate product el es muy bueno
"""
WORDS = VOCAB_TEXT.split()
TEXTS = [
    "J'adore ce produit, très bon",
    "the product is bad",
    "le service est nul",
    "great",
    "I love it, very good product 😀",
    "un produit pas mauvais et pas génial",
    "el producto es muy bueno",
    "a",
    "hate hate hate the service #fail @bob https://example.com/x",
]


def build_model(
    path: Path,
    id2label: dict[int, str],
    *,
    bias: list[float] | None = None,
    seed: int = 0,
) -> Path:
    """A randomly initialised 2-layer BERT classifier and a word-level tokenizer."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        initializer_range=0.5,  # outputs that differ from text to text
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    model = transformers.BertForSequenceClassification(config)
    if bias is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor(bias))
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(
        tmp_path_factory.mktemp("model"), {0: "negative", 1: "neutral", 2: "positive"}
    )


def backend(path: Path, **kw: object):
    from veille.enrich.transformer import TransformerSentiment

    return TransformerSentiment(path, **kw)  # type: ignore[arg-type]


def test_labels_scores_and_confidence_are_valid(model_dir: Path) -> None:
    got = backend(model_dir).score_many([(t, "fr") for t in TEXTS])
    assert len(got) == len(TEXTS)
    for s in got:
        assert s.label in {"negative", "neutral", "positive"}
        assert -1.0 <= s.score <= 1.0
        assert 1 / 3 <= s.confidence <= 1.0  # the winning probability of three
    assert len({s.score for s in got}) > 1  # it reads the text


def test_batching_gives_the_same_results_as_one_by_one(model_dir: Path) -> None:
    items = [(t, "en") for t in TEXTS]
    batched = backend(model_dir, batch_size=4).score_many(items)
    alone = backend(model_dir, batch_size=1)
    single = [alone.score_many([item])[0] for item in items]
    assert [s.label for s in batched] == [s.label for s in single]
    for a, b in zip(batched, single, strict=True):
        assert a.score == pytest.approx(b.score, abs=2e-3)
        assert a.confidence == pytest.approx(b.confidence, abs=2e-3)


def test_labels_follow_id2label_not_output_order(tmp_path: Path) -> None:
    # Output 0 always wins, and the model calls output 0 "Positive".
    path = build_model(tmp_path, {0: "Positive", 1: "NEGATIVE", 2: "neutral"}, bias=[6, 0, 0])
    (s,) = backend(path).score_many([("le service est nul", "fr")])
    assert s.label == "positive"
    assert s.score > 0.9 and s.confidence > 0.9


def test_label_n_names_mean_negative_neutral_positive(tmp_path: Path) -> None:
    path = build_model(tmp_path, {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, bias=[0, 0, 6])
    (s,) = backend(path).score_many([("the product is bad", "en")])
    assert s.label == "positive" and s.score > 0.9


def test_languages_scored_and_unscored(model_dir: Path) -> None:
    from veille.enrich import Enricher

    every = Enricher(
        EnrichSettings(
            languages=("fr",), sentiment_backend="transformers", model_dir=str(model_dir)
        )
    )
    texts = ["Le service client est vraiment nul", "The weather is lovely in London today", ""]
    fr, en, empty = every.analyze_many(texts)
    assert fr.lang == "fr" and fr.sentiment.label != "unscored"
    # A multilingual model reads any language: English (und here) is scored too.
    assert en.lang == "und" and en.sentiment.label != "unscored"
    assert empty.sentiment.label == "unscored"
    only_fr = Enricher(
        EnrichSettings(
            sentiment_backend="transformers", model_dir=str(model_dir), model_languages=("fr",)
        )
    )
    fr, en, _ = only_fr.analyze_many(texts)
    assert en.lang == "en"
    assert fr.sentiment.label != "unscored"
    assert en.sentiment.label == "unscored"


def test_enrich_posts_keeps_user_corrections(model_dir: Path) -> None:
    from veille.enrich import Enricher
    from veille.models import Author, Post, Sentiment

    e = Enricher(EnrichSettings(sentiment_backend="transformers", model_dir=str(model_dir)))
    mine = Sentiment("negative", -1.0, 1.0, "user")
    when = datetime(2026, 1, 5, tzinfo=UTC)
    posts = [
        Post.create(platform="x", native_id=str(i), text=t, published_at=when, author=Author("a"))
        for i, t in enumerate(TEXTS)
    ]
    posts[0] = Post.create(
        platform="x",
        native_id="0",
        text=TEXTS[0],
        published_at=when,
        author=Author("a"),
        sentiment=mine,
    )
    out = e.enrich(posts)
    assert [p.id for p in out] == [p.id for p in posts]
    assert out[0].sentiment == mine
    assert all(p.sentiment is not None and p.sentiment.source != "user" for p in out[1:])


def test_analyze_cli_with_a_relative_model_dir(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    """``veille analyze`` run from another folder reads ``model_dir`` from the
    workspace's root, and prints no progress bar while it loads the model.
    Run in this process, where torch and transformers are imported already (a
    new process spent most of this test's time importing them again): the
    progress bars are turned back on first, as a new process has them."""
    from tests.cli_runner import CliRunner, veille_command
    from transformers.utils import logging as hf_logging

    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    os.symlink(model_dir, root / "models")
    config = root / "veille.toml"
    config.write_text(
        config.read_text("utf-8").replace(
            "[enrich]\n",
            '[enrich]\nsentiment_backend = "transformers"\nmodel_dir = "models"\n',
        ),
        "utf-8",
    )
    lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TEXTS))
    monkeypatch.chdir(tmp_path)  # "models" is not here: it is the workspace's
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.enable_progress_bar()
    try:
        result = CliRunner().invoke(
            veille_command(), ["analyze", "--workspace", str(root)], input=lines
        )
    finally:
        (hf_logging.enable_progress_bar if bars else hf_logging.disable_progress_bar)()
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == list(range(len(TEXTS)))
    assert all(o["sentiment"]["label"] in {"negative", "neutral", "positive"} for o in out)
    assert "Loading weights" not in result.stderr
    assert "Loading weights" not in capfd.readouterr().err


def test_bad_model_directories_are_clear_config_errors(tmp_path: Path, model_dir: Path) -> None:
    pytest.importorskip("transformers")
    from veille.enrich import Enricher

    missing = tmp_path / "no-such-model"
    with pytest.raises(ConfigError, match="no-such-model"):
        Enricher(EnrichSettings(sentiment_backend="transformers", model_dir=str(missing)))
    with pytest.raises(ConfigError, match="needs model_dir"):
        Enricher(EnrichSettings(sentiment_backend="transformers"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"empty has no config\.json"):
        backend(empty)
    no_weights = tmp_path / "no-weights"
    no_weights.mkdir()
    (no_weights / "config.json").write_text((model_dir / "config.json").read_text("utf-8"))
    with pytest.raises(ConfigError, match="no-weights: the model cannot be loaded"):
        backend(no_weights)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"broken: config\.json cannot be read"):
        backend(broken)


def test_bad_model_dir_through_the_cli_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veille.cli import build_app
    from veille.workspace import init_workspace

    root = init_workspace(tmp_path / "ws")
    config = root / "veille.toml"
    config.write_text(
        config.read_text("utf-8").replace(
            "[enrich]\n", '[enrich]\nsentiment_backend = "transformers"\nmodel_dir = "gone"\n'
        ),
        "utf-8",
    )
    result = CliRunner().invoke(
        build_app(), ["analyze", "--workspace", str(root)], input='{"id": 1, "text": "hi"}\n'
    )
    assert result.exit_code == 2
    assert str(root / "gone") in result.output


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({"0": "negative", "1": "neutral", "2": "positive"}, ["negative", "neutral", "positive"]),
        ({0: "Positive", 1: "Negative"}, ["positive", "negative"]),
        ({0: "NEG", 1: "NEU", 2: "POS"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"]),
    ],
)
def test_label_mapping(id2label: dict, expected: list[str]) -> None:
    got = map_labels(id2label, "m")
    assert [got[i] for i in range(len(expected))] == expected


@pytest.mark.parametrize(
    "id2label",
    [
        {},
        {0: "joy", 1: "anger"},
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2", 3: "LABEL_3"},
        {0: "positive", 1: "neutral"},
        {0: "negative", 1: "negative", 2: "positive"},
    ],
)
def test_unreadable_labels_are_a_config_error(id2label: dict) -> None:
    with pytest.raises(ConfigError, match="/models/x: cannot read sentiment labels"):
        map_labels(id2label, "/models/x")


def test_without_torch_the_error_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"id2label": {"0": "neg", "1": "pos"}}))
    code = (
        "import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
        "from veille.enrich.transformer import TransformerSentiment\n"
        "from veille.errors import ConfigError\n"
        "try:\n"
        f"    TransformerSentiment({str(tmp_path)!r})\n"
        "except ConfigError as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "needs torch and transformers (torch is not installed)" in out.stdout
    assert "veille[transformers]" in out.stdout
