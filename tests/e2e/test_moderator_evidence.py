"""A moderator goes from blind grading to the auditor's evidence, in the browser, on the demo
council: the blind review shows nothing of the auditor's work and the audit page does not
open; once their own grades are saved, the auditor's grade, evidence and answers show beside
theirs for each section (at 1280 px and at 320 px, with no sideways scroll), and the audit
page opens from the review until the moderation is complete; the calibration case reads at
320 px. axe-core checks every page.

Set AUDITLOOP_SCREENSHOTS to a folder to keep screenshots of the comparison."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 900}
SMALL = {"width": 320, "height": 800}


def _fits(page: Any) -> None:
    width, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url} scrolls sideways at {screen} px ({width} px wide)"


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_moderator_sees_the_auditors_evidence_after_grading_blind(page: Any) -> None:
    sign_in(page, "demo-moderator")
    check_page(page)
    page.goto("/moderation/")
    check_page(page)
    assert page.title().startswith("My moderation")

    # A blind review: the case, the tool's grades, nothing of the auditor's.
    page.locator("main table tbody tr", has_text="Grading blind").first.get_by_role(
        "link").click()
    page.wait_for_load_state()
    check_page(page)
    review_url = page.url
    audit_id = re.search(r"Moderate audit (\d+)", page.title()).group(1)  # type: ignore[union-attr]
    main = page.inner_text("main")
    for hidden in ("Auditor's grade", "Auditor's evidence", "The auditor's answers"):
        assert hidden not in main
    assert page.locator(f"main a[href='/audits/{audit_id}/']").count() == 0
    assert page.goto(f"/audits/{audit_id}/").status == 404

    # The calibration case reads at 320 px too: its text wraps.
    page.goto("/moderation/calibration/")
    check_page(page)
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    page.set_viewport_size(SMALL)
    _fits(page)
    check_page(page)
    _shot(page, "calibration-case-320")
    page.goto(review_url)

    # Grade it: the second grade of each scale.
    page.evaluate("""() => {
      const groups = {};
      for (const r of document.querySelectorAll('main form input[type=radio]'))
        (groups[r.name] ||= []).push(r);
      for (const rs of Object.values(groups)) rs[Math.min(1, rs.length - 1)].checked = true;
    }""")
    page.get_by_label("Your evidence for the overall grade (optional)").fill(
        "Plans are reviewed on time; the child's voice is thin.")
    page.get_by_role("button", name="Save my grades and see the auditor's").click()
    page.wait_for_load_state()
    check_page(page)

    # The auditor's grade beside the moderator's, section by section, with the evidence.
    cards = page.locator("main .govuk-summary-card")
    assert cards.count() >= 2
    graded = page.locator("main .govuk-summary-card", has_text="Auditor's grade")
    assert graded.count() >= 2
    first = graded.first
    assert first.get_by_text("Your grade", exact=True).count() == 1
    assert first.get_by_text("Auditor's evidence", exact=True).count() == 1
    overall = cards.last
    assert "Plans are reviewed on time" in overall.inner_text()
    # The answers open under each section.
    answers = page.locator("main details", has_text="The auditor's answers")
    assert answers.count() >= 1
    answers.first.locator("summary").click()
    assert answers.first.locator(".govuk-summary-list__row").count() >= 1
    check_page(page)
    for name, size in (("1280", WIDE), ("320", SMALL)):
        page.set_viewport_size(size)
        assert page.evaluate("() => window.innerWidth") == size["width"]
        _fits(page)
        check_page(page)
        _shot(page, f"moderator-evidence-{name}")
    page.set_viewport_size(WIDE)

    # The audit page itself, from the review, while the review is open.
    page.get_by_role("link", name=re.compile(r"^Open the audit of case ")).click()
    page.wait_for_load_state()
    check_page(page)
    assert page.url.endswith(f"/audits/{audit_id}/")
    assert page.title().startswith("Audit of case ")

    # Agree with every grade and complete: the audit page closes again.
    page.goto(review_url)
    for radio in page.locator("main input[type=radio][value=yes]").all():
        radio.check()
    page.get_by_role("button", name="Complete the moderation").click()
    page.wait_for_load_state()
    check_page(page)
    assert "The moderation of this audit is complete" in page.inner_text("main")
    assert page.goto(f"/audits/{audit_id}/").status == 404

    # The calibration case reads at 320 px too: its text wraps.
    page.goto("/moderation/calibration/")
    check_page(page)
    page.locator("main table tbody a").first.click()
    page.wait_for_load_state()
    page.set_viewport_size(SMALL)
    _fits(page)
    check_page(page)
    _shot(page, "calibration-case-320")
