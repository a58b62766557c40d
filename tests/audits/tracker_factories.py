"""A council for the tracker's tests: an assistant director over a service manager over a
team manager over a key worker, a case they hold, and its audit's actions, made through the
services the app uses (the reply's actions, the team manager's confirmation, sign-off)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from auditloop.actions import services as action_services
from auditloop.actions.models import Action
from auditloop.audits import voices
from auditloop.audits.models import Audit, AuditAction
from auditloop.cases.models import Involvement
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import (
    CaseFactory,
    InvolvementFactory,
    PersonFactory,
    TeamFactory,
    finish_audit,
    make_audit,
)

S = Audit.Status


def council(preset: str = "002-six-key-areas", *, team_name: str | None = None
            ) -> SimpleNamespace:
    """The people around one case: AD > SM > TM > key worker, plus the QA manager."""
    if preset:
        preset_apply(key=preset)
    team = TeamFactory(**({"name": team_name} if team_name else {}))
    ad = PersonFactory(roles=[Role.ASSISTANT_DIRECTOR], team=team)
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER], line_manager=ad, team=team)
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm, team=team)
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm, team=team)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    return SimpleNamespace(team=team, ad=ad, sm=sm, tm=tm, kw=kw, qa=qa)


def audited_case(w: SimpleNamespace, *, to: str = S.FEEDBACK_SENT, grade: str = "good",
                 reference: str | None = None, **case: Any) -> Audit:
    """A case held by w.kw and managed by w.tm, its audit finished and moved on to `to`."""
    kwargs: dict[str, Any] = {"key_worker": w.kw, "team_manager": w.tm, "team": w.team,
                              "service": w.team.service, "locality": w.team.locality, **case}
    if reference:
        kwargs["reference"] = reference
    c = CaseFactory(**kwargs)
    InvolvementFactory(case=c, person=w.sm, role=Involvement.Role.SERVICE_MANAGER)
    audit = make_audit(case=c)
    return finish_audit(audit, to=to, grade=grade)


def proposal(due_on: dt.date, **kwargs: Any) -> voices.ProposedAction:
    values = {"issue": "The plan was not reviewed", "action": "Hold a TAF review",
              "by_whom": "Key worker", "due_on": due_on,
              "desired_outcome": "The plan is reviewed with the family",
              "success_measure": "The review is recorded with the family's views"}
    values.update(kwargs)
    return voices.ProposedAction(**values)


def reply_actions(audit: Audit, w: SimpleNamespace, dues: list[dt.date], *,
                  agree: bool = True, **kwargs: Any) -> list[Action]:
    """The key worker proposes the actions in reply; the team manager confirms them."""
    made = [voices.reply_action_propose(audit=audit, actor=w.kw,
                                        proposal=proposal(due, **kwargs)) for due in dues]
    if agree:
        voices.actions_agree(audit=audit, actor=w.tm)
    return made


def quick_action(audit: Audit, *, owner: Person, due_on: dt.date,
                 source: str = AuditAction.Source.AUDIT, **kwargs: Any) -> Action:
    """An action agreed from the audit (agreed when made), without the reply's rules."""
    values = {"issue": "Chronology out of date", "action": "Update the chronology",
              "by_whom": "Key worker", "desired_outcome": "An up-to-date chronology",
              "success_measure": "Chronology seen on the file"}
    values.update(kwargs)
    action = action_services.action_create(owner=owner, due_on=due_on,
                                           sign_off_role=Role.TEAM_MANAGER,
                                           sign_off_person=audit.case.team_manager, **values)
    AuditAction.objects.create(audit=audit, action=action, source=source)
    return action


def done(action: Action, w: SimpleNamespace) -> Action:
    """The owner sends it for sign-off and the team manager signs it off."""
    action_services.action_submit_for_sign_off(action=action, actor=action.owner or w.kw,
                                               evidence="Review held and recorded")
    return action_services.action_sign_off(action=action, actor=w.tm)
