"""Browser test of the complaints and compliments log (002): the QA manager finds it under
Reports, logs a complaint (after a mistake), records the outcome and learning, and filters
the log; a senior leader reads it. axe-core checks every page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_the_qa_manager_logs_a_complaint_and_its_learning(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    go(page, "link", "Reports")
    page.locator("main").get_by_role("link", name="Complaints and compliments",
                                     exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("Complaints and compliments")

    go(page, "link", "Log a complaint or compliment")
    go(page, "button", "Log it")  # nothing filled in: the errors, checked by axe
    assert "There is a problem" in page.inner_text("main")
    page.get_by_label("Complaint", exact=True).check()
    page.get_by_label("Who did it come from?").select_option(label="A parent or carer")
    page.get_by_label("Date received").fill("2026-11-03")
    page.get_by_label("What does it say?").fill("Nobody returned our calls for a week.")
    page.get_by_label("Theme (optional)").select_option(index=1)
    go(page, "button", "Log it")
    assert "The complaint is logged." in page.inner_text("main")
    assert page.inner_text("h1") == "Received 3 November 2026"

    go(page, "link", "Record the outcome and learning")
    go(page, "button", "Save")  # nothing chosen: the errors, checked by axe
    page.get_by_label("Partly upheld", exact=True).check()
    page.get_by_label("Outcome").fill("The team manager apologised.")
    page.get_by_label("Learning").fill("Return calls within two working days.")
    go(page, "button", "Save")
    assert "Return calls within two working days." in page.inner_text("main")

    go(page, "link", "Back to complaints and compliments")
    page.get_by_label("Complaint or compliment").select_option(label="Complaint")
    go(page, "button", "Apply filters")
    assert "kind=complaint" in page.url
    assert "3 November 2026" in page.inner_text("main table >> nth=-1")


def test_a_senior_leader_reads_the_log(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-senior_leader")
    response = page.goto("/voice/complaints-and-compliments/")
    assert response is not None and response.status == 200
    check_page(page)
    assert page.get_by_role("link", name="Log a complaint or compliment").count() == 0
    response = page.goto("/voice/complaints-and-compliments/new/")
    assert response is not None and response.status == 403
    page.goto("/voice/feedback-summary/")
    check_page(page)
    assert page.inner_text("h1") == "Families' feedback"
    go(page, "button", "Show the quarter")


def test_the_qa_manager_reviews_the_draft_feedback_questions(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    go(page, "link", "Setting up")
    page.locator("main").get_by_role("link", name="Feedback questions", exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    go(page, "link", "Your views (for children and young people)")
    assert "Not from the seed: review before use" in page.inner_text("main")
    go(page, "link", "Back to feedback questions")


def test_a_family_answers_from_their_link_on_a_phone(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    # 000's calls: draw closed cases at random (the page and the draw, checked by axe).
    page.goto("/voice/calls/")
    check_page(page)
    page.get_by_label("Closed on or after").fill("2000-01-01")
    page.get_by_label("Closed on or before").fill("2100-12-31")
    page.get_by_label("How many families to call").fill("3")
    go(page, "button", "Draw the families")
    assert page.inner_text("h1") == "Families to call"
    page.goto("/cases/")
    page.get_by_label("Status").select_option(label="Closed")
    go(page, "button", "Apply filters")
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    check_page(page)
    go(page, "link", "The family's feedback")
    page.get_by_label(re.compile("^Family feedback \\(families\\)")).check()
    page.get_by_label("Make a one-time link to print in a letter").check()
    go(page, "button", "Continue")
    url = page.inner_text("#feedback-link").strip()

    page.context.clear_cookies()  # the family has no account
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(url)
    check_page(page)
    assert "Family feedback" in page.inner_text("h1")
    wide = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert wide, "the family's form scrolls sideways at 320px"
    go(page, "button", "Send your feedback")  # nothing answered: the errors, checked by axe
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("group", name=re.compile("understand why")).get_by_label(
        re.compile("^4")).check()
    page.get_by_role("group", name=re.compile("explain what would happen")).get_by_label(
        "Yes").check()
    page.get_by_role("group", name=re.compile("views included")).get_by_label(
        re.compile("^5")).check()
    page.get_by_label("Yes, Language Line").check()
    page.get_by_label("You may quote what we wrote, without our names").check()
    go(page, "button", "Send your feedback")
    assert "Thank you for your feedback" in page.inner_text("main")
    page.goto(url)  # works once
    check_page(page)
    assert "This link cannot be used" in page.inner_text("h1")
