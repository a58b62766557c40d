"""The moderator's review, blind first: their own grades before the auditor's, locked once
saved; then agree or change, with a reason; a changed overall grade becomes the final grade
(both kept) and the practitioner and TM are told; a disputed audit's disagreement is settled
and its workflow moves on. The auditor's grades show on no page the moderator can reach
before their own are saved, not even to a panel member who sees every case."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from auditloop.audits.blinding import is_blind
from auditloop.audits.models import Audit, AuditTransition, Disagreement
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.moderation import services
from auditloop.moderation.models import OVERALL, ModerationGrade
from auditloop.moderation.services import Decision
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from tests.factories import PersonFactory, finish_audit
from tests.moderation.factories import (
    blind_grades,
    dispute,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db
SECRET = "Seen only once the blind grades are saved"
AUDITOR_GRADE = "Requires improvement to be good"


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    set_framework(moderation_share_percent=Decimal("100"),
                  moderation_panel_roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    cycle = make_cycle()
    audit = submitted_audit(cycle, grade="requires_improvement")
    Audit.objects.filter(pk=audit.pk).update(overall_reason=SECRET)
    audit.refresh_from_db()
    return audit


def agree_all(review, **changes):  # type: ignore[no-untyped-def]
    keys = review.grades.values_list("section_key", flat=True)
    return {k: changes.get(k, Decision(True)) for k in keys}


def pages_of(audit, review):  # type: ignore[no-untyped-def]
    """Every page with this audit on it, and moderation's own pages."""
    names = ["audits:audit_detail", "audits:voices", "audits:feedback", "audits:export_pdf",
             "audits:export_docx", "audits:export_case_note"]
    return ([reverse(n, args=[audit.pk]) for n in names]
            + [reverse("moderation:review", args=[review.pk]), reverse("moderation:my_reviews"),
               reverse("moderation:agreement"), reverse("moderation:calibration_list"),
               reverse("audits:disagreement_list"), "/"])


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code != 200:
        return ""
    if response.get("Content-Type", "").startswith("text/"):
        return response.content.decode()
    return ""


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.PRINCIPAL_SOCIAL_WORKER])
def test_the_auditors_grades_show_nowhere_before_the_blind_grades_are_saved(setup, role,  # type: ignore[no-untyped-def]
                                                                            client_for):
    audit = setup
    dispute(audit)  # in moderation: moderators may otherwise read the audit's pages
    person = PersonFactory(roles=[role])
    review = review_of(audit, person)
    client = client_for(person)
    assert is_blind(person, audit)
    for url in pages_of(audit, review):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        body = text_of(response)
        assert SECRET not in body, url
        assert "Auditor's grade" not in body, url
    # The pages about the audit itself answer 404, even to someone who sees every case.
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 404
    assert client.get(reverse("audits:feedback", args=[audit.pk])).status_code == 404
    assert client.get(reverse("audits:export_pdf", args=[audit.pk])).status_code == 404

    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    assert not is_blind(person, audit)
    page = client.get(reverse("moderation:review", args=[review.pk])).content.decode()
    assert "Auditor's grade" in page and AUDITOR_GRADE in page
    if role == Role.PRINCIPAL_SOCIAL_WORKER:
        detail = client.get(reverse("audits:audit_detail", args=[audit.pk]))
        assert detail.status_code == 200 and SECRET in detail.content.decode()


def test_the_blind_page_shows_the_case_and_the_tools_sections(setup, client_for):  # type: ignore[no-untyped-def]
    audit = setup
    person = moderator()
    review = review_of(audit, person)
    page = client_for(person).get(reverse("moderation:review", args=[review.pk]))
    body = page.content.decode()
    assert audit.case.reference in body
    assert "Period under review" in body
    assert "Your grade: 1. Help, protection and stability" in body
    assert AccessLog.objects.filter(object_type="audit", object_id=str(audit.pk),
                                    user=person.user).exists()


def test_blind_grades_are_locked_once_saved(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    with pytest.raises(WorkflowError):
        services.review_save_blind(review=review, actor=person,
                                   grades=blind_grades(review, "inadequate"))
    assert set(ModerationGrade.objects.filter(review=review)
               .values_list("moderator_grade", flat=True)) == {"good"}


def test_every_graded_section_and_the_overall_grade_are_needed(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    grades = blind_grades(review)
    del grades[OVERALL]
    with pytest.raises(DomainError) as exc:
        services.review_save_blind(review=review, actor=person, grades=grades)
    assert exc.value.field == f"grade-{OVERALL}"
    with pytest.raises(DomainError):
        services.review_save_blind(review=review, actor=person,
                                   grades={**blind_grades(review), "assessment": "brilliant"})


def test_only_the_current_moderator_may_save(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    with pytest.raises(DomainError):
        services.review_save_blind(review=review, actor=moderator(),
                                   grades=blind_grades(review))


def test_both_grades_are_kept_side_by_side(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    services.review_save_blind(review=review, actor=person,
                               grades=blind_grades(review, "good", overall="good"))
    overall = ModerationGrade.objects.get(review=review, section_key=OVERALL)
    assert (overall.moderator_grade, overall.auditor_grade) == ("good", "requires_improvement")
    assert (overall.moderator_rank, overall.auditor_rank, overall.levels) == (1, 2, 4)


def test_a_changed_overall_grade_becomes_the_final_grade_and_the_practice_is_told(setup):  # type: ignore[no-untyped-def]
    audit = setup
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    with pytest.raises(DomainError) as exc:
        services.review_complete(review=review, actor=person, decisions=agree_all(
            review, **{OVERALL: Decision(False, "good", "")}))
    assert exc.value.field == f"reason-{OVERALL}"
    with pytest.raises(DomainError):
        services.review_complete(review=review, actor=person, decisions=agree_all(
            review, **{OVERALL: Decision(False, "requires_improvement", "Same")}))
    services.review_complete(review=review, actor=person, decisions=agree_all(
        review, **{OVERALL: Decision(False, "good", "The plan is child-centred")}))
    audit.refresh_from_db()
    assert audit.final_grade == "good" and audit.overall_grade == "requires_improvement"
    row = ModerationGrade.objects.get(review=review, section_key=OVERALL)
    assert (row.auditor_grade, row.moderator_grade, row.moderated_grade, row.agrees) == (
        "requires_improvement", "good", "good", False)
    assert AuditTransition.objects.filter(audit=audit, reason__contains="moderation").exists()
    told = set(Notification.objects.filter(subject="Moderation changed an audit's grade")
               .values_list("recipient_id", flat=True))
    assert told == {audit.case.key_worker_id, audit.case.team_manager_id}
    notice = Notification.objects.filter(recipient=audit.case.key_worker).last()
    assert notice is not None and audit.case.reference not in notice.subject + notice.body
    assert notice.link == reverse("audits:feedback", args=[audit.pk])


def test_agreeing_leaves_the_final_grade_and_tells_nobody(setup):  # type: ignore[no-untyped-def]
    audit = setup
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    services.review_complete(review=review, actor=person, decisions=agree_all(review))
    audit.refresh_from_db()
    assert audit.final_grade == "requires_improvement"
    assert not Notification.objects.filter(subject="Moderation changed an audit's grade").exists()


def test_completing_twice_is_refused_and_changes_nothing(setup):  # type: ignore[no-untyped-def]
    audit = setup
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    decisions = agree_all(review, **{OVERALL: Decision(False, "good", "Reason")})
    services.review_complete(review=review, actor=person, decisions=decisions)
    with pytest.raises(WorkflowError):
        services.review_complete(review=review, actor=person, decisions=decisions)
    assert Notification.objects.filter(subject="Moderation changed an audit's grade").count() == 2


def test_decisions_need_the_blind_grades_first(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    with pytest.raises(WorkflowError):
        services.review_complete(review=review, actor=person, decisions={})


def test_a_disputed_audit_is_settled_through_the_disagreement(setup):  # type: ignore[no-untyped-def]
    audit = setup
    disagreement = dispute(audit)
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    done = services.review_complete(review=review, actor=person, decisions=agree_all(
        review, **{OVERALL: Decision(False, "good", "Strengths were missed")}))
    disagreement.refresh_from_db()
    audit.refresh_from_db()
    assert disagreement.outcome == Disagreement.Outcome.CHANGED
    assert disagreement.settled_by_id == person.pk
    assert done.settled_id == disagreement.pk
    assert audit.final_grade == "good"
    assert audit.status == Audit.Status.FEEDBACK_SENT  # the workflow moves on


def test_a_disputed_audit_whose_grades_stand_is_upheld(setup):  # type: ignore[no-untyped-def]
    audit = setup
    disagreement = dispute(audit)
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    services.review_complete(review=review, actor=person, decisions=agree_all(review))
    disagreement.refresh_from_db()
    assert disagreement.outcome == Disagreement.Outcome.UPHELD


def test_the_moderators_page_lists_blind_reviews_first(setup, client_for):  # type: ignore[no-untyped-def]
    person = moderator()
    first = review_of(setup, person)
    services.review_save_blind(review=first, actor=person, grades=blind_grades(first))
    cycle = first.assignment.sampled.sample.cycle
    other = submitted_audit(cycle)
    second = review_of(other, person)
    from auditloop.moderation.selectors import reviews_for_moderator

    assert [r.pk for r in reviews_for_moderator(person=person)] == [second.pk, first.pk]


def test_a_reviewed_audit_stays_in_the_sample(setup):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(setup, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    services.review_complete(review=review, actor=person, decisions=agree_all(review))
    with pytest.raises(WorkflowError):
        services.sample_remove(sampled=review.assignment.sampled, actor=None, reason="x")
    assert finish_audit  # the factory module's helpers stay imported for the fixtures


def test_a_blind_panel_member_sees_no_grade_on_the_tracker_or_at_the_qa_meeting(  # type: ignore[no-untyped-def]
        setup, client_for):
    from auditloop.programme.models import Cycle, CycleCase, MeetingItem

    audit = setup
    qa = PersonFactory(roles=[Role.QA_MANAGER, Role.MODERATOR])
    review = review_of(audit, qa)
    cycle = Cycle.objects.get(pk=CycleCase.objects.get(audit=audit).cycle_id)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.ALLOCATED)
    MeetingItem.objects.create(cycle=cycle, audit=audit, position=1)
    client = client_for(qa)
    tracker = client.get(reverse("audits:tracker"), {"grade": "requires_improvement"})
    assert tracker.status_code == 200 and audit.case.reference not in tracker.content.decode()
    meeting = client.get(reverse("programme:meeting", args=[cycle.pk])).content.decode()
    assert "hidden until you record your moderation grades" in meeting
    assert "Grade: requires improvement" not in meeting

    services.review_save_blind(review=review, actor=qa, grades=blind_grades(review))
    tracker = client.get(reverse("audits:tracker"), {"grade": "requires_improvement"})
    assert audit.case.reference in tracker.content.decode()
    meeting = client.get(reverse("programme:meeting", args=[cycle.pk])).content.decode()
    assert "Grade: requires improvement" in meeting


def test_a_panel_member_of_another_role_opens_the_audit_they_review(setup, client_for):  # type: ignore[no-untyped-def]
    # A panel of strategic leads: no moderator role, and no reach into the register.
    set_framework(moderation_panel_roles=[Role.STRATEGIC_LEAD])
    audit = setup
    lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    other_lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    review = review_of(audit, lead)
    url = reverse("audits:audit_detail", args=[audit.pk])
    assert client_for(other_lead).get(url).status_code == 404
    # Blind first, like every moderator; then, with the grades recorded, the page opens.
    assert client_for(lead).get(url).status_code == 404
    services.review_save_blind(review=review, actor=lead, grades=blind_grades(review))
    assert client_for(lead).get(url).status_code == 200
