"""The accessibility statement: linked from every page's footer, the sign-in page included,
open without signing in, reached by keyboard alone; axe-core checks it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_the_statement_is_linked_from_the_sign_in_page_and_reached_by_keyboard(page):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    link = page.get_by_role("link", name="Accessibility statement")
    link.focus()
    # Enter on the focused link starts a navigation: wait for it before reading the page.
    with page.expect_navigation(url="**/accessibility"):
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("Accessibility statement")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Accessibility statement for Quality assurance and impact"
    main = page.inner_text("main")
    assert "partially compliant" in main
    assert "tagged to the PDF/UA-1 standard" in main and "has no tags" not in main


def test_the_statement_is_linked_from_a_signed_in_page(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-practitioner")
    go(page, "link", "Accessibility statement")
    assert page.title().startswith("Accessibility statement")
