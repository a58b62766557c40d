"""The demo council's structure for each scale (services, job titles and their roles, teams)
and the markers that tell generated data apart.

Names and shapes only, the same whatever the seed, so that a reset can find what was made.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditloop.demo import names
from auditloop.people.models import Service
from auditloop.people.roles import Role

DEFAULT_SEED = 2026
DEMO_SOURCE = "demo"  # Case.source of generated cases
STAFF_PREFIX = "DEMO-"  # Person.staff_number prefix of generated staff
DEMO_PASSWORD = "demo password"
HISTORY_DAYS = 548  # the register holds 18 months of history

K = Service.Kind

SERVICES: tuple[tuple[str, str, str], ...] = (
    # kind, the service's name, the start of its teams' names
    (K.EARLY_HELP, "Early Help", "Early Help"),
    (K.FRONT_DOOR, "Front door", "Front Door (MASH)"),
    (K.CIN, "Child in Need", "Child in Need"),
    (K.CP, "Child Protection", "Child Protection"),
    (K.CLA, "Children in care", "Children in Care"),
    (K.CARE_LEAVER, "Care leavers", "Leaving Care"),
    (K.YJS, "Youth Justice", "Youth Justice"),
)
SERVICE_NAME = {kind: name for kind, name, _ in SERVICES}
# 002: "the Service Manager for the Safeguarding and Review Unit" sits on the moderation
# panel (preset 002 names the unit). The unit is a service and a team of its own, with the
# IROs and CP Chairs; it holds no cases.
SAFEGUARDING_UNIT = "Safeguarding and Review Unit"
KINDS = tuple(kind for kind, _, _ in SERVICES)

JOB_TITLES: dict[str, tuple[Role, ...]] = {
    "Director of Children's Services": (Role.DIRECTOR,),
    "Assistant Director": (Role.ASSISTANT_DIRECTOR,),
    "Head of Service": (Role.SENIOR_MANAGER,),
    "Head of Quality Assurance": (Role.HEAD_OF_QA,),
    "Principal Social Worker": (Role.PRINCIPAL_SOCIAL_WORKER,),
    "Head of Performance and Insight": (Role.SENIOR_LEADER,),
    "Strategic Lead, Early Help Partnership": (Role.STRATEGIC_LEAD,),
    "Information Governance Lead": (Role.INFORMATION_GOVERNANCE_LEAD,),
    "Performance Analyst": (Role.PERFORMANCE_ANALYST,),
    "Service Manager": (Role.SERVICE_MANAGER, Role.AUDITOR),
    "Team Manager": (Role.TEAM_MANAGER, Role.AUDITOR),
    "QA Officer": (Role.QA_MANAGER,),
    "Practice and Outcomes Officer": (Role.EARLY_HELP_OFFICER,),
    "Independent Reviewing Officer": (Role.IRO,),
    "CP Chair": (Role.IRO,),
    "Senior Social Worker": (Role.PRACTITIONER,),
    "Social Worker": (Role.PRACTITIONER,),
    "Senior Practitioner": (Role.SENIOR_PRACTITIONER,),
    "Family Support Worker": (Role.PRACTITIONER,),
    "Personal Adviser": (Role.PERSONAL_ADVISER,),
    "Youth Justice Officer": (Role.PRACTITIONER,),
    # Partner agencies' staff hold early help cases as lead professional.
    "Health Visitor": (Role.PRACTITIONER,),
    "Designated Safeguarding Lead": (Role.PRACTITIONER,),
}
# (the senior practitioner's title, the other practitioners' title) per service
PRACTITIONER_TITLES: dict[str, tuple[str, str]] = {
    K.EARLY_HELP: ("Senior Practitioner", "Family Support Worker"),
    K.FRONT_DOOR: ("Senior Social Worker", "Social Worker"),
    K.CIN: ("Senior Social Worker", "Social Worker"),
    K.CP: ("Senior Social Worker", "Social Worker"),
    K.CLA: ("Senior Social Worker", "Social Worker"),
    K.CARE_LEAVER: ("Senior Practitioner", "Personal Adviser"),
    K.YJS: ("Senior Practitioner", "Youth Justice Officer"),
}
# (team name, agency, agency type, job title, e-mail domain, open early help cases each)
PARTNER_TEAMS: tuple[tuple[str, str, str, str, str, tuple[int, int]], ...] = (
    ("Health Visiting (partner)", names.HEALTH_AGENCY, "health visitor", "Health Visitor",
     names.HEALTH_EMAIL_DOMAIN, (5, 12)),
    ("Schools Safeguarding Network (partner)", names.SCHOOLS_AGENCY, "school",
     "Designated Safeguarding Lead", names.SCHOOLS_EMAIL_DOMAIN, (3, 8)),
)


@dataclass(frozen=True)
class Scale:
    name: str
    localities: int
    teams: dict[str, int]  # council teams per service kind
    practitioners_per_team: tuple[int, int]  # in post at the reference date
    caseload: tuple[int, int]  # open cases per practitioner (demo)
    teams_per_service_manager: int
    head_of_service_groups: tuple[tuple[str, ...], ...]
    assistant_directors: int
    qa_officers: int
    practice_outcomes_officers: int
    iros: int
    cp_chairs: int
    partner_staff: tuple[int, int]  # health visitors, school safeguarding leads
    cases: int


SCALES: dict[str, Scale] = {
    "small": Scale(
        "small", localities=5, teams=dict.fromkeys(KINDS, 1), practitioners_per_team=(2, 2),
        caseload=(8, 14), teams_per_service_manager=8, head_of_service_groups=(KINDS,),
        assistant_directors=1, qa_officers=1, practice_outcomes_officers=1, iros=1, cp_chairs=0,
        partner_staff=(1, 1), cases=300,
    ),
    "standard": Scale(
        "standard", localities=5,
        teams={K.EARLY_HELP: 5, K.FRONT_DOOR: 1, K.CIN: 3, K.CP: 2, K.CLA: 2,
               K.CARE_LEAVER: 1, K.YJS: 1},
        practitioners_per_team=(6, 7), caseload=(15, 25), teams_per_service_manager=4,
        head_of_service_groups=((K.EARLY_HELP, K.FRONT_DOOR), (K.CIN, K.CP),
                                (K.CLA, K.CARE_LEAVER, K.YJS)),
        assistant_directors=1, qa_officers=2, practice_outcomes_officers=2, iros=4, cp_chairs=3,
        partner_staff=(4, 3), cases=4000,
    ),
    "large": Scale(
        "large", localities=12,
        teams={K.EARLY_HELP: 36, K.FRONT_DOOR: 4, K.CIN: 30, K.CP: 22, K.CLA: 22,
               K.CARE_LEAVER: 10, K.YJS: 8},
        practitioners_per_team=(7, 10), caseload=(15, 25), teams_per_service_manager=5,
        head_of_service_groups=((K.EARLY_HELP,), (K.FRONT_DOOR, K.YJS), (K.CIN,), (K.CP,),
                                (K.CLA,), (K.CARE_LEAVER,)),
        assistant_directors=2, qa_officers=12, practice_outcomes_officers=12, iros=30,
        cp_chairs=20, partner_staff=(40, 30), cases=50000,
    ),
}


def team_layout(scale: Scale) -> list[tuple[str, str, int | None]]:
    """The council's teams as (name, service kind, locality index): fixed for a scale, so
    that a reset can find them whatever the seed."""
    layout: list[tuple[str, str, int | None]] = []
    for kind, _, label in SERVICES:
        count = scale.teams[kind]
        seen: Counter[int] = Counter()
        for i in range(count):
            if count == 1:  # a single team covers the whole county
                layout.append((label, kind, None))
                continue
            loc = i % scale.localities
            seen[loc] += 1
            suffix = f" {seen[loc]}" if seen[loc] > 1 else ""
            layout.append((f"{label} {names.LOCALITIES[loc]}{suffix}", kind, loc))
    return layout
