"""CSV files are decoded strictly: UTF-8 with or without a byte order mark, or Windows-1252
when the person importing says so. A byte that is not in the character set refuses the whole
file, naming its line, so an identifier is never imported garbled."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from auditloop.cases.models import Case, ImportJob
from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import UploadedFile, read_csv
from tests.cases.importing import run_import

pytestmark = pytest.mark.django_db
S = ImportJob.Status
# "Zoë" saved by Excel on Windows as "CSV (comma delimited)": ë is one byte, 0xEB.
WINDOWS_FILE = ("Case reference,Child identifier,Service,Open date\r\n"
                "P-1,C-100,cin,01/02/2026\r\n"
                "P-2,C-Zoë-7,cin,01/02/2026\r\n").encode("cp1252")


def test_a_bad_byte_refuses_the_file_and_names_the_line():
    job = run_import("monthly", ("cases.csv", WINDOWS_FILE))
    assert job.status == S.FAILED
    message = job.summary["message"]
    assert "cases.csv cannot be read as UTF-8: line 3" in message
    assert "Nothing was imported" in message
    assert "Windows-1252" in message  # what to do
    assert not Case.objects.exists()


def test_the_same_file_declared_windows_1252_is_imported_and_the_report_says_so(
        qa_manager_client):
    response = qa_manager_client.post(reverse("cases:import_new"), {
        "format": "monthly", "encoding": "windows-1252",
        "upload": SimpleUploadedFile("cases.csv", WINDOWS_FILE)})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.encoding == "windows-1252"
    from auditloop.cases import services

    services.import_job_run(job=job)  # the background task, run here
    job.refresh_from_db()
    assert job.status == S.SUCCEEDED, job.summary
    assert Case.objects.get(reference="P-2").child_identifier == "C-Zoë-7"
    page = qa_manager_client.get(reverse("cases:import_detail", args=[job.pk])).content.decode()
    assert "Read as Windows-1252." in page


def test_the_command_line_takes_the_character_set(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(WINDOWS_FILE)
    with pytest.raises(CommandError):
        call_command("import", "monthly", str(path), stdout=io.StringIO())
    assert not Case.objects.exists()
    out = io.StringIO()
    call_command("import", "monthly", str(path), "--encoding", "windows-1252", stdout=out)
    assert "Read as Windows-1252." in out.getvalue()
    assert Case.objects.get(reference="P-2").child_identifier == "C-Zoë-7"


def test_utf8_with_and_without_a_byte_order_mark_is_read_as_it_is():
    text = "Case reference,Child identifier\r\nP-1,C-Zoë-7\r\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig")):
        sheet = read_csv(UploadedFile("cases.csv", data))
        assert sheet.rows[0][1][0] == "Case reference"
        assert sheet.rows[1][1][1] == "C-Zoë-7"
    job = run_import("monthly", ("cases.csv", WINDOWS_FILE.decode("cp1252").encode("utf-8")))
    assert "read_as" not in job.summary


def test_a_byte_windows_1252_does_not_have_is_refused_too():
    with pytest.raises(ImportFileError, match="line 2 .*not Windows-1252 \\(byte 81\\)"):
        read_csv(UploadedFile("cases.csv", b"Case reference\r\nP-\x81\r\n", "windows-1252"))


def test_an_unknown_character_set_is_refused():
    with pytest.raises(Exception, match="character set"):
        run_import("monthly", ("cases.csv", WINDOWS_FILE), encoding="latin-9")
