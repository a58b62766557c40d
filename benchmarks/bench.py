"""`make bench`: the large council's figures beside their floors, and the budgets checked.

    make bench                                      # PostgreSQL, the large council
    .venv/bin/python benchmarks/bench.py --database-url postgres://postgres@127.0.0.1:5432/auditloop_bench_make
    .venv/bin/python benchmarks/bench.py --quick \\
        --database-url sqlite:////tmp/bench-quick.sqlite3 --results /tmp/bench-quick.md

It drops and makes again the database it is given (never point it at one you want), then:

1. **Builds** the demo council (`auditloop demo --scale large`, with its two years of
   monthly cycles, moderation, tracker, plans, voice and indicators made through the
   services), then adds ten years of graded audits (150 a month, bulk-written, a third with
   000's impact score) and the tracker's 2,400 audits with their actions, and runs ANALYZE.
2. **Pages**: serves it with the production server and settings of the operators' guide
   (gunicorn, one process of 8 threads, `AUDITLOOP_ENV=production`, so persistent
   connections, JSON logs and secure cookies; the clients say `X-Forwarded-Proto: https` as
   nginx does) and runs 20 clients at once. First every role's home page, each client
   signed in as one role; then the QA manager's main pages (case list and case page, audit
   page, tracker, cycle page, QA meeting, agreement, reports). Every page request is followed
   by one of the minimal view (`/healthz`, signed in), so the floor is measured in the same
   run under the same load. p50 and p95 of each, and the queries each page makes.
3. **Imports**: the monthly layout's CSV, an Annex A workbook and an SSDA903 pair (Header
   and Episodes) of the same number of children, each new then unchanged, beside COPY
   (PostgreSQL) or executemany (SQLite) of the same rows into a plain table, and for the
   workbook beside merely reading it with the importer's own reader.
4. **Exports and reports**: the whole tracker (XLSX and CSV), an audit's PDF and Word
   document, each asked for through the server (the time the request takes) and made
   in-process (time and peak Python memory); the monthly report for one month, the annual
   report for one year and for ten years, as the background worker makes them.
5. **Memory**: the peak resident memory of the web process and of `auditloop db_worker`,
   which makes a report while the server runs.

It prints each budget as held or missed and writes the figures into `benchmarks/RESULTS.md`
between the `make bench` markers (`--results` names another file). It exits 0 when it ran,
whether or not every budget held (`--strict`: 1 if one is missed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START = "<!-- make bench: start -->"
END = "<!-- make bench: end -->"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/auditloop_bench_make"
REFERENCE = dt.date(2026, 3, 31)
BUDGET_PAGE_TIMES_FLOOR = 3.0
BUDGET_IMPORT_SHARE_OF_COPY = 0.10
BUDGET_UNCHANGED_TIMES_NEW = 5.0
BUDGET_XLSX_SHARE_OF_READING = 0.5
BUDGET_REQUEST_SECONDS = 2.0
BUDGET_TEN_YEAR_SECONDS = 30.0
BUDGET_TEN_YEAR_MB = 1024.0


@dataclass
class Settings:
    """What a run does: the full run, or --quick (the small council, a minute)."""
    scale: str
    history_months: int
    per_month: int
    years: int
    tracker_audits: int
    clients: int
    rounds: int
    import_rows: int


FULL = Settings(scale="large", history_months=24, per_month=150, years=10,
                tracker_audits=2400, clients=20, rounds=5, import_rows=10_000)
QUICK = Settings(scale="small", history_months=1, per_month=2, years=10,
                 tracker_audits=40, clients=3, rounds=1, import_rows=100)


@dataclass
class Report:
    """Everything measured, in the order RESULTS.md shows it."""
    started: dt.datetime
    database: str = ""
    settings: Settings | None = None
    build: list[tuple[str, float, str]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)
    imports: list[tuple[str, int, float]] = field(default_factory=list)
    requests: list[tuple[str, float, float]] = field(default_factory=list)  # median, slowest
    made: list[tuple[str, float, float]] = field(default_factory=list)  # seconds, peak MB
    memory: list[tuple[str, float]] = field(default_factory=list)
    loads: list[tuple[str, str]] = field(default_factory=list)
    budgets: list[tuple[str, bool, str]] = field(default_factory=list)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def vm_hwm_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


# --- 1. The council ------------------------------------------------------------------------

def recreate_database(url: str) -> None:
    if url.startswith("sqlite:"):
        path = Path(urllib.parse.urlparse(url).path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from scale_out import _recreate_database

    _recreate_database(url)


def build(url: str, s: Settings, env: dict[str, str], report: Report) -> None:
    recreate_database(url)
    for label, command in (
            ("Migrate", ["migrate", "--no-input", "-v0"]),
            (f"The {s.scale} demo council with {s.history_months} months of cycles",
             ["demo", "--scale", s.scale, "--reference-date", REFERENCE.isoformat(),
              "--history-months", str(s.history_months)])):
        started = time.perf_counter()
        subprocess.run([str(BIN / "auditloop"), *command],  # noqa: S603 - ours
                       env=env, cwd=ROOT, check=True, capture_output=True)
        report.build.append((label, time.perf_counter() - started, load_average()))
        print(f"  {label}: {report.build[-1][1]:.0f} s", flush=True)

    import django
    from django.db import connection

    django.setup()
    import reports as report_bench  # benchmarks/reports.py
    import time_machine
    import tracker as tracker_bench  # benchmarks/tracker.py

    with time_machine.travel(dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC), tick=True):
        started = time.perf_counter()
        made = report_bench.seed(s.per_month, s.years, random.Random(2026))
        report.build.append((f"{made:,} graded audits over {s.years} years",
                             time.perf_counter() - started, load_average()))
        started = time.perf_counter()
        audits, actions = tracker_bench.seed_audits(s.tracker_audits, random.Random(2026))
        report.build.append((f"{audits:,} tracker audits with {actions:,} actions",
                             time.perf_counter() - started, load_average()))
        # A report made, as the QA manager's reports list and a report's page show it.
        from auditloop.insight import kinds, services
        from auditloop.insight.models import ReportVersion
        from auditloop.insight.tasks import make_version

        started = time.perf_counter()
        saved, _ = services.report_open(kind="monthly", period=kinds.Period.month(
            dt.date(2026, 2, 1)), actor=None)
        version = ReportVersion.objects.get(report=saved, number=0)
        if not version.is_ready:
            make_version(version.pk)
        report.build.append(("The monthly report for February 2026",
                             time.perf_counter() - started, load_average()))
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        report.build.append(("ANALYZE", time.perf_counter() - started, load_average()))
    connection.close()


# --- 2. Pages under load -------------------------------------------------------------------

class RateLimited(Exception):
    """The server said 429 Too Many Requests."""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One person's browser: its own cookies (kept by hand, since the production cookies are
    Secure and the loopback is plain HTTP behind the pretend proxy), following redirects."""

    opener = urllib.request.build_opener(NoRedirect)

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.timings: list[tuple[str, float]] = []
        self.errors: list[str] = []

    def _open(self, path: str, data: bytes | None) -> tuple[int, str, Any]:
        origin = self.base.replace("http://", "https://")
        headers = {"X-Forwarded-Proto": "https", "Origin": origin,
                   "Referer": origin + "/",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data,  # noqa: S310 - loopback
                                     headers=headers)
        try:
            with self.opener.open(req, timeout=300) as response:
                status, body, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, got = error.code, error.read(), error.headers
        for raw in got.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in raw.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        text = body.decode(errors="replace") if b"\0" not in body[:512] else ""
        return status, text, got

    def request(self, what: str, path: str, data: dict[str, str] | None = None
                ) -> tuple[int, str]:
        payload = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            status, body, got = self._open(path, payload)
            for _ in range(5):
                if status not in (301, 302, 303):
                    break
                location = urllib.parse.urlparse(got["Location"])
                path = location.path + (f"?{location.query}" if location.query else "")
                status, body, got = self._open(path, None)
        except OSError as error:
            self.timings.append((what, time.perf_counter() - started))
            self.errors.append(f"{what}: {type(error).__name__}")
            return 0, ""
        self.timings.append((what, time.perf_counter() - started))
        if status != 200:
            self.errors.append(f"{what}: {status}")
        return status, body

    def csrf(self) -> str:
        return next(v for k, v in self.cookies.items() if k.endswith("csrftoken"))

    def sign_in(self, username: str, password: str) -> None:
        """Sign in, waiting out the sign-in rate limit (allauth allows 30 sign-ins a minute
        from one address, and every client here comes from the loopback address)."""
        for _ in range(30):
            try:
                return self._sign_in(username, password)
            except RateLimited:
                time.sleep(5)
        raise RuntimeError(f"could not sign in as {username}: still rate limited")

    def _sign_in(self, username: str, password: str) -> None:
        status, page = self.request("sign-in page", "/accounts/login/")
        if status == 429:
            raise RateLimited
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"no sign-in page ({status})")
        status, page = self.request("sign in", "/accounts/login/", {
            "csrfmiddlewaretoken": token.group(1), "login": username, "password": password})
        if status == 429:
            raise RateLimited
        if status != 200 or 'name="password"' in page:
            raise RuntimeError(f"could not sign in as {username} ({status})")
        self.timings.clear()
        self.errors.clear()  # the rate limit waited out above


def serve(env: dict[str, str], var: Path) -> tuple[subprocess.Popen[bytes], str]:
    from scale_out import _free_port

    port = _free_port()
    log = var / "server.log"
    proc = subprocess.Popen(  # noqa: S603 - the operators' guide's command, on the loopback
        [str(BIN / "gunicorn"), "auditloop.wsgi", "--workers", "1", "--threads", "8",
         "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        env=env, cwd=var, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:  # as nginx asks, or production's redirect to HTTPS answers
            urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - loopback
                base + "/healthz", headers={"X-Forwarded-Proto": "https"}), timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")


def run_load(title: str, plans: list[list[tuple[Browser, list[tuple[str, str]]]]],
             rounds: int, report: Report) -> None:
    """Each plan is one client thread: its browsers and the pages each opens, every page
    followed by the minimal view."""
    def work(plan: list[tuple[Browser, list[tuple[str, str]]]]) -> None:
        for _ in range(rounds):
            for browser, pages in plan:
                for what, path in pages:
                    browser.request(what, path)
                    browser.request("minimal view (/healthz)", "/healthz")

    before = load_average()
    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    browsers = [b for plan in plans for b, _ in plan]
    by_page: dict[str, list[float]] = {}
    for b in browsers:
        for what, s in b.timings:
            by_page.setdefault(what, []).append(s)
        b.timings.clear()
    errors = [e for b in browsers for e in b.errors]
    for b in browsers:
        b.errors.clear()
    floor = by_page.pop("minimal view (/healthz)")
    report.loads.append((title, f"{before} at the start, {load_average()} at the end"))
    report.pages.append({
        "title": title, "clients": len(plans), "rounds": rounds, "seconds": seconds,
        "requests": sum(len(v) for v in by_page.values()) + len(floor),
        "errors": errors, "floor": (statistics.median(floor), percentile(floor, 95)),
        "rows": [(what, len(v), statistics.median(v), percentile(v, 95))
                 for what, v in by_page.items()],
    })
    print(f"  {title}: {seconds:.0f} s, {len(errors)} errors", flush=True)


def main_pages() -> list[tuple[str, str]]:
    """The QA manager's main pages on the demo council, by their real ids."""
    from auditloop.audits.models import Audit
    from auditloop.cases.models import Case
    from auditloop.insight.models import Report as SavedReport
    from auditloop.programme.models import Cycle

    audit = (Audit.objects.filter(answers__isnull=False, submitted_at__isnull=False)
             .order_by("-submitted_at").first())
    cycle = Cycle.objects.filter(agenda__isnull=False).order_by("-pk").first()
    case = Case.objects.filter(status="open").order_by("pk").first()
    pages = [("case list", "/cases/"), ("tracker", "/audits/tracker/"),
             ("agreement", "/moderation/agreement/"),
             ("monthly report page", "/reports/monthly/?month=2026-03"),
             ("reports list", "/reports/")]
    if case:
        pages.append(("case page", f"/cases/{case.pk}/"))
    if audit:
        pages.append(("audit page", f"/audits/{audit.pk}/"))
    if cycle:
        pages += [("cycle page", f"/programme/{cycle.pk}/"),
                  ("QA meeting", f"/programme/{cycle.pk}/meeting")]
    saved = SavedReport.objects.order_by("-pk").first()
    if saved:
        pages.append(("a report", f"/reports/{saved.pk}/"))
    return pages


def count_queries(pages: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Queries each page makes, once, in-process (the pinned counts' live figure)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from auditloop.people.models import User

    out: dict[str, int] = {}
    clients: dict[str, Client] = {}
    for what, (username, path) in pages.items():
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        clients[username].get(path)  # warm
        with CaptureQueriesContext(connection) as captured:
            response = clients[username].get(path)
        if response.status_code == 200:
            out[what] = len(captured)
    return out


# --- 3. Imports ----------------------------------------------------------------------------

def measure_imports(rows: int, report: Report) -> None:
    import imports as import_bench  # benchmarks/imports.py

    import_bench.remove_imported()
    data = import_bench.cases_csv(rows, random.Random(2026))
    floor = import_bench.bulk_floor(data)
    new, _ = import_bench.run_import(data)
    again, _ = import_bench.run_import(data)
    import_bench.remove_imported()
    from django.db import connection

    what = "COPY" if connection.vendor == "postgresql" else "executemany"
    report.imports += [(f"{what} into a plain table", rows, floor),
                       ("Monthly CSV, new cases", rows, new),
                       ("Monthly CSV, the same file unchanged", rows, again)]
    share = floor / new
    report.budgets.append((
        f"Monthly CSV: a new import at least {BUDGET_IMPORT_SHARE_OF_COPY:.0%} of {what}'s rows "
        "a second",
        share >= BUDGET_IMPORT_SHARE_OF_COPY, f"{share:.2%}"))
    report.budgets.append((
        f"Monthly CSV: an unchanged re-import at least {BUDGET_UNCHANGED_TIMES_NEW:.0f} times "
        "as fast as new", new / again >= BUDGET_UNCHANGED_TIMES_NEW, f"{new / again:.1f} times"))

    import returns_imports  # benchmarks/returns_imports.py

    rows_903 = returns_imports.measure(rows, random.Random(2026))
    report.imports += rows_903
    seconds = {label: s for label, _n, s in rows_903}
    read = next(s for label, s in seconds.items() if "read only" in label)
    annex_new = seconds["Annex A workbook, new"]
    annex_again = seconds["Annex A workbook, the same file unchanged"]
    floor_903 = next(s for label, s in seconds.items() if label.startswith("SSDA903")
                     and ("COPY" in label or "executemany" in label))
    new_903 = seconds["SSDA903 Header and Episodes, new"]
    again_903 = seconds["SSDA903 Header and Episodes, the same files unchanged"]
    report.budgets += [
        (f"Annex A workbook: the import at least {BUDGET_XLSX_SHARE_OF_READING:.0%} of the "
         "speed of merely reading it", read / annex_new >= BUDGET_XLSX_SHARE_OF_READING,
         f"{read / annex_new:.0%}"),
        (f"Annex A workbook: an unchanged re-import at least {BUDGET_UNCHANGED_TIMES_NEW:.0f} "
         "times as fast as new", annex_new / annex_again >= BUDGET_UNCHANGED_TIMES_NEW,
         f"{annex_new / annex_again:.1f} times"),
        (f"SSDA903 CSVs: a new import at least {BUDGET_IMPORT_SHARE_OF_COPY:.0%} of {what}'s "
         "rows a second", floor_903 / new_903 >= BUDGET_IMPORT_SHARE_OF_COPY,
         f"{floor_903 / new_903:.2%}"),
        (f"SSDA903 CSVs: an unchanged re-import at least {BUDGET_UNCHANGED_TIMES_NEW:.0f} "
         "times as fast as new", new_903 / again_903 >= BUDGET_UNCHANGED_TIMES_NEW,
         f"{new_903 / again_903:.1f} times"),
    ]
    report.loads.append(("Imports", load_average()))


# --- 4. Exports and reports ----------------------------------------------------------------

def made(label: str, work: Callable[[], Any], report: Report) -> tuple[float, float]:
    """Run the work in a forked child, as the worker would run it in a process of its own:
    its wall time and its peak resident memory (the child's maximum resident set, which
    starts at this process's size when forked). Nothing slows the work down to measure it."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 0
        try:
            started = time.perf_counter()
            work()
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            os.write(write, f"{seconds} {peak}".encode())
        except BaseException as error:  # noqa: BLE001 - reported by the parent
            os.write(write, f"error {type(error).__name__}: {error}".encode()[:4000])
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    if text.startswith("error") or not text:
        raise RuntimeError(f"{label}: {text or 'the child stopped'}")
    seconds, peak = (float(x) for x in text.split())
    report.made.append((label, seconds, peak))
    print(f"  {label}: {seconds:.1f} s, {peak:.0f} MB", flush=True)
    return seconds, peak


def make_files(report: Report) -> None:
    """Each export and report made as its code makes it, in this process."""
    import time_machine
    from django.db import transaction

    from auditloop.audits import exports, tracker
    from auditloop.audits import tracker_exports as tx
    from auditloop.audits.models import Audit
    from auditloop.common.exports import ExportStamp
    from auditloop.insight import figures, kinds, render, services
    from auditloop.insight.models import Report as SavedReport
    from auditloop.insight.models import ReportVersion
    from auditloop.insight.tasks import make_version
    from auditloop.people.models import User

    user = User.objects.get(username="demo-qa_manager")
    with time_machine.travel(dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC), tick=True):
        for fmt in ("xlsx", "csv"):
            def whole(fmt: str = fmt) -> bytes:
                rows = tx.export_rows(view="cases", user=user, filters=tracker.TrackerFilters(),
                                      today=REFERENCE)
                return tx.export_file(fmt, rows, view="cases", stamp=ExportStamp.now(user))
            made(f"The whole tracker as {fmt.upper()}", whole, report)
        audit = (Audit.objects.filter(answers__isnull=False, submitted_at__isnull=False)
                 .order_by("-submitted_at").first())
        if audit:
            made("An audit's PDF", lambda: exports.render_pdf(exports.audit_document(audit)),
                 report)
            made("An audit's Word document",
                 lambda: exports.render_docx(exports.audit_document(audit)), report)

        def version(kind: str, period: Any) -> None:
            with transaction.atomic():
                SavedReport.objects.filter(kind=kind, period_key=period.key).delete()
                saved, _ = services.report_open(kind=kind, period=period, actor=None)
            make_version(ReportVersion.objects.get(report=saved, number=0).pk)
            assert ReportVersion.objects.get(report=saved, number=0).is_ready

        made("The monthly report for March 2026 (document, PDF, Word, XLSX)",
             lambda: version("monthly", kinds.Period.month(dt.date(2026, 3, 1))), report)
        made("The annual report for 2025-26 (document, PDF, Word, XLSX)",
             lambda: version("annual", kinds.Period.financial_year(2025)), report)
        ten = kinds.Period(kinds.PeriodType.YEAR, dt.date(2016, 4, 1), REFERENCE, "2016-26",
                           "April 2016 to March 2026")
        context = kinds.Context(scope=figures.Scope(start=ten.start, end=ten.end), period=ten)

        def ten_years() -> None:
            doc = kinds.build("annual", context)
            render.pdf(doc)
            render.docx(doc)
            render.xlsx(doc)

        seconds, peak = made(
            "The annual report over ten years, 2016-26 (document, PDF, Word, XLSX)",
            ten_years, report)
        report.budgets.append((
            f"The ten-year annual report under {BUDGET_TEN_YEAR_SECONDS:.0f} s and "
            f"{BUDGET_TEN_YEAR_MB / 1024:.0f} GiB",
            seconds < BUDGET_TEN_YEAR_SECONDS and peak < BUDGET_TEN_YEAR_MB,
            f"{seconds:.1f} s, {peak:.0f} MB peak resident memory"))
    report.loads.append(("Exports and reports made in-process", load_average()))


def timed_requests(browser: Browser, label: str, path: str, data: dict[str, str] | None,
                   runs: int, report: Report) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _ = browser.request(label, path, None if data is None else
                                    {**data, "csrfmiddlewaretoken": browser.csrf()})
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{label}: {status} {browser.errors[-3:]}")
    browser.timings.clear()
    report.requests.append((label, statistics.median(times), max(times)))
    report.budgets.append((f"{label}: within {BUDGET_REQUEST_SECONDS:.0f} s in the request",
                           max(times) <= BUDGET_REQUEST_SECONDS, f"slowest {max(times):.2f} s"))


# --- 5. Writing it down --------------------------------------------------------------------

def markdown(report: Report) -> str:
    s = report.settings
    assert s is not None
    lines = [START, "", "## `make bench`", "",
             f"Run on {report.started:%-d %B %Y}, {report.started:%H:%M} UTC, on "
             f"{os.cpu_count()} CPUs ({platform.machine()}, {platform.system()}), Python "
             f"{platform.python_version()}, {report.database}. Written by "
             f"`benchmarks/bench.py`{' --quick' if s.scale != 'large' else ''}: every "
             "figure below comes from this one run, each beside its floor measured in the "
             "same run.", "",
             "### Budgets", "", "| Budget | Held | Measured |", "|---|---|---|"]
    lines += [f"| {name} | {'held' if ok else '**missed**'} | {detail} |"
              for name, ok, detail in report.budgets]
    lines += ["", "### The council", "", "| Step | Seconds | Load average after |",
              "|---|---:|---|"]
    lines += [f"| {label} | {seconds:,.1f} | {load} |" for label, seconds, load in report.build]
    for run in report.pages:
        lines += ["", f"### {run['title']}", "",
                  f"{run['clients']} clients at once, {run['rounds']} rounds, "
                  f"{run['requests']:,} requests in {run['seconds']:.0f} s, "
                  f"{len(run['errors'])} errors"
                  + (f" ({', '.join(sorted(set(run['errors']))[:5])})" if run["errors"] else "")
                  + ". The floor is the minimal view, asked for after every page.", "",
                  "| Page | Requests | p50 ms | p95 ms | p95 / floor's p95 | Queries |",
                  "|---|---:|---:|---:|---:|---:|"]
        f50, f95 = run["floor"]
        lines.append(f"| minimal view (`/healthz`), the floor | | {f50 * 1000:,.0f} "
                     f"| {f95 * 1000:,.0f} | 1.0 | |")
        for what, n, p50, p95 in run["rows"]:
            lines.append(f"| {what} | {n} | {p50 * 1000:,.0f} | {p95 * 1000:,.0f} "
                         f"| {p95 / f95:.1f} | {report.queries.get(what, '')} |")
    lines += ["", "### Imports", "", "| What | Rows | Seconds | Rows a second |",
              "|---|---:|---:|---:|"]
    lines += [f"| {what} | {rows:,} | {seconds:,.2f} | {rows / seconds:,.0f} |"
              for what, rows, seconds in report.imports]
    lines += ["", "### Exports and reports asked for through the server", "",
              "| Request | Median s | Slowest s |", "|---|---:|---:|"]
    lines += [f"| {what} | {median:.2f} | {slowest:.2f} |"
              for what, median, slowest in report.requests]
    lines += ["", "### Exports and reports made in-process, as the worker makes them", "",
              "| What | Seconds | Peak resident MB |", "|---|---:|---:|"]
    lines += [f"| {what} | {seconds:,.1f} | {peak:,.0f} |" for what, seconds, peak in report.made]
    lines += ["", "### Memory", "", "| Process | Peak resident MB |", "|---|---:|"]
    lines += [f"| {what} | {mb:,.0f} |" for what, mb in report.memory]
    lines += ["", "### Load average (1, 5 and 15 minutes) during each measurement", "",
              "| Measurement | Load average |", "|---|---|"]
    lines += [f"| {what} | {load} |" for what, load in report.loads]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_results(path: Path, text: str) -> None:
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + text.rstrip("\n") + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


# --- The run -------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--quick", action="store_true",
                        help="the small council and a few requests: checks the run works")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--import-rows", type=int, default=None)
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if a budget is missed")
    args = parser.parse_args()
    s = QUICK if args.quick else FULL
    if args.import_rows:
        s.import_rows = args.import_rows
    report = Report(started=dt.datetime.now(dt.UTC), settings=s)
    var = Path(tempfile.mkdtemp(prefix="auditloop-bench-"))
    base_env = {**os.environ, "DATABASE_URL": args.database_url, "AUDITLOOP_VAR_DIR": str(var),
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "DEBUG": "0",
                "LOG_LEVEL": "WARNING", "EXPORT_RATE_LIMIT": "10000",
                "DJANGO_SETTINGS_MODULE": "auditloop.settings"}
    for name in ("CONN_MAX_AGE", "TASKS_IMMEDIATE", "TRACKER_EXPORT_INLINE_ROWS"):
        base_env.pop(name, None)
    demo_env = {**base_env, "AUDITLOOP_ENV": "demo"}
    secret = secrets.token_urlsafe(50)
    from cryptography.fernet import Fernet

    # The operators' guide's production settings. MFA_REQUIRED is off only because the load
    # clients have no authenticator app; two-factor is checked at sign-in, not per request.
    production_env = {**base_env, "AUDITLOOP_ENV": "production", "SECRET_KEY": secret,
                      "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "MFA_REQUIRED": "0"}
    os.environ.update({k: demo_env[k] for k in ("DATABASE_URL", "AUDITLOOP_VAR_DIR",
                                                 "ALLOWED_HOSTS", "DEBUG", "AUDITLOOP_ENV",
                                                 "EXPORT_RATE_LIMIT", "LOG_LEVEL")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "auditloop.settings"

    print(f"1. The council ({s.scale}) into {urllib.parse.urlparse(args.database_url).path}",
          flush=True)
    build(args.database_url, s, demo_env, report)
    from _setup import describe_database

    report.database = describe_database()

    from auditloop.demo.structure import DEMO_PASSWORD
    from auditloop.people.models import User

    users = list(User.objects.filter(username__startswith="demo-").order_by("username")
                 .values_list("username", flat=True))
    pages = main_pages()
    report.queries = count_queries(
        {**{f"home page: {u.removeprefix('demo-')}": (u, "/") for u in users},
         **{what: ("demo-qa_manager", path) for what, path in pages}})
    from django.db import connection

    connection.close()

    print("2. Pages under load, with the production server", flush=True)
    proc, base = serve(production_env, var)
    worker = subprocess.Popen(  # noqa: S603 - the operators' guide's worker
        [str(BIN / "auditloop"), "db_worker", "--queue-name", "*", "--no-reload"],
        env=production_env, cwd=var, stdout=(var / "worker.log").open("w"),
        stderr=subprocess.STDOUT)
    try:
        homes: list[list[tuple[Browser, list[tuple[str, str]]]]] = [
            [] for _ in range(min(s.clients, len(users)))]
        for i, username in enumerate(users):
            b = Browser(base)
            b.sign_in(username, DEMO_PASSWORD)
            homes[i % len(homes)].append((b, [(f"home page: {username.removeprefix('demo-')}",
                                               "/")]))
        run_load("Every role's home page", homes, s.rounds, report)
        qa = []
        for i in range(s.clients):
            b = Browser(base)
            b.sign_in("demo-qa_manager", DEMO_PASSWORD)
            k = i % len(pages)
            qa.append([(b, pages[k:] + pages[:k])])
        run_load("The QA manager's main pages", qa, s.rounds, report)
        for run in report.pages:
            f95 = run["floor"][1]
            for what, _n, _p50, p95 in run["rows"]:
                report.budgets.append((
                    f"{what}: p95 within {BUDGET_PAGE_TIMES_FLOOR:.0f} times the floor's",
                    p95 <= BUDGET_PAGE_TIMES_FLOOR * f95,
                    f"{p95 * 1000:,.0f} ms against {f95 * 1000:,.0f} ms "
                    f"({p95 / f95:.1f} times)"))

        print("3. Exports asked for through the server", flush=True)
        b = qa[0][0][0]
        runs = 1 if args.quick else 3
        reason = {"reason": "Benchmark"}
        timed_requests(b, "The whole tracker as XLSX (request)", "/audits/tracker/export.xlsx",
                       reason, runs, report)
        timed_requests(b, "The whole tracker as CSV (request)", "/audits/tracker/export.csv",
                       reason, runs, report)
        audit_path = next((p for w, p in pages if w == "audit page"), None)
        if audit_path:
            timed_requests(b, "An audit's PDF (request)", f"{audit_path}export/pdf", reason,
                           runs, report)
            timed_requests(b, "An audit's Word document (request)",
                           f"{audit_path}export/docx", reason, runs, report)
        report.loads.append(("Exports through the server", load_average()))

        print("4. Exports and reports made in-process", flush=True)
        make_files(report)
        print("5. Imports", flush=True)
        measure_imports(s.import_rows, report)

        # The worker makes a real report while the server runs: its memory is measured.
        from django.db import transaction

        from auditloop.insight import kinds, services
        from auditloop.insight.models import Report as SavedReport
        from auditloop.insight.models import ReportVersion

        period = kinds.Period.financial_year(2024)
        with transaction.atomic():
            SavedReport.objects.filter(kind="annual", period_key=period.key).delete()
            saved, _ = services.report_open(kind="annual", period=period, actor=None)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            v = ReportVersion.objects.get(report=saved, number=0)
            if not v.is_working:
                break
            time.sleep(1)
        web = children(proc.pid)
        report.memory += [("Web process (gunicorn worker, 8 threads) after both loads and "
                           "the exports", max((vm_hwm_mb(p) for p in web), default=0.0)),
                          ("Background worker (`auditloop db_worker`) after making the "
                           f"annual report for 2024-25 ({v.get_state_display().lower()})",
                           vm_hwm_mb(worker.pid)),
                          ("This measuring process (imports, reports made in-process)",
                           vm_hwm_mb(os.getpid()))]
    finally:
        for p in (proc, worker):
            p.terminate()
            p.wait(timeout=60)

    print()
    for name, ok, detail in report.budgets:
        print(f"{'held  ' if ok else 'MISSED'}  {name}: {detail}")
    write_results(args.results, markdown(report))
    print(f"\nWritten to {args.results}")
    missed = [b for b in report.budgets if not b[1]]
    print(f"{len(report.budgets) - len(missed)} budgets held, {len(missed)} missed")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
