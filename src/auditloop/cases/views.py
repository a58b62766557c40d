"""The case register: list, search and the case page (every view of a case is logged)."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.cases import sections, selectors
from auditloop.cases.models import Case
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.models import AccessLog
from auditloop.people.models import Locality, Service, Team
from auditloop.people.roles import Capability

CASE_READERS = (
    Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES,
    Capability.VIEW_TEAM_CASES,
    Capability.HOLD_CASES,
    Capability.OVERSEE_CASES,
)
PAGE_SIZE = 50


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any")] + list(Case.Status.choices), required=False
    )
    service = forms.ModelChoiceField(Service.objects.all(), required=False, empty_label="Any")
    team = forms.ModelChoiceField(Team.objects.all(), required=False, empty_label="Any")
    locality = forms.ModelChoiceField(Locality.objects.all(), required=False, empty_label="Any")
    allocation = forms.ChoiceField(
        choices=[("", "Any"), ("mine", "Held by me"), ("unallocated", "No key worker")],
        required=False, label="Key worker",
    )


class CaseSearchForm(forms.Form):
    # Sent by POST so that a child's identifier never sits in a URL or a server log.
    reference = forms.CharField(max_length=64, label="Case, child or family reference")


@require_http_methods(["GET", "POST"])
@capability_required(*CASE_READERS)
def case_list(request: HttpRequest) -> HttpResponse:
    filters = CaseFilterForm(request.GET or None, initial={"status": Case.Status.OPEN})
    search = CaseSearchForm(request.POST or None)
    criteria: dict[str, object] = {"status": Case.Status.OPEN} if not request.GET else {}
    if filters.is_valid():
        data = filters.cleaned_data
        criteria = {
            "status": data["status"] or None,
            "service_id": data["service"].pk if data["service"] else None,
            "team_id": data["team"].pk if data["team"] else None,
            "locality_id": data["locality"].pk if data["locality"] else None,
            "allocation": data["allocation"] or None,
        }
    searching = request.method == "POST"
    if searching and search.is_valid():
        criteria = {"reference": search.cleaned_data["reference"].strip()}
    cases = selectors.cases_for_user(user=request.user, **criteria)  # type: ignore[arg-type]
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each case this page of results shows, in one insert: listed, or found in a search.
    log_access_many(request, object_type="case", object_ids=[c.pk for c in page.object_list],
                    action=AccessLog.Action.SEARCH if searching else AccessLog.Action.LIST)
    return render(
        request,
        "cases/case_list.html",
        {"filters": filters, "search": search, "page": page, "searching": searching},
    )


@require_GET
@capability_required(*CASE_READERS)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, case_id)
    log_access(request, object_type="case", object_id=case.pk)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "involvements": selectors.involvement_history(case),
            "events": selectors.case_events(case)[:200],
            # The audits of the case and the like, from the apps above the register.
            "sections": sections.sections_for(request, case),
        },
    )
