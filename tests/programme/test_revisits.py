"""Revisits of a theme (002: "areas audited will be revisited ... a period of 6 months"):
the schedule under frozen time, starting one (revisit audits that the next cycle picks up
as planned cases), postponing and cancelling with the history kept, and their pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.cases.models import Case
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.roles import Role
from auditloop.programme import loop
from auditloop.programme.models import (
    Cycle,
    CycleCase,
    MeetingItem,
    RevisitCase,
    ThemeRevisit,
    ThemeRevisitEvent,
)
from auditloop.programme.services import (
    meeting_close,
    revisit_cancel,
    revisit_postpone,
    revisit_schedule,
    revisit_start,
)
from auditloop.programme.services.selection import planned_audits_due
from tests.programme.loop_factories import audited, loop_framework, themed_cycle

pytestmark = pytest.mark.django_db
R = ThemeRevisit.Status


# ------------------------------------------------------------------ the due date, pure


@pytest.mark.parametrize(("end", "months", "due"), [
    (dt.date(2026, 1, 31), 6, dt.date(2026, 7, 31)),
    (dt.date(2026, 2, 28), 6, dt.date(2026, 8, 31)),   # a month's end stays a month's end
    (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
    (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),   # leap year
    (dt.date(2026, 6, 30), 6, dt.date(2026, 12, 31)),
    (dt.date(2026, 3, 15), 6, dt.date(2026, 9, 15)),   # a programme ending mid-month
    (dt.date(2026, 8, 30), 6, dt.date(2027, 2, 28)),   # clipped to February's last day
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
])
def test_due_date_is_the_setting_months_after_the_period(end, months, due):
    assert loop.revisit_due_on(end, months) == due


# ------------------------------------------------------------------ scheduling


def test_themed_cycle_schedules_revisit_six_months_after_its_period():
    loop_framework()
    cycle = themed_cycle(theme="Neglect", year=2026, number=2)
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC), tick=False):
        revisit = revisit_schedule(cycle=cycle, actor=None)
    assert revisit is not None
    assert (revisit.theme, revisit.months, revisit.due_on) == ("Neglect", 6,
                                                               dt.date(2026, 8, 31))
    assert revisit.status == R.SCHEDULED
    assert list(revisit.events.values_list("kind", flat=True)) == ["scheduled"]


def test_nothing_is_scheduled_when_the_framework_has_no_revisits():
    loop_framework(closing_loop_revisit_months=None)
    assert revisit_schedule(cycle=themed_cycle(), actor=None) is None
    assert not ThemeRevisit.objects.exists()


def test_a_cycle_without_a_theme_schedules_nothing():
    loop_framework()
    assert revisit_schedule(cycle=themed_cycle(theme=""), actor=None) is None


def test_scheduled_once_per_cycle_and_theme():
    loop_framework()
    cycle = themed_cycle()
    first = revisit_schedule(cycle=cycle, actor=None)
    again = revisit_schedule(cycle=cycle, actor=None)
    assert first == again
    assert ThemeRevisit.objects.count() == 1
    assert ThemeRevisitEvent.objects.count() == 1


def test_changing_the_setting_later_does_not_move_a_scheduled_date():
    loop_framework()
    cycle = themed_cycle(year=2026, number=1)
    revisit = revisit_schedule(cycle=cycle, actor=None)
    loop_framework(closing_loop_revisit_months=3)
    assert revisit_schedule(cycle=cycle, actor=None) == revisit
    revisit.refresh_from_db()
    assert (revisit.months, revisit.due_on) == (6, dt.date(2026, 7, 31))
    # A cycle closed after the change takes the new setting.
    later = revisit_schedule(cycle=themed_cycle(year=2026, number=2), actor=None)
    assert later is not None and later.due_on == dt.date(2026, 5, 31)


def test_closing_the_meeting_of_a_themed_cycle_schedules_its_revisit():
    loop_framework()
    cycle = themed_cycle(theme="Domestic abuse", year=2026, number=4,
                         status=Cycle.Status.ALLOCATED)
    audit = audited(cycle)
    MeetingItem.objects.create(cycle=cycle, audit=audit, discussed_at=dt.datetime(
        2026, 4, 30, 12, tzinfo=dt.UTC))
    meeting_close(cycle=cycle, actor=None)
    revisit = ThemeRevisit.objects.get()
    assert (revisit.cycle, revisit.theme, revisit.due_on) == (cycle, "Domestic abuse",
                                                               dt.date(2026, 10, 31))


# ------------------------------------------------------------------ starting


@pytest.fixture
def due_revisit():
    loop_framework()
    cycle = themed_cycle(theme="Neglect", year=2026, number=1)
    open_audit = audited(cycle, grade="requires_improvement")
    closed_audit = audited(cycle, grade="inadequate")
    Case.objects.filter(pk=closed_audit.case_id).update(status=Case.Status.CLOSED,
                                                         closed_on=dt.date(2026, 5, 1))
    revisit = revisit_schedule(cycle=cycle, actor=None)
    assert revisit is not None
    return revisit, open_audit, closed_audit


def test_starting_plans_revisit_audits_of_the_open_cases(due_revisit):
    revisit, open_audit, closed_audit = due_revisit
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        revisit_start(revisit=revisit, actor=None)
    revisit.refresh_from_db()
    assert revisit.status == R.STARTED
    planned = RevisitCase.objects.get(earlier_audit=open_audit).revisit_audit
    assert planned is not None
    assert (planned.kind, planned.status, planned.re_audit_of_id, planned.case_id) == (
        Audit.Kind.REVISIT, Audit.Status.PLANNED, open_audit.pk, open_audit.case_id)
    assert planned.earliest_start_on == dt.date(2026, 8, 3)
    closed = RevisitCase.objects.get(earlier_audit=closed_audit)
    assert closed.closed_since and closed.revisit_audit is None
    assert not Audit.objects.filter(case=closed_audit.case, kind=Audit.Kind.REVISIT).exists()


def test_the_next_monthly_cycle_takes_the_revisit_audits_as_planned_cases(due_revisit):
    revisit, open_audit, _ = due_revisit
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        revisit_start(revisit=revisit, actor=None)
    september = themed_cycle(theme="", year=2026, number=9, status=Cycle.Status.PLANNING)
    due = planned_audits_due(september)
    assert [a.case_id for a in due] == [open_audit.case_id]
    assert due[0].kind == Audit.Kind.REVISIT
    assert CycleCase.Source.PLANNED == "planned"


def test_a_revisit_cannot_start_before_it_is_due(due_revisit):
    revisit, *_ = due_revisit
    with time_machine.travel(dt.datetime(2026, 7, 30, 9, tzinfo=dt.UTC), tick=False), \
            pytest.raises(DomainError, match="due on 31 July 2026"):
        revisit_start(revisit=revisit, actor=None)


def test_starting_twice_plans_nothing_more(due_revisit):
    revisit, *_ = due_revisit
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        revisit_start(revisit=revisit, actor=None)
        with pytest.raises(WorkflowError):
            revisit_start(revisit=revisit, actor=None)
    assert Audit.objects.filter(kind=Audit.Kind.REVISIT).count() == 1


def test_postpone_moves_the_date_and_keeps_the_history(due_revisit):
    revisit, *_ = due_revisit
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        with pytest.raises(DomainError, match="Say why"):
            revisit_postpone(revisit=revisit, actor=None, to=dt.date(2026, 9, 30), reason="")
        with pytest.raises(DomainError, match="after today"):
            revisit_postpone(revisit=revisit, actor=None, to=dt.date(2026, 7, 15),
                             reason="Inspection")
        revisit_postpone(revisit=revisit, actor=None, to=dt.date(2026, 9, 30),
                         reason="The inspection takes the team in August")
    revisit.refresh_from_db()
    assert revisit.due_on == dt.date(2026, 9, 30)
    event = revisit.events.get(kind="postponed")
    assert (event.from_due_on, event.to_due_on) == (dt.date(2026, 7, 31), dt.date(2026, 9, 30))


def test_cancel_needs_a_reason_and_then_nothing_more_can_happen(due_revisit):
    revisit, *_ = due_revisit
    with pytest.raises(DomainError):
        revisit_cancel(revisit=revisit, actor=None, reason=" ")
    revisit_cancel(revisit=revisit, actor=None, reason="The service has been restructured")
    revisit.refresh_from_db()
    assert revisit.status == R.CANCELLED
    with pytest.raises(WorkflowError):
        revisit_start(revisit=revisit, actor=None, today=dt.date(2026, 12, 1))
    assert [e.kind for e in revisit.events.all()] == ["scheduled", "cancelled"]


def test_the_revisit_moves_through_its_workflow_and_writes_its_own_events(due_revisit):
    revisit, *_ = due_revisit
    assert set(ThemeRevisit.workflow.next_states(R.SCHEDULED)) == {R.STARTED, R.CANCELLED}
    assert ThemeRevisit.workflow.next_states(R.STARTED) == []
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        revisit_start(revisit=revisit, actor=None)
    started = revisit.events.get(kind="started")
    assert started.reason == "1 revisit audit planned for the next monthly cycle; 1 case " \
        "closed since"
    stale = ThemeRevisit.objects.get(pk=revisit.pk)
    stale.status = R.SCHEDULED  # a page loaded before the revisit started
    with pytest.raises(WorkflowError, match="This revisit is revisit audits planned"):
        ThemeRevisit.workflow.move(stale, to=R.CANCELLED, reason="Too late")
    revisit.refresh_from_db()
    assert not revisit.may_become(R.CANCELLED)
    assert sorted(e.kind for e in revisit.events.all()) == ["scheduled", "started"]


# ------------------------------------------------------------------ pages


@pytest.fixture
def qa(role_client):
    return role_client(Role.QA_MANAGER)[0]


def test_revisit_list_shows_due_revisits(due_revisit, qa):
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        response = qa.get(reverse("programme:revisit_list"))
    assert response.status_code == 200
    assert "Neglect" in response.content.decode()
    assert "Due now" in response.content.decode()


def test_revisit_list_query_count_does_not_grow(qa, django_assert_max_num_queries):
    loop_framework()
    for number in range(1, 3):
        revisit_schedule(cycle=themed_cycle(year=2025, number=number), actor=None)
    with django_assert_max_num_queries(12) as few:
        qa.get(reverse("programme:revisit_list"))
    for number in range(3, 9):
        revisit_schedule(cycle=themed_cycle(year=2025, number=number), actor=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = qa.get(reverse("programme:revisit_list"))
    assert response.content.decode().count("Neglect") >= 8


def test_start_page_starts_a_due_revisit(due_revisit, qa):
    revisit, *_ = due_revisit
    with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC), tick=False):
        response = qa.post(reverse("programme:revisit_start", args=[revisit.pk]))
        assert response.status_code == 302
        again = qa.post(reverse("programme:revisit_start", args=[revisit.pk]))
    assert again.status_code == 400  # wrong state: already started
    assert Audit.objects.filter(kind=Audit.Kind.REVISIT).count() == 1


def test_start_refuses_get_and_other_roles(due_revisit, role_client):
    revisit, *_ = due_revisit
    url = reverse("programme:revisit_start", args=[revisit.pk])
    qa = role_client(Role.QA_MANAGER)[0]
    assert qa.get(url).status_code == 405
    auditor = role_client(Role.AUDITOR)[0]
    assert auditor.post(url).status_code == 403


def test_start_before_due_shows_the_reason(due_revisit, qa):
    revisit, *_ = due_revisit
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        response = qa.post(reverse("programme:revisit_start", args=[revisit.pk]))
    assert response.status_code == 400
    assert "due on 31 July 2026" in response.content.decode()


def test_postpone_and_cancel_pages(due_revisit, qa):
    revisit, *_ = due_revisit
    url = reverse("programme:revisit_postpone", args=[revisit.pk])
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        assert qa.get(url).status_code == 200
        bad = qa.post(url, {"to": "2026-09-30", "reason": ""})
        assert bad.status_code == 400 and "Say why" in bad.content.decode()
        ok = qa.post(url, {"to": "2026-09-30", "reason": "Inspection in August"})
        assert ok.status_code == 302
        cancel = reverse("programme:revisit_cancel", args=[revisit.pk])
        assert qa.post(cancel, {"reason": "Restructure"}).status_code == 302
        assert qa.post(cancel, {"reason": "Again"}).status_code == 400  # wrong state
        assert qa.get(url).status_code == 400  # postponing a cancelled revisit
    revisit.refresh_from_db()
    assert revisit.status == R.CANCELLED


def test_revisit_detail_lists_the_cases_and_logs_them(due_revisit, role_client):
    from auditloop.common.models import AccessLog

    revisit, open_audit, closed_audit = due_revisit
    client, person = role_client(Role.QA_MANAGER)
    url = reverse("programme:revisit_detail", args=[revisit.pk])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert open_audit.case.reference in body
    assert "closed since, cannot be revisited" in body
    assert AccessLog.objects.filter(user=person.user, object_type="case").count() == 2
    assert client.post(url).status_code == 405
    other, _ = role_client(Role.SERVICE_MANAGER)
    assert other.get(url).status_code == 403
    assert client.get(reverse("programme:revisit_detail", args=[revisit.pk + 99])
                      ).status_code == 404


@pytest.mark.parametrize(("months", "due"), [(6, dt.date(2026, 8, 31)),
                                             (3, dt.date(2026, 5, 31)),
                                             (None, None)])
def test_closing_loop_revisit_months_sets_when_the_theme_is_revisited(months, due):
    loop_framework(closing_loop_revisit_months=months)
    cycle = themed_cycle(theme="Neglect", year=2026, number=2)
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC), tick=False):
        revisit = revisit_schedule(cycle=cycle, actor=None)
    assert (revisit.due_on if revisit else None) == due
