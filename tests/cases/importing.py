"""Helpers for the import tests: run an import synchronously, make CSV and XLSX files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from auditloop.cases import services
from auditloop.cases.models import ImportJob
from auditloop.common.spreadsheets import UploadedFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCS_SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
ANNEX_A_SAMPLE = DOCS_SAMPLES / "AnnexA_ofsted_template_2019_example-B-2004.xlsx"


def csv_bytes(header: Sequence[str], *rows: Sequence[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: dict[str, Iterable[Sequence[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(format: str, *files: tuple[str, bytes] | Path, user: Any = None,
               **options: Any) -> ImportJob:
    uploads = [UploadedFile(f.name, f.read_bytes()) if isinstance(f, Path)
               else UploadedFile(f[0], f[1]) for f in files]
    job = services.import_job_create(format=format, files=uploads, created_by=user,
                                     run_in_background=False, **options)
    return services.import_job_run(job=job)


def problem_cells(job: ImportJob) -> list[tuple[str, int | None, str]]:
    return [(p["table"], p["row"], p["column"]) for p in job.problems]
