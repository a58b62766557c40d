"""The tracker's exports: the filtered view as CSV or an Excel workbook, one row per action
(an audited case with no action has one row of its own). Text that a spreadsheet would run
as a formula is made safe (common.spreadsheets.formula_safe), and in the workbook every
text cell is written as text, never as a formula."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action
from auditloop.audits.tracker import ActionFacts, action_facts, grade_labels
from auditloop.common.dates import gds_date
from auditloop.common.spreadsheets import text_cell, write_csv

CHUNK = 500
HEADER = [
    "Case reference", "Service", "Team", "Locality", "Key worker", "Team manager", "Audit",
    "Audit date", "Audit tool", "Final grade", "Audit status", "Action", "Issue",
    "What will be done", "Owner", "Due", "RAG", "Waiting for sign-off", "Agreed on",
    "Days since agreement", "Deadline", "Days overdue", "Days over the deadline",
    "Signed off on", "Signed off by", "Escalated to",
]
# Column widths, in characters: a date column fits "30 September 2026".
WIDTHS = [14, 18, 18, 14, 20, 20, 8, 18, 24, 18, 18, 8, 30, 40, 20, 18, 20, 12, 18, 12, 18,
          10, 12, 18, 20, 40]
# Date cells stay dates (sortable, filterable) and read the way the service writes dates.
DATE_FORMAT = "D MMMM YYYY"
RAG_COLUMN = HEADER.index("RAG")
# The RAG cell's fill and text colours, GOV.UK's red, orange and green; the words stay in the
# cell, so the colour is never the only way to tell them apart.
RAG_FILLS = {
    Action.Status.RED.label: ("D4351C", "FFFFFF"),
    Action.Status.AMBER.label: ("F47738", "0B0C0C"),
    Action.Status.GREEN.label: ("00703C", "FFFFFF"),
}


def _name(person: Any) -> str:
    return person.full_name if person is not None else ""


def _audit_cells(audit: Any, grades: dict[str, str]) -> list[Any]:
    case = audit.case
    return [
        case.reference, case.service.name, case.team.name if case.team else "",
        case.locality.name if case.locality else "", _name(case.key_worker),
        _name(case.team_manager), audit.pk,
        audit.submitted_at.date() if audit.submitted_at else None,
        audit.tool_version.tool.name,
        grades.get(audit.final_grade, audit.final_grade), audit.get_status_display(),
    ]


def _escalated(facts: ActionFacts) -> str:
    return "; ".join(
        f"{gds_date(e.escalated_on)}: {', '.join(e.told_names) or 'nobody to tell'}"
        for e in facts.escalations)


def _action_cells(f: ActionFacts) -> list[Any]:
    a = f.action
    return [
        a.pk, a.issue, a.action, _name(f.owner), a.due_on, a.get_status_display(),
        "Yes" if f.awaiting_sign_off else "No", f.agreed_on, f.days_since_agreement,
        f.deadline_on, f.overdue_by or None,
        (f.over_limit_by or None) if not f.is_done else ("Signed off late"
                                                          if f.signed_off_late else None),
        a.signed_off_at.date() if a.signed_off_at else None, _name(a.signed_off_by),
        _escalated(f),
    ]


def audit_export_rows(audits: Any, *, today: dt.date) -> Iterator[list[Any]]:
    """Rows of the audited-cases view, read in chunks (prefetches apply per chunk)."""
    deadline = action_deadline().days
    grades = grade_labels()
    for audit in audits.iterator(chunk_size=CHUNK):
        head = _audit_cells(audit, grades)
        links = getattr(audit, "tracked_links", [])
        if not links:
            yield head + [None] * (len(HEADER) - len(head))
        for link in links:
            link.audit = audit
            yield head + _action_cells(action_facts(link, today=today, deadline_days=deadline))


def action_export_rows(links: Any, *, today: dt.date) -> Iterator[list[Any]]:
    deadline = action_deadline().days
    grades = grade_labels()
    for link in links.iterator(chunk_size=CHUNK):
        yield (_audit_cells(link.audit, grades)
               + _action_cells(action_facts(link, today=today, deadline_days=deadline)))


def write_tracker_csv(out: Any, rows: Iterable[Sequence[Any]]) -> int:
    return write_csv(out, HEADER, rows)


def tracker_xlsx(rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """A workbook with one sheet; text cells are text (formula-safe), dates are dates. The
    header row is bold and frozen, each column has a width, and each RAG cell is coloured
    with its words kept."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rag_styles = {label: (PatternFill("solid", start_color=fill, end_color=fill),
                          Font(color=text, bold=True))
                  for label, (fill, text) in RAG_FILLS.items()}
    bold = Font(bold=True)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"

    def cell(value: Any) -> WriteOnlyCell:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            c = WriteOnlyCell(sheet, value=value)
            c.number_format = DATE_FORMAT
            return c
        if isinstance(value, int | float) and not isinstance(value, bool):
            return WriteOnlyCell(sheet, value=value)
        return text_cell(sheet, value)

    def header(value: str) -> WriteOnlyCell:
        c = text_cell(sheet, value)
        c.font = bold
        return c

    def cells(row: Sequence[Any]) -> list[WriteOnlyCell]:
        out = [cell(v) for v in row]
        style = rag_styles.get(row[RAG_COLUMN]) if len(row) > RAG_COLUMN else None
        if style:
            out[RAG_COLUMN].fill, out[RAG_COLUMN].font = style
        return out

    sheet.append([header(h) for h in HEADER])
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
