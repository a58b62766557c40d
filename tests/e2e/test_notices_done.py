"""Notices that know when their work is done, and actions that lead back to their audit, in
the browser on the demo council. The practitioner opens her most overdue action, follows
its back link to the audit and sends the action for sign-off; her team manager signs it
off; the service manager, whom the daily run told the action was overdue, opens the
notice and reads that it is done instead of being asked again. The team manager's tracker
names each action by what it is. axe-core checks every page.

In the demo (002's preset) an overdue action's notices go to the case's service manager,
so the done notice is the service manager's: the practitioner and the team manager do the
work it asked for.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e


def new_page(browser: Any, live_service: str) -> Any:
    context = browser.new_context(base_url=live_service, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.csp_errors = errors
    return page


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def visit(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    check_page(page)


def click(page: Any, locator: Any) -> None:
    locator.click()
    page.wait_for_load_state()
    check_page(page)


def test_an_overdue_actions_notice_says_it_is_done_once_signed_off(browser, live_service):  # type: ignore[no-untyped-def]
    practitioner = new_page(browser, live_service)
    sign_in(practitioner, "demo-practitioner")
    visit(practitioner, "/actions/")
    owned = practitioner.locator("table", has_text="Actions you own")
    first = owned.locator("tbody tr a").first
    click(practitioner, first)
    action_url = urlsplit(practitioner.url).path
    action_id = re.search(r"/actions/(\d+)/", practitioner.url).group(1)  # type: ignore[union-attr]

    # The service manager was told it is overdue: the notice still asks.
    manager = new_page(browser, live_service)
    sign_in(manager, "demo-service_manager")
    visit(manager, "/tray/")
    notice = manager.locator("li[id^='notice-']", has_text=f"Action {action_id} from audit").first
    notice_id = notice.get_attribute("id")
    assert "Done" not in notice.inner_text()

    # The action leads back to its audit, by name; the audit opens.
    back = practitioner.locator("a.govuk-back-link")
    assert re.fullmatch(r"Back to the audit of \S+", back.inner_text().strip())
    reference = back.inner_text().strip().rsplit(" ", 1)[-1]
    assert practitioner.locator("#action-origins", has_text=f"case {reference}").count() == 1
    click(practitioner, back)
    assert re.search(r"/audits/\d+/$", practitioner.url)
    visit(practitioner, action_url)
    if practitioner.get_by_role("button", name="Send for sign-off").count():
        practitioner.get_by_label("What was done, and where is the evidence?").fill(
            "Done and recorded on the child's file.")
        click(practitioner, practitioner.get_by_role("button", name="Send for sign-off"))
    assert "waiting for" in practitioner.inner_text("#send-step-reason")

    # Her team manager signs it off.
    team_manager = new_page(browser, live_service)
    sign_in(team_manager, "demo-team_manager")
    visit(team_manager, action_url)
    team_manager.get_by_label("Sign off as done").check()
    click(team_manager, team_manager.get_by_role("button", name="Save decision"))
    assert "Signed off as done." in team_manager.inner_text("main")

    # The tracker names the action by what it is, beside its owner and due date.
    visit(team_manager, "/audits/tracker/")
    table = team_manager.inner_text("#tracker-table")
    assert not re.search(r"\bAction \d+\b", table)
    shoot(team_manager, "tracker-descriptions-1280")

    # The service manager's notice now says the work is done, in the tray and when opened.
    visit(manager, "/tray/")
    row = manager.locator(f"#{notice_id}")
    done = re.compile(r"Done: the action was signed off on \d{1,2} [A-Z][a-z]+ \d{4}\.")
    assert done.search(row.inner_text()), row.inner_text()
    click(manager, row.locator("a").first)
    main = manager.inner_text("main")
    assert done.search(main) and "There is nothing more to do for this notice." in main
    shoot(manager, "notice-done-1280")
    click(manager, manager.get_by_role("link", name="Go to the page the notice is about"))
    assert manager.url.endswith(action_url)
