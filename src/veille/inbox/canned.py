"""Canned responses: built-in ones in English and French, and the
workspace's own (which replace a built-in of the same name), inserted into a
reply by the composer or ``veille inbox reply --canned``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from veille.errors import UsageError, tr
from veille.i18n import typography
from veille.inbox.replies import MAX_REPLY


@dataclass(frozen=True)
class CannedResponse:
    name: str
    lang: str
    text: str
    builtin: bool = False


# Shipped with veille, in English and French; a workspace adds its own.
_BUILTIN_TEXTS = {
    ("thanks", "en"): "Thank you for your message! We are glad you took the time to share it.",
    ("thanks", "fr"): (
        "Merci pour votre message ! Nous sommes heureux que vous ayez pris le temps de le partager."
    ),
    ("looking", "en"): (
        "Thanks for letting us know. We are looking into it and will get back to you shortly."
    ),
    ("looking", "fr"): (
        "Merci de nous l’avoir signalé. Nous examinons la question et revenons vers vous "
        "rapidement."
    ),
    ("dm", "en"): (
        "Sorry to hear that. Could you send us a private message with more details so we can help?"
    ),
    ("dm", "fr"): (
        "Désolés de l’apprendre. Pouvez-vous nous écrire en message privé avec plus de "
        "détails pour que nous puissions vous aider ?"
    ),
}
# French ones with French punctuation (a narrow no-break space before ! and
# ?): they are sent as they are, and a plain space let a line start with "!".
BUILTIN_CANNED: tuple[CannedResponse, ...] = tuple(
    CannedResponse(name, lang, typography(text, lang), True)
    for (name, lang), text in _BUILTIN_TEXTS.items()
)


def canned_responses(state: Any, lang: str | None = None) -> list[CannedResponse]:
    """Built-in and workspace responses (the workspace's replace a built-in of the same name)."""
    own = {(n, lg): CannedResponse(n, lg, t) for n, lg, t in state.canned_responses()}
    found = {(c.name, c.lang): c for c in BUILTIN_CANNED}
    found.update(own)
    out = [c for c in found.values() if lang is None or c.lang == lang]
    return sorted(out, key=lambda c: (c.name, c.lang))


#: A response's language in words: a French page said « en « fr » ».
_LANGUAGE_NAMES = {"en": tr("English"), "fr": tr("French")}


def _language(lang: str) -> str:
    return _LANGUAGE_NAMES.get(lang, lang)


def canned_text(state: Any, name: str, lang: str) -> str:
    for c in canned_responses(state, lang):
        if c.name == name:
            return c.text
    known = sorted({c.name for c in canned_responses(state, lang)})
    from veille.errors import NotFound
    from veille.suggest import did_you_mean

    raise NotFound(
        tr("no canned response %(name)r in %(lang)s", name=name, lang=_language(lang)),
        hint=did_you_mean(name, known),
    )


_CANNED_NAME = re.compile(r"^[\w][\w .-]{0,59}$")


def save_canned(state: Any, name: str, lang: str, text: str) -> CannedResponse:
    """Add or replace the workspace's response ``name`` in ``lang`` (en or fr);
    one named like a built-in replaces the built-in for this workspace."""
    name, text = name.strip(), text.strip()
    if not name:  # "canned response name '' is not usable" named nothing
        raise UsageError(
            tr("a canned response needs a name"),
            hint=tr("Use letters, digits, spaces, dots, dashes (up to 60 characters)."),
        )
    if not _CANNED_NAME.match(name):
        raise UsageError(
            tr("canned response name %(name)r is not usable", name=name),
            hint=tr("Use letters, digits, spaces, dots, dashes (up to 60 characters)."),
        )
    if lang not in ("en", "fr"):
        raise UsageError(
            tr("language %(lang)r is not en or fr", lang=lang), hint=tr("Write en or fr.")
        )
    if not text:
        raise UsageError(tr("the canned response %(name)r needs a text", name=name))
    if len(text) > MAX_REPLY:
        raise UsageError(tr("a canned response is at most %(n)s characters", n=MAX_REPLY))
    state.save_canned(name, lang, text)
    return CannedResponse(name, lang, text)


def remove_canned(state: Any, name: str, lang: str) -> None:
    """Remove the workspace's response (a built-in one of that name is used again)."""
    if not state.delete_canned(name, lang):
        from veille.errors import NotFound

        own = sorted({n for n, lg, _t in state.canned_responses() if lg == lang})
        raise NotFound(
            tr(
                "the workspace has no canned response %(name)r in %(lang)s",
                name=name,
                lang=_language(lang),
            ),
            hint=tr("Its own: %(names)s", names=", ".join(own))
            if own
            else tr("Built-in responses cannot be removed."),
        )
