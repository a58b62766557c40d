"""The monthly layout import: cases, involvements and events; all-or-nothing by default,
idempotent, key workers kept in step with involvements, complete lists closing cases."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from auditloop.cases.models import Case, CaseEvent, ImportJob, Involvement, Theme
from auditloop.people.models import Locality, Service
from tests.cases.importing import DOCS_SAMPLES, csv_bytes, problem_cells, run_import, xlsx_bytes
from tests.factories import CaseFactory, PersonFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
CASE_HEADER = ["Case reference", "Child identifier", "Date of birth", "Service", "Team",
               "Key worker staff number", "Team manager staff number", "Open date",
               "Closed date", "Themes"]
APRIL = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def staff():
    service = ServiceFactory(name="Child in Need", kind=Service.Kind.CIN)
    team = TeamFactory(name="Children in Need North", service=service)
    return {
        "tm": PersonFactory(staff_number="S200", team=team, full_name="Grace Okafor"),
        "dan": PersonFactory(staff_number="S201", team=team, full_name="Daniel Hughes"),
        "amira": PersonFactory(staff_number="S202", team=team, full_name="Amira Khan"),
    }


def cases_csv(*rows):
    return ("cases.csv", csv_bytes(CASE_HEADER, *rows))


def case_row(ref="CIN-1", worker="S201", opened="12/11/2025", closed="", **kw):
    row = {"Case reference": ref, "Child identifier": f"C{ref}", "Date of birth": "02/07/2012",
           "Service": "cin", "Team": "Children in Need North", "Key worker staff number": worker,
           "Team manager staff number": "S200", "Open date": opened, "Closed date": closed,
           "Themes": "Neglect; Domestic abuse"}
    row.update(kw)
    return [row[h] for h in CASE_HEADER]


def _counts():
    return (Case.objects.count(), Involvement.objects.count(), CaseEvent.objects.count(),
            Theme.objects.count())


def test_the_documented_samples_import_cleanly():
    staff = run_import("staff", DOCS_SAMPLES / "staff.csv")
    assert staff.status == S.SUCCEEDED, staff.problems
    job = run_import("monthly", *(DOCS_SAMPLES / f"{n}.csv"
                                  for n in ("cases", "involvements", "events")))
    assert job.status == S.SUCCEEDED, job.problems
    assert job.summary["cases_created"] == 7
    # CLA-4002's closing date is also its closure event: recorded once, with the file's detail.
    assert job.summary["events_created"] == 10
    assert CaseEvent.objects.get(kind="closure").detail == "Returned home"
    assert job.rows_total == job.rows_done == 7 + 4 + 10
    assert Involvement.objects.count() == 14
    cin = Case.objects.get(reference="CIN-2001")
    assert cin.key_worker.staff_number == "S201" and cin.team_manager.staff_number == "S200"
    assert {t.name for t in cin.themes.all()} == {"Domestic abuse"}
    history = list(cin.involvements.filter(role="key_worker").order_by("started_on")
                   .values_list("person__staff_number", "started_on", "ended_on"))
    assert history == [("S202", dt.date(2025, 11, 12), dt.date(2025, 12, 31)),
                       ("S201", dt.date(2026, 1, 1), None)]
    closed = Case.objects.get(reference="CLA-4002")
    assert closed.status == Case.Status.CLOSED and closed.key_worker is None
    assert Case.objects.get(reference="EH-1001").step == Case.Step.STEP_DOWN


def test_a_workbook_with_three_sheets_imports_like_the_three_csv_files():
    run_import("staff", DOCS_SAMPLES / "staff.csv")
    job = run_import("monthly", DOCS_SAMPLES / "monthly.xlsx")
    assert job.status == S.SUCCEEDED, job.problems
    assert (job.summary["cases_created"], Involvement.objects.count(), CaseEvent.objects.count()
            ) == (7, 14, 10)
    assert Case.objects.get(reference="CP-3001").opened_on == dt.date(2025, 10, 20)


def test_importing_the_same_files_twice_changes_nothing(staff):
    files = [cases_csv(case_row("CIN-1"), case_row("CIN-2", worker="S202")),
             ("events.csv", csv_bytes(["Case reference", "Event kind", "Date", "Detail"],
                                      ["CIN-1", "statutory_visit", "15/01/2026", "Seen"]))]
    with time_machine.travel(APRIL, tick=False):
        first = run_import("monthly", *files)
    before = _counts()
    stamps = dict(Case.objects.values_list("reference", "updated_at"))
    with time_machine.travel(APRIL + dt.timedelta(days=31), tick=False):
        second = run_import("monthly", *files)
    assert first.status == second.status == S.SUCCEEDED
    assert _counts() == before
    assert dict(Case.objects.values_list("reference", "updated_at")) == stamps
    unchanged = ("cases_created", "cases_updated", "cases_closed", "involvements_created",
                 "involvements_ended", "events_created")
    assert {k: second.summary[k] for k in unchanged} == dict.fromkeys(unchanged, 0)


def test_a_new_key_worker_ends_the_previous_one_the_day_before(staff):
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", cases_csv(case_row("CIN-1", worker="S202")))
    case = Case.objects.get()
    assert case.key_worker == staff["amira"]
    assert case.involvements.get(role="key_worker").started_on == dt.date(2025, 11, 12)
    with time_machine.travel(APRIL + dt.timedelta(days=30), tick=False):
        job = run_import("monthly", cases_csv(case_row("CIN-1", worker="S201")))
    case.refresh_from_db()
    assert job.summary["cases_updated"] == 0 and job.summary["involvements_created"] == 1
    assert case.key_worker == staff["dan"]
    rows = list(case.involvements.filter(role="key_worker").order_by("started_on")
                .values_list("person__staff_number", "started_on", "ended_on"))
    assert rows == [("S202", dt.date(2025, 11, 12), dt.date(2026, 4, 30)),
                    ("S201", dt.date(2026, 5, 1), None)]


def test_a_later_file_updates_cases_and_a_blank_key_worker_unallocates(staff):
    other = TeamFactory(name="Children in Need South", service=staff["dan"].team.service)
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", cases_csv(case_row("CIN-1")))
    with time_machine.travel(APRIL + dt.timedelta(days=10), tick=False):
        job = run_import("monthly", cases_csv(case_row(
            "CIN-1", worker="", Team="children in need  SOUTH", Themes="Neglect")))
    case = Case.objects.get()
    assert job.summary["cases_updated"] == 1
    assert case.team == other and case.locality == other.locality
    assert case.key_worker is None
    assert case.involvements.get(role="key_worker").ended_on == dt.date(2026, 4, 10)
    assert [t.name for t in case.themes.all()] == ["Neglect"]


def test_a_bad_row_blocks_the_whole_file_and_every_problem_is_listed(staff):
    job = run_import("monthly", cases_csv(
        case_row("CIN-1"),
        case_row("CIN-2", **{"Date of birth": "31/02/2014"}),
        case_row("CIN-3", worker="S999", Service="Mystery service"),
        case_row("", opened="01/02/2026", closed="01/01/2026"),
    ))
    assert job.status == S.FAILED
    assert not Case.objects.exists() and not Theme.objects.exists()
    assert problem_cells(job) == [
        ("cases", 3, "Date of birth"),
        ("cases", 4, "Key worker staff number"),
        ("cases", 4, "Service"),
        ("cases", 5, "Case reference"),
        ("cases", 5, "Closed date"),
    ]
    reasons = " ".join(p["reason"] for p in job.problems)
    assert "“31/02/2014” is not a real date" in reasons
    assert "No member of staff has the staff number S999. Import the staff list first" in reasons
    assert "“Mystery service” is not a service auditloop knows" in reasons
    assert "This is blank. Fill it in." in reasons
    assert "Traceback" not in reasons
    assert job.summary["message"].startswith("Nothing was imported, because 3 rows have problems")


def test_accept_valid_rows_imports_the_rest_and_lists_the_bad_rows(staff):
    job = run_import("monthly", cases_csv(
        case_row("CIN-1"), case_row("CIN-2", opened="yesterday")), accept_valid_rows=True)
    assert job.status == S.PARTIAL
    assert list(Case.objects.values_list("reference", flat=True)) == ["CIN-1"]
    assert problem_cells(job) == [("cases", 3, "Open date")]
    assert "except 1 row with problems" in job.summary["message"]


def test_rows_naming_a_left_out_case_are_left_out_and_say_why(staff):
    involvements = ("involvements.csv", csv_bytes(
        ["Case reference", "Staff number", "Role", "Start date", "End date"],
        ["CIN-2", "S201", "key_worker", "01/01/2026", ""],
        ["NOPE", "S201", "iro", "01/01/2026", ""]))
    job = run_import("monthly", cases_csv(case_row("CIN-2", Service="??")), involvements,
                     accept_valid_rows=True)
    assert job.status == S.FAILED
    assert [p["reason"][:40] for p in job.problems] == [
        "“??” is not a service auditloop knows. U",
        "Left out because the row for case CIN-2 ",
        "There is no case NOPE in this file or in",
    ]


def test_a_messy_column_the_import_does_not_use_does_not_block_it(staff):
    content = xlsx_bytes({"Cases": [
        ["Monthly case list", None],
        [*CASE_HEADER, "Notes", "Worker's age"],
        [*case_row("CIN-1"), "#REF!", "=1/0"],
        [*case_row("CIN-2", worker="S202"), "=VLOOKUP(A3,B:B,1)", "not a number"],
    ]})
    job = run_import("monthly", ("cases.xlsx", content))
    assert job.status == S.SUCCEEDED, job.problems
    assert Case.objects.count() == 2


def test_complete_snapshot_closes_the_open_cases_a_later_file_leaves_out(staff):
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", cases_csv(case_row("CIN-1"), case_row("CIN-2", worker="S202")))
    with time_machine.travel(APRIL + dt.timedelta(days=30), tick=False):
        partial = run_import("monthly", cases_csv(case_row("CIN-1")))
        assert Case.objects.get(reference="CIN-2").status == Case.Status.OPEN
        assert partial.summary["cases_closed"] == 0
        job = run_import("monthly", cases_csv(case_row("CIN-1")), complete_snapshot=True)
    gone = Case.objects.get(reference="CIN-2")
    assert job.summary["cases_closed"] == 1
    assert (gone.status, gone.closed_on, gone.key_worker) == (
        Case.Status.CLOSED, dt.date(2026, 5, 1), None)
    assert gone.involvements.get(role="key_worker").ended_on == dt.date(2026, 5, 1)
    assert gone.events.get(kind="closure").detail.startswith("Not in the complete list")


def test_a_case_closed_in_the_file_ends_its_involvements_and_reopens_later(staff):
    run_import("monthly", cases_csv(case_row("CIN-1", closed="31/03/2026")))
    case = Case.objects.get()
    assert case.status == Case.Status.CLOSED and case.key_worker is None
    assert case.involvements.get(role="key_worker").ended_on == dt.date(2026, 3, 31)
    with time_machine.travel(APRIL, tick=False):
        run_import("monthly", cases_csv(case_row("CIN-1", opened="01/04/2026")))
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and case.key_worker == staff["dan"]
    assert case.involvements.filter(role="key_worker", ended_on__isnull=True).get(
    ).started_on == dt.date(2026, 4, 1)


def test_involvement_rows_keep_the_case_holders_in_step(staff):
    CaseFactory(reference="CIN-9", service=staff["dan"].team.service, key_worker=None)
    job = run_import("monthly", ("involvements.csv", csv_bytes(
        ["Case reference", "Staff number", "Role", "Start date", "End date"],
        ["CIN-9", "S202", "Key worker / lead professional", "01/01/2026", ""],
        ["CIN-9", "S201", "key worker", "01/03/2026", ""],
        ["CIN-9", "S200", "team_manager", "01/01/2026", ""],
    )))
    assert job.status == S.SUCCEEDED, job.problems
    case = Case.objects.get()
    assert (case.key_worker, case.team_manager) == (staff["dan"], staff["tm"])
    assert case.involvements.get(person=staff["amira"]).ended_on == dt.date(2026, 2, 28)


def test_events_are_recorded_once_per_case_kind_and_date(staff):
    CaseFactory(reference="CIN-9")
    events = ("events.csv", csv_bytes(
        ["Case reference", "Event kind", "Date", "Detail"],
        ["CIN-9", "Statutory visit", "15/01/2026", "Seen alone"],
        ["CIN-9", "statutory_visit", "2026-01-15", "Seen with mother"],
        ["CIN-9", "S47", "16/01/2026", ""],
        ["CIN-9", "a visit to the zoo", "17/01/2026", ""],
    ))
    assert run_import("monthly", events).status == S.FAILED
    job = run_import("monthly", events, accept_valid_rows=True)
    assert job.summary["events_created"] == 2
    assert list(CaseEvent.objects.values_list("kind", "detail")) == [
        ("statutory_visit", "Seen alone"), ("section_47", "")]


def test_conflicting_rows_for_one_case_are_both_reported_and_exact_repeats_ignored(staff):
    job = run_import("monthly", cases_csv(
        case_row("CIN-1"), case_row("CIN-1"), case_row("CIN-1", worker="S202")))
    assert job.summary["duplicates_ignored"] == 1
    assert problem_cells(job) == [("cases", 2, "Case reference"), ("cases", 4, "Case reference")]


@pytest.mark.parametrize("name, content, says", [
    ("cases.csv", b"", "is empty"),
    ("cases.pdf", b"%PDF-1.4 binary", "is not a spreadsheet"),
    ("cases.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 20, "old-style Excel file"),
    ("notes.csv", b"Name,Age\nJo,4\n", "None of the files is a cases, involvements or events"),
    ("cases.csv", b"Reference,Age\nA,4\n", "No header row with the columns"),
    ("cases.csv", b"Case reference,Service\n", "There are no rows to import"),
])
def test_a_file_that_cannot_be_read_fails_with_a_plain_message(name, content, says):
    job = run_import("monthly", (name, content))
    assert job.status == S.FAILED
    assert says in job.summary["message"]
    assert "Traceback" not in job.summary["message"]
    assert not Case.objects.exists()


def test_services_are_matched_by_name_or_kind_and_created_when_missing(staff):
    yjs = ServiceFactory(name="Youth Justice Service", kind=Service.Kind.YJS)
    job = run_import("monthly", cases_csv(
        case_row("A", Service="youth justice service", Team=""),
        case_row("B", Service="early_help", Team=""),
        case_row("C", Service="Children in care", Team="")))
    assert job.status == S.SUCCEEDED, job.problems
    kinds = dict(Case.objects.values_list("reference", "service__kind"))
    assert kinds == {"A": "yjs", "B": "early_help", "C": "cla"}
    assert Case.objects.get(reference="A").service == yjs
    assert job.summary["services_created"] == 2


def test_localities_are_created_when_new_and_the_source_is_recorded(staff):
    header = ["Case reference", "Service", "Locality"]
    run_import("monthly", ("cases.csv", csv_bytes(header, ["A", "cin", "Moorside"])))
    case = Case.objects.get()
    assert case.locality == Locality.objects.get(name="Moorside")
    assert case.source == "monthly" and case.created_at <= timezone.now()


def test_the_import_command_prints_what_it_did(staff, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(cases_csv(case_row("CIN-1"))[1])
    out = io.StringIO()
    call_command("import", "monthly", str(path), stdout=out)
    printed = out.getvalue()
    assert "(auditloop monthly layout (CSV or XLSX)): Imported" in printed
    assert "  Cases added: 1" in printed
    assert Case.objects.count() == 1


def test_the_import_command_prints_each_problem_and_fails(staff, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(cases_csv(case_row("CIN-1", opened="soon"))[1])
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported") as failure:
        call_command("import", "monthly", str(path), "--accept-valid-rows", stdout=out)
    assert failure.value.returncode == 1
    assert ("  cases.csv, row 2, Open date: “soon” is not a date. Write dates as DD/MM/YYYY"
            in out.getvalue())
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import", "monthly", str(tmp_path / "missing.csv"))
