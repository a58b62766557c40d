"""A moderator's review in the browser, on the demo council (framework 002): sign in as the
demo moderator, open the blind review waiting for them, grade it without seeing the auditor's
grades, see both side by side, then change the overall grade with a reason. axe-core checks
every page.

Needs the demo council's moderation (auditloop.demo.moderation.build), which the demo
command runs after the audit history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e

# The overall grade: change it to the first grade that is not the auditor's.
CHANGE_OVERALL = """() => {
  const card = [...document.querySelectorAll('main .govuk-summary-card')].pop();
  const theirs = [...card.querySelectorAll('.govuk-summary-list__row')]
    .find(r => r.innerText.includes("Auditor's grade"))
    .querySelector('dd').innerText.trim();
  card.querySelector('input[value=no]').checked = true;
  for (const r of card.querySelectorAll('input[name^="grade-"]')) {
    const label = card.querySelector(`label[for="${r.id}"]`).innerText.trim();
    if (label !== theirs) { r.checked = true; break; }
  }
  card.querySelector('textarea').value = 'The plan is drifting: less impact than the audit says.';
}"""


def test_a_moderator_grades_blind_then_changes_the_grade(page: Any) -> None:
    sign_in(page, "demo-moderator")  # the demo council's moderator sign-in
    check_page(page)
    # Moderation is one of the pages for running the month.
    page.get_by_role("link", name="Running the month", exact=True).first.click()
    page.wait_for_load_state()
    check_page(page)
    page.get_by_role("link", name="Moderation", exact=True).first.click()
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("My moderation")

    # Blind reviews come first.
    row = page.locator("main table tbody tr", has_text="Grading blind").first
    row.get_by_role("link").click()
    page.wait_for_load_state()
    check_page(page)
    main = page.inner_text("main")
    assert "Period under review" in main and "Auditor's grade" not in main

    # Grade every section and the overall grade: the second grade of each scale.
    page.evaluate("""() => {
      const groups = {};
      for (const r of document.querySelectorAll('main form input[type=radio]'))
        (groups[r.name] ||= []).push(r);
      for (const rs of Object.values(groups)) rs[Math.min(1, rs.length - 1)].checked = true;
    }""")
    page.get_by_label("Your evidence for the overall grade (optional)").fill(
        "The plan is reviewed but the child's voice is thin.")
    page.get_by_role("button", name="Save my grades and see the auditor's").click()
    page.wait_for_load_state()
    check_page(page)
    main = page.inner_text("main")
    assert "Your grades are saved" in main and "Auditor's grade" in main

    # Agree with every section, change the overall grade with a reason.
    for radio in page.locator("main input[type=radio][value=yes]").all():
        radio.check()
    page.evaluate(CHANGE_OVERALL)
    page.get_by_role("button", name="Complete the moderation").click()
    page.wait_for_load_state()
    check_page(page)
    assert "The moderation of this audit is complete" in page.inner_text("main")

    done = page.locator("main table tbody tr", has_text="Completed").first
    done.get_by_role("link").click()
    page.wait_for_load_state()
    check_page(page)
    assert "Changed to" in page.inner_text("main")

    page.goto("/moderation/agreement/")
    check_page(page)
    assert "Kappa" in page.inner_text("main")
    page.goto("/moderation/calibration/")
    check_page(page)


def test_the_qa_manager_reads_the_samples_and_the_figures(page: Any) -> None:
    sign_in(page, "demo-qa_manager")
    page.goto("/moderation/")
    check_page(page)
    # The status cell reads exactly "Drawn" ("Not drawn" would match a plain has_text, and
    # another test's new cycle, with no sample yet, lists first).
    drawn = page.locator("main table tbody tr").filter(
        has=page.locator("td", has_text=re.compile(r"^\s*Drawn\s*$")))
    assert drawn.count() >= 11  # a year of the demo council's cycles
    for i in range(2):  # one sample the panel met for, one moderated one by one
        page.goto("/moderation/")
        drawn.nth(i).get_by_role("link").click()
        page.wait_for_load_state()
        check_page(page)
        assert "Audits in the sample" in page.inner_text("main")
        meeting = page.get_by_role("link", name="The panel's meeting")
        if meeting.count():
            meeting.click()
            page.wait_for_load_state()
            check_page(page)
            assert "Agenda" in page.inner_text("main")
    page.goto("/moderation/agreement/")
    check_page(page)
    assert "By auditor" in page.inner_text("main")
    page.goto("/moderation/auditors/")
    check_page(page)
    page.locator("main table tbody tr th a").first.click()
    page.wait_for_load_state()
    check_page(page)
    assert "Auditor's record" in page.inner_text("main")
    page.goto("/moderation/calibration/")
    check_page(page)
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    check_page(page)
    page.get_by_role("link", name="See how everyone graded it").click()
    page.wait_for_load_state()
    check_page(page)
    assert "Most given" in page.inner_text("main")
    page.get_by_role("link", name="Set the panel's agreed grades").click()
    page.wait_for_load_state()
    check_page(page)
