"""One audit out: a PDF and a Word document that read like the council's
own audit form, and the case note for the case management system (001), listing the actions
agreed. Only the QA team and the audit's auditors export; every export is logged."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from docx import Document

from auditloop.actions.services import action_set_progress
from auditloop.audits import exports, services, voices
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditAction,
    Conversation,
    ImmediateConcern,
    WorkerPerspective,
)
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set, preset_apply
from tests.common.test_pdf import assert_tagged_pdf_ua, roles
from tests.factories import CaseFactory, PersonFactory, finish_audit, make_action, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
# 001's example case note ("This case was audited on 13/11/17"); the service writes its date
# the one way it writes every date.
AUDITED = dt.datetime(2017, 11, 13, 11, 40, tzinfo=dt.UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(AUDITED, tick=False):
        yield


def build(preset: str | None = "001-early-help-domains") -> SimpleNamespace:
    if preset:
        preset_apply(key=preset)
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], full_name="Tessa Manager")
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm, full_name="Kim Worker")
    a1 = PersonFactory(roles=[Role.AUDITOR], full_name="Alex Auditor")
    a2 = PersonFactory(roles=[Role.AUDITOR], full_name="Sam Second")
    case = CaseFactory(key_worker=kw, team_manager=tm, reference="C900001",
                       child_identifier="CH-900001")
    audit = make_audit(case=case, auditors=[a1, a2], period_end=dt.date(2017, 11, 13))
    return SimpleNamespace(tm=tm, kw=kw, a1=a1, a2=a2, case=case, audit=audit)


def answer(w: SimpleNamespace, section: str, question: str, value: object,
           comment: str = "") -> None:
    services.answer_save(audit=w.audit, actor=w.a1, section_key=section, question_key=question,
                         value=value, comment=comment, seen_revision=None, overwrite=True)


@pytest.fixture
def audit_out(frozen):  # type: ignore[no-untyped-def]
    """A finished six-area audit with a perspective, conversations, a concern and actions."""
    w = build()
    answer(w, "help_protection_stability", "plan", "yes", "Plan dated 2 October, specific")
    answer(w, "help_protection_stability", "contingency", "no", "No contingency recorded")
    answer(w, "help_protection_stability", Answer.GRADE, "requires_improvement")
    answer(w, "help_protection_stability", Answer.EVIDENCE, "The plan lacks a contingency")
    answer(w, "team_manager_conversation", Answer.APPLIES, "no")
    answer(w, "key_worker_conversation", "good_practice", "Warm, direct work with the children")
    answer(w, "family_feedback", "engagement", "declined")
    answer(w, "family_feedback", "declined_reason", "Mother did not want to talk to an auditor")
    voices.perspective_save(perspective=WorkerPerspective.objects.get(audit=w.audit),
                            actor=w.kw, send=True, answers={
                                "perspective.situation": {"value": "Isolated after a move"},
                                "perspective.work_done": {"value": "Weekly visits"},
                                "perspective.child_voice": {"value": "Three houses"},
                                "perspective.difference": {"value": "Attendance is up"},
                                "perspective.challenges": {"value": "Three changes of worker"}})
    voices.conversation_record(
        audit=w.audit, actor=w.a1, kind=Conversation.Kind.LEARNING,
        details=voices.ConversationDetails(outcome="held", minutes=75, with_whom="Kim Worker",
                                           booked_for=AUDITED, notes="Reflective and open"))
    voices.conversation_record(
        audit=w.audit, actor=w.a1, kind=Conversation.Kind.FAMILY,
        details=voices.ConversationDetails(outcome="not_reached", interpreter_used=True,
                                           reason="Three calls with Language Line"))
    ImmediateConcern.objects.create(
        audit=w.audit, raised_by=w.a1, summary="Bruising not followed up",
        unsafe_practice=ImmediateConcern.Practice.PAST, suggested_actions="Visit this week",
        mash_contacted=True, mash_note="Strategy discussion agreed")
    finish_audit(w.audit, grade="requires_improvement",
                 reason="Gaps in planning; the direct work is strong")
    action = make_action(owner=w.kw, action="Add a contingency plan", by_whom="Kim Worker",
                         due_on=dt.date(2017, 12, 20),
                         success_measure="Contingency seen at the next TAF")
    AuditAction.objects.create(audit=w.audit, action=action, source=AuditAction.Source.REPLY)
    action_set_progress(action=action, actor=w.kw, status="amber")
    w.audit.refresh_from_db()
    return w


def test_the_pdf_is_a_pdf_named_by_the_audit_number_and_logged(audit_out, role_client):
    w = audit_out
    client, qa = role_client(Role.QA_MANAGER)
    asked = client.get(reverse("audits:export_pdf", args=[w.audit.pk]))
    assert asked.status_code == 200 and "Why are you exporting this?" in asked.content.decode()
    assert "Content-Disposition" not in asked
    assert client.post(reverse("audits:export_pdf", args=[w.audit.pk])).status_code == 400
    assert not AccessLog.objects.filter(action="export").exists()
    response = client.post(reverse("audits:export_pdf", args=[w.audit.pk]),
                           {"reason": "The case is going to court"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="audit-{w.audit.pk}.pdf"'
    assert "C900001" not in disposition and "CH-900001" not in disposition
    assert response["Cache-Control"] == "no-store"
    log = AccessLog.objects.get(user=qa.user, action="export")
    assert (log.action, log.object_type, log.object_id) == ("export", "audit", str(w.audit.pk))
    assert log.reason == "The case is going to court"
    # Who exported it and when: the PDF's author and created date and each page's footer.
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(response.content))
    name = qa.user.get_full_name() or qa.user.username
    assert pdf.metadata.author == name
    assert pdf.metadata.creation_date is not None
    assert all(f"Exported by {name} on " in page.extract_text() for page in pdf.pages)


def test_the_pdf_reads_like_the_councils_audit_form(audit_out):
    w = audit_out
    # 001 writes the case note after the QA meeting.
    services.transition(audit=w.audit, actor=None, to=S.DISCUSSED)
    html = exports.render_html(exports.audit_document(w.audit))
    for expected in (
        settings.COUNCIL_NAME, "C900001", "Case audit on the six key audit areas",
        f"version {w.audit.tool_version.number}", "13 May 2017 to 13 November 2017",
        "Alex Auditor (auditor)", "Sam Second (auditor)",
        # Each section with its questions, answers, comments, grade and evidence.
        "1 Help, protection and stability", "Is there an identified contingency?",
        "No contingency recorded", "Plan dated 2 October, specific",
        "Grade: Requires improvement to be good", "The plan lacks a contingency",
        "Declined to engage", "Mother did not want to talk to an auditor",
        # The overall grade and reason.
        "Impact and overall outcome", "Gaps in planning; the direct work is strong",
        # Conversations, the worker's perspective, the concern and the actions.
        "Learning conversation with the key worker", "Reflective and open",
        "Three calls with Language Line", "Could not be reached",
        "From Kim Worker, sent 13 November 2017", "Three changes of worker",
        "Immediate safeguarding concerns", "Bruising not followed up",
        "MASH contacted. Strategy discussion agreed",
        "Add a contingency plan", "Contingency seen at the next TAF", "Amber: in progress",
        'class="rag rag-amber"', "Quality Assurance: case audited",
    ):
        assert expected in html, expected
    # The IRO conversation does not apply where the case has no IRO.
    assert html.count("Does not apply to this case.") == 2  # IRO; team manager not chosen
    # Only questions that apply: no reason asked of a family that engaged.
    assert "The family&#39;s understanding and views" not in html


def test_the_word_document_opens_and_holds_the_sections(audit_out, client_for):
    w = audit_out
    response = client_for(w.a2).post(reverse("audits:export_docx", args=[w.audit.pk]),
                                     {"reason": "Sharing with the independent reviewer"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="audit-{w.audit.pk}.docx"'
    word = Document(io.BytesIO(response.content))
    assert word.core_properties.title == f"Audit {w.audit.pk}"
    name = w.a2.user.get_full_name() or w.a2.user.username
    assert word.core_properties.author == name and word.core_properties.created is not None
    assert f"Exported by {name} on " in " ".join(
        p.text for p in word.sections[0].footer.paragraphs)
    headings = [p.text for p in word.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for expected in ("Case audit on the six key audit areas", "1 Help, protection and stability",
                     "6 Role of supervision and management oversight",
                     "Conversation with allocated key worker", "Impact and overall outcome",
                     "Conversations", "Perspective of the worker",
                     "Immediate safeguarding concerns", "Actions agreed", "Case note"):
        assert expected in headings, expected
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Grade: Requires improvement to be good" in text
    assert "Reason: Gaps in planning; the direct work is strong" in text
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    for expected in ("C900001", "Is there an identified contingency?", "No contingency recorded",
                     "Three changes of worker", "Add a contingency plan", "Amber: in progress",
                     "Learning conversation with the key worker"):
        assert expected in cells, expected
    actions = word.tables[-1]
    assert [c.text for c in actions.rows[0].cells][-1] == "RAG"
    assert 'w:fill="F47738"' in actions.rows[1].cells[-1]._tc.xml
    assert 'w:color w:val="0B0C0C"' in actions.rows[1].cells[-1]._tc.xml
    assert AccessLog.objects.get(user=w.a2.user).action == "export"


def test_the_case_note_is_001s_with_the_audit_date_and_the_actions(audit_out):
    note = exports.case_note(audit_out.audit)
    assert note.title == "Quality Assurance: case audited"
    assert note.text.startswith(
        "This case was audited on 13 November 2017 as part of the Early Help Quality Assurance "
        "process. Original audit has been sent to manager.\n\nActions agreed:\n")
    assert ("1. Add a contingency plan (by Kim Worker, by 20 December 2017). How we will know "
            "it has worked: Contingency seen at the next TAF") in note.text


def test_the_case_note_page_shows_the_text_to_copy(audit_out, client_for):
    w = audit_out
    # 001 writes the case note after the QA meeting.
    services.transition(audit=w.audit, actor=None, to=S.DISCUSSED)
    page = client_for(w.a1).get(reverse("audits:export_case_note", args=[w.audit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Quality Assurance: case audited"' in html
    assert "This case was audited on 13 November 2017" in html
    # A page to read and copy from, not a file: a view, with no reason asked.
    assert AccessLog.objects.get(user=w.a1.user).action == "view"


def test_the_case_note_follows_the_frameworks_own_wording(frozen):
    w = build("002-six-key-areas")
    finish_audit(w.audit)
    note = exports.case_note(w.audit)
    assert note.title == "Quality assurance audit"
    assert note.text == ("This case was audited on 13 November 2017. The audit form and its "
                         "actions are on the child's file.")


def test_without_wording_of_its_own_the_case_note_uses_001s(frozen):
    w = build(preset=None)
    finish_audit(w.audit)
    note = exports.case_note(w.audit)
    assert note.title == "Quality Assurance: case audited"
    assert "audited on 13 November 2017 as part of" in note.text
    assert "Actions agreed" not in note.text


def test_the_impact_score_reads_out_of_10(frozen):
    w = build(preset=None)
    audit = make_audit(case=w.case, auditors=[w.a1], tool_key="000-eha-quality-standards")
    finish_audit(audit)
    Audit.objects.filter(pk=audit.pk).update(impact_score=7)
    audit.refresh_from_db()
    doc = exports.audit_document(audit)
    assert doc.impact == "7 out of 10"
    assert "Impact score:</span> 7 out of 10" in exports.render_html(doc)


def test_only_the_qa_team_and_the_auditors_export(audit_out, client_for, role_client):
    w = audit_out
    services.transition(audit=w.audit, actor=None, to=S.DISCUSSED)
    for name in ("audits:export_pdf", "audits:export_docx", "audits:export_case_note"):
        url = reverse(name, args=[w.audit.pk])
        # The practice reads the audit but does not take it out.
        assert client_for(w.tm).get(url).status_code == 403
        assert client_for(w.kw).get(url).status_code == 403
        # The assistant director sees every case, but is not the QA team.
        assert role_client(Role.ASSISTANT_DIRECTOR)[0].get(url).status_code == 403
        assert role_client(Role.PRACTITIONER)[0].get(url).status_code == 404
        assert client_for(w.a1).put(url).status_code == 405
    assert not AccessLog.objects.filter(action="export").exists()


def test_an_unfinished_audit_is_not_exported(frozen, client_for):
    w = build()
    client = client_for(w.a1)
    response = client.get(reverse("audits:export_pdf", args=[w.audit.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:voices", args=[w.audit.pk])
    assert not AccessLog.objects.filter(action="export").exists()
    page = client.get(reverse("audits:voices", args=[w.audit.pk]))
    assert "nothing to export until the audit is submitted" in page.content.decode()


def test_the_voices_and_feedback_pages_link_the_exports_for_those_who_may(audit_out,
                                                                           client_for):
    w = audit_out
    pdf = reverse("audits:export_pdf", args=[w.audit.pk])
    assert pdf in client_for(w.a1).get(reverse("audits:voices", args=[w.audit.pk])
                                       ).content.decode()
    services.transition(audit=w.audit, actor=None, to=S.DISCUSSED)
    assert pdf not in client_for(w.tm).get(reverse("audits:feedback", args=[w.audit.pk])
                                           ).content.decode()


def test_case_note_title_and_text_are_the_frameworks_words(frozen):
    w = build(preset=None)
    finish_audit(w.audit)
    notes = []
    for title, text in (("QA audit", "Audited on {audit_date}."),
                        ("Case file audit", "The case file was audited on {audit_date}.")):
        framework_settings_set(values={"case_note_title": title, "case_note_text": text},
                               actor=None)
        note = exports.case_note(w.audit)
        notes.append((note.title, note.text))
    assert notes == [("QA audit", "Audited on 13 November 2017."),
                     ("Case file audit", "The case file was audited on 13 November 2017.")]


def pdf_reader(data: bytes):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def test_page_one_is_the_summary_grades_strengths_and_actions(audit_out):
    pdf = pdf_reader(exports.render_pdf(exports.audit_document(audit_out.audit)))
    first = " ".join(pdf.pages[0].extract_text().split())
    for expected in (
        "Summary", "Impact and overall outcome: Requires improvement to be good",
        "Grades by area", "1 Help, protection and stability",
        "Key strengths", "Warm, direct work with the children",
        # Each action with its owner and due date.
        "Actions", "Add a contingency plan", "Kim Worker", "20 December 2017",
        "Amber: in progress",
    ):
        assert expected in first, expected
    # The whole audit follows from page two.
    assert "Is there an identified contingency?" not in first
    assert "Is there an identified contingency?" in pdf.pages[1].extract_text()


def test_the_word_document_leads_with_the_summary(audit_out):
    word = Document(io.BytesIO(exports.render_docx(exports.audit_document(audit_out.audit))))
    body = word.element.body
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == ["Summary", "Grades by area", "Key strengths", "Actions"]
    assert ("Warm, direct work with the children (Conversation with allocated key worker)"
            in [p.text for p in word.paragraphs])
    summary_actions = word.tables[2]
    assert [c.text for c in summary_actions.rows[0].cells] == ["Action", "Owner", "Due", "RAG"]
    assert [c.text for c in summary_actions.rows[1].cells] == [
        "Add a contingency plan", "Kim Worker", "20 December 2017", "Amber: in progress"]
    # A page break ends the summary before the first area.
    xml = body.xml
    assert xml.index('w:type="page"') < xml.index("Is there an identified contingency?")


def test_the_audit_pdf_is_tagged_pdf_ua_with_its_language_and_title(audit_out):
    data = exports.render_pdf(exports.audit_document(audit_out.audit))
    assert_tagged_pdf_ua(data, f"Audit {audit_out.audit.pk}")
    # Headings in order (the summary's h2 and h3s first) and tables with header cells.
    found = roles(pdf_reader(data).trailer["/Root"]["/StructTreeRoot"].get_object())
    assert [r for r in found if r.startswith("/H")][:6] == [
        "/H1", "/H2", "/H3", "/H3", "/H3", "/H2"]
    assert "/Table" in found and "/TH" in found
