"""Who is told: the framework names recipients as roles, relationships to the case or named
contacts (standards.settings_spec). This turns them into people for one audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from auditloop.audits.models import Audit
from auditloop.cases.models import Involvement
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.standards import settings_spec
from auditloop.standards.selectors import framework_settings_row


@dataclass
class Recipients:
    people: list[Person] = field(default_factory=list)
    # Named contacts (the family support manager, MASH...): label and mailbox.
    contacts: list[dict[str, Any]] = field(default_factory=list)
    # Channels the framework asks for beyond the tray (e.g. "verbal": tell them in person).
    channels: dict[int, set[str]] = field(default_factory=dict)

    def add(self, person: Person | None, how: set[str]) -> None:
        if person is None or not person.is_active:
            return
        if person.pk not in {p.pk for p in self.people}:
            self.people.append(person)
        self.channels.setdefault(person.pk, set()).update(how)


def _rule_entries(event: str) -> list[dict[str, Any]]:
    rules = framework_settings_row().notification_rules or {}
    entries = []
    for entry in rules.get(event, []):
        if isinstance(entry, str):
            entries.append({"to": entry, "how": ["tray"]})
        else:
            entries.append({"how": ["tray"], **entry})
    return entries


def rule_targets(event: str) -> list[str]:
    """The recipient words the framework names for `event` (roles, relationships, contacts),
    for notices that resolve some of them themselves."""
    return [str(entry["to"]) for entry in _rule_entries(event)]


def _holders(audit: Audit, role: str, *, current: bool) -> list[Person]:
    qs = Involvement.objects.filter(case=audit.case, role=role).select_related("person")
    qs = qs.filter(ended_on__isnull=True) if current else qs.filter(ended_on__isnull=False)
    return [i.person for i in qs]


def people_for(audit: Audit, target: str) -> list[Person]:
    """The people a recipient word means for this audit."""
    case = audit.case
    if target == "case_key_worker":
        return [case.key_worker] if case.key_worker else []
    if target == "case_team_manager":
        if case.team_manager:
            return [case.team_manager]
        kw = case.key_worker
        return [kw.line_manager] if kw and kw.line_manager else []
    if target == "case_service_manager":
        found = _holders(audit, Involvement.Role.SERVICE_MANAGER, current=True)
        if found:
            return found
        tm = people_for(audit, "case_team_manager")
        return [tm[0].line_manager] if tm and tm[0].line_manager else []
    if target == "case_iro":
        return _holders(audit, Involvement.Role.IRO, current=True)
    if target == "case_previous_key_worker":
        return _holders(audit, Involvement.Role.KEY_WORKER, current=False)
    if target == "case_previous_team_manager":
        return _holders(audit, Involvement.Role.TEAM_MANAGER, current=False)
    if target == "coordinator_line_manager":
        kw = case.key_worker
        return [kw.line_manager] if kw and kw.line_manager else []
    if target == "case_agency_lead":
        kw = case.key_worker
        if kw and kw.agency:
            return list(Person.objects.filter(
                agency=kw.agency, is_active=True, role_rows__role=Role.PARTNER_AGENCY_LEAD))
        return []
    if target == "case_auditors":
        return [a.person for a in audit.assignments.filter(ended_at__isnull=True)
                .select_related("person")]
    if target == "moderation_panel":
        return moderation_panel_people()
    if target in Role.values:
        return _people_with_roles([target])
    return []


def _panel_entries() -> list[str]:
    """The framework's panel, and the moderator role: whoever is given it sits on the panel
    (002: "input from the wider management team will be requested on occasion")."""
    return list(dict.fromkeys([*(framework_settings_row().moderation_panel_roles or []),
                               Role.MODERATOR.value]))


def _holds(role: str) -> Q:
    return Q(role_rows__role=role) | Q(job_title__role_rows__role=role)


def moderation_panel_q() -> Q:
    """Who sits on the moderation panel, as a filter on people: each role the framework
    names, or one role in a named service or team (002: "the Service Manager for the
    Safeguarding and Review Unit", not every service manager)."""
    q = Q(pk__in=[])
    for entry in _panel_entries():
        role, unit = settings_spec.panel_member_parts(entry)
        if unit:
            q |= _holds(role) & (Q(team__name__iexact=unit)
                                 | Q(team__service__name__iexact=unit))
        else:
            q |= _holds(role)
    return q


def moderation_panel_people() -> list[Person]:
    return list(Person.objects.filter(is_active=True).filter(moderation_panel_q()).distinct()
                .order_by("full_name"))


def on_moderation_panel(person: Person | None) -> bool:
    if person is None or not person.is_active:
        return False
    return Person.objects.filter(pk=person.pk).filter(moderation_panel_q()).exists()


def _people_with_roles(roles: list[str]) -> list[Person]:
    return list(
        Person.objects.filter(is_active=True)
        .filter(Q(role_rows__role__in=roles) | Q(job_title__role_rows__role__in=roles))
        .distinct()
    )


def recipients_for(audit: Audit, event: str, *, default: list[str] | None = None) -> Recipients:
    """Everyone the framework says is told of `event` on this audit. `default` applies when
    the framework names nobody for the event (a rule in code carries its seed's name)."""
    entries = _rule_entries(event) or [{"to": t, "how": ["tray"]} for t in (default or [])]
    contacts = {c.get("key"): c for c in (framework_settings_row().contacts or [])}
    found = Recipients()
    for entry in entries:
        target = str(entry["to"])
        how = set(entry.get("how") or ["tray"])
        if target.startswith("contact:"):
            contact = contacts.get(target.split(":", 1)[1])
            if contact:
                found.contacts.append({**contact, "how": sorted(how)})
            continue
        for person in people_for(audit, target):
            found.add(person, how)
    return found
