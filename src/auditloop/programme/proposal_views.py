"""The QA manager's page of proposed themed audits (from complaints' themes and indicators'
signals): each waiting proposal is accepted as it is, edited then accepted, or dismissed
with a reason (programme.proposals)."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.cases.models import Theme
from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.people.models import Locality, Service, Team
from auditloop.people.roles import Capability
from auditloop.programme import proposals
from auditloop.programme.forms import CaseLimitForm, ProposeForm
from auditloop.programme.models import ThemeProposal
from auditloop.programme.views import form_error, person_of, posted

RUN = Capability.RUN_CYCLE
LIST = "programme:proposal_list"


class ProposalEditForm(CaseLimitForm):
    """The theme, the hypothesis and the case proposal form's own filter fields (the cases
    a signal counted ride in hidden inputs, kept while their box is ticked)."""

    theme = forms.CharField(max_length=200, label="Theme",
                            error_messages={"required": "Enter the theme"})
    hypothesis = forms.CharField(widget=forms.Textarea, label="Hypothesis to test",
                                 help_text="What the audits should find out.",
                                 error_messages={"required": "Enter the hypothesis to test"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in proposals.FILTER_KEYS:
            self.fields[key] = copy.deepcopy(ProposeForm.base_fields[key])
        self.fields["service_ids"].choices = _choices(Service)  # type: ignore[attr-defined]
        self.fields["team_ids"].choices = _choices(Team)  # type: ignore[attr-defined]
        self.fields["locality_ids"].choices = _choices(Locality)  # type: ignore[attr-defined]
        names = list(Theme.objects.order_by("name").values_list("name", flat=True))
        # A proposal's theme need not be on the register yet: keep it choosable.
        for extra in (self.initial.get("themes") or []):
            if extra not in names:
                names.append(extra)
        self.fields["themes"].choices = [(n, n) for n in names]  # type: ignore[attr-defined]
        self.fields["limit_to_cases"].help_text = (
            "The cases the indicator counted in the month it signalled, by record number "
            "only. Untick to draw from every case the other filters allow.")

    def selection_filter(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {key: d[key] for key in proposals.FILTER_KEYS}


def _choices(model: Any) -> list[tuple[int, str]]:
    return list(model.objects.order_by("name").values_list("pk", "name"))


class DismissForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Why is it dismissed?",
                             help_text="Kept with the proposal, for whoever proposes it again.",
                             error_messages={"required": "Say why the proposal is dismissed"})


def _get(proposal_id: int) -> ThemeProposal:
    found = (ThemeProposal.objects.select_related("cycle", "proposed_by", "decided_by")
             .filter(pk=proposal_id).first())
    if found is None:
        raise Http404
    return found


def _decided_words(proposal: ThemeProposal) -> str:
    who = proposal.decided_by.full_name if proposal.decided_by else "someone"
    when = f" on {proposal.decided_at:%-d %B %Y}" if proposal.decided_at else ""
    return (f"This proposal was {proposal.get_status_display().lower()} by {who}{when}, so it "
            "cannot change now.")


def _list_page(request: HttpRequest, errors: list[str] | None = None,
               status: int = 200) -> HttpResponse:
    waiting = list(proposals.open_proposals())
    decided = list(proposals.decided_proposals())
    return render(request, "programme/proposals.html", {
        "waiting": waiting, "decided": decided, "errors": errors or [],
        "filters": dict(zip([p.pk for p in waiting], proposals.filters_in_words(
            [p.selection_filter for p in waiting]), strict=True)),
        "next_cycle": proposals.next_unproposed_cycle(),
    }, status=status)


@require_GET
@capability_required(RUN)
def proposal_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _stale(request: HttpRequest, proposal: ThemeProposal, wanted: str) -> HttpResponse:
    """A form posted after the proposal was decided: the same decision again (a double
    click, a resent form) is done already; another is refused, saying who decided."""
    if proposal.status == wanted:
        messages.info(request, f"The proposal on {proposal.theme} is already "
                               f"{proposal.get_status_display().lower()}.")
        return redirect(LIST)
    return _list_page(request, [_decided_words(proposal)], status=409)


@require_POST
@capability_required(RUN)
def proposal_accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _get(proposal_id)
    if not proposal.is_open:
        return _stale(request, proposal, ThemeProposal.Status.ACCEPTED)
    try:
        proposal = proposals.accept(proposal, person_of(request))
    except DomainError as exc:
        fresh = _get(proposal_id)
        if not fresh.is_open:
            return _stale(request, fresh, ThemeProposal.Status.ACCEPTED)
        return _list_page(request, [exc.message], status=400)
    return _accepted(request, proposal)


def _accepted(request: HttpRequest, proposal: ThemeProposal) -> HttpResponse:
    assert proposal.cycle is not None
    messages.success(request, f"Accepted: {proposal.theme} is the theme of the "
                              f"{proposal.cycle.title}, and its case proposal starts from "
                              "the proposal's filter.")
    return redirect(LIST)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def proposal_edit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _get(proposal_id)
    if not proposal.is_open:
        return _stale(request, proposal, ThemeProposal.Status.ACCEPTED)
    initial = {"theme": proposal.theme, "hypothesis": proposal.hypothesis,
               **proposal.selection_filter}
    form = ProposalEditForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.accept(
                proposal, person_of(request), theme=form.cleaned_data["theme"],
                hypothesis=form.cleaned_data["hypothesis"],
                selection_filter=form.selection_filter())
        except DomainError as exc:
            fresh = _get(proposal_id)
            if not fresh.is_open:
                return _stale(request, fresh, ThemeProposal.Status.ACCEPTED)
            form_error(form, exc)
        else:
            return _accepted(request, proposal)
    return render(request, "programme/proposal_edit.html", {
        "form": form, "proposal": proposal,
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def proposal_dismiss(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _get(proposal_id)
    if not proposal.is_open:
        return _stale(request, proposal, ThemeProposal.Status.DISMISSED)
    form = DismissForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            proposals.dismiss(proposal, person_of(request), form.cleaned_data["reason"])
        except DomainError as exc:
            fresh = _get(proposal_id)
            if not fresh.is_open:
                return _stale(request, fresh, ThemeProposal.Status.DISMISSED)
            form_error(form, exc)
        else:
            messages.success(request, f"The proposal on {proposal.theme} is dismissed. The "
                                      "reason is kept with it.")
            return redirect(LIST)
    return render(request, "programme/reason.html", {
        "form": form, "title": "Dismiss the proposed themed audit", "submit": "Dismiss it",
        "back": LIST, "back_text": "Back to proposed themed audits",
        "caption": f"Proposed: {proposal.theme}",
        "hint": proposal.hypothesis,
    }, status=400 if form.errors else 200)
