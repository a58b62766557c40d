"""When the work a moderation notice asks for is done: the checks this app registers with
the tray (notifications/done.py), so a notice opened after the work is done says so
("Done: you graded this calibration exercise on 3 December 2026") instead of asking again.
Each check answers for every notice of its kind at once, in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.moderation.models import (
    CalibrationExercise,
    CalibrationParticipant,
    ModerationReview,
)
from auditloop.notifications.done import about_ids, none_open, register_done_check, said
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
    finished = none_open(
        ((person_id, sample_id),
         True if status in (R.BLIND, R.REVEALED) else False if status == R.COMPLETED else None,
         at)
        for person_id, sample_id, status, at in (
            ModerationReview.objects
            .filter(assignment__sampled__sample_id__in=set(ids.values()),
                    moderator_id__in={n.recipient_id for n in notices})
            .values_list("moderator_id", "assignment__sampled__sample_id", "status",
                         "completed_at")))
    return {n.pk: said("Done: you completed your moderation of these audits, the last on {}.",
                       finished[key], "Done: you completed your moderation of these audits.")
            for n in notices if (key := (n.recipient_id, ids.get(n.pk, 0))) in finished}


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
            done[n.pk] = said("Done: you graded this calibration exercise on {}.", at)
        elif exercise_id in closed:
            done[n.pk] = "Done: the exercise is closed."
    return done
