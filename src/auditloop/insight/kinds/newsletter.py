"""002's summary of recent audit activity for the practice newsletter ("a summary of recent
audit activity will be included in each Sefton Scoop newsletter"; "all auditors will be
invited to celebrate examples of good practice which we will showcase in our newsletter").

Written for everyone in the service, so it says less than the other reports: no areas for
development, and no area with so few audits that its figures could point at a team.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditloop.insight import figures as f
from auditloop.insight import more_figures as mf
from auditloop.insight.document import (
    Block,
    Cell,
    Document,
    Figures,
    Quote,
    Quotes,
    Section,
    Table,
    Text,
)
from auditloop.insight.kinds import Context, Excerpt, PeriodType, report_kind
from auditloop.insight.sections import plural

# Our choice, not a seed's: an area with fewer audits than this is left out of the
# newsletter, since its figures could point at a small team or at one practitioner.
MIN_AREA_AUDITS = 5


def areas(audits: Sequence[f.GradedAudit]) -> list[Block]:
    blocks: list[Block] = []
    ways: tuple[tuple[str, Callable[[f.GradedAudit], str]], ...] = (
        ("Service", lambda a: a.service), ("Locality", lambda a: a.locality))
    for heading, area in ways:
        rows = [r for r in f.good_by(audits, area) if r.good.n >= MIN_AREA_AUDITS]
        if rows:
            blocks.append(Table(
                caption=f"Good or better by {heading.lower()}", header=(heading,
                                                                        "Good or better"),
                ident=f"by-{heading.lower()}",
                rows=tuple((Cell.label(r.name), Cell.share(r.good)) for r in rows)))
    blocks.append(Text(f"Areas with fewer than {MIN_AREA_AUDITS} audits this month are left "
                       "out so that no small team can be picked out."))
    return blocks


def strengths(excerpts: Sequence[Excerpt]) -> Section:
    chosen = [e for e in excerpts if e.strength]
    heading = "Strengths to celebrate"
    if not chosen:
        return Section(heading=heading, ident="strengths", blocks=(Text(
            "No strengths quoted for this newsletter yet."),))
    return Section(heading=heading, ident="strengths", blocks=(Quotes(items=tuple(
        Quote(text=e.text, source=e.section + (f", theme {e.theme}" if e.theme else ""))
        for e in chosen)),))


@report_kind("newsletter", name="Audit summary for the newsletter", period=PeriodType.MONTH,
             description="A short summary of the month's audit activity for the practice "
                         "newsletter: audits done, good or better, good practice to "
                         "celebrate, the themes audited and the strengths chosen (002).")
def build(ctx: Context) -> Document:
    scope = ctx.scope
    audits = f.graded_audits(scope)
    ctx.progress(1, 2)
    celebrated = mf.good_practice(scope)
    themed = [g for g in mf.by_theme(audits) if g.themed]
    ctx.progress(2, 2)
    activity = Section(heading="Audits this month", ident="activity", blocks=(
        Figures(ident="activity", rows=(
            ("Audits done", Cell.count(len(audits))),
            ("Good or better", Cell.share(f.good_or_better(audits))),
            ("Good practice to celebrate", Cell.count(
                celebrated, text=f"{plural(celebrated, 'audit')} marked by the auditor")),
        )),
        *(areas(audits) if audits else ())))
    theme_blocks: tuple[Block, ...] = (
        (Table(caption="Themes audited this month", header=("Theme", "Audits"),
               ident="themes", rows=tuple((Cell.label(g.name), Cell.count(len(g.audits)))
                                          for g in themed)),)
        if themed else (Text("No themed audits this month."),))
    return Document(title="Audit summary for the newsletter", period=ctx.period.label,
                    sections=(activity,
                              Section(heading="Themes audited", ident="themes",
                                      blocks=theme_blocks),
                              strengths(ctx.excerpts)))
