"""The demo council's history tells a story its reports can show: two years of months, the
neglect theme improving after its action plan, one team stuck at not yet good, 000's impact
scores month by month, and the family's and the worker's words."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from auditloop.audits.models import Answer, Audit, Conversation, FeedbackReply
from auditloop.common.statistics import Variation
from auditloop.demo import trends
from auditloop.demo.generator import generate_council
from auditloop.demo.history import DEFAULT_HISTORY_MONTHS, build_audit_history
from auditloop.demo.management.commands.demo import Command
from auditloop.insight import figures
from auditloop.insight.figures import Scope
from auditloop.standards.services import preset_apply

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 31)
# A shorter history than the demo's 24 months keeps the tests quick: 16 months still give the
# neglect theme 7 months before its plan (made 10 months back) and 9 after it.
MONTHS = 16
FIRST = dt.date(2024, 11, 1)
LAST = dt.date(2026, 2, 28)


def test_the_demo_makes_two_years_of_history_by_default() -> None:
    parser = Command().create_parser("auditloop", "demo")
    assert parser.parse_args([]).history_months == 24
    assert DEFAULT_HISTORY_MONTHS == 24


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """One small council with 16 months of history and small monthly samples, shared by
    the tests of this module (built once: it is the slow part) and rolled back at the end."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            generate_council(scale="small", seed=7, reference_date=TODAY)
            preset_apply(key="000-eha-signs-of-wellbeing")  # loads 000's tool
            preset_apply(key="002-six-key-areas")
            made = build_audit_history(rng=random.Random(7), today=TODAY, months=MONTHS,
                                       per_cycle=3, early_help_per_month=2)
            yield made
            transaction.set_rollback(True)


def test_each_month_has_a_cycle_a_neglect_audit_and_early_helps_own(history):  # type: ignore[no-untyped-def]
    assert len(history.cycles) == MONTHS
    assert history.cycles[0].period_start == FIRST
    themed = [c for c in history.programmes if c.theme == trends.IMPROVING_THEME]
    assert len(themed) == MONTHS
    assert len(history.programmes) == 2 * MONTHS


def test_the_neglect_theme_improves_after_its_action_plan(history):  # type: ignore[no-untyped-def]
    months = figures.months_between(FIRST, LAST)
    audits = figures.graded_audits(Scope(start=FIRST, end=LAST, theme=trends.IMPROVING_THEME))
    plan_month = figures.month_key(trends.theme_plan_on(TODAY))
    before = [a for a in audits if a.month < plan_month]
    after = [a for a in audits if a.month > plan_month]
    assert sum(bool(a.good) for a in before) < len(before) / 2
    assert sum(bool(a.good) for a in after) > len(after) * 2 / 3
    chart = figures.good_trend(audits, months)
    assert chart.has_limits and len(chart.points) == MONTHS
    later = [p for p in chart.points if p.period > plan_month]
    assert any(p.variation == Variation.IMPROVEMENT for p in later)
    assert not any(p.variation == Variation.CONCERN for p in later)
    assert "improvement" in chart.summary()


def test_one_named_team_stays_not_yet_good_every_month(history):  # type: ignore[no-untyped-def]
    team = trends.stuck_team()
    assert team is not None and team.name == "Child in Need"
    audits = figures.graded_audits(Scope(start=FIRST, end=LAST, team_id=team.pk))
    by_month = defaultdict(list)
    for a in audits:
        by_month[a.month].append(bool(a.good))
    assert len(by_month) == MONTHS  # audited every month
    assert all(sum(goods) <= len(goods) / 2 for goods in by_month.values())
    assert sum(bool(a.good) for a in audits) < len(audits) / 4
    # The rest of the council does better.
    everyone = figures.graded_audits(Scope(start=FIRST, end=LAST))
    others = [a for a in everyone if a.team != team.name]
    assert sum(bool(a.good) for a in others) > len(others) / 3


def test_impact_scores_vary_month_by_month_on_000s_audits(history):  # type: ignore[no-untyped-def]
    months = figures.months_between(FIRST, LAST)
    audits = figures.graded_audits(Scope(start=FIRST, end=LAST))
    scored = [a for a in audits if a.impact_score is not None]
    assert {a.month for a in scored} >= set(months[:-1])  # most months, in fact all
    tools = set(Audit.objects.filter(pk__in=[a.id for a in scored])
                .values_list("tool_version__tool__key", flat=True))
    assert tools == {trends.EARLY_HELP_TOOL}
    assert all(0 <= a.impact_score <= 10 for a in scored)  # type: ignore[operator]
    chart = figures.impact_trend(audits, months)
    assert len({round(p.value, 2) for p in chart.points}) > 8


def test_family_feedback_is_varied_and_names_no_one(history):  # type: ignore[no-untyped-def]
    audits = [a for a in history.audits if a.tool_version.tool.key == "002-six-key-areas"]
    views = list(Answer.objects.filter(audit__in=audits, section_key="family_feedback",
                                       question_key="views").values_list("value", flat=True))
    engagement = list(Answer.objects.filter(
        audit__in=audits, section_key="family_feedback",
        question_key="engagement").values_list("value", flat=True))
    assert len(engagement) == len(audits)
    assert {"engaged", "declined", "not_reached"} <= set(engagement)
    assert len(views) > len(audits) / 2
    assert len(set(views)) > 40
    contacts = Conversation.objects.filter(audit__in=audits, kind=Conversation.Kind.FAMILY)
    assert contacts.count() == len(audits)
    assert contacts.filter(outcome=Conversation.Outcome.HELD).count() == engagement.count(
        "engaged")
    names = {p.full_name.split()[-1] for a in audits for p in (a.case.key_worker,) if p}
    assert not any(name in text for name in names for text in views)


def test_workers_reply_to_the_feedback_on_most_audits(history):  # type: ignore[no-untyped-def]
    replies = FeedbackReply.objects.filter(audit__in=history.audits)
    assert replies.count() > len(history.audits) / 2
    assert replies.values("comments").distinct().count() > 4
    for reply in replies.select_related("audit__case"):
        assert reply.person_id == reply.audit.case.key_worker_id
        assert reply.created_at.date() > reply.audit.submitted_at.date()
