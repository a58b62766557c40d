"""Time moderation's agreement figures on a large set of moderated audits: the selector
behind the agreement page (overall, by section, by auditor), the auditors' figures behind
their list, and both pages as the QA manager sees them. Each twice (issue 16: the figures
are worked out once per change and kept in Django's cache): "after a change", with the
figures' version changed before every run (moderation.figures_cache.bump, not timed), and
"nothing changed", read from the cache.

    .venv/bin/python benchmarks/agreement.py --reviews 5000 --runs 20

Runs on a database of its own (a SQLite file in the temporary folder unless --database-url
names another), migrated and seeded the first time: --reviews completed reviews (default
5,000: about 15 years of a large council moderating a third of 100 audits a month, or a few
councils' worth in one window) of --auditors auditors, spread over the two years before the
reference date, each with six section grades and the overall grade, bulk-written (the
services would take far longer; the figures read the same rows either way). The window is
the framework's default 12 months, so about half the reviews fall in it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import describe_database, setup_django  # noqa: E402

MARK = "Benchmark: agreement"
REFERENCE = dt.date(2026, 3, 31)
DEFAULT_DB = Path(tempfile.gettempdir()) / "auditloop-bench-agreement.sqlite3"
SECTIONS = ["help_protection_stability", "recording_communication", "assessment",
            "relationship_direct_work", "multi_agency", "supervision_oversight", "__overall__"]
GRADES = ["outstanding", "good", "requires_improvement", "inadequate"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(reviews: int, auditors: int, rng: random.Random) -> int:
    """Cases, audits, auditors, samples, moderators, reviews and their grades, bulk-written."""
    from django.db import transaction
    from django.utils import timezone

    from auditloop.audits.models import Audit, AuditAssignment
    from auditloop.cases.models import Case
    from auditloop.moderation.models import (
        ModerationGrade,
        ModerationReview,
        ModerationSample,
        ModeratorAssignment,
        SampledAudit,
    )
    from auditloop.people.models import Person, PersonRole, Service, Team, User
    from auditloop.programme.models import Cycle
    from auditloop.standards.models import ToolVersion
    from auditloop.standards.services import preset_apply

    if Audit.objects.filter(reason=MARK).exists():
        return ModerationReview.objects.filter(audit__reason=MARK).count()
    preset_apply(key="002-six-key-areas")
    version = ToolVersion.objects.filter(tool__key="002-six-key-areas").order_by("-number")[0]

    def aware(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))

    with transaction.atomic():
        service, _ = Service.objects.get_or_create(name="Bench service")
        team, _ = Team.objects.get_or_create(name="Bench team", service=service)
        people = Person.objects.bulk_create([
            Person(staff_number=f"BENCH-A{i:05d}", full_name=f"Auditor {i}", team=team)
            for i in range(auditors)])
        panel = Person.objects.bulk_create([
            Person(staff_number=f"BENCH-M{i:03d}", full_name=f"Moderator {i}", team=team)
            for i in range(8)])
        PersonRole.objects.bulk_create([PersonRole(person=p, role="auditor") for p in people]
                                       + [PersonRole(person=p, role="moderator") for p in panel])
        qa_user = User.objects.create_user(username="bench-qa", password="bench only password")
        qa = Person.objects.create(staff_number="BENCH-QA", full_name="QA manager", team=team,
                                   user=qa_user)
        PersonRole.objects.create(person=qa, role="qa_manager")
        cases = Case.objects.bulk_create([
            Case(reference=f"BENCH{i:06d}", service=service, team=team,
                 opened_on=dt.date(2023, 1, 1), status=Case.Status.OPEN)
            for i in range(reviews)], batch_size=1000)
        cycles = []
        for back in range(24):
            start = dt.date(REFERENCE.year, REFERENCE.month, 1)
            month = (start.month - 1 - back) % 12 + 1
            year = start.year + (start.month - 1 - back) // 12
            first = dt.date(year, month, 1)
            cycles.append(Cycle(year=year, number=month, period_start=first,
                                period_end=first + dt.timedelta(days=27),
                                audit_starts_on=first,
                                audits_due_on=first + dt.timedelta(days=26)))
        Cycle.objects.bulk_create(cycles)
        samples = ModerationSample.objects.bulk_create([ModerationSample(cycle=c)
                                                        for c in cycles])
        audits = Audit.objects.bulk_create([
            Audit(case=c, tool_version=version, reason=MARK, status=Audit.Status.CLOSED,
                  period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 6, 30),
                  overall_grade=(g := rng.choices(GRADES, [8, 45, 38, 9])[0]), final_grade=g,
                  submitted_at=aware(dt.date(2025, 6, 30)))
            for c in cases], batch_size=1000)
        AuditAssignment.objects.bulk_create([
            AuditAssignment(audit=a, person=rng.choice(people)) for a in audits],
            batch_size=2000)
        rows = SampledAudit.objects.bulk_create([
            SampledAudit(sample=samples[i % len(samples)], audit=a, source="random",
                         position=i) for i, a in enumerate(audits)], batch_size=2000)
        assignments = ModeratorAssignment.objects.bulk_create([
            ModeratorAssignment(sampled=r, person=rng.choice(panel)) for r in rows],
            batch_size=2000)
        done = ModerationReview.objects.bulk_create([
            ModerationReview(assignment=m, audit_id=r.audit_id, moderator_id=m.person_id,
                             status="completed",
                             completed_at=aware(REFERENCE - dt.timedelta(days=rng.randint(0, 730))),
                             blind_saved_at=aware(REFERENCE - dt.timedelta(days=731)))
            for m, r in zip(assignments, rows, strict=True)], batch_size=2000)
        grades = []
        for review, audit in zip(done, audits, strict=True):
            moved_any = False
            for position, key in enumerate(SECTIONS):
                theirs = GRADES.index(audit.overall_grade) if key == "__overall__" \
                    else rng.choices(range(4), [8, 45, 38, 9])[0]
                mine = theirs if rng.random() < 0.7 else min(3, max(0, theirs + rng.choice(
                    [-1, 1, 1])))
                moved = mine != theirs and rng.random() < 0.6
                moved_any |= moved and key == "__overall__"
                grades.append(ModerationGrade(
                    review=review, section_key=key, section_title=key, position=position,
                    scale="ofsted_four", levels=4, moderator_grade=GRADES[mine],
                    auditor_grade=GRADES[theirs], moderator_rank=mine, auditor_rank=theirs,
                    agrees=not moved, moderated_grade=GRADES[mine if moved else theirs]))
            review.overall_changed = moved_any
        ModerationGrade.objects.bulk_create(grades, batch_size=5000)
        ModerationReview.objects.bulk_update(done, ["overall_changed"], batch_size=2000)
    return len(done)


def timed(label: str, runs: int, warmup: int, call: Callable[[], Any],
          before: Callable[[], Any] | None = None) -> None:
    for _ in range(warmup):
        if before:
            before()
        call()
    seconds = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        call()
        seconds.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<60} median {statistics.median(seconds):7.1f} ms, "
          f"p95 {percentile(seconds, 0.95):7.1f} ms, max {max(seconds):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{DEFAULT_DB}")
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--auditors", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    setup_django(args.database_url)
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from auditloop.moderation import selectors
    from auditloop.people.models import User

    call_command("migrate", verbosity=0)
    print(f"Database: {describe_database()}")
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=True):
        started = time.perf_counter()
        count = seed(args.reviews, args.auditors, random.Random(args.seed))
        print(f"Moderated audits: {count:,} completed reviews, "
              f"{count * len(SECTIONS):,} grade rows ({time.perf_counter() - started:.1f} s)")
        report = selectors.agreement_report(today=REFERENCE)
        overall = report.overall[0].figures
        assert overall.quadratic is not None
        print(f"In the {report.window_months}-month window: {report.reviews:,} reviews; "
              f"quadratic kappa {overall.quadratic.kappa:.3f} "
              f"({overall.quadratic.low:.3f} to {overall.quadratic.high:.3f}), "
              f"{len(report.auditors)} auditors, {len(report.flagged)} flagged")
        people = selectors.auditors()
        try:
            from auditloop.moderation.figures_cache import bump as change
        except ImportError:  # the code before issue 16, for a before-and-after comparison
            def change() -> None:
                pass
        for when, before in (("after a change", change), ("nothing changed", None)):
            timed(f"agreement_report, {when}", args.runs, args.warmup,
                  lambda: selectors.agreement_report(today=REFERENCE), before)
            timed(f"auditor_figures ({len(people)}), {when}", args.runs, args.warmup,
                  lambda: selectors.auditor_figures(people, today=REFERENCE), before)
        client = Client()
        client.force_login(User.objects.get(username="bench-qa"))
        client.get("/")  # the session's first request (it restarts the idle clock)
        for url in ("/moderation/agreement/", "/moderation/auditors/"):
            for when, before in (("after a change", change), ("nothing changed", None)):
                if before:
                    before()
                else:
                    client.get(url)
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                timed(f"GET {url} {when} ({len(queries)} queries)", args.runs, args.warmup,
                      lambda url=url: client.get(url), before)  # type: ignore[misc]
        print(f"(time frozen at {REFERENCE}; pages fetched in-process with the test client)")


if __name__ == "__main__":
    main()
