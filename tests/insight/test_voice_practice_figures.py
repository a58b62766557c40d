"""The figures the reports take from what families and staff tell us and from practice seen
first-hand (insight.voice_figures, insight.multi_agency), checked against a small council
counted by hand: every expected number below is written out, never worked out again the
way the code does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from auditloop.cases.models import CaseEvent, Involvement
from auditloop.common.statistics import wilson
from auditloop.insight import kinds
from auditloop.insight import multi_agency as ma
from auditloop.insight import voice_figures as vf
from auditloop.insight.document import Cell, Document, Figures, Quotes, Table
from auditloop.people.models import Service
from auditloop.people.roles import Role
from auditloop.practice.models import PracticeAlert, PracticeAlertEscalation, TeamLink
from auditloop.voice import services as voice
from auditloop.voice.models import ComplaintCompliment
from tests.factories import (
    CaseFactory,
    ClosedCaseFactory,
    PersonFactory,
    ServiceFactory,
    TeamFactory,
)
from tests.factories_meetings import MultiAgencyMeetingFactory
from tests.practice.factories import make_alert
from tests.voice.test_family_feedback import family_set

pytestmark = pytest.mark.django_db
MARCH = kinds.Period.month(dt.date(2026, 3, 1))
Q1 = kinds.Period.quarter(2026, 1)
K = ComplaintCompliment.Kind
S = ComplaintCompliment.Source


def at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 11, tzinfo=dt.UTC),
                               tick=False)


@pytest.fixture
def council() -> dict[str, Any]:
    """Counted by hand in each test below."""
    cla = ServiceFactory(name="Children in care", kind=Service.Kind.CLA)
    cp = ServiceFactory(name="Child Protection", kind=Service.Kind.CP)
    unit = ServiceFactory(name="Safeguarding and Review Unit", kind=Service.Kind.OTHER)
    unit_team = TeamFactory(name="Safeguarding and Review Unit", service=unit)
    cla_team = TeamFactory(name="Children in Care North", service=cla)
    cp_team = TeamFactory(name="Child Protection North", service=cp)
    iro = PersonFactory(roles=[Role.IRO], team=unit_team)
    chair = PersonFactory(roles=[Role.IRO], team=unit_team)  # no team link
    TeamLink.objects.create(person=iro, team=cp_team, started_on=dt.date(2026, 1, 1))

    def case(team: Any, **kw: Any) -> Any:
        return CaseFactory(service=team.service, team=team, **kw)

    c1, c2 = case(cla_team), case(cla_team)
    case(cla_team, status="closed", closed_on=dt.date(2026, 3, 10))  # c3, ended 10 March
    c4 = case(cla_team, opened_on=dt.date(2026, 3, 15))
    p1, p2 = case(cp_team), case(cp_team)
    for c in (c1, c4, p1):
        Involvement.objects.create(case=c, person=iro, role=Involvement.Role.IRO,
                                   started_on=dt.date(2026, 1, 5))
    for c, kind, day in ((c1, CaseEvent.Kind.REVIEW, dt.date(2026, 3, 3)),
                         (c1, CaseEvent.Kind.REVIEW, dt.date(2026, 2, 10)),
                         (c2, CaseEvent.Kind.REVIEW, dt.date(2026, 3, 20)),
                         (p1, CaseEvent.Kind.ICPC, dt.date(2026, 3, 5)),
                         (p2, CaseEvent.Kind.REVIEW, dt.date(2026, 3, 25))):
        CaseEvent.objects.create(case=c, kind=kind, occurred_on=day)

    # Practice alerts: two in March (one escalated), one in February.
    world = {"case": p1, "iro": iro}
    with at(dt.date(2026, 3, 10)):
        first = make_alert(world, theme=PracticeAlert.Theme.PLANNING)
        make_alert(world, theme=PracticeAlert.Theme.DRIFT)
    PracticeAlertEscalation.objects.create(alert=first, step=1,
                                           escalated_on=dt.date(2026, 3, 20))
    with at(dt.date(2026, 2, 10)):
        make_alert(world, theme=PracticeAlert.Theme.PLANNING)

    # Complaints and compliments.
    def log(kind: str, day: dt.date, *, theme: str = "", team: Any = None,
            service: Any = None) -> ComplaintCompliment:
        return voice.complaint_compliment_record(
            actor=None, kind=kind, source=S.PARENT_OR_CARER, received_on=day,
            summary="Words.", theme=theme, team=team, service=service)

    upheld = log(K.COMPLAINT, dt.date(2026, 3, 5), theme="Communication", team=unit_team)
    voice.complaint_compliment_outcome(entry=upheld, actor=None, outcome="Apologised.",
                                       learning="", decision="upheld")
    log(K.COMPLIMENT, dt.date(2026, 3, 6), theme="Communication", team=unit_team)
    log(K.COMPLAINT, dt.date(2026, 3, 7), service=unit)  # the unit, no team, no theme
    log(K.COMPLAINT, dt.date(2026, 3, 8), theme="Communication", team=cla_team)
    log(K.COMPLAINT, dt.date(2026, 4, 2), theme="Communication", team=unit_team)

    # Meetings: three in March, one in February.
    M = MultiAgencyMeetingFactory
    M(case=p1, kind="cp_initial", held_on=dt.date(2026, 3, 5), chaired_by=iro,
      invited=["police", "gp", "education"], attended=["police", "gp"],
      sent_report=["gp", "education"])
    M(case=c1, kind="looked_after_review", held_on=dt.date(2026, 3, 3), chaired_by=iro,
      invited=["health_visiting", "education"], attended=["education"], sent_report=[])
    M(case=p2, kind="cp_review", held_on=dt.date(2026, 3, 25), chaired_by=chair,
      invited=["police", "education"], attended=[], sent_report=["police"])
    M(case=p2, kind="cp_review", held_on=dt.date(2026, 2, 25), chaired_by=chair,
      invited=["police"], attended=["police"], sent_report=[])
    return {"iro": iro, "chair": chair, "unit_team": unit_team, "cp_team": cp_team,
            "c1": c1, "p1": p1}


def kn(p: Any) -> tuple[int, int]:
    return (p.k, p.n)


def test_case_activity_for_cared_for_children_and_child_protection(council):
    cla, cp = vf.case_activity(since=MARCH.start, until=MARCH.end)
    assert cla.label == "Cared For Children"
    # c1, c2, c4 open at the end (c3 closed on 10 March); c4 started; c3 ended; reviews
    # on c1 (3 March) and c2 (20 March), not c1's in February; an IRO on c1 and c4.
    assert (cla.open_at_end, cla.started, cla.ended, cla.reviews, cla.conferences) == (
        3, 1, 1, 2, 0)
    assert kn(cla.with_chair) == (2, 3)
    assert (cp.open_at_end, cp.started, cp.ended, cp.reviews, cp.conferences) == (2, 0, 0, 1, 1)
    assert kn(cp.with_chair) == (1, 2)


def test_practice_alerts_of_the_month_with_their_themes(council):
    a = vf.alerts(since=MARCH.start, until=MARCH.end)
    assert (a.raised, a.escalated) == (2, 1)
    assert a.by_theme == (("Plans and planning", 1), ("Drift and delay", 1))
    assert a.by_status == (("Raised", 2), ("Answered", 0), ("Resolved", 0))
    chart = vf.alerts_trend(until=MARCH.end)
    assert [(p.period, p.value) for p in chart.points] == [("2026-02", 1.0), ("2026-03", 2.0)]


def test_complaints_the_unit_received_and_the_councils(council):
    unit = vf.unit()
    assert unit.team_ids == {council["unit_team"].pk}
    mine = vf.complaints(since=MARCH.start, until=MARCH.end, team_ids=unit.team_ids,
                         service_ids=unit.service_ids)
    # The unit's team's complaint and compliment, and the complaint logged against the
    # unit's service with no team; not the care team's, nor April's.
    assert (mine.complaints, mine.compliments) == (2, 1)
    assert mine.themes == (vf.ThemeRow("Communication", 1, 1),
                           vf.ThemeRow("No theme given", 1, 0))
    assert kn(mine.upheld) == (1, 1)
    every = vf.complaints(since=MARCH.start, until=MARCH.end)
    assert (every.complaints, every.compliments) == (3, 1)
    assert every.themes[0] == vf.ThemeRow("Communication", 2, 1)


def test_each_agencys_attendance_and_contribution_with_intervals(council):
    m = ma.contribution(since=MARCH.start, until=MARCH.end)
    assert m.meetings == 3
    assert m.by_kind == (("Initial child protection conference", 1),
                         ("Review child protection conference", 1),
                         ("Looked-after review", 1))
    rows = {r.agency: (r.invited, kn(r.attended), kn(r.sent_report), kn(r.contributed))
            for r in m.agencies}
    assert rows == {
        "Police": (2, (1, 2), (1, 2), (2, 2)),
        "GP": (1, (1, 1), (1, 1), (1, 1)),
        "Health visiting or school nursing": (1, (0, 1), (0, 1), (0, 1)),
        "School, college or early years setting": (3, (1, 3), (1, 3), (2, 3)),
    }
    police = m.agencies[0]
    assert str(police.attended) == "50% (1 of 2; 95% interval 9% to 91%)"


def test_team_links_counted_by_team_naming_no_one(council):
    t = vf.team_links(since=MARCH.start, until=MARCH.end)
    assert kn(t.with_link) == (1, 2)
    assert t.rows == (vf.TeamLinkRow("Child Protection North", 1, 2),)


def answer(day: dt.date, *, understood: str, explained: str, views: str, words: str,
           consent: bool, link: bool = False) -> None:
    with at(day):
        case = ClosedCaseFactory()
        invitation = None
        if link:
            invitation, _ = voice.feedback_invitation_create(
                case=case, question_set=family_set(), actor=None)
        voice.feedback_record(
            case=case, question_set=family_set(), interpreter="none", actor=None,
            consent_to_quote=consent, invitation=invitation,
            answers={"understood_why": understood, "worker_explained": explained,
                     "views_in_plan": views, "difference": words, "anything_else": ""})


def families(staff_name: str) -> None:
    answer(dt.date(2026, 3, 2), understood="5", explained="yes", views="4",
           words="We felt heard.", consent=True, link=True)
    answer(dt.date(2026, 3, 9), understood="2", explained="no", views="5",
           words="Private words.", consent=False)
    answer(dt.date(2026, 3, 16), understood="4", explained="yes", views="3",
           words=f"Thanks to {staff_name} for everything.", consent=True)
    answer(dt.date(2026, 4, 6), understood="1", explained="no", views="1",
           words="April.", consent=True)


def test_what_families_told_us_counts_shares_and_quotes_only_with_consent(council):
    families(council["iro"].full_name)
    fam = vf.family_voice(since=MARCH.start, until=MARCH.end)
    assert (fam.responses, fam.from_link, fam.with_worker, fam.by_phone) == (3, 1, 2, 0)
    shares = {q.text: kn(q.positive) for q in fam.questions}
    assert sorted(shares.values()) == [(2, 3), (2, 3), (2, 3)]
    # Only the family who agreed, and never a quote naming someone on the staff list.
    assert fam.quotes == ("We felt heard.",)
    assert kn(fam.links_answered) == (1, 1)


def cells(doc: Document) -> dict[str, Cell]:
    return {label: cell for s in doc.sections for b in s.blocks if isinstance(b, Figures)
            for label, cell in b.rows}


def test_the_safeguarding_unit_report(council):
    doc = kinds.build("safeguarding_unit", kinds.Context(
        scope=kinds.Scope(start=MARCH.start, end=MARCH.end), period=MARCH))
    assert doc.title == "Safeguarding Unit performance report"
    assert [s.heading for s in doc.sections] == [
        "Cared For Children and children subject to child protection planning",
        "Practice alerts", "Complaints and compliments the unit received",
        "Multi-agency contribution to meetings and planning", "Team links"]
    c = cells(doc)
    assert c["Practice alerts raised by IROs and CP Chairs"].k == 2
    assert c["Complaints received"].k == 2 and c["Compliments received"].k == 1
    assert (c["IROs and CP Chairs in post with a team link"].k,
            c["IROs and CP Chairs in post with a team link"].n) == (1, 2)
    agencies = next(t for _, t in doc.tables() if t.ident == "agencies")
    police = agencies.rows[0]
    assert police[0].text == "Police" and police[2].text == str(wilson(1, 2))
    assert list(doc.charts())
    text = doc.text()
    for name in (council["iro"].full_name, council["chair"].full_name,
                 council["c1"].reference, council["p1"].reference):
        assert name not in text


def test_the_quarterly_report_answers_what_families_tell_us(council):
    families(council["iro"].full_name)
    doc = kinds.build("quarterly", kinds.Context(
        scope=kinds.Scope(start=Q1.start, end=Q1.end), period=Q1))
    headings = [s.heading for s in doc.sections]
    assert {"What families told us after their case closed", "Complaints and compliments",
            "Practice alerts"} <= set(headings)
    six = next(s for s in doc.sections if s.heading == "The six questions")
    rows = {label: cell for b in six.blocks if isinstance(b, Figures) for label, cell in b.rows}
    assert rows["Feedback forms families returned after their case closed"].k == 3
    # Every complaint of the quarter: the unit's two and the care team's; not April's.
    assert rows["Complaints received"].k == 3
    asked = [(c.k, c.n) for label, c in rows.items() if label.startswith("Family feedback:")]
    assert asked == [(2, 3), (2, 3), (2, 3)]
    quotes = [q.text for b in six.blocks if isinstance(b, Quotes) for q in b.items]
    assert quotes == ["We felt heard."]
    alerts = next(s for s in doc.sections if s.heading == "Practice alerts")
    assert cells(Document(title="", period="", sections=(alerts,)))[
        "Practice alerts raised by IROs and CP Chairs"].k == 3
    assert not any(isinstance(b, Table) and "Private words." in str(b.rows)
                   for s in doc.sections for b in s.blocks)
    assert "Private words." not in doc.text()
