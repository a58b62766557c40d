"""The register as CSV rows: cases, staff and involvements (`auditloop export`).

The columns are the import layouts' (the monthly layout's Cases and Involvements tables,
the staff list), so an export can be imported again. Cells that a spreadsheet would run as
a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from auditloop.cases.models import Case, Involvement
from auditloop.common.spreadsheets import write_csv
from auditloop.people.models import Person

CASE_HEADER = [
    "Case reference", "Child identifier", "Family identifier", "Date of birth", "Gender",
    "Ethnicity", "Disability", "Service", "Team", "Locality", "Key worker staff number",
    "Team manager staff number", "Agency type", "Open date", "Plan start date", "Step",
    "Closed date", "Themes",
]
INVOLVEMENT_HEADER = ["Case reference", "Staff number", "Role", "Start date", "End date"]
STAFF_HEADER = [
    "Staff number", "Full name", "Email", "Job title", "Extra roles", "Team", "Locality",
    "Service", "Agency", "Agency type", "Line manager staff number", "Active",
]
CHUNK = 2000


def case_rows() -> Iterator[Sequence[Any]]:
    cases = (Case.objects.select_related("service", "team", "locality", "key_worker",
                                         "team_manager")
             .prefetch_related("themes").order_by("reference"))
    for c in cases.iterator(chunk_size=CHUNK):
        yield [
            c.reference, c.child_identifier, c.family_identifier, c.date_of_birth, c.gender,
            c.ethnicity, c.disability, c.service.name, c.team.name if c.team else "",
            c.locality.name if c.locality else "",
            c.key_worker.staff_number if c.key_worker else "",
            c.team_manager.staff_number if c.team_manager else "", c.agency_type, c.opened_on,
            c.plan_started_on, c.step, c.closed_on,
            "; ".join(sorted(t.name for t in c.themes.all())),
        ]


def involvement_rows() -> Iterator[Sequence[Any]]:
    rows = (Involvement.objects.select_related("case", "person")
            .order_by("case__reference", "started_on", "role", "person__staff_number"))
    for i in rows.iterator(chunk_size=CHUNK):
        yield [i.case.reference, i.person.staff_number, i.role, i.started_on, i.ended_on]


def staff_rows() -> Iterator[Sequence[Any]]:
    people = (Person.objects.select_related("job_title", "team__service", "team__locality",
                                            "line_manager")
              .prefetch_related("role_rows").order_by("staff_number"))
    for p in people.iterator(chunk_size=CHUNK):
        team = p.team
        yield [
            p.staff_number, p.full_name, p.email, p.job_title.name if p.job_title else "",
            "; ".join(sorted(r.role for r in p.role_rows.all())),
            team.name if team else "", team.locality.name if team and team.locality else "",
            team.service.name if team else "", p.agency, p.agency_type,
            p.line_manager.staff_number if p.line_manager else "",
            "Yes" if p.is_active else "No",
        ]


EXPORTS = {
    "cases": (CASE_HEADER, case_rows),
    "involvements": (INVOLVEMENT_HEADER, involvement_rows),
    "staff": (STAFF_HEADER, staff_rows),
}



def write_register(out: Any, what: str) -> int:
    """Write one of EXPORTS to `out` as CSV; the number of rows written."""
    header, rows = EXPORTS[what]
    return write_csv(out, header, rows())
