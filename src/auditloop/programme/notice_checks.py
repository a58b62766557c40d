"""When the work a cycle's notice asks for is done: the checks this app registers with the
tray (notifications/done.py), so a notice opened after the work is done says so ("Done: the
audit was submitted on 3 December 2026") instead of asking again. Each check answers for
every notice of its kind at once, in one or two queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from auditloop.audits.models import Audit
from auditloop.common.dates import gds_date
from auditloop.notifications.done import about_ids, register_done_check
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
    return f"Done: the audit was submitted on {gds_date(at)}." if at else \
        "Done: the audit was submitted."


@register_done_check(AUDIT_DUE)
@register_done_check(AUDIT_OVERDUE)
def audit_submitted(notices: Sequence[Notification]) -> Mapping[int, str]:
    ids = about_ids(notices, "audit")
    ended = {pk: _submitted(status, at) for pk, status, at in
             Audit.objects.filter(pk__in=set(ids.values()))
             .exclude(status__in=NOT_SUBMITTED).values_list("pk", "status", "submitted_at")}
    return {n.pk: ended[a] for n in notices if (a := ids.get(n.pk)) in ended}


@register_done_check(AUDITS_ALLOCATED)
def allocated_audits_submitted(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once every audit of the cycle the recipient is still allocated to is submitted
    (or withdrawn)."""
    ids = about_ids(notices, "cycle")
    still_open: set[tuple[int, int]] = set()
    last: dict[tuple[int, int], dt.datetime | None] = {}
    for cycle_id, person_id, status, at in (
            CycleCase.objects
            .filter(cycle_id__in=set(ids.values()),
                    audit__assignments__person_id__in={n.recipient_id for n in notices},
                    audit__assignments__ended_at__isnull=True)
            .values_list("cycle_id", "audit__assignments__person_id", "audit__status",
                         "audit__submitted_at")):
        key = (person_id, cycle_id)
        if status in NOT_SUBMITTED:
            still_open.add(key)
        seen = last.get(key)
        last[key] = max(seen, at) if seen and at else (seen or at)
    done = {}
    for n in notices:
        key = (n.recipient_id, ids.get(n.pk, 0))
        if key in last and key not in still_open:
            at = last[key]
            done[n.pk] = (f"Done: your audits in this cycle are submitted, the last on "
                          f"{gds_date(at)}." if at else
                          "Done: your audits in this cycle are submitted.")
    return done


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
    return {n.pk: (f"Done: the cycle's cases were confirmed on {gds_date(confirmed[c])}."
                   if c in confirmed else "Done: the cycle's cases are confirmed.")
            for n in notices if (c := ids.get(n.pk)) in moved_on}
