"""What follows a submitted audit, by grade and the framework's rules: each escalation path
(inadequate, re-audit, requires improvement, reflective discussion, good practice, unresolved
safeguarding), with recipients from the framework settings."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from auditloop.actions import services as action_services
from auditloop.audits import concerns, escalations, services
from auditloop.audits.models import Answer, Audit, ImmediateConcern, SupervisionItem
from auditloop.audits.submission import OVERALL
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set, preset_apply, tool_version_create
from tests.factories import CaseFactory, InvolvementFactory, PersonFactory, make_audit
from tests.standards.conftest import SMALL_TOOL

pytestmark = pytest.mark.django_db
S = Audit.Status
SUBMITTED = dt.datetime(2026, 6, 15, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(SUBMITTED, tick=False):
        yield


def build(tool_key: str = "002-six-key-areas") -> SimpleNamespace:
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
    auditor = PersonFactory(roles=[Role.AUDITOR])
    case = CaseFactory(key_worker=kw, team_manager=tm)
    audit = make_audit(case=case, auditors=[auditor], tool_key=tool_key,
                       period_end=dt.date(2026, 6, 15))
    return SimpleNamespace(sm=sm, tm=tm, kw=kw, auditor=auditor, case=case, audit=audit)


@pytest.fixture
def w(frozen) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    return build()


def inadequate_alerts_and_re_audits(*grades: str) -> None:
    """001's rules on these grades: an alert and a re-audit. Without them there are none."""
    framework_settings_set(values={"escalation_grades": list(grades),
                                   "re_audit_grades": list(grades)}, actor=None)


def submit_with(audit: Audit, actor: Any, grade: str) -> Audit:
    """What the submit service does before it calls on_submit. Notices from before (the
    practitioner's perspective, a concern) are not the submit's."""
    Notification.objects.all().delete()
    Audit.objects.filter(pk=audit.pk).update(status=S.SUBMITTED, overall_grade=grade,
                                             final_grade=grade, submitted_at=timezone.now(),
                                             submitted_by=actor)
    audit.refresh_from_db()
    escalations.on_submit(audit=audit, actor=actor)
    audit.refresh_from_db()
    return audit


def notices_to(person: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person))


# Inadequate: alert and re-audit


def test_inadequate_alerts_the_service_manager_when_the_framework_names_nobody(w):
    inadequate_alerts_and_re_audits("inadequate")
    submit_with(w.audit, w.auditor, "inadequate")
    [notice] = notices_to(w.sm)
    assert notice.is_urgent and "inadequate" in notice.subject
    assert notice.link == reverse("audits:audit_detail", args=[w.audit.pk])
    assert w.case.reference not in notice.subject + notice.body


def test_inadequate_critical_alerts_001s_service_manager_and_team_manager(frozen):
    preset_apply(key="001-early-help-domains")
    x = build("001-early-help-case-audit")
    submit_with(x.audit, x.auditor, "inadequate_critical")
    # 001: "Where there is a judgement of inadequate/inadequate-critical, the service manager
    # will be alerted".
    assert notices_to(x.sm) and notices_to(x.tm)
    assert not notices_to(x.kw)


def test_000_tells_the_coordinators_line_manager(frozen):
    preset_apply(key="000-eha-signs-of-wellbeing")
    x = build("000-eha-quality-standards")
    coordinator_manager = PersonFactory()
    x.kw.line_manager = coordinator_manager
    x.kw.save(update_fields=["line_manager"])
    submit_with(x.audit, x.auditor, "inadequate")
    assert notices_to(coordinator_manager)
    assert not notices_to(x.sm)


def test_inadequate_plans_a_re_audit_two_to_three_months_on_by_a_senior_manager(w):
    inadequate_alerts_and_re_audits("inadequate")
    submit_with(w.audit, w.auditor, "inadequate")
    [re_audit] = w.audit.re_audits.all()
    assert re_audit.kind == Audit.Kind.RE_AUDIT and re_audit.status == S.PLANNED
    # 001: "a re-audit will need to be completed 2-3 months following".
    assert (re_audit.earliest_start_on, re_audit.due_on) == (dt.date(2026, 8, 15),
                                                             dt.date(2026, 9, 15))
    assert "senior manager" in re_audit.reason and "inadequate" in re_audit.reason.lower()
    assert re_audit.transitions.get().reason == re_audit.reason
    notice = notices_to(w.sm)[0]
    assert "15 August 2026 and 15 September 2026" in notice.body


def test_the_re_audit_window_and_who_re_audits_come_from_the_settings(w):
    framework_settings_set(values={"re_audit_grades": ["inadequate"],
                                   "re_audit_after_months_min": 4,
                                   "re_audit_after_months_max": 6,
                                   "re_audit_by_roles": ["head_of_qa"]}, actor=None)
    submit_with(w.audit, w.auditor, "inadequate")
    re_audit = w.audit.re_audits.get()
    assert (re_audit.earliest_start_on, re_audit.due_on) == (dt.date(2026, 10, 15),
                                                             dt.date(2026, 12, 15))
    assert "head of service for qa" in re_audit.reason


def test_the_window_counts_from_the_day_the_audit_was_submitted(frozen):
    x = build()
    inadequate_alerts_and_re_audits("inadequate")
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), tick=False):
        submit_with(x.audit, x.auditor, "inadequate")
    re_audit = x.audit.re_audits.get()
    assert (re_audit.earliest_start_on, re_audit.due_on) == (dt.date(2027, 1, 30),
                                                             dt.date(2027, 2, 28))


def test_grades_for_re_audit_and_for_the_alert_are_separate_settings(w):
    framework_settings_set(values={"escalation_grades": ["inadequate"],
                                   "re_audit_grades": ["requires_improvement"]}, actor=None)
    submit_with(w.audit, w.auditor, "requires_improvement")
    assert w.audit.re_audits.count() == 1
    assert not any("inadequate" in n.subject for n in Notification.objects.all())


def test_running_the_escalations_twice_plans_one_re_audit(w):
    inadequate_alerts_and_re_audits("inadequate")
    submit_with(w.audit, w.auditor, "inadequate")
    escalations.on_submit(audit=w.audit, actor=w.auditor)
    assert w.audit.re_audits.count() == 1


def test_no_grades_set_means_no_alert_and_no_re_audit(w):
    # Empty means none: the scale's lowest grade brings in no rule of its own.
    submit_with(w.audit, w.auditor, "inadequate")
    assert not w.audit.re_audits.exists() and not Notification.objects.exists()


def test_no_grades_set_leaves_a_tools_own_lowest_grade_without_consequences(frozen):
    version, _ = tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    x = build()
    audit = services.audit_create(case=x.case, tool_version=version, auditors=[x.auditor],
                                  created_by=None)
    submit_with(audit, x.auditor, "poor")
    # Nor is the lowest grade read as requires improvement.
    assert not audit.re_audits.exists() and not Notification.objects.exists()
    assert not SupervisionItem.objects.exists()


def test_a_tools_own_grade_named_in_the_settings_alerts_and_plans_a_re_audit(frozen):
    version, _ = tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    x = build()
    inadequate_alerts_and_re_audits("poor")
    audit = services.audit_create(case=x.case, tool_version=version, auditors=[x.auditor],
                                  created_by=None)
    submit_with(audit, x.auditor, "poor")
    assert audit.re_audits.count() == 1 and notices_to(x.sm)


# Requires improvement


def test_requires_improvement_asks_tm_and_practitioner_to_agree_smart_actions(w):
    framework_settings_set(values={"ri_discussion_recorded_in": "a supervision note"},
                           actor=None)
    submit_with(w.audit, w.auditor, "requires_improvement")
    [tm_notice] = notices_to(w.tm)
    [kw_notice] = notices_to(w.kw)
    assert "SMART actions" in tm_notice.subject and "supervision" in tm_notice.body
    item = SupervisionItem.objects.get(reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    assert (item.supervisor, item.supervisee, item.discussed_at) == (w.tm, w.kw, None)
    # The team manager's notice leads to the item where the note is recorded.
    assert tm_notice.link == reverse("audits:supervision_item", args=[item.pk]) + "#discussion"
    assert kw_notice.link == reverse("audits:audit_detail", args=[w.audit.pk])
    assert not w.audit.re_audits.exists() and not notices_to(w.sm)
    assert not w.audit.good_practice


def test_requires_improvement_brings_no_smart_actions_where_the_framework_asks_none(w):
    # 001's rule: a framework that names neither where the discussion is recorded nor whom
    # to tell has none.
    submit_with(w.audit, w.auditor, "requires_improvement")
    assert not Notification.objects.exists() and not SupervisionItem.objects.exists()


def test_a_requires_improvement_notice_rule_alone_asks_for_the_smart_actions(w):
    framework_settings_set(values={"notification_rules": {
        "requires_improvement": ["case_team_manager"]}}, actor=None)
    submit_with(w.audit, w.auditor, "requires_improvement")
    assert notices_to(w.tm) and not notices_to(w.kw)
    assert SupervisionItem.objects.filter(
        reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT).exists()


def test_requires_improvement_names_where_the_framework_says_the_note_goes(frozen):
    preset_apply(key="001-early-help-domains")
    x = build("001-early-help-case-audit")
    submit_with(x.audit, x.auditor, "requires_improvement")
    assert "management oversight case note" in notices_to(x.tm)[0].body


# Reflective discussion


def test_next_supervision_gives_every_audited_practitioner_a_reflective_discussion(frozen):
    preset_apply(key="002-six-key-areas")
    x = build()
    earlier_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    earlier = PersonFactory(line_manager=earlier_tm)
    long_ago = PersonFactory(line_manager=earlier_tm)
    InvolvementFactory(case=x.case, person=earlier, started_on=dt.date(2025, 9, 1),
                       ended_on=dt.date(2026, 2, 1))
    InvolvementFactory(case=x.case, person=long_ago, started_on=dt.date(2024, 1, 1),
                       ended_on=dt.date(2025, 6, 1))
    submit_with(x.audit, x.auditor, "good")
    items = SupervisionItem.objects.filter(reason=SupervisionItem.Reason.REFLECTIVE_DISCUSSION)
    assert {(i.supervisor, i.supervisee) for i in items} == {(x.tm, x.kw), (earlier_tm, earlier)}


def test_001s_team_manager_meeting_is_a_reflective_discussion_too(frozen):
    preset_apply(key="001-early-help-domains")
    x = build("001-early-help-case-audit")
    submit_with(x.audit, x.auditor, "good")
    assert SupervisionItem.objects.filter(
        supervisor=x.tm, supervisee=x.kw,
        reason=SupervisionItem.Reason.REFLECTIVE_DISCUSSION).exists()


def test_no_reflective_discussion_where_the_framework_asks_for_none(w):
    submit_with(w.audit, w.auditor, "good")
    assert not SupervisionItem.objects.exists()


# Good practice


@pytest.mark.parametrize("grade", ["good", "outstanding"])
def test_good_and_outstanding_mark_good_practice(w, grade):
    assert submit_with(w.audit, w.auditor, grade).good_practice
    assert not Notification.objects.exists() and not w.audit.re_audits.exists()


def test_inadequate_is_not_good_practice(w):
    inadequate_alerts_and_re_audits("inadequate")
    assert not submit_with(w.audit, w.auditor, "inadequate").good_practice


# Unresolved safeguarding


def _concern(x: SimpleNamespace) -> ImmediateConcern:
    return concerns.immediate_concern_raise(
        audit=x.audit, actor=x.auditor, summary="Unsafe sleeping arrangements",
        unsafe_practice=ImmediateConcern.Practice.CURRENT, mash_contacted=False,
        actions=[concerns.SmartAction("Unsafe sleep", "Visit", "Team manager",
                                      dt.date(2026, 6, 20), "Safe sleep", "Seen at visit")])


def test_an_open_concern_at_submit_tells_the_unresolved_safeguarding_recipients(frozen):
    preset_apply(key="000-eha-signs-of-wellbeing")
    x = build("000-eha-quality-standards")
    line_manager = PersonFactory()
    x.kw.line_manager = line_manager
    x.kw.save(update_fields=["line_manager"])
    concern = _concern(x)
    submit_with(x.audit, x.auditor, "good")
    # 000: "unresolved safeguarding issues ... inform the EHA co-ordinators line manager".
    [notice] = notices_to(line_manager)
    assert notice.is_urgent and notice.link == reverse("audits:concern_detail",
                                                       args=[concern.pk]) + "#concern-actions"
    concern.refresh_from_db()
    assert {t["event"] for t in concern.told} == {"immediate_concern", "unresolved_safeguarding"}


def test_a_concern_whose_actions_are_signed_off_is_not_unresolved(w):
    concern = _concern(w)
    ad = PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])
    for action in concerns.concern_actions(concern):
        action_services.action_submit_for_sign_off(action=action, actor=w.tm,
                                                   evidence="Visited on 16 June")
        action_services.action_sign_off(action=action, actor=ad)
    submit_with(w.audit, w.auditor, "good")
    assert not Notification.objects.exists()


def test_without_a_rule_unresolved_safeguarding_goes_to_the_team_and_service_manager(w):
    _concern(w)
    submit_with(w.audit, w.auditor, "good")
    assert {n.recipient for n in Notification.objects.all()} == {w.tm, w.sm}


# Wired into the submit service


def test_submitting_an_inadequate_audit_runs_the_escalations(frozen):
    version, _ = tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    x = build()
    inadequate_alerts_and_re_audits("poor")
    audit = services.audit_create(case=x.case, tool_version=version, auditors=[x.auditor],
                                  created_by=None)
    for section, question, value in [("first", "a", "yes"), ("first", Answer.GRADE, "poor"),
                                     (OVERALL, Answer.GRADE, "poor"),
                                     (OVERALL, Answer.EVIDENCE, "No plan, no visits")]:
        services.answer_save(audit=audit, actor=x.auditor, section_key=section,
                             question_key=question, value=value, seen_revision=None)
    services.audit_submit(audit=audit, actor=x.auditor)
    audit.refresh_from_db()
    assert audit.status == S.SUBMITTED and audit.final_grade == "poor"
    re_audit = audit.re_audits.get()
    assert (re_audit.earliest_start_on, re_audit.due_on) == (dt.date(2026, 8, 15),
                                                             dt.date(2026, 9, 15))
    assert notices_to(x.sm)


# Each setting read two ways: the same audit, a different outcome.


def _alerted(grade: str, escalation_grades: list[str]) -> bool:
    x = build()
    framework_settings_set(values={"escalation_grades": escalation_grades}, actor=None)
    submit_with(x.audit, x.auditor, grade)
    return any("inadequate" in n.subject for n in notices_to(x.sm))


def test_escalation_grades_decide_which_grades_raise_the_alert(frozen):
    assert _alerted("inadequate", ["inadequate"])
    assert not _alerted("inadequate", [])
    assert not _alerted("inadequate", ["requires_improvement"])


def _re_audits(grade: str, re_audit_grades: list[str]) -> int:
    x = build()
    framework_settings_set(values={"re_audit_grades": re_audit_grades}, actor=None)
    submit_with(x.audit, x.auditor, grade)
    return x.audit.re_audits.count()


def test_re_audit_grades_decide_which_grades_plan_a_re_audit(frozen):
    assert _re_audits("requires_improvement", ["requires_improvement"]) == 1
    assert _re_audits("requires_improvement", ["inadequate"]) == 0
    assert _re_audits("inadequate", ["inadequate"]) == 1
    assert _re_audits("inadequate", []) == 0


def _re_audit_after(**values: Any) -> Audit:
    x = build()
    framework_settings_set(values={"re_audit_grades": ["inadequate"], **values}, actor=None)
    submit_with(x.audit, x.auditor, "inadequate")
    return x.audit.re_audits.get()


def test_re_audit_after_months_min_sets_the_earliest_start(frozen):
    window = {"re_audit_after_months_max": 6}
    assert _re_audit_after(re_audit_after_months_min=2, **window).earliest_start_on \
        == dt.date(2026, 8, 15)
    assert _re_audit_after(re_audit_after_months_min=4, **window).earliest_start_on \
        == dt.date(2026, 10, 15)


def test_re_audit_after_months_max_sets_the_due_date(frozen):
    window = {"re_audit_after_months_min": 2}
    assert _re_audit_after(re_audit_after_months_max=3, **window).due_on \
        == dt.date(2026, 9, 15)
    assert _re_audit_after(re_audit_after_months_max=6, **window).due_on \
        == dt.date(2026, 12, 15)


def test_re_audit_by_roles_names_who_re_audits(frozen):
    head = _re_audit_after(re_audit_by_roles=["head_of_qa"]).reason
    senior = _re_audit_after(re_audit_by_roles=["senior_manager"]).reason
    assert "head of service for qa" in head and "head of service for qa" not in senior
    assert "senior manager" in senior.lower()


def _told_of(grade: str, rules: dict[str, list[str]]) -> set[Any]:
    x = build()
    framework_settings_set(values={"escalation_grades": ["inadequate"],
                                   "notification_rules": rules}, actor=None)
    submit_with(x.audit, x.auditor, grade)
    people = {x.sm.pk: "sm", x.tm.pk: "tm", x.kw.pk: "kw"}
    return {people.get(n.recipient_id) for n in Notification.objects.all()}


def test_the_inadequate_rule_names_who_is_alerted(frozen):
    assert _told_of("inadequate", {"inadequate": ["case_team_manager"]}) == {"tm"}
    assert _told_of("inadequate", {"inadequate": ["case_key_worker",
                                                  "case_service_manager"]}) == {"kw", "sm"}


def test_the_requires_improvement_rule_names_who_is_asked_for_smart_actions(frozen):
    assert _told_of("requires_improvement",
                    {"requires_improvement": ["case_team_manager"]}) == {"tm"}
    assert _told_of("requires_improvement",
                    {"requires_improvement": ["case_service_manager"]}) == {"sm"}
    assert _told_of("requires_improvement", {}) == set()


def test_ri_discussion_recorded_in_is_the_place_the_notice_names(frozen):
    bodies = []
    for place in ("a supervision note", "the management oversight case note"):
        x = build()
        framework_settings_set(values={"ri_discussion_recorded_in": place,
                                       "notification_rules": {}}, actor=None)
        submit_with(x.audit, x.auditor, "requires_improvement")
        bodies.append(notices_to(x.tm)[0].body)
    assert "supervision note" in bodies[0] and "management oversight" not in bodies[0]
    assert "management oversight case note" in bodies[1]


def test_reflective_discussion_setting_decides_whether_supervision_has_one(frozen):
    found = []
    for value in ("none", "next_supervision"):
        x = build()
        framework_settings_set(values={"reflective_discussion": value}, actor=None)
        submit_with(x.audit, x.auditor, "good")
        found.append(SupervisionItem.objects.filter(
            supervisee=x.kw, reason=SupervisionItem.Reason.REFLECTIVE_DISCUSSION).exists())
    assert found == [False, True]


def test_the_unresolved_safeguarding_rule_names_who_is_told_at_submit(frozen):
    for rule, whom in ((["case_key_worker"], "kw"), (["case_service_manager"], "sm")):
        x = build()
        framework_settings_set(values={"notification_rules": {
            "unresolved_safeguarding": rule}}, actor=None)
        _concern(x)
        submit_with(x.audit, x.auditor, "good")
        assert {n.recipient_id for n in Notification.objects.all()} == {getattr(x, whom).pk}
