"""The QA manager closes the loop in the browser on the demo council (framework 002, with
its history and demo/loop.py): opens the revisits due, starts one, reads the theme's loop
view (before and after, with the audits as evidence), plans a learning session for last
month's audits and records it, with who came and what was co-produced. axe-core checks
every page.

The session's database is shared with other browser tests: nothing assumes it is fresh.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e


def click(page: Any, role: str, name: str | re.Pattern[str], *, check: bool = True) -> None:
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state()
    if check:
        check_page(page)


def test_qa_manager_closes_the_loop(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    check_page(page)
    # The home page says a revisit is due; the navigation leads to the loop.
    assert re.search(r"revisits? of an audited theme due", page.inner_text("main"))
    click(page, "link", "Following up")  # the QA manager's navigation, by job
    click(page, "link", "Closing the loop")
    assert page.title().startswith("Closing the loop")
    click(page, "link", "Revisits due")
    main = page.inner_text("main")
    assert "Due now" in main

    # Start the first revisit due: its audits go to the next monthly cycle's list.
    page.locator("main table").first.locator("tbody a").first.click()
    page.wait_for_load_state()
    check_page(page)
    theme = page.inner_text("h1").strip()
    assert "Cases it will revisit" in page.inner_text("main")
    click(page, "button", "Start the revisit")
    main = page.inner_text("main")
    assert "is started" in main and "Revisit audits planned" in main
    assert "Cases revisited" in main

    # The theme's loop view: the revisit, and the same cases before and after.
    click(page, "link", re.compile(f"^Did practice on {re.escape(theme)} move"))
    assert page.inner_text("h1").strip() == theme
    assert "Cases compared" in page.inner_text("main")

    # A theme revisited last month (the demo's) shows improved, the same or worse.
    click(page, "link", "Following up")  # the QA manager's navigation, by job
    click(page, "link", "Closing the loop")
    rows = page.locator("main table tbody tr")
    compared = [i for i in range(rows.count())
                if rows.nth(i).locator("td").nth(2).inner_text().strip() not in ("0", "")]
    assert compared, "the demo's revisited theme should have cases compared"
    rows.nth(compared[0]).locator("a").first.click()
    page.wait_for_load_state()
    check_page(page)
    assert re.search(r"\d+ improved, \d+ the same, \d+ worse", page.inner_text("main"))
    assert page.locator("main a[href^='/audits/']").count() >= 2  # the evidence

    # A reflective learning session today, on last month's audits, then its record.
    page.goto("/programme/learning/")
    check_page(page)
    click(page, "link", "Plan a session")
    page.get_by_label("Reflective audit learning session").check()
    page.get_by_label("Place").fill("Training room, the Town Hall")
    # One session of a kind a day: a day the demo (or an earlier run) has none.
    for days in range(14):
        page.get_by_label("Date").fill((dt.date.today() + dt.timedelta(days=days)).isoformat())
        click(page, "button", "Plan the session and send the invitations")
        main = page.inner_text("main")
        if "There is already" not in main:
            break
        check_page(page)
    assert "The session is planned" in main
    assert "Key worker of an audited case" in main

    click(page, "link", "Record the session")
    page.get_by_label("Summary of audit outcomes").fill("Plans were clearer this month")
    page.get_by_label("Good practice observed").fill("The child's words in the plan")
    page.get_by_label("Insight from those who were audited").fill("The conversation helped")
    click(page, "button", "Save the record")
    assert "Plans were clearer this month" in page.inner_text("main")

    page.get_by_label("Practice improvement activity co-produced").fill(
        "Each team holds a chronology workshop next quarter")
    click(page, "button", "Add the activity")
    assert "chronology workshop" in page.inner_text("main")

    page.locator("main input[name=attended]").first.check()
    click(page, "button", "Save who came")
    assert "Attendance saved: 1 came" in page.inner_text("main")

    click(page, "link", re.compile("^Keep as a finding"))
    page.get_by_label("Training need").check()
    click(page, "button", "Save the finding")
    assert "Kept as a finding" in page.inner_text("main")
