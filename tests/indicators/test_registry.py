"""The registry: a registered function is computed per month and scope and stored, and
computing a month again updates it in place, so a series survives re-imports."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from auditloop.cases.models import Case
from auditloop.indicators import registry
from auditloop.indicators.models import Indicator, IndicatorValue
from auditloop.indicators.registry import (
    COUNCIL,
    Kind,
    Measure,
    Period,
    Polarity,
    Scope,
    register,
)
from tests.factories import CaseFactory, LocalityFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

KEY = "test_closed_in_month"


@pytest.fixture
def closed_share() -> Iterator[str]:
    """A made-up indicator: of the cases open at some time in the month, the share closed
    in it."""

    @register(key=KEY, name="Cases closed in the month",
              definition="Of the cases open at any time in the month, those closed in it.",
              source_fields=["Case: opened_on", "Case: closed_on"], kind=Kind.PROPORTION,
              polarity=Polarity.NEITHER, source="The register",
              hypothesis="{name} {movement} in {month}: why?")
    def closed(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
        open_then = scope.cases(Case.objects.filter(opened_on__lte=end)).exclude(
            closed_on__lt=start)
        if not open_then.exists():
            return None
        closed = open_then.filter(closed_on__gte=start, closed_on__lte=end)
        return Measure(numerator=closed.count(), denominator=open_then.count(),
                       cases=list(closed.values_list("pk", flat=True)))

    yield KEY
    registry.unregister(KEY)


def test_period_arithmetic() -> None:
    p = Period.parse("2026-10")
    assert (p.start, p.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert Period.parse("2024-02-14").end == dt.date(2024, 2, 29)
    assert p.shift(3).key == "2027-01" and p.shift(-10).key == "2025-12"
    assert p.label == "October 2026"
    assert [m.key for m in registry.months(Period.parse("2026-11"), Period.parse("2027-02"))
            ] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    with pytest.raises(ValueError, match="not a month"):
        Period.parse("October")


def test_register_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        register(key="x", name="x", definition="x", source_fields=[], kind="ratio",
                 polarity=Polarity.LOWER)
    with pytest.raises(ValueError, match="polarity"):
        register(key="x", name="x", definition="x", source_fields=[], kind=Kind.COUNT,
                 polarity="up")
    with pytest.raises(ValueError, match="definition"):
        register(key="x", name="x", definition=" ", source_fields=[], kind=Kind.COUNT,
                 polarity=Polarity.LOWER)


def test_compute_stores_each_scope_and_updates_in_place(closed_share: str) -> None:
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    eh = ServiceFactory(name="Early Help")
    cin = ServiceFactory(name="Child in Need", kind="cin")
    t_north = TeamFactory(locality=north, service=eh)
    t_south = TeamFactory(locality=south, service=cin)
    # October 2026: North has 3 cases open in the month, 1 closed in it; South 1 of 2.
    a = CaseFactory(team=t_north, service=eh, opened_on=dt.date(2026, 9, 1),
                    closed_on=dt.date(2026, 10, 15), status=Case.Status.CLOSED)
    CaseFactory(team=t_north, service=eh, opened_on=dt.date(2026, 10, 2))
    CaseFactory(team=t_north, service=eh, opened_on=dt.date(2026, 1, 1))
    b = CaseFactory(team=t_south, service=cin, opened_on=dt.date(2026, 2, 1),
                    closed_on=dt.date(2026, 10, 31), status=Case.Status.CLOSED)
    CaseFactory(team=t_south, service=cin, opened_on=dt.date(2026, 10, 31))
    # Not counted: closed before October, opened after it.
    CaseFactory(team=t_south, service=cin, opened_on=dt.date(2026, 1, 1),
                closed_on=dt.date(2026, 9, 30), status=Case.Status.CLOSED)
    CaseFactory(team=t_south, service=cin, opened_on=dt.date(2026, 11, 1))

    written = registry.compute("2026-10", keys=[KEY])
    assert len(written) == 1
    council = written[0]
    assert (council.numerator, council.denominator) == (2, 5)
    assert council.value == pytest.approx(0.4)
    assert council.case_ids == sorted([a.pk, b.pk])
    assert council.service_id is None and council.locality_id is None
    assert (council.period_start, council.period_end) == (dt.date(2026, 10, 1),
                                                          dt.date(2026, 10, 31))
    assert council.source == "The register"
    indicator = Indicator.objects.get(key=KEY)
    assert indicator.kind == "proportion" and indicator.source == "computed"
    assert indicator.source_fields == ["Case: opened_on", "Case: closed_on"]
    assert indicator.hypothesis == "{name} {movement} in {month}: why?"

    (north_value,) = registry.compute("2026-10", Scope(locality_id=north.pk), keys=[KEY])
    assert (north_value.numerator, north_value.denominator) == (1, 3)
    (eh_value,) = registry.compute("2026-10", Scope(service_id=eh.pk), keys=[KEY])
    assert (eh_value.numerator, eh_value.denominator) == (1, 3)

    # A re-import closes another North case in October: computing again updates the month.
    CaseFactory(team=t_north, service=eh, opened_on=dt.date(2026, 3, 1),
                closed_on=dt.date(2026, 10, 3), status=Case.Status.CLOSED)
    registry.compute(dt.date(2026, 10, 20), keys=[KEY])
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 3
    again = IndicatorValue.objects.get(indicator=indicator, service=None, locality=None)
    assert again.pk == council.pk
    assert (again.numerator, again.denominator) == (3, 6)


def test_nothing_to_count_stores_nothing(closed_share: str) -> None:
    assert registry.compute("2026-10", COUNCIL, keys=[KEY]) == []
    assert not IndicatorValue.objects.exists()


def test_compute_all_covers_the_council_each_service_and_each_locality(
        closed_share: str) -> None:
    team = TeamFactory(locality=LocalityFactory())
    CaseFactory(team=team, service=team.service, opened_on=dt.date(2026, 10, 1))
    other_service = ServiceFactory(name="Adoption", kind="adoption")
    registry.compute_all("2026-10", keys=[KEY])
    scopes = set(IndicatorValue.objects.values_list("service_id", "locality_id"))
    # The other service has no cases: nothing to count, nothing stored.
    assert scopes == {(None, None), (team.service_id, None), (None, team.locality_id)}
    assert other_service.pk not in {s for s, _ in scopes}


def test_one_value_per_month_and_scope_in_the_database(closed_share: str) -> None:
    from django.db import IntegrityError, transaction

    indicator = Indicator.objects.create(key="entered", name="Entered", definition="x")
    fields = {"indicator": indicator, "period_start": dt.date(2026, 10, 1),
              "period_end": dt.date(2026, 10, 31), "value": 1.0,
              "computed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)}
    IndicatorValue.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(**fields)
    locality = LocalityFactory()
    IndicatorValue.objects.create(**fields, locality=locality)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(**fields, locality=locality)


def test_management_command(closed_share: str, capsys: pytest.CaptureFixture[str]) -> None:
    CaseFactory(opened_on=dt.date(2026, 8, 1), closed_on=dt.date(2026, 9, 10),
                status=Case.Status.CLOSED)
    call_command("compute_indicators", "--from", "2026-08", "--to", "2026-09",
                 "--indicator", KEY)
    out = capsys.readouterr().out
    assert "for 2 months (August 2026 to September 2026)" in out
    council = IndicatorValue.objects.filter(service=None, locality=None).order_by(
        "period_start")
    assert [(v.period_start.month, v.numerator, v.denominator) for v in council] == [
        (8, 0, 1), (9, 1, 1)]
    call_command("compute_indicators", "--list")
    assert f"{KEY}: Cases closed in the month (proportion, neither)" in capsys.readouterr().out


def test_the_task_computes_the_month(closed_share: str) -> None:
    from auditloop.indicators.tasks import compute_indicators

    CaseFactory(opened_on=dt.date(2026, 10, 1))
    result = compute_indicators.enqueue("2026-10")
    assert result.return_value >= 1
    assert IndicatorValue.objects.filter(indicator__key=KEY, service=None,
                                         locality=None).exists()


def test_the_data_formats_guide_lists_every_computed_indicator_by_key_and_name():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-formats.md").read_text()
    section = doc.split("### The indicators auditloop computes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", section, re.M)
    assert {k: v.strip() for k, v in rows} == {d.key: d.name for d in registry.registered()}
