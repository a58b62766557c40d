"""Moderation's writes: drawing a cycle's sample and allocating its moderators, changing
the sample, the moderator's blind grades and decisions, the panel's meeting, and
calibration exercises. Every write locks the rows it changes and checks their state."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from auditloop.audits import blinding, voices
from auditloop.audits.conflicts import Subject, conflicts_of_interest
from auditloop.audits.models import Answer, Audit, AuditAssignment, Disagreement
from auditloop.audits.recipients import (
    moderation_panel_people,
    on_moderation_panel,
    people_for,
)
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.moderation import notice_checks
from auditloop.moderation.models import (
    OVERALL,
    CalibrationExercise,
    CalibrationParticipant,
    ModerationDraw,
    ModerationGrade,
    ModerationMeeting,
    ModerationReview,
    ModerationSample,
    ModeratorAssignment,
    SampledAudit,
)
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.programme import sampling
from auditloop.programme.models import Cycle, CycleCase
from auditloop.standards.models import FrameworkSettings, ToolVersion
from auditloop.standards.selectors import framework_settings_row

S = Audit.Status
R = ModerationReview.Status
METHOD = "sha256-rank-1"  # programme.sampling's draw, salted for moderation
SALT = "moderation"
SettledBy = FrameworkSettings.SettledBy


def _now() -> dt.datetime:
    return timezone.now()


def _require(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, field=field)
    return text


# The panel ------------------------------------------------------------------------------


def panel_members() -> list[Person]:
    """The framework's panel (a role, or one role in a named service or team) and whoever
    holds the moderator role (audits.recipients)."""
    return moderation_panel_people()


def is_panel_member(person: Person | None) -> bool:
    return on_moderation_panel(person)


# The tool's graded sections -------------------------------------------------------------


@dataclass(frozen=True)
class GradedSection:
    key: str  # OVERALL for the overall grade
    title: str
    scale_key: str
    levels: tuple[dict[str, Any], ...]  # best first: key, label, definition

    def rank(self, grade: str) -> int | None:
        return next((i for i, lv in enumerate(self.levels) if lv["key"] == grade), None)

    def label(self, grade: str) -> str:
        return next((str(lv["label"]) for lv in self.levels if lv["key"] == grade),
                    grade or "")


def graded_sections(version: ToolVersion, *, audit: Audit | None = None) -> list[GradedSection]:
    """The tool's graded sections (those that apply to the audit's case, when there is one)
    and its overall grade, each with its scale's grades and their definitions."""
    from auditloop.audits.submission import Sheet

    definition = version.definition
    scales = definition.get("scales") or {}
    sheet = Sheet.for_audit(audit) if audit is not None else None
    out = []
    for s in definition.get("sections", []):
        if not s.get("graded"):
            continue
        if sheet is not None and sheet.section_applies(s) is False:
            continue
        scale = scales.get(s.get("scale") or "", {})
        if scale.get("narrative_only") or not scale.get("levels"):
            continue
        title = f"{s['ref']}. {s['title']}" if s.get("ref") else s["title"]
        out.append(GradedSection(s["key"], title, s.get("scale") or "",
                                 tuple(scale["levels"])))
    overall = definition.get("overall")
    if overall:
        scale = scales.get(overall.get("scale") or "", {})
        if scale.get("levels") and not scale.get("narrative_only"):
            out.append(GradedSection(OVERALL, overall.get("label") or "Overall grade",
                                     overall["scale"], tuple(scale["levels"])))
    return out


def _check_grades(sections: Sequence[GradedSection], grades: Mapping[str, str]) -> None:
    for s in sections:
        if s.rank(grades.get(s.key) or "") is None:
            raise DomainError(f"Choose a grade for {s.title}.", field=f"grade-{s.key}")


# Drawing the sample ---------------------------------------------------------------------


def cycle_submitted_audits(cycle: Cycle) -> list[Audit]:
    """The cycle's audits that have been submitted (and not withdrawn)."""
    ids = CycleCase.objects.filter(cycle=cycle, audit__isnull=False).exclude(
        status__in=[CycleCase.Status.SWAPPED_OUT, CycleCase.Status.REMOVED]).values("audit_id")
    return list(Audit.objects.filter(pk__in=ids, submitted_at__isnull=False)
                .exclude(status=S.WITHDRAWN).select_related("case").order_by("pk"))


def disputed_ids(audits: Iterable[Audit]) -> set[int]:
    """Audits in moderation with a disagreement waiting for the moderation panel."""
    ids = [a.pk for a in audits if a.status == S.IN_MODERATION]
    return set(Disagreement.objects.filter(
        audit_id__in=ids, outcome=Disagreement.Outcome.OPEN,
        settled_by_route=SettledBy.MODERATION_PANEL).values_list("audit_id", flat=True))


def sample_size(share_percent: Decimal, submitted: int) -> int:
    """The share of the submitted audits, rounded up: a third (33.33%) of 8 is 3."""
    exact = Decimal(share_percent) * submitted / 100
    # 33.33% of 3 is 0.9999: a share written to two places means "a third", so round at
    # 3 places before the ceiling.
    return int(exact.quantize(Decimal("0.001")).to_integral_value(rounding=ROUND_CEILING))


def _lock_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def reviews_started(sample: ModerationSample) -> bool:
    return ModerationReview.objects.filter(
        assignment__sampled__sample=sample, blind_saved_at__isnull=False).exists()


@transaction.atomic
def sample_draw(*, cycle: Cycle, actor: Person | None, seed: int | None = None,
                reason: str = "", mode: str | None = None) -> ModerationSample:
    """Draw the cycle's moderation sample (or draw it again, with a reason, before any
    review has started), then allocate a moderator to each audit."""
    _lock_cycle(cycle)
    row = framework_settings_row()
    if row.moderation_share_percent is None:
        raise DomainError("The framework has no moderation share. Set the share of audits "
                          "to moderate in the framework's settings first.")
    sample = ModerationSample.objects.select_for_update().filter(cycle=cycle).first()
    if sample is not None:
        reason = _require(reason, "reason", "Say why you are drawing the sample again.")
        if reviews_started(sample):
            raise WorkflowError("A moderator has already graded an audit of this sample, so "
                                "it cannot be drawn again. Add or take out audits instead.")
    submitted = cycle_submitted_audits(cycle)
    if not submitted:
        raise WorkflowError("No audit of this cycle has been submitted yet: draw the sample "
                            "once they are.")
    if sample is None:
        sample = ModerationSample.objects.create(cycle=cycle, created_by=actor,
                                                 mode=mode or ModerationSample.Mode.ONE_BY_ONE)
    elif mode:
        sample.mode = mode
        sample.save(update_fields=["mode", "updated_at"])
    disputed = disputed_ids(submitted) if row.moderate_disputed_audits else set()
    population = sorted(a.pk for a in submitted if a.pk not in disputed)
    n = sample_size(row.moderation_share_percent, len(submitted))
    seed = seed if seed is not None else secrets.randbelow(2**63)
    chosen = sampling.draw([sampling.Entry(pk) for pk in population], n, seed,
                           stratified=False, salt=SALT)
    draw = ModerationDraw.objects.create(
        sample=sample, seed=seed, method=METHOD, share_percent=row.moderation_share_percent,
        submitted_count=len(submitted), population=population, random_count=n,
        chosen=chosen, disputed=sorted(disputed), reason=reason.strip(), created_by=actor)
    # A new draw replaces the drawn and disputed audits; the QA manager's additions stay.
    for old in SampledAudit.objects.select_for_update().filter(
            sample=sample, status=SampledAudit.Status.CURRENT).exclude(
            source=SampledAudit.Source.ADDED):
        _take_out(old, actor, f"Drawn again: {reason.strip()}")
    kept = set(SampledAudit.objects.filter(sample=sample, status=SampledAudit.Status.CURRENT)
               .values_list("audit_id", flat=True))
    top = SampledAudit.objects.filter(sample=sample).aggregate(m=Max("position"))["m"] or 0
    new = []
    for source, ids in ((SampledAudit.Source.DISPUTED, sorted(disputed)),
                        (SampledAudit.Source.RANDOM, chosen)):
        for audit_id in ids:
            if audit_id in kept:
                continue
            top += 1
            new.append(SampledAudit.objects.create(
                sample=sample, audit_id=audit_id, draw=draw, source=source, position=top,
                reason="Disputed: presented for moderation (002)"
                if source == SampledAudit.Source.DISPUTED else "Drawn at random",
                added_by=actor))
    _allocate(new, actor, seed)
    return sample


# Who may moderate what -------------------------------------------------------------------


def conflicts(audits: Sequence[Audit], people_ids: Iterable[int]) -> dict[tuple[int, int],
                                                                          list[str]]:
    """(person id, audit id) -> why the person may not moderate the audit: the conflicts
    of interest with its case that bar an auditor (audits.conflicts: holding it, involved
    with it, line-managing who holds it, over the audit's period), or involved in the audit
    (its auditors, current or ended, and whoever raised its disagreement)."""
    ids = set(people_ids)
    out: dict[tuple[int, int], list[str]] = defaultdict(list)

    def forbid(pid: int, audit_id: int, why: str) -> None:
        if pid in ids and why not in out[pid, audit_id]:
            out[pid, audit_id].append(why)

    found = conflicts_of_interest(ids, {
        a.pk: Subject(case_id=a.case_id, period_start=a.period_start,
                      period_end=a.period_end, family=a.covers_family)
        for a in audits})
    for (pid, audit_id), reasons in found.items():
        for why in reasons:
            forbid(pid, audit_id, why)
    for audit_id, pid in AuditAssignment.objects.filter(
            audit_id__in=[a.pk for a in audits], person_id__in=ids).values_list(
            "audit_id", "person_id"):
        forbid(pid, audit_id, "audited it")
    for audit_id, pid in Disagreement.objects.filter(
            audit_id__in=[a.pk for a in audits], outcome=Disagreement.Outcome.OPEN,
            raised_by_id__in=ids).values_list("audit_id", "raised_by_id"):
        forbid(pid, audit_id, "raised the disagreement about it")
    return dict(out)


def moderation_problem(audits: Sequence[Audit], panel: Sequence[Person], seed: int,
                       forbidden: Mapping[tuple[int, int], Sequence[str]]) -> Any:
    """The allocation of moderators for these audits, with each panel member's moderation
    load this year (to spread it across the year, as auditors' loads are)."""
    year_start = timezone.make_aware(dt.datetime(timezone.localdate().year, 1, 1))
    loads = dict(ModeratorAssignment.objects.filter(
        person_id__in=[p.pk for p in panel], assigned_at__gte=year_start)
        .values("person_id").annotate(n=Count("pk")).values_list("person_id", "n"))
    return problem_for([a.pk for a in audits], [p.pk for p in panel], loads, forbidden, seed)


def problem_for(audit_ids: Sequence[int], panel_ids: Sequence[int], loads: Mapping[int, int],
                forbidden: Mapping[tuple[int, int], Sequence[str]], seed: int) -> Any:
    """The allocation of moderators as the programme's allocation problem (one moderator a
    slot, the same hard rules: allocation/rules.is_eligible), so the same solver spreads the
    load (each more audit costs more: the load is balanced). A slot's `case_id` is the
    audit's id: conflicts here are per audit. Plain data, for the property tests."""
    from auditloop.programme.allocation.types import Auditor, Problem, Slot

    return Problem(
        slots=tuple(Slot(key=f"audit:{a}", case_id=a) for a in audit_ids),
        auditors=tuple(Auditor(person_id=p, trained=True, capacity=max(1, len(audit_ids)),
                               load_this_year=loads.get(p, 0)) for p in panel_ids),
        forbidden={k: tuple(v) for k, v in forbidden.items()},
        untrained_allowed=True, seed=seed % (2**31),
    )


def _allocate(rows: Sequence[SampledAudit], actor: Person | None, seed: int) -> None:
    if not rows:
        return
    from auditloop.programme.allocation.solver import solve

    panel = panel_members()
    audits = [r.audit for r in SampledAudit.objects.filter(pk__in=[r.pk for r in rows])
              .select_related("audit")]
    forbidden = conflicts(audits, [p.pk for p in panel])
    problem = moderation_problem(audits, panel, seed, forbidden)
    result = solve(problem, names={p.pk: p.full_name for p in panel})
    people = {p.pk: p for p in panel}
    told: set[int] = set()
    for row in rows:
        chosen = result.assignments.get(f"audit:{row.audit_id}")
        if chosen:
            _assign(row, people[chosen[0]], actor, "Allocated with the sample")
            told.add(chosen[0])
    _tell_moderators([people[p] for p in told], rows[0].sample_id)


def _assign(row: SampledAudit, person: Person, actor: Person | None,
            reason: str) -> ModeratorAssignment:
    assignment = ModeratorAssignment.objects.create(sampled=row, person=person,
                                                    assigned_by=actor, reason=reason)
    ModerationReview.objects.create(assignment=assignment, audit_id=row.audit_id,
                                    moderator=person)
    return assignment


def _tell_moderators(people: Sequence[Person], sample_id: int) -> None:
    notify(recipients=people, subject="You have audits to moderate",
           body="Grade each audit yourself first: you see the auditor's grades once yours "
                "are saved.",
           link=reverse("moderation:my_reviews") + "#audits-to-moderate",
           kind=notice_checks.MODERATE, about=about("moderation_sample", sample_id))


def _end_current(row: SampledAudit, actor: Person | None, why: str) -> None:
    """End the audit's current assignment, and its review unless that is complete."""
    now = _now()
    for assignment in ModeratorAssignment.objects.select_for_update().filter(
            sampled=row, ended_at__isnull=True):
        assignment.ended_at = now
        assignment.end_reason = why[:500]
        assignment.save(update_fields=["ended_at", "end_reason"])
        for review in ModerationReview.objects.filter(
                assignment=assignment,
                status__in=ModerationReview.workflow.groups["in_progress"]):
            review.workflow.move(review, to=R.ENDED, actor=actor, reason=why)


def _take_out(row: SampledAudit, actor: Person | None, why: str) -> None:
    row.removed_by = actor
    row.removed_at = _now()
    row.removed_reason = why[:500]
    row.workflow.move(row, to=SampledAudit.Status.REMOVED, actor=actor, reason=why,
                      also_save=["removed_by", "removed_at", "removed_reason"])
    _end_current(row, actor, f"Taken out of the sample: {why}")


def _lock_sampled(row: SampledAudit) -> SampledAudit:
    locked = SampledAudit.objects.select_for_update().select_related("audit", "sample").get(
        pk=row.pk)
    if not locked.is_current:
        raise WorkflowError("This audit has been taken out of the sample. Reload the page.")
    return locked


def _completed(row: SampledAudit) -> bool:
    return ModerationReview.objects.filter(assignment__sampled=row,
                                           status=R.COMPLETED).exists()


@transaction.atomic
def sample_add(*, sample: ModerationSample, audit: Audit, actor: Person | None,
               reason: str) -> SampledAudit:
    """Add one of the cycle's submitted audits to the sample, with a reason."""
    reason = _require(reason, "reason", "Say why this audit is added to the sample.")
    ModerationSample.objects.select_for_update().get(pk=sample.pk)
    if audit.pk not in {a.pk for a in cycle_submitted_audits(sample.cycle)}:
        raise DomainError("Choose a submitted audit of this cycle.", field="audit")
    if SampledAudit.objects.filter(sample=sample, audit=audit,
                                   status=SampledAudit.Status.CURRENT).exists():
        raise DomainError("This audit is in the sample already.", field="audit")
    top = SampledAudit.objects.filter(sample=sample).aggregate(m=Max("position"))["m"] or 0
    row = SampledAudit.objects.create(sample=sample, audit=audit,
                                      source=SampledAudit.Source.ADDED, reason=reason,
                                      position=top + 1, added_by=actor)
    _allocate([row], actor, secrets.randbelow(2**31))
    return row


@transaction.atomic
def sample_remove(*, sampled: SampledAudit, actor: Person | None, reason: str) -> SampledAudit:
    reason = _require(reason, "reason", "Say why this audit is taken out of the sample.")
    row = _lock_sampled(sampled)
    if _completed(row):
        raise WorkflowError("This audit has been moderated: its review stays in the sample.")
    _take_out(row, actor, reason)
    return row


def moderator_choices(row: SampledAudit) -> list[tuple[Person, list[str]]]:
    """Every panel member, with why they may not moderate this audit (empty: they may)."""
    panel = panel_members()
    found = conflicts([row.audit], [p.pk for p in panel])
    return [(p, found.get((p.pk, row.audit_id), [])) for p in panel]


@transaction.atomic
def moderator_reassign(*, sampled: SampledAudit, person: Person, actor: Person | None,
                       reason: str) -> ModeratorAssignment:
    """Give the audit to another panel member (the current review, blind grades and all,
    ends: the new moderator grades blind from the start)."""
    reason = _require(reason, "reason", "Say why the audit goes to another moderator.")
    row = _lock_sampled(sampled)
    if _completed(row):
        raise WorkflowError("This audit has been moderated already.")
    why = dict((p.pk, c) for p, c in moderator_choices(row)).get(person.pk)
    if why is None:
        raise DomainError("Choose a member of the moderation panel.", field="person")
    if why:
        raise DomainError(f"{person.full_name} {why[0]}: choose someone else.", field="person")
    current = row.assignments.filter(ended_at__isnull=True).first()
    if current is not None and current.person_id == person.pk:
        raise DomainError(f"{person.full_name} moderates this audit already.", field="person")
    _end_current(row, actor, f"Reassigned: {reason}")
    assignment = _assign(row, person, actor, reason)
    _tell_moderators([person], row.sample_id)
    return assignment


@transaction.atomic
def sample_mode_set(*, sample: ModerationSample, mode: str, actor: Person | None
                    ) -> ModerationSample:
    if mode not in ModerationSample.Mode.values:
        raise DomainError("Choose whether the panel meets or works one by one.", field="mode")
    locked = ModerationSample.objects.select_for_update().get(pk=sample.pk)
    locked.mode = mode
    locked.save(update_fields=["mode", "updated_at"])
    return locked


# The review -----------------------------------------------------------------------------


def _lock_review(review: ModerationReview, actor: Person) -> ModerationReview:
    locked = ModerationReview.objects.select_for_update().select_related(
        "assignment", "audit", "audit__tool_version", "audit__case").get(pk=review.pk)
    if locked.moderator_id != actor.pk or locked.assignment.ended_at is not None:
        raise DomainError("This audit is not yours to moderate any more.")
    return locked


def auditor_grades(audit: Audit) -> dict[str, str]:
    """The auditor's section grades (Answer rows) and overall grade, by section key."""
    from auditloop.audits.submission import GRADE

    grades = {a.section_key: str(a.value) for a in Answer.objects.filter(
        audit=audit, item=0, question_key=GRADE).exclude(section_key=OVERALL)
        if a.value not in (None, "")}
    grades[OVERALL] = audit.overall_grade
    return grades


@transaction.atomic
def review_save_blind(*, review: ModerationReview, actor: Person, grades: Mapping[str, str],
                      evidence: str = "") -> ModerationReview:
    """The moderator's own grades, saved before they see the auditor's. Once saved they are
    locked, and the auditor's grades are shown beside them."""
    locked = _lock_review(review, actor)
    if not locked.may_become(R.REVEALED):
        raise WorkflowError("Your own grades for this audit are saved already and cannot be "
                            "changed. Carry on from the comparison.")
    sections = graded_sections(locked.audit.tool_version, audit=locked.audit)
    _check_grades(sections, grades)
    theirs = auditor_grades(locked.audit)
    ModerationGrade.objects.bulk_create([
        ModerationGrade(
            review=locked, section_key=s.key, section_title=s.title[:300], position=i,
            scale=s.scale_key, levels=len(s.levels), moderator_grade=grades[s.key],
            moderator_rank=s.rank(grades[s.key]), auditor_grade=theirs.get(s.key, ""),
            auditor_rank=s.rank(theirs.get(s.key, "")))
        for i, s in enumerate(sections)
    ])
    locked.blind_saved_at = _now()
    locked.blind_overall_evidence = evidence.strip()
    locked.workflow.move(locked, to=R.REVEALED, actor=actor,
                         reason="The moderator's own grades are saved.",
                         also_save=["blind_saved_at", "blind_overall_evidence"])
    return locked


@dataclass(frozen=True)
class Decision:
    agrees: bool | None
    grade: str = ""
    reason: str = ""


@transaction.atomic
def review_complete(*, review: ModerationReview, actor: Person,
                    decisions: Mapping[str, Decision]) -> ModerationReview:
    """For each section and the overall grade: agree with the auditor, or change the grade
    with a reason. A changed overall grade becomes the audit's final grade (both are kept);
    a disputed audit's disagreement is settled; the practitioner and TM are told."""
    locked = _lock_review(review, actor)
    if not locked.may_become(R.COMPLETED):
        raise WorkflowError("This review is complete already." if locked.is_completed
                            else "Save your own grades first.")
    sections = {s.key: s for s in graded_sections(locked.audit.tool_version)}
    rows = list(locked.grades.all())
    changes: list[str] = []
    overall_row: ModerationGrade | None = None
    for row in rows:
        d = decisions.get(row.section_key) or Decision(None)
        label = row.section_title
        if d.agrees is None:
            raise DomainError(f"Say whether you agree with the auditor's grade for {label}.",
                              field=f"agrees-{row.section_key}")
        if d.agrees:
            row.agrees, row.moderated_grade, row.reason = True, row.auditor_grade, d.reason.strip()
        else:
            s = sections.get(row.section_key)
            if s is None or s.rank(d.grade) is None:
                raise DomainError(f"Choose the grade {label} should have.",
                                  field=f"grade-{row.section_key}")
            if d.grade == row.auditor_grade:
                raise DomainError(f"The grade you chose for {label} is the auditor's: say you "
                                  "agree, or choose another grade.",
                                  field=f"grade-{row.section_key}")
            if not d.reason.strip():
                raise DomainError(f"Say why the grade for {label} changes.",
                                  field=f"reason-{row.section_key}")
            row.agrees, row.moderated_grade, row.reason = False, d.grade, d.reason.strip()
            changes.append(f"{label}: {s.label(row.auditor_grade) or 'no grade'} to "
                           f"{s.label(d.grade)}. {row.reason}")
        if row.is_overall:
            overall_row = row
    ModerationGrade.objects.bulk_update(rows, ["agrees", "moderated_grade", "reason"])
    audit = locked.audit
    changed_overall = overall_row is not None and overall_row.agrees is False
    disagreement = Disagreement.objects.filter(
        audit=audit, outcome=Disagreement.Outcome.OPEN,
        settled_by_route=SettledBy.MODERATION_PANEL).first()
    if disagreement is not None and audit.status == S.IN_MODERATION:
        outcome = Disagreement.Outcome.CHANGED if changes else Disagreement.Outcome.UPHELD
        note = ("Moderation changed: " + " ".join(changes)) if changes else \
            "Moderation agreed with the auditor's grades."
        locked.settled = voices.disagreement_settle(
            disagreement=disagreement, actor=actor, outcome=outcome, note=note,
            final_grade=overall_row.moderated_grade if changed_overall and overall_row
            else "")
    elif changed_overall and overall_row is not None:
        blinding.final_grade_set(audit=audit, actor=actor, grade=overall_row.moderated_grade,
                                 reason=overall_row.reason)
        people = [*people_for(audit, "case_key_worker"), *voices.team_managers(audit)]
        notify(recipients=[p for p in people if p.is_active and p.pk != actor.pk],
               subject="Moderation changed an audit's grade",
               body=f"The moderation panel changed the overall grade of audit {audit.pk}. "
                    "Open the audit to see the grade and the reason.",
               link=reverse("audits:feedback", args=[audit.pk]))
    locked.completed_at = _now()
    locked.overall_changed = changed_overall
    locked.workflow.move(locked, to=R.COMPLETED, actor=actor,
                         reason=" ".join(changes) or "Agreed with the auditor's grades.",
                         also_save=["completed_at", "overall_changed", "settled"])
    return locked


# The panel's meeting --------------------------------------------------------------------


@transaction.atomic
def meeting_save(*, sample: ModerationSample, actor: Person | None, held_on: dt.date | None,
                 attendees: Sequence[Person], others: str = "", record: str = "",
                 learning_points: str = "") -> ModerationMeeting:
    ModerationSample.objects.select_for_update().get(pk=sample.pk)
    meeting, _ = ModerationMeeting.objects.get_or_create(sample=sample)
    meeting.held_on = held_on
    meeting.others_attending = others.strip()[:500]
    meeting.record = record.strip()
    meeting.learning_points = learning_points.strip()
    meeting.recorded_by = actor
    meeting.save()
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def agenda_move(*, sampled: SampledAudit, up: bool, actor: Person | None) -> None:
    """Swap the audit with the one before (or after) it on the panel's agenda."""
    row = _lock_sampled(sampled)
    rows = list(SampledAudit.objects.select_for_update().filter(
        sample_id=row.sample_id, status=SampledAudit.Status.CURRENT).order_by("position", "pk"))
    i = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(rows):
        raise DomainError("This audit is already at the " + ("top." if up else "bottom."))
    rows[i], rows[j] = rows[j], rows[i]
    for position, r in enumerate(rows, 1):
        if r.position != position:
            r.position = position
            r.save(update_fields=["position", "updated_at"])


@transaction.atomic
def discussion_save(*, sampled: SampledAudit, actor: Person | None, note: str) -> SampledAudit:
    row = _lock_sampled(sampled)
    row.discussion = _require(note, "note", "Write what the panel said about this audit.")
    row.discussed_at = _now()
    row.save(update_fields=["discussion", "discussed_at", "updated_at"])
    return row


# Calibration ----------------------------------------------------------------------------


@transaction.atomic
def calibration_create(*, actor: Person | None, title: str, tool_version: ToolVersion,
                       vignette: str, participants: Sequence[Person] | None = None,
                       ) -> CalibrationExercise:
    """A calibration exercise: an anonymised vignette (never a case record) that everyone
    taking part grades blind. Every auditor takes part unless the QA manager chooses."""
    from auditloop.audits.selectors import auditor_pool

    title = _require(title, "title", "Give the exercise a title.")
    vignette = _require(vignette, "vignette", "Write the anonymised case for auditors to "
                                              "grade.")
    if not graded_sections(tool_version):
        raise DomainError("Choose a tool with graded sections or an overall grade.",
                          field="tool_version")
    # Every auditor by default, but not whoever set it up: they wrote the vignette.
    people = list(participants) if participants else [
        p for p in auditor_pool() if actor is None or p.pk != actor.pk]
    if not people:
        raise DomainError("Choose who takes part: nobody audits yet.", field="participants")
    exercise = CalibrationExercise.objects.create(title=title[:200], tool_version=tool_version,
                                                  vignette=vignette, created_by=actor)
    CalibrationParticipant.objects.bulk_create([
        CalibrationParticipant(exercise=exercise, person=p, invited_by=actor)
        for p in {p.pk: p for p in people}.values()])
    notify(recipients=people, subject="Grade a calibration exercise",
           body="Everyone grades the same anonymised case; you see the others' grades once "
                "yours are in.",
           link=reverse("moderation:calibration_detail", args=[exercise.pk]) + "#the-case",
           kind=notice_checks.CALIBRATE, about=about("calibration", exercise.pk))
    return exercise


@transaction.atomic
def calibration_submit(*, participant: CalibrationParticipant, actor: Person,
                       grades: Mapping[str, str]) -> CalibrationParticipant:
    locked = CalibrationParticipant.objects.select_for_update().select_related(
        "exercise", "exercise__tool_version").get(pk=participant.pk)
    if locked.person_id != actor.pk:
        raise DomainError("Only the person taking part can grade for themselves.")
    if locked.submitted_at is not None:
        raise WorkflowError("Your grades are in already and cannot be changed.")
    if not locked.exercise.is_open:
        raise WorkflowError("This exercise is closed.")
    sections = graded_sections(locked.exercise.tool_version)
    _check_grades(sections, grades)
    locked.grades = {s.key: grades[s.key] for s in sections}
    locked.submitted_at = _now()
    locked.save(update_fields=["grades", "submitted_at"])
    return locked


@transaction.atomic
def calibration_reference_set(*, exercise: CalibrationExercise, actor: Person | None,
                              grades: Mapping[str, str], note: str = "") -> CalibrationExercise:
    """The panel's agreed grade for each section and overall."""
    locked = CalibrationExercise.objects.select_for_update().select_related(
        "tool_version").get(pk=exercise.pk)
    sections = graded_sections(locked.tool_version)
    _check_grades(sections, grades)
    locked.reference_grades = {s.key: grades[s.key] for s in sections}
    locked.reference_note = note.strip()
    locked.reference_set_by = actor
    locked.save(update_fields=["reference_grades", "reference_note", "reference_set_by",
                               "updated_at"])
    return locked


@transaction.atomic
def calibration_close(*, exercise: CalibrationExercise, actor: Person | None
                      ) -> CalibrationExercise:
    row = CalibrationExercise.objects.get(pk=exercise.pk)
    row.workflow.move(row, to=CalibrationExercise.Status.CLOSED, actor=actor,
                      reason="Closed for grading.")
    return row
