"""Forms of moderation's pages. They parse input; the services hold the rules. The grading
forms are built from the tool's graded sections (moderation.services.graded_sections)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from auditloop.common.idempotency import IdempotentForm
from auditloop.moderation.models import ModerationSample
from auditloop.moderation.services import Decision, GradedSection
from auditloop.standards.models import ToolVersion

REASON_ERRORS = {"required": "Enter the reason"}


class DateInput(forms.DateInput):
    input_type = "date"


class DrawForm(forms.Form):
    mode = forms.ChoiceField(choices=ModerationSample.Mode.choices, widget=forms.RadioSelect,
                             label="How will the panel moderate?",
                             error_messages={"required": "Choose how the panel moderates"})


class RedrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, max_length=500, label="Why draw again?",
                             error_messages=REASON_ERRORS)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, max_length=500, label="Reason",
                             error_messages=REASON_ERRORS)


class AddAuditForm(forms.Form):
    audit = forms.TypedChoiceField(coerce=int, label="Audit",
                                   error_messages={"required": "Choose an audit"})
    reason = forms.CharField(widget=forms.Textarea, max_length=500,
                             label="Why add it to the sample?", error_messages=REASON_ERRORS)

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audit"].choices = [("", "Choose an audit"), *choices]  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    person = forms.TypedChoiceField(coerce=int, label="Moderator", widget=forms.RadioSelect,
                                    error_messages={"required": "Choose a moderator"})
    reason = forms.CharField(widget=forms.Textarea, max_length=500,
                             label="Why does it go to another moderator?",
                             error_messages=REASON_ERRORS)

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = list(choices)  # type: ignore[attr-defined]


class ModeForm(forms.Form):
    mode = forms.ChoiceField(choices=ModerationSample.Mode.choices, widget=forms.RadioSelect,
                             label="How will the panel moderate?",
                             error_messages={"required": "Choose how the panel moderates"})


class MeetingForm(forms.Form):
    held_on = forms.DateField(widget=DateInput, required=False, label="Held on",
                              error_messages={"invalid": "Enter a real date"})
    attendees = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Panel members who attended")
    others = forms.CharField(max_length=500, required=False, label="Others who attended",
                             help_text="For example a manager whose knowledge was asked for.")
    record = forms.CharField(widget=forms.Textarea, required=False,
                             label="Record of the meeting")
    learning_points = forms.CharField(widget=forms.Textarea, required=False,
                                      label="Learning points",
                                      help_text="What the panel learned about the quality of "
                                                "practice and of the audits.")

    def __init__(self, *args: Any, choices: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = list(choices)  # type: ignore[attr-defined]


class DiscussionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea, label="What the panel said about this audit",
                           error_messages={"required": "Write what the panel said"})


class CalibrationForm(IdempotentForm):
    title = forms.CharField(max_length=200, label="Title",
                            error_messages={"required": "Enter a title"})
    tool_version = forms.TypedChoiceField(coerce=int, label="Audit tool",
                                          error_messages={"required": "Choose a tool"})
    vignette = forms.CharField(
        widget=forms.Textarea, label="The case, anonymised",
        help_text="Write the case as a vignette: invented names, no identifiers, no link to "
                  "a case record.", error_messages={"required": "Write the case to grade"})
    participants = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Who takes part", help_text="Leave all unticked for every auditor.")

    def __init__(self, *args: Any, tools: Sequence[ToolVersion] = (),
                 people: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool_version"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a tool"), *[(v.pk, f"{v.tool.name} (version {v.number})")
                                     for v in tools]]
        self.fields["participants"].choices = list(people)  # type: ignore[attr-defined]


# The grading forms: read straight from the POST, one radio group per graded section --------


def posted_grades(data: Mapping[str, Any], sections: Sequence[GradedSection]) -> dict[str, str]:
    return {s.key: str(data.get(f"grade-{s.key}", "")).strip() for s in sections}


def posted_decisions(data: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Decision]:
    out = {}
    for key in keys:
        agrees = data.get(f"agrees-{key}")
        out[key] = Decision(
            agrees=True if agrees == "yes" else False if agrees == "no" else None,
            grade=str(data.get(f"grade-{key}", "")).strip(),
            reason=str(data.get(f"reason-{key}", "")).strip())
    return out
