"""Pages for observations of practice (002): the list, planning, the record with its tool,
the reply, the year's compliance, the half-year summary (January and July), Practice Week,
the tools and the ASYE years. Every page that shows an observation writes an access-log
row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.models import Action
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.people.selectors import people_with_roles
from auditloop.practice import observation_tool_files as tool_files
from auditloop.practice import observations as obs
from auditloop.practice.models import Observation
from auditloop.practice.observation_forms import (
    AsyeForm,
    CancelForm,
    PlanForm,
    RecordForm,
    ReplyForm,
)

C = Capability
LIST_LIMIT = 200
OBJECT = "practice_observation"
# Who opens the list from the navigation: those observed and those who observe them.
LIST_NAV = (C.HOLD_CASES, C.VIEW_TEAM_CASES, C.MANAGE_FRAMEWORK)
COMPLIANCE_READERS = (C.MANAGE_FRAMEWORK, C.VIEW_TEAM_CASES, C.VIEW_REPORTS)
SUMMARY_READERS = (C.VIEW_REPORTS, C.MANAGE_FRAMEWORK)


def _person(request: HttpRequest) -> Any:
    return request.user.person_or_none  # type: ignore[union-attr]


def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", "") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _years() -> list[int]:
    this = timezone.localdate().year
    return [this + 1, *range(this, this - 5, -1)]


@require_GET
def observation_list(request: HttpRequest) -> HttpResponse:
    """The observations the user may see: their own, those they make, those of the people
    they manage, every one for the QA team."""
    year = _year(request)
    status = request.GET.get("status", "")
    qs = obs.observations_for_user(request.user).filter(planned_for__year=year)
    if status in Observation.Status.values:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("-planned_for", "-pk")[:LIST_LIMIT + 1])
    more = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    log_access_many(request, object_type=OBJECT, object_ids=[o.pk for o in rows])
    return render(request, "practice/observations/list.html", {
        "observations": rows, "more": more, "limit": LIST_LIMIT, "year": year,
        "years": _years(), "status": status,
        "statuses": [("", "Any status"), *Observation.Status.choices],
        "person": _person(request), "schedule_purpose": Observation.Purpose.SCHEDULE,
    })


def _actions_for(person: Person) -> list[tuple[int, str]]:
    """Open actions the planner made or owns, newest first (an observation agreed as an
    action in supervision or from an audit)."""
    rows = (Action.objects.filter(Q(created_by=person) | Q(owner_rows__person=person,
                                                           owner_rows__ended_at__isnull=True))
            .exclude(status=Action.Status.GREEN).distinct().order_by("-pk")[:50])
    return [(a.pk, f"Action {a.pk}: {a.action[:80]}") for a in rows]


@require_http_methods(["GET", "POST"])
def observation_plan(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    people = list(obs.plannable_people(request.user))
    observers = list(people_with_roles().filter(is_active=True, agency="")
                     .order_by("full_name"))
    actions = _actions_for(person)
    form = PlanForm(request.POST or None,
                    people=[(p.pk, f"{p.full_name}{', ' + p.team.name if p.team else ''}")
                            for p in people],
                    observers=[(p.pk, p.full_name) for p in observers], actions=actions,
                    initial={"purpose": Observation.Purpose.SCHEDULE})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        observed = next(p for p in people if p.pk == d["observed"])
        observer = next((p for p in observers if p.pk == d["observer"]), None)
        action = Action.objects.filter(pk=d["action"]).first() if d["action"] else None
        try:
            if observer is None:
                raise DomainError("Choose who observes.", field="observer")
            observation = obs.observation_plan(
                actor=person, observed=observed, observer=observer, kind=d["kind"],
                planned_for=d["planned_for"], purpose=d["purpose"], action=action,
                qa_team=obs.is_qa_team(request.user))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Observation planned. The observer and the person "
                                      "observed have it in their tray.")
            return redirect("practice:observation_detail", observation.pk)
    return render(request, "practice/observations/plan.html", {"form": form},
                  status=400 if form.errors else 200)


def _detail(request: HttpRequest, observation: Observation, *,
            cancel: CancelForm | None = None, reply: ReplyForm | None = None,
            status: int = 200) -> HttpResponse:
    person = _person(request)
    return render(request, "practice/observations/detail.html", {
        "observation": observation,
        "answers": obs.tool_questions_with_answers(observation),
        "themes": [obs.Theme.labels[t] for t in observation.themes
                   if t in obs.Theme.labels],
        "may_record": obs.may_record(observation=observation, person=person),
        "cancel_form": cancel or (CancelForm() if obs.may_cancel(
            observation=observation, user=request.user) else None),
        "reply_form": reply or (ReplyForm() if obs.may_reply(
            observation=observation, person=person) else None),
        "asye_rule": obs.Group.RULES[obs.Group.ASYE],
        "for_asye": observation.purpose == Observation.Purpose.ASYE,
        "recorded": obs.is_recorded(observation),
        "cancelled": obs.is_cancelled(observation),
    }, status=status)


@require_GET
def observation_detail(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = obs.get_for_user(request.user, observation_id)
    log_access(request, object_type=OBJECT, object_id=observation.pk)
    return _detail(request, observation)


@require_http_methods(["GET", "POST"])
def observation_record(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = obs.get_for_user(request.user, observation_id)
    person = _person(request)
    if not obs.may_record(observation=observation, person=person):
        raise PermissionDenied
    log_access(request, object_type=OBJECT, object_id=observation.pk)
    tool = obs.tool_for(observation.kind)
    form = RecordForm(request.POST or None, tool=tool,
                      initial={"observed_on": min(observation.planned_for,
                                                  timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            obs.observation_record(
                observation=observation, actor=person, observed_on=d["observed_on"],
                answers=form.answers(), strengths=d["strengths"],
                areas_to_develop=d["areas_to_develop"], feedback_given=d["feedback_given"],
                themes=d["themes"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Observation recorded. The person observed has it in "
                                      "their tray to read and reply.")
            return redirect("practice:observation_detail", observation.pk)
    return render(request, "practice/observations/record.html", {
        "observation": observation, "form": form, "tool": tool,
        "draft_note": (tool_files.DRAFT_NOTE if tool is not None and not tool.from_seed
                       and obs.is_qa_team(request.user) else ""),
    }, status=400 if form.errors else 200)


@require_POST
def observation_cancel(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = obs.get_for_user(request.user, observation_id)
    if not obs.may_cancel(observation=observation, user=request.user):
        raise PermissionDenied
    log_access(request, object_type=OBJECT, object_id=observation.pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        obs.observation_cancel(observation=observation, user=request.user,
                               reason=form.cleaned_data["reason"])
        messages.success(request, "Observation cancelled.")
        return redirect("practice:observation_detail", observation.pk)
    return _detail(request, observation, cancel=form, status=400)


@require_POST
def observation_reply(request: HttpRequest, observation_id: int) -> HttpResponse:
    observation = obs.get_for_user(request.user, observation_id)
    person = _person(request)
    if not obs.may_reply(observation=observation, person=person):
        raise PermissionDenied
    log_access(request, object_type=OBJECT, object_id=observation.pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            obs.observation_reply(observation=observation, actor=person,
                                  reply=form.cleaned_data["reply"])
        except DomainError as exc:
            form.add_error("reply", exc.message)
        else:
            messages.success(request, "Reply sent. The observer has it in their tray.")
            return redirect("practice:observation_detail", observation.pk)
    return _detail(request, observation, reply=form, status=400)


@require_GET
@capability_required(*COMPLIANCE_READERS)
def observation_compliance(request: HttpRequest) -> HttpResponse:
    """Who is due an observation this year, who was observed once, who met the schedule.
    Figures over everyone for the QA team and report readers, over the people they manage
    for a manager; names only of the people the reader manages (everyone for the QA team).
    Names and counts of staff, no observation record: no access-log row."""
    year = _year(request)
    user: Any = request.user
    named_ids = obs.compliance_people_ids(user)
    everyone = obs.is_qa_team(user) or user.has_capability(C.VIEW_REPORTS)
    figures = obs.compliance(year=year, people_ids=None if everyone else named_ids)
    if named_ids is None:
        people, names = figures.people, "Everyone"
    else:
        people = [d for d in figures.people if d.person.pk in named_ids]
        names = "The people you manage"
    return render(request, "practice/observations/compliance.html", {
        "c": figures, "people": people, "year": year, "years": _years()[1:],
        "rules": [(obs.Group.LABELS[g], obs.Group.RULES[g]) for g in obs.Group.LABELS],
        "everyone": everyone, "names": names,
    })


def _half(request: HttpRequest) -> tuple[dt.date, dt.date]:
    value = request.GET.get("half", "")
    try:
        year_text, _, part = value.partition("-")
        year = int(year_text)
        if part == "1":
            return dt.date(year, 1, 1), dt.date(year, 6, 30)
        if part == "2":
            return dt.date(year, 7, 1), dt.date(year, 12, 31)
    except ValueError:
        pass
    return obs.half_year(timezone.localdate())


def _halves() -> list[tuple[str, str]]:
    today = timezone.localdate()
    found = []
    for year in range(today.year, today.year - 4, -1):
        for part, label in (("2", "July to December"), ("1", "January to June")):
            start = dt.date(year, 1 if part == "1" else 7, 1)
            if start <= today:
                found.append((f"{year}-{part}", f"{label} {year}"))
    return found


@require_GET
@capability_required(*SUMMARY_READERS)
def observation_summary(request: HttpRequest) -> HttpResponse:
    """The half-year summary given to the Practice Improvement Team in January and July and
    to SMT (002). Figures only: no names, so no access-log row."""
    start, end = _half(request)
    return render(request, "practice/observations/summary.html", {
        "s": obs.summary(start, end), "halves": _halves(),
        "chosen": f"{end.year}-{'1' if end.month == 6 else '2'}",
        "due": obs.half_year(timezone.localdate()) == (start, end),
    })


def _may_see_practice_week(user: Any) -> bool:
    person = user.person_or_none if user.is_authenticated else None
    return bool(any(user.has_capability(c) for c in SUMMARY_READERS)
                or (person is not None and person.roles & obs.SENIOR_LEADER_ROLES))


@require_GET
def practice_week(request: HttpRequest) -> HttpResponse:
    """Practice Week each October (002): the observations by senior leader, with the team
    observed (not the person) and the themes they saw."""
    if not _may_see_practice_week(request.user):
        raise PermissionDenied
    year = _year(request)
    week = obs.practice_week(year)
    shown = [o for _, rows in week.by_leader for o in rows]
    log_access_many(request, object_type=OBJECT, object_ids=[o.pk for o in shown])
    visible = set(obs.observations_for_user(request.user)
                  .filter(pk__in=[o.pk for o in shown]).values_list("pk", flat=True))
    return render(request, "practice/observations/practice_week.html", {
        "week": week, "year": year, "years": _years(), "visible": visible,
    })


@require_GET
@capability_required(C.MANAGE_FRAMEWORK)
def observation_tools(request: HttpRequest) -> HttpResponse:
    """Each observation tool's latest version, with its questions; drafts marked 'Not from
    the seed: review before use' (this page is only for those who manage the framework)."""
    return render(request, "practice/observations/tools.html", {
        "tools": obs.current_tools(), "draft_note": tool_files.DRAFT_NOTE,
    })


@require_http_methods(["GET", "POST"])
@capability_required(C.MANAGE_FRAMEWORK, C.MANAGE_STAFF)
def asye_years(request: HttpRequest) -> HttpResponse:
    """Newly qualified social workers' ASYE years: on the ASYE schedule while one runs."""
    staff = list(people_with_roles().filter(is_active=True, agency="").order_by("full_name"))
    form = AsyeForm(request.POST or None, people=[(p.pk, p.full_name) for p in staff])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_id = {p.pk: p for p in staff}
        try:
            obs.asye_year_add(person=by_id[d["person"]], starts_on=d["starts_on"],
                              assessor=by_id.get(d["assessor"]) if d["assessor"] else None)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{by_id[d['person']].full_name} is on the ASYE "
                                      "schedule.")
            return redirect("practice:asye_years")
    years = list(obs.asye_years())
    progress = obs.compliance(year=timezone.localdate().year,
                              people_ids={a.person_id for a in years})
    done = {d.person.pk: d for d in progress.people}
    return render(request, "practice/observations/asye.html", {
        "form": form, "rows": [(a, done.get(a.person_id)) for a in years],
        "rule": obs.Group.RULES[obs.Group.ASYE], "required": obs.ASYE_OBSERVATIONS,
    }, status=400 if form.errors else 200)
