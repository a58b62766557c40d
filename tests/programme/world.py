"""The programme's pages for the role matrix (tests/common/test_role_matrix.py): who may
open each, and one object of each kind that the signed-in person has nothing to do with.

The cycle is still choosing cases, so the steps that belong later answer 400 (the page,
with what to do first) for those who may run the cycle, and 403 for everyone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditloop.audits.models import AuditAssignment
from auditloop.audits.services import audit_plan_re_audit
from auditloop.people.roles import Role
from auditloop.programme import proposals
from auditloop.programme.models import (
    AllocationLine,
    AllocationRun,
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    MeetingItem,
    SelectionDraw,
)
from tests.factories import CaseFactory, PersonFactory, make_audit

R = Role
RUNNERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # RUN_CYCLE
# Who may put a case forward: the cycle's runners, everyone who sees every case, and the
# managers who see their teams' cases (VIEW_TEAM_CASES).
PUT_FORWARD = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.TEAM_MANAGER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.ASSISTANT_TEAM_MANAGER,
})
ALL = frozenset(Role)
NOBODY: frozenset[Role] = frozenset()

PROGRAMME_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "programme:cycle_list": ("get", RUNNERS),
    "programme:cycle_new": ("get", RUNNERS),
    "programme:programme_new": ("get", RUNNERS),
    "programme:coverage": ("get", RUNNERS),
    "programme:put_forward": ("get", PUT_FORWARD),
    # Someone else's request or allocation: nobody but its owner.
    "programme:withdraw_request": ("post", NOBODY),
    "programme:decline": ("get", NOBODY),
    # Everyone sees their own allocated audits (a senior manager re-auditing may hold no
    # auditor role).
    "programme:my_audits": ("get", ALL),
    **{f"programme:{name}": ("get", RUNNERS) for name in (
        "cycle_detail", "propose", "draw_check", "change_case", "add_case", "reopen_cases",
        "themes", "allocation", "allocation_override", "allocations_csv",
        "assignment_absent", "choose_auditor", "notices", "notices_status", "meeting",
        "minutes", "case_notes", "case_notes_csv")},
    **{f"programme:{name}": ("post", RUNNERS) for name in (
        "confirm_cases", "contact_done", "close_cycle", "allocation_propose",
        "allocation_confirm", "agenda_build", "agenda_move", "meeting_details",
        "meeting_close", "follow_up_escalate")},
    # Proposed themed audits: the QA manager's to accept, edit or dismiss.
    "programme:proposal_list": ("get", RUNNERS),
    "programme:proposal_edit": ("get", RUNNERS),
    "programme:proposal_dismiss": ("get", RUNNERS),
    "programme:proposal_accept": ("post", RUNNERS),
}
PROPOSAL_PAGES = ("programme:proposal_edit", "programme:proposal_dismiss",
                  "programme:proposal_accept")


def programme_world() -> dict[str, dict[str, Any]]:
    stranger = PersonFactory()
    cycle = Cycle.objects.create(
        year=2026, number=6, period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 6, 30),
        audit_starts_on=dt.date(2026, 6, 1), audits_due_on=dt.date(2026, 6, 29))
    audit = make_audit(auditors=[stranger])
    row = CycleCase.objects.create(cycle=cycle, case=audit.case, source=CycleCase.Source.RANDOM,
                                   reason="Chosen at random", audit=audit)
    draw = SelectionDraw.objects.create(cycle=cycle, seed=1, method="sha256-rank-1",
                                        population=[[audit.case_id, "", 0]], random_count=1,
                                        chosen=[audit.case_id])
    contact = CoordinatorContact.objects.create(cycle=cycle, case=CaseFactory(),
                                                months_open=13)
    run = AllocationRun.objects.create(cycle=cycle, seed=1, problem={
        "slots": [[f"cc:{row.pk}", audit.case_id, 1, False]], "auditors": [],
        "forbidden": [], "untrained_allowed": True, "previous_pairs": [], "seed": 1})
    line = AllocationLine.objects.create(run=run, cycle_case=row)
    item = MeetingItem.objects.create(cycle=cycle, audit=audit)
    assignment = AuditAssignment.objects.get(audit=audit, person=stranger)
    re_audit = audit_plan_re_audit(of=audit, actor=None, earliest=dt.date(2026, 5, 1),
                                   latest=dt.date(2026, 6, 1), reason="Inadequate")
    request = CaseRequest.objects.create(case=audit.case, kind=CaseRequest.Kind.TEAM_MANAGER,
                                         reason="Neglect", requested_by=stranger)
    proposal = proposals.propose_theme(
        source="complaints", about="complaints:neglect:2026", theme="Neglect",
        hypothesis="Complaints about neglect rose this year.",
        selection_filter={"themes": ["Neglect"]})
    c = {"cycle_id": cycle.pk}
    return {
        **{name: c for name in PROGRAMME_EXPECTED if name.startswith("programme:")
           and name not in ("programme:cycle_list", "programme:cycle_new",
                            "programme:programme_new", "programme:coverage",
                            "programme:put_forward", "programme:withdraw_request",
                            "programme:decline", "programme:my_audits",
                            "programme:proposal_list", *PROPOSAL_PAGES)},
        **{name: {"proposal_id": proposal.pk} for name in PROPOSAL_PAGES},
        "programme:draw_check": {**c, "draw_id": draw.pk},
        "programme:change_case": {**c, "cycle_case_id": row.pk},
        "programme:choose_auditor": {**c, "cycle_case_id": row.pk},
        "programme:contact_done": {**c, "contact_id": contact.pk},
        "programme:allocation_override": {**c, "line_id": line.pk},
        "programme:assignment_absent": {**c, "assignment_id": assignment.pk},
        "programme:minutes": {**c, "item_id": item.pk},
        "programme:agenda_move": {**c, "item_id": item.pk},
        "programme:follow_up_escalate": {**c, "audit_id": re_audit.pk},
        "programme:withdraw_request": {"request_id": request.pk},
        "programme:decline": {"assignment_id": assignment.pk},
    }
