"""After the blind stage: once the moderator's own grades are saved, the review page shows the
auditor's grade beside theirs for each section, with the auditor's evidence and answers, and
links to the audit page, which opens for them while the review is open. Before, nothing of
the auditor's work shows; after the review is completed or reassigned, the answers and the
audit page close again. Each view is in the access log."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from auditloop.audits.models import Answer, Audit
from auditloop.audits.submission import EVIDENCE
from auditloop.common.models import AccessLog
from auditloop.moderation import services
from auditloop.moderation.comparison import comparison
from auditloop.moderation.models import OVERALL
from auditloop.moderation.services import Decision
from tests.factories import PersonFactory
from tests.moderation.factories import (
    blind_grades,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

pytestmark = pytest.mark.django_db
SECTION = "help_protection_stability"
EVIDENCE_TEXT = "The plan was reviewed late: https://records.example/plan/2026/very-long-path"
ANSWER_TEXT = "The wishes of the child are written in their own words"
OVERALL_TEXT = "Overall the help is timely, the plan drifts"
SECRETS = (EVIDENCE_TEXT, ANSWER_TEXT, OVERALL_TEXT, "Auditor's grade", "Auditor's evidence",
           "The auditor's answers")


@pytest.fixture
def audit() -> Audit:
    set_framework(moderation_share_percent=Decimal("100"))
    found = submitted_audit(make_cycle(), grade="requires_improvement")
    Answer.objects.filter(audit=found, section_key=SECTION, question_key=EVIDENCE).update(
        value=EVIDENCE_TEXT)
    # The auditor's comment on the section's first question.
    text = Answer.objects.filter(audit=found, section_key=SECTION).exclude(
        question_key__startswith="__").order_by("question_key").first()
    assert text is not None
    Answer.objects.filter(pk=text.pk).update(comment=ANSWER_TEXT)
    Answer.objects.filter(audit=found, section_key=OVERALL, question_key=EVIDENCE).update(
        value=OVERALL_TEXT)
    return found


def page(client, review) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("moderation:review", args=[review.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def logged(person, audit) -> int:  # type: ignore[no-untyped-def]
    return AccessLog.objects.filter(user=person.user, object_type="audit",
                                    object_id=str(audit.pk)).count()


def card(body: str, key: str) -> str:
    start = body.index(f'id="section-{key}"')
    end = body.find('class="govuk-summary-card"', start + 1)
    return body[start:end if end > 0 else len(body)]


def test_before_the_blind_grades_nothing_of_the_auditors_work_shows(audit, client_for):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(audit, person)
    client = client_for(person)
    body = page(client, review)
    for text in SECRETS:
        assert text not in body, text
    assert reverse("audits:audit_detail", args=[audit.pk]) not in body
    assert comparison(review) == []
    for name in ("audits:audit_detail", "audits:feedback", "audits:voices"):
        assert client.get(reverse(name, args=[audit.pk])).status_code == 404, name
    section = reverse("audits:audit_section", args=[audit.pk, SECTION])
    assert client.get(section).status_code == 404


def test_after_the_blind_grades_the_auditors_work_shows_beside_the_grades(audit, client_for):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review),
                               evidence="My own reading of the file")
    client = client_for(person)
    before = logged(person, audit)
    body = page(client, review)
    assert logged(person, audit) == before + 1

    section = card(body, SECTION)
    assert "Auditor's grade" in section and "Requires improvement to be good" in section
    assert "Your grade" in section and "Good" in section
    assert EVIDENCE_TEXT in section, section
    assert ANSWER_TEXT in section
    assert 'name="agrees-help_protection_stability"' in section
    overall = card(body, OVERALL)
    assert OVERALL_TEXT in overall and "My own reading of the file" in overall
    # Every section of the tool, graded or not, in the tool's order, then the overall grade.
    review.refresh_from_db()
    sides = comparison(review)
    keys = [s["key"] for s in audit.tool_version.definition["sections"]]
    assert [side.key for side in sides] == [*keys, OVERALL]
    places = [body.index(f'id="section-{key}"') for key in [*keys, OVERALL]]
    assert places == sorted(places)

    # The audit page itself, linked from the review and open while the review is.
    audit_url = reverse("audits:audit_detail", args=[audit.pk])
    assert f'href="{audit_url}"' in body
    response = client.get(audit_url)
    assert response.status_code == 200 and ANSWER_TEXT in response.content.decode()
    assert logged(person, audit) == before + 2


def test_the_answers_and_the_audit_page_close_with_the_review(audit, client_for):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    services.review_complete(review=review, actor=person, decisions={
        g.section_key: Decision(True) for g in review.grades.all()})
    client = client_for(person)
    body = page(client, review)
    assert "Agreed" in body  # their own decisions stay theirs to read
    for text in (EVIDENCE_TEXT, ANSWER_TEXT, OVERALL_TEXT, "The auditor's answers"):
        assert text not in body, text
    audit_url = reverse("audits:audit_detail", args=[audit.pk])
    assert audit_url not in body
    assert client.get(audit_url).status_code == 404


def test_a_moderator_reassigned_after_the_blind_stage_sees_nothing_more(audit, client_for):  # type: ignore[no-untyped-def]
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    review_of(audit, moderator())  # the QA manager gives it to someone else
    client = client_for(person)
    assert client.get(reverse("moderation:review", args=[review.pk])).status_code == 404
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 404


def test_the_qa_manager_reads_the_auditors_work_beside_the_moderators_grades(  # type: ignore[no-untyped-def]
        audit, client_for):
    from auditloop.people.roles import Role

    person = moderator()
    review = review_of(audit, person)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    client = client_for(qa)
    assert EVIDENCE_TEXT not in page(client, review)  # the moderator has not graded yet
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    body = page(client, review)
    assert "Moderator's grade" in body and EVIDENCE_TEXT in body and ANSWER_TEXT in body
    assert 'name="agrees-' not in body  # only the moderator decides


def test_the_comparison_page_takes_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
        audit, client_for, django_assert_max_num_queries):
    person = moderator()
    review = review_of(audit, person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    client = client_for(person)
    page(client, review)
    with django_assert_max_num_queries(40):
        page(client, review)

