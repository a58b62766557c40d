"""No page scrolls sideways on a 320 px screen (WCAG 2.2 reflow), on the demo council.

The pages that once did: the framework page, the moderation sample, the agreement page, the
cycle, the audit tools, the auditor's home, the case page and the feedback page. Wide tables
scroll inside their own focusable region (static/js/tables.js); the page never does. axe-core
checks every page at that width.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e

SMALL = {"width": 320, "height": 800}


def _fits(page: Any) -> None:
    width, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url} scrolls sideways at 320 px ({width} px wide)"
    check_page(page)


def _first_link(page: Any, pattern: str) -> str:
    hrefs = page.eval_on_selector_all(
        "main a[href]", "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        if re.fullmatch(pattern, href.split("?")[0].split("#")[0]):
            return str(href)
    raise AssertionError(f"no link like {pattern} on {page.url}")


def test_the_pages_that_scrolled_sideways_fit_a_320_px_screen(browser: Any,
                                                               live_service: str) -> None:
    context = browser.new_context(base_url=live_service, viewport=SMALL)
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: page.csp_errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, "demo-qa_manager")
        _fits(page)
        for path in ("/standards/framework/", "/standards/tools/", "/moderation/agreement/"):
            page.goto(path)
            _fits(page)
        page.goto("/standards/tools/")
        page.goto(_first_link(page, r"/standards/tools/[\w-]+/"))
        _fits(page)
        # A wide table scrolls in a region keyboard users can reach, named by its caption.
        region = page.locator(".app-table-scroll[tabindex='0'][role='region']").first
        assert region.count() == 1 and "scrolls sideways" in region.get_attribute("aria-label")

        page.goto("/programme/")
        page.goto(_first_link(page, r"/programme/\d+/"))
        _fits(page)
        page.goto("/moderation/")
        page.goto(_first_link(page, r"/moderation/cycles/\d+/"))
        _fits(page)
        page.goto("/cases/")
        page.goto(_first_link(page, r"/cases/\d+/"))
        _fits(page)

        page.goto("/audits/")
        audits = page.eval_on_selector_all(
            "main a[href]", "els => els.map(e => e.getAttribute('href'))")
        feedback = [h for h in audits if re.fullmatch(r"/audits/\d+/", h)]
        opened = False
        for href in feedback[:10]:
            response = page.goto(href + "feedback/")
            if response and response.status == 200:
                opened = True
                _fits(page)
                break
        assert opened, "no audit's feedback page opened for the QA manager"

        page.context.clear_cookies()
        sign_in(page, "demo-auditor")
        _fits(page)
    finally:
        context.close()
