"""The indicators in the monthly and quarterly reports: those the framework names (the ones
driving its indicator filters) and any that signalled in the period, each with its figure,
count and interval, benchmarks, SPC chart and its signals in plain words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from auditloop.indicators import registry, signals
from auditloop.indicators.models import IndicatorValue
from auditloop.indicators.registry import COUNCIL, Kind, Measure, Polarity, Scope, register
from auditloop.insight import indicator_sections, kinds
from auditloop.insight.document import ChartBlock, Document, Figures, Text
from auditloop.insight.figures import Scope as ReportScope
from auditloop.insight.kinds import Context, Period
from auditloop.standards.selectors import framework_settings_row
from tests.factories import ServiceFactory
from tests.indicators.test_signals import STEADY, _indicator, _months

pytestmark = pytest.mark.django_db
JANUARY = ReportScope(start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31))
KEY = "test_named_by_the_framework"


def _texts(section) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.text for b in section.blocks if isinstance(b, Text)]


def test_an_indicator_that_signalled_in_the_month_is_reported_in_plain_words() -> None:
    indicator = _indicator(target=0.3)
    _months(indicator, [*STEADY, 45])
    IndicatorValue.objects.filter(period_start=dt.date(2027, 1, 1)).update(england_average=0.2)
    signals.detect_all([indicator], [COUNCIL])
    section = indicator_sections.indicators(JANUARY)
    (figures,) = [b for b in section.blocks if isinstance(b, Figures)]
    label, cell = figures.rows[0]
    assert label == "Re-referrals within 12 months, January 2027"
    assert (cell.k, cell.n) == (45, 100) and cell.low is not None and cell.high is not None
    assert ("England", "20%") in [(lab, c.text) for lab, c in figures.rows]
    assert ("Target", "30%") in [(lab, c.text) for lab, c in figures.rows]
    (chart,) = [b for b in section.blocks if isinstance(b, ChartBlock)]
    assert chart.chart.kind == "p" and len(chart.chart.points) == 13
    texts = _texts(section)
    assert ("Concern: rose above the upper limit (January 2027). A themed audit is proposed: "
            "waiting for the QA manager.") in texts
    assert any(t.startswith("Concern: rose above its target of 30%") for t in texts)
    # The month before, nothing had signalled and the framework names none: no indicator.
    december = ReportScope(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31))
    quiet = indicator_sections.indicators(december)
    assert not [b for b in quiet.blocks if isinstance(b, Figures)]
    assert "no indicator signalled in it" in _texts(quiet)[0]


@pytest.fixture
def named() -> Iterator[str]:
    @register(key=KEY, name="Use of police powers", definition="Made up for the test.",
              source_fields=["test"], kind=Kind.COUNT, polarity=Polarity.LOWER,
              preset_filters=["Use of Police Powers (numbers high against statistical "
                              "neighbours)"])
    def measure(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
        return Measure(value=12.0) if scope.is_council else None

    yield KEY
    registry.unregister(KEY)


def test_the_indicators_the_framework_names_are_reported_without_a_signal(named) -> None:  # type: ignore[no-untyped-def]
    registry.compute("2026-12", keys=[KEY])
    registry.compute("2027-01", keys=[KEY])
    section = indicator_sections.indicators(JANUARY)
    assert not [b for b in section.blocks if isinstance(b, Figures)]  # not named yet
    row = framework_settings_row()
    row.selection_modes = [{"mode": "indicator_led", "filters": [
        {"filter": "indicator",
         "value": "Use of Police Powers (numbers high against statistical neighbours)"}]}]
    row.save()
    section = indicator_sections.indicators(JANUARY)
    (figures,) = [b for b in section.blocks if isinstance(b, Figures)]
    assert figures.rows[0][0] == "Use of police powers, January 2027"
    assert figures.rows[0][1].text == "12"
    assert "Use of police powers: no signal in this period." in _texts(section)


def test_a_services_report_reads_the_services_figures() -> None:
    north = ServiceFactory()
    indicator = _indicator()
    _months(indicator, [*STEADY, 45], scope=Scope(service_id=north.pk))
    signals.detect_all([indicator], [Scope(service_id=north.pk)])
    assert not [b for b in indicator_sections.indicators(JANUARY).blocks
                if isinstance(b, Figures)]
    theirs = ReportScope(start=JANUARY.start, end=JANUARY.end, service_id=north.pk)
    (figures,) = [b for b in indicator_sections.indicators(theirs).blocks
                  if isinstance(b, Figures)]
    assert (figures.rows[0][1].k, figures.rows[0][1].n) == (45, 100)


@pytest.mark.parametrize("key,period", [
    ("monthly", Period.month(dt.date(2027, 1, 1))),
    ("quarterly", Period.quarter(2027, 1)),
])
def test_the_monthly_and_quarterly_reports_carry_the_section(key, period) -> None:  # type: ignore[no-untyped-def]
    indicator = _indicator()
    _months(indicator, [*STEADY, 45])
    signals.detect_all([indicator], [COUNCIL])
    doc = kinds.build(key, Context(scope=ReportScope(start=period.start, end=period.end),
                                   period=period))
    assert Document.from_json(doc.to_json()) == doc
    (section,) = [s for s in doc.sections if s.ident == "indicators"]
    assert any("rose above the upper limit" in t for t in _texts(section))
