"""Browser tests: a real auditloop server (demo settings, its own database) in a
subprocess, with a db_worker beside it, driven by Playwright in Debian's chromium.

Each page a test visits is checked with axe-core (WCAG 2.2 AA tags): `check_page(page)`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDITLOOP = str(Path(sys.executable).with_name("auditloop"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "demo password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(tmp: Path, worker: str) -> tuple[str, Any]:
    """A fresh database for this test run: SQLite in a temp dir, or a new PostgreSQL db."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}", None
    import psycopg

    parts = urlsplit(base)
    name = f"{(parts.path.strip('/') or 'auditloop')}_e2e_{worker}_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


@pytest.fixture(scope="session")
def live_service(worker_id: str) -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix="auditloop-e2e-"))
    db_url, drop = _database_url(tmp, worker_id)
    env = {
        **os.environ,
        "AUDITLOOP_ENV": "demo",
        "DEBUG": "true",
        "DATABASE_URL": db_url,
        "AUDITLOOP_VAR_DIR": str(tmp),
        "SESSION_IDLE_TIMEOUT": "1800",
        # Every browser test signs in from 127.0.0.1, dozens of times a minute: beyond
        # the 30 a minute from one address that a council's service allows.
        "LOGIN_RATE_LIMIT": "1000/m/ip",
        # A team's overdue actions are exported in the request, the whole tracker by the
        # background worker (tests/e2e/test_tracker.py walks both).
        "TRACKER_EXPORT_INLINE_ROWS": "100",
    }
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True, "text": True}
    subprocess.run([AUDITLOOP, "migrate", "--no-input", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run([AUDITLOOP, "demo", "--scale", "small"], **run)  # type: ignore[call-overload]
    port = _free_port()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [AUDITLOOP, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [AUDITLOOP, "db_worker", "--interval", "0.5", "--no-startup-delay"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("auditloop did not start: " + (tmp / "server.log").read_text())
        yield url
    finally:
        for proc in (server, worker):
            proc.terminate()
            proc.wait(timeout=10)
        log.close()
        if drop:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for browser tests: apt-get install chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield b
        b.close()


def new_page(browser: Any, live_service: str, width: int = 1280, height: int = 900) -> Any:
    """A page in a context of its own (its own sign-in), collecting console errors: CSP
    violations show up there."""
    context = browser.new_context(base_url=live_service,
                                  viewport={"width": width, "height": height})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.csp_errors = errors
    return pg


def screenshot(page: Any, name: str) -> None:
    """A full-page screenshot when AUDITLOOP_SCREENSHOTS names a folder."""
    if os.environ.get("AUDITLOOP_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['AUDITLOOP_SCREENSHOTS']}/{name}.png",
                        full_page=True)


@pytest.fixture
def page(browser: Any, live_service: str) -> Iterator[Any]:
    pg = new_page(browser, live_service)
    yield pg
    pg.context.close()


def check_page(page: Any) -> None:
    """axe-core finds nothing at WCAG 2.2 AA, and the page broke no CSP rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert not violations, f"axe-core on {page.url}: " + "; ".join(violations)
    csp = [e for e in page.csp_errors if "Content Security Policy" in e]
    assert not csp, f"CSP violations on {page.url}: {csp}"


def go(page: Any, role: str, name: Any) -> None:
    """Follow the first link or press the first button of that accessible name, then check
    the page it leads to with axe-core."""
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state()
    check_page(page)


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    check_page(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    # Signed in, on a page that rendered: say what the page said otherwise.
    assert page.locator(".app-header__user").count() == 1, (
        f"{username} is not signed in at {page.url}: {page.inner_text('body')[:600]}")
