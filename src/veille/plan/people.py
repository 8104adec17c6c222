"""People: spokespersons, channel owners, and the staff guidelines that team
members acknowledge (each acknowledgement names the version read)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.errors import Conflict, NotFound, Place, UsageError, tr
from veille.plan.common import audit, check_platform, now_utc
from veille.store.protocols.plan import Acknowledgement, Guidelines, Person

if TYPE_CHECKING:
    from veille.plan.guide import Guidelines as Rules

ROLES = ("spokesperson", "channel_owner")
ROLE_LABELS = {
    "spokesperson": ("Spokesperson", "Porte-parole"),
    "channel_owner": ("Channel owner", "Responsable de canal"),
}


def role_label(role: str, lang: str = "en") -> str:
    en, fr = ROLE_LABELS.get(role, (role, role))
    return fr if lang == "fr" else en


def check_role(value: str) -> str:
    role = value.strip().lower().replace("-", "_").replace(" ", "_")
    if role not in ROLES:
        raise UsageError(
            tr("%(value)r is not a role in the plan", value=value),
            hint=tr("Use spokesperson or channel_owner."),
        )
    return role


def list_people(state: Any) -> list[Person]:
    people: list[Person] = state.plan_people()
    return people


def add_person(
    state: Any,
    username: str,
    role: str,
    *,
    platform: str = "",
    note: str = "",
    actor: str | None = None,
) -> Person:
    username = username.strip()
    if not username:
        raise UsageError(
            tr("a person needs a username"), hint=tr("Give the team member's username.")
        )
    role = check_role(role)
    if role == "channel_owner":
        if not platform:
            raise UsageError(
                tr("a channel owner needs a platform"), hint=tr("Choose the platform they own.")
            )
        platform = check_platform(platform)
    else:
        platform = ""
    person = Person(username, role, platform, note.strip())
    state.save_person(person)
    audit(state, actor, "plan.person.add", username, f"{role} {platform}".strip())
    return person


def remove_person(
    state: Any, username: str, role: str, *, platform: str = "", actor: str | None = None
) -> None:
    role = check_role(role)
    if not state.delete_person(username, role, platform if role == "channel_owner" else ""):
        raise NotFound(
            tr(
                "%(name)s is not a %(role)s in the plan", name=username, role=role.replace("_", " ")
            ),
            hint=tr(
                "See the plan's people (%(where)s).",
                where=Place("veille plan people", page="/plan"),
            ),
        )
    audit(state, actor, "plan.person.remove", username, role)


def current_guidelines(state: Any) -> Guidelines | None:
    versions: list[Guidelines] = state.guideline_versions()
    return versions[-1] if versions else None


def current_rules(state: Any) -> Rules | None:
    """The rules the draft checker applies from the current guidelines (the
    ``+++`` front matter of either text: :func:`veille.plan.guide.split_rules`);
    ``None`` when there are no guidelines or they carry no rules."""
    from veille.plan.guide import guidelines_rules

    g = current_guidelines(state)
    if g is None:
        return None
    rules = guidelines_rules(g.text_en, g.text_fr)
    return rules or None


def set_guidelines(
    state: Any,
    text_en: str,
    text_fr: str,
    *,
    actor: str | None = None,
    now: datetime | None = None,
    based_on: int | None = None,
) -> Guidelines:
    """Store a new version of the guidelines (unchanged text keeps the version:
    nobody has to acknowledge the same words twice). ``based_on``: the
    version the texts were written from (0: none yet); if another was saved
    since, :class:`Conflict` says by whom and nothing changes."""
    if not text_en.strip() or not text_fr.strip():
        raise UsageError(
            tr("the guidelines need an English and a French text"),
            hint=tr("Give both, in Markdown."),
        )
    from veille.plan.guide import guidelines_rules

    guidelines_rules(text_en, text_fr)  # rules that cannot be read are refused now
    last = current_guidelines(state)
    if last and (last.text_en, last.text_fr) == (text_en, text_fr):
        return last
    if based_on is not None and (last.version if last else 0) != based_on and last:
        raise Conflict(
            tr("the guidelines changed since you opened them: version %(now)s was saved by "
               "%(who)s after the version %(was)s you started from",
               now=last.version, who=last.author or tr("someone"), was=based_on),
            hint=tr("Your texts were not saved and are still in the form: compare them with "
                    "version %(now)s, shown above, then save again to replace it.",
                    now=last.version),
        )  # fmt: skip
    when = now_utc(now)
    version = state.add_guidelines(text_en, text_fr, actor or "", when)
    audit(state, actor, "plan.guidelines.set", f"v{version}")
    return Guidelines(version, text_en, text_fr, actor or "", when)


def acknowledge(
    state: Any, username: str, *, version: int | None = None, now: datetime | None = None
) -> Acknowledgement:
    """Record that ``username`` has read the guidelines (the current version,
    or ``version`` when it is the current one)."""
    current = current_guidelines(state)
    if current is None:
        raise NotFound(
            tr("there are no staff guidelines yet"), hint=tr("A manager writes them first.")
        )
    if version is not None and version != current.version:
        raise UsageError(
            tr(
                "version %(version)s of the guidelines is not the current one (%(current)s)",
                version=version,
                current=current.version,
            ),
            hint=tr("Read the current version, then acknowledge it."),
        )
    when = now_utc(now)
    state.acknowledge_guidelines(username, current.version, when)
    audit(state, username, "plan.guidelines.acknowledge", f"v{current.version}")
    return Acknowledgement(username, current.version, when)


def acknowledgements(state: Any, version: int | None = None) -> list[Acknowledgement]:
    found: list[Acknowledgement] = state.guideline_acknowledgements()
    return [a for a in found if version is None or a.version == version]


def has_acknowledged(state: Any, username: str) -> bool:
    current = current_guidelines(state)
    return current is not None and any(
        a.username == username for a in acknowledgements(state, current.version)
    )
