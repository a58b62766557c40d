"""Moderation's states move through the one workflow helper (common.workflow): a review goes
blind, then comparing, then complete (or ends when reassigned or taken out), an audit in the
sample is taken out once, a calibration exercise closes once. Each table refuses a wrong move,
each move writes who, when, from, to and why, and the pages ask the model, not a string."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from auditloop.common.errors import WorkflowError
from auditloop.common.models import StatusChange
from auditloop.moderation import services
from auditloop.moderation.models import (
    OVERALL,
    CalibrationExercise,
    ModerationReview,
    SampledAudit,
)
from auditloop.moderation.services import Decision
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.moderation.factories import (
    blind_grades,
    cycle_of,
    make_cycle,
    moderator,
    review_of,
    set_framework,
    submitted_audit,
)

R = ModerationReview.Status
TEMPLATES = Path(services.__file__).parent / "jinja2"


def moves(obj):  # type: ignore[no-untyped-def]
    return [(c.from_status, c.to_status, c.reason) for c in obj.status_history()]


# The tables and groups, without the database ---------------------------------------------


def test_a_review_is_completed_only_after_its_blind_grades_and_ends_only_unfinished():
    wf = ModerationReview.workflow
    assert wf.next_states(R.BLIND) == [R.REVEALED, R.ENDED]
    assert set(wf.next_states(R.REVEALED)) == {R.COMPLETED, R.ENDED}
    assert not wf.allows(R.BLIND, R.COMPLETED)  # no decisions before the blind grades
    assert wf.next_states(R.COMPLETED) == [] and wf.next_states(R.ENDED) == []


def test_the_review_groups_and_tag_colours():
    blind, comparing = ModerationReview(status=R.BLIND), ModerationReview(status=R.REVEALED)
    done, ended = ModerationReview(status=R.COMPLETED), ModerationReview(status=R.ENDED)
    assert blind.is_blind and blind.is_in_progress and not blind.is_comparing
    assert comparing.is_comparing and comparing.is_in_progress and not comparing.is_blind
    assert done.is_completed and not done.is_in_progress
    assert not (ended.is_in_progress or ended.is_completed)
    assert [r.tag_colour for r in (blind, comparing, done, ended)] == [
        "purple", "blue", "green", "grey"]


def test_sampled_audits_and_exercises_have_one_way_out():
    assert SampledAudit(status=SampledAudit.Status.CURRENT).is_current
    assert not SampledAudit(status=SampledAudit.Status.REMOVED).is_current
    assert SampledAudit.workflow.next_states(SampledAudit.Status.REMOVED) == []
    assert CalibrationExercise(status=CalibrationExercise.Status.OPEN).is_open
    assert not CalibrationExercise(status=CalibrationExercise.Status.CLOSED).is_open
    assert CalibrationExercise.workflow.next_states(CalibrationExercise.Status.CLOSED) == []


def test_moderation_templates_compare_no_status_strings():
    literal = re.compile(r"status *(==|!=|not in|in) *[\(\[\"']|\{[^}]*\"(blind|revealed)\":")
    found = [f"{path.name}: {line.strip()}" for path in TEMPLATES.rglob("*.html")
             for line in path.read_text().splitlines() if literal.search(line)]
    assert found == []


# Moves, with their history ----------------------------------------------------------------


@pytest.mark.django_db
def test_each_step_of_a_review_writes_its_history():
    set_framework(moderation_share_percent=Decimal("100"))
    person = moderator()
    _, audits = cycle_of(1)
    review = review_of(audits[0], person)
    services.review_save_blind(review=review, actor=person, grades=blind_grades(review))
    keys = review.grades.values_list("section_key", flat=True)
    decisions = {k: Decision(True) for k in keys}
    decisions[OVERALL] = Decision(False, "outstanding", "Exceptional direct work")
    services.review_complete(review=review, actor=person, decisions=decisions)
    review.refresh_from_db()
    history = list(review.status_history())
    assert [(c.from_status, c.to_status) for c in history] == [
        (R.BLIND, R.REVEALED), (R.REVEALED, R.COMPLETED)]
    assert all(c.actor == person.user for c in history)
    assert "Exceptional direct work" in history[1].reason


@pytest.mark.django_db
def test_a_review_cannot_be_completed_while_blind_and_nothing_is_written():
    set_framework(moderation_share_percent=Decimal("100"))
    _, audits = cycle_of(1)
    review = review_of(audits[0])
    with pytest.raises(WorkflowError, match="This moderation review is grading blind, so it "
                                            "cannot become completed now"):
        ModerationReview.workflow.move(review, to=R.COMPLETED)
    review.refresh_from_db()
    assert review.status == R.BLIND and moves(review) == []


@pytest.mark.django_db
def test_reassigning_ends_the_unfinished_review_with_the_reason():
    set_framework(moderation_share_percent=Decimal("100"))
    first, second = moderator(), moderator()
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    _, audits = cycle_of(1)
    review = review_of(audits[0], first)
    services.moderator_reassign(sampled=review.assignment.sampled, person=second, actor=qa,
                                reason="On leave")
    review.refresh_from_db()
    [change] = review.status_history()
    assert (change.from_status, change.to_status, change.reason) == (
        R.BLIND, R.ENDED, "Reassigned: On leave")
    assert change.actor == qa.user


@pytest.mark.django_db
def test_taking_an_audit_out_writes_its_history_and_cannot_happen_twice():
    set_framework(moderation_share_percent=Decimal("0"))
    moderator()
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    cycle, audits = cycle_of(1)
    sample = services.sample_draw(cycle=cycle, actor=qa, seed=1)
    row = services.sample_add(sample=sample, audit=audits[0], actor=qa, reason="Good practice")
    review = ModerationReview.objects.get(assignment__sampled=row)
    services.sample_remove(sampled=row, actor=qa, reason="Added by mistake")
    row.refresh_from_db()
    assert moves(row) == [("current", "removed", "Added by mistake")]
    assert row.status_history().get().actor == qa.user
    assert moves(review) == [("blind", "ended", "Taken out of the sample: Added by mistake")]
    with pytest.raises(WorkflowError, match="This audit in the sample is taken out"):
        SampledAudit.workflow.move(row, to=SampledAudit.Status.REMOVED)
    assert StatusChange.objects.filter(to_status="removed").count() == 1


@pytest.mark.django_db
def test_closing_an_exercise_writes_its_history_and_cannot_happen_twice():
    set_framework()
    version = submitted_audit(make_cycle()).tool_version
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    exercise = services.calibration_create(
        actor=qa, title="Drift", tool_version=version, vignette="An invented family",
        participants=[PersonFactory(roles=[Role.AUDITOR])])
    services.calibration_close(exercise=exercise, actor=qa)
    exercise.refresh_from_db()
    assert not exercise.is_open
    assert moves(exercise) == [("open", "closed", "Closed for grading.")]
    with pytest.raises(WorkflowError, match="This calibration exercise is closed, so it "
                                            "cannot become closed now"):
        services.calibration_close(exercise=exercise, actor=qa)
    assert len(moves(exercise)) == 1
