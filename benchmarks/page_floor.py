"""Pages beside the floor: the service's pages and a minimal view under concurrent clients.

Serves the demo council with the documented production server (one gunicorn process, 8
threads, `docs/operators-guide.md`) on the loopback address and runs CLIENTS clients at once
(threads, with urllib), each signed in as the QA manager with its own session. Each client
then, ROUNDS times, opens the home page, the case list and `/healthz`. `/healthz` does
nothing in its view, but passes through every middleware (the session is read, the user and
their sign-in session row are checked, and whatever the session handling writes is written),
so it is the floor: what any signed-in request costs before its page does any work.

It prints the median and 95th percentile of each, the database connections opened and the
session rows updated during the load (PostgreSQL's own counters, `pg_stat_database.sessions`
and `pg_stat_user_tables.n_tup_upd` for `django_session`). It is not part of `make test`:

    # once: a demo council in a database of its own (dropped and made again)
    .venv/bin/python benchmarks/page_floor.py --make \\
        --database-url postgres://postgres@127.0.0.1:5432/auditloop_pagefloor
    # then, as often as wanted, on the same council:
    .venv/bin/python benchmarks/page_floor.py \\
        --database-url postgres://postgres@127.0.0.1:5432/auditloop_pagefloor

`--conn-max-age` passes CONN_MAX_AGE to the server; without it the server uses the
settings' default for the environment it runs in (`demo` here, which is not production).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_out import (  # noqa: E402 - the scale-out run's helpers
    BIN,
    PASSWORD,
    QA_MANAGER,
    ROOT,
    Client,
    _free_port,
    _percentile,
    _recreate_database,
    _wait_until_up,
)

PAGES = (("home page", "/"), ("case list", "/cases/"), ("minimal view (/healthz)", "/healthz"))


def _counters(url: str) -> tuple[int, int]:
    """(connections opened, django_session rows updated) so far, from PostgreSQL itself."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(host=config.get("HOST") or None, port=config.get("PORT") or None,
                         user=config.get("USER") or None,
                         password=config.get("PASSWORD") or None,
                         dbname=config["NAME"], autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT (SELECT sessions FROM pg_stat_database WHERE datname = current_database()),"
            " (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'django_session')"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1] or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/auditloop_pagefloor")
    parser.add_argument("--make", action="store_true",
                        help="drop the database, make it again with a demo council, and stop")
    parser.add_argument("--scale", default="standard", help="the demo council's scale (--make)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8, help="threads of the one process")
    parser.add_argument("--conn-max-age", default=None,
                        help="CONN_MAX_AGE for the server (default: the settings' own)")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the run needs PostgreSQL (--database-url postgres://...)")

    var = Path(tempfile.mkdtemp(prefix="auditloop-pagefloor-"))
    env = {**os.environ, "AUDITLOOP_ENV": "demo", "DEBUG": "0",
           "DATABASE_URL": args.database_url, "AUDITLOOP_VAR_DIR": str(var),
           "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING"}
    env.pop("CONN_MAX_AGE", None)
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = args.conn_max_age
    if args.make:
        t0 = time.perf_counter()
        _recreate_database(args.database_url)
        for command in (["migrate", "--no-input", "-v0"], ["demo", "--scale", args.scale]):
            subprocess.run([str(BIN / "auditloop"), *command],  # noqa: S603 - ours
                           env=env, cwd=ROOT, check=True, capture_output=True)
        print(f"{args.scale.capitalize()} demo council made in {time.perf_counter() - t0:.0f} s")
        return 0

    os.environ.update({k: env[k] for k in ("AUDITLOOP_ENV", "DEBUG", "DATABASE_URL",
                                           "AUDITLOOP_VAR_DIR", "ALLOWED_HOSTS")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "auditloop.settings"
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from auditloop.people.models import User

    if not User.objects.filter(username=QA_MANAGER).update(password=make_password(PASSWORD)):
        parser.error(f"no {QA_MANAGER} in the database: make the demo council with --make")
    connection.close()

    port = _free_port()
    log = var / "app.log"
    proc = subprocess.Popen(  # noqa: S603 - our own server
        [str(BIN / "gunicorn"), "auditloop.wsgi", "--workers", "1", "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        env=env, cwd=var, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, proc, log)
        clients = [Client(base, "browse") for _ in range(args.clients)]
        # Sign everybody in first, one after another, then time the pages alone. (Signing
        # the same person in 20 times at once trips the lockout: allauth counts an attempt
        # before it knows the password was right.)
        for c in clients:
            if not c.sign_in(QA_MANAGER, PASSWORD):
                raise RuntimeError(f"could not sign in: {c.errors}")
            c.timings.clear()
        opened_before, updated_before = _counters(args.database_url)
        threads = [threading.Thread(target=_browse_signed_in, args=(c, args.rounds))
                   for c in clients]
        t1 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        load_seconds = time.perf_counter() - t1
        time.sleep(1.5)  # PostgreSQL publishes its counters at most once a second
        opened_after, updated_after = _counters(args.database_url)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    timings = [s for c in clients for _w, s in c.timings]
    errors = [e for c in clients for e in c.errors]
    by_kind: dict[str, list[float]] = {}
    for c in clients:
        for what, s in c.timings:
            by_kind.setdefault(what, []).append(s)
    load = os.getloadavg()
    print(f"Server: gunicorn, 1 process x {args.threads} threads; CONN_MAX_AGE "
          f"{args.conn_max_age if args.conn_max_age is not None else '(settings default)'}; "
          f"clients: {args.clients}, {args.rounds} rounds of {len(PAGES)} requests each")
    print(f"Load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"Requests made: {len(timings)} in {load_seconds:.1f} s "
          f"({len(timings) / load_seconds:.1f} a second)")
    print(f"Errors: {len(errors)}" + (f" {sorted(set(errors))[:10]}" if errors else ""))
    for what, _path in PAGES:
        values = by_kind.get(what, [])
        if values:
            print(f"  {what}: {len(values)} requests, p50 {statistics.median(values) * 1000:.0f}"
                  f" ms, p95 {_percentile(values, 95) * 1000:.0f} ms")
    print(f"Database connections opened during the load: {opened_after - opened_before}")
    print(f"Session rows updated during the load: {updated_after - updated_before}")
    failed = [line for line in log.read_text().splitlines() if re.search(r"Traceback", line)]
    if failed:
        print(f"The server logged {len(failed)} tracebacks: see {log}")
    return 1 if errors else 0


def _browse_signed_in(client: Client, rounds: int) -> None:
    for _ in range(rounds):
        for what, path in PAGES:
            status, body = client.request(what, path)
            if status != 200 or 'name="password"' in body:  # the sign-in page: signed out
                client.errors.append(f"{what}: {status}")


if __name__ == "__main__":
    sys.exit(main())
