"""The quarterly, year-to-date, annual, journey and newsletter reports: each built for a small
council, its headings plain, each figure checked against a direct query of its own (never
through insight.figures), the six questions answered with their gaps named, and no name of
a person or child anywhere in a document."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditAction,
    SectionGradeChange,
    WorkerPerspective,
)
from auditloop.cases.models import Case
from auditloop.common.statistics import wilson
from auditloop.insight import kinds
from auditloop.insight.document import Cell, ChartBlock, Document, Figures, Quotes, Table, Text
from auditloop.insight.figures import Scope
from auditloop.insight.kinds import Context, Excerpt, Period, PeriodType
from auditloop.insight.six_questions import QUESTIONS
from auditloop.people.models import Person, Service
from auditloop.programme.models import Cycle, CycleCase, RevisitCase, ThemeRevisit
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    CaseFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
    finish_audit,
    make_action,
    make_audit,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db

GOOD = {"outstanding", "good"}
SUBMITTED = Audit.workflow.groups["submitted_or_later"]
Q1 = Period.quarter(2026, 1)
FAMILY = "Family/parental/child/young person feedback"
SECRET = "Jasmine Oakley told the auditor"  # written feedback: must never be shown


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def direct(start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    """The audits a report counts, straight from the table."""
    return Audit.objects.filter(status__in=SUBMITTED, submitted_at__date__gte=start,
                                submitted_at__date__lte=end)


def cycle(theme: str, start: dt.date, number: int) -> Cycle:
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Cycle.objects.create(year=start.year, number=number, theme=theme, period_start=start,
                                period_end=end, audit_starts_on=start, audits_due_on=end,
                                status=Cycle.Status.CLOSED)


def graded(grade: str, day: dt.date, service: Service, *, on: Cycle | None = None,
           impact: int | None = None, sections: dict[str, str] | None = None,
           good_practice: bool = False) -> Audit:
    team = TeamFactory(service=service)
    audit = finish_audit(make_audit(case=CaseFactory(service=service, team=team)), grade=grade)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at(day), impact_score=impact,
                                             good_practice=good_practice)
    for key, value in (sections or {}).items():
        Answer.objects.create(audit=audit, section_key=key, question_key=Answer.GRADE,
                              value=value)
    if on is not None:
        CycleCase.objects.create(cycle=on, case=audit.case, source=CycleCase.Source.RANDOM,
                                 reason="Chosen at random", status=CycleCase.Status.CONFIRMED,
                                 audit=audit)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def council():  # type: ignore[no-untyped-def]
    row = framework_settings_row()
    FrameworkSettings.objects.filter(pk=row.pk).update(action_deadline_days=40)
    eh = ServiceFactory(name="Early Help", kind=Service.Kind.EARLY_HELP)
    cin = ServiceFactory(name="Child in Need", kind=Service.Kind.CIN)
    cla = ServiceFactory(name="Children in care", kind=Service.Kind.CLA)
    yjs = ServiceFactory(name="Youth Justice", kind=Service.Kind.YJS)
    neglect = cycle("Neglect", dt.date(2026, 1, 1), 1)
    plain = cycle("", dt.date(2026, 2, 1), 2)
    earlier_neglect = cycle("neglect ", dt.date(2025, 9, 1), 9)
    # Before the quarter: in the trends and the year to date, not in the quarter.
    e1 = graded("inadequate", dt.date(2025, 10, 14), cin, impact=2)
    e2 = graded("good", dt.date(2025, 9, 20), eh, on=earlier_neglect, impact=6)
    graded("good", dt.date(2025, 12, 5), eh)
    # The quarter, January to March 2026.
    a1 = graded("good", dt.date(2026, 1, 10), eh, on=neglect, impact=7, good_practice=True,
                sections={"help_protection_stability": "good",
                          "assessment": "requires_improvement"})
    a2 = graded("requires_improvement", dt.date(2026, 1, 20), cin, on=neglect, impact=4,
                sections={"help_protection_stability": "requires_improvement",
                          "assessment": "inadequate"})
    a3 = graded("outstanding", dt.date(2026, 2, 5), cla, on=plain, impact=9,
                sections={"help_protection_stability": "outstanding"})
    a4 = graded("inadequate", dt.date(2026, 3, 3), cla,
                sections={"assessment": "inadequate", "multi_agency": "good"})
    a5 = graded("good", dt.date(2026, 3, 20), yjs, on=plain, good_practice=True)
    # After the quarter, and a withdrawn audit inside it: never counted.
    graded("good", dt.date(2026, 4, 2), eh, on=neglect)
    withdrawn = graded("good", dt.date(2026, 2, 10), eh, good_practice=True)
    Audit.objects.filter(pk=withdrawn.pk).update(status=Audit.Status.WITHDRAWN)
    # A settled disagreement moved a2's assessment grade up: that grade counts now.
    SectionGradeChange.objects.create(audit=a2, section_key="assessment", before="inadequate",
                                      after="requires_improvement", changed_by=PersonFactory())
    # a2 re-audits e1's case (inadequate, now requires improvement: improved); a1 revisits
    # e2's theme (good then good: the same).
    Audit.objects.filter(pk=a2.pk).update(kind=Audit.Kind.RE_AUDIT, re_audit_of=e1)
    revisit = ThemeRevisit.objects.create(cycle=earlier_neglect, theme="Neglect", months=6,
                                          due_on=dt.date(2026, 3, 31))
    RevisitCase.objects.create(revisit=revisit, earlier_audit=e2, revisit_audit=a1)
    # Family feedback on two audits: counts only, never the written views.
    for audit, engagement in ((a1, "engaged"), (a3, "declined")):
        Answer.objects.create(audit=audit, section_key="family_feedback",
                              question_key="engagement", value=engagement)
    Answer.objects.create(audit=a1, section_key="family_feedback", question_key="contacted",
                          value=["parent", "child"])
    Answer.objects.create(audit=a1, section_key="family_feedback", question_key="views",
                          value=SECRET)
    # Practitioners' perspective forms: one submitted, one sent and waiting.
    form = shipped_tool_version("001-perspective-of-worker")
    WorkerPerspective.objects.create(audit=a1, practitioner=PersonFactory(), tool_version=form,
                                     submitted_at=at(dt.date(2026, 1, 12)))
    WorkerPerspective.objects.create(audit=a2, practitioner=PersonFactory(), tool_version=form)
    # Actions: one signed off within 40 days, one after 55 days, one still open.
    made = []
    for agreed, done in ((dt.date(2026, 1, 15), dt.date(2026, 2, 10)),
                         (dt.date(2026, 1, 5), dt.date(2026, 3, 1)),
                         (dt.date(2026, 1, 10), None)):
        action = make_action(due_on=dt.date(2026, 2, 14))
        AuditAction.objects.create(audit=a1, action=action)
        Action.objects.filter(pk=action.pk).update(
            created_at=at(agreed), signed_off_at=at(done) if done else None,
            status=Action.Status.GREEN if done else Action.Status.AMBER)
        made.append(action)
    return {"a": [a1, a2, a3, a4, a5], "earlier": [e1, e2], "services": (eh, cin, cla, yjs)}


def excerpts(council) -> list[Excerpt]:  # type: ignore[no-untyped-def]
    a1, _, a3, *_ = council["a"]
    return [
        Excerpt(text="The plan was reviewed with the family every month", theme="Neglect",
                section="Help, protection and stability", strength=True, audit_id=a1.pk),
        Excerpt(text="Chronology not updated since the move", theme="", section="Assessment",
                strength=False, audit_id=a3.pk),
        Excerpt(text="They listened to us at last", theme="Neglect", section=FAMILY,
                strength=True, audit_id=a1.pk),
    ]


def build(key: str, period: Period, chosen: list[Excerpt] | None = None) -> Document:
    seen: list[tuple[int, int]] = []
    doc = kinds.build(key, Context(scope=Scope(start=period.start, end=period.end),
                                   period=period, excerpts=chosen or [],
                                   progress=lambda done, total: seen.append((done, total))))
    assert seen and seen[-1][0] == seen[-1][1]  # progress reaches the end
    assert Document.from_json(doc.to_json()) == doc  # a published report keeps every figure
    return doc


def headings(doc: Document) -> list[str]:
    return [s.heading for s in doc.sections]


def section(doc: Document, heading: str):  # type: ignore[no-untyped-def]
    return next(s for s in doc.sections if s.heading == heading)


def figure(doc: Document, heading: str, label: str) -> Cell:
    for block in section(doc, heading).blocks:
        if isinstance(block, Figures):
            for name, cell in block.rows:
                if name == label:
                    return cell
    raise AssertionError(f"No figure {label!r} under {heading!r}")


def table(doc: Document, ident: str) -> Table:
    return next(t for _, t in doc.tables() if t.ident == ident)


def rows(t: Table) -> dict[str, tuple[Cell, ...]]:
    return {row[0].text: row[1:] for row in t.rows}


def assert_no_names(doc: Document) -> None:
    text = doc.text()
    assert SECRET not in text
    for name in Person.objects.values_list("full_name", flat=True):
        assert name not in text
    for ref, child in Case.objects.values_list("reference", "child_identifier"):
        assert ref not in text and child not in text


def assert_plain(doc: Document) -> None:
    for h in headings(doc):
        assert h and h[0].isupper() and not h.isupper() and "_" not in h and len(h) < 80


# --------------------------------------------------------------------------- quarterly


QUARTERLY = ["What the audits found", "Grades by audit area", "Findings by theme",
             "Re-audits and revisits", "Over time", "Moderation, actions and concerns",
             "Actions within the time limit", "Good practice to celebrate",
             "What families said", "What practitioners said",
             "What families told us after their case closed", "Complaints and compliments",
             "Practice alerts", "What staff told us", "Observations of practice",
             "Performance indicators", "Strengths and areas for development",
             "The six questions"]


def test_quarterly_headings_plain_and_no_names(council):
    doc = build("quarterly", Q1, excerpts(council))
    assert doc.title == "Quarterly audit report" and doc.period == "January to March 2026"
    assert headings(doc) == QUARTERLY
    assert_plain(doc)
    assert_no_names(doc)


def test_quarterly_headline_matches_a_direct_count(council):
    doc = build("quarterly", Q1)
    qs = direct(Q1.start, Q1.end)
    assert figure(doc, "What the audits found", "Audits graded").k == qs.count() == 5
    good = figure(doc, "What the audits found", "Good or better")
    assert (good.k, good.n) == (qs.filter(final_grade__in=GOOD).count(), qs.count())
    assert good.text == str(wilson(3, 5))


def test_quarterly_section_grades_match_the_answers(council):
    doc = build("quarterly", Q1)
    ids = list(direct(Q1.start, Q1.end).values_list("pk", flat=True))
    given = {(a, s): v for a, s, v in Answer.objects.filter(
        audit_id__in=ids, question_key=Answer.GRADE).values_list(
        "audit_id", "section_key", "value")}
    for a, s, after in SectionGradeChange.objects.filter(audit_id__in=ids).values_list(
            "audit_id", "section_key", "after"):
        given[(a, s)] = after
    expected: dict[str, Counter[str]] = {}
    for (_, s), v in given.items():
        expected.setdefault(s, Counter())[v] += 1
    t = table(doc, "section-grades-0")
    assert t.header == ("Section", "Outstanding", "Good", "Requires improvement to be good",
                        "Inadequate", "Good or better")
    by_title = rows(t)
    titles = {"help_protection_stability": "1. Help, protection and stability",
              "assessment": "3. Assessment",
              "multi_agency": "5. Multi agency planning, analysis, review and decision making"}
    assert set(by_title) == {titles[k] for k in expected}
    order = ["outstanding", "good", "requires_improvement", "inadequate"]
    for key, counts in expected.items():
        cells = by_title[titles[key]]
        n = sum(counts.values())
        assert [c.k for c in cells[:4]] == [counts[g] for g in order]
        assert (cells[4].k, cells[4].n) == (counts["outstanding"] + counts["good"], n)
    # The settled disagreement's grade counts, not the auditor's own.
    assert by_title["3. Assessment"][2].k == 2 and by_title["3. Assessment"][3].k == 1


def test_quarterly_themes_from_the_cycles(council):
    doc = build("quarterly", Q1)
    by = rows(table(doc, "themes"))
    neglect = CycleCase.objects.filter(
        cycle__theme__iexact="neglect", audit__in=direct(Q1.start, Q1.end))
    assert by["Neglect"][0].k == neglect.count() == 2
    assert (by["Neglect"][1].k, by["Neglect"][1].n) == (
        neglect.filter(audit__final_grade__in=GOOD).count(), 2)
    assert by["Neglect"][0].drill is not None and by["Neglect"][0].drill["theme"] == "Neglect"
    plain = CycleCase.objects.filter(cycle__theme="", audit__in=direct(Q1.start, Q1.end))
    assert by["Cycles with no theme"][0].k == plain.count() == 2
    in_a_cycle = CycleCase.objects.filter(audit__in=direct(Q1.start, Q1.end)).count()
    assert by["Not in a cycle"][0].k == direct(Q1.start, Q1.end).count() - in_a_cycle == 1


def test_quarterly_re_audits_and_revisits_before_and_after(council):
    doc = build("quarterly", Q1)
    by = rows(table(doc, "before-after"))
    re_audits = direct(Q1.start, Q1.end).filter(kind=Audit.Kind.RE_AUDIT)
    assert by["Re-audits"][0].k == re_audits.count() == 1
    [(before, after)] = re_audits.values_list("re_audit_of__final_grade", "final_grade")
    assert (before, after) == ("inadequate", "requires_improvement")
    assert [c.k for c in by["Re-audits"][1:4]] == [1, 0, 0]  # improved, same, worse
    revisits = RevisitCase.objects.filter(revisit_audit__in=direct(Q1.start, Q1.end))
    assert by["Revisits"][0].k == revisits.count() == 1
    assert [c.k for c in by["Revisits"][1:4]] == [0, 1, 0]
    assert (by["Revisits"][4].k, by["Revisits"][5].k) == (1, 1)  # good before and after


def test_quarterly_actions_within_the_limit(council):
    doc = build("quarterly", Q1)
    a1 = council["a"][0]
    done = Action.objects.filter(audit_link__audit=a1, signed_off_at__isnull=False)
    within = sum(1 for c, s in done.values_list("created_at", "signed_off_at")
                 if (s.date() - c.date()).days <= 40)
    cell = figure(doc, "Actions within the time limit",
                  "Actions signed off within 40 days of being agreed")
    assert (cell.k, cell.n) == (within, done.count()) == (1, 2)
    open_late = Action.objects.filter(audit_link__audit=a1, signed_off_at__isnull=True,
                                      created_at__date__lt=Q1.end - dt.timedelta(days=40))
    assert figure(doc, "Actions within the time limit",
                  "Actions open at the period's end and agreed more than 40 days before"
                  ).k == open_late.count() == 1


def test_quarterly_good_practice_families_and_practitioners(council):
    chosen = excerpts(council)
    doc = build("quarterly", Q1, chosen)
    qs = direct(Q1.start, Q1.end)
    assert figure(doc, "Good practice to celebrate",
                  "Audits marked as good practice to celebrate").k == qs.filter(
        good_practice=True).count() == 2
    recorded = Answer.objects.filter(section_key="family_feedback", audit__in=qs).values(
        "audit").distinct().count()
    cell = figure(doc, "What families said", "Audits with family feedback recorded")
    assert (cell.k, cell.n) == (recorded, qs.count()) == (2, 5)
    answers = {(r[0].text, r[1].text): r[2] for r in table(doc, "family-answers").rows}
    engaged = Answer.objects.filter(section_key="family_feedback", question_key="engagement",
                                    value="engaged", audit__in=qs).count()
    assert (answers[("Did the family engage with the auditor?", "Engaged")].k,
            answers[("Did the family engage with the auditor?", "Engaged")].n) == (engaged, 2)
    assert answers[("Did the family engage with the auditor?", "Declined to engage")].k == 1
    assert answers[("Who was contacted?", "Child or young person")].k == 1
    # Only the quote the QA manager chose from the family's section is shown.
    [quotes] = [b for b in section(doc, "What families said").blocks if isinstance(b, Quotes)]
    assert [q.text for q in quotes.items] == ["They listened to us at last"]
    submitted = WorkerPerspective.objects.filter(audit__in=qs, submitted_at__isnull=False)
    cell = figure(doc, "What practitioners said", "Perspective forms submitted")
    assert (cell.k, cell.n) == (submitted.count(), WorkerPerspective.objects.filter(
        audit__in=qs).count()) == (1, 2)


def test_quarterly_family_quotes_only_when_chosen(council):
    doc = build("quarterly", Q1)
    assert not any(isinstance(b, Quotes) for b in section(doc, "What families said").blocks)
    assert SECRET not in doc.text()


def test_quarterly_trend_covers_two_years_to_the_quarters_end(council):
    doc = build("quarterly", Q1)
    [good, *_] = list(doc.charts())
    points = {p.period: (p.numerator, p.denominator) for p in good.chart.points}
    for month, (k, n) in points.items():
        year, m = map(int, month.split("-"))
        start = dt.date(year, m, 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        qs = direct(start, end)
        assert (k, n) == (qs.filter(final_grade__in=GOOD).count(), qs.count())
    assert min(points) == "2025-09" and max(points) == "2026-03"


def test_the_six_questions_with_their_evidence_and_gaps(council):
    doc = build("quarterly", Q1, excerpts(council))
    six = section(doc, "The six questions")
    texts = [b.text for b in six.blocks if isinstance(b, Text)]
    for number, question in enumerate(QUESTIONS, start=1):
        assert f"{number}. {question}" in texts
    assert any(t.startswith("Not answered yet: no staff survey was open in this period")
               for t in texts)
    cells = {label: cell for b in six.blocks if isinstance(b, Figures) for label, cell in b.rows}
    qs = direct(Q1.start, Q1.end)
    assert cells["Case audits graded against the audit tool"].k == qs.count()
    assert cells["Re-audited cases that improved"].k == 1
    assert cells["Audits marked as good practice to celebrate"].k == qs.filter(
        good_practice=True).count()
    assert cells["Strengths quoted in this report"].k == 2
    assert cells["Areas for development quoted in this report"].k == 1
    # Areas above all the section grades' share good or better are the strongest, those
    # below it the weakest, and none is named as both.
    strongest = [k for k in cells if k.startswith("Among the strongest areas")]
    weakest = [k for k in cells if k.startswith("Among the weakest areas")]
    assert strongest == [
        "Among the strongest areas: 5. Multi agency planning, analysis, review and decision "
        "making", "Among the strongest areas: 1. Help, protection and stability"]
    assert weakest == ["Among the weakest areas: 3. Assessment"]
    assessment = Answer.objects.filter(audit__in=qs, section_key="assessment",
                                       question_key=Answer.GRADE)
    assert (cells[weakest[0]].k, cells[weakest[0]].n) == (0, assessment.count())


def test_an_empty_quarter_says_what_it_cannot_answer():
    doc = build("quarterly", Period.quarter(2024, 2))
    text = doc.text()
    assert "Not answered yet: no audit was submitted with a grade in this period" in text
    assert "Not answered yet: no case was audited again in this period" in text
    assert headings(doc) == QUARTERLY


# --------------------------------------------------------------------------- year to date


def test_year_to_date_by_theme_and_month_by_month(council):
    ytd = Period.parse(PeriodType.YEAR_TO_DATE, "2026-03")
    doc = build("year_to_date", ytd)
    assert headings(doc) == ["The year so far", "Findings by theme", "Month by month"]
    assert_plain(doc)
    assert_no_names(doc)
    qs = direct(ytd.start, ytd.end)
    [[total, good]] = [row for row in table(doc, "year-so-far").rows]
    assert total.k == qs.count() == 8
    assert (good.k, good.n) == (qs.filter(final_grade__in=GOOD).count(), qs.count())
    t = table(doc, "theme-grades-0")
    assert t.header == ("Theme", "Audits", "Good or better", "Outstanding", "Good",
                        "Requires improvement to be good", "Inadequate")
    by = rows(t)
    # September's cycle spelled it "neglect ": the same theme.
    themed = CycleCase.objects.filter(cycle__theme__icontains="neglect", audit__in=qs)
    assert by["Neglect"][0].k == themed.count() == 3
    grades = dict(themed.values_list("audit__final_grade").annotate(n=Count("pk")))
    for i, g in enumerate(["outstanding", "good", "requires_improvement", "inadequate"]):
        assert by["Neglect"][2 + i].k == grades.get(g, 0)
    months = rows(table(doc, "cumulative"))
    assert list(months)[0] == "April 2025" and list(months)[-1] == "March 2026"
    for label, cells in months.items():
        last = dt.datetime.strptime(label, "%B %Y").date()
        end = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        assert cells[1].k == direct(ytd.start, end).count()
        assert cells[0].k == direct(last, end).count()
    neglect_column = table(doc, "cumulative").header.index("Neglect: audits so far")
    assert table(doc, "cumulative").rows[-1][neglect_column].k == themed.count()


# --------------------------------------------------------------------------- annual


def test_annual_has_everything_of_the_quarter_and_each_quarter(council):
    year = Period.parse(PeriodType.YEAR, "2025-26")
    doc = build("annual", year, excerpts(council))
    assert doc.title == "Annual QA report" and doc.period == "April 2025 to March 2026"
    assert headings(doc) == [QUARTERLY[0], "Quarter by quarter", *QUARTERLY[1:]]
    assert_plain(doc)
    assert_no_names(doc)
    assert figure(doc, "What the audits found", "Audits graded").k == direct(
        year.start, year.end).count() == 8
    quarters = table(doc, "quarters")
    assert [r[0].text for r in quarters.rows] == [
        "April to June 2025", "July to September 2025", "October to December 2025",
        "January to March 2026"]
    for start, row in zip((dt.date(2025, 4, 1), dt.date(2025, 7, 1), dt.date(2025, 10, 1),
                           dt.date(2026, 1, 1)), quarters.rows, strict=True):
        end = (start.replace(day=28) + dt.timedelta(days=65)).replace(day=1) - dt.timedelta(1)
        qs = direct(start, end)
        assert row[1].k == qs.count()
        assert (row[2].k, row[2].n) == (qs.filter(final_grade__in=GOOD).count(), qs.count())
    assert any(t == "1. " + QUESTIONS[0] for t in doc.text().splitlines())
    # The priorities for next year are the QA manager's to write: the report leaves them out.
    assert "priorit" not in " ".join(headings(doc)).lower()


# --------------------------------------------------------------------------- journey


def test_journey_groups_by_the_cases_service(council):
    chosen = excerpts(council)
    doc = build("journey", Q1, chosen)
    assert headings(doc) == [
        "Help and protection", "Help and protection: strengths and areas for development",
        "Looked after and permanence",
        "Looked after and permanence: strengths and areas for development",
        "Other services"]
    assert_plain(doc)
    assert_no_names(doc)
    qs = direct(Q1.start, Q1.end)
    for heading, service_kinds in (
            ("Help and protection", ["early_help", "cin", "cp"]),
            ("Looked after and permanence", ["cla", "care_leaver"])):
        these = qs.filter(case__service__kind__in=service_kinds)
        n = these.count()
        good = these.filter(final_grade__in=GOOD).count()
        assert figure(doc, heading, "Audits graded").k == n == 2
        cell = figure(doc, heading, "Good or better")
        assert (cell.k, cell.n) == (good, n)
        cell = figure(doc, heading, "Not yet good")
        assert (cell.k, cell.n) == (n - good, n)
    other = section(doc, "Other services").blocks[0]
    assert isinstance(other, Text) and other.text.startswith(
        f"{qs.filter(case__service__kind='yjs').count()} audit of cases in other services")
    # Focus areas: the help-and-protection audits' section grades only.
    help_ids = qs.filter(case__service__kind__in=["early_help", "cin", "cp"])
    grades = Answer.objects.filter(audit__in=help_ids, question_key=Answer.GRADE,
                                   section_key="help_protection_stability")
    cells = rows(table(doc, "help-protection-areas-0"))["1. Help, protection and stability"]
    assert sum(c.k or 0 for c in cells[:4]) == grades.count() == 2
    # Each journey's quotes are its own audits' only.
    help_quotes = [q.text for b in section(
        doc, "Help and protection: strengths and areas for development").blocks
        if isinstance(b, Quotes) for q in b.items]
    assert "Chronology not updated since the move" not in help_quotes
    assert "The plan was reviewed with the family every month" in help_quotes
    looked_after = section(doc, "Looked after and permanence: strengths and areas for "
                                "development")
    assert [q.text for b in looked_after.blocks if isinstance(b, Quotes)
            for q in b.items] == ["Chronology not updated since the move"]


def test_journey_trend_is_a_p_chart_of_each_journey(council):
    doc = build("journey", Q1)
    charts = {c.key: c for c in doc.charts()}
    assert set(charts) == {"good-help-protection", "good-looked-after"}
    chart = charts["good-help-protection"].chart
    assert chart.kind == "p" and isinstance(charts["good-help-protection"], ChartBlock)
    points = {p.period: (p.numerator, p.denominator) for p in chart.points}
    history = Audit.objects.filter(
        status__in=SUBMITTED, case__service__kind__in=["early_help", "cin", "cp"],
        submitted_at__date__gte=dt.date(2024, 4, 1), submitted_at__date__lte=Q1.end)
    expected: dict[str, list[int]] = {}
    for when, grade in history.values_list("submitted_at", "final_grade"):
        key = f"{timezone.localdate(when):%Y-%m}"
        expected.setdefault(key, [0, 0])
        expected[key][0] += grade in GOOD
        expected[key][1] += 1
    assert points == {k: (v[0], v[1]) for k, v in expected.items()}


# --------------------------------------------------------------------------- newsletter


def test_newsletter_counts_the_month_and_quotes_only_strengths(council):
    january = Period.parse(PeriodType.MONTH, "2026-01")
    doc = build("newsletter", january, excerpts(council))
    assert headings(doc) == ["Audits this month", "Themes audited", "Strengths to celebrate"]
    assert_plain(doc)
    assert_no_names(doc)
    qs = direct(january.start, january.end)
    assert figure(doc, "Audits this month", "Audits done").k == qs.count() == 2
    good = figure(doc, "Audits this month", "Good or better")
    assert (good.k, good.n) == (qs.filter(final_grade__in=GOOD).count(), 2)
    assert figure(doc, "Audits this month", "Good practice to celebrate").k == qs.filter(
        good_practice=True).count() == 1
    themes = rows(table(doc, "themes"))
    assert themes == {"Neglect": (themes["Neglect"][0],)}
    assert themes["Neglect"][0].k == CycleCase.objects.filter(
        cycle__theme="Neglect", audit__in=qs).count()
    text = doc.text()
    assert "The plan was reviewed with the family every month" in text
    assert "Chronology not updated since the move" not in text  # no areas for development
    assert "Early Help" not in text  # an area with fewer than 5 audits is left out


def test_newsletter_shows_only_areas_with_five_audits_or_more(council):
    eh, cin, *_ = council["services"]
    for day in range(5):
        graded("good" if day % 2 else "requires_improvement", dt.date(2026, 5, 4 + day), eh)
    graded("good", dt.date(2026, 5, 20), cin)
    may = Period.parse(PeriodType.MONTH, "2026-05")
    doc = build("newsletter", may)
    by = rows(table(doc, "by-service"))
    assert set(by) == {"Early Help"}
    qs = direct(may.start, may.end).filter(case__service=eh)
    assert (by["Early Help"][0].k, by["Early Help"][0].n) == (
        qs.filter(final_grade__in=GOOD).count(), qs.count()) == (2, 5)
    assert "Child in Need" not in doc.text()


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize(("key", "period_type", "typed", "label"), [
    ("quarterly", PeriodType.QUARTER, "2026-Q1", "January to March 2026"),
    ("year_to_date", PeriodType.YEAR_TO_DATE, "2026-03",
     "April 2025 to March 2026, year to date"),
    ("annual", PeriodType.YEAR, "2025-26", "April 2025 to March 2026"),
    ("journey", PeriodType.QUARTER, "2026-q1", "January to March 2026"),
    ("newsletter", PeriodType.MONTH, "2026-03", "March 2026"),
])
def test_each_kind_registers_with_its_period(key, period_type, typed, label):
    kind = kinds.kind(key)
    assert kind.period == period_type and kind.name and kind.description
    period = Period.parse(kind.period, typed)
    assert period.label == label
    doc = build(key, period)
    assert doc.period == label and doc.sections
    with pytest.raises(ValueError, match="Enter the"):
        Period.parse(kind.period, "March")


def test_the_quarterly_report_runs_a_bounded_number_of_queries(
        council, django_assert_max_num_queries):
    for day in range(6):
        graded("good", dt.date(2026, 2, 2 + day), council["services"][0],
               sections={"assessment": "good"})
    # 45: the staff surveys and observations of practice take a fixed few (the anonymity
    # threshold, the surveys, the audit-process answers; observations' five).
    with django_assert_max_num_queries(45):
        build("quarterly", Q1, excerpts(council))
