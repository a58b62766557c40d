"""Observations of practice (002) in the browser: the demo team manager plans an observation
of the demo practitioner (who is due their second this year), observes it and records it
with its tool; the practitioner reads it and replies, and the team manager reads the reply.
The year's compliance, the half-year summary, Practice Week, the tools and the ASYE years for
the QA manager; compliance for the team manager. axe-core checks every page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.conftest import check_page, go, new_page, screenshot, sign_in

pytestmark = pytest.mark.e2e






def test_a_team_manager_plans_and_records_an_observation_and_the_practitioner_replies(  # type: ignore[no-untyped-def]
        browser, live_service):
    practitioner = new_page(browser, live_service)
    sign_in(practitioner, "demo-practitioner")
    observed = practitioner.locator(".app-header__user").inner_text().strip()

    manager = new_page(browser, live_service)
    sign_in(manager, "demo-team_manager")
    me = manager.locator(".app-header__user").inner_text().strip()
    manager.goto("/practice/observations/")
    check_page(manager)
    assert manager.inner_text("h1") == "Observations of practice"
    go(manager, "link", "Plan an observation")
    go(manager, "button", "Plan the observation")  # nothing chosen: the errors, checked
    assert "Choose whose practice is observed." in manager.inner_text("main")
    whose = manager.get_by_label("Whose practice is observed")
    whose.select_option(label=next(o for o in whose.locator("option").all_inner_texts()
                                   if o.startswith(observed + ",")))
    manager.get_by_label("Observer", exact=True).select_option(label=me)
    manager.get_by_label("Direct work with a child, young person or family").check()
    manager.get_by_label("Twice-yearly observation").check()
    today = dt.date.today()
    manager.get_by_label("Date", exact=True).fill(today.isoformat())
    go(manager, "button", "Plan the observation")
    assert "Observation planned." in manager.inner_text("main")
    assert "Planned" in manager.locator("main .govuk-tag").first.inner_text()
    detail = manager.url

    go(manager, "link", "Record the observation")
    go(manager, "button", "Save the observation")  # nothing answered: the errors, checked
    assert "There is a problem" in manager.inner_text("main")
    for group in manager.locator("main form fieldset").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.nth(radios.count() - 2).check()  # 3 of 4, or "Yes"
    manager.get_by_label("Strengths", exact=True).fill(
        "The child led the conversation; the plan was explained in plain words.")
    manager.get_by_label("Areas to develop", exact=True).fill(
        "Record the child's own words.")
    manager.get_by_label("Feedback given", exact=True).fill("Talked it through afterwards.")
    manager.get_by_label("Voice of the child").check()
    go(manager, "button", "Save the observation")
    assert "Observation recorded." in manager.inner_text("main")
    main = manager.inner_text("main")
    assert "Observation of direct work with a child" in main  # the tool's answers
    assert "3 of 4" in main and "No reply from the person observed yet." in main
    screenshot(manager, "observation-recorded")

    practitioner.goto("/")
    check_page(practitioner)
    practitioner.goto(detail)
    check_page(practitioner)
    assert "The child led the conversation" in practitioner.inner_text("main")
    go(practitioner, "button", "Send your reply")  # empty: the error, checked by axe
    assert "Write your reply." in practitioner.inner_text("main")
    practitioner.get_by_label("Your reply").fill("Thank you: I will write down her words.")
    go(practitioner, "button", "Send your reply")
    assert "Reply sent." in practitioner.inner_text("main")
    assert practitioner.get_by_role("button", name="Send your reply").count() == 0

    manager.goto(detail)
    check_page(manager)
    assert "Thank you: I will write down her words." in manager.inner_text("main")
    assert re.search(r"Reply from the person observed, \d{1,2} [A-Z][a-z]+ \d{4}",
                     manager.inner_text("main"))
    manager.goto("/practice/observations/compliance/")
    check_page(manager)
    assert manager.inner_text("h1") == f"Observations due in {today.year}"
    assert observed in manager.inner_text("main")  # one of the people they manage
    practitioner.context.close()
    manager.context.close()


def test_the_qa_manager_reads_compliance_the_summaries_and_practice_week(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/practice/observations/")
    check_page(page)
    assert page.locator("main table tbody tr").count() >= 1  # the demo's observations
    page.goto("/practice/observations/compliance/")
    check_page(page)
    main = page.inner_text("main")
    assert "Practitioners" in main and "Team managers" in main
    page.goto("/practice/observations/half-year/")
    check_page(page)
    assert page.inner_text("h1").startswith("Observations of practice, ")
    # Practice Week: the demo's senior leaders observed in October.
    october = dt.date.today().year if dt.date.today().month > 10 else dt.date.today().year - 1
    page.goto(f"/practice/observations/practice-week/?year={october}")
    check_page(page)
    assert page.inner_text("h1") == f"Practice Week {october}"
    assert "Voice of the child" in page.inner_text("main")
    screenshot(page, "practice-week")
    page.goto("/practice/observations/tools/")
    check_page(page)
    assert "Not from the seed: review before use" in page.inner_text("main")
    page.goto("/practice/observations/asye/")
    check_page(page)
    assert page.inner_text("h1") == "ASYE years"
