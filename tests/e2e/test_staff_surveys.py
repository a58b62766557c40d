"""Staff surveys (002) in the browser: the QA manager opens a pulse survey for one team; a
practitioner of that team answers it from their page; its results are hidden while fewer
answered than the anonymity threshold, and the demo's pulse survey shows its counts with
the small groups hidden. And the complaint themes page. axe-core checks every page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_page, go, new_page, screenshot, sign_in

pytestmark = pytest.mark.e2e






def test_a_survey_is_opened_answered_and_its_small_results_hidden(  # type: ignore[no-untyped-def]
        page, browser, live_service):
    staff = new_page(browser, live_service)
    sign_in(staff, "demo-practitioner")
    staff.goto("/voice/surveys/yours/")
    check_page(staff)
    assert staff.inner_text("h1") == "Your views"

    sign_in(page, "demo-qa_manager")
    page.goto("/voice/surveys/")
    check_page(page)
    assert page.inner_text("h1") == "Staff surveys"
    go(page, "link", "Open a survey")
    page.get_by_label("Name of the survey", exact=True).fill("")
    go(page, "button", "Open the survey")  # no name: the errors, checked by axe
    assert "There is a problem" in page.inner_text("main")
    page.get_by_label("Name of the survey", exact=True).fill("Child in Need pulse check")
    page.get_by_label("Pulse survey", exact=True).check()
    page.get_by_label(re.compile(r"^Pulse survey \(version")).check()
    page.get_by_label("Teams", exact=True).check()
    page.get_by_label("Child in Need", exact=True).check()
    go(page, "button", "Open the survey")
    assert page.inner_text("h1") == "Child in Need pulse check"
    assert "(0 of " in page.inner_text("#answered")
    results = page.url

    staff.goto("/voice/surveys/yours/")
    check_page(staff)
    go(staff, "link", "Child in Need pulse check")
    go(staff, "button", "Send your answers")  # nothing answered: the errors, checked by axe
    assert "There is a problem" in staff.inner_text("main")
    for group in staff.locator("main form fieldset").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.last.check()
    go(staff, "button", "Send your answers")
    assert "Thank you: your answers are sent." in staff.inner_text("main")
    staff.goto("/voice/surveys/yours/")
    check_page(staff)
    assert "Child in Need pulse check" not in staff.inner_text("main")

    page.goto(results)
    check_page(page)
    assert "(1 of " in page.inner_text("#answered")  # one of those invited, so far
    hidden = page.inner_text("#not-shown")
    assert "Fewer than 5 answers: not shown" in hidden and "1 so far" in hidden, hidden
    assert page.get_by_role("link", name="By team").count() == 0
    staff.context.close()


def test_the_demo_pulse_survey_shows_its_counts_and_hides_small_groups(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/voice/surveys/")
    check_page(page)
    go(page, "link", "Pulse survey (demo)")
    main = page.inner_text("main")
    assert page.locator("#not-shown").count() == 0
    assert re.search(r"\d+% \(\d+ of \d+; 95% interval", main), main
    go(page, "link", "By team")
    screenshot(page, "staff-survey-results-by-team")
    groups = page.inner_text("#groups")
    assert "Fewer than 5 answers: not shown" in groups, groups  # the small teams
    assert re.search(r"\d+% \(\d+ of \d+", groups), groups  # and one big enough


def test_the_complaint_themes_page(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/voice/complaints-and-compliments/themes/")
    check_page(page)
    assert page.inner_text("h1") == "Complaint themes"
    assert page.locator("#complaint-themes tbody tr").count() >= 1
    go(page, "link", "The log of complaints and compliments")
    assert page.title().startswith("Complaints and compliments")
