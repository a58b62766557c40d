"""The tracker's workbook reads at a glance: each RAG cell is coloured with its words kept,
the header row is bold and frozen, every column has a width, dates are date cells written
"6 December 2026"."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from auditloop.audits import tracker_exports
from tests.audits import test_tracker as tracker_tests

pytestmark = pytest.mark.django_db
# The tracker's own world: two teams, with a red, an amber and a green action.
frozen = tracker_tests.frozen
two_teams = tracker_tests.two_teams


def test_rag_cells_are_coloured_with_their_words_and_the_header_is_frozen(two_teams,
                                                                          client_for):
    north, _ = two_teams
    response = tracker_tests._export(client_for(north.qa), f"{tracker_tests.XLSX}?view=cases")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == tracker_exports.HEADER
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    for i, width in enumerate(tracker_exports.WIDTHS, start=1):
        assert sheet.column_dimensions[get_column_letter(i)].width == width
    rag = header.index("RAG")
    fills = {}
    for row in sheet.iter_rows(min_row=2):
        cell = row[rag]
        if not cell.value:  # an audited case with no action has no RAG
            continue
        fills[cell.value] = (cell.fill.fill_type, str(cell.fill.fgColor.rgb)[-6:],
                             str(cell.font.color.rgb)[-6:] if cell.font.color else None)
    # The words stay; the fill is GOV.UK's red, orange or green, with text that contrasts.
    assert fills == {
        "Red: not started": ("solid", "D4351C", "FFFFFF"),
        "Amber: in progress": ("solid", "F47738", "0B0C0C"),
        "Green: done": ("solid", "00703C", "FFFFFF"),
    }
    # Other cells are not filled.
    assert all(c.fill.fill_type is None for row in sheet.iter_rows(min_row=2)
               for i, c in enumerate(row) if i != rag)
    # Dates are date cells that read "20 June 2026".
    due = sheet.cell(row=2, column=header.index("Due") + 1)
    assert isinstance(due.value, dt.datetime) and due.number_format == "D MMMM YYYY"


def test_escalations_are_dated_the_services_way() -> None:
    from types import SimpleNamespace

    facts = SimpleNamespace(escalations=[SimpleNamespace(escalated_on=dt.date(2026, 12, 6),
                                                         told_names=["Head of service"])])
    assert tracker_exports._escalated(facts) == "6 December 2026: Head of service"  # type: ignore[arg-type]
