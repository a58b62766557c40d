"""Pages for the multi-agency contribution to conferences and reviews (002's Safeguarding
Unit report): the list, on the cases the reader may see, and the page on which an IRO or CP
Chair records a meeting they chaired. Both show case references, so both write access-log
rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.insight import multi_agency
from auditloop.people.roles import Capability as C
from auditloop.practice.meetings import MultiAgencyMeeting
from auditloop.practice.selectors import cases_chaired_by

M = MultiAgencyMeeting
LIST_LIMIT = 200
READERS = (C.OVERSEE_CASES, C.VIEW_TEAM_CASES, C.VIEW_ALL_CASES)
OBJECT_TYPE = "multi_agency_meeting"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _agencies(label: str, help_text: str, required: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=M.Agency.choices, widget=forms.CheckboxSelectMultiple, label=label,
        help_text=help_text, required=bool(required),
        error_messages={"required": required} if required else {})


class MeetingForm(forms.Form):
    case = forms.TypedChoiceField(
        coerce=int, label="Case", help_text="The cases you review or chair now.",
        error_messages={"required": "Choose the case the meeting was about."})
    kind = forms.ChoiceField(
        choices=M.Kind.choices, widget=forms.RadioSelect, label="Meeting",
        error_messages={"required": "Choose the kind of meeting."})
    held_on = forms.DateField(
        widget=DateInput(), label="Date of the meeting",
        error_messages={"required": "Enter the date of the meeting.",
                        "invalid": "Enter the date of the meeting as a real date."})
    invited = _agencies("Agencies invited", "Tick every agency invited.",
                        "Choose the agencies invited to the meeting.")
    attended = _agencies("Agencies that attended", "Of those invited.")
    sent_report = _agencies("Agencies that sent a report", "Of those invited, whether or "
                            "not they attended.")

    def __init__(self, *args: Any, cases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.fields["case"]
        assert isinstance(case, forms.TypedChoiceField)
        case.choices = [("", "Choose a case"), *cases]


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


@require_GET
@capability_required(*READERS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    month = _month(request.GET.get("month", ""))
    rows = list(multi_agency.meetings_for_user(user=request.user, month=month)
                [:LIST_LIMIT + 1])
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    log_access_many(request, object_type=OBJECT_TYPE, object_ids=[m.pk for m in rows])
    first = timezone.localdate().replace(day=1)
    return render(request, "insight/meeting_list.html", {
        "meetings": [(m, [M.agency_label(k) for k in m.invited],
                      [M.agency_label(k) for k in m.attended],
                      [M.agency_label(k) for k in m.sent_report]) for m in rows],
        "more": more, "limit": LIST_LIMIT, "month": month,
        "months": [add_months(first, -i) for i in range(12)],
        "may_record": request.user.has_capability(C.OVERSEE_CASES),  # type: ignore[union-attr]
    })


@require_http_methods(["GET", "POST"])
@capability_required(C.OVERSEE_CASES)
def meeting_new(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person_or_none", None)
    if person is None:
        raise PermissionDenied
    cases = list(cases_chaired_by(person))
    form = MeetingForm(request.POST or None, cases=[(c.pk, c.reference) for c in cases])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = next(c for c in cases if c.pk == d["case"])
        try:
            meeting = multi_agency.meeting_record(
                case=case, actor=person, kind=d["kind"], held_on=d["held_on"],
                invited=d["invited"], attended=d["attended"], sent_report=d["sent_report"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            log_access(request, object_type=OBJECT_TYPE, object_id=meeting.pk)
            messages.success(request, "Meeting recorded. It counts in the Safeguarding "
                                      "Unit's report for its month.")
            return redirect("insight:meeting_list")
    return render(request, "insight/meeting_new.html", {"form": form, "cases": cases},
                  status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_new, name="meeting_new"),
]
