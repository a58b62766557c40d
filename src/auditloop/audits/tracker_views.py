"""The central tracker's pages (002): every audited case with its actions, every outstanding
action, and their exports. The QA team sees every case; managers see the cases of the people
they manage. Filters travel in the query string as ids and keys only.

A small export is made in the request; a large one (more than
tracker_exports.inline_rows() rows) by the background worker, while its page says it is
being prepared and then offers the download (or, if the worker stopped making it, says so
and offers to try again). Only the person who asked sees that page or downloads the file;
for everyone else it does not exist (404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.deadline import action_deadline
from auditloop.audits import tracker, tracker_exports
from auditloop.audits.tracker_export_models import RETENTION, TrackerExport
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.exports import ExportStamp, ask_for_reason, stamp_csv, stamp_xlsx
from auditloop.common.models import AccessLog
from auditloop.common.widgets import staff_select
from auditloop.people.models import Locality, Service, Team

PAGE_SIZE = 25
VIEWS = tracker_exports.VIEWS


def _id_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=label)


class TrackerFilterForm(forms.Form):
    """Ids and keys only. Choices are (id, name) pairs read once each: a large council has
    hundreds of teams and action owners, and model instances for each cost a page's time."""

    team = _id_field("Team")
    service = _id_field("Service")
    locality = _id_field("Locality")
    owner = _id_field("Action owner")
    owner.widget = staff_select()
    status = forms.ChoiceField(choices=[("", "Any status"), *tracker.Status.CHOICES],
                               required=False, label="Action status")
    overdue = forms.BooleanField(required=False, label="Overdue actions only")
    grade = forms.ChoiceField(choices=[], required=False, label="Final grade")

    def __init__(self, *args: Any, user: Any, grades: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = {
            "team": ("Any team", Team.objects.values_list("pk", "name").order_by("name")),
            "service": ("Any service",
                        Service.objects.values_list("pk", "name").order_by("name")),
            "locality": ("Any locality",
                         Locality.objects.values_list("pk", "name").order_by("name")),
            "owner": ("Anyone", tracker.action_owners(user=user)),
        }
        for name, (empty, pairs) in named.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", empty), *((str(pk), label) for pk, label in pairs)]
        grade = self.fields["grade"]
        assert isinstance(grade, forms.ChoiceField)
        grade.choices = [("", "Any grade"), *grades.items()]

    def filters(self) -> tracker.TrackerFilters:
        if not self.is_valid():
            return tracker.TrackerFilters()
        d = self.cleaned_data
        return tracker.TrackerFilters(
            team_id=d["team"], service_id=d["service"], locality_id=d["locality"],
            owner_id=d["owner"], status=d["status"] or "", overdue=bool(d["overdue"]),
            grade=d["grade"] or "")


def _filters(request: HttpRequest, grades: dict[str, str]) -> tuple[TrackerFilterForm,
                                                                   tracker.TrackerFilters]:
    form = TrackerFilterForm(request.GET or None, user=request.user, grades=grades)
    return form, form.filters()


def _page(request: HttpRequest, view: str) -> HttpResponse:
    today = timezone.localdate()
    grades = tracker.grade_labels()
    form, filters = _filters(request, grades)
    if view == "cases":
        qs: Any = tracker.tracker_audits(user=request.user, filters=filters, today=today)
    else:
        qs = tracker.tracker_actions(user=request.user, filters=filters, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    deadline = action_deadline()
    rows: Any = (tracker.audit_rows(page.object_list, today=today, deadline_days=deadline.days)
                 if view == "cases" else
                 tracker.action_rows(page.object_list, today=today,
                                     deadline_days=deadline.days))
    # Each audit the page names, in one insert.
    shown = ([a.pk for a in page.object_list] if view == "cases" else
             list(dict.fromkeys(link.audit_id for link in page.object_list)))
    log_access_many(request, object_type="audit", object_ids=shown,
                    action=AccessLog.Action.LIST)
    query = filters.query_string_items()
    return render(request, "audits/tracker.html", {
        "view": view, "views": VIEWS, "form": form, "filters": filters, "page": page,
        "rows": rows, "grades": grades, "today": today, "query": query,
        "deadline": deadline,
        "may_export": any(request.user.has_capability(c)  # type: ignore[union-attr]
                          for c in tracker.EXPORTERS),
        "page_has_errors": bool(form.errors),
    }, status=400 if form.errors else 200)


@require_GET
@capability_required(*tracker.READERS)
def tracker_cases(request: HttpRequest) -> HttpResponse:
    return _page(request, "cases")


@require_GET
@capability_required(*tracker.READERS)
def tracker_actions(request: HttpRequest) -> HttpResponse:
    return _page(request, "actions")


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    today = timezone.localdate()
    view = request.GET.get("view", "cases")
    if view not in VIEWS:
        view = "cases"
    form, filters = _filters(request, tracker.grade_labels())
    if form.errors:
        return _page(request, view)
    back = reverse("audits:tracker" if view == "cases" else "audits:tracker_actions")
    query = filters.query_string_items()
    asked = ask_for_reason(request, what=f"the audit tracker: {VIEWS[view].lower()}",
                           back_url=f"{back}?{urlencode(query)}" if query else back)
    if isinstance(asked, HttpResponse):
        return asked
    count = tracker_exports.export_row_count(view=view, user=request.user, filters=filters,
                                             today=today)
    log_access(request, object_type=f"audit_tracker_{view}", object_id=filters.log_key(),
               action=AccessLog.Action.EXPORT, reason=asked)
    if count > tracker_exports.inline_rows():
        job = tracker_exports.export_queue(user=request.user, view=view, fmt=fmt,
                                           filters=filters, today=today, reason=asked,
                                           rows=count)
        return redirect("audits:tracker_export", job.pk)
    rows = tracker_exports.export_rows(view=view, user=request.user, filters=filters,
                                       today=today)
    stamp = ExportStamp.now(request.user)
    # No personal data in the name: the view and the day.
    name = f"audit-tracker-{view}-{today.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")
        tracker_exports.write_tracker_csv(response, rows)
        stamp_csv(response, stamp)
        return response
    response = HttpResponse(
        stamp_xlsx(tracker_exports.tracker_xlsx(rows, title=VIEWS[view]), stamp),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(*tracker.EXPORTERS)
def tracker_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_http_methods(["GET", "POST"])
@capability_required(*tracker.EXPORTERS)
def tracker_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


def _own_export(request: HttpRequest, export_id: int) -> TrackerExport:
    """The export, if the signed-in person asked for it; nobody else learns it exists. One
    the background worker stopped making is marked failed first (common.worker_files), so
    its page says so, stops polling and offers to try again."""
    job = get_object_or_404(TrackerExport, pk=export_id, requested_by=request.user)
    job.fail_if_stuck()
    return job


def _export_context(job: TrackerExport) -> dict[str, Any]:
    query = job.filter_items()
    back = reverse("audits:tracker" if job.view == "cases" else "audits:tracker_actions")
    return {"job": job, "views": VIEWS,
            "back_url": f"{back}?{urlencode(query)}" if query else back,
            "may_try_again": job.is_failed and job.error != tracker_exports.NOT_ALLOWED,
            "kept_hours": round(RETENTION.total_seconds() / 3600)}


@require_GET
@capability_required(*tracker.EXPORTERS)
def tracker_export(request: HttpRequest, export_id: int) -> HttpResponse:
    job = _own_export(request, export_id)
    return render(request, "audits/tracker_export.html", _export_context(job))


@require_GET
@capability_required(*tracker.EXPORTERS)
def tracker_export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    """The export's progress, polled by its page until it is ready or has failed."""
    job = _own_export(request, export_id)
    return render(request, "audits/_tracker_export_status.html", _export_context(job))


@require_GET
@capability_required(*tracker.EXPORTERS)
def tracker_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    job = _own_export(request, export_id)
    if not job.is_ready or job.data is None:
        return redirect("audits:tracker_export", job.pk)  # which says why
    log_access(request, object_type=f"audit_tracker_{job.view}",
               object_id=f"export={job.pk}", action=AccessLog.Action.DOWNLOAD,
               reason=job.reason)
    TrackerExport.objects.filter(pk=job.pk).update(downloads=job.downloads + 1)
    content_type = ("text/csv; charset=utf-8" if job.format == TrackerExport.Format.CSV else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(bytes(job.data), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename()}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@capability_required(*tracker.EXPORTERS)
def tracker_export_again(request: HttpRequest, export_id: int) -> HttpResponse:
    """A failed export, queued again as it was asked."""
    job = _own_export(request, export_id)
    if job.is_failed and job.error != tracker_exports.NOT_ALLOWED:
        tracker_exports.export_again(job)
    return redirect("audits:tracker_export", job.pk)


urlpatterns: list[URLPattern] = [
    path("tracker/", tracker_cases, name="tracker"),
    path("tracker/actions/", tracker_actions, name="tracker_actions"),
    path("tracker/export.csv", tracker_export_csv, name="tracker_export_csv"),
    path("tracker/export.xlsx", tracker_export_xlsx, name="tracker_export_xlsx"),
    path("tracker/exports/<int:export_id>/", tracker_export, name="tracker_export"),
    path("tracker/exports/<int:export_id>/progress", tracker_export_status,
         name="tracker_export_status"),
    path("tracker/exports/<int:export_id>/download", tracker_export_download,
         name="tracker_export_download"),
    path("tracker/exports/<int:export_id>/again", tracker_export_again,
         name="tracker_export_again"),
]
