"""Families' feedback when a case closes (000): the one-time link works without an account,
once, until it expires, cannot be guessed, keeps only a hash and shows nothing of the case;
a worker can fill the form in with the family; who may do that is the case's own rule."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.voice import services
from auditloop.voice.models import FeedbackInvitation, FeedbackResponse, QuestionSetVersion
from tests.factories import ClosedCaseFactory, PersonFactory

FAMILY_SET = "002-family-feedback"
ANSWERS = {"understood_why": "4", "worker_explained": "yes", "views_in_plan": "5",
           "difference": "We talk more.", "anything_else": "", "interpreter": "language_line",
           "consent_to_quote": "on"}


def family_set() -> QuestionSetVersion:
    return QuestionSetVersion.objects.filter(key=FAMILY_SET).order_by("-version").first()  # type: ignore[return-value]


def invite(case=None):  # type: ignore[no-untyped-def]
    case = case or ClosedCaseFactory()
    invitation, token = services.feedback_invitation_create(
        case=case, question_set=family_set(), actor=None)
    return case, invitation, token


def link(token: str) -> str:
    return reverse("voice:feedback", args=[token])


@pytest.mark.django_db
def test_the_family_answers_once_without_an_account_and_sees_nothing_of_the_case():
    case, invitation, token = invite()
    family = Client()
    page = family.get(link(token))
    text = page.content.decode()
    assert page.status_code == 200 and "Did your worker explain what would happen next?" in text
    for detail in (case.reference, case.child_identifier, case.team.name, case.service.name):
        assert detail not in text
    assert "Not from the seed" not in text
    done = family.post(link(token), ANSWERS)
    assert "Thank you for your feedback" in done.content.decode()
    response = FeedbackResponse.objects.get()
    assert response.case == case and response.invitation == invitation
    assert response.completed_by == FeedbackResponse.CompletedBy.FAMILY
    assert response.interpreter == FeedbackResponse.Interpreter.LANGUAGE_LINE
    assert response.consent_to_quote and response.answers["difference"] == "We talk more."
    # Works once: the same link is closed, and a second post records nothing.
    again = family.get(link(token))
    assert again.status_code == 404 and "This link cannot be used" in again.content.decode()
    assert family.post(link(token), ANSWERS).status_code == 404
    assert FeedbackResponse.objects.count() == 1


@pytest.mark.django_db
def test_a_missing_answer_is_asked_for_and_the_link_still_works():
    _, _, token = invite()
    response = Client().post(link(token), {**ANSWERS, "understood_why": "", "interpreter": ""})
    text = response.content.decode()
    assert "Answer this question" in text and "Say whether an interpreter" in text
    assert not FeedbackResponse.objects.exists()
    assert Client().get(link(token)).status_code == 200


@pytest.mark.django_db
def test_the_link_expires():
    start = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _, _, token = invite()
    with time_machine.travel(start + dt.timedelta(days=services.link_days() - 1), tick=False):
        assert Client().get(link(token)).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=services.link_days(), seconds=1),
                             tick=False):
        assert Client().get(link(token)).status_code == 404
        assert Client().post(link(token), ANSWERS).status_code == 404
    assert not FeedbackResponse.objects.exists()


@pytest.mark.django_db
def test_the_link_cannot_be_guessed_and_only_its_hash_is_kept():
    _, invitation, token = invite()
    assert len(token) >= 43
    stored = FeedbackInvitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in " ".join(str(v) for v in stored.values())
    assert stored["token_hash"] == services.token_hash(token)
    # Nothing answers to a near miss, a number or the hash itself: the same page each time.
    for guess in (token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"),
                  str(invitation.pk), stored["token_hash"], "x" * 200):
        response = Client().get(link(guess))
        assert response.status_code == 404, guess
        assert "This link cannot be used" in response.content.decode()


@pytest.mark.django_db
def test_an_open_case_gets_no_link():
    from tests.factories import CaseFactory

    with pytest.raises(Exception, match="when their case has closed"):
        invite(CaseFactory())


@pytest.mark.django_db
def test_a_worker_makes_a_link_for_a_letter(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.QA_MANAGER)
    case = ClosedCaseFactory()
    url = reverse("voice:case_feedback", args=[case.pk])
    response = client.post(url, {"question_set": FAMILY_SET, "how": "letter"})
    text = response.content.decode()
    assert "Print this link in the family" in text
    invitation = FeedbackInvitation.objects.get()
    assert invitation.created_by == person and invitation.case == case
    shown = text.split('id="feedback-link">')[1].split("<")[0]
    assert services.token_hash(shown.rsplit("/", 2)[-2]) == invitation.token_hash
    assert AccessLog.objects.filter(user=person.user, object_type="case",
                                    object_id=str(case.pk)).exists()
    # The case page leads here.
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert url in page


@pytest.mark.django_db
def test_a_worker_fills_the_form_in_with_the_family(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.QA_MANAGER)
    case = ClosedCaseFactory()
    response = client.post(reverse("voice:case_feedback", args=[case.pk]),
                           {"question_set": FAMILY_SET, "how": "worker"})
    record = reverse("voice:case_feedback_record", args=[case.pk, FAMILY_SET])
    assert response["Location"] == record
    assert client.post(record, ANSWERS).status_code == 302
    response_row = FeedbackResponse.objects.get()
    assert response_row.completed_by == FeedbackResponse.CompletedBy.WORKER
    assert response_row.recorded_by == person and response_row.invitation is None


@pytest.mark.django_db
def test_only_those_who_see_the_case_invite_its_family(role_client, client_for):  # type: ignore[no-untyped-def]
    case = ClosedCaseFactory()
    url = reverse("voice:case_feedback", args=[case.pk])
    stranger, _ = role_client(Role.PRACTITIONER)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"question_set": FAMILY_SET, "how": "letter"}).status_code == 404
    reader, _ = role_client(Role.SENIOR_LEADER)
    assert reader.get(url).status_code == 403
    holder = PersonFactory(roles=[Role.PRACTITIONER])
    case.key_worker = holder
    case.save(update_fields=["key_worker"])
    assert client_for(holder).get(url).status_code == 200
    assert not FeedbackInvitation.objects.exists()


def _database_text_containing(needle: str) -> list[str]:
    """Every table whose rows hold this text anywhere (read straight from the tables)."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if any(needle in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


@pytest.mark.django_db
def test_the_link_is_e_mailed_once_and_the_address_is_kept_nowhere(role_client, mailoutbox):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    case = ClosedCaseFactory()
    address = "family.feedback.test@example.org"
    url = reverse("voice:case_feedback", args=[case.pk])
    response = client.post(url, {"question_set": FAMILY_SET, "how": "email",
                                 "email": address})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [address]
    sent_link = next(w for w in mailoutbox[0].body.split() if "/voice/feedback/" in w)
    token = sent_link.rstrip("/").rsplit("/", 1)[-1]
    assert FeedbackInvitation.objects.get().token_hash == services.token_hash(token)
    assert case.reference not in mailoutbox[0].body
    page = client.get(url).content.decode()  # the message shown after: no address either
    assert "The link is sent to the family by e-mail." in page and address not in page
    assert _database_text_containing(address) == []
    assert _database_text_containing("family.feedback.test") == []
    assert Client().get(link(token)).status_code == 200


@pytest.mark.django_db
def test_an_e_mail_that_cannot_be_sent_makes_no_link(role_client, monkeypatch):  # type: ignore[no-untyped-def]
    from auditloop.notifications import email

    class Failing:
        def send(self, **kwargs: object) -> None:
            raise OSError("the mail service is down")

    monkeypatch.setattr(email, "backend", lambda: Failing())
    client, _ = role_client(Role.QA_MANAGER)
    case = ClosedCaseFactory()
    response = client.post(reverse("voice:case_feedback", args=[case.pk]),
                           {"question_set": FAMILY_SET, "how": "email",
                            "email": "someone@example.org"})
    assert "The e-mail could not be sent" in response.content.decode()
    assert not FeedbackInvitation.objects.exists()
    missing = client.post(reverse("voice:case_feedback", args=[case.pk]),
                          {"question_set": FAMILY_SET, "how": "email", "email": ""})
    assert "Enter the family" in missing.content.decode()
