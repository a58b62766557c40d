"""Forms for changing a tool in the browser. Each carries the draft's fingerprint (`seen`)."""

from __future__ import annotations

from typing import Any

from django import forms

from auditloop.standards import schema

ANSWER_CHOICES = list(schema.ANSWERS.items())


def _seen() -> forms.CharField:
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class DraftForm(forms.Form):
    """A change to the draft: only the fingerprint of the draft the page was showing."""

    seen = _seen()


def scale_choices(available: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(key, f"{scale['name']}" + ("" if scale.get("narrative_only") else
                                         f" ({', '.join(lv['label'] for lv in scale['levels'])})"))
            for key, scale in available.items()]


class QuestionForm(DraftForm):
    ref = forms.CharField(label="Number (optional)", required=False, strip=True,
                          help_text="As the tool numbers its questions, for example 3b.")
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Enter the question"})
    guidance = forms.CharField(label="Guidance for the auditor (optional)", required=False,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text="Shown under the question. Start a new paragraph on "
                                         "a new line.")
    answer = forms.ChoiceField(label="How is it answered?", choices=ANSWER_CHOICES,
                               widget=forms.RadioSelect,
                               error_messages={"required": "Choose how the question is "
                                                           "answered"})
    scale = forms.ChoiceField(label="Grade scale (for a grade)", required=False,
                              widget=forms.RadioSelect)
    choices = forms.CharField(label="Choices (for one choice or any number of choices)",
                              required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="One choice on each line.")
    min = forms.IntegerField(label="Lowest number (for a number)", required=False,
                             error_messages={"invalid": "Enter the lowest number as a whole "
                                                        "number, like 0"})
    max = forms.IntegerField(label="Highest number (for a number)", required=False,
                             error_messages={"invalid": "Enter the highest number as a whole "
                                                        "number, like 10"})

    def __init__(self, *args: Any, scales: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].choices = [("", "The tool's usual scale"), *scale_choices(scales)]  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """The fields as the tool file writes them."""
        data = dict(self.cleaned_data)
        data.pop("seen", None)
        data["choices"] = [line.strip() for line in (data.get("choices") or "").splitlines()
                           if line.strip()]
        data["guidance"] = "\n".join(line.rstrip() for line in
                                     (data.get("guidance") or "").strip().splitlines())
        data["text"] = " ".join((data.get("text") or "").split())
        data["scale"] = data.get("scale") or None
        return data


class SectionForm(DraftForm):
    ref = forms.CharField(label="Number (optional)", required=False)
    title = forms.CharField(label="Title", error_messages={"required": "Enter the section's "
                                                                       "title"})
    guidance = forms.CharField(label="Guidance for the auditor (optional)", required=False,
                               widget=forms.Textarea(attrs={"rows": 6}),
                               help_text="Shown at the top of the section. Start a new "
                                         "paragraph on a new line.")
    scale = forms.ChoiceField(label="Grade scale for this section", required=False,
                              widget=forms.RadioSelect)

    def __init__(self, *args: Any, scales: dict[str, dict[str, Any]], graded: bool,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if graded:
            self.fields["scale"].choices = [("", "The tool's usual scale"),  # type: ignore[attr-defined]
                                            *scale_choices(scales)]
        else:
            del self.fields["scale"]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("seen", None)
        data["guidance"] = "\n".join(line.rstrip() for line in
                                     (data.get("guidance") or "").strip().splitlines())
        if "scale" in data:
            data["scale"] = data["scale"] or None
        return data


class ToolScaleForm(DraftForm):
    scale = forms.ChoiceField(label="Which grade scale should the tool use?",
                              widget=forms.RadioSelect,
                              error_messages={"required": "Choose a grade scale"})

    def __init__(self, *args: Any, scales: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scale"].choices = scale_choices(scales)  # type: ignore[attr-defined]


class ScaleLevelsForm(DraftForm):
    """A scale's name and each grade's label and definition."""

    name = forms.CharField(label="Name of the scale",
                           error_messages={"required": "Enter the scale's name"})

    def __init__(self, *args: Any, scale: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.levels = scale.get("levels") or []
        self.initial.setdefault("name", scale["name"])
        for n, level in enumerate(self.levels, start=1):
            self.fields[f"label_{level['key']}"] = forms.CharField(
                label=f"Grade {n}: label", initial=level["label"],
                error_messages={"required": f"Enter a label for grade {n}"})
            self.fields[f"definition_{level['key']}"] = forms.CharField(
                label=f"Grade {n}: definition (optional)", required=False,
                initial=level.get("definition", ""),
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text="What the auditor sees under the grade.")

    def level_changes(self) -> list[dict[str, str]]:
        return [{"key": lv["key"], "label": self.cleaned_data[f"label_{lv['key']}"],
                 "definition": " ".join(
                     (self.cleaned_data[f"definition_{lv['key']}"] or "").split())}
                for lv in self.levels]

    def level_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"label_{lv['key']}"], self[f"definition_{lv['key']}"])
                for lv in self.levels]


class SaveForm(DraftForm):
    note = forms.CharField(label="What has changed? (optional)", max_length=500,
                           required=False, help_text="Shown in the tool's list of versions.",
                           error_messages={"max_length": "Say what has changed in 500 "
                                                         "characters or fewer"})
