"""The programme's pages: for each, the role allowed, a role refused, the wrong method and
the wrong state; the list pages' query counts are pinned."""

import csv
import datetime as dt
import html
import io

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.cases.models import Involvement
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.programme import services
from auditloop.programme.models import (
    AllocationOverride,
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    CycleNotice,
    MeetingItem,
)
from auditloop.programme.services import SelectionAsk
from tests.factories import AbsenceFactory, CaseFactory, InvolvementFactory, PersonFactory
from tests.programme.conftest import set_framework, submit
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def qa(role_client):
    client, person = role_client(Role.QA_MANAGER)
    return client, person


@pytest.fixture
def outsider(role_client):
    return role_client(Role.PRACTITIONER)[0]


@pytest.fixture
def planning(framework, council):
    cycle = services.cycle_create(year=2026, number=7, actor=None)
    services.selection_propose(cycle=cycle, ask=SelectionAsk(random_count=4, seed=1),
                               actor=None)
    return cycle


@pytest.fixture
def allocated(framework, council, auditors, fake_solver):
    set_framework(allocation_unit="singles")
    auditors(3)
    cycle = confirmed_cycle(council["cases"][:3])
    services.allocation_confirm(run=services.allocation_propose(cycle=cycle, actor=None),
                                actor=None)
    cycle.refresh_from_db()
    return cycle


def url(name, *args):
    return reverse(f"programme:{name}", args=args)


# The list of cycles, a new cycle, a new programme ------------------------------------


def test_cycle_list_shows_each_cycle_with_a_pinned_query_count(qa, framework,
                                                             django_assert_max_num_queries):
    client, _ = qa
    for n in range(1, 4):
        services.cycle_create(year=2026, number=n, actor=None)
    with django_assert_max_num_queries(12):
        response = client.get(url("cycle_list"))
    assert response.status_code == 200
    for n in range(4, 10):
        services.cycle_create(year=2026, number=n, actor=None)
    with django_assert_max_num_queries(12):
        response = client.get(url("cycle_list"))
    assert "September 2026 cycle" in response.content.decode()


def test_cycle_pages_are_refused_to_those_who_do_not_run_the_cycle(outsider, planning):
    for name, args in (("cycle_list", ()), ("cycle_new", ()), ("coverage", ()),
                       ("cycle_detail", (planning.pk,)), ("propose", (planning.pk,))):
        assert outsider.get(url(name, *args)).status_code == 403


def test_a_cycle_is_created_from_the_page(qa, framework):
    client, person = qa
    assert client.get(url("cycle_new")).status_code == 200
    response = client.post(url("cycle_new"), {"year": 2026, "number": 6, "theme": ""})
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and response["Location"] == url("cycle_detail",
                                                                         cycle.pk)
    assert cycle.created_by == person
    again = client.post(url("cycle_new"), {"year": 2026, "number": 6})
    assert again.status_code == 400
    assert "There is already a cycle 6 for 2026" in again.content.decode()
    assert "Error:" in again.content.decode().split("</title>")[0]
    assert client.put(url("cycle_new")).status_code == 405


def test_a_one_off_programme_is_created_from_the_page(qa, framework):
    client, _ = qa
    assert client.get(url("programme_new")).status_code == 200
    response = client.post(url("programme_new"), {
        "kind": "multi_agency", "name": "Neglect", "period_start": "2026-09-01",
        "period_end": "2026-10-15", "auditor_roles": ["auditor", "partner_agency_lead"]})
    assert response.status_code == 302
    assert Cycle.objects.get().auditor_roles == ["auditor", "partner_agency_lead"]
    bad = client.post(url("programme_new"), {"kind": "thematic", "name": "x",
                                             "period_start": "2026-09-01",
                                             "period_end": "2026-08-01"})
    assert bad.status_code == 400 and "on or after the first day" in bad.content.decode()


# The cycle's page and choosing cases ------------------------------------------------------


def test_cycle_page_has_a_pinned_query_count(qa, framework, council, auditors, fake_solver,
                                            django_assert_max_num_queries):
    client, _ = qa
    set_framework(allocation_unit="singles")
    auditors(7)
    small = confirmed_cycle(council["cases"][:2], number=5)
    services.allocation_confirm(run=services.allocation_propose(cycle=small, actor=None),
                                actor=None)
    big = confirmed_cycle(council["cases"][2:14], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=big, actor=None),
                                actor=None)
    with django_assert_max_num_queries(30):
        assert client.get(url("cycle_detail", small.pk)).status_code == 200
    with django_assert_max_num_queries(30):
        response = client.get(url("cycle_detail", big.pk))
    text = response.content.decode()
    assert council["cases"][13].reference in text and "Mark as absent" in text
    assert client.get(url("cycle_detail", 999)).status_code == 404
    assert client.post(url("cycle_detail", big.pk)).status_code == 405


def test_proposing_from_the_page(qa, framework, council):
    client, person = qa
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    page = client.get(url("propose", cycle.pk))
    assert page.status_code == 200 and 'value="4"' in page.content.decode()
    # Left empty, the framework's number is taken; with none, the page says what to do.
    assert client.post(url("propose", cycle.pk), {"random_count": ""}).status_code == 302
    assert cycle.draws.get().random_count == 4
    set_framework(sample_size_min=None, sample_size_max=None)
    bad = client.post(url("propose", cycle.pk), {"random_count": ""})
    assert bad.status_code == 400
    assert "enter how many cases to choose at random" in bad.content.decode()
    cycle.draws.all().delete()
    response = client.post(url("propose", cycle.pk), {
        "random_count": "3", "stratify_by": ["locality"], "drift": "on", "seed": "5"})
    assert response.status_code == 302
    assert CycleCase.objects.filter(cycle=cycle).count() == 3
    draw = cycle.draws.get()
    assert draw.seed == 5 and draw.stratified and draw.created_by == person
    assert client.put(url("propose", cycle.pk)).status_code == 405


def test_a_range_of_cases_is_left_to_the_draw_on_the_page(qa, framework, council):
    # 003: "6/8 open CAF cases per month": the page offers the range, not its largest.
    client, _ = qa
    set_framework(sample_size_min=6, sample_size_max=8)
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    text = client.get(url("propose", cycle.pk)).content.decode()
    assert 'value="8"' not in text and "between 6 and 8, drawn with the seed" in text
    assert client.post(url("propose", cycle.pk), {"random_count": "", "seed": "5"}
                       ).status_code == 302
    assert 6 <= cycle.draws.get().random_count <= 8


def test_proposing_after_confirming_is_refused(qa, planning):
    client, _ = qa
    services.selection_confirm(cycle=planning, actor=None)
    response = client.get(url("propose", planning.pk))
    assert response.status_code == 400 and "Open the list again" in response.content.decode()


def test_the_draw_is_rerun_on_its_page(qa, outsider, planning):
    client, _ = qa
    draw = planning.draws.get()
    response = client.get(url("draw_check", planning.pk, draw.pk))
    assert response.status_code == 200 and "The same cases" in response.content.decode()
    other = services.cycle_create(year=2026, number=8, actor=None)
    assert client.get(url("draw_check", other.pk, draw.pk)).status_code == 404
    assert outsider.get(url("draw_check", planning.pk, draw.pk)).status_code == 403
    assert client.post(url("draw_check", planning.pk, draw.pk)).status_code == 405


def test_swapping_and_taking_off_from_the_page(qa, planning, council):
    client, _ = qa
    row = CycleCase.objects.filter(cycle=planning).first()
    assert client.get(url("change_case", planning.pk, row.pk)).status_code == 200
    bad = client.post(url("change_case", planning.pk, row.pk), {"how": "named", "reason": "x"})
    assert bad.status_code == 400
    assert "Enter the reference of the case to audit instead" in bad.content.decode()
    unknown = client.post(url("change_case", planning.pk, row.pk),
                          {"how": "named", "reference": "NOPE", "reason": "x"})
    assert "There is no case with the reference NOPE" in unknown.content.decode()
    response = client.post(url("change_case", planning.pk, row.pk),
                           {"how": "next", "reason": "Court hearing"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == CycleCase.Status.SWAPPED_OUT
    gone = client.get(url("change_case", planning.pk, row.pk))
    assert gone.status_code == 400
    other = CycleCase.objects.filter(cycle=planning, status="proposed").first()
    client.post(url("change_case", planning.pk, other.pk), {"how": "remove", "reason": "Closed"})
    other.refresh_from_db()
    assert other.status == CycleCase.Status.REMOVED


def test_adding_a_case_by_hand(qa, planning, council):
    client, _ = qa
    assert client.get(url("add_case", planning.pk)).status_code == 200
    extra = CaseFactory()
    response = client.post(url("add_case", planning.pk), {"reference": extra.reference,
                                                          "reason": "Complaint"})
    assert response.status_code == 302
    assert CycleCase.objects.filter(cycle=planning, case=extra).exists()
    dup = client.post(url("add_case", planning.pk), {"reference": extra.reference,
                                                     "reason": "Again"})
    assert dup.status_code == 400 and "already on the list" in dup.content.decode()


def test_confirming_the_cases(qa, outsider, planning, framework):
    client, _ = qa
    assert outsider.post(url("confirm_cases", planning.pk)).status_code == 403
    assert client.get(url("confirm_cases", planning.pk)).status_code == 405
    assert client.post(url("confirm_cases", planning.pk)).status_code == 302
    planning.refresh_from_db()
    assert planning.status == Cycle.Status.CASES_CONFIRMED
    again = client.post(url("confirm_cases", planning.pk))
    assert again.status_code == 400 and "There is a problem" in again.content.decode()
    empty = services.cycle_create(year=2026, number=9, actor=None)
    response = client.post(url("confirm_cases", empty.pk))
    assert response.status_code == 400 and "Propose cases first" in response.content.decode()


def test_reopening_the_list(qa, planning):
    client, _ = qa
    assert client.get(url("reopen_cases", planning.pk)).status_code == 400
    services.selection_confirm(cycle=planning, actor=None)
    assert client.get(url("reopen_cases", planning.pk)).status_code == 200
    assert client.post(url("reopen_cases", planning.pk), {"reason": ""}).status_code == 400
    assert client.post(url("reopen_cases", planning.pk),
                       {"reason": "A complaint"}).status_code == 302
    planning.refresh_from_db()
    assert planning.status == Cycle.Status.PLANNING


def test_themes_page_changes_the_theme_and_adds_an_indicators_theme(qa, planning):
    client, _ = qa
    assert client.get(url("themes", planning.pk)).status_code == 200
    response = client.post(url("themes", planning.pk), {"form": "theme", "theme": "Neglect",
                                                        "reason": "Partnership priority"})
    assert response.status_code == 302
    response = client.post(url("themes", planning.pk), {"form": "indicator", "theme": "x",
                                                        "indicator": "", "reason": "y"})
    assert response.status_code == 400 and "Enter the indicator" in response.content.decode()
    client.post(url("themes", planning.pk), {"form": "indicator", "theme": "Re-referrals",
                                             "indicator": "Re-referrals rising",
                                             "reason": "Test thresholds"})
    planning.refresh_from_db()
    assert planning.theme == "Neglect" and planning.indicator_themes.count() == 1
    services.selection_confirm(cycle=planning, actor=None)
    assert client.get(url("themes", planning.pk)).status_code == 400


def test_a_coordinator_contact_is_marked_done(qa, planning, council):
    client, person = qa
    contact = CoordinatorContact.objects.create(cycle=planning, case=council["cases"][0],
                                                months_open=14)
    assert client.get(url("contact_done", planning.pk, contact.pk)).status_code == 405
    client.post(url("contact_done", planning.pk, contact.pk), {"note": "Plan to close"})
    contact.refresh_from_db()
    assert contact.status == "done" and contact.done_by == person
    assert client.post(url("contact_done", planning.pk, 999)).status_code == 404


def test_coverage_page_has_a_pinned_query_count(qa, framework, council,
                                                django_assert_max_num_queries):
    client, _ = qa
    set_framework(coverage_target_percent=20, coverage_target_months=12)
    with django_assert_max_num_queries(15):
        response = client.get(url("coverage"))
    for _ in range(5):
        CaseFactory()
    with django_assert_max_num_queries(15):
        response = client.get(url("coverage"))
    text = response.content.decode()
    assert "0 of 25 open cases" in text and "Early Help North" in text and "North" in text
    assert client.post(url("coverage")).status_code == 405


# Putting cases forward -------------------------------------------------------------------


def test_a_team_manager_nominates_a_case_of_their_team(role_client, framework, council):
    client, tm = role_client(Role.TEAM_MANAGER)
    mine = council["cases"][0]
    mine.key_worker.line_manager = tm
    mine.key_worker.save()
    page = client.get(url("put_forward"))
    assert page.status_code == 200
    assert "Nominated by a team manager" in page.content.decode()
    assert "A complaint" not in page.content.decode()  # the QA team records those
    response = client.post(url("put_forward"), {"reference": mine.reference,
                                                "kind": "team_manager", "reason": "Neglect"})
    assert response.status_code == 302
    req = CaseRequest.objects.get()
    assert req.requested_by == tm and req.kind == CaseRequest.Kind.TEAM_MANAGER
    not_mine = client.post(url("put_forward"), {"reference": council["cases"][1].reference,
                                                "kind": "team_manager", "reason": "x"})
    assert not_mine.status_code == 400
    assert "only put forward a case you can see" in not_mine.content.decode()
    assert client.post(url("withdraw_request", req.pk)).status_code == 302
    req.refresh_from_db()
    assert req.status == CaseRequest.Status.WITHDRAWN


def test_putting_forward_is_refused_to_practitioners_and_others_requests_are_hidden(
        outsider, role_client, framework, council):
    assert outsider.get(url("put_forward")).status_code == 403
    client, _ = role_client(Role.SERVICE_MANAGER)
    other = CaseRequest.objects.create(case=council["cases"][0], kind="other", reason="x",
                                       requested_by=PersonFactory())
    assert client.post(url("withdraw_request", other.pk)).status_code == 404
    assert client.get(url("withdraw_request", other.pk)).status_code == 405


# Allocation ------------------------------------------------------------------------------


def test_allocation_page_before_the_cases_are_confirmed_says_what_to_do(qa, planning):
    client, _ = qa
    response = client.get(url("allocation", planning.pk))
    assert response.status_code == 400 and "Confirm the cases" in response.content.decode()
    response = client.post(url("allocation_propose", planning.pk))
    assert response.status_code == 400


def test_allocating_overriding_and_confirming_from_the_pages(qa, outsider, framework, council,
                                                             auditors, fake_solver,
                                                             django_assert_max_num_queries):
    client, person = qa
    set_framework(allocation_unit="singles")
    a, b = auditors(2)
    InvolvementFactory(case=council["cases"][0], person=b, role=Involvement.Role.OTHER)
    AbsenceFactory(person=b, starts_on=dt.date(2026, 6, 20), ends_on=dt.date(2026, 6, 22))
    cycle = confirmed_cycle(council["cases"][:6])
    assert client.get(url("allocation", cycle.pk)).status_code == 200
    assert outsider.post(url("allocation_propose", cycle.pk)).status_code == 403
    assert client.get(url("allocation_propose", cycle.pk)).status_code == 405
    response = client.post(url("allocation_propose", cycle.pk))
    assert response["Location"] == url("allocation", cycle.pk)
    with django_assert_max_num_queries(20):
        page = client.get(url("allocation", cycle.pk))
    assert "No auditor" in page.content.decode()  # 6 cases, 2 auditors of 2 each, 1 away
    run = cycle.allocation_runs.get()
    line = run.lines.get(cycle_case__case=council["cases"][0])
    assert client.get(url("allocation_override", cycle.pk, line.pk)).status_code == 200
    refused = client.post(url("allocation_override", cycle.pk, line.pk),
                          {"auditors": [b.pk], "reason": "Agreed with the head of QA"})
    assert refused.status_code == 400  # a conflict of interest is never overridden
    assert (f"{b.full_name} was involved with the case (other professional), so cannot "
            "audit it. Choose someone else") in refused.content.decode()
    other = run.lines.get(cycle_case__case=council["cases"][1])
    refused = client.post(url("allocation_override", cycle.pk, other.pk),
                          {"auditors": [b.pk], "reason": ""})
    assert refused.status_code == 400
    assert "Say why you are overriding" in refused.content.decode()
    client.post(url("allocation_override", cycle.pk, other.pk),
                {"auditors": [b.pk], "reason": "Back before the audit is due"})
    assert AllocationOverride.objects.get().by == person
    blocked = client.post(url("allocation_confirm", cycle.pk))
    assert blocked.status_code == 400 and "no auditor" in blocked.content.decode()
    done = client.post(url("allocation_confirm", cycle.pk), {"leave_out_blocked": "on"})
    assert done.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.ALLOCATED
    assert client.get(url("allocation_override", cycle.pk, line.pk)).status_code == 400
    assert client.get(url("allocation_override", cycle.pk, 999)).status_code == 404


def test_the_allocation_page_states_the_frameworks_conflict_rules_and_limit(qa, framework,
                                                                           council):
    client, _ = qa
    cycle = confirmed_cycle(council["cases"][:1])
    page = client.get(url("allocation", cycle.pk)).content.decode()
    assert "1 to 2 cases each" in page and "a case they were involved with" in page
    assert "levels down" not in page
    set_framework(conflict_involved_with_case=False, conflict_line_management_depth=2,
                  cases_per_unit_max=None)
    page = client.get(url("allocation", cycle.pk)).content.decode()
    assert "with no limit on cases each: every case the rules allow is covered" in page
    assert "a case they were involved with" not in page
    assert "a case held by someone they line-manage (up to 2 levels down)" in page


def test_who_audits_what_downloads_as_csv_and_is_logged(qa, allocated):
    client, _ = qa
    asked = client.get(url("allocations_csv", allocated.pk))
    assert asked.status_code == 200 and "Why are you exporting this?" in asked.content.decode()
    response = client.post(url("allocations_csv", allocated.pk), {"reason": "Planning leave"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Three rows of who audits what, a blank line and who exported it and when.
    assert rows[0][:3] == ["Cycle", "Case reference", "Audit"] and len(rows) == 6
    assert rows[4] == [] and rows[5][0].startswith("Exported by ")
    assert AccessLog.objects.filter(object_type="cycle_allocations", reason="Planning leave",
                                    action=AccessLog.Action.EXPORT).exists()


def test_absence_recorded_from_the_cycle_page(qa, allocated, framework):
    client, _ = qa
    set_framework(partner_completes_alone_if_absent=True)
    row = AuditAssignment.objects.filter(audit__isnull=False).first()
    assert client.get(url("assignment_absent", allocated.pk, row.pk)).status_code == 200
    assert client.post(url("assignment_absent", allocated.pk, row.pk),
                       {"reason": ""}).status_code == 400
    response = client.post(url("assignment_absent", allocated.pk, row.pk),
                           {"reason": "Sick until 20 June"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.end_reason == "Absent: Sick until 20 June"
    again = client.post(url("assignment_absent", allocated.pk, row.pk), {"reason": "x"})
    assert again.status_code == 400 and "no longer audits" in again.content.decode()


def test_choosing_an_auditor_for_an_audit(qa, allocated):
    client, _ = qa
    row = CycleCase.objects.filter(cycle=allocated).first()
    extra = PersonFactory(roles=["auditor"])
    page = client.get(url("choose_auditor", allocated.pk, row.pk))
    assert page.status_code == 200 and extra.full_name in html.unescape(page.content.decode())
    response = client.post(url("choose_auditor", allocated.pk, row.pk),
                           {"person": extra.pk, "reason": "Untrained but shadowed"})
    assert response.status_code == 302
    assert row.audit.assignments.filter(person=extra).exists()


def test_choosing_an_auditor_before_allocation_says_what_to_do(qa, planning):
    client, _ = qa
    row = CycleCase.objects.filter(cycle=planning).first()
    response = client.get(url("choose_auditor", planning.pk, row.pk))
    assert response.status_code == 400 and "allocate it first" in response.content.decode()


# An auditor's side -------------------------------------------------------------------------


def test_an_auditor_sees_their_audits_and_declines_one(client_for, allocated, fake_solver,
                                                       django_assert_max_num_queries):
    row = AuditAssignment.objects.filter(ended_at__isnull=True).select_related("person").first()
    client = client_for(row.person)
    with django_assert_max_num_queries(14):
        page = client.get(url("my_audits"))
    assert row.audit.case.reference in page.content.decode()
    assert "Decline" in page.content.decode()
    assert client.get(url("decline", row.pk)).status_code == 200
    assert client.post(url("decline", row.pk), {"reason": ""}).status_code == 400
    assert client.post(url("decline", row.pk), {"reason": "I was involved"}).status_code == 302
    row.refresh_from_db()
    assert row.ended_at is not None
    assert client.get(url("decline", row.pk)).status_code == 404
    assert client.put(url("my_audits")).status_code == 405


def test_someone_else_cannot_decline_an_audit(outsider, allocated):
    row = AuditAssignment.objects.first()
    assert outsider.get(url("decline", row.pk)).status_code == 404
    assert outsider.get(url("my_audits")).status_code == 200


def test_declining_where_the_framework_forbids_it(client_for, allocated):
    set_framework(auditors_may_decline=False)
    row = AuditAssignment.objects.select_related("person").first()
    client = client_for(row.person)
    assert "Decline" not in client.get(url("my_audits")).content.decode()
    response = client.post(url("decline", row.pk), {"reason": "Busy"})
    assert response.status_code == 400
    assert "does not let auditors decline" in response.content.decode()


# Notices -----------------------------------------------------------------------------------


def test_notices_are_sent_from_their_page_and_polled(qa, allocated,
                                                     django_capture_on_commit_callbacks):
    client, _ = qa
    assert client.get(url("notices", allocated.pk)).status_code == 200
    assert client.post(url("notices", allocated.pk), {}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        # The June cycle's dates have passed: late notices say why.
        response = client.post(url("notices", allocated.pk),
                               {"kinds": ["allocation", "audit_selected"],
                                "late_reason": "The cycle was set up late"})
    assert response.status_code == 302
    assert CycleNotice.objects.filter(status="sent").count() == 2
    status = client.get(url("notices_status", allocated.pk))
    assert "hx-get" not in status.content.decode() and "Sent" in status.content.decode()
    assert client.post(url("notices_status", allocated.pk)).status_code == 405


def test_notices_before_allocation_are_refused_plainly(qa, planning):
    client, _ = qa
    response = client.post(url("notices", planning.pk), {"kinds": ["allocation"]})
    assert response.status_code == 400
    assert "cannot be sent while the cycle is at" in response.content.decode()


def test_a_batch_still_waiting_keeps_the_page_polling(qa, allocated):
    client, _ = qa
    CycleNotice.objects.create(cycle=allocated, kind="allocation")
    assert 'hx-get="' in client.get(url("notices_status", allocated.pk)).content.decode()


# The QA meeting and the case notes ---------------------------------------------------------


def test_the_meeting_runs_from_its_pages(qa, allocated, django_assert_max_num_queries,
                                         django_capture_on_commit_callbacks):
    client, person = qa
    audits = [cc.audit for cc in CycleCase.objects.filter(cycle=allocated)]
    for audit in audits:
        submit(audit)
    with django_assert_max_num_queries(25):
        page = client.get(url("meeting", allocated.pk))
    assert "Add 3 submitted audits to the agenda" in page.content.decode()
    assert client.get(url("agenda_build", allocated.pk)).status_code == 405
    client.post(url("agenda_build", allocated.pk))
    items = list(MeetingItem.objects.filter(cycle=allocated).order_by("position"))
    with django_assert_max_num_queries(25):
        page = client.get(url("meeting", allocated.pk))
    assert "about 30 minutes" in page.content.decode()
    client.post(url("agenda_move", allocated.pk, items[2].pk), {"direction": "up"})
    assert [i.pk for i in MeetingItem.objects.filter(cycle=allocated).order_by("position")] \
        == [items[0].pk, items[2].pk, items[1].pk]
    minutes_url = url("minutes", allocated.pk, items[0].pk)
    assert client.get(minutes_url).status_code == 200
    empty = client.post(minutes_url, {"discussed": "on"})
    assert empty.status_code == 400 and "Record the minutes" in empty.content.decode()
    client.post(minutes_url, {"impact": "Safer", "needs_met": "Yes", "strengths": "Voice",
                              "development": "Chronology", "discussed": "on"})
    assert Audit.objects.get(pk=items[0].audit_id).status == Audit.Status.DISCUSSED
    bad = client.post(url("meeting_details", allocated.pk), {"sets_next_theme": "on"})
    assert bad.status_code == 400 and "Enter the prevalent issue" in bad.content.decode()
    client.post(url("meeting_details", allocated.pk),
                {"attendance": "QA, TMs", "prevalent_issue": "Neglect", "sets_next_theme": "on"})
    allocated.refresh_from_db()
    assert allocated.prevalent_issue == "Neglect"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("meeting_close", allocated.pk)).status_code == 302
    allocated.refresh_from_db()
    assert allocated.status == Cycle.Status.REVIEWED
    assert client.get(minutes_url).status_code == 400
    assert client.post(url("meeting_details", allocated.pk), {}).status_code == 400
    notes = client.get(url("case_notes", allocated.pk))
    assert notes.status_code == 200 and "Quality Assurance: case audited" in \
        notes.content.decode()
    assert b"Why are you exporting this?" in client.get(
        url("case_notes_csv", allocated.pk)).content
    csv_response = client.post(url("case_notes_csv", allocated.pk),
                               {"reason": "Copying the notes onto the case files"})
    assert csv_response.status_code == 200 and b"Case reference" in csv_response.content
    assert b"\r\n\r\nExported by " in csv_response.content
    assert AccessLog.objects.filter(object_type="cycle_case_notes",
                                    reason="Copying the notes onto the case files",
                                    action=AccessLog.Action.EXPORT).exists()
    assert client.post(url("close_cycle", allocated.pk)).status_code == 302


def test_meeting_pages_before_allocation_and_notes_before_the_meeting_say_what_to_do(
        qa, planning, allocated):
    client, _ = qa
    assert client.get(url("meeting", planning.pk)).status_code == 400
    assert client.get(url("case_notes", allocated.pk)).status_code == 400
    assert client.get(url("case_notes_csv", allocated.pk)).status_code == 400
    assert client.post(url("meeting_close", allocated.pk)).status_code == 400
    assert client.post(url("close_cycle", allocated.pk)).status_code == 400


def test_a_follow_up_not_done_is_escalated_from_the_meeting(qa, framework, council, auditors,
                                                            fake_solver):
    from auditloop.audits.models import SupervisionItem

    client, _ = qa
    set_framework(allocation_unit="singles")
    auditors(2)
    may = confirmed_cycle(council["cases"][:1], number=5)
    (audit,) = services.allocation_confirm(
        run=services.allocation_propose(cycle=may, actor=None), actor=None)
    SupervisionItem.objects.create(supervisor=PersonFactory(), audit=audit,
                                   reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    june = confirmed_cycle(council["cases"][1:2], number=6)
    services.allocation_confirm(run=services.allocation_propose(cycle=june, actor=None),
                                actor=None)
    assert "Follow-ups from the last cycle" in client.get(url("meeting", june.pk)).content.decode()
    response = client.post(url("follow_up_escalate", june.pk, audit.pk))
    assert response.status_code == 302
    unrelated = client.post(url("follow_up_escalate", june.pk, 999))
    assert unrelated.status_code == 404


# The home page --------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 7, 2, 9), tick=False)
def test_home_shows_the_cycles_next_step_and_overdue_audits(qa, allocated):
    client, _ = qa
    text = client.get(reverse("home")).content.decode()
    assert "Audit cycle" in text
    assert "June 2026 cycle: send the notices" in text
    assert "3 overdue audits" in text


def test_home_invites_team_managers_to_put_cases_forward(role_client, framework):
    client, _ = role_client(Role.TEAM_MANAGER)
    assert "Put a case forward for audit" in client.get(reverse("home")).content.decode()
    practitioner, _ = role_client(Role.PRACTITIONER)
    assert "Put a case forward" not in practitioner.get(reverse("home")).content.decode()


def test_the_navigation_shows_the_audit_cycle_to_those_who_run_it(qa, outsider, framework):
    client, _ = qa
    # Grouped with the rest of running the month in the QA manager's navigation.
    month = reverse("work_group", args=["month"])
    assert 'href="/programme/"' in client.get(month).content.decode()
    assert 'href="/programme/"' not in outsider.get(reverse("home")).content.decode()


def test_the_operator_reads_cycles_but_changes_nothing_there(admin_client, allocated):
    cycle_url = reverse("admin:programme_cycle_changelist")
    assert admin_client.get(cycle_url).status_code == 200
    assert admin_client.get(reverse("admin:programme_cycle_add")).status_code == 403
    assert admin_client.get(reverse("admin:programme_cyclecase_changelist")).status_code == 200


def test_the_cycle_and_allocation_pages_log_each_case_they_show(qa, allocated):
    client, person = qa
    cases = sorted(str(c) for c in CycleCase.objects.filter(cycle=allocated)
                   .values_list("case_id", flat=True))
    assert len(cases) == 3
    for name in ("cycle_detail", "allocation"):
        page = url(name, allocated.pk)
        assert client.get(page).status_code == 200
        listed = AccessLog.objects.filter(user=person.user, path=page)
        assert sorted(listed.values_list("object_id", flat=True)) == cases, name
        assert set(listed.values_list("action", "object_type")) == {("list", "case")}
        # One insert: every row carries the one request's id.
        assert len(set(listed.values_list("request_id", flat=True))) == 1


def test_an_auditors_list_of_audits_logs_each_audit(allocated, client_for):
    assignment = AuditAssignment.objects.filter(ended_at__isnull=True).first()
    client_for(assignment.person).get(reverse("programme:my_audits"))
    logged = AccessLog.objects.filter(user=assignment.person.user, action="list")
    assert str(assignment.audit_id) in set(logged.values_list("object_id", flat=True))
    assert set(logged.values_list("object_type", flat=True)) == {"audit"}
