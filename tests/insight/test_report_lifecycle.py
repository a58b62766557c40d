"""A report from draft to published and reissued: made in the background with its files
stored, written on, quotes chosen and scanned for names, approved through the framework's
route, sent to its audiences, frozen once published, reissued with a reason."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document as WordDocument
from openpyxl import load_workbook

from auditloop.audits.models import Answer, Audit
from auditloop.common.errors import DomainError
from auditloop.common.models import AccessLog
from auditloop.insight import kinds, services
from auditloop.insight.document import Document
from auditloop.insight.models import Report, ReportVersion
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set
from tests.factories import CaseFactory, PersonFactory, TeamFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
MARCH = kinds.Period.month(dt.date(2026, 3, 1))


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def graded(grade: str, day: dt.date, team=None) -> Audit:  # type: ignore[no-untyped-def]
    audit = finish_audit(make_audit(case=CaseFactory(team=team or TeamFactory())), grade=grade)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at(day))
    return audit


@pytest.fixture
def march(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    audits = [graded("good", dt.date(2026, 3, 2)), graded("good", dt.date(2026, 3, 9)),
              graded("inadequate", dt.date(2026, 3, 16))]
    return audits


def make(kind: str = "monthly", period: kinds.Period = MARCH, actor=None,  # type: ignore[no-untyped-def]
         capture=None, **area) -> Report:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        report, made = services.report_open(kind=kind, period=period, actor=actor, **area)
    assert made
    return report


def figures_text(version: ReportVersion) -> str:
    assert version.document is not None
    return Document.from_json(version.document).text()


def test_a_report_is_made_in_the_background_with_its_files_stored(
        march, role_client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insight:report_list"),
                               {"kind": "monthly", "period": "2026-03"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:report", args=[report.pk])
    assert report.status == Report.Status.DRAFT and report.status_in("editable")
    draft = report.versions.get(number=0)
    assert draft.is_ready and draft.done == draft.total > 0
    assert "Good or better: 67% (2 of 3; 95% interval" in figures_text(draft)
    assert bytes(draft.pdf).startswith(b"%PDF")
    assert load_workbook(io.BytesIO(bytes(draft.xlsx)))
    word = WordDocument(io.BytesIO(bytes(draft.docx)))
    assert any("Monthly QA and impact report" in p.text for p in word.paragraphs)
    page = client.get(reverse("insight:report", args=[report.pk])).content.decode()
    assert "March 2026" in page and "2 of 3" in page and 'id="downloads"' in page
    # A second press of "make" opens the same report, not a second one.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("insight:report_list"), {"kind": "monthly", "period": "2026-03"})
    assert Report.objects.count() == 1
    # The stored file is what downloads: logged, named without personal data.
    response = client.get(reverse("insight:report_download", args=[report.pk, "pdf"]))
    assert response.status_code == 200 and response.content == bytes(draft.pdf)
    assert response["Content-Disposition"].startswith('attachment; filename="monthly-qa')
    assert response["Cache-Control"] == "no-store"
    assert AccessLog.objects.filter(user=qa.user, object_type="report",
                                    action="export").exists()


def test_progress_shows_while_the_worker_has_not_finished(march, role_client) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    # Without running the on-commit enqueue, the version waits for the worker.
    report, _ = services.report_open(kind="monthly", period=MARCH, actor=qa)
    page = client.get(reverse("insight:report_status", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "0% done" in page
    assert "Download the draft" not in client.get(
        reverse("insight:report", args=[report.pk])).content.decode()
    response = client.get(reverse("insight:report_download", args=[report.pk, "pdf"]))
    assert response.status_code == 302  # not made yet: back to the page, which says so
    from auditloop.insight.tasks import make_version
    make_version(report.versions.get(number=0).pk)
    polled = client.get(reverse("insight:report_status", args=[report.pk]),
                        headers={"HX-Request": "true"})
    page = polled.content.decode()
    assert "every 2s" not in page and "Download the draft" in page
    # Made while the page waited: the whole page loads again to show the report.
    assert polled["HX-Refresh"] == "true"
    whole = client.get(reverse("insight:report", args=[report.pk])).content.decode()
    assert "<h1 class=\"govuk-heading-l\">March 2026</h1>" in whole
    assert "Publish the report" in whole


def test_a_published_report_is_frozen_and_a_reissue_needs_a_reason(
        march, role_client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    framework_settings_set(values={"reports": [{
        "report": "QA and impact report", "kind": "monthly", "frequency": "monthly",
        "audiences": ["senior_manager"]}]}, actor=None)
    reader = PersonFactory(roles=[Role.SENIOR_MANAGER])
    client, qa = role_client(Role.QA_MANAGER)
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    assert report.audiences == ["senior_manager"] and report.approver_role == ""
    with django_capture_on_commit_callbacks(execute=True):
        services.narrative_save(report=report, commentary="Planning is better.",
                                recommendations="Audit contingency plans\nTrain on SMART",
                                revision=report.revision, actor=qa)
    with django_capture_on_commit_callbacks(execute=True):
        version = services.publish(report=report, actor=qa)
    report.refresh_from_db()
    assert report.status == Report.Status.PUBLISHED and version.number == 1
    version.refresh_from_db()
    assert version.is_ready and bytes(version.pdf).startswith(b"%PDF")
    text = figures_text(version)
    assert "Commentary" in text and "Planning is better." in text
    assert "1. Audit contingency plans" in text and "2 of 3" in text
    told = Notification.objects.get(recipient=reader)
    assert told.link == reverse("insight:report", args=[report.pk])
    assert version.distribution.get().people_told == 1
    # New audits change nothing published.
    graded("inadequate", dt.date(2026, 3, 30))
    page = client.get(reverse("insight:report", args=[report.pk])).content.decode()
    assert "2 of 3" in page and "2 of 4" not in page
    with pytest.raises(DomainError):
        services.figures_refresh(report=report, actor=qa)
    # Reissue: open it as a draft with a reason, make the figures again, publish.
    with pytest.raises(DomainError):
        services.reopen(report=report, actor=qa, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen(report=report, actor=qa, reason="A late audit came in")
        services.figures_refresh(report=report, actor=qa)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.publish(report=report, actor=qa)
    report.refresh_from_db()
    assert report.status == Report.Status.REISSUED and second.number == 2
    assert second.reason == "A late audit came in"
    assert "2 of 4" in figures_text(second)
    version.refresh_from_db()
    assert "2 of 3" in figures_text(version)  # the first version is as it was
    assert [s.to_status for s in report.status_history()] == [
        "published", "draft", "reissued"]


def test_approval_follows_the_frameworks_route(
        march, role_client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    framework_settings_set(values={"reports": [{
        "report": "Quarterly overview", "kind": "monthly", "frequency": "monthly",
        "approved_by": "service_manager", "audiences": []}]}, actor=None)
    qa_client, qa = role_client(Role.QA_MANAGER)
    sm_client, sm = role_client(Role.SERVICE_MANAGER)
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="approved before it is published"):
        services.publish(report=report, actor=qa)
    services.submit_for_approval(report=report, actor=qa)
    assert Notification.objects.filter(recipient=sm).exists()
    report.refresh_from_db()
    assert report.status_in("awaiting_approval")
    assert not services.may_approve(report, qa) and services.may_approve(report, sm)
    with pytest.raises(DomainError):
        services.publish(report=report, actor=qa)
    # Returned with a reason, sent again, approved.
    sm_client.post(reverse("insight:report_return", args=[report.pk]),
                   {"reason": "Say more about the inadequate audit"})
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert Notification.objects.filter(recipient=qa).exists()
    services.submit_for_approval(report=report, actor=qa)
    with django_capture_on_commit_callbacks(execute=True):
        response = sm_client.post(reverse("insight:report_publish", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.PUBLISHED and report.approved_by == sm


def test_a_stale_form_cannot_overwrite_newer_words(march, role_client,
                                                   django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    opened = report.revision
    services.narrative_save(report=report, commentary="First", recommendations="",
                            revision=opened, actor=qa)
    response = client.post(reverse("insight:report_words", args=[report.pk]), {
        "commentary": "Second", "recommendations": "", "revision": opened})
    page = response.content.decode()
    assert response.status_code == 200 and "Someone saved this report" in page
    assert "Second" in page  # their words are still there to copy
    report.refresh_from_db()
    assert report.commentary == "First"


def test_names_are_kept_out_of_quotes_and_published_reports(
        march, role_client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    worker = PersonFactory(full_name="Robin Example")
    audit = march[0]
    Answer.objects.create(audit=audit, section_key="s1", question_key=Answer.EVIDENCE,
                          value="The plan is clear and Robin Example visits weekly.")
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    page = client.get(reverse("insight:report_quotes", args=[report.pk])).content.decode()
    assert "visits weekly" in page
    assert AccessLog.objects.filter(user=qa.user, object_type="audit",
                                    object_id=str(audit.pk)).exists()
    answer = Answer.objects.get(audit=audit, section_key="s1")
    response = client.post(reverse("insight:report_quotes", args=[report.pk]), {
        "answer": answer.pk, "text": "Robin Example visits weekly.", "strength": "yes"})
    assert "name" in response.content.decode() and not report.excerpts.exists()
    response = client.post(reverse("insight:report_quotes", args=[report.pk]), {
        "answer": answer.pk, "text": "The plan is rewritten", "strength": "yes"})
    assert "own words" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("insight:report_quotes", args=[report.pk]), {
            "answer": answer.pk, "text": "The plan is clear", "strength": "yes"})
    assert report.excerpts.get().text == "The plan is clear"
    assert "The plan is clear" in figures_text(report.versions.get(number=0))
    # A name written into the commentary stops publication, and says where.
    with django_capture_on_commit_callbacks(execute=True):
        services.narrative_save(report=report, commentary=f"Thanks to {worker.full_name}.",
                                recommendations="", revision=report.revision, actor=qa)
    report.refresh_from_db()
    with pytest.raises(DomainError, match="Robin Example"):
        services.publish(report=report, actor=qa)
    case_ref = audit.case.reference
    assert services.scan_for_names(f"see case {case_ref}") == [case_ref]


def test_the_reports_setting_says_which_reports_are_due(march, role_client) -> None:  # type: ignore[no-untyped-def]
    """The `reports` setting decides what is due, who approves it and who is told."""
    today = dt.date(2026, 4, 10)
    framework_settings_set(values={"reports": [
        {"report": "QA and impact report", "kind": "monthly", "frequency": "monthly"},
        {"report": "Complaints and compliments", "frequency": "annual"}]}, actor=None)
    due = services.due_reports(today)
    assert [(d.kind, d.period.key) for d in due] == [("monthly", "2026-03")]
    assert [r["report"] for r in services.made_elsewhere()] == ["Complaints and compliments"]
    framework_settings_set(values={"reports": [
        {"report": "Quarterly report", "kind": "quarterly", "frequency": "quarterly",
         "approved_by": "assistant_director"}]}, actor=None)
    due = services.due_reports(today)
    assert [(d.kind, d.period.key) for d in due] == [("quarterly", "2026-Q1")]
    assert services.framework_entries()["quarterly"].approver_role == "assistant_director"
    client, _ = role_client(Role.QA_MANAGER)
    home = client.get(reverse("home")).content.decode()
    assert "Due: Quarterly report for" in home


def test_readers_see_only_what_they_may(march, role_client,
                                        django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    qa_client, qa = role_client(Role.QA_MANAGER)
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    practitioner_client, _ = role_client(Role.PRACTITIONER)
    assert practitioner_client.get(
        reverse("insight:report", args=[report.pk])).status_code == 404
    leader_client, _ = role_client(Role.SENIOR_LEADER)
    assert leader_client.get(reverse("insight:report", args=[report.pk])).status_code == 200
    assert leader_client.get(reverse("insight:report_words", args=[report.pk])).status_code \
        == 404
    # A team manager writes their own team's report and no other.
    team = TeamFactory()
    tm_client, tm = role_client(Role.TEAM_MANAGER, team=team)
    with django_capture_on_commit_callbacks(execute=True):
        response = tm_client.post(reverse("insight:report_list"), {
            "kind": "team", "period": "2026-03", "team": team.pk})
    own = Report.objects.get(kind="team")
    assert response.status_code == 302 and own.team == team
    assert services.may_write(own, tm) and not services.may_write(report, tm)
    other = TeamFactory()
    response = tm_client.post(reverse("insight:report_list"), {
        "kind": "team", "period": "2026-03", "team": other.pk})
    assert response.status_code == 404


def test_the_qa_managers_home_lists_drafts_and_what_waits_for_approval(
        march, role_client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    make("annual", kinds.Period.financial_year(2025), actor=qa,
         capture=django_capture_on_commit_callbacks)
    home = client.get(reverse("home")).content.decode()
    assert "Draft: Annual QA report, April 2025 to March 2026" in home
    framework_settings_set(values={"reports": [{
        "report": "QA report", "kind": "monthly", "frequency": "monthly",
        "approved_by": "assistant_director"}]}, actor=None)
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    services.submit_for_approval(report=report, actor=qa)
    ad_client, _ = role_client(Role.ASSISTANT_DIRECTOR)
    home = ad_client.get(reverse("home")).content.decode()
    assert "Waiting for your approval: Monthly QA and impact report, March 2026" in home


def test_reports_made_elsewhere_are_listed_with_when_they_are_due(role_client) -> None:  # type: ignore[no-untyped-def]
    framework_settings_set(values={"reports": [
        {"report": "Observations of practice summary", "frequency": "twice_yearly",
         "months": [1, 7]}]}, actor=None)
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("insight:report_list")).content.decode()
    assert "Observations of practice summary (twice yearly, in January and July)" in page


@pytest.mark.parametrize("n", [1, 12])
def test_the_reports_list_query_count_is_pinned(n, role_client,
                                                django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client, qa = role_client(Role.QA_MANAGER)
    team = TeamFactory()
    for i in range(n):
        services.report_open(kind="monthly", period=kinds.Period.month(
            dt.date(2025, 1, 1) + dt.timedelta(days=31 * i)), actor=qa)
        services.report_open(kind="team", period=MARCH if i == 0 else kinds.Period.month(
            dt.date(2024, 1, 1) + dt.timedelta(days=31 * i)), actor=qa, team_id=team.pk)
    client.get(reverse("insight:report_list"))
    with django_assert_max_num_queries(17):  # +1: the session's own row (people.UserSession)
        page = client.get(reverse("insight:report_list")).content.decode()
    assert page.count('href="/reports/') >= 2 * n
