"""Tier 1 quality control (003): every CAF assessment, TAF and closure of an Early Help case
joins the central team's queue; a check passes or goes back to the lead professional with
what to fix; the lead professional puts it right and the central team confirms; counts by
kind and team feed the reports."""

from __future__ import annotations

import datetime as dt
import threading
from importlib import resources
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from auditloop.cases.models import CaseEvent
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.notifications.models import Notification
from auditloop.people.models import Service
from auditloop.people.roles import Role
from auditloop.quality import checklist as tool
from auditloop.quality import selectors, services
from auditloop.quality.models import QualityCheck
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import tool_version_create
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
    make_quality_check,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db
QS = QualityCheck.Status
# Two threads with their own connections on PostgreSQL; SQLite (one writer, no row locks,
# and a flush the tool-version triggers refuse) runs the same writes one after the other.
ON_POSTGRES = connection.vendor == "postgresql"
QC_KEY = "003-tier-1-quality-control"
NOON = dt.time(12, tzinfo=dt.UTC)

# Every item of the CAF assessment checklist ticked "yes", as the page posts it.
ASSESSMENT_YES = {f"assessment__{k}": "yes" for k in
                  ("consent", "caf_ids", "sections_complete", "child_voice", "smart_plan",
                   "signatures")}


def _at(day: dt.date, time: dt.time = NOON) -> dt.datetime:
    return dt.datetime.combine(day, time)


def _use_tools(*keys: str) -> None:
    row = framework_settings_row()
    row.tools = list(keys)
    row.save()


@pytest.fixture
def qc_tool():  # type: ignore[no-untyped-def]
    """The framework uses 003's tools: the Tier 2 toolkit and the Tier 1 checklist."""
    shipped_tool_version("003-tier-2-caf-toolkit")
    version = shipped_tool_version(QC_KEY)
    _use_tools("003-tier-2-caf-toolkit", QC_KEY)
    return version


def _eh_case(**kwargs):  # type: ignore[no-untyped-def]
    return CaseFactory(service=ServiceFactory(), **kwargs)


def _cin_case():  # type: ignore[no-untyped-def]
    service = ServiceFactory(name="Child in Need", kind=Service.Kind.CIN)
    return CaseFactory(service=service, team=TeamFactory(service=service))


def _answers_yes() -> dict[str, dict[str, str]]:
    return {k.replace("__", "."): {"value": v} for k, v in ASSESSMENT_YES.items()}


@pytest.fixture
def lead_case():  # type: ignore[no-untyped-def]
    """An Early Help case whose key worker changed on 11 March: A before, B after."""
    manager = PersonFactory(roles=[Role.SERVICE_MANAGER])
    a = PersonFactory(roles=[Role.PRACTITIONER], line_manager=manager)
    b = PersonFactory(roles=[Role.PRACTITIONER], line_manager=manager)
    case = _eh_case(key_worker=b)
    InvolvementFactory(case=case, person=a, started_on=dt.date(2026, 1, 5),
                       ended_on=dt.date(2026, 3, 10))
    InvolvementFactory(case=case, person=b, started_on=dt.date(2026, 3, 11))
    return {"case": case, "a": a, "b": b, "manager": manager}


# ---------------------------------------------------------------------------------------
# The queue fills itself


def test_assessments_tafs_and_closures_of_early_help_cases_join_the_queue(qc_tool):
    eh = _eh_case()
    kinds = ["assessment_completed", "taf_meeting", "closure", "review", "referral"]
    for i, kind in enumerate(kinds):
        CaseEventFactory(case=eh, kind=kind, occurred_on=dt.date(2026, 3, 1 + i))
    CaseEventFactory(case=_cin_case(), kind="assessment_completed")

    assert services.quality_checks_create_for_new_events() == 3

    checks = QualityCheck.objects.select_related("event")
    assert sorted(c.event.kind for c in checks) == ["assessment_completed", "closure",
                                                    "taf_meeting"]
    assert {c.event.case_id for c in checks} == {eh.pk}
    assert {(c.status, c.tool_version_id) for c in checks} == {(QS.WAITING, qc_tool.pk)}
    qc_tool.refresh_from_db()
    assert qc_tool.in_use  # a version checks were made with can never be deleted


def test_filling_the_queue_twice_adds_nothing_the_second_time(qc_tool):
    case = _eh_case()
    CaseEventFactory(case=case, kind="closure")
    assert services.quality_checks_create_for_new_events() == 1
    assert services.quality_checks_create_for_new_events() == 0
    CaseEventFactory(case=case, kind="taf_meeting", occurred_on=dt.date(2026, 4, 1))
    assert services.quality_checks_create_for_new_events() == 1
    assert QualityCheck.objects.count() == 2


def test_nothing_joins_the_queue_without_a_quality_control_tool_in_the_framework():
    shipped_tool_version(QC_KEY)  # in the library, but not among the framework's tools
    shipped_tool_version("003-tier-2-caf-toolkit")
    _use_tools("003-tier-2-caf-toolkit")
    CaseEventFactory(case=_eh_case(), kind="assessment_completed")
    assert services.quality_checks_create_for_new_events() == 0
    assert not QualityCheck.objects.exists()


def test_only_the_kinds_the_tool_applies_to_join_the_queue():
    text = (resources.files("auditloop.standards") / "tools" / f"{QC_KEY}.yaml").read_text()
    closures_only = text.replace(
        "key: 003-tier-1-quality-control", "key: closure-check").replace(
        "applies_to: [assessment_completed, taf_meeting, closure]", "applies_to: [closure]")
    version, _ = tool_version_create(text=closures_only, filename="closure-check.yaml")
    _use_tools("closure-check")
    case = _eh_case()
    CaseEventFactory(case=case, kind="assessment_completed")
    closure = CaseEventFactory(case=case, kind="closure", occurred_on=dt.date(2026, 4, 1))
    assert services.quality_checks_create_for_new_events() == 1
    assert QualityCheck.objects.get().event == closure
    assert QualityCheck.objects.get().tool_version == version


def test_opening_the_queue_page_writes_no_check(qc_tool, role_client):
    # Records join the queue as imports finish (tests/quality/test_queue_on_import.py) or
    # from the command: a GET only reads.
    CaseEventFactory(case=_eh_case(), kind="taf_meeting")
    client, _ = role_client(Role.QA_MANAGER)
    response = client.get(reverse("quality:queue"))
    assert response.status_code == 200
    assert not QualityCheck.objects.exists()
    assert "joined the queue" not in response.content.decode()


def test_an_import_s_cases_join_the_queue_and_the_command_catches_up_on_every_record():
    text = (resources.files("auditloop.standards") / "tools" / f"{QC_KEY}.yaml").read_text()
    closures_only = text.replace(
        "key: 003-tier-1-quality-control", "key: closure-check").replace(
        "applies_to: [assessment_completed, taf_meeting, closure]", "applies_to: [closure]")
    tool_version_create(text=closures_only, filename="closure-check.yaml")
    shipped_tool_version(QC_KEY)
    _use_tools("closure-check")
    case, other = _eh_case(), _eh_case()
    taf = CaseEventFactory(case=case, kind="taf_meeting")
    CaseEventFactory(case=case, kind="closure", occurred_on=dt.date(2026, 4, 1))
    elsewhere = CaseEventFactory(case=other, kind="closure")
    assert services.quality_checks_create_for_cases(case_ids={case.pk}) == 1
    assert not QualityCheck.objects.filter(event=elsewhere).exists()
    # The framework now checks TAF meetings too: the command looks at every record.
    _use_tools(QC_KEY)
    assert services.quality_checks_create_for_new_events() == 2
    assert QualityCheck.objects.filter(event__in=[taf, elsewhere]).count() == 2


def test_the_command_fills_the_queue(qc_tool):
    CaseEventFactory(case=_eh_case(), kind="closure")
    out = StringIO()
    call_command("quality_queue", stdout=out)
    assert "1 record joined the quality-control queue" in out.getvalue()
    call_command("quality_queue", stdout=out)
    assert "0 records joined" in out.getvalue()


@pytest.mark.django_db(transaction=ON_POSTGRES)
def test_two_runs_at_once_never_make_two_checks_of_one_record(qc_tool):
    case = _eh_case()
    for day in range(1, 21):
        CaseEventFactory(case=case, kind="taf_meeting", occurred_on=dt.date(2026, 3, day))
    results: list[int] = []

    def run() -> None:
        try:
            results.append(services.quality_checks_create_for_new_events())
        finally:
            connection.close()

    if ON_POSTGRES:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        results = [services.quality_checks_create_for_new_events() for _ in range(2)]
    assert sorted(results) == [0, 20]
    assert QualityCheck.objects.count() == 20


# ---------------------------------------------------------------------------------------
# The check page: pass, fail, fix


def test_the_check_page_shows_the_checklist_for_that_kind_of_record(qc_tool, role_client):
    check = make_quality_check(case=_eh_case(), kind="closure")
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("quality:check", args=[check.pk])).content.decode()
    assert "The reason for closure is recorded" in page
    assert "Each child is registered and has their own CAF ID" not in page
    assert "Returned to the Lead Professional to put right" in page
    assert "Not from the seed: review before use" in page


def test_a_checker_working_through_the_checklist_is_not_shown_the_drafting_flags(
        qc_tool, lead_case, client_for):  # type: ignore[no-untyped-def]
    """The drafted wording is flagged to those who may change the checklist (above), never
    to the service manager checking a record with it."""
    check = make_quality_check(case=lead_case["case"], kind="closure")
    page = client_for(lead_case["manager"]).get(
        reverse("quality:check", args=[check.pk])).content.decode()
    assert "The reason for closure is recorded" in page  # the checklist itself
    assert "not from the seed" not in page.lower()


def test_passing_records_the_ticks_and_who_checked(qc_tool, role_client):
    check = make_quality_check(case=_eh_case())
    client, checker = role_client(Role.QA_MANAGER)
    response = client.post(reverse("quality:check", args=[check.pk]),
                           {**ASSESSMENT_YES, "outcome": "passed"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == QS.PASSED and check.checked_by == checker
    assert check.answers["assessment.signatures"] == {"value": "yes", "comment": ""}
    assert [(t.from_status, t.to_status, t.actor) for t in check.transitions.all()] == [
        (QS.WAITING, QS.PASSED, checker)]
    assert not Notification.objects.exists()


def test_every_tick_must_be_answered(qc_tool, role_client):
    check = make_quality_check(case=_eh_case())
    client, _ = role_client(Role.QA_MANAGER)
    data = {**ASSESSMENT_YES, "outcome": "passed"}
    del data["assessment__signatures"]
    response = client.post(reverse("quality:check", args=[check.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in page
    assert 'href="#id_assessment__signatures_0"' in page
    check.refresh_from_db()
    assert check.status == QS.WAITING


def test_a_check_cannot_be_passed_twice(qc_tool, role_client):
    check = make_quality_check(case=_eh_case())
    client, checker = role_client(Role.QA_MANAGER)
    url = reverse("quality:check", args=[check.pk])
    client.post(url, {**ASSESSMENT_YES, "outcome": "passed"})
    again = client.post(url, {**ASSESSMENT_YES, "outcome": "passed"})
    assert again.status_code == 409
    assert "is passed already" in again.content.decode()
    with pytest.raises(WorkflowError):
        services.quality_check_pass(check=check, actor=checker, answers=_answers_yes())
    assert check.transitions.count() == 1


def test_sending_back_needs_what_to_fix(qc_tool, role_client, lead_case):
    check = make_quality_check(case=lead_case["case"])
    client, _ = role_client(Role.QA_MANAGER)
    response = client.post(reverse("quality:check", args=[check.pk]),
                           {**ASSESSMENT_YES, "outcome": "returned", "to_fix": " "})
    assert response.status_code == 400
    assert "Say what the lead professional needs to put right" in response.content.decode()
    assert QualityCheck.objects.get().status == QS.WAITING


def test_a_failure_goes_to_the_lead_professional_on_the_day_of_the_record(qc_tool, role_client,
                                                                          lead_case):
    # 2 March: A held the case then; B holds it now.
    check = make_quality_check(case=lead_case["case"], occurred_on=dt.date(2026, 3, 2))
    client, checker = role_client(Role.QA_MANAGER)
    data = {**ASSESSMENT_YES, "assessment__signatures": "no", "outcome": "returned",
            "to_fix": f"Case {lead_case['case'].reference}: the parent has not signed."}
    response = client.post(reverse("quality:check", args=[check.pk]), data)
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == QS.FAILED and check.sent_to == lead_case["a"]
    assert check.to_fix.endswith("the parent has not signed.")
    notice = Notification.objects.get()
    assert notice.recipient == lead_case["a"]
    assert notice.link == reverse("quality:check", args=[check.pk]) + "#to-fix"
    assert "Signatures are in the right places" in notice.body  # the check not met
    # No child's details: neither the case nor the free text what to fix travels.
    text = notice.subject + notice.body
    assert lead_case["case"].reference not in text and "parent" not in text
    assert lead_case["case"].child_identifier not in text
    assert check.action is None


def test_a_record_after_the_handover_goes_to_the_new_lead_professional(qc_tool, lead_case):
    check = make_quality_check(case=lead_case["case"], occurred_on=dt.date(2026, 3, 20))
    checker = PersonFactory(roles=[Role.HEAD_OF_QA])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Add the TAF plan.")
    assert QualityCheck.objects.get().sent_to == lead_case["b"]


def test_sending_back_can_agree_an_action_owned_by_the_lead_professional(qc_tool, role_client,
                                                                         lead_case):
    check = make_quality_check(case=lead_case["case"])
    client, checker = role_client(Role.QA_MANAGER)
    with time_machine.travel(_at(dt.date(2026, 4, 1)), tick=False):
        response = client.post(reverse("quality:check", args=[check.pk]), {
            **ASSESSMENT_YES, "outcome": "returned", "to_fix": "Consent is not signed.",
            "agree_action": "on", "action_due_on": "15/4/2026"})
    assert response.status_code == 302
    action = QualityCheck.objects.get().action
    assert action is not None
    assert action.owner == lead_case["a"] and action.due_on == dt.date(2026, 4, 15)
    assert action.sign_off_person == checker
    assert "Consent is not signed." in action.issue


def test_an_action_needs_its_date(qc_tool, role_client, lead_case):
    check = make_quality_check(case=lead_case["case"])
    client, _ = role_client(Role.QA_MANAGER)
    response = client.post(reverse("quality:check", args=[check.pk]), {
        **ASSESSMENT_YES, "outcome": "returned", "to_fix": "Sign it.", "agree_action": "on"})
    assert response.status_code == 400
    assert "Enter the date the action is to be done by" in response.content.decode()


def test_the_lead_professional_puts_it_right_and_the_central_team_confirms(
        qc_tool, client_for, lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    check = make_quality_check(case=lead_case["case"])
    with time_machine.travel(_at(dt.date(2026, 4, 1)), tick=False):
        services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                                   to_fix="Add the signatures.",
                                   action_due_on=dt.date(2026, 4, 30))
    lead = client_for(lead_case["a"])
    url = reverse("quality:check", args=[check.pk])
    page = lead.get(url).content.decode()
    assert "Add the signatures." in page and "Tell the central team it is put right" in page

    response = lead.post(reverse("quality:check_fixed", args=[check.pk]),
                         {"note": "Signed by both parents on 3 April."})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == QS.REPORTED and check.fix_note == "Signed by both parents on 3 April."
    assert check.action.awaiting_sign_off
    assert Notification.objects.filter(recipient=checker).exists()

    response = client_for(checker).post(reverse("quality:check_confirm",
                                                args=[check.pk]), {"decision": "fixed"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == QS.FIXED
    assert check.action.status == check.action.Status.GREEN
    assert [t.to_status for t in check.transitions.all()] == [QS.FAILED, QS.REPORTED, QS.FIXED]


def test_the_central_team_can_send_it_back_again(qc_tool, client_for, lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    check = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Add the signatures.")
    services.quality_check_report_fixed(check=check, actor=lead_case["a"], note="Done.")
    url = reverse("quality:check_confirm", args=[check.pk])
    client = client_for(checker)
    refused = client.post(url, {"decision": "send_back"})
    assert refused.status_code == 400
    assert "Say what still needs to be put right" in refused.content.decode()
    assert client.post(url, {"decision": "send_back",
                             "note": "The father's signature is missing."}).status_code == 302
    check.refresh_from_db()
    assert check.status == QS.FAILED and check.to_fix == "The father's signature is missing."
    assert Notification.objects.filter(recipient=lead_case["a"]).count() == 2


def test_putting_right_needs_a_note_and_happens_once(qc_tool, lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    check = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Sign it.")
    with pytest.raises(DomainError, match="Say what you put right"):
        services.quality_check_report_fixed(check=check, actor=lead_case["a"], note=" ")
    with pytest.raises(DomainError, match="lead professional it was sent to"):
        services.quality_check_report_fixed(check=check, actor=lead_case["b"], note="Done")
    services.quality_check_report_fixed(check=check, actor=lead_case["a"], note="Done")
    with pytest.raises(WorkflowError):
        services.quality_check_report_fixed(check=check, actor=lead_case["a"], note="Done")


def test_a_check_with_no_lead_professional_cannot_be_sent_back(qc_tool):
    check = make_quality_check(case=_eh_case())
    with pytest.raises(DomainError, match="Record the key worker"):
        services.quality_check_fail(check=check, actor=PersonFactory(roles=[Role.QA_MANAGER]),
                                   answers=_answers_yes(), to_fix="Sign it.")
    assert QualityCheck.objects.get().status == QS.WAITING


# ---------------------------------------------------------------------------------------
# Counts for the reports


def _check_on(day: dt.date, *, team, kind: str = "assessment_completed"):  # type: ignore[no-untyped-def]
    with time_machine.travel(_at(day), tick=False):
        return make_quality_check(case=_eh_case(team=team, key_worker=PersonFactory()),
                                  kind=kind, occurred_on=day)


def test_counts_by_kind_and_team(qc_tool):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    passed = _check_on(dt.date(2026, 3, 2), team=north)
    failed = _check_on(dt.date(2026, 3, 3), team=north)
    fixed = _check_on(dt.date(2026, 3, 4), team=south, kind="closure")
    waiting = _check_on(dt.date(2026, 3, 5), team=south, kind="taf_meeting")
    checked_in_april = _check_on(dt.date(2026, 3, 6), team=south)
    _check_on(dt.date(2026, 4, 2), team=north)  # joins the queue after March
    closure_answers = {f"closure.{k}": {"value": "yes"} for k in
                       ("reason", "outcomes", "family_views", "signatures")}
    with time_machine.travel(_at(dt.date(2026, 3, 10)), tick=False):
        services.quality_check_pass(check=passed, actor=checker, answers=_answers_yes())
        services.quality_check_fail(check=failed, actor=checker, answers=_answers_yes(),
                                   to_fix="Sign it.")
        services.quality_check_fail(check=fixed, actor=checker, answers=closure_answers,
                                   to_fix="Add the outcomes.")
    with time_machine.travel(_at(dt.date(2026, 3, 20)), tick=False):
        lead = QualityCheck.objects.get(pk=fixed.pk).sent_to
        services.quality_check_report_fixed(check=fixed, actor=lead, note="Done.")
        services.quality_check_confirm_fixed(check=fixed, actor=checker)
    with time_machine.travel(_at(dt.date(2026, 4, 3)), tick=False):
        services.quality_check_pass(check=checked_in_april, actor=checker,
                                   answers=_answers_yes())

    march = selectors.quality_control_counts(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))

    def row(rows, label):  # type: ignore[no-untyped-def]
        r = next(r for r in rows if r.label == label)
        return (r.checked, r.passed, r.failed, r.fixed, r.waiting, r.pass_rate)

    assert row(march.by_kind, "CAF assessment") == (2, 1, 1, 0, 1, 50)
    assert row(march.by_kind, "Closure") == (1, 0, 1, 1, 0, 0)
    assert row(march.by_kind, "Team Around the Family meeting") == (0, 0, 0, 0, 1, None)
    assert row(march.by_team, "North") == (2, 1, 1, 0, 0, 50)
    assert row(march.by_team, "South") == (1, 0, 1, 1, 2, 0)
    total = march.total
    assert (total.checked, total.passed, total.failed, total.fixed, total.waiting) == (
        3, 1, 2, 1, 2)
    assert total.pass_rate == 33
    assert waiting.status == QS.WAITING

    april = selectors.quality_control_counts(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    assert (april.total.checked, april.total.passed, april.total.waiting) == (1, 1, 2)


def test_the_queue_page_shows_this_month_and_the_year_so_far(qc_tool, role_client):
    team = TeamFactory(name="Blackburn North")
    check = _check_on(dt.date(2026, 3, 2), team=team)
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    with time_machine.travel(_at(dt.date(2026, 5, 5)), tick=False):
        services.quality_check_pass(check=check, actor=checker, answers=_answers_yes())
        client, _ = role_client(Role.QA_MANAGER)
        page = client.get(reverse("quality:queue")).content.decode()
    assert "This month: 1 May 2026 to 5 May 2026" in page
    assert "Since 1 January 2026: 1 January 2026 to 5 May 2026" in page
    assert "Blackburn North" in page


# ---------------------------------------------------------------------------------------
# Who may do what


def test_the_queue_shows_the_central_team_every_waiting_check_with_filters(qc_tool,
                                                                           role_client):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    a = make_quality_check(case=_eh_case(team=north), kind="taf_meeting")
    b = make_quality_check(case=_eh_case(team=south), kind="closure")
    client, _ = role_client(Role.HEAD_OF_QA)
    url = reverse("quality:queue")
    assert set(client.get(url).context["rows"]) == {a, b}
    assert client.get(url, {"kind": "closure"}).context["rows"] == [b]
    assert client.get(url, {"team": north.pk}).context["rows"] == [a]
    assert client.get(url, {"status": "passed"}).context["rows"] == []


def test_the_queue_filters_by_the_age_of_the_record(qc_tool, role_client):
    case = _eh_case()
    new = make_quality_check(case=case, kind="taf_meeting", occurred_on=dt.date(2026, 5, 1))
    old = make_quality_check(case=case, kind="closure", occurred_on=dt.date(2026, 3, 1))
    client, _ = role_client(Role.QA_MANAGER)
    url = reverse("quality:queue")
    with time_machine.travel(_at(dt.date(2026, 5, 5)), tick=False):
        assert client.get(url, {"age": "week"}).context["rows"] == [new]
        assert client.get(url, {"age": "older"}).context["rows"] == [old]
        assert client.get(url, {"age": "month"}).context["rows"] == []


def test_a_service_manager_sees_and_checks_the_records_of_their_teams(qc_tool, client_for,
                                                                      lead_case):
    mine = make_quality_check(case=lead_case["case"])
    other = make_quality_check(case=_eh_case(key_worker=PersonFactory()))
    client = client_for(lead_case["manager"])
    response = client.get(reverse("quality:queue"))
    assert response.status_code == 200
    assert response.context["rows"] == [mine]
    assert client.get(reverse("quality:check", args=[mine.pk])).status_code == 200
    assert client.get(reverse("quality:check", args=[other.pk])).status_code == 404
    response = client.post(reverse("quality:check", args=[mine.pk]),
                           {**ASSESSMENT_YES, "outcome": "passed"})
    assert response.status_code == 302
    assert QualityCheck.objects.get(pk=mine.pk).checked_by == lead_case["manager"]


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.TEAM_MANAGER, Role.AUDITOR,
                                  Role.EARLY_HELP_OFFICER, Role.DIRECTOR])
def test_others_cannot_open_the_queue(qc_tool, role_client, role):
    client, _ = role_client(role)
    assert client.get(reverse("quality:queue")).status_code == 403


def test_the_lead_professional_sees_only_their_own_returned_check(qc_tool, client_for,
                                                                  lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    returned = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=returned, actor=checker, answers=_answers_yes(),
                               to_fix="Sign it.")
    waiting = make_quality_check(case=lead_case["case"], kind="closure")
    lead, other_lead = client_for(lead_case["a"]), client_for(lead_case["b"])
    assert lead.get(reverse("quality:check", args=[returned.pk])).status_code == 200
    # Not sent to them (yet): nothing to see.
    assert lead.get(reverse("quality:check", args=[waiting.pk])).status_code == 404
    assert other_lead.get(reverse("quality:check",
                                  args=[returned.pk])).status_code == 404
    # The lead professional cannot record the check itself, nor confirm their own fix.
    assert lead.post(reverse("quality:check", args=[returned.pk]),
                     {**ASSESSMENT_YES, "outcome": "passed"}).status_code == 403
    assert lead.post(reverse("quality:check_confirm", args=[returned.pk]),
                     {"decision": "fixed"}).status_code == 403
    page = lead.get(reverse("quality:to_fix")).content.decode()
    assert reverse("quality:check", args=[returned.pk]) in page
    assert reverse("quality:check", args=[waiting.pk]) not in page


def test_the_central_team_cannot_say_it_is_put_right_for_the_lead_professional(
        qc_tool, role_client, lead_case):
    client, checker = role_client(Role.QA_MANAGER)
    check = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Sign it.")
    response = client.post(reverse("quality:check_fixed", args=[check.pk]),
                           {"note": "Done"})
    assert response.status_code == 403


def test_a_stranger_gets_not_found(qc_tool, role_client):
    check = make_quality_check(case=_eh_case(key_worker=PersonFactory()))
    client, _ = role_client(Role.PRACTITIONER)
    for name in ("quality:check", "quality:check_fixed",
                 "quality:check_confirm"):
        method = client.get if name == "quality:check" else client.post
        assert method(reverse(name, args=[check.pk])).status_code == 404
    assert client.get(reverse("quality:check", args=[check.pk + 100])).status_code == 404


def test_wrong_methods_are_refused(qc_tool, role_client):
    check = make_quality_check(case=_eh_case())
    client, _ = role_client(Role.QA_MANAGER)
    assert client.post(reverse("quality:queue")).status_code == 405
    assert client.post(reverse("quality:to_fix")).status_code == 405
    assert client.delete(reverse("quality:check", args=[check.pk])).status_code == 405
    assert client.get(reverse("quality:check_fixed", args=[check.pk])).status_code == 405
    assert client.get(reverse("quality:check_confirm",
                              args=[check.pk])).status_code == 405


def test_confirming_a_check_that_was_never_sent_back_is_refused(qc_tool, role_client):
    check = make_quality_check(case=_eh_case())
    client, _ = role_client(Role.QA_MANAGER)
    response = client.post(reverse("quality:check_confirm", args=[check.pk]),
                           {"decision": "fixed"})
    assert response.status_code == 400
    assert "cannot become fixed and passed now" in response.content.decode()
    assert QualityCheck.objects.get().status == QS.WAITING


@pytest.mark.django_db(transaction=ON_POSTGRES)
def test_two_checkers_passing_at_once_record_one_check(qc_tool):
    check = make_quality_check(case=_eh_case())
    checkers = [PersonFactory(roles=[Role.QA_MANAGER]) for _ in range(2)]
    outcomes: list[str] = []

    def attempt(person) -> None:  # type: ignore[no-untyped-def]
        try:
            services.quality_check_pass(check=check, actor=person, answers=_answers_yes())
            outcomes.append("passed")
        except WorkflowError:
            outcomes.append("refused")
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    if ON_POSTGRES:
        threads = [threading.Thread(target=attempt, args=[p]) for p in checkers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for p in checkers:
            attempt(p)
    assert sorted(outcomes) == ["passed", "refused"]
    assert QualityCheck.objects.get().transitions.count() == 1


# ---------------------------------------------------------------------------------------
# The workflow: one table of moves, groups of states, the history


# Every move the table allows; every other (from, to) is refused.
ALLOWED_MOVES = {(QS.WAITING, QS.PASSED), (QS.WAITING, QS.FAILED), (QS.REPORTED, QS.FAILED),
                 (QS.FAILED, QS.REPORTED), (QS.REPORTED, QS.FIXED)}


@pytest.mark.parametrize("current", list(QS))
def test_the_workflow_refuses_every_move_its_table_does_not_allow(qc_tool, current):
    check = make_quality_check(case=_eh_case(), status=current)
    actor = PersonFactory(roles=[Role.QA_MANAGER])
    for to in QS:
        assert check.may_become(to) == ((current, to) in ALLOWED_MOVES)
        if (current, to) in ALLOWED_MOVES:
            continue
        with pytest.raises(WorkflowError, match=f"cannot become {QS(to).label.lower()}"):
            QualityCheck.workflow.move(check, to=to, actor=actor, reason="Wrong move")
        check.refresh_from_db()
        assert check.status == current
    assert not check.transitions.exists()


def test_a_move_writes_the_check_s_own_history_row(qc_tool):
    check = make_quality_check(case=_eh_case())
    actor = PersonFactory(roles=[Role.QA_MANAGER])
    QualityCheck.workflow.move(check, to=QS.FAILED, actor=actor, reason="Sign it.")
    check.refresh_from_db()
    assert check.status == QS.FAILED
    assert [(t.quality_check, t.actor, t.from_status, t.to_status, t.reason)
            for t in check.transitions.all()] == [(check, actor, QS.WAITING, QS.FAILED,
                                                    "Sign it.")]
    assert not check.status_history().exists()  # its own table, not a generic status change


def test_each_service_writes_who_moved_the_check_from_where_to_where_and_why(qc_tool,
                                                                            lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    lead = lead_case["a"]
    check = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix=" Sign it. ")
    services.quality_check_report_fixed(check=check, actor=lead, note="Signed.")
    services.quality_check_send_back(check=check, actor=checker, to_fix="Date it too.")
    services.quality_check_report_fixed(check=check, actor=lead, note="Dated.")
    services.quality_check_confirm_fixed(check=check, actor=checker, note="Looks right.")
    assert [(t.actor, t.from_status, t.to_status, t.reason)
            for t in check.transitions.all()] == [
        (checker, QS.WAITING, QS.FAILED, "Sign it."),
        (lead, QS.FAILED, QS.REPORTED, "Signed."),
        (checker, QS.REPORTED, QS.FAILED, "Date it too."),
        (lead, QS.FAILED, QS.REPORTED, "Dated."),
        (checker, QS.REPORTED, QS.FIXED, "Looks right."),
    ]
    check.refresh_from_db()
    assert (check.status, check.to_fix, check.fix_note) == (QS.FIXED, "Date it too.", "Dated.")


@pytest.mark.parametrize(("status", "waiting", "checked", "sent_back", "being_put_right",
                          "to_confirm", "tag"), [
    (QS.WAITING, True, False, False, False, False, ("Waiting", "blue")),
    (QS.PASSED, False, True, False, False, False, ("Passed", "green")),
    (QS.FAILED, False, True, True, True, False, ("Sent back", "red")),
    (QS.REPORTED, False, True, True, True, True, ("Put right: to confirm", "yellow")),
    (QS.FIXED, False, True, True, False, False, ("Fixed", "green")),
])
def test_the_groups_of_states_are_asked_of_the_check(status, waiting, checked, sent_back,
                                                      being_put_right, to_confirm, tag):
    check = QualityCheck(status=status)
    assert (check.is_waiting, check.is_checked, check.was_sent_back, check.is_being_put_right,
            check.awaits_confirmation) == (waiting, checked, sent_back, being_put_right,
                                           to_confirm)
    assert (check.tag_text, check.tag_colour) == tag


# ---------------------------------------------------------------------------------------
# Access log, query counts, home page


def test_every_view_of_a_check_is_logged(qc_tool, role_client, client_for, lead_case):
    check = make_quality_check(case=lead_case["case"])
    client, checker = role_client(Role.QA_MANAGER)
    client.get(reverse("quality:check", args=[check.pk]))
    client.get(reverse("quality:queue"))
    logged = AccessLog.objects.filter(object_type="quality_check", object_id=str(check.pk),
                                      user=checker.user)
    assert logged.count() == 2
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Sign it.")
    lead = lead_case["a"]
    c = client_for(lead)
    c.get(reverse("quality:to_fix"))
    c.post(reverse("quality:check_fixed", args=[check.pk]), {"note": "Done"})
    assert AccessLog.objects.filter(object_type="quality_check", user=lead.user).count() == 2


def test_the_queue_page_query_count_does_not_grow_with_rows(qc_tool, role_client,
                                                            django_assert_max_num_queries):
    client, _ = role_client(Role.QA_MANAGER)
    url = reverse("quality:queue")

    def fill(n: int) -> None:
        for _ in range(n):
            case = _eh_case(team=TeamFactory(), key_worker=PersonFactory())
            CaseEventFactory(case=case, kind="taf_meeting")
        services.quality_checks_create_for_new_events()

    fill(2)
    with django_assert_max_num_queries(18):  # +1: the session's own row (people.UserSession)
        assert client.get(url).status_code == 200
    fill(30)
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert len(response.context["rows"]) == 32


def test_the_service_manager_queue_query_count_is_pinned(qc_tool, client_for, lead_case,
                                                         django_assert_max_num_queries):
    for day in range(1, 11):
        make_quality_check(case=lead_case["case"], kind="taf_meeting",
                           occurred_on=dt.date(2026, 3, day))
    client = client_for(lead_case["manager"])
    with django_assert_max_num_queries(19):  # +1: the session's own row (people.UserSession)
        response = client.get(reverse("quality:queue"))
    assert len(response.context["rows"]) == 10


def test_the_to_fix_list_query_count_is_pinned(qc_tool, client_for, lead_case,
                                               django_assert_max_num_queries):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    for day in range(1, 8):
        check = make_quality_check(case=lead_case["case"], kind="taf_meeting",
                                   occurred_on=dt.date(2026, 3, day))
        services.quality_check_fail(check=check, actor=checker, answers={
            f"taf.{k}": {"value": "yes"} for k in
            ("within_8_weeks", "progress_made", "rag_rated", "summary_of_meeting",
             "signatures")}, to_fix="Sign it.")
    client = client_for(lead_case["a"])
    with django_assert_max_num_queries(10):  # +1: the session's own row (people.UserSession)
        response = client.get(reverse("quality:to_fix"))
    assert len(response.context["rows"]) == 7


def test_the_home_page_lists_what_the_lead_professional_has_to_fix(qc_tool, client_for,
                                                                    lead_case):
    checker = PersonFactory(roles=[Role.QA_MANAGER])
    check = make_quality_check(case=lead_case["case"])
    services.quality_check_fail(check=check, actor=checker, answers=_answers_yes(),
                               to_fix="Sign it.")
    page = client_for(lead_case["a"]).get(reverse("home")).content.decode()
    assert "Quality control: to fix" in page
    assert reverse("quality:check", args=[check.pk]) in page
    assert "Quality control: to fix" not in client_for(lead_case["b"]).get(
        reverse("home")).content.decode()
    home = client_for(checker).get(reverse("home")).content.decode()
    assert "waiting for a check" in home and reverse("quality:queue") in home


def test_records_are_named_in_the_tools_words_else_the_registers(qc_tool):
    labels = tool.kind_labels()
    assert labels["assessment_completed"] == "CAF assessment"
    assert labels["review"] == CaseEvent.Kind.REVIEW.label
    assert tool.with_article(labels["assessment_completed"]) == "a CAF assessment"
    assert tool.with_article(labels["closure"]) == "a closure"
    assert tool.in_sentence(labels["taf_meeting"]) == "Team Around the Family meeting"
    assert tool.with_article("Assessment updated") == "an assessment updated"
