"""The plan's pages over the live server, for every role: managers (and
admins) edit, analysts and viewers read, everyone acknowledges the
guidelines; a new organization goes from nothing to an adopted plan."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.conftest import to_come
from tests.web.conftest import Served, add_role_users, csrf_from, serve
from veille.served_at import links_base
from veille.workspace import init_workspace

#: A deadline to come, whatever the day the tests run (a fixed year passes).
DEADLINE = to_come(datetime(2030, 6, 30)).date()


def shown(hours: float) -> str:
    """Hours as the plan writes them (one decimal, a half rounded up): an
    f-string's .1f rounds a half to even, so 16.25 read 16.2 beside 16.3."""
    from veille.i18n import format_decimal

    return format_decimal(hours, "en", 1)


def form(client: httpx.Client, page: str, action: str, data: dict[str, object]) -> httpx.Response:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data})


def no_saved_language(root: Path, *names: str) -> None:
    """``names`` read the language of their cookie again, as users who never
    chose one: another test of the module may have saved French for one of
    them (a saved choice wins over the cookie), and which tests ran before
    depends on how xdist spread them."""
    from veille.workspace import Workspace

    with Workspace.open(root) as ws, ws.state.transaction() as tx:
        for name in names:
            tx.update_user(name, language="")  # (a new user's: none chosen)


@contextmanager
def two_colleagues(
    live_server: Served, login: Callable[..., httpx.Response], page: str
) -> Iterator[tuple[httpx.Client, httpx.Client, str, str]]:
    """A manager and an admin, each signed in on a client of their own, who
    both opened ``page``: their clients, then the page as each read it."""
    no_saved_language(live_server.root, "manager", "admin")
    # (30 s: a page's first answer on a loaded machine passed httpx's default 5 s.)
    with (
        httpx.Client(base_url=live_server.url, timeout=30) as first,
        httpx.Client(base_url=live_server.url, timeout=30) as second,
    ):
        login(first, "manager")
        login(second, "admin")
        yield first, second, first.get(page).text, second.get(page).text


def plan_says(
    root: Path, login: Callable[..., httpx.Response], pattern: str, group: int = 0
) -> dict[str, str]:
    """What /plan says to a viewer, in English and in French, where
    ``pattern`` finds it (its ``group``), served from the workspace at ``root``."""
    import html

    served, server = serve(root)
    said = {}
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            login(client, "viewer")
            for lang in ("en", "fr"):
                client.cookies.set("veille_lang", lang)
                page = html.unescape(client.get("/plan").text)
                found = re.search(pattern, page, re.S)
                assert found, page[:2000]
                said[lang] = found.group(group)
    finally:
        server.stop()
    return said


def test_nobody_signed_in_goes_to_login(live_server: Served, client: httpx.Client) -> None:
    for path in ("/plan", "/plan/edit", "/plan/start", "/plan/guidelines", "/plan/export"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_read_and_cannot_edit(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response], role: str
) -> None:
    login(client, role)
    page = client.get("/plan")
    assert page.status_code == 200
    assert client.get("/plan/guidelines").status_code == 200
    # Every link the page gives a reader opens (the calendar is an analyst's).
    for link in re.findall(r'href="(/plan[^"]*)"', page.text):
        assert client.get(link.replace("&amp;", "&")).status_code == 200, (role, link)
    for path in ("/plan/edit", "/plan/start"):
        assert client.get(path).status_code == 403, path
    token = csrf_from(client.get("/plan").text)
    for action in (
        "/plan/objectives",
        "/plan/kpis",
        "/plan/channels",
        "/plan/money",
        "/plan/capacity",
        "/plan/money/rate",
        "/plan/adopt",
        "/plan/start",
        "/plan/guidelines",
    ):
        r = client.post(action, data={"csrf_token": token, "name": "x", "label": "x"})
        assert r.status_code == 403, action


def test_from_nothing_to_an_adopted_plan(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "manager")
    # An empty plan sends a manager to the guided start.
    r = client.get("/plan")
    assert r.status_code == 303 and r.headers["location"] == "/plan/start"
    r = form(
        client,
        "/plan/start",
        "/plan/start",
        {
            "organization": "Lumio",
            "kind": "customer_service",
            "topic": "lumio",
            "query": "lumio",
            "competitors": "vexa",
            "channels": ["mastodon", "bluesky"],
            "handle": "lumio_hq",
            "posts_per_week": "4",
            "response_minutes": "60",
        },
    )
    assert r.status_code == 303, r.text
    page = client.get("/plan").text
    assert "Customer service" in page and "lumio" in page
    assert "Not adopted yet" in page and "Hours a week" in page
    # Customer service measures net sentiment, response time and mentions
    # (said in words, as the form choosing a KPI says them).
    assert "Net sentiment (points)" in page and "Inbox first-response time" in page
    assert "not measurable yet" in page  # the inbox KPI is never made up
    # Editing: money, a KPI, a channel change.
    assert (
        form(
            client, "/plan/edit", "/plan/money", {"label": "scheduler", "monthly": "19"}
        ).status_code
        == 303
    )
    r = form(
        client,
        "/plan/edit",
        "/plan/kpis",
        {
            "name": "reach",
            "kind": "mentions",
            "target": "50",
            "topic": "lumio",
        },
    )
    assert r.status_code == 303, r.text
    r = form(client, "/plan/edit", "/plan/kpis", {"name": "bad", "kind": "mentions", "target": "5"})
    assert r.status_code == 400 and "needs a topic" in r.text
    page = client.get("/plan").text
    assert "scheduler" in page and "reach" in page
    # Adoption at the cost shown.
    token = csrf_from(page)
    seen = page.split('name="seen_hours" value="')[1].split('"')[0]
    r = client.post("/plan/adopt", data={"csrf_token": token, "seen_hours": seen})
    assert r.status_code == 303
    assert "Adopted on" in client.get("/plan").text
    with live_server.workspace() as ws:
        assert ws.state.plan_settings()["adopted_by"] == "manager"
        assert [c.platform for c in ws.state.plan_channels()] == ["mastodon", "bluesky"]


def test_guidelines_are_acknowledged_by_version(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "manager")
    r = form(
        client,
        "/plan/guidelines",
        "/plan/guidelines",
        {
            "text_en": "# Be kind\n\nNever <script>alert(1)</script> argue.",
            "text_fr": "# Soyez aimables\n\nNe polémiquez jamais.",
        },
    )
    assert r.status_code == 303
    client.cookies.clear()
    login(client, "viewer")
    page = client.get("/plan/guidelines").text
    assert "<h1>Be kind</h1>" in page or "Be kind" in page
    assert "<script>alert(1)</script>" not in page
    r = form(client, "/plan/guidelines", "/plan/guidelines/acknowledge", {"version": "1"})
    assert r.status_code == 303
    page = client.get("/plan/guidelines").text
    assert "You have acknowledged this version." in page
    with live_server.workspace() as ws:
        acks = ws.state.guideline_acknowledgements()
    assert [(a.username, a.version) for a in acks] == [("viewer", 1)]


def test_the_plan_in_french_and_as_documents(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "analyst")
    token = csrf_from(client.get("/plan").text)
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
    page = client.get("/plan").text
    assert "Plan de présence" in page
    assert "Ce qu’il coûtera" in page
    pdf = client.get("/plan/export", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    md = client.get("/plan/export", params={"format": "md", "language": "en"})
    assert md.text.startswith("# Presence plan")
    toml = client.get("/plan/export", params={"format": "toml"})
    assert toml.text.startswith("# veille presence plan")


def test_guidelines_rules_are_listed_and_unreadable_ones_refused(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    login(client, "manager")
    rules = '+++\nforbidden_words = ["free"]\nrequired_hashtags = ["Lumio"]\n+++\n'
    r = form(
        client,
        "/plan/guidelines",
        "/plan/guidelines",
        {
            "text_en": rules + "# Be kind",
            "text_fr": "+++\nmots_interdits = ['gratuit']\n+++\n# Charte",
        },
    )
    assert r.status_code == 303
    page = client.get("/plan/guidelines").text
    assert "Rules the draft checker applies" in page and "Words to avoid: free, gratuit" in page
    assert "Hashtags in every post: #Lumio" in page
    assert "+++\nforbidden_words" not in page.split("<textarea")[0]  # shown as a list, not TOML
    # Rules that cannot be read are refused, with what to do.
    r = form(
        client,
        "/plan/guidelines",
        "/plan/guidelines",
        {"text_en": "+++\nforbiden_words = ['x']\n+++\n# Be kind", "text_fr": "# Charte"},
    )
    assert r.status_code == 400
    assert "the English guidelines: unknown rule" in r.text and "forbidden_words" in r.text
    token = csrf_from(client.get("/plan/guidelines").text)
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
    page = client.get("/plan/guidelines").text
    assert "Règles qu’applique le vérificateur de brouillons" in page
    assert "Mots à éviter\u202f: free, gratuit" in page


def test_a_french_reader_reads_the_plan_errors_in_french(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """The plan's forms (a KPI without its topic, an objective without a
    name or with a deadline that is not a date) say why in French, hint
    included, with no CLI option in them (the English page: the test above).
    A KPI is an « indicateur », as the page names it, never « KPI »."""
    import html

    login(client, "manager")
    client.cookies.set("veille_lang", "fr")
    r = form(client, "/plan/edit", "/plan/kpis", {"name": "fr", "kind": "mentions", "target": "5"})
    page = html.unescape(r.text)
    assert r.status_code == 400
    assert "un indicateur «\u202fmentions\u202f» demande un sujet" in page
    assert "Choisissez le sujet qu’il compte." in page and "--topic" not in page
    typed = {"name": "fr-twice", "kind": "backlog", "target": "5"}
    assert form(client, "/plan/edit", "/plan/kpis", typed).status_code == 303
    r = form(client, "/plan/edit", "/plan/kpis", typed)
    page = html.unescape(r.text)
    assert r.status_code == 400 and "l’indicateur «\u202ffr-twice\u202f» existe déjà" in page
    assert "KPI" not in re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]), page
    r = form(client, "/plan/edit", "/plan/objectives", {"name": " ", "kind": "custom"})
    assert r.status_code == 400 and "objectif\u202f: il faut un nom" in html.unescape(r.text)
    r = form(client, "/plan/edit", "/plan/objectives",
             {"name": "fr-goal", "kind": "custom", "deadline": "bientôt"})  # fmt: skip
    page = html.unescape(r.text)
    assert (
        r.status_code == 400 and "échéance\u202f: «\u202fbientôt\u202f» n’est pas une date" in page
    )
    rules = {"text_en": "+++\nforbiden_words = ['x']\n+++\n# Be kind", "text_fr": "# Charte"}
    r = form(client, "/plan/guidelines", "/plan/guidelines", rules)
    page = html.unescape(r.text)
    assert r.status_code == 400
    assert "la charte en anglais\u202f: règle inconnue «\u202fforbiden_words\u202f»" in page


@pytest.fixture
def new_org(own_server: Served) -> Served:
    """A workspace of its own, with the four role users and no plan yet."""
    return own_server


def start_plan(client: httpx.Client, **fields: object) -> httpx.Response:
    return form(client, "/plan/start", "/plan/start", {
        "organization": "Lumio", "kind": "customer_service", "topic": "lumio",
        "query": "lumio", "competitors": "vexa, ortel", "channels": ["mastodon"],
        "handle": "lumio_hq", "posts_per_week": "4", "response_minutes": "60", **fields,
    })  # fmt: skip


def test_the_plan_says_a_label_once_and_roles_in_words(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """The wizard names the objective after its type: the page does not say
    it twice; a channel owner is said in words, not as the code channel_owner."""
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client).status_code == 303
        owner = {"username": "analyst", "role": "channel_owner", "platform": "mastodon"}
        added = form(client, "/plan/edit", "/plan/people", owner)
        assert added.status_code == 303, added.text
        page = client.get("/plan").text
        assert "Customer service</strong>" in page
        assert "Customer service (Customer service)" not in page
        assert "(Customer service)" not in page
        edit = client.get("/plan/edit").text
        assert "analyst — Channel owner (Mastodon)" in edit and "channel_owner (" not in edit
        token = csrf_from(edit)
        client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
        french = client.get("/plan/edit").text
        assert "analyst — Responsable de canal (Mastodon)" in french
        md = client.get("/plan/export", params={"format": "md", "language": "en"}).text
        assert "Customer service (Customer service)" not in md


def test_competitors_named_in_the_guided_start_are_the_dashboards(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """The competitors typed in the guided start are what the dashboard's
    share of voice compares the brand with (and what the API's does)."""
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client).status_code == 303
        page = client.get("/").text
        assert "lumio against its competitors" in page
        assert "Among the topics shown" not in page
    with new_org.workspace() as ws:
        from veille.services.analytics import brand_and_competitors

        assert brand_and_competitors(ws) == ("lumio", ("vexa", "ortel"))


def test_the_cost_is_checked_against_what_the_team_has(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    import html

    from veille.plan.adoption import adoption
    from veille.plan.channels import set_channel
    from veille.plan.cost import estimate
    from veille.plan.objectives import add_objective

    with live_server.workspace() as ws:
        if not ws.state.plan_objectives():
            add_objective(ws.state, "reach", "awareness")
        set_channel(ws.state, "mastodon", posts_per_week=30)
        ws.state.set_plan_setting("adopted_at", None)
        hours = estimate(ws).hours_per_week
    login(client, "manager")
    token = csrf_from(client.get("/plan/edit").text)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/plan"})
    page = client.get("/plan/edit").text
    assert "What the team has" in page and 'name="hours"' in page
    r = form(client, "/plan/edit", "/plan/capacity", {"hours": "4", "budget": ""})
    assert r.status_code == 303, r.text
    page = client.get("/plan").text
    assert "Over what the team has:" in page
    assert f"the plan asks {shown(hours)} hours a week and the team has 4" in page
    # Adopting without saying so is refused, with what to do; nothing is adopted.
    seen = page.split('name="seen_hours" value="')[1].split('"')[0]
    assert 'name="over_capacity"' in page
    token = csrf_from(page)
    r = client.post("/plan/adopt", data={"csrf_token": token, "seen_hours": seen})
    assert r.status_code == 400
    assert f"the plan asks {shown(hours)} hours a week and the team has 4" in r.text
    with live_server.workspace() as ws:
        assert adoption(ws) is None
    # Ticking the box commits knowingly.
    r = client.post(
        "/plan/adopt", data={"csrf_token": token, "seen_hours": seen, "over_capacity": "1"}
    )
    assert r.status_code == 303
    assert "has changed since" not in client.get("/plan").text
    # A change after adoption is said beside the adoption.
    with live_server.workspace() as ws:
        set_channel(ws.state, "mastodon", posts_per_week=31)
        now_hours = estimate(ws).hours_per_week
    page = client.get("/plan").text
    assert f"The plan has changed since: it now asks {shown(now_hours)} hours a week and" in page
    with live_server.workspace() as ws:
        set_channel(ws.state, "mastodon", posts_per_week=30)
    # In French, the same warning.
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
    page = client.get("/plan").text
    assert "Au-delà de ce qu’a l’équipe\u202f:" in page
    # Enough hours: no warning, no box.
    form(client, "/plan/edit", "/plan/capacity", {"hours": "60", "budget": "100"})
    client.post("/language", data={"csrf_token": csrf_from(page), "lang": "en", "next": "/plan"})
    page = client.get("/plan").text
    assert "Within what the team has" in page and 'name="over_capacity"' not in page
    # Bad input is named.
    r = form(client, "/plan/edit", "/plan/capacity", {"hours": "many", "budget": ""})
    assert r.status_code == 400 and (
        "Hours a week the team can give the presence: &#39;many&#39; is not a number" in r.text
    )
    with live_server.workspace() as ws:
        assert estimate(ws).hours_available == 60
    # The staff time as money, from the same page (it was the CLI's alone).
    r = form(client, "/plan/edit", "/plan/money/rate", {"rate": "45"})
    assert r.status_code == 303, r.text
    with live_server.workspace() as ws:
        staff = estimate(ws).staff_per_month
    assert staff is not None and staff == pytest.approx(hours * 52 / 12 * 45)
    page = client.get("/plan").text
    assert f"staff time: €{staff:,.2f} a month" in page  # in the workspace's currency
    # A negative figure is said as it was typed, the reader's way (it read
    # "-5.0", and « -3.0 » on a French page).
    r = form(client, "/plan/edit", "/plan/money/rate", {"rate": "-5"})
    assert r.status_code == 400 and "hourly rate \u22125 is negative" in r.text
    token = csrf_from(client.get("/plan/edit").text)
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
    refused = {
        "/plan/money/rate": ({"rate": "-2.5"}, "le taux horaire \u22122,5 est négatif"),
        "/plan/money": (
            {"label": "outil", "monthly": "-10"},
            "Montant par mois\u202f: \u221210 est négatif",
        ),
        "/plan/channels": (
            {"platform": "mastodon", "posts_per_week": "-3"},
            "le nombre de publications par semaine \u22123 est négatif",
        ),
        "/plan/capacity": ({"hours": "-1.5"}, "\u22121,5 est négatif"),
    }
    for action, (typed, said) in refused.items():
        r = form(client, "/plan/edit", action, typed)
        assert r.status_code == 400 and said in html.unescape(r.text), (action, r.text[-2000:])
    token = csrf_from(client.get("/plan/edit").text)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/plan"})
    # What float() reads but no team has ('Staff time at NaN an hour', '0 of the ∞ hours').
    hours_label = "Hours a week the team can give the presence"
    rate_label = "Cost of an hour of staff time (empty: not shown as money)"
    for path, field, typed, label in (
        ("/plan/capacity", "hours", "nan", hours_label),
        ("/plan/capacity", "budget", "inf", "Money a month it may cost"),
        ("/plan/capacity", "hours", "1e400", hours_label),
        ("/plan/money/rate", "rate", "NaN", rate_label),
    ):
        r = form(client, "/plan/edit", path, {field: typed})
        assert r.status_code == 400, (path, typed)
        assert f"{label}: &#39;{typed}&#39; is not a number" in r.text
    with live_server.workspace() as ws:
        kept = estimate(ws)
    assert kept.hours_available == 60 and kept.staff_per_month == staff


def test_a_kpi_target_left_empty_is_refused_not_read_as_zero(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    from veille.plan.kpis import add_kpi, get_kpi
    from veille.plan.objectives import add_objective
    from veille.query.topics import add_topic, list_topics

    with live_server.workspace() as ws:
        if "lumio" not in [t.name for t in list_topics(ws.store)]:
            add_topic(ws.store, "lumio", "lumio")
        if not ws.state.plan_objectives():
            add_objective(ws.state, "reach", "awareness")
        add_kpi(ws, "reach-empty", "mentions", 500, topic="lumio")
    login(client, "manager")
    token = csrf_from(client.get("/plan/edit").text)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/plan"})
    # Clearing the target of a KPI: refused, named, and the target kept.
    r = form(client, "/plan/edit", "/plan/kpis/target", {"name": "reach-empty", "target": ""})
    assert r.status_code == 400 and "a KPI needs a target" in r.text
    with live_server.workspace() as ws:
        assert get_kpi(ws.state, "reach-empty").target == 500
    page = client.get("/plan").text
    row = page.split("reach-empty")[1].split("</tr>")[0]
    assert "achieved" not in row
    # A new KPI without a target: refused too, nothing added.
    r = form(
        client,
        "/plan/edit",
        "/plan/kpis",
        {"name": "no-target", "kind": "mentions", "target": "", "topic": "lumio"},
    )
    assert r.status_code == 400 and "a KPI needs a target" in r.text
    with live_server.workspace() as ws:
        assert "no-target" not in [k.name for k in ws.state.plan_kpis()]


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", {
            "share_of_voice": "Target: a share of voice runs from 0 to 100, not 150",
            "net_sentiment": "Target: net sentiment runs from \u2212100 to 100 points, not 150",
            "mentions": "Target: \u22125 is negative",
        }),
        ("fr", {
            "share_of_voice": "Cible\u202f: une part de voix va de 0 à 100, pas 150",
            "net_sentiment": "Cible\u202f: le sentiment net va de \u2212100 à 100 points, pas 150",
            "mentions": "Cible\u202f: \u22125 est négatif",
        }),
    ],
)  # fmt: skip
def test_a_kpi_target_its_measure_can_never_take_is_refused(
    live_server: Served,
    client: httpx.Client,
    login: Callable[..., httpx.Response],
    lang: str,
    said: dict[str, str],
) -> None:
    """A share of voice of 150% was kept, and the plan read "on track" toward
    it: a target outside what its measure can be is refused, named, and
    nothing is added or changed."""
    import html

    from veille.plan.kpis import add_kpi, get_kpi
    from veille.query.topics import add_topic, list_topics

    with live_server.workspace() as ws:
        for name in ("lumio", "vexa"):
            if name not in [t.name for t in list_topics(ws.store)]:
                add_topic(ws.store, name, name)
        if "voice-kept" not in [k.name for k in ws.state.plan_kpis()]:
            add_kpi(ws, "voice-kept", "share_of_voice", 40, topic="lumio", compare=["vexa"])
    no_saved_language(live_server.root, "manager")
    login(client, "manager")
    client.cookies.set("veille_lang", lang)
    for kind, target in (("share_of_voice", "150"), ("net_sentiment", "150"), ("mentions", "-5")):
        typed = {"name": f"never-{kind}", "kind": kind, "target": target, "topic": "lumio",
                 "compare": "vexa"}  # fmt: skip
        r = form(client, "/plan/edit", "/plan/kpis", typed)
        assert r.status_code == 400 and said[kind] in html.unescape(r.text), r.text[-3000:]
    r = form(client, "/plan/edit", "/plan/kpis/target", {"name": "voice-kept", "target": "150"})
    assert r.status_code == 400 and said["share_of_voice"] in html.unescape(r.text)
    with live_server.workspace() as ws:
        assert not [k.name for k in ws.state.plan_kpis() if k.name.startswith("never-")]
        assert get_kpi(ws.state, "voice-kept").target == 40


def test_the_guided_start_never_sets_a_share_of_voice_past_100(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """A brand holding 95% of the conversation, grown by a tenth, was given
    a target of 104.7%, which no share of voice reaches."""
    from datetime import UTC, datetime, timedelta

    from veille.models import Author, Post
    from veille.workspace import Workspace

    now = datetime.now(UTC)
    posts = [
        Post.create(platform="mastodon", native_id=f"sov{n}", text="vexa" if n == 0 else "lumio",
                    published_at=now - timedelta(days=1 + n % 20, hours=3),
                    author=Author(handle=f"a{n}"))
        for n in range(21)
    ]  # fmt: skip
    with Workspace.open(new_org.root) as ws:
        ws.store.upsert_posts(posts)
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client, kind="awareness").status_code == 303
        page = client.get("/plan").text
    row = re.search(r"awareness-share-of-voice<br>.*?</tr>", page, re.S)
    assert row, page[:3000]
    cells = re.findall(r"<td>([^<]*)</td>", row.group(0))
    assert cells[:3] == ["95.2%", "95.2%", "100%"], cells  # value, baseline, target


def test_a_kpis_deadline_is_removed_from_its_row_and_a_past_or_met_one_said(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    from datetime import UTC, datetime

    from tests.conftest import make_post
    from veille.pipeline.ingest import build_pipeline
    from veille.plan.kpis import add_kpi
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:  # a mention of lumio this month: a baseline of 1
        add_topic(ws.store, "lumio", "lumio")
        post = make_post("floor-1", "lumio is fine", published_at=datetime.now(UTC))
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        add_kpi(
            ws, "reach-dated", "mentions", 100_000, topic="lumio", deadline=DEADLINE.isoformat()
        )
    new_org, server = serve(root)  # started once the post is in (nothing read before it)
    try:
        _kpi_and_objective_rows(new_org, login)
    finally:
        server.stop()


def _kpi_and_objective_rows(new_org: Served, login: Callable[..., httpx.Response]) -> None:
    import html

    from veille.plan.kpis import get_kpi

    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        token = csrf_from(client.get("/plan/edit").text)
        client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/plan"})
        # The row's date field emptied: the deadline is gone.
        row = {"name": "reach-dated", "target": "100000", "deadline": ""}
        r = form(client, "/plan/edit", "/plan/kpis/target", row)
        assert r.status_code == 303, r.text
        with new_org.workspace() as ws:
            assert get_kpi(ws.state, "reach-dated").deadline is None
        # A date already past: taken, with a word.
        r = form(client, "/plan/edit", "/plan/kpis/target", {**row, "deadline": "2020-01-01"})
        assert r.status_code == 303, r.text
        told = html.unescape(client.get(r.headers["location"]).text)
        assert "The deadline, January 1, 2020, is already past" in told
        with new_org.workspace() as ws:
            assert str(get_kpi(ws.state, "reach-dated").deadline) == "2020-01-01"
        # Only the target changed: no word about the date again.
        r = form(client, "/plan/edit", "/plan/kpis/target", {**row, "deadline": "2020-01-01"})
        assert "already past" not in html.unescape(client.get(r.headers["location"]).text)
        # An objective's form likewise: its emptied date field removes the deadline.
        with new_org.workspace() as ws:
            from veille.plan.objectives import add_objective, get_objective

            add_objective(ws.state, "care", "customer_service", deadline=DEADLINE.isoformat())
        saved = {"existing": "care", "kind": "customer_service", "deadline": ""}
        r = form(client, "/plan/edit", "/plan/objectives", saved)
        assert r.status_code == 303, r.text
        with new_org.workspace() as ws:
            assert get_objective(ws.state, "care").deadline is None
        # A KPI whose baseline already meets its target, in French.
        client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/plan"})
        new = {"name": "floor-kept", "kind": "mentions", "target": "1", "topic": "lumio"}
        r = form(client, "/plan/edit", "/plan/kpis", new)
        assert r.status_code == 303, r.text
        told = html.unescape(client.get(r.headers["location"]).text)
        assert "Est-ce un plancher à tenir\u202f?" in told


def test_a_kpi_added_on_the_first_day_of_collection_says_its_baseline_counted_a_day(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """A new organization collects, then adds a KPI the same day: its
    baseline counted part of one day, and its reason says so in both
    languages; it read "the baseline counted only 0 of the 30 days"."""
    from datetime import UTC, datetime, timedelta

    from tests.conftest import make_post
    from veille.pipeline.ingest import build_pipeline
    from veille.plan.kpis import add_kpi
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:  # the first post, two hours ago
        add_topic(ws.store, "lumio", "lumio")
        two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
        post = make_post("today-1", "lumio is fine", published_at=two_hours_ago)
        build_pipeline(ws, skip=("enrich",)).ingest([post])
        add_kpi(ws, "reach", "mentions", 400, topic="lumio")
    said = plan_says(root, login, r'<tr class="status-[^"]*">.*?</td>\s*<td class="chart">')
    assert "counted only 1 of the 30 days" in said["en"], said["en"]
    assert "ne comptait que 1 des 30 jours" in said["fr"], said["fr"]
    assert "only 0 of" not in said["en"] and "que 0 des" not in said["fr"]


def test_a_refused_kpi_keeps_what_was_typed(
    live_server: Served, client: httpx.Client, login: Callable[..., httpx.Response]
) -> None:
    """A KPI refused for a missing field (followers with no platform) comes
    back with its name, kind, target and days as typed, to add the one the
    error names; the form came back empty, back to mentions and 30 days."""
    import html

    login(client, "manager")
    # The manager's saved language, not a cookie: another test of the module
    # may have saved French for them, and it wins over the cookie.
    token = csrf_from(client.get("/plan/edit").text)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/plan"})
    typed = {"name": "audience-fr", "kind": "followers", "target": "1500", "period_days": "7"}
    r = form(client, "/plan/edit", "/plan/kpis", typed)
    assert r.status_code == 400 and "needs a platform" in r.text
    page = html.unescape(r.text)
    add = page.split('action="/plan/kpis" class="stacked"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="name"[^>]*value="audience-fr"', add), add
    assert re.search(r'name="target"[^>]*value="1500"', add), add
    assert re.search(r'name="period_days"[^>]*value="7"', add), add
    assert re.search(r'<option value="followers" selected>', add), add


def test_a_french_plan_spaces_its_colons(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """The plan's lists that pair a name and its value (people and their
    part, the money lines) in French: a narrow no-break space before each
    colon, as every other label of the page; they read "manager: porte-parole"."""
    import html

    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        client.cookies.set("veille_lang", "fr")
        assert start_plan(client).status_code == 303
        done = form(client, "/plan/edit", "/plan/money", {"label": "Outils", "monthly": "50"})
        assert done.status_code == 303, done.text
        shown = html.unescape(client.get("/plan").text)
        edit = html.unescape(client.get("/plan/edit").text)
    assert "manager\u202f: porte-parole" in shown, shown
    assert "Outils\u202f: 50" in shown and "Outils\u202f: 50" in edit
    assert "manager: " not in shown and "Outils: " not in shown + edit


def test_a_kpi_chart_whose_first_point_counts_part_of_its_period_says_so(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """veille began listening 40 days ago: the chart's first 30-day point
    counts 10 days beside a whole month, and the chart says so under it."""
    from datetime import UTC, datetime

    from tests.plan.test_kpi_coverage import daily_lumio
    from veille.plan.kpis import add_kpi
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts(daily_lumio(datetime.now(UTC), days=41, hour_back=1))
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "reach", "mentions", 400, topic="lumio")
    said = plan_says(root, login, r"<figcaption>(.*?)</figcaption>", group=1)
    assert "counts only 10 of its 30 days: veille holds no earlier post." in said["en"]
    assert "ne compte que 10 de ses 30 jours\u202f: veille ne détient" in said["fr"]


def test_a_kpi_chart_whose_first_point_counts_its_whole_period_says_nothing_of_it(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """veille began listening two hours after the chart's first 30-day window
    began (the demo's workspace, its plan started the day it was built): that
    point counts its whole 30 days as near as days go, and the page said
    "counts only 30 of its 30 days: veille holds no earlier post", which is
    neither true (veille holds a month more) nor sense."""
    from datetime import UTC, datetime, timedelta

    from tests.plan.test_kpi_coverage import daily_lumio
    from veille.models import Author, Post
    from veille.plan.kpis import add_kpi
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    now = datetime.now(UTC)
    first = Post.create(
        platform="mastodon", native_id="first", text="lumio", author=Author(handle="ana"),
        published_at=now - timedelta(days=60) + timedelta(hours=2),
    )  # fmt: skip
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([*daily_lumio(now, days=60, hour_back=1), first])
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "reach", "mentions", 400, topic="lumio")
    said = plan_says(root, login, r'<td class="chart">(.*?)</td>', group=1)
    assert "<svg" in said["en"], said["en"]  # the chart is drawn, its two points
    assert "counts only" not in said["en"], said["en"]
    assert "ne compte que" not in said["fr"], said["fr"]
    # Its days as the page writes them: "Dec 6" in English (it said "6 Dec"),
    # « 6 déc. » in French.
    today = now.date()
    assert f">{today:%b} {today.day}<" in said["en"], said["en"]
    assert f">{today.day} {today:%b}<" not in said["en"], said["en"]
    assert re.search(rf">{today.day} \w+\.?<", said["fr"]), said["fr"]


def test_a_kpi_chart_draws_no_point_for_a_period_veille_listened_an_hour_of(
    tmp_path: Path, login: Callable[..., httpx.Response]
) -> None:
    """veille began listening an hour before the previous 30-day window
    ended (the demo's workspace, its plan started within the hour): that
    window's count of an hour was drawn as a month beside a whole one ("0"
    then "1,630"), said to count "1 of its 30 days". It is not drawn, as a
    window veille had collected nothing for is not."""
    from datetime import UTC, datetime, timedelta

    from tests.plan.test_kpi_coverage import daily_lumio
    from veille.models import Author, Post, Sentiment
    from veille.plan.kpis import add_kpi
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    now = datetime.now(UTC)
    early = now - timedelta(days=30, hours=1)
    first = Post.create(
        platform="mastodon", native_id="first", text="lumio", author=Author(handle="ana"),
        published_at=early, sentiment=Sentiment("positive", 0.8, 0.9),
    )  # fmt: skip
    root = init_workspace(tmp_path / "ws")
    add_role_users(root)
    with Workspace.open(root) as ws:
        ws.store.upsert_posts([*daily_lumio(now, days=30, hour_back=2), first])
        add_topic(ws.store, "lumio", "lumio")
        add_kpi(ws, "reach", "mentions", 400, topic="lumio")
        # A ratio of that hour's posts: "100" net sentiment of one post.
        add_kpi(ws, "tone", "net_sentiment", 20, topic="lumio")
    said = plan_says(root, login, r'<table class="data plan-kpis".*?</table>')
    earlier = (now - timedelta(days=30)).date()
    assert f"{earlier:%b} {earlier.day}" not in said["en"], said["en"]
    assert "counts only" not in said["en"], said["en"]
    assert "ne compte que" not in said["fr"], said["fr"]


def test_the_plan_as_a_document_says_what_the_page_says_of_the_posts(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """The document is made from what the plan's page read from the posts
    that minute (the most of its time at 1M posts): it says the same count
    of the conversation as the page beside it, even when posts came in
    between, and the same words as the document made by reading them anew."""
    from datetime import UTC, datetime, timedelta

    from tests.plan.test_kpi_coverage import daily_lumio
    from veille.models import Author, Post
    from veille.plan.document import plan_markdown

    with new_org.workspace() as ws:
        ws.store.upsert_posts(daily_lumio(datetime.now(UTC), days=7, hour_back=1))
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client).status_code == 303
        page = client.get("/plan").text
        assert "100% (7)" in page
        md = client.get("/plan/export", params={"format": "md", "language": "en"}).text
        with new_org.workspace() as ws:
            # The same words as reading anew, where to give the team's hours
            # said the web's way (the page, a link) rather than the command's.
            base = links_base(ws.settings, ws.state)[0]
            page_way = f"([/plan/edit]({base}/plan/edit))"
            anew = plan_markdown(ws, "en").replace("(`veille plan capacity --hours`)", page_way)
            assert md == anew
            lumio = ws.state.topic("lumio")
            assert lumio is not None
            later = [
                Post.create(
                    platform="mastodon",
                    native_id=f"later{n}",
                    text="lumio",
                    published_at=datetime.now(UTC) - timedelta(hours=n + 2),
                    author=Author(handle="bo"),
                )
                for n in range(3)
            ]
            with ws.store.transaction() as tx:  # as a collector stores and files them
                tx.upsert_posts(later)
                tx.file_posts([(p.id, lumio.id) for p in later])
            assert "(10 posts in 30 days)" in plan_markdown(ws, "en")  # read anew
        # Within the minute, the page and its documents say the page's count.
        page = client.get("/plan").text
        again = client.get("/plan/export", params={"format": "md", "language": "en"}).text
        html = client.get("/plan/export", params={"format": "html", "language": "en"}).text
    assert "% (7)" in page
    assert "(7 posts in 30 days)" in again, again
    assert "(7 posts in 30 days)" in html


def test_two_managers_writing_the_guidelines_at_once_and_a_refused_save_keep_the_text(
    live_server: Served, login: Callable[..., httpx.Response]
) -> None:
    """Two managers open the guidelines' editor; the first saves. The
    second's save no longer silently replaces it: refused (409), saying who
    saved which version, the texts typed kept in the form. A save refused
    for another reason (no French text) kept nothing typed either: it showed
    the plan's editor. Now the guidelines' page, with the text."""
    import html

    def editor(html_text: str) -> tuple[str, str, str]:
        version = re.search(r'name="version" value="(\d+)"', html_text)
        texts = re.findall(r'<textarea id="text_\w+" name="text_\w+"[^>]*>(.*?)</textarea>',
                           html_text, re.S)  # fmt: skip
        assert version and len(texts) == 2, "the guidelines' editor is not on the page"
        return version.group(1), html.unescape(texts[0]), html.unescape(texts[1])

    with two_colleagues(live_server, login, "/plan/guidelines") as (first, second, page_1, page_2):
        was = editor(page_1)[0]
        assert editor(page_2)[0] == was
        theirs = {"csrf_token": csrf_from(page_1), "version": was,
                  "text_en": "# Be kind", "text_fr": "# Soyez aimables"}  # fmt: skip
        saved = first.post("/plan/guidelines", data=theirs)
        assert saved.status_code == 303
        mine = {"csrf_token": csrf_from(page_2), "version": was,
                "text_en": "# Answer within the hour",
                "text_fr": "# Répondez dans l’heure"}  # fmt: skip
        refused = second.post("/plan/guidelines", data=mine)
        said = html.unescape(refused.text)
        assert refused.status_code == 409
        assert "the guidelines changed since you opened them" in said
        assert f"was saved by manager after the version {was} you started from" in said
        now, text_en, text_fr = editor(refused.text)
        assert (text_en, text_fr) == ("# Answer within the hour", "# Répondez dans l’heure")
        assert now == str(int(was) + 1)
        # Having compared, saving again replaces the first manager's version.
        again = second.post("/plan/guidelines", data=mine | {"version": now})
        assert again.status_code == 303
        assert "# Answer within the hour" in second.get("/plan/guidelines").text

        # Refused for a missing French text: the guidelines' page, the English kept.
        second.cookies.set("veille_lang", "fr")
        page = second.get("/plan/guidelines").text
        lacking = second.post("/plan/guidelines", data={"csrf_token": csrf_from(page),
                              "version": editor(page)[0], "text_en": "# Long English text",
                              "text_fr": " "})  # fmt: skip
        assert lacking.status_code == 400
        assert editor(lacking.text)[1] == "# Long English text"
        assert "Charte du personnel" in lacking.text
        stale = second.post("/plan/guidelines", data=mine | {"text_en": "# Other"})
        said = html.unescape(stale.text)
        assert stale.status_code == 409
        assert "la charte a changé depuis que vous l’avez ouverte\u202f: la version" in said


def _objective_form(page: str, name: str, label: str = "Objective") -> dict[str, object]:
    """The objective's form on /plan/edit as a browser sends it, untouched
    (``label``: "Channel", a channel's form)."""
    import html

    start = page.index(f'aria-label="{label} {name}"')
    form = page[start : page.index("</form>", start)]
    fields: dict[str, object] = {}
    checked: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        field = re.search(r'name="(\w+)"', tag)
        value = (
            html.unescape(found.group(1)) if (found := re.search(r'value="([^"]*)"', tag)) else ""
        )
        if not field or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        if 'type="checkbox"' in tag:
            checked.setdefault(field.group(1), []).append(value)
        else:
            fields[field.group(1)] = value
    for name, body in re.findall(r'<select [^>]*name="(\w+)">(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]+)" selected', body)
        assert selected, f"no option of {name} selected"
        fields[name] = selected.group(1)
    return fields | checked


def test_two_managers_editing_one_objective_keep_each_others_changes(
    live_server: Served, login: Callable[..., httpx.Response]
) -> None:
    """The objective's form sends every field: a save from /plan/edit opened
    before a colleague's change undid it. Now a field left as shown is not
    written; a field both changed is refused (409), named, nothing saved."""
    import html

    from veille.plan.objectives import add_objective, get_objective
    from veille.workspace import Workspace

    with Workspace.open(live_server.root) as ws:
        add_objective(ws.state, "grow", "awareness", description="Be heard", owner="viewer")
    with two_colleagues(live_server, login, "/plan/edit") as (first, second, page_1, page_2):
        owner = _objective_form(page_2, "grow") | {"owner": "admin", "deadline": "2031-01-31"}
        assert second.post("/plan/objectives", data=owner).status_code == 303
        described = _objective_form(page_1, "grow") | {"description": "Be heard in Lyon"}
        assert described["owner"] == "viewer"
        assert first.post("/plan/objectives", data=described).status_code == 303
        with Workspace.open(live_server.root) as ws:
            now = get_objective(ws.state, "grow")
        assert (now.description, now.owner, now.kind) == ("Be heard in Lyon", "admin", "awareness")
        assert str(now.deadline) == "2031-01-31", "an empty field left alone is not written"

        clash = _objective_form(page_1, "grow") | {"owner": "manager"}
        refused = first.post("/plan/objectives", data=clash)
        said = html.unescape(refused.text)
        assert refused.status_code == 409
        assert "objective grow changed since you opened the page (Owner (username))" in said
        assert "nothing was saved" in said
        with Workspace.open(live_server.root) as ws:
            assert get_objective(ws.state, "grow").owner == "admin"
        # In French (the user's own choice, which earlier tests may have set).
        switch = {"csrf_token": csrf_from(page_1), "next": "/plan"}
        first.post("/language", data=switch | {"lang": "fr"})
        said = html.unescape(first.post("/plan/objectives", data=clash).text)
        first.post("/language", data=switch | {"lang": "en"})
        assert "l’objectif grow a changé depuis que vous avez ouvert la page" in said
        assert "rien n’a été enregistré" in said


def _kpi_form(page: str, name: str) -> dict[str, str]:
    """The KPI's target form on /plan/edit as a browser sends it, untouched."""
    start = page.index(f'name="name" value="{name}"')
    start = page.rindex("<form", 0, start)
    form = page[start : page.index("</form>", start)]
    import html

    fields = {
        m.group(1): html.unescape(m.group(2))
        for tag in re.findall(r"<input [^>]*>", form)
        if (m := re.search(r'name="(\w+)"[^>]* value="([^"]*)"', tag))
    }
    for field, body in re.findall(r'<select [^>]*name="(\w+)">(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        assert selected, f"no option of {field} selected"
        fields[field] = html.unescape(selected.group(1))
    return fields


def test_two_managers_changing_one_kpi_keep_each_others_changes(
    live_server: Served, login: Callable[..., httpx.Response]
) -> None:
    """A KPI's row sends its target and its deadline: a new target saved from
    a page opened before a colleague set a deadline removed that deadline.
    Now only the field changed is written; both changing the target is
    refused (409), named, nothing saved."""
    import html

    from veille.plan.kpis import add_kpi, get_kpi
    from veille.workspace import Workspace

    with Workspace.open(live_server.root) as ws:
        add_kpi(ws, "waiting-shared", "backlog", 10)
    with two_colleagues(live_server, login, "/plan/edit") as (first, second, page_1, page_2):
        dated = _kpi_form(page_2, "waiting-shared") | {"deadline": DEADLINE.isoformat()}
        assert second.post("/plan/kpis/target", data=dated).status_code == 303
        lower = _kpi_form(page_1, "waiting-shared") | {"target": "5"}
        assert lower["deadline"] == ""
        assert first.post("/plan/kpis/target", data=lower).status_code == 303
        with Workspace.open(live_server.root) as ws:
            now = get_kpi(ws.state, "waiting-shared")
        assert (now.target, now.deadline) == (5.0, DEADLINE)

        clash = _kpi_form(page_2, "waiting-shared") | {"target": "8"}
        refused = second.post("/plan/kpis/target", data=clash)
        assert refused.status_code == 409
        said = html.unescape(refused.text)
        assert "KPI waiting-shared changed since you opened the page (Target)" in said
        with Workspace.open(live_server.root) as ws:
            assert get_kpi(ws.state, "waiting-shared").target == 5.0


def test_an_objective_kpis_or_channels_name_is_not_removed_and_they_are_named(
    live_server: Served, login: Callable[..., httpx.Response]
) -> None:
    """Removing an objective that a KPI measures and a channel serves left
    them naming nothing: the KPI under no objective on /plan, the channel
    serving an objective no page showed. Now it is refused (409) on
    /plan/edit, naming them and what to change, in English and French;
    once nothing names it, it goes."""
    import html

    from veille.plan.channels import set_channel
    from veille.plan.kpis import add_kpi, remove_kpi
    from veille.plan.objectives import add_objective, list_objectives
    from veille.query.topics import add_topic
    from veille.workspace import Workspace

    no_saved_language(live_server.root, "manager")
    with Workspace.open(live_server.root) as ws:
        add_topic(ws.state, "reached", "lumio")
        add_objective(ws.state, "visibility", "awareness")
        add_kpi(ws, "visibility-mentions", "mentions", 100, topic="reached", objective="visibility")
        set_channel(ws.state, "mastodon", objectives="visibility")
    with httpx.Client(base_url=live_server.url) as client:
        login(client, "manager")
        page = client.get("/plan/edit").text
        remove = {"csrf_token": csrf_from(page), "name": "visibility"}
        refused = client.post("/plan/objectives/remove", data=remove)
        said = html.unescape(refused.text)
        assert refused.status_code == 409
        assert (
            "objective visibility is still named by KPI visibility-mentions, channel mastodon; "
            "nothing was deleted" in said
        )
        assert "Move those KPIs to another objective (/plan/edit)" in said
        switch = {"csrf_token": csrf_from(page), "next": "/plan"}
        client.post("/language", data=switch | {"lang": "fr"})
        said = html.unescape(client.post("/plan/objectives/remove", data=remove).text)
        client.post("/language", data=switch | {"lang": "en"})
        assert (
            "l’objectif visibility est encore cité par l’indicateur visibility-mentions, "
            "le canal mastodon\u202f; rien n’a été supprimé" in said
        )
        with Workspace.open(live_server.root) as ws:
            assert "visibility" in [o.name for o in list_objectives(ws.state)]
            remove_kpi(ws.state, "visibility-mentions")
            set_channel(ws.state, "mastodon", objectives="")
        assert client.post("/plan/objectives/remove", data=remove).status_code == 303
        with Workspace.open(live_server.root) as ws:
            assert "visibility" not in [o.name for o in list_objectives(ws.state)]


@pytest.fixture
def state_org(tmp_path: Path, state_kind: str) -> Iterator[Served]:
    """A workspace of its own, its state in SQLite or PostgreSQL, with the
    four role users."""
    from tests.conftest import init_state_workspace

    root = init_state_workspace(tmp_path / "ws", state_kind)
    add_role_users(root)
    served, server = serve(root)
    try:
        yield served
    finally:
        server.stop()


def test_two_managers_move_a_kpi_and_a_channel_to_another_objective(
    state_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """A KPI could not be moved to another objective (its row had a target
    and a deadline only), and a channel's form wrote every field: moving
    the channel undid a colleague's change saved meanwhile. Now the KPI's
    row has its objective and both forms write only what was changed: the
    KPI keeps its baseline, a colleague's change stays, the same field
    changed by both is refused (409) and named, and the emptied objective
    can be removed."""
    import html

    from veille.plan.channels import get_channel, set_channel
    from veille.plan.kpis import add_kpi, get_kpi
    from veille.plan.objectives import add_objective, list_objectives
    from veille.workspace import Workspace

    with Workspace.open(state_org.root) as ws:
        add_objective(ws.state, "care", "customer_service")
        add_objective(ws.state, "reach", "awareness")
        add_kpi(ws, "waiting", "backlog", 10, objective="care")
        set_channel(ws.state, "mastodon", objectives="care", audience="customers")
        baseline = get_kpi(ws.state, "waiting").baseline
    with two_colleagues(state_org, login, "/plan/edit") as (first, second, page_1, page_2):
        moved = _kpi_form(page_1, "waiting") | {"objective": "reach"}
        assert first.post("/plan/kpis/target", data=moved).status_code == 303
        lower = _kpi_form(page_2, "waiting") | {"target": "5"}
        assert lower["objective"] == "care"
        assert second.post("/plan/kpis/target", data=lower).status_code == 303
        with Workspace.open(state_org.root) as ws:
            now = get_kpi(ws.state, "waiting")
        assert (now.objective, now.target, now.baseline) == ("reach", 5.0, baseline)

        clash = _kpi_form(page_2, "waiting") | {"objective": ""}
        refused = second.post("/plan/kpis/target", data=clash)
        assert refused.status_code == 409
        said = html.unescape(refused.text)
        assert "KPI waiting changed since you opened the page (Objective)" in said

        channel = _objective_form(page_1, "Mastodon", "Channel")
        assert channel["objectives"] == ["care"]
        assert (
            first.post("/plan/channels", data=channel | {"objectives": ["reach"]}).status_code
            == 303
        )
        toned = _objective_form(page_2, "Mastodon", "Channel") | {"tone": "warm"}
        assert second.post("/plan/channels", data=toned).status_code == 303
        with Workspace.open(state_org.root) as ws:
            now_c = get_channel(ws.state, "mastodon")
        assert now_c is not None
        assert (now_c.objectives, now_c.tone, now_c.audience) == (("reach",), "warm", "customers")

        clash_c = _objective_form(page_2, "Mastodon", "Channel") | {"objectives": []}
        refused = second.post("/plan/channels", data=clash_c)
        assert refused.status_code == 409
        said = html.unescape(refused.text)
        assert (
            "channel Mastodon changed since you opened the page (Why: the objectives it serves)"
            in said
        )
        switch = {"csrf_token": csrf_from(page_2), "next": "/plan"}
        second.post("/language", data=switch | {"lang": "fr"})
        said = html.unescape(second.post("/plan/channels", data=clash_c).text)
        second.post("/language", data=switch | {"lang": "en"})
        assert "le canal Mastodon a changé depuis que vous avez ouvert la page" in said

        remove = {"csrf_token": csrf_from(page_1), "name": "care"}
        assert first.post("/plan/objectives/remove", data=remove).status_code == 303
        with Workspace.open(state_org.root) as ws:
            assert [o.name for o in list_objectives(ws.state)] == ["reach"]


def test_a_kpi_counting_over_more_days_than_posts_are_kept_says_it_undercounts(
    state_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """With `[privacy] retention_days = 7`, a 30-day engagement KPI counts
    only the posts of the last 7 days (the older ones are deleted), and
    nothing said so: its value read as the month's. Now adding it says so,
    and so do /plan and `veille plan kpis`, in English and French."""
    from datetime import UTC, datetime, timedelta

    from typer.testing import CliRunner

    from veille.cli import build_app
    from veille.config import CONFIG_NAME
    from veille.models import Author, Engagement, Post
    from veille.workspace import Workspace

    config = state_org.root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    assert "# retention_days = 0" in text, "the [privacy] template changed"
    config.write_text(text.replace("# retention_days = 0", "retention_days = 7"), "utf-8")
    with Workspace.open(state_org.root) as ws:
        ws.store.upsert_posts([
            Post.create(
                platform="mastodon", native_id="1", text="Bonjour",
                published_at=datetime.now(UTC) - timedelta(days=1),
                author=Author(handle="lumio_hq"), engagement=Engagement(likes=4),
            )
        ])  # fmt: skip

    def cli(*args: str) -> str:
        result = CliRunner().invoke(build_app(), [*args, "-w", str(state_org.root)])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    said = cli(
        "plan", "kpi", "add", "eng", "--kind", "engagement", "--platform", "mastodon",
        "--handle", "lumio_hq", "--target", "50",
    )  # fmt: skip
    undercounts = (
        "veille keeps posts 7 days ([privacy] retention_days), fewer than this KPI's 30: "
        "each value counts only the posts kept, and undercounts."
    )
    assert undercounts in said
    assert "(veille plan kpi edit eng --period 7)." in said
    listed = cli("plan", "kpis", "--format", "json")
    assert undercounts in listed and "(veille plan kpi edit eng --period 7)." in listed
    # (The reason may show a command as code: <code> inside it.)
    pattern = r"<strong class=\"kpi-status\">[^<]*</strong><br>(.*?)</td>"
    shown = plan_says(state_org.root, login, pattern, 1)
    assert undercounts in shown["en"]
    assert (
        "veille garde les publications 7 jours ([privacy] retention_days), moins que les 30 "
        "de cet indicateur\u202f: chaque valeur ne compte que les publications gardées, et "
        "sous-estime." in shown["fr"]
    )
    # The page names the row that changes it, a link; not the command (2026-12-07).
    assert '(its row on <a href="/plan/edit">/plan/edit</a>).' in shown["en"]
    assert '(sa ligne sur <a href="/plan/edit">/plan/edit</a>).' in shown["fr"]
    assert "veille plan kpi edit" not in shown["en"] + shown["fr"]


def test_the_guided_start_sets_a_count_a_target_of_whole_posts(
    new_org: Served, login: Callable[..., httpx.Response]
) -> None:
    """33 mentions in the last 30 days, grown by a tenth: the target is 37
    mentions, not 36.3, shown "36" in the table and "36.3" on the chart (the
    demo's plan said "Target: 2,567.4")."""
    from datetime import UTC, datetime, timedelta

    from tests.plan.test_kpi_coverage import daily_lumio
    from veille.models import Author, Post
    from veille.workspace import Workspace

    now = datetime.now(UTC)
    more = [
        Post.create(platform="mastodon", native_id=f"more{n}", text="lumio",
                    published_at=now - timedelta(days=n, hours=3), author=Author(handle="bo"))
        for n in range(3)
    ]  # fmt: skip
    with Workspace.open(new_org.root) as ws:
        ws.store.upsert_posts([*daily_lumio(now, days=30, hour_back=1), *more])
    with httpx.Client(base_url=new_org.url, timeout=30) as client:
        login(client, "manager")
        assert start_plan(client).status_code == 303
        page = client.get("/plan").text
    row = re.search(r"customer-service-mentions<br>.*?</tr>", page, re.S)
    assert row, page[:3000]
    cells = re.findall(r"<td>([^<]*)</td>", row.group(0))
    assert cells[:3] == ["33", "33", "37"], cells  # value, baseline, target
    # The chart says the same target (it said 36.3 beside a table saying 36).
    assert "Target: 37<" in row.group(0), row.group(0)
