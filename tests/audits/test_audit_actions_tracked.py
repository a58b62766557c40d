"""Actions written inside an audit are tracked once it is submitted: 003's remedial action
rows and the actions an auditor records in 002's audit become actions with an owner, the
framework's 40-day limit, escalation and the team manager's sign-off, and show in the
central tracker like the actions from replies and immediate concerns."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.models import Action, ActionEvent
from auditloop.audits import audit_actions, services, tracker
from auditloop.audits.models import ActionEscalation, Audit, AuditAction
from auditloop.audits.overdue import overdue_actions_escalate
from auditloop.audits.services import SubmitProblems
from auditloop.audits.submission import Sheet
from auditloop.cases.models import Involvement
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row
from tests.audits.tracker_factories import council
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    complete_audit,
    make_audit,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
CAF = "003-tier-2-caf-toolkit"
SIX = "002-six-key-areas"


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _world(preset: str) -> SimpleNamespace:
    w = council(preset)
    row = framework_settings_row()
    row.action_deadline_days = 40  # 002's limit; preset 003 gives none, so set it for both
    row.save()
    w.auditor = PersonFactory(roles=[Role.AUDITOR])
    return w


def _audit(w: SimpleNamespace, tool: str) -> Audit:
    case = CaseFactory(key_worker=w.kw, team_manager=w.tm, team=w.team,
                       service=w.team.service, locality=w.team.locality)
    InvolvementFactory(case=case, person=w.sm, role=Involvement.Role.SERVICE_MANAGER)
    audit = make_audit(case=case, auditors=[w.auditor], tool_key=tool)
    return complete_audit(audit, w.auditor)


def _action_row(audit: Audit, actor: Any, section: str, **answers: Any) -> int:
    item = services.repeat_item_add(audit=audit, actor=actor, section_key=section)
    values = {"issue": "The TAF plan is out of date", "action": "Hold a TAF review",
              "by_whom": "Key worker", "by_when": (TODAY + dt.timedelta(days=20)).isoformat(),
              "desired_outcome": "A current plan the family agrees",
              "how_will_we_know": "The review is on the file", **answers}
    for key, value in values.items():
        services.answer_save(audit=audit, actor=actor, section_key=section, item=item,
                             question_key=key, value=value, comment="", seen_revision=None,
                             overwrite=True)
    return item


def _tracked(audit: Audit) -> list[AuditAction]:
    return list(AuditAction.objects.filter(audit=audit).exclude(section_key="")
                .select_related("action", "audit").order_by("item"))


def test_a_003_remedial_action_row_appears_in_the_tracker_with_its_40_day_date(
        frozen, client_for):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    _action_row(audit, w.auditor, "remedial_action", progress="amber")
    services.audit_submit(audit=audit, actor=w.auditor)

    (link,) = _tracked(audit)
    assert (link.section_key, link.source) == ("remedial_action", AuditAction.Source.AUDIT)
    action = link.action
    assert action.action == "Hold a TAF review" and action.issue == "The TAF plan is out of date"
    assert action.due_on == TODAY + dt.timedelta(days=20)
    assert action.status == Action.Status.AMBER  # the row's RAG
    assert action.owner == w.kw and action.sign_off_person == w.tm
    facts = tracker.action_facts(link, today=TODAY, deadline_days=40)
    assert facts.agreed_on == TODAY
    assert facts.deadline_on == dt.date(2026, 7, 13)

    page = client_for(w.qa).get(reverse("audits:tracker_actions")).content.decode()
    assert reverse("actions:action_detail", args=[action.pk]) in page
    assert "Agreed from the audit" in page and "13 July 2026" in page


def test_a_002_auditor_action_appears_in_the_tracker_with_its_40_day_date(frozen, client_for):
    w = _world("002-six-key-areas")
    audit = _audit(w, SIX)
    _action_row(audit, w.auditor, "audit_actions", action="Record the management decision")
    services.audit_submit(audit=audit, actor=w.auditor)

    (link,) = _tracked(audit)
    assert link.section_key == "audit_actions"
    assert link.action.status == Action.Status.RED
    assert link.action.owner == w.kw and link.action.sign_off_person == w.tm
    facts = tracker.action_facts(link, today=TODAY, deadline_days=40)
    assert facts.deadline_on == dt.date(2026, 7, 13)
    page = client_for(w.qa).get(reverse("audits:tracker")).content.decode()
    assert reverse("actions:action_detail", args=[link.action.pk]) in page
    assert "13 July 2026" in page


def test_submitting_twice_creates_nothing_twice(frozen):
    w = _world("002-six-key-areas")
    audit = _audit(w, SIX)
    _action_row(audit, w.auditor, "audit_actions")
    _action_row(audit, w.auditor, "audit_actions", action="Visit the child at home")
    services.audit_submit(audit=audit, actor=w.auditor)
    services.audit_submit(audit=audit, actor=w.auditor)
    audit.refresh_from_db()
    # Called again (as after the audit was reopened and submitted once more): nothing new.
    assert audit_actions.audit_actions_track(audit=audit, actor=w.auditor) == []
    assert len(_tracked(audit)) == 2
    assert Action.objects.filter(audit_link__audit=audit).count() == 2


def test_a_row_added_after_a_reopening_is_tracked_and_the_first_is_not_tracked_again(frozen):
    w = _world("002-six-key-areas")
    audit = _audit(w, SIX)
    _action_row(audit, w.auditor, "audit_actions")
    audit_actions.audit_actions_track(audit=audit, actor=w.auditor)
    _action_row(audit, w.auditor, "audit_actions", action="Visit the child at home")
    made = audit_actions.audit_actions_track(audit=audit, actor=w.auditor)
    assert [a.action for a in made] == ["Visit the child at home"]
    assert len(_tracked(audit)) == 2


def test_an_audit_without_action_rows_tracks_nothing(frozen):
    w = _world("002-six-key-areas")
    audit = _audit(w, SIX)
    services.audit_submit(audit=audit, actor=w.auditor)
    assert _tracked(audit) == []


def test_a_row_due_after_the_limit_keeps_the_audit_from_being_submitted(frozen):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    item = _action_row(audit, w.auditor, "remedial_action",
                       by_when=(TODAY + dt.timedelta(days=41)).isoformat())
    with pytest.raises(SubmitProblems) as refused:
        services.audit_submit(audit=audit, actor=w.auditor)
    (problem,) = refused.value.problems
    assert problem.field == f"remedial_action.{item}.by_when"
    assert problem.message.startswith("Choose a date no later than 13 July 2026: the "
                                      "framework asks for actions to be completed within 40 "
                                      "days of being agreed")
    assert "action 1 of “Remedial action”" in problem.message
    audit.refresh_from_db()
    assert audit.status != Audit.Status.SUBMITTED and _tracked(audit) == []


def test_the_last_day_of_the_limit_is_allowed_and_no_limit_allows_any_date(frozen):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    _action_row(audit, w.auditor, "remedial_action",
                by_when=(TODAY + dt.timedelta(days=40)).isoformat())
    assert audit_actions.action_row_problems(Sheet.for_audit(audit), agreed_on=TODAY) == []
    _action_row(audit, w.auditor, "remedial_action",
                by_when=(TODAY + dt.timedelta(days=90)).isoformat())
    assert len(audit_actions.action_row_problems(Sheet.for_audit(audit), agreed_on=TODAY)) == 1
    row = framework_settings_row()
    row.action_deadline_days = None
    row.save()
    assert audit_actions.action_row_problems(Sheet.for_audit(audit), agreed_on=TODAY) == []


def test_by_whom_names_the_owner_where_it_can(frozen):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    other = PersonFactory(roles=[Role.PRACTITIONER], full_name="Priya Shah")
    owner = audit_actions.owner_for
    assert owner(audit, "Team manager", fallback=w.auditor) == w.tm
    assert owner(audit, f"{w.tm.full_name} to chair", fallback=w.auditor) == w.tm
    assert owner(audit, "LP with the family", fallback=w.auditor) == w.kw
    assert owner(audit, "priya shah", fallback=w.auditor) == other
    # The family, or a partner agency: the key worker follows it up.
    assert owner(audit, "Mum and the school", fallback=w.auditor) == w.kw


def test_with_no_key_worker_the_team_manager_owns_it(frozen):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    audit.case.key_worker = None
    audit.case.save()
    assert audit_actions.owner_for(audit, "Key worker", fallback=w.auditor) == w.tm


def test_a_row_recorded_green_waits_for_sign_off(frozen):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    _action_row(audit, w.auditor, "remedial_action", progress="green")
    services.audit_submit(audit=audit, actor=w.auditor)
    (link,) = _tracked(audit)
    assert link.action.status == Action.Status.AMBER
    note = link.action.events.get(kind=ActionEvent.Kind.PROGRESS).note
    assert note.startswith("Recorded in the audit as green (completed)")


def test_an_overdue_audit_action_is_escalated_as_the_framework_says(frozen):
    w = _world("002-six-key-areas")
    audit = _audit(w, SIX)
    _action_row(audit, w.auditor, "audit_actions")
    services.audit_submit(audit=audit, actor=w.auditor)
    (link,) = _tracked(audit)
    overdue_actions_escalate(today=link.action.due_on + dt.timedelta(days=1))
    assert ActionEscalation.objects.filter(action=link.action).exists()


def test_the_action_section_page_says_what_happens_to_its_rows(frozen, client_for):
    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    url = reverse("audits:audit_section", args=[audit.pk, "remedial_action"])
    page = client_for(w.auditor).get(url).content.decode()
    assert "each action becomes a tracked action" in page
    assert "Each must be due within 40 days of the audit being submitted." in page


def test_the_tracker_says_an_action_signed_off_late_was_done_after_the_limit(client_for):
    from tests.audits.tracker_factories import done

    with time_machine.travel(NOW, tick=False):
        w = _world("002-six-key-areas")
        audit = _audit(w, SIX)
        _action_row(audit, w.auditor, "audit_actions")
        services.audit_submit(audit=audit, actor=w.auditor)
        (link,) = _tracked(audit)
    with time_machine.travel(NOW + dt.timedelta(days=45), tick=False):
        done(link.action, w)
        page = client_for(w.qa).get(reverse("audits:tracker_actions"),
                                    {"status": "done"}).content.decode()
    assert "Done after the 40-day limit" in page


def test_a_part_the_tool_leaves_optional_is_still_needed_to_track_the_row(frozen):
    import copy

    w = _world("003-caf-tiered")
    audit = _audit(w, CAF)
    item = _action_row(audit, w.auditor, "remedial_action", by_when=None)
    sheet = Sheet.for_audit(audit)
    # The shipped toolkit asks for the date itself (so its own check reports it) ...
    assert audit_actions.action_row_problems(sheet, agreed_on=TODAY) == []
    # ... a tool that leaves it optional still cannot have the row tracked without it.
    definition = copy.deepcopy(sheet.definition)
    section = next(s for s in definition["sections"] if s["key"] == "remedial_action")
    next(q for q in section["questions"] if q["key"] == "by_when")["required"] = False
    lenient = Sheet(definition, sheet.answers, sheet.facts)
    (problem,) = audit_actions.action_row_problems(lenient, agreed_on=TODAY)
    assert problem.field == f"remedial_action.{item}.by_when"
    assert problem.message.startswith("Enter “By When” for action 1 of “Remedial action”")
