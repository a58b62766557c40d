"""Ofsted's Annex A workbook (ILACS child-level lists): Lists 2 to 9 become cases.

Each child (Child Unique ID = the case reference and the child identifier) becomes one
case, held by the furthest service they are currently in; the lists' dates become events.
Lists 10 (adoption) and 11 (adopters) are not read. List 1 (contacts) makes no cases: its
contacts are kept as they are, for the indicators, outside the rows counted. The lists' own
rows (referrals, assessments, section 47 enquiries, plans, care leavers' status) are kept
too (cases.models.Referral...), their extra columns read leniently: a cell that does not
parse is left blank rather than failing a row that imported before.
Workers are named, not numbered, so they are matched to staff by name within the named
team where possible, and an unmatched name is a warning, not an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditloop.cases.importers.base import (
    STAGE_RANK,
    UNSET,
    CaseRecord,
    Column,
    EventRecord,
    ImportFileError,
    Loaded,
    Locus,
    ParsedCases,
    Problem,
    Progress,
    ReturnRecord,
    Row,
    Sheet,
    StaffRef,
    Table,
    UploadedFile,
    as_text,
    child_reference,
    choices_from,
    count_of,
    dates_in_order,
    find_table,
    lenient,
    normalise,
    parse_date,
    parse_yes_no,
    read_tables,
    strip_code,
)
from auditloop.cases.models import CaseEvent
from auditloop.people.models import Service

LABEL = "Ofsted Annex A"
K = Service.Kind
E = CaseEvent.Kind
SCOPE = frozenset({K.EARLY_HELP, K.FRONT_DOOR, K.CIN, K.CP, K.CLA, K.CARE_LEAVER})
PARTIAL = False

_LIST_NAME = re.compile(r"^\s*list[\s_\-]*0*(\d+)(?!\d)", re.IGNORECASE)

CHILD_COLUMNS = (
    Column("child", "Child Unique ID",
           ("child id", "child unique identifier", "unique child id", "child ref"),
           required=True),
    Column("gender", "Gender", ("sex",)),
    Column("ethnicity", "Ethnicity"),
    Column("dob", "Date of Birth", ("dob", "birth date")),
    Column("disability", "Does the Child have a Disability", ("disability",), prefix=True),
)
TEAM_WORKER = (
    Column("team", "Allocated Team", ("team",)),
    Column("worker", "Allocated Worker",
           ("worker", "allocated social worker", "social worker", "lead practitioner")),
)
CASE_STATUSES = choices_from(
    [("cla", "Looked after child"), ("cp", "Child Protection plan"),
     ("cin", "Child in need plan"), ("front_door", "Open assessment"),
     ("closed", "Closed episode")],
    ("cla", "looked after"), ("cla", "cla"), ("cla", "lac"), ("cp", "cp"), ("cp", "cp plan"),
    ("cin", "cin"), ("cin", "cin plan"), ("cin", "child in need"),
    ("front_door", "assessment"), ("closed", "closed"),
)


@dataclass(frozen=True)
class ListSpec:
    number: int
    kind: str
    columns: tuple[Column, ...]
    has_worker: bool


def _c(key: str, label: str, *aliases: str, prefix: bool = False) -> Column:
    return Column(key, label, aliases, prefix=prefix)


LISTS: dict[int, ListSpec] = {
    2: ListSpec(2, K.EARLY_HELP, (
        _c("start", "Assessment start date", "early help assessment start date"),
        _c("completed", "Assessment completion date", "early help assessment completion date"),
    ), has_worker=False),
    3: ListSpec(3, K.FRONT_DOOR, (
        _c("referral", "Date of referral", "referral date"),
        _c("nfa", "Referral NFA?", "referral nfa", "nfa", prefix=True),
        _c("source", "Referral Source", "source of referral"),
        _c("count12", "Number of Referrals in Last 12 Months", "referrals in last 12 months",
           prefix=True),
    ), has_worker=True),
    4: ListSpec(4, K.FRONT_DOOR, (
        _c("start", "Continuous Assessment Start Date", "assessment start date"),
        _c("authorised", "Continuous Assessment Date of Authorisation",
           "assessment date of authorisation", "date of authorisation",
           "assessment authorisation date"),
        _c("needs_support",
           "Was the child assessed as requiring LA children's social care support",
           prefix=True),
    ), has_worker=True),
    5: ListSpec(5, K.FRONT_DOOR, (
        _c("s47", "Strategy discussion initiating Section 47 Enquiry Start Date",
           "section 47 enquiry start date", "s47 start date", prefix=True),
        _c("icpc", "Date of Initial Child Protection Conference", "icpc date"),
        _c("unnecessary", "Was an Initial Child Protection Conference deemed unnecessary",
           "icpc deemed unnecessary", prefix=True),
        _c("icpc_plan", "Did the Initial Child Protection Conference Result in a Child "
           "Protection Plan", "did the icpc result in a child protection plan",
           "did the icpc result in a cp plan", prefix=True),
    ), has_worker=True),
    6: ListSpec(6, K.CIN, (
        _c("start", "CIN Start Date", "child in need start date"),
        _c("seen", "Date Child Was Last Seen", "date child last seen"),
        _c("closed", "CIN Closure Date", "child in need closure date"),
        _c("reason", "Reason for Closure", prefix=True),
        _c("status", "Case Status"),
    ), has_worker=True),
    7: ListSpec(7, K.CP, (
        _c("start", "Child Protection Plan Start Date", "cp plan start date"),
        _c("visit", "Date of the Last Statutory Visit", "date of last statutory visit"),
        _c("review", "Date of latest review conference", "latest review conference date"),
        _c("end", "Child Protection Plan End Date", "cp plan end date"),
        _c("initial_category", "Initial Category of Abuse"),
        _c("latest_category", "Latest Category of Abuse"),
        _c("emergency", "Subject to Emergency Protection Order or Protected Under Police "
           "Powers", prefix=True),
        _c("previous", "Number of Previous Child Protection Plans",
           "number of previous cp plans", prefix=True),
    ), has_worker=True),
    8: ListSpec(8, K.CLA, (
        _c("start", "Date Started to be Looked After", "date became looked after",
           "date started looked after"),
        _c("review", "Date of Latest Statutory Review", "latest statutory review date"),
        _c("visit", "Date of Last Social Work Visit", "date of last social worker visit"),
        _c("iro", "Date of Last IRO Visit", prefix=True),
        _c("ceased", "Date Ceased to be Looked After", prefix=True),
        _c("reason", "Reason Ceased to be Looked After", "reason ceased", prefix=True),
        _c("placement", "Start Date of Most Recent Placement",
           "most recent placement start date"),
        _c("placement_type", "Placement Type"),
    ), has_worker=True),
    9: ListSpec(9, K.CARE_LEAVER, (
        _c("review", "Latest Pathway Plan Review Date", "pathway plan review date"),
        _c("contact", "Latest Date of Contact", "date of latest contact"),
        _c("advisor", "Allocated Personal Advisor", "personal advisor"),
        _c("in_touch", "LA In Touch", "local authority in touch", "in touch"),
        _c("accommodation", "Type of Accommodation", "accommodation type"),
        _c("suitable", "Suitability of Accommodation", "accommodation suitability"),
        _c("activity", "Activity Status", "activity"),
    ), has_worker=True),
}
CONTACT_COLUMNS = (
    CHILD_COLUMNS[0],
    _c("contacted", "Date of Contact", "contact date"),
    _c("source", "Contact Source", "source of contact"),
)


@dataclass
class _Entry:
    """One good row: the child's place in one list."""

    spec: ListSpec
    row: Row
    kind: str
    open: bool
    start: dt.date | None
    end: dt.date | None
    details: dict[str, object]
    team: str | None = None
    worker: str | None = None
    has_worker: bool = False
    events: list[tuple[str, dt.date, str]] = field(default_factory=list)
    returns: list[tuple[str, dict[str, object], dict[str, object]]] = field(
        default_factory=list)

    def event(self, kind: str, on: dt.date | None, detail: str) -> None:
        if on is not None:
            self.events.append((kind, on, detail))

    def keep(self, kind: str, key: dict[str, object], fields: dict[str, tuple[str, object]]
             ) -> None:
        """Keep the list's row (a referral, a plan...): each field from its column, where
        the list has that column."""
        values = {name: value for name, (column, value) in fields.items()
                  if self.row.has(column)}
        self.returns.append((kind, key, values))


def _columns(spec: ListSpec) -> list[Column]:
    return [*CHILD_COLUMNS, *spec.columns, *(TEAM_WORKER if spec.has_worker else ())]


def load(files: Sequence[UploadedFile]) -> Loaded:
    tables: list[tuple[ListSpec, Table]] = []
    contacts: list[Table] = []
    problems: list[Problem] = []
    for sheet in read_tables(files, wanted="the Annex A workbook (.xlsx)"):
        m = _LIST_NAME.match(sheet.name)
        if m and int(m.group(1)) == 1:
            found = find_table(sheet, CONTACT_COLUMNS)
            if found is not None:
                contacts.append(found)
            continue
        if not m or int(m.group(1)) not in LISTS:
            continue
        spec = LISTS[int(m.group(1))]
        table = find_table(sheet, _columns(spec))
        if table is not None:
            tables.append((spec, table))
        elif _has_content(sheet):
            problems.append(Problem(sheet.file, sheet.name, None, "Child Unique ID",
                                    "No header row with “Child Unique ID” was found, so this "
                                    "list was not read. Put the list's header row back."))
    if not tables and not problems:
        raise ImportFileError(
            "This workbook has no sheets named List 2 to List 9. Check that you chose the "
            "Annex A format and uploaded the whole Annex A workbook."
        )
    total = sum(len(t.rows) + t.duplicates for _, t in tables)
    return Loaded(rows_total=total, payload=tables, problems=problems,
                  extra={"contacts": contacts})


def _has_content(sheet: Sheet) -> bool:
    filled = [r for _, r in sheet.rows if any(c not in (None, "") for c in r)]
    return len(filled) > 1  # more than a title row


def _entry(spec: ListSpec, row: Row) -> _Entry | None:
    child_reference(row, "child")
    details: dict[str, object] = {
        "date_of_birth": row.date("dob"),
        "gender": row.code("gender", max_length=40),
        "ethnicity": row.code("ethnicity", max_length=80),
        "disability": row.code("disability", max_length=20),
    }
    reader = _READERS[spec.number]
    entry = reader(spec, row, details)
    if entry is None or not row.ok:
        return None
    if spec.has_worker:
        entry.has_worker = True
        entry.team = row.text("team", max_length=120) or None
        entry.worker = row.text("worker", max_length=200) or entry.worker
    return entry


def _early_help(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    start = row.date("start")
    completed = dates_in_order(row, start, row.date("completed"), "completed",
                               "assessment start date")
    # Early help stays open while the child is on the list: the completion date ends the
    # assessment, not the help.
    e = _Entry(spec, row, spec.kind, True, start, None, details)
    e.event(E.ASSESSMENT_STARTED, start, "Early help assessment")
    e.event(E.ASSESSMENT_COMPLETED, completed, "Early help assessment")
    return e


def _referral(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    referred = row.date("referral")
    nfa = row.yes_no("nfa")
    e = _Entry(spec, row, spec.kind, not nfa, referred, referred if nfa else None, details)
    e.event(E.REFERRAL, referred, "Referral")
    if referred is not None:
        e.keep("referral", {"referred_on": referred}, {
            "no_further_action": ("nfa", nfa),
            "source": ("source", (lenient(row, "source", strip_code) or "")[:40]),
            "referrals_in_12_months": ("count12", lenient(row, "count12", count_of)),
        })
    if nfa:
        e.event(E.CLOSURE, referred, "Referral: no further action")
    return e


def _assessment(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    start = row.date("start")
    authorised = dates_in_order(row, start, row.date("authorised"), "authorised",
                                "assessment start date")
    needs_support = row.yes_no("needs_support")
    closed = authorised is not None and needs_support is False
    e = _Entry(spec, row, spec.kind, not closed, start, authorised if closed else None,
               details)
    e.event(E.ASSESSMENT_STARTED, start, "Assessment")
    e.event(E.ASSESSMENT_COMPLETED, authorised, "Assessment")
    if start is not None:
        e.keep("assessment", {"started_on": start}, {
            "authorised_on": ("authorised", authorised),
            "needs_support": ("needs_support", needs_support),
        })
    if closed:
        e.event(E.CLOSURE, authorised, "Closed after assessment, no further action")
    return e


def _section_47(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    s47 = row.date("s47")
    icpc = row.date("icpc")
    e = _Entry(spec, row, spec.kind, True, s47, None, details)
    e.event(E.SECTION_47, s47, "Section 47 enquiry")
    e.event(E.ICPC, icpc, "Initial child protection conference")
    if s47 is not None:
        e.keep("section_47", {"started_on": s47}, {
            "conference_on": ("icpc", icpc),
            "conference_not_required": ("unnecessary",
                                        lenient(row, "unnecessary", parse_yes_no)),
            "plan_from_conference": ("icpc_plan", lenient(row, "icpc_plan", parse_yes_no)),
        })
    return e


def _child_in_need(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry | None:
    start = row.date("start")
    closed = dates_in_order(row, start, row.date("closed"), "closed", "CIN start date")
    status = row.choice("status", CASE_STATUSES,
                        describe="Use a) Looked after child, b) Child Protection plan, c) Child "
                                 "in need plan, d) Open assessment or e) Closed episode.")
    reason = row.code("reason", max_length=150)
    if status == "closed" and closed is None and row.ok:
        row.add_problem("closed", "The case status says the episode is closed. Give the date "
                                  "it closed.")
        return None
    is_open = closed is None and status != "closed"
    kind = status if status and status != "closed" and is_open else spec.kind
    e = _Entry(spec, row, kind, is_open, start, closed, details)
    e.event(E.REFERRAL, start, "Child in need episode started")
    e.event(E.STATUTORY_VISIT, row.date("seen"), "Child last seen")
    e.event(E.CLOSURE, closed, reason or "Child in need episode closed")
    return e


def _child_protection(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    start = row.date("start")
    end = dates_in_order(row, start, row.date("end"), "end", "plan start date")
    e = _Entry(spec, row, spec.kind, end is None, start, end, details)
    e.event(E.PLAN_STARTED, start, "Child protection plan")
    e.event(E.STATUTORY_VISIT, row.date("visit"), "Statutory visit")
    e.event(E.REVIEW, row.date("review"), "Review child protection conference")
    e.event(E.PLAN_ENDED, end, "Child protection plan")
    if start is not None:
        e.keep("protection_plan", {"started_on": start}, {
            "ended_on": ("end", end),
            "previous_plans": ("previous", lenient(row, "previous", count_of)),
            "initial_category": ("initial_category", _code(row, "initial_category")),
            "latest_category": ("latest_category", _code(row, "latest_category")),
            "emergency_protection": ("emergency", lenient(row, "emergency", parse_yes_no)),
        })
    return e


def _code(row: Row, key: str, length: int = 40) -> str:
    return (lenient(row, key, strip_code) or "")[:length]


def _suitable(value: object) -> bool | None:
    """Suitability of Accommodation: "Suitable", "Not suitable", "Unsuitable", Yes or No."""
    word = normalise(strip_code(value))
    if word.startswith(("not", "unsuitable")):
        return False
    if word.startswith("suitable"):
        return True
    return parse_yes_no(value)


def _looked_after(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    start = row.date("start")
    ceased = dates_in_order(row, start, row.date("ceased"), "ceased",
                            "date started to be looked after")
    e = _Entry(spec, row, spec.kind, ceased is None, start, ceased, details)
    e.event(E.PLAN_STARTED, start, "Started to be looked after")
    e.event(E.REVIEW, row.date("review"), "Statutory review")
    e.event(E.STATUTORY_VISIT, row.date("visit"), "Social work visit")
    e.event(E.IRO_CONTACT, row.date("iro"), "IRO visit or contact")
    e.event(E.PLACEMENT, row.date("placement"),
            row.code("placement_type", max_length=150) or "Placement started")
    e.event(E.CLOSURE, ceased, row.code("reason", max_length=150) or "Ceased to be looked after")
    return e


def _care_leaver(spec: ListSpec, row: Row, details: dict[str, object]) -> _Entry:
    e = _Entry(spec, row, spec.kind, True, None, None, details)
    e.event(E.REVIEW, row.date("review"), "Pathway plan review")
    e.event(E.STATUTORY_VISIT, row.date("contact"), "Latest contact")
    e.worker = row.text("advisor", max_length=200) or None
    in_touch = _code(row, "in_touch")
    e.keep("care_leaver_status", {}, {
        "in_touch": ("in_touch", lenient(row, "in_touch", parse_yes_no)),
        "in_touch_code": ("in_touch", in_touch),
        "accommodation": ("accommodation", _code(row, "accommodation", 80)),
        "suitable": ("suitable", lenient(row, "suitable", _suitable)),
        "activity": ("activity", _code(row, "activity", 80)),
    })
    return e


_READERS: dict[int, Callable[[ListSpec, Row, dict[str, object]], _Entry | None]] = {
    2: _early_help, 3: _referral, 4: _assessment, 5: _section_47, 6: _child_in_need,
    7: _child_protection, 8: _looked_after, 9: _care_leaver,
}


def _person_name(text: str) -> str:
    """Names as case systems print them: "Smith, Jane" is Jane Smith."""
    if text.count(",") == 1:
        surname, forename = (p.strip() for p in text.split(","))
        if surname and forename:
            return f"{forename} {surname}"
    return text


def _current(entries: list[_Entry]) -> _Entry:
    """The furthest service the child is in now; if none is open, the last to end."""
    open_ = [e for e in entries if e.open]
    if open_:
        return max(open_, key=lambda e: (STAGE_RANK[e.kind], e.start or dt.date.min,
                                         e.spec.number, -e.row.number))
    return max(entries, key=lambda e: (e.end or e.start or dt.date.min, STAGE_RANK[e.kind],
                                       -e.row.number))


def _case(reference: str, entries: list[_Entry]) -> tuple[CaseRecord, list[EventRecord]]:
    chosen = _current(entries)
    values: dict[str, object] = {"child_identifier": reference}
    for key in ("date_of_birth", "gender", "ethnicity", "disability"):
        found = [chosen.details[key]] + [e.details[key] for e in entries if e is not chosen]
        values[key] = next((v for v in found if v), None if key == "date_of_birth" else "")
    values["opened_on"] = chosen.start
    values["plan_started_on"] = chosen.start if chosen.kind in (K.CP, K.CLA) else None
    values["closed_on"] = None if chosen.open else (chosen.end or chosen.start)
    record = CaseRecord(reference=reference, locus=Locus.of(chosen.row), values=values,
                        service=chosen.kind, service_column="List",
                        team_names_loose=True)
    if chosen.has_worker:
        table = chosen.row.table
        record.team = chosen.team
        record.team_column = table.header("team")
        record.key_worker = (
            StaffRef(column=table.header("worker"), name=_person_name(chosen.worker),
                     team_name=chosen.team or "")
            if chosen.worker else None
        )
    else:
        record.team = UNSET
        record.key_worker = UNSET
    events = [
        EventRecord(reference=reference, kind=kind, occurred_on=on, detail=detail,
                    locus=Locus.of(e.row))
        for e in entries for kind, on, detail in e.events
    ]
    return record, events


def _returns(reference: str, entries: list[_Entry]) -> list[ReturnRecord]:
    return [ReturnRecord(kind=kind, reference=reference, key=key, values=values,
                         locus=Locus.of(e.row))
            for e in entries for kind, key, values in e.returns]


def _contacts(tables: list[Table]) -> list[ReturnRecord]:
    """List 1: a contact per row with a child and a date; a row without is passed over."""
    out: list[ReturnRecord] = []
    for table in tables:
        for row in table.rows:
            child = (lenient(row, "child", as_text) or "")[:64]
            on = lenient(row, "contacted", parse_date)
            if child and on is not None:
                out.append(ReturnRecord(
                    kind="contact", reference=child,
                    key={"contacted_on": on, "source": _code(row, "source", 80)}, values={},
                    locus=Locus.of(row), standalone=True))
    return out


def parse(loaded: Loaded, progress: Progress) -> ParsedCases:
    parsed = ParsedCases(problems=list(loaded.problems), warnings=list(loaded.warnings))
    by_child: dict[str, list[_Entry]] = {}
    for spec, table in loaded.payload:
        parsed.duplicates += table.duplicates
        progress.advance(table.duplicates)
        for row in table.rows:
            parsed.rows += 1
            reference = row.text("child")
            if reference:
                parsed.references.add(reference)
            entry = _entry(spec, row)
            if entry is not None:
                by_child.setdefault(reference, []).append(entry)
            parsed.problems.extend(row.problems)
            progress.advance()
    for reference, entries in by_child.items():
        record, events = _case(reference, entries)
        parsed.cases.append(record)
        parsed.events.extend(events)
        parsed.returns.extend(_returns(reference, entries))
    parsed.returns.extend(_contacts(loaded.extra.get("contacts", [])))
    return parsed
