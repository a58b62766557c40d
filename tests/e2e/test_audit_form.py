"""The audit form in the browser. The auditor reads each grade's definition under its radio
button and never a "Not from the seed" warning; the QA manager picks a person from a long
staff list by typing part of the name (the GOV.UK accessible autocomplete) with the keyboard
alone, and the choice is saved. axe-core checks every page, the open menu included.

The server is shared with the other browser tests: the audit this test makes is its own, and
the action it adds goes on a plan that no other browser test counts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in
from tests.e2e.test_auditor_pair import candidate_references, full_name, new_page

pytestmark = pytest.mark.e2e
CAF = "Tier 2 (full) case file audit toolkit (CAF)"
SEED_WARNING = re.compile(r"not from (the|its) seed", re.IGNORECASE)
PLAN = "Management oversight on Early Help files"


def shoot(target: Any, name: str) -> None:
    shots = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if shots:
        target.screenshot(path=f"{shots}/{name}.png")


def no_seed_warning(page: Any) -> None:
    check_page(page)
    assert not SEED_WARNING.search(page.inner_text("body")), page.url


def choose_auditor(page: Any, field_id: str, name: str) -> None:
    """The auditor list is a drop-down, or an autocomplete once it is long."""
    select = page.locator(f"select#{field_id}")
    if select.count():
        label = next(o for o in select.locator("option").all_inner_texts()
                     if o == name or o.startswith(f"{name}, "))
        select.select_option(label=label)
    else:
        page.locator(f"#{field_id}").fill(name)
        page.locator(f"#{field_id}__listbox li").first.click()


def create_audit(page: Any, auditor: str) -> str:
    due = dt.date.today() + dt.timedelta(days=60)
    for ref in candidate_references(page):
        page.goto("/audits/new")
        check_page(page)
        page.get_by_label("Case reference").fill(ref)
        page.get_by_label(re.compile(f"^{re.escape(CAF)}")).check()
        choose_auditor(page, "id_first_auditor", auditor)
        page.get_by_label("Day").fill(str(due.day))
        page.get_by_label("Month").fill(str(due.month))
        page.get_by_label("Year").fill(str(due.year))
        page.get_by_label("Why is this case being audited?").fill(
            "Requested by the service manager: a one-off audit")
        page.get_by_role("button", name="Create the audit").click()
        page.wait_for_load_state()
        check_page(page)
        if "Audit created" in page.inner_text("main"):
            return str(page.url)
        assert "so cannot audit it" in page.inner_text(".govuk-error-summary")
    raise AssertionError("no case the auditor was never involved with")


def test_grade_definitions_for_the_auditor_and_a_staff_autocomplete(browser, live_service):  # type: ignore[no-untyped-def]
    auditor = new_page(browser, live_service)
    sign_in(auditor, "demo-auditor")
    qa = new_page(browser, live_service)
    sign_in(qa, "demo-qa_manager")
    audit_url = create_audit(qa, full_name(auditor))

    # The auditor: their audits, the audit, a graded section of the CAF toolkit (003).
    auditor.goto("/audits/")
    no_seed_warning(auditor)
    auditor.goto(audit_url)
    no_seed_warning(auditor)
    auditor.locator(".govuk-task-list__link", has_text="Child And Family Assessment").click()
    auditor.wait_for_load_state()
    no_seed_warning(auditor)
    grade = auditor.locator("[data-field='assessment.0.__grade__']")
    assert "Case File Grading: each grade's definition is under it." in grade.inner_text()
    for label, definition in [
        ("Outstanding", "In addition to meeting the requirements of a 'good' judgement"),
        ("Requires Improvement", "The case file is not yet at a Good standard"),
        ("Inadequate", "The record does not demonstrate a suitable level of assurance."),
    ]:
        radio = grade.get_by_role("radio", name=label, exact=True)
        # The definition is the radio's hint: shown under it and read out with it.
        hint = auditor.locator(f"[id='{radio.get_attribute('aria-describedby')}']")
        assert hint.is_visible() and hint.inner_text().startswith(definition)
    grade.scroll_into_view_if_needed()
    shoot(grade, "audit-form-grade-definitions")
    # Sections drafted for the council (003's "Each child in the family") carry no warning.
    auditor.goto(audit_url)
    drafted = auditor.locator(".govuk-task-list__link", has_text="Each child in the family")
    if drafted.count():
        drafted.click()
        auditor.wait_for_load_state()
        no_seed_warning(auditor)
    auditor.goto(audit_url)
    auditor.get_by_role("link", name="Check your answers and submit").click()
    auditor.wait_for_load_state()
    no_seed_warning(auditor)

    # The QA manager adds an action to a plan and picks its owner by typing.
    qa.goto("/actions/plans/")
    qa.get_by_role("link", name=PLAN).click()
    qa.get_by_role("link", name="Add an action").click()
    qa.wait_for_load_state()
    check_page(qa)
    # The drop-down is still in the page (the form posts it), hidden behind the text box.
    assert qa.locator("select[name=owner]").count() == 1
    assert not qa.locator("select[name=owner]").is_visible()
    form = qa.locator("main form")
    form.get_by_label("Issue", exact=True).fill("Supervision notes do not name the child")
    form.get_by_label("Action", exact=True).fill("Team managers name the child in every note")
    form.get_by_label("By whom").fill("Early Help team managers")
    owner = form.get_by_role("combobox", name="Owner")
    owner.fill("")
    owner.press_sequentially("fox", delay=50)
    menu = qa.locator("#id_owner__listbox")
    menu.locator("li").first.wait_for()
    names = menu.locator("li").all_inner_texts()
    assert len(names) >= 2 and all("fox" in n.lower() for n in names), names
    check_page(qa)  # the open menu too
    qa.keyboard.press("ArrowDown")  # from the first name to the next (focus moves to it)
    assert menu.is_visible()
    shots = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if shots:  # the field and its open menu, which hangs below the field
        group = owner.locator("xpath=ancestor::div[contains(@class, 'govuk-form-group')][1]")
        group.evaluate("el => el.scrollIntoView({block: 'center'})")
        box = group.bounding_box()
        qa.screenshot(path=f"{shots}/staff-autocomplete-open.png",
                      clip={"x": box["x"] - 10, "y": box["y"] - 10,
                            "width": box["width"] + 20, "height": box["height"] + 140})
    qa.keyboard.press("Enter")
    chosen = owner.input_value()
    assert chosen in names and chosen != names[0]  # the arrow moved past the first
    assert qa.locator("select[name=owner] option:checked").inner_text() == chosen
    form.get_by_label("By when").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
    form.get_by_label("Desired outcome").fill("Every supervision note names the child")
    form.get_by_label("How will we know the plan has worked?").fill(
        "The next audit finds the child named in 9 of 10 notes")
    qa.get_by_role("button", name="Add the action").click()
    qa.wait_for_load_state()
    check_page(qa)
    row = qa.locator("main table tbody tr", has_text="Team managers name the child")
    assert chosen.split(",")[0] in row.inner_text()
