"""Report sections from what staff tell us and from practice seen first-hand: staff surveys
and feedback on the audit process (voice.surveys), and observations of practice
(practice.observations), for the quarterly and annual reports and 000's six questions.
Counts with what they are out of; shares with their 95% Wilson interval; nothing from a
group with fewer answers than the framework's anonymity threshold."""

from __future__ import annotations

import datetime as dt

from auditloop.insight.document import Block, Cell, Figures, Section, Table, Text
from auditloop.practice import observations
from auditloop.voice import surveys


def staff_voice(start: dt.date, end: dt.date) -> surveys.VoiceSummary:
    return surveys.summary(start, end)


def staff_rows(staff: surveys.VoiceSummary) -> list[tuple[str, Cell]]:
    """Each survey open in the period: who answered of those invited, and each rated
    question's share positive where enough answered to show it."""
    rows: list[tuple[str, Cell]] = []
    for s in staff.surveys:
        rows.append((f"{s.name} ({s.kind.lower()}): answered, of those invited",
                     Cell.share(s.answered) if s.answered.n else Cell(text="None invited",
                                                                      n=0)))
        if s.shown:
            rows.extend((f"{s.name}: {q.text} (answered {q.positive_label.lower()})",
                         Cell.share(q.positive)) for q in s.questions if q.positive
                        and q.positive.n)
    return rows


def staff_section(staff: surveys.VoiceSummary, *,
                  heading: str = "What staff told us") -> Section:
    blocks: list[Block] = []
    rows = staff_rows(staff)
    if rows:
        blocks.append(Figures(ident="staff-surveys", rows=tuple(rows)))
    if any(not s.shown for s in staff.surveys):
        blocks.append(Text(staff.hidden_text))
    process = staff.audit_process
    if process.shown and process.questions:
        blocks.append(Table(
            caption="Feedback on the audit process from those audited and their auditors",
            header=("Question", "Positive"), ident="audit-process",
            rows=tuple((Cell.label(q.text), Cell.share(q.positive))
                       for q in process.questions if q.positive)))
    elif process.answers:
        blocks.append(Text(f"Feedback on the audit process: {process.answers} answer"
                           f"{'s' if process.answers != 1 else ''}, fewer than the "
                           f"{process.threshold} needed to show them without naming anyone."))
    if not blocks:
        blocks.append(Text("No staff survey was open in this period, and nobody gave "
                           "feedback on the audit process."))
    return Section(heading=heading, ident="staff-voice", blocks=tuple(blocks))


def observations_section(start: dt.date, end: dt.date, *,
                         heading: str = "Observations of practice") -> Section:
    """002: observations of practice, summarised for senior leaders: how many were done, of
    what kind, in Practice Week, and how far the year's schedule has got."""
    s = observations.summary(start, end)
    if not (s.done or s.planned or s.cancelled):
        return Section(heading=heading, ident="observations", blocks=(Text(
            "No observation of practice was done or planned in this period."),))
    rows: list[tuple[str, Cell]] = [
        ("Observations done", Cell.count(s.done)),
        ("Planned in the period and not yet done", Cell.count(s.planned)),
        ("Cancelled", Cell.count(s.cancelled)),
        ("In Practice Week", Cell.count(s.practice_week)),
        ("The person observed replied", Cell.share(s.replied) if s.replied.n
         else Cell(text="None done yet", n=0)),
    ]
    if s.compliance is not None and s.compliance.total.due:
        rows.append((f"Due an observation in {s.compliance.year}: observed as the schedule "
                     f"asks, to {s.compliance.as_of:%-d %B %Y}",
                     Cell.share(s.compliance.total.met_share)))
    blocks: list[Block] = [Figures(ident="observations", rows=tuple(rows))]
    if s.by_kind:
        blocks.append(Table(caption="Observations done by kind", header=("Kind", "Done"),
                            ident="observations-kinds",
                            rows=tuple((Cell.label(k), Cell.count(n)) for k, n in s.by_kind)))
    return Section(heading=heading, ident="observations", blocks=tuple(blocks))
