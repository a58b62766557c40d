"""The audits behind a report's figure: how many the figure counts, and a list of
those the reader may open.

A figure's cell names its audits as filters (`sections.drill`: ids, keys and dates, never
personal data); this page takes exactly those filters. The audits are chosen by the same
rules as the figure itself (`figures.graded_audits`), so the count here always equals the
figure's. A reader whose roles open no case records (a senior leader) sees only the count;
everyone else sees the audits they could open from the audit page itself, and each one
listed is written to the access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from auditloop.audits.models import Audit
from auditloop.audits.selectors import openable_audit_ids, opens_case_records
from auditloop.common.access import capability_required, log_access_many
from auditloop.insight import figures
from auditloop.people.models import Locality, Service, Team
from auditloop.people.roles import Capability
from auditloop.programme.models import Cycle
from auditloop.standards.models import Tool

PAGE_SIZE = 50
KEYS = ("start", "end", "service", "team", "locality", "tool", "theme", "cycle", "good",
        "grade", "impact")


# --------------------------------------------------------------------------- which audits


def scope_of(drill: Mapping[str, str]) -> figures.Scope:
    """The figure's period and area, from its drill filters."""

    def number(key: str) -> int | None:
        value = drill.get(key)
        return int(value) if value else None

    return figures.Scope(
        start=dt.date.fromisoformat(drill["start"]), end=dt.date.fromisoformat(drill["end"]),
        service_id=number("service"), team_id=number("team"), locality_id=number("locality"),
        tool_key=drill.get("tool", ""), theme=drill.get("theme", ""),
        cycle_id=number("cycle"))


def graded_behind(drill: Mapping[str, str]) -> list[figures.GradedAudit]:
    """The audits a figure counts, as the reports count them (figures.graded_audits), then
    narrowed as the figure's cell was: good or better, one grade, or with an impact score."""
    audits = figures.graded_audits(scope_of(drill))
    if drill.get("good") == "1":
        audits = [a for a in audits if a.good]
    if grade := drill.get("grade"):
        audits = [a for a in audits if a.grade == grade]
    if drill.get("impact") == "1":
        audits = [a for a in audits if a.impact_score is not None]
    return audits


def audits_behind(drill: dict[str, str]) -> list[int]:
    """The ids of the audits a figure counts: as many as the figure says."""
    return [a.id for a in graded_behind(drill)]


# --------------------------------------------------------------------------- the page


def _missing(what: str) -> dict[str, str]:
    return {"invalid_choice": f"There is no {what} with that number. Follow the link from "
                              "the report again."}


def _one(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=[("1", "Yes")],
                             error_messages={"invalid_choice": f"{label} can only be 1"})


class DrillForm(forms.Form):
    """A figure's drill filters, as the page's GET parameters."""

    start = forms.DateField(label="First day", input_formats=["%Y-%m-%d"], error_messages={
        "required": "Enter the first day of the period, for example 2026-03-01",
        "invalid": "Enter the first day as year, month and day, for example 2026-03-01"})
    end = forms.DateField(label="Last day", input_formats=["%Y-%m-%d"], error_messages={
        "required": "Enter the last day of the period, for example 2026-03-31",
        "invalid": "Enter the last day as year, month and day, for example 2026-03-31"})
    service = forms.ModelChoiceField(Service.objects.all(), label="Service", required=False,
                                     error_messages=_missing("service"))
    team = forms.ModelChoiceField(Team.objects.all(), label="Team", required=False,
                                  error_messages=_missing("team"))
    locality = forms.ModelChoiceField(Locality.objects.all(), label="Locality",
                                      required=False, error_messages=_missing("locality"))
    tool = forms.ModelChoiceField(Tool.objects.all(), to_field_name="key", label="Audit tool",
                                  required=False, error_messages={
                                      "invalid_choice": "There is no audit tool with that "
                                                        "key. Follow the link from the "
                                                        "report again."})
    theme = forms.CharField(label="Theme", required=False, max_length=200)
    cycle = forms.ModelChoiceField(Cycle.objects.all(), label="Programme", required=False,
                                   error_messages=_missing("programme"))
    good = _one("Good or better")
    grade = forms.CharField(label="Grade", required=False, max_length=40, validators=[
        RegexValidator(r"^[a-z0-9_-]+$", "A grade is named by its key, for example good")])
    impact = _one("With an impact score")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The last day must be on or after the first day")
        return data

    def drill(self) -> dict[str, str]:
        """The filters as a figure's cell holds them (ids and keys as text)."""
        d = self.cleaned_data
        out = {"start": d["start"].isoformat(), "end": d["end"].isoformat()}
        for key in ("service", "team", "locality", "cycle"):
            if d.get(key) is not None:
                out[key] = str(d[key].pk)
        if d.get("tool") is not None:
            out["tool"] = d["tool"].key
        for key in ("theme", "good", "grade", "impact"):
            if d.get(key):
                out[key] = d[key]
        return out

    def described(self, audits: Sequence[figures.GradedAudit]) -> list[str]:
        """The figure's filters in words, for the page's opening lines."""
        d = self.cleaned_data
        words = [f"Submitted from {d['start']:%-d %B %Y} to {d['end']:%-d %B %Y}"]
        for key, label in (("service", "Service"), ("team", "Team"), ("locality", "Locality"),
                           ("tool", "Audit tool"), ("cycle", "Programme")):
            if d.get(key) is not None:
                words.append(f"{label}: {d[key]}")
        if d.get("theme"):
            words.append(f"Theme: {d['theme']}")
        if d.get("good"):
            words.append("Graded good or better")
        if grade := d.get("grade"):
            label = next((a.scale.label(grade) for a in audits), grade)
            words.append(f"Graded {label}")
        if d.get("impact"):
            words.append("With an impact score")
        return words


@dataclass(frozen=True)
class Row:
    """One audit listed: nothing of the child, only the audit's own facts."""

    id: int
    tool: str
    month: str
    grade: str
    team: str


def _rows(page: Page[figures.GradedAudit]) -> list[Row]:
    tools = dict(Audit.objects.filter(pk__in=[a.id for a in page])
                 .values_list("pk", "tool_version__tool__name"))
    return [Row(id=a.id, tool=tools.get(a.id, ""), month=figures.month_label(a.month),
                grade=a.scale.label(a.grade), team=a.team) for a in page]


@require_GET
@capability_required(Capability.VIEW_REPORTS)
def audits(request: HttpRequest) -> HttpResponse:
    form = DrillForm({k: v for k, v in request.GET.items() if k in KEYS})
    if not form.is_valid():
        return render(request, "insight/drill.html", {"form": form}, status=400)
    drill = form.drill()
    behind = graded_behind(drill)
    context: dict[str, Any] = {"form": form, "total": len(behind),
                               "described": form.described(behind),
                               "opens": opens_case_records(request.user)}
    if context["opens"]:
        may = openable_audit_ids(request.user, (a.id for a in behind))
        listed = [a for a in reversed(behind) if a.id in may]  # newest first
        page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
        log_access_many(request, object_type="audit", object_ids=[a.id for a in page])
        context.update(page=page, rows=_rows(page), listed=len(listed),
                       hidden=len(behind) - len(listed), query=list(drill.items()))
    return render(request, "insight/drill.html", context)
