"""A selection filter of named cases (`case_ids`: an indicator signal's own cases): the
proposal's filter holds it, the draw takes only those cases, the forms carry it in hidden
inputs behind one box, and the words count the cases without naming them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits.models import Audit
from auditloop.common.errors import DomainError
from auditloop.programme import proposals, sampling, selectors, services
from auditloop.programme.forms import ProposeForm
from auditloop.programme.models import Cycle, CycleCase, ThemeProposal
from auditloop.programme.proposal_views import ProposalEditForm
from auditloop.programme.services import SelectionAsk
from tests.factories import CaseFactory, make_audit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def june(framework) -> Cycle:  # type: ignore[no-untyped-def]
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    services.cycle_create(year=2026, number=7, actor=None)
    return cycle


def _ids(council, *positions: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [council["cases"][i].pk for i in positions]


def _propose(selection_filter: dict[str, object]) -> ThemeProposal:
    return proposals.propose_theme(
        source="indicator", about="indicator-signal:1", theme="Re-referrals",
        hypothesis="Re-referrals rose above the upper limit in April 2026.",
        selection_filter=selection_filter)


# The filter's shape ---------------------------------------------------------------------


def test_the_filter_takes_case_ids_sorted_once_each():
    assert proposals.clean_selection_filter({"case_ids": [9, 3, 9]}) == {"case_ids": [3, 9]}
    assert proposals.clean_selection_filter({"case_ids": []}) == {}
    assert "case_ids" in proposals.FILTER_KEYS


@pytest.mark.parametrize("bad", [["EH-1001"], [0], [True], "4", [1.5]])
def test_case_ids_must_be_record_numbers(bad):
    with pytest.raises(DomainError, match="case_ids must be a list of record numbers") as caught:
        proposals.clean_selection_filter({"case_ids": bad})
    assert caught.value.field == "selection_filter"


def test_a_filter_names_at_most_so_many_cases():
    most = list(range(1, proposals.CASE_IDS_MAX + 1))
    assert len(proposals.clean_selection_filter({"case_ids": most})["case_ids"]) == len(most)
    with pytest.raises(DomainError, match="at most 500") as caught:
        proposals.clean_selection_filter({"case_ids": [*most, len(most) + 1]})
    assert caught.value.field == "selection_filter"


def test_the_words_count_the_cases_and_never_name_them(council):
    chosen = council["cases"][:12]
    words = proposals.filter_in_words({"case_ids": [c.pk for c in chosen],
                                       "team_ids": [council["teams"][0].pk]})
    assert words == "team Early Help North; only the 12 cases the signal counted"
    assert not any(c.reference in words for c in chosen)
    assert proposals.filter_in_words({"case_ids": [chosen[0].pk]}) == (
        "only the 1 case the signal counted")


# The draw ----------------------------------------------------------------------------------


def test_a_case_not_named_is_not_what_was_asked_for():
    facts = sampling.CaseFacts(case_id=5, is_open=True, service_kind="early_help",
                               service_id=1)
    on = dt.date(2026, 6, 1)
    assert sampling.matches_filters(facts, sampling.Rules(on=on))
    assert sampling.matches_filters(facts, sampling.Rules(on=on, case_ids=frozenset({5, 6})))
    named_others = sampling.Rules(on=on, case_ids=frozenset({6}))
    assert not sampling.matches_filters(facts, named_others)
    assert sampling.left_out_because(facts, named_others) == sampling.NOT_ASKED


def test_the_draw_takes_only_the_named_cases(june, council):
    named = _ids(council, 1, 4, 7, 10, 13)
    ask = SelectionAsk(random_count=3, seed=11, case_ids=tuple(named))
    assert ask.has_filters and not SelectionAsk(random_count=3).has_filters
    draw = services.selection_propose(cycle=june, ask=ask, actor=None)
    assert len(draw.chosen) == 3 and set(draw.chosen) <= set(named)
    assert sorted(row[0] for row in draw.population) == sorted(named)
    assert draw.left_out == {sampling.NOT_ASKED: 15}
    assert draw.asked["case_ids"] == named
    reasons = list(CycleCase.objects.filter(cycle=june).values_list("reason", flat=True))
    assert all("drawn from 5 eligible cases" in r and "limited to 5 named cases" in r
               for r in reasons)
    assert not any(c.reference in r for r in reasons for c in council["cases"])
    assert selectors.draw_rerun(draw).same
    # Asking for more than were named takes all of them, and no other.
    more = services.selection_propose(cycle=june, ask=SelectionAsk(
        random_count=10, seed=11, case_ids=tuple(named)), actor=None)
    assert sorted(more.chosen) == sorted(named)


def test_cases_audited_before_are_chosen_again_only_from_the_named_cases(june, council):
    for case in council["cases"][:6]:
        audit = make_audit(case=case)
        Audit.objects.filter(pk=audit.pk).update(
            created_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    named = _ids(council, 0, 1, 10)
    draw = services.selection_propose(cycle=june, ask=SelectionAsk(
        random_count=0, seed=3, case_ids=tuple(named), previously_audited_count=5,
        previously_audited_months=6), actor=None)
    assert sorted(draw.previously_audited) == _ids(council, 0, 1)


def test_a_draw_stored_before_case_ids_still_reruns_and_confirms(june, council):
    draw = services.selection_propose(cycle=june, ask=SelectionAsk(random_count=4, seed=42),
                                      actor=None)
    # What was asked, as a draw stored before the filter existed kept it.
    old = {k: v for k, v in draw.asked.items() if k != "case_ids"}
    type(draw).objects.filter(pk=draw.pk).update(asked=old)
    draw.refresh_from_db()
    assert "case_ids" not in draw.asked
    assert selectors.draw_rerun(draw).same
    services.selection_confirm(cycle=june, actor=None)
    june.refresh_from_db()
    assert june.status == Cycle.Status.CASES_CONFIRMED


# The forms ---------------------------------------------------------------------------------


def _posted(**values: object) -> dict[str, object]:
    return {"random_count": "2", "seed": "7", **values}


def test_the_propose_form_carries_the_named_cases_while_the_box_is_ticked(june, council):
    named = _ids(council, 2, 3, 5)
    form = ProposeForm(_posted(case_ids=[str(i) for i in named], limit_to_cases="on"))
    assert form.is_valid(), form.errors
    assert form.ask().case_ids == tuple(named)
    # Unticked: the limit is dropped.
    form = ProposeForm(_posted(case_ids=[str(i) for i in named]))
    assert form.is_valid() and form.ask().case_ids == ()
    # Nothing carried: no limit, whatever the box.
    form = ProposeForm(_posted(limit_to_cases="on"))
    assert form.is_valid() and form.ask().case_ids == ()


def test_a_case_no_longer_on_the_register_is_left_out(june, council):
    gone = CaseFactory()
    gone_id = gone.pk
    gone.delete()
    kept = _ids(council, 0)
    form = ProposeForm(_posted(case_ids=[str(gone_id), str(kept[0])], limit_to_cases="on"))
    assert form.fields["limit_to_cases"].label == "Only the 1 case the signal counted"
    assert form.is_valid() and form.ask().case_ids == tuple(kept)
    form = ProposeForm(_posted(case_ids=[str(gone_id)], limit_to_cases="on"))
    assert not form.is_valid()
    assert "None of the cases the signal counted" in form.errors["limit_to_cases"][0]


@pytest.mark.parametrize("carried", [["EH-1001"], ["-3"], [str(i) for i in range(1, 502)]])
def test_unreadable_or_too_many_cases_are_an_error_on_the_box(june, carried):
    form = ProposeForm(_posted(case_ids=carried, limit_to_cases="on"))
    assert not form.is_valid()
    assert "case_ids" not in form.errors and form.errors["limit_to_cases"]


def test_the_accepted_filter_reaches_the_propose_page_in_hidden_inputs(june, council,
                                                                      qa_manager_client):
    named = _ids(council, 0, 5, 9)
    proposals.accept(_propose({"case_ids": named}), None)
    june.refresh_from_db()
    assert june.selection_filter == {"case_ids": named}
    url = reverse("programme:propose", args=[june.pk])
    page = qa_manager_client.get(url)
    form = page.context["form"]
    assert form.initial["case_ids"] == named and form["limit_to_cases"].value() is True
    html = page.content.decode()
    for pk in named:
        assert f'type="hidden" name="case_ids" value="{pk}"' in html
    assert "Only the 3 cases the signal counted" in html
    assert 'id="id_limit_to_cases" name="limit_to_cases" type="checkbox" value="on" checked' \
        in html
    assert not any(c.reference in html for c in council["cases"])
    # The page posts them back: the draw is limited to them, nothing in the URL.
    response = qa_manager_client.post(url, {
        "random_count": "2", "seed": "5", "case_ids": [str(i) for i in named],
        "limit_to_cases": "on", "drift": "on"})
    assert response.status_code == 302 and "?" not in response.url
    draw = june.draws.get()
    assert set(draw.chosen) <= set(named) and len(draw.chosen) == 2


def test_the_propose_page_without_named_cases_shows_no_box(june, qa_manager_client):
    page = qa_manager_client.get(reverse("programme:propose", args=[june.pk]))
    assert 'name="limit_to_cases"' not in page.content.decode()


def test_edit_then_accept_keeps_or_drops_the_named_cases(june, council, qa_manager_client):
    named = _ids(council, 1, 2)
    proposal = _propose({"case_ids": named})
    url = reverse("programme:proposal_edit", args=[proposal.pk])
    page = qa_manager_client.get(url)
    assert "Only the 2 cases the signal counted" in page.content.decode()
    assert page.context["form"]["limit_to_cases"].value() is True
    base = {"theme": "Re-referrals", "hypothesis": "Thresholds at the front door.",
            "case_ids": [str(i) for i in named], "agency_type": ""}
    response = qa_manager_client.post(url, {**base, "limit_to_cases": "on"})
    assert response.status_code == 302
    june.refresh_from_db()
    assert june.selection_filter == {"case_ids": named}
    # A second proposal, edited with the box unticked: no limit.
    other = proposals.propose_theme(
        source="indicator", about="indicator-signal:2", theme="Re-referrals",
        hypothesis="Again.", selection_filter={"case_ids": named})
    assert other.cycle is not None
    response = qa_manager_client.post(
        reverse("programme:proposal_edit", args=[other.pk]), base)
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.selection_filter == {}


def test_the_edit_form_shares_the_propose_forms_field(june, council):
    form = ProposalEditForm(initial={"case_ids": _ids(council, 0)})
    assert "case_ids" in form.fields and "limit_to_cases" in form.fields
    assert form.fields["limit_to_cases"].label == "Only the 1 case the signal counted"
