"""The platform guide (``veille/plan/guide/*.toml``, one file per platform) and
the draft checker built on it.

Each guide file says how long a post may be and how the platform counts it,
its hashtag, mention and link conventions, alt text and etiquette, in English
and French, each fact with its source and the date it was checked.
:func:`check_draft` measures a draft the platform's way (:mod:`veille.plan.lengths`)
and lists every rule it breaks, the platform's and the organization's
:class:`Guidelines`, each with a code and a message in English and French.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from veille.errors import Count, UsageError, tr
from veille.i18n import format_number
from veille.plan import lengths

COUNTERS = {
    "x": lengths.x_length,
    "mastodon": lengths.mastodon_length,
    "graphemes": lengths.graphemes,
}


@dataclass(frozen=True)
class PlatformGuide:
    """One platform's rules and conventions, as its guide file states them."""

    platform: str
    name: str
    checked: str
    limit: int  # 0: none
    counting: str
    data: Mapping[str, Any] = field(repr=False)
    aliases: tuple[str, ...] = ()

    @property
    def max_bytes(self) -> int:
        return int(self.data.get("length", {}).get("max_bytes", 0))

    @property
    def title_limit(self) -> int:
        return int(self.data.get("title", {}).get("limit", 0))

    @property
    def title_required(self) -> bool:
        return bool(self.data.get("title", {}).get("required", False))

    @property
    def max_hashtags(self) -> int | None:
        value = self.data.get("hashtags", {}).get("max")
        return None if value is None else int(value)

    @property
    def max_mentions(self) -> int | None:
        value = self.data.get("mentions", {}).get("max")
        return None if value is None else int(value)

    def text(self, section: str, key: str, lang: str = "en") -> str:
        """A convention in ``lang`` (English when no translation)."""
        part = self.data.get(section, {})
        return str(part.get(f"{key}_{lang}") or part.get(f"{key}_en") or "")

    def sources(self) -> list[str]:
        """Every source URL the guide cites, once each."""
        found: list[str] = []
        for part in self.data.values():
            if isinstance(part, dict):
                found.extend(str(u) for u in part.get("sources", []))
        return list(dict.fromkeys(found))

    def count(self, text: str) -> int:
        return COUNTERS[self.counting](text)


def load_guides() -> dict[str, PlatformGuide]:
    """Every platform guide shipped with veille, by platform name."""
    out: dict[str, PlatformGuide] = {}
    folder = resources.files("veille.plan") / "guide"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        length = data.get("length", {})
        guide = PlatformGuide(
            platform=str(data["platform"]),
            name=str(data.get("name", data["platform"])),
            checked=str(data.get("checked", "")),
            limit=int(length.get("limit", 0)),
            counting=str(length.get("counting", "graphemes")),
            data=data,
            aliases=tuple(str(a) for a in data.get("aliases", ())),
        )
        out[guide.platform] = guide
    return out


def guide_for(platform: str, guides: Mapping[str, PlatformGuide] | None = None) -> PlatformGuide:
    """The guide of ``platform`` (its name or an alias such as ``twitter``); a
    :class:`UsageError` suggesting the nearest name otherwise."""
    known = dict(guides) if guides is not None else load_guides()
    wanted = platform.strip().lower()
    for guide in known.values():
        if wanted == guide.platform or wanted in guide.aliases:
            return guide
    from veille.suggest import did_you_mean

    names = list(known) + [a for g in known.values() for a in g.aliases]
    best = did_you_mean(wanted, names)
    raise UsageError(
        tr("no platform guide for %(platform)r", platform=platform),
        hint=best
        if best.startswith("Did")
        else tr("Known: %(names)s.", names=", ".join(sorted(known))),
    )


#: The rules guidelines may carry, and their French names (either is accepted).
RULE_NAMES = {
    "forbidden_words": "mots_interdits",
    "required_hashtags": "mots_clics_obligatoires",
    "max_hashtags": "mots_clics_max",
    "max_mentions": "mentions_max",
    "forbidden_mentions": "mentions_interdites",
    "disclosure": "divulgation",
}
_FRENCH_RULES = {fr: en for en, fr in RULE_NAMES.items()}
#: The line that opens and closes the rules at the top of the guidelines' Markdown.
FENCE = "+++"


@dataclass(frozen=True)
class Guidelines:
    """The organization's own rules for what staff post (from the plan)."""

    forbidden_words: tuple[str, ...] = ()
    required_hashtags: tuple[str, ...] = ()
    max_hashtags: int | None = None
    max_mentions: int | None = None
    forbidden_mentions: tuple[str, ...] = ()
    #: One of these must appear in a sponsored post (``#ad``, ``#pub``…).
    disclosure: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = tr("the guidelines")) -> Guidelines:
        """From a ``[guidelines]`` table or the guidelines' front matter:
        ``forbidden_words``, ``required_hashtags`` (with or without ``#``),
        ``max_hashtags``, ``max_mentions``, ``forbidden_mentions`` (with or
        without ``@``), ``disclosure``, or their French names
        (:data:`RULE_NAMES`)."""
        rules: dict[str, Any] = {}
        for key, value in data.items():
            name = _FRENCH_RULES.get(key, key)
            if name not in RULE_NAMES:
                from veille.suggest import did_you_mean

                best = did_you_mean(key, [*RULE_NAMES, *_FRENCH_RULES])
                raise UsageError(
                    tr("%(where)s: unknown rule %(key)r", where=where, key=key),
                    hint=best
                    if best.startswith("Did")
                    else tr(
                        "Known: %(names)s (or in French: %(french)s).",
                        names=", ".join(sorted(RULE_NAMES)),
                        french=", ".join(sorted(_FRENCH_RULES)),
                    ),
                )
            rules[name] = value

        def words(name: str, strip: str = "") -> tuple[str, ...]:
            value = rules.get(name, ())
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise UsageError(
                    tr("%(where)s: %(name)s must be a list of words", where=where, name=name),
                    hint=tr('Write it as %(name)s = ["…", "…"].', name=name),
                )
            return tuple(v.strip().lstrip(strip) for v in value if v.strip().lstrip(strip))

        def most(name: str) -> int | None:
            value = rules.get(name)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(
                    tr(
                        "%(where)s: %(name)s = %(value)r is not a count",
                        where=where,
                        name=name,
                        value=value,
                    ),
                    hint=tr("Write %(name)s = 2.", name=name),
                )
            return value

        return cls(
            forbidden_words=words("forbidden_words"),
            required_hashtags=words("required_hashtags", "#"),
            max_hashtags=most("max_hashtags"),
            max_mentions=most("max_mentions"),
            forbidden_mentions=words("forbidden_mentions", "@"),
            disclosure=words("disclosure"),
        )

    def __bool__(self) -> bool:
        return self != Guidelines()

    def merged(self, other: Guidelines) -> Guidelines:
        """Both sets of rules: every word and tag of either, the lower maximum."""

        def low(a: int | None, b: int | None) -> int | None:
            return b if a is None else a if b is None else min(a, b)

        def both(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            seen = {x.casefold() for x in a}
            return a + tuple(x for x in b if x.casefold() not in seen)

        return Guidelines(
            forbidden_words=both(self.forbidden_words, other.forbidden_words),
            required_hashtags=both(self.required_hashtags, other.required_hashtags),
            max_hashtags=low(self.max_hashtags, other.max_hashtags),
            max_mentions=low(self.max_mentions, other.max_mentions),
            forbidden_mentions=both(self.forbidden_mentions, other.forbidden_mentions),
            disclosure=both(self.disclosure, other.disclosure),
        )


def split_rules(markdown: str, where: str = tr("the guidelines")) -> tuple[Guidelines, str]:
    """The rules at the top of guidelines written in Markdown, and the text
    without them.

    The rules are TOML between two lines holding only ``+++`` at the very top
    (as Hugo writes front matter); text without them has no rules::

        +++
        forbidden_words = ["free", "guaranteed"]
        required_hashtags = ["Lumio"]
        +++
        # Our guidelines
        …
    """
    lines = markdown.lstrip("\ufeff").splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != FENCE:
        return Guidelines(), markdown
    end = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        raise UsageError(
            tr(
                "%(where)s: the rules opened by %(fence)s on line %(line)s are never closed",
                where=where,
                fence=FENCE,
                line=first + 1,
            ),
            hint=tr("End them with a line holding only %(fence)s.", fence=FENCE),
        )
    try:
        data = tomllib.loads("\n".join(lines[first + 1 : end]))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            tr(
                "%(where)s: the rules between the %(fence)s lines are not valid TOML (%(error)s)",
                where=where,
                fence=FENCE,
                error=str(exc),
            ),
            hint=tr('Write one rule a line, e.g. forbidden_words = ["free"].'),
        ) from None
    body = "\n".join(lines[end + 1 :]).lstrip("\n")
    return Guidelines.from_mapping(data, where), body


def guidelines_rules(text_en: str, text_fr: str) -> Guidelines:
    """The rules of both texts of the guidelines, together (a rule written in
    either applies to every draft)."""
    en, _ = split_rules(text_en, tr("the English guidelines"))
    fr, _ = split_rules(text_fr, tr("the French guidelines"))
    return en.merged(fr)


def rules_lines(rules: Guidelines, lang: str = "en") -> list[str]:
    """The rules as sentences, for people to read (the web page, the plan)."""
    fr = lang == "fr"

    def listed(items: tuple[str, ...], mark: str = "") -> str:
        from veille.i18n import quote

        return ", ".join(quote(mark + i, lang) for i in items)

    out = []
    if rules.forbidden_words:
        out.append(
            ("Mots à éviter : " if fr else "Words to avoid: ") + listed(rules.forbidden_words)
        )
    if rules.required_hashtags:
        out.append(
            ("Mots-clics dans chaque message : " if fr else "Hashtags in every post: ")
            + listed(rules.required_hashtags, "#")
        )
    if rules.max_hashtags is not None:
        out.append(
            f"Au plus {rules.max_hashtags} mots-clics par message"
            if fr
            else f"At most {rules.max_hashtags} hashtags a post"
        )
    if rules.max_mentions is not None:
        out.append(
            f"Au plus {rules.max_mentions} mentions par message"
            if fr
            else f"At most {rules.max_mentions} mentions a post"
        )
    if rules.forbidden_mentions:
        out.append(
            ("Comptes à ne jamais mentionner : " if fr else "Accounts never to mention: ")
            + listed(rules.forbidden_mentions, "@")
        )
    if rules.disclosure:
        out.append(
            ("Un message commandité porte l’une de ces mentions : " if fr
             else "A sponsored post carries one of: ")
            + listed(rules.disclosure)
        )  # fmt: skip
    return [line.replace(" :", "\u202f:") if fr else line for line in out]


@dataclass(frozen=True)
class Problem:
    """One rule a draft breaks: a stable ``code`` and what to do, in English
    and French. ``message`` is made by :func:`veille.errors.tr`: the web app
    shows it from its catalogs (``errors.po``, the same French as
    ``message_fr``, which the command line and the JSON output keep)."""

    code: str
    message: str
    message_fr: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_fr": self.message_fr}

    def text(self, lang: str = "en") -> str:
        return self.message_fr if lang == "fr" else self.message


@dataclass(frozen=True)
class DraftReport:
    platform: str
    ok: bool
    length: int
    limit: int | None  # None: no limit
    unit: str
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "ok": self.ok,
            "length": self.length,
            "limit": self.limit,
            "unit": self.unit,
            "problems": [p.as_dict() for p in self.problems],
        }


class _Length(Count):
    """A draft's length: bare digits in English (as ``veille draft check``
    always wrote it), the reader's way on a web page."""

    def __str__(self) -> str:
        return str(int(self))


def _n(value: int, lang: str) -> str:
    return format_number(value, lang)


def _words(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


def check_draft(
    platform: str,
    text: str,
    *,
    title: str | None = None,
    guidelines: Guidelines | None = None,
    instance_limit: int | None = None,
    guides: Mapping[str, PlatformGuide] | None = None,
    sponsored: bool = False,
) -> DraftReport:
    """Measure ``text`` as ``platform`` counts it and list every rule it breaks.

    ``instance_limit`` is the server's own limit when known (a Mastodon
    instance's ``configuration.statuses.max_characters``); it replaces the
    guide's default. ``sponsored``: the post is paid for or sponsored (the
    guidelines' ``disclosure`` must then appear in it)."""
    guide = guide_for(platform, guides)
    limit = instance_limit or guide.limit
    length = guide.count(text)
    name = guide.name
    problems: list[Problem] = []

    def add(code: str, en: str, fr: str) -> None:  # en: made by tr (the web app's catalogs)
        problems.append(Problem(code, en, fr.replace(" :", "\u202f:")))

    if not text.strip():
        add("empty", tr("The %(name)s post is empty.", name=name), f"Le message {name} est vide.")
    if limit and length > limit:
        over = length - limit
        add(
            "too_long",
            tr(
                "%(length)s characters counted the %(name)s way, over the limit of %(limit)s: "
                "remove %(over)s.",
                length=_Length(length),
                name=name,
                limit=Count(limit),
                over=Count(over),
            ),
            f"{_n(length, 'fr')} caractères comptés à la manière de {name}, au-delà de la "
            f"limite de {_n(limit, 'fr')} : retirez-en {_n(over, 'fr')}.",
        )
    size = lengths.utf8_bytes(text)
    if guide.max_bytes and size > guide.max_bytes:
        add(
            "too_many_bytes",
            tr(
                "%(size)s bytes of UTF-8, over %(name)s's %(most)s.",
                size=Count(size),
                name=name,
                most=Count(guide.max_bytes),
            ),
            f"{_n(size, 'fr')} octets UTF-8, au-delà des {_n(guide.max_bytes, 'fr')} de {name}.",
        )
    if guide.title_required and not (title or "").strip():
        add(
            "title_missing",
            tr("A %(name)s post needs a title (--title).", name=name),
            f"Une publication {name} a besoin d’un titre (--title).",
        )
    if title and guide.title_limit and lengths.graphemes(title) > guide.title_limit:
        add(
            "title_too_long",
            tr(
                "The title has %(length)s characters, over %(name)s's %(most)s.",
                length=lengths.graphemes(title),
                name=name,
                most=guide.title_limit,
            ),
            f"Le titre a {lengths.graphemes(title)} caractères, au-delà des "
            f"{guide.title_limit} de {name}.",
        )
    for char in guide.data.get("conventions", {}).get("forbidden_characters", []):
        if char in text or char in (title or ""):
            add(
                "forbidden_character",
                tr(
                    "%(name)s does not accept %(char)r in a title or description.",
                    name=name,
                    char=char,
                ),
                f"{name} n’accepte pas {char!r} dans un titre ou une description.",
            )
    tags = lengths.hashtags(text)
    most = guide.max_hashtags
    if most is not None and len(tags) > most:
        listed = ", ".join("#" + t for t in tags)
        if most == 0:
            add(
                "hashtags_unsupported",
                tr(
                    "%(name)s has no hashtags: write the words instead of %(tags)s.",
                    name=name,
                    tags=listed,
                ),
                f"{name} n’a pas de mots-clics : écrivez les mots au lieu de {listed}.",
            )
        else:
            add(
                "too_many_hashtags",
                tr(
                    "%(n)s hashtags; %(name)s's guide says at most %(most)s.",
                    n=len(tags),
                    name=name,
                    most=most,
                ),
                f"{len(tags)} mots-clics ; le guide de {name} en conseille {most} au plus.",
            )
    mentions = lengths.mentions(text)
    if guide.max_mentions is not None and len(mentions) > guide.max_mentions:
        add(
            "too_many_mentions",
            tr(
                "%(n)s mentions; %(name)s accepts at most %(most)s.",
                n=len(mentions),
                name=name,
                most=guide.max_mentions,
            ),
            f"{len(mentions)} mentions ; {name} en accepte {guide.max_mentions} au plus.",
        )
    if guidelines is not None:
        handles = [m[2] for m in mentions]
        problems.extend(_guideline_problems(text, title, tags, handles, guidelines, sponsored))
    return DraftReport(
        platform=guide.platform,
        ok=not problems,
        length=length,
        limit=limit or None,
        unit=str(guide.data.get("length", {}).get("unit_en", "characters")),
        problems=problems,
    )


def _guideline_problems(
    text: str,
    title: str | None,
    tags: list[str],
    mentions: list[str],
    guidelines: Guidelines,
    sponsored: bool = False,
) -> list[Problem]:
    out: list[Problem] = []
    whole = f"{title or ''}\n{text}"
    for word in guidelines.forbidden_words:
        if _words(whole, word):
            out.append(
                Problem(
                    "guideline_forbidden_word",
                    tr("The guidelines rule out %(word)r: rephrase.", word=word),
                    f"La charte exclut « {word} »\u202f: reformulez.",
                )
            )
    have = {t.casefold() for t in tags}
    for tag in guidelines.required_hashtags:
        if tag.casefold() not in have:
            out.append(
                Problem(
                    "guideline_missing_hashtag",
                    tr("The guidelines ask for #%(tag)s in every post.", tag=tag),
                    f"La charte demande #{tag} dans chaque message.",
                )
            )
    most = guidelines.max_hashtags
    if most is not None and len(tags) > most:
        out.append(
            Problem(
                "guideline_too_many_hashtags",
                tr("%(n)s hashtags; the guidelines allow %(most)s.", n=len(tags), most=most),
                f"{len(tags)} mots-clics ; la charte en permet {most}.",
            )
        )
    named = {m.casefold().lstrip("@") for m in mentions}
    most = guidelines.max_mentions
    if most is not None and len(mentions) > most:
        out.append(
            Problem(
                "guideline_too_many_mentions",
                tr("%(n)s mentions; the guidelines allow %(most)s.", n=len(mentions), most=most),
                f"{len(mentions)} mentions ; la charte en permet {most}.",
            )
        )
    for account in guidelines.forbidden_mentions:
        wanted = account.casefold()
        if any(m == wanted or m.split("@")[0] == wanted for m in named):
            out.append(
                Problem(
                    "guideline_forbidden_mention",
                    tr(
                        "The guidelines say never to mention @%(account)s: remove the mention.",
                        account=account,
                    ),
                    f"La charte interdit de mentionner @{account}\u202f: retirez la mention.",
                )
            )
    disclosed = any(_words(whole, d) for d in guidelines.disclosure)
    if sponsored and guidelines.disclosure and not disclosed:
        shown = ", ".join(guidelines.disclosure)
        out.append(
            Problem(
                "guideline_missing_disclosure",
                tr("A sponsored post must say so: add one of %(shown)s.", shown=shown),
                "Un message commandité doit le dire\u202f: ajoutez l’une de ces "
                f"mentions\u202f: {shown}.",
            )
        )
    return out
