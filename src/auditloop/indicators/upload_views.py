"""The performance team's upload of indicator values (indicators.uploads): the page with its
template, and what the upload did.

Figures only: the files carry no child and no member of staff, so nothing here writes an
access-log row. Only whoever holds ENTER_INDICATORS (the performance analyst) may upload.
"""

from __future__ import annotations

import io
from pathlib import PurePath
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from auditloop.common.access import capability_required
from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import UploadedFile, write_csv
from auditloop.indicators import uploads
from auditloop.people.roles import Capability as C

MAX_UPLOAD_MB = 10
TEMPLATE_NAME = "indicator-values-template.csv"
PROBLEMS_SHOWN = 1000
SUMMARY_IN_ERRORS = 10  # the error summary names the first few; the table lists them all


class UploadForm(forms.Form):
    upload = forms.FileField(
        label="Upload a file", help_text=f"A CSV file or an Excel workbook (.xlsx), up to "
                                         f"{MAX_UPLOAD_MB} MB.",
        error_messages={"required": "Choose a file to upload",
                        "empty": "The file you chose is empty. Export it again and upload the "
                                 "file it makes"})
    accept_valid_rows = forms.BooleanField(
        required=False, label="Upload the valid rows and list the rest",
        help_text="Otherwise nothing is uploaded while any row has a problem.")
    encoding = forms.ChoiceField(
        choices=[("utf-8", "UTF-8 (most files, and “CSV UTF-8” from Excel)"),
                 ("windows-1252", "Windows-1252 (“CSV (comma delimited)” from older Excel "
                                  "on Windows)")],
        widget=forms.RadioSelect, initial="utf-8", required=False,
        label="Which character set is a CSV file saved in?",
        help_text="Leave this as UTF-8 unless an upload has told you the file is not UTF-8.")

    def clean_upload(self) -> Any:
        f = self.cleaned_data["upload"]
        if (f.size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"The file must be {MAX_UPLOAD_MB} MB or smaller. "
                                        f"Split it into smaller files and upload them one at "
                                        f"a time")
        if PurePath(f.name or "").suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(f"{f.name} is not a CSV file or an Excel workbook. "
                                        f"Save it as CSV or as an Excel workbook (.xlsx) and "
                                        f"upload that")
        return f


def _context(form: UploadForm, outcome: uploads.Outcome | None = None) -> dict[str, Any]:
    problems = outcome.problems if outcome else []
    return {
        "form": form, "outcome": outcome, "header": uploads.HEADER,
        "problems": problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
        "problem_lines": [uploads.problem_line(p) for p in problems[:SUMMARY_IN_ERRORS]],
        "more_problems": max(0, len(problems) - SUMMARY_IN_ERRORS),
        "page_has_errors": bool(outcome and problems and not outcome.stored),
    }


@require_http_methods(["GET", "POST"])
@capability_required(C.ENTER_INDICATORS)
def upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "indicators/upload.html", _context(UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "indicators/upload.html", _context(form))
    data = form.cleaned_data
    f = data["upload"]
    try:
        outcome = uploads.upload_values(
            UploadedFile(f.name or "upload", f.read(), data.get("encoding") or "utf-8"),
            user=request.user,  # type: ignore[arg-type]
            accept_valid_rows=data["accept_valid_rows"])
    except ImportFileError as exc:
        form.add_error("upload", exc.message)
        return render(request, "indicators/upload.html", _context(form))
    if not outcome.stored:
        return render(request, "indicators/upload.html", _context(form, outcome))
    return render(request, "indicators/upload_done.html", {
        **_context(UploadForm(), outcome), "file_name": f.name})


@require_GET
@capability_required(C.ENTER_INDICATORS)
def upload_template(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    write_csv(out, uploads.HEADER, [uploads.EXAMPLE])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response
