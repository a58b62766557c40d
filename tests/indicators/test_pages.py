"""The indicators' pages: each indicator in a scope with its latest figure (count and
interval), benchmarks, sparkline and what was done about each signal; one indicator's SPC
chart with its months; who may read them; their queries, pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.indicators import signals
from auditloop.indicators.models import Indicator, IndicatorValue
from auditloop.indicators.registry import COUNCIL, Scope
from auditloop.people.roles import Role
from auditloop.programme import proposals, services
from auditloop.programme.models import ThemeProposal
from tests.factories import ServiceFactory
from tests.indicators.test_signals import STEADY, _indicator, _months

pytestmark = pytest.mark.django_db
LIST = reverse("indicators:indicator_list")


def _detail(key: str, scope: str = "") -> str:
    return reverse("indicators:indicator_detail", args=[key]) + (
        f"?scope={scope}" if scope else "")


@pytest.fixture
def signalled() -> Indicator:
    indicator = _indicator(target=0.25)
    values = _months(indicator, [*STEADY, 45])
    IndicatorValue.objects.filter(pk=values[-1].pk).update(
        england_average=0.22, statistical_neighbours_average=0.21)
    signals.detect_all([indicator], [COUNCIL])
    return indicator


def test_only_report_readers_and_the_qa_team_read_them(signalled, role_client) -> None:  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(signalled.key)).status_code == 403
    client, _ = role_client(Role.SENIOR_LEADER)
    assert client.get(LIST).status_code == 200
    assert client.get(_detail("no_such_indicator")).status_code == 404


def test_the_list_shows_the_latest_figure_its_benchmarks_and_the_signal(
        signalled, qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    page = qa_manager_client.get(LIST).content.decode()
    assert "Re-referrals within 12 months" in page
    assert "January 2027" in page
    # The figure with its count and interval.
    assert "45%" in page and "45 of 100; 95% interval 36% to 55%" in page
    assert "Target</dt>" in page and "25%" in page
    assert "England</dt>" in page and "22%" in page
    assert "Statistical neighbours</dt>" in page and "21%" in page
    assert '<svg class="app-sparkline"' in page
    # The signal in words, and that an audit is proposed with where to decide it.
    assert "Concern: rose above the upper limit (January 2027)." in page
    assert "A themed audit is proposed: waiting for the QA manager." in page
    assert reverse("programme:proposal_list") in page


def test_what_was_done_follows_the_proposal(signalled, qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    services.cycle_create(year=2027, number=2, actor=None)
    proposal = ThemeProposal.objects.get()
    proposals.accept(proposal, None)
    proposal.refresh_from_db()
    page = qa_manager_client.get(LIST).content.decode()
    assert f"Themed audit accepted for the {proposal.cycle.title}." in page


def test_a_dismissed_proposal_shows_its_reason(signalled, qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    proposals.dismiss(ThemeProposal.objects.get(), None, "Audited the front door in March")
    page = qa_manager_client.get(LIST).content.decode()
    assert "Dismissed: Audited the front door in March" in page


def test_the_detail_shows_the_chart_and_every_month(signalled, qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    page = qa_manager_client.get(_detail(signalled.key)).content.decode()
    assert "The p-chart" in page and 'class="app-chart"' in page
    assert signalled.definition in page
    assert "January 2026" in page and "20 of 100" in page
    assert "Concern: rose above the upper limit (January 2027)." in page


def test_each_service_has_its_own_figures(qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    north = ServiceFactory(name="Northern Children's Services")
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], scope=Scope(service_id=north.pk))
    _months(indicator, [30])
    council = qa_manager_client.get(LIST).content.decode()
    assert "30%" in council and "45%" not in council
    scoped = qa_manager_client.get(f"{LIST}?scope=service-{north.pk}").content.decode()
    assert "Indicators: Northern Children&#39;s Services" in scoped and "45%" in scoped
    # An unknown scope is the whole council, never an error.
    assert qa_manager_client.get(f"{LIST}?scope=service-99999").status_code == 200
    assert "30%" in qa_manager_client.get(_detail(indicator.key, "nonsense")).content.decode()


def test_nothing_computed_yet_says_how_to_compute(qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    page = qa_manager_client.get(LIST).content.decode()
    assert "auditloop compute_indicators" in page


def test_the_list_takes_the_same_queries_however_many_indicators(
        qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert qa_manager_client.get(LIST).status_code == 200
        return len(ctx)

    first = _indicator()
    _months(first, [*STEADY, 45])
    signals.detect_all([first], [COUNCIL])
    count()  # the first request of a session may write its activity (people.sessions)
    one = count()
    for n in range(3):
        more = _indicator(key=f"more_{n}", name=f"More {n}")
        _months(more, [*STEADY, 45], start=dt.date(2026, 1, 1))
        signals.detect_all([more], [COUNCIL])
    assert count() == one


def test_indicators_with_no_figures_wait_at_the_end(qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    _indicator(key="a_first", name="A figure never computed")
    counted = _indicator()
    _months(counted, [20, 21])
    page = qa_manager_client.get(LIST).content.decode()
    assert page.index("Re-referrals within 12 months") < page.index("Not computed yet")
    assert page.index("Not computed yet") < page.index("A figure never computed")


def test_a_signal_without_a_proposal_says_why_by_its_meaning() -> None:
    from auditloop.indicators.selectors import Done

    assert Done(improvement=True).words == (
        "No audit proposed (improvement is reported, not audited).")
    # A concern or an unusual run that ended long ago is not called an improvement.
    words = Done().words
    assert "improvement" not in words
    assert words.startswith("No audit proposed (the signal ended more than 3 months")
