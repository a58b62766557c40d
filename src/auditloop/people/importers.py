"""The staff import: a staff list from CSV or XLSX, checked in full before anything is saved.

Columns: staff number, full name, email, job title, extra roles, team, locality, service,
agency, agency type, line manager staff number, active. A column the file leaves out is
left alone on existing staff. Job titles, teams (with their service and locality) are
created when new. Line management stays a tree: a row that would make a loop is refused
with the same rule and message as the staff page (services.line_manager_refusal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction

from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import (
    Column,
    Problem,
    Progress,
    Row,
    Table,
    UploadedFile,
    choices_from,
    find_table,
    normalise,
    normalise_name,
    read_spreadsheet,
)
from auditloop.people.models import JobTitle, Locality, Person, Service, Team
from auditloop.people.roles import Role
from auditloop.people.services import (
    line_manager_refusal,
    person_set_line_manager,
    person_set_roles,
)

STAFF_COLUMNS = [
    Column("staff_number", "Staff number",
           ("staff id", "staff no", "employee number", "payroll number"), required=True),
    Column("full_name", "Full name", ("name", "staff name"), required=True),
    Column("email", "Email", ("email address", "e-mail")),
    Column("job_title", "Job title", ("title", "position")),
    Column("extra_roles", "Extra roles", ("roles", "additional roles")),
    Column("team", "Team"),
    Column("locality", "Locality", ("area", "district")),
    Column("service", "Service"),
    Column("agency", "Agency", ("partner agency",)),
    Column("agency_type", "Agency type"),
    Column("line_manager", "Line manager staff number",
           ("line manager", "manager staff number", "manager")),
    Column("active", "Active", ("is active", "current")),
]
ROLES = choices_from(Role.choices)
SERVICE_KINDS = choices_from(Service.Kind.choices)
_KEEP = object()  # the file does not carry this column: leave the person's value alone


@dataclass
class StaffRow:
    row: Row
    staff_number: str
    full_name: str
    values: dict[str, Any]  # email, agency, agency_type, is_active, when the file has them
    job_title: Any = _KEEP  # str name, "" for none
    team: Any = _KEEP
    locality: str = ""
    service: str = ""
    roles: Any = _KEEP  # list of Role values
    line_manager: Any = _KEEP  # staff number, "" for none

    def problem(self, key: str, reason: str) -> Problem:
        return self.row.table.problem(self.row.number, self.row.table.header(key, STAFF_COLUMNS),
                                      reason)


@dataclass
class StaffPlan:
    rows: list[StaffRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    duplicates: int = 0
    numbers_in_file: set[str] = field(default_factory=set)  # upper case, bad rows included


@dataclass
class StaffLoaded:
    rows_total: int
    tables: list[Table]


def load(files: Sequence[UploadedFile]) -> StaffLoaded:
    tables = []
    for upload in files:
        for sheet in read_spreadsheet(upload):
            table = find_table(sheet, STAFF_COLUMNS)
            if table is not None:
                tables.append(table)
    if not tables:
        raise ImportFileError(
            "No staff list was found. The file needs a header row with at least the columns "
            "“Staff number” and “Full name”; see the data formats guide for the others."
        )
    return StaffLoaded(rows_total=sum(len(t.rows) + t.duplicates for t in tables),
                       tables=tables)


def _read(row: Row) -> StaffRow | None:
    number = row.text("staff_number", required=True, max_length=40)
    name = row.text("full_name", required=True, max_length=200)
    item = StaffRow(row=row, staff_number=number, full_name=name, values={})
    if row.has("email"):
        email = row.text("email", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.add_problem("email", f"“{email}” is not an email address. Correct it or "
                                         f"leave it blank.")
        item.values["email"] = email
    for key in ("agency", "agency_type"):
        if row.has(key):
            item.values[key] = row.text(key, max_length=120)
    if row.has("active"):
        active = row.yes_no("active")
        item.values["is_active"] = True if active is None else active
    if row.has("job_title"):
        item.job_title = row.text("job_title", max_length=120)
    if row.has("team"):
        item.team = row.text("team", max_length=120)
        item.locality = row.text("locality", max_length=120)
        item.service = row.text("service", max_length=120)
    if row.has("extra_roles"):
        roles: list[str] = []
        unknown: list[str] = []
        for part in row.text("extra_roles").split(";"):
            if part.strip():
                role = ROLES.get(normalise(part))
                (roles if role else unknown).append(role or part.strip())
        if unknown:
            row.add_problem("extra_roles", f"{', '.join(unknown)}: not a role auditloop has. "
                                           f"Use the roles listed in the data formats guide, "
                                           f"separated by semicolons.")
        item.roles = sorted(set(roles))
    if row.has("line_manager"):
        item.line_manager = row.text("line_manager", max_length=40)
    return item if row.ok else None


def check(loaded: StaffLoaded, progress: Progress, *, accept_valid_rows: bool = False
          ) -> StaffPlan:
    """Every row read and checked against the register; nothing is written."""
    plan = StaffPlan()
    first: dict[str, StaffRow] = {}
    for table in loaded.tables:
        plan.duplicates += table.duplicates
        progress.advance(table.duplicates)
        for row in table.rows:
            plan.rows_read += 1
            item = _read(row)
            number = row.text("staff_number").upper()
            plan.numbers_in_file.add(number)
            if item is not None and number in first:
                row.add_problem("staff_number", f"Staff number {item.staff_number} is also on "
                                f"row {first[number].row.number} with different details. "
                                f"Keep one row per person.")
                item = None
            if item is not None:
                first[number] = item
                plan.rows.append(item)
            plan.problems.extend(row.problems)
            progress.advance()
    _check_teams(plan)
    _check_line_managers(plan, accept_valid_rows)
    plan.problems.sort(key=lambda p: (p.file, p.table, p.row or 0))
    return plan


def _check_teams(plan: StaffPlan) -> None:
    teams = {normalise_name(n) for n in Team.objects.values_list("name", flat=True)}
    kept = []
    for item in plan.rows:
        if item.team is not _KEEP and item.team and normalise_name(item.team) not in teams \
                and not item.service:
            plan.problems.append(item.problem(
                "service", f"The team “{item.team}” is new. Give its service (for example "
                           f"cin or Children in Need) so that the team can be created."))
            continue
        kept.append(item)
    plan.rows = kept


def _check_line_managers(plan: StaffPlan, accept_valid_rows: bool) -> None:
    """Refuse unknown managers and loops, in file order, as the staff page would.

    With valid rows accepted, a row whose manager's row was left out is left out too
    (and says so); otherwise nothing is imported anyway, so it is not listed.
    """
    in_register = dict(Person.objects.values_list("staff_number", "line_manager__staff_number"))
    names = dict(Person.objects.values_list("staff_number", "full_name"))
    by_upper = {n.upper(): n for n in in_register}
    for item in plan.rows:  # the file spells staff numbers as it likes; the register rules
        item.staff_number = by_upper.get(item.staff_number.upper(), item.staff_number)
    while True:
        dropped = False
        known = set(in_register) | {i.staff_number for i in plan.rows}
        upper_known = {n.upper(): n for n in known}
        manager_of: dict[str, str | None] = dict(in_register)
        names_now = dict(names) | {i.staff_number: i.full_name for i in plan.rows}
        kept = []
        for item in plan.rows:
            if item.line_manager is not _KEEP and item.line_manager:
                target = upper_known.get(item.line_manager.upper())
                if target is None:
                    if item.line_manager.upper() in plan.numbers_in_file:
                        if accept_valid_rows:
                            plan.problems.append(item.problem(
                                "line_manager", f"Left out because the row of their line "
                                                f"manager, {item.line_manager}, has a problem."))
                    else:
                        plan.problems.append(item.problem(
                            "line_manager", f"No member of staff has the staff number "
                                            f"{item.line_manager}. Add their row to the file "
                                            f"or correct the number."))
                    dropped = True
                    continue
                item.line_manager = target
                refusal = line_manager_refusal(
                    item.staff_number, target, manager_of=manager_of.get,
                    name=_namer(names_now))
                if refusal:
                    plan.problems.append(item.problem("line_manager", refusal))
                    dropped = True
                    continue
            if item.line_manager is not _KEEP:
                manager_of[item.staff_number] = cast(str, item.line_manager) or None
            kept.append(item)
        plan.rows = kept
        if not dropped or not accept_valid_rows:
            return


def _namer(names: dict[str, str]) -> Callable[[str], str]:
    return lambda number: names.get(number, number)


class _Structure:
    """Services, localities, teams and job titles by name, created when new."""

    def __init__(self, summary: dict[str, int]) -> None:
        self.summary = summary
        self.teams = {normalise_name(t.name): t for t in Team.objects.all()}
        self.titles = {normalise_name(j.name): j for j in JobTitle.objects.all()}
        self.localities = {normalise_name(x.name): x for x in Locality.objects.all()}
        self.services = {normalise_name(s.name): s for s in Service.objects.all()}

    def service(self, text: str) -> Service:
        key = normalise_name(text)
        if key in self.services:
            return self.services[key]
        kind = SERVICE_KINDS.get(normalise(text))
        if kind:
            of_kind = [s for s in self.services.values() if s.kind == kind]
            if len(of_kind) == 1:
                return of_kind[0]
            name = Service.Kind(kind).label
            key = normalise_name(name)
            if key in self.services:
                return self.services[key]
        else:
            name = text
        service = Service.objects.create(name=name, kind=kind or Service.Kind.OTHER)
        self.services[key] = service
        self.summary["services_created"] += 1
        return service

    def locality(self, text: str) -> Locality | None:
        if not text:
            return None
        key = normalise_name(text)
        if key not in self.localities:
            self.localities[key] = Locality.objects.create(name=text)
            self.summary["localities_created"] += 1
        return self.localities[key]

    def team(self, item: StaffRow) -> Team | None:
        if not item.team:
            return None
        key = normalise_name(item.team)
        if key not in self.teams:
            self.teams[key] = Team.objects.create(
                name=item.team, service=self.service(item.service),
                locality=self.locality(item.locality))
            self.summary["teams_created"] += 1
        return self.teams[key]

    def job_title(self, text: str) -> JobTitle | None:
        if not text:
            return None
        key = normalise_name(text)
        if key not in self.titles:
            self.titles[key] = JobTitle.objects.create(name=text)
            self.summary["job_titles_created"] += 1
        return self.titles[key]


# The advisory lock's key: any fixed number no other lock in the service uses.
STAFF_IMPORT_LOCK = 7_310_001


@transaction.atomic
def staff_import_apply(*, plan: StaffPlan) -> dict[str, int]:
    """Write the checked rows: people, their structure, roles, then line managers.

    One staff import writes at a time: two workers applying lists at the same moment would
    each create the same new job title, team or person and one would fail on the unique
    name. On PostgreSQL a transaction-level advisory lock queues the second until the first
    commits; it then reads the structure and people afresh (below) and finds them made. On
    SQLite the immediate transaction already does the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STAFF_IMPORT_LOCK])
    summary = dict.fromkeys(
        ["staff_created", "staff_updated", "line_managers_changed", "job_titles_created",
         "teams_created", "services_created", "localities_created"], 0)
    structure = _Structure(summary)
    people = {p.staff_number: p for p in Person.objects.select_related(
        "job_title", "team").prefetch_related("role_rows")}
    for item in plan.rows:
        person = people.get(item.staff_number)
        created = person is None
        if person is None:
            person = Person(staff_number=item.staff_number)
        wanted: dict[str, Any] = {"full_name": item.full_name, **item.values}
        if item.job_title is not _KEEP:
            wanted["job_title"] = structure.job_title(item.job_title)
        if item.team is not _KEEP:
            wanted["team"] = structure.team(item)
        changed = [k for k, v in wanted.items() if getattr(person, k) != v]
        for key in changed:
            setattr(person, key, wanted[key])
        if created:
            person.save()
            people[person.staff_number] = person
        elif changed:
            person.save(update_fields=[*changed, "updated_at"])
        roles_changed = False
        if item.roles is not _KEEP:
            have = {r.role for r in person.role_rows.all()} if not created else set()
            if have != set(item.roles):
                person_set_roles(person=person, roles=item.roles)
                roles_changed = True
        if created:
            summary["staff_created"] += 1
        elif changed or roles_changed:
            summary["staff_updated"] += 1
    # Walk line management through these same objects, so the rule sees each change made.
    by_pk = {p.pk: p for p in people.values()}
    for p in people.values():
        if p.line_manager_id is not None:
            p.line_manager = by_pk.get(p.line_manager_id)
    for item in plan.rows:  # managers last: a manager may be further down the file
        if item.line_manager is _KEEP:
            continue
        person = people[item.staff_number]
        manager = people.get(item.line_manager) if item.line_manager else None
        if person.line_manager_id != (manager.pk if manager else None):
            # The plan checked this order already; the rule is applied again on the way in.
            person_set_line_manager(person=person, manager=manager)
            summary["line_managers_changed"] += 1
    return summary
