"""Exports of child-level data, the same way everywhere.

Before a file with children's case-level data is made the person is asked why (the reason
goes on every EXPORT row of the access log), nobody makes more than EXPORT_RATE_LIMIT such
exports an hour (counted from the access log: one export is one request's EXPORT rows), and
the file says who exported it and when (`ExportStamp`: spreadsheet and document properties
and a last line).

A view uses it like this:

    asked = ask_for_reason(request, what="the audit tracker", back_url=...)
    if isinstance(asked, HttpResponse):
        return asked                       # the question, the question again, or 429
    log_access_many(request, ..., action=AccessLog.Action.EXPORT, reason=asked)
    stamp = ExportStamp.now(request.user)
    ... stamp_xlsx(data, stamp) / stamp_csv(response, stamp) ...

The question page posts back to the same address (query string included), so the export
view answers GET (the question) and POST (the file). The reason never goes in an address.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from auditloop.common.models import AccessLog

DEFAULT_RATE_LIMIT = 30
WINDOW = dt.timedelta(hours=1)


def rate_limit() -> int:
    return int(getattr(settings, "EXPORT_RATE_LIMIT", DEFAULT_RATE_LIMIT))


class ExportReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are you exporting this?", max_length=300, strip=True,
        help_text="For example, the QA meeting on 12 March, or a request from the director. "
                  "This is kept in the access log with your name.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are exporting this",
                        "max_length": "Why you are exporting this must be 300 characters "
                                      "or fewer"})


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def when_text(moment: dt.datetime) -> str:
    """7 December 2026 at 09:15, in the council's time."""
    local = _local(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def next_export_at(user: Any, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """None when the user may export now; otherwise when they may export again."""
    now = now or timezone.now()
    limit = rate_limit()
    since = now - WINDOW
    starts: dict[str, dt.datetime] = {}
    for request_id, at in (AccessLog.objects
                           .filter(user=user, action=AccessLog.Action.EXPORT, at__gt=since)
                           .exclude(request_id="")
                           .values_list("request_id", "at")):
        if request_id not in starts or at < starts[request_id]:
            starts[request_id] = at
    if len(starts) < limit:
        return None
    times = sorted(starts.values())
    # The oldest exports leave the hour one by one; the one that brings the count below the
    # limit is the (count - limit + 1)th oldest.
    return times[len(times) - limit] + WINDOW


def too_many(request: HttpRequest, again_at: dt.datetime) -> HttpResponse:
    return render(request, "common/export_limit.html", {
        "limit": rate_limit(), "again_at": when_text(again_at),
        "again_time": f"{_local(again_at):%H:%M}"}, status=429)


def ask_for_reason(request: HttpRequest, *, what: str, back_url: str,
                   back_text: str = "") -> str | HttpResponse:
    """The reason the person gave (POST, valid, under the limit), or the page to show: the
    question (GET), the question with its error (400) or the limit reached (429). The back
    link names the page it returns to (back_text), or the thing exported."""
    again_at = next_export_at(request.user)
    if again_at is not None:
        return too_many(request, again_at)
    if request.method == "POST":
        form = ExportReasonForm(request.POST)
        if form.is_valid():
            return str(form.cleaned_data["reason"])
        status = 400
    else:
        form = ExportReasonForm()
        status = 200
    return render(request, "common/export_reason.html", {
        "form": form, "what": what, "back_url": back_url,
        "back_text": back_text or f"Back to {what}",
        "action": request.get_full_path()}, status=status)


@dataclass(frozen=True)
class ExportStamp:
    """Who exported a file and when, for the file itself."""

    by: str
    at: dt.datetime

    @classmethod
    def now(cls, user: Any) -> ExportStamp:
        name = ""
        full_name = getattr(user, "get_full_name", None)
        if callable(full_name):
            name = str(full_name() or "")
        return cls(by=name or str(user.get_username()), at=timezone.now())

    @property
    def text(self) -> str:
        return f"Exported by {self.by} on {when_text(self.at)}"

    @property
    def naive_utc(self) -> dt.datetime:
        """For document properties, which hold no time zone (UTC by convention)."""
        return self.at.astimezone(dt.UTC).replace(tzinfo=None)


def stamp_xlsx(data: bytes, stamp: ExportStamp) -> bytes:
    """The workbook with its creator and created time set and, on each sheet, a blank row
    and then the stamp as the last row (and in the printed footer)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    book.properties.creator = stamp.by
    book.properties.lastModifiedBy = stamp.by
    book.properties.created = stamp.naive_utc
    book.properties.modified = stamp.naive_utc
    for sheet in book.worksheets:
        sheet.append([])
        sheet.append([stamp.text])
        sheet.oddFooter.left.text = stamp.text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stamp_csv(out: Any, stamp: ExportStamp) -> None:
    """A blank line, then the stamp: for CSV files that are read, not imported again."""
    writer = csv.writer(out)
    writer.writerow([])
    writer.writerow([stamp.text])


def stamp_docx(data: bytes, stamp: ExportStamp) -> bytes:
    """The Word document with its author and created time set and the stamp in each
    section's footer."""
    from docx import Document

    word = Document(io.BytesIO(data))
    word.core_properties.author = stamp.by
    word.core_properties.last_modified_by = stamp.by
    word.core_properties.created = stamp.naive_utc
    word.core_properties.modified = stamp.naive_utc
    for section in word.sections:
        footer = section.footer
        footer.is_linked_to_previous = False
        footer.add_paragraph(stamp.text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
