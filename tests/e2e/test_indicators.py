"""A senior leader reads the indicators on the demo council: re-referrals signalled a rise,
the themed audit it proposed was accepted, and its chart has a text alternative. axe-core
checks every page; neither page scrolls sideways on a 320 px screen."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.conftest import check_page, go, screenshot, sign_in

pytestmark = pytest.mark.e2e


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 320, "height": 800})
    width, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url} scrolls sideways at 320 px ({width} px wide)"
    check_page(page)
    page.set_viewport_size({"width": 1280, "height": 900})




def test_a_senior_leader_follows_a_signal_to_its_audit(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-senior_leader")
    go(page, "link", "Reports")
    page.locator("main").get_by_role("link", name="Indicators", exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    main = page.inner_text("main")
    assert "Re-referrals within 12 months" in main
    assert "Concern: rose above the upper limit" in main
    assert "Themed audit accepted for the " in main
    assert page.locator("svg.app-sparkline[role=img]").count() >= 1
    screenshot(page, "indicators")
    _fits(page)

    go(page, "link", "Re-referrals within 12 months")
    assert page.title().startswith("Re-referrals within 12 months")
    chart = page.locator("main svg.app-chart[role=img]")
    assert chart.count() == 1
    assert (chart.locator("title").text_content() or "").startswith(
        "Re-referrals within 12 months: The whole council, 24 months")
    screenshot(page, "indicator")
    _fits(page)
    # Another scope, chosen from the keyboard-usable form.
    page.get_by_label("Whose figures").select_option(index=1)
    go(page, "button", "Show their figures")
    assert "scope=service-" in page.url


def test_the_qa_manager_accepts_the_audit_a_signal_proposed(page):  # type: ignore[no-untyped-def]
    """The demo's referrals closed with no further action rose in the last two months: the
    signal's themed audit waits; with the next cycle made, accepting it sets that cycle's
    theme and its case proposal's filter."""
    sign_in(page, "demo-qa_manager")
    page.goto("/indicators/")
    check_page(page)
    section = page.locator("main")
    assert "Referrals with no further action" in section.inner_text()
    assert "A themed audit is proposed: waiting for the QA manager." in section.inner_text()
    screenshot(page, "indicators-qa-manager")
    assert "Unusual: rose above the upper limit" in section.inner_text()
    # Other indicators' signals wait too: this indicator's link (its name is in the link).
    section.get_by_role("link", name=re.compile(
        r"^Accept, edit or dismiss it\s*:\s*Referrals with no further action$")).click()
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("Proposed themed audits")
    # Exactly one proposal for the signal, however many scopes signalled with the council.
    assert page.locator("main h2", has_text="Referrals with no further action").count() == 1
    accept = page.get_by_role("button", name="Accept the proposal on Referrals with no "
                                              "further action")
    # Accepting needs a cycle still choosing its cases: the QA manager makes next month's
    # (the earliest cycle choosing its cases, so the one the proposal goes to, whatever
    # cycles other browser tests make in later years on the shared demo server).
    today = dt.date.today()
    following = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    page.goto("/programme/new")
    check_page(page)
    page.get_by_label("Year").fill(str(following.year))
    page.get_by_label("Cycle number").fill(str(following.month))
    page.get_by_role("button", name="Create the cycle").click()
    page.wait_for_load_state()
    check_page(page)
    page.goto("/programme/proposals/")
    check_page(page)
    accept.click()
    page.wait_for_load_state()
    check_page(page)
    message = page.inner_text("main")
    assert ("Accepted: Referrals with no further action is the theme of the "
            f"{following:%B %Y} cycle") in message
    # The cycle named takes the theme.
    page.get_by_role("link", name="Back to audit cycles").click()
    page.wait_for_load_state()
    check_page(page)
    assert "Referrals with no further action" in page.inner_text("main")
