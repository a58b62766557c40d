"""Records join the Tier 1 queue when an import brings them (003: "Every CAF assessment,
TAF and closure goes through this process"): the case register tells the apps above it
that an import finished, and quality control queues the records of that import's cases.
Opening the queue page writes nothing; `auditloop quality_queue` catches up on the rest."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from auditloop.cases.models import CaseEvent, ImportJob
from auditloop.people.roles import Role
from auditloop.quality import services
from auditloop.quality.models import QualityCheck
from auditloop.standards.selectors import framework_settings_row
from tests.cases.importing import DOCS_SAMPLES, csv_bytes, run_import
from tests.factories import CaseEventFactory, CaseFactory, ServiceFactory, shipped_tool_version

pytestmark = pytest.mark.django_db
QC_KEY = "003-tier-1-quality-control"
SAMPLES = [DOCS_SAMPLES / f"{name}.csv" for name in ("cases", "involvements", "events")]


@pytest.fixture
def qc_tool():  # type: ignore[no-untyped-def]
    version = shipped_tool_version(QC_KEY)
    row = framework_settings_row()
    row.tools = [QC_KEY]
    row.save()
    return version


def _queued() -> set[tuple[str, str]]:
    return set(QualityCheck.objects.values_list("event__case__reference", "event__kind"))


def _import_samples() -> ImportJob:
    assert run_import("staff", DOCS_SAMPLES / "staff.csv").status == ImportJob.Status.SUCCEEDED
    return run_import("monthly", *SAMPLES)


def test_an_import_puts_its_early_help_records_into_the_queue(qc_tool):
    job = _import_samples()
    assert job.status == ImportJob.Status.SUCCEEDED, job.problems
    # The samples' Early Help case has a CAF assessment and a TAF meeting; the other
    # services' assessments and closures are not Tier 1 quality control's.
    assert _queued() == {("EH-1001", "assessment_completed"), ("EH-1001", "taf_meeting")}
    assert set(QualityCheck.objects.values_list("status", flat=True)) == {
        QualityCheck.Status.WAITING}


def test_importing_the_same_files_again_adds_no_check(qc_tool):
    _import_samples()
    before = set(QualityCheck.objects.values_list("pk", flat=True))
    run_import("monthly", *SAMPLES)
    assert set(QualityCheck.objects.values_list("pk", flat=True)) == before


def test_a_later_import_queues_the_new_record_of_a_case(qc_tool):
    _import_samples()
    header = ["Case reference", "Event kind", "Date", "Detail"]
    job = run_import("monthly", ("events.csv", csv_bytes(
        header, ["EH-1001", "taf_meeting", "02/03/2026", "Second TAF meeting"])))
    assert job.status == ImportJob.Status.SUCCEEDED, job.problems
    assert QualityCheck.objects.filter(event__occurred_on=dt.date(2026, 3, 2),
                                       event__kind="taf_meeting").exists()


def test_records_of_cases_the_import_did_not_touch_wait_for_the_command(qc_tool):
    # A record written some other way than by an import (here, directly).
    elsewhere = CaseEventFactory(case=CaseFactory(service=ServiceFactory()), kind="closure")
    _import_samples()
    assert not QualityCheck.objects.filter(event=elsewhere).exists()
    out = StringIO()
    call_command("quality_queue", stdout=out)
    assert "1 record joined" in out.getvalue()
    assert QualityCheck.objects.filter(event=elsewhere).exists()


def test_a_failed_import_queues_nothing(qc_tool):
    run_import("staff", DOCS_SAMPLES / "staff.csv")
    header = ["Case reference", "Event kind", "Date", "Detail"]
    job = run_import("monthly", *SAMPLES[:2], ("events.csv", csv_bytes(
        header, ["EH-1001", "taf_meeting", "19/01/2026", ""],
        ["EH-1001", "not_a_kind", "not a date", ""])))
    assert job.status == ImportJob.Status.FAILED
    assert not CaseEvent.objects.exists()
    assert not QualityCheck.objects.exists()


def test_without_a_quality_control_tool_an_import_queues_nothing():
    _import_samples()
    assert CaseEvent.objects.filter(kind="taf_meeting").exists()
    assert not QualityCheck.objects.exists()


def test_after_an_import_the_queue_page_lists_its_records_and_a_get_adds_none(
        qc_tool, role_client):
    _import_samples()
    queued = QualityCheck.objects.count()
    CaseEventFactory(case=CaseFactory(service=ServiceFactory()), kind="taf_meeting")
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("quality:queue")).content.decode()
    assert "EH-1001" in page
    assert QualityCheck.objects.count() == queued


def test_a_case_that_moved_into_early_help_brings_its_earlier_records(qc_tool):
    cin = ServiceFactory(name="Child in Need", kind="cin")
    case = CaseFactory(service=cin)
    earlier = CaseEventFactory(case=case, kind="assessment_completed")
    assert services.quality_checks_create_for_cases(case_ids={case.pk}) == 0
    case.service = ServiceFactory()  # Early Help
    case.save(update_fields=["service"])
    assert services.quality_checks_create_for_cases(case_ids={case.pk}) == 1
    assert QualityCheck.objects.get().event == earlier

