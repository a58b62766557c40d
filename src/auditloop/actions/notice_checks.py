"""When the work an action plan's notice asks for is done: the check this app registers with
the tray (notifications/done.py), so a notice opened after the work is done says so ("Done:
the plan's first action was added on 3 December 2026") instead of asking again. One query
for every notice of the kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.actions.models import ActionPlan
from auditloop.common.dates import gds_date
from auditloop.notifications.done import about_ids, register_done_check
from auditloop.notifications.models import Notification

# What a notice asks (Notification.kind).
ADD_ACTIONS = "plan_add_actions"  # the plan's strategic lead adds its actions


@register_done_check(ADD_ACTIONS)
def actions_added(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the plan has an action, or is closed."""
    ids = about_ids(notices, "action_plan")
    first: dict[int, str] = {}
    for plan_id, at, status in (ActionPlan.objects.filter(pk__in=set(ids.values()))
                                .values_list("pk", "action_links__action__created_at",
                                             "status")
                                .order_by("action_links__action__created_at")):
        if plan_id in first:
            continue
        if at is not None:
            first[plan_id] = f"Done: the plan's first action was added on {gds_date(at)}."
        elif status == ActionPlan.Status.CLOSED:
            first[plan_id] = "Done: the plan is closed."
    return {n.pk: first[p] for n in notices if (p := ids.get(n.pk)) in first}
