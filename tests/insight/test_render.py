"""A report's document in four layouts (insight.render): the page's sections, the PDF, the
Word document and the spreadsheet each show every section, each figure with its count, and
each chart with its text alternative and the figures behind it."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import get_template

from auditloop.common import charts
from auditloop.common.statistics import p_chart, wilson, xmr
from auditloop.insight import render
from auditloop.insight.document import (
    Cell,
    ChartBlock,
    Document,
    Figures,
    Quote,
    Quotes,
    Section,
    Table,
    Text,
)

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]
GOOD_DRILL = {"start": "2026-03-01", "end": "2026-03-31", "good": "1"}
FORMULA = "=SUM(A1)"


def sample() -> Document:
    # Twelve ordinary months, then three far better: limits, and a signal of improvement.
    good = p_chart([(m, 4 if i < 12 else 10, 10) for i, m in enumerate(MONTHS)])
    impact = xmr([(m, 5 + i % 3) for i, m in enumerate(MONTHS)])
    assert good.has_limits and impact.has_limits
    assert any(p.rules for p in good.points)
    return Document(
        title="Monthly QA and impact report", period="March 2026", area="North team",
        framework="002 Early help",
        sections=(
            Section(heading="What the audits found", ident="found", blocks=(
                Figures(ident="headline", rows=(
                    ("Audits graded", Cell.count(8, {"start": "2026-03-01"})),
                    ("Good or better", Cell.share(wilson(5, 8), GOOD_DRILL)),
                    ("Impact score (out of 10)", Cell.mean(6.5, 8)),
                )),
                Table(caption="Good or better by team, fewest first", ident="by-team",
                      header=("Team", "Good or better"),
                      rows=((Cell.label("South"), Cell.share(wilson(1, 3))),
                            (Cell.label(FORMULA), Cell.share(wilson(4, 5), GOOD_DRILL)))),
            )),
            Section(heading="Over time", ident="trends", blocks=(
                ChartBlock(key="good", title="Audits good or better each month", chart=good,
                           as_percent=True),
                ChartBlock(key="impact", title="Mean impact score each month (out of 10)",
                           chart=impact),
                Text("A month is a signal only when an SPC rule fires.\n\nAnything else is "
                     "ordinary variation."),
            )),
            Section(heading="Strengths and areas for development", ident="strengths", blocks=(
                Quotes(items=(Quote(text="The plan was written with the family.",
                                    source="Section 2, Planning (audit 41)"),)),
            )),
        ))


DOC = sample()
HEADINGS = [s.heading for s in DOC.sections]
GOOD_TEXT = str(wilson(5, 8))  # "62% (5 of 8; 95% interval 31% to 86%)"
ALTS = [charts.draw(b.chart, title=b.title, as_percent=b.as_percent).alt for b in DOC.charts()]


def words(text: str) -> str:
    return " ".join(text.split())


def page_html(doc: Document, drill_url: Callable[[Any], str | None] | None = None) -> str:
    layout = get_template("insight/_document.html").template  # type: ignore[attr-defined]
    return str(layout.module.document(doc, drill_url=drill_url))


class Outline(HTMLParser):
    """The parts of a page that accessibility rests on."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.ids: list[str] = []
        self.styles = 0
        self.tables = 0
        self.captions = 0
        self.row_headers_without_scope = 0
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(tag)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        self.styles += "style" in a or tag == "style"
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.row_headers_without_scope += tag == "th" and "scope" not in a
        if tag == "a":
            self._href, self._text = a.get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None


def outline(html: str) -> Outline:
    o = Outline()
    o.feed(html)
    return o


# ------------------------------------------------------------------------------ the page


def test_page_shows_every_section_figure_chart_and_quote() -> None:
    html = page_html(DOC)
    for section in DOC.sections:
        assert f'id="{section.ident}">{section.heading}</h2>' in html
    assert GOOD_TEXT in html
    assert "6.5 (mean of 8)" in html
    for alt in ALTS:
        assert f'<figcaption class="govuk-body">{alt}</figcaption>' in html
    assert html.count("<svg") == 2 and 'role="img"' in html
    assert html.count("The figures behind the chart") == 2
    # The data table: every month, with its value and count as words.
    good = next(DOC.charts())
    for period, value, *_ in good.rows():
        assert f">{period}</th>" in html and f">{value}</td>" in html
    assert "38% (4 of 10)" not in html  # the p-chart shows 4 of 10 as 40%
    assert "40% (4 of 10)" in html and "100% (10 of 10)" in html
    assert "Improvement" in html or "improvement" in html
    assert "<p class=\"govuk-body\">Anything else is ordinary variation.</p>" in html
    assert 'class="govuk-inset-text"' in html and "<blockquote" in html
    assert "Section 2, Planning (audit 41)" in html
    assert "=SUM(A1)" in html


def test_page_is_accessible_in_its_structure() -> None:
    """What axe-core checks that the layout itself decides: sections are h2 under the page's
    h1 and nothing below them skips a level, ids are unique, every table has a caption and
    every header cell its scope, and nothing carries an inline style (the CSP forbids it)."""
    o = outline(page_html(DOC))
    assert o.headings == ["h2"] * len(DOC.sections)
    assert len(o.ids) == len(set(o.ids))
    assert o.tables == o.captions == 3
    assert o.row_headers_without_scope == 0
    assert o.styles == 0


def test_page_links_a_figure_to_the_audits_behind_it_when_told_how() -> None:
    def drill_url(drill: dict[str, str]) -> str | None:
        return None if "good" not in drill else "/insight/audits/?good=1&start=" + drill["start"]

    o = outline(page_html(DOC, drill_url))
    assert o.links == [("/insight/audits/?good=1&start=2026-03-01", GOOD_TEXT),
                       ("/insight/audits/?good=1&start=2026-03-01", str(wilson(4, 5)))]
    assert outline(page_html(DOC)).links == []


def test_page_of_a_document_without_sections_is_empty() -> None:
    empty = Document(title="Quarterly audit report", period="January to March 2026")
    assert page_html(empty).strip() == ""


# ------------------------------------------------------------------------------ print, PDF


def pdf_text(html: str) -> str:
    """The words WeasyPrint lays out on the PDF's pages (no PDF text reader is installed:
    the same HTML, laid out by the same WeasyPrint, gives the same boxes the PDF draws)."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    laid_out = HTML(string=html).render()

    def walk(box: Any) -> Iterator[str]:
        if type(box).__name__ == "TextBox":
            yield box.text
        for child in getattr(box, "children", None) or ():
            yield from walk(child)

    return words(" ".join(t for page in laid_out.pages for t in walk(page._page_box)))


def test_print_html_stands_alone_with_the_council_and_the_report() -> None:
    html = render.html(DOC)
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "size: A4" in html
    assert f'<p class="council">{settings.COUNCIL_NAME}</p>' in html
    assert f"<title>{DOC.heading}</title>" in html
    for part in ("March 2026", "North team", "002 Early help", *HEADINGS, GOOD_TEXT):
        assert part in html
    assert html.count("<svg") == 2
    # Printed, the figures behind each chart are shown, not folded away in a <details>.
    assert "<details" not in html and "<link" not in html and "<img" not in html
    assert outline(html).headings == ["h1"] + ["h2"] * len(DOC.sections)


def test_pdf_has_the_headings_figures_and_the_charts_text_alternatives() -> None:
    made = render.pdf(DOC)
    assert made.startswith(b"%PDF")
    text = pdf_text(render.html(DOC))
    for part in (settings.COUNCIL_NAME, DOC.title, "March 2026", "North team", *HEADINGS,
                 f"Good or better {GOOD_TEXT}", "The figures behind the chart", *ALTS,
                 "The plan was written with the family."):
        assert words(part) in text, part


def test_pdf_fetches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint is given a fetcher that refuses files and addresses alike."""
    from weasyprint import HTML

    fetchers: list[Any] = []
    original = HTML.__init__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        fetchers.append(kwargs["url_fetcher"])
        original(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "__init__", spy)
    assert render.pdf(Document(title="Quarterly audit report", period="Q1 2026"))
    (fetcher,) = fetchers
    for url in ("file:///etc/hostname", "http://example.invalid/chart.png"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)


# ------------------------------------------------------------------------------ Word


def word_of(data: bytes) -> Any:
    from docx import Document as WordDocument

    return WordDocument(io.BytesIO(data))


def word_text(word: Any) -> str:
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return words("\n".join(parts))


def test_word_document_has_headings_figures_charts_and_quotes() -> None:
    word = word_of(render.docx(DOC))
    headings = [(p.style.name, p.text) for p in word.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", DOC.title)] + [("Heading 2", h) for h in HEADINGS]
    text = word_text(word)
    for part in (settings.COUNCIL_NAME, "Period: March 2026", "Area: North team",
                 GOOD_TEXT, "Good or better by team, fewest first", "6.5 (mean of 8)",
                 *ALTS, "Section 2, Planning (audit 41)", FORMULA):
        assert words(part) in text, part
    # Each alternative is also printed under its chart, as a paragraph of its own.
    assert all(any(p.text == alt for p in word.paragraphs) for alt in ALTS)
    assert word.core_properties.title == DOC.heading


def test_word_figures_are_a_two_column_table_and_tables_have_header_rows() -> None:
    from docx.oxml.ns import qn

    word = word_of(render.docx(DOC))
    figures, by_team, good, impact = word.tables
    assert [[c.text for c in r.cells] for r in figures.rows] == [
        ["Audits graded", "8"], ["Good or better", GOOD_TEXT],
        ["Impact score (out of 10)", "6.5 (mean of 8)"]]
    for table, header in ((by_team, ["Team", "Good or better"]),
                          (good, ["Month", "Share", "Centre", "Limits", "Signal"]),
                          (impact, ["Month", "Value", "Centre", "Limits", "Signal"])):
        assert [c.text for c in table.rows[0].cells] == header
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert len(good.rows) == len(MONTHS) + 1
    assert [c.text for c in good.rows[-1].cells] == list(next(DOC.charts()).rows()[-1])


def test_word_charts_are_pictures_with_their_alternative_text() -> None:
    word = word_of(render.docx(DOC))
    shapes = list(word.inline_shapes)
    assert [s._inline.docPr.get("descr") for s in shapes] == ALTS
    assert [s._inline.docPr.get("title") for s in shapes] == [b.title for b in DOC.charts()]
    blob = shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert word.part.related_parts[blob].blob.startswith(b"\x89PNG")


def test_word_quotes_are_indented_italic_with_their_source() -> None:
    word = word_of(render.docx(DOC))
    quote = next(p for p in word.paragraphs if "written with the family" in p.text)
    assert quote.paragraph_format.left_indent > 0
    assert quote.runs[0].italic and quote.runs[0].text == "The plan was written with the family."
    assert quote.text.endswith("Section 2, Planning (audit 41)")
    assert not quote.runs[-1].italic


# ------------------------------------------------------------------------------ XLSX


def book_of(data: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data))


def rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_spreadsheet_has_figures_with_their_numbers_in_number_cells() -> None:
    book = book_of(render.xlsx(DOC))
    assert book.sheetnames == ["Figures", "Good or better by team, fewest",
                               "Audits good or better each", "Mean impact score each month"]
    figures = rows(book["Figures"])
    assert figures[0] == ["Section", "Label", "Text", "Count", "Out of", "Value", "95% low",
                          "95% high"]
    share = wilson(5, 8)
    assert figures[2] == ["What the audits found", "Good or better", GOOD_TEXT, 5, 8,
                          pytest.approx(share.value), pytest.approx(share.low),
                          pytest.approx(share.high)]
    assert figures[1][:5] == ["What the audits found", "Audits graded", "8", 8, None]
    assert book["Figures"]["F3"].data_type == "n" and book["Figures"]["F3"].number_format == "0.0%"
    assert book["Figures"]["D2"].data_type == "n"


def test_spreadsheet_has_a_sheet_per_table_with_numbers_beside_the_text() -> None:
    sheet = book_of(render.xlsx(DOC))["Good or better by team, fewest"]
    got = rows(sheet)
    assert got[0] == ["Team", "Good or better", "Good or better: count",
                      "Good or better: out of", "Good or better: value",
                      "Good or better: 95% low", "Good or better: 95% high"]
    assert got[1][:4] == ["South", str(wilson(1, 3)), 1, 3]
    # Formula-looking text stays text: guarded by an apostrophe and stored as a string.
    assert got[2][0] == "'" + FORMULA and sheet["A3"].data_type == "s"


def test_spreadsheet_has_a_sheet_per_chart_with_its_points() -> None:
    book = book_of(render.xlsx(DOC))
    good_block = next(DOC.charts())
    got = rows(book["Audits good or better each"])
    assert got[0] == ["Period", "Value", "Numerator", "Denominator", "Centre", "Lower limit",
                      "Upper limit", "Signal rules"]
    assert len(got) == len(MONTHS) + 1
    first, last = good_block.chart.points[0], good_block.chart.points[-1]
    assert got[1][:5] == ["2025-01", pytest.approx(0.4), 4, 10, pytest.approx(first.centre)]
    assert got[-1][0] == "2026-03" and got[-1][7]  # the last months are a signal
    assert got[-1][5] == pytest.approx(last.lower) and got[-1][6] == pytest.approx(last.upper)
    impact = rows(book["Mean impact score each month"])
    assert impact[1][:4] == ["2025-01", 5, None, None]


@pytest.mark.parametrize(("title", "taken", "expected"), [
    ("Figures", set(), "Figures"),
    ("Figures", {"figures"}, "Figures (2)"),
    ("Good or better by team: [North] / South?", set(), "Good or better by team North"),
    ("A" * 40, set(), "A" * 31),
    ("A" * 40, {"a" * 31}, "A" * 27 + " (2)"),
    ("'quoted'", set(), "quoted"),
    ("*?:", set(), "Sheet"),
])
def test_sheet_names_are_ones_excel_accepts(title: str, taken: set[str], expected: str) -> None:
    name = render.sheet_name(title, taken)
    assert name == expected
    assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert name.casefold() in taken


def test_spreadsheet_names_two_tables_of_the_same_caption_apart() -> None:
    table = Table(caption="Grades", header=("Grade", "Audits"),
                  rows=((Cell.label("Good"), Cell.count(3)),))
    doc = Document(title="Quarterly audit report", period="Q1 2026", sections=(
        Section(heading="Grades", blocks=(table, table)),))
    assert book_of(render.xlsx(doc)).sheetnames == ["Figures", "Grades", "Grades (2)"]


# ------------------------------------------------------------------------------ names, JSON


def test_file_name_is_the_title_and_period_only() -> None:
    assert render.filename(DOC, "pdf") == "monthly-qa-and-impact-report-march-2026.pdf"
    assert render.filename(DOC, "xlsx") == "monthly-qa-and-impact-report-march-2026.xlsx"
    named = Document(title="Quarterly audit report", period="January to March 2026",
                     area="Alex Smith's team")
    assert render.filename(named, "docx") == \
        "quarterly-audit-report-january-to-march-2026.docx"
    with pytest.raises(ValueError):
        render.filename(DOC, "exe")


def test_a_document_renders_the_same_after_a_round_trip_through_json() -> None:
    again = Document.from_json(DOC.to_json())
    assert again == DOC
    assert page_html(again) == page_html(DOC)
    assert render.html(again) == render.html(DOC)
    assert word_text(word_of(render.docx(again))) == word_text(word_of(render.docx(DOC)))
    assert ([rows(s) for s in book_of(render.xlsx(again)).worksheets]
            == [rows(s) for s in book_of(render.xlsx(DOC)).worksheets])
