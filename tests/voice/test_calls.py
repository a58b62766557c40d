"""000's calls to families: closed cases drawn at random (reproducible from the seed), the
drawn cases listed to those who may see them (logged), and the answers recorded by phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.voice import services
from auditloop.voice.models import CallSelection, FeedbackResponse
from tests.factories import CaseFactory, ClosedCaseFactory

CALL_SET = "000-early-help-service-user-feedback"


def closed(day: dt.date):  # type: ignore[no-untyped-def]
    return ClosedCaseFactory(closed_on=day)


@pytest.mark.django_db
def test_the_draw_is_random_reproducible_and_only_of_cases_closed_in_the_period(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.QA_MANAGER)
    inside = [closed(dt.date(2026, 10, d)) for d in range(1, 11)]
    closed(dt.date(2026, 8, 1))
    CaseFactory()  # open
    response = client.post(reverse("voice:calls"), {
        "closed_from": "2026-10-01", "closed_to": "2026-10-31", "size": "4"})
    selection = CallSelection.objects.get()
    assert response["Location"] == reverse("voice:call_detail", args=[selection.pk])
    assert selection.eligible == 10 and len(selection.case_ids) == 4
    assert set(selection.case_ids) <= {c.pk for c in inside}
    again = services.call_selection_draw(eligible=inside, closed_from=dt.date(2026, 10, 1),
                                         closed_to=dt.date(2026, 10, 31), size=4,
                                         actor=None, seed=selection.seed)
    assert again.case_ids == selection.case_ids
    page = client.get(response["Location"]).content.decode()
    assert page.count("Record the call") == 4
    assert AccessLog.objects.filter(user=person.user, object_type="case",
                                    action=AccessLog.Action.LIST).count() == 4


@pytest.mark.django_db
def test_the_answers_are_recorded_as_a_call(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    case = closed(dt.date(2026, 10, 2))
    selection = services.call_selection_draw(eligible=[case], closed_from=dt.date(2026, 10, 1),
                                             closed_to=dt.date(2026, 10, 31), size=1,
                                             actor=None)
    record = reverse("voice:case_feedback_record", args=[case.pk, CALL_SET]) + "?by=phone"
    response = client.post(record, {"support_helpful": "5", "listened_to": "4",
                                    "life_better": "4", "interpreter": "none"})
    assert response.status_code == 302
    assert FeedbackResponse.objects.get().completed_by == FeedbackResponse.CompletedBy.PHONE
    page = client.get(reverse("voice:call_detail", args=[selection.pk])).content.decode()
    assert "Answers recorded" in page and "Record the call" not in page


@pytest.mark.django_db
def test_the_period_and_the_size_are_checked_and_others_cannot_draw(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    response = client.post(reverse("voice:calls"), {
        "closed_from": "2026-10-31", "closed_to": "2026-10-01", "size": "4"})
    assert "The first day must be on or before the last." in response.content.decode()
    assert not CallSelection.objects.exists()
    practitioner, _ = role_client(Role.PRACTITIONER)
    assert practitioner.get(reverse("voice:calls")).status_code == 403
