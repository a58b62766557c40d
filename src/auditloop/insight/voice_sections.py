"""Report sections from what families tell us, complaints and compliments, practice alerts,
the Safeguarding Unit's activity and the multi-agency contribution to its meetings, laid out
from insight.voice_figures and insight.multi_agency (as insight.sections lays out
insight.figures). Counts with what they are out of; shares with their 95% Wilson interval;
a change over time only as an SPC chart's signal.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditloop.common.statistics import Chart
from auditloop.insight import multi_agency as ma
from auditloop.insight import voice_figures as vf
from auditloop.insight.document import (
    Block,
    Cell,
    ChartBlock,
    Figures,
    Quote,
    Quotes,
    Section,
    Table,
    Text,
)

SPC_NOTE = ("A month is marked as a signal only when a statistical process control rule "
            "fires; anything else is ordinary variation from month to month, not a trend.")


def family_voice(fam: vf.FamilyVoice, *,
                 heading: str = "What families told us after their case closed") -> Section:
    """000's service-user feedback after closure: counts, the share positive for each
    question with its interval, and quotes only from families who agreed to be quoted."""
    if not fam.responses:
        blocks: list[Block] = [Text("No family gave feedback after their case closed in this "
                                    "period.")]
        if fam.links_answered.n:
            blocks.append(Figures(ident="family-voice-links", rows=(
                ("Feedback links made for families and answered",
                 Cell.share(fam.links_answered)),)))
        return Section(heading=heading, ident="family-voice", blocks=tuple(blocks))
    blocks = [Figures(ident="family-voice", rows=(
        ("Feedback forms returned", Cell.count(fam.responses)),
        ("From the family's own link", Cell.count(fam.from_link)),
        ("By phone, after a random selection", Cell.count(fam.by_phone)),
        ("With a worker", Cell.count(fam.with_worker)),
        ("With an interpreter or Language Line", Cell.count(fam.interpreter)),
        ("Feedback links made for families in the period and answered",
         Cell.share(fam.links_answered) if fam.links_answered.n
         else Cell(text="No links made", n=0)),
    ))]
    if fam.questions:
        blocks.append(Table(
            caption="Answers that were positive (4 or 5 of 5, or yes), of those who answered",
            header=("Question set", "Question", "Positive"), ident="family-voice-questions",
            rows=tuple((Cell.label(q.question_set), Cell.label(q.text), Cell.share(q.positive))
                       for q in fam.questions)))
    if fam.quotes:
        blocks.append(Text("In families' own words, from those who agreed to be quoted:"))
        blocks.append(Quotes(items=tuple(Quote(text=q, source="A family's feedback")
                                         for q in fam.quotes)))
    return Section(heading=heading, ident="family-voice", blocks=tuple(blocks))


def complaints(c: vf.ComplaintFigures, *,
               heading: str = "Complaints and compliments", ident: str = "complaints",
               whose: str = "") -> Section:
    """Complaints and compliments received, by theme, and the share of decided complaints
    upheld in whole or in part (002's complaints and compliments)."""
    if not (c.complaints or c.compliments):
        return Section(heading=heading, ident=ident, blocks=(Text(
            f"No complaint or compliment{whose} was logged as received in this period."),))
    blocks: list[Block] = [Figures(ident=ident, rows=(
        ("Complaints received", Cell.count(c.complaints)),
        ("Compliments received", Cell.count(c.compliments)),
        ("Decided complaints upheld in whole or in part", Cell.share(c.upheld)
         if c.upheld.n else Cell(text="None decided yet", n=0)),
    )), Table(caption="Complaints and compliments by theme", ident=f"{ident}-themes",
              header=("Theme", "Complaints", "Compliments"),
              rows=tuple((Cell.label(t.theme), Cell.count(t.complaints),
                          Cell.count(t.compliments)) for t in c.themes))]
    return Section(heading=heading, ident=ident, blocks=tuple(blocks))


def alerts(a: vf.AlertFigures, trend: ChartBlock | None = None, *,
           heading: str = "Practice alerts", ident: str = "alerts") -> Section:
    """002: "any practice alerts raised during the month and any themes identified"."""
    blocks: list[Block] = [Figures(ident=ident, rows=(
        ("Practice alerts raised by IROs and CP Chairs", Cell.count(a.raised)),
        ("Of those, escalated because the answer was late", Cell.count(a.escalated)),
    ))]
    if a.raised:
        blocks.append(Table(
            caption="Practice alerts by theme", header=("Theme", "Alerts"),
            ident=f"{ident}-themes",
            rows=tuple((Cell.label(t), Cell.count(n)) for t, n in a.by_theme)))
        blocks.append(Table(
            caption="Where the period's practice alerts have got to",
            header=("Status", "Alerts"), ident=f"{ident}-status",
            rows=tuple((Cell.label(s), Cell.count(n)) for s, n in a.by_status)))
    if trend is not None:
        blocks += [trend, Text(SPC_NOTE)]
    return Section(heading=heading, ident=ident, blocks=tuple(blocks))


def alerts_chart(chart: Chart) -> ChartBlock | None:
    if not chart.points:
        return None
    return ChartBlock(key="alerts", title="Practice alerts raised each month", chart=chart)


def activity(rows: Sequence[vf.Activity], *,
             heading: str = "Cared For Children and children subject to child protection "
                            "planning") -> Section:
    return Section(heading=heading, ident="activity", blocks=(
        Table(caption="The month's activity, as the case register holds it",
              ident="activity",
              header=("Children", "Open at the end of the period", "Started",
                      "Ended", "Reviews held", "Initial child protection conferences",
                      "Open with an IRO or CP Chair on record"),
              rows=tuple((Cell.label(r.label), Cell.count(r.open_at_end),
                          Cell.count(r.started), Cell.count(r.ended),
                          Cell.count(r.reviews), Cell.count(r.conferences),
                          Cell.share(r.with_chair)) for r in rows)),
        Text("Reviews and conferences are those the case register holds as held in the "
             "period; the register is updated from the case management system."),
    ))


def contribution(m: ma.MeetingFigures, *,
                 heading: str = "Multi-agency contribution to meetings and planning") -> Section:
    """Per agency, the share of meetings it was invited to that it attended and that it
    contributed to (attended or sent a report)."""
    blocks: list[Block] = [Figures(ident="meetings", rows=tuple(
        [("Conferences and reviews recorded by the IROs and CP Chairs who chaired them",
          Cell.count(m.meetings))]
        + [(label, Cell.count(n)) for label, n in m.by_kind]))]
    if m.agencies:
        blocks.append(Table(
            caption="Each agency's part in the meetings it was invited to",
            ident="agencies",
            header=("Agency", "Invited to", "Attended", "Sent a report",
                    "Attended or sent a report"),
            rows=tuple((Cell.label(r.agency), Cell.count(r.invited), Cell.share(r.attended),
                        Cell.share(r.sent_report), Cell.share(r.contributed))
                       for r in m.agencies)))
    else:
        blocks.append(Text("No conference or review held in this period has been recorded "
                           "yet."))
    return Section(heading=heading, ident="contribution", blocks=tuple(blocks))


def team_links(t: vf.TeamLinks, *, heading: str = "Team links") -> Section:
    """002: each IRO and CP Chair acts as a liaison to a team or service area. Counts by
    team: the report names no one."""
    blocks: list[Block] = [Figures(ident="team-links", rows=(
        ("IROs and CP Chairs in post with a team link", Cell.share(t.with_link)
         if t.with_link.n else Cell(text="No IRO or CP Chair in post", n=0)),))]
    if t.rows:
        blocks.append(Table(
            caption="Teams and service areas with a linked IRO or CP Chair",
            ident="team-links", header=("Team", "IROs and CP Chairs linked",
                                        "Practice alerts they raised in the period"),
            rows=tuple((Cell.label(r.team), Cell.count(r.linked), Cell.count(r.alerts))
                       for r in t.rows)))
    return Section(heading=heading, ident="team-links", blocks=tuple(blocks))


__all__ = ["activity", "alerts", "alerts_chart", "complaints", "contribution",
           "family_voice", "team_links"]
