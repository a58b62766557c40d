"""The case note is written when the framework says (case_note_when): 001 after the QA
meeting, 002 when the audit is submitted (its actions added to the case file note), or
never. Until then the case-note page, the audit document and the cycle's export say why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from auditloop.audits import exports
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db


def _when(value: str) -> None:
    framework_settings_set(values={"case_note_when": value,
                                   "case_note_title": "Quality assurance audit"}, actor=None)


def _audit(auditor):  # type: ignore[no-untyped-def]
    return make_audit(case=CaseFactory(key_worker=PersonFactory()), auditors=[auditor],
                      period_end=dt.date(2026, 6, 1))


def test_on_submit_the_note_is_written_once_the_audit_is_submitted() -> None:
    _when("on_submit")
    auditor = PersonFactory(roles=[Role.AUDITOR])
    audit = _audit(auditor)
    assert exports.case_note_not_yet(audit) == ("The case note is written when the audit is "
                                                "submitted.")
    finish_audit(audit, to="submitted")
    assert exports.case_note_not_yet(audit) == ""
    assert exports.audit_document(audit).case_note is not None


def test_after_the_qa_meeting_a_submitted_audit_has_no_note_until_it_is_discussed() -> None:
    _when("after_qa_meeting")
    auditor = PersonFactory(roles=[Role.AUDITOR])
    audit = finish_audit(_audit(auditor), to="submitted")
    assert "after the QA meeting" in exports.case_note_not_yet(audit)
    doc = exports.audit_document(audit)
    assert doc.case_note is None and "after the QA meeting" in doc.case_note_not_yet
    other = finish_audit(_audit(auditor), to="discussed")
    assert exports.case_note_not_yet(other) == ""


def test_never_means_no_case_note_and_the_page_says_so(client_for) -> None:  # type: ignore[no-untyped-def]
    _when("never")
    auditor = PersonFactory(roles=[Role.AUDITOR])
    audit = finish_audit(_audit(auditor), to="discussed")
    assert "writes no case note" in exports.case_note_not_yet(audit)
    page = client_for(auditor).get(reverse("audits:export_case_note", args=[audit.pk]))
    html = page.content.decode()
    assert "writes no case note" in html and 'id="case-note-text"' not in html
    _when("on_submit")
    html = client_for(auditor).get(reverse("audits:export_case_note",
                                           args=[audit.pk])).content.decode()
    assert 'id="case-note-text"' in html
