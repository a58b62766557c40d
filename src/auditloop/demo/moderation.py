"""The demo council's moderation: a sample drawn for each monthly cycle of the audit history
(demo/history.py), reviews done for every month but the last (so the agreement figures have a
year to show), two blind reviews waiting for the demo moderator's sign-in, and a calibration
exercise most auditors have graded.

Everything goes through moderation's services, then is dated back to the month it belongs
to. Idempotent: a cycle that has a sample, and an exercise already made, are left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.moderation import services
from auditloop.moderation.models import (
    CalibrationExercise,
    ModerationMeeting,
    ModerationReview,
    ModerationSample,
    ModeratorAssignment,
)
from auditloop.people.models import Person
from auditloop.programme.models import Cycle
from auditloop.standards.selectors import framework_settings_row

WAITING = 2  # blind reviews left for the demo moderator
EXERCISE_TITLE = "Calibration: a family where neglect is drifting"
VIGNETTE = """\
An invented family for the exercise: no real case and no case record.

Sam (9) and Riley (4) live with their mother, who has depression. Early Help has worked with
the family for eleven months. The Family Action Plan was agreed in January; two TAF meetings
were held since, the last 14 weeks ago. School reports Sam arriving hungry twice a week.

The chronology stops in March. A genogram is on file. Direct work with Sam is recorded once
(a three houses exercise); Riley's views are not recorded. Scaling questions were asked at
the first TAF (mother 4/10) but not since. Supervision notes say "continue plan" twice with
no actions. The health visitor has not been invited to the last TAF.
"""


@dataclass
class Built:
    samples: int = 0
    reviews_done: int = 0
    waiting: int = 0
    exercise: CalibrationExercise | None = None


def _aware(day: dt.date, hour: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _demo_person(role: str) -> Person | None:
    return Person.objects.filter(user__username=f"demo-{role}", user__is_demo=True).first()


def _near(rng: random.Random, rank: int, levels: int, same: float) -> int:
    """The moderator's own grade: the auditor's most of the time, else a grade away (most
    often more critical: 004's audits were found generous)."""
    if rng.random() < same or levels < 2:
        return rank
    step = 1 if rng.random() < 0.65 else -1
    return min(levels - 1, max(0, rank + step))


def _review(review: ModerationReview, rng: random.Random, same: float, when: dt.datetime,
            *, complete: bool) -> None:
    audit = review.audit
    sections = services.graded_sections(audit.tool_version, audit=audit)
    theirs = services.auditor_grades(audit)
    grades = {}
    for s in sections:
        rank = s.rank(theirs.get(s.key, "")) if theirs.get(s.key) else None
        rank = len(s.levels) // 2 if rank is None else rank
        grades[s.key] = s.levels[_near(rng, rank, len(s.levels), same)]["key"]
    services.review_save_blind(review=review, actor=review.moderator, grades=grades)
    stamp = {"blind_saved_at": when, "created_at": when - dt.timedelta(days=3),
             "updated_at": when}
    if complete:
        decisions = {}
        for row in review.grades.all():
            moved = row.moderator_grade != row.auditor_grade and rng.random() < 0.7
            decisions[row.section_key] = services.Decision(
                agrees=not moved, grade=row.moderator_grade if moved else "",
                reason="The file shows less impact for the child than the audit says."
                if moved else "")
        services.review_complete(review=review, actor=review.moderator, decisions=decisions)
        stamp["completed_at"] = when + dt.timedelta(days=2)
    ModerationReview.objects.filter(pk=review.pk).update(**stamp)
    ModeratorAssignment.objects.filter(pk=review.assignment_id).update(
        assigned_at=when - dt.timedelta(days=3))


def _give_to(review: ModerationReview, person: Person) -> ModerationReview | None:
    """The demo moderator takes the review, where nothing bars them from it."""
    row = review.assignment.sampled
    if review.moderator_id == person.pk:
        return review
    choices = dict((p.pk, why) for p, why in services.moderator_choices(row))
    if choices.get(person.pk) != []:
        return None
    services.moderator_reassign(sampled=row, person=person, actor=None,
                                reason="The demo moderator's review")
    return ModerationReview.objects.get(assignment__sampled=row, assignment__ended_at=None)


def _give_away(review: ModerationReview, person: Person) -> None:
    """Beyond the demo moderator's share, their review goes to another free panel member."""
    row = review.assignment.sampled
    other = next((p for p, why in services.moderator_choices(row)
                  if p.pk != person.pk and not why), None)
    if other is not None:
        services.moderator_reassign(sampled=row, person=other, actor=None,
                                    reason="The demo moderator has enough waiting")


@transaction.atomic
def build(rng: random.Random, today: dt.date) -> Built:
    """Moderation samples and reviews for the demo council's audit history, blind reviews
    for the demo moderator, and one calibration exercise."""
    built = Built()
    if framework_settings_row().moderation_share_percent is None:
        return built  # the framework moderates nothing
    qa = _demo_person("qa_manager")
    cycles = list(Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, period_start__lt=today)
                  .order_by("period_start"))
    with_audits = [c for c in cycles if services.cycle_submitted_audits(c)]
    for i, cycle in enumerate(with_audits):
        if ModerationSample.objects.filter(cycle=cycle).exists():
            continue
        last = i == len(with_audits) - 1
        mode = ModerationSample.Mode.MEETING if i % 3 == 0 else ModerationSample.Mode.ONE_BY_ONE
        sample = services.sample_draw(cycle=cycle, actor=qa, seed=rng.randrange(2**62),
                                      mode=mode)
        ModerationSample.objects.filter(pk=sample.pk).update(
            created_at=_aware(cycle.audits_due_on + dt.timedelta(days=2)))
        built.samples += 1
        # Agreement grows over the year, as mentoring takes hold (004 4.5).
        same = 0.55 + 0.3 * i / max(1, len(with_audits) - 1)
        when = _aware(min(cycle.audits_due_on + dt.timedelta(days=5), today))
        reviews = list(ModerationReview.objects.filter(
            assignment__sampled__sample=sample, assignment__ended_at__isnull=True,
            status=ModerationReview.Status.BLIND).select_related(
            "audit__tool_version", "audit__case", "assignment__sampled").order_by("pk"))
        if last:
            # Two blind reviews wait for the demo moderator: one to change a grade, one to
            # read the auditor's evidence beside the grades (each has its browser walk).
            moderator = _demo_person("moderator")
            if moderator is not None:
                # The draw's own allocation may have given the demo moderator some already.
                reviews.sort(key=lambda r: (r.moderator_id != moderator.pk, r.pk))
                for review in reviews:
                    if built.waiting < WAITING:
                        if _give_to(review, moderator) is not None:
                            built.waiting += 1
                    elif review.moderator_id == moderator.pk:
                        _give_away(review, moderator)
            continue
        for review in reviews:
            _review(review, rng, same, when, complete=True)
            built.reviews_done += 1
        if mode == ModerationSample.Mode.MEETING:
            meeting = ModerationMeeting.objects.create(
                sample=sample, held_on=when.date() + dt.timedelta(days=2),
                record="The panel moderated the month's sample together.",
                learning_points="Grades were generous where the child's voice was missing "
                                "from the file.", recorded_by=qa)
            meeting.attendees.set(services.panel_members()[:4])
    built.exercise = _exercise(rng, qa)
    return built


def _exercise(rng: random.Random, qa: Person | None) -> CalibrationExercise | None:
    found = CalibrationExercise.objects.filter(title=EXERCISE_TITLE).first()
    if found is not None:
        return found
    # The framework's own tool: the Early Help service's audits on another tool are not
    # moderated by the panel.
    submitted = (Audit.objects.filter(submitted_at__isnull=False)
                 .select_related("tool_version").order_by("-submitted_at"))
    version = (submitted.filter(tool_version__tool__key__in=framework_settings_row().tools
                                or []).first() or submitted.first())
    if version is None:
        return None
    exercise = services.calibration_create(actor=qa, title=EXERCISE_TITLE,
                                           tool_version=version.tool_version, vignette=VIGNETTE)
    sections = services.graded_sections(exercise.tool_version)
    auditor = _demo_person("auditor")
    for p in exercise.participants.select_related("person"):
        if (auditor and p.person_id == auditor.pk) or rng.random() < 0.3:
            continue  # the demo auditor still has it to do; some have not graded yet
        grades = {}
        for s in sections:
            # Most see requires improvement; a generous tail says good.
            centre = min(2, len(s.levels) - 1)
            rank = _near(rng, centre, len(s.levels), 0.55)
            grades[s.key] = s.levels[rank]["key"]
        services.calibration_submit(participant=p, actor=p.person, grades=grades)
    return exercise
