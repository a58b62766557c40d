"""Every notice that asks someone to do something says so once the work is done, wherever it
was raised (safeguarding concerns, moderation, calibration, quality control, reports, the
cycle, action plans), and leads to the part of its page that concerns it. The tray's checks
cost the same however many notices it lists."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.actions import notice_checks as action_checks
from auditloop.actions import services as action_services
from auditloop.audits import concerns
from auditloop.audits import notice_checks as audit_checks
from auditloop.audits.models import Audit, ImmediateConcern
from auditloop.insight import notice_checks as report_checks
from auditloop.insight import services as report_services
from auditloop.moderation import notice_checks as moderation_checks
from auditloop.moderation import services as moderation_services
from auditloop.moderation.models import CalibrationParticipant
from auditloop.moderation.services import Decision
from auditloop.notifications.done import about, done_sentences
from auditloop.notifications.models import Notification
from auditloop.notifications.services import notify
from auditloop.people.roles import Role
from auditloop.programme import notice_checks as cycle_checks
from auditloop.programme.models import Cycle, CycleNotice
from auditloop.programme.services.notices import audit_list_reminders
from auditloop.quality import notice_checks as quality_checks
from auditloop.quality import services as quality_services
from auditloop.standards.services import framework_settings_set
from tests.actions.factories import add_plan_action, make_plan, strategic_lead
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    ServiceFactory,
    make_audit,
    make_quality_check,
    shipped_tool_version,
)
from tests.insight.test_report_lifecycle import graded, make
from tests.moderation.factories import blind_grades, cycle_of, moderator, set_framework
from tests.programme.conftest import auditors, council, fake_solver, framework, submit
from tests.programme.test_notices import month, send

pytestmark = pytest.mark.django_db
# Fixtures of other apps' tests, used here as they are there.
__all__ = ["auditors", "council", "fake_solver", "framework", "month"]


def on(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(11), tzinfo=dt.UTC),
                               tick=False)


def only(person: Any, kind: str) -> Notification:
    (notice,) = Notification.objects.filter(recipient=person, kind=kind)
    return notice


def done(notice: Notification) -> str | None:
    return done_sentences([notice]).get(notice.pk)


def leads_to_its_part(client: Any, notice: Notification) -> None:
    """The link names a fragment, and the page it opens has that id."""
    path, _, fragment = notice.link.partition("#")
    assert fragment, notice.link
    response = client.get(path)
    assert response.status_code == 200
    assert f'id="{fragment}"' in response.content.decode()


def test_a_safeguarding_concern_is_done_once_its_actions_are_signed_off(client_for):
    with on(dt.date(2026, 6, 3)):
        sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
        tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
        kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
        auditor = PersonFactory(roles=[Role.AUDITOR])
        audit = make_audit(case=CaseFactory(key_worker=kw, team_manager=tm),
                           auditors=[auditor])
        concern = concerns.immediate_concern_raise(
            audit=audit, actor=auditor, summary="Unsafe sleeping arrangements",
            unsafe_practice=ImmediateConcern.Practice.CURRENT, mash_contacted=False,
            actions=[concerns.SmartAction("Unsafe sleep", "Visit", "Team manager",
                                          dt.date(2026, 6, 20), "Safe sleep",
                                          "Seen at visit")])
    notice = only(tm, audit_checks.CONCERN)
    assert notice.is_urgent and notice.about == f"concern:{concern.pk}"
    leads_to_its_part(client_for(tm), notice)
    assert done(notice) is None
    director = PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])
    with on(dt.date(2026, 6, 5)):
        for action in concerns.concern_actions(concern):
            action_services.action_submit_for_sign_off(action=action, actor=tm,
                                                       evidence="Visited on 4 June")
            action_services.action_sign_off(action=action, actor=director)
    assert done(notice) == ("Done: the concern's actions were all signed off, the last on "
                            "5 June 2026.")


def test_moderation_is_done_once_the_moderators_reviews_are_completed(client_for):
    set_framework(moderation_share_percent=Decimal("100"))
    person = moderator()
    cycle, _ = cycle_of(1)
    with on(dt.date(2026, 6, 29)):
        moderation_services.sample_draw(cycle=cycle, actor=None, seed=1)
    notice = only(person, moderation_checks.MODERATE)
    leads_to_its_part(client_for(person), notice)
    assert done(notice) is None
    review = person_review(person)
    with on(dt.date(2026, 7, 2)):
        moderation_services.review_save_blind(review=review, actor=person,
                                              grades=blind_grades(review))
        assert done(notice) is None  # graded blind, not yet compared and completed
        moderation_services.review_complete(
            review=review, actor=person,
            decisions={k: Decision(True) for k in
                       review.grades.values_list("section_key", flat=True)})
    assert done(notice) == ("Done: you completed your moderation of these audits, the last "
                            "on 2 July 2026.")


def person_review(person: Any) -> Any:
    from auditloop.moderation.models import ModerationReview

    return ModerationReview.objects.get(moderator=person)


def test_a_calibration_exercise_is_done_for_whoever_has_graded_it(client_for):
    set_framework()
    _, audits = cycle_of(1)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    one, other = PersonFactory(roles=[Role.AUDITOR]), PersonFactory(roles=[Role.AUDITOR])
    exercise = moderation_services.calibration_create(
        actor=qa, title="Drift", tool_version=audits[0].tool_version,
        vignette="An invented family", participants=[one, other])
    notice, others = only(one, moderation_checks.CALIBRATE), only(other,
                                                                  moderation_checks.CALIBRATE)
    leads_to_its_part(client_for(one), notice)
    assert done(notice) is None
    grades = {s.key: "good" for s in moderation_services.graded_sections(exercise.tool_version)}
    with on(dt.date(2026, 12, 3)):
        moderation_services.calibration_submit(
            participant=CalibrationParticipant.objects.get(exercise=exercise, person=one),
            actor=one, grades=grades)
    assert done_sentences([notice, others]) == {
        notice.pk: "Done: you graded this calibration exercise on 3 December 2026."}
    moderation_services.calibration_close(exercise=exercise, actor=qa)
    assert done(others) == "Done: the exercise is closed."


def _quality_world() -> dict[str, Any]:
    shipped_tool_version("003-tier-2-caf-toolkit")
    shipped_tool_version("003-tier-1-quality-control")
    framework_settings_set(values={"tools": ["003-tier-2-caf-toolkit",
                                             "003-tier-1-quality-control"]}, actor=None)
    lead = PersonFactory(roles=[Role.PRACTITIONER])
    case = CaseFactory(service=ServiceFactory(), key_worker=lead)
    InvolvementFactory(case=case, person=lead, started_on=dt.date(2026, 1, 5))
    return {"lead": lead, "check": make_quality_check(case=case),
            "checker": PersonFactory(roles=[Role.QA_MANAGER])}


def _all_yes() -> dict[str, dict[str, str]]:
    return {f"assessment.{k}": {"value": "yes"} for k in
            ("consent", "caf_ids", "sections_complete", "child_voice", "smart_plan",
             "signatures")}


def test_quality_control_notices_are_done_by_the_next_step_after_each(client_for):
    w = _quality_world()
    lead, checker, check = w["lead"], w["checker"], w["check"]
    with on(dt.date(2026, 4, 1)):
        quality_services.quality_check_fail(check=check, actor=checker, answers=_all_yes(),
                                            to_fix="Add the signatures.")
    put_right = only(lead, quality_checks.PUT_RIGHT)
    leads_to_its_part(client_for(lead), put_right)
    assert done(put_right) is None
    with on(dt.date(2026, 4, 2)):
        quality_services.quality_check_report_fixed(check=check, actor=lead, note="Signed.")
    assert done(put_right) == "Done: you said it was put right on 2 April 2026."
    confirm = only(checker, quality_checks.CONFIRM)
    leads_to_its_part(client_for(checker), confirm)
    assert done(confirm) is None
    # Sent back again: a new notice to put it right, not done; the first one stays done.
    with on(dt.date(2026, 4, 3)):
        quality_services.quality_check_send_back(check=check, actor=checker,
                                                 to_fix="The father's signature.")
    assert done(confirm) == ("Done: it was sent back to the lead professional again on "
                             "3 April 2026.")
    again = Notification.objects.filter(recipient=lead, kind=quality_checks.PUT_RIGHT) \
        .exclude(pk=put_right.pk).get()
    assert done(again) is None
    assert done(put_right) == "Done: you said it was put right on 2 April 2026."
    with on(dt.date(2026, 4, 6)):
        quality_services.quality_check_report_fixed(check=check, actor=lead, note="Both.")
    with on(dt.date(2026, 4, 7)):
        quality_services.quality_check_confirm_fixed(check=check, actor=checker)
    last = Notification.objects.filter(recipient=checker, kind=quality_checks.CONFIRM) \
        .latest("created_at")
    assert done(last) == "Done: it was confirmed as put right on 7 April 2026."


def test_a_reports_approval_and_its_return_are_done_by_the_next_step(
        client_for, django_capture_on_commit_callbacks):
    for day in (2, 9):
        graded("good", dt.date(2026, 3, day))
    framework_settings_set(values={"reports": [{
        "report": "Quarterly overview", "kind": "monthly", "frequency": "monthly",
        "approved_by": "service_manager", "audiences": []}]}, actor=None)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
    report = make(actor=qa, capture=django_capture_on_commit_callbacks)
    with on(dt.date(2026, 4, 1)):
        report_services.submit_for_approval(report=report, actor=qa)
    approve = only(sm, report_checks.APPROVE)
    leads_to_its_part(client_for(sm), approve)
    assert done(approve) is None
    with on(dt.date(2026, 4, 2)):
        report_services.return_to_draft(report=report, actor=sm, reason="Say more")
    assert done(approve) == "Done: the report was returned to its writer on 2 April 2026."
    resubmit = only(qa, report_checks.RESUBMIT)
    leads_to_its_part(client_for(qa), resubmit)
    assert done(resubmit) is None
    with on(dt.date(2026, 4, 3)):
        report_services.submit_for_approval(report=report, actor=qa)
    assert done(resubmit) == "Done: the report was sent for approval again on 3 April 2026."
    second = Notification.objects.filter(recipient=sm, kind=report_checks.APPROVE) \
        .latest("created_at")
    assert done(second) is None
    with on(dt.date(2026, 4, 6)), django_capture_on_commit_callbacks(execute=True):
        report_services.publish(report=report, actor=sm)
    assert done(second) == "Done: the report was approved and published on 6 April 2026."


def test_collating_the_audit_list_is_done_once_the_cases_are_confirmed(framework, client_for):
    from auditloop.programme import services as programme

    qa = PersonFactory(roles=[Role.QA_MANAGER])
    june = programme.cycle_create(year=2026, number=6, actor=None)
    framework.audit_list_days_before_cycle = 7
    framework.save()
    assert audit_list_reminders(dt.date(2026, 5, 26)) == 1
    notice = only(qa, cycle_checks.COLLATE)
    leads_to_its_part(client_for(qa), notice)
    assert done(notice) is None
    with on(dt.date(2026, 5, 28)):
        Cycle.workflow.move(june, to=Cycle.Status.CASES_CONFIRMED, actor=None,
                            what="Cases confirmed: 3 cases")
    assert done(notice) == "Done: the cycle's cases were confirmed on 28 May 2026."


def test_the_cycles_audits_are_done_once_submitted(month, django_capture_on_commit_callbacks,
                                                   client_for):
    cycle, (a, _) = month["cycle"], month["auditors"]
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    with on(dt.date(2026, 5, 20)):
        send(cycle, [CycleNotice.Kind.ALLOCATION], django_capture_on_commit_callbacks)
    allocated = only(a, cycle_checks.AUDITS_ALLOCATED)
    assert allocated.about == f"cycle:{cycle.pk}"
    with on(dt.date(2026, 6, 25)):
        send(cycle, [CycleNotice.Kind.REMINDER], django_capture_on_commit_callbacks)
    with on(dt.date(2026, 7, 1)):
        send(cycle, [CycleNotice.Kind.OVERDUE], django_capture_on_commit_callbacks)
    due = Notification.objects.filter(recipient=a, kind=cycle_checks.AUDIT_DUE).first()
    assert due is not None
    overdue = Notification.objects.filter(recipient=qa, kind=cycle_checks.AUDIT_OVERDUE)
    assert overdue.exists()
    leads_to_its_part(client_for(qa), overdue[0])
    notices = [allocated, due, *overdue]
    assert done_sentences(notices) == {}
    mine = list(Audit.objects.filter(assignments__person=a, assignments__ended_at=None))
    with on(dt.date(2026, 7, 2)):
        for audit in month["audits"]:
            submit(audit)  # the state only: the auditor's submit also records when
        Audit.objects.filter(pk__in=[x.pk for x in month["audits"]]).update(
            submitted_at=dt.datetime(2026, 7, 2, 11, tzinfo=dt.UTC))
    ended = done_sentences(notices)
    assert ended[due.pk] == "Done: the audit was submitted on 2 July 2026."
    assert all(ended[n.pk] == "Done: the audit was submitted on 2 July 2026."
               for n in overdue)
    assert mine and ended[allocated.pk] == ("Done: your audits in this cycle are submitted, "
                                            "the last on 2 July 2026.")


def test_leading_an_action_plan_is_done_once_it_has_an_action(client_for):
    lead, qa = strategic_lead(), PersonFactory(roles=[Role.HEAD_OF_QA])
    with on(dt.date(2026, 6, 1)):
        plan = make_plan(lead=lead, actor=qa)
    notice = only(lead, action_checks.ADD_ACTIONS)
    leads_to_its_part(client_for(lead), notice)
    assert done(notice) is None
    with on(dt.date(2026, 6, 4)):
        add_plan_action(plan)
    assert done(notice) == "Done: the plan's first action was added on 4 June 2026."


def test_the_trays_checks_for_every_kind_do_not_grow_with_its_notices(client_for):
    person = PersonFactory()
    client = client_for(person)
    kinds = [
        (audit_checks.CONCERN, about("concern", 1)),
        (moderation_checks.MODERATE, about("moderation_sample", 1)),
        (moderation_checks.CALIBRATE, about("calibration", 1)),
        (quality_checks.PUT_RIGHT, about("quality_check", 1)),
        (quality_checks.CONFIRM, about("quality_check", 1)),
        (report_checks.APPROVE, about("report", 1)),
        (report_checks.RESUBMIT, about("report", 1)),
        (cycle_checks.AUDITS_ALLOCATED, about("cycle", 1)),
        (cycle_checks.AUDIT_DUE, about("audit", 1)),
        (cycle_checks.AUDIT_OVERDUE, about("audit", 1)),
        (cycle_checks.COLLATE, about("cycle", 1)),
        (action_checks.ADD_ACTIONS, about("action_plan", 1)),
    ]

    def add(n: int) -> None:
        for _ in range(n):
            for kind, key in kinds:
                notify(recipients=[person], subject="Something to do", kind=kind, about=key)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications:tray")).status_code == 200
        return len(queries)

    add(1)
    count()  # a session's first request restarts its idle clock (people.sessions)
    few = count()
    add(10)
    assert count() == few
    assert "Something to do" in html.unescape(
        client.get(reverse("notifications:tray")).content.decode())
