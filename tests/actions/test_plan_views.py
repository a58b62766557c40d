"""The action plan and findings pages: who may open each, wrong methods, wrong states,
double posts, exports that no spreadsheet runs as formulas, and pinned query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.models import Action, ActionPlan, ActionPlanReview, Finding
from auditloop.actions.services import action_plan_close
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from tests.actions.factories import (
    SMART,
    add_plan_action,
    make_finding,
    make_plan,
    strategic_lead,
)
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, *args: object) -> str:
    return reverse(f"actions:{name}", args=args)


def plan_form(**overrides: str) -> dict[str, str]:
    return {"form_token": "a" * 32, "title": "Chronologies", "recommendation": "Keep them current",
            "source": "thematic_audit", "source_label": "Thematic audit of neglect",
            "theme": "Neglect", **overrides}


def action_form(owner, **overrides: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {**SMART, "owner": owner.pk, "due_on": "2026-09-30", **overrides}


# ---------------------------------------------------------------- the list


def test_the_list_shows_plans_to_readers_and_refuses_practitioners(client_for):
    plan = make_plan()
    for role in (Role.SENIOR_LEADER, Role.STRATEGIC_LEAD, Role.HEAD_OF_QA, Role.DIRECTOR):
        response = client_for(PersonFactory(roles=[role])).get(url("plan_list"))
        assert response.status_code == 200 and plan.title in response.content.decode()
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).get(
        url("plan_list")).status_code == 403
    assert client_for(PersonFactory(roles=[Role.QA_MANAGER])).post(
        url("plan_list")).status_code == 405


def test_the_list_filters_by_status_lead_source_and_overdue_review(client_for):
    lead = strategic_lead()
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        from tests.actions.test_action_plans import cadence

        cadence(3)
        late = make_plan(title="Late review", lead=lead)
    mine = make_plan(title="Mine", lead=lead, source="moderation")
    other = make_plan(title="Someone else's")
    closed = make_plan(title="Finished")
    action_plan_close(plan=closed, actor=closed.lead_rows.get().person, summary="Done")
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))

    def titles(**query: object) -> set[str]:
        response = client.get(url("plan_list"), query)
        assert response.status_code == 200
        return {p.title for p in response.context["plans"]}

    assert titles() == {late.title, mine.title, other.title, closed.title}
    assert titles(status="closed") == {closed.title}
    assert titles(lead=lead.pk) == {late.title, mine.title}
    assert titles(source="moderation") == {mine.title}
    assert titles(overdue="yes") == {late.title}
    # A lead who no longer leads anything drops that filter only.
    assert titles(lead=999999, status="closed") == {closed.title}
    assert "Overdue" in client.get(url("plan_list")).content.decode()


def test_the_list_query_count_does_not_grow_with_plans_and_actions(
        client_for, django_assert_max_num_queries):
    client = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))

    def grow(n: int) -> None:
        for i in range(n):
            plan = make_plan(title=f"Plan {ActionPlan.objects.count()} {i}")
            for j in range(3):
                add_plan_action(plan, action=f"Action {j}", owner=PersonFactory())
            ActionPlanReview.objects.create(plan=plan, reviewed_by=PersonFactory(),
                                            reviewed_on=dt.date(2026, 6, 1), rag="amber",
                                            progress="Going")

    grow(2)
    client.get(url("plan_list"))  # warm the session and settings caches
    with django_assert_max_num_queries(13) as few:  # +1: the session's own row (people.UserSession)
        client.get(url("plan_list"))
    grow(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("plan_list"))
    assert len(response.context["plans"]) == 10


# ---------------------------------------------------------------- making a plan


def test_a_strategic_lead_makes_a_plan_and_a_repeated_post_makes_no_second(client_for):
    lead = strategic_lead()
    client = client_for(lead)
    assert client.get(url("plan_new")).status_code == 200
    data = plan_form(strategic_lead=str(lead.pk))
    first = client.post(url("plan_new"), data)
    plan = ActionPlan.objects.get()
    assert first.status_code == 302 and first["Location"] == url("plan_detail", plan.pk)
    again = client.post(url("plan_new"), data)
    assert again["Location"] == url("plan_detail", plan.pk)
    assert ActionPlan.objects.count() == 1
    # A fresh form (a new token) is a new plan, as the user asked for one.
    client.post(url("plan_new"), {**data, "form_token": "b" * 32})
    assert ActionPlan.objects.count() == 2


def test_the_new_plan_form_says_what_is_missing(client_for):
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    response = client.post(url("plan_new"), plan_form(title="",
                                                      strategic_lead=str(PersonFactory().pk)))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter a title for the plan" in body and "Choose a strategic lead from the list" in body
    assert not ActionPlan.objects.exists()


def test_the_new_plan_form_offers_only_those_who_may_lead(client_for):
    lead, tm = strategic_lead(), PersonFactory(roles=[Role.TEAM_MANAGER])
    form = client_for(lead).get(url("plan_new")).context["form"]
    offered = set(form.fields["strategic_lead"].queryset)
    assert lead in offered and tm not in offered


def test_practitioners_and_senior_leaders_cannot_make_plans(client_for):
    for role in (Role.PRACTITIONER, Role.SENIOR_LEADER):
        assert client_for(PersonFactory(roles=[role])).get(url("plan_new")).status_code == 403
    assert client_for(strategic_lead()).put(url("plan_new")).status_code == 405


# ---------------------------------------------------------------- the plan's page


def test_the_plan_page_shows_the_recommendation_actions_reviews_and_lead_history(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    action = add_plan_action(plan, owner=PersonFactory(roles=[Role.TEAM_MANAGER]))
    client = client_for(lead)
    response = client.get(url("plan_detail", plan.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert plan.recommendation in body and url("action_detail", action.pk) in body
    assert "Red: not started" in body and "Add an action" in body
    assert "Record a review" not in body  # the lead does not review their own plan
    assert f"{lead.full_name}, from" in body
    assert client.post(url("plan_detail", plan.pk)).status_code == 405
    action_page = client.get(url("action_detail", action.pk)).content.decode()
    assert "Part of the action plan" in action_page and url("plan_detail", plan.pk) in action_page


def test_the_owner_of_a_plan_action_sees_the_plan_and_a_stranger_does_not(client_for):
    plan = make_plan()
    owner = PersonFactory(roles=[Role.TEAM_MANAGER])
    add_plan_action(plan, owner=owner)
    assert client_for(owner).get(url("plan_detail", plan.pk)).status_code == 200
    stranger = PersonFactory(roles=[Role.TEAM_MANAGER])
    assert client_for(stranger).get(url("plan_detail", plan.pk)).status_code == 404
    assert client_for(stranger).get(url("plan_detail", 999999)).status_code == 404


# ---------------------------------------------------------------- adding an action


def test_the_lead_adds_an_action_and_a_double_post_adds_one(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    client = client_for(lead)
    assert client.get(url("plan_action_new", plan.pk)).status_code == 200
    owner = PersonFactory(roles=[Role.TEAM_MANAGER])
    for _ in range(2):
        response = client.post(url("plan_action_new", plan.pk), action_form(owner))
        assert response.status_code == 302
    action = Action.objects.get()
    assert action.plan_link.plan == plan and action.sign_off_person == lead


def test_an_action_missing_a_smart_part_is_refused_with_what_to_do(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    response = client_for(lead).post(url("plan_action_new", plan.pk),
                                     action_form(lead, success_measure="", due_on="2026-05-01"))
    body = response.content.decode()
    assert response.status_code == 400 and "Say how you will know it has worked" in body
    response = client_for(lead).post(url("plan_action_new", plan.pk),
                                     action_form(lead, due_on="2026-05-01"))
    assert response.status_code == 400 and "today or later" in response.content.decode()
    assert not Action.objects.exists()


def test_another_strategic_lead_reads_the_plan_but_cannot_add_to_it(client_for):
    plan = make_plan()
    client = client_for(strategic_lead())
    assert client.get(url("plan_detail", plan.pk)).status_code == 200
    assert client.get(url("plan_action_new", plan.pk)).status_code == 403
    assert client.post(url("plan_action_new", plan.pk),
                       action_form(PersonFactory())).status_code == 403
    assert client.delete(url("plan_action_new", plan.pk)).status_code == 405


def test_a_closed_plan_sends_its_forms_back_to_the_plan(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    action_plan_close(plan=plan, actor=lead, summary="Done")
    client = client_for(lead)
    for name in ("plan_action_new", "plan_lead_change", "plan_close"):
        response = client.get(url(name, plan.pk))
        assert response.status_code == 302 and response["Location"] == url("plan_detail",
                                                                           plan.pk)
    response = client.post(url("plan_action_new", plan.pk), action_form(lead))
    assert response.status_code == 400 and "closed" in response.content.decode()
    response = client.post(url("plan_close", plan.pk), {"summary": "Again"})
    assert response.status_code == 400
    qa = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))
    assert qa.get(url("plan_review_new", plan.pk)).status_code == 302
    response = qa.post(url("plan_review_new", plan.pk),
                       {"reviewed_on": "2026-06-01", "rag": "green", "progress": "Done"})
    assert response.status_code == 400 and "closed" in response.content.decode()


# ---------------------------------------------------------------- reviews


def test_the_strategic_lead_for_qa_records_a_review(client_for):
    from tests.actions.test_action_plans import cadence

    cadence(3)
    plan = make_plan()
    qa = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))
    page = qa.get(url("plan_review_new", plan.pk))
    assert page.status_code == 200 and "3 months" in page.content.decode()
    response = qa.post(url("plan_review_new", plan.pk), {
        "reviewed_on": "2026-06-01", "rag": "amber", "progress": "Two teams of three",
        "changes": "Audits show oversight on 6 of 10 files"}, follow=True)
    assert "The next review is on 1 September 2026" in response.content.decode()
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2026, 9, 1)
    again = qa.post(url("plan_review_new", plan.pk), {
        "reviewed_on": "2026-06-01", "rag": "amber", "progress": "Two teams of three"})
    assert again.status_code == 400 and "already has a review" in again.content.decode()
    assert ActionPlanReview.objects.count() == 1


def test_the_plans_lead_and_readers_cannot_record_a_review(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    for person in (lead, PersonFactory(roles=[Role.DIRECTOR])):
        assert client_for(person).get(url("plan_review_new", plan.pk)).status_code == 403
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).get(
        url("plan_review_new", plan.pk)).status_code == 404
    assert client_for(PersonFactory(roles=[Role.HEAD_OF_QA])).patch(
        url("plan_review_new", plan.pk)).status_code == 405


# ---------------------------------------------------------------- lead and closing


def test_the_qa_team_hands_a_plan_to_another_lead(client_for):
    plan = make_plan()
    new = strategic_lead()
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    assert client.get(url("plan_lead_change", plan.pk)).status_code == 200
    response = client.post(url("plan_lead_change", plan.pk), {"lead": new.pk, "note": ""})
    assert response.status_code == 302
    assert plan.lead_rows.get(ended_at__isnull=True).person == new
    bad = client.post(url("plan_lead_change", plan.pk), {"lead": PersonFactory().pk})
    assert bad.status_code == 400
    assert client_for(strategic_lead()).get(url("plan_lead_change", plan.pk)).status_code == 403
    assert client.put(url("plan_lead_change", plan.pk)).status_code == 405


def test_closing_a_plan_with_open_actions_asks_why(client_for):
    lead = strategic_lead()
    plan = make_plan(lead=lead)
    add_plan_action(plan)
    client = client_for(lead)
    page = client.get(url("plan_close", plan.pk))
    assert "1 of its actions is not signed off" in page.content.decode()
    response = client.post(url("plan_close", plan.pk), {"summary": "Mostly done"})
    assert response.status_code == 400 and "say why" in response.content.decode()
    response = client.post(url("plan_close", plan.pk), {
        "summary": "Mostly done", "open_actions_reason": "Moved to the service plan"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.CLOSED
    assert "Moved to the service plan" in client.get(url("plan_detail", plan.pk)).content.decode()
    assert client_for(strategic_lead()).get(url("plan_close", plan.pk)).status_code == 403
    assert client.put(url("plan_close", plan.pk)).status_code == 405


# ---------------------------------------------------------------- findings


def finding_form(**overrides: object) -> dict[str, object]:
    return {"form_token": "c" * 32, "text": "Workers are unsure of the graded care profile",
            "tags": ["training_need", "policy"], "source": "qa_meeting",
            "source_label": "QA meeting, June 2026", "theme": "Neglect", "plan": "",
            **overrides}


def test_the_qa_team_records_a_finding_once_however_often_it_is_posted(client_for):
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    page = client.get(url("finding_new") + "?tag=policy")
    assert page.status_code == 200 and "Write about practice, not people" in page.content.decode()
    for _ in range(2):
        response = client.post(url("finding_new"), finding_form())
        assert response.status_code == 302
        assert response["Location"] == url("finding_list", "policy")
    finding = Finding.objects.get()
    assert finding.tag_values == ["policy", "training_need"]


def test_a_finding_naming_a_case_is_refused_on_the_form(client_for):
    case = CaseFactory()
    client = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))
    response = client.post(url("finding_new"),
                           finding_form(text=f"Case {case.reference} had no plan"))
    assert response.status_code == 400
    assert "Take out the case reference" in response.content.decode()
    response = client.post(url("finding_new"), finding_form(tags=[]))
    assert response.status_code == 400 and "Choose at least one kind" in response.content.decode()
    assert not Finding.objects.exists()


def test_readers_cannot_record_findings(client_for):
    for role in (Role.SENIOR_LEADER, Role.PRACTITIONER):
        client = client_for(PersonFactory(roles=[role]))
        assert client.get(url("finding_new")).status_code == 403
        assert client.post(url("finding_new"), finding_form()).status_code == 403
    assert client_for(strategic_lead()).delete(url("finding_new")).status_code == 405


def test_a_page_per_kind_of_finding_with_filters(client_for):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        make_finding(text="Old neglect need", theme="Neglect")
    make_finding(text="New abuse need", theme="Domestic abuse")
    make_finding(text="A policy issue", tags=["policy"])
    client = client_for(PersonFactory(roles=[Role.SENIOR_LEADER]))
    body = client.get(url("finding_list", "training_need")).content.decode()
    assert "Old neglect need" in body and "New abuse need" in body
    assert "A policy issue" not in body and "feeds the Training and Development Plan" in body
    assert body.index("New abuse need") < body.index("Old neglect need")
    body = client.get(url("finding_list", "training_need"), {"theme": "Neglect"}).content.decode()
    assert "Old neglect need" in body and "New abuse need" not in body
    body = client.get(url("finding_list", "training_need"),
                      {"since": "2026-04-01"}).content.decode()
    assert "Old neglect need" not in body and "New abuse need" in body
    bad = client.get(url("finding_list", "training_need"),
                     {"since": "2026-05-01", "until": "2026-04-01"})
    assert "on or after the start date" in bad.content.decode()
    assert client.get(url("finding_list", "gossip")).status_code == 404
    assert client.post(url("finding_list", "policy")).status_code == 405
    assert client_for(PersonFactory(roles=[Role.TEAM_MANAGER])).get(
        url("finding_list", "policy")).status_code == 403


def test_the_findings_page_query_count_does_not_grow(client_for,
                                                     django_assert_max_num_queries):
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    plan = make_plan()
    for i in range(3):
        make_finding(text=f"Need {i}", plan=plan, tags=["training_need", "supervision"])
    client.get(url("finding_list", "training_need"))
    with django_assert_max_num_queries(12) as few:
        client.get(url("finding_list", "training_need"))
    for i in range(20):
        make_finding(text=f"More {i}", plan=make_plan(title=f"P{i}"),
                     tags=["training_need", "policy"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("finding_list", "training_need"))
    assert len(response.context["findings"]) == 23


# ---------------------------------------------------------------- the training needs export


DANGEROUS = "=HYPERLINK(\"http://evil.example\",\"Click\")"
REASON = {"reason": "Planning the training programme"}


def test_the_training_needs_csv_is_formula_safe_and_logged(client_for):
    make_finding(text=DANGEROUS, theme="+Neglect", source_label="@meeting")
    make_finding(text="Not a training need", tags=["policy"])
    person = PersonFactory(roles=[Role.SENIOR_LEADER])
    response = client_for(person).post(url("findings_export", "training_need", "csv"), REASON)
    assert response.status_code == 200
    assert 'filename="findings-training-need-2026-06-01.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Recorded on", "Finding", "Kinds"]
    assert len(rows) == 4 and rows[2] == []  # a blank line, then who exported it and when
    assert rows[3][0].startswith("Exported by ") and rows[3][0].endswith(" on 1 June 2026 at 10:00")
    assert rows[1][1] == "'" + DANGEROUS and rows[1][3] == "'+Neglect"
    assert rows[1][5] == "'@meeting"
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id) == (
        person.user, AccessLog.Action.EXPORT, "findings", "training_need")
    assert log.reason == "Planning the training programme"


def test_the_findings_export_asks_why_before_the_file(client_for):
    make_finding(text="A training need")
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    asked = client.get(url("findings_export", "training_need", "xlsx"))
    assert asked.status_code == 200 and "Why are you exporting this?" in asked.content.decode()
    assert "Content-Disposition" not in asked
    assert client.post(url("findings_export", "training_need", "xlsx")).status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_training_needs_xlsx_holds_text_not_formulas(client_for):
    from openpyxl import load_workbook

    make_finding(text=DANGEROUS)
    response = client_for(PersonFactory(roles=[Role.HEAD_OF_QA])).post(
        url("findings_export", "training_need", "xlsx"), REASON)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == "'" + DANGEROUS
    assert sheet.title == "Training need"


def test_the_export_follows_the_filters_and_refuses_others(client_for):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        make_finding(text="Old")
    make_finding(text="New")
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    body = client.post(url("findings_export", "training_need", "csv") + "?since=2026-04-01",
                       REASON).content.decode("utf-8-sig")
    assert "New" in body and "Old" not in body
    assert client.get(url("findings_export", "training_need", "pdf")).status_code == 404
    assert client.put(url("findings_export", "training_need", "csv")).status_code == 405
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).post(
        url("findings_export", "training_need", "csv")).status_code == 403
    assert not AccessLog.objects.filter(object_id="gossip").exists()
