"""The Children in Need census (XML): each Child becomes a case at the front door, in
need or on a child protection plan, with its episodes' dates as events.

The file is parsed with the standard library's parser after refusing any document type
declaration: without one, no entity can be declared, so neither "billion laughs" nor an
external entity can be smuggled in. The census names no worker.

Its own rows are kept for the indicators (cases.models): each episode's referral (date,
source, no further action, closure), assessments, section 47 enquiries with their initial
conferences, and child protection plans with the number of previous plans.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET  # noqa: S405 # nosec B405 - DOCTYPE refused first, above
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditloop.cases.importers.base import (
    CaseRecord,
    CellError,
    EventRecord,
    ImportFileError,
    Loaded,
    Locus,
    ParsedCases,
    Problem,
    Progress,
    ReturnRecord,
    UploadedFile,
    file_kind,
    parse_date,
    parse_yes_no,
)
from auditloop.cases.models import CaseEvent
from auditloop.people.models import Service

LABEL = "Children in Need census"
K = Service.Kind
E = CaseEvent.Kind
SCOPE = frozenset({K.FRONT_DOOR, K.CIN, K.CP})
PARTIAL = True  # the census does not know about care

TABLE = "Child"
NFA_AFTER_ASSESSMENT = "RC8"
_DECLARATION = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
_GENDERS = {"0": "Not known", "1": "Male", "2": "Female", "9": "Not specified",
            "m": "Male", "f": "Female", "u": "Unknown"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c.tag) == name), None)
    return el


def _text(el: ET.Element | None, *path: str) -> str:
    found = _child(el, *path) if path else el
    return (found.text or "").strip() if found is not None else ""


def _refuse_declarations(upload: UploadedFile) -> None:
    data = upload.content
    candidates = [data]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                candidates.append(data.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError:
                continue
    if any(_DECLARATION.search(c) for c in candidates):
        raise ImportFileError(
            f"{upload.name} contains a document type declaration (<!DOCTYPE>), which "
            f"auditloop refuses for safety. Export the census again from your case "
            f"management system; the DfE's census files do not have one."
        )


def _root(upload: UploadedFile) -> ET.Element:
    kind = file_kind(upload)
    if kind == "empty":
        raise ImportFileError(f"{upload.name} is empty. Export the census again and upload "
                              f"the file it makes.")
    if kind in ("xlsx", "xls", "pdf", "binary"):
        raise ImportFileError(f"{upload.name} is not an XML file. The Children in Need census "
                              f"is the XML file made for the DfE's COLLECT; upload that.")
    _refuse_declarations(upload)
    try:
        root = ET.fromstring(upload.content, parser=ET.XMLParser())  # noqa: S314 # nosec B314
    except ET.ParseError as exc:
        raise ImportFileError(
            f"{upload.name} is not a well-formed XML file ({exc}). Export the census again "
            f"and upload the file as it was made, without editing it."
        ) from exc
    if _local(root.tag) != "Message" or _child(root, "Children") is None:
        raise ImportFileError(
            f"{upload.name} is not a Children in Need census: it should start with "
            f"<Message> and hold <Children>. Check that you chose the right format."
        )
    return root


def load(files: Sequence[UploadedFile]) -> Loaded:
    children: list[tuple[str, int, ET.Element]] = []
    for upload in files:
        root = _root(upload)
        children_el = _child(root, "Children")
        found = _children(children_el, "Child") if children_el is not None else []
        children.extend((upload.name, i, el) for i, el in enumerate(found, start=1))
    return Loaded(rows_total=len(children), payload=children)


@dataclass
class _Episode:
    referral: dt.date
    closure: dt.date | None
    reason: str
    assessments: list[tuple[dt.date | None, dt.date | None]] = field(default_factory=list)
    cin_plans: list[tuple[dt.date | None, dt.date | None]] = field(default_factory=list)
    cp_plans: list[tuple[dt.date | None, dt.date | None]] = field(default_factory=list)
    events: list[tuple[str, dt.date, str]] = field(default_factory=list)
    returns: list[tuple[str, dict[str, object], dict[str, object]]] = field(
        default_factory=list)

    @property
    def open(self) -> bool:
        return self.closure is None

    def kind(self) -> str:
        if any(s and not e for s, e in self.cp_plans) or (not self.open and self.cp_plans):
            return K.CP
        if any(s and not e for s, e in self.cin_plans) or (not self.open and self.cin_plans):
            return K.CIN
        if not self.assessments or any(s and not a for s, a in self.assessments):
            return K.FRONT_DOOR
        return K.CIN if self.open else K.FRONT_DOOR

    def plan_start(self, kind: str) -> dt.date | None:
        plans = self.cp_plans if kind == K.CP else self.cin_plans if kind == K.CIN else []
        starts = [s for s, e in plans if s and (e is None or not self.open)]
        return max(starts) if starts else None


class _Reader:
    """One Child element; problems name the element, and the row is the child's place."""

    def __init__(self, file: str, number: int) -> None:
        self.locus = Locus(file, TABLE, number)
        self.problems: list[Problem] = []

    def date(self, el: ET.Element | None, name: str, *, required: bool = False
             ) -> dt.date | None:
        text = _text(el, name)
        if not text:
            if required:
                self.problems.append(self.locus.problem(name, "This is blank. Fill it in."))
            return None
        try:
            return parse_date(text)
        except CellError as exc:
            self.problems.append(self.locus.problem(name, exc.reason))
            return None

    def flag(self, el: ET.Element | None, name: str) -> bool | None:
        """A true/false element, read leniently: one that does not parse is left out."""
        try:
            return parse_yes_no(_text(el, name) or None)
        except CellError:
            return None

    def count(self, el: ET.Element | None, name: str) -> int | None:
        text = _text(el, name)
        return int(text) if text.isdigit() and int(text) < 32768 else None

    def ordered(self, start: dt.date | None, end: dt.date | None, name: str, what: str
                ) -> dt.date | None:
        if start and end and end < start:
            self.problems.append(self.locus.problem(
                name, f"This date is before the {what}. Check both dates."))
            return None
        return end


def _episode(r: _Reader, cin: ET.Element) -> _Episode | None:
    referral = r.date(cin, "CINreferralDate", required=True)
    closure = r.ordered(referral, r.date(cin, "CINclosureDate"), "CINclosureDate",
                        "referral date")
    if referral is None:
        return None
    ep = _Episode(referral, closure, _text(cin, "ReasonForClosure"))

    def event(kind: str, on: dt.date | None, detail: str) -> None:
        if on is not None:
            ep.events.append((kind, on, detail))

    event(E.REFERRAL, referral, "Referral")
    ep.returns.append(("referral", {"referred_on": referral}, {
        "source": _text(cin, "ReferralSource")[:40],
        "no_further_action": r.flag(cin, "ReferralNFA"),
        "closed_on": closure, "closure_reason": ep.reason[:40],
    }))
    for a in _children(cin, "Assessments"):
        start = r.date(a, "AssessmentActualStartDate")
        done = r.ordered(start, r.date(a, "AssessmentAuthorisationDate"),
                         "AssessmentAuthorisationDate", "assessment start date")
        ep.assessments.append((start, done))
        if start is not None:
            ep.returns.append(("assessment", {"started_on": start}, {"authorised_on": done}))
        event(E.ASSESSMENT_STARTED, start, "Assessment")
        event(E.ASSESSMENT_COMPLETED, done, "Assessment")
    for p in _children(cin, "CINPlanDates"):
        start = r.date(p, "CINPlanStartDate")
        end = r.ordered(start, r.date(p, "CINPlanEndDate"), "CINPlanEndDate", "plan start date")
        ep.cin_plans.append((start, end))
        event(E.PLAN_STARTED, start, "Child in need plan")
        event(E.PLAN_ENDED, end, "Child in need plan")
    for s in _children(cin, "Section47"):
        s47 = r.date(s, "S47ActualStartDate")
        icpc = r.date(s, "DateOfInitialCPC")
        event(E.SECTION_47, s47, "Section 47 enquiry")
        event(E.ICPC, icpc, "Initial child protection conference")
        if s47 is not None:
            ep.returns.append(("section_47", {"started_on": s47}, {
                "conference_on": icpc,
                "conference_not_required": r.flag(s, "ICPCnotRequired")}))
    event(E.ICPC, r.date(cin, "DateOfInitialCPC"), "Initial child protection conference")
    for p in _children(cin, "ChildProtectionPlans"):
        start = r.date(p, "CPPstartDate")
        end = r.ordered(start, r.date(p, "CPPendDate"), "CPPendDate", "plan start date")
        ep.cp_plans.append((start, end))
        if start is not None:
            ep.returns.append(("protection_plan", {"started_on": start}, {
                "ended_on": end, "previous_plans": r.count(p, "NumberOfPreviousCPP"),
                "initial_category": _text(p, "InitialCategoryOfAbuse")[:40],
                "latest_category": _text(p, "LatestCategoryOfAbuse")[:40]}))
        event(E.PLAN_STARTED, start, "Child protection plan")
        event(E.PLAN_ENDED, end, "Child protection plan")
        for review in _children(p, "Reviews"):
            for date_el in _children(review, "CPPreviewDate"):
                event(E.REVIEW, _review_date(r, date_el), "Review child protection conference")
    reason = f" ({ep.reason})" if ep.reason else ""
    event(E.CLOSURE, closure, f"Child in need episode closed{reason}")
    # Whether the assessment found a need for support: a plan followed, or the episode
    # closed with RC8 ("case closed after assessment, no further action"); else unknown.
    needs = True if ep.cin_plans or ep.cp_plans else (False if ep.reason == NFA_AFTER_ASSESSMENT
                                                      else None)
    for kind, _, values in ep.returns:
        if kind == "assessment":
            values["needs_support"] = needs
    return ep


def _review_date(r: _Reader, el: ET.Element) -> dt.date | None:
    text = (el.text or "").strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except CellError as exc:
        r.problems.append(r.locus.problem("CPPreviewDate", exc.reason))
        return None


def _disability(child: ET.Element) -> str:
    disabilities = _child(child, "ChildCharacteristics", "Disabilities")
    if disabilities is None:
        return ""
    codes = [(d.text or "").strip().upper() for d in _children(disabilities, "Disability")]
    codes = [c for c in codes if c]
    if not codes:
        return ""
    return "No" if all(c == "NONE" for c in codes) else "Yes"


def _case(file: str, number: int, child: ET.Element
          ) -> tuple[str, CaseRecord | None, list[EventRecord | ReturnRecord], list[Problem]]:
    r = _Reader(file, number)
    ids = _child(child, "ChildIdentifiers")
    reference = _text(ids, "LAchildID")
    if not reference:
        r.problems.append(r.locus.problem("LAchildID", "This is blank. Fill it in."))
    elif len(reference) > 64:
        r.problems.append(r.locus.problem("LAchildID", "This is longer than 64 characters."))
    born = r.date(ids, "PersonBirthDate") or r.date(ids, "ExpectedPersonBirthDate")
    gender_code = (_text(ids, "GenderCurrent") or _text(ids, "Sex")).casefold()
    episodes = [ep for cin in _children(child, "CINdetails") if (ep := _episode(r, cin))]
    if not _children(child, "CINdetails"):
        r.problems.append(r.locus.problem("CINdetails", "This child has no CINdetails, so "
                                          "there is no episode to import."))
    if r.problems or not episodes:
        return reference, None, [], r.problems
    open_ = [e for e in episodes if e.open]
    current = (max(open_, key=lambda e: e.referral) if open_
               else max(episodes, key=lambda e: (e.closure or e.referral, e.referral)))
    kind = current.kind()
    values: dict[str, object] = {
        "child_identifier": reference,
        "date_of_birth": born,
        "gender": _GENDERS.get(gender_code, gender_code.upper()[:40]),
        "ethnicity": _text(child, "ChildCharacteristics", "Ethnicity")[:80],
        "disability": _disability(child),
        "opened_on": current.referral,
        "plan_started_on": current.plan_start(kind),
        "closed_on": current.closure,
    }
    record = CaseRecord(reference=reference, locus=r.locus, values=values, service=kind,
                        service_column="CINdetails")
    events: list[EventRecord | ReturnRecord] = [
        EventRecord(reference=reference, kind=k, occurred_on=on, detail=detail, locus=r.locus)
        for ep in episodes for k, on, detail in ep.events]
    events.extend(ReturnRecord(kind=k, reference=reference, key=key, values=values,
                               locus=r.locus)
                  for ep in episodes for k, key, values in ep.returns)
    return reference, record, events, []


def parse(loaded: Loaded, progress: Progress) -> ParsedCases:
    parsed = ParsedCases()
    seen: dict[str, Locus] = {}
    for file, number, child in loaded.payload:
        parsed.rows += 1
        reference, record, events, problems = _case(file, number, child)
        if reference:
            parsed.references.add(reference)
        if record is not None and reference in seen:
            problems = [record.locus.problem(
                "LAchildID", f"Child {reference} is also child {seen[reference].row} in the "
                             f"file. Keep one Child element per child.")]
            record = None
        if record is not None:
            seen[reference] = record.locus
            parsed.cases.append(record)
            parsed.events.extend(e for e in events if isinstance(e, EventRecord))
            parsed.returns.extend(e for e in events if isinstance(e, ReturnRecord))
        parsed.problems.extend(problems)
        progress.advance()
    return parsed
