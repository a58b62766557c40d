"""A QA manager's ordinary morning, with the server and the worker logging everything they
log (DEBUG, JSON lines as in production), and not one case reference, child or family
identifier or date of birth of any case in the database turns up in those logs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    AUDITLOOP,
    ROOT,
    _database_url,
    _free_port,
    check_page,
    sign_in,
)

pytestmark = pytest.mark.e2e
SAMPLES = ROOT / "docs" / "samples"


@pytest.fixture(scope="module")
def logged_service(worker_id: str) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The demo council served with every log line kept: (url, env, log file)."""
    tmp = Path(tempfile.mkdtemp(prefix="auditloop-logs-"))
    db_url, drop = _database_url(tmp, f"logs_{worker_id}")
    env = {**os.environ, "AUDITLOOP_ENV": "demo", "DEBUG": "true", "DATABASE_URL": db_url,
           "AUDITLOOP_VAR_DIR": str(tmp), "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "text": True}
    subprocess.run([AUDITLOOP, "migrate", "--no-input", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run([AUDITLOOP, "demo", "--scale", "small"], **run)  # type: ignore[call-overload]
    port = _free_port()
    log_path = tmp / "everything.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    procs = [
        subprocess.Popen([AUDITLOOP, "runserver", f"127.0.0.1:{port}", "--noreload"],
                         env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT),
        subprocess.Popen([AUDITLOOP, "db_worker", "--interval", "0.5", "--no-startup-delay",
                          "-v", "2"],
                         env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("auditloop did not start: " + log_path.read_text())
        yield url, env, log_path
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        log.close()
        if drop:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


def _personal_values(env: dict[str, str]) -> set[str]:
    """Every case's reference, child and family identifier and date of birth (in the
    forms a log could show it), read from the service's database."""
    code = (
        "import json; from auditloop.cases.models import Case; "
        "print('VALUES=' + json.dumps([[c.reference, c.child_identifier, c.family_identifier, "
        "c.date_of_birth.isoformat() if c.date_of_birth else ''] for c in Case.objects.all()]))"
    )
    out = subprocess.run([AUDITLOOP, "shell", "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    rows = json.loads(out.split("VALUES=", 1)[1].splitlines()[0])
    values: set[str] = set()
    for reference, child, family, born in rows:
        values.update(v for v in (reference, child, family) if v)
        if born:
            day = dt.date.fromisoformat(born)
            values.update({born, day.strftime("%d/%m/%Y"), f"{day.day} {day:%B %Y}"})
    return values


def _log_text(path: Path) -> tuple[str, int]:
    """The log's text with each JSON line's own timestamp left out (today's date is not a
    child's), and how many JSON lines there were."""
    kept, json_lines = [], 0
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            kept.append(line)
            continue
        if isinstance(record, dict) and "time" in record:
            json_lines += 1
            record.pop("time")
            kept.append(json.dumps(record, ensure_ascii=False))
        else:
            kept.append(line)
    return "\n".join(kept), json_lines


def test_a_qa_managers_morning_leaves_no_personal_data_in_the_logs(
        browser: Any, logged_service: tuple[str, dict[str, str], Path]) -> None:
    url, env, log_path = logged_service
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    try:
        sign_in(page, "demo-qa_manager")

        # The case list, a search by reference (typed in, posted) and the case's page.
        page.goto("/cases/")
        check_page(page)
        links = page.locator("main a[href^='/cases/']").evaluate_all(
            "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])")
        reference = next(text for href, text in links if re.fullmatch(r"/cases/\d+/", href))
        page.get_by_label("Find a case").fill(reference)
        page.get_by_role("button", name="Find").click()
        page.wait_for_load_state()
        page.get_by_role("link", name=reference, exact=True).first.click()
        page.wait_for_load_state()
        check_page(page)
        assert reference in page.inner_text("main")

        # An audit's page.
        page.goto("/audits/")
        hrefs = [h for h in page.locator("main a[href^='/audits/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
            if re.fullmatch(r"/audits/\d+/", h)]
        assert hrefs, "the demo council has no audit to open"
        page.goto(hrefs[0])
        page.wait_for_load_state()
        check_page(page)

        # An import: the monthly layout's sample files, run by the worker.
        page.goto("/cases/imports/new")
        page.get_by_label("auditloop monthly layout").check()
        page.get_by_label("Upload the files").set_input_files(
            [str(SAMPLES / n) for n in ("cases.csv", "involvements.csv", "events.csv")])
        # Some sample rows name staff the demo council does not have: those are listed on
        # the page (not in the log), and the rest go in.
        page.get_by_label("Import the valid rows and list the rest").check()
        page.get_by_role("button", name="Import", exact=True).click()
        page.locator("#import-status:not([hx-get])").wait_for(timeout=60_000)
        assert "Imported" in page.inner_text("main")
    finally:
        context.close()
    time.sleep(1)  # the last access lines are written after their responses

    values = _personal_values(env)
    assert len(values) > 50, "the cases were not read back"
    assert reference in values, f"{reference} is not a case reference"
    text, json_lines = _log_text(log_path)
    # The logs were really kept: access lines for the pages above, as JSON.
    assert json_lines > 20
    for route in ("cases:case_list", "cases:case_detail", "audits:audit_detail",
                  "cases:import_new"):
        assert f'"route": "{route}"' in text, f"no access line for {route}"
    found = sorted(v for v in values if v in text)
    assert not found, f"personal data in the logs: {found[:10]}"
