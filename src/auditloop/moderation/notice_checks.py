"""When the work a moderation notice asks for is done: the checks this app registers with
the tray (notifications/done.py), so a notice opened after the work is done says so
("Done: you graded this calibration exercise on 3 December 2026") instead of asking again.
Each check answers for every notice of its kind at once, in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from auditloop.common.dates import gds_date
from auditloop.moderation.models import (
    CalibrationExercise,
    CalibrationParticipant,
    ModerationReview,
)
from auditloop.notifications.done import about_ids, register_done_check
from auditloop.notifications.models import Notification

R = ModerationReview.Status
# What a notice asks (Notification.kind).
MODERATE = "moderation_reviews"  # moderate the audits of a sample given to you
CALIBRATE = "moderation_calibration"  # grade a calibration exercise


@register_done_check(MODERATE)
def reviews_completed(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once none of the recipient's reviews in the sample is still open (reassigned
    or taken out counts as no longer theirs), and at least one was completed."""
    ids = about_ids(notices, "moderation_sample")
    still_open: set[tuple[int, int]] = set()
    last: dict[tuple[int, int], dt.datetime | None] = {}
    for person_id, sample_id, status, at in (
            ModerationReview.objects
            .filter(assignment__sampled__sample_id__in=set(ids.values()),
                    moderator_id__in={n.recipient_id for n in notices})
            .values_list("moderator_id", "assignment__sampled__sample_id", "status",
                         "completed_at")):
        key = (person_id, sample_id)
        if status in (R.BLIND, R.REVEALED):
            still_open.add(key)
        elif status == R.COMPLETED:
            seen = last.get(key)
            last[key] = max(seen, at) if seen and at else (seen or at)
    done = {}
    for n in notices:
        key = (n.recipient_id, ids.get(n.pk, 0))
        if key in last and key not in still_open:
            at = last[key]
            done[n.pk] = (f"Done: you completed your moderation of these audits, the last on "
                          f"{gds_date(at)}." if at else
                          "Done: you completed your moderation of these audits.")
    return done


@register_done_check(CALIBRATE)
def calibration_graded(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the recipient's grades are in, or the exercise is closed."""
    ids = about_ids(notices, "calibration")
    graded = {(person_id, exercise_id): at for person_id, exercise_id, at in
              CalibrationParticipant.objects
              .filter(exercise_id__in=set(ids.values()),
                      person_id__in={n.recipient_id for n in notices},
                      submitted_at__isnull=False)
              .values_list("person_id", "exercise_id", "submitted_at")}
    closed = set(CalibrationExercise.objects
                 .filter(pk__in=set(ids.values()) - {e for _, e in graded})
                 .exclude(status=CalibrationExercise.Status.OPEN).values_list("pk", flat=True))
    done = {}
    for n in notices:
        exercise_id = ids.get(n.pk)
        if exercise_id is None:
            continue
        if (at := graded.get((n.recipient_id, exercise_id))) is not None:
            done[n.pk] = f"Done: you graded this calibration exercise on {gds_date(at)}."
        elif exercise_id in closed:
            done[n.pk] = "Done: the exercise is closed."
    return done
