"""When the work a practice alert's notice asks for is done (notifications/done.py): an
opened notice says "Done: answered on 3 December 2026" instead of asking again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.notifications.done import about_ids, by_notice, register_done_check, said
from auditloop.notifications.models import Notification
from auditloop.practice.models import PracticeAlert
from auditloop.practice.services import ANSWER_ALERT


@register_done_check(ANSWER_ALERT)
def alert_answered(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the alert is answered (or resolved): one query for every notice."""
    ids = about_ids(notices, "practice_alert")
    answered = dict(PracticeAlert.objects.filter(pk__in=set(ids.values()),
                                                 answered_at__isnull=False)
                    .values_list("pk", "answered_at"))
    return by_notice(notices, ids, {a: said("Done: answered on {}.", at)
                                    for a, at in answered.items()})
