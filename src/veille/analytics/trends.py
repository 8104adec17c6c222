"""Trending terms: words and two-word phrases rising against their own baseline.

Each post's words are lemmatized (simplemma, French then English), folded
(case and accents) and reduced by a few derivational endings, so that
``médias``, ``media`` and ``médiatique`` count as one term. French and
English stop-words (and those of the post's own language, when the post
has one: ``und`` in a German post, not ``war`` in an English one), numbers,
links and mentions are dropped. A term counts
once per *story* (near-duplicate copies are one story), in the period and in
the baseline (the periods of the same length just before); terms are ranked
by Dunning's log-likelihood G² among those whose share of stories rose.

A post's terms are extracted once, when it is stored (:func:`post_terms`:
the stores keep them beside the post), and only gathered here: extracting
them from every post of a period and its baseline at each first view took
about 12 s at 1M posts (1.4 µs a word).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from veille.analytics.scope import Period, Scope, days_held
from veille.models import Post, PostTerms
from veille.store.protocols.analytics import STORY_SAMPLE, StoryTerms, count_terms
from veille.textnorm import TEXT_WORD_RE, fold, looks_like_name, visible

# Links, e-mail addresses, handles (``@netpolicy.bsky.social``, ``@a@b.social``)
# and bare domains (``lumio.example/fibre``): their pieces are no one's words.
# (An address starts where its run of [\w.-] does, and no run before ``@`` or
# ``.`` gives anything back: the same matches as without these, a regular
# expression tried at every position of every post costing a third less.)
_URL = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w.@#-])[@#]?[\w.-]++@[\w.-]+|@[\w.-]*\w"
    r"|\b[\w-]++(?:\.[\w-]++)*\.[a-z]{2,}\b(?:/\S*)?"
)
# What any of them holds: a text without it has none (half of the posts),
# and is not cut.
_URL_SIGN = re.compile(r"[@:]|\.[a-z]{2}|www\.")
# Derivational endings folded away after lemmatizing, longest first.
_SUFFIXES = (
    "tiques", "tique", "iques", "ique", "ismes", "isme", "istes", "iste",
    "ically", "ical", "ism", "ist", "aux", "ales", "ale", "al", "ic",
)  # fmt: skip
_MIN_STEM = 4
_EXTRA_STOP = {"http", "https", "www", "com", "org", "net", "amp", "rt", "via", "cest", "ca", "oui"}


@lru_cache(maxsize=64)
def stop_words(lang: str | None = None) -> frozenset[str]:
    """Folded French and English stop-words, and those of ``lang`` (a
    language code the stop-word lists know: ``de``, ``es``, ``ar``…).

    A post's own language only: ``war`` is a German stop-word and an
    English noun, ``die`` a German article and an English verb."""
    from stop_words import get_stop_words

    if lang not in (None, "fr", "en"):
        return stop_words() | {fold(w) for w in get_stop_words(lang)}
    words = {fold(w) for code in ("fr", "en") for w in get_stop_words(code)}
    # Elisions split off by the tokenizer (l', d', qu') and their English kin.
    words |= {"l", "d", "j", "m", "n", "s", "t", "qu", "c", "y", "ll", "re", "ve"}
    return frozenset(words | _EXTRA_STOP)


@lru_cache(maxsize=256)
def stop_language(lang: str | None) -> str | None:
    """The stop-word list of a post's language (``de-AT`` -> ``de``), or
    ``None``: French and English only (no language, or one without a list)."""
    from stop_words import LANGUAGE_MAPPING

    code = (lang or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGE_MAPPING and code not in ("fr", "en") else None


@lru_cache(maxsize=200_000)
def _word(word: str, lang: str | None = None) -> tuple[str, str | None]:
    """``(folded, key)`` of a lower-case word, the key ``None`` when the word
    is no term (a stop word of French, English or ``lang`` (see
    :func:`stop_language`), under three letters, a number): the same for
    every post of that language that holds it, so looked up once."""
    folded = fold(word)
    if folded in stop_words(lang) or len(folded) < 3 or folded.isdigit():
        return folded, None
    return folded, term_key(word)[0]


@lru_cache(maxsize=200_000)
def term_key(word: str) -> tuple[str, str]:
    """``(key, lemma)`` for one lower-case word: the folded lemma reduced by
    derivational endings as the key (the lemma itself is shown nowhere: a
    term is shown in its most frequent written form)."""
    import simplemma

    lemma = simplemma.lemmatize(word, lang=("fr", "en")).lower()
    key = fold(lemma)
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= _MIN_STEM:
            key = key[: -len(suffix)]
            break
    return key, lemma


def extract_terms(text: str, lang: str | None = None) -> dict[str, str]:
    """Keys of the words and adjacent-word phrases (not across punctuation) of
    ``text`` (a post in ``lang``, whose stop-words are no terms) -> the form
    written there (lower-cased unless a name), so that a term is shown as
    people wrote it (``petite note``) rather than as its lemma (``petit note``)."""
    out: dict[str, str] = {}
    stops = stop_language(lang)
    chunks = _URL.split(text) if _URL_SIGN.search(text) else [text]
    # Each chunk's words are found once, for the names, then for the terms. A
    # word after a removed mention or link starts its chunk: "@ana Huge
    # outage" does not make "Huge" a name. A word written as a name anywhere
    # in the text is one everywhere in it (as :func:`veille.textnorm.names_in` says).
    # A soft hyphen or a zero-width character inside a word does not cut it.
    found = [list(TEXT_WORD_RE.finditer(chunk)) for chunk in chunks]
    names: set[str] = set()
    named: set[tuple[int, int]] = set()  # (chunk, start) of the words written as names
    for i, chunk in enumerate(chunks):
        if chunk.islower():  # no capital letter: no name (most posts of a firehose)
            continue
        for m in found[i]:
            start = m.start()
            if chunk[start].isupper() and looks_like_name(chunk, start):
                names.add(fold(m.group()))
                named.add((i, start))
    for i, chunk in enumerate(chunks):
        prev: str | None = None  # the key of the word before (and prev_shown, as written)
        prev_shown = ""
        end = 0
        for m in found[i]:
            start = m.start()
            # A phrase never spans punctuation or a hashtag's "#": "outage:
            # thousands" or "service, support" are no one's phrases (one
            # space between two words, the most common, is looked at first;
            # a zero-width space is how Thai or Khmer separate words).
            if (
                start != end
                and (start - end != 1 or chunk[end] != " ")
                and chunk[end:start].strip(" -'’\u200b")
            ):
                prev = None
            end = m.end()
            written = visible(m.group())
            word = written.lower()
            folded, key = _word(word, stops)
            if key is None:
                prev = None
                continue
            if folded in names or (written[0].isupper() and (i, start) in named):
                key, shown = folded, written
            else:
                shown = word
            if key not in out:
                out[key] = shown
            if prev is not None and prev != key:
                phrase = f"{prev} {key}"
                if phrase not in out:
                    out[phrase] = f"{prev_shown} {shown}"
            prev, prev_shown = key, shown
    return out


# The version of what :func:`extract_terms` gives. The stores keep each
# post's terms and record the version that made them (:func:`terms_version`);
# one that differs when a store opens has every post's terms made again then.
# Raise it with any change to what extract_terms keeps or how it writes it
# (tests/analytics/test_terms_version.py notices a change to the terms of a
# few texts and says to).
TERMS_VERSION = 2  # 2: a title and its text no longer make one sentence
# The libraries whose answers are part of the terms (lemmas, stop words):
# an upgrade of one may change them without a line of veille changing.
_TERMS_LIBRARIES = ("simplemma", "stop-words")


@lru_cache(maxsize=1)
def terms_version() -> str:
    """What the stores record beside the terms they keep:
    :data:`TERMS_VERSION` and the versions of the libraries it relies on
    (``1.simplemma-2.0.0.stop-words-2025.11.4``: no space). Read from the
    installed packages' metadata (about 15 ms, once a process), not by
    extracting anything: a store opens without loading simplemma's
    dictionaries (0.24 s of CPU)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [str(TERMS_VERSION)]
    for name in _TERMS_LIBRARIES:
        try:
            parts.append(f"{name}-{version(name)}")
        except PackageNotFoundError:  # (run from a source tree without it installed)
            parts.append(f"{name}-unknown")
    return ".".join(parts)


def post_terms(title: str | None, text: str, lang: str | None) -> tuple[list[str], list[str]]:
    """What a store keeps of a post for trending terms, when the post is
    written: the keys of :func:`extract_terms` of its title and text (in
    ``lang``, the post's language), and each key's written form, ``''`` where
    the form is the key itself (most words: less to store)."""
    # The title ends a sentence, whether or not it ends with a stop: no phrase
    # runs from its last word into the text's first ("…in an hour" then
    # "Excellent service" made "hour Excellent"), nor is that word a name.
    terms = extract_terms(f"{title}\n{text}" if title else text, lang)
    return list(terms), ["" if form == key else form for key, form in terms.items()]


def terms_source(title: str | None, text: str, lang: str | None) -> str:
    """A digest of what a post's terms are made from (its title, text and
    language): terms made for other words or another language do not match."""
    data = f"{lang or ''}\x00{title or ''}\x00{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def with_terms(posts: list[Post]) -> list[Post]:
    """``posts``, each with its :class:`~veille.models.PostTerms` made: the
    ingest pipeline's last step before the posts are stored, run where the
    posts are collected (a collector), so that the process holding the
    posts store spends nothing on them."""
    version = terms_version()
    out = []
    for post in posts:
        keys, forms = post_terms(post.title, post.text, post.lang)
        made = PostTerms(
            version, terms_source(post.title, post.text, post.lang), *map(tuple, (keys, forms))
        )
        out.append(replace(post, terms=made))
    return out


def terms_stage(context: Any) -> Any:
    """The ``terms`` ingest stage: :func:`with_terms` over the posts that
    are new or changed, after their enrichment (their language known)."""
    from veille.pipeline.ingest import Stage

    return Stage("terms", prepare=with_terms)


def terms_for(post: Post, lang: str | None = None) -> tuple[list[str], list[str]]:
    """:func:`post_terms` of ``post`` in ``lang`` (default: its own): the
    terms it carries where they were made by this extractor from these words
    in this language (:class:`~veille.models.PostTerms`), else made now."""
    lang = post.lang if lang is None else lang
    made = post.terms
    if (
        made is not None
        and made.version == terms_version()
        and made.made_from == terms_source(post.title, post.text, lang)
    ):
        return list(made.keys), list(made.forms)
    return post_terms(post.title, post.text, lang)


def extracted_terms(
    texts: Iterable[tuple[str, str | None, str, int, str | None]], split: int
) -> Iterator[StoryTerms]:
    """The terms of the posts of ``texts`` (a store's ``story_texts``),
    extracted now, as a store gives them back stored (``split``: the first
    second of the period): what :func:`trending_terms` reads with
    ``extract=True``, to check the stored terms against the text."""
    for story, title, text, published, lang in texts:
        keys, forms = post_terms(title, text, lang)
        yield story, published >= split, keys, forms


@dataclass(frozen=True)
class Trend:
    term: str
    key: str
    stories: int
    baseline: int
    share: float
    #: ``None`` where veille holds none of the periods before (no post then
    #: is no 0%: it was not listening).
    baseline_share: float | None
    g2: float
    forms: tuple[str, ...]
    # Where veille holds only part of the periods before (by more than half a
    # day): the days of them it holds, and their days (:func:`baseline_held`).
    baseline_held_days: int | None = None
    baseline_days: int | None = None

    @property
    def phrase(self) -> bool:
        return " " in self.key


def g2(a: int, b: int, c: int, d: int) -> float:
    """Dunning's log-likelihood for a term in ``a`` of ``c`` stories now and in
    ``b`` of ``d`` stories in the baseline (2×2 table, presence/absence)."""
    cells = ((a, c), (c - a, c), (b, d), (d - b, d))
    n = c + d
    present = a + b
    if n == 0:
        return 0.0
    total = 0.0
    for i, (obs, row) in enumerate(cells):
        col = present if i % 2 == 0 else n - present
        expected = row * col / n
        if obs > 0 and expected > 0:
            total += obs * math.log(obs / expected)
    return 2 * total


def trending_terms(
    store: Any,
    scope: Scope,
    period: Period,
    *,
    baseline_periods: int = 4,
    limit: int = 20,
    min_stories: int = 3,
    phrases: bool = True,
    max_posts: int = 100_000,
    extract: bool = False,
    listening: datetime | None = None,
) -> list[Trend]:
    """Terms of ``period`` rising against the ``baseline_periods`` before it.

    When the period and its baseline hold more than ``max_posts`` posts, a
    fixed sample of stories (the same stories on every run and store, chosen
    by a hash of their key, taken by the store) is read, so that a large
    workspace answers in seconds; shares of stories, and so the ranking,
    stay unbiased.

    The terms are those the store kept for each post when it was written;
    ``extract=True`` extracts them from the posts' text instead, as before
    they were kept (the same ranking: tests compare the two).

    ``listening``: when what ``scope`` counts begins
    (:func:`~veille.analytics.volume.listening_since`), where the caller
    says: the trends then say how much of the periods before veille holds
    (:func:`baseline_held`).
    """
    base = period
    for _ in range(baseline_periods):
        base = base.previous()
    baseline = Period(base.since, period.since)
    whole = scope.during(Period(baseline.since, period.until))
    # Only the count sizes the sample: the store counts it the cheapest way
    # it knows (an ad-hoc query's full-text index on SQLite), not reading
    # each match's engagement and reach as ``grouped`` would.
    total = store.post_count(whole)
    keep = STORY_SAMPLE if total <= max_posts else max(1, STORY_SAMPLE * max_posts // total)
    split = int(period.since.timestamp())
    if extract:
        rows = extracted_terms(store.story_texts(whole, sample=keep), split)
        counts = count_terms(rows, phrases=phrases, min_stories=min_stories)
    else:
        counts = store.term_counts(
            whole, split, sample=keep, phrases=phrases, min_stories=min_stories
        )
    c, d = counts.stories_now, counts.stories_before
    short = baseline_held(period, baseline_periods, listening)
    held, days = short if short is not None else (None, None)
    found = []
    for key, (a, b) in counts.held.items():
        share, bshare = a / c, (b / d if d else 0.0)
        if share <= bshare:
            continue
        score = g2(a, b, c, d) if d else float(a)
        forms = counts.forms[key]
        before = None if held == 0 else bshare
        found.append(Trend(forms[0], key, a, b, share, before, score, forms, held, days))
    found.sort(key=lambda t: (-t.g2, -t.stories, t.key))
    return found[:limit]


def baseline_held(period: Period, periods: int, begin: datetime | None) -> tuple[int, int] | None:
    """``(held, days)`` where veille did not listen to all of the
    ``periods`` before ``period`` (what it counts begins after their start,
    by more than half a day: :func:`~veille.analytics.scope.days_held`): the
    days of them it holds, and their days; ``None`` where it holds them
    whole. A term measured against periods veille held nothing of rose from
    "0.0%" on the trends page, as if nobody had said it then."""
    base = period
    for _ in range(periods):
        base = base.previous()
    return days_held(Period(base.since, period.since), begin)
