"""Forms for working an action (progress, sign-off, comments), action plans and findings.

They parse input; the services hold the rules.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from auditloop.actions import selectors
from auditloop.actions.models import (
    Action,
    ActionPlan,
    ActionPlanReview,
    Finding,
    LearningSource,
)
from auditloop.common.idempotency import IdempotentForm
from auditloop.common.widgets import staff_select
from auditloop.people.models import Person


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Action.Status.RED, Action.Status.RED.label),
                 (Action.Status.AMBER, Action.Status.AMBER.label)],
        widget=forms.RadioSelect, label="Progress",
    )
    note = forms.CharField(widget=forms.Textarea, required=False, label="What has happened")


class SubmitForm(forms.Form):
    evidence = forms.CharField(
        widget=forms.Textarea, label="What was done, and where is the evidence?",
        help_text="For example: the supervision note of 3 May records the plan review.",
    )


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("sign_off", "Sign off as done"), ("refuse", "Not done yet")],
        widget=forms.RadioSelect, label="Is the action done?",
    )
    note = forms.CharField(widget=forms.Textarea, required=False,
                           label="Comments", help_text="Required if it is not done yet: "
                           "say what still needs to happen.")


class CommentForm(IdempotentForm):
    text = forms.CharField(widget=forms.Textarea, label="Add a comment")


# ---------------------------------------------------------------- action plans and findings


class DateInput(forms.DateInput):
    input_type = "date"


ORIGIN = r"^[a-z][a-z_-]*:\d+$"


class _Tokened(IdempotentForm):
    """A create form with the shared one-off token (common.idempotency)."""

    # The meeting, audit or moderation that the recommendation or finding came from, as its
    # page names it (e.g. "cycle:12"): the page then lists what was made from it.
    origin = forms.RegexField(regex=ORIGIN, widget=forms.HiddenInput, required=False,
                              max_length=60)

    def source_key(self) -> str:
        """The origin's key, whose (key, title or text) a second form for the same origin
        cannot make twice; else the form's own one-off token."""
        return self.cleaned_data.get("origin") or (f"form:{self.token}" if self.token else "")



def initial_from(query: Any) -> dict[str, Any]:
    """What a page linking here says about the recommendation's source (no personal data:
    a source kind, the meeting's or audit's name, its theme and key)."""
    out: dict[str, Any] = {}
    if query.get("source") in dict(LearningSource.choices):
        out["source"] = query["source"]
    for name, field in (("label", "source_label"), ("theme", "theme")):
        if query.get(name):
            out[field] = str(query[name])[:200]
    if re.match(ORIGIN, query.get("from", "")):
        out["origin"] = query["from"]
    return out


class PersonChoice(forms.ModelChoiceField):
    widget = staff_select()

    def label_from_instance(self, obj: Any) -> str:
        team = f", {obj.team}" if getattr(obj, "team", None) else ""
        return f"{obj.full_name}{team}"


SOURCE_CHOICES = LearningSource.choices


class PlanForm(_Tokened):
    title = forms.CharField(max_length=200, label="Title",
                            help_text="A short name, for example: Management oversight in "
                            "the Early Help teams.",
                            error_messages={"required": "Enter a title for the plan"})
    recommendation = forms.CharField(
        widget=forms.Textarea, label="The recommendation the plan answers",
        help_text="As the report or meeting wrote it.",
        error_messages={"required": "Enter the recommendation"})
    source = forms.ChoiceField(choices=SOURCE_CHOICES, widget=forms.RadioSelect,
                               label="Where does the recommendation come from?",
                               error_messages={"required": "Choose where it comes from"})
    source_label = forms.CharField(
        max_length=200, label="Which one",
        help_text="For example: QA meeting, June 2026, or thematic audit of neglect.",
        error_messages={"required": "Say which meeting, audit or report"})
    theme = forms.CharField(max_length=120, required=False, label="Theme (optional)",
                            help_text="For example: Neglect. Plans and findings with the same "
                            "theme are shown together.")
    strategic_lead = PersonChoice(queryset=Person.objects.none(), label="Strategic lead",
                                  help_text="Who owns the plan for their service area.",
                                  error_messages={"required": "Choose the strategic lead",
                                                  "invalid_choice": "Choose a strategic lead "
                                                  "from the list"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategic_lead"].queryset = (  # type: ignore[attr-defined]
            selectors.lead_candidates().select_related("team"))


class PlanActionForm(IdempotentForm):
    issue = forms.CharField(widget=forms.Textarea, label="Issue",
                            help_text="What the recommendation found needs to change.",
                            error_messages={"required": "Enter the issue"})
    action = forms.CharField(widget=forms.Textarea, label="Action",
                             help_text="What will be done.",
                             error_messages={"required": "Enter what will be done"})
    by_whom = forms.CharField(max_length=300, label="By whom",
                              help_text="For example: Early Help team managers.",
                              error_messages={"required": "Enter who will do it"})
    owner = PersonChoice(queryset=Person.objects.none(), label="Owner",
                         help_text="The one person who answers for it.",
                         error_messages={"required": "Choose the owner",
                                         "invalid_choice": "Choose the owner from the list"})
    due_on = forms.DateField(widget=DateInput, label="By when",
                             error_messages={"required": "Enter the date it will be done by",
                                             "invalid": "Enter a real date"})
    desired_outcome = forms.CharField(widget=forms.Textarea, label="Desired outcome",
                                      error_messages={"required": "Enter the desired outcome"})
    success_measure = forms.CharField(
        widget=forms.Textarea, label="How will we know the plan has worked?",
        error_messages={"required": "Say how you will know it has worked"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(is_active=True).select_related("team").order_by("full_name"))


class ReviewForm(IdempotentForm):
    reviewed_on = forms.DateField(widget=DateInput, label="Date of the review",
                                  help_text="The day of the QA meeting that reviewed it.",
                                  error_messages={"required": "Enter the date of the review",
                                                  "invalid": "Enter a real date"})
    rag = forms.ChoiceField(choices=ActionPlanReview.Rag.choices, widget=forms.RadioSelect,
                            label="Overall progress",
                            error_messages={"required": "Choose red, amber or green"})
    progress = forms.CharField(widget=forms.Textarea, label="Progress",
                               help_text="What the plan's actions have done since the last "
                               "review.", error_messages={"required": "Describe the progress"})
    changes = forms.CharField(widget=forms.Textarea, required=False,
                              label="What has changed in practice (optional)",
                              help_text="The evidence: audits, feedback, figures.")
    next_review_on = forms.DateField(widget=DateInput, required=False,
                                     label="Next review (optional)",
                                     error_messages={"invalid": "Enter a real date"})

    def __init__(self, *args: Any, cadence: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["next_review_on"].help_text = (
            f"Leave empty for {cadence} months from the review, as the framework sets. You "
            "can bring it forward." if cadence else
            "The framework sets no review cadence: leave empty for no date.")


class LeadForm(forms.Form):
    lead = PersonChoice(queryset=Person.objects.none(), label="New strategic lead",
                        error_messages={"required": "Choose the new strategic lead",
                                        "invalid_choice": "Choose a strategic lead from the "
                                        "list"})
    note = forms.CharField(widget=forms.Textarea, required=False, label="Why (optional)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (  # type: ignore[attr-defined]
            selectors.lead_candidates().select_related("team"))


class CloseForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea, label="What did the plan achieve?",
                              error_messages={"required": "Say what the plan achieved"})
    open_actions_reason = forms.CharField(
        widget=forms.Textarea, required=False,
        label="Why close it with actions still open?",
        help_text="Needed only if some of its actions are not signed off.")


class FindingForm(_Tokened):
    text = forms.CharField(
        widget=forms.Textarea, label="Finding",
        help_text="Write about practice, not people: no names, case references or details "
        "that could identify a child, a family or a worker.",
        error_messages={"required": "Write the finding"})
    tags = forms.MultipleChoiceField(
        choices=Finding.Tag.choices, widget=forms.CheckboxSelectMultiple,
        label="What kind of finding is it?", help_text="Choose all that apply.",
        error_messages={"required": "Choose at least one kind of finding"})
    source = forms.ChoiceField(choices=SOURCE_CHOICES, widget=forms.RadioSelect,
                               label="Where does it come from?",
                               error_messages={"required": "Choose where it comes from"})
    source_label = forms.CharField(
        max_length=200, label="Which one",
        help_text="For example: QA meeting, June 2026.",
        error_messages={"required": "Say which meeting, audit or report"})
    theme = forms.CharField(max_length=120, required=False, label="Theme (optional)")
    plan = forms.ModelChoiceField(queryset=ActionPlan.objects.none(), required=False,
                                  label="Action plan that addresses it (optional)",
                                  empty_label="None yet")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = selectors.open_plans()  # type: ignore[attr-defined]


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any"), *ActionPlan.Status.choices],
                               required=False, label="Status")
    lead = forms.ModelChoiceField(queryset=Person.objects.none(), required=False,
                                  label="Strategic lead", empty_label="Anyone",
                                  widget=staff_select())
    source = forms.ChoiceField(choices=[("", "Any"), *SOURCE_CHOICES], required=False,
                               label="Source")
    overdue = forms.ChoiceField(choices=[("", "Any"), ("yes", "Review overdue")],
                                required=False, label="Review")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = selectors.plan_leads()  # type: ignore[attr-defined]


class FindingFilterForm(forms.Form):
    theme = forms.ChoiceField(choices=[], required=False, label="Theme")
    since = forms.DateField(widget=DateInput, required=False, label="Recorded from",
                            error_messages={"invalid": "Enter a real date"})
    until = forms.DateField(widget=DateInput, required=False, label="Recorded up to",
                            error_messages={"invalid": "Enter a real date"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [  # type: ignore[attr-defined]
            ("", "Any"), *((t, t) for t in selectors.finding_themes())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date")
        return data
