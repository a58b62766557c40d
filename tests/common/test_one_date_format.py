"""Dates are written one way everywhere people read them: "6 December 2026", never "06/12/26"
or "06/12/2026". The QA manager, who may open nearly every page, opens every page of the role
matrix's world (another role opens the few they may not); the audit's PDF, Word document and
case note are read too.

Machine-readable files (CSV, XLSX cells) may carry ISO 8601 dates; typed dates may still be
entered in many ways. Neither is checked here.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from auditloop.audits import exports
from auditloop.audits.models import Audit
from auditloop.people.roles import Role
from tests.common import test_role_matrix as matrix
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
SLASHED_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
world = matrix.world


class _Shown(HTMLParser):
    """The words a person sees: text outside scripts and styles, and the values of fields."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        if tag in ("input", "textarea") and values.get("type") != "hidden":
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return " ".join(parser.parts)


def slashed(text: str) -> list[str]:
    found = []
    for match in SLASHED_DATE.finditer(text):
        found.append(text[max(0, match.start() - 40):match.end() + 20].replace("\n", " "))
    return found


def test_no_page_shows_a_slashed_date(world):  # type: ignore[no-untyped-def]
    """Every page of the role matrix, as the QA manager where they may open it, otherwise as
    the first role that may (the information governance pages, a practitioner's own)."""
    clients: dict[Role, Client] = {}

    def client_as(role: Role) -> Client:
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(PersonFactory(roles=[role]).user)
        return clients[role]

    opened, wrong = 0, {}
    for name, (method, allowed) in sorted(matrix.EXPECTED.items()):
        if method != "get" or not allowed:
            continue
        role = Role.QA_MANAGER if Role.QA_MANAGER in allowed else min(allowed)
        response = client_as(role).get(reverse(name, kwargs=world.get(name)))
        if not response["Content-Type"].startswith("text/html"):
            continue
        opened += 1
        if found := slashed(shown_text(response.content.decode())):
            wrong[name] = found
    assert opened > 100
    assert not wrong, wrong


def test_the_audit_pdf_word_and_case_note_show_no_slashed_date(world):  # type: ignore[no-untyped-def]
    from docx import Document
    from pypdf import PdfReader

    audit = Audit.objects.filter(submitted_at__isnull=False).first()
    assert audit is not None
    doc = exports.audit_document(audit)
    pdf = PdfReader(io.BytesIO(exports.render_pdf(doc)))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    word = Document(io.BytesIO(exports.render_docx(doc)))
    word_text = "\n".join([p.text for p in word.paragraphs] + [
        c.text for t in word.tables for row in t.rows for c in row.cells])
    note = exports.case_note(audit)
    assert doc.submitted_on and doc.submitted_on in pdf_text
    for text in (pdf_text, word_text, note.text):
        assert not slashed(text), slashed(text)
    assert re.search(r"audited on \d{1,2} [A-Z][a-z]+ \d{4}", note.text), note.text


def test_the_check_finds_the_old_formats_in_text_and_fields() -> None:
    assert slashed(shown_text("<p>This case was audited on 13/11/17.</p>"))
    assert slashed(shown_text('<input name="start" value="01/11/2026">'))
    assert slashed(shown_text('<div class="govuk-hint">For example, 1/11/2026</div>'))
    assert not slashed(shown_text('<p>6 December 2026</p><a href="/a/1/2/2026/">x</a>'))
