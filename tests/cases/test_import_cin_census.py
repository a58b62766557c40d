"""The Children in Need census import: XML read safely, one case per child at the front
door, in need or on a child protection plan, with the episodes' dates as events."""

import datetime as dt

import pytest

from auditloop.cases.models import Case, CaseEvent, ImportJob
from auditloop.people.models import Service
from tests.cases.importing import FIXTURES, problem_cells, run_import
from tests.factories import CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
K = Service.Kind
SAMPLE = FIXTURES / "cin_census.xml"


def census(*children: str) -> tuple[str, bytes]:
    body = "".join(f"<Child>{c}</Child>" for c in children)
    return ("cin.xml", f'<?xml version="1.0"?><Message xmlns="http://www.dfe.gov.uk/CIN">'
                       f"<Header/><Children>{body}</Children></Message>".encode())


def child(ref: str, details: str) -> str:
    return (f"<ChildIdentifiers><LAchildID>{ref}</LAchildID><PersonBirthDate>2015-01-01"
            f"</PersonBirthDate><Sex>F</Sex></ChildIdentifiers><CINdetails>{details}</CINdetails>")


def test_the_census_sample_makes_one_case_per_child_in_the_service_they_are_in():
    job = run_import("cin_census", SAMPLE)
    assert job.status == S.SUCCEEDED, job.problems
    cases = {c.reference: c for c in Case.objects.select_related("service")}
    assert {r: (c.service.kind, c.status, c.opened_on, c.plan_started_on, c.closed_on)
            for r, c in cases.items()} == {
        "CIN5001": (K.CP, "open", dt.date(2025, 9, 1), dt.date(2025, 9, 24), None),
        "CIN5002": (K.CIN, "open", dt.date(2025, 11, 3), dt.date(2025, 12, 15), None),
        "CIN5003": (K.FRONT_DOOR, "closed", dt.date(2025, 6, 2), None, dt.date(2025, 7, 14)),
        "CIN5004": (K.FRONT_DOOR, "open", dt.date(2026, 3, 20), None, None),
    }
    assert [(c.gender, c.disability, c.ethnicity) for c in cases.values()] == [
        ("Female", "No", "WBRI"), ("Male", "Yes", "MWBA"), ("Male", "", "APKN"),
        ("Not known", "", "NOBT")]
    assert cases["CIN5004"].date_of_birth == dt.date(2026, 5, 20)  # unborn: expected date
    assert list(cases["CIN5001"].events.values_list("kind", "occurred_on")) == [
        ("referral", dt.date(2025, 9, 1)), ("assessment_started", dt.date(2025, 9, 2)),
        ("section_47", dt.date(2025, 9, 5)), ("icpc", dt.date(2025, 9, 24)),
        ("plan_started", dt.date(2025, 9, 24)), ("assessment_completed", dt.date(2025, 10, 10)),
        ("review", dt.date(2025, 12, 10))]
    assert cases["CIN5003"].events.get(kind="closure").detail == (
        "Child in need episode closed (RC8)")
    assert not cases["CIN5001"].involvements.exists()  # the census names no worker


def test_importing_the_census_twice_changes_nothing():
    run_import("cin_census", SAMPLE)
    counts = (Case.objects.count(), CaseEvent.objects.count())
    again = run_import("cin_census", SAMPLE)
    assert (Case.objects.count(), CaseEvent.objects.count()) == counts
    assert again.summary["cases_updated"] == again.summary["events_created"] == 0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol2;</LAchildID></ChildIdentifiers>
</Child></Children></Message>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Message><Children><Child>&x;</Child></Children></Message>"""


@pytest.mark.parametrize("content", [
    BILLION_LAUGHS, EXTERNAL, BILLION_LAUGHS.decode().encode("utf-16"),
    b'<?xml version="1.0"?><!doctype Message SYSTEM "http://example.com/x.dtd"><Message/>',
])
def test_a_file_with_a_document_type_declaration_is_refused(content):
    job = run_import("cin_census", ("cin.xml", content))
    assert job.status == S.FAILED
    assert "document type declaration" in job.summary["message"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("content, says", [
    (b"", "is empty"),
    (b"<Message><Children><Child>", "not a well-formed XML file"),
    (b"<?xml version='1.0'?><Return><Children/></Return>", "is not a Children in Need census"),
    (b"PK\x03\x04zip", "is not an XML file"),
])
def test_a_file_that_is_not_a_census_fails_with_what_to_do(content, says):
    job = run_import("cin_census", ("cin.xml", content))
    assert job.status == S.FAILED
    assert says in job.summary["message"]


def test_bad_dates_name_the_element_and_the_child():
    job = run_import("cin_census", census(
        child("A", "<CINreferralDate>2025-01-01</CINreferralDate>"),
        child("B", "<CINreferralDate>01/13/2025</CINreferralDate>"),
        child("C", "<CINreferralDate>2025-05-01</CINreferralDate>"
                   "<CINclosureDate>2025-04-01</CINclosureDate>"),
        "<ChildIdentifiers><LAchildID>D</LAchildID></ChildIdentifiers>",
    ))
    assert job.status == S.FAILED
    assert problem_cells(job) == [("Child", 2, "CINreferralDate"), ("Child", 3, "CINclosureDate"),
                                  ("Child", 4, "CINdetails")]


def test_a_child_in_care_stays_in_care_when_the_census_shows_them_in_need():
    cla = CaseFactory(reference="A", service=ServiceFactory(name="CLA", kind=K.CLA),
                      opened_on=dt.date(2024, 1, 1))
    job = run_import("cin_census", census(child("A", (
        "<CINreferralDate>2025-01-01</CINreferralDate>"
        "<CINPlanDates><CINPlanStartDate>2025-02-01</CINPlanStartDate></CINPlanDates>"))))
    assert job.status == S.SUCCEEDED
    cla.refresh_from_db()
    assert (cla.service.kind, cla.opened_on, cla.gender) == (K.CLA, dt.date(2024, 1, 1), "Female")
    assert cla.events.filter(kind="plan_started").exists()


def test_a_step_down_from_a_plan_leaves_the_child_in_need():
    job = run_import("cin_census", census(child("A", (
        "<CINreferralDate>2025-01-01</CINreferralDate>"
        "<Assessments><AssessmentActualStartDate>2025-01-02</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2025-02-01</AssessmentAuthorisationDate></Assessments>"
        "<ChildProtectionPlans><CPPstartDate>2025-02-10</CPPstartDate>"
        "<CPPendDate>2025-08-10</CPPendDate></ChildProtectionPlans>"
        "<CINPlanDates><CINPlanStartDate>2025-08-10</CINPlanStartDate></CINPlanDates>"))))
    assert job.status == S.SUCCEEDED
    case = Case.objects.get()
    assert (case.service.kind, case.plan_started_on) == (K.CIN, dt.date(2025, 8, 10))
