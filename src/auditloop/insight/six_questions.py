"""000's six questions, each answered with the figures of the report it sits in, and the
gaps named plainly where auditloop's data cannot answer yet.

000: "If we are doing this well, it should enable us to clearly respond to the following
questions". Every council's reports carry them: they are what any quality assurance
framework is for, and a gap shown is a gap the council can plan to close.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditloop.insight import figures as f
from auditloop.insight import more_figures as mf
from auditloop.insight import voice_figures as vf
from auditloop.insight.document import Block, Cell, Figures, Quote, Quotes, Section, Text
from auditloop.insight.kinds import Excerpt
from auditloop.insight.sections import drill, plural
from auditloop.insight.staff_sections import staff_rows
from auditloop.voice.surveys import VoiceSummary

QUESTIONS = (
    "What do we know about the quality of our services, and how do we know it?",
    "Is anyone better off as a result of our intervention?",
    "What do our staff tell us about working here?",
    "What do children, young people and families tell us about their experience?",
    "What are we doing well that we need to do more of?",
    "What do we need to do to improve?",
)

# How many sections to name as the strongest and the weakest.
NAMED_SECTIONS = 3


@dataclass(frozen=True)
class Voices:
    """What families told us in their own feedback, and the complaints and compliments
    received, for the same period (insight.voice_figures)."""

    family: vf.FamilyVoice
    complaints: vf.ComplaintFigures
    # Staff surveys and feedback on the audit process (voice.surveys), for the same period.
    staff: VoiceSummary | None = None


@dataclass(frozen=True)
class Evidence:
    """The figures a report has already worked out, for the same period and area."""

    scope: f.Scope
    audits: Sequence[f.GradedAudit]
    sections: Sequence[mf.SectionGrades]
    before_after: mf.BeforeAndAfter
    family: mf.FamilyFeedback
    perspectives: mf.Perspectives
    good_practice: int
    excerpts: Sequence[Excerpt]
    moderation: f.ModerationFigures
    actions: f.ActionFigures
    voices: Voices | None = None


def _gap(text: str) -> Text:
    return Text(f"Not answered yet: {text}")


def _quality(ev: Evidence) -> list[Block]:
    if not ev.audits:
        return [_gap("no audit was submitted with a grade in this period in this area, so "
                     "the audits say nothing about the quality of services yet.")]
    mod = ev.moderation
    rows: list[tuple[str, Cell]] = [
        ("Case audits graded against the audit tool", Cell.count(len(ev.audits),
                                                                drill(ev.scope))),
        ("Good or better", Cell.share(f.good_or_better(ev.audits), drill(ev.scope, good="1"))),
        ("Moderation reviews completed, and how often the grade changed",
         Cell(text=f"{mod.completed}: the grade changed in {mod.changed}", k=mod.changed.k,
              n=mod.changed.n, value=mod.changed.value, low=mod.changed.low,
              high=mod.changed.high) if mod.completed else Cell.count(0)),
    ]
    return [Figures(ident="six-quality", rows=tuple(rows))]


def _better_off(ev: Evidence) -> list[Block]:
    rows: list[tuple[str, Cell]] = []
    impact = f.impact(ev.audits)
    if impact.n:
        assert impact.mean is not None
        rows.append(("Mean impact score (out of 10)", Cell(
            text=f"{impact.mean:.1f} from {plural(impact.n, 'audit')}", n=impact.n,
            value=impact.mean, drill=drill(ev.scope, impact="1"))))
    for label, summary in (("Re-audited cases", ev.before_after.re_audits),
                           ("Revisited cases", ev.before_after.revisits)):
        if summary.compared:
            rows.append((f"{label} that improved", Cell(
                text=(f"{summary.improved} of {summary.compared} (the same in "
                      f"{summary.same}, worse in {summary.worse})"),
                k=summary.improved, n=summary.compared,
                value=summary.improved / summary.compared)))
    blocks: list[Block] = [Figures(ident="six-better-off", rows=tuple(rows))] if rows else []
    if not impact.n:
        blocks.append(_gap("no audit in this period recorded an impact score."))
    if not (ev.before_after.re_audits.compared or ev.before_after.revisits.compared):
        blocks.append(_gap("no case was audited again in this period, so whether practice "
                           "improved on the same cases is not known yet."))
    if ev.voices is not None and ev.voices.family.responses:
        blocks.append(Text("What families said after their case closed is under question "
                           "4; the figures here are auditors' judgements."))
    else:
        blocks.append(Text("auditloop holds no feedback from families whose case closed in "
                           "this period, so this answer rests on auditors' judgements."))
    return blocks


def _staff(ev: Evidence) -> list[Block]:
    p = ev.perspectives
    blocks: list[Block] = []
    if p.sent:
        blocks.append(Figures(ident="six-staff", rows=(
            ("Practitioners' perspective forms submitted", Cell.share(p.share_submitted)),)))
    staff = ev.voices.staff if ev.voices is not None else None
    rows = staff_rows(staff) if staff is not None else []
    if rows:
        blocks.append(Figures(ident="six-staff-surveys", rows=tuple(rows)))
    if staff is not None and any(not s.shown for s in staff.surveys):
        blocks.append(Text(staff.hidden_text))
    if not rows:
        blocks.append(_gap("no staff survey was open in this period, so this answer rests on "
                           "practitioners' perspective forms, which are about the audited "
                           "case, not about working here."))
    return blocks


def _families(ev: Evidence) -> list[Block]:
    fam = ev.family
    blocks: list[Block] = []
    if fam.asked:
        quoted = sum(1 for e in ev.excerpts if e.section in fam.titles)
        blocks.append(Figures(ident="six-families", rows=(
            ("Audits with family feedback recorded", Cell.share(fam.share_recorded)),
            ("Quotes from family feedback chosen for this report", Cell.count(quoted)),
        )))
    else:
        blocks.append(_gap("none of this period's audits used an audit tool that records "
                           "family feedback."))
    if ev.voices is None:
        blocks.append(_gap("auditloop does not hold service-user feedback forms, complaints "
                           "or compliments yet, so the families' own account is limited to "
                           "what auditors recorded."))
        return blocks
    own, c = ev.voices.family, ev.voices.complaints
    rows: list[tuple[str, Cell]] = [
        ("Feedback forms families returned after their case closed", Cell.count(own.responses)),
        *((f"{q.question_set}: {q.text} (answered 4 or 5 of 5, or yes)", Cell.share(q.positive))
          for q in own.questions if q.positive.n),
        ("Complaints received", Cell.count(c.complaints)),
        ("Compliments received", Cell.count(c.compliments)),
    ]
    blocks.append(Figures(ident="six-families-own", rows=tuple(rows)))
    if not own.responses:
        blocks.append(_gap("no family gave feedback after their case closed in this period."))
    if own.quotes:
        blocks.append(Quotes(items=tuple(Quote(text=q, source="A family's feedback")
                                         for q in own.quotes)))
    return blocks


def _ranked(ev: Evidence, best: bool) -> list[mf.SectionGrades]:
    """The sections graded good or better more often (best) or less often than all the
    section grades together, furthest first: a section is never named as both."""
    graded = [s for s in ev.sections if s.total]
    pooled = sum(s.good.k for s in graded) / (sum(s.total for s in graded) or 1)
    side = [s for s in graded if ((s.good.value or 0) > pooled if best
                                  else (s.good.value or 0) < pooled)]
    side.sort(key=lambda s: (-(s.good.value or 0) if best else (s.good.value or 0),
                             -s.total, s.title))
    return side[:NAMED_SECTIONS]


def _doing_well(ev: Evidence) -> list[Block]:
    strengths = sum(1 for e in ev.excerpts if e.strength)
    rows: list[tuple[str, Cell]] = [
        ("Audits marked as good practice to celebrate",
         Cell.count(ev.good_practice)),
        *((f"Among the strongest areas: {s.title}", Cell.share(s.good))
          for s in _ranked(ev, best=True)),
        ("Strengths quoted in this report", Cell.count(strengths)),
    ]
    blocks: list[Block] = [Figures(ident="six-doing-well", rows=tuple(rows))]
    if not strengths:
        blocks.append(_gap("no strengths have been quoted for this report yet."))
    return blocks


def _improve(ev: Evidence) -> list[Block]:
    areas = sum(1 for e in ev.excerpts if not e.strength)
    act = ev.actions
    rows: list[tuple[str, Cell]] = [
        *((f"Among the weakest areas: {s.title}", Cell.share(s.good))
          for s in _ranked(ev, best=False)),
        ("Areas for development quoted in this report", Cell.count(areas)),
        ("Actions agreed from audits", Cell.count(act.agreed)),
        ("Actions open at the period's end", Cell.count(
            act.open_at_end, text=f"{act.open_at_end}, of which {act.overdue_at_end} overdue")),
    ]
    blocks: list[Block] = [Figures(ident="six-improve", rows=tuple(rows))]
    if not ev.sections:
        blocks.append(_gap("no section of an audit tool was graded in this period, so the "
                           "weakest areas cannot be named."))
    return blocks


def six_questions(ev: Evidence, *, heading: str = "The six questions") -> Section:
    """Each question, then its evidence from this report's figures, then what is missing."""
    blocks: list[Block] = []
    for number, (question, answer) in enumerate(zip(QUESTIONS, (
            _quality, _better_off, _staff, _families, _doing_well, _improve), strict=True),
            start=1):
        blocks.append(Text(f"{number}. {question}"))
        blocks.extend(answer(ev))
    return Section(heading=heading, ident="six-questions", blocks=tuple(blocks))


__all__ = ["QUESTIONS", "Evidence", "Voices", "six_questions"]
