"""Reading spreadsheets for the imports: dates, coded answers, missing cells, header rows."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditloop.cases.importers.base import (
    CellError,
    Column,
    Sheet,
    UploadedFile,
    clean,
    code_of,
    find_table,
    normalise,
    parse_date,
    read_spreadsheet,
    strip_code,
)
from auditloop.common.errors import ImportFileError
from auditloop.common.spreadsheets import formula_safe, parse_yes_no
from tests.cases.importing import xlsx_bytes

dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))


@given(dates)
def test_a_date_reads_the_same_written_any_way_a_council_writes_it(day: dt.date):
    serial = (day - dt.date(1899, 12, 30)).days
    ways = [
        day,
        dt.datetime.combine(day, dt.time(0, 0)),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.isoformat(),
        day.isoformat() + "T00:00:00",
        day.strftime("%d/%m/%Y 00:00"),
        day.strftime("%d-%b-%Y"),
        day.strftime("%d %B %Y"),
        serial,
        float(serial),
    ]
    assert {parse_date(w) for w in ways} == {day}


def test_excel_serials_before_march_1900_allow_for_excels_leap_year_slip():
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(61) == dt.date(1900, 3, 1)


@pytest.mark.parametrize("value", [None, "", "   ", "#N/A", "#n/a", "N/A", "#REF!", "#VALUE!"])
def test_blanks_and_excel_errors_are_missing(value):
    assert clean(value) is None
    assert parse_date(value) is None


@pytest.mark.parametrize("value, says", [
    ("May be 8 Jan 2000", "is not a date. Write dates as DD/MM/YYYY"),
    ("31/02/2026", "is not a real date"),
    ("01/01/26", "two-figure year"),
    ("01/01/1850", "between 1900 and 2100"),
    ("13/13/2026", "is not a real date"),
    (True, "is not a date"),
])
def test_a_bad_date_says_how_to_write_it(value, says):
    with pytest.raises(CellError, match=says):
        parse_date(value)


@given(st.text(min_size=1, max_size=30))
def test_date_parsing_never_fails_other_than_with_a_plain_message(text: str):
    try:
        parse_date(text)
    except CellError as exc:
        assert exc.reason and "Traceback" not in exc.reason


@pytest.mark.parametrize("value, meaning, code", [
    ("a) Male", "Male", "Male"),
    ("q) 6: Police", "Police", "6"),
    ("c) Child in need plan", "Child in need plan", "Child in need plan"),
    ("a) WBRI", "WBRI", "WBRI"),
    ("j) A6: Placed for adoption - order – not foster", "Placed for adoption - order – not foster",
     "A6"),
    ("Female", "Female", "Female"),
    ("u) X1:CodeError", "CodeError", "X1"),
])
def test_coded_answers_are_stripped_to_their_meaning(value, meaning, code):
    assert strip_code(value) == meaning
    assert code_of(value) == code


@given(st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
       st.text(alphabet=st.characters(categories=["Ll", "Lu"]), min_size=1, max_size=20))
def test_a_letter_prefix_never_survives(letter: str, meaning: str):
    assert strip_code(f"{letter}) {meaning}") == meaning


@pytest.mark.parametrize("value, answer", [
    ("a) Yes", True), ("b) No", False), ("Y", True), ("n", False), ("", None), ("#N/A", None)])
def test_yes_no_answers(value, answer):
    assert parse_yes_no(value) is answer


@pytest.mark.parametrize("header", [
    "Case reference", "CASE REFERENCE", "case_reference", "Case Reference:", " case-reference ",
])
def test_headers_match_whatever_their_case_spacing_and_punctuation(header):
    assert normalise(header) == "casereference"


def test_the_header_row_is_found_below_a_title_row_and_exact_repeats_are_dropped():
    sheet = Sheet("f.xlsx", "List 2", [
        (1, ["List 2: Early Help", None]),
        (2, [None, None]),
        (3, ["Child Unique ID", "Date of Birth"]),
        (4, [1001, "01/01/2020"]),
        (5, [1001, "01/01/2020"]),
        (6, [None, "#N/A"]),
        (7, [1002, None]),
    ])
    table = find_table(sheet, [Column("child", "Child Unique ID", required=True),
                               Column("dob", "Date of birth")])
    assert table is not None and table.header_row == 3
    assert [r.number for r in table.rows] == [4, 7]
    assert table.duplicates == 1
    assert table.rows[0].text("child") == "1001"


def test_formulas_in_a_workbook_count_as_missing():
    content = xlsx_bytes({"Cases": [["Case reference", "Open date"], ["A1", "=TODAY()"]]})
    sheet = read_spreadsheet(UploadedFile("cases.xlsx", content))[0]
    assert sheet.rows[1][1] == ["A1", None]


def test_csv_files_from_excel_in_other_encodings_and_delimiters_are_read():
    text = "Case reference;Gender\r\nA1;Féminin\r\n"
    for upload in (UploadedFile("cases.csv", text.encode("cp1252"), "windows-1252"),
                   UploadedFile("cases.csv", text.encode("utf-16")),
                   UploadedFile("cases.csv", text.encode("utf-8-sig"))):
        sheet = read_spreadsheet(upload)[0]
        assert sheet.rows[1][1] == ["A1", "Féminin"]


@pytest.mark.parametrize("content, says", [
    (b"", "is empty"),
    (b"%PDF-1.7 stuff", "is not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old-style Excel file"),
    (b"PK\x03\x04not really a zip", "not an Excel workbook"),
    (b"<?xml version='1.0'?><Message/>", "XML file"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_what_to_do(content, says):
    with pytest.raises(ImportFileError, match=says):
        read_spreadsheet(UploadedFile("upload.xlsx", content))


@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+44 1234", "'+44 1234"),
    ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("Jane", "Jane"), (dt.date(2026, 1, 5), "05/01/2026"),
])
def test_export_cells_are_formula_safe_and_read_back_as_they_were(value, written):
    assert formula_safe(value) == written
    if isinstance(value, str):
        assert clean(written) == value
