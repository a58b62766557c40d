"""The SSDA903 import: children in care, opened at the start of their current period of
care, closed when they left care, with placements and reviews as events."""

import datetime as dt

import pytest

from auditloop.cases.models import Case, CaseEvent, ImportJob
from auditloop.people.models import Service
from tests.cases.importing import FIXTURES, csv_bytes, problem_cells, run_import
from tests.factories import CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
K = Service.Kind
SAMPLE = [FIXTURES / "ssda903" / f"{n}.csv" for n in ("Header", "Episodes", "Reviews")]
HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
            "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]


def episodes(*rows):
    return ("episodes.csv", csv_bytes(EPISODES, *[
        [c, start, rne, "C2", "N1", "U4", "PR1", end, rec, "", "", "", ""]
        for c, start, rne, end, rec in rows]))


def header(*children):
    return ("header.csv", csv_bytes(HEADER, *[[c, "2", "01/01/2012", "WBRI", "", "", ""]
                                              for c in children]))


def test_the_903_sample_makes_one_children_in_care_case_per_child():
    job = run_import("ssda903", *SAMPLE)
    assert job.status == S.SUCCEEDED, job.problems
    cases = {c.reference: c for c in Case.objects.select_related("service")}
    assert {r: (c.service.kind, c.status, c.opened_on, c.closed_on) for r, c in cases.items()} == {
        "900001": (K.CLA, "open", dt.date(2024, 4, 1), None),
        "900002": (K.CLA, "open", dt.date(2025, 3, 3), None),
        "900003": (K.CLA, "closed", dt.date(2022, 8, 1), dt.date(2024, 11, 30)),
    }
    first = cases["900001"]
    assert (first.gender, first.date_of_birth, first.ethnicity) == (
        "Male", dt.date(2012, 6, 15), "WBRI")
    assert list(first.events.values_list("kind", "occurred_on", "detail")) == [
        ("plan_started", dt.date(2024, 4, 1), "Started to be looked after"),
        ("placement", dt.date(2024, 4, 1), "Placement U4 (provider PR1)"),
        ("review", dt.date(2024, 5, 20), "Looked after review (PN1)"),
        ("placement", dt.date(2024, 9, 15), "Placement K2 (provider PR2)"),
        ("review", dt.date(2024, 11, 10), "Looked after review (PN1)"),
    ]
    second = cases["900002"]
    assert set(second.events.filter(kind__in=["plan_started", "closure"]).values_list(
        "kind", "occurred_on", "detail")) == {
        ("plan_started", dt.date(2023, 5, 10), "Started to be looked after"),
        ("closure", dt.date(2023, 12, 10), "Ceased to be looked after (E4A)"),
        ("plan_started", dt.date(2025, 3, 3), "Started to be looked after"),
    }
    assert cases["900003"].events.get(kind="closure").occurred_on == dt.date(2024, 11, 30)


def test_importing_the_903_twice_changes_nothing():
    run_import("ssda903", *SAMPLE)
    counts = (Case.objects.count(), CaseEvent.objects.count())
    again = run_import("ssda903", *SAMPLE)
    assert (Case.objects.count(), CaseEvent.objects.count()) == counts
    assert (again.summary["cases_created"], again.summary["cases_updated"],
            again.summary["events_created"]) == (0, 0, 0)


def test_a_child_on_a_plan_who_comes_into_care_moves_to_the_children_in_care_service():
    cp = CaseFactory(reference="900001", service=ServiceFactory(name="CP", kind=K.CP),
                     opened_on=dt.date(2023, 1, 1))
    job = run_import("ssda903", *SAMPLE)
    assert job.summary["cases_updated"] == 1
    cp.refresh_from_db()
    assert (cp.service.kind, cp.opened_on) == (K.CLA, dt.date(2024, 4, 1))


def test_a_care_leaver_stays_a_care_leaver_when_the_903_shows_their_care_ended():
    leaver = CaseFactory(reference="900003",
                         service=ServiceFactory(name="Leaving care", kind=K.CARE_LEAVER))
    run_import("ssda903", *SAMPLE)
    leaver.refresh_from_db()
    assert (leaver.service.kind, leaver.status) == (K.CARE_LEAVER, Case.Status.OPEN)
    assert leaver.date_of_birth == dt.date(2008, 11, 20)
    assert leaver.events.filter(kind="closure").exists()


def test_bad_episode_rows_are_each_reported():
    job = run_import("ssda903", header("A", "B", "C"), episodes(
        ("A", "01/04/2025", "S", "01/03/2025", "E4A"),
        ("B", "01/04/2025", "Q", "", ""),
        ("C", "", "S", "", "")))
    assert job.status == S.FAILED
    assert problem_cells(job) == [("episodes", 2, "DEC"), ("episodes", 3, "RNE"),
                                  ("episodes", 4, "DECOM")]
    assert not Case.objects.exists()


def test_reviews_of_a_child_the_register_does_not_know_are_reported():
    reviews = ("reviews.csv", csv_bytes(["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
                                        ["ZZZ", "01/01/2012", "01/05/2025", "PN1"]))
    job = run_import("ssda903", header("A"), episodes(("A", "01/04/2025", "S", "", "")), reviews)
    assert problem_cells(job) == [("reviews", 2, "CHILD")]
    assert "There is no case ZZZ" in job.problems[0]["reason"]


def test_the_episodes_file_is_needed():
    job = run_import("ssda903", SAMPLE[0])
    assert job.status == S.FAILED
    assert job.summary["message"].startswith("No Episodes table was found. Upload the 903")


def test_a_complete_903_closes_only_children_in_care_cases():
    cla = CaseFactory(reference="OLD", service=ServiceFactory(name="CLA", kind=K.CLA))
    cin = CaseFactory(reference="CIN", service=ServiceFactory(name="CIN", kind=K.CIN))
    job = run_import("ssda903", *SAMPLE, complete_snapshot=True)
    cla.refresh_from_db()
    cin.refresh_from_db()
    assert (cla.status, cin.status) == (Case.Status.CLOSED, Case.Status.OPEN)
    assert job.summary["cases_closed"] == 2  # OLD, and 900003 who left care


def test_a_child_in_the_episodes_but_not_the_header_is_a_row_problem():
    job = run_import("ssda903", header("A"), episodes(
        ("A", "01/04/2025", "S", "", ""),
        ("B", "01/04/2025", "S", "", ""),
        ("B", "01/05/2025", "P", "", "")))
    assert job.status == S.FAILED
    assert problem_cells(job) == [("episodes", 3, "CHILD"), ("episodes", 4, "CHILD")]
    assert "B is not in the Header file" in job.problems[0]["reason"]
    assert not Case.objects.exists()


def test_with_valid_rows_accepted_a_child_missing_from_the_header_is_left_out():
    job = run_import("ssda903", header("A"), episodes(
        ("A", "01/04/2025", "S", "", ""), ("B", "01/04/2025", "S", "", "")),
        accept_valid_rows=True)
    assert job.status == S.PARTIAL
    assert list(Case.objects.values_list("reference", "date_of_birth")) == [
        ("A", dt.date(2012, 1, 1))]
