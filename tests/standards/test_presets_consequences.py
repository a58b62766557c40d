"""Each preset, applied to a small council, brings only the consequences its seed names
when an audit is graded: an inadequate audit alerts only under 000 and 001, plans a
re-audit only under 001; requires improvement asks for SMART actions only under 001."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from auditloop.audits import escalations
from auditloop.audits.models import Audit, SupervisionItem
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db
SUBMITTED = dt.datetime(2026, 6, 15, 11, 0, tzinfo=dt.UTC)
TOOLS = {"000-eha-signs-of-wellbeing": "000-eha-quality-standards",
         "001-early-help-domains": "001-early-help-case-audit",
         "002-six-key-areas": "002-six-key-areas",
         "003-caf-tiered": "003-tier-2-caf-toolkit",
         "004-focus-areas": "004-focus-areas"}


def council(preset: str) -> SimpleNamespace:
    """A practitioner, their team manager (the coordinator's line manager in 000's words)
    and service manager, an auditor, and an audit of one case on the preset's tool."""
    preset_apply(key=preset)
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
    auditor = PersonFactory(roles=[Role.AUDITOR])
    case = CaseFactory(key_worker=kw, team_manager=tm)
    audit = make_audit(case=case, auditors=[auditor], tool_key=TOOLS[preset],
                       period_end=dt.date(2026, 6, 15))
    return SimpleNamespace(sm=sm, tm=tm, kw=kw, auditor=auditor, audit=audit)


def graded(w: SimpleNamespace, grade: str) -> SimpleNamespace:
    with time_machine.travel(SUBMITTED, tick=False):
        Audit.objects.filter(pk=w.audit.pk).update(
            status=Audit.Status.SUBMITTED, overall_grade=grade, final_grade=grade,
            submitted_at=timezone.now(), submitted_by=w.auditor)
        w.audit.refresh_from_db()
        escalations.on_submit(audit=w.audit, actor=w.auditor)
    alerts = Notification.objects.filter(is_urgent=True, subject__contains="graded")
    return SimpleNamespace(
        alerted={n.recipient for n in alerts},
        re_audits=w.audit.re_audits.filter(kind=Audit.Kind.RE_AUDIT).count(),
        smart_actions=SupervisionItem.objects.filter(
            reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT).exists()
        or Notification.objects.filter(subject__contains="SMART actions").exists(),
    )


@pytest.mark.parametrize(("preset", "alerted", "re_audit"), [
    # 000: "the Early Help Officer will directly inform the EHA co-ordinators line manager".
    ("000-eha-signs-of-wellbeing", {"tm"}, 0),
    # 001: "the service manager will be alerted"; "a re-audit will need to be completed".
    ("001-early-help-domains", {"sm", "tm"}, 1),
    # 002, 003 and 004 name no alert and no re-audit on a grade.
    ("002-six-key-areas", set(), 0),
    ("003-caf-tiered", set(), 0),
    ("004-focus-areas", set(), 0),
])
def test_an_inadequate_audit_has_only_its_seeds_consequences(preset, alerted, re_audit):
    w = council(preset)
    found = graded(w, "inadequate")
    assert found.alerted == {getattr(w, who) for who in alerted}
    assert found.re_audits == re_audit
    assert not found.smart_actions


@pytest.mark.parametrize(("preset", "smart_actions"), [
    ("000-eha-signs-of-wellbeing", False),
    # 001: "the Team Manager and Practitioner will discuss the audit findings and agree on
    # smart actions".
    ("001-early-help-domains", True),
    ("002-six-key-areas", False),
    ("003-caf-tiered", False),
    ("004-focus-areas", False),
])
def test_requires_improvement_asks_for_smart_actions_only_where_the_seed_does(preset,
                                                                          smart_actions):
    w = council(preset)
    found = graded(w, "requires_improvement")
    assert found.smart_actions is smart_actions
    assert not found.alerted and found.re_audits == 0
