"""Moderation's pages for the role matrix (tests/common/test_role_matrix.py): who may open
each, and the URL arguments of objects the signed-in person has nothing to do with: a cycle
whose sample is drawn, a stranger's review, a meeting-mode sample and a calibration exercise
a stranger takes part in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from auditloop.moderation import services
from auditloop.moderation.models import ModerationReview
from auditloop.people.roles import Role
from tests.factories import PersonFactory

R = Role
ALL = frozenset(Role)
NOBODY: frozenset[Role] = frozenset()
RUNNERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # RUN_CYCLE
# MODERATE (the framework's panel roles are empty here, so the moderator role is the panel).
PANEL = frozenset({R.MODERATOR, R.HEAD_OF_QA, R.PRINCIPAL_SOCIAL_WORKER})
# Senior readers (VIEW_REPORTS), the QA manager and the panel read the agreement figures.
AGREEMENT_READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_MANAGER, R.SERVICE_MANAGER, R.STRATEGIC_LEAD,
    R.SENIOR_LEADER, R.MODERATOR,
})

MODERATION_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    # The panel's own list (and the QA manager's way into moderation).
    "moderation:my_reviews": ("get", PANEL | RUNNERS),
    # A stranger's review: the QA manager may read it; only its moderator grades it.
    "moderation:review": ("get", RUNNERS),
    "moderation:review_blind": ("post", NOBODY),
    "moderation:review_complete": ("post", NOBODY),
    # The sample is the QA manager's (RUN_CYCLE).
    **{f"moderation:{name}": ("get", RUNNERS) for name in (
        "sample", "sample_redraw", "sample_add", "sample_remove", "reassign")},
    **{f"moderation:{name}": ("post", RUNNERS) for name in ("sample_draw", "sample_mode")},
    # The panel's meeting: the panel and the QA manager.
    "moderation:meeting": ("get", PANEL | RUNNERS),
    "moderation:meeting_save": ("post", PANEL | RUNNERS),
    "moderation:agenda_move": ("post", PANEL | RUNNERS),
    "moderation:discussion": ("get", PANEL | RUNNERS),
    "moderation:agreement": ("get", AGREEMENT_READERS),
    "moderation:auditor_list": ("get", RUNNERS),
    "moderation:auditor_record": ("get", RUNNERS),
    # Everyone has their own list of exercises they take part in.
    "moderation:calibration_list": ("get", ALL),
    "moderation:calibration_new": ("get", RUNNERS),
    # A stranger's exercise: the QA manager and the panel (who set the agreed grade).
    "moderation:calibration_detail": ("get", RUNNERS | PANEL),
    "moderation:calibration_grade": ("post", NOBODY),
    "moderation:calibration_results": ("get", RUNNERS | PANEL),
    "moderation:calibration_reference": ("get", RUNNERS | PANEL),
    "moderation:calibration_close": ("post", RUNNERS),
}


def moderation_world() -> dict[str, dict[str, Any]]:
    from tests.moderation.factories import make_cycle, set_framework, submitted_audit

    set_framework(moderation_share_percent=Decimal("100"))
    stranger = PersonFactory(roles=[R.MODERATOR])
    cycle = make_cycle(year=2031, number=4)
    audit = submitted_audit(cycle)
    sample = services.sample_draw(cycle=cycle, actor=None, seed=1,
                                  mode="meeting")
    row = sample.audits.get(audit=audit)
    review = ModerationReview.objects.get(assignment__sampled=row, assignment__ended_at=None)
    if review.moderator_id != stranger.pk:  # another world's moderator drew it
        services.moderator_reassign(sampled=row, person=stranger, actor=None, reason="World")
        review = ModerationReview.objects.get(assignment__sampled=row,
                                              assignment__ended_at=None)
    exercise = services.calibration_create(
        actor=None, title="A neglect case", tool_version=audit.tool_version,
        vignette="A family of three; the plan has not been reviewed.", participants=[stranger])
    c = {"cycle_id": cycle.pk}
    s = {"sample_id": sample.pk}
    e = {"exercise_id": exercise.pk}
    return {
        **{f"moderation:{n}": {"review_id": review.pk}
           for n in ("review", "review_blind", "review_complete")},
        **{f"moderation:{n}": c for n in ("sample", "sample_draw", "sample_redraw",
                                            "sample_add", "sample_mode")},
        **{f"moderation:{n}": {**c, "sampled_id": row.pk} for n in ("sample_remove",
                                                                      "reassign")},
        **{f"moderation:{n}": s for n in ("meeting", "meeting_save")},
        **{f"moderation:{n}": {**s, "sampled_id": row.pk} for n in ("agenda_move",
                                                                      "discussion")},
        "moderation:auditor_record": {"person_id": audit.assignments.get().person_id},
        **{f"moderation:{n}": e for n in ("calibration_detail", "calibration_grade",
                                            "calibration_results", "calibration_reference",
                                            "calibration_close")},
    }
