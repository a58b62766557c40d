"""A finished case import tells the apps above the register (cases.signals.register_imported)
with its job and the cases it wrote to, after its rows are written; the register itself
imports none of those apps. A receiver that fails is logged and the import stands."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from auditloop.cases.models import Case, ImportJob
from auditloop.cases.signals import register_imported
from tests.cases.importing import DOCS_SAMPLES, csv_bytes, run_import

pytestmark = pytest.mark.django_db
SAMPLES = [DOCS_SAMPLES / f"{name}.csv" for name in ("cases", "involvements", "events")]


@pytest.fixture
def heard():  # type: ignore[no-untyped-def]
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append({"sender": sender, **kwargs,
                      "saved": Case.objects.filter(pk__in=kwargs["case_ids"]).count()})

    register_imported.connect(receiver, dispatch_uid="test.heard")
    yield calls
    register_imported.disconnect(dispatch_uid="test.heard")


def test_a_finished_case_import_sends_its_job_and_cases(heard):
    run_import("staff", DOCS_SAMPLES / "staff.csv")
    assert heard == []  # a staff list changes no case
    job = run_import("monthly", *SAMPLES)
    assert job.status == ImportJob.Status.SUCCEEDED
    (call,) = heard
    assert call["job_id"] == job.pk
    assert call["case_ids"] == frozenset(Case.objects.values_list("pk", flat=True))
    assert call["saved"] == len(call["case_ids"])  # sent once the rows are written


def test_a_complete_list_sends_the_cases_it_closed_too(heard):
    run_import("staff", DOCS_SAMPLES / "staff.csv")
    run_import("monthly", *SAMPLES)
    kept = Case.objects.get(reference="EH-1001")
    header, row = (line.split(",") for line in SAMPLES[0].read_text().splitlines()[:2])
    job = run_import("monthly", ("cases.csv", csv_bytes(header, row)), complete_snapshot=True)
    assert job.summary["cases_closed"] > 0
    closed = set(Case.objects.filter(status=Case.Status.CLOSED, service=kept.service)
                 .values_list("pk", flat=True))
    assert heard[-1]["case_ids"] >= closed | {kept.pk}


def test_a_failed_import_sends_nothing(heard):
    job = run_import("monthly", ("cases.csv", b"Case reference\n"))
    assert job.status == ImportJob.Status.FAILED
    assert heard == []


def test_a_receiver_that_fails_is_logged_and_the_import_stands(caplog):
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver broke")

    register_imported.connect(broken, dispatch_uid="test.broken")
    try:
        run_import("staff", DOCS_SAMPLES / "staff.csv")
        with caplog.at_level(logging.ERROR, logger="auditloop.cases.services.imports"):
            job = run_import("monthly", *SAMPLES)
    finally:
        register_imported.disconnect(dispatch_uid="test.broken")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert Case.objects.filter(reference="EH-1001").exists()
    assert any(f"Import {job.pk}:" in r.getMessage() and r.exc_info for r in caplog.records)
