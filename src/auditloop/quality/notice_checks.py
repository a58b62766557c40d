"""When the work a quality control notice asks for is done: the checks this app registers
with the tray (notifications/done.py), so a notice opened after the work is done says so
("Done: you said it was put right on 3 December 2026") instead of asking again.

A check may be sent back more than once, each time with a notice: each notice is done by
the first move after it was sent, so an old notice stays done when the check is sent back
again. One query for every notice of a kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.notifications.done import about_ids, first_move_after, register_done_check
from auditloop.notifications.models import Notification
from auditloop.quality.models import QualityCheck, QualityCheckTransition

QS = QualityCheck.Status
# What a notice asks (Notification.kind).
PUT_RIGHT = "quality_put_right"  # the lead professional puts the record right, and says so
CONFIRM = "quality_confirm_fixed"  # the central team confirms it is put right, or sends it back

# What each kind's work ends in, and what the notice then says.
_ENDS: dict[str, dict[str, str]] = {
    PUT_RIGHT: {QS.REPORTED: "Done: you said it was put right on {}.",
                QS.FIXED: "Done: it was confirmed as put right on {}."},
    CONFIRM: {QS.FIXED: "Done: it was confirmed as put right on {}.",
              QS.FAILED: "Done: it was sent back to the lead professional again on {}."},
}


def _moves(notices: Sequence[Notification], kind: str) -> dict[int, str]:
    ids = about_ids(notices, "quality_check")
    return first_move_after(
        notices, ids,
        QualityCheckTransition.objects.filter(quality_check_id__in=set(ids.values()),
                                              to_status__in=list(_ENDS[kind]))
        .order_by("at", "id").values_list("quality_check_id", "to_status", "at"),
        _ENDS[kind])


@register_done_check(PUT_RIGHT)
def put_right(notices: Sequence[Notification]) -> Mapping[int, str]:
    return _moves(notices, PUT_RIGHT)


@register_done_check(CONFIRM)
def confirmed(notices: Sequence[Notification]) -> Mapping[int, str]:
    return _moves(notices, CONFIRM)
