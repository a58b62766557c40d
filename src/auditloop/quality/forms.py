"""The forms of Tier 1 quality control: the queue's filters, a record's checklist with its
pass-or-send-back decision, the lead professional's fix and the central team's
confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from auditloop.people.models import Team
from auditloop.quality import checklist as tool
from auditloop.quality.models import QualityCheck
from auditloop.quality.selectors import AGES

QS = QualityCheck.Status
# A date is shown as "27 March 2026" and may be typed that way or most others.
DATE_FORMATS = ["%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%d/%m/%y", "%d %m %Y", "%Y-%m-%d"]
DATE_SHOWN = "%-d %B %Y"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[(QS.WAITING, "Waiting for a check"),
                 (QS.REPORTED, "Put right: to confirm"),
                 (QS.FAILED, "With the lead professional"),
                 (QS.PASSED, "Passed"), (QS.FIXED, "Fixed and passed"), ("all", "Any")])
    kind = forms.ChoiceField(label="Record", required=False)
    team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False,
                                  empty_label="Any")
    age = forms.ChoiceField(label="Date of the record", required=False,
                            choices=[("", "Any")] + [(k, v[0]) for k, v in AGES.items()])

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any"), *kinds.items()]  # type: ignore[attr-defined]


def _answer_field(question: dict[str, Any], definition: dict[str, Any]) -> forms.Field:
    kind = question["answer"]
    required = bool(question.get("required", True)) and not isinstance(
        question.get("applies_when"), dict)
    common: dict[str, Any] = {
        "label": question["text"], "required": required,
        "help_text": question.get("guidance") or "",
        "error_messages": {"required": f"Answer “{question['text']}”",
                           "invalid_choice": f"Choose an answer for “{question['text']}”"},
    }
    choices = tool.answer_choices(question, definition)
    if kind == "multiple_choice":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                         **common)
    if choices:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "number":
        return forms.IntegerField(min_value=question.get("min"), max_value=question.get("max"),
                                  **common)
    if kind == "date":
        common["help_text"] = common["help_text"] or "For example, 27 March 2026"
        return forms.DateField(input_formats=DATE_FORMATS,
                               widget=forms.DateInput(format=DATE_SHOWN), **common)
    return forms.CharField(widget=forms.Textarea, **common)


class ChecklistForm(forms.Form):
    """The tool's checklist for one record, then pass or send back."""

    def __init__(self, checklist: tool.Checklist, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.sections: list[tuple[dict[str, Any], list[tuple[dict[str, Any], str, str]]]] = []
        for section in checklist.sections:
            rows = []
            for q in section["questions"]:
                name = f"{section['key']}__{q['key']}"
                self.fields[name] = _answer_field(q, checklist.definition)
                comment = ""
                if q.get("comment", "none") != "none" and q["answer"] != "text":
                    comment = f"{name}__comment"
                    self.fields[comment] = forms.CharField(
                        widget=forms.Textarea, label="Comment",
                        required=q.get("comment") == "required",
                        error_messages={"required": f"Add a comment for “{q['text']}”"})
                rows.append((q, name, comment))
            self.sections.append((section, rows))
        outcome = checklist.outcome or {}
        self.fields["outcome"] = forms.ChoiceField(
            label=outcome.get("text") or "Outcome of quality control", widget=forms.RadioSelect,
            choices=[(k, checklist.outcome_label(k)) for k in (tool.PASSED, tool.RETURNED)],
            error_messages={"required": "Choose whether it passed or goes back to the lead "
                                        "professional"})
        self.fields["to_fix"] = forms.CharField(
            label=(checklist.to_fix or {}).get("text") or "What needs to be put right",
            widget=forms.Textarea, required=False,
            help_text="Needed if you send it back. The lead professional reads this on the "
                      "check's page; their notice says only which checks were not met.")
        self.fields["agree_action"] = forms.BooleanField(
            label="Also agree an action for the lead professional", required=False,
            help_text="It appears in their actions, for you to sign off.")
        self.fields["action_due_on"] = forms.DateField(
            label="Action to be done by", required=False, input_formats=DATE_FORMATS,
            widget=forms.DateInput(format=DATE_SHOWN),
            help_text="Needed if you agree an action. For example, 27 March 2026",
            error_messages={"invalid": "Enter a real date, like 27 March 2026"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == tool.RETURNED:
            if not (data.get("to_fix") or "").strip():
                self.add_error("to_fix", "Say what the lead professional needs to put right")
            if data.get("agree_action") and not data.get("action_due_on") and not self.has_error(
                    "action_due_on"):
                self.add_error("action_due_on", "Enter the date the action is to be done by")
        if not self.errors:
            for key, message in tool.checklist_problems(self.checklist,
                                                           self.answers()).items():
                name = key.replace(".", "__")
                self.add_error(name if name in self.fields else None, message)
        return data

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        data = getattr(self, "cleaned_data", {})
        for section, rows in self.sections:
            for q, name, comment in rows:
                value = data.get(name)
                if isinstance(value, dt.date):
                    value = value.isoformat()
                result[tool.answer_key(section, q)] = {
                    "value": value if value not in ("", None) else None,
                    "comment": (data.get(comment) or "") if comment else "",
                }
        return result


class FixForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea, label="What have you put right?",
        error_messages={"required": "Say what you put right"},
        help_text="For example: consent record completed and signed on 12 May.")


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        widget=forms.RadioSelect, label="Is it put right?",
        choices=[("fixed", "Yes, it is put right"),
                 ("send_back", "No, send it back to the lead professional")],
        error_messages={"required": "Choose whether it is put right"})
    note = forms.CharField(
        widget=forms.Textarea, required=False, label="What still needs to be put right",
        help_text="Needed if you send it back.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "send_back" and not (data.get("note") or "").strip():
            self.add_error("note", "Say what still needs to be put right")
        return data
