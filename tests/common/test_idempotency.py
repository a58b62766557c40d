"""Create forms carry a one-off token (common.idempotency): the same form posted twice makes
one record, and the second post lands on that record's page with no error. The helper
itself is race-safe: two posts at once (two threads on PostgreSQL) make one record."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.models import ActionEvent, ActionPlan, ActionPlanReview, Finding
from auditloop.audits.forms import NewAuditForm
from auditloop.audits.models import Audit, AuditAction, FeedbackReply, ImmediateConcern
from auditloop.cases.models import Theme
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once, forget_tokens_before, new_token
from auditloop.common.models import UsedFormToken
from auditloop.people.roles import Role
from auditloop.programme.models import Cycle
from auditloop.standards.services import preset_apply
from tests.actions.factories import SMART, make_plan, strategic_lead
from tests.audits import test_feedback, test_immediate_concern
from tests.concurrency import run_together
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_action

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC)
frozen = test_feedback.frozen
six_areas = test_feedback.six_areas
world = test_immediate_concern.world


def _token(page) -> str:  # type: ignore[no-untyped-def]
    """The form's token, as the page shows it in its hidden field."""
    html = page.content.decode()
    found = re.search(r'name="form_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="form_token"', html)
    assert found, "the form has no hidden token"
    return found.group(1)


def _twice(client, url, data):  # type: ignore[no-untyped-def]
    first = client.post(url, data)
    second = client.post(url, data)
    errors = re.findall(r'<li><a href="#[^"]*">([^<]+)<', first.content.decode())
    assert first.status_code == 302, errors
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    after = client.get(second["Location"])
    assert after.status_code == 200
    assert "There is a problem" not in after.content.decode()
    return first["Location"]


# ---------------------------------------------------------------- the helper


def test_the_same_token_makes_one_record_and_returns_it_again():
    token = new_token()
    made, new = create_once(token, Theme, lambda: Theme.objects.create(name="Neglect"))
    again, new_again = create_once(token, Theme, lambda: Theme.objects.create(name="Twice"))
    assert (new, new_again) == (True, False)
    assert again == made
    assert list(Theme.objects.values_list("name", flat=True)) == ["Neglect"]
    # A new form (a new token) makes a new record, and no token at all always makes one.
    create_once(new_token(), Theme, lambda: Theme.objects.create(name="Second"))
    create_once("", Theme, lambda: Theme.objects.create(name="Third"))
    create_once("", Theme, lambda: Theme.objects.create(name="Fourth"))
    assert Theme.objects.count() == 4


def test_a_refused_post_leaves_its_token_free_for_the_corrected_form():
    token = new_token()

    def refuse() -> Theme:
        raise DomainError("Enter a name.")

    with pytest.raises(DomainError):
        create_once(token, Theme, refuse)
    assert not UsedFormToken.objects.exists()
    made, new = create_once(token, Theme, lambda: Theme.objects.create(name="Neglect"))
    assert new and Theme.objects.get() == made


def test_a_token_whose_record_was_deleted_makes_a_new_one():
    token = new_token()
    made, _ = create_once(token, Theme, lambda: Theme.objects.create(name="Neglect"))
    made.delete()
    again, new = create_once(token, Theme, lambda: Theme.objects.create(name="Neglect"))
    assert new and Theme.objects.get() == again


@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_make_one_record():
    token = new_token()

    def post() -> int:
        made, _ = create_once(token, Theme, lambda: Theme.objects.create(name="Neglect"))
        return made.pk

    first, second = run_together([post, post])
    assert first == second
    assert Theme.objects.count() == 1


def test_old_tokens_are_forgotten():
    with time_machine.travel(NOW - dt.timedelta(days=30)):
        create_once(new_token(), Theme, lambda: Theme.objects.create(name="Old"))
    create_once(new_token(), Theme, lambda: Theme.objects.create(name="New"))
    assert forget_tokens_before(NOW - dt.timedelta(days=7)) == 1
    assert UsedFormToken.objects.count() == 1


# ---------------------------------------------------------------- the create forms


@pytest.fixture
def _now():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def test_create_an_audit_twice(client_for, _now):
    preset_apply(key="002-six-key-areas")
    auditor = PersonFactory(roles=[Role.AUDITOR])
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    case = CaseFactory(reference="C777001")
    url = reverse("audits:audit_new")
    tool = NewAuditForm().fields["tool"].choices[0][0]  # type: ignore[attr-defined]
    data = {"form_token": _token(client.get(url)), "reference": case.reference, "tool": tool,
            "kind": Audit.Kind.REQUESTED, "first_auditor": auditor.pk, "due_day": "30",
            "due_month": "6", "due_year": "2026", "reason": "Asked for by the service"}
    location = _twice(client, url, data)
    audit = Audit.objects.get()
    assert location == reverse("audits:audit_detail", args=[audit.pk])


def test_reply_to_an_audit_twice(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=Audit.Status.FEEDBACK_SENT)
    client = client_for(w.kw)
    url = reverse("audits:reply_new", args=[w.audit.pk])
    token = _token(client.get(reverse("audits:feedback", args=[w.audit.pk])))
    _twice(client, url, {"form_token": token, "agrees": "yes",
                         "comments": "I will update the chronology"})
    assert FeedbackReply.objects.count() == 1


def test_comment_on_an_action_twice(client_for, _now):
    owner = PersonFactory(roles=[Role.PRACTITIONER])
    action = make_action(owner=owner)
    client = client_for(owner)
    token = _token(client.get(reverse("actions:action_detail", args=[action.pk])))
    _twice(client, reverse("actions:action_comment", args=[action.pk]),
           {"form_token": token, "text": "Booked for Tuesday"})
    assert ActionEvent.objects.filter(kind="comment").count() == 1


def test_make_an_action_plan_add_an_action_and_record_a_finding_twice(client_for, _now):
    lead = strategic_lead()
    client = client_for(lead)
    url = reverse("actions:plan_new")
    data = {"form_token": _token(client.get(url)), "title": "Chronologies",
            "recommendation": "Keep them current", "source": "thematic_audit",
            "source_label": "Thematic audit of neglect", "strategic_lead": lead.pk}
    location = _twice(client, url, data)
    plan = ActionPlan.objects.get()
    assert location == reverse("actions:plan_detail", args=[plan.pk])

    plan = make_plan(lead=lead, title="Oversight")
    url = reverse("actions:plan_action_new", args=[plan.pk])
    _twice(client, url, {**SMART, "form_token": _token(client.get(url)), "owner": lead.pk,
                         "due_on": "2026-09-30"})
    assert plan.action_links.count() == 1

    url = reverse("actions:finding_new")
    _twice(client, url, {"form_token": _token(client.get(url)), "text": "Unsure of the GCP",
                         "tags": ["training_need"], "source": "thematic_audit",
                         "source_label": "Thematic audit of neglect"})
    assert Finding.objects.count() == 1


def test_create_a_cycle_twice(client_for, _now):
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    url = reverse("programme:cycle_new")
    location = _twice(client, url, {"form_token": _token(client.get(url)), "year": 2026,
                                    "number": 6, "theme": ""})
    cycle = Cycle.objects.get()
    assert location == reverse("programme:cycle_detail", args=[cycle.pk])


def test_record_a_plan_review_twice(client_for, _now):
    from tests.actions.test_action_plans import cadence

    cadence(3)
    plan = make_plan()
    qa = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))
    url = reverse("actions:plan_review_new", args=[plan.pk])
    location = _twice(qa, url, {"form_token": _token(qa.get(url)), "reviewed_on": "2026-06-03",
                                "rag": "amber", "progress": "Two teams of three",
                                "changes": "Audits show oversight on 6 of 10 files"})
    assert location == reverse("actions:plan_detail", args=[plan.pk])
    assert ActionPlanReview.objects.count() == 1


def test_propose_an_action_in_reply_twice(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=Audit.Status.FEEDBACK_SENT)
    client = client_for(w.kw)
    url = reverse("audits:reply_action_new", args=[w.audit.pk])
    _twice(client, url, {**test_feedback.action_data(), "form_token": _token(client.get(url))})
    assert AuditAction.objects.filter(audit=w.audit).count() == 1


def test_set_up_a_calibration_exercise_twice(client_for, _now):
    from auditloop.audits.selectors import case_audit_tool_versions
    from auditloop.moderation.models import CalibrationExercise

    preset_apply(key="002-six-key-areas")
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    auditor = PersonFactory(roles=[Role.AUDITOR])
    url = reverse("moderation:calibration_new")
    location = _twice(qa, url, {
        "form_token": _token(qa.get(url)), "title": "Neglect",
        "tool_version": case_audit_tool_versions()[0].pk, "vignette": "A family of four",
        "participants": [auditor.pk]})
    exercise = CalibrationExercise.objects.get()
    assert location == reverse("moderation:calibration_results", args=[exercise.pk])


def test_raise_an_immediate_concern_twice(world, client_for):
    client = client_for(world.auditor)
    url = test_immediate_concern.new_url(world.audit)
    location = _twice(client, url, {**test_immediate_concern.form_data(told_at="08:15"),
                                    "form_token": _token(client.get(url))})
    concern = ImmediateConcern.objects.get()
    assert location == reverse("audits:concern_detail", args=[concern.pk])


def test_schedule_a_framework_change_twice(role_client):
    from auditloop.standards.models import ScheduledSettingChange

    url = reverse("standards:scheduled_change_new") + "?setting=audit_notice_days"
    with time_machine.travel(dt.datetime(2022, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        client, _ = role_client(Role.QA_MANAGER)
        location = _twice(client, url, {
            "form_token": _token(client.get(url)), "effective_on": "2022-12-01", "value": "7",
            "reason": "A week's notice"})
    assert location == reverse("standards:framework") + "#scheduled"
    assert ScheduledSettingChange.objects.count() == 1
