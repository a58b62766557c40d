"""Browser test of the navigation by role: the QA manager's pages grouped by job on one row,
each job's landing page, and every demo role's home page at 320px and 1280px wide
(screenshots under the test's temporary directory, axe on each, no sideways scrolling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from auditloop.people.roles import Role
from tests.e2e.conftest import DEMO_PASSWORD, check_page, sign_in

pytestmark = pytest.mark.e2e

JOBS = ["My work", "Running the month", "Following up", "The register", "Setting up"]

NAV_ITEMS = """() => [...document.querySelectorAll('.govuk-service-navigation__item')]
    .map(li => ({text: li.innerText.trim(), top: li.offsetTop,
                 current: li.querySelector('[aria-current]')?.getAttribute('aria-current')}))"""

# What sticks out past the right edge of the window, for the failure message.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className}`)"""


def nav(page: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page.evaluate(NAV_ITEMS)
    return items


def open_from_nav(page: Any, text: str) -> None:
    page.locator(".govuk-service-navigation__list").get_by_role(
        "link", name=text, exact=True).click()
    page.wait_for_load_state()
    check_page(page)


def test_the_qa_manager_finds_each_job_on_one_row_and_its_pages(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    check_page(page)
    items = nav(page)
    assert [i["text"] for i in items] == ["Home", *JOBS, "Reports"]
    assert len({i["top"] for i in items}) == 1, f"the navigation wraps: {items}"
    assert items[0]["current"] == "page"

    for job in JOBS:
        open_from_nav(page, job)
        assert page.inner_text("h1").strip() == job
        current = [i for i in nav(page) if i["current"]]
        assert [(i["text"], i["current"]) for i in current] == [(job, "page")]
        links = page.locator("main ul.app-work-list > li")
        assert links.count() >= 1
        # Each page of the job says what it is for.
        for n in range(links.count()):
            assert links.nth(n).locator("p").inner_text().strip()

    # Follow one: the tracker is part of following up, which stays marked in the navigation.
    open_from_nav(page, "Following up")
    page.locator("main").get_by_role("link", name="Tracker", exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    assert page.title().startswith("Tracker")
    assert [(i["text"], i["current"]) for i in nav(page) if i["current"]] \
        == [("Following up", "true")]

    # A job with no page for this person is refused, and one that does not exist is not found.
    response = page.goto("/work/governance/")
    assert response is not None and response.status == 403
    response = page.goto("/work/nothing/")
    assert response is not None and response.status == 404


def quick_sign_in(page: Any, username: str) -> None:
    """Sign in afresh (the login page's axe check is done once, above), landing on the home
    page with its "Successfully signed in" banner: the page a person sees first."""
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def test_every_roles_home_page_at_320_and_1280_pixels(page, tmp_path: Path):  # type: ignore[no-untyped-def]
    shots = tmp_path / "home-pages"
    shots.mkdir()
    wide: dict[str, list[str]] = {}
    for role in Role:
        quick_sign_in(page, f"demo-{role.value}")
        assert urlsplit(page.url).path == "/", f"demo-{role.value} is not home: {page.url}"
        check_page(page)
        items = nav(page)
        assert items[0]["text"] == "Home"
        assert len({i["top"] for i in items}) == 1, f"{role.label}'s navigation wraps: {items}"
        page.screenshot(path=shots / f"{role.value}-1280.png", full_page=True)

        page.set_viewport_size({"width": 320, "height": 800})
        page.wait_for_timeout(100)  # let the menu's media query settle
        check_page(page)
        scroll, window = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > window:
            wide[role.value] = page.evaluate(TOO_WIDE)
        page.screenshot(path=shots / f"{role.value}-320.png", full_page=True)
    assert not wide, f"home pages that scroll sideways at 320px: {wide}"
    assert len(list(shots.glob("*.png"))) == 2 * len(Role)
