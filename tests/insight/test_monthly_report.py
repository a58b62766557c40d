"""The monthly QA and impact report: each figure checked against a direct query of its own,
with its count and interval, the trend as a p-chart, and the page for those who read
reports."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.audits.models import Audit, AuditAction, ImmediateConcern
from auditloop.common.statistics import Rule, wilson
from auditloop.insight import figures
from auditloop.people.roles import Role
from tests.factories import (
    CaseFactory,
    PersonFactory,
    TeamFactory,
    finish_audit,
    make_action,
    make_audit,
    make_immediate_concern,
)

pytestmark = pytest.mark.django_db
MARCH = figures.Scope(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
GOOD = {"outstanding", "good"}


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def graded(grade: str, day: dt.date, team=None, impact: int | None = None) -> Audit:
    audit = finish_audit(make_audit(case=CaseFactory(team=team or TeamFactory())), grade=grade)
    Audit.objects.filter(pk=audit.pk).update(submitted_at=at(day), impact_score=impact)
    return audit


@pytest.fixture
def month_of_audits():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    made = [graded("good", dt.date(2026, 3, 2), north, impact=7),
            graded("outstanding", dt.date(2026, 3, 9), north, impact=9),
            graded("requires_improvement", dt.date(2026, 3, 16), south, impact=4),
            graded("inadequate", dt.date(2026, 3, 31), south, impact=2),
            graded("good", dt.date(2026, 3, 20), south, impact=6)]
    # Outside the month, or not counted: a February audit, an April one, a withdrawn one.
    graded("inadequate", dt.date(2026, 2, 27), north)
    graded("good", dt.date(2026, 4, 1), north)
    withdrawn = make_audit()
    Audit.objects.filter(pk=withdrawn.pk).update(status=Audit.Status.WITHDRAWN,
                                                 submitted_at=at(dt.date(2026, 3, 5)),
                                                 final_grade="good")
    return made, north, south


def direct_march():
    return Audit.objects.filter(submitted_at__date__range=(MARCH.start, MARCH.end)).exclude(
        status__in=[Audit.Status.WITHDRAWN, Audit.Status.PLANNED, Audit.Status.ALLOCATED,
                    Audit.Status.IN_PROGRESS])


def test_the_grades_match_a_direct_count(month_of_audits):
    report = figures.monthly(MARCH)
    direct = dict(direct_march().values_list("final_grade").annotate(n=Count("pk")))
    assert len(report.audits) == sum(direct.values()) == 5
    [dist] = report.distributions
    assert {r.key: r.count for r in dist.rows if r.count} == direct
    assert [r.key for r in dist.rows] == ["outstanding", "good", "requires_improvement",
                                          "inadequate"]
    for row in dist.rows:
        assert row.share == wilson(direct.get(row.key, 0), 5)


def test_good_or_better_carries_its_count_and_interval(month_of_audits):
    report = figures.monthly(MARCH)
    good = direct_march().filter(final_grade__in=GOOD).count()
    assert (report.good.k, report.good.n) == (good, 5) == (3, 5)
    assert str(report.good) == "60% (3 of 5; 95% interval 23% to 88%)"


def test_good_or_better_by_team_fewest_first(month_of_audits):
    _, north, south = month_of_audits
    report = figures.monthly(MARCH)
    rows = {r.name: (r.good.k, r.good.n) for r in report.by_team}
    for team in (north, south):
        qs = direct_march().filter(case__team=team)
        assert rows[team.name] == (qs.filter(final_grade__in=GOOD).count(), qs.count())
    assert [r.name for r in report.by_team] == ["South", "North"]


def test_the_area_filters_narrow_every_figure(month_of_audits):
    _, north, _ = month_of_audits
    report = figures.monthly(figures.Scope(start=MARCH.start, end=MARCH.end,
                                           team_id=north.pk))
    assert (report.good.k, report.good.n) == (2, 2)
    assert [r.name for r in report.by_team] == ["North"]


def test_the_impact_score_mean_and_spread(month_of_audits):
    report = figures.monthly(MARCH)
    scores = list(direct_march().values_list("impact_score", flat=True))
    mean = sum(scores) / len(scores)
    assert report.impact.n == 5 and report.impact.mean == pytest.approx(mean)
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
    assert report.impact.sd == pytest.approx(sd)
    assert (report.impact.low, report.impact.high) == (2, 9)


def test_the_trend_is_a_p_chart_of_each_months_counts(month_of_audits):
    report = figures.monthly(MARCH)
    chart = report.good_trend
    assert chart is not None and chart.kind == "p"
    points = {p.period: (p.numerator, p.denominator) for p in chart.points}
    assert points == {"2026-02": (0, 1), "2026-03": (3, 5)}  # months with no audit left out
    assert chart.points[0].centre == pytest.approx(3 / 6)


def test_ups_and_downs_are_not_a_signal_but_seven_months_above_are():
    team = TeamFactory()
    # Two years of two audits a month: 1 or 2 good in turn for 17 months (ending on 1),
    # then both good for seven months. The centre is 39 of 48.
    for m in range(24):
        good = 2 if m >= 17 or m % 2 else 1
        for i in range(2):
            graded("good" if i < good else "requires_improvement",
                   figures.add_months(dt.date(2024, 4, 1), m), team)
    chart = figures.monthly(MARCH).good_trend
    assert chart is not None and len(chart.points) == 24
    assert chart.points[0].centre == pytest.approx(39 / 48)
    assert all(p.rules == (Rule.SHIFT,) for p in chart.points[-7:])
    assert not any(p.signal for p in chart.points[:17])
    assert "7 points of improvement" in chart.summary()


def test_actions_and_concerns_from_the_areas_audits(month_of_audits):
    made, *_ = month_of_audits
    owner = PersonFactory()
    agreed = make_action(owner=owner, due_on=dt.date(2026, 3, 20))
    done = make_action(owner=owner, due_on=dt.date(2026, 4, 20))
    elsewhere = make_action(owner=owner)  # not from an audit: not counted
    for action in (agreed, done):
        AuditAction.objects.create(audit=made[0], action=action)
    Action.objects.filter(pk__in=[agreed.pk, done.pk, elsewhere.pk]).update(
        created_at=at(dt.date(2026, 3, 3)))
    Action.objects.filter(pk=done.pk).update(signed_off_at=at(dt.date(2026, 3, 25)),
                                             status=Action.Status.GREEN)
    concern = make_immediate_concern(audit=made[1])
    ImmediateConcern.objects.filter(pk=concern.pk).update(created_at=at(dt.date(2026, 3, 4)))
    report = figures.monthly(MARCH)
    assert report.actions == figures.ActionFigures(agreed=2, signed_off=1, open_at_end=1,
                                                   overdue_at_end=1)
    assert report.immediate_concerns == ImmediateConcern.objects.filter(
        created_at__date__range=(MARCH.start, MARCH.end)).count() == 1


# ------------------------------------------------------------------ the page


def test_the_page_shows_each_figure_with_its_count(month_of_audits, role_client):
    client, _ = role_client(Role.SENIOR_LEADER)
    response = client.get(reverse("insight:monthly"), {"month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "March 2026" in html
    assert re.search(r'id="audits-graded"><a class="govuk-link" href="/reports/audits/\?'
                     r'[^"]*start=2026-03-01[^"]*">5</a><', html)
    # Each figure leads to the audits behind it.
    assert "good=1" in html and "grade=inadequate" in html
    assert "60% <span class=\"govuk-body-s\">(3 of 5; 95% interval 23% to 88%)" in html
    assert '<svg' in html and 'role="img"' in html
    assert "Audits good or better each month, 2 months from 2026-02 to 2026-03" in html
    # A senior leader sees figures, never a case.
    assert all(a.case.reference not in html for a in Audit.objects.select_related("case"))


def test_a_month_with_no_audits_says_so(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    response = client.get(reverse("insight:monthly"), {"month": "2025-01"})
    assert "No audit was submitted with a grade in January 2025" in response.content.decode()


def test_a_month_that_cannot_be_read_says_what_to_enter(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    response = client.get(reverse("insight:monthly"), {"month": "March"})
    assert response.status_code == 200
    assert "Enter the month as the year and month number" in response.content.decode()


def test_readers_only_and_get_only(role_client):
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(reverse("insight:monthly")).status_code == 403
    client, _ = role_client(Role.QA_MANAGER)
    assert client.post(reverse("insight:monthly")).status_code == 405


def test_the_page_runs_a_fixed_number_of_queries(month_of_audits, role_client,
                                                 django_assert_max_num_queries):
    client, _ = role_client(Role.QA_MANAGER)
    graded("good", dt.date(2026, 3, 12), impact=5)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("insight:monthly"), {"month": "2026-03"})
    assert response.status_code == 200


def test_moderation_counts_the_months_completed_reviews_of_earlier_audits():
    from auditloop.moderation.models import ModerationReview
    from tests.moderation.factories import cycle_of, review_of, set_framework

    set_framework()
    _, audits = cycle_of(3, year=2026, number=2)  # February's audits, moderated in March
    reviews = [review_of(a) for a in audits]
    done = {reviews[0].pk: True, reviews[1].pk: False}
    for pk, changed in done.items():
        ModerationReview.objects.filter(pk=pk).update(
            status=ModerationReview.Status.COMPLETED, overall_changed=changed,
            completed_at=at(dt.date(2026, 3, 10)))
    report = figures.monthly(MARCH)
    direct = ModerationReview.objects.filter(
        status="completed", completed_at__date__range=(MARCH.start, MARCH.end))
    assert report.moderation == figures.ModerationFigures(
        completed=direct.count(), changed=wilson(direct.filter(overall_changed=True).count(),
                                                 direct.count()))
    assert report.moderation.completed == 2 and report.moderation.changed.k == 1


def test_the_report_opens_on_last_month_with_the_month_filled_in(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    import time_machine

    with time_machine.travel(dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC), tick=False):
        html = client.get(reverse("insight:monthly")).content.decode()
    assert "<h1 class=\"govuk-heading-l\">March 2026</h1>" in html
    assert 'value="2026-03"' in html
