"""A senior leader reads the monthly QA and impact report (002): last month's figures with
their counts and intervals, the two-year charts with their text alternatives and the figures
behind them, another month, and one team. axe-core checks every page."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_a_senior_leader_reads_the_monthly_report(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-senior_leader")
    check_page(page)
    # The job's landing page (the monthly report and the complaints and compliments log).
    go(page, "link", "Reports")
    page.locator("main").get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("Reports")
    go(page, "link", "Look at any month's figures now")
    assert page.title().startswith("QA and impact report:")
    main = page.inner_text("main")
    assert "Monthly QA and impact report" in main
    # A figure with its count and interval, and each chart with its text alternative.
    assert re.search(r"\d+% \(\d+ of \d+; 95% interval \d+% to \d+%\)",
                     page.inner_text("#good-or-better"))
    chart = page.locator("#chart-good svg[role=img]")
    assert chart.count() == 1
    alt = chart.locator("title").text_content() or ""
    assert alt.startswith("Audits good or better each month, ")
    assert ("SPC rules find" in alt) or ("common-cause variation" in alt)
    # The figures behind the chart, opened from the keyboard.
    page.locator("#chart-good summary").focus()
    page.keyboard.press("Enter")
    assert page.locator("#chart-good table tbody tr").count() >= 2
    check_page(page)
    if os.environ.get("AUDITLOOP_SCREENSHOTS"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=os.environ["AUDITLOOP_SCREENSHOTS"] + "/report.png", full_page=True)
        page.set_viewport_size({"width": 320, "height": 800})
        page.screenshot(path=os.environ["AUDITLOOP_SCREENSHOTS"] + "/report-320.png",
                        full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    # The month before, then one team's figures.
    go(page, "link", re.compile("^Previous month"))
    assert "month=" in page.url
    team = page.get_by_label("Team", exact=True)
    team.select_option(index=1)
    go(page, "button", "Show the report")
    assert "team=" in page.url
    assert ("No audit was submitted" in page.inner_text("main")
            or page.locator("#good-or-better").count() == 1)


def test_a_practitioner_has_no_reports(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-practitioner")
    assert page.get_by_role("link", name="Reports").count() == 0
    response = page.goto("/reports/monthly/")
    assert response is not None and response.status == 403


def test_a_senior_leader_sees_last_months_headline_on_home(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-senior_leader")
    check_page(page)
    panel = page.locator("#headline")
    assert panel.count() == 1
    heading = page.get_by_role("heading", name=re.compile("^Last month's audits: "))
    assert heading.inner_text() == "Last month's audits: the whole council"
    assert page.inner_text("#headline").startswith("Audits graded in ")
    graded = int(page.inner_text("#headline-graded").split()[0])
    good = page.inner_text("#headline-good")
    assert good == "No audits" if not graded else re.search(
        rf"\d+% \(\d+ of {graded}; 95% interval \d+% to \d+%\)", good)
    chart = page.locator("#headline-chart svg[role=img]")
    if chart.count():
        alt = chart.locator("title").text_content() or ""
        assert alt.startswith("Audits good or better each month, ")
    # The count leads to the audits behind it: a senior leader sees how many, not which.
    go(page, "link", re.compile("audits graded: the audits behind this figure"))
    assert page.inner_text("#drill-count") == (
        f"This figure counts {graded} audit{'' if graded == 1 else 's'}.")
    assert page.locator("#drill-not-listed").count() == 1
    page.go_back()
    go(page, "link", re.compile("^Read the monthly QA and impact report for "))
    assert page.title().startswith("QA and impact report:")
