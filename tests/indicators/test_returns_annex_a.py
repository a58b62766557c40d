"""Indicators from Ofsted's Annex A (contacts, referrals, assessments, care leavers), checked
against a small workbook worked by hand for October 2025: every expected figure below is
counted from the definition, child by child."""

import datetime as dt

import pytest
from django.utils import timezone

from auditloop.cases.models import CareLeaverStatus, Case, Contact
from auditloop.indicators import registry
from auditloop.indicators.registry import COUNCIL, Measure, Scope
from auditloop.indicators.working_days import working_days_between
from auditloop.people.models import Service
from tests.cases.importing import run_import
from tests.cases.test_import_keeps_annex_a import row, workbook
from tests.indicators.test_returns_cin import census, child, episode

pytestmark = pytest.mark.django_db
d = dt.date
OCTOBER = (d(2025, 10, 1), d(2025, 10, 31))
NEEDS = "Was the child assessed as requiring LA children’s social care support"
IN_TOUCH = "LA In Touch "
SUITABLE = "Suitability of Accommodation"


def contact(ref: str, on: str) -> list[object]:
    return row(1, child=ref, Date_of_Contact=on, Contact_Source="Police")


def referral(ref: str, on: str, nfa: str = "", count: int | None = None) -> list[object]:
    return row(3, child=ref, Date_of_referral=on, Referral_Source="a) Police",
               **{"Referral NFA?": nfa, "Number of Referrals in Last 12 Months": count})


def assessment(ref: str, start: str, done: str, needs: str) -> list[object]:
    return row(4, child=ref, Continuous_Assessment_Start_Date=start,
               Continuous_Assessment_Date_of_Authorisation=done, **{NEEDS: needs})


def care_leaver(ref: str, in_touch: str, suitable: str) -> list[object]:
    return row(9, child=ref, **{IN_TOUCH: in_touch, SUITABLE: suitable,
                                "Type of Accommodation": "Independent living"})


WORKBOOK = workbook({
    1: [contact("K1", "02/10/2025"),  # referred the same day: led to a referral
        contact("K2", "06/10/2025"),  # referred on 3 November, the 28th day after: led
        contact("K3", "07/10/2025"),  # referred on 5 November, the 29th day after: not
        contact("K4", "08/10/2025"),  # never referred: no case
        contact("K5", "20/10/2025"),  # referred on 1 October, before the contact: not
        contact("K6", "30/09/2025"),  # September's
        contact("K7", "09/10/2025")],  # referred the next day, in the census imported later
    3: [referral("K1", "02/10/2025"), referral("K2", "03/11/2025"),
        referral("K3", "05/11/2025"), referral("K5", "01/10/2025"),
        # R1: the list counts 2 referrals in the last 12 months (this one and one before).
        referral("R1", "14/10/2025", nfa="b) No", count=2),
        referral("R2", "15/10/2025", nfa="a) Yes", count=1)],
    # Assessments authorised in October: A1 took 46 working days and needed support; A2
    # needed none; A3's outcome is blank.
    4: [assessment("A1", "14/08/2025", "20/10/2025", "Yes"),
        assessment("A2", "01/10/2025", "21/10/2025", "No"),
        assessment("A3", "02/10/2025", "22/10/2025", "")],
    9: [care_leaver("CL1", "a) Yes", "Suitable"),
        care_leaver("CL2", "b) No", "Not suitable"),
        care_leaver("CL3", "a) Yes", "")],
})


@pytest.fixture
def imported() -> dict[str, int]:
    job = run_import("annex_a", WORKBOOK)
    assert job.status == "succeeded", job.problems
    # K7's case comes from the census imported after Annex A.
    job = run_import("cin_census", census(child("K7", episode("2025-10-10"))))
    assert job.status == "succeeded", job.problems
    CareLeaverStatus.objects.update(updated_at=timezone.make_aware(dt.datetime(2025, 11, 3)))
    return dict(Case.objects.values_list("reference", "pk"))


def measure(key: str, start: dt.date, end: dt.date, scope: Scope = COUNCIL) -> Measure | None:
    return registry.definition(key).function(start, end, scope)


def ids(imported: dict[str, int], *refs: str) -> list[int]:
    return sorted(imported[r] for r in refs)


def test_contacts_that_led_to_a_referral_within_28_days(imported):
    # The contact was kept before K7 had a case; it is found by the child's identifier.
    assert Contact.objects.get(child_identifier="K7").case is None
    m = measure("contacts_leading_to_referral", *OCTOBER)
    # October's contacts: K1, K2, K3, K4, K5, K7 (6); K1, K2 and K7 led to a referral.
    assert (m.numerator, m.denominator) == (3, 6)
    assert list(m.cases) == ids(imported, "K1", "K2", "K7")
    assert measure("contacts_leading_to_referral", d(2025, 8, 1), d(2025, 8, 31)) is None


def test_a_services_contacts_are_those_of_its_childrens_cases(imported):
    front_door = Service.objects.get(kind=Service.Kind.FRONT_DOOR)
    in_service = set(Case.objects.filter(service=front_door).values_list("reference",
                                                                         flat=True))
    assert {"K1", "K2", "K7"} <= in_service
    m = measure("contacts_leading_to_referral", *OCTOBER, Scope(service_id=front_door.pk))
    # K4 has no case, so no service: never counted in one.
    counted = {"K1", "K2", "K3", "K5", "K7"} & in_service
    assert (m.numerator, m.denominator) == (3, len(counted))


def test_re_referrals_counted_from_the_lists_own_count(imported):
    m = measure("re_referrals_12_months", *OCTOBER)
    # October's referrals: K1, K5, R1, R2 and K7 (from the census); R1's list counts 2.
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 5, ids(imported, "R1"))


def test_referrals_with_no_further_action(imported):
    m = measure("referrals_no_further_action", *OCTOBER)
    # Known for R1 (No), R2 (Yes) and K7 (the census's false); blank for K1 and K5.
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 3, ids(imported, "R2"))


def test_assessments_from_list_4(imported):
    assert working_days_between(d(2025, 8, 14), d(2025, 10, 20)) == 46
    m = measure("assessments_45_working_days", *OCTOBER)
    assert (m.numerator, m.denominator, list(m.cases)) == (2, 3, ids(imported, "A1"))
    m = measure("assessments_no_further_action", *OCTOBER)
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 2, ids(imported, "A2"))


def test_care_leavers_from_list_9(imported):
    m = measure("care_leavers_in_touch", *OCTOBER)
    assert (m.numerator, m.denominator, list(m.cases)) == (2, 3, ids(imported, "CL2"))
    m = measure("care_leavers_suitable_accommodation", *OCTOBER)
    assert (m.numerator, m.denominator, list(m.cases)) == (1, 2, ids(imported, "CL2"))


def test_ofsteds_own_template_gives_its_one_contact_and_nothing_else_to_count():
    from tests.cases.importing import ANNEX_A_SAMPLE

    job = run_import("annex_a", ANNEX_A_SAMPLE, accept_valid_rows=True)
    assert job.status == "partial", job.problems
    # The template holds one contact (child 1001, 1 January 2010, from the police) and no
    # referral, so the contact led to none: 0 of 1. Its early help assessments (List 2)
    # feed no computed indicator, and nothing else has a row for January 2010.
    values = registry.compute("2010-01")
    assert {v.indicator.key: (v.numerator, v.denominator) for v in values} == {
        "contacts_leading_to_referral": (0, 1)}
