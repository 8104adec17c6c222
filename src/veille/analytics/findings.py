"""Plain-language findings and number formatting, in English and French."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

PLATFORM_NAMES = {
    "mastodon": "Mastodon", "bluesky": "Bluesky", "reddit": "Reddit", "x": "X",
    "hackernews": "Hacker News", "youtube": "YouTube", "wordpress": "WordPress",
    "rss": "RSS", "web": "Web", "files": "Files",
}  # fmt: skip


def platform_name(key: str) -> str:
    return PLATFORM_NAMES.get(key, key.capitalize())


def num(value: float, lang: str) -> str:
    """Whole numbers with thousands separators (``12,345`` / ``12 345``)."""
    text = f"{round(value):,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def pct(share: float, lang: str) -> str:
    """A share as a percentage (``54%`` / ``54 %``)."""
    value = round(share * 100)
    return f"{value}\u202f%" if lang == "fr" else f"{value}%"


def signed(value: float, lang: str, digits: int = 2) -> str:
    """``+0.25`` / ``+0,25``; a value that rounds to zero has no sign."""
    text = f"{value:+.{digits}f}" if round(value, digits) else f"{0:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


def change_text(change: float | None, lang: str) -> str:
    """``+25%``, ``−10%`` or ``new`` (from nothing)."""
    if change is None:
        return "nouveau" if lang == "fr" else "new"
    value = round(change * 100)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value)}\u202f%" if lang == "fr" else f"{sign}{abs(value)}%"


def day_text(when: datetime, lang: str) -> str:
    if lang == "fr":
        months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre")  # fmt: skip
        return f"{when.day} {months[when.month - 1]} {when.year}"
    return f"{when:%B} {when.day}, {when.year}"


def findings(data: dict[str, Any], lang: str) -> list[str]:
    """Sentences a communications manager can read aloud, from report data."""
    fr = lang == "fr"
    out: list[str] = []
    about = data.get("about") or ""
    if data.get("is_brand"):
        about = "vous" if fr else "you"
    h = data["headline"]
    posts = h["posts"]
    if posts.value or posts.previous:
        if posts.change is None:
            out.append(
                f"{num(posts.value, lang)} publications{' sur ' + about if about and fr else ''}"
                " cette période, aucune la période précédente."
                if fr
                else f"{num(posts.value, lang)} posts{' about ' + about if about else ''} this "
                "period, none the period before."
            )
        else:
            up = posts.value >= posts.previous
            if fr:
                verb = "a augmenté" if up else "a baissé"
                out.append(
                    f"La conversation{' sur ' + about if about else ''} {verb} de "
                    f"{pct(abs(posts.change), lang)} ({num(posts.value, lang)} publications, "
                    f"contre {num(posts.previous, lang)} la période précédente)."
                )
            else:
                verb = "grew" if up else "fell"
                out.append(
                    f"Conversation{' about ' + about if about else ''} {verb} "
                    f"{pct(abs(posts.change), lang)} ({num(posts.value, lang)} posts, against "
                    f"{num(posts.previous, lang)} the period before)."
                )
    platforms: Sequence[Any] = data.get("platforms") or ()
    if platforms and platforms[0].posts:
        top = platforms[0]
        name = platform_name(top.key)
        you = (" sur vous" if fr else " about you") if data.get("is_brand") else ""
        if fr:
            trend = (
                f", contre {pct(top.previous_share, lang)} la période précédente"
                if top.previous
                else ", absente la période précédente"
            )
            out.append(
                f"L'essentiel de la conversation{you} se tient sur {name} "
                f"({pct(top.share, lang)}){trend}."
            )
        else:
            direction = "up" if top.share > top.previous_share else "down"
            trend = (
                f", {direction} from {pct(top.previous_share, lang)}"
                if top.previous and round(top.share * 100) != round(top.previous_share * 100)
                else ", as before"
                if top.previous
                else ", absent the period before"
            )
            out.append(f"Most conversation{you} is on {name} ({pct(top.share, lang)}){trend}.")
    peak = data.get("peak")
    if peak is not None and peak.posts:
        out.append(
            f"Le jour le plus actif a été le {day_text(peak.start, lang)} "
            f"({num(peak.posts, lang)} publications)."
            if fr
            else f"The busiest day was {day_text(peak.start, lang)} "
            f"({num(peak.posts, lang)} posts)."
        )
    senti = data.get("sentiment")
    if senti is not None and senti.scored:
        net = senti.net or 0.0
        prev = data.get("previous_sentiment")
        before = prev.net if prev is not None and prev.scored else None
        mood = (
            ("plutôt positif" if net > 0.1 else "plutôt négatif" if net < -0.1 else "équilibré")
            if fr
            else (
                "mostly positive" if net > 0.1 else "mostly negative" if net < -0.1 else "balanced"
            )
        )
        tail = ""
        if before is not None:
            tail = (
                f", contre {signed(before, lang)} la période précédente"
                if fr
                else f", against {signed(before, lang)} the period before"
            )
        out.append(
            f"Le ton est {mood} : sentiment net {signed(net, lang)}{tail}."
            if fr
            else f"The tone is {mood}: net sentiment {signed(net, lang)}{tail}."
        )
    trends = data.get("trends") or ()
    if trends:
        t = trends[0]
        per = data.get("baseline_periods") or 1
        avg = t.baseline / per
        before = f"{avg:.1f}".rstrip("0").rstrip(".") if avg < 10 else num(avg, lang)
        if fr:
            out.append(
                f"Terme en hausse : « {t.term} » ({num(t.stories, lang)} sujets, contre "
                f"{before.replace('.', ',')} en moyenne sur les {per} périodes précédentes)."
            )
        else:
            out.append(
                f"Rising: “{t.term}” ({num(t.stories, lang)} stories, against {before} on "
                f"average over the {per} periods before)."
            )
    infl = data.get("influencers") or ()
    if infl:
        i = infl[0]
        where = ", ".join(platform_name(p) for p in i.platforms)
        if fr:
            engaged = (
                "vous lui avez déjà répondu" if i.engaged else "vous ne lui avez pas encore répondu"
            )
            who = f"{num(i.followers, lang)} abonnés, {where}" if i.followers else where
            out.append(f"La voix la plus influente : {i.handle} ({who}) ; {engaged}.")
        else:
            engaged = (
                "you have engaged with them" if i.engaged else "you have not engaged with them yet"
            )
            who = f"{num(i.followers, lang)} followers on {where}" if i.followers else f"on {where}"
            out.append(f"The most influential voice was {i.handle} ({who}); {engaged}.")
    return out
