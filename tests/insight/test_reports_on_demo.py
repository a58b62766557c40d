"""Every report renders for the demo council's history (`auditloop demo`, 24 months) in all
four formats: the page's sections, the PDF (its own text read back), the Word document and
the spreadsheet each hold the headings, a figure with its count and each chart's text
alternative; and what the demo is built to show shows: the neglect theme's improvement is an
SPC signal in its quarterly report, and the team that stays not yet good leads its table."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from auditloop.common import charts
from auditloop.common.statistics import Variation
from auditloop.demo import trends
from auditloop.insight import kinds, render, services
from auditloop.insight.document import Document, Figures
from auditloop.insight.figures import Scope
from auditloop.people.models import Service, Team
from auditloop.programme.models import Cycle

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 31)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The small demo council with its default history, built once for the module and
    rolled back at the end."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            call_command("demo", "--scale", "small", "--reference-date", TODAY.isoformat(),
                         stdout=io.StringIO())
            yield
            transaction.set_rollback(True)


def context_for(kind: kinds.Kind) -> kinds.Context:
    if kind.period == kinds.PeriodType.PROGRAMME:
        cycle = Cycle.objects.exclude(kind=Cycle.Kind.MONTHLY).filter(
            cases__audit__submitted_at__isnull=False).order_by("-period_end").first()
        assert cycle is not None, "the demo has no one-off programme with audits"
        period = services.programme_period(cycle)
        return kinds.Context(scope=Scope(start=period.start, end=period.end,
                                         cycle_id=cycle.pk), period=period)
    period = {
        kinds.PeriodType.MONTH: kinds.Period.month(dt.date(2026, 2, 1)),
        kinds.PeriodType.QUARTER: kinds.Period.quarter(2026, 1),
        kinds.PeriodType.YEAR_TO_DATE: kinds.Period.year_to_date(dt.date(2026, 2, 1)),
        kinds.PeriodType.YEAR: kinds.Period.financial_year(2025),
    }[kind.period]
    area: dict[str, int] = {}
    if kind.needs == "team":
        area["team_id"] = Team.objects.filter(cases__audits__isnull=False).order_by(
            "name").values_list("pk", flat=True)[0]
    if kind.needs == "service":
        area["service_id"] = Service.objects.get(kind=Service.Kind.EARLY_HELP).pk
    return kinds.Context(scope=Scope(start=period.start, end=period.end, **area),
                         period=period)


def a_counted_figure(doc: Document) -> str:
    cells = [cell for s in doc.sections for b in s.blocks if isinstance(b, Figures)
             for _label, cell in b.rows]
    cells += [cell for _s, t in doc.tables() for row in t.rows for cell in row[1:]]
    for cell in cells:
        if cell.n and " of " in cell.text:
            return cell.text
    raise AssertionError(f"{doc.title} shows no share with its count")


@pytest.mark.parametrize("key", list(kinds.kinds()))
def test_every_report_renders_for_the_demos_history(demo, key) -> None:  # type: ignore[no-untyped-def]
    doc = kinds.build(key, context_for(kinds.kind(key)))
    headings = [s.heading for s in doc.sections]
    figure = a_counted_figure(doc)
    alts = [charts.alt_text(b.chart, title=b.title, as_percent=b.as_percent)
            for b in doc.charts()]
    page = words(re.sub(r"<[^>]+>", " ", render.html(doc)).replace("&#39;", "'")
                 .replace("&amp;", "&"))
    pdf = words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render.pdf(doc))).pages))
    word = WordDocument(io.BytesIO(render.docx(doc)))
    word_text = words(" ".join([p.text for p in word.paragraphs] + [
        c.text for t in word.tables for r in t.rows for c in r.cells]))
    book = load_workbook(io.BytesIO(render.xlsx(doc)))
    cells = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    for text in [*headings, figure, *alts]:
        for name, where in (("page", page), ("pdf", pdf), ("word", word_text)):
            assert words(text) in where, (key, name, text)
    assert figure in cells, (key, "xlsx", figure)


def test_the_demo_shows_the_improving_theme_and_the_team_that_stays_not_yet_good(demo) -> None:  # type: ignore[no-untyped-def]
    period = kinds.Period.quarter(2026, 1)
    themed = kinds.build("monthly", kinds.Context(
        scope=Scope(start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28),
                    theme=trends.IMPROVING_THEME),
        period=kinds.Period.month(dt.date(2026, 2, 1))))
    good = next(b for b in themed.charts() if b.key == "good")
    assert any(p.variation == Variation.IMPROVEMENT for p in good.chart.points)
    quarterly = kinds.build("quarterly", kinds.Context(
        scope=Scope(start=period.start, end=period.end), period=period))
    by_team = next(t for _s, t in quarterly.tables() if t.ident == "by-team")
    stuck = trends.stuck_team()
    assert stuck is not None
    row = next(r for r in by_team.rows if r[0].text == stuck.name)
    assert row[1].n and row[1].value < 0.5  # audited, mostly not yet good
    # Fewest good first, so the areas that need help lead.
    shares = [r[1].value for r in by_team.rows if r[1].n]
    assert shares == sorted(shares)
