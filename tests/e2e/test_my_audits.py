"""The people an audit is about find it where they look: a practitioner goes from their home
page (no notice needed) to the audit of a case they hold and replies; the case page lists
its audits; their team manager goes from home to their team's audit waiting for them to
confirm its actions, past a warning of an urgent safeguarding concern. The demo keeps one of
the demo practitioner's audits waiting for their reply and one open concern on their team
(demo/history.py, demo/tracker.py). axe-core checks every page."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e
READY = re.compile(r"^An audit of (\S+) is ready: read it and reply by \d{1,2} [A-Z][a-z]+ \d{4}$")
CONFIRM = re.compile(r"^Your team's audit of (\S+): confirm the actions by ")


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot at the page's width, where AUDITLOOP_SCREENSHOTS names a folder."""
    folder = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def new_page(browser: Any, live_service: str) -> Any:
    context = browser.new_context(base_url=live_service, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.csp_errors = errors
    return page


def test_a_practitioner_replies_and_their_team_manager_confirms_the_actions(  # type: ignore[no-untyped-def]
        browser, live_service):
    worker = new_page(browser, live_service)
    sign_in(worker, "demo-practitioner")
    check_page(worker)
    shoot(worker, "practitioner-home")
    ready = worker.get_by_role("link", name=READY).first
    match = READY.match(ready.inner_text().strip())
    assert match, worker.inner_text("main")[:2000]
    reference = match.group(1)
    ready.click()
    worker.wait_for_load_state()
    check_page(worker)
    assert "#reply" in worker.url
    worker.get_by_label("Yes, I agree with the findings").check()
    worker.get_by_label("Your comments").fill(
        "I agree. I will bring the chronology up to date and record the child's views.")
    go(worker, "button", "Send your reply")
    assert "Your reply has been sent" in worker.inner_text("main")

    # The audits of their cases: this one no longer waits for a reply.
    worker.goto("/audits/my-cases/")
    check_page(worker)
    shoot(worker, "practitioner-audits-of-my-cases")
    assert reference in worker.inner_text("main")
    worker.goto("/")
    check_page(worker)
    assert not any(READY.match(t.strip()) and reference in t
                   for t in worker.get_by_role("link").all_inner_texts())

    # The case page lists the case's audits.
    worker.goto("/cases/")
    check_page(worker)
    worker.locator("#id_reference").fill(reference)
    go(worker, "button", "Find")
    go(worker, "link", reference)
    audits = worker.locator("#audits")
    assert "Audits of this case" in audits.inner_text()
    assert "Feedback sent" in audits.inner_text()
    shoot(worker, "practitioner-case-page")

    manager = new_page(browser, live_service)
    sign_in(manager, "demo-team_manager")
    check_page(manager)
    shoot(manager, "team-manager-home")
    banner = manager.get_by_role("region", name="Warning")
    assert "Urgent safeguarding concerns" in banner.inner_text()
    assert "Immediate safeguarding concern on case" in banner.inner_text()
    confirm = manager.get_by_role("link", name=CONFIRM).first
    assert CONFIRM.match(confirm.inner_text().strip()), manager.inner_text("main")[:2000]
    confirm.click()
    manager.wait_for_load_state()
    check_page(manager)
    assert "#actions" in manager.url
    go(manager, "button", "Confirm the actions are agreed")
    assert "The actions are confirmed as agreed" in manager.inner_text("main")
    manager.goto("/audits/my-team/")
    check_page(manager)
    assert "My team's audits" in manager.inner_text("h1")
    shoot(manager, "team-manager-my-teams-audits")
    # The warning leads to the concern.
    manager.goto("/")
    check_page(manager)
    go(manager, "link", re.compile(r"^Immediate safeguarding concern on case "))
    assert "Bruising" in manager.inner_text("main")
