"""Text folding and tokenization shared by every engine.

The full-text index, the in-memory matcher and the keyword extractor must cut
text into the same words, or a query would match a post in one engine and not
in another. They all call :func:`tokens`.

Rules: case and accents are folded (``Médias`` -> ``medias``); words are runs
of Unicode letters and digits, so ``#`` or ``@`` are not part of a word
(``#cybersécurité`` -> ``cybersecurite``); the ligatures ``œ`` and ``æ`` are
spelt out (``Œuvre`` -> ``oeuvre``, ``ex æquo`` -> ``ex aequo``; ``ß`` is
``ss`` already by case folding) and the modifier letter apostrophe ``ʼ`` is
an apostrophe; the characters invisible inside a word (soft hyphen U+00AD,
zero-width space U+200B, non-joiner U+200C, joiner U+200D, word joiner
U+2060, zero-width no-break space U+FEFF) are left out, so
``cyber\u00adsécurité`` is the one word ``cybersecurite``; French elisions
are dropped the way French analyzers drop them (``l'ACEI`` -> ``acei``,
``qu’il`` -> ``il``): a query for ``ACEI`` finds ``l'ACEI`` and
``"contre l'ACEI"`` finds ``contre ACEI``.

Combining marks are part of their word (Python's ``\\w`` leaves them out):
the vowel signs of Devanagari, Bengali, Thai, Khmer or Burmese keep
``हिन्दी`` and ``สวัสดี`` one word each, where they fell into letters. The
Arabic vowel points (harakat) and tatweel and the Hebrew points are folded
away as accents are (``مُحَمَّد`` -> ``محمد``, ``שָׁלוֹם`` -> ``שלום``), as
Arabic and Hebrew search engines fold them. Thai, Lao, Khmer and Burmese
write no space between words; a zero-width space beside one of their
letters is the word separator it was typed as, not an invisible character
inside a word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from veille.textmarks import MARKS

# A word: a letter or digit, then letters, digits and combining marks.
WORD_RE = re.compile(rf"[^\W_](?:[^\W_]|[{MARKS}])*")
# The words before marks were part of them, which stored digests keep (see
# :func:`stable_tokens`).
_STABLE_WORD_RE = re.compile(r"[^\W_]+")
_MARK = re.compile(f"[{MARKS}]")
# Scripts written without spaces between words, whose writers type a
# zero-width space as the separator: Thai, Lao, Burmese, Khmer.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff\ua9e0-\ua9ff\uaa60-\uaa7f"
_ZWSP_SEPARATOR = re.compile(f"(?<=[{_UNSPACED}])\u200b|\u200b(?=[{_UNSPACED}])")
# Characters that are no combining mark and whose words changed when marks
# became part of words and Arabic and Hebrew points were folded away (tatweel,
# and the letters that decompose into one with a point: أ is ا and a hamza
# above), as a character-class body: with the marks (veille.textmarks) and
# the zero-width space, the text whose words changed (ClickHouse schema 9
# writes it again; SQLite 0291 rebuilds the index). tests/test_textnorm.py
# checks the list is whole.
RECUT = (
    "\u0622-\u0626\u0640\u06c0\u06c2\u06d3\ufb1d\ufb1f\ufb2a-\ufb36\ufb38-\ufb3c\ufb3e"
    "\ufb40\ufb41\ufb43\ufb44\ufb46-\ufb4e\ufba4\ufba5\ufbb0\ufbb1\ufbea-\ufbfb"
    "\ufc00-\ufc04\ufc5b-\ufc69\ufc90\ufc97-\ufc9b\ufcd9\ufcdf\ufce0\ufcf2-\ufcf4"
    "\ufd3c\ufd3d\ufe70-\ufe72\ufe74\ufe76-\ufe7f\ufe81-\ufe8c\ufef5-\ufefa"
)
# Arabic vowel points, Quranic marks and tatweel; Hebrew points and accents:
# folded away as accents are.
_POINTS = re.compile(
    "[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u0640"
    "\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed]"
)
# Characters invisible inside a word, which folding leaves out: soft hyphen,
# zero-width space, non-joiner and joiner, word joiner, zero-width no-break space.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# A word of unfolded text: letters and digits, and the invisible characters
# between them (``cyber\u00adsécurité`` is one word, as folded); the modifier
# letter apostrophe, a letter to Unicode, is an apostrophe here as once folded.
# A zero-width space beside a Thai, Lao, Burmese or Khmer letter separates.
_TEXT_LETTER = rf"(?:[^\W_\u02bc]|[{MARKS}])"
_TEXT_JOIN = (
    rf"(?:[{INVISIBLE.replace(chr(0x200B), '')}]"
    rf"|\u200b(?<![{_UNSPACED}]\u200b)(?![{_UNSPACED}]))"
)
TEXT_WORD_RE = re.compile(rf"[^\W_\u02bc]{_TEXT_LETTER}*(?:{_TEXT_JOIN}+{_TEXT_LETTER}+)*")
# French elided articles, pronouns and conjunctions (Lucene's French
# ElisionFilter list, plus jusqu', lorsqu', puisqu'): dropped when the word is
# whole (``aujourd'hui`` keeps both halves) and a word follows the apostrophe
# (``rock n' roll`` keeps its ``n``). Straight and typographic apostrophes.
ELISIONS = frozenset(("l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu"))
APOSTROPHES = "'\u2019"
_TEXT_APOSTROPHES = APOSTROPHES + "\u02bc"  # before folding (see TEXT_WORD_RE)
# What follows an elided word in unfolded text: its apostrophe, then a word;
# invisible characters around the apostrophe (``l\u00ad’œuvre``) do not count,
# as folding leaves them out (tatweel after it neither: a letter, left out too).
# Nor do accents or points there, which folding leaves out too (``l'\u0301a``).
_FOLDED_AWAY = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f" + _POINTS.pattern[1:-1]
)
# A zero-width space before a Thai, Lao, Burmese or Khmer letter separates
# words (folding makes it a space): no elision across it.
_ELIDED_BEFORE = re.compile(
    rf"[{INVISIBLE}]*[{_TEXT_APOSTROPHES}]"
    rf"(?:[{INVISIBLE.replace(chr(0x200B), '')}{_FOLDED_AWAY}]|\u200b(?![{_UNSPACED}]))*"
    r"[^\W_\u02bc\u0640]"
)
_APOSTROPHE_SPLIT = re.compile("([" + APOSTROPHES + "])")
_AT_END = {r: re.compile(rf"(?:{r.pattern})\Z") for r in (WORD_RE, _STABLE_WORD_RE)}
# Combining marks left by NFKD decomposition: accents, cedillas, diaereses.
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# For ASCII text, WORD_RE's words are the runs of [A-Za-z0-9]: every other byte
# becomes a space and ``split`` does the rest, several times faster than the
# regular expression (folded French is mostly ASCII too).
_ASCII_SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
# The same, keeping apostrophes inside the words, for text that holds one:
# ``l'acei`` stays one piece and :func:`_without_elisions` cuts it.
_ASCII_APOSTROPHE_WORDS = bytes(
    c if c == 39 or (chr(c).isascii() and chr(c).isalnum()) else 32 for c in range(256)
)


# What folding does beyond case and accents (see the module docstring): the
# ligatures spelt out, ``ʼ`` made an apostrophe, the invisible characters left out.
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
# The modifier letter apostrophe (U+02BC, a letter to Unicode) is the
# apostrophe some keyboards type: ``lʼœuvre`` is ``l'oeuvre``, so ``oeuvre``.
_SPELT_OUT = {ord("œ"): "oe", ord("æ"): "ae", ord("\u02bc"): "'"} | _INVISIBLE
_TO_SPELL = re.compile("[" + "".join(map(chr, _SPELT_OUT)) + "]")
# Every character that :func:`fold_accents` turns into one of those: the text
# whose words changed when they began to be folded (the stores fold again the
# posts that hold one). tests/test_textnorm.py checks the list is whole.
REFOLDED = (
    "\u00ad\u00c6\u00e6\u0149\u0152\u0153\u01e2\u01e3\u01fc\u01fd\u02bc\u1d2d"
    "\u200b\u200c\u200d\u2060\ua7f9\ufeff\U00010783"
)


def fold_accents(text: str) -> str:
    """Lower-case ``text`` and strip its accents (``Élysée`` -> ``elysee``),
    and nothing more: how veille folded before ligatures and invisible
    characters were folded too. Content hashes are computed from words folded
    this way (see :func:`hash_text`), and the sentiment model's weights were
    learnt on them."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def _spelt_out(folded: str) -> str:
    """``folded`` (by :func:`fold_accents`) with its ligatures spelt out and
    its invisible characters left out; the same object when it has none."""
    return folded.translate(_SPELT_OUT) if _TO_SPELL.search(folded) else folded


def visible(word: str) -> str:
    """``word`` without the characters folding leaves out as invisible (a word
    of :data:`TEXT_WORD_RE` as it is shown: ``cyber\u00adsécurité`` ->
    ``cybersécurité``)."""
    return word.translate(_INVISIBLE) if not word.isascii() else word


def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents, spell out its ligatures, read
    ``ʼ`` as an apostrophe and leave out the characters invisible inside a
    word (``Élysée`` -> ``elysee``, ``Œuvre`` -> ``oeuvre``,
    ``cyber\u00adsécurité`` -> ``cybersecurite``), Arabic and Hebrew points
    too (``مُحَمَّد`` -> ``محمد``); a zero-width space beside a Thai, Lao,
    Burmese or Khmer letter is a space."""
    if text.isascii():
        return text.lower()
    return _refolded(fold_accents(text))


def _refolded(before: str) -> str:
    """``before`` (folded by :func:`fold_accents`) folded as :func:`fold`
    folds: the same object when that changes nothing."""
    if "\u200b" in before and _ZWSP_SEPARATOR.search(before):
        before = _ZWSP_SEPARATOR.sub(" ", before)
    folded = _spelt_out(before)
    return _POINTS.sub("", folded) if _POINTS.search(folded) else folded


def strip_elisions(text: str, word_re: re.Pattern[str] = WORD_RE) -> str:
    """``text`` without its French elisions (``l'acei`` -> ``acei``); case is
    ignored, so folded and ASCII text give the same words.

    An elision is a whole word of :data:`ELISIONS` (letters and digits around
    it: none), an apostrophe, then a letter or digit. Cut at the apostrophes
    and looked at piece by piece: 2.7 times faster than one regular
    expression tried at every position of the text. ``word_re`` cuts the
    words (:data:`_STABLE_WORD_RE` for the words of content hashes, where a
    combining mark ends a word)."""
    if "'" not in text and "\u2019" not in text:
        return text
    pieces = _APOSTROPHE_SPLIT.split(text)  # text, apostrophe, text, …
    out: list[str] = []
    last = len(pieces) - 1
    for k in range(0, last, 2):
        piece = pieces[k]
        # The word just before the apostrophe, as WORD_RE cuts words (a
        # combining mark belongs to the word before it: ``lिl'`` is one word;
        # a mark starts none). Elisions have at most 6 letters: the last 16
        # characters hold one, or the word is longer.
        tail = piece[-16:]
        m = _AT_END[word_re].search(tail)
        word = m.group() if m and (m.start() > 0 or len(piece) <= 16) else ""
        j = len(piece) - len(word)
        if word and word.lower() in ELISIONS and pieces[k + 2][:1].isalnum():
            out.append(piece[:j])  # the elision and its apostrophe go
        else:
            out.append(piece)
            out.append(pieces[k + 1])
    out.append(pieces[last])
    return "".join(out)


def _without_elisions(pieces: list[str]) -> list[str]:
    """Words from runs of letters, digits and apostrophes: cut at the
    apostrophes, an elision (a word of :data:`ELISIONS` with a word after its
    apostrophe) left out."""
    out: list[str] = []
    for piece in pieces:
        if "'" not in piece:
            out.append(piece)
            continue
        parts = piece.split("'")
        last = len(parts) - 1
        for i, part in enumerate(parts):
            if part and (i == last or not parts[i + 1] or part not in ELISIONS):
                out.append(part)
    return out


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, in order, without French elisions."""
    return _cut(fold(text))


def stable_tokens(text: str) -> list[str]:
    """The words of ``text`` folded by :func:`fold_accents` only, and cut as
    before combining marks were part of words: what stored digests are
    computed from (content hashes, see :func:`hash_text`; story signatures),
    which must not move when folding learns more."""
    return _cut(fold_accents(text), _STABLE_WORD_RE)


def _cut(folded: str, word_re: re.Pattern[str] = WORD_RE) -> list[str]:
    """The words of folded text, in order, without French elisions."""
    if "\u2019" in folded:
        folded = folded.replace("\u2019", "'")
    if folded.isascii():
        if "'" not in folded:
            return folded.encode().translate(_ASCII_SEPARATORS).decode().split()
        return _without_elisions(
            folded.encode().translate(_ASCII_APOSTROPHE_WORDS).decode().split()
        )
    if word_re is WORD_RE and not _MARK.search(folded):
        word_re = _STABLE_WORD_RE  # the same words, found faster
    return word_re.findall(strip_elisions(folded, word_re))


def index_text(text: str) -> str:
    """The words of ``text`` joined by spaces: what the full-text index stores."""
    return _index_and_hash_words(text)[0]


def hash_text(text: str) -> str:
    """The words a post's content hash is computed from, joined by spaces:
    folded by :func:`fold_accents` only, as before ligatures and invisible
    characters were folded, so that the hash of a post stored then is still
    the hash of the same post collected again (else it would look changed).
    The same as :func:`index_text` for text without a character of
    :data:`REFOLDED` or a combining mark."""
    return _index_and_hash_words(text)[1]


@lru_cache(maxsize=4096)
def _index_and_hash_words(text: str) -> tuple[str, str]:
    """:func:`index_text` and :func:`hash_text` of ``text``, from one folding.

    Cached: a post's words are needed for its content hash and for the index;
    the cache holds more texts than an import batch (2,000 posts), so the
    index row of every post reuses the words its hash was computed from."""
    before = fold_accents(text)
    folded = _refolded(before)
    words = " ".join(_cut(folded))
    if folded is before and (before.isascii() or not _MARK.search(before)):
        return words, words
    return words, " ".join(_cut(before, _STABLE_WORD_RE))


_SENTENCE_END = frozenset(".!?…:;\n")
_OPENING = frozenset(" \t\"'«“‘(")


def looks_like_name(text: str, start: int) -> bool:
    """Whether the word at ``text[start]`` is capitalized inside a sentence
    (``Lumio``, ``Vexa``, ``CIRA``): a name, which lemmatizers would mangle
    (``Vexa`` is also a form of the French verb *vexer*)."""
    if not text[start : start + 1].isupper():
        return False
    i = start - 1
    while i >= 0 and text[i] in _OPENING:
        i -= 1
    return i >= 0 and text[i] not in _SENTENCE_END


def names_in(text: str) -> frozenset[str]:
    """Folded words of ``text`` written as names somewhere in it (see
    :func:`looks_like_name`): ``Vexa`` opening a sentence is still the brand
    when the same text names it mid-sentence."""
    if text.islower():  # no capital letter: no name (most posts of a firehose)
        return frozenset()
    return frozenset(
        fold(m.group())
        for m in WORD_RE.finditer(text)
        if text[m.start()].isupper() and looks_like_name(text, m.start())
    )


def token_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(folded word, start, end)`` with offsets into the original text.

    Used for highlighting; each original word is folded on its own, which gives
    the same words as :func:`tokens` for every script veille supports (an
    elision is left out as :func:`tokens` leaves it out).
    """
    for m in TEXT_WORD_RE.finditer(text):
        start, end = m.span()
        folded = fold(m.group())
        words = WORD_RE.findall(folded)
        # The last word is elided as tokens() elides it: a word of ELISIONS,
        # whole once folded (``ـिL’`` folds to a mark, which starts no word,
        # and ``l``), before an apostrophe and a word.
        if (
            words
            and words[-1] in ELISIONS
            and folded.endswith(words[-1])
            and _ELIDED_BEFORE.match(text, end)
        ):
            words.pop()
        for word in words:
            yield word, start, end
