"""When the work a cycle's notice asks for is done: the checks this app registers with the
tray (notifications/done.py), so a notice opened after the work is done says so ("Done: the
audit was submitted on 3 December 2026") instead of asking again. Each check answers for
every notice of its kind at once, in one or two queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from auditloop.audits.models import Audit
from auditloop.notifications.done import about_ids, by_notice, none_open, register_done_check, said
from auditloop.notifications.models import Notification
from auditloop.programme.models import Cycle, CycleCase, CycleEvent

A = Audit.Status
# What a notice asks (Notification.kind).
AUDITS_ALLOCATED = "cycle_audits_allocated"  # carry out the audits allocated to you
AUDIT_DUE = "cycle_audit_due"  # submit an audit due soon
AUDIT_OVERDUE = "cycle_audit_overdue"  # check with the auditors of an overdue audit
COLLATE = "cycle_collate_list"  # collate the audit list: choose and confirm the cases
# An audit in these states is still to be submitted.
NOT_SUBMITTED = {A.PLANNED, A.ALLOCATED, A.IN_PROGRESS}


def _submitted(status: str, at: dt.datetime | None) -> str:
    if status == A.WITHDRAWN:
        return "Done: the audit was withdrawn."
    return said("Done: the audit was submitted on {}.", at, "Done: the audit was submitted.")


@register_done_check(AUDIT_DUE)
@register_done_check(AUDIT_OVERDUE)
def audit_submitted(notices: Sequence[Notification]) -> Mapping[int, str]:
    ids = about_ids(notices, "audit")
    return by_notice(notices, ids, {
        pk: _submitted(status, at) for pk, status, at in
        Audit.objects.filter(pk__in=set(ids.values()))
        .exclude(status__in=NOT_SUBMITTED).values_list("pk", "status", "submitted_at")})


@register_done_check(AUDITS_ALLOCATED)
def allocated_audits_submitted(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once every audit of the cycle the recipient is still allocated to is submitted
    (or withdrawn)."""
    ids = about_ids(notices, "cycle")
    finished = none_open(
        ((person_id, cycle_id), status in NOT_SUBMITTED, at)
        for cycle_id, person_id, status, at in (
            CycleCase.objects
            .filter(cycle_id__in=set(ids.values()),
                    audit__assignments__person_id__in={n.recipient_id for n in notices},
                    audit__assignments__ended_at__isnull=True)
            .values_list("cycle_id", "audit__assignments__person_id", "audit__status",
                         "audit__submitted_at")))
    return {n.pk: said("Done: your audits in this cycle are submitted, the last on {}.",
                       finished[key], "Done: your audits in this cycle are submitted.")
            for n in notices if (key := (n.recipient_id, ids.get(n.pk, 0))) in finished}


@register_done_check(COLLATE)
def list_collated(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the cycle's cases are confirmed (and, after that, allocated)."""
    ids = about_ids(notices, "cycle")
    moved_on = set(Cycle.objects.filter(pk__in=set(ids.values()))
                   .exclude(status=Cycle.Status.PLANNING).values_list("pk", flat=True))
    confirmed: dict[int, dt.datetime] = {}
    for cycle_id, at in (CycleEvent.objects
                         .filter(cycle_id__in=moved_on, what__startswith="Cases confirmed")
                         .order_by("-at", "-pk").values_list("cycle_id", "at")):
        confirmed.setdefault(cycle_id, at)
    return by_notice(notices, ids, {
        c: said("Done: the cycle's cases were confirmed on {}.", confirmed.get(c),
                "Done: the cycle's cases are confirmed.") for c in moved_on})
