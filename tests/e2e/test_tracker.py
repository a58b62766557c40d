"""The QA manager takes the central tracker to the monthly performance meeting (002): she
opens it, finds a team's overdue actions, and downloads them as an Excel workbook. The demo
council's actions (demo/tracker.py) give the tracker its rows. axe-core checks every page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_qa_manager_filters_a_teams_overdue_actions_and_downloads_them(page):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    sign_in(page, "demo-qa_manager")
    check_page(page)
    go(page, "link", "Following up")
    go(page, "link", "Tracker")
    assert page.title().startswith("Tracker: Audited cases")
    assert "audited case" in page.inner_text("#tracker-count")

    # Every outstanding action, overdue ones only: the first row's team is the one to chase.
    go(page, "link", "Outstanding actions")
    page.get_by_label("Overdue actions only").check()
    go(page, "button", "Apply filters")
    assert "overdue=on" in page.url
    first = page.locator("#tracker-table tbody tr").first
    team = first.locator("td").nth(1).inner_text().splitlines()[1].strip()
    page.get_by_label("Team", exact=True).select_option(label=team)
    go(page, "button", "Apply filters")
    # The filters travel as ids: no team's name in the address.
    assert "team=" in page.url and team.replace(" ", "+") not in page.url
    rows = page.locator("#tracker-table tbody tr")
    count = rows.count()
    assert count >= 1
    assert page.locator("#tracker-table", has_text="Overdue by").count() == 1
    # Each action shows its own words, linked to its page: the link names the action.
    links = page.locator("#tracker-table tbody a[href^='/actions/']")
    shown = {}
    for i in range(links.count()):
        match = re.fullmatch(r"/actions/(\d+)/", links.nth(i).get_attribute("href"))
        if match:
            shown[match.group(1)] = links.nth(i).inner_text().strip().rstrip("…").strip()
    assert shown and all(shown.values())

    # The export asks why first (the reason goes in the access log), then makes the file.
    go(page, "link", "Excel workbook (XLSX)")
    assert page.title().startswith("Why are you exporting this?")
    page.get_by_label("Why are you exporting this?").fill("Monthly performance meeting")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export", exact=True).click()
    assert re.fullmatch(r"audit-tracker-actions-\d{4}-\d{2}-\d{2}\.xlsx",
                        download.value.suggested_filename)
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    # The sheet ends with a blank row and then who exported it and when.
    assert rows[-2] == [None] * len(header)
    assert str(rows[-1][0]).startswith("Exported by ")
    lines = [dict(zip(header, r, strict=True)) for r in rows[:-2]]
    exported = {str(line["Action"]): str(line["What will be done"]) for line in lines}
    assert set(exported) >= set(shown)
    assert all(exported[pk].startswith(words) for pk, words in shown.items())
    assert all(line["Team"] == team and line["Days overdue"] for line in lines)

    # Back from the question to the tracker, filters kept; the same filters on the audited
    # cases' view.
    go(page, "link", "Back")
    assert "/tracker/actions/" in page.url and "team=" in page.url and "overdue=1" in page.url
    assert page.locator("#tracker-table tbody tr").count() == count
    go(page, "link", "Audited cases")
    assert "team=" in page.url and "overdue=1" in page.url
    assert page.locator("#tracker-table tbody tr").count() >= 1


def test_the_whole_tracker_is_made_by_the_worker_and_downloaded_when_ready(page):  # type: ignore[no-untyped-def]
    """The whole tracker is larger than an export made while she waits (the browser tests'
    server sets TRACKER_EXPORT_INLINE_ROWS to 100): the background worker makes it, and
    its own page says so, then offers the file."""
    from openpyxl import load_workbook

    sign_in(page, "demo-qa_manager")
    go(page, "link", "Following up")
    go(page, "link", "Tracker")
    go(page, "link", "Excel workbook (XLSX)")
    page.get_by_label("Why are you exporting this?").fill("Annual review of the tracker")
    page.get_by_role("button", name="Export", exact=True).click()
    page.wait_for_load_state()
    assert re.search(r"/tracker/exports/\d+/$", page.url)
    assert page.title().startswith("Tracker export")
    check_page(page)
    # The page asks for itself again until the worker has made the file.
    page.get_by_text("Your export is ready").wait_for(timeout=60_000)
    check_page(page)
    link = page.get_by_role("link", name=re.compile(r"^Download audited cases"))
    rows = int(re.search(r"([\d,]+) rows?\)", link.inner_text()).group(1).replace(",", ""))
    assert rows > 100
    with page.expect_download() as download:
        link.click()
    assert re.fullmatch(r"audit-tracker-cases-\d{4}-\d{2}-\d{2}\.xlsx",
                        download.value.suggested_filename)
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(lines) == rows + 2  # the rows, a blank row, then who exported it and when
    assert str(lines[-1][0]).startswith("Exported by ")
    go(page, "link", "Back to the tracker")
    assert page.title().startswith("Tracker: Audited cases")
