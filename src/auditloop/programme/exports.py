"""CSV exports of the programme: who audits what, and the case notes for the case
management system. Cells a spreadsheet would run as a formula are made safe
(common.spreadsheets.write_csv)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from auditloop.audits.models import AuditAssignment
from auditloop.common.spreadsheets import write_csv
from auditloop.programme.models import Cycle, CycleCase

ALLOCATION_HEADER = [
    "Cycle", "Case reference", "Audit", "Audit status", "Due", "Auditor staff number",
    "Auditor", "Role", "Assigned on", "Ended on", "Why it ended",
]
CASE_NOTE_HEADER = ["Case reference", "Date", "Title", "Text", "Actions agreed at the meeting",
                    "Copy to"]


def allocation_rows(cycle: Cycle | None = None) -> Iterator[Sequence[Any]]:
    links = CycleCase.objects.filter(audit__isnull=False)
    if cycle is not None:
        links = links.filter(cycle=cycle)
    titles = {cc.audit_id: cc.cycle.title for cc in links.select_related("cycle")}
    rows = (AuditAssignment.objects.filter(audit_id__in=list(titles))
            .select_related("person", "audit", "audit__case")
            .order_by("audit__case__reference", "audit_id", "assigned_at", "pk"))
    for a in rows.iterator(chunk_size=2000):
        yield [
            titles.get(a.audit_id, ""), a.audit.case.reference, a.audit_id,
            a.audit.get_status_display(), a.audit.due_on, a.person.staff_number,
            a.person.full_name, a.get_role_display(), a.assigned_at.date(),
            a.ended_at.date() if a.ended_at else "", a.end_reason,
        ]


def write_allocations(out: Any, *, cycle: Cycle | None = None) -> int:
    return write_csv(out, ALLOCATION_HEADER, allocation_rows(cycle))


def write_case_notes(out: Any, *, cycle: Cycle) -> int:
    from auditloop.programme.selectors import case_note_rows

    return write_csv(out, CASE_NOTE_HEADER, (
        [r.reference, r.audited_on, r.title, r.text, r.actions_agreed, r.copy_to]
        for r in case_note_rows(cycle)))
