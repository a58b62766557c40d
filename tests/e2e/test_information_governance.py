"""The information governance lead is asked who looked at a child's record: she types the
case reference into the access log and has the answer on one screen, then looks at the
sign-in events. axe-core checks every page visited."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e


def test_ig_lead_finds_who_looked_at_a_case(page, browser, live_service):  # type: ignore[no-untyped-def]
    # A QA manager opens a case, in her own browser.
    other = browser.new_context(base_url=live_service)
    qa = other.new_page()
    qa.csp_errors = []
    sign_in(qa, "demo-qa_manager")
    qa.goto("/cases/")
    link = qa.locator("table a.govuk-link").first
    reference = link.inner_text().strip()
    link.click()
    qa.wait_for_load_state()
    other.close()

    sign_in(page, "demo-information_governance_lead")
    check_page(page)
    go(page, "link", "Access log")
    assert page.title().startswith("Access log")
    page.get_by_label("Case reference").fill(reference)
    go(page, "button", "Search")
    assert reference not in page.url and "case=" in page.url
    table = page.inner_text("#access-log-table")
    assert reference in table and "demo-qa_manager" in table and "Viewed" in table
    assert "UTC" in table

    go(page, "link", "Sign-in events")
    assert page.title().startswith("Sign-in events")
    assert "demo-qa_manager" in page.inner_text("#sign-in-events-table")
