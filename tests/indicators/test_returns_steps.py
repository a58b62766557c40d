"""Step-up and step-down between early help and social care, from the register's step
events and the monthly case list's step mark, checked against cases worked by hand for
December 2026; and seed 004's six indicator filters each driven by an indicator."""

import datetime as dt

import pytest

from auditloop.cases.models import Case, CaseEvent
from auditloop.indicators import registry, selectors
from auditloop.indicators.registry import COUNCIL, Scope
from auditloop.people.models import Service
from auditloop.standards import services
from tests.factories import CaseEventFactory, CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db
d = dt.date
E = CaseEvent.Kind
DECEMBER = (d(2026, 12, 1), d(2026, 12, 31))
UP, DOWN = "stepped_up_to_social_care", "stepped_down_to_early_help"


def case(ref: str, *events: tuple[str, dt.date], step: str = Case.Step.NONE,
         opened_on: dt.date = d(2026, 1, 5), service=None):  # type: ignore[no-untyped-def]
    extra = {"service": service} if service is not None else {}
    c = CaseFactory(reference=ref, step=step, opened_on=opened_on, **extra)
    for kind, on in events:
        CaseEventFactory(case=c, kind=kind, occurred_on=on)
    return c


@pytest.fixture
def cases() -> dict[str, int]:
    cin = ServiceFactory(name="Child in Need", kind=Service.Kind.CIN)
    made = [
        # S1: a stepped up event on 5 December.
        case("S1", (E.STEP_UP, d(2026, 12, 5)), service=cin),
        # S2: the monthly list marks it stepped up; it opened on 10 December.
        case("S2", step=Case.Step.STEP_UP, opened_on=d(2026, 12, 10), service=cin),
        # S3: marked stepped up, but opened in November.
        case("S3", step=Case.Step.STEP_UP, opened_on=d(2026, 11, 10), service=cin),
        # S4: opened on 3 December, but its stepped up event is dated 20 November.
        case("S4", (E.STEP_UP, d(2026, 11, 20)), step=Case.Step.STEP_UP,
             opened_on=d(2026, 12, 3), service=cin),
        # S5: stepped up twice in December: counted once.
        case("S5", (E.STEP_UP, d(2026, 12, 2)), (E.STEP_UP, d(2026, 12, 20)), service=cin),
        # S6: a stepped down event on 15 December.
        case("S6", (E.STEP_DOWN, d(2026, 12, 15))),
        # S7: marked stepped down, opened in early help on 1 December.
        case("S7", step=Case.Step.STEP_DOWN, opened_on=d(2026, 12, 1)),
        # S8: a stepped up event in January: not yet.
        case("S8", (E.STEP_UP, d(2027, 1, 4)), service=cin),
    ]
    return {c.reference: c.pk for c in made}


def ids(cases: dict[str, int], *refs: str) -> list[int]:
    return sorted(cases[r] for r in refs)


def test_stepped_up_to_social_care(cases):  # type: ignore[no-untyped-def]
    m = registry.definition(UP).function(*DECEMBER, COUNCIL)
    assert (m.numerator, m.denominator, m.resolved()) == (3, None, 3.0)
    assert list(m.cases) == ids(cases, "S1", "S2", "S5")
    november = registry.definition(UP).function(d(2026, 11, 1), d(2026, 11, 30), COUNCIL)
    assert list(november.cases) == ids(cases, "S3", "S4")
    # The register's first step is S3's, opened on 10 November: no step history before.
    assert registry.definition(UP).function(d(2026, 10, 1), d(2026, 10, 31), COUNCIL) is None
    assert registry.definition(DOWN).function(d(2026, 10, 1), d(2026, 10, 31),
                                              COUNCIL) is None
    assert registry.definition(DOWN).function(d(2026, 11, 1), d(2026, 11, 30),
                                              COUNCIL).numerator == 0


def test_stepped_down_to_early_help(cases):  # type: ignore[no-untyped-def]
    m = registry.definition(DOWN).function(*DECEMBER, COUNCIL)
    assert (m.numerator, list(m.cases)) == (2, ids(cases, "S6", "S7"))


def test_by_service(cases):  # type: ignore[no-untyped-def]
    early_help = Service.objects.get(name="Early Help")
    m = registry.definition(DOWN).function(*DECEMBER, Scope(service_id=early_help.pk))
    assert m.numerator == 2
    assert registry.definition(UP).function(
        *DECEMBER, Scope(service_id=early_help.pk)).numerator == 0


def test_a_register_with_no_step_at_all_gives_nothing_to_count():
    case("S1")
    assert registry.definition(UP).function(*DECEMBER, COUNCIL) is None
    assert registry.definition(DOWN).function(*DECEMBER, COUNCIL) is None


def test_each_of_004s_six_indicator_filters_is_driven_by_an_indicator():
    services.preset_apply(key="004-focus-areas")
    filters = selectors.framework_filters()
    assert len(filters) == 6
    driven = {f.casefold(): [d.key for d in registry.registered()
                             if f.casefold() in {p.casefold() for p in d.preset_filters}]
              for f in filters}
    assert all(driven.values()), driven
    assert sorted(driven["early help step-up and step-down"]) == [DOWN, UP]
    assert set(selectors.named_by_framework()) >= {UP, DOWN, "re_referrals_12_months"}
