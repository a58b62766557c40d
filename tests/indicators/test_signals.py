"""Signals: an indicator's series on the right SPC chart, a signal raised once when the rules
fire or the target is crossed (not every month it persists), and a themed audit proposed
from it with a hypothesis and a selection built from the indicator's own cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from auditloop.common.dates import add_months
from auditloop.indicators import registry, signals
from auditloop.indicators.models import Indicator, IndicatorValue, Signal
from auditloop.indicators.registry import COUNCIL, Kind, Measure, Polarity, Scope, register
from auditloop.people.roles import Role
from auditloop.programme import proposals, services
from auditloop.programme.models import ThemeProposal
from tests.factories import CaseFactory, ServiceFactory, TeamFactory
from tests.programme.conftest import framework  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 1)
# Twelve ordinary months of re-referrals (of 100 referrals each), steady around 20%.
STEADY = [20, 22, 18, 21, 19, 20, 23, 17, 20, 21, 19, 20]


def _indicator(**kw: object) -> Indicator:
    values = {"key": "re_referrals", "name": "Re-referrals within 12 months",
              "definition": "Referrals in the month of a child referred in the 12 months "
              "before, of all referrals in the month.", "kind": Indicator.Kind.PROPORTION,
              "polarity": Indicator.Polarity.LOWER,
              "hypothesis": "{name} {movement} in {month}: were thresholds applied at the "
              "front door?", **kw}
    return Indicator.objects.create(**values)


def _months(indicator: Indicator, numerators: Sequence[int], denominator: int = 100, *,
            start: dt.date = START, scope: Scope = COUNCIL,
            cases: Sequence[int] = ()) -> list[IndicatorValue]:
    out = []
    for i, k in enumerate(numerators):
        first = add_months(start, i)
        value, _ = IndicatorValue.objects.update_or_create(
            indicator=indicator, period_start=first, **scope.fields(), defaults={
                "period_end": add_months(first, 1) - dt.timedelta(days=1),
                "numerator": k, "denominator": denominator, "value": k / denominator,
                "case_ids": list(cases), "computed_at": timezone.now()})
        out.append(value)
    return out


def _rates(indicator: Indicator, values: Sequence[float]) -> None:
    for i, v in enumerate(values):
        first = add_months(START, i)
        IndicatorValue.objects.create(indicator=indicator, period_start=first,
                                      period_end=first, value=v, computed_at=timezone.now())


def test_each_kind_of_series_gets_its_chart() -> None:
    small = _indicator()
    _months(small, STEADY)
    assert signals.chart_kind(small, signals.series(small)) == "p"
    large = _indicator(key="contacts_nfa", name="Contacts with no further action")
    _months(large, [k * 30 for k in STEADY], denominator=3000)
    assert signals.chart_kind(large, signals.series(large)) == "laney"
    rate = _indicator(key="visits", name="Days to the first visit", kind=Indicator.Kind.MEAN)
    _rates(rate, [5.0, 6.0, 5.5])
    assert signals.chart_kind(rate, signals.series(rate)) == "xmr"
    assert signals.chart(rate, signals.series(rate)).kind == "xmr"


def test_a_rise_above_the_limit_is_raised_once_and_kept_while_it_persists() -> None:
    indicator = _indicator()
    _months(indicator, [*STEADY, 45])
    raised = signals.detect(indicator)
    assert [(s.rule, s.direction, s.meaning, s.first_period) for s in raised] == [
        (Signal.Rule.OUTSIDE_LIMITS, Signal.Direction.UP, Signal.Meaning.CONCERN,
         dt.date(2027, 1, 1))]
    assert raised[0].chart == "p" and raised[0].value == pytest.approx(0.45)
    assert raised[0].limit is not None and 0.2 < raised[0].limit < 0.45
    # Computing again raises nothing new.
    assert signals.detect(indicator) == []
    # The next month is still high: the same signal, its last month moved on.
    _months(indicator, [*STEADY, 45, 47])
    assert signals.detect(indicator) == []
    only = Signal.objects.get()
    assert (only.first_period, only.last_period) == (dt.date(2027, 1, 1), dt.date(2027, 2, 1))


def test_a_fall_where_lower_is_better_is_improvement() -> None:
    indicator = _indicator()
    _months(indicator, [*STEADY, 2])
    (signal,) = signals.detect(indicator)
    assert (signal.direction, signal.meaning) == (Signal.Direction.DOWN,
                                                  Signal.Meaning.IMPROVEMENT)


def test_common_cause_variation_raises_nothing() -> None:
    indicator = _indicator()
    _months(indicator, STEADY * 2)
    assert signals.detect(indicator) == [] and not Signal.objects.exists()


def test_a_crossed_target_is_raised_at_the_crossing_and_not_again() -> None:
    indicator = _indicator(target=0.21)
    _months(indicator, [20, 20, 20, 23])
    (signal,) = signals.detect(indicator)
    assert (signal.rule, signal.direction, signal.first_period, signal.limit) == (
        Signal.Rule.TARGET, Signal.Direction.UP, dt.date(2026, 4, 1), 0.21)
    _months(indicator, [20, 20, 20, 23, 24])
    assert signals.detect(indicator) == []
    assert Signal.objects.get().last_period == dt.date(2026, 5, 1)
    # Back within the target, then over it again: a second crossing, a second signal.
    _months(indicator, [20, 20, 20, 23, 24, 19, 25])
    (again,) = signals.detect(indicator)
    assert again.first_period == dt.date(2026, 7, 1)


def test_a_series_that_starts_beyond_the_target_has_not_crossed_it() -> None:
    indicator = _indicator(target=0.1)
    _months(indicator, [20, 21])
    assert signals.detect(indicator) == []


def test_signals_are_kept_per_scope() -> None:
    indicator = _indicator()
    north = Scope(service_id=ServiceFactory().pk)
    _months(indicator, [*STEADY, 45], scope=north)
    _months(indicator, STEADY)
    assert signals.detect(indicator) == []
    (signal,) = signals.detect(indicator, north)
    assert signal.service_id == north.service_id


def test_a_signal_of_concern_proposes_a_themed_audit_from_its_own_cases() -> None:
    team = TeamFactory()
    counted = [CaseFactory(team=team).pk, CaseFactory(team=team).pk]
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], cases=counted)
    raised = signals.detect_all([indicator], [COUNCIL])
    assert len(raised) == 1
    proposal = ThemeProposal.objects.get()
    assert proposal.source == ThemeProposal.Source.INDICATOR
    assert proposal.theme == "Re-referrals within 12 months"
    assert proposal.hypothesis == ("Re-referrals within 12 months rose above the upper limit "
                                   "in January 2027: were thresholds applied at the front "
                                   "door?")
    # The cases themselves (by record number), not the teams holding them.
    assert proposal.selection_filter == {"case_ids": sorted(counted)}
    assert Signal.objects.get().proposal_id == proposal.pk
    # Once: looking again proposes nothing more.
    signals.detect_all([indicator], [COUNCIL])
    assert ThemeProposal.objects.count() == 1


def test_improvement_and_long_past_signals_propose_nothing() -> None:
    better = _indicator()
    _months(better, [*STEADY, 2])
    past = _indicator(key="repeat_plans", name="Repeat child protection plans")
    # A spike in the second year's first month, then twelve ordinary months.
    _months(past, [*STEADY, 45, *STEADY[:6]])
    signals.detect_all([better, past], [COUNCIL])
    assert Signal.objects.count() == 2
    assert not ThemeProposal.objects.exists()


def test_a_template_that_does_not_fit_falls_back_to_plain_words() -> None:
    indicator = _indicator(hypothesis="{name} {nonsense}")
    _months(indicator, [*STEADY, 45])
    (signal,) = signals.detect(indicator)
    assert signals.hypothesis(signal, indicator) == (
        "Re-referrals within 12 months rose above the upper limit in January 2027: what do "
        "the cases behind it show?")


KEY = "test_signal_source"


@pytest.fixture
def rising() -> Iterator[str]:
    """A registered indicator whose last month jumps: computing it raises its signal."""

    @register(key=KEY, name="Closed within a week", definition="Made up for the test.",
              source_fields=["test"], kind=Kind.PROPORTION, polarity=Polarity.LOWER)
    def measure(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
        if not scope.is_council:
            return None
        i = (start.year - 2026) * 12 + start.month - 1
        return Measure(numerator=45 if i == 12 else STEADY[i % 12], denominator=100)

    yield KEY
    registry.unregister(KEY)


def test_computing_the_months_raises_their_signals(rising, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("compute_indicators", "--from", "2026-01", "--to", "2027-01",
                 "--indicator", KEY)
    assert "1 new signal." in capsys.readouterr().out
    assert Signal.objects.get().indicator.key == KEY
    assert ThemeProposal.objects.get().theme == "Closed within a week"


def test_a_target_crossed_as_the_chart_signals_shares_one_proposal() -> None:
    indicator = _indicator(target=0.25)
    _months(indicator, [*STEADY, 45])
    signals.detect_all([indicator], [COUNCIL])
    rules = sorted(Signal.objects.values_list("rule", flat=True))
    assert rules == [Signal.Rule.OUTSIDE_LIMITS, Signal.Rule.TARGET]
    proposal = ThemeProposal.objects.get()
    assert set(Signal.objects.values_list("proposal_id", flat=True)) == {proposal.pk}


def test_large_denominators_use_laney_and_do_not_signal_every_month() -> None:
    indicator = _indicator(key="contacts", name="Contacts")
    _months(indicator, [k * 30 for k in STEADY * 2], denominator=3000)
    values = signals.series(indicator)
    plain = signals.chart(indicator, values, kind="p")
    assert sum(p.signal for p in plain.points) >= 4  # a plain p-chart cries wolf
    assert signals.chart(indicator, values).kind == "laney"
    assert signals.detect(indicator) == []


def test_a_service_signalling_with_the_council_shares_its_proposal() -> None:
    north = Scope(service_id=ServiceFactory(name="North").pk)
    indicator = _indicator()
    _months(indicator, [*STEADY, 45])
    _months(indicator, [*STEADY, 45], scope=north)
    signals.detect_all([indicator], [COUNCIL, north])
    assert Signal.objects.count() == 2
    council = Signal.objects.get(service__isnull=True)
    assert Signal.objects.get(service_id=north.service_id).proposal_id == council.proposal_id
    assert ThemeProposal.objects.count() == 1


def test_an_indicator_puts_one_proposal_at_a_time_to_the_qa_manager() -> None:
    south = Scope(service_id=ServiceFactory(name="South").pk)
    indicator = _indicator()
    _months(indicator, [*STEADY, 45])
    # The south alone, a year on: its own event, but the council's proposal for the
    # indicator still waits, so it joins that one rather than adding a second to the list.
    _months(indicator, [*STEADY, *STEADY, 45], scope=south)
    signals.detect_all([indicator], [COUNCIL, south])
    assert Signal.objects.count() == 2
    waiting = ThemeProposal.objects.get()
    assert set(Signal.objects.values_list("proposal_id", flat=True)) == {waiting.pk}
    # Once the QA manager has decided it, the indicator's next signal proposes afresh.
    proposals.dismiss(waiting, None, "Seen at the last QA meeting")
    _months(indicator, [*STEADY, *STEADY, 45, 20, 21, 19, 45], scope=south)
    signals.detect_all([indicator], [south])
    assert Signal.objects.count() == 3
    fresh = ThemeProposal.objects.get(status=ThemeProposal.Status.PROPOSED)
    assert fresh.selection_filter == {"service_ids": [south.service_id]}


def test_the_suggested_selection_keeps_the_scope_and_the_counted_cases_still_registered() -> None:
    north = Scope(service_id=ServiceFactory(name="North").pk)
    kept = [CaseFactory().pk, CaseFactory().pk]
    gone = CaseFactory()
    gone_id = gone.pk
    gone.delete()
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], scope=north, cases=[*kept, gone_id])
    signals.detect_all([indicator], [north])
    assert ThemeProposal.objects.get().selection_filter == {
        "service_ids": [north.service_id], "case_ids": sorted(kept)}


def test_more_cases_than_a_filter_may_name_suggest_their_teams(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(proposals, "CASE_IDS_MAX", 2)
    teams = [TeamFactory(), TeamFactory()]
    counted = [CaseFactory(team=teams[i % 2]).pk for i in range(3)]
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], cases=counted)
    signals.detect_all([indicator], [COUNCIL])
    assert ThemeProposal.objects.get().selection_filter == {
        "team_ids": sorted(t.pk for t in teams)}


def test_accepting_a_signals_proposal_limits_the_cycles_draw_to_its_cases(
        framework, role_client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    team = TeamFactory()
    everyone = [CaseFactory(team=team, opened_on=dt.date(2026, 1, 5)) for _ in range(12)]
    counted = sorted(c.pk for c in everyone[::3])
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], cases=counted)
    with time_machine.travel(dt.datetime(2027, 2, 10, 10, tzinfo=dt.UTC), tick=False):
        cycle = services.cycle_create(year=2027, number=3, actor=None)
        signals.detect_all([indicator], [COUNCIL])
        proposal = ThemeProposal.objects.get()
        assert proposals.filter_in_words(proposal.selection_filter) == (
            "only the 4 cases the signal counted")
        proposals.accept(proposal, None)
        qa_manager_client, _ = role_client(Role.QA_MANAGER)  # signed in on the day
        url = reverse("programme:propose", args=[cycle.pk])
        page = qa_manager_client.get(url)
        form = page.context["form"]
        assert form.initial["case_ids"] == counted
        assert "Only the 4 cases the signal counted" in page.content.decode()
        response = qa_manager_client.post(url, {
            "random_count": "3", "seed": "8", "case_ids": [str(i) for i in counted],
            "limit_to_cases": "on"})
        assert response.status_code == 302
        draw = cycle.draws.get()
        assert len(draw.chosen) == 3 and set(draw.chosen) <= set(counted)
        assert sorted(row[0] for row in draw.population) == counted
