"""The operational reports: the QA tab (003), a one-off programme's report (003's multi-agency
audit, 004's external audit in its two journeys), a team's report and a service's overview
(002). Each figure is checked against a direct query of its own; no document names a
person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.audits.models import (
    Answer,
    Audit,
    AuditAction,
    ImmediateConcern,
    SectionGradeChange,
    SupervisionItem,
)
from auditloop.cases.models import Case
from auditloop.common.statistics import wilson
from auditloop.insight import figures
from auditloop.insight.document import Cell, Document, Figures, Section, Table
from auditloop.insight.kinds import Context, Excerpt, Period, build, kind
from auditloop.people.models import Person, Service
from auditloop.programme.models import Cycle, CycleCase
from auditloop.quality.models import QualityCheck
from auditloop.quality.selectors import quality_control_counts
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    CaseFactory,
    JobTitleFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
    complete_audit,
    finish_audit,
    make_action,
    make_audit,
    make_immediate_concern,
    make_quality_check,
    make_supervision_item,
)

pytestmark = pytest.mark.django_db
MARCH = Period.month(dt.date(2026, 3, 1))
START, END = MARCH.start, MARCH.end
GRADED = Audit.workflow.groups["submitted_or_later"]
GOOD = {"outstanding", "good"}


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def context(period: Period = MARCH, excerpts: tuple[Excerpt, ...] = (),
            **area: int | None) -> Context:
    return Context(scope=figures.Scope(start=period.start, end=period.end, **area),
                   period=period, excerpts=excerpts)


# ------------------------------------------------------------------ reading a document


def section(doc: Document, heading: str) -> Section:
    found = [s for s in doc.sections if s.heading == heading]
    assert found, f"No section {heading!r} in {[s.heading for s in doc.sections]}"
    return found[0]


def figure(part: Document | Section, label: str) -> Cell:
    parts = part.sections if isinstance(part, Document) else (part,)
    for s in parts:
        for b in s.blocks:
            if isinstance(b, Figures):
                for name, cell in b.rows:
                    if name == label:
                        return cell
    raise AssertionError(f"No figure {label!r}")


def table(part: Document | Section, ident: str) -> Table:
    parts = part.sections if isinstance(part, Document) else (part,)
    for s in parts:
        for b in s.blocks:
            if isinstance(b, Table) and b.ident == ident:
                return b
    raise AssertionError(f"No table {ident!r}")


def rows_of(t: Table) -> dict[str, tuple[Cell, ...]]:
    return {row[0].text: row[1:] for row in t.rows}


def assert_share(cell: Cell, k: int, n: int) -> None:
    p = wilson(k, n)
    assert (cell.k, cell.n) == (k, n)
    assert (cell.low, cell.high) == (p.low, p.high)
    assert cell.text == str(p)


def assert_no_names(doc: Document) -> None:
    text = doc.text()
    names = list(Person.objects.values_list("full_name", flat=True))
    assert names
    for name in names:
        assert name not in text
    assert Document.from_json(doc.to_json()) == doc


def graded(grade: str, day: dt.date, *, case: Case | None = None, team=None,  # type: ignore[no-untyped-def]
           sections: bool = False) -> Audit:
    """An audit submitted on `day` with this grade (and its sections graded so, if asked)."""
    auditor = PersonFactory(roles=["auditor"])
    team = team or TeamFactory()
    audit = make_audit(case=case or CaseFactory(team=team, service=team.service,
                                                key_worker=PersonFactory()),
                       auditors=[auditor])
    if sections:
        complete_audit(audit, auditor, grade=grade)
    finish_audit(audit, grade=grade)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at(day))
    audit.refresh_from_db()
    return audit


# ================================================================== the QA tab (003)


@pytest.fixture
def qa_month():  # type: ignore[no-untyped-def]
    cycle = Cycle.objects.create(year=2026, number=3, period_start=START, period_end=END,
                                 audit_starts_on=START, audits_due_on=dt.date(2026, 3, 20))

    def due(day: dt.date, submitted: dt.date | None = None, on_cycle: bool = False) -> Audit:
        audit = make_audit(due_on=day)
        if submitted is not None:
            finish_audit(audit)
            Audit.objects.filter(pk=audit.pk).update(submitted_at=at(submitted))
        if on_cycle:
            CycleCase.objects.create(cycle=cycle, case=audit.case, audit=audit,
                                     source=CycleCase.Source.RANDOM, reason="Chosen at random",
                                     status=CycleCase.Status.CONFIRMED)
        return audit

    made = {
        "on_time": due(dt.date(2026, 3, 20), dt.date(2026, 3, 10), on_cycle=True),
        "late": due(dt.date(2026, 3, 20), dt.date(2026, 3, 25), on_cycle=True),
        "overdue": due(dt.date(2026, 3, 15), on_cycle=True),
        "due_last_day": due(dt.date(2026, 3, 31)),
        "overdue_from_february": due(dt.date(2026, 2, 20)),
        "submitted_in_april": due(dt.date(2026, 2, 25), dt.date(2026, 4, 2)),
        "submitted_in_february": due(dt.date(2026, 2, 25), dt.date(2026, 2, 26)),
        "due_in_april": due(dt.date(2026, 4, 10)),
    }
    withdrawn = due(dt.date(2026, 3, 12))
    Audit.objects.filter(pk=withdrawn.pk).update(status=Audit.Status.WITHDRAWN)
    return cycle, made


def test_qa_tab_counts_audits_due_done_and_overdue(qa_month):
    cycle, _ = qa_month
    doc = build("qa_tab", context())
    live = Audit.objects.exclude(status=Audit.Status.WITHDRAWN)
    due = live.filter(due_on__gte=START, due_on__lte=END)
    done_by_end = Q(status__in=GRADED, submitted_at__date__lte=END)
    assert figure(doc, "Audits due in March 2026").k == due.count() == 4
    assert_share(figure(doc, "Of those, submitted by the month's end"),
                 due.filter(done_by_end).count(), due.count())
    on_time = [a for a in due if a.submitted_at and timezone.localdate(a.submitted_at) <= a.due_on]
    assert_share(figure(doc, "Of those, submitted by their due date"), len(on_time), 4)
    assert len(on_time) == 1
    overdue = live.filter(due_on__lt=END).exclude(done_by_end).count()
    assert figure(doc, "Overdue at the month's end (due before its last day, not submitted)"
                  ).k == overdue == 3
    submitted = Audit.objects.filter(status__in=GRADED,
                                     submitted_at__date__range=(START, END)).count()
    assert figure(doc, "Audits submitted in March 2026, whenever they were due").k == submitted

    by_cycle = rows_of(table(doc, "due-by-cycle"))
    on_list = due.filter(pk__in=CycleCase.objects.filter(cycle=cycle).values("audit_id"))
    assert by_cycle["March 2026 cycle"][0].k == on_list.count() == 3
    assert_share(by_cycle["March 2026 cycle"][1], on_list.filter(done_by_end).count(), 3)
    assert by_cycle["March 2026 cycle"][2].k == 1
    off_list = by_cycle["Not on a cycle's list (requested or added by hand)"]
    assert (off_list[0].k, off_list[2].k) == (1, 2)
    assert [s.heading for s in doc.sections] == [
        "Audits planned and done", "Tier 1 quality control", "Coverage against the target"]
    assert_no_names(doc)


def test_qa_tab_counts_tier_1_checks_and_the_pass_rate_with_its_interval():
    QS = QualityCheck.Status

    def check(status: str, checked: dt.date | None, kind: str = "assessment_completed",
              created: dt.date = dt.date(2026, 2, 20)) -> QualityCheck:
        row = make_quality_check(kind=kind, occurred_on=created)
        QualityCheck.objects.filter(pk=row.pk).update(
            status=status, created_at=at(created),
            checked_at=at(checked) if checked else None)
        return row

    check(QS.PASSED, dt.date(2026, 3, 3))
    check(QS.PASSED, dt.date(2026, 3, 9), kind="closure")
    check(QS.PASSED, dt.date(2026, 3, 31), kind="taf_meeting")
    check(QS.FAILED, dt.date(2026, 3, 12))
    check(QS.FIXED, dt.date(2026, 3, 14), kind="closure")
    check(QS.PASSED, dt.date(2026, 2, 27))  # checked in February
    check(QS.WAITING, None)  # waiting
    check(QS.PASSED, dt.date(2026, 4, 2))  # waiting on 31 March, checked after
    check(QS.WAITING, None, created=dt.date(2026, 4, 3))  # not there yet

    doc = build("qa_tab", context())
    in_march = QualityCheck.objects.filter(checked_at__date__range=(START, END))
    passed = in_march.filter(status=QS.PASSED).count()
    assert figure(doc, "Tier 1 checks done").k == in_march.count() == 5
    assert_share(figure(doc, "Pass rate (passed first time)"), passed, in_march.count())
    assert passed == 3
    waiting = QualityCheck.objects.filter(created_at__date__lte=END).filter(
        Q(checked_at__isnull=True) | Q(checked_at__date__gt=END)).count()
    assert figure(doc, "Records waiting for a check at the month's end").k == waiting == 2
    # The same measures as the quality-control queue page's counts.
    counts = quality_control_counts(start=START, end=END)
    assert (counts.total.checked, counts.total.passed, counts.total.waiting) == (5, 3, 2)

    by_kind = table(doc, "tier-1-by-kind")
    direct = {r["event__kind"]: r for r in in_march.values("event__kind").annotate(
        n=Count("pk"), sent_back=Count("pk", filter=~Q(status=QS.PASSED)))}
    labelled = {row[0].text: row for row in by_kind.rows}
    assert set(labelled) == {"All records", *(lab for lab in labelled if lab != "All records")}
    assert sum(row[1].k or 0 for row in by_kind.rows[:-1]) == in_march.count()
    assert sorted(row[1].k for row in by_kind.rows[:-1]) == sorted(
        r["n"] for r in direct.values())
    assert by_kind.rows[-1][3].k == sum(r["sent_back"] for r in direct.values()) == 2


def test_qa_tab_coverage_names_the_setting_and_follows_its_value():
    row = framework_settings_row()
    row.coverage_target_percent = Decimal("20")
    row.coverage_target_months = 12
    row.save()
    open_cases = [CaseFactory() for _ in range(9)]
    CaseFactory(status=Case.Status.CLOSED, closed_on=dt.date(2026, 1, 1))
    for case, made_on in ((open_cases[0], dt.date(2026, 3, 9)),
                          (open_cases[1], dt.date(2025, 6, 1)),
                          (open_cases[2], dt.date(2025, 2, 1))):  # more than 12 months before
        audit = make_audit(case=case)
        Audit.objects.filter(pk=audit.pk).update(created_at=at(made_on))

    doc = build("qa_tab", context())
    cov = table(doc, "coverage")
    assert "“Coverage target (% of open cases)”" in cov.caption
    assert "against the target of 20%" in cov.caption
    total = cov.rows[0]
    n_open = Case.objects.filter(status=Case.Status.OPEN).count()
    audited = Audit.objects.exclude(status__in=[Audit.Status.WITHDRAWN, Audit.Status.PLANNED]
                                    ).filter(created_at__date__gt=dt.date(2025, 3, 31),
                                             created_at__date__lte=END
                                             ).values("case").distinct().count()
    assert audited == 2
    assert total[1].k == n_open
    assert_share(total[2], audited, n_open)
    assert total[3].k == -(-20 * n_open // 100) - audited  # audits still needed (round up)

    row.coverage_target_percent = Decimal("50")
    row.save()
    doc = build("qa_tab", context())
    cov = table(doc, "coverage")
    assert "against the target of 50%" in cov.caption
    assert cov.rows[0][3].k == -(-50 * n_open // 100) - audited


# ================================================================== a programme's report


@pytest.fixture
def external_audit():  # type: ignore[no-untyped-def]
    """004's external audit: two children in need and one child protection case, two
    children looked after, and a monthly audit that is not the programme's."""
    lead = PersonFactory(job_title=JobTitleFactory(name="External lead auditor"))
    cycle = Cycle.objects.create(
        kind=Cycle.Kind.EXTERNAL, name="External audit stage one", year=2026,
        period_start=dt.date(2026, 1, 5), period_end=dt.date(2026, 2, 27),
        audit_starts_on=dt.date(2026, 1, 5), audits_due_on=dt.date(2026, 2, 20),
        lead_auditor=lead)
    cin = ServiceFactory(name="Children in Need", kind=Service.Kind.CIN)
    cp = ServiceFactory(name="Child Protection", kind=Service.Kind.CP)
    cla = ServiceFactory(name="Children in Care", kind=Service.Kind.CLA)

    def on_programme(grade: str, service: Service, day: dt.date) -> Audit:
        audit = graded(grade, day, case=CaseFactory(
            service=service, team=TeamFactory(service=service), key_worker=PersonFactory()),
            sections=True)
        CycleCase.objects.create(cycle=cycle, case=audit.case, audit=audit,
                                 source=CycleCase.Source.CHOSEN, reason="Chosen",
                                 status=CycleCase.Status.CONFIRMED)
        return audit

    made = [on_programme("good", cin, dt.date(2026, 1, 20)),
            on_programme("inadequate", cin, dt.date(2026, 2, 3)),
            on_programme("requires_improvement", cp, dt.date(2026, 2, 10)),
            on_programme("good", cla, dt.date(2026, 1, 28)),
            # Submitted after the programme's own dates: still one of its audits.
            on_programme("outstanding", cla, dt.date(2026, 3, 6))]
    graded("inadequate", dt.date(2026, 2, 1), case=CaseFactory(service=cin,
                                                                key_worker=PersonFactory()))
    return cycle, made, lead


def programme_context(cycle: Cycle, excerpts: tuple[Excerpt, ...] = ()) -> Context:
    period = Period.between(cycle.period_start, cycle.period_end, key=f"programme-{cycle.pk}")
    return context(period, excerpts, cycle_id=cycle.pk)


def programme_audits(cycle: Cycle):  # type: ignore[no-untyped-def]
    return Audit.objects.filter(status__in=GRADED, pk__in=CycleCase.objects.filter(
        cycle=cycle).values("audit_id"))


HELP = "Children in need of help and protection"
LOOKED_AFTER = "Children looked after and achieving permanence"


def test_an_external_audits_report_has_the_two_journeys(external_audit):
    cycle, made, lead = external_audit
    quotes = (Excerpt(text="Warm handovers focus on the family's experience",
                      section="Assessment", theme="", strength=True, audit_id=made[0].pk),
              Excerpt(text="Chronologies are not updated", section="Assessment", theme="",
                      strength=False, audit_id=made[3].pk))
    doc = build("programme", programme_context(cycle, quotes))
    headings = [s.heading for s in doc.sections]
    assert headings == [
        "The programme", "What the audits found", "Grades by audit area",
        f"{HELP}: what the audits found", f"{HELP}: grades by audit area",
        f"{HELP}: strengths and areas for development",
        f"{LOOKED_AFTER}: what the audits found", f"{LOOKED_AFTER}: grades by audit area",
        f"{LOOKED_AFTER}: strengths and areas for development",
        "Moderation, actions and concerns"]
    assert doc.heading == "Programme report: External audit stage one: 5 January 2026 to " \
                          "27 February 2026"

    audits = programme_audits(cycle)
    assert figure(section(doc, "What the audits found"), "Audits graded").k == \
        audits.count() == 5
    for title, kinds in ((HELP, ["cin", "cp"]), (LOOKED_AFTER, ["cla"])):
        journey = audits.filter(case__service__kind__in=kinds)
        found = section(doc, f"{title}: what the audits found")
        assert figure(found, "Audits graded").k == journey.count()
        assert_share(figure(found, "Good or better"),
                     journey.filter(final_grade__in=GOOD).count(), journey.count())
        assert figure(found, "Audits graded").drill is None  # the list cannot filter journeys
    assert figure(section(doc, f"{HELP}: what the audits found"), "Audits graded").k == 3

    help_quotes = section(doc, f"{HELP}: strengths and areas for development")
    after_quotes = section(doc, f"{LOOKED_AFTER}: strengths and areas for development")
    assert "Warm handovers" in Document(title="", period="", sections=(help_quotes,)).text()
    assert "Warm handovers" not in Document(title="", period="", sections=(after_quotes,)).text()
    assert "Chronologies are not updated" in Document(title="", period="",
                                                      sections=(after_quotes,)).text()

    about = section(doc, "The programme")
    assert figure(about, "Lead auditor").text == "External lead auditor"
    assert figure(about, "Kind of audit").text == "External audit"
    assert figure(about, "Cases on the programme's list").k == CycleCase.objects.filter(
        cycle=cycle, status__in=[CycleCase.Status.PROPOSED, CycleCase.Status.CONFIRMED]).count()
    assert lead.full_name not in doc.text()
    assert_no_names(doc)


def test_a_programmes_grades_by_audit_area_match_the_answers(external_audit):
    cycle, made, _ = external_audit
    SectionGradeChange.objects.create(audit=made[1], section_key="assessment",
                                      before="inadequate", after="requires_improvement",
                                      changed_by=PersonFactory(), reason="Settled")
    doc = build("programme", programme_context(cycle))
    grades = {(a, s): v for a, s, v in Answer.objects.filter(
        audit__in=programme_audits(cycle), question_key=Answer.GRADE, item=0).values_list(
        "audit_id", "section_key", "value")}
    for change in SectionGradeChange.objects.order_by("created_at"):
        grades[(change.audit_id, change.section_key)] = change.after
    t = table(section(doc, "Grades by audit area"), "section-grades-0")
    assert t.header == ("Audit area", "Outstanding", "Good", "Requires improvement to be good",
                        "Inadequate", "Good or better")
    rows = rows_of(t)
    assessment = next(v for k, v in rows.items() if k.endswith("Assessment"))
    direct = [v for (_, s), v in grades.items() if s == "assessment"]
    assert [c.k for c in assessment[:4]] == [direct.count(g) for g in (
        "outstanding", "good", "requires_improvement", "inadequate")]
    assert [c.k for c in assessment[:4]] == [1, 2, 2, 0]
    assert_share(assessment[4], sum(1 for g in direct if g in GOOD), len(direct))
    assert len(rows) == 6  # 002's six graded key areas


def test_a_multi_agency_programme_reports_one_set_of_findings():
    lead = PersonFactory(roles=["partner_agency_lead"])
    cycle = Cycle.objects.create(
        kind=Cycle.Kind.MULTI_AGENCY, name="Multi-agency audit of neglect", theme="Neglect",
        year=2026, period_start=dt.date(2026, 3, 2), period_end=dt.date(2026, 3, 27),
        audit_starts_on=dt.date(2026, 3, 2), audits_due_on=dt.date(2026, 3, 27),
        lead_auditor=lead)
    audit = graded("good", dt.date(2026, 3, 20), sections=True)
    CycleCase.objects.create(cycle=cycle, case=audit.case, audit=audit,
                             source=CycleCase.Source.CHOSEN, reason="Neglect",
                             status=CycleCase.Status.CONFIRMED)
    doc = build("programme", programme_context(cycle))
    assert [s.heading for s in doc.sections] == [
        "The programme", "What the audits found", "Grades by audit area",
        "Strengths and areas for development", "Moderation, actions and concerns"]
    assert figure(doc, "Lead auditor").text == "Partner-agency lead"
    assert figure(doc, "Theme").text == "Neglect"
    assert figure(doc, "Audits graded").k == programme_audits(cycle).count() == 1
    assert kind("programme").needs == "programme"
    assert_no_names(doc)


# ================================================================== a team's report (002)


@pytest.fixture
def two_teams():  # type: ignore[no-untyped-def]
    service = ServiceFactory(name="Children's Social Care", kind=Service.Kind.CIN)
    north = TeamFactory(name="North", service=service)
    south = TeamFactory(name="South", service=service)
    elsewhere = TeamFactory(name="Early Help East")  # another service
    made = {
        "north": [graded("good", dt.date(2026, 3, 2), team=north, sections=True),
                  graded("requires_improvement", dt.date(2026, 3, 16), team=north,
                         sections=True),
                  graded("inadequate", dt.date(2026, 3, 30), team=north, sections=True)],
        "south": [graded("outstanding", dt.date(2026, 3, 9), team=south, sections=True),
                  graded("good", dt.date(2026, 3, 11), team=south, sections=True)],
        "elsewhere": [graded("good", dt.date(2026, 3, 5), team=elsewhere)],
        "earlier": [graded("good", dt.date(2025, 11, 5), team=north),
                    graded("inadequate", dt.date(2026, 2, 5), team=south)],
    }
    return service, north, south, made


def agreed(audit: Audit, created: dt.date, due: dt.date,
           signed_off: dt.date | None = None) -> Action:
    action = make_action(owner=audit.case.key_worker, due_on=due)
    AuditAction.objects.create(audit=audit, action=action)
    Action.objects.filter(pk=action.pk).update(
        created_at=at(created), signed_off_at=at(signed_off) if signed_off else None,
        status=Action.Status.GREEN if signed_off else Action.Status.RED)
    return action


def test_a_teams_report_fills_in_the_teams_figures(two_teams):
    service, north, south, made = two_teams
    agreed(made["north"][0], dt.date(2026, 3, 3), dt.date(2026, 3, 20))  # overdue at the end
    agreed(made["north"][1], dt.date(2026, 3, 17), dt.date(2026, 4, 20))
    agreed(made["south"][0], dt.date(2026, 3, 10), dt.date(2026, 3, 12))  # another team
    concern = make_immediate_concern(audit=made["north"][2])
    ImmediateConcern.objects.filter(pk=concern.pk).update(created_at=at(dt.date(2026, 3, 30)))

    doc = build("team", context(team_id=north.pk))
    assert doc.area == "North"
    assert [s.heading for s in doc.sections] == [
        "The team's audits this month", "The team's audits over two years",
        "Actions and immediate concerns", "Cases for supervision",
        "For the team manager to write"]

    mine = Audit.objects.filter(case__team=north, status__in=GRADED,
                                submitted_at__date__range=(START, END))
    assert figure(doc, "Audits graded").k == mine.count() == 3
    assert_share(figure(doc, "Good or better"), mine.filter(final_grade__in=GOOD).count(), 3)
    [chart] = list(doc.charts())[:1]
    history = Audit.objects.filter(case__team=north, status__in=GRADED,
                                   submitted_at__date__gte=dt.date(2024, 4, 1),
                                   submitted_at__date__lte=END)
    assert sum(p.denominator or 0 for p in chart.chart.points) == history.count() == 4

    actions = Action.objects.filter(audits__case__team=north)
    open_at_end = actions.filter(created_at__date__lte=END).filter(
        Q(signed_off_at__isnull=True) | Q(signed_off_at__date__gt=END))
    cell = figure(doc, "Actions open at the period's end")
    assert cell.k == open_at_end.count() == 2
    assert cell.text == f"2, of which {open_at_end.filter(due_on__lt=END).count()} overdue"
    assert figure(doc, "Actions agreed").k == actions.filter(
        created_at__date__range=(START, END)).count() == 2
    assert figure(doc, "Immediate safeguarding concerns raised").k == \
        ImmediateConcern.objects.filter(audit__case__team=north,
                                        created_at__date__range=(START, END)).count() == 1

    to_write = section(doc, "For the team manager to write")
    words = Document(title="", period="", sections=(to_write,)).text()
    assert "Challenges, and the actions in place to mitigate risk." in words
    assert "staff supervision" in words
    assert kind("team").needs == "team"
    assert_no_names(doc)


def test_a_teams_report_needs_a_team():
    with pytest.raises(ValueError, match="needs a team"):
        build("team", context())


# ================================================================== a service's overview


def test_a_services_overview_shows_good_or_better_by_team(two_teams):
    service, north, south, _ = two_teams
    doc = build("service", context(service_id=service.pk))
    assert doc.area == "Children's Social Care"
    mine = Audit.objects.filter(case__service=service, status__in=GRADED,
                                submitted_at__date__range=(START, END))
    assert figure(doc, "Audits graded").k == mine.count() == 5
    by_team = rows_of(table(doc, "by-team"))
    assert set(by_team) == {"North", "South"}
    for team in (north, south):
        qs = mine.filter(case__team=team)
        assert_share(by_team[team.name][0], qs.filter(final_grade__in=GOOD).count(), qs.count())
    assert list(by_team) == ["North", "South"]  # fewest good first
    grades = rows_of(table(doc, "section-grades-0"))
    oversight = next(v for k, v in grades.items() if "upervision" in k)
    direct = list(Answer.objects.filter(audit__in=mine, question_key=Answer.GRADE, item=0,
                                        section_key="supervision_oversight")
                  .values_list("value", flat=True))
    assert sum(c.k or 0 for c in oversight[:4]) == len(direct) == 5
    assert_share(oversight[4], sum(1 for g in direct if g in GOOD), 5)
    assert kind("service").needs == "service"
    assert_no_names(doc)


def test_a_services_overview_counts_actions_against_the_40_day_limit(two_teams):
    service, north, south, made = two_teams
    row = framework_settings_row()
    row.action_deadline_days = 40
    row.save()
    a, b = made["north"][0], made["south"][0]
    agreed(a, dt.date(2026, 3, 2), dt.date(2026, 4, 6))  # due in 35 days
    agreed(a, dt.date(2026, 3, 2), dt.date(2026, 4, 30), signed_off=dt.date(2026, 3, 20))
    agreed(b, dt.date(2026, 1, 5), dt.date(2026, 2, 10), signed_off=dt.date(2026, 3, 15))
    agreed(b, dt.date(2026, 1, 10), dt.date(2026, 2, 15))  # open, past 40 days at the end
    agreed(made["elsewhere"][0], dt.date(2026, 3, 2), dt.date(2026, 5, 30))  # not the service's

    doc = build("service", context(service_id=service.pk))
    limit = dt.timedelta(days=40)
    actions = Action.objects.filter(audits__case__service=service).distinct()

    def day(x: dt.datetime) -> dt.date:
        return timezone.localdate(x)

    in_march = [x for x in actions if START <= day(x.created_at) <= END]
    signed = [x for x in actions if x.signed_off_at and START <= day(x.signed_off_at) <= END]
    open_end = [x for x in actions if day(x.created_at) <= END
                and (x.signed_off_at is None or day(x.signed_off_at) > END)]
    assert_share(figure(doc, "Actions agreed in the period and due within 40 days"),
                 sum(1 for x in in_march if x.due_on <= day(x.created_at) + limit),
                 len(in_march))
    assert_share(figure(doc, "Actions signed off in the period within 40 days of being agreed"),
                 sum(1 for x in signed if day(x.signed_off_at) <= day(x.created_at) + limit),
                 len(signed))
    assert (figure(doc, "Actions signed off in the period within 40 days of being agreed").k,
            len(signed)) == (1, 2)
    assert figure(doc, "Actions open at the period's end").k == len(open_end) == 2
    assert figure(doc, "Of those, open longer than 40 days").k == sum(
        1 for x in open_end if day(x.created_at) + limit < END) == 1
    text = doc.text()
    assert "“Audit actions completed within (days)”: 40 days" in text

    row.action_deadline_days = None
    row.save()
    text = build("service", context(service_id=service.pk)).text()
    assert "The framework sets no limit on how long an action may take." in text


def test_a_services_overview_counts_supervision_discussions(two_teams):
    service, north, south, made = two_teams
    tm = PersonFactory(roles=["team_manager"])

    def item(audit: Audit, reason: str, added: dt.date,
             discussed: dt.date | None = None) -> SupervisionItem:
        row = make_supervision_item(supervisor=tm, supervisee=PersonFactory(line_manager=tm),
                                    audit=audit, reason=reason)
        SupervisionItem.objects.filter(pk=row.pk).update(
            created_at=at(added), discussed_at=at(discussed) if discussed else None)
        return row

    R = SupervisionItem.Reason
    item(made["north"][0], R.REFLECTIVE_DISCUSSION, dt.date(2026, 3, 3), dt.date(2026, 3, 10))
    item(made["north"][1], R.REFLECTIVE_DISCUSSION, dt.date(2026, 3, 17))
    item(made["north"][1], R.REQUIRES_IMPROVEMENT, dt.date(2026, 3, 17), dt.date(2026, 4, 2))
    item(made["south"][0], R.REFLECTIVE_DISCUSSION, dt.date(2026, 2, 10), dt.date(2026, 3, 4))
    item(made["south"][1], R.IMMEDIATE_CONCERN, dt.date(2026, 1, 10))
    item(made["elsewhere"][0], R.REFLECTIVE_DISCUSSION, dt.date(2026, 3, 3))  # another service

    doc = build("service", context(service_id=service.pk))
    ours = SupervisionItem.objects.filter(audit__case__service=service)
    added = ours.filter(created_at__date__range=(START, END))
    waiting = ours.filter(created_at__date__lte=END).filter(
        Q(discussed_at__isnull=True) | Q(discussed_at__date__gt=END))
    discussed = ours.filter(discussed_at__date__range=(START, END))
    t = rows_of(table(doc, "supervision"))
    total = t["All"]
    assert total[0].k == added.count() == 3
    assert_share(total[1], added.filter(discussed_at__date__lte=END).count(), 3)
    assert total[2].k == discussed.count() == 2
    assert total[3].k == waiting.count() == 3
    reflective = t["Reflective discussion of the audit"]
    assert reflective[0].k == added.filter(reason=R.REFLECTIVE_DISCUSSION).count() == 2
    assert reflective[3].k == waiting.filter(reason=R.REFLECTIVE_DISCUSSION).count() == 1
    by_team = rows_of(table(doc, "supervision-team"))
    assert by_team["South"][3].k == waiting.filter(audit__case__team=south).count() == 1
    assert by_team["North"][0].k == added.filter(audit__case__team=north).count() == 3
    assert_no_names(doc)


def test_the_reports_take_the_same_number_of_queries_for_more_audits(two_teams):
    service, north, south, made = two_teams
    cycle = Cycle.objects.create(
        kind=Cycle.Kind.EXTERNAL, name="External audit", year=2026, period_start=START,
        period_end=END, audit_starts_on=START, audits_due_on=END,
        lead_auditor=PersonFactory(roles=["auditor"]))

    def add(audit: Audit) -> None:
        CycleCase.objects.create(cycle=cycle, case=audit.case, audit=audit,
                                 source=CycleCase.Source.CHOSEN, reason="Chosen",
                                 status=CycleCase.Status.CONFIRMED)

    add(made["north"][0])
    reports = (("team", {"team_id": north.pk}), ("service", {"service_id": service.pk}),
               ("qa_tab", {}), ("programme", {"cycle_id": cycle.pk}))

    def queries(key: str, **area: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            build(key, context(**area))
        return len(ctx.captured_queries)

    before = {k: queries(k, **a) for k, a in reports}
    for i in range(3):
        audit = graded("good", dt.date(2026, 3, 4 + i), team=north, sections=True)
        agreed(audit, dt.date(2026, 3, 5), dt.date(2026, 3, 30))
        make_supervision_item(audit=audit)
        add(audit)
    after = {k: queries(k, **a) for k, a in reports}
    assert after == before
