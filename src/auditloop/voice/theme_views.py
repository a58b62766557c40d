"""Complaint themes: the year's complaints by theme, against the year before, and from each
a proposed themed audit for the QA manager (programme.proposals), with a hypothesis written
from the counts (002: what complaints show is learnt from; 004: hypothesise, then test the
hypothesis through the audit process)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from auditloop.cases.models import Theme
from auditloop.common.access import capability_required
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.people.roles import Capability
from auditloop.programme import proposals
from auditloop.programme.models import ThemeProposal
from auditloop.voice import selectors
from auditloop.voice.models import ComplaintCompliment

# The year is the last 12 months, as the complaints log's themes table and 002's annual
# report look back a year; the year before is the 12 months before that.
YEAR_MONTHS = 12
PROPOSERS = (Capability.RUN_CYCLE, Capability.LOG_COMPLAINTS)
SOURCE = ThemeProposal.Source.COMPLAINTS


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    this_year: int
    year_before: int
    proposal: ThemeProposal | None = None

    @property
    def rose(self) -> bool:
        return self.this_year > self.year_before


def year_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of this year (the last 12 months) and of the year before."""
    since = add_months(today, -YEAR_MONTHS) + dt.timedelta(days=1)
    return since, add_months(since, -YEAR_MONTHS)


def theme_rows(today: dt.date, theme: str | None = None) -> list[ThemeRow]:
    """Complaints by theme, this year and the year before, most this year first; themes
    with no complaint this year are left out. One query."""
    since, before = year_bounds(today)
    qs = ComplaintCompliment.objects.filter(
        kind=ComplaintCompliment.Kind.COMPLAINT, received_on__gte=before,
        received_on__lte=today).exclude(theme="")
    if theme is not None:
        qs = qs.filter(theme=theme)
    rows = (qs.values("theme")
            .annotate(this_year=Count("id", filter=Q(received_on__gte=since)),
                      year_before=Count("id", filter=Q(received_on__lt=since))))
    out = [ThemeRow(r["theme"], r["this_year"], r["year_before"]) for r in rows
           if r["this_year"]]
    return sorted(out, key=lambda r: (-r.this_year, r.theme.casefold()))


def about_key(theme: str, today: dt.date) -> str:
    """What the proposal is about: the theme and the year, as an opaque key."""
    return f"complaints:{slugify(theme)[:60] or 'theme'}:{today.isoformat()[:4]}"


def hypothesis_for(row: ThemeRow) -> str:
    counted = (f"rose to {row.this_year} this year, from {row.year_before} the year before"
               if row.rose else
               f"stood at {row.this_year} this year, against {row.year_before} the year "
               "before")
    return (f"Complaints about {row.theme} {counted}: practice in cases on this theme may "
            "not be meeting families' needs. A themed audit of those cases tests whether "
            "it does, and what would change it.")


def _register_theme(name: str) -> str | None:
    """The case register's spelling of a theme, for the case filter; None when the register
    has no such theme (the proposal then names the theme without filtering by it)."""
    found = Theme.objects.filter(name__iexact=name).values_list("name", flat=True).first()
    return found


@require_http_methods(["GET", "POST"])
@capability_required(*selectors.READERS, *PROPOSERS)
def complaint_themes(request: HttpRequest) -> HttpResponse:
    """The table (GET: counts only, no entry of the log, for those who read the log or run
    the cycle); proposing from it (POST: those who log complaints or run the cycle)."""
    user = request.user
    if request.method == "POST":
        if not any(user.has_capability(c) for c in PROPOSERS):  # type: ignore[union-attr]
            raise PermissionDenied
        return _propose(request)
    today = timezone.localdate()
    rows = theme_rows(today)
    keys = {about_key(r.theme, today): r for r in rows}
    waiting = {p.about: p for p in ThemeProposal.objects.filter(
        source=SOURCE, status=ThemeProposal.Status.PROPOSED, about__in=list(keys))
        .select_related("cycle")}
    rows = [ThemeRow(r.theme, r.this_year, r.year_before, waiting.get(key))
            for key, r in keys.items()]
    since, before = year_bounds(today)
    return render(request, "voice/complaint_themes.html", {
        "rows": rows, "since": since, "before": before, "today": today,
        "may_propose": any(user.has_capability(c) for c in PROPOSERS),  # type: ignore[union-attr]
        "sees_proposals": user.has_capability(Capability.RUN_CYCLE),  # type: ignore[union-attr]
    })


def _propose(request: HttpRequest) -> HttpResponse:
    """Propose a themed audit of one theme (named in the form, never in the address)."""
    today = timezone.localdate()
    theme = str(request.POST.get("theme", "")).strip()
    found = theme_rows(today, theme=theme) if theme else []
    if not found:
        messages.error(request, "There were no complaints about that theme this year, so "
                                "there is nothing to propose. Choose a theme from the table.")
        return redirect("voice:complaint_themes")
    row = found[0]
    register_name = _register_theme(row.theme)
    try:
        proposal = proposals.propose_theme(
            source=SOURCE, about=about_key(row.theme, today), theme=row.theme,
            hypothesis=hypothesis_for(row),
            selection_filter={"themes": [register_name]} if register_name else {},
            actor=request.user.person_or_none)  # type: ignore[union-attr]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("voice:complaint_themes")
    cycle = f" for the {proposal.cycle.title}" if proposal.cycle else ""
    messages.success(request, f"A themed audit of {row.theme} is proposed{cycle}. The QA "
                              "manager accepts or dismisses it.")
    return redirect("voice:complaint_themes")
