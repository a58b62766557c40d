"""`auditloop report`: any report from the command line, in each format, with clear
messages for a wrong period, report or area."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document as WordDocument
from openpyxl import load_workbook

from auditloop.audits.models import Audit
from tests.factories import CaseFactory, TeamFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def march():  # type: ignore[no-untyped-def]
    team = TeamFactory(name="North")
    for grade in ("good", "inadequate", "good"):
        audit = finish_audit(make_audit(case=CaseFactory(team=team)), grade=grade)
        Audit.objects.filter(pk=audit.pk).update(submitted_at=timezone.make_aware(
            dt.datetime(2026, 3, 10, 11)))
    return team


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_each_format_is_written_where_asked(march, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "m.pdf"
    said = run("monthly", "--period", "2026-03", "--format", "pdf", "--output", str(pdf))
    assert "Monthly QA and impact report, March 2026: written to" in said
    assert pdf.read_bytes().startswith(b"%PDF")
    word = tmp_path / "m.docx"
    run("monthly", "--period", "2026-03", "--format", "docx", "--output", str(word))
    text = "\n".join(p.text for p in WordDocument(str(word)).paragraphs)
    assert "Monthly QA and impact report" in text
    book = tmp_path / "m.xlsx"
    run("monthly", "--period", "2026-03", "--format", "xlsx", "--output", str(book))
    sheet = load_workbook(book)["Figures"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(row[1] == "Good or better" and row[3] == 2 and row[4] == 3 for row in values)


def test_a_teams_report_names_its_team_and_wrong_input_says_what_to_do(
        march, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    said = run("team", "--period", "2026-03", "--team", "north", "--format", "html")
    assert "team-report-march-2026.html" in said
    assert "North" in (tmp_path / "team-report-march-2026.html").read_text()
    with pytest.raises(CommandError, match="give the team with --team"):
        run("team", "--period", "2026-03")
    with pytest.raises(CommandError, match="no team called 'South'"):
        run("team", "--period", "2026-03", "--team", "South")
    with pytest.raises(CommandError, match="for example 2026-Q1"):
        run("quarterly", "--period", "2026-03")
    with pytest.raises(CommandError, match="There is no report called 'weekly'"):
        run("weekly")
    listed = run("--list")
    assert "quarterly" in listed and "annual" in listed and "needs --team" in listed
