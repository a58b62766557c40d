"""The information governance lead's pages: the access log (who looked at which record) and
the sign-in events, each searchable and exportable. Only holders of VIEW_ACCESS_LOG open
them; they need no access to the cases they name.

A case reference is never put in a URL: the search form is posted, the reference is turned
into the case's id, and the page is shown at a URL of ids, keys and dates only."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.cases.selectors import case_id_for_reference, references_of
from auditloop.common.access import capability_required, log_access
from auditloop.common.models import AccessLog
from auditloop.common.widgets import staff_select
from auditloop.governance import logs
from auditloop.people.models import SignInEvent
from auditloop.people.roles import Capability

PAGE_SIZE = 50
# A date is shown as "1 November 2026" and may be typed that way or most others.
DATE_FORMATS = ["%d %B %Y", "%d %b %Y", "%d %m %Y", "%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Filters(forms.Form):
    person = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                    label="Person", widget=staff_select())
    kind = forms.ChoiceField(required=False)
    start = forms.DateField(input_formats=DATE_FORMATS, required=False, label="From",
                            help_text="For example, 1 November 2026",
                            widget=forms.DateInput(format="%-d %B %Y"))
    end = forms.DateField(input_formats=DATE_FORMATS, required=False, label="To",
                          help_text="For example, 30 November 2026",
                          widget=forms.DateInput(format="%-d %B %Y"))

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", "Anyone"), *((str(pk), label) for pk, label in people)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The ‘to’ date must be the same as or after the ‘from’ date")
        return data

    def filters(self, **extra: Any) -> logs.Filters:
        start, end = logs.default_range(timezone.localdate())
        if not self.is_bound or not self.is_valid():
            return logs.Filters(start=start, end=end)
        d = self.cleaned_data
        return logs.Filters(start=d["start"] or start, end=d["end"] or end,
                            user_id=d["person"], kind=d["kind"] or "", **extra)


class AccessLogFilters(_Filters):
    reference = forms.CharField(required=False, max_length=64, label="Case reference",
                                help_text="Shows the case and its audits")
    # From the URL only (the posted form carries the reference instead).
    case = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.label = "Action"
        kind.choices = [("", "Any action"), *AccessLog.Action.choices]

    def clean_reference(self) -> str:
        reference = str(self.cleaned_data.get("reference") or "").strip()
        if reference:
            case_id = case_id_for_reference(reference)
            if case_id is None:
                raise forms.ValidationError("No case has this reference. Check it and try "
                                            "again.")
            self.case_id = case_id
        return reference

    def filters(self, **extra: Any) -> logs.Filters:
        case_id = getattr(self, "case_id", None)
        if case_id is None and self.is_bound and self.is_valid():
            case_id = self.cleaned_data.get("case")
        return super().filters(case_id=case_id, **extra)


class SignInEventFilters(_Filters):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.label = "What happened"
        kind.choices = [("", "Anything"), *SignInEvent.Kind.choices]


def _times() -> dict[str, Any]:
    return {"uk_time": logs.uk_time, "utc_time": lambda at: at.astimezone(dt.UTC)}


def _redirect(name: str, filters: logs.Filters) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode(filters.query_items())}")


def _initial_reference(form: AccessLogFilters, filters: logs.Filters) -> None:
    """Show the reference for the case id in the URL (not the other way round)."""
    if filters.case_id and not form.data.get("reference"):
        data = dict(form.data.items())
        data["reference"] = references_of([filters.case_id]).get(filters.case_id, "")
        form.data = data


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_ACCESS_LOG)
def access_log(request: HttpRequest) -> HttpResponse:
    people = logs.people_choices()
    if request.method == "POST":
        form = AccessLogFilters(request.POST, people=people)
        if form.is_valid():
            return _redirect("governance:access_log", form.filters())
    else:
        form = AccessLogFilters(request.GET or None, people=people)
    filters = form.filters()
    if form.is_bound and not form.errors:
        _initial_reference(form, filters)
    qs = logs.access_log(filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = logs.rows_with_references(list(page.object_list))
    return render(request, "governance/access_log.html", {
        "form": form, "page": page, "rows": rows, "filters": filters,
        "query": filters.query_items(), "page_has_errors": bool(form.errors),
        **_times(),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.VIEW_ACCESS_LOG)
def sign_in_events(request: HttpRequest) -> HttpResponse:
    people = logs.people_choices()
    if request.method == "POST":
        form = SignInEventFilters(request.POST, people=people)
        if form.is_valid():
            return _redirect("governance:sign_in_events", form.filters())
    else:
        form = SignInEventFilters(request.GET or None, people=people)
    filters = form.filters()
    qs = logs.sign_in_events(filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/sign_in_events.html", {
        "form": form, "page": page, "filters": filters, "query": filters.query_items(),
        "page_has_errors": bool(form.errors), **_times(),
    }, status=400 if form.errors else 200)


def _download(body: Any, name: str, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        body(response)
    else:
        response = HttpResponse(body(None), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _export_access_log(request: HttpRequest, fmt: str) -> HttpResponse:
    form = AccessLogFilters(request.GET or None, people=logs.people_choices())
    filters = form.filters()
    rows = logs.access_export_rows(logs.access_log(filters))
    # The export is itself recorded, with the filters it used (ids and dates only).
    log_access(request, object_type="access_log", object_id=filters.log_key(),
               action=AccessLog.Action.EXPORT)
    name = f"access-log-{timezone.localdate().isoformat()}"
    if fmt == "csv":
        return _download(lambda out: logs.to_csv(out, logs.ACCESS_HEADER, rows), name, fmt)
    return _download(lambda _: logs.to_xlsx(logs.ACCESS_HEADER, rows, title="Access log"),
                     name, fmt)


@require_GET
@capability_required(Capability.VIEW_ACCESS_LOG)
def access_log_csv(request: HttpRequest) -> HttpResponse:
    return _export_access_log(request, "csv")


@require_GET
@capability_required(Capability.VIEW_ACCESS_LOG)
def access_log_xlsx(request: HttpRequest) -> HttpResponse:
    return _export_access_log(request, "xlsx")


@require_GET
@capability_required(Capability.VIEW_ACCESS_LOG)
def sign_in_events_csv(request: HttpRequest) -> HttpResponse:
    form = SignInEventFilters(request.GET or None, people=logs.people_choices())
    filters = form.filters()
    rows = logs.event_export_rows(logs.sign_in_events(filters))
    log_access(request, object_type="sign_in_events", object_id=filters.log_key(),
               action=AccessLog.Action.EXPORT)
    name = f"sign-in-events-{timezone.localdate().isoformat()}"
    return _download(lambda out: logs.to_csv(out, logs.EVENTS_HEADER, rows), name, "csv")

