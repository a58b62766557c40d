"""Forms for uploading a tool and changing one framework setting, now or from a date."""

from __future__ import annotations

from typing import Any

from django import forms

from auditloop.common.idempotency import TOKEN_FIELD, IdempotentForm, token_field
from auditloop.people.models import Service
from auditloop.people.roles import Role
from auditloop.standards import selectors, settings_spec
from auditloop.standards.models import FrameworkSettings, Tool
from auditloop.standards.seeds import cite
from auditloop.standards.settings_spec import Setting
from auditloop.standards.yamlcheck import FileProblems, dump, read_value

REASON_LABEL = "Why are you making this change? (optional)"
REASON_TOO_LONG = "The reason must be 500 characters or fewer"
YES_NO = [("yes", "Yes"), ("no", "No")]


class ToolUploadForm(forms.Form):
    file = forms.FileField(
        label="Tool file (.yaml)",
        help_text="Download a tool's file from its page, change it, and upload it here. You "
                  "will see what has changed before it becomes a new version.",
    )
    note = forms.CharField(
        label="What has changed? (optional)", max_length=500, required=False,
        help_text="Shown in the tool's list of versions.",
    )


class SettingForm(forms.Form):
    """One setting's new value (`value`) and why it changed (`reason`)."""

    reason = forms.CharField(label=REASON_LABEL, max_length=500, required=False,
                             error_messages={"max_length": REASON_TOO_LONG})

    def __init__(self, *args: Any, setting: Setting, row: FrameworkSettings,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setting = setting
        current = getattr(row, setting.name)
        value_field, initial = _value_field(setting, row, current)
        value_field.label = setting.label
        value_field.help_text = cite(setting.help)
        value_field.error_messages.update(setting.error_messages)
        self.fields = {"value": value_field, "reason": self.fields["reason"]}
        self.initial.setdefault("value", initial)

    def clean_value(self) -> Any:
        value = self.cleaned_data.get("value")
        editor = self.setting.editor
        if editor == "bool":
            return value == "yes"
        if editor == "yaml":
            try:
                return read_value(value or "", "The text", self.setting.spec)
            except FileProblems as exc:
                raise forms.ValidationError(
                    [str(p).removeprefix("The text, ") for p in exc.problems]
                ) from exc
        if editor in ("text", "longtext", "role", "recipient", "choice"):
            return value or ""
        return value


def _value_field(setting: Setting, row: FrameworkSettings, current: Any) -> tuple[forms.Field,
                                                                                  Any]:
    editor = setting.editor
    if editor == "bool":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect), \
            "yes" if current else "no"
    if editor == "choice":
        return forms.ChoiceField(choices=list(setting.field.choices or []),
                                 widget=forms.RadioSelect), current
    if editor == "role":
        return forms.ChoiceField(choices=[("", "Nobody")] + list(Role.choices),
                                 required=False), current
    if editor == "number":
        spec = setting.spec
        return forms.IntegerField(min_value=spec.minimum, max_value=spec.maximum,  # type: ignore[attr-defined]
                                  required=not setting.nullable,
                                  widget=forms.NumberInput), current
    if editor == "percent":
        return forms.DecimalField(min_value=0, max_value=100, max_digits=5, decimal_places=2,
                                  required=not setting.nullable), current
    if editor == "text":
        return forms.CharField(max_length=200, required=False), current
    if editor == "longtext":
        return forms.CharField(widget=forms.Textarea, max_length=2000, required=False), current
    if editor == "roles":
        return _checkboxes(list(Role.choices)), current
    if editor == "services":
        return _checkboxes(list(Service.Kind.choices)), current
    if editor == "tools":
        return _checkboxes([(t.key, f"{t.name} ({t.key})") for t in Tool.objects.all()]), current
    if editor == "grades":
        return _checkboxes(selectors.grade_choices(row.tools or [])), current
    if editor == "recipient":
        return forms.ChoiceField(
            choices=[("", "Nobody")] + settings_spec.recipient_choices(row.contacts or []),
            required=False), current
    return forms.CharField(widget=forms.Textarea, required=False), dump(current)


def _checkboxes(choices: list[tuple[str, str]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                     required=False)


class ThemePlanForm(forms.Form):
    """A text box for each cycle's theme."""

    reason = forms.CharField(label=REASON_LABEL, max_length=500, required=False,
                             error_messages={"max_length": REASON_TOO_LONG})

    def __init__(self, *args: Any, row: FrameworkSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        themes = {t["cycle"]: t for t in row.theme_plan or []}
        reason = self.fields.pop("reason")
        for cycle in range(1, row.cycles_per_year + 1):
            self.fields[f"theme_{cycle}"] = forms.CharField(
                label=f"Cycle {cycle}", max_length=200, required=False, error_messages={
                    "max_length": f"The theme for cycle {cycle} must be 200 characters or "
                                  "fewer"})
            self.initial[f"theme_{cycle}"] = themes.get(cycle, {}).get("theme", "")
        self.fields["reason"] = reason
        self.notes = {c: t.get("note", "") for c, t in themes.items()}
        self.cycles = row.cycles_per_year

    def plan(self) -> list[dict[str, Any]]:
        return [
            {"cycle": c, "theme": self.cleaned_data[f"theme_{c}"].strip(),
             "note": self.notes.get(c, "")}
            for c in range(1, self.cycles + 1) if self.cleaned_data[f"theme_{c}"].strip()
        ]


def _effective_on() -> forms.DateField:
    return forms.DateField(
        label="From which date?",
        help_text="The setting takes the new value from the start of this day. Choose a date "
                  "after today.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date the change takes effect",
                        "invalid": "Enter a real date, for example 1 December 2022"},
    )


class ScheduledSettingForm(IdempotentForm, SettingForm):
    """The same value and checks as a change made today, and the day it takes effect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"effective_on": _effective_on(), **self.fields,
                       TOKEN_FIELD: token_field()}


class ScheduledThemePlanForm(IdempotentForm, ThemePlanForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"effective_on": _effective_on(), **self.fields,
                       TOKEN_FIELD: token_field()}
