"""Scale-out: two app servers and two background workers on one PostgreSQL database.

Makes a small demo council in a database of its own, starts two gunicorn app servers and two
`auditloop db_worker` processes on the loopback address, and runs a bounded load: CLIENTS
clients at once (threads, with urllib), each signing in and then either saving audit answers
as an auditor types them (the autosave endpoint) or starting imports from the upload page as
a QA manager. Then it checks:

- every write landed: each saved answer is in the database with the last text its client
  sent, and its revision went up once for each save the server confirmed (so no save was
  lost or applied twice);
- no task ran twice: one import task per import job, each claimed by one worker, and every
  job finished.

It prints the requests made, errors, the median and 95th percentile response times, the
writes checked and the duplicates found. It is not part of `make test`:

    .venv/bin/python benchmarks/scale_out.py \
        --database-url postgres://postgres@127.0.0.1:5432/auditloop_scaleout

The database named is dropped and made again: never point it at a database you want.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAFF_CSV = ROOT / "docs" / "samples" / "staff.csv"
PASSWORD = "scale-out password 1"
QA_MANAGER = "demo-qa_manager"


# --- The database and the processes ------------------------------------------------------

def _recreate_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(host=config.get("HOST") or None, port=config.get("PORT") or None,
                         user=config.get("USER") or None,
                         password=config.get("PASSWORD") or None,
                         dbname="postgres", autocommit=True) as conn:
        name = sql.Identifier(config["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{url} stopped:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start:\n{log.read_text()[-3000:]}")


# --- Accounts and the answers each client saves (in-process, before the load) -------------

@dataclass
class Target:
    username: str
    audit_id: int
    field_id: str
    section_key: str
    item: int
    question_key: str
    initial_revision: int


def _targets(count: int) -> list[Target]:
    """`count` (auditor, audit, text answer) triples, one client each: the auditors get a
    password, and no two clients write the same answer."""
    from django.contrib.auth.hashers import make_password

    from auditloop.audits import forms
    from auditloop.audits.models import Answer, Audit
    from auditloop.audits.submission import Sheet
    from auditloop.people.models import User

    password = make_password(PASSWORD)
    found: list[Target] = []
    _open_audits(count)
    # The QA manager may be one of the auditors: every client signs in with one password.
    User.objects.filter(username=QA_MANAGER).update(password=password)
    editable = (Audit.objects.filter(status__in=[Audit.Status.ALLOCATED,
                                                 Audit.Status.IN_PROGRESS])
                .prefetch_related("assignments__person__user").order_by("pk"))
    for audit in editable:
        auditors = [a.person for a in audit.assignments.all() if a.ended_at is None]
        if not auditors:
            continue
        person = auditors[0]
        user = person.user
        if user is None:
            user = User.objects.create(username=f"scaleout-{person.pk}", password=password)
            person.user = user
            person.save(update_fields=["user"])
        elif user.password != password:
            user.password = password
            user.save(update_fields=["password"])
        sheet = Sheet.for_audit(audit)
        fields = [f for f in forms.overall_fields(sheet) if f.kind == "text"]
        for section in sheet.sections:
            page = forms.section_fields(sheet, section)
            if page["evidence"] is not None:
                fields.append(page["evidence"])
        for f in fields:
            answer = Answer.objects.filter(audit=audit, section_key=f.section_key,
                                           item=f.item, question_key=f.key).first()
            found.append(Target(user.username, audit.pk, f.id, f.section_key, f.item, f.key,
                                answer.revision if answer else 0))
            if len(found) == count:
                return found
    raise RuntimeError(f"the demo council has only {len(found)} answers to write, not {count}")


def _open_audits(count: int) -> None:
    """The demo council's audits are all finished: allocate `count` new ones, to the people
    who audited before, on open cases, as the QA manager's "New audit" page does."""
    from auditloop.audits import services
    from auditloop.audits.models import Audit, AuditAssignment
    from auditloop.cases.models import Case
    from auditloop.people.models import Person

    finished = Audit.objects.filter(kind=Audit.Kind.CASE_AUDIT).order_by("-pk").first()
    if finished is None:
        raise RuntimeError("the demo council has no case audit to copy the tool from")
    auditors = list(Person.objects.filter(
        pk__in=AuditAssignment.objects.values("person")).order_by("pk"))
    qa_manager = Person.objects.get(user__username=QA_MANAGER)
    cases = Case.objects.filter(closed_on__isnull=True).order_by("pk")[:count]
    for n, case in enumerate(cases):
        services.audit_create(case=case, tool_version=finished.tool_version,
                              auditors=[auditors[n % len(auditors)]], created_by=qa_manager)


# --- The clients ------------------------------------------------------------------------

@dataclass
class Client:
    base: str
    kind: str  # "autosave" or "import"
    timings: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    saves: list[str] = field(default_factory=list)  # texts the server confirmed, in order
    imports: int = 0
    target: Target | None = None

    def __post_init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, what: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        req = urllib.request.Request(  # noqa: S310 - the loopback servers started here
            self.base + path, data=data, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=120) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        except OSError as error:
            self.timings.append((what, time.perf_counter() - started))
            self.errors.append(f"{what}: {type(error).__name__}")
            return 0, ""
        self.timings.append((what, time.perf_counter() - started))
        return status, body

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name.endswith("csrftoken") and c.value)

    def sign_in(self, username: str, password: str) -> bool:
        status, page = self.request("sign-in page", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            self.errors.append(f"sign-in page: {status}")
            return False
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1),
                                       "login": username, "password": password}).encode()
        status, page = self.request("sign in", "/accounts/login/", data)
        if status != 200 or 'name="password"' in page:  # the form again: not signed in
            self.errors.append(f"sign in as {username}: {status}")
            return False
        return True

    def autosave(self, rounds: int, number: int) -> None:
        t = self.target
        assert t is not None
        if not self.sign_in(t.username, PASSWORD):
            return
        status, _ = self.request("audit page", f"/audits/{t.audit_id}/")
        if status != 200:
            self.errors.append(f"audit page: {status}")
        revision, was = "", ""
        for n in range(rounds):
            text = f"Scale-out client {number} save {n}: {uuid.uuid4().hex[:8]}"
            fields = {"field": t.field_id, t.field_id: text,
                      f"{t.field_id}-revision": revision, f"{t.field_id}-was": was}
            if n == 0:
                fields["overwrite"] = "1"  # the first save takes whatever was there
            status, body = self.request(
                "autosave", f"/audits/{t.audit_id}/save",
                urllib.parse.urlencode(fields).encode(),
                {"X-CSRFToken": self.csrf()})
            try:
                answer = json.loads(body) if body else {}
            except ValueError:
                answer = {}
            if status == 200 and answer.get("status") == "saved":
                self.saves.append(text)
                revision, was = str(answer["revision"]), str(answer["was"])
            else:
                self.errors.append(f"autosave: {status} {answer.get('status')}")
            if n % 3 == 2:
                self.request("case list", "/cases/")

    def start_imports(self, rounds: int) -> None:
        if not self.sign_in(QA_MANAGER, PASSWORD):
            return
        for _ in range(rounds):
            status, _page = self.request("upload page", "/cases/imports/new/")
            if status != 200:
                self.errors.append(f"upload page: {status}")
                continue
            body, content_type = _multipart(
                {"csrfmiddlewaretoken": self.csrf(), "format": "staff", "encoding": "utf-8"},
                ("upload", STAFF_CSV.name, STAFF_CSV.read_bytes()))
            status, page = self.request("start import", "/cases/imports/new/", body,
                                        {"Content-Type": content_type})
            if status == 200 and 'id="import-status"' in page:
                self.imports += 1
            else:
                self.errors.append(f"start import: {status}")
            self.request("imports list", "/cases/imports/")


def _multipart(fields: dict[str, str], upload: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    name, filename, content = upload
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- The checks ----------------------------------------------------------------------------

def _wait_for_the_queue(timeout: float) -> bool:
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
            return True
        time.sleep(1)
    return False


def _check_writes(clients: list[Client]) -> tuple[int, list[str]]:
    from auditloop.audits.models import Answer

    checked, wrong = 0, []
    for c in clients:
        t = c.target
        if t is None or not c.saves:
            continue
        answer = Answer.objects.get(audit_id=t.audit_id, section_key=t.section_key,
                                    item=t.item, question_key=t.question_key)
        checked += len(c.saves)
        expected_revision = t.initial_revision + len(c.saves)
        if answer.value != c.saves[-1] or answer.revision != expected_revision:
            wrong.append(f"audit {t.audit_id} {t.field_id}: revision {answer.revision}, "
                         f"expected {expected_revision}")
    return checked, wrong


def _check_tasks(started_before: Any) -> dict[str, Any]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from auditloop.cases.models import ImportJob

    jobs = ImportJob.objects.filter(created_at__gte=started_before)
    rows = DBTaskResult.objects.filter(enqueued_at__gte=started_before)
    import_rows = rows.filter(task_path__endswith="run_import")
    job_ids = [r.args_kwargs["args"][0] if r.args_kwargs["args"]
               else r.args_kwargs["kwargs"].get("job_id") for r in import_rows]
    claimed_twice = [str(r.pk) for r in rows if len(r.worker_ids) > 1]
    per_worker = {w["worker_ids"][0] if w["worker_ids"] else "(none)": w["n"]
                  for w in rows.values("worker_ids").annotate(n=Count("id"))}
    return {
        "import jobs": jobs.count(),
        "import tasks": import_rows.count(),
        "jobs with more than one task": len(job_ids) - len(set(job_ids)),
        "tasks claimed more than once": len(claimed_twice),
        "jobs without a task": len({j.pk for j in jobs} - set(job_ids)),
        "job statuses": dict(jobs.values_list("status").annotate(n=Count("id"))),
        "task statuses": dict(rows.values_list("status").annotate(n=Count("id"))),
        "tasks per worker": per_worker,
    }


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- Main -------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/auditloop_scaleout")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=12,
                        help="saves (or imports, for import clients) per client")
    parser.add_argument("--import-clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="threads per app server")
    parser.add_argument("--reuse", action="store_true",
                        help="use the demo council a previous run left in the database")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the scale-out run needs PostgreSQL (--database-url postgres://...)")

    var = Path(tempfile.mkdtemp(prefix="auditloop-scaleout-"))
    env = {**os.environ, "AUDITLOOP_ENV": "demo", "DEBUG": "0",
           "DATABASE_URL": args.database_url, "AUDITLOOP_VAR_DIR": str(var),
           "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "60"}
    os.environ.update({k: env[k] for k in ("AUDITLOOP_ENV", "DEBUG", "DATABASE_URL",
                                           "AUDITLOOP_VAR_DIR", "ALLOWED_HOSTS")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "auditloop.settings"
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        t0 = time.perf_counter()
        if not args.reuse:
            _recreate_database(args.database_url)
            for command in (["migrate", "--no-input", "-v0"], ["demo", "--scale", "small"]):
                subprocess.run([str(BIN / "auditloop"), *command],  # noqa: S603 - ours
                               env=env, cwd=ROOT, check=True, capture_output=True)
            print(f"Small demo council made in {time.perf_counter() - t0:.0f} s")

        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        writers = args.clients - args.import_clients
        targets = _targets(writers)
        connection.close()

        urls = []
        for n in (1, 2):
            port = _free_port()
            log = var / f"app{n}.log"
            logs.append(log)
            procs.append(subprocess.Popen(  # noqa: S603 - our own server
                [str(BIN / "gunicorn"), "auditloop.wsgi", "--workers", "1", "--threads",
                 str(args.threads), "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
                env=env, cwd=var, stdout=log.open("w"), stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        for n in (1, 2):
            log = var / f"worker{n}.log"
            logs.append(log)
            procs.append(subprocess.Popen(  # noqa: S603 - our own worker
                [str(BIN / "auditloop"), "db_worker", "--queue-name", "*", "--no-reload",
                 "--interval", "0.5", "--worker-id", f"worker-{n}"],
                env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT))
        for url, proc, log in zip(urls, procs, logs, strict=False):
            _wait_until_up(url, proc, log)

        started_before = timezone.now()
        clients = []
        for n in range(args.clients):
            base = urls[n % 2]
            if n < args.import_clients:
                clients.append(Client(base, "import"))
            else:
                clients.append(Client(base, "autosave", target=targets[n - args.import_clients]))
        threads = [
            threading.Thread(target=(c.start_imports if c.kind == "import" else c.autosave),
                             args=((args.rounds,) if c.kind == "import" else (args.rounds, n)))
            for n, c in enumerate(clients)]
        t1 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        load_seconds = time.perf_counter() - t1
        drained = _wait_for_the_queue(timeout=600)
        drain_seconds = time.perf_counter() - t1 - load_seconds

        checked, wrong = _check_writes(clients)
        tasks = _check_tasks(started_before)
        timings = [s for c in clients for _w, s in c.timings]
        errors = [e for c in clients for e in c.errors]
        by_kind: dict[str, list[float]] = {}
        for c in clients:
            for what, s in c.timings:
                by_kind.setdefault(what, []).append(s)

        print(f"App servers: 2 (gunicorn, 1 process x {args.threads} threads each); "
              f"workers: 2 (db_worker); clients: {args.clients} "
              f"({writers} saving answers, {args.import_clients} starting imports), "
              f"{args.rounds} rounds each")
        print(f"Requests made: {len(timings)} in {load_seconds:.1f} s "
              f"({len(timings) / load_seconds:.1f} a second)")
        print(f"Errors: {len(errors)}" + (f" {sorted(set(errors))[:10]}" if errors else ""))
        print(f"All requests: p50 {statistics.median(timings) * 1000:.0f} ms, "
              f"p95 {_percentile(timings, 95) * 1000:.0f} ms")
        for what, values in sorted(by_kind.items()):
            print(f"  {what}: {len(values)} requests, p50 {statistics.median(values) * 1000:.0f}"
                  f" ms, p95 {_percentile(values, 95) * 1000:.0f} ms")
        print(f"Writes checked: {checked} saves to {sum(1 for c in clients if c.saves)} answers;"
              f" wrong: {len(wrong)}" + (f" {wrong[:5]}" if wrong else ""))
        print(f"Imports started: {sum(c.imports for c in clients)}; queue drained: {drained} "
              f"({drain_seconds:.1f} s after the load)")
        for key, value in tasks.items():
            print(f"  {key}: {value}")
        failed = tasks["job statuses"].get("failed", 0)
        if failed:
            # What the workers logged about it (exception types and messages: no case data).
            found = [line.strip() for log in logs[2:] for line in log.read_text().splitlines()
                     if re.search(r"Error|Exception", line)]
            print(f"  failed import jobs: {failed}; the workers logged: "
                  f"{sorted(set(found))[:5]}")
        duplicates = tasks["jobs with more than one task"] + tasks["tasks claimed more than once"]
        print(f"Duplicates found: {duplicates}")
        ok = (not errors and not wrong and drained and duplicates == 0
              and tasks["jobs without a task"] == 0)
        print("Result: " + ("all checks passed" if ok else "CHECKS FAILED"))
        return 0 if ok else 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if os.environ.get("SCALE_OUT_KEEP_LOGS"):
            print(f"Logs kept in {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
