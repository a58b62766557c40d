"""Every PDF the service makes, made one way: tagged to PDF/UA-1 so that a screen reader
finds the headings, the tables and the reading order, and fetching nothing.

The page given must say its language (`<html lang="en-GB">`) and carry a `<title>`: WeasyPrint
writes them into the PDF's catalogue and metadata, where PDF/UA asks for them.
"""

from __future__ import annotations

from typing import Any

# WeasyPrint's name for PDF/UA-1 (ISO 14289-1): tags the PDF (a structure tree built from
# the HTML's headings, lists and tables, marked content) and says so in its XMP metadata.
PDF_VARIANT = "pdf/ua-1"


def _show_the_title(document: Any, pdf: Any) -> None:
    """PDF/UA-1 (7.1) asks a reader's window to show the document's title, not its file
    name."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})


def html_to_pdf(html: str) -> bytes:
    """The standalone page `html` (inline styles and SVG, system fonts) as a tagged PDF."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The page carries everything it shows: nothing is fetched, from the network or from
    # the disk.
    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf(
        pdf_variant=PDF_VARIANT, finisher=_show_the_title))
