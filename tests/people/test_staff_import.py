"""The staff import: people, job titles and teams created when new, extra roles, line
managers (loops refused row by row), and a second import of the same file changing nothing."""

import pytest

from auditloop.cases.models import ImportJob
from auditloop.people.models import JobTitle, Locality, Person, PersonRole, Service, Team
from auditloop.people.roles import Role
from tests.cases.importing import DOCS_SAMPLES, csv_bytes, problem_cells, run_import
from tests.factories import PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db
S = ImportJob.Status
HEADER = ["Staff number", "Full name", "Email", "Job title", "Extra roles", "Team", "Locality",
          "Service", "Agency", "Agency type", "Line manager staff number", "Active"]


def staff_csv(*rows: dict[str, str]) -> tuple[str, bytes]:
    return ("staff.csv", csv_bytes(HEADER, *[[r.get(h, "") for h in HEADER] for r in rows]))


def person(number: str, name: str, manager: str = "", **more: str) -> dict[str, str]:
    return {"Staff number": number, "Full name": name, "Line manager staff number": manager,
            "Team": "Children in Need North", "Service": "cin", "Locality": "North", **more}


def test_the_documented_staff_list_imports_with_its_structure():
    job = run_import("staff", DOCS_SAMPLES / "staff.csv")
    assert job.status == S.SUCCEEDED, job.problems
    counts = [job.summary[k] for k in ("staff_created", "teams_created", "job_titles_created",
                                       "line_managers_changed")]
    assert counts == [11, 6, 7, 9]
    tom = Person.objects.select_related("team__service", "team__locality", "line_manager").get(
        staff_number="S101")
    assert (tom.full_name, tom.email, tom.job_title.name) == (
        "Tom Ellis", "tom.ellis@northmoor.example", "QA Manager")
    assert tom.roles == {Role.QA_MANAGER} and tom.line_manager.staff_number == "S100"
    assert (tom.team.name, tom.team.locality.name, tom.team.service.kind) == (
        "Quality Assurance Team", "County", Service.Kind.OTHER)
    assert Team.objects.get(name="Children in Need North").service.kind == Service.Kind.CIN
    nurse = Person.objects.get(staff_number="H900")
    assert (nurse.agency, nurse.agency_type, nurse.is_partner_agency) == (
        "Northmoor Community NHS Trust", "Health visitor", True)


def test_importing_the_same_staff_list_twice_changes_nothing():
    run_import("staff", DOCS_SAMPLES / "staff.csv")
    stamps = dict(Person.objects.values_list("staff_number", "updated_at"))
    counts = (Person.objects.count(), Team.objects.count(), JobTitle.objects.count(),
              PersonRole.objects.count(), Locality.objects.count(), Service.objects.count())
    again = run_import("staff", DOCS_SAMPLES / "staff.csv")
    assert again.status == S.SUCCEEDED
    assert dict(Person.objects.values_list("staff_number", "updated_at")) == stamps
    assert (Person.objects.count(), Team.objects.count(), JobTitle.objects.count(),
            PersonRole.objects.count(), Locality.objects.count(), Service.objects.count()
            ) == counts
    assert again.summary["staff_created"] == again.summary["staff_updated"] == 0


def test_a_line_manager_loop_in_the_file_is_refused_with_a_clear_row_message():
    job = run_import("staff", staff_csv(
        person("A1", "Ann Able", manager="B2"),
        person("B2", "Bo Baker", manager="A1"),
        person("C3", "Cy Cole", manager="C3"),
    ))
    assert job.status == S.FAILED
    assert not Person.objects.exists()
    # Row 2 is fine on its own: its manager's row is the one that closes the loop.
    assert problem_cells(job) == [("staff", 3, "Line manager staff number"),
                                  ("staff", 4, "Line manager staff number")]
    assert job.problems[0]["reason"] == (
        "Ann Able is already managed (directly or further down) by Bo Baker, so Bo Baker "
        "cannot report to them. Change Ann Able's line manager first.")
    assert job.problems[1]["reason"] == "Cy Cole cannot be their own line manager."


def test_a_loop_with_the_register_is_refused_and_the_other_rows_imported_when_asked():
    boss = PersonFactory(staff_number="B1", full_name="Bea Boss")
    middle = PersonFactory(staff_number="M1", full_name="Mo Middle", line_manager=boss)
    PersonFactory(staff_number="W1", full_name="Wes Worker", line_manager=middle)
    job = run_import("staff", staff_csv(
        person("B1", "Bea Boss", manager="W1"), person("N1", "New Starter", manager="B1")),
        accept_valid_rows=True)
    assert job.status == S.PARTIAL
    assert "Wes Worker is already managed (directly or further down) by Bea Boss" in (
        job.problems[0]["reason"])
    boss.refresh_from_db()
    assert boss.line_manager is None
    assert Person.objects.get(staff_number="N1").line_manager == boss


def test_a_manager_further_down_the_file_is_found():
    job = run_import("staff", staff_csv(person("W1", "Wes Worker", manager="b1"),
                                        person("B1", "Bea Boss")))
    assert job.status == S.SUCCEEDED, job.problems
    assert Person.objects.get(staff_number="W1").line_manager.staff_number == "B1"


def test_bad_cells_are_each_reported():
    TeamFactory(name="Known team")
    job = run_import("staff", staff_csv(
        person("A1", "Ann Able", manager="ZZ9"),
        person("B2", "Bo Baker", Email="not-an-email"),
        person("C3", "Cy Cole", **{"Extra roles": "auditor; Wizard"}),
        person("D4", "Di Dee", Team="Brand new team", Service=""),
        person("", "", Active="perhaps"),
    ))
    assert job.status == S.FAILED
    assert problem_cells(job) == [
        ("staff", 2, "Line manager staff number"), ("staff", 3, "Email"),
        ("staff", 4, "Extra roles"), ("staff", 5, "Service"), ("staff", 6, "Staff number"),
        ("staff", 6, "Full name"), ("staff", 6, "Active")]
    reasons = [p["reason"] for p in job.problems]
    assert reasons[0] == ("No member of staff has the staff number ZZ9. Add their row to the "
                          "file or correct the number.")
    assert reasons[2].startswith("Wizard: not a role auditloop has")
    assert "The team “Brand new team” is new. Give its service" in reasons[3]


def test_roles_by_label_and_columns_left_out_leave_people_as_they_were():
    team = TeamFactory(name="Keep me")
    existing = PersonFactory(staff_number="A1", full_name="Old Name", team=team,
                             email="a@example.com", roles=[Role.AUDITOR])
    job = run_import("staff", ("staff.csv", csv_bytes(
        ["Staff number", "Full name", "Extra roles", "Active"],
        ["A1", "New Name", "QA manager; moderator", "No"])))
    assert job.status == S.SUCCEEDED, job.problems
    existing.refresh_from_db()
    assert (existing.full_name, existing.team, existing.email, existing.is_active) == (
        "New Name", team, "a@example.com", False)
    assert set(existing.role_rows.values_list("role", flat=True)) == {
        Role.QA_MANAGER, Role.MODERATOR}
    assert job.summary["staff_updated"] == 1


def test_a_file_without_the_staff_columns_fails_with_what_to_do():
    job = run_import("staff", ("people.csv", b"Name,Phone\nJo,123\n"))
    assert job.status == S.FAILED
    assert "needs a header row with at least the columns “Staff number” and “Full name”" in (
        job.summary["message"])


def test_with_valid_rows_accepted_a_row_whose_manager_was_left_out_is_left_out_too():
    job = run_import("staff", staff_csv(
        person("A1", "Ann Able", manager="B2"),
        person("B2", "Bo Baker", manager="A1"),
        person("C3", "Cy Cole"),
    ), accept_valid_rows=True)
    assert job.status == S.PARTIAL
    assert [(p["row"], p["reason"][:40]) for p in job.problems] == [
        (2, "Left out because the row of their line m"),
        (3, "Ann Able is already managed (directly or"),
    ]
    assert list(Person.objects.values_list("staff_number", flat=True)) == ["C3"]
