"""Observations of practice (002, "Observations of practice" and "Practice Week"): who may
plan, record, read and answer an observation; the schedule each member of staff is on; the
year's compliance by team and role; the half-year summaries due in January and July; and
Practice Week each October.

The schedule, from 002:
- experienced social workers and other childcare practitioners: observed at least twice a
  year, at least once in direct work with a child, young person or family member; a peer
  observation or reflection is also required for registration (counted on its own: it is
  "also" required, beside the two);
- first line team managers: twice a year, at least once in supervision;
- newly qualified social workers in their ASYE: observed by their team manager or practice
  assessor "in line with National and Local ASYE policy". 002 gives no number: ours is
  ASYE_OBSERVATIONS in the ASYE year, at least one of direct work (the national ASYE
  framework's usual three direct observations). Review it against the council's policy.

"A year" is the calendar year: 002 has observations given to the Practice Improvement Team
in January and July, so the half-years end in June and December.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.common.dates import gds_date
from auditloop.common.errors import DomainError
from auditloop.common.statistics import Proportion, wilson
from auditloop.notifications.done import about, about_ids, register_done_check
from auditloop.notifications.models import Notification
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role
from auditloop.people.selectors import management_subtree_ids, people_with_roles
from auditloop.practice import observation_tool_files as tool_files
from auditloop.practice.models import AsyeYear, Observation, ObservationToolVersion

logger = logging.getLogger(__name__)
S = Observation.Status
K = Observation.Kind
P = Observation.Purpose

# Our choice (002 gives no number for the ASYE): see the module's docstring.
ASYE_OBSERVATIONS = 3
REQUIRED = 2  # 002: twice a year, practitioners and team managers alike
# What a notice asks (Notification.kind): read the recorded observation and reply.
REPLY = "practice_observation_reply"
NOUN = "practice_observation"
# Practice Week is in October (002).
PRACTICE_WEEK_MONTH = 10

# Who is on which schedule, by role. Team managers first: a team manager who also holds
# cases is on the team managers' schedule.
PRACTITIONER_ROLES = frozenset({
    Role.PRACTITIONER, Role.SENIOR_PRACTITIONER, Role.PERSONAL_ADVISER,
    Role.PRACTICE_ASSESSOR_LEAD, Role.ASSISTANT_TEAM_MANAGER})
# 002: "senior leaders including the Director of Children's Services and Children's Cabinet
# portfolio holder" observe practice in Practice Week.
SENIOR_LEADER_ROLES = frozenset({
    Role.DIRECTOR, Role.ASSISTANT_DIRECTOR, Role.SENIOR_LEADER, Role.HEAD_OF_QA,
    Role.SERVICE_MANAGER, Role.SENIOR_MANAGER, Role.PRINCIPAL_SOCIAL_WORKER})


class Group:
    """The schedules, in the order the pages show them."""

    PRACTITIONER = "practitioner"
    TEAM_MANAGER = "team_manager"
    ASYE = "asye"
    LABELS = {PRACTITIONER: "Practitioners", TEAM_MANAGER: "Team managers",
              ASYE: "Newly qualified social workers (ASYE)"}
    RULES = {
        PRACTITIONER: "Twice a year, at least once in direct work with a child, young person "
                      "or family (002).",
        TEAM_MANAGER: "Twice a year, at least once in supervision (002).",
        ASYE: f"{ASYE_OBSERVATIONS} in the ASYE year, at least once in direct work: our "
              "number, not the seed's (002 says 'in line with National and Local ASYE "
              "policy'). Review it against the council's policy.",
    }
    REQUIRED_KIND = {PRACTITIONER: K.DIRECT_WORK, TEAM_MANAGER: K.SUPERVISION,
                     ASYE: K.DIRECT_WORK}


# --- Who may do what ----------------------------------------------------------------------


def is_qa_team(user: Any) -> bool:
    """Those who run the framework (the Practice Improvement Team 002 gives observations
    to) see and plan every observation."""
    return bool(user.is_authenticated and user.has_capability(Capability.MANAGE_FRAMEWORK))


def _person(user: Any) -> Person | None:
    return user.person_or_none if user.is_authenticated else None


def visible_ids_below(person: Person | None) -> set[int]:
    return management_subtree_ids(person) if person is not None else set()


def observations_for_user(user: Any) -> QuerySet[Observation]:
    """What the user may see: the observations they made or that were made of them, those
    of the people they manage (down the line), and every one for the QA team."""
    qs = Observation.objects.select_related("observed", "observer", "team")
    if is_qa_team(user):
        return qs
    person = _person(user)
    if person is None:
        return qs.none()
    below = visible_ids_below(person)
    return qs.filter(Q(observed=person) | Q(observer=person) | Q(planned_by=person)
                     | Q(observed_id__in=below))


def get_for_user(user: Any, observation_id: int) -> Observation:
    """The observation, or 404 for missing and forbidden alike. Callers log the view."""
    try:
        return (observations_for_user(user)
                .select_related("tool", "action", "planned_by").get(pk=observation_id))
    except Observation.DoesNotExist as exc:
        raise Http404 from exc


def is_recorded(observation: Observation) -> bool:
    """Done: the observer recorded what they saw (the template asks this, not the status)."""
    return observation.status == S.DONE


def is_cancelled(observation: Observation) -> bool:
    return observation.status == S.CANCELLED


def may_record(*, observation: Observation, person: Person | None) -> bool:
    return (person is not None and person.pk == observation.observer_id
            and observation.may_become(S.DONE))


def may_cancel(*, observation: Observation, user: Any) -> bool:
    person = _person(user)
    if not observation.may_become(S.CANCELLED) or person is None:
        return False
    return (person.pk in {observation.observer_id, observation.planned_by_id}
            or is_qa_team(user))


def may_reply(*, observation: Observation, person: Person | None) -> bool:
    return (person is not None and person.pk == observation.observed_id
            and observation.status == S.DONE and not observation.replied_at)


def plannable_people(user: Any) -> QuerySet[Person]:
    """Whom the user may plan an observation of: anyone on staff for the QA team and for
    senior leaders (anyone only in Practice Week: observation_plan checks), the people below
    them for managers, and themselves (a peer observation for registration, by a peer they
    choose)."""
    qs = people_with_roles().filter(is_active=True, agency="")
    person = _person(user)
    if is_qa_team(user) or (person is not None and person.roles & SENIOR_LEADER_ROLES):
        return qs.order_by("full_name")
    if person is None:
        return qs.none()
    return qs.filter(pk__in={person.pk, *visible_ids_below(person)}).order_by("full_name")


# --- Tools ----------------------------------------------------------------------------------


@transaction.atomic
def tools_load() -> list[ObservationToolVersion]:
    """Each observation tool file whose text changed becomes the tool's next version; an
    unchanged file makes nothing. Runs after every migrate. Returns the versions made."""
    made = []
    for path in tool_files.preset_files():
        text = path.read_text(encoding="utf-8")
        digest = tool_files.file_sha(text)
        definition = tool_files.parse(text, source=path.name, kinds=set(K.values))
        latest = (ObservationToolVersion.objects.select_for_update()
                  .filter(key=definition["key"]).order_by("-version").first())
        if latest is not None and latest.sha256 == digest:
            continue
        made.append(ObservationToolVersion.objects.create(
            key=definition["key"], version=(latest.version + 1) if latest else 1,
            name=definition["name"], seed=definition["seed"], definition=definition,
            sha256=digest))
    return made


def current_tools() -> list[ObservationToolVersion]:
    """The latest version of each tool, by name."""
    latest: dict[str, ObservationToolVersion] = {}
    for tool in ObservationToolVersion.objects.order_by("key", "-version"):
        latest.setdefault(tool.key, tool)
    return sorted(latest.values(), key=lambda t: t.name)


def tool_for(kind: str) -> ObservationToolVersion | None:
    """The tool for this kind of observation: the latest version of the first tool (by
    name) that lists the kind."""
    return next((t for t in current_tools() if kind in t.kinds), None)


# --- Writes ---------------------------------------------------------------------------------


def observation_url(observation: Observation) -> str:
    return reverse("practice:observation_detail", args=[observation.pk])


@transaction.atomic
def observation_plan(*, actor: Person, observed: Person, observer: Person, kind: str,
                     planned_for: dt.date, purpose: str = P.SCHEDULE,
                     action: Action | None = None, qa_team: bool = False) -> Observation:
    """Plan an observation: the observer and the person observed find it in their tray.
    `qa_team`: the actor runs the framework and may plan anyone's."""
    if observer.pk == observed.pk:
        raise DomainError("Choose someone else to observe the practice.", field="observer")
    if not observer.is_active or not observed.is_active:
        raise DomainError("Both people must be on the staff now.", field="observed")
    # A senior leader plans anyone's only for Practice Week (002: they observe practice
    # across the service then); otherwise the people they manage, like any manager.
    senior_week = purpose == P.PRACTICE_WEEK and bool(actor.roles & SENIOR_LEADER_ROLES)
    allowed = (qa_team or senior_week or observed.pk == actor.pk
               or observed.pk in visible_ids_below(actor))
    if not allowed:
        raise DomainError("You can plan observations of the people you manage, or of anyone "
                          "in Practice Week if you are a senior leader.", field="observed")
    if purpose == P.PRACTICE_WEEK:
        if planned_for.month != PRACTICE_WEEK_MONTH:
            raise DomainError("Practice Week is in October: choose a date in October.",
                              field="planned_for")
        if not observer.roles & SENIOR_LEADER_ROLES:
            raise DomainError("In Practice Week senior leaders observe practice: choose a "
                              "senior leader as the observer.", field="observer")
    if kind == K.PEER and purpose not in (P.REGISTRATION, P.ACTION):
        purpose = P.REGISTRATION
    if purpose == P.REGISTRATION and kind != K.PEER:
        raise DomainError("A peer observation for registration is of the kind 'Peer "
                          "observation or reflection'.", field="kind")
    if purpose == P.ASYE and not AsyeYear.objects.filter(
            person=observed, starts_on__lte=planned_for, ends_on__gte=planned_for).exists():
        raise DomainError(f"{observed.full_name} is not in an ASYE year on that date: add "
                          "their ASYE year first, or choose another reason.", field="purpose")
    if purpose == P.ACTION and action is None:
        raise DomainError("Choose the action this observation was agreed as.", field="action")
    obs = Observation.objects.create(
        observed=observed, observer=observer, team_id=observed.team_id, kind=kind,
        purpose=purpose, planned_for=planned_for, action=action, planned_by=actor)
    tell = [p for p in (observer, observed) if p.pk != actor.pk]
    if tell:
        notify(recipients=tell, link=observation_url(obs),
               subject="An observation of practice is planned",
               body=(f"An observation of practice ({obs.get_kind_display().lower()}) is "
                     f"planned for {gds_date(planned_for)}. Open it to see who observes "
                     "whom."))
    return obs


def _answers(tool: ObservationToolVersion | None,
             raw: Mapping[str, Any]) -> dict[str, Any]:
    if tool is None:
        return {}
    answers: dict[str, Any] = {}
    for q in tool.questions:
        value = raw.get(q.key)
        if value in (None, ""):
            if q.required:
                raise DomainError(f"Answer '{q.text}'", field=f"q_{q.key}")
            continue
        if q.answer == "scale":
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if number not in tool_files.SCALE:
                raise DomainError(f"Choose an answer from 1 to {tool_files.SCALE[-1]} for "
                                  f"'{q.text}'", field=f"q_{q.key}")
            answers[q.key] = number
        elif q.answer == "yes_no":
            if value not in ("yes", "no"):
                raise DomainError(f"Answer yes or no to '{q.text}'", field=f"q_{q.key}")
            answers[q.key] = value
        else:
            answers[q.key] = str(value).strip()
    return answers


@transaction.atomic
def observation_record(*, observation: Observation, actor: Person, observed_on: dt.date,
                       answers: Mapping[str, Any], strengths: str, areas_to_develop: str,
                       feedback_given: str, themes: Sequence[str] = ()) -> Observation:
    """The observer records what they saw with the tool for its kind; the person observed
    finds it in their tray to read and reply."""
    if not may_record(observation=observation, person=actor):
        raise DomainError("Only the observer records a planned observation.")
    if observed_on > timezone.localdate():
        raise DomainError("The day of the observation cannot be in the future.",
                          field="observed_on")
    if not strengths.strip():
        raise DomainError("Write the strengths you saw.", field="strengths")
    if not feedback_given.strip():
        raise DomainError("Write the feedback you gave.", field="feedback_given")
    unknown = set(themes) - set(Theme.values)
    if unknown:
        raise DomainError("Choose themes from the list.", field="themes")
    tool = tool_for(observation.kind)
    observation.tool = tool
    observation.answers = _answers(tool, answers)
    observation.observed_on = observed_on
    observation.strengths = strengths.strip()
    observation.areas_to_develop = areas_to_develop.strip()
    observation.feedback_given = feedback_given.strip()
    observation.themes = [t for t in Theme.values if t in set(themes)]
    observation.recorded_at = timezone.now()
    observation.workflow.move(
        observation, to=S.DONE, actor=actor, reason="Recorded",
        also_save=["tool", "answers", "observed_on", "strengths", "areas_to_develop",
                   "feedback_given", "themes", "recorded_at"])
    notify(recipients=[observation.observed], link=observation_url(observation), kind=REPLY,
           about=about(NOUN, observation.pk),
           subject="Your observation of practice has been recorded",
           body=("The observer has recorded your observation of practice: the strengths, "
                 "the areas to develop and the feedback given. Read it and add your reply."))
    return observation


@transaction.atomic
def observation_cancel(*, observation: Observation, user: Any, reason: str) -> Observation:
    person = _person(user)
    if not may_cancel(observation=observation, user=user):
        raise DomainError("Only the observer, whoever planned it or the QA team can cancel "
                          "a planned observation.")
    if not reason.strip():
        raise DomainError("Say why it is cancelled.", field="reason")
    observation.cancelled_reason = reason.strip()
    observation.workflow.move(observation, to=S.CANCELLED, actor=person, reason=reason,
                              also_save=["cancelled_reason"])
    tell = [p for p in (observation.observer, observation.observed)
            if person is None or p.pk != person.pk]
    if tell:
        notify(recipients=tell, link=observation_url(observation),
               subject="An observation of practice is cancelled",
               body=(f"The observation of practice planned for "
                     f"{gds_date(observation.planned_for)} is cancelled. Open it to read "
                     "why."))
    return observation


@transaction.atomic
def observation_reply(*, observation: Observation, actor: Person, reply: str) -> Observation:
    if not may_reply(observation=observation, person=actor):
        raise DomainError("Only the person observed replies, once the observation is "
                          "recorded.")
    if not reply.strip():
        raise DomainError("Write your reply.", field="reply")
    observation.reply = reply.strip()
    observation.replied_at = timezone.now()
    observation.save(update_fields=["reply", "replied_at", "updated_at"])
    notify(recipients=[observation.observer], link=observation_url(observation),
           subject="A reply to your observation of practice",
           body="The person you observed has replied to what you recorded. Open it to read "
                "the reply.")
    return observation


@transaction.atomic
def asye_year_add(*, person: Person, starts_on: dt.date, assessor: Person | None = None,
                  ) -> AsyeYear:
    """Put a newly qualified social worker on the ASYE schedule for a year from the day."""
    if assessor is not None and assessor.pk == person.pk:
        raise DomainError("The assessor is someone else.", field="assessor")
    try:
        ends_on = starts_on.replace(year=starts_on.year + 1)
    except ValueError:  # 29 February
        ends_on = starts_on + dt.timedelta(days=365)
    if AsyeYear.objects.filter(person=person, starts_on__lt=ends_on,
                               ends_on__gt=starts_on).exists():
        raise DomainError("They already have an ASYE year over those dates.", field="person")
    return AsyeYear.objects.create(person=person, assessor=assessor, starts_on=starts_on,
                                   ends_on=ends_on)


@register_done_check(REPLY)
def observation_replied(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the person observed has replied: one query for every notice."""
    ids = about_ids(notices, NOUN)
    replied = dict(Observation.objects.filter(pk__in=set(ids.values()),
                                              replied_at__isnull=False)
                   .values_list("pk", "replied_at"))
    return {n.pk: f"Done: replied on {gds_date(replied[o])}."
            for n in notices if (o := ids.get(n.pk)) is not None and o in replied}


# --- Themes ---------------------------------------------------------------------------------


class Theme:
    """What an observation showed, for the Practice Week and half-year summaries. The seeds
    name no list: these are our choice, from the areas 002 audits and asks to be seen
    ("voice of the child prominent ... and observation of relationships")."""

    CHOICES = (
        ("voice_of_child", "Voice of the child"),
        ("relationships", "Relationships with children and families"),
        ("risk", "Understanding of risk and need"),
        ("planning", "Planning and purposeful visits"),
        ("reflection", "Reflective supervision"),
        ("oversight", "Management oversight"),
        ("teamwork", "Teamwork"),
        ("workload", "Workload and wellbeing"),
    )
    values = [v for v, _ in CHOICES]
    labels = dict(CHOICES)


# --- Reads: the schedule and compliance ---------------------------------------------------


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def schedule_of(person: Person, asye: Iterable[AsyeYear], start: dt.date,
                end: dt.date) -> tuple[str | None, AsyeYear | None]:
    """Which schedule the person is on for the period: ASYE while an ASYE year overlaps it,
    else team manager, else practitioner; None when no schedule applies."""
    for a in asye:
        if a.starts_on <= end and a.ends_on >= start:
            return Group.ASYE, a
    if Role.TEAM_MANAGER in person.roles:
        return Group.TEAM_MANAGER, None
    if person.roles & PRACTITIONER_ROLES:
        return Group.PRACTITIONER, None
    return None, None


@dataclass
class PersonDue:
    person: Person
    group: str
    required: int
    done: int = 0
    with_kind: bool = False
    peer: bool = False
    planned: int = 0
    window: tuple[dt.date, dt.date] | None = None  # the ASYE year, for the ASYE schedule

    @property
    def met(self) -> bool:
        return self.done >= self.required and self.with_kind

    @property
    def state(self) -> str:
        if self.met:
            return "Met"
        if self.done == 0:
            return "Not yet observed"
        if self.done >= self.required:
            return (f"Observed {self.done} times, none of "
                    f"{K(Group.REQUIRED_KIND[self.group]).label.lower()}")
        return f"Observed {self.done} of {self.required}"

    @property
    def group_label(self) -> str:
        return Group.LABELS[self.group]


@dataclass
class ComplianceRow:
    label: str
    due: int = 0
    once: int = 0
    met: int = 0

    @property
    def once_share(self) -> Proportion:
        return wilson(self.once, self.due)

    @property
    def met_share(self) -> Proportion:
        return wilson(self.met, self.due)


@dataclass
class Compliance:
    year: int
    as_of: dt.date
    people: list[PersonDue] = field(default_factory=list)
    by_group: list[ComplianceRow] = field(default_factory=list)
    by_team: list[ComplianceRow] = field(default_factory=list)
    total: ComplianceRow = field(default_factory=lambda: ComplianceRow("Everyone due"))
    peer: ComplianceRow = field(
        default_factory=lambda: ComplianceRow("Peer observation for registration"))


def compliance(*, year: int, as_of: dt.date | None = None,
               people_ids: set[int] | None = None) -> Compliance:
    """Who is due an observation in the year, who was observed once, who met the schedule
    (twice, with the required kind), by schedule and by team; observations counted up to
    `as_of` (the end of the year by default). `people_ids` limits it to those people (a
    manager's own). Four queries."""
    start, end = year_bounds(year)
    as_of = min(as_of or end, end)
    staff = people_with_roles().filter(is_active=True, agency="")
    if people_ids is not None:
        staff = staff.filter(pk__in=people_ids)
    staff_list = list(staff.order_by("full_name"))
    asye_by: dict[int, list[AsyeYear]] = defaultdict(list)
    for a in AsyeYear.objects.filter(starts_on__lte=end, ends_on__gte=start):
        asye_by[a.person_id].append(a)
    # The ASYE year may start before the calendar year: read from the earliest start.
    earliest = min([start, *(a.starts_on for rows in asye_by.values() for a in rows)])
    latest = max([end, *(a.ends_on for rows in asye_by.values() for a in rows)])
    rows = list(Observation.objects.filter(
        Q(status=S.DONE, observed_on__gte=earliest, observed_on__lte=latest)
        | Q(status=S.PLANNED, planned_for__gte=earliest, planned_for__lte=latest))
        .values_list("observed_id", "kind", "status", "observed_on", "planned_for"))
    result = Compliance(year=year, as_of=as_of)
    groups = {g: ComplianceRow(Group.LABELS[g]) for g in Group.LABELS}
    teams: dict[str, ComplianceRow] = {}
    by_person: dict[int, list[tuple[str, str, dt.date | None, dt.date]]] = defaultdict(list)
    for observed_id, kind, status, observed_on, planned_for in rows:
        by_person[observed_id].append((kind, status, observed_on, planned_for))
    for person in staff_list:
        group, asye = schedule_of(person, asye_by.get(person.pk, ()), start, end)
        if group is None:
            continue
        window = (asye.starts_on, asye.ends_on) if asye else (start, end)
        due = PersonDue(person=person, group=group,
                        required=ASYE_OBSERVATIONS if asye else REQUIRED,
                        window=window if asye else None)
        for kind, status, observed_on, planned_for in by_person.get(person.pk, ()):
            if status == S.PLANNED:
                due.planned += window[0] <= planned_for <= window[1]
                continue
            if observed_on is None or not (window[0] <= observed_on <= min(window[1], as_of)):
                continue
            if kind == K.PEER:
                due.peer = True
                continue
            due.done += 1
            due.with_kind = due.with_kind or kind == Group.REQUIRED_KIND[group]
        result.people.append(due)
        team_name = person.team.name if person.team else "No team"
        for row in (groups[group], teams.setdefault(team_name, ComplianceRow(team_name)),
                    result.total):
            row.due += 1
            row.once += due.done >= 1
            row.met += due.met
        if group != Group.TEAM_MANAGER:
            result.peer.due += 1
            result.peer.met += due.peer
            result.peer.once += due.peer
    result.by_group = [groups[g] for g in Group.LABELS if groups[g].due]
    result.by_team = [teams[name] for name in sorted(teams)]
    return result


def compliance_people_ids(user: Any) -> set[int] | None:
    """Whose names the user sees on the compliance page: everyone for the QA team (None),
    the people below them for a manager."""
    if is_qa_team(user):
        return None
    return visible_ids_below(_person(user))


# --- Reads: summaries -----------------------------------------------------------------------


@dataclass
class Summary:
    """Observations of practice over a period, for the Practice Improvement Team and SMT
    (002: "provided ... twice per year in January and July"). Figures only: no names."""

    period_start: dt.date
    period_end: dt.date
    done: int = 0
    planned: int = 0
    cancelled: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_team: list[tuple[str, int]] = field(default_factory=list)
    by_group: list[tuple[str, int]] = field(default_factory=list)
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    practice_week: int = 0
    replied: Proportion = field(default_factory=lambda: wilson(0, 0))
    # The year to the end of the period: who is due, observed once, met the schedule.
    compliance: Compliance | None = None


def summary(period_start: dt.date, period_end: dt.date) -> Summary:
    """The observations done in the period (by kind, team, schedule and theme), those
    planned in it and not yet done, those cancelled, and the year's compliance to the
    period's end with counts and 95% Wilson intervals. Five queries."""
    if period_end < period_start:
        raise ValueError("The period ends before it starts.")
    rows = list(Observation.objects
                .filter(Q(status=S.DONE, observed_on__gte=period_start,
                          observed_on__lte=period_end)
                        | Q(~Q(status=S.DONE), planned_for__gte=period_start,
                            planned_for__lte=period_end))
                .values_list("status", "kind", "team__name", "purpose", "themes",
                             "replied_at", "observed_id"))
    result = Summary(period_start=period_start, period_end=period_end)
    done = [r for r in rows if r[0] == S.DONE]
    result.done = len(done)
    result.planned = sum(1 for r in rows if r[0] == S.PLANNED)
    result.cancelled = sum(1 for r in rows if r[0] == S.CANCELLED)
    kinds = Counter(r[1] for r in done)
    result.by_kind = [(str(label), kinds[v]) for v, label in K.choices]
    teams = Counter(r[2] or "No team" for r in done)
    result.by_team = sorted(teams.items())
    themes = Counter(t for r in done for t in (r[4] or []))
    result.by_theme = [(label, themes[v]) for v, label in Theme.CHOICES if themes[v]]
    result.practice_week = sum(1 for r in done if r[3] == P.PRACTICE_WEEK)
    result.replied = wilson(sum(1 for r in done if r[5]), len(done))
    result.compliance = compliance(year=period_end.year, as_of=period_end)
    groups = {d.person.pk: d.group for d in result.compliance.people}
    by_group = Counter(groups.get(r[6], "other") for r in done)
    labels = {**Group.LABELS, "other": "Others observed"}
    result.by_group = [(labels[g], by_group[g]) for g in labels if by_group[g]]
    return result


def half_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last half-year ended before today: the July summary covers January to June, the
    January summary July to December of the year before (002)."""
    if today.month >= 7:
        return dt.date(today.year, 1, 1), dt.date(today.year, 6, 30)
    return dt.date(today.year - 1, 7, 1), dt.date(today.year - 1, 12, 31)


def half_year_summary(today: dt.date | None = None) -> Summary:
    """The summary due now: the half-year to the end of June (in July to December) or to
    the end of December (in January to June)."""
    start, end = half_year(today or timezone.localdate())
    return summary(start, end)


# --- Reads: Practice Week -------------------------------------------------------------------


@dataclass
class PracticeWeek:
    year: int
    by_leader: list[tuple[Person, list[Observation]]] = field(default_factory=list)
    done: int = 0
    planned: int = 0
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)


def practice_week(year: int) -> PracticeWeek:
    """October's Practice Week observations (002) by the senior leader who observed, with
    the themes they saw. One query."""
    rows = list(Observation.objects
                .filter(purpose=P.PRACTICE_WEEK, planned_for__year=year)
                .exclude(status=S.CANCELLED)
                .select_related("observer", "observed", "team")
                .order_by("observer__full_name", "planned_for", "pk"))
    week = PracticeWeek(year=year)
    leaders: dict[int, tuple[Person, list[Observation]]] = {}
    for obs in rows:
        leaders.setdefault(obs.observer_id, (obs.observer, []))[1].append(obs)
    week.by_leader = list(leaders.values())
    done = [o for o in rows if o.status == S.DONE]
    week.done, week.planned = len(done), len(rows) - len(done)
    themes = Counter(t for o in done for t in o.themes)
    week.by_theme = [(label, themes[v]) for v, label in Theme.CHOICES if themes[v]]
    kinds = Counter(o.kind for o in done)
    week.by_kind = [(str(label), kinds[v]) for v, label in K.choices if kinds[v]]
    return week


def asye_years() -> QuerySet[AsyeYear]:
    return AsyeYear.objects.select_related("person", "assessor").order_by("-starts_on", "pk")


def tool_questions_with_answers(observation: Observation) -> list[tuple[Any, Any]]:
    if observation.tool is None:
        return []
    return [(q, observation.answers.get(q.key)) for q in observation.tool.questions]
