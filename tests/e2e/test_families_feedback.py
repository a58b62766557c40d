"""Families' feedback when a case closes (000), in the browser: the demo team manager finds a
closed case waiting for its family's invitation (from their home page), prints a letter;
the family, with no account and a phone 320 px wide, types the letter's short code, answers,
and the letter's link then says politely it cannot be used. The demo practitioner records
the closure form against a closed case of theirs. axe-core checks every page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import check_page, go, new_page, screenshot, sign_in

pytestmark = pytest.mark.e2e




def _fits(page: Any) -> bool:
    return bool(page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"))




def test_a_team_manager_prints_a_letter_and_the_family_answers_with_its_code(  # type: ignore[no-untyped-def]
        page, browser, live_service):
    sign_in(page, "demo-team_manager")
    check_page(page)
    go(page, "link", re.compile(r"closed cases? waiting for the family to be invited"))
    assert page.inner_text("h1") == "Closed cases waiting for a feedback invitation"
    reference = page.locator("main table tbody tr td a").first.inner_text().strip()
    go(page, "link", f"Invite the family of case {reference}")
    assert page.inner_text("h1") == "Invite the family to give feedback"
    go(page, "button", "Continue")  # nothing chosen: the errors, checked by axe
    assert "Choose how you will invite the family" in page.inner_text("main")
    page.get_by_label("Print a letter with the link and a short code").check()
    page.get_by_label(re.compile(r"^Early Help Service User Feedback")).check()
    go(page, "button", "Continue")
    assert "the link and the code are shown only once" in page.inner_text("main")
    link = page.locator(".letter-link").inner_text().strip()
    code = page.locator("#letter-code").inner_text().strip()
    screenshot(page, "families-feedback-letter")
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)
    go(page, "link", "Back to closed cases waiting for an invitation")
    assert f"Invite the family of case {reference}" not in page.inner_text("main")

    family = new_page(browser, live_service, width=320)  # no account, a phone
    family.goto("/voice/feedback/")
    check_page(family)
    assert _fits(family), "the code page scrolls sideways at 320px"
    go(family, "button", "Continue")  # no code: the error, checked by axe
    assert "Enter the code from your letter" in family.inner_text("main")
    family.get_by_label("Your code").fill("AAAAA-AAAAA")
    go(family, "button", "Continue")
    assert "The code is not right" in family.inner_text("main")
    family.get_by_label("Your code").fill(code.lower().replace("-", " "))
    go(family, "button", "Continue")
    assert "Early Help Service User Feedback" in family.inner_text("h1")
    assert _fits(family), "the family's form scrolls sideways at 320px"
    screenshot(family, "families-feedback-form-320px")
    go(family, "button", "Send your feedback")  # nothing answered: the errors, checked
    assert "There is a problem" in family.inner_text("main")
    assert _fits(family)
    for question, answer in (("How helpful", "^5"), ("listened to", "^4"),
                             ("How much better", "^4")):
        family.get_by_role("group", name=re.compile(question)).get_by_label(
            re.compile(answer)).check()
    family.get_by_label("What helped most?").fill("Our worker came when she said she would.")
    family.get_by_label("No", exact=True).check()
    family.get_by_label("You may quote what we wrote, without our names").check()
    go(family, "button", "Send your feedback")
    assert "Thank you for your feedback" in family.inner_text("main")

    family.goto(urlsplit(link).path)  # the letter's link (its path here): the code used it
    check_page(family)
    assert family.inner_text("h1") == "This link cannot be used"
    assert _fits(family)
    family.goto("/voice/feedback/")
    family.get_by_label("Your code").fill(code)
    go(family, "button", "Continue")  # and the code works once
    assert "The code is not right, or it has been used" in family.inner_text("main")
    family.context.close()


def test_the_key_worker_records_the_closure_form(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-practitioner")
    page.goto("/voice/closures/")
    check_page(page)
    page.locator("main table tbody tr td a").first.click()  # the case, waiting
    page.wait_for_load_state()
    check_page(page)
    go(page, "link", "Closure forms")
    assert page.inner_text("h1") == "Closure forms"
    go(page, "link", "Complete the closure form")
    go(page, "button", "Record the closure form")  # nothing answered: errors, checked by axe
    assert "There is a problem" in page.inner_text("main")
    page.get_by_label("Why is the Early Help Assessment closing?").fill(
        "The plan's goals are met and the family agreed to close.")
    page.get_by_label("What support has the family received?").fill(
        "Weekly visits and a parenting course.")
    page.get_by_label(re.compile("What impact does the family feel")).fill(
        "Mornings are calmer and school attendance is up.")
    page.get_by_role("group", name=re.compile("How much better")).get_by_label(
        re.compile("^4")).check()
    page.get_by_role("group", name=re.compile("know where to go")).get_by_label(
        "Yes").check()
    page.get_by_role("group", name=re.compile("interpreter")).get_by_label(
        "No", exact=True).check()
    go(page, "button", "Record the closure form")
    assert "The closure form is recorded." in page.inner_text("main")
    assert "Weekly visits and a parenting course." in page.inner_text("main")
    detail = re.fullmatch(r"(.*/closure-form/)\d+/", page.url)
    assert detail, page.url
    page.goto(detail.group(1))
    check_page(page)
    assert re.search(r"Completed \d{1,2} [A-Z][a-z]+ \d{4}", page.inner_text("main"))
