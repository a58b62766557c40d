"""Generates the demo council into the database, and removes it again.

`generate_council()` makes the plan (plan.py) and writes it in one transaction: reference
data, staff, then cases streamed in batches with `bulk_create`, so memory stays flat at the
large scale; last, one demo sign-in per role. `reset_council()` deletes what it made.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib.auth.hashers import make_password
from django.db import reset_queries, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from auditloop.cases.models import Case, CaseEvent, Involvement, Theme
from auditloop.demo import names
from auditloop.demo.casework import THEMES, CaseSpec
from auditloop.demo.plan import CouncilGenerator, Summary
from auditloop.demo.structure import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SOURCE,
    JOB_TITLES,
    PARTNER_TEAMS,
    SAFEGUARDING_UNIT,
    SCALES,
    SERVICES,
    STAFF_PREFIX,
    team_layout,
)
from auditloop.people.models import (
    Absence,
    AuditorTraining,
    JobTitle,
    JobTitleRole,
    Locality,
    Person,
    PersonRole,
    Service,
    Team,
    User,
)

__all__ = [
    "DEFAULT_SEED", "DEMO_PASSWORD", "SCALES", "DemoCouncilExists", "Summary",
    "demo_council_exists", "generate_council", "reset_council",
]
CASE_BATCH = 1000  # cases planned and written at a time
INSERT_BATCH = 2000


class DemoCouncilExists(Exception):
    pass


def demo_council_exists() -> bool:
    return (Person.objects.filter(staff_number__startswith=STAFF_PREFIX).exists()
            or Case.objects.filter(source=DEMO_SOURCE).exists())


def generate_council(*, scale: str = "standard", seed: int = DEFAULT_SEED,
                     reference_date: dt.date | None = None) -> Summary:
    """Make the demo council in one transaction. Refuses to add a second one."""
    if scale not in SCALES:
        raise ValueError(f"The scale must be one of {', '.join(SCALES)}, not {scale!r}.")
    gen = CouncilGenerator(scale=SCALES[scale], seed=seed,
                           reference_date=reference_date or timezone.localdate())
    with transaction.atomic():
        if demo_council_exists():
            raise DemoCouncilExists(
                "This database already has a demo council. Run `auditloop demo --reset` to "
                "replace it."
            )
        gen.plan_staff()
        _Writer(gen).write()
    return gen.summary


@transaction.atomic
def reset_council() -> Counter[str]:
    """Delete what the generator made. Demo sign-ins stay (the access log refers to them,
    and it cannot be changed); the next generation links them to its people."""
    from auditloop.demo.action_plans import remove as remove_action_plans
    from auditloop.demo.history import remove_audit_history
    from auditloop.demo.indicators import remove as remove_indicators
    from auditloop.demo.loop import remove as remove_loop
    from auditloop.demo.reset import remove_feature_rows

    removed: Counter[str] = Counter()
    removed["action_plans"] = remove_action_plans()
    removed["loop"] = remove_loop()
    removed["audit_history"] = remove_audit_history()
    removed["indicators"] = remove_indicators()
    # Then the feature builders' rows (calibration, team links...) that hang off demo staff.
    removed["features"] = remove_feature_rows()
    _, by_model = Case.objects.filter(source=DEMO_SOURCE).delete()
    removed["cases"] = by_model.get("cases.Case", 0)
    _, by_model = Person.objects.filter(staff_number__startswith=STAFF_PREFIX).delete()
    removed["staff"] = by_model.get("people.Person", 0)
    generated = {name for scale in SCALES.values() for name, _, _ in team_layout(scale)}
    generated |= {team[0] for team in PARTNER_TEAMS} | {SAFEGUARDING_UNIT}
    _, by_model = Team.objects.filter(name__in=generated).delete()
    removed["teams"] = by_model.get("people.Team", 0)
    # Reference data goes only if nothing else uses it (a council may have added to it).
    leftovers: list[Service | Locality | JobTitle] = [
        *Service.objects.filter(name__in=[name for _, name, _ in SERVICES]
                                + [SAFEGUARDING_UNIT]),
        *Locality.objects.filter(name__in=names.LOCALITIES),
        *JobTitle.objects.filter(name__in=JOB_TITLES),
    ]
    for row in leftovers:
        try:
            with transaction.atomic():
                row.delete()
        except ProtectedError:
            continue
    Theme.objects.filter(name__in=THEMES, cases__isnull=True).delete()
    return removed


class _Writer:
    def __init__(self, gen: CouncilGenerator) -> None:
        self.gen = gen
        self.counts = gen.summary.counts
        self.services: dict[str, int] = {}
        self.localities: list[int] = []
        self.themes: list[int] = []
        self.teams: list[int] = []
        self.people: list[int] = []

    def write(self) -> None:
        gen = self.gen
        for kind, name, _ in SERVICES:
            service, _ = Service.objects.get_or_create(name=name, defaults={"kind": kind})
            self.services[kind] = service.pk
        unit, _ = Service.objects.get_or_create(name=SAFEGUARDING_UNIT,
                                                defaults={"kind": Service.Kind.OTHER})
        self.services[Service.Kind.OTHER] = unit.pk
        self.localities = [Locality.objects.get_or_create(name=name)[0].pk
                           for name in names.LOCALITIES[: gen.scale.localities]]
        self.themes = [Theme.objects.get_or_create(name=name)[0].pk for name in THEMES]
        job_titles: dict[str, int] = {}
        for title, roles in JOB_TITLES.items():
            job_title, _ = JobTitle.objects.get_or_create(name=title)
            for role in roles:
                JobTitleRole.objects.get_or_create(job_title=job_title, role=role)
            job_titles[title] = job_title.pk
        for team in gen.teams:
            row, _ = Team.objects.update_or_create(
                name=team.name,
                defaults={
                    "service_id": self.services[team.kind],
                    "locality_id": None if team.locality is None
                    else self.localities[team.locality],
                    "agency": team.agency,
                },
            )
            self.teams.append(row.pk)
        self.counts.update(services=len(self.services), localities=len(self.localities),
                           teams=len(self.teams))
        self._write_staff(job_titles)
        batch: list[CaseSpec] = []
        for spec in gen.case_specs():
            batch.append(spec)
            if len(batch) == CASE_BATCH:
                self._write_cases(batch)
                batch = []
        if batch:
            self._write_cases(batch)
        self._write_demo_users()

    def _write_staff(self, job_titles: dict[str, int]) -> None:
        gen = self.gen
        people = [
            Person(
                staff_number=p.number, full_name=p.full_name, email=p.email,
                job_title_id=job_titles[p.job_title],
                team_id=None if p.team is None else self.teams[p.team],
                agency=p.agency, agency_type=p.agency_type, is_active=p.left_on is None,
            )
            for p in gen.staff
        ]
        Person.objects.bulk_create(people, batch_size=500)
        for row, plan in zip(people, gen.staff, strict=True):
            if plan.manager is not None:
                row.line_manager_id = people[plan.manager].pk
        Person.objects.bulk_update(people, ["line_manager"], batch_size=500)
        self.people = [row.pk for row in people]
        PersonRole.objects.bulk_create(
            [PersonRole(person_id=self.people[i], role=role)
             for i, plan in enumerate(gen.staff) for role in dict.fromkeys(plan.extra_roles)],
            batch_size=INSERT_BATCH,
        )
        Absence.objects.bulk_create(
            [Absence(person_id=self.people[p], kind=kind, starts_on=start, ends_on=end)
             for p, kind, start, end in gen.absences],
            batch_size=INSERT_BATCH,
        )
        AuditorTraining.objects.bulk_create(
            [AuditorTraining(person_id=self.people[p], status=status, recorded_on=on, note=note)
             for p, status, on, note in gen.training],
            batch_size=INSERT_BATCH,
        )
        self.counts.update(
            staff=len(people), staff_in_post=sum(p.left_on is None for p in gen.staff),
            absences=len(gen.absences), training_records=len(gen.training),
        )

    def _write_cases(self, specs: list[CaseSpec]) -> None:
        people = self.people
        cases = []
        for spec in specs:
            # Open involvements name the current holders; a closed case keeps those who
            # held it when it closed, as the case management system's extract does.
            holders = {role: p for p, role, _, _ in spec.involvements}
            key_worker = holders.get(Involvement.Role.KEY_WORKER)
            team_manager = holders.get(Involvement.Role.TEAM_MANAGER)
            cases.append(Case(
                reference=spec.reference,
                child_identifier=spec.child,
                family_identifier=spec.family,
                date_of_birth=spec.date_of_birth,
                gender=spec.gender,
                ethnicity=spec.ethnicity,
                disability=spec.disability,
                service_id=self.services[spec.kind],
                team_id=self.teams[spec.team],
                locality_id=self.localities[spec.locality],
                key_worker_id=None if key_worker is None else people[key_worker],
                team_manager_id=None if team_manager is None else people[team_manager],
                agency_type=spec.agency_type,
                opened_on=spec.opened_on,
                plan_started_on=spec.plan_started_on,
                step=spec.step,
                closed_on=spec.closed_on,
                status=Case.Status.OPEN if spec.closed_on is None else Case.Status.CLOSED,
                source=DEMO_SOURCE,
            ))
        Case.objects.bulk_create(cases, batch_size=500)
        through = Case.themes.through
        involvements: list[Involvement] = []
        events: list[CaseEvent] = []
        themes: list[object] = []
        for spec, case in zip(specs, cases, strict=True):
            involvements += [
                Involvement(case_id=case.pk, person_id=people[p], role=role, started_on=start,
                            ended_on=stop)
                for p, role, start, stop in spec.involvements
            ]
            events += [
                CaseEvent(case_id=case.pk, kind=kind, occurred_on=on, detail=detail)
                for (kind, on), detail in sorted(spec.events.items(), key=lambda e: e[0][1])
            ]
            themes += [through(case_id=case.pk, theme_id=self.themes[i]) for i in spec.themes]
        Involvement.objects.bulk_create(involvements, batch_size=INSERT_BATCH)
        CaseEvent.objects.bulk_create(events, batch_size=INSERT_BATCH)
        through.objects.bulk_create(themes, batch_size=INSERT_BATCH)  # type: ignore[arg-type]
        self.counts.update(
            cases=len(cases), open_cases=sum(spec.closed_on is None for spec in specs),
            involvements=len(involvements), events=len(events),
        )
        reset_queries()  # with DEBUG on (the demo's default) Django keeps every query

    def _write_demo_users(self) -> None:
        gen = self.gen
        password = make_password(DEMO_PASSWORD)  # hashed once: a hash per user takes seconds
        for role, index in gen.demo.items():
            plan = gen.staff[index]
            username = f"demo-{role}"
            first, _, last = plan.full_name.partition(" ")
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"password": password, "is_demo": True, "is_active": True,
                          "first_name": first, "last_name": last, "email": plan.email},
            )
            Person.objects.filter(user=user).update(user=None)
            Person.objects.filter(pk=self.people[index]).update(user=user)
            gen.summary.demo_users[username] = plan.full_name
        self.counts["demo_users"] = len(gen.demo)
