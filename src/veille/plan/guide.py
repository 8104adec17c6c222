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

from veille.errors import UsageError
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
        f"no platform guide for {platform!r}",
        hint=best if best.startswith("Did") else "Known: " + ", ".join(sorted(known)) + ".",
    )


@dataclass(frozen=True)
class Guidelines:
    """The organization's own rules for what staff post (from the plan)."""

    forbidden_words: tuple[str, ...] = ()
    required_hashtags: tuple[str, ...] = ()
    max_hashtags: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Guidelines:
        """From a ``[guidelines]`` table: ``forbidden_words``, ``required_hashtags``
        (with or without ``#``), ``max_hashtags``."""
        known = {"forbidden_words", "required_hashtags", "max_hashtags"}
        unknown = set(data) - known
        if unknown:
            raise UsageError(
                f"unknown guideline {sorted(unknown)[0]!r}",
                hint="Known: " + ", ".join(sorted(known)) + ".",
            )
        maximum = data.get("max_hashtags")
        return cls(
            forbidden_words=tuple(str(w) for w in data.get("forbidden_words", ())),
            required_hashtags=tuple(str(t).lstrip("#") for t in data.get("required_hashtags", ())),
            max_hashtags=None if maximum is None else int(maximum),
        )


@dataclass(frozen=True)
class Problem:
    """One rule a draft breaks: a stable ``code`` and what to do, in English and French."""

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
) -> DraftReport:
    """Measure ``text`` as ``platform`` counts it and list every rule it breaks.

    ``instance_limit`` is the server's own limit when known (a Mastodon
    instance's ``configuration.statuses.max_characters``); it replaces the
    guide's default."""
    guide = guide_for(platform, guides)
    limit = instance_limit or guide.limit
    length = guide.count(text)
    name = guide.name
    problems: list[Problem] = []

    def add(code: str, en: str, fr: str) -> None:
        problems.append(Problem(code, en, fr.replace(" :", "\u202f:")))

    if not text.strip():
        add("empty", f"The {name} post is empty.", f"Le message {name} est vide.")
    if limit and length > limit:
        over = length - limit
        add(
            "too_long",
            f"{length} characters counted the {name} way, over the limit of {_n(limit, 'en')}: "
            f"remove {_n(over, 'en')}.",
            f"{_n(length, 'fr')} caractères comptés à la manière de {name}, au-delà de la "
            f"limite de {_n(limit, 'fr')} : retirez-en {_n(over, 'fr')}.",
        )
    size = lengths.utf8_bytes(text)
    if guide.max_bytes and size > guide.max_bytes:
        add(
            "too_many_bytes",
            f"{_n(size, 'en')} bytes of UTF-8, over {name}'s {_n(guide.max_bytes, 'en')}.",
            f"{_n(size, 'fr')} octets UTF-8, au-delà des {_n(guide.max_bytes, 'fr')} de {name}.",
        )
    if guide.title_required and not (title or "").strip():
        add(
            "title_missing",
            f"A {name} post needs a title (--title).",
            f"Une publication {name} a besoin d'un titre (--title).",
        )
    if title and guide.title_limit and lengths.graphemes(title) > guide.title_limit:
        add(
            "title_too_long",
            f"The title has {lengths.graphemes(title)} characters, over {name}'s "
            f"{guide.title_limit}.",
            f"Le titre a {lengths.graphemes(title)} caractères, au-delà des "
            f"{guide.title_limit} de {name}.",
        )
    for char in guide.data.get("conventions", {}).get("forbidden_characters", []):
        if char in text or char in (title or ""):
            add(
                "forbidden_character",
                f"{name} does not accept {char!r} in a title or description.",
                f"{name} n'accepte pas {char!r} dans un titre ou une description.",
            )
    tags = lengths.hashtags(text)
    most = guide.max_hashtags
    if most is not None and len(tags) > most:
        listed = ", ".join("#" + t for t in tags)
        if most == 0:
            add(
                "hashtags_unsupported",
                f"{name} has no hashtags: write the words instead of {listed}.",
                f"{name} n'a pas de mots-clics : écrivez les mots au lieu de {listed}.",
            )
        else:
            add(
                "too_many_hashtags",
                f"{len(tags)} hashtags; {name}'s guide says at most {most}.",
                f"{len(tags)} mots-clics ; le guide de {name} en conseille {most} au plus.",
            )
    mentions = lengths.mentions(text)
    if guide.max_mentions is not None and len(mentions) > guide.max_mentions:
        add(
            "too_many_mentions",
            f"{len(mentions)} mentions; {name} accepts at most {guide.max_mentions}.",
            f"{len(mentions)} mentions ; {name} en accepte {guide.max_mentions} au plus.",
        )
    if guidelines is not None:
        problems.extend(_guideline_problems(text, title, tags, guidelines))
    return DraftReport(
        platform=guide.platform,
        ok=not problems,
        length=length,
        limit=limit or None,
        unit=str(guide.data.get("length", {}).get("unit_en", "characters")),
        problems=problems,
    )


def _guideline_problems(
    text: str, title: str | None, tags: list[str], guidelines: Guidelines
) -> list[Problem]:
    out: list[Problem] = []
    whole = f"{title or ''}\n{text}"
    for word in guidelines.forbidden_words:
        if _words(whole, word):
            out.append(
                Problem(
                    "guideline_forbidden_word",
                    f"The guidelines rule out {word!r}: rephrase.",
                    f"Les consignes excluent « {word} »\u202f: reformulez.",
                )
            )
    have = {t.casefold() for t in tags}
    for tag in guidelines.required_hashtags:
        if tag.casefold() not in have:
            out.append(
                Problem(
                    "guideline_missing_hashtag",
                    f"The guidelines ask for #{tag} in every post.",
                    f"Les consignes demandent #{tag} dans chaque message.",
                )
            )
    most = guidelines.max_hashtags
    if most is not None and len(tags) > most:
        out.append(
            Problem(
                "guideline_too_many_hashtags",
                f"{len(tags)} hashtags; the guidelines allow {most}.",
                f"{len(tags)} mots-clics ; les consignes en permettent {most}.",
            )
        )
    return out
