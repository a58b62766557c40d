"""A strategic lead works their action plan and the strategic lead for QA reviews it, in
the browser, on the demo council (004 6.1): the lead sees the plan overdue for review on
their home page, opens it and adds a SMART action; the head of service for QA follows the
overdue flag from her home page and records the quarterly review; the training needs list
downloads for the training plan. axe-core checks every page.

The session's database is shared with other browser tests, whose presets may set a review
cadence or not: the review gives its next date, three months on, which fits either.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from auditloop.common.dates import add_months
from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e
PLAN = "Hearing the child's voice in plans"  # the demo's plan with its review overdue


def new_page(browser: Any, live_service: str) -> Any:
    context = browser.new_context(base_url=live_service, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.csp_errors = errors
    return page


def click(page: Any, role: str, name: str | re.Pattern[str]) -> None:
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state()
    check_page(page)


def test_the_lead_adds_an_action_and_the_qa_lead_reviews_the_plan(browser, live_service):  # type: ignore[no-untyped-def]
    today = dt.date.today()
    lead = new_page(browser, live_service)
    sign_in(lead, "demo-strategic_lead")
    check_page(lead)
    assert "1 plan you lead overdue for review" in lead.inner_text("main")
    click(lead, "link", "Action plans")
    click(lead, "link", PLAN)
    assert "Overdue" in lead.inner_text("main")
    assert lead.get_by_role("link", name="Record a review").count() == 0
    click(lead, "link", "Add an action")
    form = lead.locator("main form")
    form.get_by_label("Issue", exact=True).fill("Plans do not show the child's own words")
    form.get_by_label("Action", exact=True).fill("Service managers audit five plans each "
                                                 "for the child's words")
    form.get_by_label("By whom").fill("Service managers")
    form.get_by_label("By when").fill(add_months(today, 2).isoformat())
    form.get_by_label("Desired outcome").fill("Every plan quotes the child")
    form.get_by_label("How will we know the plan has worked?").fill(
        "The next thematic audit finds the child's words on 9 in 10 plans")
    click(lead, "button", "Add the action")
    main = lead.inner_text("main")
    assert "The action has been added to the plan." in main
    assert "Service managers audit five plans each" in main
    plan_url = lead.url
    count = lead.locator("main table tbody tr").count()
    lead.context.close()

    qa = new_page(browser, live_service)
    sign_in(qa, "demo-head_of_qa")
    check_page(qa)
    click(qa, "link", re.compile(r"action plans? overdue for review"))
    assert PLAN in qa.inner_text("main")
    click(qa, "link", PLAN)
    assert qa.url == plan_url
    assert qa.locator("main table tbody tr").count() == count
    click(qa, "link", "Record a review")
    form = qa.locator("main form")
    form.get_by_label("Date of the review").fill(today.isoformat())
    form.get_by_label("Amber: in progress").check()
    form.get_by_label("Progress", exact=True).fill("Learning set held; plan template changed.")
    form.get_by_label("What has changed in practice (optional)").fill(
        "Two of five plans sampled now quote the child.")
    next_review = add_months(today, 3)
    form.get_by_label("Next review (optional)").fill(next_review.isoformat())
    click(qa, "button", "Record the review")
    main = qa.inner_text("main")
    assert f"The next review is on {next_review.day} {next_review:%B %Y}" in main
    assert "Amber: in progress" in main and "Overdue" not in main.split("Actions")[0]
    qa.goto("/actions/plans/?status=open&overdue=yes")
    check_page(qa)
    assert PLAN not in qa.inner_text("main")

    click(qa, "link", "Training needs")
    assert "feeds the Training and Development Plan" in qa.inner_text("main")
    click(qa, "link", "Download (CSV)")
    assert "Why are you exporting this?" in qa.inner_text("main")
    qa.get_by_label("Why are you exporting this?").fill("The Training and Development Plan")
    with qa.expect_download() as download:
        qa.get_by_role("button", name="Export", exact=True).click()
    assert download.value.suggested_filename.startswith("findings-training-need-")
    qa.context.close()
