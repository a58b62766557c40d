"""Forms of the practice app."""

from __future__ import annotations

from typing import Any

from django import forms

from auditloop.practice.models import PracticeAlert


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AlertForm(forms.Form):
    case = forms.TypedChoiceField(
        coerce=int, label="Case", help_text="The cases you review or chair now.",
        error_messages={"required": "Choose the case the alert is about."})
    seen = forms.CharField(
        widget=forms.Textarea, label="What you saw",
        help_text="The practice that concerns you. The team manager reads this first.",
        error_messages={"required": "Write what you saw."})
    theme = forms.ChoiceField(
        choices=PracticeAlert.Theme.choices, widget=forms.RadioSelect, label="Theme",
        error_messages={"required": "Choose the theme nearest to what you saw."})
    severity = forms.ChoiceField(
        choices=PracticeAlert.Severity.choices, widget=forms.RadioSelect, label="Severity",
        error_messages={"required": "Choose how serious it is."})
    response_wanted = forms.CharField(
        widget=forms.Textarea, label="The response you want",
        error_messages={"required": "Write the response you want from the team manager."})
    respond_by = forms.DateField(
        widget=DateInput(), label="Respond by",
        error_messages={"required": "Enter the date you want the response by.",
                        "invalid": "Enter the date you want the response by as a real date."})

    def __init__(self, *args: Any, cases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.fields["case"]
        assert isinstance(case, forms.TypedChoiceField)
        case.choices = [("", "Choose a case"), *cases]


class AnswerForm(forms.Form):
    response = forms.CharField(
        widget=forms.Textarea, label="Your response",
        error_messages={"required": "Write your response to the alert."})
    action = forms.CharField(
        widget=forms.Textarea, required=False, label="Action agreed (optional)",
        help_text="If you agree an action, it goes on your actions to sign off when done.")
    action_due_on = forms.DateField(widget=DateInput(), required=False,
                                    label="Action to be done by")
    desired_outcome = forms.CharField(widget=forms.Textarea, required=False,
                                      label="Desired outcome of the action")
    success_measure = forms.CharField(widget=forms.Textarea, required=False,
                                      label="How will we know it has worked?")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("action") or "").strip():
            if not data.get("action_due_on"):
                self.add_error("action_due_on", "Enter the date the action must be done by.")
            if not (data.get("desired_outcome") or "").strip():
                self.add_error("desired_outcome", "Enter the desired outcome of the action.")
            if not (data.get("success_measure") or "").strip():
                self.add_error("success_measure", "Enter how we will know it has worked.")
        return data


class ResolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea, required=False,
                                 label="Why it is resolved (optional)")


class TeamLinkForm(forms.Form):
    person = forms.TypedChoiceField(
        coerce=int, label="IRO or CP Chair",
        error_messages={"required": "Choose the IRO or CP Chair."})
    team = forms.TypedChoiceField(
        coerce=int, label="Team link",
        error_messages={"required": "Choose the team they link with."})

    def __init__(self, *args: Any, people: list[tuple[int, str]],
                 teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices, prompt in (("person", people, "Choose a person"),
                                      ("team", teams, "Choose a team")):
            f = self.fields[name]
            assert isinstance(f, forms.TypedChoiceField)
            f.choices = [("", prompt), *choices]
