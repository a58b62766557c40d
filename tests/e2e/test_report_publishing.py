"""The QA manager makes last month's QA and impact report from the reports due, waits for
the worker, writes the commentary, chooses a quote, publishes it and downloads the PDF; a
senior leader then finds it on their home page. axe-core checks every page."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def wait_until_made(page) -> None:  # type: ignore[no-untyped-def]
    """The page polls the worker every 2 seconds and shows the downloads when ready."""
    page.locator("#downloads").wait_for(timeout=120_000)


def test_the_qa_manager_publishes_the_monthly_report(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    check_page(page)
    due = page.get_by_role("link", name=re.compile(r"^Due: Quality Assurance and Impact "
                                                   r"report for "))
    assert due.count() == 1
    go(page, "link", re.compile(r"^Due: Quality Assurance and Impact report"))
    assert page.title().startswith("Reports – ")
    go(page, "button", re.compile(r"^Make it ?: Quality Assurance and Impact report"))
    assert "/reports/" in page.url
    wait_until_made(page)
    check_page(page)
    main = page.inner_text("main")
    assert "Monthly QA and impact report" in main and "Draft" in main
    assert re.search(r"\d+% \(\d+ of \d+; 95% interval \d+% to \d+%\)", main)

    go(page, "link", "Write the commentary and recommendations")
    page.get_by_label("Commentary").fill("Plans were clearer this month.")
    page.get_by_label("Recommendations").fill("Review contingency planning in every team")
    go(page, "button", "Save")
    wait_until_made(page)
    assert "Plans were clearer this month." in page.inner_text("main")

    go(page, "link", "Choose quotes from the auditors' evidence")
    add = page.get_by_role("button", name=re.compile(r"^Add the quote"))
    if add.count():
        text = page.locator("textarea").first
        text.fill(" ".join((text.input_value() or "").split()[:12]))
        go(page, "button", re.compile(r"^Add the quote"))
        assert "The quote is added to the report." in page.inner_text("main")
    go(page, "link", "Back to the report")
    wait_until_made(page)

    go(page, "button", "Publish the report")
    assert "The report is published" in page.inner_text("main")
    assert page.inner_text("#report-status") == "Published"
    wait_until_made(page)
    check_page(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^PDF")).click()
    assert download.value.suggested_filename.startswith("monthly-qa-and-impact-report-")
    if os.environ.get("AUDITLOOP_SCREENSHOTS"):
        page.screenshot(path=os.environ["AUDITLOOP_SCREENSHOTS"] + "/published.png",
                        full_page=True)

    # A senior leader reads it from their home page.
    page.context.clear_cookies()
    sign_in(page, "demo-senior_leader")
    go(page, "link", re.compile(r"^Published: Monthly QA and impact report"))
    assert "Plans were clearer this month." in page.inner_text("main")
    assert page.get_by_role("link", name="Write the commentary and recommendations").count() \
        == 0
