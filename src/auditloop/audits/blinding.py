"""Blind review of an audit: apps that review audits blind (moderation) register a check;
the audits' own pages ask `is_blind` and answer 404 to a person who must not yet see the
audit's grades. Also the one write moderation makes to an audit: a changed final grade."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from auditloop.audits.models import Audit, AuditTransition

# A check gives the ids of the audits, among those asked about (None: any), on which the
# person is blind: one query answers a whole list page.
BlindCheck = Callable[[Any, Iterable[int] | None], set[int]]
_checks: list[BlindCheck] = []


def register(check: BlindCheck) -> BlindCheck:
    """Add a check `(person, audit_ids) -> ids`: the audits the person is blind on."""
    if check not in _checks:
        _checks.append(check)
    return check


def blind_audit_ids(person: Any, audit_ids: Iterable[int] | None = None) -> set[int]:
    """The audits (of `audit_ids`, or any) whose grades the person must not see yet."""
    if person is None or getattr(person, "pk", None) is None:
        return set()
    ids = None if audit_ids is None else list(audit_ids)
    if ids is not None and not ids:
        return set()
    out: set[int] = set()
    for check in _checks:
        out |= check(person, ids)
    return out


def is_blind(person: Any, audit: Audit) -> bool:
    """Whether the person must not see the audit's grades yet (any registered check)."""
    return audit.pk in blind_audit_ids(person, [audit.pk])


@transaction.atomic
def final_grade_set(*, audit: Audit, actor: Any, grade: str, reason: str) -> Audit:
    """A reviewer (the moderator) changes the audit's final grade. The auditor's own grade
    stays in overall_grade; the change is written to the audit's history with its reason."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    before = locked.final_grade
    if before == grade:
        return locked
    locked.final_grade = grade
    locked.save(update_fields=["final_grade", "updated_at"])
    # The status does not move: the row records who changed the grade, when and why.
    AuditTransition.objects.create(
        audit=locked, actor=actor, from_status=locked.status, to_status=locked.status,
        reason=f"Final grade changed by moderation from {before or 'no grade'} to {grade}. "
               f"{reason}".strip())
    return locked
