"""Forms of the voice app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.formats import date_format

from auditloop.common.dates import add_months
from auditloop.common.idempotency import IdempotentForm
from auditloop.people.models import Service, Team
from auditloop.voice.models import ComplaintCompliment, FeedbackResponse

MONTHS_LISTED = 24


class DateInput(forms.DateInput):
    input_type = "date"


def _month_choices(today: dt.date) -> list[tuple[str, str]]:
    first = today.replace(day=1)
    months = [add_months(first, -n) for n in range(MONTHS_LISTED)]
    return [("", "Any")] + [(m.strftime("%Y-%m"), date_format(m, "F Y")) for m in months]


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Complaint or compliment",
                             choices=[("", "Any")] + list(ComplaintCompliment.Kind.choices))
    theme = forms.ChoiceField(required=False, label="Theme")
    team = forms.ModelChoiceField(Team.objects.all(), required=False, empty_label="Any",
                                  label="Team")
    month = forms.ChoiceField(required=False, label="Month received")

    def __init__(self, *args: Any, themes: list[str], today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
            (t, t) for t in themes]
        self.fields["month"].choices = _month_choices(today)  # type: ignore[attr-defined]

    def month_start(self) -> dt.date | None:
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        return dt.date.fromisoformat(f"{value}-01")


class ComplaintComplimentForm(IdempotentForm):
    kind = forms.ChoiceField(choices=ComplaintCompliment.Kind.choices, widget=forms.RadioSelect,
                             label="Is it a complaint or a compliment?",
                             error_messages={"required": "Choose complaint or compliment"})
    source = forms.ChoiceField(choices=[("", "Choose who it came from")]
                               + list(ComplaintCompliment.Source.choices),
                               label="Who did it come from?",
                               error_messages={"required": "Choose who it came from"})
    received_on = forms.DateField(widget=DateInput, label="Date received",
                                  error_messages={"required": "Enter the date it was received",
                                                  "invalid": "Enter a real date"})
    summary = forms.CharField(
        widget=forms.Textarea, label="What does it say?",
        help_text="A short summary. Do not write the names of children or family members.",
        error_messages={"required": "Write what it says"})
    theme = forms.ChoiceField(required=False, label="Theme (optional)",
                              help_text="The themes the service already uses for audits "
                                        "and findings.")
    service = forms.ModelChoiceField(Service.objects.all(), required=False,
                                     empty_label="Not recorded", label="Service (optional)")
    team = forms.ModelChoiceField(Team.objects.all(), required=False,
                                  empty_label="Not recorded", label="Team (optional)")
    case_reference = forms.CharField(
        max_length=64, required=False, label="Case reference (optional)",
        help_text="Only if it is about a case in the register.")

    def __init__(self, *args: Any, themes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "No theme")] + [  # type: ignore[attr-defined]
            (t, t) for t in themes]


class OutcomeForm(forms.Form):
    decision = forms.ChoiceField(choices=ComplaintCompliment.Decision.choices,
                                 widget=forms.RadioSelect, label="Decision on the complaint",
                                 error_messages={"required": "Choose the decision"})
    outcome = forms.CharField(widget=forms.Textarea, label="Outcome",
                              help_text="For a complaint: what was done. For a "
                                        "compliment: who was told.",
                              error_messages={"required": "Write the outcome"})
    learning = forms.CharField(widget=forms.Textarea, required=False, label="Learning",
                               help_text="What the service will do differently, or keep "
                                         "doing.")

    def __init__(self, *args: Any, complaint: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not complaint:
            del self.fields["decision"]


YES_NO = [("yes", "Yes"), ("no", "No")]


def question_field(q: Any) -> forms.Field:
    """One question of a set as its field: a rating from 1 to 5, yes or no, or text."""
    required = {"required": "Answer this question"}
    field: forms.Field
    if q.answer == "scale":
        field = forms.ChoiceField(
            choices=[(str(n), f"{n}" + (f": {q.low}" if n == 1 else "")
                      + (f": {q.high}" if n == 5 else "")) for n in range(1, 6)],
            widget=forms.RadioSelect, required=q.required, error_messages=required)
    elif q.answer == "yes_no":
        field = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect,
                                  required=q.required, error_messages=required)
    else:
        field = forms.CharField(widget=forms.Textarea, required=q.required,
                                max_length=4000, error_messages=required)
    field.label = q.text + ("" if q.required else " (optional)")
    field.help_text = q.hint
    return field


class QuestionsForm(forms.Form):
    """A form whose fields are a set's questions (families' feedback, staff surveys)."""

    question_keys: list[str]

    def add_questions(self, questions: Any) -> None:
        self.question_keys = []
        for q in questions:
            self.fields[q.key] = question_field(q)
            self.question_keys.append(q.key)

    def answers(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k, "") for k in self.question_keys}


class FeedbackForm(QuestionsForm):
    """The questions of one set, then the interpreter and consent to be quoted."""

    def __init__(self, *args: Any, question_set: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_questions(question_set.questions)
        self.fields["interpreter"] = forms.ChoiceField(
            choices=FeedbackResponse.Interpreter.choices, widget=forms.RadioSelect,
            label="Was an interpreter or Language Line used to answer?",
            error_messages={"required": "Say whether an interpreter or Language Line was "
                                        "used"})
        self.fields["consent_to_quote"] = forms.BooleanField(
            required=False, label="You may quote what we wrote, without our names")


class InviteForm(forms.Form):
    question_set = forms.ChoiceField(label="Which questions?", widget=forms.RadioSelect,
                                     error_messages={"required": "Choose the questions"})
    how = forms.ChoiceField(
        label="How will the family answer?", widget=forms.RadioSelect,
        choices=[("email", "Send a one-time link by e-mail"),
                 ("letter", "Make a one-time link to print in a letter"),
                 ("worker", "Fill it in now, with the family")],
        error_messages={"required": "Choose how the family will answer"})
    email = forms.EmailField(
        required=False, label="The family's e-mail address (if sending by e-mail)",
        help_text="Used once to send the link, then forgotten: it is not kept.",
        error_messages={"invalid": "Enter an e-mail address like name@example.com"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == "email" and not data.get("email"):
            self.add_error("email", "Enter the family's e-mail address")
        return data

    def __init__(self, *args: Any, sets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question_set"].choices = [  # type: ignore[attr-defined]
            (s.key, f"{s.name} ({s.audience_label.lower()})") for s in sets]


class CallDrawForm(forms.Form):
    closed_from = forms.DateField(widget=DateInput, label="Closed on or after",
                                  error_messages={"required": "Enter the first day",
                                                  "invalid": "Enter a real date"})
    closed_to = forms.DateField(widget=DateInput, label="Closed on or before",
                                error_messages={"required": "Enter the last day",
                                                "invalid": "Enter a real date"})
    size = forms.IntegerField(min_value=1, max_value=200, label="How many families to call",
                              error_messages={"required": "Enter how many families to call"})


class ClosureInviteForm(forms.Form):
    """Invite the family of a closed case, or record that they declined (000)."""

    how = forms.ChoiceField(
        label="How will you invite the family?", widget=forms.RadioSelect,
        choices=[("email", "Send a one-time link by e-mail"),
                 ("sms", "Send a one-time link by text message"),
                 ("letter", "Print a letter with the link and a short code"),
                 ("declined", "The family does not want to give feedback")],
        error_messages={"required": "Choose how you will invite the family"})
    question_set = forms.ChoiceField(label="Which questions?", widget=forms.RadioSelect,
                                     required=False)
    email = forms.EmailField(
        required=False, label="The family's e-mail address (if sending by e-mail)",
        help_text="Used once to send the link, then forgotten: it is not kept.",
        error_messages={"invalid": "Enter an e-mail address like name@example.com"})
    mobile = forms.CharField(
        required=False, max_length=30,
        label="The family's mobile number (if sending a text message)",
        help_text="Used once to send the link, then forgotten: it is not kept.")

    def __init__(self, *args: Any, sets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question_set"].choices = [  # type: ignore[attr-defined]
            (s.key, f"{s.name} ({s.audience_label.lower()})") for s in sets]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        how = data.get("how")
        if how in ("email", "sms", "letter") and not data.get("question_set"):
            self.add_error("question_set", "Choose the questions")
        if how == "email" and not data.get("email"):
            self.add_error("email", "Enter the family's e-mail address")
        if how == "sms" and not (data.get("mobile") or "").strip():
            self.add_error("mobile", "Enter the family's mobile number")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=30, label="Your code",
        help_text="The 10 letters and numbers in your letter, like ACDEF-23467.",
        error_messages={"required": "Enter the code from your letter"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "autocapitalize": "characters"}))


class LetterPdfForm(forms.Form):
    token = forms.CharField(max_length=100)
    code = forms.CharField(max_length=30)


class ClosureFormForm(FeedbackForm):
    """000's closure form: its questions, the interpreter, and the day it was completed."""

    def __init__(self, *args: Any, question_set: Any, **kwargs: Any) -> None:
        super().__init__(*args, question_set=question_set, **kwargs)
        del self.fields["consent_to_quote"]
        self.fields["completed_on"] = forms.DateField(
            widget=DateInput, label="Date completed with the family",
            error_messages={"required": "Enter the date it was completed",
                            "invalid": "Enter a real date"})
