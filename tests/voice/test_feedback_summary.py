"""The quarter's summary of families' feedback (000): counts, shares with their intervals,
quotes only from those who agreed, the share of links answered, and nothing of any case."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.voice import selectors, services
from tests.factories import ClosedCaseFactory
from tests.voice.test_family_feedback import family_set

AT = dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC)


def answer(*, understood: str, consent: bool, words: str, link: bool = False) -> None:
    case = ClosedCaseFactory()
    invitation = None
    if link:
        invitation, _ = services.feedback_invitation_create(case=case, question_set=family_set(),
                                                            actor=None)
    services.feedback_record(
        case=case, question_set=family_set(), interpreter="none" if consent else "interpreter",
        consent_to_quote=consent, actor=None, invitation=invitation,
        answers={"understood_why": understood, "worker_explained": "yes",
                 "views_in_plan": "3", "difference": words, "anything_else": ""})


@pytest.mark.django_db
def test_the_quarter_counts_answers_with_intervals_and_quotes_only_with_consent(role_client):  # type: ignore[no-untyped-def]
    with time_machine.travel(AT, tick=False):
        answer(understood="5", consent=True, words="We were listened to.", link=True)
        answer(understood="4", consent=False, words="Private words.")
        answer(understood="2", consent=True, words="")
        services.feedback_invitation_create(case=ClosedCaseFactory(), question_set=family_set(),
                                            actor=None)  # a link not answered
    with time_machine.travel(AT + dt.timedelta(days=120), tick=False):
        answer(understood="1", consent=True, words="Next quarter.")

    summaries, answered = selectors.feedback_quarter(start=dt.date(2026, 10, 1))
    assert (answered.k, answered.n) == (1, 2)
    (summary,) = summaries
    assert (summary.responses, summary.from_link, summary.interpreter) == (3, 1, 1)
    understood = summary.questions[0]
    assert understood.counts == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert understood.positive is not None
    assert (understood.positive.k, understood.positive.n) == (2, 3)
    difference = next(q for q in summary.questions if q.answer == "text" and q.answered)
    assert difference.quotes == ["We were listened to."] and difference.answered == 2

    client, _ = role_client(Role.SENIOR_LEADER)
    with time_machine.travel(AT, tick=False):
        page = client.get(reverse("voice:feedback_summary")).content.decode()
    assert "67% <span class=\"govuk-body-s\">(2 of 3; 95% interval" in page
    assert "We were listened to." in page and "Private words." not in page
    assert "Next quarter." not in page
    for case_detail in ("C0", "CH0", "Team "):
        assert case_detail not in page


@pytest.mark.django_db
def test_another_quarter_is_chosen_and_practitioners_see_no_summary(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    with time_machine.travel(AT, tick=False):
        page = client.get(reverse("voice:feedback_summary"), {"quarter": "2026-07-01"})
    assert "1 July 2026 to 30 September 2026" in page.content.decode()
    practitioner, _ = role_client(Role.PRACTITIONER)
    assert practitioner.get(reverse("voice:feedback_summary")).status_code == 403


@pytest.mark.django_db
def test_the_summary_takes_three_queries_however_many_answers(django_assert_num_queries):  # type: ignore[no-untyped-def]
    with time_machine.travel(AT, tick=False):
        for n in range(6):
            answer(understood=str(1 + n % 5), consent=bool(n % 2), words=f"Words {n}")
    with django_assert_num_queries(3):
        selectors.feedback_quarter(start=dt.date(2026, 10, 1))
