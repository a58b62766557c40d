"""The one workflow helper (common.workflow): allowed moves per status, a locked move that
writes who, when, from, to and why, groups of states, and guards on the actor. The import
job is the example model; every model with a workflow declares it the same way."""

from __future__ import annotations

import pytest
from django.db import models

from auditloop.cases.models import ImportJob
from auditloop.common.errors import WorkflowError
from auditloop.common.models import StatusChange
from auditloop.common.workflow import Workflow
from tests.cases.importing import csv_bytes, run_import

S = ImportJob.Status


class Light(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


def test_allowed_moves_and_next_states():
    wf = ImportJob.workflow
    assert wf.allows(S.QUEUED, S.RUNNING)
    assert not wf.allows(S.SUCCEEDED, S.RUNNING)
    assert set(wf.next_states(S.RUNNING)) == {S.SUCCEEDED, S.PARTIAL, S.FAILED}
    assert wf.next_states(S.FAILED) == []


def test_groups_are_defined_once_and_unknown_groups_are_refused():
    job = ImportJob(status=S.PARTIAL)
    assert job.status_in("finished") and job.is_finished and not job.is_waiting
    with pytest.raises(ValueError, match="no group of states called 'done'"):
        job.status_in("done")


def test_a_table_naming_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(Light, noun="light", allowed_from={"blue": {Light.RED}})


@pytest.mark.django_db
def test_move_saves_the_state_and_writes_its_history(person_with_role):
    person = person_with_role("qa_manager")
    job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY)
    job.rows_total = 12
    ImportJob.workflow.move(job, to=S.RUNNING, actor=person, reason="Started by hand",
                            also_save=["rows_total"])
    job.refresh_from_db()
    assert (job.status, job.rows_total) == (S.RUNNING, 12)
    [change] = job.status_history()
    assert (change.from_status, change.to_status, change.reason) == (
        S.QUEUED, S.RUNNING, "Started by hand")
    assert change.actor == person.user and change.at is not None


@pytest.mark.django_db
def test_a_move_from_the_wrong_state_is_refused_and_writes_nothing():
    job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY, status=S.SUCCEEDED)
    with pytest.raises(WorkflowError, match="This import is imported, so it cannot become "
                                            "importing now. Reload the page"):
        ImportJob.workflow.move(job, to=S.RUNNING)
    assert not StatusChange.objects.exists()


@pytest.mark.django_db
def test_the_move_reads_the_state_afresh_not_the_callers_stale_copy():
    job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY)
    stale = ImportJob.objects.get(pk=job.pk)
    ImportJob.workflow.move(job, to=S.RUNNING)
    with pytest.raises(WorkflowError):
        ImportJob.workflow.move(stale, to=S.RUNNING)  # started already, elsewhere
    assert ImportJob.objects.get(pk=job.pk).status_history().count() == 1


@pytest.mark.django_db
def test_a_guard_decides_who_may_make_a_move():
    wf = Workflow(ImportJob.Status, noun="import", allowed_from={S.RUNNING: {S.QUEUED}},
                  guards={S.RUNNING: lambda actor, obj, to: actor == "operator"})
    job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY)
    with pytest.raises(WorkflowError, match="You cannot make this import importing"):
        wf.move(job, to=S.RUNNING, actor="someone else")
    wf.move(job, to=S.RUNNING, actor="operator")
    assert job.status == S.RUNNING


@pytest.mark.django_db
def test_an_import_records_each_step_of_its_run():
    header = ["case_ref"]
    job = run_import("monthly", ("cases.csv", csv_bytes(header)))
    assert [(c.from_status, c.to_status) for c in job.status_history()] == [
        (S.QUEUED, S.RUNNING), (S.RUNNING, S.FAILED)]
    assert job.status_history().last().reason == job.summary["message"]
