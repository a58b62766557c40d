"""A practitioner signed in on two computers ends the one she left open: from the header's
"How you sign in" she opens her sessions, ends the other, and the other is signed out at
its next click with the reason on the sign-in page. axe-core checks every page visited."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_ending_a_session_left_open_elsewhere(page, browser, live_service):  # type: ignore[no-untyped-def]
    # The browser tests share one server: earlier tests may have left this person signed in
    # in their own (closed) browsers, and those sessions are listed too. So count first.
    sign_in(page, "demo-practitioner")
    go(page, "link", "How you sign in")
    go(page, "link", "See your sessions")
    assert page.title().startswith("Your sessions")
    rows = page.locator("table.govuk-table tbody tr")
    before = rows.count()
    assert before >= 1

    elsewhere = browser.new_context(base_url=live_service, viewport={"width": 1280, "height": 900})
    left_open = elsewhere.new_page()
    left_open.csp_errors = []
    sign_in(left_open, "demo-practitioner")

    page.reload()
    check_page(page)
    assert rows.count() == before + 1
    assert page.locator("tbody tr", has_text="This session").count() == 1
    # Newest first: the first session to end is the one just opened elsewhere.
    go(page, "button", "End")
    assert "The session has ended" in page.inner_text("main")
    assert page.locator("table.govuk-table tbody tr").count() == before

    left_open.goto("/")
    left_open.wait_for_load_state()
    assert "/accounts/login/" in left_open.url
    assert "this session was ended from another session" in left_open.inner_text("main")
    check_page(left_open)
    elsewhere.close()
