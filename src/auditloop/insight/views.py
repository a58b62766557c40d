"""The reports' pages. Figures only: no child's record is shown, so nothing here is logged;
readers need the capability to read QA reports. Filters travel as ids and keys only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from auditloop.common import charts
from auditloop.common.access import capability_required
from auditloop.common.dates import add_months
from auditloop.insight import figures, report_views, sections
from auditloop.people.models import Locality, Service, Team
from auditloop.people.roles import Capability
from auditloop.standards.models import Tool


def _id_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=label)


class MonthlyReportForm(forms.Form):
    month = forms.CharField(label="Month", required=False, max_length=7,
                            help_text="For example, 2026-03")
    service = _id_field("Service")
    team = _id_field("Team")
    locality = _id_field("Locality")
    tool = forms.ChoiceField(label="Audit tool", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = {
            "service": ("Every service", Service.objects.values_list("pk", "name")),
            "team": ("Every team", Team.objects.values_list("pk", "name")),
            "locality": ("Every locality", Locality.objects.values_list("pk", "name")),
        }
        for name, (empty, pairs) in named.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", empty), *((str(pk), label)
                                            for pk, label in pairs.order_by("name"))]
        tool = self.fields["tool"]
        assert isinstance(tool, forms.ChoiceField)
        tool.choices = [("", "Every tool"),
                        *Tool.objects.values_list("key", "name").order_by("name")]

    def clean_month(self) -> dt.date | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(
                "Enter the month as the year and month number, for example 2026-03") from None


def _last_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def monthly(request: HttpRequest) -> HttpResponse:
    default = _last_month(timezone.localdate())
    form = MonthlyReportForm(request.GET or None, initial={"month": f"{default:%Y-%m}"})
    cleaned = form.cleaned_data if form.is_valid() else {}
    first = cleaned.get("month") or default
    last = add_months(first, 1) - dt.timedelta(days=1)
    scope = figures.Scope(start=first, end=last, service_id=cleaned.get("service"),
                          team_id=cleaned.get("team"), locality_id=cleaned.get("locality"),
                          tool_key=cleaned.get("tool") or "")
    result = figures.monthly(scope)
    drawn = []
    if result.good_trend and result.good_trend.points:
        drawn.append(("good", result.good_trend, charts.draw(
            result.good_trend, title="Audits good or better each month", as_percent=True)))
    if result.impact_trend and result.impact_trend.points:
        drawn.append(("impact", result.impact_trend, charts.draw(
            result.impact_trend, title="Mean impact score each month (out of 10)")))
    return render(request, "insight/monthly.html", {
        "form": form, "figures": result, "charts": drawn,
        "month_label": f"{first:%B %Y}", "previous": add_months(first, -1),
        "next": add_months(first, 1) if last < timezone.localdate() else None,
        "query": [(k, v) for k, v in request.GET.items() if k != "month" and v],
        # The audits behind each figure (insight:audits), as its filters.
        "drill": sections.drill(scope),
    })


urlpatterns: list[URLPattern] = [
    path("monthly/", monthly, name="monthly"),
    *report_views.urlpatterns,
]
