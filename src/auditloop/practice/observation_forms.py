"""Forms for observations of practice (002)."""

from __future__ import annotations

from typing import Any

from django import forms

from auditloop.practice import observation_tool_files as tool_files
from auditloop.practice.models import Observation, ObservationToolVersion
from auditloop.practice.observations import Theme


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PlanForm(forms.Form):
    observed = forms.TypedChoiceField(
        coerce=int, label="Whose practice is observed",
        error_messages={"required": "Choose whose practice is observed."})
    observer = forms.TypedChoiceField(
        coerce=int, label="Observer",
        help_text="Their team manager, a practice assessor, a peer or a senior leader.",
        error_messages={"required": "Choose who observes."})
    kind = forms.ChoiceField(
        choices=Observation.Kind.choices, widget=forms.RadioSelect,
        label="What is observed",
        error_messages={"required": "Choose what is observed."})
    purpose = forms.ChoiceField(
        choices=Observation.Purpose.choices, widget=forms.RadioSelect, label="Why",
        initial=Observation.Purpose.SCHEDULE,
        error_messages={"required": "Choose why the observation is planned."})
    planned_for = forms.DateField(
        widget=DateInput(), label="Date",
        error_messages={"required": "Enter the date of the observation.",
                        "invalid": "Enter the date of the observation as a real date."})
    action = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="The action (optional)",
        help_text="When the observation was agreed as an action from an audit, supervision "
                  "or a PDR.")

    def __init__(self, *args: Any, people: list[tuple[int, str]],
                 observers: list[tuple[int, str]], actions: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices, empty in (("observed", people, "Choose a person"),
                                     ("observer", observers, "Choose the observer"),
                                     ("action", actions, "No action")):
            f = self.fields[name]
            assert isinstance(f, forms.TypedChoiceField)
            f.choices = [("", empty), *choices]


def _question_field(q: Any) -> forms.Field:
    hint = str(q.hint or "")
    if q.answer == "scale":
        labels = {tool_files.SCALE[0]: q.low, tool_files.SCALE[-1]: q.high}
        choices = [(str(n), f"{n}" + (f": {labels[n]}" if n in labels else ""))
                   for n in tool_files.SCALE]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, label=q.text,
                                 required=q.required, help_text=hint,
                                 error_messages={"required": f"Answer '{q.text}'"})
    if q.answer == "yes_no":
        return forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")],
                                 widget=forms.RadioSelect, label=q.text, required=q.required,
                                 help_text=hint,
                                 error_messages={"required": f"Answer '{q.text}'"})
    return forms.CharField(widget=forms.Textarea, label=q.text, required=q.required,
                           help_text=hint, error_messages={"required": f"Answer '{q.text}'"})


class RecordForm(forms.Form):
    observed_on = forms.DateField(
        widget=DateInput(), label="Day of the observation",
        error_messages={"required": "Enter the day of the observation.",
                        "invalid": "Enter the day of the observation as a real date."})
    strengths = forms.CharField(
        widget=forms.Textarea, label="Strengths",
        error_messages={"required": "Write the strengths you saw."})
    areas_to_develop = forms.CharField(widget=forms.Textarea, required=False,
                                       label="Areas to develop")
    feedback_given = forms.CharField(
        widget=forms.Textarea, label="Feedback given",
        help_text="What you told them after the observation.",
        error_messages={"required": "Write the feedback you gave."})
    themes = forms.MultipleChoiceField(
        choices=Theme.CHOICES, widget=forms.CheckboxSelectMultiple, required=False,
        label="Themes seen", help_text="For the summaries: choose any that apply.")

    def __init__(self, *args: Any, tool: ObservationToolVersion | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question_keys: list[str] = []
        if tool is not None:
            for q in tool.questions:
                self.fields[f"q_{q.key}"] = _question_field(q)
                self.question_keys.append(q.key)
            # Tool questions first, then what the observer writes.
            order = [f"q_{k}" for k in self.question_keys]
            self.order_fields(["observed_on", *order])

    def answers(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(f"q_{k}") for k in self.question_keys}


class CancelForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why it is cancelled",
                             error_messages={"required": "Say why it is cancelled."})


class ReplyForm(forms.Form):
    reply = forms.CharField(widget=forms.Textarea, label="Your reply",
                            help_text="The observer reads it.",
                            error_messages={"required": "Write your reply."})


class AsyeForm(forms.Form):
    person = forms.TypedChoiceField(
        coerce=int, label="Newly qualified social worker",
        error_messages={"required": "Choose the newly qualified social worker."})
    assessor = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Practice assessor (optional)",
        help_text="Leave blank when their team manager observes them.")
    starts_on = forms.DateField(
        widget=DateInput(), label="ASYE year starts",
        error_messages={"required": "Enter the day the ASYE year starts.",
                        "invalid": "Enter the day the ASYE year starts as a real date."})

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, empty in (("person", "Choose a person"), ("assessor", "Their team manager")):
            f = self.fields[name]
            assert isinstance(f, forms.TypedChoiceField)
            f.choices = [("", empty), *people]
