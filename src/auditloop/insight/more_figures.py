"""Figures the longer reports add to insight.figures: grades per tool section, findings by
theme, before and after on re-audited and revisited cases, actions against the framework's
time limit, good practice, and what families and practitioners said (as counts only).

Like insight.figures, every function reads in a fixed number of queries whatever the number
of audits, and takes the audits already counted (`figures.graded_audits`) so a report's
figures all describe the same audits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from auditloop.actions.deadline import ActionDeadline, action_deadline
from auditloop.actions.models import Action
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditAction,
    SectionGradeChange,
    WorkerPerspective,
)
from auditloop.common.statistics import Proportion, wilson
from auditloop.insight.figures import GRADED, GradedAudit, GradeRow, Scope, good_or_better
from auditloop.programme.loop import Pair, Scale, Summary, scales_for, summarise, theme_key
from auditloop.programme.models import CycleCase, RevisitCase
from auditloop.standards.models import ToolVersion


def _ids(audits: Iterable[GradedAudit]) -> list[int]:
    return sorted({a.id for a in audits})


@dataclass(frozen=True)
class _Tools:
    """The tool version of each audit, and each version's tool and definition."""

    version_of: dict[int, int]  # audit id -> tool version id
    tool_of: dict[int, tuple[str, str]]  # tool version id -> (tool key, tool name)
    number_of: dict[int, int]  # tool version id -> its number
    definition_of: dict[int, dict[str, Any]]


def _tools(audit_ids: Sequence[int]) -> _Tools:
    """Two queries."""
    version_of = dict(Audit.objects.filter(pk__in=audit_ids).values_list("pk",
                                                                          "tool_version_id"))
    tool_of: dict[int, tuple[str, str]] = {}
    number_of: dict[int, int] = {}
    definition_of: dict[int, dict[str, Any]] = {}
    for pk, key, name, number, definition in ToolVersion.objects.filter(
            pk__in=set(version_of.values())).values_list(
            "pk", "tool__key", "tool__name", "number", "definition"):
        tool_of[pk] = (key, name)
        number_of[pk] = number
        definition_of[pk] = definition or {}
    return _Tools(version_of, tool_of, number_of, definition_of)


def _section_scale(definition: dict[str, Any], section: dict[str, Any]) -> Scale:
    scale = (definition.get("scales") or {}).get(section.get("scale") or "") or {}
    if scale.get("narrative_only"):
        return Scale(keys=())
    return Scale.from_levels(scale.get("levels") or [])


# --------------------------------------------------------------------------- section grades


@dataclass(frozen=True)
class SectionGrades:
    """One graded section of a tool (as its newest version in the figures names it): how
    many audits had each grade, and how many were good or better."""

    tool: str  # the tool's name
    key: str  # the section's key
    title: str  # the section's title, with the tool's numbering where it has one
    rows: tuple[GradeRow, ...]
    good: Proportion

    @property
    def total(self) -> int:
        return self.good.n


def section_grades(audits: Sequence[GradedAudit]) -> list[SectionGrades]:
    """Each graded section's grades on these audits: the section grade the auditor gave
    (an Answer with question_key Answer.GRADE), or what a settled disagreement changed it to.
    A section the auditor did not grade, or graded off its scale, is not counted. Sections
    are listed tool by tool, in the tool's own order. Four queries."""
    ids = _ids(audits)
    if not ids:
        return []
    tools = _tools(ids)
    grades: dict[tuple[int, str], str] = {
        (audit_id, section): str(value)
        for audit_id, section, value in Answer.objects.filter(
            audit_id__in=ids, question_key=Answer.GRADE, item=0).values_list(
            "audit_id", "section_key", "value")
        if value not in (None, "")}
    # The latest change counts (rows are in the order they were made).
    for audit_id, section, after in SectionGradeChange.objects.filter(
            audit_id__in=ids).order_by("created_at", "pk").values_list(
            "audit_id", "section_key", "after"):
        grades[(audit_id, section)] = after
    # The newest version of each tool names its sections and sets their order.
    newest: dict[str, int] = {}
    for version, (key, _) in tools.tool_of.items():
        if key not in newest or tools.number_of[version] > tools.number_of[newest[key]]:
            newest[key] = version
    counted: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    good: Counter[tuple[str, str]] = Counter()
    scales: dict[tuple[str, str], Scale] = {}
    for (audit_id, section_key), grade in grades.items():
        used = tools.version_of.get(audit_id)
        if used is None:
            continue
        definition = tools.definition_of[used]
        graded = next((s for s in definition.get("sections") or []
                       if s.get("key") == section_key and s.get("graded")), None)
        if graded is None:
            continue
        scale = _section_scale(definition, graded)
        if scale.rank(grade) is None:
            continue
        where = (tools.tool_of[used][0], section_key)
        counted[where][grade] += 1
        good[where] += bool(scale.is_good(grade))
        # Versions that share a section may differ in scale: the newest version's wins.
        if used == newest[where[0]] or where not in scales:
            scales[where] = scale
    out = []
    for tool_key in sorted(newest, key=lambda k: tools.tool_of[newest[k]][1]):
        definition = tools.definition_of[newest[tool_key]]
        titles = {s["key"]: (f"{s['ref']}. {s['title']}" if s.get("ref") else s["title"])
                  for s in definition.get("sections") or []}
        order = list(titles)
        keys = sorted((k for t, k in counted if t == tool_key),
                      key=lambda k: (order.index(k) if k in order else len(order), k))
        for key in keys:
            where = (tool_key, key)
            scale, counts = scales[where], counted[where]
            n = sum(counts.values())
            extra = tuple(g for g in counts if g not in scale.keys)
            out.append(SectionGrades(
                tool=tools.tool_of[newest[tool_key]][1], key=key,
                title=titles.get(key, key.replace("_", " ")),
                rows=tuple(GradeRow(key=g, label=scale.label(g), share=wilson(counts[g], n))
                           for g in (*scale.keys, *extra)),
                good=wilson(good[where], n)))
    return out


# --------------------------------------------------------------------------- themes

NO_THEME = "Cycles with no theme"
NO_CYCLE = "Not in a cycle"


def themes_of(audits: Sequence[GradedAudit]) -> dict[int, str]:
    """Each audit's theme: the theme of the cycle it was audited in (the latest, where a
    case was carried into a later cycle), NO_THEME for a cycle without one, and NO_CYCLE for
    an audit made outside the cycles (a hand-made audit, for example). Themes that differ
    only in capitals are one theme, spelled as its latest cycle spells it. One query."""
    ids = _ids(audits)
    out = dict.fromkeys(ids, NO_CYCLE)
    spelled: dict[str, str] = {}  # the latest cycle's spelling of each theme
    for audit_id, theme in CycleCase.objects.filter(audit_id__in=ids).order_by(
            "cycle__period_start", "pk").values_list("audit_id", "cycle__theme"):
        name = (theme or "").strip()
        if name:
            spelled[theme_key(name)] = name
        out[audit_id] = theme_key(name) if name else NO_THEME
    return {a: spelled.get(key, key) for a, key in out.items()}


@dataclass(frozen=True)
class ThemeGroup:
    name: str
    audits: tuple[GradedAudit, ...]

    @property
    def good(self) -> Proportion:
        return good_or_better(self.audits)

    @property
    def themed(self) -> bool:
        return self.name not in (NO_THEME, NO_CYCLE)


def by_theme(audits: Sequence[GradedAudit],
             themes: dict[int, str] | None = None) -> list[ThemeGroup]:
    """The audits grouped by theme: themes by name, then the regular cycles with no theme,
    then audits made outside the cycles."""
    themes = themes if themes is not None else themes_of(audits)
    groups: dict[str, list[GradedAudit]] = defaultdict(list)
    for a in audits:
        groups[themes.get(a.id, NO_CYCLE)].append(a)

    def order(name: str) -> tuple[int, str]:
        return ({NO_THEME: 1, NO_CYCLE: 2}.get(name, 0), name.casefold())

    return [ThemeGroup(name, tuple(groups[name])) for name in sorted(groups, key=order)]


# --------------------------------------------------------------------------- before and after


@dataclass(frozen=True)
class BeforeAndAfter:
    """Cases audited again in the period, the later grade against the earlier (the
    arithmetic of closing the loop: programme.loop.summarise)."""

    re_audits: Summary
    revisits: Summary

    @staticmethod
    def good_shares(summary: Summary) -> tuple[Proportion, Proportion]:
        """The share good or better before and after, of the same cases compared."""
        return (wilson(summary.good_before, summary.compared),
                wilson(summary.good_after, summary.compared))


def _grade(status: str, final: str, overall: str) -> str:
    return (final or overall) if status in GRADED else ""


def before_and_after(scope: Scope) -> BeforeAndAfter:
    """Re-audits and revisit audits submitted in the period in the area, each against the
    audit it followed, on the earlier audit's scale. Four queries."""
    later = scope.audits()
    re_rows = list(later.filter(kind=Audit.Kind.RE_AUDIT, re_audit_of__isnull=False)
                   .values_list("status", "final_grade", "overall_grade",
                                "re_audit_of__status", "re_audit_of__final_grade",
                                "re_audit_of__overall_grade", "re_audit_of__tool_version_id"))
    revisit_rows = list(RevisitCase.objects.filter(revisit_audit__in=later).values_list(
        "revisit_audit__status", "revisit_audit__final_grade", "revisit_audit__overall_grade",
        "earlier_audit__status", "earlier_audit__final_grade", "earlier_audit__overall_grade",
        "earlier_audit__tool_version_id"))
    scales = scales_for({r[6] for r in (*re_rows, *revisit_rows)})

    def pairs(rows: list[tuple[Any, ...]]) -> Iterable[Pair]:
        for status, final, overall, e_status, e_final, e_overall, version in rows:
            yield Pair(before=_grade(e_status, e_final, e_overall),
                       after=_grade(status, final, overall),
                       scale=scales.get(version, Scale(keys=())))

    return BeforeAndAfter(re_audits=summarise(pairs(re_rows)),
                          revisits=summarise(pairs(revisit_rows)))


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class ActionsAgainstLimit:
    deadline: ActionDeadline
    within: Proportion  # of actions signed off in the period, how many within the limit
    open_past_limit: int  # open on the period's last day and past the limit by then


def actions_within_limit(scope: Scope) -> ActionsAgainstLimit:
    """Actions from the area's audits against the framework's limit (actions.deadline):
    those signed off in the period within the limit of being agreed, and those still open on
    the period's last day that were agreed longer ago than the limit. Two queries."""
    deadline = action_deadline()
    qs = Action.objects.filter(pk__in=AuditAction.objects.filter(
        audit__in=scope.area_audits()).values("action_id"))
    done = list(qs.filter(signed_off_at__date__gte=scope.start,
                          signed_off_at__date__lte=scope.end).values_list(
        "created_at", "signed_off_at"))
    def within(agreed: Any, finished: Any) -> bool:
        latest = deadline.latest_due_on(timezone.localdate(agreed))
        return latest is None or timezone.localdate(finished) <= latest

    open_agreed = qs.filter(created_at__date__lte=scope.end).filter(
        Q(signed_off_at__isnull=True) | Q(signed_off_at__date__gt=scope.end))
    open_late = 0
    if deadline.days:
        open_late = sum(
            1 for agreed in open_agreed.values_list("created_at", flat=True)
            if (latest := deadline.latest_due_on(timezone.localdate(agreed))) is not None
            and latest < scope.end)
    return ActionsAgainstLimit(
        deadline=deadline, within=wilson(sum(within(a, f) for a, f in done), len(done)),
        open_past_limit=open_late)


# --------------------------------------------------------------------------- good practice


def good_practice(scope: Scope) -> int:
    """Audits in the period that the auditor marked as good practice to celebrate."""
    return scope.audits().filter(good_practice=True).count()


# --------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class ChoiceCount:
    question: str
    label: str
    share: Proportion


@dataclass(frozen=True)
class FamilyFeedback:
    """What the family-feedback sections of the tools hold, counted: never the words."""

    asked: int  # audits on a tool with a family-feedback section
    recorded: int  # of those, audits with any answer in that section
    choices: tuple[ChoiceCount, ...]
    titles: frozenset[str]  # the sections' titles, to find the quotes chosen from them

    @property
    def share_recorded(self) -> Proportion:
        return wilson(self.recorded, self.asked)


FAMILY_FEEDBACK = "family_feedback"  # the section kind a tool gives its family feedback
COUNTED_ANSWERS = ("choice", "multiple_choice", "yes_no")


def family_feedback(audits: Sequence[GradedAudit]) -> FamilyFeedback:
    """Counts from the tools' family-feedback sections (002): how many audits recorded any,
    and for each choice question, how many gave each answer, out of those that answered it.
    Written answers are never read: they may name the family. Three queries."""
    ids = _ids(audits)
    tools = _tools(ids)
    sections: dict[int, dict[str, dict[str, Any]]] = {}
    for version, definition in tools.definition_of.items():
        found = {s["key"]: s for s in definition.get("sections") or []
                 if s.get("kind") == FAMILY_FEEDBACK}
        if found:
            sections[version] = found
    asked = [a for a in ids if tools.version_of.get(a) in sections]
    if not asked:
        return FamilyFeedback(asked=0, recorded=0, choices=(), titles=frozenset())
    keys = {k for found in sections.values() for k in found}
    recorded: set[int] = set()
    answered: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    answered_n: Counter[tuple[str, str]] = Counter()
    labels: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    order: list[tuple[str, str]] = []
    for audit_id, section_key, question_key, value in Answer.objects.filter(
            audit_id__in=asked, section_key__in=keys).exclude(
            question_key__startswith="__").values_list(
            "audit_id", "section_key", "question_key", "value"):
        section = sections[tools.version_of[audit_id]].get(section_key)
        if section is None or value in (None, "", []):
            continue
        recorded.add(audit_id)
        question = next((q for q in section.get("questions") or []
                         if q.get("key") == question_key), None)
        if question is None or question.get("answer") not in COUNTED_ANSWERS:
            continue
        where = (section_key, question_key)
        if where not in labels:
            choices = {str(c["key"]): str(c.get("label") or c["key"])
                       for c in question.get("choices") or []}
            choices |= {str(o): str(o).replace("_", " ").capitalize()
                        for o in question.get("options") or []}
            labels[where] = (str(question.get("text") or question_key), choices)
            order.append(where)
        answered_n[where] += 1
        for v in (value if isinstance(value, list) else [value]):
            answered[where][str(v)] += 1
    counts = []
    for where in order:
        text, choices = labels[where]
        for key, label in choices.items():
            counts.append(ChoiceCount(question=text, label=label,
                                      share=wilson(answered[where][key], answered_n[where])))
    titles = frozenset(s["title"] for found in sections.values() for s in found.values())
    return FamilyFeedback(asked=len(asked), recorded=len(recorded), choices=tuple(counts),
                          titles=titles)


@dataclass(frozen=True)
class Perspectives:
    """Practitioners' Perspective of Worker forms on these audits (001)."""

    sent: int
    submitted: int

    @property
    def share_submitted(self) -> Proportion:
        return wilson(self.submitted, self.sent)


def perspectives(audits: Sequence[GradedAudit]) -> Perspectives:
    """One query."""
    rows = list(WorkerPerspective.objects.filter(audit_id__in=_ids(audits)).values_list(
        "submitted_at", flat=True))
    return Perspectives(sent=len(rows), submitted=sum(1 for r in rows if r is not None))


__all__ = ["NO_CYCLE", "NO_THEME", "ActionsAgainstLimit", "BeforeAndAfter", "ChoiceCount",
           "FamilyFeedback", "Perspectives", "SectionGrades", "ThemeGroup",
           "actions_within_limit", "before_and_after", "by_theme", "family_feedback",
           "good_practice", "perspectives", "section_grades", "themes_of"]
