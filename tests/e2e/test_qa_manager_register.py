"""The QA manager's first morning: sign in, import staff, the monthly layout and the Annex A
sample, and find the imported cases. axe-core checks every page visited."""

from pathlib import Path

import pytest

from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "samples"
ANNEX_A = SAMPLES / "AnnexA_ofsted_template_2019_example-B-2004.xlsx"


def _import(page, format_label: str, files: list[Path], *, accept_valid: bool = False) -> str:  # type: ignore[no-untyped-def]
    page.goto("/cases/imports/new")
    check_page(page)
    page.get_by_label(format_label).check()
    page.get_by_label("Upload the files").set_input_files([str(f) for f in files])
    if accept_valid:
        page.get_by_label("Import the valid rows and list the rest").check()
    page.get_by_role("button", name="Import", exact=True).click()
    # The job page polls itself until the background worker has finished.
    page.locator("#import-status:not([hx-get])").wait_for(timeout=60_000)
    check_page(page)
    return page.inner_text("main")


def test_qa_manager_imports_and_finds_cases(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    assert page.title().startswith("Home")
    check_page(page)

    text = _import(page, "Staff list", [SAMPLES / "staff.csv"])
    assert "Imported" in text and "Not imported" not in text

    text = _import(page, "auditloop monthly layout",
                   [SAMPLES / "cases.csv", SAMPLES / "involvements.csv", SAMPLES / "events.csv"])
    assert "Not imported" not in text

    # The sample has one row with a date nobody can read: by default nothing is imported
    # and the row is reported plainly...
    text = _import(page, "Ofsted Annex A workbook", [ANNEX_A])
    assert "Not imported" in text
    assert "is not a date" in text and "10\tDate of Birth" in text
    # ...and with "import the valid rows" the rest go in.
    text = _import(page, "Ofsted Annex A workbook", [ANNEX_A], accept_valid=True)
    assert "Imported, with rows left out" in text

    # Find a case from the monthly file by its reference (a POST: no identifier in the URL).
    page.goto("/cases/")
    check_page(page)
    page.get_by_label("Find a case").fill("EH-1001")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    assert "EH-1001" not in page.url
    check_page(page)
    page.get_by_role("link", name="EH-1001").click()
    page.wait_for_load_state()
    check_page(page)
    assert "Who has held or overseen this case" in page.inner_text("main")

    # And a child from the Annex A sample.
    page.goto("/cases/")
    page.get_by_label("Find a case").fill("1001")
    page.get_by_role("button", name="Find").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="1001", exact=True).click()
    page.wait_for_load_state()
    check_page(page)
    assert "Early Help" in page.inner_text("main")


def test_pages_work_by_keyboard_alone(page):  # type: ignore[no-untyped-def]
    sign_in(page, "demo-qa_manager")
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    # The service navigation is reachable by Tab and opens with Enter.
    page.goto("/")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "The register":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.rstrip("/").endswith("/work/register")
    for path in ["/people/", "/people/structure/", "/actions/", "/tray/"]:
        page.goto(path)
        check_page(page)
