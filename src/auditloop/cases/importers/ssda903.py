"""The SSDA903 children looked after return: Header and Episodes tables (Reviews, Missing
and OC3 if given).

Each child becomes a case in the children in care service, opened at the start of their
current period of care and closed when their last episode ended with the child leaving
care. Placements and reviews become events. Each episode is kept as it is (legal status,
placement, reasons), with the Missing table's episodes and OC3's care leaver status, for
the indicators (cases.models.CareEpisode, MissingEpisode, CareLeaverStatus). Tables are
recognised by their columns, so the files may have any names; the other 903 tables (UASC,
OC2...) are not read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from auditloop.cases.importers.base import (
    CaseRecord,
    Column,
    EventRecord,
    ImportFileError,
    Loaded,
    Locus,
    ParsedCases,
    Progress,
    ReturnRecord,
    Row,
    Table,
    UploadedFile,
    as_text,
    child_reference,
    choices_from,
    dates_in_order,
    find_table,
    lenient,
    read_tables,
)
from auditloop.cases.models import CaseEvent
from auditloop.people.models import Service

LABEL = "SSDA903"
K = Service.Kind
E = CaseEvent.Kind
SCOPE = frozenset({K.CLA})
PARTIAL = True  # the 903 knows only the child's time in care

_CHILD = Column("child", "CHILD", ("child id", "la child id"), required=True)
HEADER_COLUMNS = [
    _CHILD,
    Column("sex", "SEX", ("gender",), required=True),
    Column("dob", "DOB", ("date of birth",), required=True),
    # ETHNIC tells the Header apart from the UASC table, which also has SEX and DOB.
    Column("ethnic", "ETHNIC", ("ethnicity",), required=True),
]
EPISODE_COLUMNS = [
    _CHILD,
    Column("decom", "DECOM", required=True),
    Column("rne", "RNE", required=True),
    Column("place", "PLACE"),
    Column("provider", "PLACE_PROVIDER"),
    Column("dec", "DEC"),
    Column("rec", "REC"),
    Column("ls", "LS"),
    Column("cin", "CIN"),
    Column("change", "REASON_PLACE_CHANGE"),
]
REVIEW_COLUMNS = [
    _CHILD,
    Column("review", "REVIEW", required=True),
    Column("code", "REVIEW_CODE"),
]
MISSING_COLUMNS = [
    _CHILD,
    Column("missing", "MISSING", required=True),
    Column("start", "MIS_START", required=True),
    Column("end", "MIS_END"),
]
OC3_COLUMNS = [
    _CHILD,
    Column("in_touch", "IN_TOUCH", required=True),
    Column("activ", "ACTIV"),
    Column("accom", "ACCOM", required=True),
]
TABLES = {"episodes": EPISODE_COLUMNS, "reviews": REVIEW_COLUMNS, "missing": MISSING_COLUMNS,
          "oc3": OC3_COLUMNS, "header": HEADER_COLUMNS}
MISSING_KINDS = choices_from([("M", "M"), ("A", "A")], ("M", "missing"), ("A", "away"))
# OC3 IN_TOUCH: YES and NO; DIED, REFU (refused), NREQ (no longer required), RHOM (returned
# home) are not "in touch" either way.
IN_TOUCH = {"YES": True, "NO": False}
# OC3 ACCOM: a letter for the kind of accommodation, then 1 if suitable, 2 if not.
ACCOM_SUITABLE = {"1": True, "2": False}
SEXES = choices_from([("Male", "1"), ("Female", "2"), ("Male", "M"), ("Female", "F"),
                      ("Unknown", "U"), ("Unknown", "0"), ("Not specified", "9")],
                     ("Male", "male"), ("Female", "female"))
# RNE: why the episode started. S = started to be looked after; L, P, T, B, U = changes.
RNE_CODES = choices_from([(c, c) for c in ("S", "L", "P", "T", "B", "U")])
# Episodes that start with a placement move.
PLACEMENT_MOVES = frozenset({"S", "P", "T", "B", "U"})
# REC X1: the episode ended and the next began the same day; the child is still in care.
STILL_IN_CARE = "X1"


@dataclass
class _Episode:
    start: dt.date
    rne: str
    place: str
    provider: str
    end: dt.date | None
    reason: str
    row: Row
    legal_status: str = ""
    need: str = ""
    change: str = ""


def load(files: Sequence[UploadedFile]) -> Loaded:
    found: dict[str, list[Table]] = {role: [] for role in TABLES}
    warnings: list[str] = []
    for sheet in read_tables(files, wanted="the 903 tables as CSV files"):
        for role, columns in TABLES.items():
            table = find_table(sheet, columns)
            if table is not None:
                found[role].append(table)
                break
        else:
            warnings.append(f"{sheet.file} ({sheet.name}) is not a 903 Header, Episodes, "
                            f"Reviews, Missing or OC3 table, so it was not read.")
    if not found["episodes"]:
        raise ImportFileError(
            "No Episodes table was found. Upload the 903 Episodes file (with the columns "
            "CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC...) together with "
            "the Header file, and the Reviews file if you have it."
        )
    if not found["header"]:
        raise ImportFileError(
            "No Header table was found. Upload the 903 Header file (CHILD, SEX, DOB, "
            "ETHNIC...) together with the Episodes file."
        )
    total = sum(len(t.rows) + t.duplicates for ts in found.values() for t in ts)
    return Loaded(rows_total=total, payload=found, warnings=warnings)


def _periods(episodes: list[_Episode]) -> list[list[_Episode]]:
    """Periods of care: a new one starts with RNE S or after a gap between episodes."""
    periods: list[list[_Episode]] = []
    for ep in sorted(episodes, key=lambda e: (e.start, e.row.number)):
        previous = periods[-1][-1] if periods else None
        joined = (previous is not None and ep.rne != "S" and previous.end == ep.start)
        if joined:
            periods[-1].append(ep)
        else:
            periods.append([ep])
    return periods


def _case(reference: str, header: dict[str, object] | None, episodes: list[_Episode]
          ) -> tuple[CaseRecord, list[EventRecord]]:
    periods = _periods(episodes)
    current = periods[-1]
    last = current[-1]
    in_care = last.end is None or last.reason == STILL_IN_CARE
    values: dict[str, object] = {
        "child_identifier": reference,
        "opened_on": current[0].start,
        "plan_started_on": current[0].start,
        "closed_on": None if in_care else last.end,
    }
    if header:
        values.update(header)
    record = CaseRecord(reference=reference, locus=Locus.of(current[0].row), values=values,
                        service=K.CLA, service_column="Episodes")
    events: list[EventRecord] = []

    def add(kind: str, on: dt.date | None, detail: str, row: Row) -> None:
        if on is not None:
            events.append(EventRecord(reference=reference, kind=kind, occurred_on=on,
                                      detail=detail, locus=Locus.of(row)))

    for period in periods:
        first, final = period[0], period[-1]
        add(E.PLAN_STARTED, first.start, "Started to be looked after", first.row)
        for ep in period:
            if ep.rne in PLACEMENT_MOVES:
                detail = f"Placement {ep.place}" if ep.place else "Placement started"
                if ep.provider:
                    detail += f" (provider {ep.provider})"
                add(E.PLACEMENT, ep.start, detail, ep.row)
        if final.end is not None and final.reason != STILL_IN_CARE:
            reason = f" ({final.reason})" if final.reason else ""
            add(E.CLOSURE, final.end, f"Ceased to be looked after{reason}", final.row)
    return record, events


def parse(loaded: Loaded, progress: Progress) -> ParsedCases:
    tables: dict[str, list[Table]] = loaded.payload
    parsed = ParsedCases(warnings=list(loaded.warnings))
    headers: dict[str, dict[str, object]] = {}
    # Every child the Header names, rows with problems included (those are reported there).
    in_header: set[str] = set()
    episodes: dict[str, list[_Episode]] = {}
    reviews: list[tuple[str, dt.date, str, Row]] = []

    def rows(role: str) -> list[Row]:
        out: list[Row] = []
        for table in tables[role]:
            parsed.duplicates += table.duplicates
            progress.advance(table.duplicates)
            out.extend(table.rows)
        return out

    for row in rows("header"):
        reference = child_reference(row, "child")
        details: dict[str, object] = {
            "gender": row.choice("sex", SEXES, describe="Use 1 (male), 2 (female), or M, F "
                                                        "or U.") or "",
            "date_of_birth": row.date("dob"),
            "ethnicity": row.code("ethnic", max_length=80),
        }
        if row.ok:
            headers[reference] = details
        if reference:
            in_header.add(reference)
        _done(parsed, row, progress)
    for row in rows("episodes"):
        reference = child_reference(row, "child")
        if reference and reference not in in_header:
            # Without a Header row the case would carry no date of birth or gender.
            row.add_problem("child", f"Child {reference} is not in the Header file, so their "
                                     f"date of birth and gender are unknown. Add them to the "
                                     f"Header file or correct the child's ID.")
        start = row.date("decom", required=True)
        rne = row.choice("rne", RNE_CODES, required=True,
                         describe="Use the 903 codes S, L, P, T, B or U.")
        end = dates_in_order(row, start, row.date("dec"), "dec", "DECOM")
        if row.ok and start is not None and rne is not None:
            episodes.setdefault(reference, []).append(_Episode(
                start=start, rne=rne, place=row.text("place", max_length=10),
                provider=row.text("provider", max_length=10), end=end,
                reason=row.text("rec", max_length=10).upper(), row=row,
                legal_status=_code(row, "ls"), need=_code(row, "cin"),
                change=_code(row, "change"),
            ))
        if reference:
            parsed.references.add(reference)
        _done(parsed, row, progress)
    for row in rows("reviews"):
        reference = child_reference(row, "child")
        on = row.date("review", required=True)
        if row.ok and on is not None:
            reviews.append((reference, on, row.text("code", max_length=10), row))
        _done(parsed, row, progress)

    for row in rows("missing"):
        reference = child_reference(row, "child")
        kind = row.choice("missing", MISSING_KINDS, required=True,
                          describe="Use M (missing) or A (away from placement without "
                                   "authorisation).")
        start = row.date("start", required=True)
        end = dates_in_order(row, start, row.date("end"), "end", "MIS_START")
        if row.ok and start is not None and kind is not None:
            parsed.returns.append(ReturnRecord(
                kind="missing_episode", reference=reference,
                key={"kind": kind, "started_on": start}, values={"ended_on": end},
                locus=Locus.of(row), standalone=True,
                reference_column=row.table.header("child")))
        _done(parsed, row, progress)
    for row in rows("oc3"):
        reference = child_reference(row, "child")
        in_touch = row.text("in_touch", max_length=40).upper()
        accom = row.text("accom", max_length=10).upper()
        activity = row.text("activ", max_length=10).upper()
        if row.ok:
            parsed.returns.append(ReturnRecord(
                kind="care_leaver_status", reference=reference, key={}, values={
                    "in_touch": IN_TOUCH.get(in_touch), "in_touch_code": in_touch,
                    "accommodation": accom, "suitable": ACCOM_SUITABLE.get(accom[1:2]),
                    "activity": activity},
                locus=Locus.of(row), standalone=True,
                reference_column=row.table.header("child")))
        _done(parsed, row, progress)

    for reference, eps in episodes.items():
        record, events = _case(reference, headers.get(reference), eps)
        parsed.cases.append(record)
        parsed.events.extend(events)
        parsed.returns.extend(
            ReturnRecord(kind="care_episode", reference=reference, key={"started_on": ep.start},
                         values={"ended_on": ep.end, "reason_new": ep.rne,
                                 "legal_status": ep.legal_status, "need": ep.need,
                                 "placement": ep.place, "provider": ep.provider,
                                 "reason_ended": ep.reason, "reason_place_change": ep.change},
                         locus=Locus.of(ep.row))
            for ep in eps)
    for reference, on, code, row in reviews:
        detail = f"Looked after review ({code})" if code else "Looked after review"
        # A review stands alone: its child may be in care already from an earlier return.
        parsed.events.append(EventRecord(reference=reference, kind=E.REVIEW, occurred_on=on,
                                         detail=detail, locus=Locus.of(row), standalone=True,
                                         reference_column=row.table.header("child")))
    return parsed


def _code(row: Row, key: str) -> str:
    """A code read for the indicators only: one too long is left out, not reported."""
    return lenient(row, key, as_text)[:10].upper() if row.has(key) and row.raw(key) else ""


def _done(parsed: ParsedCases, row: Row, progress: Progress) -> None:
    parsed.rows += 1
    parsed.problems.extend(row.problems)
    progress.advance()
