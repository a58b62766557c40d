"""Statutory visits overdue, checked against children worked by hand for December 2026 (its
last day Thursday 31 December; Christmas Day Friday 25 and the Boxing Day holiday Monday 28
are bank holidays): a child on a protection plan is visited within 10 working days, a child
in care within 6 weeks (the council's intervals, set in the framework)."""

import datetime as dt

import pytest

from auditloop.cases.models import CareEpisode, CaseEvent, ProtectionPlan, ReturnRow
from auditloop.indicators import registry
from auditloop.indicators.registry import COUNCIL, Scope
from auditloop.people.models import Service
from auditloop.standards.selectors import framework_settings_row
from tests.factories import CaseEventFactory, CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db
d = dt.date
DECEMBER = (d(2026, 12, 1), d(2026, 12, 31))
KEY = "statutory_visits_overdue"


def intervals(cp: int | None = 10, cla: int | None = 6) -> None:
    row = framework_settings_row()
    row.cp_visit_working_days, row.cla_visit_weeks = cp, cla
    row.save()


def child(ref: str, *visits: dt.date, plan: tuple[dt.date, dt.date | None] | None = None,
          care: list[tuple[dt.date, dt.date | None]] = (), service=None):  # type: ignore[no-untyped-def,assignment]
    extra = {"service": service} if service is not None else {}
    c = CaseFactory(reference=ref, opened_on=d(2026, 1, 5), **extra)
    if plan is not None:
        ProtectionPlan.objects.create(case=c, origin=ReturnRow.Origin.CIN_CENSUS,
                                      started_on=plan[0], ended_on=plan[1])
    for began, ended in care:
        CareEpisode.objects.create(case=c, origin=ReturnRow.Origin.SSDA903, started_on=began,
                                   ended_on=ended, reason_new="S")
    for on in visits:
        CaseEventFactory(case=c, kind=CaseEvent.Kind.STATUTORY_VISIT, occurred_on=on)
    return c


@pytest.fixture
def children() -> dict[str, int]:
    intervals()
    in_care = ServiceFactory(name="Children in Care", kind=Service.Kind.CLA)
    protection = ServiceFactory(name="Child Protection", kind=Service.Kind.CP)
    plan = (d(2026, 9, 1), None)
    made = [
        # V1: visited Wednesday 16 December: 9 working days by the 31st (11 weekdays, but
        # the 25th and the 28th are bank holidays): not overdue.
        child("V1", d(2026, 11, 2), d(2026, 12, 16), plan=plan),
        # V2: visited Monday 14 December: 11 working days: overdue.
        child("V2", d(2026, 12, 14), plan=plan),
        # V3: last visited on 1 October; a visit on 5 January is not yet known.
        child("V3", d(2026, 10, 1), d(2027, 1, 5), plan=plan),
        # V4: on a plan, no visit dates imported: not counted.
        child("V4", plan=plan),
        # V5: the plan ended on 10 December: not on a plan on the 31st.
        child("V5", d(2026, 11, 1), plan=(d(2026, 9, 1), d(2026, 12, 10))),
        # V6: in care, visited 20 November: 41 days, within 6 weeks (42 days).
        child("V6", d(2026, 11, 20), care=[(d(2026, 3, 1), None)]),
        # V7: in care, visited 18 November: 43 days: overdue.
        child("V7", d(2026, 11, 18), care=[(d(2026, 3, 1), None)]),
        # V8: moved on 20 December (a new episode): the interval runs from the move.
        child("V8", d(2026, 11, 1), care=[(d(2026, 3, 1), d(2026, 12, 19)),
                                          (d(2026, 12, 20), None)]),
        # V9: in care in the children in care service with no 903 episode (Annex A
        # only), visited 1 November: 60 days: overdue.
        child("V9", d(2026, 11, 1), service=in_care),
        # V10: on a plan and in care, visited 14 December: within 6 weeks but not within
        # 10 working days; counted by the plan: overdue.
        child("V10", d(2026, 12, 14), plan=plan, care=[(d(2026, 3, 1), None)]),
        # V11: in the child protection service with no plan row (a monthly case list
        # only), visited 14 December: by the plan's interval, overdue.
        child("V11", d(2026, 12, 14), service=protection),
        # V12: in the child protection service with a plan row that ended on 10 December:
        # not on a plan on the 31st.
        child("V12", d(2026, 11, 1), plan=(d(2026, 9, 1), d(2026, 12, 10)),
              service=protection),
    ]
    return {c.reference: c.pk for c in made}


def ids(children: dict[str, int], *refs: str) -> list[int]:
    return sorted(children[r] for r in refs)


def test_statutory_visits_overdue(children):  # type: ignore[no-untyped-def]
    m = registry.definition(KEY).function(*DECEMBER, COUNCIL)
    # Counted: V1, V2, V3, V6, V7, V8, V9, V10, V11 (9); overdue: V2, V3, V7, V9, V10, V11.
    assert (m.numerator, m.denominator) == (6, 9)
    assert list(m.cases) == ids(children, "V2", "V3", "V7", "V9", "V10", "V11")


def test_cp_visit_working_days_sets_the_interval_for_children_on_a_plan(children):  # type: ignore[no-untyped-def]
    intervals(cp=8, cla=None)
    m = registry.definition(KEY).function(*DECEMBER, COUNCIL)
    # Children in care are not counted; at 8 working days V1 (9) is overdue too.
    assert (m.numerator, m.denominator) == (5, 5)
    assert list(m.cases) == ids(children, "V1", "V2", "V3", "V10", "V11")


def test_cla_visit_weeks_sets_the_interval_for_children_in_care(children):  # type: ignore[no-untyped-def]
    intervals(cp=None, cla=8)
    m = registry.definition(KEY).function(*DECEMBER, COUNCIL)
    # Only children in care (V10 by its care episode now): at 8 weeks only V9 (60 days).
    assert (m.numerator, m.denominator) == (1, 5)
    assert list(m.cases) == ids(children, "V9")


def test_nothing_is_counted_without_an_interval_or_without_visit_dates():
    intervals(cp=None, cla=None)
    child("V1", d(2026, 12, 1), plan=(d(2026, 9, 1), None))
    assert registry.definition(KEY).function(*DECEMBER, COUNCIL) is None
    intervals()
    child("V4", plan=(d(2026, 9, 1), None))
    ProtectionPlan.objects.filter(case__reference="V1").delete()
    assert registry.definition(KEY).function(*DECEMBER, COUNCIL) is None


def test_by_service(children):  # type: ignore[no-untyped-def]
    in_care = Service.objects.get(name="Children in Care")
    m = registry.definition(KEY).function(*DECEMBER, Scope(service_id=in_care.pk))
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 1, [children["V9"]])
