"""The QA manager rewords a question of an audit tool in the browser, checks the changes and
saves them as a new version, then sees that version with what changed. axe-core checks every
page, and none scrolls sideways at 320 pixels."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e
TOOL = "/standards/tools/002-six-key-areas/"
NEW_WORDING = "Does the file hold a current plan, written for this child, linked to assessed need?"


def _narrow(page: Any, name: str) -> None:
    """At 320 pixels wide the page does not scroll sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at 320px: {widths}"
    page.set_viewport_size({"width": 1280, "height": 900})
    shots = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if shots:
        page.screenshot(path=f"{shots}/tool-editor-{name}.png", full_page=True)


def test_qa_manager_rewords_a_question_and_sees_the_new_version(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/standards/tools/")
    check_page(page)
    _narrow(page, "list")
    page.goto(TOOL)
    check_page(page)
    _narrow(page, "tool")
    version = int(re.search(r"version (\d+)", page.inner_text(".govuk-caption-l")).group(1))  # type: ignore[union-attr]

    go(page, "button", "Change this tool")
    assert page.get_by_role("heading", name="Change the tool").is_visible()
    _narrow(page, "editor")

    go(page, "link", re.compile(r"^Change question 1 in Help, protection"))
    _narrow(page, "question")
    page.get_by_label("Question", exact=True).fill(NEW_WORDING)
    go(page, "button", "Save the question")
    assert "The question is changed" in page.inner_text("main")
    assert NEW_WORDING in page.inner_text("main")

    go(page, "link", "Review and save the changes")
    main = page.inner_text("main")
    assert "Changed" in main and "wording" in main and NEW_WORDING in main
    _narrow(page, "review")
    page.get_by_label("What has changed? (optional)").fill("Plainer wording of the first question")
    go(page, "button", f"Save as version {version + 1}")

    main = page.inner_text("main")
    assert f"Version {version + 1} of" in main and "is saved" in main
    assert f"What changed in version {version + 1}" in main and NEW_WORDING in main
    assert "Plainer wording of the first question" in main
    _narrow(page, "new-version")
