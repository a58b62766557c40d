"""000: once a case is recorded as closed the family is invited to give feedback. An import
that closes a case puts it on the key worker's (and team manager's) list; nothing is sent by
itself: the worker invites the family by e-mail, text message (GOV.UK Notify, the number kept
nowhere) or a printed letter with a short code, or records that they declined."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditloop.cases.models import Case, ImportJob
from auditloop.notifications import sms
from auditloop.people.models import Person, PersonRole
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from auditloop.voice import closures, services
from auditloop.voice.models import ClosureFeedbackDue, FeedbackInvitation, FeedbackResponse
from tests.cases.importing import DOCS_SAMPLES, run_import
from tests.factories import ClosedCaseFactory, PersonFactory, UserFactory
from tests.fakes.govuk_notify import API_KEY, SMS_TEMPLATE_ID, FakeNotify
from tests.voice.test_family_feedback import ANSWERS, family_set

pytestmark = pytest.mark.django_db
W = ClosureFeedbackDue.State
SAMPLES = [DOCS_SAMPLES / f"{name}.csv" for name in ("cases", "involvements", "events")]
MOBILE = "07700 900982"
MOBILE_DIGITS = "07700900982"


@pytest.fixture(autouse=True)
def _empty_outbox():  # type: ignore[no-untyped-def]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _closed_case(**kwargs):  # type: ignore[no-untyped-def]
    kw = kwargs.pop("key_worker", None) or PersonFactory(roles=[Role.PRACTITIONER])
    case = ClosedCaseFactory(key_worker=kw, **kwargs)
    closures.closures_scan(case_ids=[case.pk])
    return case, kw, ClosureFeedbackDue.objects.get(case=case)


def _invite(client, due, **data):  # type: ignore[no-untyped-def]
    return client.post(reverse("voice:closure_invite", args=[due.pk]),
                       {"question_set": family_set().key, **data})


def test_an_import_that_closes_a_case_puts_it_on_the_key_workers_list(client_for, tmp_path):
    assert run_import("staff", DOCS_SAMPLES / "staff.csv").status == ImportJob.Status.SUCCEEDED
    run_import("monthly", *SAMPLES)
    # The samples close one case (CLA-4002); the Early Help case is open.
    assert set(ClosureFeedbackDue.objects.values_list("case__reference", flat=True)) == {
        "CLA-4002"}
    text = (DOCS_SAMPLES / "cases.csv").read_text()
    closing = text.replace("step_down,,Neglect", "step_down,01/06/2026,Neglect")
    assert closing != text
    (tmp_path / "cases.csv").write_text(closing)
    job = run_import("monthly", tmp_path / "cases.csv", *SAMPLES[1:])
    assert job.status == ImportJob.Status.SUCCEEDED, job.problems
    due = ClosureFeedbackDue.objects.get(case__reference="EH-1001")
    assert (due.state, due.closed_on) == (W.WAITING, dt.date(2026, 6, 1))
    # Importing the same files again adds nobody twice.
    run_import("monthly", tmp_path / "cases.csv", *SAMPLES[1:])
    assert ClosureFeedbackDue.objects.filter(case__reference="EH-1001").count() == 1
    # The coordinator (key worker S301) and their team manager (S300) see it; others not.
    key_worker = Person.objects.get(staff_number="S301")
    manager = Person.objects.get(staff_number="S300")
    for person in (key_worker, manager):
        person.user = UserFactory()
        person.save(update_fields=["user"])
        PersonRole.objects.get_or_create(person=person, role=Role.PRACTITIONER)
        page = client_for(person).get(reverse("voice:closures_waiting")).content.decode()
        assert "EH-1001" in page and "CLA-4002" not in page
        assert "Sam Patel" in page  # the key worker when it closed
    other = PersonFactory(roles=[Role.PRACTITIONER])
    assert "EH-1001" not in client_for(other).get(
        reverse("voice:closures_waiting")).content.decode()
    # Nothing was sent to anybody: there are no contact details to send to.
    assert not FeedbackInvitation.objects.exists() and not sms.outbox


def test_a_family_already_invited_since_the_closure_is_not_listed_again():
    case = ClosedCaseFactory(closed_on=timezone.localdate() - dt.timedelta(days=3))
    services.feedback_invitation_create(case=case, question_set=family_set(), actor=None)
    assert closures.closures_scan(case_ids=[case.pk]) == 0
    case.closed_on = timezone.localdate() + dt.timedelta(days=1)  # closed again later
    case.save()
    assert closures.closures_scan(case_ids=[case.pk]) == 1


def test_the_list_runs_a_fixed_number_of_queries(client_for, django_assert_num_queries):
    kw = PersonFactory(roles=[Role.PRACTITIONER])
    for _ in range(3):
        _closed_case(key_worker=kw)
    client = client_for(kw)
    client.get(reverse("voice:closures_waiting"))
    # The session (read; no longer saved on every request), the user, their
    # session row, the person and their roles, the list, and its access-log rows (one insert).
    with django_assert_num_queries(7):
        page = client.get(reverse("voice:closures_waiting"))
    assert page.content.decode().count("Invite the family") == 3
    for _ in range(3):
        _closed_case(key_worker=kw)
    with django_assert_num_queries(7):
        page = client.get(reverse("voice:closures_waiting"))
    assert page.content.decode().count("Invite the family") == 6


def test_invite_by_e_mail(client_for):
    _, kw, due = _closed_case()
    response = _invite(client_for(kw), due, how="email", email="family@example.org")
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == W.INVITED and due.invitation.channel == FeedbackInvitation.Channel.EMAIL
    assert mail.outbox[0].to == ["family@example.org"]
    # Once invited, it leaves the list.
    assert "Invite the family" not in client_for(kw).get(
        reverse("voice:closures_waiting")).content.decode()


def _rows_holding(text: str) -> list[str]:
    """Every table and text column holding `text` (whole or in part)."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField | models.JSONField):
                lookup = f"{f.name}__icontains"
                try:
                    if model._default_manager.filter(**{lookup: text}).exists():
                        found.append(f"{model._meta.db_table}.{f.column}")
                except Exception:  # noqa: BLE001, S112 - a column that cannot be searched
                    continue
    return found


def test_invite_by_text_message_through_notify_keeps_the_number_nowhere(
        client_for, settings, caplog):
    _, kw, due = _closed_case()
    caplog.set_level(logging.DEBUG)
    with FakeNotify() as fake:
        settings.NOTIFY_BACKEND = "govuk_notify"
        settings.GOVUK_NOTIFY_API_KEY = API_KEY
        settings.GOVUK_NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE_ID
        settings.GOVUK_NOTIFY_BASE_URL = fake.url
        response = _invite(client_for(kw), due, how="sms", mobile=MOBILE)
        follow = client_for(kw).get(reverse("voice:closures_waiting"))
    assert response.status_code == 302
    assert len(fake.sent_sms) == 1
    sent = fake.sent_sms[0]
    assert sent["phone_number"] == MOBILE_DIGITS and sent["template_id"] == SMS_TEMPLATE_ID
    assert re.search(r"/voice/feedback/[\w-]{30,}/$", sent["personalisation"]["link"])
    due.refresh_from_db()
    assert due.state == W.INVITED and due.invitation.channel == FeedbackInvitation.Channel.SMS
    # The number is in no table (the session's messages included) and no log line.
    assert _rows_holding("900982") == [] and _rows_holding("900 982") == []
    assert "900982" not in caplog.text and "900 982" not in caplog.text
    assert "900982" not in follow.content.decode()


def test_a_text_message_that_fails_makes_no_invitation(client_for, settings):
    _, kw, due = _closed_case()
    with FakeNotify() as fake:
        settings.NOTIFY_BACKEND = "govuk_notify"
        settings.GOVUK_NOTIFY_API_KEY = API_KEY
        settings.GOVUK_NOTIFY_SMS_TEMPLATE_ID = SMS_TEMPLATE_ID
        settings.GOVUK_NOTIFY_BASE_URL = fake.url
        fake.fail_next = True
        response = _invite(client_for(kw), due, how="sms", mobile=MOBILE)
    assert response.status_code == 400
    assert "The text message could not be sent" in response.content.decode()
    assert not FeedbackInvitation.objects.exists()
    due.refresh_from_db()
    assert due.state == W.WAITING


def test_a_mobile_number_that_is_not_one_is_refused(client_for):
    _, kw, due = _closed_case()
    response = _invite(client_for(kw), due, how="sms", mobile="01632 960001")
    assert response.status_code == 400 and "Enter a UK mobile number" in \
        response.content.decode()
    assert not sms.outbox and not FeedbackInvitation.objects.exists()


def test_without_notify_the_text_goes_to_the_outbox(client_for):
    _, kw, due = _closed_case()
    assert _invite(client_for(kw), due, how="sms", mobile="+44 7700 900982").status_code == 302
    assert [m["to"] for m in sms.outbox] == [MOBILE_DIGITS]


def test_the_family_declined(client_for):
    _, kw, due = _closed_case()
    response = client_for(kw).post(reverse("voice:closure_invite", args=[due.pk]),
                                   {"how": "declined"})
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.state == W.DECLINED and due.decided_by == kw
    assert not FeedbackInvitation.objects.exists()
    page = client_for(kw).get(reverse("voice:closure_invite", args=[due.pk])).content.decode()
    assert "The family declined" in page


def test_a_letter_shows_the_link_and_code_once_and_makes_a_pdf(client_for):
    _, kw, due = _closed_case()
    client = client_for(kw)
    response = _invite(client, due, how="letter")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    code = re.search(r'id="letter-code">([A-Z0-9]{5}-[A-Z0-9]{5})<', page).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    # The link printed is the invitation's own; the address to type the code at follows.
    assert re.search(rf'letter-link">[^<]*/voice/feedback/{re.escape(token)}/<', page)
    assert re.search(r'>[^<]*/voice/feedback/</span> and type this code', page)
    due.refresh_from_db()
    invitation = due.invitation
    assert due.state == W.INVITED and invitation.channel == FeedbackInvitation.Channel.LETTER
    # Only keyed hashes are kept; the page is not made again.
    assert code.replace("-", "") not in str(list(FeedbackInvitation.objects.values()))
    assert code not in client.get(reverse("voice:closure_invite", args=[due.pk])).content.decode()
    pdf = client.post(reverse("voice:closure_letter_pdf", args=[due.pk]),
                      {"token": token, "code": code})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    wrong = client.post(reverse("voice:closure_letter_pdf", args=[due.pk]),
                        {"token": token, "code": "AAAAA-AAAAA"})
    assert wrong.status_code == 400


def test_someone_with_nothing_to_do_with_the_case_cannot_invite(client_for):
    _, _, due = _closed_case()
    other = PersonFactory(roles=[Role.PRACTITIONER])
    assert client_for(other).get(
        reverse("voice:closure_invite", args=[due.pk])).status_code == 404
    assert client_for(other).post(reverse("voice:closure_invite", args=[due.pk]),
                                  {"how": "declined"}).status_code == 404
    due.refresh_from_db()
    assert due.state == W.WAITING


def test_feedback_link_days_sets_how_long_a_link_works():
    case = ClosedCaseFactory()
    _, token = services.feedback_invitation_create(case=case, question_set=family_set(),
                                                   actor=None)
    default = FeedbackInvitation.objects.get().expires_at - timezone.now()
    assert dt.timedelta(days=27, hours=23) < default <= dt.timedelta(days=28)
    framework_settings_set(values={"feedback_link_days": 7}, actor=None)
    invitation, _, _ = closures.feedback_invitation_letter(
        case=case, question_set=family_set(), actor=None)
    assert dt.timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() \
        <= dt.timedelta(days=7)


def test_an_open_case_waits_for_nothing():
    case = ClosedCaseFactory(status=Case.Status.OPEN, closed_on=None)
    assert closures.closures_scan(case_ids=[case.pk]) == 0


def test_the_home_page_tells_the_key_worker_how_many_families_to_invite(client_for):
    _, kw, due = _closed_case()
    _closed_case(key_worker=kw)
    page = client_for(kw).get(reverse("home")).content.decode()
    assert "2 closed cases waiting for the family to be invited to give feedback" in page
    assert reverse("voice:closures_waiting") in page
    other = PersonFactory(roles=[Role.PRACTITIONER])
    assert "waiting for the family to be invited" not in client_for(other).get(
        reverse("home")).content.decode()
    client_for(kw).post(reverse("voice:closure_invite", args=[due.pk]), {"how": "declined"})
    page = client_for(kw).get(reverse("home")).content.decode()
    assert "1 closed case waiting for the family to be invited to give feedback" in page


# --- The letter's short code, typed in by the family at /voice/feedback/ --------------------

ENTRY = "/voice/feedback/"


@pytest.fixture(autouse=True)
def _no_wrong_codes_counted():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _letter_code(client, due) -> str:  # type: ignore[no-untyped-def]
    page = _invite(client, due, how="letter").content.decode()
    return re.search(r'id="letter-code">([A-Z0-9]{5}-[A-Z0-9]{5})<', page).group(1)  # type: ignore[union-attr]


def test_the_family_types_the_code_from_the_letter_and_answers_once(client_for):
    case, kw, due = _closed_case()
    code = _letter_code(client_for(kw), due)
    assert reverse("voice:feedback_code") == ENTRY
    family = Client()  # no account
    page = family.get(ENTRY)
    assert page.status_code == 200 and "Type the code from the letter" in page.content.decode()
    typed = code.lower().replace("-", " ")  # as read off the paper
    questions = family.post(ENTRY, {"code": typed})
    text = questions.content.decode()
    assert questions.status_code == 200 and "Did your worker explain" in text
    assert case.reference not in text and case.child_identifier not in text
    # Answers missing: said so, nothing recorded, the code still works.
    missing = family.post(ENTRY, {"code": typed, "answering": "yes"})
    assert missing.status_code == 400 and "Answer this question" in missing.content.decode()
    assert not FeedbackResponse.objects.exists()
    done = family.post(ENTRY, {"code": typed, "answering": "yes", **ANSWERS})
    assert "Thank you for your feedback" in done.content.decode()
    response = FeedbackResponse.objects.get()
    due.refresh_from_db()
    assert response.invitation == due.invitation and response.case == case
    assert response.completed_by == FeedbackResponse.CompletedBy.FAMILY
    # Used once: the code opens nothing now, and a second answer records nothing.
    again = family.post(ENTRY, {"code": code})
    assert again.status_code == 400 and "The code is not right" in again.content.decode()
    family.post(ENTRY, {"code": code, "answering": "yes", **ANSWERS})
    assert FeedbackResponse.objects.count() == 1


def test_a_code_expires_with_the_link(client_for):
    start = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _, kw, due = _closed_case()
        code = _letter_code(client_for(kw), due)
    days = services.link_days()
    with time_machine.travel(start + dt.timedelta(days=days - 1), tick=False):
        assert Client().post(ENTRY, {"code": code}).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=days, seconds=1), tick=False):
        late = Client().post(ENTRY, {"code": code})
    assert late.status_code == 400 and "has expired" in late.content.decode()


def test_wrong_codes_are_refused_past_a_few(client_for):
    _, kw, due = _closed_case()
    code = _letter_code(client_for(kw), due)
    family = Client()
    for _ in range(closures.WRONG_CODES_ALLOWED):
        wrong = family.post(ENTRY, {"code": "ACDEF-GHJKM"})
        assert wrong.status_code == 400 and "The code is not right" in wrong.content.decode()
    # Even the right code waits now, from this address.
    locked = family.post(ENTRY, {"code": code})
    assert locked.status_code == 429 and "Too many wrong codes" in locked.content.decode()
    later = timezone.now() + dt.timedelta(seconds=closures.WRONG_CODES_WINDOW_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert family.post(ENTRY, {"code": code}).status_code == 200


def test_only_a_hash_of_the_code_is_kept_and_codes_avoid_look_alikes():
    code = closures.code_make()
    assert len(code) == closures.CODE_LENGTH
    assert not set(code) & set("01IL5S8BO")
    assert closures.code_hash(code) != closures.code_hash(closures.code_make())
    assert closures.code_normalise(f" {code[:5].lower()}-{code[5:]} ") == code
