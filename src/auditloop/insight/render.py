"""A report's document laid out four ways: the page's sections (the `document` macro in
insight/_document.html, which reaches this module as the template global `insight_render`),
a PDF, a Word document and a spreadsheet.

Every format shows every section, each figure with its count, each chart with its text
alternative and the figures behind it; the spreadsheet gives the numbers in number cells.
File names carry the report's title and period only, never a person's or a child's name.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import slugify

from auditloop.common import charts
from auditloop.common.pdf import html_to_pdf
from auditloop.common.spreadsheets import formula_safe
from auditloop.common.statistics import RULE_WORDS
from auditloop.insight.document import (
    Cell,
    ChartBlock,
    Document,
    Figures,
    Quotes,
    Table,
    Text,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FORMATS = ("pdf", "docx", "xlsx")
CHART_DATA_HEADER = ("Month", "Centre", "Limits", "Signal")
# Excel's rules for a sheet's name: at most 31 characters, none of these.
SHEET_NAME_LENGTH = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# The share columns of the spreadsheet show as percentages.
PERCENT_FORMAT = "0.0%"


def drawn(block: ChartBlock) -> charts.DrawnChart:
    """A chart block drawn as accessible inline SVG with its text alternative."""
    return charts.draw(block.chart, title=block.title, as_percent=block.as_percent)


def chart_data_header(block: ChartBlock) -> tuple[str, ...]:
    """The headings of a chart's data table, beside the words of `block.rows()`."""
    first, *rest = CHART_DATA_HEADER
    return (first, block.value_heading, *rest)


def paragraphs(text: str) -> list[str]:
    """A text block's paragraphs, split at blank lines as the page splits them, each with
    its lines run together as a browser runs them."""
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


# ------------------------------------------------------------------------------ file names

def filename(doc: Document, fmt: str) -> str:
    """A file name from the report's title and period only: the area may name a team and
    the sections may quote people, so neither goes into a name that travels in e-mails."""
    if fmt not in (*FORMATS, "html"):
        raise ValueError(f"A report cannot be made as {fmt!r}.")
    stem = slugify(f"{doc.title} {doc.period}") or "report"
    return f"{stem}.{fmt}"


# ------------------------------------------------------------------------------ HTML, PDF

def html(doc: Document) -> str:
    """The whole report as one standalone page for printing (A4), for WeasyPrint."""
    return render_to_string("insight/print.html", {"doc": doc})


def pdf(doc: Document) -> bytes:
    # Tagged (PDF/UA-1), fetching nothing: common.pdf, as every PDF the service makes.
    return html_to_pdf(html(doc))


# ------------------------------------------------------------------------------ Word

def docx(doc: Document) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    word = WordDocument()
    word.core_properties.title = doc.heading
    word.core_properties.author = settings.COUNCIL_NAME
    word.core_properties.subject = doc.area
    style = word.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)

    def table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> None:
        """A grid whose first column holds each row's heading, in bold."""
        if not header and not rows:
            return
        body = word.element.body
        last = body[-2] if len(body) > 1 else None  # the last block before the sectPr
        if last is not None and last.tag == qn("w:tbl"):
            word.add_paragraph()  # Word runs two tables with nothing between into one
        cols = len(header) if header else max(len(r) for r in rows)
        t = word.add_table(rows=0, cols=cols)
        t.style = "Table Grid"
        if header:
            cells = t.add_row().cells
            for cell, text in zip(cells, header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            # A header row that Word repeats on each page and screen readers announce.
            tr_pr = t.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            tr_pr.append(repeat)
        for row in rows:
            cells = t.add_row().cells
            for i, (cell, text) in enumerate(zip(cells, row, strict=False)):
                cell.paragraphs[0].add_run(text).bold = i == 0

    word.add_paragraph().add_run(settings.COUNCIL_NAME).bold = True
    word.add_heading(doc.title, level=1)
    lines = [("Period", doc.period), ("Area", doc.area)]
    if doc.framework:
        lines.append(("Framework", doc.framework))
    for label, value in lines:
        p = word.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)

    for section in doc.sections:
        word.add_heading(section.heading, level=2)
        for block in section.blocks:
            if isinstance(block, Figures):
                table(None, [[label, cell.text] for label, cell in block.rows])
            elif isinstance(block, Table):
                caption = word.add_paragraph()
                caption.add_run(block.caption).bold = True
                table(block.header, [[c.text for c in row] for row in block.rows])
            elif isinstance(block, ChartBlock):
                chart = drawn(block)
                word.add_picture(io.BytesIO(charts.png(block.chart, title=block.title,
                                                       as_percent=block.as_percent)),
                                 width=Cm(16))
                shape = word.inline_shapes[-1]
                shape._inline.docPr.set("title", chart.title)
                shape._inline.docPr.set("descr", chart.alt)
                word.add_paragraph(chart.alt)
                caption = word.add_paragraph()
                caption.add_run(f"The figures behind the chart: {block.title}").bold = True
                table(chart_data_header(block), block.rows())
            elif isinstance(block, Text):
                for part in paragraphs(block.text):
                    word.add_paragraph(part)
            elif isinstance(block, Quotes):
                for quote in block.items:
                    p = word.add_paragraph()
                    p.paragraph_format.left_indent = Cm(1)
                    p.add_run(quote.text).italic = True
                    p.add_run().add_break(WD_BREAK.LINE)
                    p.add_run(quote.source)

    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ XLSX

NUMBER_FIELDS: tuple[tuple[str, str], ...] = (
    ("k", "count"), ("n", "out of"), ("value", "value"), ("low", "95% low"),
    ("high", "95% high"))
FIGURES_HEADER = ("Section", "Label", "Text", "Count", "Out of", "Value", "95% low",
                  "95% high")
CHART_HEADER = ("Period", "Value", "Numerator", "Denominator", "Centre", "Lower limit",
                "Upper limit", "Signal rules")


def sheet_name(title: str, taken: set[str]) -> str:
    """A name Excel accepts (31 characters, none of []:*?/\\, not starting or ending with an
    apostrophe) that no other sheet of the workbook has, whatever the case."""
    base = _SHEET_FORBIDDEN.sub(" ", title)
    base = re.sub(r"\s+", " ", base).strip(" '") or "Sheet"
    name, number = _shorten(base, SHEET_NAME_LENGTH), 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = _shorten(base, SHEET_NAME_LENGTH - len(suffix)) + suffix
    taken.add(name.casefold())
    return name


def _shorten(text: str, length: int) -> str:
    """At most `length` characters, cut at a word's end where one is near."""
    if len(text) <= length:
        return text
    cut = text[:length]
    if text[length] != " " and " " in cut[length // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" '")


def _is_share(cell: Cell) -> bool:
    return cell.low is not None or cell.high is not None


def xlsx(doc: Document) -> bytes:
    """The figures in a workbook: every figure with its numbers, a sheet per table and a
    sheet per chart's points. Text is always text: a cell never runs as a formula."""
    from openpyxl import Workbook

    book: Workbook = Workbook()
    book.properties.title = doc.heading
    book.properties.creator = settings.COUNCIL_NAME
    book.properties.subject = doc.area
    taken: set[str] = set()
    figures = book.active
    assert figures is not None
    figures.title = sheet_name("Figures", taken)
    _header(figures, FIGURES_HEADER)
    for section in doc.sections:
        for block in section.blocks:
            if isinstance(block, Figures):
                for label, cell in block.rows:
                    _append(figures, [section.heading, label, cell.text], cell)

    for section, table in doc.tables():
        _table_sheet(book.create_sheet(sheet_name(table.caption or section.heading, taken)),
                     table)
    for block in doc.charts():
        _chart_sheet(book.create_sheet(sheet_name(block.title, taken)), block)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    c = sheet.cell(row=row, column=column, value=formula_safe(value))
    # Always text: openpyxl stores text that starts with "=" as a formula otherwise.
    c.data_type = "s"


def _number(sheet: Worksheet, row: int, column: int, value: float | int | None,
            number_format: str = "") -> None:
    if value is None:
        return
    c = sheet.cell(row=row, column=column, value=value)
    if number_format:
        c.number_format = number_format


def _header(sheet: Worksheet, header: Iterable[str]) -> None:
    from openpyxl.styles import Font

    for column, text in enumerate(header, 1):
        _text(sheet, 1, column, text)
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _number_format(cell: Cell, field: str) -> str:
    return PERCENT_FORMAT if _is_share(cell) and field in ("value", "low", "high") else ""


def _append(sheet: Worksheet, texts: Sequence[str], cell: Cell) -> None:
    """A row of words, then the cell's numbers (count, out of, value, interval)."""
    row = sheet.max_row + 1
    for column, text in enumerate(texts, 1):
        _text(sheet, row, column, text)
    for offset, (field, _) in enumerate(NUMBER_FIELDS):
        _number(sheet, row, len(texts) + 1 + offset, getattr(cell, field),
                _number_format(cell, field))


def _table_sheet(sheet: Worksheet, table: Table) -> None:
    """Each column's words, followed by the numbers any of its cells carry."""
    width = max([len(table.header), *(len(r) for r in table.rows)])
    columns: list[tuple[int, str | None]] = []  # (column of the table, number field or None)
    header: list[str] = []
    for j in range(width):
        name = table.header[j] if j < len(table.header) else ""
        columns.append((j, None))
        header.append(name)
        cells = [row[j] for row in table.rows if j < len(row)]
        for number, words in NUMBER_FIELDS:
            if any(getattr(c, number) is not None for c in cells):
                columns.append((j, number))
                header.append(f"{name}: {words}" if name else words)
    _header(sheet, header)
    for r, row in enumerate(table.rows, 2):
        for column, (j, field) in enumerate(columns, 1):
            if j >= len(row):
                continue
            cell = row[j]
            if field is None:
                _text(sheet, r, column, cell.text)
            else:
                _number(sheet, r, column, getattr(cell, field), _number_format(cell, field))


def _chart_sheet(sheet: Worksheet, block: ChartBlock) -> None:
    _header(sheet, CHART_HEADER)
    fmt = PERCENT_FORMAT if block.as_percent else ""
    for r, p in enumerate(block.chart.points, 2):
        _text(sheet, r, 1, p.period)
        _number(sheet, r, 2, p.value, fmt)
        _number(sheet, r, 3, p.numerator)
        _number(sheet, r, 4, p.denominator)
        _number(sheet, r, 5, p.centre, fmt)
        _number(sheet, r, 6, p.lower, fmt)
        _number(sheet, r, 7, p.upper, fmt)
        _text(sheet, r, 8, "; ".join(RULE_WORDS[rule] for rule in p.rules))
