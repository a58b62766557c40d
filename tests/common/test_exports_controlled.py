"""Exports of child-level data: the person says why (the reason goes on every EXPORT row),
no more than EXPORT_RATE_LIMIT an hour (429 in plain words, saying when), and the file says
who exported it and when. The shared helper is common.exports; the tracker is its example
here, and each export's own tests check it uses the helper."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from auditloop.common.exports import ExportStamp, next_export_at, stamp_docx, stamp_xlsx
from auditloop.common.models import AccessLog
from tests.audits.tracker_factories import audited_case, council

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 20, 9, 0, tzinfo=dt.UTC)
XLSX = reverse("audits:tracker_export_xlsx")
CSV = reverse("audits:tracker_export_csv")


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        w = council()
        audited_case(w, reference="C-EXPORT-1")
        yield w


def test_the_export_asks_why_first_and_makes_no_file(world, client_for):
    response = client_for(world.qa).get(f"{XLSX}?view=cases")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Why are you exporting this?" in page
    assert 'action="/audits/tracker/export.xlsx?view=cases"' in page
    assert "Content-Disposition" not in response
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_no_reason_no_file(world, client_for):
    response = client_for(world.qa).post(XLSX, {"reason": "   "})
    assert response.status_code == 400
    assert "Enter why you are exporting this" in response.content.decode()
    assert "Content-Disposition" not in response
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_the_reason_is_on_the_export_row(world, client_for):
    response = client_for(world.qa).post(XLSX, {"reason": "Quarterly report to the board"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    row = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert row.reason == "Quarterly report to the board" and row.request_id


def test_the_workbook_says_who_exported_it_and_when(world, client_for):
    response = client_for(world.qa).post(XLSX, {"reason": "Team meeting"})
    book = load_workbook(io.BytesIO(response.content))
    name = world.qa.user.get_full_name() or world.qa.user.username
    assert book.properties.creator == name
    assert book.properties.created == dt.datetime(2026, 6, 20, 9, 0)
    sheet = book.active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == f"Exported by {name} on 20 June 2026 at 10:00"
    assert all(c.value is None for c in sheet[sheet.max_row - 1])


@override_settings(EXPORT_RATE_LIMIT=2)
def test_over_the_hourly_limit_the_export_is_refused_with_when_to_come_back(world, client_for):
    qa = client_for(world.qa)
    with time_machine.travel(NOW, tick=False):
        assert qa.post(XLSX, {"reason": "one"}).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        assert qa.post(CSV, {"reason": "two"}).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        refused = qa.post(XLSX, {"reason": "three"})
        assert refused.status_code == 429
        page = refused.content.decode()
        assert "You can export again from 11:00" in page  # 10:00 in London, plus an hour
        # The question is not even asked.
        assert qa.get(XLSX).status_code == 429
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == 2
    with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
        # Signed in afresh (an hour idle signs a person out).
        assert client_for(world.qa).post(XLSX, {"reason": "four"}).status_code == 200


@override_settings(EXPORT_RATE_LIMIT=2)
def test_one_export_is_one_request_however_many_rows_it_writes(world):
    user = world.qa.user
    AccessLog.objects.bulk_create([
        AccessLog(user=user, action=AccessLog.Action.EXPORT, object_type="case",
                  object_id=str(n), request_id="a" * 32) for n in range(5)])
    assert next_export_at(user) is None
    AccessLog.objects.create(user=user, action=AccessLog.Action.EXPORT, object_type="case",
                             object_id="9", request_id="b" * 32)
    assert next_export_at(user) is not None
    # Views and lists do not count.
    other = world.kw.user
    AccessLog.objects.bulk_create([
        AccessLog(user=other, action=AccessLog.Action.VIEW, object_type="case",
                  object_id="1", request_id=f"{n:032d}") for n in range(5)])
    assert next_export_at(other) is None


def test_a_word_document_carries_its_author_created_time_and_a_footer():
    from docx import Document

    word = Document()
    word.add_paragraph("Audit")
    buffer = io.BytesIO()
    word.save(buffer)
    stamp = ExportStamp(by="Sam Example", at=NOW)
    stamped = Document(io.BytesIO(stamp_docx(buffer.getvalue(), stamp)))
    assert stamped.core_properties.author == "Sam Example"
    assert stamped.core_properties.created == NOW
    footer = " ".join(p.text for p in stamped.sections[0].footer.paragraphs)
    assert "Exported by Sam Example on 20 June 2026 at 10:00" in footer


def test_stamp_xlsx_stamps_every_sheet():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["a"])
    book.create_sheet("Second").append(["b"])
    buffer = io.BytesIO()
    book.save(buffer)
    stamped = load_workbook(io.BytesIO(stamp_xlsx(buffer.getvalue(),
                                                  ExportStamp(by="Sam Example", at=NOW))))
    for sheet in stamped.worksheets:
        assert sheet.cell(sheet.max_row, 1).value.startswith("Exported by Sam Example on ")
