"""What families, staff and observers recorded follows the retention setting too: families'
feedback after closure, complaints and compliments, practice alerts and observations of
practice (6 years), staff surveys' answers (3 years); just inside its period a record stays,
just past it goes, with its workflow history. Time is frozen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from auditloop.common.models import StatusChange
from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import retention_apply, retention_plan
from auditloop.practice.models import Observation, PracticeAlert
from auditloop.voice.models import ClosureForm, ComplaintCompliment, FeedbackResponse
from auditloop.voice.survey_models import Survey, SurveyParticipation, SurveyResponse
from tests.factories import ClosedCaseFactory, PersonFactory
from tests.governance.test_retention import INSIDE, LONDON, NOW, PAST, SIX_YEARS, at
from tests.practice.factories import make_alert
from tests.practice.observation_world import done, tree

pytestmark = pytest.mark.django_db
THREE_YEARS = dt.datetime(2030, 6, 15, tzinfo=LONDON)


def _complaint(on: dt.date) -> ComplaintCompliment:
    return ComplaintCompliment.objects.create(
        kind=ComplaintCompliment.Kind.COMPLAINT, source=ComplaintCompliment.Source.values[0],
        received_on=on, summary="Made up for the test.")


def _feedback(when: dt.datetime) -> FeedbackResponse:
    from auditloop.voice.models import QuestionSetVersion

    qs = QuestionSetVersion.objects.filter(audience="family").first()
    assert qs is not None
    with at(when):
        return FeedbackResponse.objects.create(
            case=ClosedCaseFactory(), question_set=qs,
            completed_by=FeedbackResponse.CompletedBy.values[0], answers={},
            interpreter=FeedbackResponse.Interpreter.values[0])


def _closure_form(on: dt.date) -> ClosureForm:
    return ClosureForm.objects.create(case=ClosedCaseFactory(), completed_on=on,
                                      definition={}, answers={},
                                      interpreter=FeedbackResponse.Interpreter.values[0])


def _survey_answered(closes_on: dt.date) -> Survey:
    from auditloop.voice.models import QuestionSetVersion

    qs = QuestionSetVersion.objects.filter(audience="staff").first()
    assert qs is not None
    survey = Survey.objects.create(name=f"Survey {closes_on}", kind=Survey.Kind.PULSE,
                                   question_set=qs, opens_on=closes_on - dt.timedelta(days=14),
                                   closes_on=closes_on)
    response = SurveyResponse.objects.create(survey=survey, question_set=qs, answers={})
    SurveyParticipation.objects.create(survey=survey, person=PersonFactory(),
                                       response=response)
    return survey


def test_each_kind_just_inside_stays_and_just_past_goes() -> None:
    day_in, day_past = (SIX_YEARS + INSIDE).date(), (SIX_YEARS + PAST).date()
    kept_complaint, _ = _complaint(day_in), _complaint(day_past)
    kept_form, _ = _closure_form(day_in), _closure_form(day_past)
    kept_feedback, _ = _feedback(SIX_YEARS + INSIDE), _feedback(SIX_YEARS + PAST)
    with at(SIX_YEARS + PAST):
        gone_alert = make_alert()
    with at(SIX_YEARS + INSIDE):
        kept_alert = make_alert()
    t = tree()
    with at(SIX_YEARS + PAST):
        gone_obs = done(observed=t["worker"], observer=t["tm"], on=day_past)
    with at(SIX_YEARS + INSIDE):
        kept_obs = done(observed=t["worker"], observer=t["tm"], on=day_in)
    kept_survey = _survey_answered((THREE_YEARS + INSIDE).date())
    gone_survey = _survey_answered((THREE_YEARS + PAST).date())

    with at(NOW):
        plan = {line.record_type: line.count for line in retention_plan()}
        assert {k: plan[k] for k in ("complaints", "families_feedback", "practice_alerts",
                                     "observations", "staff_surveys")} == {
            "complaints": 1, "families_feedback": 2, "practice_alerts": 1,
            "observations": 1, "staff_surveys": 2}
        retention_apply(source=RetentionRun.Source.COMMAND)

    assert list(ComplaintCompliment.objects.all()) == [kept_complaint]
    assert list(ClosureForm.objects.all()) == [kept_form]
    assert list(FeedbackResponse.objects.all()) == [kept_feedback]
    assert list(PracticeAlert.objects.all()) == [kept_alert]
    assert list(Observation.objects.all()) == [kept_obs]
    # The workflow history goes with them.
    for model, gone in ((PracticeAlert, gone_alert), (Observation, gone_obs)):
        assert not StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=str(gone.pk)).exists()
    # The surveys stay as the record that they ran; the old one's answers go.
    assert SurveyResponse.objects.filter(survey=kept_survey).count() == 1
    assert not SurveyResponse.objects.filter(survey=gone_survey).exists()
    assert not SurveyParticipation.objects.filter(survey=gone_survey).exists()
    assert Survey.objects.count() == 2
    lines = {line.record_type: line.removed for line in RetentionRun.objects.get().lines.all()}
    assert lines["observations"] == 1 and lines["staff_surveys"] == 2
