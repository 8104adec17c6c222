"""Plain-language findings and number formatting, in English and French."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from veille import i18n
from veille.analytics.scope import LEAST_SHORT, days_held
from veille.i18n import platform_name


def num(value: float, lang: str) -> str:
    """Whole numbers with thousands separators (``12,345`` / ``12 345``)."""
    return i18n.format_number(value, lang)


def pct(share: float | None, lang: str) -> str:
    """A share as a percentage (``54%`` / ``54 %``); "–" where it is unknown
    (0 out of 0)."""
    return "–" if share is None else i18n.format_percent(share, lang)


def signed(value: float, lang: str, digits: int = 2) -> str:
    """``+0.25`` / ``+0,25`` / ``−0.50``; a value that rounds to zero has no sign."""
    return i18n.format_signed(value, lang, digits)


def change_text(change: float | None, lang: str) -> str:
    """``+25%``, ``−10%`` or ``new`` (from nothing)."""
    return i18n.format_change(change, lang)


def day_text(when: datetime, lang: str) -> str:
    """The day of ``when`` in its own time zone: ``October 3, 2026`` / ``3 octobre 2026``."""
    return i18n.format_date(when, lang, when.tzinfo)


#: Net sentiment past which the tone "leans" one way (stated in docs/analytics.md).
LEAN = 0.10
#: "Most" (and "mostly") is said of a share above this, never at or below it.
MOST = 0.5


def _posts(n: float, lang: str) -> str:
    return (
        i18n.count(n, lang, "publication", "publications")
        if lang == "fr"
        else (i18n.count(n, lang, "post", "posts"))
    )


def before_held(data: dict[str, Any]) -> tuple[int, int, datetime] | None:
    """``(held, days, begin)`` where the period before is one veille did not
    listen to all of: the days of it that it holds posts of, its days, and
    when those posts begin; ``None`` where it holds the whole period (or
    nothing says when the posts begin)."""
    period, begin = data.get("period"), data.get("listening_since")
    if period is None or begin is None:
        return None
    short = days_held(period.previous(), begin)
    if short is None:
        return None
    return *short, begin.astimezone(period.since.tzinfo)


def _short_before(data: dict[str, Any], about: str, fr: bool, lang: str) -> str | None:
    """The volume finding where veille did not listen to the whole period
    before: its count is no measure of a change (a month before the first
    post read "grew 68%" where veille had held 24 of its 31 days)."""
    short = before_held(data)
    if short is None:
        return None
    held, days, begin = short
    posts = data["headline"]["posts"]
    if fr:
        since = f"veille n’a de publications qu’à partir du {day_text(begin, lang)}"
        if not held:
            # None in a period veille did not listen to is no quiet period
            # (it read « Aucune publication …, ni la période précédente »).
            found = _posts(posts.value, lang) if posts.value else "Aucune publication"
            return f"{found}{' sur ' + about if about else ''} cette période ; {since}."
        return (
            f"{_posts(posts.value, lang)}{' sur ' + about if about else ''} cette période, "
            f"contre {num(posts.previous or 0, lang)} la période précédente, qui ne compte "
            f"que {held} de ses {days} jours : {since}."
        )
    since = f"veille holds posts from {day_text(begin, lang)} on"
    if not held:
        found = _posts(posts.value, lang) if posts.value else "No post"
        return f"{found}{' about ' + about if about else ''} this period; {since}."
    return (
        f"{_posts(posts.value, lang)}{' about ' + about if about else ''} this period, "
        f"against {num(posts.previous or 0, lang)} the period before, which counts only "
        f"{held} of its {days} days: {since}."
    )


def _volume(data: dict[str, Any], about: str, fr: bool, lang: str) -> str | None:
    posts = data["headline"]["posts"]
    short = _short_before(data, about, fr, lang)
    if short is not None:
        return short
    if not (posts.value or posts.previous):
        # Said plainly, so that a report (or its e-mail) of a quiet period
        # reads as quiet, not as broken.
        if fr:
            return (
                f"Aucune publication{' sur ' + about if about else ''} cette période, "
                "ni la période précédente."
            )
        return f"No post{' about ' + about if about else ''} this period, nor the period before."
    # Measured over the posts held, as it was: the figure's change is None
    # where veille holds only part of the period before, and a period
    # without a post against it did not read "none the period before".
    moved = None if not posts.previous else (posts.value - posts.previous) / posts.previous
    if moved is None:
        if fr:
            return (
                f"{_posts(posts.value, lang)}{' sur ' + about if about else ''} cette période, "
                "aucune la période précédente."
            )
        return (
            f"{_posts(posts.value, lang)}{' about ' + about if about else ''} this period, "
            "none the period before."
        )
    if not i18n.percent_shown(moved):
        # Under half a percent either way reads "steady"; the count before is
        # still named unless it is the same (629 against 632 read "as the
        # period before", which said 629 of the period before).
        if fr:
            before = (
                "comme la période précédente"
                if posts.value == posts.previous
                else f"contre {num(posts.previous, lang)} la période précédente"
            )
            return (
                f"La conversation{' sur ' + about if about else ''} est stable "
                f"({_posts(posts.value, lang)}, {before})."
            )
        before = (
            "as the period before"
            if posts.value == posts.previous
            else f"against {num(posts.previous, lang)} the period before"
        )
        return (
            f"Conversation{' about ' + about if about else ''} held steady "
            f"({_posts(posts.value, lang)}, {before})."
        )
    up = posts.value > posts.previous
    change = pct(abs(moved), lang)
    if fr:
        verb = "a augmenté" if up else "a baissé"
        return (
            f"La conversation{' sur ' + about if about else ''} {verb} de {change} "
            f"({_posts(posts.value, lang)}, contre {num(posts.previous, lang)} la période "
            "précédente)."
        )
    verb = "grew" if up else "fell"
    return (
        f"Conversation{' about ' + about if about else ''} {verb} {change} "
        f"({_posts(posts.value, lang)}, against {num(posts.previous, lang)} the period before)."
    )


def _platform(data: dict[str, Any], fr: bool, lang: str) -> str | None:
    platforms: Sequence[Any] = data.get("platforms") or ()
    if not platforms or not platforms[0].posts:
        return None
    top = platforms[0]
    tied = [p for p in platforms if p.posts == top.posts]
    if len(tied) > 1:
        return _platforms_tied(tied, platforms, data, fr, lang)
    name = platform_name(top.key)
    share = top.share or 0.0
    before = top.previous_share or 0.0  # None only where no post came before
    most = share > MOST
    every = top.posts and share == 1.0  # the only platform: "all", not "most"
    # As the table of platforms shows them, adding up to 100% (34% of three
    # thirds there is 34% here).
    rows = i18n.shares_shown([p.share for p in platforms])
    now_shown = rows[0]
    then_shown = i18n.shares_shown([p.previous_share for p in platforms])[0]
    same = i18n.percent_shown(now_shown or 0.0) == i18n.percent_shown(then_shown or 0.0)
    # Platforms with fewer posts that the table shows at the same percentage
    # (91 posts against 86 and 86, each "16%"): the lead said by its posts
    # beside theirs, where "(16%)" alone named one of three equal rows.
    alike = [
        p for p, s in zip(platforms[1:], rows[1:], strict=True)
        if s is not None and i18n.percent_shown(s) == i18n.percent_shown(now_shown or 0.0)
    ]  # fmt: skip
    held = pct(now_shown, lang)
    if alike:
        others = i18n.join([f"{platform_name(p.key)} ({num(p.posts, lang)})" for p in alike], lang)
        held += f", {_posts(top.posts, lang)}, {'devant' if fr else 'ahead of'} {others}"
    # Before: the platform's share then; 0% where the conversation was
    # elsewhere, and no share where there was no post at all (a sentence
    # saying "absent" read as if there had been no conversation).
    if fr:
        you = " sur vous" if data.get("is_brand") else ""
        lead = "Toute la" if every else "L’essentiel" if most else "La plus grande part"
        trend = (
            " ; aucune publication la période précédente"
            if top.previous_share is None
            else ", comme la période précédente"
            if same
            else f", contre {pct(then_shown, lang)} la période précédente"
        )
        of = "" if every else " de la"
        return f"{lead}{of} conversation{you} se tient sur {name} ({held}){trend}."
    you = " about you" if data.get("is_brand") else ""
    lead = (
        "All conversation" if every else "Most conversation" if most
        else "The largest share of conversation"
    )  # fmt: skip
    direction = "up" if share > before else "down"
    trend = (
        "; no post the period before"
        if top.previous_share is None
        else ", as before"
        if same
        else f", {direction} from {pct(then_shown, lang)}"
    )
    return f"{lead}{you} is on {name} ({held}){trend}."


def _platforms_tied(
    tied: Sequence[Any], platforms: Sequence[Any], data: dict[str, Any], fr: bool, lang: str
) -> str:
    """Platforms that hold as many posts as each other, the most: all named
    (three platforms with 4 posts each read "The largest share … is on
    Mastodon (14%)", as if Mastodon led). Their share is said as the table of
    platforms beside it shows it: where that table, adding up to 100%, gives
    one of them a point more (three thirds read 34% / 33% / 33%, and "33%
    each" beside them was wrong of the 34%), "a third each" of exact thirds
    and otherwise the posts each holds (a number the table shows as it is)."""
    names = i18n.join([platform_name(p.key) for p in tied], lang)
    rows = i18n.shares_shown([p.share for p in platforms])
    shown = [rows[i] for i, p in enumerate(platforms) if p.posts == tied[0].posts]
    if len({i18n.percent_shown(s or 0.0) for s in shown}) == 1:
        each = pct(shown[0], lang)
    elif abs((tied[0].share or 0.0) - 1 / 3) < 1e-9:
        each = "un tiers" if fr else "a third"
    else:
        each = _posts(tied[0].posts, lang)
    if fr:
        you = " sur vous" if data.get("is_brand") else ""
        return (
            f"Les plus grandes parts de la conversation{you} se tiennent sur {names} "
            f"({each} chacune)."
        )
    you = " about you" if data.get("is_brand") else ""
    return f"The largest shares of conversation{you} are on {names} ({each} each)."


def tone(point: Any, lang: str) -> str:
    """The word for a period's tone, said only past its threshold: "mostly"
    when one side holds more than half of the scored posts, "leans" when net
    sentiment is past ±:data:`LEAN` ("more positive than negative"),
    "balanced" otherwise."""
    fr = lang == "fr"
    scored = point.scored
    net = point.net or 0.0
    shares = {
        "positive": point.positive / scored,
        "negative": point.negative / scored,
        "neutral": point.neutral / scored,
    }
    side = "positive" if net > LEAN else "negative" if net < -LEAN else "neutral"
    words_fr = {"positive": "positif", "negative": "négatif", "neutral": "neutre"}
    other = {"positive": "negative", "negative": "positive"}
    if shares[side] > MOST:
        return f"majoritairement {words_fr[side]}" if fr else f"mostly {side}"
    if side == "neutral":
        return "équilibré" if fr else "balanced"
    return f"plutôt {words_fr[side]}" if fr else f"more {side} than {other[side]}"


def _sentiment(data: dict[str, Any], fr: bool, lang: str) -> str | None:
    senti = data.get("sentiment")
    if senti is None or not senti.scored:
        return None
    net = senti.net or 0.0
    prev = data.get("previous_sentiment")
    tail = ""
    if prev is not None and prev.scored:
        before = signed(prev.net or 0.0, lang)
        tail = (
            f", contre {before} la période précédente"
            if fr
            else f", against {before} the period before"
        )
    if fr:
        return f"Le ton est {tone(senti, lang)} : sentiment net {signed(net, lang)}{tail}."
    return f"The tone is {tone(senti, lang)}: net sentiment {signed(net, lang)}{tail}."


def baseline_held(data: dict[str, Any], per: int) -> tuple[int, int, datetime] | None:
    """``(held, days, begin)`` where the ``per`` periods before, which a
    rising term is measured against, are some veille did not listen to all
    of (by more than :data:`LEAST_SHORT`, as :func:`before_held`): the days
    of them it holds posts of, their days, and when those posts begin;
    ``None`` where it holds them whole (or nothing says when they begin)."""
    period, begin = data.get("period"), data.get("listening_since")
    if period is None or begin is None:
        return None
    base = period
    for _ in range(per):
        base = base.previous()
    days = round((period.since - base.since).total_seconds() / 86400)
    held = (period.since - begin).total_seconds() / 86400
    if held > days - LEAST_SHORT:
        return None
    return max(0, round(held)), days, begin.astimezone(period.since.tzinfo)


def baseline_average(data: dict[str, Any], stories: int) -> float | None:
    """A rising term's ``stories`` of the periods before, on average a
    period of those veille holds: over the days of them it holds where it
    holds only part of them (:func:`baseline_held`: 0 stories over 6 of 28
    days is 0 a week, 1 is 1.2), ``None`` where it holds none. Until
    2026-12-07 the days it held nothing of counted as zeros: a term heard
    once in those 6 days read "0.2" (1 over 4 weeks), as if veille had
    listened to the 22 others and heard nothing."""
    per = data.get("baseline_periods") or 1
    short = baseline_held(data, per)
    if short is None:
        return stories / per
    held, days, _begin = short
    return stories * days / (held * per) if held else None


def _trend(data: dict[str, Any], fr: bool, lang: str) -> str | None:
    """The term rising the most. Its average over the periods before is
    over the days of them veille holds (:func:`baseline_average`); where it
    holds part of them, the sentence says how little (a November read
    "against 0 on average over the 4 periods before" where veille held 24
    of their 123 days), and where it holds
    none, no average (nor the day its posts begin: the volume finding,
    measured against the period before, which it holds none of either, says
    it)."""
    trends = data.get("trends") or ()
    if not trends:
        return None
    t = trends[0]
    per = data.get("baseline_periods") or 1
    avg = i18n.format_decimal(baseline_average(data, t.baseline) or 0.0, lang, 1)
    short = baseline_held(data, per)
    term = i18n.quote(t.term, lang)
    if fr:
        stories = i18n.count(t.stories, lang, "histoire", "histoires")
        over = "la période précédente" if per == 1 else f"les {per} périodes précédentes"
        if short is None:
            return f"Terme en hausse : {term} ({stories}, contre {avg} en moyenne sur {over})."
        held, days, begin = short
        since = f"veille n’a de publications qu’à partir du {day_text(begin, lang)}"
        if not held:
            # When veille's posts begin, the volume finding says already.
            of = "de " + over if per == 1 else "des " + over[4:]
            return f"Terme le plus repris : {term} ({stories}) ; aucune publication {of}."
        counts = "qui ne compte" if per == 1 else "qui ne comptent"
        return (
            f"Terme en hausse : {term} ({stories}, contre {avg} en moyenne sur {over}, "
            f"{counts} que {held} de leurs {days} jours : {since})."
            if per > 1
            else f"Terme en hausse : {term} ({stories}, contre {avg} sur {over}, {counts} "
            f"que {held} de ses {days} jours : {since})."
        )
    stories = i18n.count(t.stories, lang, "story", "stories")
    over = "the period before" if per == 1 else f"the {per} periods before"
    if short is None:
        return f"Rising: {term} ({stories}, against {avg} on average over {over})."
    held, days, begin = short
    since = f"veille holds posts from {day_text(begin, lang)} on"
    if not held:
        return f"Most told: {term} ({stories}); veille holds no post of {over}."
    which = "which counts only" if per == 1 else "which count only"
    their = "its" if per == 1 else "their"
    return (
        f"Rising: {term} ({stories}, against {avg} on average over {over}, {which} "
        f"{held} of {their} {days} days: {since})."
    )


def _influencer(data: dict[str, Any], fr: bool, lang: str) -> str | None:
    infl = data.get("influencers") or ()
    if not infl:
        return None
    i = infl[0]
    where = i18n.join([platform_name(p) for p in i.platforms], lang)
    followers = getattr(i, "followers", None)
    if fr:
        engaged = (
            "vous avez déjà échangé avec cette personne"
            if i.engaged
            else "vous n’avez pas encore échangé avec cette personne"
        )
        who = (
            f"{i18n.count(followers, lang, 'abonné', 'abonnés')} sur {where}"
            if followers
            else f"sur {where}"
        )
        return f"La voix la plus influente : {i.handle} ({who}) ; {engaged}."
    engaged = "you have engaged with them" if i.engaged else "you have not engaged with them yet"
    who = (
        f"{i18n.count(followers, lang, 'follower', 'followers')} on {where}"
        if followers
        else f"on {where}"
    )
    return f"The most influential voice was {i.handle} ({who}); {engaged}."


def findings(data: dict[str, Any], lang: str) -> list[str]:
    """Sentences a communications manager can read aloud, from report data:
    each says only what its figures say (see :data:`MOST` and :data:`LEAN`)."""
    fr = lang == "fr"
    about = data.get("about") or ""
    if data.get("is_brand"):
        about = "vous" if fr else "you"
    peak = data.get("peak")
    busiest = None
    # Past three months the buckets are weeks: the peak is a week, not a day.
    interval = getattr(data.get("volume"), "interval", "day")
    if peak is not None and peak.posts and interval == "hour":  # a report of a day or two
        when = i18n.format_datetime(peak.start, lang, peak.start.tzinfo)
        busiest = (
            f"L’heure la plus active a été le {when} ({_posts(peak.posts, lang)})."
            if fr
            else f"The busiest hour was {when} ({_posts(peak.posts, lang)})."
        )
    elif peak is not None and peak.posts and interval == "week":
        busiest = (
            f"La semaine la plus active a été celle du {day_text(peak.start, lang)} "
            f"({_posts(peak.posts, lang)})."
            if fr
            else f"The busiest week was the week of {day_text(peak.start, lang)} "
            f"({_posts(peak.posts, lang)})."
        )
    elif peak is not None and peak.posts:
        busiest = (
            f"Le jour le plus actif a été le {day_text(peak.start, lang)} "
            f"({_posts(peak.posts, lang)})."
            if fr
            else f"The busiest day was {day_text(peak.start, lang)} ({_posts(peak.posts, lang)})."
        )
    sentences = (
        _volume(data, about, fr, lang),
        _platform(data, fr, lang),
        busiest,
        _sentiment(data, fr, lang),
        _trend(data, fr, lang),
        _influencer(data, fr, lang),
    )
    return [i18n.typography(s, lang) for s in sentences if s]
