"""Submitting an audit: what its tool version requires and nothing else, errors the GOV.UK
way, what a submitted audit records, a double press that changes nothing, and one auditor of
a pair completing alone (001 2.19)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import services
from auditloop.audits.models import Audit, AuditAssignment
from auditloop.audits.services import SubmitProblems
from auditloop.audits.submission import Sheet
from auditloop.cases.models import Case
from auditloop.common.errors import DomainError, WorkflowError
from tests.audits.test_audit_page import every_answer_audit
from tests.factories import (
    AbsenceFactory,
    CaseFactory,
    PersonFactory,
    complete_audit,
    make_audit,
)

pytestmark = pytest.mark.django_db
S = Audit.Status


@pytest.fixture
def auditor(person_with_role):  # type: ignore[no-untyped-def]
    return person_with_role("auditor")


def problems_of(audit: Audit) -> list[str]:
    return [p.message for p in Sheet.for_audit(audit).problems()]


def fields_of(audit: Audit) -> list[str]:
    return [p.field for p in Sheet.for_audit(audit).problems()]


def save(audit: Audit, actor, section: str, key: str, value, comment: str = "", item: int = 0):  # type: ignore[no-untyped-def]
    return services.answer_save(audit=audit, actor=actor, section_key=section, item=item,
                                question_key=key, value=value, comment=comment,
                                seen_revision=None, overwrite=True)


# What submitting records -----------------------------------------------------------------


def test_submitting_records_the_grades_the_impact_and_who(auditor):
    audit = make_audit(auditors=[auditor], tool_key="000-eha-quality-standards")
    complete_audit(audit, auditor, grade="good", impact=7)
    save(audit, auditor, "__overall__", "__evidence__", "Strong work with the family")
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        services.audit_submit(audit=audit, actor=auditor)
    audit.refresh_from_db()
    assert audit.status == S.SUBMITTED
    assert audit.submitted_by == auditor
    assert audit.submitted_at == dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
    assert (audit.overall_grade, audit.final_grade) == ("good", "good")
    assert audit.overall_reason == "Strong work with the family"
    assert audit.impact_score == 7  # 000: the impact of the work, scaled out of 10
    assert audit.completed_alone_reason == ""
    done = audit.transitions.get(to_status=S.SUBMITTED)
    assert (done.from_status, done.actor) == (S.IN_PROGRESS, auditor)


def test_submitting_calls_what_follows_by_the_framework(auditor):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor)
    with mock.patch("auditloop.audits.escalations.on_submit") as on_submit:
        services.audit_submit(audit=audit, actor=auditor)
    on_submit.assert_called_once()
    assert on_submit.call_args.kwargs["actor"] == auditor
    assert on_submit.call_args.kwargs["audit"].status == S.SUBMITTED


def test_a_second_press_of_submit_changes_nothing(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor)
    client = client_for(auditor)
    url = reverse("audits:audit_submit", args=[audit.pk])
    with mock.patch("auditloop.audits.escalations.on_submit") as on_submit:
        first = client.post(url)
        second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("audits:audit_detail", args=[audit.pk])
    assert on_submit.call_count == 1
    assert audit.transitions.filter(to_status=S.SUBMITTED).count() == 1


def test_a_reason_for_the_overall_grade_is_kept_with_the_rule_it_answers(auditor):
    audit = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    complete_audit(audit, auditor, grade="requires_improvement", overall="good")
    save(audit, auditor, "__overall__", "__reason__", "The latest work turned the case round")
    services.audit_submit(audit=audit, actor=auditor)
    audit.refresh_from_db()
    assert audit.overall_grade == "good"
    assert audit.overall_reason == (
        "The evidence for the overall grade\n\nWhy the overall grade is better than every "
        "section grade: The latest work turned the case round")


# Each rule of the tool ------------------------------------------------------------------


def test_every_graded_section_needs_a_grade(auditor):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor, skip=("assessment.0.__grade__",))
    assert problems_of(audit) == ["Select a grade for section 3: Assessment"]
    with pytest.raises(SubmitProblems):
        services.audit_submit(audit=audit, actor=auditor)
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS and audit.submitted_at is None


def test_evidence_is_needed_only_where_the_tool_requires_it(auditor):
    # 001: evidence comments in every domain.
    audit_001 = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    complete_audit(audit_001, auditor, skip=("planning.0.__evidence__",))
    assert problems_of(audit_001) == ["Enter the evidence for “Planning”"]
    # 002: evidence is optional.
    audit_002 = make_audit(auditors=[auditor])
    complete_audit(audit_002, auditor, skip=("assessment.0.__evidence__",))
    assert problems_of(audit_002) == []


def test_required_questions_need_an_answer_and_optional_ones_do_not(auditor):
    audit = every_answer_audit([auditor])
    complete_audit(audit, auditor, skip=("answers.0.choice_q", "answers.0.multi_q",
                                         "answers.0.text_q", "answers.0.date_q"))
    assert problems_of(audit) == [
        "Enter a date for 1e (Date of the last review)",
        "Select an answer for 1f (Who was contacted?)",
        "Enter an answer for 1h (Summary of the file)",
    ]
    assert "answers.0.multi_q" not in fields_of(audit)  # required: no


def test_003_every_comment_box_must_be_completed(auditor):
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit")
    complete_audit(audit, auditor)
    save(audit, auditor, "taf", "challenge", "yes", comment="")
    save(audit, auditor, "assessment", "risk_urf", ["poverty"], comment="")  # optional box
    assert problems_of(audit) == [
        "Enter a comment for 4d (Where no progress is demonstrated, is there sufficient "
        "evidence of...)"]
    assert fields_of(audit) == ["taf.0.challenge-comment"]


def test_a_section_that_does_not_apply_asks_nothing(auditor):
    # 003's step-down questions: only for a case that stepped down.
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit",
                       case=CaseFactory())
    complete_audit(audit, auditor)
    assert problems_of(audit) == []
    Case.objects.filter(pk=audit.case_id).update(step=Case.Step.STEP_DOWN)
    audit.refresh_from_db()
    assert "Select an answer for 2a (Evidence of unmet needs)" in problems_of(audit)


def test_a_section_the_auditor_decides_on_needs_the_decision(auditor):
    audit = make_audit(auditors=[auditor])  # 002: the team manager conversation
    complete_audit(audit, auditor)
    save(audit, auditor, "team_manager_conversation", "__applies__", None)
    assert problems_of(audit) == [
        "Select whether “Conversation with the Team Manager” applies to this case"]
    save(audit, auditor, "team_manager_conversation", "__applies__", "no")
    save(audit, auditor, "team_manager_conversation", "views", None)
    assert problems_of(audit) == []


def test_a_question_asked_only_for_some_answers(auditor):
    audit = make_audit(auditors=[auditor])  # 002: the reason only when the family declined
    complete_audit(audit, auditor, skip=("family_feedback.0.declined_reason",))
    assert problems_of(audit) == []
    save(audit, auditor, "family_feedback", "engagement", "declined")
    save(audit, auditor, "family_feedback", "views", None)  # asked only when engaged
    assert problems_of(audit) == [
        "Enter an answer for “Reason given for declining to engage”"]


def test_each_child_of_the_family_is_answered_for(auditor):
    case = CaseFactory(family_identifier="FAM9")
    CaseFactory(family_identifier="FAM9")
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit", case=case,
                       covers_family=True)
    complete_audit(audit, auditor, skip=("each_child.1.voice",))
    question = "3g (This child's voice is clearly evidenced and has been taken into acc...)"
    assert problems_of(audit) == [f"Select an answer for {question} for child 2",
                                  f"Enter a comment for {question} for child 2"]
    assert fields_of(audit) == ["each_child.1.voice", "each_child.1.voice-comment"]


def test_only_the_actions_added_are_asked_for(auditor):
    audit = make_audit(auditors=[auditor], tool_key="003-tier-2-caf-toolkit")
    complete_audit(audit, auditor)
    assert problems_of(audit) == []  # no remedial action is needed
    item = services.repeat_item_add(audit=audit, actor=auditor, section_key="remedial_action")
    assert "Enter an answer for “Issue” for action 1" in problems_of(audit)
    services.repeat_item_remove(audit=audit, actor=auditor, section_key="remedial_action",
                                item=item)
    assert problems_of(audit) == []


def test_the_overall_grade_is_needed(auditor):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor, skip=("__overall__.0.__grade__",))
    assert problems_of(audit) == ["Select the impact and overall outcome"]


def test_the_impact_score_is_needed_where_the_tool_has_one(auditor):
    audit = make_audit(auditors=[auditor], tool_key="000-eha-quality-standards")
    complete_audit(audit, auditor, skip=("impact.0.impact_scale",))
    assert problems_of(audit) == [
        "Enter a number for “The impact of the work undertaken, scaled out of 10”",
        "Enter a comment for “The impact of the work undertaken, scaled out of 10”"]
    # Even where the tool marks the score optional, a tool with one needs it.
    every = every_answer_audit([auditor])
    complete_audit(every, auditor, skip=("impact.0.score",))
    assert fields_of(every) == ["impact.0.score"]


def test_001_an_overall_grade_better_than_every_domain_needs_a_reason(auditor):
    audit = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    complete_audit(audit, auditor, grade="requires_improvement", overall="good")
    assert problems_of(audit) == [
        "Enter why the overall grade is better than every section grade"]
    assert fields_of(audit) == ["__overall__.0.__reason__"]
    # As good as the best domain: no reason needed.
    save(audit, auditor, "safety", "__grade__", "good")
    assert problems_of(audit) == []


def test_a_narrative_or_worse_overall_grade_needs_no_reason_under_001(auditor):
    audit = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    complete_audit(audit, auditor, grade="good", overall="inadequate")
    assert problems_of(audit) == []


def test_002_suggests_the_median_of_the_six_areas(auditor):
    audit = make_audit(auditors=[auditor])
    grades = ["outstanding", "good", "good", "requires_improvement", "inadequate",
              "inadequate"]
    keys = ["help_protection_stability", "recording_communication", "assessment",
            "relationship_direct_work", "multi_agency", "supervision_oversight"]
    for key, grade in zip(keys, grades, strict=True):
        save(audit, auditor, key, "__grade__", grade)
    # An even count: the lower of the two middle grades.
    assert Sheet.for_audit(audit).suggested_grade() == "requires_improvement"
    save(audit, auditor, "supervision_oversight", "__grade__", "good")
    assert Sheet.for_audit(audit).suggested_grade() == "good"


# The check page and the submit button -----------------------------------------------------


def test_check_page_lists_what_is_left_to_do_with_links(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor, skip=("assessment.0.__grade__",))
    page = client_for(auditor).get(reverse("audits:audit_check", args=[audit.pk])) \
        .content.decode()
    section = reverse("audits:audit_section", args=[audit.pk, "assessment"])
    assert f'<a class="govuk-link" href="{section}#assessment.0.__grade__">Select a grade ' \
           "for section 3: Assessment</a>" in page
    assert "1 thing still to do before you can submit." in page
    assert "<title>Error:" not in page
    assert "Submit the audit" in page


def test_submitting_too_soon_shows_errors_the_gov_uk_way(auditor, client_for):
    audit = make_audit(auditors=[auditor], tool_key="001-early-help-case-audit")
    complete_audit(audit, auditor, grade="requires_improvement", overall="good",
                   skip=("planning.0.__evidence__",))
    response = client_for(auditor).post(reverse("audits:audit_submit", args=[audit.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error:" in page
    assert 'class="govuk-error-summary"' in page
    overall = reverse("audits:audit_overall", args=[audit.pk])
    planning = reverse("audits:audit_section", args=[audit.pk, "planning"])
    assert f'<a href="{planning}#planning.0.__evidence__">Enter the evidence for ' \
           "“Planning”</a>" in page
    assert f'<a href="{overall}#__overall__.0.__reason__">Enter why the overall grade is ' \
           "better than every section grade</a>" in page
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS


def test_submit_from_the_page_then_the_audit_is_read_only(auditor, client_for):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor)
    client = client_for(auditor)
    response = client.post(reverse("audits:audit_submit", args=[audit.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Audit submitted" in page and "Check your answers and submit" not in page


def test_submit_wrong_method_wrong_person_wrong_state(auditor, client_for, role_client):
    audit = make_audit(auditors=[auditor])
    complete_audit(audit, auditor)
    url = reverse("audits:audit_submit", args=[audit.pk])
    assert client_for(auditor).get(url).status_code == 405
    qa, qa_person = role_client("qa_manager")
    assert qa.post(url).status_code == 404
    with pytest.raises(DomainError, match="auditors"):
        services.audit_submit(audit=audit, actor=qa_person)
    services.audit_withdraw(audit=audit, actor=qa_person, reason="Case moved away")
    response = client_for(auditor).post(url)
    assert response.status_code == 302
    with pytest.raises(WorkflowError, match="withdrawn"):
        services.audit_submit(audit=audit, actor=auditor)


def test_a_planned_audit_cannot_be_submitted(auditor):
    original = make_audit(auditors=[auditor])
    planned = services.audit_plan_re_audit(of=original, actor=None,
                                           earliest=dt.date(2026, 9, 1),
                                           latest=dt.date(2026, 10, 1), reason="Inadequate")
    services.audit_allocate(audit=planned, auditors=[auditor], actor=None)
    services.transition(audit=planned, actor=None, to=S.WITHDRAWN)
    with pytest.raises(WorkflowError):
        services.audit_submit(audit=planned, actor=auditor)


# Completing alone (001 2.19) -------------------------------------------------------------


def test_one_of_a_pair_completes_alone_when_the_other_is_on_leave(auditor):
    partner = PersonFactory(full_name="Pat Partner")
    me = PersonFactory(full_name="Sam Submitter")
    audit = make_audit(auditors=[me, partner])
    AbsenceFactory(person=partner, starts_on=dt.date(2026, 6, 20), ends_on=dt.date(2026, 7, 10))
    complete_audit(audit, me)
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        services.audit_submit(audit=audit, actor=me)
    audit.refresh_from_db()
    assert audit.completed_alone_reason == \
        "Pat Partner was on leave; Sam Submitter completed the audit alone"
    assert audit.transitions.get(to_status=S.SUBMITTED).reason == \
        audit.completed_alone_reason


def test_a_pair_both_at_work_submit_together(auditor):
    partner = PersonFactory()
    audit = make_audit(auditors=[auditor, partner])
    AbsenceFactory(person=partner, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 5, 10))
    complete_audit(audit, auditor)
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        services.audit_submit(audit=audit, actor=auditor)
    audit.refresh_from_db()
    assert audit.completed_alone_reason == ""


def test_a_partner_whose_assignment_ended_leaves_the_other_alone():
    partner = PersonFactory(full_name="Pat Partner")
    me = PersonFactory(full_name="Sam Submitter")
    audit = make_audit(auditors=[me, partner])
    services.assignment_end(assignment=audit.assignments.get(person=partner), actor=None,
                            reason="Off sick for a month")
    complete_audit(audit, me)
    services.audit_submit(audit=audit, actor=me)
    audit.refresh_from_db()
    assert audit.completed_alone_reason == ("Pat Partner no longer audits this case (Off sick "
                                            "for a month); Sam Submitter completed the audit "
                                            "alone")


def test_an_auditor_replaced_before_the_other_joined_was_never_a_pair():
    first, replacement = PersonFactory(), PersonFactory()
    audit = make_audit(auditors=[first])
    services.assignment_end(assignment=audit.assignments.get(), actor=None,
                            reason="Was involved with the case")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=5)):
        AuditAssignment.objects.create(audit=audit, person=replacement)
    complete_audit(audit, replacement)
    services.audit_submit(audit=audit, actor=replacement)
    audit.refresh_from_db()
    assert audit.completed_alone_reason == ""


def test_the_check_page_says_when_the_auditor_completes_alone(client_for):
    partner = PersonFactory(full_name="Pat Partner")
    me = PersonFactory(full_name="Sam Submitter")
    audit = make_audit(auditors=[me, partner])
    AbsenceFactory(person=partner, kind="sickness", starts_on=dt.date(2026, 6, 20),
                   ends_on=dt.date(2026, 7, 10))
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        page = client_for(me).get(reverse("audits:audit_check", args=[audit.pk])) \
            .content.decode()
    assert "Pat Partner was off sick; Sam Submitter completed the audit alone." in page
