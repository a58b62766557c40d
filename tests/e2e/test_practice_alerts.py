"""Practice alerts in the browser: the demo IRO raises an alert on a case they chair whose
team manager is the demo team manager, who sees it on their home page and answers it; the
IRO finds the answer on their home page and resolves it. axe-core checks each page."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import check_page, go, new_page, sign_in

pytestmark = pytest.mark.e2e




def test_an_iro_raises_an_alert_and_the_team_manager_answers_it(browser, live_service):  # type: ignore[no-untyped-def]
    manager = new_page(browser, live_service)
    sign_in(manager, "demo-team_manager")
    manager_name = manager.locator(".app-header__user").inner_text().strip()

    iro = new_page(browser, live_service)
    sign_in(iro, "demo-iro")
    go(iro, "link", "Practice alerts")
    go(iro, "link", "Raise a practice alert")
    options = iro.locator("#id_case option").all_inner_texts()
    mine = next(o for o in options if f"(team manager: {manager_name})" in o)
    reference = mine.split(" ", 1)[0]
    iro.locator("#id_case").select_option(label=mine)
    iro.get_by_label("What you saw").fill("No visit recorded for eight weeks.")
    iro.get_by_label("Drift and delay").check()
    iro.get_by_label("Serious").check()
    iro.get_by_label("The response you want").fill("Visit this week and tell me the date.")
    iro.get_by_label("Respond by").fill((dt.date.today() + dt.timedelta(days=5)).isoformat())
    go(iro, "button", "Raise the alert")
    assert "Practice alert raised" in iro.inner_text("main")

    manager.goto("/")
    check_page(manager)
    go(manager, "link", f"Answer the practice alert on {reference}")
    assert "No visit recorded for eight weeks." in manager.inner_text("main")
    manager.get_by_label("Your response").fill("Visit booked for Thursday.")
    go(manager, "button", "Send your response")
    assert "Answered" in manager.inner_text("main")
    assert "Visit booked for Thursday." in manager.inner_text("main")

    iro.goto("/")
    check_page(iro)
    go(iro, "link", f"Read the answer to your practice alert on {reference} and resolve it")
    go(iro, "button", "Mark resolved")
    assert "Resolved" in iro.inner_text("main")
    go(iro, "link", "Back to practice alerts")
    iro.goto("/practice/alerts/monthly/")
    check_page(iro)
    assert "1 practice alert raised" in iro.inner_text("main")
