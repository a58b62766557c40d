"""The sections most reports share, as document parts: what the audits found (grades, good
or better overall and by area), the SPC charts over time, moderation, actions and concerns,
and the strengths and areas for development the QA manager quoted.

Each takes figures already worked out (insight.figures) and lays them out; none queries
anything itself except through those figures. Every cell that counts audits names the
audits behind it (`drill`) so the page can link to them for readers allowed to see them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from auditloop.insight import figures as f
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
from auditloop.insight.kinds import Excerpt


def drill(scope: f.Scope, **extra: str | int | None) -> dict[str, str]:
    """The audits behind a figure, as the filters of the audits list (ids and keys only)."""
    out = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    for key, value in (("service", scope.service_id), ("team", scope.team_id),
                       ("locality", scope.locality_id), ("tool", scope.tool_key),
                       ("theme", scope.theme), ("cycle", scope.cycle_id), *extra.items()):
        if value not in (None, ""):
            out[key] = str(value)
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def headline(scope: f.Scope, audits: Sequence[f.GradedAudit],
             impact: f.ImpactSummary | None = None) -> Figures:
    good = f.good_or_better(audits)
    rows: list[tuple[str, Cell]] = [
        ("Audits graded", Cell.count(len(audits), drill(scope))),
        ("Good or better", Cell.share(good, drill(scope, good="1"))),
    ]
    if impact is not None and impact.n:
        assert impact.mean is not None
        spread = f", standard deviation {impact.sd:.1f}" if impact.sd is not None else ""
        rows.append(("Impact score (out of 10)", Cell(
            text=(f"Mean {impact.mean:.1f} from {plural(impact.n, 'audit')}{spread}; "
                  f"lowest {impact.low}, highest {impact.high}"),
            n=impact.n, value=impact.mean, drill=drill(scope, impact="1"))))
    return Figures(rows=tuple(rows), ident="headline")


def grade_tables(scope: f.Scope, audits: Sequence[f.GradedAudit],
                 caption: str = "Grades") -> list[Table]:
    out = []
    dists = f.distributions(audits)
    for i, d in enumerate(dists):
        named = (f" on the scale of {', '.join(r.label for r in d.rows)}"
                 if len(dists) > 1 else "")
        out.append(Table(
            caption=f"{caption}{named} ({plural(d.total, 'audit')})",
            header=("Grade", "Audits"), ident=f"grades-{i}",
            rows=tuple((Cell.label(r.label), Cell.share(r.share, drill(scope, grade=r.key)))
                       for r in d.rows)))
    return out


AREAS: tuple[tuple[str, str, Callable[[f.GradedAudit], str]], ...] = (
    ("service", "Service", lambda a: a.service),
    ("team", "Team", lambda a: a.team),
    ("locality", "Locality", lambda a: a.locality),
)


def area_tables(scope: f.Scope, audits: Sequence[f.GradedAudit]) -> list[Table]:
    """Good or better by service, team and locality, fewest good first."""
    out = []
    for key, heading, area in AREAS:
        rows = f.good_by(audits, area)
        if not rows:
            continue
        out.append(Table(
            caption=f"Good or better by {heading.lower()}, fewest first", ident=f"by-{key}",
            header=(heading, "Good or better"),
            rows=tuple((Cell.label(r.name), Cell.share(r.good)) for r in rows)))
    return out


def found(scope: f.Scope, audits: Sequence[f.GradedAudit], *,
          heading: str = "What the audits found", with_impact: bool = True) -> Section:
    if not audits:
        return Section(heading=heading, ident="found", blocks=(Text(
            "No audit was submitted with a grade in this period in this area."),))
    blocks: list[Block] = [headline(scope, audits, f.impact(audits) if with_impact else None)]
    blocks += grade_tables(scope, audits)
    blocks += area_tables(scope, audits)
    return Section(heading=heading, ident="found", blocks=tuple(blocks))


def trends(scope: f.Scope, history: Sequence[f.GradedAudit], months: Sequence[str], *,
           heading: str = "Over time") -> Section:
    """The p-chart of good or better and the XmR chart of the mean impact score."""
    blocks: list[Block] = []
    good = f.good_trend(history, months)
    if good.points:
        blocks.append(ChartBlock(key="good", title="Audits good or better each month",
                                 chart=good, as_percent=True))
    impact = f.impact_trend(history, months)
    if impact.points:
        blocks.append(ChartBlock(key="impact",
                                 title="Mean impact score each month (out of 10)",
                                 chart=impact))
    if not blocks:
        blocks.append(Text("No audits in this area over the period: nothing to chart yet."))
    else:
        blocks.append(Text(
            "A month is marked as a signal of improvement or concern only when a statistical "
            "process control rule fires; anything else is ordinary variation from month to "
            "month, not a trend."))
    return Section(heading=heading, ident="trends", blocks=tuple(blocks))


def follow_up(scope: f.Scope, *, heading: str = "Moderation, actions and concerns") -> Section:
    mod = f.moderation(scope)
    act = f.actions(scope)
    concerns = f.immediate_concerns(scope)
    changed = (Cell(text=f"{mod.completed}: the grade changed in {mod.changed}",
                    k=mod.changed.k, n=mod.changed.n, value=mod.changed.value,
                    low=mod.changed.low, high=mod.changed.high)
               if mod.completed else Cell.count(0))
    return Section(heading=heading, ident="follow-up", blocks=(Figures(ident="follow-up", rows=(
        ("Moderation reviews completed", changed),
        ("Actions agreed", Cell.count(act.agreed)),
        ("Actions signed off", Cell.count(act.signed_off)),
        ("Actions open at the period's end", Cell.count(
            act.open_at_end, text=f"{act.open_at_end}, of which {act.overdue_at_end} overdue")),
        ("Immediate safeguarding concerns raised", Cell.count(concerns)),
    )),))


def strengths_and_areas(excerpts: Sequence[Excerpt], *,
                        heading: str = "Strengths and areas for development",
                        group: Callable[[Excerpt], str] = lambda e: e.section) -> Section:
    """The auditors' own words that the QA manager chose, grouped (by section unless told
    otherwise), strengths first."""
    if not excerpts:
        return Section(heading=heading, ident="strengths", blocks=(Text(
            "No quotes chosen for this report yet."),))
    grouped: dict[str, list[Excerpt]] = defaultdict(list)
    for e in excerpts:
        grouped[group(e) or "Other"].append(e)
    blocks: list[Block] = []
    for name in sorted(grouped):
        items = grouped[name]
        for strength, title in ((True, "Strengths"), (False, "Areas for development")):
            chosen = [e for e in items if e.strength == strength]
            if chosen:
                blocks.append(Text(f"{name}: {title.lower()}"))
                blocks.append(Quotes(items=tuple(
                    Quote(text=e.text, source=_source(e)) for e in chosen)))
    return Section(heading=heading, ident="strengths", blocks=tuple(blocks))


def _source(e: Excerpt) -> str:
    where = e.section + (f", theme {e.theme}" if e.theme else "")
    return f"{where} (audit {e.audit_id})"
