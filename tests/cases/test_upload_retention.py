"""cases.services.delete_upload_files: the retention job deletes the uploaded files of
imports older than a cutoff, failed ones included, and keeps the import's record."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from auditloop.cases import services
from auditloop.cases.models import ImportFile, ImportJob
from tests.cases.importing import csv_bytes, run_import

pytestmark = pytest.mark.django_db
GOOD = csv_bytes(["Case reference", "Service", "Open date"], ["P-1", "cin", "01/02/2026"])
BAD = csv_bytes(["Case reference", "Service", "Open date"], ["P-2", "cin", "not a date"])


def test_old_files_are_deleted_failed_ones_included_and_new_ones_kept():
    with time_machine.travel(dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)):
        old_ok = run_import("monthly", ("a.csv", GOOD), ("b.csv", GOOD))
        old_failed = run_import("monthly", ("c.csv", BAD))
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)):
        new = run_import("monthly", ("d.csv", GOOD))
    assert old_failed.status == ImportJob.Status.FAILED
    cutoff = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert services.uploads_older_than(cutoff).count() == 3
    assert services.delete_upload_files(cutoff) == 3
    assert not ImportFile.objects.filter(job__in=[old_ok, old_failed]).exists()
    assert list(ImportFile.objects.filter(job=new).values_list("name", flat=True)) == ["d.csv"]
    # The imports' records stay.
    assert ImportJob.objects.filter(pk__in=[old_ok.pk, old_failed.pk]).count() == 2
    assert services.delete_upload_files(cutoff) == 0


def test_a_running_import_keeps_its_files():
    job = run_import("monthly", ("a.csv", GOOD))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    assert services.delete_upload_files(timezone.now() + dt.timedelta(days=1)) == 0
    assert ImportFile.objects.filter(job=job).exists()
