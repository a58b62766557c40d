"""Imports for the QA manager: recent imports, the upload page, and an import's own page,
which polls a small status fragment (HTMX) until the import has finished."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.cases import services
from auditloop.cases.models import ImportFile, ImportJob
from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.common.spreadsheets import UploadedFile
from auditloop.people.roles import Capability

MAX_UPLOAD_MB = 50  # docs/data-formats.md: uploads of up to 50 MB in total
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
RECENT_JOBS = 50
PROBLEMS_SHOWN = 1000  # a page listing more than this is no help; the count says the rest
F = ImportJob.Format
FORMAT_HINTS = {
    F.MONTHLY: "Cases, involvements and events in auditloop's own layout: three CSV files, or "
               "one workbook with sheets called Cases, Involvements and Events.",
    F.ANNEX_A: "The workbook you send Ofsted. Lists 2 to 9 are read: one case per child.",
    F.SSDA903: "The Header and Episodes files of the children looked after return, and the "
               "Reviews file if you have it, uploaded together.",
    F.CIN_CENSUS: "The XML file you make for the Department for Education.",
    F.STAFF: "Staff numbers, names, job titles, teams and line managers.",
}
EXTENSIONS = {
    F.MONTHLY: ({".csv", ".xlsx"}, "CSV files or an Excel workbook (.xlsx)"),
    F.ANNEX_A: ({".xlsx", ".csv"}, "an Excel workbook (.xlsx)"),
    F.SSDA903: ({".csv", ".xlsx"}, "CSV files"),
    F.CIN_CENSUS: ({".xml"}, "an XML file (.xml)"),
    F.STAFF: ({".csv", ".xlsx"}, "a CSV file or an Excel workbook (.xlsx)"),
}
SUMMARY_LABELS = [
    ("rows", "Rows read"),
    ("cases_created", "Cases added"),
    ("cases_updated", "Cases changed"),
    ("cases_closed", "Cases closed"),
    ("involvements_created", "Key workers and other involvements added"),
    ("involvements_ended", "Involvements ended"),
    ("events_created", "Events added"),
    ("return_rows_created", "Rows of the return kept for the indicators"),
    ("return_rows_updated", "Rows of the return changed"),
    ("unmatched_workers", "Allocated workers not matched to staff"),
    ("staff_created", "Staff added"),
    ("staff_updated", "Staff changed"),
    ("line_managers_changed", "Line managers changed"),
    ("job_titles_created", "Job titles added"),
    ("teams_created", "Teams added"),
    ("services_created", "Services added"),
    ("localities_created", "Localities added"),
    ("themes_created", "Themes added"),
    ("duplicates_ignored", "Repeated rows ignored"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[DjangoUploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(d, initial) for d in items if d]


class ImportForm(forms.Form):
    # Forms live with these views: the import pages are the only ones that use them.
    format = forms.ChoiceField(
        choices=ImportJob.Format.choices, widget=forms.RadioSelect,
        label="What are you importing?",
        error_messages={"required": "Choose what you are importing"},
    )
    upload = MultipleFileField(
        label="Upload the files", required=False,
        error_messages={"empty": "A file you chose is empty. Export it again and upload the "
                                 "file it makes"},
        help_text=f"You can choose several files at once. Up to {MAX_UPLOAD_MB} MB in total.",
    )
    accept_valid_rows = forms.BooleanField(
        required=False, label="Import the valid rows and list the rest",
        help_text="Otherwise nothing is imported while any row has a problem.",
    )
    complete_snapshot = forms.BooleanField(
        required=False, label="This file is a complete list of open cases",
        help_text="Open cases of the services this file covers that are not in it will be "
                  "closed.",
    )
    encoding = forms.ChoiceField(
        choices=[("utf-8", "UTF-8 (most files, and “CSV UTF-8” from Excel)"),
                 ("windows-1252", "Windows-1252 (“CSV (comma delimited)” from older Excel "
                                  "on Windows)")],
        widget=forms.RadioSelect, initial="utf-8", required=False,
        label="Which character set are the CSV files saved in?",
        help_text="Leave this as UTF-8 unless an import has told you the file is not UTF-8.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        files: list[DjangoUploadedFile] = data.get("upload") or []
        if not files:
            self.add_error("upload", "Choose a file to import")
            return data
        if sum(f.size or 0 for f in files) > MAX_UPLOAD_BYTES:
            self.add_error("upload", f"The files must be {MAX_UPLOAD_MB} MB or smaller in total. "
                                    f"Remove sheets the import does not read, or import the "
                                    f"files one at a time")
            return data
        for f in files:
            if not f.size:
                self.add_error("upload", f"{f.name} is empty. Export it again and upload the "
                                        f"file it makes")
        fmt = data.get("format")
        if fmt in EXTENSIONS:
            allowed, described = EXTENSIONS[fmt]
            for f in files:
                suffix = PurePath(f.name or "").suffix.lower()
                if suffix not in allowed:
                    label = ImportJob.Format(fmt).label.split(" (")[0]
                    self.add_error("upload", ValidationError(
                        f"{f.name} is not one of the files this import reads. The {label} must "
                        f"be {described}"))
        return data


def _recent_jobs() -> QuerySet[ImportJob]:
    return (ImportJob.objects.select_related("created_by__person")
            .annotate(file_count=Count("files")).order_by("-created_at")[:RECENT_JOBS])


def _summary_rows(job: ImportJob) -> list[dict[str, Any]]:
    summary = job.summary or {}
    return [{"key": {"text": label}, "value": {"text": f"{summary[key]:,}"}}
            for key, label in SUMMARY_LABELS if isinstance(summary.get(key), int)]


def _status_context(job: ImportJob) -> dict[str, Any]:
    problems = job.problems or []
    return {
        "job": job,
        "summary_rows": _summary_rows(job) if job.is_finished else [],
        "warnings": (job.summary or {}).get("warnings", []),
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
    }


@require_GET
@capability_required(Capability.IMPORT_CASES)
def import_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/imports/list.html", {"jobs": _recent_jobs()})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.IMPORT_CASES)
def import_new(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.import_job_create(
                format=data["format"],
                files=[UploadedFile(f.name or "upload", f.read()) for f in data["upload"]],
                created_by=request.user,  # type: ignore[arg-type]
                accept_valid_rows=data["accept_valid_rows"],
                complete_snapshot=data["complete_snapshot"],
                encoding=data.get("encoding") or "utf-8",
            )
        except DomainError as exc:
            field = "upload" if exc.field == "files" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            return redirect("cases:import_detail", job.pk)
    return render(request, "cases/imports/new.html",
                  {"form": form, "hints": FORMAT_HINTS, "max_mb": MAX_UPLOAD_MB})


@require_GET
@capability_required(Capability.IMPORT_CASES)
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.select_related("created_by__person"), pk=job_id)
    files = ImportFile.objects.filter(job=job).order_by("pk").values_list("name", flat=True)
    return render(request, "cases/imports/detail.html",
                  {**_status_context(job), "files": list(files)})


@require_GET
@capability_required(Capability.IMPORT_CASES)
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=job_id)
    return render(request, "cases/imports/_status.html", _status_context(job))
