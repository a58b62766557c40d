"""Reading the access log and the sign-in events for the information governance lead: the
filters, the rows with the case reference each names, and the exports (CSV and XLSX, text
made formula-safe). Filters are ids, keys and dates only, so they can sit in a URL."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from auditloop.audits.selectors import audits_matching
from auditloop.cases.selectors import references_of
from auditloop.common.models import AccessLog
from auditloop.common.spreadsheets import text_cell, write_csv
from auditloop.people.models import SignInEvent, User

CHUNK = 500
UK = ZoneInfo("Europe/London")


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last month: the same day a month ago up to today."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    day = today.day
    while True:
        try:
            return dt.date(year, month, day), today
        except ValueError:
            day -= 1


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UK)


@dataclass(frozen=True)
class Filters:
    """The filters both pages share; `kind` is the access-log action or the event's kind."""

    start: dt.date
    end: dt.date
    user_id: int | None = None
    case_id: int | None = None
    kind: str = ""

    def between(self) -> Q:
        return Q(at__gte=_day_start(self.start),
                 at__lt=_day_start(self.end + dt.timedelta(days=1)))

    def query_items(self) -> list[tuple[str, str]]:
        items = [("start", self.start.isoformat()), ("end", self.end.isoformat())]
        if self.user_id:
            items.append(("person", str(self.user_id)))
        if self.case_id:
            items.append(("case", str(self.case_id)))
        if self.kind:
            items.append(("kind", self.kind))
        return items

    def log_key(self) -> str:
        """What was exported, for the access log's own row: ids, keys and dates only."""
        return ";".join(f"{k}={v}" for k, v in self.query_items())[:64]


def people_choices() -> list[tuple[int, str]]:
    """Every account, by name where it belongs to a member of staff: one query."""
    rows = User.objects.values_list("pk", "username", "person__full_name")
    named = [(pk, f"{name} ({username})" if name else username) for pk, username, name in rows]
    return sorted(named, key=lambda r: r[1].casefold())


def case_record_q(case_id: int) -> Q:
    """Rows for the case itself and for every audit of it."""
    audit_ids = [str(pk) for pk in audits_matching(q=Q(case_id=case_id))
                 .values_list("pk", flat=True)]
    return (Q(object_type="case", object_id=str(case_id))
            | Q(object_type="audit", object_id__in=audit_ids))


def access_log(filters: Filters) -> QuerySet[AccessLog]:
    qs = AccessLog.objects.filter(filters.between())
    if filters.user_id:
        qs = qs.filter(user_id=filters.user_id)
    if filters.kind:
        qs = qs.filter(action=filters.kind)
    if filters.case_id:
        qs = qs.filter(case_record_q(filters.case_id))
    return qs.select_related("user", "user__person").order_by("-at", "-pk")


def sign_in_events(filters: Filters) -> QuerySet[SignInEvent]:
    qs = SignInEvent.objects.filter(filters.between())
    if filters.user_id:
        qs = qs.filter(user_id=filters.user_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.select_related("user", "user__person").order_by("-at", "-pk")


def who(user: Any, username: str = "") -> str:
    if user is None:
        return f"{username} (no such account)" if username else "Unknown"
    person = getattr(user, "person", None)
    return f"{person.full_name} ({user.username})" if person else user.username


def _int_ids(values: Iterable[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


def references_for(rows: Sequence[AccessLog]) -> dict[tuple[str, str], str]:
    """(object type, id) -> the case reference it concerns, for cases and audits: two
    queries at most, whatever the number of rows."""
    case_ids = _int_ids(r.object_id for r in rows if r.object_type == "case")
    audit_ids = _int_ids(r.object_id for r in rows if r.object_type == "audit")
    found: dict[tuple[str, str], str] = {}
    if case_ids:
        found |= {("case", str(pk)): ref for pk, ref in references_of(case_ids).items()}
    if audit_ids:
        found |= {("audit", str(pk)): ref for pk, ref in
                  audits_matching(q=Q(pk__in=audit_ids)).values_list("pk", "case__reference")}
    return found


@dataclass(frozen=True)
class Row:
    entry: AccessLog
    reference: str

    @property
    def record(self) -> str:
        e = self.entry
        label = e.object_type.replace("_", " ").capitalize()
        return f"{label} {e.object_id}"


def rows_with_references(entries: Sequence[AccessLog]) -> list[Row]:
    refs = references_for(entries)
    return [Row(e, refs.get((e.object_type, e.object_id), "")) for e in entries]


def uk_time(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at, UK)


ACCESS_HEADER = ["When (UK time)", "When (UTC)", "Who", "Username", "Action", "Record type",
                 "Record id", "Case reference", "Path", "Address", "Request id", "Reason"]
EVENTS_HEADER = ["When (UK time)", "When (UTC)", "Who", "Username", "What happened",
                 "Address", "Request id"]
# ISO 8601 in the files: sortable, and read the same by any spreadsheet.
_STAMP = "%Y-%m-%d %H:%M:%S"


def access_export_rows(qs: QuerySet[AccessLog]) -> Iterator[list[Any]]:
    chunk: list[AccessLog] = []
    for entry in qs.iterator(chunk_size=CHUNK):
        chunk.append(entry)
        if len(chunk) == CHUNK:
            yield from _access_cells(chunk)
            chunk = []
    yield from _access_cells(chunk)


def _access_cells(entries: list[AccessLog]) -> Iterator[list[Any]]:
    for row in rows_with_references(entries):
        e = row.entry
        yield [uk_time(e.at).strftime(_STAMP), e.at.astimezone(dt.UTC).strftime(_STAMP),
               who(e.user), e.user.username, e.get_action_display(), e.object_type,
               e.object_id, row.reference, e.path, e.ip_address or "", e.request_id, e.reason]


def event_export_rows(qs: QuerySet[SignInEvent]) -> Iterator[list[Any]]:
    for e in qs.iterator(chunk_size=CHUNK):
        yield [uk_time(e.at).strftime(_STAMP), e.at.astimezone(dt.UTC).strftime(_STAMP),
               who(e.user, e.username), e.user.username if e.user else e.username,
               e.get_kind_display(), e.ip_address or "", e.request_id]


def to_csv(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    return write_csv(out, header, rows)


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """One sheet; every cell is text (formula-safe), never a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append([text_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
