"""`auditloop export`: the register as CSV in the import layouts, so that an export imported
again changes nothing, with cells no spreadsheet will run as formulas."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from auditloop.cases import services
from auditloop.cases.models import Case, CaseEvent, ImportJob, Involvement, Theme
from auditloop.common.models import AccessLog
from auditloop.people.models import Person, PersonRole, Team
from auditloop.people.roles import Role
from tests.cases.importing import DOCS_SAMPLES, run_import
from tests.factories import CaseFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db
APRIL = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)


EXPORTER = "register.exporter"
WHO = ("--as", EXPORTER, "--reason", "Checking the register against the case system")


@pytest.fixture(autouse=True)
def exporter():  # type: ignore[no-untyped-def]
    """The person the child-level exports are made as (a QA manager may export them)."""
    person = PersonFactory(roles=[Role.QA_MANAGER])
    person.user.username = EXPORTER
    person.user.save(update_fields=["username"])
    return person


def export(what: str) -> str:
    out = io.StringIO()
    call_command("export", what, *(WHO if what != "staff" else ()), stdout=out)
    return out.getvalue()


def snapshot():
    return (
        sorted(Case.objects.values_list("reference", "updated_at", "status", "key_worker_id",
                                        "team_manager_id", "service_id", "team_id")),
        sorted(Involvement.objects.values_list("case_id", "person_id", "role", "started_on",
                                               "ended_on", "updated_at")),
        sorted(Person.objects.values_list("staff_number", "updated_at", "line_manager_id")),
        CaseEvent.objects.count(), Theme.objects.count(), Team.objects.count(),
        PersonRole.objects.count(),
    )


def test_an_export_imported_again_changes_nothing():
    with time_machine.travel(APRIL, tick=False):
        run_import("staff", DOCS_SAMPLES / "staff.csv")
        run_import("monthly", *(DOCS_SAMPLES / f"{n}.csv"
                                for n in ("cases", "involvements", "events")))
    before = snapshot()
    files = {what: export(what).encode() for what in ("cases", "involvements", "staff")}
    with time_machine.travel(APRIL + dt.timedelta(days=40), tick=False):
        staff = run_import("staff", ("staff.csv", files["staff"]))
        cases = run_import("monthly", ("cases.csv", files["cases"]),
                           ("involvements.csv", files["involvements"]), complete_snapshot=True)
    assert staff.status == cases.status == ImportJob.Status.SUCCEEDED, cases.problems
    assert snapshot() == before
    assert (cases.summary["cases_updated"], cases.summary["cases_closed"],
            cases.summary["involvements_created"], cases.summary["involvements_ended"]) == (
        0, 0, 0, 0)
    assert staff.summary["staff_updated"] == 0


def test_the_case_export_has_the_monthly_layouts_columns():
    team = TeamFactory(name="Team A")
    worker = PersonFactory(staff_number="S1", team=team)
    case = CaseFactory(reference="R1", team=team, date_of_birth=dt.date(2015, 3, 14),
                       opened_on=dt.date(2026, 1, 5), step=Case.Step.STEP_UP)
    services.involvement_record(case=case, person=worker, role="key_worker",
                                started_on=dt.date(2026, 1, 5))
    case.themes.set([Theme.objects.create(name="Neglect"), Theme.objects.create(name="Abuse")])
    rows = list(csv.DictReader(io.StringIO(export("cases"))))
    assert rows == [{
        "Case reference": "R1", "Child identifier": case.child_identifier,
        "Family identifier": "", "Date of birth": "14/03/2015", "Gender": "", "Ethnicity": "",
        "Disability": "", "Service": case.service.name, "Team": "Team A",
        "Locality": team.locality.name, "Key worker staff number": "S1",
        "Team manager staff number": "", "Agency type": "", "Open date": "05/01/2026",
        "Plan start date": "", "Step": "step_up", "Closed date": "", "Themes": "Abuse; Neglect",
    }]
    assert export("involvements").splitlines()[1] == "R1,S1,key_worker,05/01/2026,"


def test_cells_a_spreadsheet_would_run_are_prefixed_and_read_back_unchanged():
    PersonFactory(staff_number="-7", full_name="=HYPERLINK(\"http://evil\")", email="",
                  agency="@risk", agency_type="+44 team", roles=[Role.AUDITOR])
    CaseFactory(reference="=1+1", child_identifier="-2", family_identifier="@F")
    staff = export("staff")
    cases = export("cases")
    assert "'=HYPERLINK" in staff and "'@risk" in staff and "'+44 team" in staff
    assert staff.splitlines()[1].startswith("'-7,")
    assert cases.splitlines()[1].startswith("'=1+1,'-2,'@F,")
    before = snapshot()
    assert run_import("staff", ("staff.csv", staff.encode())).summary["staff_updated"] == 0
    job = run_import("monthly", ("cases.csv", cases.encode()))
    assert job.status == ImportJob.Status.SUCCEEDED, job.problems
    assert job.summary["cases_updated"] == 0
    assert snapshot() == before


def test_an_export_can_be_written_to_a_file(tmp_path, capsys):
    CaseFactory(reference="R1", child_identifier="Zoë")
    target = tmp_path / "cases.csv"
    call_command("export", "cases", "--output", str(target), *WHO)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfCase reference,")
    assert "Zoë" in data.decode("utf-8-sig")
    assert "Wrote 1 row to" in capsys.readouterr().err


# Who exports children's records, and why -------------------------------------------------

@pytest.mark.parametrize("what", ["cases", "involvements"])
def test_a_child_level_export_needs_who_and_why(what):
    CaseFactory(reference="R1")
    for argv in ((), ("--as", EXPORTER), ("--reason", "A reason"),
                 ("--as", EXPORTER, "--reason", "  ")):
        with pytest.raises(CommandError, match="say who is exporting and why"):
            call_command("export", what, *argv, stdout=io.StringIO())
    assert not AccessLog.objects.exists()


def test_a_child_level_export_refuses_an_unknown_user_or_one_who_may_not_export():
    CaseFactory(reference="R1")
    with pytest.raises(CommandError, match="There is no user nobody.here"):
        call_command("export", "cases", "--as", "nobody.here", "--reason", "x",
                     stdout=io.StringIO())
    auditor = PersonFactory(roles=[Role.AUDITOR])
    with pytest.raises(CommandError, match="may not export the case register"):
        call_command("export", "cases", "--as", auditor.user.username, "--reason", "x",
                     stdout=io.StringIO())
    assert not AccessLog.objects.exists()


def test_each_case_exported_is_logged_with_the_reason(exporter):
    first, second = CaseFactory(reference="R1"), CaseFactory(reference="R2")
    export("cases")
    rows = AccessLog.objects.filter(action=AccessLog.Action.EXPORT)
    assert sorted(rows.values_list("object_type", "object_id")) == sorted(
        [("case", str(first.pk)), ("case", str(second.pk))])
    assert {(r.user_id, r.reason, r.path, r.ip_address) for r in rows} == {
        (exporter.user_id, "Checking the register against the case system",
         "auditloop export cases", None)}


def test_the_staff_list_needs_no_reason_and_the_files_keep_their_import_layout():
    CaseFactory(reference="R1")
    assert export("staff").startswith("Staff number,")
    assert not AccessLog.objects.exists()
    # No line saying who exported it: the file can be imported again as it is.
    assert "Exported by" not in export("cases")
