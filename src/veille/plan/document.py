"""The plan as a document: Markdown (the one source), HTML and PDF, in
English or French."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.analytics.findings import platform_name
from veille.i18n import colon, format_date, format_decimal, format_money, language_name
from veille.plan.cost import MEASURE_DAYS, CostEstimate

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from veille.plan.recommend import Heard
    from veille.plan.status import KPIReport
    from veille.workspace import Workspace

_L = {
    "en": {
        "title": "Presence plan",
        "adopted": "Adopted on {at} by {by}: {hours} hours a week, {money} a month.",
        "draft": "Not adopted yet.",
        "changed": "**The plan has changed since:** it now asks {hours} hours a week and "
        "{money} a month; adopt it again to commit to that.",
        "objectives": "Objectives",
        "kpis": "KPIs",
        "people": "People",
        "guidelines": "Staff guidelines (version {v})",
        "rules": "Rules the draft checker applies",
        "channels": "Channel plan",
        "cost": "What it will cost",
        "recs": "Recommendations",
        "none": "None yet.",
        "owner": "owner",
        "deadline": "deadline",
        "topics": "topics",
        "channels_l": "channels",
        "why": "Why",
        "whom": "For whom",
        "often": "How often",
        "tone": "Tone",
        "langs": "Languages",
        "by": "Owner",
        "account": "Account",
        "respond": "Response target",
        "heard": "Where the audience is",
        "heard_value": "{share} of the conversation on the plan's topics ({n} in {d} days)",
        "per_week": "{n} posts a week",
        "minutes": "{n} minutes",
        "name": "KPI",
        "value": "Value",
        "baseline": "Baseline",
        "target": "Target",
        "status": "Status",
        "reason": "Why",
        "platform": "Channel",
        "posting": "Posting",
        "replying": "Replying",
        "monitoring": "Monitoring",
        "hours": "Hours a week",
        "mentions": "Mentions a week",
        "mentions_days": "Mentions a week are averaged over the {days} days veille holds "
        "posts for, not yet the last {of}.",
        "mentions_day": "Mentions a week are read from the one day veille holds posts for, "
        "not yet the last {of}.",
        "total": "Total",
        "money": "Money per month",
        "item": "Item",
        "amount": "Amount",
        "staff": "Staff time at {rate} an hour: {total} a month.",
        "assumptions": "Assumptions",
        "spokesperson": "Spokesperson",
        "channel_owner": "Owner of {p}",
        "hours_total": "{h} hours a week in all.",
        "hours_over": "**Over what the team has:** the plan asks {need} hours a week and the "
        "team has {have}, {over} more than it can sustain. Lower the cadence or the response "
        "targets before adopting it.",
        "hours_within": "Within what the team has: {need} of the {have} hours a week.",
        "money_over": "**Over the budget:** the plan costs {need} a month and the budget is "
        "{have}, {over} more.",
        "money_within": "Within the budget of {have} a month: {need}.",
        "generated": "Generated on {at}.",
    },
    "fr": {
        "title": "Plan de présence",
        "adopted": "Adopté le {at} par {by}\u202f: {hours} heures par semaine, {money} par mois.",
        "draft": "Pas encore adopté.",
        "changed": "**Le plan a changé depuis\u202f:** il demande maintenant {hours} heures par "
        "semaine et {money} par mois\u202f; adoptez-le de nouveau pour vous y engager.",
        "objectives": "Objectifs",
        "kpis": "Indicateurs",
        "people": "Personnes",
        "guidelines": "Charte du personnel (version {v})",
        "rules": "Règles qu’applique le vérificateur de brouillons",
        "channels": "Plan des canaux",
        "cost": "Ce qu’il coûtera",
        "recs": "Recommandations",
        "none": "Rien pour l’instant.",
        "owner": "responsable",
        "deadline": "échéance",
        "topics": "sujets",
        "channels_l": "canaux",
        "why": "Pourquoi",
        "whom": "Pour qui",
        "often": "Fréquence",
        "tone": "Ton",
        "langs": "Langues",
        "by": "Responsable",
        "account": "Compte",
        "respond": "Délai de réponse",
        "heard": "Où est le public",
        "heard_value": "{share} de la conversation sur les sujets du plan ({n} en {d} jours)",
        "per_week": "{n} publications par semaine",
        "minutes": "{n} minutes",
        "name": "Indicateur",
        "value": "Valeur",
        "baseline": "Base",
        "target": "Cible",
        "status": "État",
        "reason": "Pourquoi",
        "platform": "Canal",
        "posting": "Publier",
        "replying": "Répondre",
        "monitoring": "Veiller",
        "hours": "Heures par semaine",
        "mentions": "Mentions par semaine",
        "mentions_days": "Les mentions par semaine sont la moyenne des {days} jours pour "
        "lesquels veille détient des publications, pas encore des {of} derniers.",
        "mentions_day": "Les mentions par semaine sont tirées du seul jour pour lequel veille "
        "détient des publications, pas encore des {of} derniers.",
        "total": "Total",
        "money": "Budget mensuel",
        "item": "Poste",
        "amount": "Montant",
        "staff": "Temps du personnel à {rate} de l’heure\u202f: {total} par mois.",
        "assumptions": "Hypothèses",
        "spokesperson": "Porte-parole",
        "channel_owner": "Responsable de {p}",
        "hours_total": "{h} heures par semaine en tout.",
        "hours_over": "**Au-delà de ce qu’a l’équipe\u202f:** le plan demande {need} heures par "
        "semaine et l’équipe en a {have}, {over} de plus qu’elle ne peut tenir. Réduisez la "
        "fréquence ou allongez les délais de réponse avant de l’adopter.",
        "hours_within": "Dans ce qu’a l’équipe\u202f: {need} des {have} heures par semaine.",
        "money_over": "**Au-delà du budget\u202f:** le plan coûte {need} par mois et le budget "
        "est de {have}, {over} de plus.",
        "money_within": "Dans le budget de {have} par mois\u202f: {need}.",
        "generated": "Produit le {at}.",
    },
}


def labels(lang: str) -> dict[str, str]:
    return _L["fr" if lang == "fr" else "en"]


def _h(value: float, lang: str) -> str:
    return format_decimal(value, lang, 1)


def semicolon(lang: str) -> str:
    """Between facts on a line: ``; `` / `` ; `` (with U+202F)."""
    return "\u202f; " if lang == "fr" else "; "


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cost_data(est: CostEstimate) -> dict[str, Any]:
    return {
        "channels": [
            {
                "platform": c.platform,
                "posts_per_week": c.posts_per_week,
                "mentions_per_week": round(c.mentions_per_week, 2),
                "replies_per_week": round(c.replies_per_week, 2),
                "checks_per_day": round(c.checks_per_day, 2),
                "hours_posting": round(c.hours_posting, 2),
                "hours_replying": round(c.hours_replying, 2),
                "hours_monitoring": round(c.hours_monitoring, 2),
                "hours": round(c.hours, 2),
            }
            for c in est.channels
        ],
        "hours_per_week": round(est.hours_per_week, 2),
        # The days the mentions a week were averaged over: measure_days, or
        # fewer (partial_days, whole) while veille holds posts for less long.
        "measure_days": est.measure_days,
        "measured_days": round(est.measured_days, 2),
        "partial_days": est.partial_days,
        "money": [{"label": m.label, "monthly": m.monthly, "note": m.note} for m in est.money],
        "money_per_month": round(est.money_per_month, 2),
        "currency": est.currency,
        "hourly_rate": est.hourly_rate,
        "staff_per_month": None if est.staff_per_month is None else round(est.staff_per_month, 2),
        "hours_available": est.hours_available,
        "hours_over": round(est.hours_over, 2),
        "budget_per_month": est.budget_per_month,
        "money_over": round(est.money_over, 2),
        "over_capacity": est.over_capacity,
        "assumptions": {name: value for name, value, _en, _fr in est.assumptions},
    }


def assumption_lines(est: CostEstimate, lang: str) -> list[tuple[str, float, str]]:
    """The estimate's assumptions: name, value and what it is in ``lang``."""
    return [(name, value, fr if lang == "fr" else en) for name, value, en, fr in est.assumptions]


def capacity_lines(
    est: CostEstimate, lang: str, say: Callable[[str], str] | None = None
) -> list[str]:
    """The plan's hours and money against what the team has, a sentence each."""
    t = labels(lang)
    lines = []
    need, have = _h(est.hours_per_week, lang), est.hours_available
    if have is None:
        from veille.errors import Place, tr
        from veille.plan.kpi_measures import PLAN_EDIT, said

        # Said where the document is read (``say``): the page the hours are
        # given on, from the web; the command, from the command line.
        where = Place("`veille plan capacity --hours`", page=PLAN_EDIT, api=PLAN_EDIT)
        unknown = tr(
            "How many hours a week can the team give? Say it (%(where)s) to check the plan "
            "against it.",
            where=where,
        )
        lines.append(said(unknown, "", lang, say))
    elif est.hours_over > 0:
        over = _h(est.hours_over, lang)
        lines.append(t["hours_over"].format(need=need, have=_h(have, lang), over=over))
    else:
        lines.append(t["hours_within"].format(need=need, have=_h(have, lang)))
    budget = est.budget_per_month
    if budget is not None:
        spent = format_money(est.money_per_month, lang, est.currency)
        limit = format_money(budget, lang, est.currency)
        if est.money_over > 0:
            over = format_money(est.money_over, lang, est.currency)
            lines.append(t["money_over"].format(need=spent, have=limit, over=over))
        else:
            lines.append(t["money_within"].format(need=spent, have=limit))
    return lines


def cost_markdown(est: CostEstimate, lang: str, say: Callable[[str], str] | None = None) -> str:
    t = labels(lang)
    out = [
        f"| {t['platform']} | {t['mentions']} | {t['posting']} | {t['replying']} | "
        f"{t['monitoring']} | {t['hours']} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in est.channels:
        out.append(
            f"| {platform_name(c.platform)} | {_h(c.mentions_per_week, lang)} | "
            f"{_h(c.hours_posting, lang)} | "
            f"{_h(c.hours_replying, lang)} | {_h(c.hours_monitoring, lang)} | {_h(c.hours, lang)} |"
        )
    out.append(f"| **{t['total']}** | | | | | **{_h(est.hours_per_week, lang)}** |")
    out += ["", t["hours_total"].format(h=_h(est.hours_per_week, lang)), ""]
    if est.partial_days is not None:
        said = t["mentions_day" if est.partial_days == 1 else "mentions_days"]
        out += [said.format(days=est.partial_days, of=MEASURE_DAYS), ""]
    if est.money:
        out += [f"| {t['item']} | {t['amount']} |", "|---|---:|"]
        money = functools.partial(format_money, lang=lang, currency=est.currency)
        out += [f"| {_cell(m.label)} | {money(m.monthly)} |" for m in est.money]
        out += [f"| **{t['money']}** | **{money(est.money_per_month)}** |", ""]
    if est.staff_per_month is not None and est.hourly_rate is not None:
        rate = format_money(est.hourly_rate, lang, est.currency)
        total = format_money(est.staff_per_month, lang, est.currency)
        out += [t["staff"].format(rate=rate, total=total), ""]
    for line in capacity_lines(est, lang, say):
        out += [line, ""]
    out.append(f"{t['assumptions']}{colon(lang)}")
    for name, value, en, fr in est.assumptions:
        text = fr if lang == "fr" else en
        out.append(f"- `{name}` = {format_decimal(value, lang, 2)}{colon(lang)} {text}")
    return "\n".join(out)


def plan_markdown(
    ws: Workspace,
    lang: str = "en",
    *,
    now: datetime | None = None,
    heard: Heard | None = None,
    kpis: Sequence[KPIReport] | None = None,
    say: Callable[[str], str] | None = None,
) -> str:
    """The whole plan as Markdown in ``lang``; ``heard``: what the plan reads
    from the posts (:func:`~veille.plan.recommend.hear`) when already read,
    as the plan's page keeps it a minute (the most of the document's time);
    ``kpis``: the KPIs' reports (:func:`~veille.plan.status.reports`) the
    page keeps the same minute; ``say``: what says their reasons for where
    the document is asked (the web app's pages, where the command line
    names its commands)."""
    from veille.plan.adoption import adoption
    from veille.plan.cost import estimate
    from veille.plan.kpis import kind_label as kpi_kind
    from veille.plan.objectives import kind_note
    from veille.plan.people import current_guidelines
    from veille.plan.recommend import (
        LISTEN_DAYS,
        conversation_by_platform,
        hear,
        posts,
        recommendations,
        share_shown,
    )
    from veille.plan.start import in_reader_words
    from veille.plan.status import format_value, reports, status_label

    t = labels(lang)
    state = ws.state
    org = state.plan_settings().get("organization", "")
    out = [f"# {t['title']}" + (f" — {org}" if org else ""), ""]
    # Read once for the cost, the channels and the recommendations.
    listened = heard if heard is not None else hear(ws, now=now)
    cost = estimate(ws, weekly=listened.weekly)  # for the adoption and the cost table alike
    done = adoption(ws)
    if done:
        out.append(
            t["adopted"].format(
                at=format_date(done.at, lang),
                by=done.by or "—",
                hours=_h(done.hours_per_week, lang),
                money=format_money(done.money_per_month, lang, cost.currency),
            )
        )
        if done.changed(cost):
            hours = _h(cost.hours_per_week, lang)
            money = format_money(cost.money_per_month, lang, cost.currency)
            out += ["", t["changed"].format(hours=hours, money=money)]
    else:
        out.append(t["draft"])
    out += ["", f"## {t['objectives']}", ""]
    for o in state.plan_objectives():
        note = kind_note(o, lang)
        out.append(f"### {o.name} ({note})" if note else f"### {o.name}")
        if o.description:
            out += ["", in_reader_words(o.description, lang)]
        c = colon(lang)
        facts = [
            f"{t['owner']}{c} {o.owner}" if o.owner else "",
            f"{t['deadline']}{c} {format_date(o.deadline, lang)}" if o.deadline else "",
            f"{t['topics']}{c} {', '.join(o.topics)}" if o.topics else "",
            f"{t['channels_l']}{c} {', '.join(map(platform_name, o.channels))}"
            if o.channels
            else "",
        ]
        out += ["", semicolon(lang).join(f for f in facts if f), ""]
    if not state.plan_objectives():
        out += [t["none"], ""]
    out += [f"## {t['kpis']}", ""]
    found = list(kpis) if kpis is not None else reports(ws, now=now, with_history=False)
    if found:
        out += [
            f"| {t['name']} | {t['value']} | {t['baseline']} | {t['target']} | {t['status']} "
            f"| {t['reason']} |",
            "|---|---:|---:|---:|---|---|",
        ]
        for r in found:
            # What it measures, as the page says it under its name.
            what = " · ".join(
                x
                for x in (
                    kpi_kind(r.kpi.kind, lang),
                    r.kpi.topic,
                    r.kpi.platform and platform_name(r.kpi.platform),
                )
                if x
            )
            out.append(
                f"| {_cell(r.kpi.name)} ({_cell(what)}) | "
                f"{format_value(r.kpi.kind, r.value, lang)} | "
                f"{format_value(r.kpi.kind, r.kpi.baseline, lang)} | "
                f"{format_value(r.kpi.kind, r.kpi.target, lang)} | "
                f"{status_label(r.status, lang)} | {_cell(r.reason(lang, say))} |"
            )
        out.append("")
    else:
        out += [t["none"], ""]
    out += [f"## {t['people']}", ""]
    for p in state.plan_people():
        role = (
            t["spokesperson"]
            if p.role == "spokesperson"
            else t["channel_owner"].format(p=platform_name(p.platform))
        )
        out.append(f"- {role}{colon(lang)} {p.username}" + (f" ({p.note})" if p.note else ""))
    out.append("" if state.plan_people() else t["none"] + "\n")
    g = current_guidelines(state)
    if g:
        from veille.plan.guide import guidelines_rules, rules_lines, split_rules

        # The rules at the top are listed as sentences, not as their TOML.
        _rules, body = split_rules(g.text_fr if lang == "fr" else g.text_en)
        rules = rules_lines(guidelines_rules(g.text_en, g.text_fr), lang)
        if rules:
            body += f"\n\n**{t['rules']}**\n\n" + "\n".join(f"- {r}" for r in rules)
        # The guidelines' own headings sit under this section's.
        body = "\n".join(
            "##" + line if line.startswith("#") else line for line in body.splitlines()
        )
        out += [f"## {t['guidelines'].format(v=g.version)}", "", body, ""]
    out += [f"## {t['channels']}", ""]
    audience = conversation_by_platform(ws, heard=listened)
    for ch in state.plan_channels():
        out += [f"### {platform_name(ch.platform)}" + (f" (@{ch.handle})" if ch.handle else ""), ""]
        n, share = audience.get(ch.platform, (0, 0.0))
        there = t["heard_value"].format(
            share=share_shown(share, lang), n=posts(n, lang), d=LISTEN_DAYS
        )
        rows = [
            (t["why"], ", ".join(ch.objectives)),
            (t["heard"], there if audience else ""),
            (t["whom"], ch.audience),
            (t["often"], t["per_week"].format(n=format_decimal(ch.posts_per_week, lang, 1))),
            (t["tone"], in_reader_words(ch.tone, lang)),
            (t["langs"], ", ".join(language_name(code, lang) for code in ch.languages)),
            (t["by"], ch.owner),
            (
                t["respond"],
                t["minutes"].format(n=ch.response_minutes) if ch.response_minutes else "",
            ),
        ]
        out += [f"- {k}{colon(lang)} {v}" for k, v in rows if v] + [""]
    if not state.plan_channels():
        out += [t["none"], ""]
    out += [f"## {t['cost']}", "", cost_markdown(cost, lang, say), ""]
    out += [f"## {t['recs']}", ""]
    recs = recommendations(ws, heard=listened)
    out += [f"- {r.text(lang)}" for r in recs] or [t["none"]]
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body { font-size: 11pt; line-height: 1.45; max-width: 50em; margin: 2em auto; color: #1d2430; }
h1 { font-size: 20pt; } h2 { font-size: 15pt; margin-top: 1.6em; border-bottom: 1px solid #ccd; }
h3 { font-size: 12pt; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #ccd; padding: .25em .5em; vertical-align: top; }
code { font-size: 9.5pt; }
"""


def plan_html(
    ws: Workspace,
    lang: str = "en",
    *,
    now: datetime | None = None,
    heard: Heard | None = None,
    kpis: Sequence[KPIReport] | None = None,
    say: Callable[[str], str] | None = None,
) -> str:
    """The plan as one standalone HTML page (the Markdown rendered, raw HTML
    in it escaped: guidelines and names are the users' text)."""
    from html import escape

    from markdown_it import MarkdownIt

    from veille.printing import FONT_CSS

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(plan_markdown(ws, lang, now=now, heard=heard, kpis=kpis, say=say))
    title = escape(labels(lang)["title"])
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{FONT_CSS}\n{_CSS}</style></head><body>\n{body}</body></html>\n"
    )


def plan_pdf(
    ws: Workspace,
    lang: str = "en",
    *,
    now: datetime | None = None,
    heard: Heard | None = None,
    kpis: Sequence[KPIReport] | None = None,
    say: Callable[[str], str] | None = None,
) -> bytes:
    from veille.errors import tr
    from veille.printing import write_pdf

    made = plan_html(ws, lang, now=now, heard=heard, kpis=kpis, say=say)
    return write_pdf(made, what=tr("plan PDF"))
