"""The virus check (UPLOAD_SCAN_COMMAND): run on every uploaded file before it is read, on
the upload page and on the command line; an infected file is deleted and refused, and a
scanner that fails refuses the file too. Off by default."""

import io
import shlex
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from auditloop.cases.models import Case, ImportFile, ImportJob
from auditloop.common.errors import ImportFileError
from tests.cases.importing import csv_bytes, run_import
from tests.fakes.virus_scanner import EICAR

pytestmark = pytest.mark.django_db
SCANNER = Path(__file__).resolve().parents[1] / "fakes" / "virus_scanner.py"
CLEAN = csv_bytes(["Case reference", "Service", "Open date"], ["P-1", "cin", "01/02/2026"])
INFECTED = CLEAN + EICAR
BROKEN = CLEAN + b"BREAK-THE-SCANNER"


@pytest.fixture
def scan_log(settings, tmp_path) -> Path:
    log = tmp_path / "scanned.log"
    settings.UPLOAD_SCAN_COMMAND = shlex.join(
        [sys.executable, str(SCANNER), "--log", str(log)])
    return log


def _scanned(log: Path) -> list[Path]:
    return [Path(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_clean_file_is_scanned_then_imported_and_the_copy_deleted(scan_log):
    job = run_import("monthly", ("cases.csv", CLEAN))
    assert job.status == ImportJob.Status.SUCCEEDED
    [scanned] = _scanned(scan_log)
    assert not scanned.exists()  # the scanner's copy is gone
    assert Case.objects.filter(reference="P-1").exists()


def test_an_infected_file_is_deleted_and_refused(scan_log):
    with pytest.raises(ImportFileError) as refused:
        run_import("monthly", ("cases.csv", INFECTED))
    assert "cases.csv has a virus in it" in refused.value.message
    assert "deleted" in refused.value.message
    [scanned] = _scanned(scan_log)
    assert not scanned.exists()
    assert not ImportJob.objects.exists()
    assert not ImportFile.objects.exists()


def test_a_scanner_that_fails_refuses_the_file(scan_log):
    with pytest.raises(ImportFileError) as refused:
        run_import("monthly", ("cases.csv", BROKEN))
    assert ("could not be checked for viruses; try again or ask your IT team"
            in refused.value.message)
    assert not ImportJob.objects.exists()


def test_a_scanner_that_cannot_be_run_refuses_the_file(settings, tmp_path):
    settings.UPLOAD_SCAN_COMMAND = str(tmp_path / "no-such-scanner")
    with pytest.raises(ImportFileError, match="could not be checked for viruses"):
        run_import("monthly", ("cases.csv", CLEAN))


def test_the_upload_page_refuses_an_infected_file(qa_manager_client, scan_log):
    response = qa_manager_client.post(reverse("cases:import_new"), {
        "format": "monthly", "upload": SimpleUploadedFile("cases.csv", INFECTED)})
    assert response.status_code == 200
    assert "cases.csv has a virus in it" in response.content.decode()
    assert len(_scanned(scan_log)) == 1
    assert not ImportJob.objects.exists()


def test_the_command_line_scans_too(scan_log, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(BROKEN)
    with pytest.raises(CommandError, match="could not be checked for viruses"):
        call_command("import", "monthly", str(path), stdout=io.StringIO())
    path.write_bytes(INFECTED)
    with pytest.raises(CommandError, match="has a virus in it"):
        call_command("import", "monthly", str(path), stdout=io.StringIO())
    assert len(_scanned(scan_log)) == 2
    assert not ImportJob.objects.exists()


def test_off_by_default(settings):
    assert settings.UPLOAD_SCAN_COMMAND == ""
    job = run_import("monthly", ("cases.csv", INFECTED))
    assert job.status != ImportJob.Status.FAILED or "virus" not in job.summary["message"]
