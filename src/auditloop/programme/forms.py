"""Forms of the audit programme's pages. They parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from auditloop.cases.models import Case, Theme
from auditloop.common.idempotency import IdempotentForm
from auditloop.common.widgets import staff_select
from auditloop.people.models import Locality, Person, Service, Team
from auditloop.people.roles import Role
from auditloop.programme.models import CaseRequest, Cycle, CycleNotice
from auditloop.programme.proposals import CASE_IDS_MAX

ONE_OFF_KINDS = [(k, label) for k, label in Cycle.Kind.choices if k != Cycle.Kind.MONTHLY]


class DateInput(forms.DateInput):
    input_type = "date"


class CycleForm(IdempotentForm):
    year = forms.IntegerField(min_value=2000, max_value=2100, label="Year",
                              error_messages={"required": "Enter the year"})
    number = forms.IntegerField(min_value=1, max_value=52, label="Cycle number",
                                help_text="With 12 cycles a year, the month: 6 is June.",
                                error_messages={"required": "Enter the cycle's number"})
    theme = forms.CharField(max_length=200, required=False, label="Theme (optional)",
                            help_text="Leave empty to take it from the year's theme plan or "
                                      "the last QA meeting's prevalent issue.")
    theme_reason = forms.CharField(max_length=500, required=False,
                                   label="Why this theme (optional)")


class ProgrammeForm(IdempotentForm):
    kind = forms.ChoiceField(choices=ONE_OFF_KINDS, widget=forms.RadioSelect,
                             label="What kind of audit programme is it?",
                             error_messages={"required": "Choose the kind of programme"})
    name = forms.CharField(max_length=200, label="Name",
                           help_text="For example: Neglect, multi-agency audit, spring 2026.",
                           error_messages={"required": "Enter the programme's name"})
    period_start = forms.DateField(widget=DateInput, label="First day",
                                   error_messages={"required": "Enter the first day",
                                                   "invalid": "Enter a real date"})
    period_end = forms.DateField(widget=DateInput, label="Last day (audits due)",
                                 error_messages={"required": "Enter the last day",
                                                 "invalid": "Enter a real date"})
    meeting_on = forms.DateField(widget=DateInput, required=False,
                                 label="Meeting to discuss the audits (optional)",
                                 error_messages={"invalid": "Enter a real date"})
    theme = forms.CharField(max_length=200, required=False, label="Theme (optional)")
    auditor_roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False,
        label="Who audits", help_text="None ticked means the framework's auditors. For a "
                                      "multi-agency audit, tick partner-agency leads too.")
    lead_auditor: forms.ModelChoiceField[Person] = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label="Lead auditor (optional)",
        widget=staff_select())
    follow_up_of: forms.ModelChoiceField[Cycle] = forms.ModelChoiceField(
        queryset=Cycle.objects.none(), required=False, label="A second stage of (optional)",
        help_text="For example, the external audit's second stage six months later.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_auditor"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            is_active=True).order_by("full_name")
        self.fields["follow_up_of"].queryset = Cycle.objects.exclude(  # type: ignore[attr-defined]
            kind=Cycle.Kind.MONTHLY).order_by("-period_start")


def _choices(model: Any) -> list[tuple[int, str]]:
    return list(model.objects.order_by("name").values_list("pk", "name"))


UNREADABLE_CASES = ("The cases the signal counted could not be read. Untick the box to draw "
                    "from every case the other filters allow")


class CaseIdsField(forms.Field):
    """Record numbers of cases (an indicator signal's own, from an accepted themed-audit
    proposal), carried through the form's body in hidden inputs: never shown one by one,
    never in a URL, and checked against the register when the form is cleaned."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = {int(v) for v in values}
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(UNREADABLE_CASES, code="invalid") from exc
        if any(i <= 0 for i in ids):
            raise forms.ValidationError(UNREADABLE_CASES, code="invalid")
        if len(ids) > CASE_IDS_MAX:
            raise forms.ValidationError(
                f"The filter names {len(ids):,} cases: it may name at most {CASE_IDS_MAX}. "
                "Untick the box and filter by team or service instead", code="too_many")
        return sorted(ids)


def _lenient_ids(values: Any) -> set[int]:
    out = set()
    for v in values or []:
        try:
            out.add(int(v))
        except (TypeError, ValueError):
            continue
    return {i for i in out if i > 0}


class CaseLimitForm(forms.Form):
    """The filter of named cases (programme.proposals: `case_ids`, an indicator signal's
    own cases): the ids ride in hidden inputs and one box, ticked when there are any, keeps
    the limit; unticked, the draw takes every case the other filters allow. Cases no longer
    on the register are left out (the box counts those still there)."""

    case_ids = CaseIdsField(required=False)
    limit_to_cases = forms.BooleanField(
        required=False, label="Only the cases the signal counted",
        help_text="From the proposed themed audit this cycle accepted. Untick to draw from "
                  "every case the other filters allow.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            carried = _lenient_ids(self.initial.get("case_ids"))
        elif hasattr(self.data, "getlist"):
            carried = _lenient_ids(self.data.getlist("case_ids"))
        else:
            raw = self.data.get("case_ids")
            carried = _lenient_ids(raw if isinstance(raw, list | tuple) else [raw])
        if len(carried) > CASE_IDS_MAX:
            count = len(carried)  # the field says what is wrong
        else:
            count = Case.objects.filter(pk__in=carried).count() if carried else 0
        box = self.fields["limit_to_cases"]
        box.initial = bool(self.initial.get("case_ids"))
        if count:
            box.label = f"Only the {count:,} case{'' if count == 1 else 's'} the signal counted"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "case_ids" in self.errors:
            # A hidden field's error belongs to the box the page shows.
            for error in self.errors.pop("case_ids"):
                self.add_error("limit_to_cases", error)
            return data
        ids = data.get("case_ids") or []
        if not data.get("limit_to_cases") or not ids:
            data["case_ids"] = []
            return data
        found = sorted(Case.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if not found:
            self.add_error("limit_to_cases", "None of the cases the signal counted is on the "
                                             "register now. Untick the box to draw from "
                                             "every case the other filters allow")
        data["case_ids"] = found
        return data


class ProposeForm(CaseLimitForm):
    random_count = forms.IntegerField(
        min_value=0, max_value=5000, label="How many cases to choose at random",
        required=False,
        help_text="A dip sample of the eligible cases. Re-audits due, requests, nominations "
                  "and drift come on top, marked as such.",
        error_messages={"min_value": "Enter 0 or more"})
    stratify_by = forms.MultipleChoiceField(
        choices=[("locality", "Locality: from across the county"), ("service", "Service")],
        widget=forms.CheckboxSelectMultiple, required=False,
        label="Spread the sample by", help_text="In proportion to the open cases of each.")
    favour_uncovered = forms.BooleanField(
        required=False, label="Favour teams and localities short of the coverage target")
    drift = forms.BooleanField(required=False, initial=True,
                               label="Add cases picked up by the drift thresholds")
    include_closed = forms.BooleanField(required=False, label="Include closed cases")
    service_ids = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Services")
    team_ids = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Teams",
                                              widget=forms.CheckboxSelectMultiple)
    locality_ids = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                                  label="Localities",
                                                  widget=forms.CheckboxSelectMultiple)
    themes = forms.MultipleChoiceField(required=False, label="Themes",
                                       widget=forms.CheckboxSelectMultiple)
    agency_type = forms.CharField(max_length=120, required=False,
                                  label="Agency type (optional)",
                                  help_text="For example: health visitor.")
    open_longer_than_months = forms.IntegerField(
        min_value=1, max_value=240, required=False,
        label="Open longer than this many months (optional)")
    step_down_only = forms.BooleanField(required=False, label="Stepped down only")
    previously_audited_count = forms.IntegerField(
        min_value=0, max_value=5000, required=False,
        label="Cases audited before, chosen again to test improvement (optional)",
        help_text="004: a sample of cases audited in the last months.")
    previously_audited_months = forms.IntegerField(
        min_value=1, max_value=120, required=False,
        label="Audited within this many months (optional)")
    seed = forms.IntegerField(min_value=0, max_value=2**62, required=False,
                              label="Seed (optional)",
                              help_text="Leave empty for a new random draw. Enter a stored "
                                        "seed to repeat a draw.")

    def __init__(self, *args: Any, size_range: tuple[int, int] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if size_range is not None and size_range[0] != size_range[1]:
            # 003: "approximately 6/8 open CAF cases per month".
            self.fields["random_count"].help_text += (
                f" Leave empty to take the framework's number: between {size_range[0]} and "
                f"{size_range[1]}, drawn with the seed and recorded with the draw.")
        self.fields["service_ids"].choices = _choices(Service)  # type: ignore[attr-defined]
        self.fields["team_ids"].choices = _choices(Team)  # type: ignore[attr-defined]
        self.fields["locality_ids"].choices = _choices(Locality)  # type: ignore[attr-defined]
        self.fields["themes"].choices = [  # type: ignore[attr-defined]
            (n, n) for n in Theme.objects.order_by("name").values_list("name", flat=True)]

    def ask(self) -> Any:
        from auditloop.programme.services import SelectionAsk

        d = self.cleaned_data
        return SelectionAsk(
            random_count=d["random_count"], seed=d.get("seed"),
            stratify_by=tuple(d["stratify_by"]), include_closed=d["include_closed"],
            service_ids=tuple(d["service_ids"]), team_ids=tuple(d["team_ids"]),
            locality_ids=tuple(d["locality_ids"]), case_ids=tuple(d.get("case_ids") or ()),
            agency_types=(d["agency_type"],) if d["agency_type"].strip() else (),
            open_longer_than_months=d.get("open_longer_than_months"),
            step_down_only=d["step_down_only"], themes=tuple(d["themes"]), drift=d["drift"],
            favour_uncovered=d["favour_uncovered"],
            previously_audited_count=d.get("previously_audited_count") or 0,
            previously_audited_months=d.get("previously_audited_months"),
        )


class ReferenceField(forms.CharField):
    def clean(self, value: Any) -> Case | None:  # type: ignore[override]
        text = str(super().clean(value) or "").strip()
        if not text:
            return None
        case = Case.objects.filter(reference__in={text, text.upper()}).first()
        if case is None:
            raise forms.ValidationError(f"There is no case with the reference {text}. Check "
                                        "it against the case register")
        return case


class ChangeCaseForm(forms.Form):
    how = forms.ChoiceField(
        choices=[("next", "Swap it for the next case in the draw"),
                 ("named", "Swap it for a case I name"),
                 ("remove", "Take it off the list")],
        widget=forms.RadioSelect, label="What do you want to do?",
        error_messages={"required": "Choose what to do with the case"})
    reference = ReferenceField(max_length=64, required=False,
                               label="Reference of the case to audit instead",
                               help_text="Only if you name a case.")
    reason = forms.CharField(widget=forms.Textarea, label="Why",
                             help_text="This is recorded with the cycle.",
                             error_messages={"required": "Say why the case is changed"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == "named" and not data.get("reference"):
            self.add_error("reference", "Enter the reference of the case to audit instead")
        return data


class AddCaseForm(forms.Form):
    reference = ReferenceField(max_length=64, label="Case reference",
                               error_messages={"required": "Enter the case reference"})
    reason = forms.CharField(widget=forms.Textarea, label="Why is it added?",
                             error_messages={"required": "Say why this case is added"})


class ThemeForm(forms.Form):
    theme = forms.CharField(max_length=200, required=False, label="Theme")
    reason = forms.CharField(max_length=500, required=False, label="Why this theme")


class IndicatorThemeForm(forms.Form):
    theme = forms.CharField(max_length=200, label="Theme",
                            error_messages={"required": "Enter the theme"})
    indicator = forms.CharField(max_length=300, label="Indicator",
                                help_text="For example: re-referrals, % rising.",
                                error_messages={"required": "Enter the indicator"})
    reason = forms.CharField(widget=forms.Textarea, label="What the indicator suggests",
                             help_text="004: the hypothesis the audits will test.",
                             error_messages={"required": "Say what the indicator suggests"})


class OverrideForm(forms.Form):
    auditors = forms.TypedMultipleChoiceField(
        coerce=int, widget=forms.CheckboxSelectMultiple, label="Auditors",
        error_messages={"required": "Choose at least one auditor"})
    reason = forms.CharField(widget=forms.Textarea, required=False, label="Reason",
                             help_text="Needed when you override a rule, such as an "
                                       "absence or training. It is recorded. A conflict of "
                                       "interest cannot be overridden: choose someone else.")

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auditors"].choices = choices  # type: ignore[attr-defined]


class ConfirmAllocationForm(forms.Form):
    leave_out_blocked = forms.BooleanField(
        required=False, label="Leave cases with no auditor out of this cycle")


class NoticesForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=CycleNotice.Kind.choices, widget=forms.CheckboxSelectMultiple,
        label="Which notices to send",
        error_messages={"required": "Choose which notices to send"})
    late_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        label="Why are these notices late?",
        help_text="Needed when allocations or notices of selection go out after the date "
                  "the framework sets.")


class CloseCycleForm(forms.Form):
    """For each audit of the cycle not submitted yet: carry it into the next cycle, or
    withdraw it with a reason. `shown` holds the audits the page listed, so that a page
    left open while one was submitted is refused rather than half applied."""

    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, audits: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audits = audits
        self.fields["shown"].initial = ",".join(str(a.pk) for a in audits)
        for a in audits:
            self.fields[f"choice-{a.pk}"] = forms.ChoiceField(
                widget=forms.RadioSelect, required=False,
                label=f"What happens to the audit of case {a.case.reference}?",
                choices=[("carry", "Carry it into the next cycle"),
                         ("withdraw", "Withdraw it")])
            self.fields[f"reason-{a.pk}"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}), required=False,
                label=f"Why (case {a.case.reference})",
                help_text="Needed to withdraw it; optional to carry it over.")

    def shown_ids(self) -> list[int]:
        raw = str(self.data.get("shown") or "")
        return [int(x) for x in raw.split(",") if x.strip().isdigit()]


class ConfirmReviewDoneForm(forms.Form):
    """Marking the review done while audits are still open: how many the person saw."""

    open_count = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    confirm_open = forms.BooleanField(required=False,
                                      label="Mark the review done with these audits open")


class MinutesForm(forms.Form):
    impact = forms.CharField(widget=forms.Textarea, required=False,
                             label="Impact: is the child better off?")
    needs_met = forms.CharField(widget=forms.Textarea, required=False,
                                label="How the child's needs were met")
    strengths = forms.CharField(widget=forms.Textarea, required=False, label="Strengths")
    development = forms.CharField(widget=forms.Textarea, required=False,
                                  label="Areas for development")
    actions_agreed = forms.CharField(widget=forms.Textarea, required=False,
                                     label="Actions agreed (optional)")
    discussed = forms.BooleanField(required=False, label="The case has been discussed")


class MeetingDetailsForm(forms.Form):
    attendance = forms.CharField(widget=forms.Textarea, required=False, label="Who attended")
    prevalent_issue = forms.CharField(max_length=300, required=False,
                                      label="The month's prevalent issue")
    sets_next_theme = forms.BooleanField(required=False,
                                         label="Make it the next cycle's theme")


class RequestForm(IdempotentForm):
    reference = ReferenceField(max_length=64, label="Case reference",
                               error_messages={"required": "Enter the case reference"})
    kind = forms.ChoiceField(widget=forms.RadioSelect, label="Why are you putting it forward?",
                             error_messages={"required": "Choose why you are putting it "
                                                         "forward"})
    reason = forms.CharField(widget=forms.Textarea, label="Tell us more",
                             help_text="What the audit should look at. Do not write the "
                                       "child's name.",
                             error_messages={"required": "Say why this case should be "
                                                         "audited"})

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k, CaseRequest.Kind(k).label) for k in kinds]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why",
                             error_messages={"required": "Say why"})


class ChooseAuditorForm(forms.Form):
    person = forms.TypedChoiceField(coerce=int, label="Auditor", widget=staff_select(),
                                    error_messages={"required": "Choose an auditor"})
    reason = forms.CharField(widget=forms.Textarea, required=False, label="Reason",
                             help_text="Needed when you override a rule.")

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Choose an auditor"), *choices]  # type: ignore[attr-defined]


class ContactDoneForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, label="What was agreed (optional)")
