"""When the work a report's notice asks for is done: the checks this app registers with the
tray (notifications/done.py), so a notice opened after the work is done says so ("Done: the
report was approved and published on 3 December 2026") instead of asking again.

A report may go for approval, and come back, more than once, each time with a notice: each
notice is done by the first move of the report after it was sent. One query for every
notice of a kind (the report's history, common.StatusChange).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib.contenttypes.models import ContentType

from auditloop.common.models import StatusChange
from auditloop.insight.models import Report
from auditloop.notifications.done import about_ids, first_move_after, register_done_check
from auditloop.notifications.models import Notification

S = Report.Status
# What a notice asks (Notification.kind).
APPROVE = "report_approve"  # approve and publish the report, or return it with a reason
RESUBMIT = "report_resubmit"  # change the returned report and send it again

_ENDS: dict[str, dict[str, str]] = {
    APPROVE: {S.PUBLISHED: "Done: the report was approved and published on {}.",
              S.REISSUED: "Done: the report was approved and reissued on {}.",
              S.DRAFT: "Done: the report was returned to its writer on {}."},
    RESUBMIT: {S.AWAITING_APPROVAL: "Done: the report was sent for approval again on {}.",
               S.PUBLISHED: "Done: the report was published on {}.",
               S.REISSUED: "Done: the report was reissued on {}."},
}


def _moves(notices: Sequence[Notification], kind: str) -> dict[int, str]:
    ids = about_ids(notices, "report")
    return first_move_after(
        notices, ids,
        StatusChange.objects.filter(content_type=ContentType.objects.get_for_model(Report),
                                    object_id__in=[str(i) for i in ids.values()],
                                    to_status__in=list(_ENDS[kind]))
        .order_by("at", "pk").values_list("object_id", "to_status", "at"),
        _ENDS[kind])


@register_done_check(APPROVE)
def approved_or_returned(notices: Sequence[Notification]) -> Mapping[int, str]:
    return _moves(notices, APPROVE)


@register_done_check(RESUBMIT)
def sent_again(notices: Sequence[Notification]) -> Mapping[int, str]:
    return _moves(notices, RESUBMIT)
