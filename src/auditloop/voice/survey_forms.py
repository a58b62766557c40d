"""Forms of staff surveys and of feedback on the audit process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from auditloop.common.idempotency import IdempotentForm
from auditloop.people.models import Service, Team
from auditloop.voice.forms import QuestionsForm
from auditloop.voice.questions import Question
from auditloop.voice.survey_models import Survey


class DateInput(forms.DateInput):
    input_type = "date"


class SurveyOpenForm(IdempotentForm):
    name = forms.CharField(max_length=200, label="Name of the survey",
                           help_text="For example: Staff survey 2027.",
                           error_messages={"required": "Enter the survey's name"})
    kind = forms.ChoiceField(choices=Survey.Kind.choices, widget=forms.RadioSelect,
                             label="Which survey is it?",
                             error_messages={"required": "Choose the annual survey or a "
                                                         "pulse survey"})
    question_set = forms.ChoiceField(widget=forms.RadioSelect, label="Which questions?",
                                     error_messages={"required": "Choose the questions"})
    opens_on = forms.DateField(widget=DateInput, label="Opens on",
                               error_messages={"required": "Enter the day it opens",
                                               "invalid": "Enter a real date"})
    closes_on = forms.DateField(widget=DateInput, label="Closes on",
                                error_messages={"required": "Enter the day it closes",
                                                "invalid": "Enter a real date"})
    anonymous = forms.ChoiceField(
        choices=[("yes", "Yes: nobody can see who gave which answers"),
                 ("no", "No: answers are kept with the person's name")],
        widget=forms.RadioSelect, label="Are the answers anonymous?",
        error_messages={"required": "Choose whether the answers are anonymous"})
    invites = forms.ChoiceField(choices=Survey.Invites.choices, widget=forms.RadioSelect,
                                label="Who is invited?",
                                error_messages={"required": "Choose who is invited"})
    service = forms.ModelChoiceField(Service.objects.all(), required=False,
                                     empty_label="Choose a service",
                                     label="The service (if a service is invited)")
    teams = forms.ModelMultipleChoiceField(Team.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           label="The teams (if teams are invited)")

    def __init__(self, *args: Any, sets: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question_set"].choices = [  # type: ignore[attr-defined]
            (s.key, f"{s.name} (version {s.version}, {len(s.definition['questions'])} "
                    "questions)") for s in sets]


class AnswersForm(QuestionsForm):
    """The questions of one set, as radios (ratings, yes or no) and text."""

    def __init__(self, *args: Any, questions: Sequence[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_questions(questions)
