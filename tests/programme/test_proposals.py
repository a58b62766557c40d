"""Proposed themed audits (programme.proposals): one open proposal per source and subject,
the cycle it is for, accepting (as it is or edited) and dismissing with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from auditloop.common.errors import DomainError, WorkflowError
from auditloop.programme import proposals, services
from auditloop.programme.models import Cycle, ThemeProposal
from tests.factories import PersonFactory, ServiceFactory

pytestmark = pytest.mark.django_db
P = ThemeProposal.Status
TODAY = dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(TODAY, tick=False):
        yield


def _cycles(*numbers: int) -> list[Cycle]:
    return [services.cycle_create(year=2026, number=n, actor=None) for n in numbers]


def _propose(about: str = "complaints:neglect:2026", **kw: object) -> ThemeProposal:
    values: dict[str, object] = {
        "source": "complaints", "about": about, "theme": "Neglect",
        "hypothesis": "Complaints about neglect rose to 9 this year: plans may not be "
                      "reviewed when things change.",
        "selection_filter": {"themes": ["Neglect"]}, **kw}
    return proposals.propose_theme(**values)  # type: ignore[arg-type]


def test_a_proposal_is_for_the_next_cycle_still_choosing_its_cases(framework):
    may, june, july = _cycles(5, 6, 7)
    Cycle.objects.filter(pk=may.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    first = _propose()
    assert first.status == P.PROPOSED and first.cycle == june
    assert first.selection_filter == {"themes": ["Neglect"]}
    # June has been proposed: the next proposal is for July; then none is left.
    second = _propose("indicator:12", source="indicator", theme="Drift")
    assert second.cycle == july
    assert _propose("indicator:13", source="indicator", theme="Plans").cycle is None


def test_a_past_month_is_not_proposed(framework):
    april, june = _cycles(4, 6)
    assert _propose().cycle == june


def test_a_second_call_for_the_same_subject_returns_the_open_proposal(framework):
    _cycles(6, 7)
    first = _propose()
    again = _propose(theme="Something else", hypothesis="Another")
    assert again.pk == first.pk and again.theme == "Neglect"
    assert ThemeProposal.objects.count() == 1
    # Another source with the same words is another proposal.
    assert _propose(source="indicator").pk != first.pk


def test_once_decided_the_same_subject_may_be_proposed_again(framework):
    _cycles(6, 7)
    first = _propose()
    proposals.dismiss(first, PersonFactory(), "Audited last spring")
    second = _propose()
    assert second.pk != first.pk and second.is_open


def test_accepting_sets_the_cycles_theme_and_filter(framework):
    june, _ = _cycles(6, 7)
    qa = PersonFactory()
    proposal = proposals.accept(_propose(), qa)
    june.refresh_from_db()
    assert proposal.status == P.ACCEPTED and proposal.decided_by == qa
    assert proposal.decided_at is not None
    assert june.theme == "Neglect" and june.theme_source == Cycle.ThemeSource.PROPOSAL
    assert june.selection_filter == {"themes": ["Neglect"]}
    assert "neglect rose to 9" in june.theme_reason
    assert june.events.filter(what__contains="proposed themed audit").exists()
    assert proposal.status_history().get().to_status == P.ACCEPTED


def test_edit_then_accept(framework):
    june, _ = _cycles(6, 7)
    service = ServiceFactory()
    proposal = proposals.accept(_propose(), PersonFactory(), theme="Neglect and drift",
                                hypothesis="Plans drift where neglect is the worry.",
                                selection_filter={"service_ids": [service.pk],
                                                  "open_longer_than_months": 6})
    june.refresh_from_db()
    assert proposal.theme == june.theme == "Neglect and drift"
    assert june.selection_filter == {"service_ids": [service.pk],
                                     "open_longer_than_months": 6}
    assert ThemeProposal.objects.get().hypothesis == "Plans drift where neglect is the worry."


def test_the_accepted_filter_is_where_the_case_proposal_form_starts(framework,
                                                                   qa_manager_client):
    june, _ = _cycles(6, 7)
    service = ServiceFactory()
    proposals.accept(_propose(), None, selection_filter={"service_ids": [service.pk],
                                                         "step_down_only": True})
    form = qa_manager_client.get(f"/programme/{june.pk}/propose").context["form"]
    assert form.initial["service_ids"] == [service.pk]
    assert form.initial["step_down_only"] is True


def test_accepting_takes_the_next_free_cycle_when_its_own_has_moved_on(framework):
    june, july = _cycles(6, 7)
    proposal = _propose()
    Cycle.objects.filter(pk=june.pk).update(status=Cycle.Status.CASES_CONFIRMED)
    assert proposals.accept(proposal, None).cycle == july


def test_accepting_with_no_cycle_to_take_it_says_so(framework):
    proposal = _propose()
    assert proposal.cycle is None
    with pytest.raises(DomainError, match="Make the next cycle"):
        proposals.accept(proposal, None)
    june = _cycles(6)[0]
    assert proposals.accept(proposal, None).cycle == june


def test_dismissing_needs_a_reason_and_keeps_it(framework):
    _cycles(6)
    proposal = _propose()
    with pytest.raises(DomainError, match="why"):
        proposals.dismiss(proposal, None, "  ")
    qa = PersonFactory()
    proposal = proposals.dismiss(proposal, qa, "Neglect was audited in March")
    proposal.refresh_from_db()
    assert proposal.status == P.DISMISSED
    assert proposal.dismissal_reason == "Neglect was audited in March"
    assert proposal.decided_by == qa


def test_a_dismissed_proposal_frees_its_cycle(framework):
    june, _ = _cycles(6, 7)
    proposals.dismiss(_propose(), None, "Not now")
    assert _propose("indicator:4", source="indicator").cycle == june


def test_a_decided_proposal_is_decided_once(framework):
    _cycles(6)
    proposal = proposals.accept(_propose(), None)
    with pytest.raises(WorkflowError):
        proposals.dismiss(proposal, None, "Changed my mind")
    with pytest.raises(WorkflowError):
        proposals.accept(proposal, None)


@pytest.mark.parametrize("bad", [
    {"colour": ["red"]}, {"themes": "Neglect"}, {"service_ids": ["one"]},
    {"open_longer_than_months": 0}, {"step_down_only": "yes"}, ["themes"],
])
def test_a_filter_not_in_the_forms_shape_is_refused(framework, bad):
    with pytest.raises(DomainError) as caught:
        _propose(selection_filter=bad)
    assert caught.value.field == "selection_filter"


def test_the_subject_is_required_and_short(framework):
    with pytest.raises(DomainError):
        _propose(about="")
    with pytest.raises(DomainError):
        _propose(about="x" * 101)
    with pytest.raises(DomainError):
        _propose(source="gossip")
    with pytest.raises(DomainError):
        _propose(hypothesis=" ")
