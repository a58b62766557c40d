"""The QA manager runs a month in the browser, end to end, on the demo council (framework
002): create the cycle, propose the cases, re-run the draw, swap a case, confirm, allocate
(overriding one case to audit it herself), send the notices, complete and submit that audit
on the auditor's pages, hold the review of the audits, and export the case notes. axe-core
checks every page.

The session's database is shared with other browser tests, so nothing here assumes it is
fresh: the cycle is made in a year and month nobody uses.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e

# Answers every question of whatever section is on the page: the first choice of each group
# of radios or checkboxes, a date, a number, and a sentence of evidence. The audit's own
# browser tests check the answers; this one needs an audit submitted.
FILL = """() => {
  const by = (sel) => {
    const g = {};
    for (const e of document.querySelectorAll(sel)) (g[e.name] ||= []).push(e);
    return Object.values(g);
  };
  for (const rs of by('main form input[type=radio]'))
    if (!rs.some(r => r.checked)) rs[0].checked = true;
  for (const cs of by('main form input[type=checkbox]'))
    if (cs.length > 1 && !cs.some(c => c.checked)) cs[0].checked = true;
  for (const t of document.querySelectorAll('main form textarea'))
    if (!t.value) t.value = 'Seen on the file: the plan is reviewed and the child is seen.';
  for (const i of document.querySelectorAll('main form input[type=text]')) {
    if (i.value) continue;
    if (i.name.endsWith('-day')) i.value = '10';
    else if (i.name.endsWith('-month')) i.value = '6';
    else if (i.name.endsWith('-year')) i.value = '2026';
    else if (i.getAttribute('inputmode') === 'numeric') i.value = '60';
    else i.value = 'Seen';
  }
}"""


def click(page: Any, role: str, name: str | re.Pattern[str], *, check: bool = True) -> None:
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state()
    if check:
        check_page(page)


def create_cycle(page: Any) -> str:
    """A monthly cycle in a year no one uses; the page refuses a month already made."""
    for year in range(2041, 2060):
        page.goto("/programme/new")
        check_page(page)
        page.get_by_label("Year").fill(str(year))
        page.get_by_label("Cycle number").fill("3")
        click(page, "button", "Create the cycle")
        if "There is already a cycle" not in page.inner_text("main"):
            return page.url
    raise AssertionError("No free year for the cycle")


def complete_audit(page: Any) -> None:
    """As its auditor: every section, the overall grade, then submit."""
    page.locator("main a.govuk-task-list__link").first.click()
    for _ in range(40):
        page.wait_for_load_state()
        if "/check" in page.url:
            break
        check_page(page)
        page.evaluate(FILL)
        page.locator("main form button.govuk-button[type=submit]",
                     has_text="continue").first.click()
    check_page(page)
    assert "still to do" not in page.inner_text("main")
    click(page, "button", "Submit the audit")
    assert "Audit submitted" in page.inner_text("main")


def test_qa_manager_runs_a_month(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    me = page.inner_text(".app-header__user").strip()
    check_page(page)
    click(page, "link", "Running the month")  # the QA manager's navigation, by job
    click(page, "link", "Audit cycle")
    assert page.title().startswith("Audit cycles")

    cycle_url = create_cycle(page)
    assert "March 20" in page.inner_text("h1")

    # Propose: the framework (002) has no sample size, so the QA manager says how many.
    click(page, "link", "Choose the cases")
    page.get_by_label("How many cases to choose at random").fill("2")
    page.get_by_label("Locality: from across the county").check()
    click(page, "button", "Propose cases")
    main = page.inner_text("main")
    assert "Cases proposed" in main and main.count("Chosen at random (") == 2

    click(page, "link", "Re-run the draw")
    assert "The same cases" in page.inner_text("main")
    page.goto(cycle_url)
    check_page(page)

    # Swap the first case for the next in the draw, with the reason on record.
    click(page, "link", re.compile("^Swap or take off"))
    page.get_by_label("Swap it for the next case in the draw").check()
    page.get_by_label("Why").fill("A court hearing this month")
    click(page, "button", "Save")
    assert "has been swapped for" in page.inner_text("main")
    assert "A court hearing this month" in page.inner_text("main")

    click(page, "button", "Confirm the cases")
    assert "The cases are confirmed" in page.inner_text("main")

    # Allocate: the solver proposes; the QA manager takes the first case herself. She may not
    # be trained, so the override needs her reason, which is recorded.
    click(page, "link", "Allocate auditors")
    click(page, "button", "Propose auditors")
    click(page, "link", re.compile("^Change"))
    for box in page.locator("input[name=auditors]:checked").all():
        box.uncheck()
    page.get_by_label(re.compile("^" + re.escape(me))).check()
    page.get_by_label("Reason").fill("The QA manager audits this case herself this month")
    click(page, "button", "Save")
    assert "have been changed" in page.inner_text("main")
    if page.get_by_label("Leave cases with no auditor out of this cycle").count():
        page.get_by_label("Leave cases with no auditor out of this cycle").check()
    click(page, "button", "Confirm the allocation")
    assert "audits have been made" in page.inner_text("main")

    # Notices: sent by the background worker; the page shows when they have gone.
    click(page, "link", "Send notices")
    click(page, "button", "Send the notices", check=False)
    page.locator("#notices-status:not([hx-get])").wait_for(timeout=60_000)
    check_page(page)
    assert page.locator(".notice-status", has_text="Sent").count() == 2

    # The audit, done on the auditor's pages.
    page.goto("/programme/my-audits")
    check_page(page)
    link = page.locator("main table a").first
    reference = link.inner_text().strip()
    link.click()
    page.wait_for_load_state()
    check_page(page)
    complete_audit(page)

    # The review of the month's audits (002 has no QA meeting: the same steps run here).
    page.goto(cycle_url)
    check_page(page)
    click(page, "link", "Review the audits")
    click(page, "button", re.compile("^Add 1 submitted audit"))
    click(page, "link", re.compile("^Minutes"))
    page.get_by_label("Impact: is the child better off?").fill("Yes: the child is safer")
    page.get_by_label("How the child's needs were met").fill("Through the plan")
    page.get_by_label("Strengths").fill("The child's voice is heard")
    page.get_by_label("Areas for development").fill("Update the chronology")
    page.get_by_label("The case has been discussed").check()
    click(page, "button", "Save the minutes")
    assert "Discussed" in page.inner_text("main")
    page.get_by_label("The month's prevalent issue").fill("Neglect")
    click(page, "button", "Save")
    # Audits of the month not submitted yet: the review is done knowingly.
    still_open = page.get_by_label(re.compile("^Mark the review done with"))
    if still_open.count():
        still_open.check()
    click(page, "button", "The review is done")
    assert "case notes are ready" in page.inner_text("main")

    # The case notes for the case management system, on the page and as CSV.
    click(page, "link", "Export the case notes")
    assert reference in page.inner_text("main")
    click(page, "link", re.compile("download them all"))
    assert "Why are you exporting this?" in page.inner_text("main")
    page.get_by_label("Why are you exporting this?").fill("For the case management system")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export", exact=True).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Case reference", "Date", "Title"]
    assert rows[1][0] == reference and rows[1][2] == "Quality assurance audit"
    assert rows[1][3].startswith("This case was audited on")
