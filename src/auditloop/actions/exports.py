"""Findings as CSV and XLSX: the training-needs list that feeds the training plan (002).

Every cell goes through formula_safe, so no spreadsheet runs a finding's text as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from auditloop.actions.models import Finding
from auditloop.common.spreadsheets import formula_safe, write_csv

HEADER = ("Recorded on", "Finding", "Kinds", "Theme", "Source", "Which one", "Action plan")


def finding_rows(findings: Iterable[Finding]) -> Iterable[Sequence[Any]]:
    for f in findings:
        yield (
            timezone.localtime(f.created_at).date(), f.text, "; ".join(f.tag_labels),
            f.theme, f.get_source_display(), f.source_label, f.plan.title if f.plan else "",
        )


def write_findings_csv(out: Any, findings: Iterable[Finding]) -> int:
    return write_csv(out, HEADER, finding_rows(findings))


def findings_xlsx(findings: Iterable[Finding], *, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([formula_safe(h) for h in HEADER])
    for row in finding_rows(findings):
        # Text, never a formula: openpyxl writes any string starting "=" as one.
        sheet.append([formula_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
