"""Size limits on imports, checked before anything big is built: an Excel workbook's
declared unpacked size and compression ratio (a "zip bomb" is refused at once), and caps on
rows and cells while a file is streamed. The upload page and `auditloop import` share them."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from auditloop.cases.models import Case, ImportJob
from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import ImportLimits, UploadedFile, read_spreadsheet
from tests.cases.importing import csv_bytes, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db
HEADER = ["Case reference", "Service", "Open date"]
SHEET = "xl/worksheets/sheet1.xml"
ROW = (b'<row><c t="inlineStr"><is><t>P-1</t></is></c><c t="inlineStr"><is><t>cin</t></is>'
       b'</c><c t="inlineStr"><is><t>01/02/2026</t></is></c></row>')


def _with_sheet(sheet_bytes_total: int, *, extra: bytes = b"") -> bytes:
    """A real workbook whose first sheet is replaced by one that unpacks to the given size,
    made of one row repeated: small packed, huge unpacked."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"Cases": [HEADER]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in base.infolist():
            if item.filename != SHEET:
                bomb.writestr(item, base.read(item))
        chunk = ROW * 8192
        with bomb.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            written = 0
            while written < sheet_bytes_total:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")
        if extra:
            bomb.writestr("xl/media/padding.bin", extra, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    # About 600 KB packed (a stored, incompressible part makes up the size), over 100 MB
    # of sheet XML unpacked.
    import random

    padding = random.Random(4).randbytes(150 * 1024)  # noqa: S311 (test data)
    data = _with_sheet(110 * 1024 * 1024, extra=padding)
    assert 400 * 1024 < len(data) < 1024 * 1024
    return data


def test_a_zip_bomb_is_refused_in_well_under_a_second_with_the_limit(zip_bomb):
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as refused:
        run_import("monthly", ("cases.xlsx", zip_bomb))
    assert time.perf_counter() - started < 0.5
    message = refused.value.message
    assert "cases.xlsx is too big to import" in message
    assert "50 MB" in message  # the limit
    assert "split the file" in message  # what to do
    assert not ImportJob.objects.exists()


def test_the_reader_itself_refuses_a_zip_bomb(zip_bomb):
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="too big"):
        read_spreadsheet(UploadedFile("cases.xlsx", zip_bomb))
    assert time.perf_counter() - started < 0.5


def test_the_upload_page_refuses_a_zip_bomb(qa_manager_client, zip_bomb):
    response = qa_manager_client.post(reverse("cases:import_new"), {
        "format": "monthly", "encoding": "utf-8",
        "upload": SimpleUploadedFile("cases.xlsx", zip_bomb)})
    assert response.status_code == 200
    assert "cases.xlsx is too big to import" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_command_line_refuses_a_zip_bomb(tmp_path, zip_bomb):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(zip_bomb)
    with pytest.raises(CommandError, match="too big to import"):
        call_command("import", "monthly", str(path), stdout=io.StringIO())
    assert not ImportJob.objects.exists()


def test_a_part_that_packs_too_tightly_is_refused_under_the_size_cap():
    data = _with_sheet(8 * 1024 * 1024)  # 8 MB unpacked, a few KB packed
    with pytest.raises(ImportFileError, match="200 times"):
        ImportLimits.current().check(UploadedFile("cases.xlsx", data))


def test_the_unpacked_cap_is_a_setting(settings):
    data = xlsx_bytes({"Cases": [HEADER, ["P-1", "cin", "01/02/2026"]]})
    run_import("monthly", ("cases.xlsx", data))
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024
    with pytest.raises(ImportFileError, match="the limit is 1 KB|than 1 KB"):
        ImportLimits.current().check(UploadedFile("cases.xlsx", data))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_are_capped_while_reading(settings, kind):
    settings.IMPORT_MAX_ROWS = 5
    rows = [[f"P-{i}", "cin", "01/02/2026"] for i in range(10)]
    name, data = ((f"cases.{kind}", csv_bytes(HEADER, *rows)) if kind == "csv" else
                  (f"cases.{kind}", xlsx_bytes({"Cases": [HEADER, *rows]})))
    job = run_import("monthly", (name, data))
    assert job.status == ImportJob.Status.FAILED
    assert "more than 5 rows (the limit)" in job.summary["message"]
    assert not Case.objects.exists()
    settings.IMPORT_MAX_ROWS = 11
    assert run_import("monthly", (name, data)).status == ImportJob.Status.SUCCEEDED


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cells_are_capped_while_reading(settings, kind):
    settings.IMPORT_MAX_CELLS = 20
    rows = [[f"P-{i}", "cin", "01/02/2026"] for i in range(10)]
    data = (csv_bytes(HEADER, *rows) if kind == "csv"
            else xlsx_bytes({"Cases": [HEADER, *rows]}))
    with pytest.raises(ImportFileError, match="more than 20 cells"):
        read_spreadsheet(UploadedFile(f"cases.{kind}", data))


def test_a_csv_file_over_the_size_cap_is_refused_before_it_is_kept(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 100
    rows = [[f"P-{i}", "cin", "01/02/2026"] for i in range(10)]
    with pytest.raises(ImportFileError, match="too big to import"):
        run_import("monthly", ("cases.csv", csv_bytes(HEADER, *rows)))
    assert not ImportJob.objects.exists()
