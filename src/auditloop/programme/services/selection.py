"""Choosing a cycle's cases: the proposal (each case with its reason), swaps, additions,
and confirming the list.

The proposal puts, in this order: planned re-audits and revisits (exempt from every
exclusion), requests and nominations (never random), drift triggers, then the random dip
sample of the eligible cases that are left; the seed and that population are stored
(SelectionDraw) so the draw can be re-run.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.cases.models import Case, CaseEvent, Theme
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.notifications.services import notify
from auditloop.people.models import Locality, Person, Service, Team
from auditloop.people.roles import Role
from auditloop.programme import drift, sampling
from auditloop.programme.coverage import COUNTED, coverage
from auditloop.programme.models import (
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    SelectionDraw,
)
from auditloop.programme.services._common import (
    cycle_runners,
    lock,
    people_with_roles,
    plural,
    record,
    require,
    require_in,
    require_move,
)
from auditloop.programme.services.cycles import previous_monthly
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row

C = Cycle.Status
Src = CycleCase.Source
STRATA = {"locality": "locality", "service": "service"}


@dataclass
class SelectionAsk:
    """What the QA manager asks for. Filters narrow the random draw's population."""

    random_count: int | None  # None: the framework's number (drawn within its range)
    seed: int | None = None
    stratify_by: tuple[str, ...] = ()
    include_closed: bool = False
    service_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    locality_ids: tuple[int, ...] = ()
    case_ids: tuple[int, ...] = ()  # the cases named (programme.proposals: a signal's own)
    agency_types: tuple[str, ...] = ()
    open_longer_than_months: int | None = None
    step_down_only: bool = False
    themes: tuple[str, ...] = ()
    drift: bool = True
    favour_uncovered: bool = False
    previously_audited_count: int = 0
    previously_audited_months: int | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @property
    def has_filters(self) -> bool:
        return bool(self.service_ids or self.team_ids or self.locality_ids or self.case_ids
                    or self.agency_types or self.open_longer_than_months is not None
                    or self.step_down_only or self.themes)


def sample_size_range(row: FrameworkSettings) -> tuple[int, int] | None:
    """The framework's cases a cycle as (fewest, most): (8, 8) for 000, (6, 8) for 003; one
    bound alone is a fixed number; None when the framework gives no number."""
    low, high = row.sample_size_min, row.sample_size_max
    if low is None or high is None:
        one = low if low is not None else high
        return None if one is None else (one, one)
    return (low, high)


def default_random_count(row: FrameworkSettings) -> int | None:
    """The framework's sample size where it is one number (000: 8). For a range (003: "6/8
    open CAF cases per month") None: the draw takes a number within it from its seed."""
    found = sample_size_range(row)
    return found[0] if found is not None and found[0] == found[1] else None


def sample_size_drawn(seed: int, low: int, high: int) -> int:
    """A number of cases within [low, high], chosen by the draw's seed: the same seed gives
    the same number, so the recorded seed repeats the whole draw."""
    if high <= low:
        return low
    return low + sampling.rank(seed, 0, salt="sample-size") % (high - low + 1)


def proposal_initial(row: FrameworkSettings) -> dict[str, Any]:
    """The proposal form's starting choices from the framework's ways of choosing cases
    (selection_modes): a random dip where it samples at random (002, 003, 004; 001 chooses
    by theme and nomination only), the drift thresholds where it picks up drift (000, 003),
    its themes where they are themes on the register (001), and the months within which
    cases audited before are chosen again (004). With no ways set, a random dip and drift.
    Requests and nominations come on top whatever the ways."""
    modes = list(row.selection_modes or [])
    named = {m.get("mode") for m in modes}
    initial: dict[str, Any] = {
        "random_count": default_random_count(row) if not modes or "random" in named else 0,
        "drift": not modes or "drift" in named,
        "stratify_by": ["locality"] if row.sample_spread_across_localities else [],
    }
    wanted = {str(f.get("value", "")).strip().lower() for m in modes if m.get("mode") == "themed"
              for f in m.get("filters") or [] if f.get("filter") == "theme"}
    if wanted:
        initial["themes"] = [name for name in Theme.objects.order_by("name")
                             .values_list("name", flat=True) if name.lower() in wanted]
    for m in modes:
        if m.get("mode") == "previously_audited" and m.get("months"):
            initial["previously_audited_months"] = m["months"]
    return initial


def _exclusion(row: FrameworkSettings, rule: str) -> list[str]:
    return [str(e.get("value", "")) for e in row.exclusions or [] if e.get("rule") == rule]


def _int_or_none(values: list[str]) -> int | None:
    numbers = [int(v) for v in values if str(v).strip().isdigit()]
    return max(numbers) if numbers else None


def rules_for(row: FrameworkSettings, ask: SelectionAsk, on: dt.date,
              exempt: set[int]) -> sampling.Rules:
    if ask.include_closed and row.open_cases_only:
        raise DomainError("The framework audits open cases only, so closed cases cannot be "
                          "included. Change the setting first if this should change.",
                          field="include_closed")
    return sampling.Rules(
        on=on,
        services=frozenset(row.eligible_services or []),
        include_closed=ask.include_closed,
        audited_within_months=_int_or_none(_exclusion(row, "audited_within_months")),
        closed_longer_than_months=_int_or_none(_exclusion(row, "closed_longer_than_months")),
        excluded_services=frozenset(_exclusion(row, "service")),
        service_ids=frozenset(ask.service_ids),
        team_ids=frozenset(ask.team_ids),
        locality_ids=frozenset(ask.locality_ids),
        case_ids=frozenset(ask.case_ids),
        agency_types=frozenset(a.strip().lower() for a in ask.agency_types if a.strip()),
        open_longer_than_months=ask.open_longer_than_months,
        step_down_only=ask.step_down_only,
        themes=frozenset(t.strip().lower() for t in ask.themes if t.strip()),
        exempt=frozenset(exempt),
    )


def last_audited() -> dict[int, dt.date]:
    """Each case's latest audit (done or under way), by the day it was created."""
    return {
        r["case_id"]: timezone.localdate(r["last"])
        for r in Audit.objects.filter(COUNTED).values("case_id").annotate(last=Max("created_at"))
    }


def case_facts(*, include_closed: bool, with_themes: bool,
               audited: dict[int, dt.date]) -> list[sampling.CaseFacts]:
    """Every case the rules might consider, in two queries (three with themes)."""
    row = framework_settings_row()
    qs = Case.objects.all()
    if row.eligible_services:
        qs = qs.filter(service__kind__in=row.eligible_services)
    if not include_closed:
        qs = qs.filter(status=Case.Status.OPEN)
    themes: dict[int, set[str]] = defaultdict(set)
    if with_themes:
        through = Case.themes.through
        for case_id, name in through.objects.filter(case__in=qs).values_list(
                "case_id", "theme__name"):
            themes[case_id].add(name)
    return [
        sampling.CaseFacts(
            case_id=r["id"], is_open=r["status"] == Case.Status.OPEN,
            service_kind=r["service__kind"], service_id=r["service_id"],
            team_id=r["team_id"], locality_id=r["locality_id"],
            agency_type=r["agency_type"], opened_on=r["opened_on"],
            closed_on=r["closed_on"], step_down=r["step"] == Case.Step.STEP_DOWN,
            themes=frozenset(themes.get(r["id"], ())), last_audited_on=audited.get(r["id"]),
            key_worker_id=r["key_worker_id"],
        )
        for r in qs.values("id", "status", "service__kind", "service_id", "team_id",
                           "locality_id", "agency_type", "opened_on", "closed_on", "step",
                           "key_worker_id").order_by("id")
    ]


def plan_facts(case_ids: list[int]) -> dict[int, drift.PlanFacts]:
    """The dated events drift reads, for open cases: one grouped query per kind."""
    K = CaseEvent.Kind
    meetings = (K.TAF_MEETING, K.REVIEW)
    firsts: dict[int, dict[str, dt.date]] = defaultdict(dict)
    lasts: dict[int, dict[str, dt.date]] = defaultdict(dict)
    rows = (CaseEvent.objects.filter(case__status=Case.Status.OPEN,
                                     kind__in=[K.TAF_MEETING, K.REVIEW, K.PLAN_STARTED,
                                               K.PLAN_ENDED])
            .values("case_id", "kind").annotate(first=Min("occurred_on"),
                                                last=Max("occurred_on")))
    wanted = set(case_ids)
    for r in rows:
        if r["case_id"] in wanted:
            firsts[r["case_id"]][r["kind"]] = r["first"]
            lasts[r["case_id"]][r["kind"]] = r["last"]
    starts = dict(Case.objects.filter(pk__in=case_ids, plan_started_on__isnull=False)
                  .values_list("pk", "plan_started_on"))
    reviews_after: dict[int, dt.date] = {}
    taf_cases = [c for c in wanted if K.TAF_MEETING in firsts.get(c, {})]
    if taf_cases:
        for case_id, on in (CaseEvent.objects.filter(case_id__in=taf_cases, kind=K.REVIEW)
                            .order_by("case_id", "occurred_on")
                            .values_list("case_id", "occurred_on")):
            if on > firsts[case_id][K.TAF_MEETING] and case_id not in reviews_after:
                reviews_after[case_id] = on
    out = {}
    for case_id in case_ids:
        last_meeting = max((lasts[case_id][k] for k in meetings if k in lasts[case_id]),
                           default=None)
        started = max(filter(None, [starts.get(case_id),
                                    lasts[case_id].get(K.PLAN_STARTED)]), default=None)
        out[case_id] = drift.PlanFacts(
            plan_started_on=started, plan_ended_on=lasts[case_id].get(K.PLAN_ENDED),
            first_taf_on=firsts[case_id].get(K.TAF_MEETING), last_meeting_on=last_meeting,
            first_review_after_taf_on=reviews_after.get(case_id),
        )
    return out


def thresholds(row: FrameworkSettings) -> drift.Thresholds:
    return drift.Thresholds(
        taf_gap_weeks=row.taf_interval_weeks_acceptable or row.taf_interval_weeks_max,
        initial_review_weeks=row.initial_review_weeks_after_taf,
        plan_open_audit_months=row.plan_open_audit_months,
        plan_open_contact_months=row.plan_open_contact_coordinator_months,
    )


def planned_audits_due(cycle: Cycle) -> list[Audit]:
    """Re-audits and revisits whose window has opened by the cycle's due date, and which no
    other cycle has taken."""
    taken = CycleCase.objects.filter(status__in=CycleCase.workflow.groups["current"],
                                     planned_audit__isnull=False) \
        .exclude(cycle=cycle).values("planned_audit_id")
    return list(
        Audit.objects.filter(status=Audit.Status.PLANNED)
        .filter(Q(earliest_start_on__isnull=True) | Q(earliest_start_on__lte=cycle.audits_due_on))
        .exclude(pk__in=taken).select_related("case", "re_audit_of").order_by("due_on", "pk")
    )


def _carried_from(audits: list[Audit]) -> dict[int, str]:
    """The cycle each carried-over audit comes from (not submitted when it closed)."""
    rows = CycleCase.objects.filter(status=CycleCase.Status.CARRIED,
                                    planned_audit__in=audits).select_related("cycle")
    return {row.planned_audit_id: row.cycle.title for row in rows
            if row.planned_audit_id is not None}


def _planned_reason(audit: Audit, carried_from: str = "") -> str:
    if carried_from:
        return f"Carried over from the {carried_from}: not submitted when it closed"
    due = f" by {audit.due_on:%-d %B %Y}" if audit.due_on else ""
    if audit.kind == Audit.Kind.RE_AUDIT:
        grade = audit.re_audit_of.final_grade if audit.re_audit_of else ""
        graded = f" graded {grade.replace('_', ' ')}" if grade else ""
        return f"Re-audit due{due} (the earlier audit was{graded or ' finished'}): planned"
    return f"{audit.get_kind_display()} due{due}: planned"


def _strata_labels(stratify_by: tuple[str, ...]) -> dict[str, str]:
    labels: dict[str, str] = {}
    if "locality" in stratify_by:
        labels |= {f"locality:{pk}": name
                   for pk, name in Locality.objects.values_list("pk", "name")}
    if "service" in stratify_by:
        labels |= {f"service:{pk}": name
                   for pk, name in Service.objects.values_list("pk", "name")}
    return labels


def _stratum(c: sampling.CaseFacts, by: tuple[str, ...]) -> str:
    parts = []
    if "locality" in by:
        parts.append(f"locality:{c.locality_id or 0}")
    if "service" in by:
        parts.append(f"service:{c.service_id}")
    return "|".join(parts)


def stratum_label(stratum: str, labels: dict[str, str]) -> str:
    return ", ".join(labels.get(p, "no locality recorded") for p in stratum.split("|") if p)


def filters_in_words(ask: SelectionAsk) -> str:
    words = []
    if ask.service_ids:
        words.append("service " + " or ".join(
            Service.objects.filter(pk__in=ask.service_ids).values_list("name", flat=True)))
    if ask.team_ids:
        words.append("team " + " or ".join(
            Team.objects.filter(pk__in=ask.team_ids).values_list("name", flat=True)))
    if ask.locality_ids:
        words.append("locality " + " or ".join(
            Locality.objects.filter(pk__in=ask.locality_ids).values_list("name", flat=True)))
    if ask.case_ids:
        # Counted, never named: the words are each case's reason on the list.
        words.append(f"limited to {plural(len(set(ask.case_ids)), 'named case')}")
    if ask.agency_types:
        words.append("agency type " + " or ".join(ask.agency_types))
    if ask.open_longer_than_months is not None:
        words.append(f"open longer than {ask.open_longer_than_months} months")
    if ask.step_down_only:
        words.append("stepped down")
    if ask.themes:
        words.append("theme " + " or ".join(ask.themes))
    return "; ".join(words)


def _key_workers_of(cycle: Cycle | None) -> set[int]:
    if cycle is None:
        return set()
    return set(CycleCase.objects.filter(cycle=cycle, status=CycleCase.Status.CONFIRMED,
                                        case__key_worker__isnull=False)
               .values_list("case__key_worker_id", flat=True))


@transaction.atomic
def selection_propose(*, cycle: Cycle, ask: SelectionAsk, actor: Person | None) -> SelectionDraw:
    """Propose the cycle's cases, each with the reason it is on the list. Proposing again
    replaces the proposal (earlier draws stay on record)."""
    cycle = lock(cycle)
    require(cycle, C.PLANNING, doing="propose cases")
    if (ask.random_count or 0) < 0 or ask.previously_audited_count < 0:
        raise DomainError("Enter a number of cases of 0 or more.", field="random_count")
    row = framework_settings_row()
    seed = ask.seed if ask.seed is not None else secrets.randbits(48)
    size_range = sample_size_range(row) if ask.random_count is None else None
    if ask.random_count is not None:
        random_count = ask.random_count
    elif size_range is not None:
        random_count = sample_size_drawn(seed, *size_range)
        ask = replace(ask, random_count=random_count)
    else:
        raise DomainError("The framework gives no number of cases a cycle: enter how many "
                          "cases to choose at random.", field="random_count")
    on = cycle.audit_starts_on
    CycleCase.objects.filter(cycle=cycle).delete()
    lines: list[tuple[int, str, str, dict[str, Any]]] = []  # (case id, source, reason, extra)
    on_list: set[int] = set()

    def add(case_id: int, source: str, reason: str, **extra: Any) -> None:
        if case_id not in on_list:
            on_list.add(case_id)
            lines.append((case_id, source, reason[:500], extra))

    planned = planned_audits_due(cycle)
    carried = _carried_from(planned)
    for audit in planned:
        add(audit.case_id, Src.PLANNED, _planned_reason(audit, carried.get(audit.pk, "")),
            planned_audit=audit)
    requests = list(CaseRequest.objects.filter(status=CaseRequest.Status.OPEN)
                    .filter(Q(cycle__isnull=True) | Q(cycle=cycle))
                    .select_related("requested_by").order_by("created_at", "pk"))
    for req in requests:
        source: str = Src.NOMINATED if req.is_nomination else Src.REQUESTED
        good = " (good practice)" if req.good_practice else ""
        add(req.case_id, source,
            f"{req.get_kind_display()}{good}, by {req.requested_by.full_name}: {req.reason}",
            request=req)

    if cycle.follow_up_of_id:
        first = Cycle.objects.get(pk=cycle.follow_up_of_id)
        for case_id in CycleCase.objects.filter(
                cycle=first, status=CycleCase.Status.CONFIRMED).order_by(
                "position", "pk").values_list("case_id", flat=True):
            add(case_id, Src.PREVIOUSLY_AUDITED,
                f"Second stage of {first.title}: audited again to test improvement")

    audited = last_audited()
    facts = case_facts(include_closed=ask.include_closed, with_themes=bool(ask.themes),
                       audited=audited)
    rules = rules_for(row, ask, on, exempt=set(on_list))
    # Drift reads the framework's exclusions but not the filters asked for the draw.
    contacts: list[list[int]] = []
    limits = thresholds(row)
    if ask.drift and limits.any:
        unfiltered = sampling.Rules(
            on=on, services=rules.services, audited_within_months=rules.audited_within_months,
            excluded_services=rules.excluded_services, exempt=rules.exempt)
        candidates = [c for c in facts if c.is_open and c.case_id not in on_list
                      and sampling.left_out_because(c, unfiltered) is None]
        plans = plan_facts([c.case_id for c in candidates])
        for c in candidates:
            found = drift.drift(plans[c.case_id], limits, on)
            if found.contact_months is not None:
                contacts.append([c.case_id, found.contact_months])
            elif found.audit_reasons:
                add(c.case_id, Src.DRIFT, "Drift: " + "; ".join(found.audit_reasons))
        rules = replace(rules, exempt=frozenset(on_list))

    # 000 asks only that the coordinator of a plan open over twelve months is contacted: the
    # case stays in the random pool like any other.
    pool, left_out = sampling.eligible(facts, rules)
    avoid = _key_workers_of(previous_monthly(cycle)) \
        if row.avoid_same_key_worker_consecutive_cycles else set()
    favour_teams: set[int] = set()
    favour_localities: set[int] = set()
    if ask.favour_uncovered:
        cov = coverage(on=on)
        favour_teams, favour_localities = cov.short_team_ids, cov.short_locality_ids
    stratify = tuple(s for s in ask.stratify_by if s in STRATA)
    entries = [
        sampling.Entry(
            c.case_id, _stratum(c, stratify),
            (sampling.AVOID if c.key_worker_id in avoid and c.key_worker_id else 0)
            | (sampling.FAVOUR if (c.team_id in favour_teams
                                   or c.locality_id in favour_localities) else 0),
        )
        for c in pool
    ]
    chosen = sampling.draw(entries, random_count, seed, stratified=bool(stratify))
    by_id = {e.case_id: e for e in entries}
    labels = _strata_labels(stratify)
    filters = filters_in_words(ask)
    for rank, case_id in enumerate(chosen, 1):
        e = by_id[case_id]
        words = [f"Chosen at random ({rank} of {len(chosen)} drawn from "
                 f"{plural(len(entries), 'eligible case')})"]
        if stratify:
            words.append(f"for {stratum_label(e.stratum, labels)}")
        if filters:
            words.append(f"among cases matching {filters}")
        if e.flags & sampling.FAVOUR:
            words.append("from a team or locality short of the coverage target")
        if e.flags & sampling.AVOID:
            words.append("although its key worker was audited last cycle (no other case "
                         "was left)")
        add(case_id, Src.RANDOM, ", ".join(words))

    previously: list[int] = []
    if ask.previously_audited_count:
        months = ask.previously_audited_months
        if not months:
            raise DomainError("Say within how many months the cases were audited.",
                              field="previously_audited_months")
        since = add_months(on, -months)
        again = [sampling.Entry(c.case_id) for c in facts
                 if c.last_audited_on and c.last_audited_on > since and c.case_id not in on_list
                 and sampling.matches_filters(c, rules)]
        previously = sampling.draw(again, ask.previously_audited_count, seed,
                                   stratified=False, salt="previously-audited")
        for case_id in previously:
            add(case_id, Src.PREVIOUSLY_AUDITED,
                f"Audited on {audited[case_id]:%-d %B %Y}: chosen again at random to test "
                f"whether practice and outcomes have improved")

    draw = SelectionDraw.objects.create(
        cycle=cycle, seed=seed, method=sampling.METHOD,
        asked={**ask.as_json(), "seed": seed, "contacts": contacts,
               "sample_size_range": list(size_range) if size_range else None},
        population=[e.as_row() for e in sorted(entries, key=lambda e: e.case_id)],
        random_count=random_count, stratified=bool(stratify), chosen=chosen,
        left_out=left_out, previously_audited=previously,
        previously_audited_count=ask.previously_audited_count, created_by=actor,
    )
    CycleCase.objects.bulk_create([
        CycleCase(cycle=cycle, case_id=case_id, source=source, reason=reason, position=i,
                  draw=draw, planned_audit=extra.get("planned_audit"),
                  request=extra.get("request"))
        for i, (case_id, source, reason, extra) in enumerate(lines, 1)
    ])
    counts: dict[str, int] = defaultdict(int)
    for _, line_source, _, _ in lines:
        counts[line_source] += 1
    drawn = (f" The framework asks for {size_range[0]} to {size_range[1]} cases a cycle: "
             f"{random_count} drawn with the seed." if size_range and size_range[0] !=
             size_range[1] else "")
    record(cycle, actor, f"Cases proposed: {plural(len(lines), 'case')}",
           ", ".join(f"{Src(s).label.lower()}: {n}" for s, n in counts.items())
           + f". Seed {seed}; {plural(len(entries), 'eligible case')} in the draw.{drawn}")
    return draw


def latest_draw(cycle: Cycle) -> SelectionDraw | None:
    return SelectionDraw.objects.filter(cycle=cycle).order_by("-created_at", "-pk").first()


def _current(cycle_case: CycleCase) -> CycleCase:
    row = CycleCase.objects.select_for_update().select_related("case").get(pk=cycle_case.pk)
    if not row.is_current:
        raise DomainError("This case is no longer on the cycle's list. Reload the page.")
    return row


@transaction.atomic
def selection_swap(*, cycle_case: CycleCase, actor: Person | None, reason: str,
                   replacement: Case | None = None) -> CycleCase:
    """Swap a case for another: the next case in the draw, or one the manager names. The
    swap and its reason stay on record."""
    cycle = lock(cycle_case.cycle)
    require_in(cycle, "before_allocation", doing="swap a case")
    old = _current(cycle_case)
    if not reason.strip():
        raise DomainError("Say why the case is swapped.", field="reason")
    ever = set(CycleCase.objects.filter(cycle=cycle).values_list("case_id", flat=True))
    if replacement is None:
        draw = old.draw or latest_draw(cycle)
        if draw is None:
            raise DomainError("There is no draw to take the next case from: name a case.",
                              field="reference")
        entries = [sampling.Entry.from_row(r) for r in draw.population]
        stratum = next((e.stratum for e in entries if e.case_id == old.case_id), None)
        next_id = sampling.next_in_draw(entries, draw.seed, taken=ever, stratum=stratum)
        if next_id is None:
            raise DomainError("Every case in the draw has been used: name a case instead.",
                              field="reference")
        source: str = Src.RANDOM
        words = f"Next in the draw (seed {draw.seed}), in place of {old.case.reference}"
        new_case_id = next_id
    else:
        if CycleCase.objects.filter(cycle=cycle, case=replacement,
                                    status__in=CycleCase.workflow.groups["current"]).exists():
            raise DomainError(f"{replacement.reference} is already on the list.",
                              field="reference")
        source = Src.CHOSEN
        words = f"Chosen by the QA manager in place of {old.case.reference}"
        new_case_id = replacement.pk
        draw = old.draw
    was = old.status
    old.workflow.move(old, to=CycleCase.Status.SWAPPED_OUT, actor=actor, reason=reason.strip())
    new = CycleCase.objects.create(
        cycle=cycle, case_id=new_case_id, source=source,
        reason=f"{words}: {reason.strip()}"[:500], status=was, position=old.position,
        draw=draw, replaces=old,
    )
    record(cycle, actor, f"Case {old.case.reference} swapped for {new.case.reference}",
           reason.strip())
    return new


def _status_for(cycle: Cycle) -> str:
    return (CycleCase.Status.PROPOSED if cycle.is_planning
            else CycleCase.Status.CONFIRMED)


@transaction.atomic
def selection_add(*, cycle: Cycle, case: Case, actor: Person | None, reason: str) -> CycleCase:
    """Add a case by hand (a request heard of today, say), with the reason."""
    cycle = lock(cycle)
    require_in(cycle, "before_allocation", doing="add a case")
    if not reason.strip():
        raise DomainError("Say why this case is added.", field="reason")
    if CycleCase.objects.filter(cycle=cycle, case=case,
                                status__in=CycleCase.workflow.groups["current"]).exists():
        raise DomainError(f"{case.reference} is already on the list.", field="reference")
    last = CycleCase.objects.filter(cycle=cycle).aggregate(m=Max("position"))["m"] or 0
    row = CycleCase.objects.create(cycle=cycle, case=case, source=Src.CHOSEN,
                                   reason=f"Added by hand: {reason.strip()}"[:500],
                                   status=_status_for(cycle), position=last + 1)
    record(cycle, actor, f"Case {case.reference} added", reason.strip())
    return row


@transaction.atomic
def selection_remove(*, cycle_case: CycleCase, actor: Person | None, reason: str) -> CycleCase:
    cycle = lock(cycle_case.cycle)
    require_in(cycle, "before_allocation", doing="take a case off the list")
    row = _current(cycle_case)
    if not reason.strip():
        raise DomainError("Say why the case is taken off the list.", field="reason")
    row.workflow.move(row, to=CycleCase.Status.REMOVED, actor=actor, reason=reason.strip())
    record(cycle, actor, f"Case {row.case.reference} taken off the list", reason.strip())
    return row


def contact_recipients() -> list[Person]:
    """000: the early help officers contact the coordinator; the QA manager where there are
    none."""
    return people_with_roles([Role.EARLY_HELP_OFFICER]) or cycle_runners()


@transaction.atomic
def selection_confirm(*, cycle: Cycle, actor: Person | None) -> Cycle:
    """Confirm the list: requests are marked included, and the coordinators of plans open
    too long are to be contacted (a task in the early help officers' trays)."""
    cycle = lock(cycle)
    require_move(cycle, C.CASES_CONFIRMED, doing="confirm the cases")
    # The whole list moves at once, so these are updates of the rows the workflows allow to
    # move (CycleCase.workflow: proposed to confirmed; CaseRequest.workflow: open to included).
    to = CycleCase.Status.CONFIRMED
    rows = CycleCase.objects.filter(cycle=cycle,
                                    status__in=CycleCase.workflow.allowed_from[to])
    count = rows.count()
    if not count:
        raise DomainError("There are no cases on the list. Propose cases first.")
    rows.update(status=to, updated_at=timezone.now())
    CaseRequest.objects.filter(
        pk__in=CycleCase.objects.filter(cycle=cycle, status=to,
                                        request__isnull=False).values("request_id"),
        status__in=CaseRequest.workflow.allowed_from[CaseRequest.Status.INCLUDED],
    ).update(status=CaseRequest.Status.INCLUDED, cycle=cycle, updated_at=timezone.now())
    draw = latest_draw(cycle)
    made = []
    for case_id, months in (draw.asked.get("contacts", []) if draw else []):
        case = Case.objects.filter(pk=case_id).only("pk", "key_worker_id").first()
        if case is None:
            continue
        contact, created = CoordinatorContact.objects.get_or_create(
            cycle=cycle, case=case,
            defaults={"coordinator_id": case.key_worker_id, "months_open": months})
        if created:
            made.append(contact)
    if made:
        from django.urls import reverse

        notify(recipients=contact_recipients(),
               subject=f"Contact the coordinators of {plural(len(made), 'plan')} open too long",
               body=f"{plural(len(made), 'plan has', 'plans have')} been open longer than the "
                    "framework allows. Contact each coordinator: these cases are not audited "
                    "for it.",
               link=reverse("programme:cycle_detail", args=[cycle.pk]) + "#contacts")
    cycle.workflow.move(cycle, to=C.CASES_CONFIRMED, actor=actor,
                        what=f"Cases confirmed: {plural(count, 'case')}",
                        reason=f"{plural(len(made), 'coordinator')} to contact." if made else "")
    return cycle


@transaction.atomic
def selection_reopen(*, cycle: Cycle, actor: Person | None, reason: str) -> Cycle:
    """Go back to choosing cases, before any audit is made."""
    cycle = lock(cycle)
    require_move(cycle, C.PLANNING, doing="change the cases")
    if not reason.strip():
        raise DomainError("Say why the list is opened again.", field="reason")
    to = CycleCase.Status.PROPOSED
    CycleCase.objects.filter(cycle=cycle, status__in=CycleCase.workflow.allowed_from[to]).update(
        status=to, updated_at=timezone.now())
    from auditloop.programme.models import AllocationRun

    superseded = AllocationRun.Status.SUPERSEDED
    AllocationRun.objects.filter(
        cycle=cycle, status__in=AllocationRun.workflow.allowed_from[superseded]).update(
        status=superseded)
    cycle.workflow.move(cycle, to=C.PLANNING, actor=actor, what="Case list opened again",
                        reason=reason.strip())
    return cycle


@transaction.atomic
def contact_done(*, contact: CoordinatorContact, actor: Person, note: str) -> CoordinatorContact:
    contact = CoordinatorContact.objects.select_for_update().get(pk=contact.pk)
    if contact.is_done:
        return contact
    contact.done_by = actor
    contact.done_at = timezone.now()
    contact.note = note.strip()
    contact.workflow.move(contact, to=CoordinatorContact.Status.DONE, actor=actor,
                          reason=contact.note, also_save=["done_by", "done_at", "note"])
    return contact


@transaction.atomic
def case_request_create(*, case: Case, kind: str, reason: str, requested_by: Person,
                        good_practice: bool = False, cycle: Cycle | None = None) -> CaseRequest:
    """A request or nomination: it goes on the next proposal, marked as such."""
    if kind not in CaseRequest.Kind.values:
        raise DomainError("Choose what kind of request this is.", field="kind")
    if not reason.strip():
        raise DomainError("Say why this case should be audited.", field="reason")
    if cycle is not None and not cycle.is_planning:
        raise DomainError(f"The {cycle.title}'s cases are already confirmed: the request "
                          "will go to the next cycle.", field="cycle")
    if CaseRequest.objects.filter(case=case, status=CaseRequest.Status.OPEN).exists():
        raise DomainError(f"{case.reference} has already been put forward and is waiting "
                          "for a cycle.", field="reference")
    return CaseRequest.objects.create(
        case=case, kind=kind, reason=reason.strip(), requested_by=requested_by,
        good_practice=good_practice or kind == CaseRequest.Kind.SERVICE_MANAGER, cycle=cycle)


@transaction.atomic
def case_request_withdraw(*, request: CaseRequest, actor: Person) -> CaseRequest:
    request = CaseRequest.objects.select_for_update().get(pk=request.pk)
    if not request.may_become(CaseRequest.Status.WITHDRAWN):
        raise DomainError("This request has already been taken into a cycle.")
    if request.requested_by_id != actor.pk:
        raise DomainError("Only the person who put the case forward can withdraw it.")
    request.workflow.move(request, to=CaseRequest.Status.WITHDRAWN, actor=actor)
    return request

