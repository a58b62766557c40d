"""Proposed themed audits: one service that complaints' themes (voice) and indicators'
signals (indicators) call to put a themed audit to the QA manager, who accepts it (it
becomes the cycle's theme and the filter its case proposal starts from) or dismisses it
with a reason.

004: "analyse and interrogate indicators, in order to hypothesise about practice and then
test the hypothesis through the audit process"; 002: complaints and compliments are one of
the sources the QA activity learns from.

The cycle a proposal is for is the next monthly cycle still choosing its cases that has not
yet been proposed: no open or accepted proposal points at it (a dismissed one frees it).
When there is none yet (the next cycle is not made), the proposal waits with no cycle and
takes the next free one when it is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.programme.models import Cycle, ThemeProposal
from auditloop.programme.services._common import record

P = ThemeProposal.Status

# The selection filter's keys: the case proposal form's own filter fields
# (programme.forms.ProposeForm), so that accepting copies it into the form's starting values.
# case_ids names the cases themselves (an indicator signal's own cases: the children
# re-referred, say), by record number only.
LIST_OF_IDS = ("service_ids", "team_ids", "locality_ids", "case_ids")
FILTER_KEYS = ("themes", *LIST_OF_IDS, "agency_type", "open_longer_than_months",
               "step_down_only")
ABOUT_MAX = 100
# The most cases a filter may name: beyond it a themed audit is no longer about a set of
# cases someone can look through (an indicator counting more suggests teams instead).
CASE_IDS_MAX = 500


def _problem(message: str) -> DomainError:
    return DomainError(message, field="selection_filter")


def clean_selection_filter(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """The filter in its one shape, empty values left out; DomainError for anything else."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _problem("The selection filter must be a set of named filters.")
    unknown = sorted(set(value) - set(FILTER_KEYS))
    if unknown:
        raise _problem(f"The selection filter has no filter called {', '.join(unknown)}: use "
                       f"{', '.join(FILTER_KEYS)}.")
    out: dict[str, Any] = {}
    themes = value.get("themes") or []
    if not isinstance(themes, list | tuple) or not all(isinstance(t, str) for t in themes):
        raise _problem("The filter's themes must be a list of theme names.")
    themes = list(dict.fromkeys(t.strip()[:120] for t in themes if t.strip()))
    if themes:
        out["themes"] = themes
    for key in LIST_OF_IDS:
        ids = value.get(key) or []
        if not isinstance(ids, list | tuple) or not all(
                isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids):
            raise _problem(f"The filter's {key} must be a list of record numbers.")
        if key == "case_ids" and len(set(ids)) > CASE_IDS_MAX:
            raise _problem(f"The filter names {len(set(ids))} cases: a filter may name at "
                           f"most {CASE_IDS_MAX}. Filter by team or service instead.")
        if ids:
            out[key] = sorted(set(ids))
    agency = value.get("agency_type") or ""
    if not isinstance(agency, str):
        raise _problem("The filter's agency type must be words.")
    if agency.strip():
        out["agency_type"] = agency.strip()[:120]
    months = value.get("open_longer_than_months")
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
            raise _problem("The filter's months open must be a whole number from 1 to 240.")
        out["open_longer_than_months"] = months
    step_down = value.get("step_down_only", False)
    if not isinstance(step_down, bool):
        raise _problem("The filter's stepped down only must be true or false.")
    if step_down:
        out["step_down_only"] = True
    return out


def filters_in_words(filters: list[Mapping[str, Any]]) -> list[str]:
    """Each filter for the page, names instead of record numbers: one query a kind of
    record named, however many filters. Cases are counted, never named (the words reach
    the cycle's history and notifications)."""
    from auditloop.people.models import Locality, Service, Team

    kinds = (("service_ids", Service, "service"), ("team_ids", Team, "team"),
             ("locality_ids", Locality, "locality"))
    names: dict[str, dict[int, str]] = {}
    for key, model, _ in kinds:
        wanted = {i for f in filters for i in f.get(key) or []}
        names[key] = dict(model.objects.filter(pk__in=wanted)  # type: ignore[attr-defined]
                          .values_list("pk", "name")) if wanted else {}
    out = []
    for selection_filter in filters:
        words = []
        if selection_filter.get("themes"):
            words.append("theme " + " or ".join(selection_filter["themes"]))
        for key, _, what in kinds:
            ids = selection_filter.get(key)
            if ids:
                words.append(f"{what} " + " or ".join(
                    sorted(names[key].get(i, f"number {i}") for i in ids)))
        cases = len(selection_filter.get("case_ids") or [])
        if cases:
            words.append(f"only the {cases} case{'' if cases == 1 else 's'} the signal "
                         "counted")
        if selection_filter.get("agency_type"):
            words.append(f"agency type {selection_filter['agency_type']}")
        if selection_filter.get("open_longer_than_months"):
            words.append(f"open longer than {selection_filter['open_longer_than_months']} "
                         "months")
        if selection_filter.get("step_down_only"):
            words.append("stepped down only")
        out.append("; ".join(words))
    return out


def filter_in_words(selection_filter: Mapping[str, Any]) -> str:
    return filters_in_words([selection_filter])[0]


def candidate_cycles() -> QuerySet[Cycle]:
    """Monthly cycles still choosing their cases whose month has not ended, soonest first."""
    return (Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, status=Cycle.Status.PLANNING,
                                 period_end__gte=timezone.localdate())
            .order_by("year", "number", "pk"))


def next_unproposed_cycle(*, excluding: ThemeProposal | None = None) -> Cycle | None:
    """The next cycle that has not yet been proposed (the module's docstring)."""
    taken = ThemeProposal.objects.filter(status__in=(P.PROPOSED, P.ACCEPTED),
                                         cycle__isnull=False)
    if excluding is not None:
        taken = taken.exclude(pk=excluding.pk)
    return candidate_cycles().exclude(pk__in=taken.values("cycle_id")).first()


def open_proposals() -> QuerySet[ThemeProposal]:
    return ThemeProposal.objects.filter(status=P.PROPOSED).select_related(
        "cycle", "proposed_by").order_by("created_at", "pk")


def decided_proposals(limit: int = 20) -> QuerySet[ThemeProposal]:
    return ThemeProposal.objects.exclude(status=P.PROPOSED).select_related(
        "cycle", "decided_by").order_by("-decided_at", "-pk")[:limit]


def open_proposal_for(*, source: str, about: str) -> ThemeProposal | None:
    return ThemeProposal.objects.filter(source=source, about=about, status=P.PROPOSED).first()


def _text(value: str, field: str, what: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"Enter {what}.", field=field)
    if max_length is not None and len(text) > max_length:
        raise DomainError(f"{what[0].upper()}{what[1:]} must be {max_length} characters or "
                          "fewer.", field=field)
    return text


def propose_theme(*, source: str, about: str, theme: str, hypothesis: str,
                  selection_filter: Mapping[str, Any] | None = None,
                  actor: Person | None = None) -> ThemeProposal:
    """Put a themed audit to the QA manager. One open proposal per (source, about): while
    one is waiting, proposing again returns it unchanged."""
    if source not in ThemeProposal.Source.values:
        raise DomainError(f"“{source}” is not a source of proposals: use "
                          f"{', '.join(ThemeProposal.Source.values)}.", field="source")
    about = _text(about, "about", "what the proposal is about", ABOUT_MAX)
    existing = open_proposal_for(source=source, about=about)
    if existing is not None:
        return existing
    theme = _text(theme, "theme", "the theme", 200)
    hypothesis = _text(hypothesis, "hypothesis", "the hypothesis to test")
    clean = clean_selection_filter(selection_filter)
    try:
        with transaction.atomic():
            cycle = next_unproposed_cycle()
            if cycle is not None:
                # Two proposals at once must not both take the same cycle unseen: lock it.
                Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
            return ThemeProposal.objects.create(
                source=source, about=about, theme=theme, hypothesis=hypothesis,
                selection_filter=clean, cycle=cycle, proposed_by=actor)
    except IntegrityError:
        # The same (source, about) proposed at the same moment: the other call's row.
        found = open_proposal_for(source=source, about=about)
        if found is None:
            raise
        return found


def _locked(proposal: ThemeProposal) -> ThemeProposal:
    return ThemeProposal.objects.select_for_update().get(pk=proposal.pk)


@transaction.atomic
def accept(proposal: ThemeProposal, actor: Person | None, *, theme: str | None = None,
           hypothesis: str | None = None,
           selection_filter: Mapping[str, Any] | None = None) -> ThemeProposal:
    """Accept it, as it is or as edited: its cycle takes the theme and the selection
    filter (the case proposal form starts from it). A cycle that has moved on, or that
    another accepted proposal has taken, gives way to the next free one."""
    proposal = _locked(proposal)
    if not proposal.is_open:
        proposal.workflow.check(proposal, P.ACCEPTED, actor)  # the clear message
    if theme is not None:
        proposal.theme = _text(theme, "theme", "the theme", 200)
    if hypothesis is not None:
        proposal.hypothesis = _text(hypothesis, "hypothesis", "the hypothesis to test")
    if selection_filter is not None:
        proposal.selection_filter = clean_selection_filter(selection_filter)
    cycle = proposal.cycle
    if cycle is not None:
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    taken = cycle is not None and ThemeProposal.objects.filter(
        cycle=cycle, status=P.ACCEPTED).exclude(pk=proposal.pk).exists()
    if (cycle is None or not cycle.is_planning or taken
            or cycle.period_end < timezone.localdate()):
        cycle = next_unproposed_cycle(excluding=proposal)
        if cycle is None:
            raise DomainError("There is no cycle still choosing its cases to take this theme. "
                              "Make the next cycle, then accept it.")
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    proposal.cycle = cycle
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.workflow.move(
        proposal, to=P.ACCEPTED, actor=actor, reason=proposal.hypothesis,
        also_save=["theme", "hypothesis", "selection_filter", "cycle", "decided_by",
                   "decided_at"])
    cycle.theme = proposal.theme
    cycle.theme_source = Cycle.ThemeSource.PROPOSAL
    cycle.theme_reason = (f"{proposal.get_source_display()}: {proposal.hypothesis}")[:500]
    cycle.selection_filter = dict(proposal.selection_filter)
    cycle.save(update_fields=["theme", "theme_source", "theme_reason", "selection_filter",
                              "updated_at"])
    words = filter_in_words(cycle.selection_filter)
    record(cycle, actor, f"Theme set by a proposed themed audit: {cycle.theme}",
           proposal.hypothesis + (f" Cases filtered by {words}." if words else ""))
    return proposal


@transaction.atomic
def dismiss(proposal: ThemeProposal, actor: Person | None, reason: str) -> ThemeProposal:
    """Dismiss it, saying why: the reason is kept with it, and the cycle it held is free."""
    reason = _text(reason, "reason", "why the proposal is dismissed")
    proposal = _locked(proposal)
    proposal.dismissal_reason = reason
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.workflow.move(proposal, to=P.DISMISSED, actor=actor, reason=reason,
                           also_save=["dismissal_reason", "decided_by", "decided_at"])
    return proposal
