"""Reading uploaded CSV and XLSX files and parsing their cells, for every import.

It lives in common (not in cases) because the staff import in people needs it too, and
apps import downwards only. Nothing here knows about cases or staff: a file becomes
sheets of raw rows, a sheet becomes a table once its header row is found, and a row's
cells are read through typed getters that record a plain-English problem instead of
raising, so that one pass reports every bad cell of a file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import shlex
import subprocess  # nosec B404: runs only the scanner the operator configured
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol

from auditloop.common.errors import ImportFileError

# Cells that mean "nothing here": Excel's error values and the usual "not applicable".
MISSING_MARKERS = frozenset(
    {"#n/a", "n/a", "#na", "#ref!", "#value!", "#div/0!", "#name?", "#null!", "#num!",
     "#spill!", "#calc!", "#getting_data", "null", "nil"}
)
# Leading characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Row numbers above which a header row is looked for: a title row or two sit above it.
HEADER_SCAN_ROWS = 12
# Excel's day 0 for the 1900 date system; serials below 61 are shifted by Excel's
# pretend 29 February 1900.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Dates a children's services record can hold; anything else is a typing slip.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100

_MONTHS = {
    name: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}
_UK_DATE = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)
_NAMED_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-/]([A-Za-z]{3,9})\.?,?[ \-/](\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_LETTER_PREFIX = re.compile(r"^\s*[A-Za-z]{1,2}\)\s*")
_CODE_PREFIX = re.compile(r"^([A-Z0-9]{1,4})\s*[:\-–]\s*(?=\S)")


# ---------------------------------------------------------------- uploaded files and problems


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes
    # The character set a CSV file was declared to be in: UTF-8 (with or without a byte
    # order mark) unless the person importing says Windows-1252.
    encoding: str = "utf-8"

    @property
    def stem(self) -> str:
        return PurePath(self.name).stem


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, table, row, column) and why, for people."""

    file: str
    table: str
    row: int | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "table": self.table, "row": self.row,
                "column": self.column, "reason": self.reason}


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, done: int = 1) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, done: int = 1) -> None:
        pass


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the person importing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- cell parsing


def normalise(text: object) -> str:
    """Header and name matching: case, spaces and punctuation do not matter."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def normalise_name(text: str) -> str:
    """A person's or team's name for matching: case and runs of spaces do not matter."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clean(value: Any) -> Any:
    """A cell's value, or None where the cell means "nothing" (blank, #N/A, an error)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", " ").strip()
        if not text or text.casefold() in MISSING_MARKERS:
            return None
        # Our own exports guard formula-like text with an apostrophe: take it off again.
        if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
            text = text[1:]
        return text
    return value


def as_text(value: Any) -> str:
    """A cell as text: whole numbers lose Excel's ".0", dates become DD/MM/YYYY."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _checked_date(year: int, month: int, day: int, shown: str) -> dt.date:
    if year < 100:
        raise CellError(f"“{shown}” has a two-figure year. Write the year in full, for "
                        f"example 31/01/2026.")
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise CellError(f"“{shown}” is not a real date. Check the day and the month "
                        f"(dates are DD/MM/YYYY).") from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise CellError(f"“{shown}” is not a date auditloop can use: the year must be between "
                        f"{EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


def excel_serial_to_date(serial: float) -> dt.date:
    if serial < 1 or serial > 2958465:
        raise CellError(f"“{as_text(serial)}” is not a date. Write dates as DD/MM/YYYY, "
                        f"for example 31/01/2026.")
    days = int(serial)
    if days < 61:
        days += 1
    value = _EXCEL_EPOCH + dt.timedelta(days=days)
    return _checked_date(value.year, value.month, value.day, as_text(serial))


def parse_date(value: Any) -> dt.date | None:
    """DD/MM/YYYY text, ISO text, an Excel date or an Excel serial number; None if blank.

    Raises CellError with a message saying how to write the date.
    """
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _checked_date(value.year, value.month, value.day, value.strftime("%d/%m/%Y"))
    if isinstance(value, dt.date):
        return _checked_date(value.year, value.month, value.day, value.strftime("%d/%m/%Y"))
    if isinstance(value, bool):
        raise CellError(f"“{as_text(value)}” is not a date. Write dates as DD/MM/YYYY.")
    if isinstance(value, int | float):
        return excel_serial_to_date(float(value))
    if isinstance(value, dt.time):
        raise CellError("This cell holds a time, not a date. Write dates as DD/MM/YYYY.")
    text = str(value).strip()
    if m := _UK_DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
        return _checked_date(year, month, day, text)
    if m := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in m.groups())
        return _checked_date(year, month, day, text)
    if m := _NAMED_DATE.match(text):
        month_no = _MONTHS.get(m.group(2).casefold())
        if month_no:
            return _checked_date(int(m.group(3)), month_no, int(m.group(1)), text)
    if _SERIAL.match(text):
        return excel_serial_to_date(float(text))
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise CellError(f"“{shown}” is not a date. Write dates as DD/MM/YYYY, for example "
                    f"31/01/2026.")


def strip_code(value: Any) -> str:
    """A coded answer's meaning: "a) Male" → "Male", "q) 6: Police" → "Police"."""
    text = as_text(clean(value))
    meaning = _LETTER_PREFIX.sub("", text, count=1)
    meaning = _CODE_PREFIX.sub("", meaning, count=1).strip()
    return meaning or text


def code_of(value: Any) -> str:
    """The code itself where an answer carries one: "q) 6: Police" → "6", "a) WBRI" → "WBRI"."""
    text = _LETTER_PREFIX.sub("", as_text(clean(value)), count=1).strip()
    if m := _CODE_PREFIX.match(text):
        return m.group(1)
    return text


_YES = frozenset({"yes", "y", "true", "1", "t"})
_NO = frozenset({"no", "n", "false", "0", "f"})


def parse_yes_no(value: Any) -> bool | None:
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    word = strip_code(value).casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(f"“{as_text(value)}” is not Yes or No. Write Yes or No.")


def formula_safe(value: Any) -> str:
    """Text for a CSV cell that no spreadsheet will run as a formula."""
    text = as_text(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def text_cell(sheet: Any, value: Any) -> Any:
    """A write-only XLSX cell holding `value` as formula-safe text. Always text: openpyxl
    stores text that starts with "=" as a formula otherwise."""
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(sheet, value=formula_safe("" if value is None else value))
    c.data_type = "s"
    return c


def write_csv(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([formula_safe(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([formula_safe(v) for v in row])
        count += 1
    return count


# ---------------------------------------------------------------- limits and virus checks


def _megabytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):,.0f} MB"
    return f"{max(1, round(n / 1024)):,} KB"


@dataclass(frozen=True)
class ImportLimits:
    """How big a file an import reads, checked before anything big is built from it.

    From the settings IMPORT_MAX_UNCOMPRESSED_BYTES, IMPORT_MAX_COMPRESSION_RATIO,
    IMPORT_MAX_ROWS and IMPORT_MAX_CELLS (docs/operators-guide.md). The upload page and
    `auditloop import` both come through here.
    """

    max_bytes: int = 50 * 1024 * 1024
    max_ratio: int = 200
    max_rows: int = 200_000
    max_cells: int = 5_000_000

    @classmethod
    def current(cls) -> ImportLimits:
        from django.conf import settings

        return cls(
            max_bytes=int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", cls.max_bytes)),
            max_ratio=int(getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", cls.max_ratio)),
            max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", cls.max_rows)),
            max_cells=int(getattr(settings, "IMPORT_MAX_CELLS", cls.max_cells)),
        )

    def _too_big(self, upload: UploadedFile, what: str) -> ImportFileError:
        return ImportFileError(
            f"{upload.name} is too big to import: {what}. Nothing was imported. Remove the "
            f"sheets, columns and rows the import does not read, or split the file into "
            f"smaller files and import them one at a time. If the file really needs to be "
            f"this big, ask the service's support team to raise the limit.")

    def check_size(self, upload: UploadedFile) -> None:
        if len(upload.content) > self.max_bytes:
            raise self._too_big(upload, f"it is {_megabytes(len(upload.content))} and the limit "
                                        f"is {_megabytes(self.max_bytes)}")

    def check_zip(self, upload: UploadedFile) -> None:
        """An Excel workbook is a zip: refuse one that would unpack too big (a "zip bomb")
        from the sizes its directory declares, before unpacking any of it. Python's zip
        reader never gives more than the declared size of a part."""
        try:
            with zipfile.ZipFile(io.BytesIO(upload.content)) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ImportFileError(
                f"{upload.name} is not an Excel workbook auditloop can read. Open it in Excel, "
                f"save it as an Excel workbook (.xlsx) or as CSV, and upload it again."
            ) from exc
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > self.max_bytes or total > self.max_bytes:
                raise self._too_big(upload, f"unpacked, it holds more than "
                                            f"{_megabytes(self.max_bytes)} (the limit)")
            packed = max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and member.file_size / packed > self.max_ratio:
                raise self._too_big(upload, f"a part of it unpacks to more than "
                                            f"{self.max_ratio} times its packed size (the limit)")

    def check(self, upload: UploadedFile) -> None:
        """The checks that need no reading of rows: the size, and a workbook's unpacked size.
        A file that is not a zip at all is left to the reader, which says what it is."""
        self.check_size(upload)
        if file_kind(upload) == "xlsx" and zipfile.is_zipfile(io.BytesIO(upload.content)):
            self.check_zip(upload)


class _Counter:
    """Rows and cells read so far from one file, refused as soon as either passes its cap."""

    def __init__(self, upload: UploadedFile, limits: ImportLimits) -> None:
        self.upload, self.limits = upload, limits
        self.rows = self.cells = 0

    def add(self, cells: int) -> None:
        self.rows += 1
        self.cells += cells
        if self.rows > self.limits.max_rows:
            raise self.limits._too_big(self.upload, f"it has more than "
                                                    f"{self.limits.max_rows:,} rows (the limit)")
        if self.cells > self.limits.max_cells:
            raise self.limits._too_big(self.upload, f"it has more than "
                                                    f"{self.limits.max_cells:,} cells (the limit)")


SCAN_FAILED = ("could not be checked for viruses; try again or ask your IT team. Nothing was "
               "imported.")
SCAN_TIMEOUT_SECONDS = 300


def scan_for_viruses(upload: UploadedFile) -> None:
    """Run the virus scanner the operator named (UPLOAD_SCAN_COMMAND) on the file before it
    is read: exit 0 is clean, 1 infected, anything else a failure of the scanner.

    The file is written to a private temporary file, given to the command as its last
    argument, and deleted afterwards whatever the outcome, so an infected file is never
    kept. Off (nothing run) when the setting is empty.
    """
    from django.conf import settings

    command = str(getattr(settings, "UPLOAD_SCAN_COMMAND", "") or "").strip()
    if not command:
        return
    fd, path = tempfile.mkstemp(prefix="auditloop-upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(upload.content)
        try:
            result = subprocess.run(  # noqa: S603  # nosec B603: the operator's command, no shell
                [*shlex.split(command), path], capture_output=True,
                timeout=SCAN_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ImportFileError(f"{upload.name} {SCAN_FAILED}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    if result.returncode == 1:
        raise ImportFileError(
            f"{upload.name} has a virus in it. auditloop has deleted its copy and imported "
            f"nothing. Do not open the file again: tell your IT team where it came from.")
    if result.returncode != 0:
        raise ImportFileError(f"{upload.name} {SCAN_FAILED}")


def check_upload(upload: UploadedFile) -> None:
    """Everything a file must pass before it is kept or read: the virus check, then the size
    limits. The upload page and the command line both call this."""
    scan_for_viruses(upload)
    ImportLimits.current().check(upload)


# ---------------------------------------------------------------- reading files into sheets


@dataclass
class Sheet:
    """A sheet (or a CSV file) as raw rows: (row number as the user sees it, cells)."""

    file: str
    name: str
    rows: list[tuple[int, list[Any]]]


def file_kind(upload: UploadedFile) -> str:
    """"xlsx", "xls", "csv", "xml", "pdf", "empty" or "binary", from the content itself."""
    data = upload.content
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return "empty"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, as Excel's "Unicode text" saves it
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if head.startswith(b"<?xml") or head.startswith(b"<message") or head.startswith(b"<!doctype"):
        return "xml"
    if head.startswith((b"<html", b"<table")):
        return "html"
    if b"\x00" in data[:4096]:
        return "binary"
    return "csv"


def _unreadable(upload: UploadedFile, kind: str, wanted: str) -> ImportFileError:
    name = upload.name
    if kind == "empty":
        return ImportFileError(f"{name} is empty. Export the report again and upload the "
                               f"file it makes.")
    if kind == "xls":
        return ImportFileError(f"{name} is an old-style Excel file (.xls). Open it in Excel, "
                               f"save it as an Excel workbook (.xlsx) or CSV, and upload that.")
    if kind == "xml":
        return ImportFileError(f"{name} is an XML file, not a spreadsheet. If it is a Children "
                               f"in Need census, choose that format; otherwise upload {wanted}.")
    return ImportFileError(f"{name} is not a spreadsheet auditloop can read. Upload {wanted}.")


# Character sets a CSV file may be declared in: the value stored on the job and its name.
ENCODINGS = {"utf-8": "UTF-8", "windows-1252": "Windows-1252"}


def encoding_label(encoding: str) -> str:
    return ENCODINGS.get(encoding, encoding)


def _decode(upload: UploadedFile) -> str:
    """The file's text, decoded strictly: a byte that is not in the character set refuses
    the whole file (naming its line) rather than reading a child's identifier wrongly."""
    data = upload.content
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec, label = "utf-16", "UTF-16"
    elif upload.encoding == "windows-1252":
        codec, label = "cp1252", "Windows-1252"
    else:
        codec, label = "utf-8-sig", "UTF-8"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        byte = data[exc.start:exc.start + 1].hex().upper()
        if codec == "utf-8-sig":
            advice = ("Save it from Excel as “CSV UTF-8 (comma delimited)” and upload it again. "
                      "If it was saved as “CSV (comma delimited)” in Excel on Windows, import it "
                      "again and choose Windows-1252 as its character set.")
        else:
            advice = "Save it from Excel as “CSV UTF-8 (comma delimited)” and upload it again."
        raise ImportFileError(
            f"{upload.name} cannot be read as {label}: line {line} has a character that is not "
            f"{label} (byte {byte}). Nothing was imported. {advice}"
        ) from exc


def read_csv(upload: UploadedFile) -> Sheet:
    limits = ImportLimits.current()
    limits.check_size(upload)
    text = _decode(upload)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=lambda d: (first_line.count(d), d == ","))
    counter = _Counter(upload, limits)
    rows: list[tuple[int, list[Any]]] = []
    try:
        for i, r in enumerate(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            counter.add(len(r))
            rows.append((i, r))
    except csv.Error as exc:
        raise ImportFileError(
            f"{upload.name} could not be read as a CSV file ({exc}). Save it from Excel as "
            f"“CSV UTF-8 (comma delimited)” and upload it again."
        ) from exc
    return Sheet(file=upload.name, name=upload.stem, rows=rows)


def _xlsx_cells(row: Sequence[Any]) -> list[Any]:
    # Formulas count as missing: the import reads what a person typed, not a calculation
    # whose cached result may be stale or absent.
    return [None if getattr(c, "data_type", None) == "f" else getattr(c, "value", None)
            for c in row]


def read_xlsx(upload: UploadedFile) -> list[Sheet]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    limits = ImportLimits.current()
    limits.check_zip(upload)
    try:
        book = load_workbook(io.BytesIO(upload.content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            f"{upload.name} is not an Excel workbook auditloop can read. Open it in Excel, "
            f"save it as an Excel workbook (.xlsx) or as CSV, and upload it again."
        ) from exc
    sheets = []
    counter = _Counter(upload, limits)
    try:
        for ws in book.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue
            # Some systems write a wrong size into the sheet; read to the real end.
            ws.reset_dimensions()
            rows = []
            for i, r in enumerate(ws.iter_rows(), start=1):
                counter.add(len(r))  # counted as streamed, before the row is kept
                rows.append((i, _xlsx_cells(r)))
            sheets.append(Sheet(file=upload.name, name=ws.title, rows=rows))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ImportFileError(
            f"Part of {upload.name} could not be read. Open it in Excel, save it again as an "
            f"Excel workbook (.xlsx), and upload that."
        ) from exc
    finally:
        book.close()
    return sheets


def read_spreadsheet(upload: UploadedFile, *, wanted: str = "a CSV or Excel (.xlsx) file"
                     ) -> list[Sheet]:
    kind = file_kind(upload)
    if kind == "xlsx":
        return read_xlsx(upload)
    if kind == "csv":
        return [read_csv(upload)]
    raise _unreadable(upload, kind, wanted)


# ---------------------------------------------------------------- tables and rows


@dataclass(frozen=True)
class Column:
    """A column an import reads: its key, its documented header and other headers seen.

    `prefix` also accepts a header that starts with one of the names (Annex A's long
    headers vary in their last words between templates).
    """

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    prefix: bool = False

    def names(self) -> list[str]:
        return [normalise(n) for n in (self.label, *self.aliases)]


@dataclass
class Table:
    file: str
    name: str
    header_row: int
    headers: dict[str, tuple[int, str]]  # column key -> (index, header as written)
    rows: list[Row] = field(default_factory=list)
    duplicates: int = 0

    def has(self, key: str) -> bool:
        return key in self.headers

    def header(self, key: str, columns: Sequence[Column] = ()) -> str:
        if key in self.headers:
            return self.headers[key][1]
        return next((c.label for c in columns if c.key == key), key)

    def problem(self, row: int | None, column: str, reason: str) -> Problem:
        return Problem(self.file, self.name, row, column, reason)


def _match_header(cells: Sequence[Any], columns: Sequence[Column]) -> dict[str, tuple[int, str]]:
    texts = [as_text(clean(c)) for c in cells]
    norms = [normalise(t) for t in texts]
    found: dict[str, tuple[int, str]] = {}
    taken: set[int] = set()
    for col in columns:  # exact names first, so a prefix never steals an exact header
        names = col.names()
        for i, n in enumerate(norms):
            if n and i not in taken and n in names:
                found[col.key] = (i, texts[i])
                taken.add(i)
                break
    for col in columns:
        if col.key in found or not col.prefix:
            continue
        names = col.names()
        for i, n in enumerate(norms):
            if n and i not in taken and any(n.startswith(name) for name in names):
                found[col.key] = (i, texts[i])
                taken.add(i)
                break
    return found


def find_table(sheet: Sheet, columns: Sequence[Column]) -> Table | None:
    """The sheet as a table, its header row found among the first rows; None if absent."""
    required = [c.key for c in columns if c.required]
    best: tuple[int, int, dict[str, tuple[int, str]]] | None = None
    for number, cells in sheet.rows[:HEADER_SCAN_ROWS]:
        found = _match_header(cells, columns)
        if not found or any(k not in found for k in required):
            continue
        if best is None or len(found) > len(best[2]):
            best = (number, len(found), found)
    if best is None:
        return None
    header_row, _, headers = best
    table = Table(file=sheet.file, name=sheet.name, header_row=header_row, headers=headers)
    seen: set[tuple[str, ...]] = set()
    for number, cells in sheet.rows:
        if number <= header_row:
            continue
        values = [clean(c) for c in cells]
        if all(v is None for v in values):
            continue
        signature = tuple(as_text(v) for v in values)
        while signature and signature[-1] == "":
            signature = signature[:-1]
        if signature in seen:
            table.duplicates += 1  # an exact repeat of a row above: ignored
            continue
        seen.add(signature)
        table.rows.append(Row(table=table, number=number, cells=values))
    return table


def missing_columns_message(sheet_name: str, file: str, columns: Sequence[Column]) -> str:
    needed = ", ".join(f"“{c.label}”" for c in columns if c.required)
    where = file if sheet_name == PurePath(file).stem else f"the sheet “{sheet_name}” of {file}"
    return (f"No header row with the columns {needed} was found in {where}. Check that the "
            f"file is the right one and its header row has not been changed.")


@dataclass
class Row:
    """One data row; its getters record problems and return None instead of raising."""

    table: Table
    number: int
    cells: list[Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raw(self, key: str) -> Any:
        where = self.table.headers.get(key)
        if where is None or where[0] >= len(self.cells):
            return None
        return self.cells[where[0]]

    def has(self, key: str) -> bool:
        return self.table.has(key)

    def add_problem(self, key: str, reason: str) -> None:
        self.problems.append(self.table.problem(self.number, self.table.header(key), reason))

    def _read(self, key: str, parse: Callable[[Any], Any], required: bool) -> Any:
        value = self.raw(key)
        if value is None:
            if required:
                self.add_problem(key, "This is blank. Fill it in.")
            return None
        try:
            return parse(value)
        except CellError as exc:
            self.add_problem(key, exc.reason)
            return None

    def text(self, key: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self._read(key, as_text, required) or ""
        if max_length is not None and len(value) > max_length:
            self.add_problem(key, f"This is longer than {max_length} characters. Shorten it.")
            return ""
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value: dt.date | None = self._read(key, parse_date, required)
        return value

    def code(self, key: str, *, max_length: int | None = None) -> str:
        value = self._read(key, strip_code, False) or ""
        if max_length is not None and len(value) > max_length:
            value = value[:max_length]
        return value

    def yes_no(self, key: str) -> bool | None:
        value: bool | None = self._read(key, parse_yes_no, False)
        return value

    def choice(self, key: str, choices: dict[str, str], *, required: bool = False,
               describe: str = "") -> str | None:
        """A value from a fixed list, matched on its normalised value or label."""

        def parse(value: Any) -> str:
            key_ = normalise(strip_code(value))
            if key_ in choices:
                return choices[key_]
            key_ = normalise(value)
            if key_ in choices:
                return choices[key_]
            raise CellError(f"“{as_text(value)}” is not one we know. {describe}".strip())

        result: str | None = self._read(key, parse, required)
        return result


def iter_rows(tables: Iterable[Table]) -> Iterator[Row]:
    for table in tables:
        yield from table.rows


def choices_from(pairs: Iterable[tuple[str, str]], *extra: tuple[str, str]) -> dict[str, str]:
    """Lookup for Row.choice: each value and label (normalised) to the value."""
    lookup: dict[str, str] = {}
    for value, label in [*pairs, *extra]:
        lookup.setdefault(normalise(value), value)
        lookup.setdefault(normalise(label), value)
    return lookup
