"""The SSDA903 import keeps its episodes (placements, legal status), the Missing table and
OC3's care leaver status for the indicators, once each, with row-level problems."""

import datetime as dt

import pytest

from auditloop.cases.models import CareEpisode, CareLeaverStatus, ImportJob, MissingEpisode
from tests.cases.importing import FIXTURES, csv_bytes, problem_cells, run_import

pytestmark = pytest.mark.django_db
S = ImportJob.Status
d = dt.date
SAMPLE = [FIXTURES / "ssda903" / f"{n}.csv" for n in ("Header", "Episodes", "Reviews")]
MISSING = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
OC3 = ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"]


def missing(*rows):
    return ("missing.csv", csv_bytes(MISSING, *[[c, "15/06/2012", *r] for c, *r in rows]))


def oc3(*rows):
    return ("oc3.csv", csv_bytes(OC3, *[[c, "03/02/2007", *r] for c, *r in rows]))


def test_the_903_sample_keeps_every_episode_with_its_legal_status_and_placement():
    job = run_import("ssda903", *SAMPLE)
    assert job.status == S.SUCCEEDED, job.problems
    assert list(CareEpisode.objects.order_by("case__reference", "started_on").values_list(
        "case__reference", "started_on", "ended_on", "reason_new", "legal_status", "need",
        "placement", "provider", "reason_ended", "reason_place_change")) == [
        ("900001", d(2024, 4, 1), d(2024, 9, 15), "S", "C2", "N1", "U4", "PR1", "X1", ""),
        ("900001", d(2024, 9, 15), None, "P", "C2", "N1", "K2", "PR2", "", "CARPL"),
        ("900002", d(2023, 5, 10), d(2023, 12, 10), "S", "V2", "N2", "U6", "PR1", "E4A", ""),
        ("900002", d(2025, 3, 3), None, "S", "C1", "N1", "U5", "PR1", "", ""),
        ("900003", d(2022, 8, 1), d(2024, 11, 30), "S", "C2", "N4", "U6", "PR1", "E8", ""),
    ]
    again = run_import("ssda903", *SAMPLE)
    assert (again.summary["return_rows_created"], again.summary["return_rows_updated"]) == (0, 0)
    assert CareEpisode.objects.count() == 5


def test_the_missing_table_is_read_and_kept_once():
    files = [*SAMPLE, missing(["900001", "M", "01/10/2024", "02/10/2024"],
                              ["900001", "A", "05/10/2024", "05/10/2024"],
                              ["900002", "M", "01/04/2025", ""])]
    job = run_import("ssda903", *files)
    assert job.status == S.SUCCEEDED, job.problems
    assert list(MissingEpisode.objects.order_by("case__reference", "started_on").values_list(
        "case__reference", "kind", "started_on", "ended_on")) == [
        ("900001", "M", d(2024, 10, 1), d(2024, 10, 2)),
        ("900001", "A", d(2024, 10, 5), d(2024, 10, 5)),
        ("900002", "M", d(2025, 4, 1), None),
    ]
    again = run_import("ssda903", *files)
    assert (again.summary["return_rows_created"], again.summary["return_rows_updated"]) == (0, 0)
    closed = run_import("ssda903", *SAMPLE, missing(["900002", "M", "01/04/2025", "03/04/2025"]))
    assert closed.summary["return_rows_updated"] == 1
    assert MissingEpisode.objects.get(case__reference="900002").ended_on == d(2025, 4, 3)


def test_a_bad_missing_row_is_reported_by_its_row_and_column():
    job = run_import("ssda903", *SAMPLE, missing(["900001", "X", "01/10/2024", ""],
                                                 ["900001", "M", "31/02/2024", ""],
                                                 ["999999", "M", "01/10/2024", ""]))
    assert job.status == S.FAILED
    assert problem_cells(job) == [("missing", 2, "MISSING"), ("missing", 3, "MIS_START"),
                                  ("missing", 4, "CHILD")]
    assert not MissingEpisode.objects.exists()


def test_oc3_keeps_whether_a_care_leaver_is_in_touch_and_suitably_housed():
    job = run_import("ssda903", *SAMPLE, oc3(["900003", "YES", "F2", "S1"],
                                             ["900002", "REFU", "", "0"]))
    assert job.status == S.SUCCEEDED, job.problems
    assert set(CareLeaverStatus.objects.values_list(
        "case__reference", "in_touch", "in_touch_code", "activity", "accommodation",
        "suitable")) == {
        ("900003", True, "YES", "F2", "S1", True),
        ("900002", None, "REFU", "", "0", None),
    }
    changed = run_import("ssda903", *SAMPLE, oc3(["900003", "YES", "F2", "S2"]))
    assert (changed.summary["return_rows_created"], changed.summary["return_rows_updated"]) == (
        0, 1)
    assert CareLeaverStatus.objects.get(case__reference="900003").suitable is False
