"""000: "at the end of the Early Help assessment the co-ordinator completes a closure form with
the family", recorded against the case with the questions it asked; who may read or record
one is the case's own rule, and each view of it is in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.voice import closures
from auditloop.voice.models import ClosureForm
from auditloop.voice.questions import DRAFT_NOTE
from tests.factories import ClosedCaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"reason_for_closure": "The plan's outcomes were met.",
           "support_received": "A parenting course and help with the school.",
           "impact": "Mornings are calmer; we argue less.", "better_now": "4",
           "know_where_to_go": "yes", "anything_else": "", "interpreter": "interpreter"}


def _case_and_worker():  # type: ignore[no-untyped-def]
    worker = PersonFactory(roles=[Role.PRACTITIONER])
    return ClosedCaseFactory(key_worker=worker), worker


def test_the_coordinator_records_the_closure_form_and_reads_it_back(client_for):
    case, worker = _case_and_worker()
    client = client_for(worker)
    new = reverse("voice:closure_form_new", args=[case.pk])
    page = client.get(new).content.decode()
    assert "Why is the Early Help Assessment closing?" in page
    assert page.count(DRAFT_NOTE) >= 3  # the three questions of our own are marked
    today = timezone.localdate()
    response = client.post(new, {**ANSWERS, "completed_on": today.isoformat()})
    record = ClosureForm.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "voice:closure_form_detail", args=[case.pk, record.pk])
    assert record.case == case and record.recorded_by == worker
    assert record.answers["impact"] == "Mornings are calmer; we argue less."
    assert record.definition["key"] == "000-closure-form" and record.completed_on == today
    detail = client.get(response["Location"]).content.decode()
    assert "Mornings are calmer; we argue less." in detail
    assert "4 out of 5" in detail and today.strftime("%-d %B %Y") in detail
    assert "Yes, an interpreter" in detail
    listed = client.get(reverse("voice:closure_forms", args=[case.pk])).content.decode()
    assert f"Completed {today.strftime('%-d %B %Y')}" in listed
    assert AccessLog.objects.filter(object_type="case", object_id=str(case.pk),
                                    user=worker.user).count() >= 3


def test_unanswered_questions_and_a_future_date_are_refused(client_for):
    case, worker = _case_and_worker()
    new = reverse("voice:closure_form_new", args=[case.pk])
    client = client_for(worker)
    empty = client.post(new, {"completed_on": timezone.localdate().isoformat()})
    assert empty.status_code == 400 and "Answer this question" in empty.content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    future = client.post(new, {**ANSWERS, "completed_on": tomorrow.isoformat()})
    assert future.status_code == 400
    assert "The date must be today or in the past" in future.content.decode()
    assert not ClosureForm.objects.exists()


def test_someone_with_nothing_to_do_with_the_case_cannot_read_or_record_one(client_for):
    case, worker = _case_and_worker()
    record = closures.closure_form_record(
        case=case, answers=ANSWERS, interpreter="none", completed_on=timezone.localdate(),
        actor=worker)
    stranger = client_for(PersonFactory(roles=[Role.PRACTITIONER]))
    for url in (reverse("voice:closure_forms", args=[case.pk]),
                reverse("voice:closure_form_new", args=[case.pk]),
                reverse("voice:closure_form_detail", args=[case.pk, record.pk])):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(reverse("voice:closure_form_new", args=[case.pk]),
                         {**ANSWERS, "completed_on": "2026-01-01"}).status_code == 404
    # A form is read only under its own case, even another of the worker's.
    other = ClosedCaseFactory(key_worker=worker)
    assert client_for(worker).get(
        reverse("voice:closure_forms", args=[other.pk])).status_code == 200
    assert client_for(worker).get(reverse(
        "voice:closure_form_detail", args=[other.pk, record.pk])).status_code == 404
    assert ClosureForm.objects.count() == 1
