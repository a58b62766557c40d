"""The demo council's plan: its structure and staff in memory, then its cases as a stream.

Everything is drawn from one `random.Random(seed)` in a fixed order, so a seed and a
reference date give the same council on any database; every date is relative to the
reference date. generator.py writes the plan. Figures marked "(demo)" are plausible shapes
for a demonstration, not framework rules.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from auditloop.cases.models import Case, Involvement
from auditloop.demo import casework, names
from auditloop.demo.casework import CaseSpec
from auditloop.demo.structure import (
    HISTORY_DAYS,
    JOB_TITLES,
    PARTNER_TEAMS,
    PRACTITIONER_TITLES,
    SAFEGUARDING_UNIT,
    SERVICE_NAME,
    STAFF_PREFIX,
    Scale,
    team_layout,
)
from auditloop.people.models import AuditorTraining, Service
from auditloop.people.roles import Role

K = Service.Kind
E = casework.E
INV = Involvement.Role
TRAINING = AuditorTraining.Status
Date = dt.date
day = dt.timedelta(days=1)


@dataclass
class StaffPlan:
    number: str
    full_name: str
    email: str
    job_title: str
    team: int | None
    manager: int | None
    agency: str
    agency_type: str
    started_on: Date
    left_on: Date | None
    extra_roles: list[str] = field(default_factory=list)
    caseload: int = 0  # open cases held at the reference date

    def in_post_on(self, on: Date) -> bool:
        return self.started_on <= on and (self.left_on is None or self.left_on >= on)


@dataclass
class TeamPlan:
    name: str
    kind: str
    locality: int | None
    agency: str = ""
    agency_type: str = ""
    practitioners: list[int] = field(default_factory=list)
    # Team managers over time: (staff index, from, to or None while in post).
    managers: list[tuple[int, Date, Date | None]] = field(default_factory=list)


@dataclass
class Summary:
    scale: str
    seed: int
    reference_date: Date
    counts: Counter[str] = field(default_factory=Counter)
    demo_users: dict[str, str] = field(default_factory=dict)  # username -> person's name


class CouncilGenerator:
    """The plan of one council. `plan_staff()` first, then iterate `case_specs()`."""

    def __init__(self, *, scale: Scale, seed: int, reference_date: Date) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.ref = reference_date
        self.window_start = reference_date - dt.timedelta(days=HISTORY_DAYS)
        self.staff: list[StaffPlan] = []
        self.teams: list[TeamPlan] = []
        self.iros: list[int] = []
        self.cp_chairs: list[int] = []
        self.absences: list[tuple[int, str, Date, Date]] = []
        self.training: list[tuple[int, str, Date, str]] = []
        self.demo: dict[str, int] = {}  # role -> staff index of its demo sign-in
        self.summary = Summary(scale=scale.name, seed=seed, reference_date=reference_date)
        self._eh_team_for_locality: dict[int | None, int] = {}
        self._used_names: set[int] = set()
        self._used_codes: set[str] = set()
        self._recent_families: dict[int, list[str]] = {}

    def _days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def code(self, prefix: str, digits: int) -> str:
        """A made-up identifier, unique within the council."""
        while True:
            code = f"{prefix}{self.rng.randrange(10 ** (digits - 1), 10**digits)}"
            if code not in self._used_codes:
                self._used_codes.add(code)
                return code

    # --- structure and staff ---------------------------------------------------------------

    def _person(self, job_title: str, *, manager: int | None = None, team: int | None = None,
                agency: str = "", agency_type: str = "", left_on: Date | None = None,
                started_on: Date | None = None,
                domain: str = names.COUNCIL_EMAIL_DOMAIN) -> int:
        pool = len(names.FIRST_NAMES) * len(names.LAST_NAMES)
        n = self.rng.randrange(pool)
        while n in self._used_names:
            n = self.rng.randrange(pool)
        self._used_names.add(n)
        first, last = divmod(n, len(names.LAST_NAMES))
        first_name, last_name = names.FIRST_NAMES[first], names.LAST_NAMES[last]
        self.staff.append(StaffPlan(
            number=f"{STAFF_PREFIX}{len(self.staff) + 1:05d}",
            full_name=f"{first_name} {last_name}",
            email=f"{first_name}.{last_name}@{domain}".lower(),
            job_title=job_title, team=team, manager=manager, agency=agency,
            agency_type=agency_type, left_on=left_on,
            started_on=started_on or self.ref - self._days(700, 6000),
        ))
        return len(self.staff) - 1

    def plan_staff(self) -> None:
        """Leadership, QA, reviewing officers, service managers, teams and partner staff."""
        s = self.scale
        director = self._person("Director of Children's Services")
        ads = [self._person("Assistant Director", manager=director)
               for _ in range(s.assistant_directors)]
        heads = [self._person("Head of Service", manager=ads[i % len(ads)])
                 for i in range(len(s.head_of_service_groups))]
        head_qa = self._person("Head of Quality Assurance", manager=ads[0])
        psw = self._person("Principal Social Worker", manager=ads[0])
        insight = self._person("Head of Performance and Insight", manager=ads[0])
        qa_officers = [self._person("QA Officer", manager=head_qa) for _ in range(s.qa_officers)]
        po_officers = [self._person("Practice and Outcomes Officer", manager=head_qa)
                       for _ in range(s.practice_outcomes_officers)]
        self.iros = [self._person("Independent Reviewing Officer", manager=head_qa)
                     for _ in range(s.iros)]
        self.cp_chairs = [self._person("CP Chair", manager=head_qa) for _ in range(s.cp_chairs)]
        strategic = self._person("Strategic Lead, Early Help Partnership", manager=heads[0])

        self.teams = [TeamPlan(name, kind, loc) for name, kind, loc in team_layout(s)]
        team_sm: dict[int, int] = {}
        for g, group in enumerate(s.head_of_service_groups):
            in_group = [t for t, team in enumerate(self.teams) if team.kind in group]
            n_sm = -(-len(in_group) // s.teams_per_service_manager)
            sms = [self._person("Service Manager", manager=heads[g]) for _ in range(n_sm)]
            for j, t in enumerate(in_group):
                team_sm[t] = sms[j * n_sm // len(in_group)]
        for t, team in enumerate(self.teams):
            self._staff_team(t, team, team_sm[t])
            if team.kind == K.EARLY_HELP:
                self._eh_team_for_locality.setdefault(team.locality, t)
        for (name, agency, agency_type, title, domain, caseload), count in zip(
            PARTNER_TEAMS, s.partner_staff, strict=True
        ):
            team = TeamPlan(name, K.EARLY_HELP, None, agency=agency, agency_type=agency_type)
            self.teams.append(team)
            for _ in range(count):
                p = self._person(title, team=len(self.teams) - 1, agency=agency,
                                 agency_type=agency_type, domain=domain)
                self.staff[p].caseload = self.rng.randint(*caseload)
                team.practitioners.append(p)
        # 002: the Safeguarding and Review Unit's service manager (on the moderation panel)
        # manages the IROs and CP Chairs.
        self.teams.append(TeamPlan(SAFEGUARDING_UNIT, K.OTHER, None))
        unit = len(self.teams) - 1
        unit_manager = self._person("Service Manager", manager=ads[0], team=unit)
        for p in self.iros + self.cp_chairs:
            self.staff[p].team, self.staff[p].manager = unit, unit_manager

        self._plan_training()
        # The information governance lead (a role the seeds do not name) is drawn from a
        # random stream of their own and has no absences drawn, so the rest of the generated
        # council is the same as before the role existed.
        main_rng, self.rng = self.rng, random.Random(len(self.staff))
        governance = self._person("Information Governance Lead", manager=ads[0])
        # The performance analyst (a role the seeds do not name either), the same way, in
        # the Head of Performance and Insight's team.
        analyst = self._person("Performance Analyst", manager=insight)
        self.rng = main_rng
        self._choose_demo_people(
            director=director, head_qa=head_qa, psw=psw, insight=insight,
            qa_officer=qa_officers[0], po_officer=po_officers[0], strategic=strategic,
        )
        self.demo[Role.INFORMATION_GOVERNANCE_LEAD] = governance
        self.demo[Role.PERFORMANCE_ANALYST] = analyst
        assert len(set(self.demo.values())) == len(self.demo) == len(Role)
        for p, member in enumerate(self.staff):
            if p in (governance, analyst):
                continue
            if not member.agency:  # partners' absences are not the council's to record
                self._plan_absences(p, member)

    def _staff_team(self, t: int, team: TeamPlan, service_manager: int) -> None:
        rng = self.rng
        tm_from = self.ref - self._days(700, 4000)
        if rng.random() < 0.15:  # (demo) some teams changed manager in the last 18 months
            change = self.ref - self._days(60, HISTORY_DAYS - 60)
            former = self._person("Team Manager", team=t, manager=service_manager,
                                  started_on=tm_from, left_on=change - day)
            team.managers.append((former, tm_from, change - day))
            tm_from = change
        tm = self._person("Team Manager", team=t, manager=service_manager, started_on=tm_from)
        team.managers.append((tm, tm_from, None))
        senior_title, title = PRACTITIONER_TITLES[team.kind]
        in_post = [self._person(senior_title if i == 0 else title, team=t, manager=tm)
                   for i in range(rng.randint(*self.scale.practitioners_per_team))]
        team.practitioners += in_post
        # (demo) about one practitioner in eight left in the last 18 months and a newcomer
        # took their place. The senior practitioner is never a newcomer, so someone was in
        # post all along to hold the team's cases.
        for newcomer in in_post[1:]:
            if rng.random() < 0.12:
                left = self.ref - self._days(30, HISTORY_DAYS - 30)
                leaver = self._person(title, team=t, manager=tm, left_on=left)
                team.practitioners.append(leaver)
                self.staff[newcomer].started_on = min(left + self._days(1, 45),
                                                      self.ref - 7 * day)
        for p in in_post:
            member = self.staff[p]
            weeks_in_post = (self.ref - member.started_on).days // 7
            member.caseload = max(2, min(rng.randint(*self.scale.caseload), weeks_in_post))

    def _plan_training(self) -> None:
        """Auditor training records: shadowing, trained, accredited (audit champions)."""
        rng = self.rng
        for p, member in enumerate(self.staff):
            if member.left_on is not None:
                continue
            title = member.job_title
            on = self.ref - self._days(40, 900)
            if title in {"Team Manager", "Service Manager", "Head of Service"}:
                self._train(p, TRAINING.TRAINED, on)
                if rng.random() < (0.3 if title == "Team Manager" else 0.5):
                    self._train(p, TRAINING.ACCREDITED, on + self._days(60, 300), "Audit champion")
                    if title == "Service Manager":  # (demo) champions sit on the panel
                        member.extra_roles.append(Role.MODERATOR)
            elif title in {"QA Officer", "Practice and Outcomes Officer",
                           "Head of Quality Assurance", "Principal Social Worker"}:
                self._train(p, TRAINING.ACCREDITED, on, "Audit champion")
                if title == "Principal Social Worker":
                    member.extra_roles.append(Role.MODERATOR)
            elif title in {"Senior Social Worker", "Senior Practitioner"} and rng.random() < 0.5:
                self._train(p, TRAINING.SHADOWING, on - self._days(30, 90))
                if rng.random() < 0.6:
                    self._train(p, TRAINING.TRAINED, on)
                    member.extra_roles.append(Role.AUDITOR)

    def _train(self, p: int, status: str, on: Date, note: str = "") -> None:
        on = min(max(on, self.staff[p].started_on), self.ref)
        self.training.append((p, status, on, note))

    def _ensure_training(self, p: int, status: str, role: str | None) -> None:
        records = [r for r in self.training if r[0] == p]
        if not any(r[1] == status for r in records):
            latest = max((r[2] for r in records), default=self.ref - 230 * day)
            self._train(p, status, latest + 30 * day,
                        "Audit champion" if status == TRAINING.ACCREDITED else "")
        member = self.staff[p]
        if role and role not in member.extra_roles and role not in JOB_TITLES[member.job_title]:
            member.extra_roles.append(role)

    def _choose_demo_people(self, *, director: int, head_qa: int, psw: int, insight: int,
                            qa_officer: int, po_officer: int, strategic: int) -> None:
        """One person per role for the demo sign-ins, with sensible relationships: the
        practitioner holds 15 open cases, their team manager, service manager, head of
        service and assistant director are the demo managers."""
        council = [t for t, team in enumerate(self.teams) if not team.agency]
        home = next(t for t in council if self.teams[t].kind == K.CIN)
        elsewhere = [t for t in council if t != home]
        practitioner = self.teams[home].practitioners[1]
        member = self.staff[practitioner]
        member.started_on = min(member.started_on, self.ref - 700 * day)
        member.caseload = 15
        team_manager = self.teams[home].managers[-1][0]
        service_manager = self.staff[team_manager].manager
        assert service_manager is not None
        head = self.staff[service_manager].manager
        assert head is not None
        assistant_director = self.staff[head].manager
        assert assistant_director is not None
        auditor = self.teams[elsewhere[0]].practitioners[0]  # a senior practitioner
        self._ensure_training(auditor, TRAINING.TRAINED, Role.AUDITOR)
        moderator = self.teams[elsewhere[1]].managers[-1][0]  # another team's manager
        self._ensure_training(moderator, TRAINING.ACCREDITED, Role.MODERATOR)
        health_visitors = next(t for t in self.teams if t.agency_type == "health visitor")
        partner_lead = health_visitors.practitioners[0]
        self.staff[partner_lead].caseload = 10
        self._ensure_training(partner_lead, TRAINING.TRAINED, Role.PARTNER_AGENCY_LEAD)
        self.demo = {
            Role.QA_MANAGER: qa_officer,
            Role.AUDITOR: auditor,
            Role.MODERATOR: moderator,
            Role.PRACTITIONER: practitioner,
            Role.TEAM_MANAGER: team_manager,
            Role.SENIOR_MANAGER: head,
            Role.SERVICE_MANAGER: service_manager,
            Role.HEAD_OF_QA: head_qa,
            Role.ASSISTANT_DIRECTOR: assistant_director,
            Role.DIRECTOR: director,
            Role.PRINCIPAL_SOCIAL_WORKER: psw,
            Role.IRO: self.iros[0],
            Role.EARLY_HELP_OFFICER: po_officer,
            Role.STRATEGIC_LEAD: strategic,
            Role.PARTNER_AGENCY_LEAD: partner_lead,
            Role.SENIOR_LEADER: insight,
        }
        # The roles the seeds name beside these (senior practitioners who audit, assistant
        # team managers, practice assessor leads, personal advisers, panel advisers): each a
        # practitioner of another team who also holds that role.
        taken = set(self.demo.values())
        spare = (p for t in elsewhere[2:] for p in self.teams[t].practitioners if p not in taken)
        for role in (Role.SENIOR_PRACTITIONER, Role.ASSISTANT_TEAM_MANAGER,
                     Role.PRACTICE_ASSESSOR_LEAD, Role.PERSONAL_ADVISER, Role.PANEL_ADVISER):
            person = next(spare)
            self.staff[person].extra_roles.append(role)
            self.demo[role] = person

    def _plan_absences(self, p: int, member: StaffPlan) -> None:
        """(demo) Leave every few months, some short sickness, a little long-term sickness;
        some leave is booked in the coming weeks, for allocation to work round."""
        rng = self.rng
        start = max(self.window_start, member.started_on) + self._days(0, 60)
        end = min(self.ref + 70 * day, member.left_on or self.ref + 70 * day)
        while start < end:
            r = rng.random()
            if r < 0.78:
                kind, length = "leave", rng.randint(2, 14)
            elif r < 0.98:
                kind, length = "sickness", rng.randint(1, 8)
            else:
                kind, length = "sickness", rng.randint(28, 90)
            last = min(start + (length - 1) * day, end)
            self.absences.append((p, kind, start, last))
            start = last + self._days(35, 120)

    # --- cases ---------------------------------------------------------------------------

    def case_specs(self) -> Iterator[CaseSpec]:
        """Open cases first, one per place in each holder's caseload, some with the case
        they stepped down or up from; then closed cases up to the scale's total."""
        rng = self.rng
        slots: list[tuple[int, int]] = []
        for t, team in enumerate(self.teams):
            for p in team.practitioners:
                if self.staff[p].left_on is None:
                    slots += [(t, p)] * self.staff[p].caseload
        rng.shuffle(slots)
        made = 0
        for t, holder in slots:
            for spec in self._open_case(t, holder):
                made += 1
                yield spec
        kinds, weights = list(casework.CLOSED_SHARE), list(casework.CLOSED_SHARE.values())
        while made < self.scale.cases:
            kind = rng.choices(kinds, weights)[0]
            closed_on = self.ref - self._days(1, HISTORY_DAYS)
            yield self._closed_case(kind, closed_on)
            made += 1

    def _pick_team(self, kind: str, locality: int | None = None) -> int:
        rng = self.rng
        if kind == K.EARLY_HELP and locality is None and rng.random() < 0.08:
            # (demo) a few early help cases are led by a health visitor or a school
            return rng.choice([t for t, team in enumerate(self.teams) if team.agency])
        teams = [t for t, team in enumerate(self.teams) if team.kind == kind and not team.agency]
        local = [t for t in teams if self.teams[t].locality == locality]
        if locality is not None and local:
            return rng.choice(local)
        return rng.choices(teams, [len(self.teams[t].practitioners) for t in teams])[0]

    def _open_case(self, t: int, holder: int) -> list[CaseSpec]:
        rng = self.rng
        team = self.teams[t]
        kind = team.kind
        opened_on = self.ref - dt.timedelta(days=casework.open_age(rng, kind))
        drifting = rng.random() < casework.DRIFT_CHANCE.get(kind, 0.0)
        spec = self._case(kind, t, opened_on, None, holder=holder, drifting=drifting)
        if spec.opened_on < self.window_start or team.agency:
            return [spec]
        before = ""
        if kind == K.EARLY_HELP and rng.random() < 0.15:
            before = K.CIN if rng.random() < 0.8 else K.CP
        elif kind in {K.CIN, K.CP} and rng.random() < 0.12:
            before = K.EARLY_HELP
        if not before:
            return [spec]
        previous = self._closed_case(before, spec.opened_on, same_child=spec, step_to=kind)
        if kind == K.EARLY_HELP:
            spec.step = Case.Step.STEP_DOWN
            spec.events[(E.STEP_DOWN, spec.opened_on)] = f"Stepped down from {SERVICE_NAME[before]}"
        else:
            spec.events[(E.STEP_UP, spec.opened_on)] = "Stepped up from Early Help"
        return [previous, spec]

    def _closed_case(self, kind: str, closed_on: Date, *, same_child: CaseSpec | None = None,
                     step_to: str = "") -> CaseSpec:
        rng = self.rng
        t = self._pick_team(kind, same_child.locality if same_child else None)
        opened_on = closed_on - dt.timedelta(days=casework.closed_duration(rng, kind))
        if same_child:  # the earlier case cannot open before the child was born
            opened_on = max(opened_on, same_child.date_of_birth)
        spec = self._case(kind, t, opened_on, closed_on, same_child=same_child)
        if step_to == K.EARLY_HELP:
            spec.events[(E.STEP_DOWN, closed_on)] = "Stepped down to Early Help"
            spec.events[(E.CLOSURE, closed_on)] = "Stepped down to Early Help"
        elif step_to or (kind == K.EARLY_HELP and rng.random() < 0.08):
            spec.step = Case.Step.STEP_UP
            spec.events[(E.STEP_UP, closed_on)] = (
                f"Stepped up to {SERVICE_NAME[step_to or K.CIN]}"
            )
            spec.events[(E.CLOSURE, closed_on)] = "Stepped up to social care"
        elif kind == K.EARLY_HELP and rng.random() < 0.1:
            spec.step = Case.Step.STEP_DOWN
            spec.events[(E.STEP_DOWN, spec.opened_on)] = "Stepped down from Child in Need"
        return spec

    def _case(self, kind: str, t: int, opened_on: Date, closed_on: Date | None, *,
              holder: int | None = None, drifting: bool = False,
              same_child: CaseSpec | None = None) -> CaseSpec:
        rng = self.rng
        team = self.teams[t]
        end = closed_on or self.ref
        if team.locality is not None:
            locality = team.locality
        else:
            locality = same_child.locality if same_child else rng.randrange(self.scale.localities)
        key_workers = self._key_workers(t, opened_on, end, holder)
        spec = CaseSpec(
            reference=self.code("NM", 7), kind=kind, team=t, locality=locality,
            opened_on=opened_on, closed_on=closed_on, agency_type=team.agency_type,
            child="", family="", date_of_birth=opened_on, gender="", ethnicity="",
            disability="",
        )
        if same_child:
            for name in ("child", "family", "date_of_birth", "gender", "ethnicity",
                         "disability"):
                setattr(spec, name, getattr(same_child, name))
        else:
            spec.child, spec.family = self.code("CH", 7), self._family(t)
            spec.date_of_birth = casework.date_of_birth(rng, kind, team.agency_type,
                                                        opened_on, end)
            spec.gender = rng.choices(("Female", "Male", "Not known"), (0.49, 0.5, 0.01))[0]
            spec.ethnicity = rng.choices(casework.ETHNICITIES, casework.ETHNICITY_WEIGHTS)[0]
            spec.disability = rng.choices(("No", "Yes", ""), (0.84, 0.09, 0.07))[0]
        casework.add_events(rng, spec, reference_date=self.ref, window_start=self.window_start,
                            drifting=drifting)

        # Involvements: open-ended (to None) while the case is open.
        for i, (p, start) in enumerate(key_workers):
            stop = key_workers[i + 1][1] - day if i + 1 < len(key_workers) else closed_on
            spec.involvements.append((p, INV.KEY_WORKER, start, stop))
        # A partner-led case is overseen by the council's early help team for the district.
        managed_by = self.teams[self._eh_team(locality)] if team.agency else team
        for p, start, stop in managed_by.managers:
            if start <= end and (stop is None or stop >= opened_on):
                spec.involvements.append((p, INV.TEAM_MANAGER, max(start, opened_on),
                                          closed_on if stop is None else min(stop, end)))
        if kind in {K.CP, K.CLA}:
            self._add_reviewing_officer(spec, end)
        spec.themes = casework.themes_for(rng, kind)
        return spec

    def _eh_team(self, locality: int) -> int:
        found = self._eh_team_for_locality
        return found.get(locality, found.get(None, next(iter(found.values()))))

    def _add_reviewing_officer(self, spec: CaseSpec, end: Date) -> None:
        """A CP Chair for a child protection plan, an IRO for a child in care."""
        rng = self.rng
        pool = (self.cp_chairs + self.iros[:1]) if spec.kind == K.CP else self.iros
        start = spec.plan_started_on or spec.opened_on
        if start > end:
            return
        iro = rng.choice(pool)
        from_ = max(start, self.window_start)
        if (end - from_).days > 240 and len(pool) > 1 and rng.random() < 0.15:
            change = from_ + self._days(90, 150)
            spec.involvements.append((iro, INV.IRO, start, change - day))
            iro, start = rng.choice([p for p in pool if p != iro]), change
        spec.involvements.append((iro, INV.IRO, start, spec.closed_on))

    def _key_workers(self, t: int, opened_on: Date, end: Date,
                     holder: int | None) -> list[tuple[int, Date]]:
        """Who held the case and from when: changes now and then, and whenever the holder
        leaves. `holder`, if given, must hold it at the end."""
        rng, staff = self.rng, self.staff
        team = self.teams[t]
        if team.agency:  # a partner's lead professional keeps the case throughout
            return [(holder if holder is not None else rng.choice(team.practitioners),
                     opened_on)]

        def in_post(on: Date, until: Date, other_than: int | None) -> list[int]:
            found = [p for p in team.practitioners if p != other_than
                     and staff[p].in_post_on(on) and staff[p].in_post_on(until)]
            # Before anyone's recorded start (old cases): anyone who had not yet left.
            return found or [p for p in team.practitioners
                             if p != other_than and (staff[p].left_on or end) >= on]

        from_ = max(opened_on, self.window_start)
        span = (end - from_).days
        planned: list[Date] = []
        if span > 90:
            expected = casework.KEY_WORKER_CHANGES_PER_YEAR[team.kind] * span / 365
            n = int(expected) + (1 if rng.random() < expected % 1 else 0)
            planned = sorted({from_ + self._days(30, span - 30) for _ in range(n)})
        current = rng.choice(in_post(opened_on, opened_on, None))
        held = [(current, opened_on)]
        when = opened_on
        while True:
            nxt = next((d for d in planned if d > when + 13 * day), None)
            left = staff[current].left_on
            if left is not None and left < end and (nxt is None or left < nxt):
                nxt = left + day
            if nxt is None or nxt > end:
                break
            when = nxt
            current = rng.choice(in_post(when, min(end, when + 60 * day), current) or [current])
            if current != held[-1][0]:
                held.append((current, when))
        if holder is not None and held[-1][0] != holder:
            joined, last_from = staff[holder].started_on, held[-1][1]
            takeover = min(joined + self._days(0, 14), end)
            if joined <= last_from or takeover <= last_from:
                held[-1] = (holder, last_from)
            else:
                held.append((holder, takeover))
            merged: list[tuple[int, Date]] = []
            for p, start in held:
                if not merged or merged[-1][0] != p:
                    merged.append((p, start))
            held = merged
        return held

    def _family(self, t: int) -> str:
        # (demo) about one case in five is a sibling of a recent case in the same team
        recent = self._recent_families.setdefault(t, [])
        if recent and self.rng.random() < 0.2:
            return self.rng.choice(recent)
        family = self.code("FA", 6)
        recent.append(family)
        if len(recent) > 30:
            recent.pop(0)
        return family
