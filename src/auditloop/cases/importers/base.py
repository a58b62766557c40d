"""What every case importer reads with and produces: records of cases, involvements and
events, checked cell by cell but not yet matched against the register or saved.

Reading CSV and XLSX, header matching and cell parsing live in common.spreadsheets (the
staff import needs them too); they are re-exported here for the format modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from auditloop.cases.models import CaseEvent, Involvement
from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import (
    CellError,
    Column,
    NoProgress,
    Problem,
    Progress,
    Row,
    Sheet,
    Table,
    UploadedFile,
    as_text,
    choices_from,
    clean,
    code_of,
    file_kind,
    find_table,
    missing_columns_message,
    normalise,
    normalise_name,
    parse_date,
    parse_yes_no,
    read_spreadsheet,
    strip_code,
)
from auditloop.people.models import Service

__all__ = [
    "STAGE_RANK", "UNSET", "CaseRecord", "CellError", "Column", "EventRecord",
    "ImportFileError", "InvolvementRecord", "Loaded", "Locus", "NoProgress", "ParsedCases",
    "Problem", "Progress", "ReturnRecord", "Row", "Sheet", "StaffRef", "Table", "UploadedFile",
    "as_text", "choices_from", "clean", "code_of", "count_of", "file_kind", "find_table",
    "lenient", "missing_columns_message", "normalise", "normalise_name", "parse_date",
    "parse_yes_no", "read_spreadsheet", "strip_code",
]

K = Service.Kind
# How far along a child's journey each service is; the furthest current one holds the case.
# docs/data-formats.md: care leaver and CLA > CP > CIN > referral and assessment > early help.
STAGE_RANK: Final[dict[str, int]] = {
    K.OTHER: 0, K.YJS: 0, K.ADOPTION: 0,
    K.EARLY_HELP: 1, K.FRONT_DOOR: 2, K.CIN: 3, K.CP: 4, K.CARE_LEAVER: 5, K.CLA: 6,
}


class _Unset:
    """A value the file does not speak about: leave what the register holds."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()


@dataclass(frozen=True)
class Locus:
    """Where a record came from, for problems."""

    file: str
    table: str
    row: int | None

    @classmethod
    def of(cls, row: Row) -> Locus:
        return cls(row.table.file, row.table.name, row.number)

    def problem(self, column: str, reason: str) -> Problem:
        return Problem(self.file, self.table, self.row, column, reason)


@dataclass
class StaffRef:
    """A member of staff named in a file, by staff number or (Annex A) by name and team."""

    column: str
    staff_number: str = ""
    name: str = ""
    team_name: str = ""


@dataclass
class CaseRecord:
    reference: str
    locus: Locus
    values: dict[str, Any]  # Case fields this file sets: child_identifier, date_of_birth...
    service: str  # a Service.Kind value or the name of one of the council's services
    service_column: str = "Service"
    team: str | None | _Unset = UNSET  # None: the file says no team
    locality: str | None | _Unset = UNSET
    team_column: str = "Team"
    locality_column: str = "Locality"
    # An unknown team name is a warning, not an error, where names are typed by hand.
    team_names_loose: bool = False
    key_worker: StaffRef | None | _Unset = UNSET  # None: the file says unallocated
    team_manager: StaffRef | None | _Unset = UNSET
    themes: list[str] | None = None  # None: the file does not carry themes

    @property
    def closed_on(self) -> dt.date | None:
        value: dt.date | None = self.values.get("closed_on")
        return value


@dataclass
class InvolvementRecord:
    reference: str
    staff_number: str
    role: str
    started_on: dt.date
    ended_on: dt.date | None
    locus: Locus
    staff_column: str = "Staff number"
    reference_column: str = "Case reference"


@dataclass
class EventRecord:
    reference: str
    kind: str
    occurred_on: dt.date
    detail: str
    locus: Locus
    # Events read from a separate table stand alone; events derived from a case's own
    # rows go with the case.
    standalone: bool = False
    reference_column: str = "Case reference"

    def __post_init__(self) -> None:
        if self.kind not in CaseEvent.Kind.values:
            raise ValueError(f"unknown event kind {self.kind}")
        self.detail = self.detail[:200]


@dataclass
class ReturnRecord:
    """A row of a statutory return kept as it is (cases.models: Referral, Assessment...):
    which kind, its key within the case (the start date), and the values the file gives.

    `values` holds only the fields the file has a column for, so a return that does not
    speak of a field leaves it as it was; a blank cell in a column it has clears it.
    """

    kind: str  # a key of cases.services.returns.MODELS
    reference: str
    key: dict[str, Any]
    values: dict[str, Any]
    locus: Locus
    # Rows read from a separate table stand alone, like events (903 Missing and OC3).
    standalone: bool = False
    reference_column: str = "Case reference"


@dataclass
class Loaded:
    """Files read and split into tables (or XML records); rows_total drives the progress."""

    rows_total: int
    payload: Any
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Tables read only for the rows the indicators need, outside the rows counted.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedCases:
    cases: list[CaseRecord] = field(default_factory=list)
    involvements: list[InvolvementRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    returns: list[ReturnRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every case reference the files name, rows with problems included: a complete list
    # must not close a case only because its row had a typing slip.
    references: set[str] = field(default_factory=set)
    rows: int = 0
    duplicates: int = 0


INVOLVEMENT_ROLES = choices_from(
    Involvement.Role.choices,
    ("key_worker", "key worker"), ("key_worker", "lead professional"),
    ("key_worker", "allocated worker"), ("key_worker", "social worker"),
    ("team_manager", "manager"), ("iro", "cp chair"), ("iro", "independent reviewing officer"),
)
SERVICE_KINDS = choices_from(K.choices, ("front_door", "mash"), ("cla", "looked after"),
                             ("cla", "children looked after"), ("cla", "child in care"))


def child_reference(row: Row, key: str) -> str:
    """A child's or case's identifier: numbers lose Excel's ".0", spaces are trimmed."""
    return row.text(key, required=True, max_length=64)


def dates_in_order(row: Row, start: dt.date | None, end: dt.date | None, end_key: str,
                   start_label: str) -> dt.date | None:
    if start and end and end < start:
        row.add_problem(end_key, f"This date is before the {start_label}. Check both dates.")
        return None
    return end


def lenient(row: Row, key: str, parse: Any) -> Any:
    """A cell read for the indicators only: a value that does not parse is left out (None)
    rather than reported, so these columns never make a row fail that imported before."""
    value = row.raw(key)
    if value is None:
        return None
    try:
        return parse(value)
    except (CellError, ValueError, TypeError):
        return None


def count_of(value: Any) -> int | None:
    """A count cell ("3", 3.0): a whole number of 0 or more, or None."""
    number = int(float(as_text(value)))
    return number if 0 <= number < 32768 else None


def read_tables(files: Sequence[UploadedFile], *, wanted: str) -> list[Sheet]:
    sheets: list[Sheet] = []
    for upload in files:
        sheets.extend(read_spreadsheet(upload, wanted=wanted))
    return sheets
