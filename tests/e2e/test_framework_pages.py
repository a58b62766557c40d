"""The QA manager changes a framework setting in the browser, on the demo council: the
overview, the Moderation page, a share out of range refused in plain words, fixed and saved.
axe-core checks every page; at 320 px wide no settings page scrolls sideways.

Set AUDITLOOP_SCREENSHOTS to a folder to keep screenshots of the pages at 1280 px."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import check_page, go, sign_in

pytestmark = pytest.mark.e2e
WIDE = {"width": 1280, "height": 900}
SMALL = {"width": 320, "height": 800}
PAGES = ("the-month", "choosing-cases", "drift", "who-audits", "the-audit", "notices",
         "moderation", "actions", "reports", "families-and-staff", "records")


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("AUDITLOOP_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _fits(page: Any) -> bool:
    return bool(page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_qa_manager_changes_a_setting_on_its_page(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/standards/framework/")
    check_page(page)
    assert page.get_by_role("heading", name="Framework settings", level=1).is_visible()
    _shot(page, "framework-overview")

    go(page, "link", re.compile(r"^Moderation$"))
    assert page.get_by_role("heading", name="Moderation", level=1).is_visible()
    main = page.inner_text("main")
    assert "Seed 00" not in main and "Sefton Children's Services Quality Assurance" in main
    _shot(page, "framework-moderation")

    go(page, "link", "Change Share of each cycle's audits moderated (%)")
    share = page.get_by_label("Share of each cycle's audits moderated (%)")
    share.fill("150")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_load_state()
    check_page(page)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a share between 0 and 100" in summary
    assert "Ensure this value" not in page.inner_text("main")
    _shot(page, "framework-setting-error")

    share = page.get_by_label("Share of each cycle's audits moderated (%)")
    share.fill("25")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_load_state()
    check_page(page)
    assert page.url.endswith("/standards/framework/moderation/")
    assert "Share of each cycle's audits moderated (%) is changed" in page.inner_text("main")
    row = page.locator("#moderation_share_percent").inner_text()
    assert "25.00" in row

    # Every page, at 320 px: nothing scrolls sideways, and axe is content there too.
    page.set_viewport_size(SMALL)
    wide = []
    for url in ["/standards/framework/", *(f"/standards/framework/{p}/" for p in PAGES),
                "/standards/framework/moderation_share_percent/change",
                "/standards/framework/history"]:
        page.goto(url)
        check_page(page)
        if not _fits(page):
            wide.append(url)
        if url.endswith(("/moderation/", "/notices/")):
            _shot(page, "framework-320-" + url.rstrip("/").rsplit("/", 1)[-1])
    assert not wide, f"These pages scroll sideways at 320 px: {wide}"
    page.set_viewport_size(WIDE)
    for name in ("notices", "reports"):
        page.goto(f"/standards/framework/{name}/")
        _shot(page, f"framework-{name}")
