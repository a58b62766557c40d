"""Sections the quarterly, annual, journey and newsletter reports share, laid out from
insight.more_figures (the shared sections of every report are in insight.sections).

Not a report kind itself: it registers nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from auditloop.insight import figures as f
from auditloop.insight import indicator_sections, sections, staff_sections
from auditloop.insight import more_figures as mf
from auditloop.insight import voice_figures as vf
from auditloop.insight import voice_sections as vs
from auditloop.insight.document import Block, Cell, Figures, Quote, Quotes, Section, Table, Text
from auditloop.insight.kinds import Context, Excerpt
from auditloop.insight.sections import drill
from auditloop.insight.six_questions import Evidence, Voices, six_questions


def section_grades(scope: f.Scope, rows: Sequence[mf.SectionGrades], *,
                   heading: str = "Grades by audit area", ident: str = "section-grades",
                   caption: str = "") -> Section:
    """A table per tool (and per scale, where a tool's sections use more than one): a row
    per graded section, a column per grade, and good or better with its interval."""
    if not rows:
        return Section(heading=heading, ident=ident, blocks=(Text(
            "No section of an audit tool was graded in this period in this area."),))
    groups: dict[tuple[str, tuple[str, ...]], list[mf.SectionGrades]] = defaultdict(list)
    for r in rows:
        groups[(r.tool, tuple(g.key for g in r.rows))].append(r)
    blocks: list[Block] = []
    for i, ((tool, _), group) in enumerate(groups.items()):
        labels = tuple(g.label for g in group[0].rows)
        blocks.append(Table(
            caption=f"{caption or tool}: each section's grades", ident=f"{ident}-{i}",
            header=("Section", *labels, "Good or better"),
            rows=tuple((Cell.label(s.title),
                        *(Cell.share(g.share) for g in s.rows),
                        Cell.share(s.good)) for s in group)))
    return Section(heading=heading, ident=ident, blocks=tuple(blocks))


def themes(scope: f.Scope, groups: Sequence[mf.ThemeGroup], *,
           heading: str = "Findings by theme") -> Section:
    """Good or better for each theme's audits, then the regular cycles with no theme."""
    if not groups:
        return Section(heading=heading, ident="themes", blocks=(Text(
            "No audit was submitted with a grade in this period in this area."),))
    return Section(heading=heading, ident="themes", blocks=(Table(
        caption="Audits and good or better by the theme of the cycle they were audited in",
        header=("Theme", "Audits", "Good or better"), ident="themes",
        rows=tuple((Cell.label(g.name),
                    Cell.count(len(g.audits), drill(scope, theme=g.name) if g.themed else None),
                    Cell.share(g.good)) for g in groups)),))


def grades_by_theme(scope: f.Scope, groups: Sequence[mf.ThemeGroup]) -> list[Table]:
    """For each scale the audits were graded on, a row per theme with every grade."""
    scales: dict[tuple[str, ...], f.GradedAudit] = {}
    for g in groups:
        for a in g.audits:
            scales.setdefault(a.scale.keys, a)
    out = []
    for i, (keys, sample) in enumerate(scales.items()):
        on_scale = [(g, [a for a in g.audits if a.scale.keys == keys]) for g in groups]
        rows = []
        for g, audits in on_scale:
            if not audits:
                continue
            counts = {k: sum(1 for a in audits if a.grade == k) for k in keys}
            rows.append((Cell.label(g.name),
                         Cell.count(len(audits),
                                    drill(scope, theme=g.name) if g.themed else None),
                         Cell.share(f.good_or_better(audits)),
                         *(Cell.share(f.wilson(counts[k], len(audits))) for k in keys)))
        named = (f" on the scale of {', '.join(sample.scale.label(k) for k in keys)}"
                 if len(scales) > 1 else "")
        out.append(Table(
            caption=f"Each theme's audits and grades{named}", ident=f"theme-grades-{i}",
            header=("Theme", "Audits", "Good or better",
                    *(sample.scale.label(k) for k in keys)),
            rows=tuple(rows)))
    return out


def before_and_after(ba: mf.BeforeAndAfter, *,
                     heading: str = "Re-audits and revisits") -> Section:
    """Cases audited again in the period: improved, the same or worse, and the share good
    or better before and after of the same cases."""
    rows = []
    for label, s in (("Re-audits", ba.re_audits), ("Revisits", ba.revisits)):
        before, after = mf.BeforeAndAfter.good_shares(s)
        rows.append((Cell.label(label), Cell.count(s.compared), Cell.count(s.improved),
                     Cell.count(s.same), Cell.count(s.worse), Cell.share(before),
                     Cell.share(after)))
    blocks: list[Block] = [Table(
        caption="Cases audited again in the period, the later grade against the earlier",
        header=("Audited again", "Cases compared", "Improved", "The same", "Worse",
                "Good or better before", "Good or better after"),
        ident="before-after", rows=tuple(rows))]
    if not (ba.re_audits.compared or ba.revisits.compared):
        blocks.append(Text("No case was audited again in this period."))
    return Section(heading=heading, ident="before-after", blocks=tuple(blocks))


def actions_within_limit(a: mf.ActionsAgainstLimit, *,
                         heading: str = "Actions within the time limit") -> Section:
    if not a.deadline.days:
        return Section(heading=heading, ident="action-limit",
                       blocks=(Text(a.deadline.sentence),))
    return Section(heading=heading, ident="action-limit", blocks=(
        Text(a.deadline.sentence),
        Figures(ident="action-limit", rows=(
            (f"Actions signed off within {a.deadline.days} days of being agreed",
             Cell.share(a.within)),
            (f"Actions open at the period's end and agreed more than {a.deadline.days} "
             "days before", Cell.count(a.open_past_limit)),
        ))))


def good_practice(count: int, *,
                  heading: str = "Good practice to celebrate") -> Section:
    return Section(heading=heading, ident="good-practice", blocks=(Figures(
        ident="good-practice", rows=(
            ("Audits marked as good practice to celebrate",
             Cell.count(count)),)),))


def _quotes(excerpts: Sequence[Excerpt]) -> Quotes:
    return Quotes(items=tuple(Quote(text=e.text, source=f"{e.section} (audit {e.audit_id})")
                              for e in excerpts))


def families(fam: mf.FamilyFeedback, excerpts: Sequence[Excerpt], *,
             heading: str = "What families said") -> Section:
    """Counts of what the family-feedback sections hold, and the quotes from them that the
    QA manager chose: never the written answers themselves, which may name the family."""
    if not fam.asked:
        return Section(heading=heading, ident="families", blocks=(Text(
            "None of this period's audits used an audit tool that records family "
            "feedback."),))
    blocks: list[Block] = [Figures(ident="families", rows=(
        ("Audits with family feedback recorded", Cell.share(fam.share_recorded)),))]
    if fam.choices:
        blocks.append(Table(
            caption="The answers recorded", header=("Question", "Answer", "Audits"),
            ident="family-answers",
            rows=tuple((Cell.label(c.question), Cell.label(c.label), Cell.share(c.share))
                       for c in fam.choices)))
    chosen = [e for e in excerpts if e.section in fam.titles]
    if chosen:
        blocks.append(_quotes(chosen))
    return Section(heading=heading, ident="families", blocks=tuple(blocks))


def practitioners(p: mf.Perspectives, *,
                  heading: str = "What practitioners said") -> Section:
    if not p.sent:
        return Section(heading=heading, ident="practitioners", blocks=(Text(
            "No practitioner's perspective form was sent on this period's audits."),))
    return Section(heading=heading, ident="practitioners", blocks=(Figures(
        ident="practitioners", rows=(
            ("Perspective forms sent to practitioners", Cell.count(p.sent)),
            ("Perspective forms submitted", Cell.share(p.share_submitted)),
        )),))


@dataclass(frozen=True)
class Overview:
    """The quarterly and annual reports' common part: the sections and the evidence the
    six questions are answered from."""

    audits: list[f.GradedAudit]
    history: list[f.GradedAudit]
    months: list[str]
    sections: tuple[Section, ...]


def overview(ctx: Context, *, steps: int = 4) -> Overview:
    """Everything the quarterly overview shows, for the context's period and area;
    `steps` is the number of progress steps the caller counts in all (this takes four)."""
    scope = ctx.scope
    history_scope = scope.earlier(f.TREND_MONTHS)
    # A year's report covers twelve months: its trend must still reach back past them.
    if history_scope.start > scope.start:
        history_scope = dataclasses.replace(history_scope, start=scope.start)
    history = f.graded_audits(history_scope)
    audits = [a for a in history if a.month >= f.month_key(scope.start)]
    months = f.months_between(history_scope.start, history_scope.end)
    ctx.progress(1, steps)
    grades = mf.section_grades(audits)
    groups = mf.by_theme(audits)
    ba = mf.before_and_after(scope)
    ctx.progress(2, steps)
    mod, act = f.moderation(scope), f.actions(scope)
    limit = mf.actions_within_limit(scope)
    celebrated = mf.good_practice(scope)
    fam = mf.family_feedback(audits)
    persp = mf.perspectives(audits)
    staff = staff_sections.staff_voice(scope.start, scope.end)
    voices = Voices(family=vf.family_voice(since=scope.start, until=scope.end, area=scope),
                    complaints=vf.complaints(since=scope.start, until=scope.end, area=scope),
                    staff=staff)
    alerts = vf.alerts(since=scope.start, until=scope.end, area=scope)
    ctx.progress(3, steps)
    evidence = Evidence(scope=scope, audits=audits, sections=grades, before_after=ba,
                        family=fam, perspectives=persp, good_practice=celebrated,
                        excerpts=ctx.excerpts, moderation=mod, actions=act, voices=voices)
    parts = (
        sections.found(scope, audits),
        section_grades(scope, grades),
        themes(scope, groups),
        before_and_after(ba),
        sections.trends(scope, history, months),
        sections.follow_up(scope),
        actions_within_limit(limit),
        good_practice(celebrated),
        families(fam, ctx.excerpts),
        practitioners(persp),
        vs.family_voice(voices.family),
        vs.complaints(voices.complaints),
        vs.alerts(alerts),
        staff_sections.staff_section(staff),
        staff_sections.observations_section(scope.start, scope.end),
        # The indicators the framework names and any that signalled.
        indicator_sections.indicators(scope),
        sections.strengths_and_areas(ctx.excerpts),
        six_questions(evidence),
    )
    ctx.progress(4, steps)
    return Overview(audits=audits, history=history, months=months, sections=parts)


__all__ = ["Overview", "actions_within_limit", "before_and_after", "families",
           "good_practice", "grades_by_theme", "overview", "practitioners",
           "section_grades", "themes"]
