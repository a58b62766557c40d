"""The Ofsted Annex A import: the real template with its messy rows, one case per child in
the furthest service they are in now, workers matched by name, events from the lists."""

import datetime as dt

import pytest
import time_machine

from auditloop.cases.models import Case, CaseEvent, ImportJob
from auditloop.people.models import Service
from tests.cases.importing import ANNEX_A_SAMPLE, problem_cells, run_import, xlsx_bytes
from tests.factories import CaseFactory, PersonFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
K = Service.Kind
CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY = "Does the Child have a Disability"
TEAM_WORKER = ["Allocated Team", "Allocated Worker"]
HEADERS = {
    3: [*CHILD, "Date of referral", "Referral Source", "Referral NFA?",
        "Number of Referrals in Last 12 Months", *TEAM_WORKER],
    4: [*CHILD, DISABILITY, "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children’s social care support", *TEAM_WORKER],
    6: [*CHILD, DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen",
        "CIN Closure Date", "Reason for Closure", "Case status", *TEAM_WORKER],
    7: [*CHILD, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
        "Latest Category of Abuse", "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?", "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)", "Number of Previous Child Protection Plans", *TEAM_WORKER],
    8: [*CHILD, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
        DISABILITY, "Date Started to be Looked After", "Child's Category of Need",
        "Is this a second or subsequent period of being a Looked After Child within the last "
        "12 months (Y/N)", "Start date of current legal status", "Child's Legal Status",
        "Date of Latest Statutory Review", "Date of Last Social Work Visit",
        "What is the permanence plan for this child?",
        "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
        "Date of Last Dental Check", "Number of Placements in the Last 12 months",
        "Date Ceased to be Looked After ", "Reason Ceased to be Looked After",
        "Start Date of Most Recent Placement", "Placement Type", "Placement Provider",
        "Placement postcode", "URN of Placement", "Placement Location", "LA of Placement",
        "Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 "
        "months", "Number of Episodes the Child has been ‘Absent’ from their Placement in the "
        "last 12 months", "Was the child offered a Return Interview after their last missing "
        "episode (Y/N)?", "Did the child accept a Return Interview after their last missing "
        "episode (Y/N)?", *TEAM_WORKER],
    9: [*CHILD, DISABILITY, *TEAM_WORKER, "Eligibility Category", "LA In Touch ",
        "Type of Accommodation", "Suitability of Accommodation", "Activity Status"],
}


def row(list_no: int, **values: object) -> list[object]:
    """A row of a list, by header; unnamed cells are blank."""
    header = HEADERS[list_no]
    named = {"Child Unique ID": values.pop("child"), "Gender": "b) Female",
             "Ethnicity": "a) WBRI", "Date of Birth": "01/02/2015",
             "Age of Child (Years)": "eleven"}
    named.update({k.replace("_", " "): v for k, v in values.items()})
    unknown = set(named) - set(header)
    assert not unknown, unknown
    return [named.get(h) for h in header]


def workbook(lists: dict[int, list[list[object]]], *, sep: str = "_") -> tuple[str, bytes]:
    sheets = {"Front_Sheet": [["Annex A - Child level data"]]}
    for n, rows in lists.items():
        sheets[f"List{sep}{n}"] = [[f"List {n}: a title"], HEADERS[n], *rows]
    return "annex_a.xlsx", xlsx_bytes(sheets)


def test_the_ofsted_sample_imports_nothing_because_of_its_one_bad_date():
    job = run_import("annex_a", ANNEX_A_SAMPLE)
    assert job.status == S.FAILED
    assert problem_cells(job) == [("List_2", 10, "Date of Birth")]
    assert job.problems[0]["reason"] == (
        "“May be 8 Jan 2000” is not a date. Write dates as DD/MM/YYYY, for example 31/01/2026.")
    assert (job.rows_total, job.summary["rows"], job.summary["duplicates_ignored"]) == (10, 9, 1)
    assert job.summary["message"].startswith("Nothing was imported, because 1 row has a problem")
    assert not Case.objects.exists()


def test_the_ofsted_sample_with_valid_rows_accepted_makes_eight_early_help_cases():
    job = run_import("annex_a", ANNEX_A_SAMPLE, accept_valid_rows=True)
    assert job.status == S.PARTIAL
    assert job.summary["cases_created"] == 8 and job.summary["events_created"] == 16
    cases = Case.objects.select_related("service")
    assert [c.reference for c in cases] == ["1001", "1002", "1003", "1004", "1005", "1006",
                                            "1007", "1009"]
    assert {(c.service.kind, c.status, c.opened_on, c.gender, c.ethnicity) for c in cases} == {
        (K.EARLY_HELP, Case.Status.OPEN, dt.date(2010, 1, 1), "Male", "WBRI")}
    first = cases.get(reference="1001")
    assert first.child_identifier == "1001" and first.date_of_birth == dt.date(2000, 1, 1)
    assert list(first.events.values_list("kind", "occurred_on")) == [
        ("assessment_started", dt.date(2010, 1, 1)), ("assessment_completed", dt.date(2010, 1, 15))]
    again = run_import("annex_a", ANNEX_A_SAMPLE, accept_valid_rows=True)
    assert (again.summary["cases_created"], again.summary["cases_updated"],
            again.summary["events_created"]) == (0, 0, 0)
    assert Case.objects.count() == 8 and CaseEvent.objects.count() == 16


@pytest.fixture
def teams():
    cin = ServiceFactory(name="Child in Need", kind=K.CIN)
    north = TeamFactory(name="Safeguarding North", service=cin)
    south = TeamFactory(name="Safeguarding South", service=cin)
    care = TeamFactory(name="Children in Care", service=ServiceFactory(name="CLA", kind=K.CLA))
    return {"north": north, "south": south, "care": care,
            "jo_north": PersonFactory(full_name="Jo Bloggs", team=north),
            "jo_south": PersonFactory(full_name="Jo Bloggs", team=south),
            "kim": PersonFactory(full_name="Kim  Lee", team=care)}


def test_each_child_is_one_case_in_the_furthest_service_they_are_in_now(teams):
    book = workbook({
        3: [row(3, child="A", Date_of_referral="01/09/2025", **{"Referral NFA?": "b) No"},
                Allocated_Team="Safeguarding North", Allocated_Worker="Jo Bloggs"),
            row(3, child="D", Date_of_referral="02/09/2025", **{"Referral NFA?": "a) Yes"})],
        6: [row(6, child="A", CIN_Start_Date="01/09/2025", Case_status="b) Child Protection plan",
                Allocated_Team="Safeguarding North", Allocated_Worker="Jo Bloggs"),
            row(6, child="B", CIN_Start_Date="01/03/2025", Case_status="c) Child in need plan",
                Date_Child_Was_Last_Seen="10/03/2026",
                Allocated_Team="Safeguarding South", Allocated_Worker="Bloggs, Jo")],
        7: [row(7, child="A", **{"Child Protection Plan Start Date": "24/09/2025",
                                 "Date of the Last Statutory Visit": "05/03/2026",
                                 "Date of latest review conference": "10/12/2025",
                                 "Allocated Team": "Safeguarding North",
                                 "Allocated Worker": "jo  BLOGGS"}),
            row(7, child="B", **{"Child Protection Plan Start Date": "01/04/2025",
                                 "Child Protection Plan End Date": "01/10/2025",
                                 "Allocated Team": "Safeguarding South",
                                 "Allocated Worker": "Jo Bloggs"})],
        8: [row(8, child="C", **{"Date Started to be Looked After": "01/06/2019",
                                 "Date Ceased to be Looked After ": "14/02/2026",
                                 "Reason Ceased to be Looked After": "s) E16: Child moved abroad",
                                 "Allocated Team": "Children in Care",
                                 "Allocated Worker": "Kim Lee"}),
            row(8, child="E", **{"Date Started to be Looked After": "01/06/2024",
                                 "Start Date of Most Recent Placement": "01/01/2026",
                                 "Placement Type": "f) U6: Foster placement - not FFA",
                                 "Date of Last IRO Visit / Contact to the Child": "02/02/2026",
                                 "Allocated Team": "Children in Care",
                                 "Allocated Worker": "Kim Lee"})],
        9: [row(9, child="C", Allocated_Team="Children in Care", Allocated_Worker="")],
    })
    with time_machine.travel(dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC), tick=False):
        job = run_import("annex_a", book)
    assert job.status == S.SUCCEEDED, job.problems
    cases = {c.reference: c for c in Case.objects.select_related("service", "team")}
    assert {r: (c.service.kind, c.status) for r, c in cases.items()} == {
        "A": (K.CP, "open"), "B": (K.CIN, "open"), "C": (K.CARE_LEAVER, "open"),
        "D": (K.FRONT_DOOR, "closed"), "E": (K.CLA, "open")}
    a = cases["A"]
    assert (a.opened_on, a.plan_started_on, a.team, a.key_worker) == (
        dt.date(2025, 9, 24), dt.date(2025, 9, 24), teams["north"], teams["jo_north"])
    assert cases["B"].key_worker == teams["jo_south"]  # the Jo Bloggs in the named team
    assert cases["C"].key_worker is None  # the care leaver list says unallocated
    assert cases["D"].closed_on == dt.date(2025, 9, 2)
    assert cases["E"].key_worker == teams["kim"] and cases["E"].plan_started_on == dt.date(
        2024, 6, 1)
    assert set(a.events.values_list("kind", "occurred_on")) == {
        ("referral", dt.date(2025, 9, 1)), ("plan_started", dt.date(2025, 9, 24)),
        ("statutory_visit", dt.date(2026, 3, 5)), ("review", dt.date(2025, 12, 10))}
    assert set(cases["E"].events.values_list("kind", "detail")) == {
        ("plan_started", "Started to be looked after"),
        ("placement", "Foster placement - not FFA"), ("iro_contact", "IRO visit or contact")}
    assert cases["C"].events.get(kind="closure").detail == "Child moved abroad"
    assert job.summary["unmatched_workers"] == 0 and job.summary["warnings"] == []


def test_unmatched_workers_and_teams_are_a_warning_naming_each_once(teams):
    book = workbook({3: [
        row(3, child="A", Date_of_referral="01/09/2025", Allocated_Team="Safeguarding North",
            Allocated_Worker="Pat Nobody"),
        row(3, child="B", Date_of_referral="01/09/2025", Allocated_Team="Safeguarding North",
            Allocated_Worker="pat  nobody"),
        row(3, child="C", Date_of_referral="01/09/2025", Allocated_Team="Team Atlantis",
            Allocated_Worker="Jo Bloggs"),
    ]}, sep=" ")
    job = run_import("annex_a", book)
    assert job.status == S.SUCCEEDED
    assert job.summary["unmatched_workers"] == 2
    workers, unknown_team = job.summary["warnings"]
    assert workers.startswith("2 allocated workers were not matched to staff")
    assert "Pat Nobody (matches nobody in the staff list)" in workers
    assert "Jo Bloggs (matches more than one member of staff)" in workers
    assert workers.count("Pat Nobody") == 1 and "pat  nobody" not in workers
    assert "Team Atlantis" in unknown_team
    assert not Case.objects.filter(key_worker__isnull=False).exists()


def test_a_workbook_without_the_lists_fails_with_what_to_do():
    job = run_import("annex_a", ("annex_a.xlsx", xlsx_bytes({"Sheet1": [["Name"], ["Jo"]]})))
    assert job.status == S.FAILED
    assert "no sheets named List 2 to List 9" in job.summary["message"]


def test_a_list_whose_header_row_was_changed_is_reported_not_guessed():
    book = xlsx_bytes({"List_3": [["List 3"], ["Child", "Referral"], ["A", "01/01/2026"]],
                       "List_2": [["List 2"], ["Child Unique ID", "Assessment start date"],
                                  ["B", "01/01/2026"]]})
    job = run_import("annex_a", ("annex_a.xlsx", book))
    assert job.status == S.FAILED
    assert problem_cells(job) == [("List_3", None, "Child Unique ID")]


def test_a_complete_annex_a_closes_only_the_services_it_covers():
    cin = CaseFactory(reference="OLD-CIN", service=ServiceFactory(name="CIN", kind=K.CIN))
    yjs = CaseFactory(reference="OLD-YJS", service=ServiceFactory(name="YOS", kind=K.YJS))
    book = workbook({3: [row(3, child="A", Date_of_referral="01/09/2025")]})
    job = run_import("annex_a", book, complete_snapshot=True)
    assert job.summary["cases_closed"] == 1
    cin.refresh_from_db()
    yjs.refresh_from_db()
    assert (cin.status, yjs.status) == (Case.Status.CLOSED, Case.Status.OPEN)


def test_a_status_that_says_closed_needs_its_closing_date():
    book = workbook({6: [row(6, child="A", CIN_Start_Date="01/09/2025",
                             Case_status="e) Closed episode"),
                         row(6, child="B", CIN_Start_Date="01/09/2025", Case_status="Sleeping")]})
    job = run_import("annex_a", book)
    assert problem_cells(job) == [("List_6", 3, "CIN Closure Date"), ("List_6", 4, "Case status")]
