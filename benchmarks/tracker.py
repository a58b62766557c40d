"""Time the central tracker on the large council: its pages, its selector, its XLSX export,
and the daily escalation of overdue actions.

    .venv/bin/python benchmarks/generate.py            # first: the large council
    .venv/bin/python benchmarks/tracker.py --runs 20

The large council has no audits of its own, so this script adds them the first time it runs
on a database: --audits audits (default 2,400: two years of a large council auditing 100
cases a month) of cases with a key worker and a team manager, 1 to 4 actions each (about
6,000), bulk-written with their owners, history and the team manager's confirmation, at
every point of an action's life (done on time, done late, waiting for sign-off, in progress,
overdue). The first daily escalation run is then timed (it escalates every overdue action's
steps at once), and a second run the same day (which must tell nobody).

Time is frozen at the council's reference date (generate.py's default, 31 March 2026) so the
overdue figures do not drift with the calendar. Pages are fetched in-process with Django's
test client, as benchmarks/register.py does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import default_database_url, describe_database, setup_django  # noqa: E402

MARK = "Benchmark: tracker"
REFERENCE = dt.date(2026, 3, 31)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed_audits(count: int, rng: random.Random) -> tuple[int, int]:
    """Audits, actions, owners, history and confirmations, bulk-written (the services would
    take an hour for this many; the tracker reads the same rows either way)."""
    from django.db import transaction
    from django.utils import timezone

    from auditloop.actions.models import Action, ActionEvent, ActionOwner
    from auditloop.audits.models import Audit, AuditAction, AuditTransition
    from auditloop.cases.models import Case
    from auditloop.standards.models import ToolVersion
    from auditloop.standards.services import preset_apply

    if Audit.objects.filter(reason=MARK).exists():
        return Audit.objects.filter(reason=MARK).count(), AuditAction.objects.filter(
            audit__reason=MARK).count()
    preset_apply(key="002-six-key-areas")  # its tool, its 40 days, its escalation steps
    version = ToolVersion.objects.filter(tool__key="002-six-key-areas").order_by("-number")[0]
    S, A = Audit.Status, Action.Status
    cases = list(Case.objects.filter(key_worker__isnull=False, team_manager__isnull=False)
                 .values_list("pk", "key_worker_id", "team_manager_id").order_by("pk"))
    chosen = rng.sample(cases, min(count, len(cases)))
    grades = ["outstanding", "good", "requires_improvement", "inadequate"]

    def aware(day: dt.date, hour: int = 10) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    with transaction.atomic():
        audits, plans = [], []
        for case_id, kw, tm in chosen:
            submitted = REFERENCE - dt.timedelta(days=rng.randint(5, 730))
            recent = submitted > REFERENCE - dt.timedelta(days=20)
            audits.append(Audit(
                case_id=case_id, tool_version=version, reason=MARK,
                status=S.FEEDBACK_SENT if recent else rng.choice([S.ACTIONS_AGREED, S.CLOSED]),
                period_start=submitted - dt.timedelta(days=180), period_end=submitted,
                overall_grade=(g := rng.choices(grades, [8, 45, 38, 9])[0]), final_grade=g,
                submitted_at=aware(submitted)))
            plans.append((kw, tm, submitted))
        Audit.objects.bulk_create(audits, batch_size=500)
        transitions, actions, owners, events, links = [], [], [], [], []
        for audit, (kw, tm, submitted) in zip(audits, plans, strict=True):
            agreed = submitted + dt.timedelta(days=rng.randint(4, 12))
            if audit.status != S.FEEDBACK_SENT:
                transitions.append(AuditTransition(audit=audit, actor_id=tm,
                                                   from_status=S.FEEDBACK_SENT,
                                                   to_status=S.ACTIONS_AGREED))
            for _ in range(0 if audit.status == S.FEEDBACK_SENT else rng.randint(1, 4)):
                due = agreed + dt.timedelta(days=rng.randint(14, 40))
                old = due < REFERENCE - dt.timedelta(days=60)
                fate = rng.choices(["done", "late", "awaiting", "amber", "red"],
                                   [80, 12, 2, 4, 2] if old else [30, 5, 20, 30, 15])[0]
                done_on = agreed + dt.timedelta(days=rng.randint(41, 60) if fate == "late"
                                                else rng.randint(10, 38))
                done_on = min(done_on, REFERENCE)
                actions.append(Action(
                    issue="Management oversight is not recorded",
                    action="Record management oversight in a case note", by_whom="Key worker",
                    due_on=due, desired_outcome="Oversight recorded",
                    success_measure="A note each month", sign_off_role="team_manager",
                    sign_off_person_id=tm, created_by_id=kw,
                    status=A.GREEN if fate in ("done", "late") else
                    (A.AMBER if fate in ("amber", "awaiting") else A.RED),
                    completion_evidence="Done" if fate in ("done", "late", "awaiting") else "",
                    completion_submitted_at=aware(done_on) if fate in ("done", "late",
                                                                        "awaiting") else None,
                    signed_off_by_id=tm if fate in ("done", "late") else None,
                    signed_off_at=aware(done_on, 15) if fate in ("done", "late") else None))
                links.append((audit, kw, agreed))
        Action.objects.bulk_create(actions, batch_size=500)
        AuditTransition.objects.bulk_create(transitions, batch_size=1000)
        for action, (_, kw, _) in zip(actions, links, strict=True):
            owners.append(ActionOwner(action=action, person_id=kw))
            events.append(ActionEvent(action=action, actor_id=kw, kind=ActionEvent.Kind.CREATED,
                                      to_status=A.RED))
        ActionOwner.objects.bulk_create(owners, batch_size=1000)
        ActionEvent.objects.bulk_create(events, batch_size=1000)
        AuditAction.objects.bulk_create(
            [AuditAction(audit=audit, action=action, source=AuditAction.Source.REPLY)
             for action, (audit, _, _) in zip(actions, links, strict=True)], batch_size=1000)
        # Date everything back (auto_now_add fields are set on insert).
        for action, (_, _, agreed) in zip(actions, links, strict=True):
            action.created_at = aware(agreed)
        Action.objects.bulk_update(actions, ["created_at"], batch_size=1000)
        for row in AuditTransition.objects.filter(audit__reason=MARK,
                                                  to_status=S.ACTIONS_AGREED):
            row.at = row.audit.submitted_at + dt.timedelta(days=8)  # type: ignore[operator]
            row.save(update_fields=["at"])
    return len(audits), len(actions)


def timed(fetch: Callable[[], Any], runs: int, warmup: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = fetch()
        assert getattr(response, "status_code", 200) == 200, response
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return statistics.median(times), percentile(times, 0.95), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--audits", type=int, default=2400)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    setup_django(args.database_url)
    import time_machine
    from django.test import Client

    from auditloop.audits import tracker
    from auditloop.audits.models import ActionEscalation, AuditAction
    from auditloop.audits.overdue import overdue_actions_escalate
    from auditloop.cases.models import Case
    from auditloop.people.models import User

    print(f"Database: {describe_database()}")
    print(f"Cases in the register: {Case.objects.count():,}")
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=True):
        started = time.perf_counter()
        audits, actions = seed_audits(args.audits, random.Random(args.seed))
        print(f"Tracker data: {audits:,} audits, {actions:,} audit actions "
              f"({time.perf_counter() - started:.1f} s)")
        if not ActionEscalation.objects.exists():
            started = time.perf_counter()
            first = overdue_actions_escalate(today=REFERENCE)
            print(f"Escalation, first run: {len(first.escalated):,} steps, "
                  f"{first.people_told:,} people told, {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        again = overdue_actions_escalate(today=REFERENCE)
        print(f"Escalation, the same day again: {len(again.escalated)} steps, "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        open_actions = AuditAction.objects.exclude(action__status="green").count()
        print(f"Open audit actions: {open_actions:,}; escalations recorded: "
              f"{ActionEscalation.objects.count():,}")

        rows = []
        qa_user = User.objects.get(username="demo-qa_manager")
        team = (AuditAction.objects.filter(audit__reason=MARK).values_list(
            "audit__case__team_id", flat=True).order_by("audit__case__team_id").first())
        for username in ("demo-qa_manager", "demo-team_manager"):
            client = Client()
            client.force_login(User.objects.get(username=username))
            for label, url in (("Audited cases, page 1", "/audits/tracker/"),
                               ("Audited cases, page 40", "/audits/tracker/?page=40"),
                               ("Outstanding actions", "/audits/tracker/actions/"),
                               ("Overdue for one team", f"/audits/tracker/actions/?team={team}"
                                                        "&overdue=1")):
                if username != "demo-qa_manager" and "page=40" in url:
                    continue
                rows.append((username, label, *timed(lambda u=url, c=client: c.get(u),
                                                     args.runs, args.warmup)))

        today = REFERENCE
        filters = tracker.TrackerFilters()

        def selector_page() -> None:
            # Page 40: the newest audits wait for their actions to be proposed; older ones
            # carry 1 to 4 each.
            qs = tracker.tracker_audits(user=qa_user, filters=filters, today=today)
            tracker.audit_rows(list(qs[975:1000]), today=today, deadline_days=40)

        rows.append(("demo-qa_manager", "Selector only: audited cases, page 40 (25 audits)",
                     *timed(selector_page, args.runs, args.warmup)))
        client = Client()
        client.force_login(qa_user)
        for label, url in (("XLSX: every audited case (one row per action)",
                            "/audits/tracker/export.xlsx?view=cases"),
                           ("XLSX: every outstanding action",
                            "/audits/tracker/export.xlsx?view=actions"),
                           ("CSV: every audited case", "/audits/tracker/export.csv?view=cases")):
            size = len(client.get(url).content)
            median, p95, queries = timed(lambda u=url: client.get(u), args.export_runs, 1)
            rows.append(("demo-qa_manager", f"{label}, {size / 1024:,.0f} KB", median, p95,
                         queries))

    print()
    print("| User | Page | Median ms | p95 ms | Queries |")
    print("|---|---|---:|---:|---:|")
    for user, label, median, p95, queries in rows:
        print(f"| {user} | {label} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
