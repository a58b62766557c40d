"""The one way a submitted audit's final grade changes after submit (moderation, a settled
disagreement): the grade, its history row, and the consequences of the new grade in place
of the old one's (escalations.on_grade_change)."""

from __future__ import annotations

from django.db import transaction

from auditloop.audits import escalations
from auditloop.audits.models import Audit, AuditTransition
from auditloop.common.errors import DomainError
from auditloop.people.models import Person


@transaction.atomic
def audit_final_grade_change(*, audit: Audit, actor: Person | None, new_grade: str,
                             reason: str, by: str) -> Audit:
    """Set the audit's final grade to `new_grade` (the auditor's own stays in
    overall_grade), write who changed it, from what, by which route (`by`: "moderation",
    "a settled disagreement") and why, then withdraw what the old grade brought and no
    longer applies and start what the new grade asks for. The same grade again changes
    nothing."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    before = locked.final_grade
    if before == new_grade:
        return locked
    if new_grade not in {level["key"] for level in escalations.overall_levels(locked)}:
        raise DomainError("Choose a grade from the audit's scale.", field="final_grade")
    locked.final_grade = new_grade
    locked.save(update_fields=["final_grade", "updated_at"])
    withdrawn: list[str] = []
    if locked.submitted_at is not None:
        withdrawn = escalations.on_grade_change(audit=locked, actor=actor, old=before,
                                                new=new_grade, by=by)
    old_label = escalations.grade_label(locked, before) if before else "no grade"
    text = (f"Final grade changed by {by} from {old_label} to "
            f"{escalations.grade_label(locked, new_grade)}. {reason.strip()}").strip()
    if withdrawn:
        text += " Withdrawn as the grade no longer asks for it: " + "; ".join(withdrawn) + "."
    # The status does not move: the row records who changed the grade, when and why.
    AuditTransition.objects.create(audit=locked, actor=actor, from_status=locked.status,
                                   to_status=locked.status, reason=text)
    audit.final_grade = new_grade
    audit.good_practice = locked.good_practice
    return locked
