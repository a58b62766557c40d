"""Blind review of an audit: apps that review audits blind (moderation) register a check;
the audits' own pages ask `is_blind` and answer 404 to a person who must not yet see the
audit's grades. The same apps register who is reviewing which audit now: a moderator sees an
audit only while assigned to review it (need to know), never by holding the role alone.
Also the one write moderation makes to an audit: a changed final grade."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from auditloop.audits.grade_change import audit_final_grade_change
from auditloop.audits.models import Audit

# A check gives the ids of the audits, among those asked about (None: any), on which the
# person is blind: one query answers a whole list page.
BlindCheck = Callable[[Any, Iterable[int] | None], set[int]]
_checks: list[BlindCheck] = []


def register(check: BlindCheck) -> BlindCheck:
    """Add a check `(person, audit_ids) -> ids`: the audits the person is blind on."""
    if check not in _checks:
        _checks.append(check)
    return check


def _ask(checks: list[BlindCheck], person: Any, audit_ids: Iterable[int] | None) -> set[int]:
    """The union of the checks' answers for this person and these audits (None: any)."""
    if person is None or getattr(person, "pk", None) is None:
        return set()
    ids = None if audit_ids is None else list(audit_ids)
    if ids is not None and not ids:
        return set()
    out: set[int] = set()
    for check in checks:
        out |= check(person, ids)
    return out


def blind_audit_ids(person: Any, audit_ids: Iterable[int] | None = None) -> set[int]:
    """The audits (of `audit_ids`, or any) whose grades the person must not see yet."""
    return _ask(_checks, person, audit_ids)


_reviewing: list[BlindCheck] = []


def register_reviewing(check: BlindCheck) -> BlindCheck:
    """Add a check `(person, audit_ids) -> ids`: the audits the person is assigned to review
    now (the review open), so may read."""
    if check not in _reviewing:
        _reviewing.append(check)
    return check


def reviewing_audit_ids(person: Any, audit_ids: Iterable[int] | None = None) -> set[int]:
    """The audits (of `audit_ids`, or any) the person is assigned to review now."""
    return _ask(_reviewing, person, audit_ids)


def is_blind(person: Any, audit: Audit) -> bool:
    """Whether the person must not see the audit's grades yet (any registered check)."""
    return audit.pk in blind_audit_ids(person, [audit.pk])


@transaction.atomic
def final_grade_set(*, audit: Audit, actor: Any, grade: str, reason: str) -> Audit:
    """A reviewer (the moderator) changes the audit's final grade. The auditor's own grade
    stays in overall_grade; the change, its reason and its consequences go through
    grade_change.audit_final_grade_change."""
    return audit_final_grade_change(audit=audit, actor=actor, new_grade=grade, reason=reason,
                                    by="moderation")
