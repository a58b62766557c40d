"""auditloop's own monthly layout: Cases, Involvements and Events tables (docs/data-formats.md).

Every case management system can produce it from a report: three CSV files named
cases / involvements / events, or one workbook with sheets of those names.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditloop.cases.importers.base import (
    INVOLVEMENT_ROLES,
    CaseRecord,
    Column,
    EventRecord,
    ImportFileError,
    InvolvementRecord,
    Loaded,
    Locus,
    ParsedCases,
    Progress,
    Row,
    Sheet,
    StaffRef,
    Table,
    UploadedFile,
    child_reference,
    choices_from,
    dates_in_order,
    find_table,
    missing_columns_message,
    normalise,
    read_tables,
)
from auditloop.cases.models import Case, CaseEvent
from auditloop.people.models import Service

LABEL = "auditloop monthly layout"
SCOPE = frozenset(Service.Kind.values)  # the council's whole register
PARTIAL = False

_REFERENCE = Column("reference", "Case reference",
                    ("case ref", "case id", "case number", "case no", "reference"), required=True)
CASE_COLUMNS = [
    _REFERENCE,
    Column("child_identifier", "Child identifier",
           ("child id", "child unique id", "person id", "child reference")),
    Column("family_identifier", "Family identifier", ("family id", "family reference")),
    Column("date_of_birth", "Date of birth", ("dob", "birth date")),
    Column("gender", "Gender", ("sex",)),
    Column("ethnicity", "Ethnicity"),
    Column("disability", "Disability"),
    Column("service", "Service", ("service kind",), required=True),
    Column("team", "Team", ("allocated team",)),
    Column("locality", "Locality", ("area", "district")),
    Column("key_worker", "Key worker staff number",
           ("key worker", "lead professional staff number", "lead professional")),
    Column("team_manager", "Team manager staff number", ("team manager",)),
    Column("agency_type", "Agency type"),
    Column("opened_on", "Open date",
           ("opened on", "date opened", "opened", "start date", "case start date")),
    Column("plan_started_on", "Plan start date", ("plan started", "date plan started")),
    Column("step", "Step", ("step up or down", "step up down", "stepped")),
    Column("closed_on", "Closed date",
           ("close date", "closure date", "date closed", "closed on", "end date")),
    Column("themes", "Themes", ("theme",)),
]
INVOLVEMENT_COLUMNS = [
    _REFERENCE,
    Column("staff_number", "Staff number",
           ("staff id", "worker staff number", "employee number"), required=True),
    Column("role", "Role", ("involvement role", "role on case"), required=True),
    Column("started_on", "Start date", ("started on", "date started", "from"), required=True),
    Column("ended_on", "End date", ("ended on", "date ended", "to")),
]
EVENT_COLUMNS = [
    _REFERENCE,
    Column("kind", "Event kind", ("event", "event type", "kind", "type"), required=True),
    Column("occurred_on", "Date", ("event date", "occurred on", "date of event"),
           required=True),
    Column("detail", "Detail", ("details", "notes", "description")),
]
TABLES: dict[str, list[Column]] = {
    "events": EVENT_COLUMNS, "involvements": INVOLVEMENT_COLUMNS, "cases": CASE_COLUMNS,
}

STEPS = choices_from(
    Case.Step.choices, ("step_down", "step down"), ("step_down", "down"),
    ("step_up", "step up"), ("step_up", "up"),
)
EVENT_KINDS = choices_from(
    CaseEvent.Kind.choices,
    ("section_47", "s47"), ("section_47", "section 47"), ("icpc", "initial cpc"),
    ("icpc", "initial child protection conference"), ("iro_contact", "iro visit"),
    ("statutory_visit", "visit"), ("placement", "placement start"),
    ("taf_meeting", "taf"), ("core_group", "core group"), ("closure", "closed"),
)
_SERVICE_HINT = ("Use early_help, front_door, cin, cp, cla, care_leaver, adoption, yjs or the "
                 "name of one of the council's services.")


def _table_role(sheet: Sheet) -> str | None:
    name = normalise(sheet.name)
    for role in ("involvement", "event", "case"):
        if role in name:
            return role + "s"
    return None


def load(files: Sequence[UploadedFile]) -> Loaded:
    tables: dict[str, list[Table]] = {"cases": [], "involvements": [], "events": []}
    warnings: list[str] = []
    for sheet in read_tables(files, wanted="CSV files or an Excel workbook (.xlsx)"):
        role = _table_role(sheet)
        if role is not None:
            table = find_table(sheet, TABLES[role])
            if table is None:
                raise ImportFileError(missing_columns_message(sheet.name, sheet.file,
                                                              TABLES[role]))
        else:  # a name that says nothing: recognise the table by its header
            found = [(r, t) for r, cols in TABLES.items()
                     if (t := find_table(sheet, cols)) is not None]
            if not found:
                warnings.append(f"“{sheet.name}” in {sheet.file} is not a cases, "
                                f"involvements or events table, so it was not read.")
                continue
            role, table = found[0]
        tables[role].append(table)
    if not any(tables.values()):
        raise ImportFileError(
            "None of the files is a cases, involvements or events table of the monthly "
            "layout. Name the files cases.csv, involvements.csv and events.csv (or the "
            "sheets Cases, Involvements and Events) and keep the header rows shown in the "
            "data formats guide."
        )
    total = sum(len(t.rows) + t.duplicates for ts in tables.values() for t in ts)
    return Loaded(rows_total=total, payload=tables, warnings=warnings)


def _staff(row: Row, key: str) -> StaffRef | None:
    number = row.text(key, max_length=40)
    return StaffRef(column=row.table.header(key), staff_number=number) if number else None


def _case(row: Row) -> CaseRecord | None:
    reference = child_reference(row, "reference")
    values: dict[str, object] = {}
    for key, length in (("child_identifier", 64), ("family_identifier", 64),
                        ("agency_type", 120)):
        if row.has(key):
            values[key] = row.text(key, max_length=length)
    for key, length in (("gender", 40), ("ethnicity", 80), ("disability", 20)):
        if row.has(key):
            values[key] = row.code(key, max_length=length)
    if row.has("date_of_birth"):
        values["date_of_birth"] = row.date("date_of_birth")
    opened = row.date("opened_on")
    values["opened_on"] = opened
    if row.has("plan_started_on"):
        values["plan_started_on"] = row.date("plan_started_on")
    values["closed_on"] = dates_in_order(row, opened, row.date("closed_on"), "closed_on",
                                         "open date")
    if row.has("step"):
        values["step"] = row.choice(
            "step", STEPS, describe="Use step_down, step_up or leave it blank.") or ""
    service = row.text("service", required=True, max_length=120)
    record = CaseRecord(
        reference=reference, locus=Locus.of(row), values=values, service=service,
        service_column=row.table.header("service"),
        team_column=row.table.header("team"), locality_column=row.table.header("locality"),
    )
    if row.has("team"):
        record.team = row.text("team", max_length=120) or None
    if row.has("locality"):
        record.locality = row.text("locality", max_length=120) or None
    if row.has("key_worker"):
        record.key_worker = _staff(row, "key_worker")
    if row.has("team_manager"):
        record.team_manager = _staff(row, "team_manager")
    if row.has("themes"):
        themes = [t.strip() for t in row.text("themes").split(";") if t.strip()]
        if any(len(t) > 120 for t in themes):
            row.add_problem("themes", "A theme is longer than 120 characters. Shorten it.")
        record.themes = sorted(set(themes))
    return record if row.ok else None


def _involvement(row: Row) -> InvolvementRecord | None:
    reference = child_reference(row, "reference")
    staff_number = row.text("staff_number", required=True, max_length=40)
    role = row.choice("role", INVOLVEMENT_ROLES, required=True,
                      describe="Use key_worker, team_manager, service_manager, iro or other.")
    started = row.date("started_on", required=True)
    ended = dates_in_order(row, started, row.date("ended_on"), "ended_on", "start date")
    if not row.ok or role is None or started is None:
        return None
    return InvolvementRecord(
        reference=reference, staff_number=staff_number, role=role, started_on=started,
        ended_on=ended, locus=Locus.of(row), staff_column=row.table.header("staff_number"),
        reference_column=row.table.header("reference"),
    )


def _event(row: Row) -> EventRecord | None:
    reference = child_reference(row, "reference")
    kind = row.choice("kind", EVENT_KINDS, required=True,
                      describe="Use one of the event kinds listed in the data formats guide.")
    occurred = row.date("occurred_on", required=True)
    detail = row.text("detail")[:200]
    if not row.ok or kind is None or occurred is None:
        return None
    return EventRecord(reference=reference, kind=kind, occurred_on=occurred, detail=detail,
                       locus=Locus.of(row), standalone=True,
                       reference_column=row.table.header("reference"))


def parse(loaded: Loaded, progress: Progress) -> ParsedCases:
    tables: dict[str, list[Table]] = loaded.payload
    parsed = ParsedCases(warnings=list(loaded.warnings))
    first_row: dict[str, tuple[Row, CaseRecord | None]] = {}
    conflicting: set[str] = set()
    for table in tables["cases"]:
        parsed.duplicates += table.duplicates
        progress.advance(table.duplicates)
        for row in table.rows:
            parsed.rows += 1
            record = _case(row)
            reference = row.text("reference")
            if reference:
                parsed.references.add(reference)
                if reference in first_row:
                    earlier = first_row[reference][0]
                    row.add_problem("reference", f"Case {reference} is also on row "
                                    f"{earlier.number} with different details. Keep one row "
                                    f"per case.")
                    conflicting.add(reference)
                    record = None
                else:
                    first_row[reference] = (row, record)
            parsed.problems.extend(row.problems)
            progress.advance()
    for reference, (row, record) in first_row.items():
        if reference in conflicting:
            parsed.problems.append(row.table.problem(
                row.number, row.table.header("reference"),
                f"Case {reference} appears again further down with different details. Keep "
                f"one row per case."))
        elif record is not None:
            parsed.cases.append(record)
    for role, make in (("involvements", _involvement), ("events", _event)):
        for table in tables[role]:
            parsed.duplicates += table.duplicates
            progress.advance(table.duplicates)
            for row in table.rows:
                parsed.rows += 1
                item = make(row)
                if item is not None:
                    if isinstance(item, InvolvementRecord):
                        parsed.involvements.append(item)
                    else:
                        parsed.events.append(item)
                parsed.problems.extend(row.problems)
                progress.advance()
    return parsed
