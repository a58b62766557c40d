"""Every PDF the service makes is tagged to PDF/UA-1 (common.pdf): a structure tree with its
headings and table headers, marked content, the language and the title, and the PDF/UA
identification in its XMP metadata, so that a screen reader can read it."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from auditloop.common.pdf import html_to_pdf
from auditloop.insight import render
from auditloop.insight.document import Document

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>A tagged page</title></head><body><h1>Heading</h1><h2>Part</h2>
<table><thead><tr><th scope="col">Name</th></tr></thead><tbody><tr><td>A</td></tr></tbody>
</table></body></html>"""


def catalog_of(data: bytes) -> Any:
    return PdfReader(io.BytesIO(data)).trailer["/Root"]


def assert_tagged_pdf_ua(data: bytes, title: str) -> None:
    assert data.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert str(catalog["/MarkInfo"]["/Marked"]).lower() == "true"
    assert catalog["/Lang"] == "en-GB"
    assert str(catalog["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    assert reader.metadata.title == title
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp and title in xmp


def roles(node: Any) -> list[str]:
    out: list[str] = []
    kids = node.get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict):
            if "/S" in kid:
                out.append(str(kid["/S"]))
            out.extend(roles(kid))
    return out


def test_a_page_becomes_a_tagged_pdf_ua_with_headings_and_table_headers() -> None:
    data = html_to_pdf(PAGE)
    assert_tagged_pdf_ua(data, "A tagged page")
    found = roles(catalog_of(data)["/StructTreeRoot"].get_object())
    assert [r for r in found if r.startswith("/H")] == ["/H1", "/H2"]
    assert "/Table" in found and "/TH" in found and "/TD" in found


def test_a_reports_pdf_is_tagged_the_same_way() -> None:
    doc = Document(title="Quarterly audit report", period="Q1 2026")
    assert_tagged_pdf_ua(render.pdf(doc), doc.heading)
