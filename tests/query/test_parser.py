"""The query language as a user types it: what parses, what each operator
means, and errors that point at the fault."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.errors import UsageError
from veille.query import QueryError, compile_query
from veille.query.ast import (
    And,
    Field,
    Flag,
    Near,
    Not,
    Or,
    Phrase,
    Range,
    Raw,
    Tag,
    Term,
    Wildcard,
    walk,
)
from veille.store.sqlite import SQLiteStore

from .conftest import make_post


def ast(text: str) -> object:
    return compile_query(text).ast


def test_precedence_not_over_and_over_or() -> None:
    assert ast("a b OR c -d") == Or((And((Term("a"), Term("b"))), And((Term("c"), Not(Term("d"))))))
    assert ast("a AND (b OR c) NOT d") == And(
        (Term("a"), Or((Term("b"), Term("c"))), Not(Term("d")))
    )


def test_words_are_folded_and_elisions_dropped() -> None:
    assert ast("Été") == Term("ete")
    assert ast("l'ACEI") == Term("acei")
    assert ast("L’ACEI") == Term("acei")
    assert ast('"contre l\'ACEI"') == Phrase(("contre", "acei"))
    assert ast("aujourd'hui") == Phrase(("aujourd", "hui"))
    assert ast("l'AC*") == Wildcard("ac*")
    assert ast('"Lumio  Phone"') == Phrase(("lumio", "phone"))


def test_every_operator_parses_to_its_node() -> None:
    cases = {
        "domain*": Wildcard("domain*"),
        "colo?r": Wildcard("colo?r"),
        "a NEAR/3 b": Near((Term("a"), Term("b")), 3, False),
        "a NEAR/3f b": Near((Term("a"), Term("b")), 3, True),
        '"a b"~2': Near((Term("a"), Term("b")), 2, False),
        "title:lumio": Term("lumio", "title"),
        'text:"a b"': Phrase(("a", "b"), "text"),
        "#Cybersécurité": Tag("hashtag", "cybersecurite"),
        "@Alice": Tag("mention", "alice"),
        "author:@Alice": Field("author", "alice"),
        "source:rss": Field("platform", "rss"),
        "platform:Bluesky": Field("platform", "bluesky"),
        "lang:fr": Field("lang", "fr"),
        "domain:www.Example.com": Field("site", "example.com"),
        "site:https://example.com/x": Field("site", "example.com"),
        "url:lumio": Field("url", "lumio"),
        "links:vexa.com": Field("links", "vexa.com"),
        "sentiment:negative": Field("sentiment", "negative"),
        "followers:>1000": Range("followers", low=1000, low_inclusive=False),
        "likes:>=5": Range("likes", low=5),
        "shares:<3": Range("shares", high=3, high_inclusive=False),
        "replies:<=3": Range("replies", high=3),
        "likes:[10 TO 100]": Range("likes", 10, 100),
        "likes:{10 TO *]": Range("likes", 10, None, False, True),
        "likes:7": Range("likes", 7, 7),
        "since:2026-03-01": Range("published", low=1772323200),
        "until:2026-03-02": Range("published", high=1772409600, high_inclusive=False),
        "is:reply": Flag("reply"),
        "is:repost": Flag("repost"),
        "has:link": Flag("link"),
        "has:media": Flag("media"),
        'raw:"CIRA"': Raw("CIRA", ("cira",)),
    }
    for text, node in cases.items():
        assert ast(text) == node, text


def test_normalized_text_parses_back_to_the_same_query() -> None:
    for text in [
        "lumio AND (panne OR outage) -promo",
        'title:"a b" #tag @bob likes:[10 TO 100] raw:"CIRA" a NEAR/2f b',
        "since:2026-03-01 until:2026-03-05 NOT (a OR b) colo?r",
    ]:
        q = compile_query(text)
        assert compile_query(q.normalized).ast == q.ast


@pytest.mark.parametrize(
    ("text", "column", "hint"),
    [
        ("lumio AND", 7, "add a word after AND"),
        ("lumio && vexa", 7, "did you mean AND?"),
        ("lumio || vexa", 7, "did you mean OR?"),
        ('lumio "panne', 7, "closing"),
        ("*umio", 1, "wildcard"),
        ("(a OR b", 1, "add )"),
        ("a OR b)", 7, "open the group"),
        ("titel:lumio", 1, "did you mean title:?"),
        ("sentiment:happy", 1, "positive"),
        ("likes:lots", 1, "likes:>1000"),
        ("a NEAR b", 3, "NEAR/5"),
        ("a NEAR/x b", 3, "NEAR/5"),  # was the phrase "near x", silently
        ("a NEAR/-2 b", 3, "NEAR/5"),
        ("a NEAR/3g b", 3, "NEAR/5"),
        ("vexa lumio~2", 6, "write lumio, or lumio* for the words it starts"),  # was "lumio 2"
        ('"lumio panne"~', 14, '"a b"~5'),  # was an error about the word "~"
        ('"lumio panne"~x', 14, '"a b"~5'),  # was the phrase, then the word "x"
        ("OR vexa", 1, "before it"),
        ("", 1, "type at least one word"),
        ("since:yesterday", 1, "since:2026-03-01"),
        ("a NEAR/2 likes:>3", 3, "words"),
    ],
)
def test_errors_name_the_column_and_give_a_hint(text: str, column: int, hint: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(text)
    err = info.value
    assert isinstance(err, UsageError)
    assert err.column == column
    assert hint in (err.hint or "")
    lines = err.render().splitlines()
    assert lines[2].index("^") - 2 == column - 1


@pytest.mark.parametrize(
    "text",
    [
        "\u201clumio panne\u201d",  # “…”: what phones and word processors type
        "\u00ab lumio panne \u00bb",  # « … », French, spaces inside
        "\u00ab\u202flumio panne\u202f\u00bb",
        "\u201elumio panne\u201c",  # „…“
        '"lumio panne"',
    ],
)
def test_typographic_quotes_make_a_phrase(text: str) -> None:
    assert ast(text) == Phrase(("lumio", "panne"))
    q = compile_query(text)
    assert q.matches(make_post("1", "Lumio en panne? lumio panne."))
    assert not q.matches(make_post("2", "panne chez Lumio"))  # both words, not the phrase


def test_typographic_quotes_in_fields_and_with_slop() -> None:
    assert ast("title:\u201clumio panne\u201d") == Phrase(("lumio", "panne"), "title")
    assert ast("\u00ablumio panne\u00bb~3") == Near((Term("lumio"), Term("panne")), 3, False)
    assert ast("raw:\u00abCIRA\u00bb") == Raw("CIRA", ("cira",))
    assert ast("lumio\u201cen panne\u201d") == And((Term("lumio"), Phrase(("en", "panne"))))


@pytest.mark.parametrize(
    ("text", "closing"), [("\u201clumio", "\u201d"), ("\u00ab lumio", "\u00bb"), ('"lumio', '"')]
)
def test_an_unclosed_typographic_quote_names_its_closing_quote(text: str, closing: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query("vexa " + text)
    assert info.value.column == 6
    assert f"add the closing {closing} after the phrase" in str(info.value.hint)


@pytest.mark.parametrize(
    ("text", "column", "hint"),
    [
        ("lumio min_faves:10", 7, "write likes:>=10"),
        ("min_retweets:5", 1, "write shares:>=5"),
        ("MIN_REPLIES:3", 1, "write replies:>=3"),
        ("from:@alice", 1, "write author:alice"),
        ("to:alice", 1, "write @alice"),
        ("filter:links", 1, "write has:link"),
        ("lumio -filter:replies", 8, "write is:reply"),
        ("filter:nativeretweets", 1, "write is:repost"),
        ("filter:verified", 1, "veille writes has:link"),
        ("min_faves:lots", 1, "likes:>=10"),
        ("https://lumio.ca/blog/x", 1, "site:lumio.ca finds"),
    ],
)
def test_x_operators_are_refused_with_what_veille_writes(text: str, column: int, hint: str) -> None:
    # min_faves:10 was the phrase "min faves 10": no post, and no word why.
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert info.value.column == column
    assert hint in str(info.value.hint)


@pytest.mark.parametrize(
    ("text", "column", "message", "hint"),
    [
        # Lucene's field group read "title: needs a value ... no space after the colon".
        ("title:(lumio OR vexa)", 1, "title: takes one value", "write (title:lumio OR title:vexa)"),
        ("lumio lang:(fr OR en)", 7, "lang: takes one value", "write (lang:fr OR lang:en)"),
        ("text:(lumio -promo)", 1, "text: takes one value", "write (text:lumio -text:promo)"),
        ('title:("a b" OR c)', 1, "title: takes one value", "write (title:a OR title:b)"),
        # lang:fr,en was the language "fr,en": no post, and no word why.
        ("lumio lang:fr,en", 7, "a list is written with OR", "write (lang:fr OR lang:en)"),
        ("platform:bluesky,mastodon", 1, "with OR", "(platform:bluesky OR platform:mastodon)"),
        # Side by side, since: and until: with no time between them matched nothing.
        ("since:2026-03-05 lumio until:2026-03-01", 24, "is not after since:2026-03-05", ""),
        ("until:2026-03-01 since:2026-03-01", 1, "no post can match", "until:2026-03-02"),
        ("#cyber*", 1, "not a valid hashtag", "write cyber* to find the words"),
        ("@lumio?", 1, "not a valid mention", "compared whole, without * or ?"),
    ],
)
def test_what_matched_nothing_silently_or_misled_now_says_how_to_write_it(
    text: str, column: int, message: str, hint: str
) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert info.value.column == column
    assert message in str(info.value.message)
    assert hint in str(info.value.hint)


def test_a_period_in_separate_branches_or_with_time_between_is_kept() -> None:
    post = make_post("1", "lumio", day=3)
    assert compile_query("since:2026-03-03 until:2026-03-04").matches(post)
    assert compile_query("since:2026-03-05 OR until:2026-03-04").matches(post)
    assert not compile_query("(since:2026-03-05 lumio) until:2026-03-04").matches(post)


def test_a_language_that_is_no_code_warns() -> None:
    assert [str(w) for w in compile_query("lang:french").warnings] == [
        "lang:french: languages are codes such as fr, en or fr-CA"
    ]
    assert not compile_query("lang:fr-CA lang:zh_Hant OR lang:und").warnings


def test_a_site_with_a_path_warns_that_only_the_host_counts() -> None:
    # site:lumio.ca/blog found every post on lumio.ca, without a word.
    q = compile_query("site:https://www.lumio.ca/blog/")
    assert q.ast == Field("site", "lumio.ca")
    assert [str(w) for w in q.warnings] == [
        "site: compares hosts, so /blog/ is left out: "
        "write links:lumio.ca/blog/ for links to that path"
    ]
    assert not compile_query("domain:https://lumio.ca/").warnings


def test_a_word_with_an_underscore_and_a_colon_is_still_searched() -> None:
    assert ast("snake_case:foo") == Phrase(("snake", "case", "foo"))


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("min_faves:10", "min_faves:10 est la syntaxe de X (Twitter)", "écrivez likes:>=10"),
        ('author:""', "author\u202f: une valeur manque", None),
        ("\u00ab lumio", "guillemet non fermé", "ajoutez le \u00bb fermant après l’expression"),
        ("lang:(fr OR en)", "lang\u202f: prend une valeur, pas un groupe", "écrivez (lang:fr"),
        (
            "since:2026-03-02 until:2026-03-01",
            "until:2026-03-01 n’est pas après since:2026-03-02\u202f: aucune publication ne peut "
            "correspondre",
            "until: exclut sa propre date",
        ),
    ],
)
def test_query_errors_read_in_french(text: str, message: str, hint: str | None) -> None:
    from veille.errors import translated
    from veille.web.i18n import load_translations

    fr = load_translations()["fr"].gettext
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert translated(info.value.message, fr, "fr") == message
    if hint:
        assert hint in translated(info.value.hint, fr, "fr")


def test_lower_case_operators_are_words_with_a_warning() -> None:
    q = compile_query("lumio and vexa")
    assert q.ast == And((Term("lumio"), Term("and"), Term("vexa")))
    assert any("'and'" in w for w in q.warnings)
    assert compile_query("lumio AND vexa").warnings == ()


def test_an_unknown_platform_warns_with_the_nearest_known_one() -> None:
    q = compile_query("lumio platform:twitter")
    assert q.ast == And((Term("lumio"), Field("platform", "twitter")))
    assert [w for w in q.warnings if "'twitter'" in w and "Did you mean 'x'?" in w]
    assert [w for w in compile_query("source:mastdon").warnings if "'mastodon'" in w]
    assert compile_query("platform:x platform:Bluesky").warnings == ()


@pytest.mark.parametrize(
    "query, hint",
    [
        ("lumio NEAR5 panne", "NEAR/5"),
        ("lumio near/3f panne", "NEAR/3f"),
        ("a Near12 b", "NEAR/12"),
    ],
)
def test_a_mistyped_near_is_a_word_with_a_warning(query: str, hint: str) -> None:
    q = compile_query(query)
    assert not any(isinstance(n, Near) for n in walk(q.ast))
    assert [w for w in q.warnings if f"did you mean {hint}?" in w]
    assert compile_query("lumio NEAR/5 panne").warnings == ()
    assert compile_query("near the station").warnings == ()


def test_matching_ignores_case_and_accents_but_raw_does_not() -> None:
    post = make_post(
        "1", "L'ACEI et la CIRA parlent de #cybersécurité", hashtags=("cybersécurité",)
    )
    assert compile_query("acei").matches(post)
    assert compile_query("Cybersecurite").matches(post)
    assert compile_query("#cybersecurite").matches(post)
    assert compile_query('raw:"CIRA"').matches(post)
    assert not compile_query('raw:"Cira"').matches(post)


def test_hashtag_with_sign_needs_the_stored_hashtag() -> None:
    untagged = make_post("1", "la cybersécurité avant tout")
    tagged = make_post("2", "#cybersécurité", hashtags=("Cybersécurité",))
    assert compile_query("cybersecurite").matches(untagged)
    assert not compile_query("#cybersecurite").matches(untagged)
    assert compile_query("#cybersecurite").matches(tagged)


def test_proximity_counts_words_between() -> None:
    post = make_post("1", "lumio lance un nouveau téléphone")
    assert compile_query("lumio NEAR/3 telephone").matches(post)
    assert not compile_query("lumio NEAR/2 telephone").matches(post)
    assert compile_query("telephone NEAR/3 lumio").matches(post)
    assert not compile_query("telephone NEAR/3f lumio").matches(post)
    assert compile_query('"lumio telephone"~3').matches(post)


def test_hashtag_spans_include_the_sign() -> None:
    post = make_post("1", "Vive la #Cybersécurité !", hashtags=("cybersécurité",))
    spans = compile_query("#cybersecurite").spans(post)
    assert [post.text[s.start : s.end] for s in spans] == ["#Cybersécurité"]


def test_spans_point_at_matched_words_only() -> None:
    post = make_post("1", "Lumio: panne générale, pas Vexa", title="Panne Lumio")
    q = compile_query("lumio (panne OR outage) -vexa2")
    found = {
        (s.field, (post.title if s.field == "title" else post.text)[s.start : s.end])
        for s in q.spans(post)
    }
    assert found == {("title", "Panne"), ("title", "Lumio"), ("text", "Lumio"), ("text", "panne")}


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(
        st.sampled_from(
            [
                "a",
                "AND",
                "OR",
                "NOT",
                "(",
                ")",
                '"',
                "-",
                "*",
                "?",
                "NEAR/2",
                "NEAR/",
                "likes:",
                "[1 TO",
                "]",
                "title:",
                "#",
                "@",
                "raw:",
                "~3",
                ":",
                " ",
                "since:",
                "é",
                "l'",
                "\u201c",
                "\u201d",
                "\u201e",
                "\u00ab",
                "\u00bb",
                "min_faves:",
                "filter:",
                "from:",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_no_input_raises_anything_but_a_query_error(
    memory_store: Callable[[], SQLiteStore], text: str
) -> None:
    post = make_post("1", "a b é l'a", title="a")
    try:
        q = compile_query(text)
    except QueryError as exc:
        assert 1 <= exc.column <= len(text) + 1
        exc.render()
        return
    q.spans(post)
    assert compile_query(q.normalized).matches(post) == q.matches(post)
    store = memory_store()
    try:
        store.upsert_posts([post])
        assert bool(store.search(q)) == q.matches(post)
    finally:
        store.close()


def test_a_locale_is_its_language() -> None:
    # lang:fr_CA was compared with fr-CA as is: no post, and no word.
    assert ast("lang:fr_CA") == Field("lang", "fr-ca")
    assert compile_query("lang:fr_CA").matches(make_post("1", "x", lang="fr-CA"))


def test_a_lang_of_commas_alone_is_no_list() -> None:
    with pytest.raises(QueryError) as info:
        compile_query("lang:fr,")  # one language and a stray comma
    assert "write (lang:fr)" in str(info.value.hint)
    assert not isinstance(compile_query("lang:,").ast, And)  # searched as is, with a warning


def test_only_letters_and_digits_make_words_as_the_docs_say() -> None:
    """docs/query.md: cashtags, C++ and 4G/5G are their letters and digits; an
    emoji alone is refused, naming it."""
    assert ast("$LUMI") == Term("lumi")
    assert ast("C++") == ast("C#") == Term("c")
    assert ast("4G/5G") == Phrase(("4g", "5g"))
    with pytest.raises(QueryError) as info:
        compile_query("lumio \U0001f680")
    assert info.value.column == 7
    assert "holds no letters or digits" in str(info.value.message)
